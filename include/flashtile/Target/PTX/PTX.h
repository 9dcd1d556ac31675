//===- PTX.h - LLVM dialect to LLVM IR and PTX -------------------*- C++
//-*-===//
//
// The last step of the NVIDIA backend: a module in the LLVM dialect (with
// NVVM ops), the output of buildTileGPUToLLVMPipeline, is translated to an
// llvm::Module, optimized with LLVM's O3 pipeline for the NVPTX target, and
// compiled to PTX text by the NVPTX back end of libLLVM.
//
// PTX ISA version: 7.8 for every supported architecture (sm_75, sm_80,
// sm_86, sm_89, sm_90) unless PTXOptions::ptxVersion says otherwise. 7.8 is
// the first version that knows sm_89 and sm_90, so one version serves all
// targets, and it is the oldest one that does: drivers from CUDA 11.8 (R520)
// on load it. Nothing FlashTile emits needs a newer ISA (mma.sync, ldmatrix,
// cp.async and the approximate math are PTX 7.0 or older).
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_TARGET_PTX_PTX_H
#define FLASHTILE_TARGET_PTX_PTX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace flashtile {

struct PTXOptions {
  /// Compute capability: 75, 80, 86, 89 or 90.
  int arch = 80;
  /// PTX ISA version times ten (78 = 7.8); 0 for getDefaultPTXVersion(arch).
  int ptxVersion = 0;
  /// LLVM optimization level, 0 to 3.
  int optLevel = 3;
};

/// The PTX ISA version (times ten) used for `arch` by default: 78.
int getDefaultPTXVersion(int arch);

/// Whether `arch` is one FlashTile targets.
bool isSupportedArch(int arch);

/// Registers the translations of the dialects the lowering produces
/// (builtin, LLVM, NVVM) to LLVM IR.
void registerPTXTranslations(mlir::DialectRegistry &registry);

/// LLVM IR text of `module` for the NVPTX target of `options.arch`,
/// optimized at options.optLevel. Errors are emitted on the module.
mlir::FailureOr<std::string> translateToLLVMIR(mlir::ModuleOp module,
                                               const PTXOptions &options);

/// PTX text of `module`. Errors are emitted on the module.
mlir::FailureOr<std::string> translateToPTX(mlir::ModuleOp module,
                                            const PTXOptions &options);

} // namespace flashtile

#endif // FLASHTILE_TARGET_PTX_PTX_H
