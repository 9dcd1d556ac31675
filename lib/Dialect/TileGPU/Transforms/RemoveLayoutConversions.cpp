//===- RemoveLayoutConversions.cpp - layout propagation and clean-up ------===//
//
// The tilegpu-remove-layout-conversions pass, in three steps per function:
//
// 1. Forward propagation. Anchors are the results of tile.dot (their mma
//    layout, first choice) and of loads (their coalesced layout, second
//    choice). Their layouts flow to the values computed from them through
//    ops whose result layout follows from an operand's: elementwise ops,
//    tile.reduce (a slice), tile.expand_dims of a matching slice,
//    tile.broadcast, blocked tile.trans, convert_layout (which becomes an
//    identity) and the values scf loops and branches carry. A value reached
//    by two layouts keeps the one of higher priority (the first one among
//    equals). Values are retyped in place; then each op whose operands no
//    longer have the layouts it needs gets converts (dot operands, memory
//    ops, an elementwise op whose operands came from different anchors).
//
// 2. Backward rematerialization. A convert whose source is computed by
//    cheap ops (constants, splat, make_range, broadcast, expand_dims,
//    elementwise ops, blocked trans) is replaced by a copy of that
//    computation in the destination layout, when the conversions left at
//    the leaves of the copy move fewer bytes between threads than the
//    convert did: masks, index and pointer arithmetic are recomputed in the
//    layout they are needed in rather than shuffled there.
//
// 3. Clean-up: identity converts and convert chains fold, converts of
//    constants and splats become constants and splats, dead ops are
//    erased, loop-invariant code (converts of Q for every iteration) is
//    hoisted out of loops.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Dialect/TileGPU/Transforms/Passes.h"

#include "LayoutUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

namespace flashtile::tilegpu {
#define GEN_PASS_DEF_TILEGPUREMOVELAYOUTCONVERSIONS
#include "flashtile/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace flashtile::tilegpu

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu;

namespace {

//===----------------------------------------------------------------------===//
// Layout rules
//===----------------------------------------------------------------------===//

/// The values an operand of an scf op flows into (loop-carried arguments and
/// results, branch results); they all have one type.
SmallVector<Value> getTiedValues(OpOperand &use) {
  Operation *owner = use.getOwner();
  unsigned index = use.getOperandNumber();
  if (auto forOp = dyn_cast<scf::ForOp>(owner)) {
    if (index < forOp.getNumControlOperands())
      return {};
    unsigned i = index - forOp.getNumControlOperands();
    return {forOp.getRegionIterArgs()[i], forOp.getResult(i)};
  }
  if (auto whileOp = dyn_cast<scf::WhileOp>(owner))
    return {whileOp.getBeforeArguments()[index]};
  if (isa<scf::YieldOp>(owner)) {
    Operation *parent = owner->getParentOp();
    if (auto forOp = dyn_cast<scf::ForOp>(parent))
      return {forOp.getRegionIterArgs()[index], forOp.getResult(index)};
    if (auto ifOp = dyn_cast<scf::IfOp>(parent))
      return {ifOp.getResult(index)};
    if (auto whileOp = dyn_cast<scf::WhileOp>(parent))
      return {whileOp.getBeforeArguments()[index]};
    return {};
  }
  if (auto condition = dyn_cast<scf::ConditionOp>(owner)) {
    if (index == 0)
      return {};
    auto whileOp = cast<scf::WhileOp>(condition->getParentOp());
    return {whileOp.getAfterArguments()[index - 1],
            whileOp.getResult(index - 1)};
  }
  return {};
}

bool isScfTie(Operation *op) {
  return isa<scf::ForOp, scf::WhileOp, scf::YieldOp, scf::ConditionOp>(op);
}

/// The encoding the result of `op` takes when its operand has `encoding`,
/// or null when the result's layout does not follow from it.
Attribute inferResultEncoding(Operation *op, Attribute encoding) {
  if (isElementwise(op) || isa<ConvertLayoutOp, tile::BroadcastOp>(op))
    return encoding;
  if (auto reduce = dyn_cast<tile::ReduceOp>(op)) {
    if (!isa<RankedTensorType>(reduce.getType()))
      return {};
    return SliceEncodingAttr::get(op->getContext(), reduce.getAxis(), encoding);
  }
  if (auto expand = dyn_cast<tile::ExpandDimsOp>(op)) {
    auto slice = dyn_cast<SliceEncodingAttr>(encoding);
    if (slice && slice.getDim() == expand.getAxis())
      return slice.getParent();
    return {};
  }
  if (auto trans = dyn_cast<tile::TransOp>(op))
    return getTransposedEncoding(encoding, trans.getOrder());
  return {};
}

/// The encoding operand `use` of an op needs for the op's result to have
/// `resultEncoding`, or null when any layout will do.
Attribute requiredOperandEncoding(OpOperand &use, Attribute resultEncoding) {
  Operation *op = use.getOwner();
  if (isElementwise(op) || isa<tile::BroadcastOp>(op))
    return resultEncoding;
  if (isa<tile::ReduceOp>(op)) {
    if (auto slice = dyn_cast_if_present<SliceEncodingAttr>(resultEncoding))
      return slice.getParent();
    return {};
  }
  if (auto expand = dyn_cast<tile::ExpandDimsOp>(op))
    return SliceEncodingAttr::get(op->getContext(), expand.getAxis(),
                                  resultEncoding);
  if (auto trans = dyn_cast<tile::TransOp>(op))
    return getTransposeSourceEncoding(resultEncoding, trans.getOrder());
  return {};
}

/// Bytes a conversion moves between threads: 0 when every thread already
/// holds its elements, the block once for shuffles, twice through shared
/// memory (and for layouts that cannot be analysed).
int64_t conversionCost(Type from, Type to) {
  auto type = cast<RankedTensorType>(from);
  int64_t bytes = type.getNumElements() * getElementBytes(type);
  auto src = getLinearLayout(from);
  auto dst = getLinearLayout(to);
  if (!src || !dst) {
    if (!src)
      llvm::consumeError(src.takeError());
    if (!dst)
      llvm::consumeError(dst.takeError());
    return 2 * bytes;
  }
  auto conversion = layout::computeConversion(*src, *dst);
  if (!conversion) {
    llvm::consumeError(conversion.takeError());
    return 2 * bytes;
  }
  switch (conversion->kind) {
  case layout::ConversionKind::NoOp:
  case layout::ConversionKind::RegisterPermute:
    return 0;
  case layout::ConversionKind::WarpShuffle:
    return bytes;
  case layout::ConversionKind::SharedMemory:
    return 2 * bytes;
  }
  return 2 * bytes;
}

//===----------------------------------------------------------------------===//
// Step 1: forward propagation
//===----------------------------------------------------------------------===//

enum Priority { kFromLoad = 1, kFromDot = 2 };

class LayoutPropagation {
public:
  explicit LayoutPropagation(Operation *root) : root(root) {}

