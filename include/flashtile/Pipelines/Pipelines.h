//===- Pipelines.h - named FlashTile pass pipelines -------------*- C++ -*-===//
//
// Every compile that the Python package or flash-translate runs is one of
// these pipelines, so `flash-opt --<pipeline>` reproduces it exactly.
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

/// Registers the pipelines above with the global pass registry.
void registerPipelines();

} // namespace flashtile

#endif // FLASHTILE_PIPELINES_PIPELINES_H
