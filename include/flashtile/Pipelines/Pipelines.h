//===- Pipelines.h - named FlashTile pass pipelines -------------*- C++ -*-===//
//
// Every compile that the Python package or flash-translate runs is one of
// these pipelines, so `flash-opt --<pipeline>` reproduces it exactly. Python
// and the command-line tools only choose the options.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_PIPELINES_PIPELINES_H
#define FLASHTILE_PIPELINES_PIPELINES_H

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace flashtile {

/// Target-neutral clean-up of front-end output: canonicalize, tile-combine,
/// CSE. Its result is what the CPU executor runs and what GPU lowering starts
/// from. Registered as `tile-optimize`.
void buildTileOptimizePipeline(mlir::OpPassManager &pm);

/// Options of the NVIDIA pipeline.
struct NvidiaPipelineOptions {
  /// Compute capability: 75, 80, 86, 89 or 90 (Hopper runs the Ampere code).
  int arch = 80;
  /// Warps per program instance (CTA).
  int numWarps = 4;
  /// Software-pipelining depth of loads in loops (1: no pipelining).
  int numStages = 2;
};

/// Front-end output to the LLVM dialect with NVVM ops, ready for
/// translation to PTX (flashtile/Target/PTX/PTX.h):
///   tile-optimize;
///   convert-tile-to-tilegpu{num-warps target}, tilegpu-coalesce,
///   tilegpu-accelerate-matmul{arch}, tilegpu-remove-layout-conversions, cse,
///   tilegpu-pipeline{num-stages} and cse (when num-stages > 1),
///   tilegpu-allocate-shared-memory, tilegpu-insert-barriers;
///   tilegpu-to-llvm{arch}.
/// Registered as `tile-to-nvvm{arch=80 num-warps=4 num-stages=2}`.
void buildNvidiaPipeline(mlir::OpPassManager &pm,
                         const NvidiaPipelineOptions &options);

/// Registers the pipelines above with the global pass registry.
void registerPipelines();

} // namespace flashtile

#endif // FLASHTILE_PIPELINES_PIPELINES_H
