//===- TransposedOperands.cpp - transposed dot operands via shared memory -===//
//
// The tilegpu-transposed-operands pass (see Passes.td): a dot operand
// computed as the transpose of a block x,
//
//   %t = tile.trans (convert_layout %x) -> convert_layout -> #dot_op
//
// is stored once from x's own layout into a swizzled buffer and read back
// through a transposed view of it:
//
//   %buf = tilegpu.local_alloc %x
//   %a = tilegpu.local_load (tilegpu.memdesc_trans %buf) -> #dot_op
//
//===----------------------------------------------------------------------===//

#include "flashtile/Dialect/TileGPU/Transforms/Passes.h"

#include "LayoutUtils.h"

namespace flashtile::tilegpu {
#define GEN_PASS_DEF_TILEGPUTRANSPOSEDOPERANDS
#include "flashtile/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace flashtile::tilegpu

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu;

namespace {

/// The block whose transpose `convert` (to a dot-operand layout) reads, or
/// null: the source of the tile.trans it converts, looking through one
/// layout conversion before the transpose.
Value getTransposedBlock(ConvertLayoutOp convert) {
  auto trans = convert.getSrc().getDefiningOp<tile::TransOp>();
  if (!trans || trans.getType().getRank() != 2)
    return nullptr;
  Value x = trans.getSrc();
  if (auto inner = x.getDefiningOp<ConvertLayoutOp>())
    x = inner.getSrc();
  return x;
}

struct TileGPUTransposedOperandsPass
    : flashtile::tilegpu::impl::TileGPUTransposedOperandsBase<
          TileGPUTransposedOperandsPass> {
  void runOnOperation() override {
    SmallVector<ConvertLayoutOp> converts;
    getOperation().walk([&](ConvertLayoutOp convert) {
      if (isa<DotOperandEncodingAttr>(getEncoding(convert.getType())) &&
          getTransposedBlock(convert))
        converts.push_back(convert);
    });
    for (ConvertLayoutOp convert : converts)
      rewrite(convert);
  }

  void rewrite(ConvertLayoutOp convert) {
    Value x = getTransposedBlock(convert);
    auto xType = cast<RankedTensorType>(x.getType());
    RankedTensorType operandType = convert.getType();
    Type elem = xType.getElementType();
    if (!elem.isIntOrFloat())
      return;
    // x is stored row by row (its dimension 1 contiguous), so the operand
    // [n, m] = x[m, n] has its dimension 0 contiguous.
    MLIRContext *ctx = convert.getContext();
    SharedEncodingAttr viewShared = getMmaOperandSharedEncoding(
        ctx, operandType.getShape(), {0, 1}, elem.getIntOrFloatBitWidth());
    if (!viewShared)
      return;
    auto bufferShared = SharedEncodingAttr::get(
        ctx, viewShared.getVec(), viewShared.getPerPhase(),
        viewShared.getMaxPhase(), {1, 0});
    auto bufferType = MemDescType::get(ctx, xType.getShape(), elem, bufferShared);
    auto viewType = MemDescType::get(ctx, operandType.getShape(), elem, viewShared);
    OpBuilder builder(convert);
    Location loc = convert.getLoc();
    Value buffer = LocalAllocOp::create(builder, loc, bufferType, x);
    Value view = MemDescTransOp::create(builder, loc, viewType, buffer);
    Value operand = LocalLoadOp::create(builder, loc, operandType, view);
    Operation *trans = convert.getSrc().getDefiningOp();
    convert.getResult().replaceAllUsesWith(operand);
    convert.erase();
    // The transpose and the conversion before it, if nothing else reads
    // them.
    Operation *inner = trans->getOperand(0).getDefiningOp();
    if (trans->use_empty())
      trans->erase();
    if (inner && isa<ConvertLayoutOp>(inner) && inner->use_empty())
      inner->erase();
  }
};

} // namespace
