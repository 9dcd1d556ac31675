//===- Pipeline.cpp - cp.async software pipelining of dot operands --------===//
//
// The tilegpu-pipeline pass. For a loop
//
//   scf.for %iv = %lb to %ub step %st {
//     %x = tile.load %ptr(%iv), %mask(%iv)
//     %a = tilegpu.convert_layout %x -> #dot_op
//     ... tile.dot %a ...
//   }
//
// with S stages it produces
//
//   %buf = tilegpu.local_alloc : memdesc<S x ...>
//   copies of iterations 0 .. S-2 into stages 0 .. S-2, one group each
//   scf.for %iv ... {
//     %k = (%iv - %lb) / %st
//     tilegpu.async_wait S-2            // iteration k's group has landed
//     copies of iteration k+S-1 into stage (k+S-1) % S (masked past %ub)
//     tilegpu.async_commit_group
//     %a = tilegpu.local_load stage k % S -> #dot_op
//     ... tile.dot %a ...
//   }
//   tilegpu.async_wait 0
//
// The pointers and masks of a future iteration are recomputed by cloning
// the ops that compute them from the induction variable.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Dialect/TileGPU/Transforms/Passes.h"

#include "LayoutUtils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"

namespace flashtile::tilegpu {
#define GEN_PASS_DEF_TILEGPUPIPELINE
#include "flashtile/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace flashtile::tilegpu

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu;

namespace {

/// One load to pipeline.
struct PipelinedLoad {
  tile::LoadOp load;
  /// A transposition between the load and the dot operands, if any.
  tile::TransOp trans;
  /// The conversions to dot-operand layouts reading the block.
  SmallVector<ConvertLayoutOp> converts;
  /// The ops of the loop body computing the pointers and mask, in order.
  SmallVector<Operation *> addressOps;
  /// The ring of buffers.
  MemDescType bufferType;
  Value buffer;
};

/// A load of a rank-1 block, prefetched into registers one iteration ahead.
struct PrefetchedLoad {
  tile::LoadOp load;
  /// The ops of the loop body computing the pointers, mask and `other`.
  SmallVector<Operation *> addressOps;
};

/// Whether every use of `value` converts it to a dot-operand layout.
bool collectDotConverts(Value value, SmallVectorImpl<ConvertLayoutOp> &out) {
  for (Operation *user : value.getUsers()) {
    auto convert = dyn_cast<ConvertLayoutOp>(user);
    if (!convert || !isa<DotOperandEncodingAttr>(getEncoding(convert.getType())))
      return false;
    out.push_back(convert);
  }
  return !out.empty();
}

/// Collects the ops of `body` that `value` is computed by, if they are pure
/// and depend on nothing the loop carries besides the induction variable.
bool collectAddressOps(Value value, scf::ForOp loop,
                       llvm::SetVector<Operation *> &ops) {
  Block *body = loop.getBody();
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    if (arg.getOwner() == body)
      return arg == loop.getInductionVar();
    return !loop->isAncestor(arg.getOwner()->getParentOp());
  }
  Operation *def = value.getDefiningOp();
  if (!loop->isAncestor(def))
    return true;
  if (def->getBlock() != body || !isPure(def) || def->getNumRegions() != 0)
    return false;
  if (ops.contains(def))
    return true;
  for (Value operand : def->getOperands())
    if (!collectAddressOps(operand, loop, ops))
      return false;
  ops.insert(def);
  return true;
}

/// The load as a pipelining candidate, or nullopt.
std::optional<PipelinedLoad> matchLoad(tile::LoadOp load, scf::ForOp loop,
                                       int numStages) {
  auto type = dyn_cast<RankedTensorType>(load.getType());
  auto ptrType = dyn_cast<RankedTensorType>(load.getPtr().getType());
  if (!type || type.getRank() != 2 || !ptrType ||
      !isa_and_present<BlockedEncodingAttr>(ptrType.getEncoding()))
    return std::nullopt;
  unsigned bits = type.getElementType().getIntOrFloatBitWidth();
  if (bits < 8 || bits > 64)
    return std::nullopt;
  // cp.async fills masked-off elements with zeros.
  if (Value other = load.getOther())
    if (!matchPattern(other, m_AnyZeroFloat()) && !matchPattern(other, m_Zero()))
      return std::nullopt;

  PipelinedLoad candidate;
  candidate.load = load;
  Value data = load.getResult();
  if (data.hasOneUse())
    if (auto trans = dyn_cast<tile::TransOp>(*data.getUsers().begin()))
      if (isa_and_present<BlockedEncodingAttr>(getEncoding(trans.getType()))) {
        candidate.trans = trans;
        data = trans.getResult();
      }
  if (!collectDotConverts(data, candidate.converts))
    return std::nullopt;

  llvm::SetVector<Operation *> ops;
  if (!collectAddressOps(load.getPtr(), loop, ops) ||
      (load.getMask() && !collectAddressOps(load.getMask(), loop, ops)))
    return std::nullopt;
  candidate.addressOps.assign(ops.begin(), ops.end());
  llvm::sort(candidate.addressOps,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });

