//===- SinkSharedLoads.cpp - shared-memory loads next to their first use --===//
//
// The sink-shared-loads pass (see Passes.td). Walking each block bottom-up,
// a shared-memory load, or a pure op computed from one, moves to just
// before its first user in the block when no op in between may write
// memory or synchronise. Bottom-up order sinks the unpacking ops first, so
// each load then follows them down to the mma.sync that consumes it.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Conversion/TileGPUToLLVM/Passes.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"

namespace flashtile {
#define GEN_PASS_DEF_SINKSHAREDLOADS
#include "flashtile/Conversion/TileGPUToLLVM/Passes.h.inc"
} // namespace flashtile

using namespace mlir;

namespace {

constexpr unsigned kSharedAddressSpace = 3;

bool isSharedLoad(Operation *op) {
  if (isa<NVVM::LdMatrixOp>(op))
    return true;
  auto load = dyn_cast<LLVM::LoadOp>(op);
  return load && !load.getVolatile_() &&
         load.getOrdering() == LLVM::AtomicOrdering::not_atomic &&
         cast<LLVM::LLVMPointerType>(load.getAddr().getType())
                 .getAddressSpace() == kSharedAddressSpace;
}

/// Whether a load may move past `op`: `op` touches no memory, or only
/// reads it (loads pass loads).
bool isTransparent(Operation *op) {
  if (op->hasTrait<OpTrait::IsTerminator>() || op->getNumRegions() != 0)
    return false;
  // Register-only NVVM ops and intrinsics without memory effects in ODS.
  if (isa<NVVM::MmaOp, NVVM::ShflOp>(op) || isSharedLoad(op))
    return true;
  if (auto call = dyn_cast<LLVM::CallIntrinsicOp>(op)) {
    llvm::StringRef name = call.getIntrin();
    return name.starts_with("llvm.nvvm.ex2.approx") ||
           name.starts_with("llvm.nvvm.lg2.approx") ||
           name.starts_with("llvm.nvvm.rsqrt.approx");
  }
  if (isMemoryEffectFree(op))
    return true;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  return effects && effects.onlyHasEffect<MemoryEffects::Read>();
}

/// The first op of `block` that uses a result of `op` (directly or in a
/// nested region), or null.
Operation *getFirstUser(Operation *op, Block *block) {
  Operation *first = nullptr;
  for (Operation *user : op->getUsers()) {
    Operation *ancestor = block->findAncestorOpInBlock(*user);
    if (!ancestor)
      return nullptr; // used in another block: stays where it is
    if (!first || ancestor->isBeforeInBlock(first))
      first = ancestor;
  }
  return first;
}

void sinkInBlock(Block &block) {
  // Loads and the pure ops computed from them.
  llvm::DenseSet<Operation *> movable;
  for (Operation &op : block) {
    if (isSharedLoad(&op)) {
      movable.insert(&op);
      continue;
    }
    if (op.getNumRegions() != 0 || op.getNumResults() == 0 ||
        !isMemoryEffectFree(&op))
      continue;
    if (llvm::any_of(op.getOperands(), [&](Value v) {
          Operation *def = v.getDefiningOp();
          return def && movable.contains(def);
        }))
      movable.insert(&op);
  }
  if (movable.empty())
    return;
  SmallVector<Operation *> order;
  for (Operation &op : llvm::reverse(block))
    if (movable.contains(&op))
      order.push_back(&op);
  for (Operation *op : order) {
    Operation *target = getFirstUser(op, &block);
    if (!target || target == op->getNextNode())
      continue;
    bool load = isSharedLoad(op);
    Operation *stop = op;
    for (Operation *it = op->getNextNode(); it != target;
         it = it->getNextNode()) {
      if (load && !isTransparent(it))
        break;
      stop = it;
    }
    if (stop != op)
      op->moveAfter(stop);
  }
}

struct SinkSharedLoadsPass
    : flashtile::impl::SinkSharedLoadsBase<SinkSharedLoadsPass> {
  void runOnOperation() override {
    getOperation().walk([](Block *block) { sinkInBlock(*block); });
  }
};

} // namespace
