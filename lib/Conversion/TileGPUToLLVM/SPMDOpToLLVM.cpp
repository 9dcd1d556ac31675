//===- SPMDOpToLLVM.cpp - program ids and grid sizes
//-----------------------===//
//
// A program instance is a CTA: tile.program_id is %ctaid.{x,y,z} and
// tile.num_programs is %nctaid.{x,y,z}.
//
//===----------------------------------------------------------------------===//

#include "Utility.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu_to_llvm;

namespace {

struct ProgramIdOpConversion : ConvertOpToLLVMPattern<tile::ProgramIdOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tile::ProgramIdOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type i32 = rewriter.getI32Type();
    Value id;
    switch (op.getAxis()) {
    case 0:
      id = NVVM::BlockIdXOp::create(rewriter, op.getLoc(), i32);
      break;
    case 1:
      id = NVVM::BlockIdYOp::create(rewriter, op.getLoc(), i32);
      break;
    default:
      id = NVVM::BlockIdZOp::create(rewriter, op.getLoc(), i32);
      break;
    }
    rewriter.replaceOp(op, id);
    return success();
  }
};

struct NumProgramsOpConversion : ConvertOpToLLVMPattern<tile::NumProgramsOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tile::NumProgramsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type i32 = rewriter.getI32Type();
    Value n;
    switch (op.getAxis()) {
    case 0:
      n = NVVM::GridDimXOp::create(rewriter, op.getLoc(), i32);
      break;
    case 1:
      n = NVVM::GridDimYOp::create(rewriter, op.getLoc(), i32);
      break;
    default:
      n = NVVM::GridDimZOp::create(rewriter, op.getLoc(), i32);
      break;
    }
    rewriter.replaceOp(op, n);
    return success();
  }
};

} // namespace

void tilegpu_to_llvm::populateSPMDOpToLLVMPatterns(
    TileGPUTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ProgramIdOpConversion, NumProgramsOpConversion>(converter);
}
