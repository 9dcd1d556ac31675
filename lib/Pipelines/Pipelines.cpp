//===- Pipelines.cpp - named FlashTile pass pipelines ---------------------===//

#include "flashtile/Pipelines/Pipelines.h"

#include "flashtile/Dialect/Tile/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace flashtile {

void buildTileOptimizePipeline(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(tile::createTileCombine());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
}

void registerPipelines() {
  PassPipelineRegistration<>(
      "tile-optimize",
      "Target-neutral clean-up of tile IR (what the JIT runs before the "
      "executor or a backend)",
      [](OpPassManager &pm) { buildTileOptimizePipeline(pm); });
}

} // namespace flashtile