  void run() {
    root->walk([&](Operation *op) {
      if (isa<tile::DotOp>(op))
        anchor(op->getResult(0), kFromDot);
      else if (isa<tile::LoadOp, tile::AtomicRMWOp, LocalLoadOp>(op) &&
               op->getNumResults() == 1)
        anchor(op->getResult(0), kFromLoad);
    });
    while (!worklist.empty()) {
      Value value = worklist.pop_back_val();
      Candidate candidate = layouts.lookup(value);
      for (OpOperand &use : value.getUses())
        propagate(use, candidate);
    }
  }

  /// Retypes the values that got a new layout and inserts the converts the
  /// ops around them need.
  void rewrite() {
    SmallVector<Operation *> ops;
    root->walk([&](Operation *op) { ops.push_back(op); });

    DenseMap<Value, Type> oldTypes;
    for (auto &[value, candidate] : layouts) {
      Type newType = withEncoding(value.getType(), candidate.encoding);
      if (newType == value.getType())
        continue;
      oldTypes[value] = value.getType();
      value.setType(newType);
    }
    if (oldTypes.empty())
      return;

    for (Operation *op : ops) {
      bool retyped = llvm::any_of(op->getResults(), [&](Value result) {
        return oldTypes.count(result);
      });
      for (OpOperand &use : op->getOpOperands()) {
        Value value = use.get();
        if (!isa<RankedTensorType>(value.getType()))
          continue;
        Type required;
        if (isScfTie(op)) {
          SmallVector<Value> tied = getTiedValues(use);
          if (tied.empty())
            continue;
          required = tied.front().getType();
        } else if (isa<ConvertLayoutOp>(op)) {
          continue;
        } else if (auto reduce = dyn_cast<tile::ReduceOp>(op);
                   reduce && !isa<RankedTensorType>(reduce.getType())) {
          continue; // a reduction to a scalar takes any layout
        } else if (retyped) {
          Attribute encoding = requiredOperandEncoding(
              use, getEncoding(op->getResult(0).getType()));
          if (!encoding)
            continue;
          required = withEncoding(value.getType(), encoding);
        } else {
          required = oldTypes.lookup(value);
          if (!required)
            continue;
        }
        if (value.getType() == required)
          continue;
        OpBuilder builder(op);
        use.set(convertTo(builder, op->getLoc(), value, required));
      }
    }
  }

private:
  struct Candidate {
    Attribute encoding;
    int priority = 0;
  };

