//===- TileGPUOps.cpp - tilegpu operations --------------------------------===//

#include "flashtile/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu;

/// Checks that `type` is a tensor with a distributed layout encoding.
static LogicalResult verifyDistributed(Operation *op, Type type,
                                       StringRef what) {
  LayoutEncodingAttr encoding = getLayoutEncoding(type);
  if (!encoding || !encoding.isDistributed())
    return op->emitOpError() << what << " must have a distributed layout "
                             << "encoding, got " << type;
  return success();
}

/// Checks that a register block and a shared buffer hold the same elements.
static LogicalResult verifySameBlock(Operation *op, RankedTensorType tensor,
                                     MemDescType memdesc) {
  if (tensor.getShape() != memdesc.getShape() ||
      tensor.getElementType() != memdesc.getElementType())
    return op->emitOpError() << "block " << tensor
                             << " does not match shared buffer " << memdesc;
  return success();
}

//===----------------------------------------------------------------------===//
// ConvertLayoutOp
//===----------------------------------------------------------------------===//

LogicalResult ConvertLayoutOp::verify() {
  if (failed(verifyDistributed(*this, getSrc().getType(), "source")) ||
      failed(verifyDistributed(*this, getResult().getType(), "result")))
    return failure();
  return success();
}

OpFoldResult ConvertLayoutOp::fold(FoldAdaptor) {
  if (getSrc().getType() == getResult().getType())
    return getSrc();
  if (auto inner = getSrc().getDefiningOp<ConvertLayoutOp>()) {
    getSrcMutable().assign(inner.getSrc());
    return getResult();
  }
  return {};
}

namespace {
/// convert_layout(splat x) -> splat x, and likewise for splat constants:
/// a uniform block has the same value in every layout.
struct ConvertOfSplat : OpRewritePattern<ConvertLayoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvertLayoutOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getResult().getType();
    if (auto splat = op.getSrc().getDefiningOp<tile::SplatOp>()) {
      rewriter.replaceOpWithNewOp<tile::SplatOp>(op, type, splat.getSrc());
      return success();
    }
    SplatElementsAttr value;
    if (matchPattern(op.getSrc(), m_Constant(&value))) {
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(
          op, SplatElementsAttr::get(cast<ShapedType>(type),
                                     value.getSplatValue<Attribute>()));
      return success();
    }
    return failure();
  }
};
} // namespace

void ConvertLayoutOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                  MLIRContext *context) {
  results.add<ConvertOfSplat>(context);
}

//===----------------------------------------------------------------------===//
// Shared memory
//===----------------------------------------------------------------------===//

LogicalResult LocalAllocOp::verify() {
  if (!getSrc())
    return success();
  auto tensor = cast<RankedTensorType>(getSrc().getType());
  if (failed(verifyDistributed(*this, tensor, "source")))
    return failure();
  return verifySameBlock(*this, tensor, getResult().getType());
}

LogicalResult LocalLoadOp::verify() {
  auto tensor = getResult().getType();
  if (failed(verifyDistributed(*this, tensor, "result")))
    return failure();
  return verifySameBlock(*this, tensor, getSrc().getType());
}

LogicalResult LocalStoreOp::verify() {
  auto tensor = getSrc().getType();
  if (failed(verifyDistributed(*this, tensor, "source")))
    return failure();
  return verifySameBlock(*this, tensor, getDst().getType());
}

LogicalResult MemDescIndexOp::verify() {
  MemDescType src = getSrc().getType(), result = getResult().getType();
  if (src.getShape().size() != result.getShape().size() + 1 ||
      src.getShape().drop_front() != result.getShape() ||
      src.getElementType() != result.getElementType() ||
      src.getEncoding() != result.getEncoding())
    return emitOpError("result must be one stage of ")
           << src << ", got " << result;
  return success();
}

LogicalResult MemDescTransOp::verify() {
  MemDescType src = getSrc().getType(), result = getResult().getType();
  auto srcShared = dyn_cast<SharedEncodingAttr>(src.getEncoding());
  auto resultShared = dyn_cast<SharedEncodingAttr>(result.getEncoding());
  ArrayRef<int64_t> shape = src.getShape();
  if (shape.size() != 2 || result.getShape().size() != 2 ||
      result.getShape()[0] != shape[1] || result.getShape()[1] != shape[0] ||
      src.getElementType() != result.getElementType() || !srcShared ||
      !resultShared)
    return emitOpError("result must be the 2-d transpose of ")
           << src << ", got " << result;
  ArrayRef<unsigned> order = srcShared.getOrder();
  if (resultShared.getVec() != srcShared.getVec() ||
      resultShared.getPerPhase() != srcShared.getPerPhase() ||
      resultShared.getMaxPhase() != srcShared.getMaxPhase() ||
      resultShared.getOrder() != ArrayRef<unsigned>{order[1], order[0]})
    return emitOpError("result layout must be ")
           << src.getEncoding() << " with the order reversed, got "
           << result.getEncoding();
  return success();
}

LogicalResult AsyncCopyGlobalToLocalOp::verify() {
  auto ptr = cast<RankedTensorType>(getPtr().getType());
  if (failed(verifyDistributed(*this, ptr, "pointer block")))
    return failure();
  auto values = cast<RankedTensorType>(tile::getPointeeType(ptr));
  return verifySameBlock(*this, values, getDst().getType());
}

#define GET_OP_CLASSES
#include "flashtile/Dialect/TileGPU/IR/TileGPUOps.cpp.inc"
