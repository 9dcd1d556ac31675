//===- InsertBarriers.cpp - barriers between shared-memory accesses -------===//
//
// The tilegpu-insert-barriers pass. Walking a kernel in program order, it
// keeps the byte ranges of shared memory read and written since the last
// barrier (by any thread: a thread's accesses may touch what other threads
// own) and puts a tilegpu.barrier before an op that reads a pending write,
// or writes over a pending read or write.
//
// Branches are walked separately and their pending ranges joined. A loop
// whose body conflicts with what is pending before it gets a barrier before
// it; its body is entered with everything the body accesses pending (what
// the previous iteration left), so hazards between iterations get a
// barrier at the first access in the body that needs one, and it is left
// with what the body or the code before it left.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Dialect/TileGPU/Transforms/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

namespace flashtile::tilegpu {
#define GEN_PASS_DEF_TILEGPUINSERTBARRIERS
#include "flashtile/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace flashtile::tilegpu

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu;

namespace {

/// A byte range [begin, end) of shared memory.
struct Range {
  int64_t begin, end;
  bool overlaps(const Range &other) const {
    return begin < other.end && other.begin < end;
  }
};

/// All of shared memory: what a buffer without an offset may overlap.
constexpr Range kEverything{0, std::numeric_limits<int64_t>::max()};

/// Shared-memory ranges read and written.
struct Accesses {
  SmallVector<Range> reads, writes;

  void clear() {
    reads.clear();
    writes.clear();
  }
  void merge(const Accesses &other) {
    reads.append(other.reads);
    writes.append(other.writes);
  }
  bool empty() const { return reads.empty() && writes.empty(); }

  /// Whether `next`, run by other threads after these accesses, races
  /// with them.
  bool conflictsWith(const Accesses &next) const {
    auto any = [](ArrayRef<Range> a, ArrayRef<Range> b) {
      for (const Range &x : a)
        for (const Range &y : b)
          if (x.overlaps(y))
            return true;
      return false;
    };
    return any(next.reads, writes) || any(next.writes, writes) ||
           any(next.writes, reads);
  }
};

class BarrierInserter {
public:
  explicit BarrierInserter(FunctionOpInterface func) {
    func.walk([&](AsyncCopyGlobalToLocalOp copy) {
      asyncTargets.push_back(getRange(copy.getDst()));
    });
  }

  void visitBlock(Block &block, Accesses &pending) {
    for (Operation &op : llvm::make_early_inc_range(block))
      visitOp(&op, pending);
  }

private:
  /// The bytes of the buffer a memdesc value points into (a whole
  /// multi-stage buffer for one stage).
  static Range getRange(Value memdesc) {
    while (isa_and_present<MemDescIndexOp, MemDescTransOp>(
        memdesc.getDefiningOp()))
      memdesc = memdesc.getDefiningOp()->getOperand(0);
    auto alloc = memdesc.getDefiningOp<LocalAllocOp>();
    if (!alloc)
      return kEverything;
    auto offset = alloc->getAttrOfType<IntegerAttr>(kAllocationOffsetAttrName);
    if (!offset)
      return kEverything;
    return {offset.getInt(), offset.getInt() + alloc.getType().getSizeInBytes()};
  }

  /// Scratch range of an op the allocation gave scratch to.
  static std::optional<Range> getScratchRange(Operation *op) {
    if (isa<LocalAllocOp>(op))
      return std::nullopt;
    auto offset = op->getAttrOfType<IntegerAttr>(kAllocationOffsetAttrName);
    if (!offset)
      return std::nullopt;
    llvm::Expected<int64_t> bytes = getScratchBytes(op);
    if (!bytes) {
      llvm::consumeError(bytes.takeError());
      return kEverything;
    }
    return Range{offset.getInt(), offset.getInt() + *bytes};
  }