  void anchor(Value value, int priority) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || !type.getEncoding())
      return;
    layouts[value] = {type.getEncoding(), priority};
    worklist.push_back(value);
  }

  void propose(Value value, Attribute encoding, int priority) {
    if (!encoding || !isa<RankedTensorType>(value.getType()))
      return;
    auto it = layouts.find(value);
    if (it != layouts.end() && it->second.priority >= priority)
      return;
    layouts[value] = {encoding, priority};
    worklist.push_back(value);
  }

  void propagate(OpOperand &use, const Candidate &candidate) {
    // Dot-operand layouts only feed dots.
    if (isa<DotOperandEncodingAttr>(candidate.encoding))
      return;
    Operation *op = use.getOwner();
    if (isScfTie(op)) {
      for (Value tied : getTiedValues(use))
        propose(tied, candidate.encoding, candidate.priority);
      return;
    }
    if (op->getNumResults() != 1)
      return;
    propose(op->getResult(0), inferResultEncoding(op, candidate.encoding),
            candidate.priority);
  }

  Operation *root;
  llvm::MapVector<Value, Candidate> layouts;
  SmallVector<Value> worklist;
};

//===----------------------------------------------------------------------===//
// Step 2: backward rematerialization
//===----------------------------------------------------------------------===//

class Rematerializer {
public:
  /// Replaces `convert` by a rematerialization of its source when that is
  /// cheaper.
  void tryRematerialize(ConvertLayoutOp convert) {
    Attribute encoding = getEncoding(convert.getType());
    if (isa<DotOperandEncodingAttr>(encoding))
      return;
    int64_t cost = conversionCost(convert.getSrc().getType(), convert.getType());
    if (cost == 0)
      return;
    Plan plan;
    if (!planValue(convert.getSrc(), encoding, plan) ||
        plan.leafCost + getDuplicationCost(plan, convert) >= cost)
      return;
    Value replacement = materialize(convert.getSrc(), encoding);
    Value old = convert.getResult();
    old.replaceAllUsesWith(replacement);
    // Forget the erased value, whose storage a new value may reuse.
    SmallVector<std::pair<Value, Attribute>> stale;
    for (auto &entry : cache)
      if (entry.first.first == old)
        stale.push_back(entry.first);
    for (auto &key : stale)
      cache.erase(key);
    convert.erase();
  }

private:
  static constexpr unsigned kMaxOps = 64;

  struct Plan {
    int64_t leafCost = 0;
    unsigned numOps = 0;
    DenseSet<std::pair<Value, Attribute>> seen;
    /// The ops to copy.
    llvm::SetVector<Operation *> ops;
  };

  /// What copying the plan's ops costs where the originals stay (they have
  /// users besides the copy): the bytes each elementwise op computes.
  /// Constants, splats, ranges, broadcasts and expand_dims are free.
  static int64_t getDuplicationCost(const Plan &plan, ConvertLayoutOp root) {
    int64_t cost = 0;
    for (Operation *op : plan.ops) {
      if (!isElementwise(op))
        continue;
      bool stays = llvm::any_of(op->getUsers(), [&](Operation *user) {
        return user != root.getOperation() && !plan.ops.contains(user);
      });
      if (!stays)
        continue;
      auto type = cast<RankedTensorType>(op->getResult(0).getType());
      cost += type.getNumElements() * getElementBytes(type);
    }
    return cost;
  }

