//===- Pipelines.cpp - named FlashTile pass pipelines ---------------------===//

#include "flashtile/Pipelines/Pipelines.h"

#include "flashtile/Conversion/TileGPUToLLVM/Pipeline.h"
#include "flashtile/Dialect/Tile/Transforms/Passes.h"
#include "flashtile/Dialect/TileGPU/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include <string>

using namespace mlir;

namespace flashtile {

void buildTileOptimizePipeline(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(tile::createTileCombine());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
}

void buildNvidiaPipeline(OpPassManager &pm,
                         const NvidiaPipelineOptions &options) {
  buildTileOptimizePipeline(pm);

  tilegpu::ConvertTileToTileGPUOptions layouts;
  layouts.numWarps = options.numWarps;
  layouts.target = "cuda:" + std::to_string(options.arch);
  pm.addPass(tilegpu::createConvertTileToTileGPU(layouts));
  pm.addPass(tilegpu::createTileGPUCoalesce());
  tilegpu::TileGPUAccelerateMatmulOptions matmul;
  matmul.arch = options.arch;
  pm.addPass(tilegpu::createTileGPUAccelerateMatmul(matmul));
  pm.addPass(tilegpu::createTileGPURemoveLayoutConversions());
  // CSE merges the index and pointer arithmetic that rematerialization and
  // pipelining duplicate.
  pm.addPass(createCSEPass());
  if (options.numStages > 1) {
    tilegpu::TileGPUPipelineOptions pipelining;
    pipelining.numStages = options.numStages;
    pm.addPass(tilegpu::createTileGPUPipeline(pipelining));
    pm.addPass(createCSEPass());
  }
  // Loop-invariant dot operands (Q) are read from shared memory in the loop.
  pm.addPass(tilegpu::createTileGPUOperandsInShared());
  // Transposed operands (P^T, dS^T) go through one swizzled buffer.
  pm.addPass(tilegpu::createTileGPUTransposedOperands());
  // The shared-memory limit comes from the module's target (set above).
  pm.addPass(tilegpu::createTileGPUAllocateSharedMemory());
  pm.addPass(tilegpu::createTileGPUInsertBarriers());

  NvidiaOptions lowering;
  lowering.arch = options.arch;
  lowering.numWarps = options.numWarps;
  buildTileGPUToLLVMPipeline(pm, lowering);
}

namespace {
struct NvidiaPipelineCLOptions
    : PassPipelineOptions<NvidiaPipelineCLOptions> {
  Option<int> arch{*this, "arch",
                   llvm::cl::desc("Compute capability: 75, 80, 86, 89, 90"),
                   llvm::cl::init(80)};
  Option<int> numWarps{*this, "num-warps",
                       llvm::cl::desc("Warps per program instance"),
                       llvm::cl::init(4)};
  Option<int> numStages{*this, "num-stages",
                        llvm::cl::desc("Software-pipelining depth of loads"),
                        llvm::cl::init(2)};
};
} // namespace

void registerPipelines() {
  PassPipelineRegistration<>(
      "tile-optimize",
      "Target-neutral clean-up of tile IR (what the JIT runs before the "
      "executor or a backend)",
      [](OpPassManager &pm) { buildTileOptimizePipeline(pm); });
  PassPipelineRegistration<NvidiaPipelineCLOptions>(
      "tile-to-nvvm",
      "Front-end tile IR to the LLVM dialect with NVVM ops: exactly what the "
      "JIT and flash-translate --emit=ptx run before translating to PTX",
      [](OpPassManager &pm, const NvidiaPipelineCLOptions &cl) {
        NvidiaPipelineOptions options;
        options.arch = cl.arch;
        options.numWarps = cl.numWarps;
        options.numStages = cl.numStages;
        buildNvidiaPipeline(pm, options);
      });
}

} // namespace flashtile
