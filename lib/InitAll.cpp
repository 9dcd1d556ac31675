//===- InitAll.cpp - register FlashTile's dialects and passes -------------===//

#include "flashtile/InitAll.h"

#include "flashtile/Conversion/TileGPUToLLVM/Passes.h"
#include "flashtile/Conversion/TileGPUToLLVM/Pipeline.h"
#include "flashtile/Dialect/Tile/IR/TileDialect.h"
#include "flashtile/Dialect/Tile/Transforms/Passes.h"
#include "flashtile/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "flashtile/Dialect/TileGPU/Transforms/Passes.h"
#include "flashtile/Pipelines/Pipelines.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace flashtile {

void registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<tile::TileDialect, tilegpu::TileGPUDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::math::MathDialect,
                  mlir::scf::SCFDialect, mlir::LLVM::LLVMDialect,
                  mlir::NVVM::NVVMDialect>();
}

void registerAllPasses() {
  mlir::registerTransformsPasses();
  tile::registerTilePasses();
  tilegpu::registerTileGPUPasses();
  registerTileGPUToLLVMPasses();
  registerTileGPUToLLVMPipeline();
  registerPipelines();
}

} // namespace flashtile
