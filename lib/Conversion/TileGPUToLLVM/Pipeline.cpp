//===- Pipeline.cpp - the lowering part of the NVIDIA pipeline ------------===//

#include "flashtile/Conversion/TileGPUToLLVM/Pipeline.h"

#include "flashtile/Conversion/TileGPUToLLVM/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void flashtile::buildTileGPUToLLVMPipeline(OpPassManager &pm,
                                           const NvidiaOptions &options) {
  ConvertTileGPUToLLVMOptions lowering;
  lowering.arch = options.arch;
  pm.addPass(createConvertTileGPUToLLVM(lowering));
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createSinkSharedLoads());
}

namespace {
struct PipelineOptions : PassPipelineOptions<PipelineOptions> {
  Option<int> arch{*this, "arch",
                   llvm::cl::desc("NVIDIA compute capability (75, 80, 86, "
                                  "89, 90)"),
                   llvm::cl::init(80)};
};
} // namespace

void flashtile::registerTileGPUToLLVMPipeline() {
  PassPipelineRegistration<PipelineOptions>(
      "tilegpu-to-llvm",
      "Lower tilegpu kernels to the LLVM dialect with NVVM ops "
      "(convert-tilegpu-to-llvm, then the upstream conversions)",
      [](OpPassManager &pm, const PipelineOptions &options) {
        NvidiaOptions nvidia;
        nvidia.arch = options.arch;
        buildTileGPUToLLVMPipeline(pm, nvidia);
      });
}
