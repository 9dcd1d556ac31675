//===- ConvertTileToTileGPU.cpp - layout assignment -----------------------===//
//
// The convert-tile-to-tilegpu pass: every block of a tile program gets a
// layout encoding. A type converter gives unencoded tensors the default
// blocked layout of their shape; patterns rebuild each op on converted
// operands and insert tilegpu.convert_layout where an op's layout contract
// needs another encoding (reduce results are slices of their source,
// expand_dims operands slices of their result, broadcast keeps one
// encoding, trans permutes a blocked layout).
//
//===----------------------------------------------------------------------===//

#include "flashtile/Dialect/TileGPU/Transforms/Passes.h"

#include "LayoutUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/Support/MathExtras.h"

namespace flashtile::tilegpu {
#define GEN_PASS_DEF_CONVERTTILETOTILEGPU
#include "flashtile/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace flashtile::tilegpu

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu;

namespace {

/// Gives every unencoded tensor the default blocked layout of its shape.
class BlockTypeConverter : public TypeConverter {
public:
  BlockTypeConverter(MLIRContext *context, unsigned numWarps) {
    addConversion([](Type type) { return type; });
    addConversion([context, numWarps](RankedTensorType type) -> Type {
      if (type.getEncoding())
        return type;
      return withEncoding(type, getDefaultBlockedEncoding(
                                    context, type.getShape(), numWarps));
    });
    // Two encodings of one block: a layout conversion.
    addTargetMaterialization([](OpBuilder &builder, Type type,
                                ValueRange inputs, Location loc) -> Value {
      if (inputs.size() != 1 || !getEncoding(inputs[0].getType()) ||
          !getEncoding(type))
        return {};
      return ConvertLayoutOp::create(builder, loc, type, inputs[0]);
    });
  }
};

/// Rebuilds an op without regions on converted operands and result types.
struct GenericConversion : ConversionPattern {
  GenericConversion(const TypeConverter &converter, MLIRContext *context)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1,
                          context) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (op->getNumRegions() != 0)
      return failure();
    SmallVector<Type> resultTypes;
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(),
                                                resultTypes)))
      return failure();
    OperationState state(op->getLoc(), op->getName(), operands, resultTypes,
                         op->getAttrs(), op->getSuccessors());
    Operation *newOp = rewriter.create(state);
    rewriter.replaceOp(op, newOp->getResults());
    return success();
  }
};

/// Constants of blocks carry their type in their value, too.
struct ConstantConversion : OpConversionPattern<arith::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(arith::ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
    if (!dense)
      return failure();
    auto type = cast<ShapedType>(getTypeConverter()->convertType(op.getType()));
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type,
                                                   dense.reshape(type));
    return success();
  }
};

/// tile.reduce: the result is a slice of the source layout.
struct ReduceConversion : OpConversionPattern<tile::ReduceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tile::ReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type finalType = getTypeConverter()->convertType(op.getType());
    Type sliceType = finalType;
    if (isa<RankedTensorType>(finalType))
      sliceType = withEncoding(
          finalType, SliceEncodingAttr::get(getContext(), op.getAxis(),
                                            getEncoding(adaptor.getSrc().getType())));
    auto reduce = tile::ReduceOp::create(rewriter, op.getLoc(), sliceType,
                                         adaptor.getSrc(), op.getAxis());
    rewriter.inlineRegionBefore(op.getCombiner(), reduce.getCombiner(),
                                reduce.getCombiner().end());
    rewriter.replaceOp(op, convertTo(rewriter, op.getLoc(), reduce.getResult(),
                                     finalType));
    return success();
  }
};

/// tile.expand_dims: the operand is a slice of the result layout.
struct ExpandDimsConversion : OpConversionPattern<tile::ExpandDimsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tile::ExpandDimsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type resultType = getTypeConverter()->convertType(op.getType());
    Attribute slice = SliceEncodingAttr::get(getContext(), op.getAxis(),
                                             getEncoding(resultType));
    Value src = convertTo(rewriter, op.getLoc(), adaptor.getSrc(),
                          withEncoding(op.getSrc().getType(), slice));
    rewriter.replaceOpWithNewOp<tile::ExpandDimsOp>(op, resultType, src,
                                                    op.getAxis());
    return success();
  }
};

