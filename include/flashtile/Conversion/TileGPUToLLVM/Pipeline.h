//===- Pipeline.h - the lowering part of the NVIDIA pipeline ----*- C++ -*-===//
//
// The passes that take a module of tilegpu kernels, after the tilegpu
// transform passes (layout assignment, ..., shared-memory allocation,
// barrier insertion), to the LLVM dialect with NVVM ops, ready for
// translation to LLVM IR and PTX (flashtile/Target/PTX/PTX.h).
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_CONVERSION_TILEGPUTOLLVM_PIPELINE_H
#define FLASHTILE_CONVERSION_TILEGPUTOLLVM_PIPELINE_H

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace flashtile {

/// Options of the NVIDIA backend.
struct NvidiaOptions {
  /// Compute capability: 75, 80, 86, 89 or 90.
  int arch = 80;
  /// Warps per CTA (layout assignment reads it; the lowering takes it from
  /// the module's `tilegpu.num_warps`).
  int numWarps = 4;
};

/// Appends, to a pass manager on the module:
///   convert-tilegpu-to-llvm{arch=<arch>}, convert-scf-to-cf,
///   convert-arith-to-llvm, convert-math-to-llvm, convert-cf-to-llvm,
///   convert-func-to-llvm, convert-ub-to-llvm, reconcile-unrealized-casts,
///   canonicalize, cse.
void buildTileGPUToLLVMPipeline(mlir::OpPassManager &pm,
                                const NvidiaOptions &options);

/// Registers the pipeline above as `tilegpu-to-llvm{arch=80}` with the
/// global pass registry.
void registerTileGPUToLLVMPipeline();

} // namespace flashtile

#endif // FLASHTILE_CONVERSION_TILEGPUTOLLVM_PIPELINE_H
