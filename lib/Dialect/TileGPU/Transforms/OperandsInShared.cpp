//===- OperandsInShared.cpp - loop-invariant dot operands in shared memory ===//
//
// The tilegpu-operands-in-shared pass. For
//
//   %a = tilegpu.convert_layout %x : #blocked -> #dot_op
//   scf.for ... {
//     ... tile.dot %a, ...
//   }
//
// it produces
//
//   %buf = tilegpu.local_alloc %x : memdesc<..., #shared>
//   scf.for ... {
//     %a' = tilegpu.local_load %buf -> #dot_op
//     ... tile.dot %a', ...
//   }
//
// so that the operand costs no registers between the products, and the
// lowering reads it fragment by fragment next to the mma.sync that use it.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Dialect/TileGPU/Transforms/Passes.h"

#include "LayoutUtils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace flashtile::tilegpu {
#define GEN_PASS_DEF_TILEGPUOPERANDSINSHARED
#include "flashtile/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace flashtile::tilegpu

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu;

namespace {

/// The swizzled buffer type for the block `source` of a dot operand, or
/// null when it has no ldmatrix-friendly shared layout.
MemDescType getOperandBufferType(RankedTensorType source) {
  auto blocked = dyn_cast_if_present<BlockedEncodingAttr>(source.getEncoding());
  if (!blocked || source.getRank() != 2 ||
      !source.getElementType().isIntOrFloat())
    return nullptr;
  SharedEncodingAttr shared = getMmaOperandSharedEncoding(
      source.getContext(), source.getShape(), blocked.getOrder(),
      source.getElementType().getIntOrFloatBitWidth());
  if (!shared)
    return nullptr;
  return MemDescType::get(source.getContext(), source.getShape(),
                          source.getElementType(), shared);
}

/// The dots in loops that read `convert`'s result, if the convert itself
/// is outside every such loop.
SmallVector<OpOperand *> getDotUsesInLoops(ConvertLayoutOp convert) {
  SmallVector<OpOperand *> uses;
  for (OpOperand &use : convert.getResult().getUses()) {
    auto dot = dyn_cast<tile::DotOp>(use.getOwner());
    if (!dot || use.getOperandNumber() > 1)
      continue;
    auto loop = dot->getParentOfType<scf::ForOp>();
    if (loop && !loop->isAncestor(convert))
      uses.push_back(&use);
  }
  return uses;
}

struct TileGPUOperandsInSharedPass
    : flashtile::tilegpu::impl::TileGPUOperandsInSharedBase<
          TileGPUOperandsInSharedPass> {
  void runOnOperation() override {
    SmallVector<ConvertLayoutOp> converts;
    getOperation().walk([&](ConvertLayoutOp convert) {
      if (isa<DotOperandEncodingAttr>(getEncoding(convert.getType())))
        converts.push_back(convert);
    });
    for (ConvertLayoutOp convert : converts) {
      SmallVector<OpOperand *> uses = getDotUsesInLoops(convert);
      if (uses.empty())
        continue;
      MemDescType bufferType = getOperandBufferType(
          cast<RankedTensorType>(convert.getSrc().getType()));
      if (!bufferType)
        continue;
      OpBuilder builder(convert);
      Value buffer = LocalAllocOp::create(builder, convert.getLoc(),
                                          bufferType, convert.getSrc());
      for (OpOperand *use : uses) {
        builder.setInsertionPoint(use->getOwner());
        use->set(LocalLoadOp::create(builder, convert.getLoc(),
                                     convert.getType(), buffer));
      }
      if (convert.getResult().use_empty())
        convert.erase();
    }
  }
};

} // namespace