  /// The tensor operands of `op` and the encodings they need for `op` to
  /// produce its result in `encoding`, if `op` is cheap to recompute.
  static std::optional<SmallVector<std::pair<unsigned, Attribute>>>
  getRematerialization(Operation *op, Attribute encoding) {
    SmallVector<std::pair<unsigned, Attribute>> operands;
    if (!isPure(op) || op->getNumResults() != 1 ||
        !isa<RankedTensorType>(op->getResult(0).getType()))
      return std::nullopt;
    if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
      if (!isa<DenseElementsAttr>(constant.getValue()))
        return std::nullopt;
      return operands;
    }
    if (isa<tile::SplatOp, tile::MakeRangeOp>(op))
      return operands;
    if (!isElementwise(op) &&
        !isa<tile::BroadcastOp, tile::ExpandDimsOp, tile::TransOp>(op))
      return std::nullopt;
    for (OpOperand &use : op->getOpOperands()) {
      if (!isa<RankedTensorType>(use.get().getType()))
        continue;
      Attribute required = requiredOperandEncoding(use, encoding);
      if (!required)
        return std::nullopt;
      operands.emplace_back(use.getOperandNumber(), required);
    }
    return operands;
  }

  bool planValue(Value value, Attribute encoding, Plan &plan) {
    if (getEncoding(value.getType()) == encoding ||
        cache.count({value, encoding}) || !plan.seen.insert({value, encoding}).second)
      return true;
    if (++plan.numOps > kMaxOps)
      return false;
    Operation *def = value.getDefiningOp();
    if (auto convert = dyn_cast_if_present<ConvertLayoutOp>(def))
      return planValue(convert.getSrc(), encoding, plan);
    auto operands = def ? getRematerialization(def, encoding) : std::nullopt;
    if (!operands) {
      plan.leafCost +=
          conversionCost(value.getType(), withEncoding(value.getType(), encoding));
      return true;
    }
    plan.ops.insert(def);
    for (auto [index, required] : *operands)
      if (!planValue(def->getOperand(index), required, plan))
        return false;
    return true;
  }

  Value materialize(Value value, Attribute encoding) {
    if (getEncoding(value.getType()) == encoding)
      return value;
    auto key = std::make_pair(value, encoding);
    if (Value cached = cache.lookup(key))
      return cached;
    Operation *def = value.getDefiningOp();
    Type type = withEncoding(value.getType(), encoding);
    Value result;
    if (auto convert = dyn_cast_if_present<ConvertLayoutOp>(def)) {
      result = materialize(convert.getSrc(), encoding);
    } else if (auto operands =
                   def ? getRematerialization(def, encoding) : std::nullopt) {
      SmallVector<Value> newOperands(def->getOperands());
      for (auto [index, required] : *operands)
        newOperands[index] = materialize(def->getOperand(index), required);
      OpBuilder builder(def->getContext());
      builder.setInsertionPointAfter(def);
      if (auto constant = dyn_cast<arith::ConstantOp>(def)) {
        auto dense = cast<DenseElementsAttr>(constant.getValue());
        result = arith::ConstantOp::create(builder, def->getLoc(), type,
                                           dense.reshape(cast<ShapedType>(type)));
      } else {
        Operation *clone = builder.clone(*def);
        clone->setOperands(newOperands);
        clone->getResult(0).setType(type);
        result = clone->getResult(0);
      }
    } else {
      OpBuilder builder(value.getContext());
      if (def)
        builder.setInsertionPointAfter(def);
      else
        builder.setInsertionPointToStart(value.getParentBlock());
      result = ConvertLayoutOp::create(builder, value.getLoc(), type, value);
    }
    cache[key] = result;
    return result;
  }

  DenseMap<std::pair<Value, Attribute>, Value> cache;
};

//===----------------------------------------------------------------------===//
// Step 3: clean-up
//===----------------------------------------------------------------------===//

/// convert(make_range) -> make_range in the new layout.
struct ConvertOfMakeRange : OpRewritePattern<ConvertLayoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvertLayoutOp op,
                                PatternRewriter &rewriter) const override {
    auto range = op.getSrc().getDefiningOp<tile::MakeRangeOp>();
    if (!range)
      return failure();
    rewriter.replaceOpWithNewOp<tile::MakeRangeOp>(
        op, op.getType(), range.getStart(), range.getEnd());
    return success();
  }
};

LogicalResult cleanUp(Operation *root) {
  MLIRContext *context = root->getContext();
  RewritePatternSet patterns(context);
  ConvertLayoutOp::getCanonicalizationPatterns(patterns, context);
  patterns.add<ConvertOfMakeRange>(context);
  return applyPatternsGreedily(root, std::move(patterns));
}

struct TileGPURemoveLayoutConversionsPass
    : flashtile::tilegpu::impl::TileGPURemoveLayoutConversionsBase<
          TileGPURemoveLayoutConversionsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<FunctionOpInterface>()) {
      if (func.isExternal())
        continue;
      if (failed(runOnFunction(func)))
        return signalPassFailure();
    }
  }

  LogicalResult runOnFunction(FunctionOpInterface func) {
    LayoutPropagation propagation(func);
    propagation.run();
    propagation.rewrite();
    if (failed(cleanUp(func)))
      return failure();

    SmallVector<ConvertLayoutOp> converts;
    func.walk([&](ConvertLayoutOp op) { converts.push_back(op); });
    Rematerializer rematerializer;
    for (ConvertLayoutOp convert : converts)
      rematerializer.tryRematerialize(convert);
    if (failed(cleanUp(func)))
      return failure();

    // Innermost loops first, so that code leaves nests level by level.
    SmallVector<LoopLikeOpInterface> loops;
    func.walk([&](LoopLikeOpInterface loop) { loops.push_back(loop); });
    for (LoopLikeOpInterface loop : loops)
      moveLoopInvariantCode(loop);
    return cleanUp(func);
  }
};

} // namespace