  /// The shared-memory accesses of one op without regions.
  Accesses getAccesses(Operation *op) {
    Accesses accesses;
    if (auto alloc = dyn_cast<LocalAllocOp>(op)) {
      if (alloc.getSrc())
        accesses.writes.push_back(getRange(alloc.getResult()));
    } else if (auto store = dyn_cast<LocalStoreOp>(op)) {
      accesses.writes.push_back(getRange(store.getDst()));
    } else if (auto load = dyn_cast<LocalLoadOp>(op)) {
      accesses.reads.push_back(getRange(load.getSrc()));
    } else if (auto copy = dyn_cast<AsyncCopyGlobalToLocalOp>(op)) {
      accesses.writes.push_back(getRange(copy.getDst()));
    } else if (isa<AsyncWaitOp>(op)) {
      accesses.writes.append(asyncTargets);
    } else if (std::optional<Range> scratch = getScratchRange(op)) {
      accesses.reads.push_back(*scratch);
      accesses.writes.push_back(*scratch);
    }
    return accesses;
  }

  /// Everything the ops in `op`'s regions access.
  void summarize(Operation *op, Accesses &summary) {
    op->walk([&](Operation *nested) {
      if (nested->getNumRegions() == 0)
        summary.merge(getAccesses(nested));
    });
  }

  /// Whether the body of `loop` may access what `pending` holds before it
  /// synchronizes (at a barrier or an op using scratch).
  bool conflictsOnEntry(Operation *loop, const Accesses &pending) {
    for (Region &region : loop->getRegions())
      for (Block &block : region)
        for (Operation &op : block) {
          if (isa<BarrierOp>(op) || getScratchRange(&op))
            break;
          Accesses accesses;
          if (op.getNumRegions() != 0)
            summarize(&op, accesses);
          else
            accesses = getAccesses(&op);
          if (pending.conflictsWith(accesses))
            return true;
        }
    return false;
  }

  void visitOp(Operation *op, Accesses &pending) {
    if (isa<BarrierOp>(op))
      return pending.clear();
    if (isa<LoopLikeOpInterface>(op) || isa<scf::WhileOp>(op)) {
      Accesses body;
      summarize(op, body);
      // Hazards with the code before the loop: one barrier before it rather
      // than one in every iteration.
      if (conflictsOnEntry(op, pending)) {
        OpBuilder builder(op);
        BarrierOp::create(builder, op->getLoc());
        pending.clear();
      }
      // Entering an iteration, the previous one's accesses may be pending.
      Accesses entry = pending;
      entry.merge(body);
      Accesses exit = pending;
      for (Region &region : op->getRegions())
        for (Block &block : region) {
          Accesses state = entry;
          visitBlock(block, state);
          exit.merge(state);
        }
      pending = std::move(exit);
      return;
    }
    if (op->getNumRegions() != 0) {
      // Branches: each starts from the same state; their ends are joined.
      Accesses exit;
      bool allRegionsRun = isa<scf::IfOp>(op) &&
                           !cast<scf::IfOp>(op).getElseRegion().empty();
      if (!allRegionsRun)
        exit = pending;
      for (Region &region : op->getRegions())
        for (Block &block : region) {
          Accesses state = pending;
          visitBlock(block, state);
          exit.merge(state);
        }
      pending = std::move(exit);
      return;
    }
    Accesses accesses = getAccesses(op);
    if (accesses.empty())
      return;
    if (isa<AsyncWaitOp>(op)) {
      // The copies land now, whatever barriers came since they were issued.
      pending.merge(accesses);
      return;
    }
    if (isa<AsyncCopyGlobalToLocalOp>(op)) {
      // A copy must not overwrite what others may still read or write; its
      // data counts as written at the async_wait that completes it.
      if (pending.conflictsWith(accesses)) {
        OpBuilder builder(op);
        BarrierOp::create(builder, op->getLoc());
        pending.clear();
      }
      return;
    }
    if (getScratchRange(op)) {
      // The op synchronizes around its own scratch use; its scratch stays
      // pending for the ops after it.
      pending = std::move(accesses);
      return;
    }
    if (pending.conflictsWith(accesses)) {
      OpBuilder builder(op);
      BarrierOp::create(builder, op->getLoc());
      pending.clear();
    }
    pending.merge(accesses);
  }

  SmallVector<Range> asyncTargets;
};

struct TileGPUInsertBarriersPass
    : flashtile::tilegpu::impl::TileGPUInsertBarriersBase<
          TileGPUInsertBarriersPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<FunctionOpInterface>()) {
      if (func.isExternal())
        continue;
      BarrierInserter inserter(func);
      Accesses pending;
      for (Block &block : func.getFunctionBody())
        inserter.visitBlock(block, pending);
    }
  }
};

} // namespace
