//===- AllocateSharedMemory.cpp - shared-memory offsets -------------------===//
//
// The tilegpu-allocate-shared-memory pass: numbers the ops of each kernel
// in program order, gives every shared-memory buffer (local_alloc) and
// scratch area (getScratchBytes) a live range, and places them first fit,
// largest first, so that buffers live at the same time do not overlap.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Dialect/TileGPU/Transforms/Passes.h"

#include "LayoutUtils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/Support/MathExtras.h"

namespace flashtile::tilegpu {
#define GEN_PASS_DEF_TILEGPUALLOCATESHAREDMEMORY
#include "flashtile/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace flashtile::tilegpu

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu;

namespace {

/// Shared memory a block may use on sm_`arch` (with the opt-in above 48 KiB).
int64_t getSharedMemoryLimit(int arch) {
  if (arch >= 90)
    return 232448;
  if (arch == 80)
    return 166912;
  if (arch > 80)
    return 101376;
  if (arch >= 75)
    return 65536;
  return 49152;
}

/// One buffer or scratch area to place.
struct Buffer {
  Operation *op;
  int64_t size;
  int64_t alignment;
  /// Live range: positions of the first and last op using it.
  int64_t first, last;
  int64_t offset = -1;
};

class Allocator {
public:
  explicit Allocator(FunctionOpInterface func) : func(func) {}

  /// Places every buffer of the function; returns the bytes used.
  FailureOr<int64_t> run() {
    number(func);
    bool ok = true;
    func.walk([&](Operation *op) {
      if (auto alloc = dyn_cast<LocalAllocOp>(op)) {
        MemDescType type = alloc.getType();
        auto shared = cast<SharedEncodingAttr>(type.getEncoding());
        // Swizzled buffers are aligned to the 128 bytes the swizzle repeats
        // over.
        int64_t alignment = shared.getMaxPhase() > 1 ? 128 : 16;
        buffers.push_back({op, type.getSizeInBytes(), alignment,
                           span[op].first, getLastUse(alloc)});
        return;
      }
      llvm::Expected<int64_t> bytes = getScratchBytes(op);
      if (!bytes) {
        op->emitOpError() << "cannot size its scratch shared memory: "
                          << llvm::toString(bytes.takeError());
        ok = false;
        return;
      }
      if (*bytes > 0)
        buffers.push_back({op, *bytes, 16, span[op].first, span[op].second});
    });
    if (!ok)
      return failure();

    // Largest first, then in program order.
    SmallVector<Buffer *> order;
    for (Buffer &buffer : buffers)
      order.push_back(&buffer);
    llvm::sort(order, [](const Buffer *a, const Buffer *b) {
      if (a->size != b->size)
        return a->size > b->size;
      return a->first < b->first;
    });
    SmallVector<Buffer *> placed;
    int64_t total = 0;
    for (Buffer *buffer : order) {
      buffer->offset = findOffset(*buffer, placed);
      placed.push_back(buffer);
      total = std::max(total, buffer->offset + buffer->size);
    }
    Builder builder(func.getContext());
    for (Buffer &buffer : buffers)
      buffer.op->setAttr(kAllocationOffsetAttrName,
                         builder.getI32IntegerAttr(int32_t(buffer.offset)));
    return total;
  }

private:
  /// Numbers ops in program order; an op's span covers its nested ops.
  void number(Operation *op) {
    int64_t first = counter++;
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (Operation &nested : block)
          number(&nested);
    span[op] = {first, counter - 1};
  }

  /// The ancestor of `op` in `block` (op itself if it is there).
  static Operation *getAncestorIn(Operation *op, Block *block) {
    while (op && op->getBlock() != block)
      op = op->getParentOp();
    return op;
  }

  /// The position of the last op using the buffer, following its views
  /// (memdesc_index, memdesc_trans) and buffers carried by loops and
  /// branches; a use in a loop keeps the buffer for the whole loop.
  int64_t getLastUse(LocalAllocOp alloc) {
    Block *block = alloc->getBlock();
    int64_t last = span[alloc].second;
    SmallVector<Value> worklist{alloc.getResult()};
    DenseSet<Value> seen;
    while (!worklist.empty()) {
      Value value = worklist.pop_back_val();
      if (!seen.insert(value).second)
        continue;
      for (OpOperand &use : value.getUses()) {
        Operation *user = use.getOwner();
        if (Operation *ancestor = getAncestorIn(user, block))
          last = std::max(last, span[ancestor].second);
        if (isa<MemDescIndexOp, MemDescTransOp>(user))
          worklist.push_back(user->getResult(0));
        if (auto forOp = dyn_cast<scf::ForOp>(user))
          if (use.getOperandNumber() >= forOp.getNumControlOperands())
            worklist.push_back(forOp.getRegionIterArgs()[use.getOperandNumber() -
                                                         forOp.getNumControlOperands()]);
        if (isa<scf::YieldOp>(user))
          if (Operation *parent = user->getParentOp();
              isa<scf::ForOp, scf::IfOp>(parent))
            worklist.push_back(parent->getResult(use.getOperandNumber()));
      }
    }
    return last;
  }

  /// The lowest aligned offset at which `buffer` overlaps no placed buffer
  /// live at the same time.
  static int64_t findOffset(const Buffer &buffer, ArrayRef<Buffer *> placed) {
    SmallVector<const Buffer *> live;
    for (const Buffer *other : placed)
      if (other->first <= buffer.last && buffer.first <= other->last)
        live.push_back(other);
    SmallVector<int64_t> candidates{0};
    for (const Buffer *other : live)
      candidates.push_back(
          int64_t(llvm::alignTo(other->offset + other->size, buffer.alignment)));
    llvm::sort(candidates);
    for (int64_t offset : candidates) {
      bool fits = llvm::none_of(live, [&](const Buffer *other) {
        return offset < other->offset + other->size &&
               other->offset < offset + buffer.size;
      });
      if (fits)
        return offset;
    }
    llvm_unreachable("the end of the last buffer is always free");
  }

  FunctionOpInterface func;
  int64_t counter = 0;
  DenseMap<Operation *, std::pair<int64_t, int64_t>> span;
  SmallVector<Buffer> buffers;
};

struct TileGPUAllocateSharedMemoryPass
    : flashtile::tilegpu::impl::TileGPUAllocateSharedMemoryBase<
          TileGPUAllocateSharedMemoryPass> {
  using TileGPUAllocateSharedMemoryBase::TileGPUAllocateSharedMemoryBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t limit = maxShared > 0 ? int64_t(maxShared)
                                  : getSharedMemoryLimit(getTargetArch(module));
    int64_t moduleTotal = 0;
    bool ok = true;
    for (auto func : module.getOps<FunctionOpInterface>()) {
      if (func.isExternal())
        continue;
      FailureOr<int64_t> total = Allocator(func).run();
      if (failed(total)) {
        ok = false;
        continue;
      }
      moduleTotal = std::max(moduleTotal, *total);
      if (*total > limit) {
        func.emitError() << "kernel '" << func.getName() << "' needs "
                         << *total << " bytes of shared memory, more than the "
                         << limit << " bytes a block may use";
        ok = false;
      }
    }
    module->setAttr(TileGPUDialect::kSharedAttrName,
                    Builder(module.getContext())
                        .getI32IntegerAttr(int32_t(std::min<int64_t>(
                            moduleTotal, std::numeric_limits<int32_t>::max()))));
    if (!ok)
      signalPassFailure();
  }
};

} // namespace