  // The buffer holds the block the dots read, contiguous along the
  // dimension the copies are vectorized along.
  auto dataType = cast<RankedTensorType>(data.getType());
  auto blocked = cast<BlockedEncodingAttr>(dataType.getEncoding());
  SharedEncodingAttr shared = getMmaOperandSharedEncoding(
      load.getContext(), dataType.getShape(), blocked.getOrder(), bits);
  if (!shared)
    return std::nullopt;
  SmallVector<int64_t> shape{numStages};
  shape.append(dataType.getShape().begin(), dataType.getShape().end());
  candidate.bufferType = MemDescType::get(load.getContext(), shape,
                                          dataType.getElementType(), shared);
  return candidate;
}

/// The load as a register-prefetch candidate (a rank-1 block whose
/// pointers, mask and `other` depend on the induction variable and values
/// defined outside the loop only), or nullopt.
std::optional<PrefetchedLoad> matchPrefetch(tile::LoadOp load, scf::ForOp loop) {
  auto type = dyn_cast<RankedTensorType>(load.getType());
  if (!type || type.getRank() != 1)
    return std::nullopt;
  llvm::SetVector<Operation *> ops;
  for (Value operand : load->getOperands())
    if (!collectAddressOps(operand, loop, ops))
      return std::nullopt;
  PrefetchedLoad candidate{load, SmallVector<Operation *>(ops.begin(), ops.end())};
  llvm::sort(candidate.addressOps,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return candidate;
}

class LoopPipeliner {
public:
  LoopPipeliner(scf::ForOp loop, int numStages)
      : loop(loop), numStages(numStages) {}

  /// Pipelines the loop's candidate loads; false if there are none.
  bool run() {
    if (!loop.getInductionVar().getType().isInteger(32))
      return false;
    for (Operation &op : *loop.getBody())
      if (auto load = dyn_cast<tile::LoadOp>(op)) {
        if (auto candidate = matchLoad(load, loop, numStages))
          loads.push_back(std::move(*candidate));
        else if (auto prefetch = matchPrefetch(load, loop))
          prefetches.push_back(std::move(*prefetch));
      }
    if (loads.empty() && prefetches.empty())
      return false;
    if (!loads.empty())
      emitPrologue();
    carryPrefetches();
    if (loads.empty())
      return true;
    emitLoopBody();
    OpBuilder builder(loop.getContext());
    builder.setInsertionPointAfter(loop);
    AsyncWaitOp::create(builder, loop.getLoc(), 0);
    return true;
  }

private:
  Value constant(OpBuilder &builder, int64_t value) {
    return arith::ConstantOp::create(
        builder, loop.getLoc(), builder.getI32IntegerAttr(int32_t(value)));
  }

  /// Issues the copies of the iteration whose induction variable is `iv`
  /// into stage `stage`, predicated by `inRange`.
  void issueCopies(OpBuilder &builder, Value iv, Value inRange, Value stage) {
    Location loc = loop.getLoc();
    for (PipelinedLoad &pl : loads) {
      IRMapping mapping;
      mapping.map(loop.getInductionVar(), iv);
      for (Operation *op : pl.addressOps)
        builder.clone(*op, mapping);
      Value ptr = mapping.lookupOrDefault(pl.load.getPtr());
      Value mask = pl.load.getMask() ? mapping.lookupOrDefault(pl.load.getMask())
                                     : Value();
      if (pl.trans) {
        auto transpose = [&](Value value) {
          auto type = cast<RankedTensorType>(value.getType());
          SmallVector<int64_t> shape;
          for (int32_t d : pl.trans.getOrder())
            shape.push_back(type.getDimSize(d));
          auto result = RankedTensorType::get(
              shape, type.getElementType(),
              getTransposedEncoding(type.getEncoding(), pl.trans.getOrder()));
          return tile::TransOp::create(builder, loc, result, value,
                                       pl.trans.getOrderAttr())
              .getResult();
        };
        ptr = transpose(ptr);
        if (mask)
          mask = transpose(mask);
      }
      auto ptrType = cast<RankedTensorType>(ptr.getType());
      Value inRangeBlock = tile::SplatOp::create(
          builder, loc, ptrType.clone(builder.getI1Type()), inRange);
      mask = mask ? arith::AndIOp::create(builder, loc, mask, inRangeBlock)
                        .getResult()
                  : inRangeBlock;
      auto stageType = MemDescType::get(
          loop.getContext(), pl.bufferType.getShape().drop_front(),
          pl.bufferType.getElementType(), pl.bufferType.getEncoding());
      Value view = MemDescIndexOp::create(builder, loc, stageType, pl.buffer, stage);
      AsyncCopyGlobalToLocalOp::create(builder, loc, ptr, view, mask);
    }
    AsyncCommitGroupOp::create(builder, loc);
  }

  /// The prefetched load of the iteration whose induction variable is
  /// `iv`, predicated by `inRange`.
  Value issuePrefetch(OpBuilder &builder, PrefetchedLoad &pl, Value iv, Value inRange) {
    Location loc = pl.load.getLoc();
    IRMapping mapping;
    mapping.map(loop.getInductionVar(), iv);
    for (Operation *op : pl.addressOps)
      builder.clone(*op, mapping);
    Value ptr = mapping.lookupOrDefault(pl.load.getPtr());
    auto ptrType = cast<RankedTensorType>(ptr.getType());
    Value mask = tile::SplatOp::create(builder, loc, ptrType.clone(builder.getI1Type()),
                                       inRange);
    if (Value own = pl.load.getMask())
      mask = arith::AndIOp::create(builder, loc, mapping.lookupOrDefault(own), mask);
    Value other = pl.load.getOther() ? mapping.lookupOrDefault(pl.load.getOther()) : Value();
    return tile::LoadOp::create(builder, loc, ptr, mask, other).getResult();
  }

  /// Replaces the loop by one that also carries the prefetched blocks.
  void carryPrefetches() {
    if (prefetches.empty())
      return;
    IRRewriter rewriter(loop.getContext());
    rewriter.setInsertionPoint(loop);
    Location loc = loop.getLoc();
    SmallVector<Value> inits;
    Value runs = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt,
                                       loop.getLowerBound(), loop.getUpperBound());
    for (PrefetchedLoad &pl : prefetches)
      inits.push_back(issuePrefetch(rewriter, pl, loop.getLowerBound(), runs));
    size_t first = loop.getNumRegionIterArgs();
    auto yields = [&](OpBuilder &b, Location loc, ArrayRef<BlockArgument>) {
      SmallVector<Value> next;
      // The next iteration's blocks, loaded at the top of the body.
      Block *body = b.getInsertionBlock();
      OpBuilder top = OpBuilder::atBlockBegin(body);
      Value iv = body->getArgument(0);
      Value nextIv = arith::AddIOp::create(top, loc, iv, loop.getStep());
      Value inRange = arith::CmpIOp::create(top, loc, arith::CmpIPredicate::slt, nextIv,
                                            loop.getUpperBound());
      for (PrefetchedLoad &pl : prefetches)
        next.push_back(issuePrefetch(top, pl, nextIv, inRange));
      return next;
    };
    auto replaced = loop.replaceWithAdditionalYields(rewriter, inits,
                                                     /*replaceInitOperandUsesInLoop=*/false,
                                                     yields);
    loop = cast<scf::ForOp>(replaced->getOperation());
    ValueRange carried = loop.getRegionIterArgs().drop_front(first);
    for (auto [pl, block] : llvm::zip_equal(prefetches, carried)) {
      pl.load.getResult().replaceAllUsesWith(block);
      pl.load.erase();
    }
  }

  void emitPrologue() {
    OpBuilder builder(loop);
    Location loc = loop.getLoc();
    for (PipelinedLoad &pl : loads)
      pl.buffer = LocalAllocOp::create(builder, loc, pl.bufferType, Value());
    for (int s = 0; s + 1 < numStages; ++s) {
      Value iv = loop.getLowerBound();
      if (s > 0)
        iv = arith::AddIOp::create(
            builder, loc, iv,
            arith::MulIOp::create(builder, loc, loop.getStep(), constant(builder, s)));
      Value inRange = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::slt,
                                            iv, loop.getUpperBound());
      issueCopies(builder, iv, inRange, constant(builder, s));
    }
  }

  void emitLoopBody() {
    // After the register prefetches, which the loop body begins with.
    OpBuilder builder(loop.getContext());
    if (Operation *last = lastPrefetchOp())
      builder.setInsertionPointAfter(last);
    else
      builder.setInsertionPointToStart(loop.getBody());
    Location loc = loop.getLoc();
    Value iv = loop.getInductionVar();
    // Iteration k = (iv - lb) / step and its stage k mod S, recomputed from
    // iv rather than loop-carried: a carried counter is one more register
    // live across the loop, which made the dQ kernel spill 4 bytes at sm_80
    // (and so did the unsigned division, by ptxas's allocation: signed kept).
    Value iteration = arith::DivSIOp::create(
        builder, loc, arith::SubIOp::create(builder, loc, iv, loop.getLowerBound()),
        loop.getStep());
    Value stages = constant(builder, numStages);
    Value current = arith::RemSIOp::create(builder, loc, iteration, stages);
    Value previous = arith::RemSIOp::create(
        builder, loc,
        arith::AddIOp::create(builder, loc, iteration, constant(builder, numStages - 1)),
        stages);
    // Iteration k's group is the oldest of the S-1 in flight.
    AsyncWaitOp::create(builder, loc, numStages - 2);
    Value ahead = constant(builder, numStages - 1);
    Value nextIv = arith::AddIOp::create(
        builder, loc, iv, arith::MulIOp::create(builder, loc, loop.getStep(), ahead));
    Value inRange = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::slt,
                                          nextIv, loop.getUpperBound());
    issueCopies(builder, nextIv, inRange, previous);

    for (PipelinedLoad &pl : loads) {
      auto stageType = MemDescType::get(
          loop.getContext(), pl.bufferType.getShape().drop_front(),
          pl.bufferType.getElementType(), pl.bufferType.getEncoding());
      for (ConvertLayoutOp convert : pl.converts) {
        builder.setInsertionPoint(convert);
        Value view = MemDescIndexOp::create(builder, convert.getLoc(), stageType,
                                            pl.buffer, current);
        Value block =
            LocalLoadOp::create(builder, convert.getLoc(), convert.getType(), view);
        convert.getResult().replaceAllUsesWith(block);
        convert.erase();
      }
      if (pl.trans)
        pl.trans.erase();
      pl.load.erase();
    }
  }

  /// The last op of the register prefetches at the top of the body, or null.
  Operation *lastPrefetchOp() {
    Operation *last = nullptr;
    for (Value block : loop.getBody()->getTerminator()->getOperands().take_back(
             prefetches.size()))
      if (Operation *def = block.getDefiningOp())
        if (!last || last->isBeforeInBlock(def))
          last = def;
    return last;
  }

  scf::ForOp loop;
  int numStages;
  SmallVector<PipelinedLoad> loads;
  SmallVector<PrefetchedLoad> prefetches;
};

struct TileGPUPipelinePass
    : flashtile::tilegpu::impl::TileGPUPipelineBase<TileGPUPipelinePass> {
  using TileGPUPipelineBase::TileGPUPipelineBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (numStages < 2 || getTargetArch(module) < 80)
      return;
    SmallVector<scf::ForOp> loops;
    module.walk([&](scf::ForOp loop) { loops.push_back(loop); });
    bool changed = false;
    for (scf::ForOp loop : loops)
      changed |= LoopPipeliner(loop, int(numStages)).run();
    if (!changed)
      return;
    // The address computations the copies replaced are dead now.
    if (failed(applyPatternsGreedily(module, RewritePatternSet(&getContext()))))
      signalPassFailure();
  }
};

} // namespace
