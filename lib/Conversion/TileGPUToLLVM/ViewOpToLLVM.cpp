//===- ViewOpToLLVM.cpp - block construction and shape ops
//-----------------===//
//
//   arith.constant (splat), tile.splat   every register holds the value
//   tile.make_range                       start + the register's coordinate
//   tile.broadcast, expand_dims,          a renaming of registers: the
//   reshape, trans                        result's layout, expressed in the
//                                         source's coordinates, must find
//                                         each element in the same thread
//   tile.hint                             the source's registers
//
//===----------------------------------------------------------------------===//

#include "Utility.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu_to_llvm;

namespace {

struct ConstantOpConversion : ConvertOpToLLVMPattern<arith::ConstantOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(arith::ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (!type)
      return failure();
    auto splat = dyn_cast<SplatElementsAttr>(op.getValue());
    if (!splat)
      return op.emitOpError("only splat constants are supported on tensors "
                            "in GPU kernels");
    Type structType = getTypeConverter()->convertType(type);
    if (!structType)
      return op.emitOpError() << "type " << type << " has no register layout";
    Type scalarType = convertElementType(*getTypeConverter(), type);
    Value value = LLVM::ConstantOp::create(rewriter, op.getLoc(), scalarType,
                                           splat.getSplatValue<TypedAttr>());
    unsigned n = cast<LLVM::LLVMStructType>(structType).getBody().size();
    rewriter.replaceOp(op, packStruct(rewriter, op.getLoc(), structType,
                                      SmallVector<Value>(n, value)));
    return success();
  }
};

struct SplatOpConversion : ConvertOpToLLVMPattern<tile::SplatOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tile::SplatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type structType = getTypeConverter()->convertType(op.getType());
    if (!structType)
      return op.emitOpError()
             << "type " << op.getType() << " has no register layout";
    unsigned n = cast<LLVM::LLVMStructType>(structType).getBody().size();
    rewriter.replaceOp(op, packStruct(rewriter, op.getLoc(), structType,
                                      SmallVector<Value>(n, adaptor.getSrc())));
    return success();
  }
};

struct MakeRangeOpConversion : ConvertOpToLLVMPattern<tile::MakeRangeOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tile::MakeRangeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    FailureOr<LinearLayout> layout = getLayout(op, op.getType());
    if (failed(layout))
      return failure();
    Type structType = getTypeConverter()->convertType(op.getType());
    ThreadIds ids = getThreadIds(rewriter, loc);
    FailureOr<LayoutIndexer> indexer =
        LayoutIndexer::create(rewriter, loc, op, *layout, ids);
    if (failed(indexer))
      return failure();
    // Each register's value is runtime part + constant (start and the
    // register's bits the lanes and warps do not set), an add that LLVM's
    // strength reduction sees through (rows * stride + constant * stride).
    SmallVector<Value> values;
    for (int32_t r = 0, e = layout::getNumRegisters(*layout); r < e; ++r) {
      auto [coord, constant] = indexer->getSplit(rewriter, loc, r, 0);
      int64_t offset = int64_t(constant) + op.getStart();
      values.push_back(
          offset == 0 ? coord
                      : LLVM::AddOp::create(rewriter, loc, coord,
                                            i32Val(rewriter, loc, offset),
                                            LLVM::IntegerOverflowFlags::nsw)
                            .getResult());
    }
    rewriter.replaceOp(op, packStruct(rewriter, loc, structType, values));
    return success();
  }
};

/// Replaces `op` by the registers of `src` renamed: `dstInSrc` is the
/// result's layout expressed in the source's coordinates.
LogicalResult renameRegisters(Operation *op, const TypeConverter &converter,
                              Value src, const LinearLayout &srcLayout,
                              const LinearLayout &dstInSrc,
                              ConversionPatternRewriter &rewriter) {
  auto perm = lowering::getRegisterPermutation(srcLayout, dstInSrc);
  if (!perm)
    return op->emitOpError()
           << "the source and result layouts are not compatible: "
           << llvm::toString(perm.takeError());
  Type structType = converter.convertType(op->getResult(0).getType());
  if (!structType)
    return op->emitOpError() << "result type has no register layout";
  SmallVector<Value> regs = unpackStruct(rewriter, op->getLoc(), src);
  SmallVector<Value> values;
  for (int32_t r : *perm)
    values.push_back(regs[r]);
  rewriter.replaceOp(op,
                     packStruct(rewriter, op->getLoc(), structType, values));
  return success();
}

/// The layouts of an op's source and result.
LogicalResult getLayouts(Operation *op, LinearLayout &src, LinearLayout &dst) {
  FailureOr<LinearLayout> s = getLayout(op, op->getOperand(0).getType());
  if (failed(s))
    return failure();
  FailureOr<LinearLayout> d = getLayout(op, op->getResult(0).getType());
  if (failed(d))
    return failure();
  src = std::move(*s);
  dst = std::move(*d);
  return success();
}

struct BroadcastOpConversion : ConvertOpToLLVMPattern<tile::BroadcastOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tile::BroadcastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    LinearLayout src, dst;
    if (failed(getLayouts(op, src, dst)))
      return failure();
    SmallVector<unsigned> broadcastDims;
    auto srcShape = op.getSrc().getType().getShape();
    auto dstShape = op.getType().getShape();
    for (unsigned d = 0; d < srcShape.size(); ++d)
      if (srcShape[d] != dstShape[d])
        broadcastDims.push_back(d);
    return renameRegisters(op, *getTypeConverter(), adaptor.getSrc(), src,
                           lowering::projectOutDims(dst, broadcastDims),
                           rewriter);
  }
};

struct ExpandDimsOpConversion : ConvertOpToLLVMPattern<tile::ExpandDimsOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tile::ExpandDimsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    LinearLayout src, dst;
    if (failed(getLayouts(op, src, dst)))
      return failure();
    return renameRegisters(op, *getTypeConverter(), adaptor.getSrc(), src,
                           lowering::dropUnitOutDim(dst, op.getAxis()),
                           rewriter);
  }
};

struct ReshapeOpConversion : ConvertOpToLLVMPattern<tile::ReshapeOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tile::ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    LinearLayout src, dst;
    if (failed(getLayouts(op, src, dst)))
      return failure();
    return renameRegisters(op, *getTypeConverter(), adaptor.getSrc(), src,
                           dst.reshapeOuts(src.getOutDims()), rewriter);
  }
};

struct TransOpConversion : ConvertOpToLLVMPattern<tile::TransOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tile::TransOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    LinearLayout src, dst;
    if (failed(getLayouts(op, src, dst)))
      return failure();
    return renameRegisters(op, *getTypeConverter(), adaptor.getSrc(), src,
                           lowering::untranspose(dst, op.getOrder()), rewriter);
  }
};

} // namespace

void tilegpu_to_llvm::populateViewOpToLLVMPatterns(
    TileGPUTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConstantOpConversion, SplatOpConversion, MakeRangeOpConversion,
               BroadcastOpConversion, ExpandDimsOpConversion,
               ReshapeOpConversion, TransOpConversion,
               ForwardSourceConversion<tile::HintOp>>(converter);
}