/// tile.broadcast: source and result share one encoding.
struct BroadcastConversion : OpConversionPattern<tile::BroadcastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tile::BroadcastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type resultType = getTypeConverter()->convertType(op.getType());
    Value src = convertTo(
        rewriter, op.getLoc(), adaptor.getSrc(),
        withEncoding(op.getSrc().getType(), getEncoding(resultType)));
    rewriter.replaceOpWithNewOp<tile::BroadcastOp>(op, resultType, src);
    return success();
  }
};

/// tile.trans: the result is the source's blocked layout, permuted.
struct TransConversion : OpConversionPattern<tile::TransOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tile::TransOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type resultType = getTypeConverter()->convertType(op.getType());
    Attribute permuted = getTransposedEncoding(
        getEncoding(adaptor.getSrc().getType()), op.getOrder());
    if (!permuted)
      return rewriter.notifyMatchFailure(op, "source is not blocked");
    auto trans = tile::TransOp::create(
        rewriter, op.getLoc(), withEncoding(op.getType(), permuted),
        adaptor.getSrc(), op.getOrderAttr());
    rewriter.replaceOp(op, convertTo(rewriter, op.getLoc(), trans.getResult(),
                                     resultType));
    return success();
  }
};

/// Elements of one block a GPU thread may hold: each is at least a register
/// (the attention and matmul tiles hold 64-128). Past this, code size and
/// compile time grow quadratically (vector_add at sm_80, 4 warps: 128
/// elements per thread 1.2 s, 256 4.5 s, 512 17 s; 8192 ran out of memory
/// past 20 GB) and ptxas spills everything.
constexpr int64_t kMaxElementsPerThread = 256;

/// Reports blocks that no layout can hold, or that would give each thread
/// more than kMaxElementsPerThread elements, at the op that makes them.
LogicalResult checkShapes(ModuleOp module, unsigned numWarps) {
  bool ok = true;
  int64_t threads = int64_t(numWarps) * 32;
  auto check = [&](Operation *op, Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!ok || !tensor || tensor.getEncoding())
      return;
    std::string why = whyShapeCannotBeLaidOut(tensor.getShape());
    if (why.empty()) {
      int64_t perThread = tensor.getNumElements() / threads;
      if (perThread <= kMaxElementsPerThread)
        return;
      llvm::raw_string_ostream os(why);
      os << "each of the " << threads << " threads (" << numWarps
         << " warps) would hold " << perThread << " of its elements, more than "
         << kMaxElementsPerThread << "; use a smaller block or more warps";
    }
    op->emitOpError() << "block " << type
                      << " cannot be laid out on the GPU: " << why;
    ok = false;
  };
  module.walk([&](Operation *op) {
    for (Type type : op->getResultTypes())
      check(op, type);
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          check(op, arg.getType());
  });
  return success(ok);
}

struct ConvertTileToTileGPUPass
    : flashtile::tilegpu::impl::ConvertTileToTileGPUBase<
          ConvertTileToTileGPUPass> {
  using ConvertTileToTileGPUBase::ConvertTileToTileGPUBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    if (numWarps < 1 || numWarps > 32 || !llvm::isPowerOf2_32(numWarps)) {
      module.emitError() << "num-warps must be a power of two from 1 to 32, got "
                         << int(numWarps);
      return signalPassFailure();
    }
    if (!parseCudaArch(target)) {
      module.emitError() << "unknown target '" << std::string(target)
                         << "' (expected cuda:<compute capability>, e.g. "
                            "cuda:80)";
      return signalPassFailure();
    }
    if (failed(checkShapes(module, unsigned(numWarps))))
      return signalPassFailure();

    BlockTypeConverter converter(context, unsigned(numWarps));
    ConversionTarget conversionTarget(*context);
    conversionTarget.addLegalOp<ModuleOp>();
    conversionTarget.markUnknownOpDynamicallyLegal(
        [&](Operation *op) { return converter.isLegal(op); });
    conversionTarget.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });

    RewritePatternSet patterns(context);
    patterns.add<GenericConversion>(converter, context);
    // Op-specific patterns win over the generic one.
    patterns.add<ConstantConversion, ReduceConversion, ExpandDimsConversion,
                 BroadcastConversion, TransConversion>(converter, context,
                                                       /*benefit=*/2);
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns,
                                                         conversionTarget);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    if (failed(applyPartialConversion(module, conversionTarget,
                                      std::move(patterns))))
      return signalPassFailure();

    Builder builder(context);
    module->setAttr(TileGPUDialect::kNumWarpsAttrName,
                    builder.getI32IntegerAttr(numWarps));
    module->setAttr(TileGPUDialect::kTargetAttrName,
                    builder.getStringAttr(target));
  }
};

} // namespace
