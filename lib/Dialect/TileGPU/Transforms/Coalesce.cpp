//===- Coalesce.cpp - coalesced layouts for global accesses ---------------===//
//
// The tilegpu-coalesce pass: each global load, store, atomic and
// asynchronous copy of a block gets the blocked layout in which a thread
// owns the longest vector of consecutive elements that one access may
// move (AxisInfoAnalysis::getVectorWidth along the most contiguous
// dimension) and consecutive lanes own consecutive vectors. Converts are
// inserted around the op; tilegpu-remove-layout-conversions then pushes
// them away.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Dialect/TileGPU/Transforms/Passes.h"

#include "LayoutUtils.h"

#include "flashtile/Dialect/TileGPU/Analysis/AxisInfo.h"
#include "llvm/ADT/TypeSwitch.h"

namespace flashtile::tilegpu {
#define GEN_PASS_DEF_TILEGPUCOALESCE
#include "flashtile/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace flashtile::tilegpu

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu;

namespace {

/// The pointer block and mask of a global memory op, if it accesses a block.
std::pair<Value, Value> getPtrAndMask(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::pair<Value, Value>>(op)
      .Case([](tile::LoadOp load) {
        return std::make_pair(load.getPtr(), load.getMask());
      })
      .Case([](tile::StoreOp store) {
        return std::make_pair(store.getPtr(), store.getMask());
      })
      .Case([](tile::AtomicRMWOp atomic) {
        return std::make_pair(atomic.getPtr(), atomic.getMask());
      })
      .Case([](AsyncCopyGlobalToLocalOp copy) {
        return std::make_pair(copy.getPtr(), copy.getMask());
      })
      .Default([](Operation *) { return std::make_pair(Value(), Value()); });
}

/// Puts every block operand and result of `op` in `encoding`, converting
/// from and back to the layouts its neighbours use.
void setLayout(Operation *op, Attribute encoding) {
  OpBuilder builder(op);
  Location loc = op->getLoc();
  for (OpOperand &operand : op->getOpOperands())
    if (isa<RankedTensorType>(operand.get().getType()))
      operand.set(convertTo(builder, loc, operand.get(),
                            withEncoding(operand.get().getType(), encoding)));
  builder.setInsertionPointAfter(op);
  for (OpResult result : op->getResults()) {
    Type oldType = result.getType();
    if (!isa<RankedTensorType>(oldType))
      continue;
    result.setType(withEncoding(oldType, encoding));
    auto back = ConvertLayoutOp::create(builder, loc, oldType, result);
    result.replaceAllUsesExcept(back.getResult(), back);
  }
}

struct TileGPUCoalescePass
    : flashtile::tilegpu::impl::TileGPUCoalesceBase<TileGPUCoalescePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    unsigned numWarps = getNumWarps(module);
    int64_t threads = int64_t(numWarps) * TileGPUDialect::kThreadsPerWarp;
    AxisInfoAnalysis axisInfo(module);

    // Decide every layout on the unchanged program, then rewrite.
    SmallVector<std::pair<Operation *, Attribute>> decisions;
    module.walk([&](Operation *op) {
      auto [ptr, mask] = getPtrAndMask(op);
      if (!ptr)
        return;
      auto type = dyn_cast<RankedTensorType>(ptr.getType());
      if (!type || !isa_and_present<BlockedEncodingAttr>(type.getEncoding()))
        return;
      SmallVector<unsigned> order = axisInfo.getContiguityOrder(ptr);
      unsigned width = axisInfo.getVectorWidth(ptr, mask, order.front());
      // Atomics access one element at a time; a block with fewer elements
      // than vectors for every thread uses shorter vectors, not idle lanes.
      if (isa<tile::AtomicRMWOp>(op))
        width = 1;
      width = unsigned(std::min<int64_t>(
          width, std::max<int64_t>(1, type.getNumElements() / threads)));
      Attribute encoding = buildBlockedEncoding(
          &getContext(), type.getShape(), width, order, numWarps);
      if (encoding != type.getEncoding())
        decisions.emplace_back(op, encoding);
    });
    for (auto [op, encoding] : decisions)
      setLayout(op, encoding);
  }
};

} // namespace
