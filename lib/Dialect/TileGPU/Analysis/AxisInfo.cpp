//===- AxisInfo.cpp - contiguity and divisibility of blocks ---------------===//

#include "flashtile/Dialect/TileGPU/Analysis/AxisInfo.h"

#include "flashtile/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <numeric>

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu;

static constexpr int64_t kMaxDivisibility = int64_t(1) << 30;

/// Largest power of two dividing `value` (kMaxDivisibility for 0).
static int64_t powerOf2Divisor(int64_t value) {
  if (value == 0)
    return kMaxDivisibility;
  uint64_t magnitude = value < 0 ? uint64_t(0) - uint64_t(value) : uint64_t(value);
  return std::min<int64_t>(kMaxDivisibility, int64_t(magnitude & (~magnitude + 1)));
}

static int64_t gcd(int64_t a, int64_t b) { return std::gcd(a, b); }

/// Rank used for a value: a block's rank, 1 for a scalar.
static unsigned rankOf(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return std::max<int64_t>(1, tensor.getRank());
  return 1;
}

/// Whether the analysis tracks values of `type`: integers and pointers.
static bool isTracked(Type type) {
  Type element = tile::getElementTypeOrSelf(type);
  return isa<IntegerType, IndexType, tile::PointerType>(element);
}

/// The shape a value is described with (scalars: [1]).
static SmallVector<int64_t> shapeOf(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type); tensor && tensor.getRank())
    return SmallVector<int64_t>(tensor.getShape());
  return {1};
}

AxisInfo AxisInfo::getUnknown(unsigned rank) {
  AxisInfo info;
  info.contiguity.assign(rank, 1);
  info.divisibility.assign(rank, 1);
  info.constancy.assign(rank, 1);
  return info;
}

AxisInfo AxisInfo::join(const AxisInfo &a, const AxisInfo &b) {
  if (a.getRank() != b.getRank())
    return getUnknown(std::max(a.getRank(), b.getRank()));
  AxisInfo info = getUnknown(a.getRank());
  for (unsigned d = 0; d < a.getRank(); ++d) {
    info.contiguity[d] = gcd(a.contiguity[d], b.contiguity[d]);
    info.divisibility[d] = gcd(a.divisibility[d], b.divisibility[d]);
    info.constancy[d] = gcd(a.constancy[d], b.constancy[d]);
  }
  return info;
}

int64_t AxisInfo::getElementDivisibility() const {
  int64_t result = 1;
  for (unsigned d = 0; d < getRank(); ++d)
    if (contiguity[d] == 1)
      result = std::max(result, divisibility[d]);
  return result;
}

llvm::raw_ostream &flashtile::tilegpu::operator<<(llvm::raw_ostream &os,
                                                 const AxisInfo &info) {
  auto list = [&](ArrayRef<int64_t> values) {
    os << "[";
    llvm::interleaveComma(values, os);
    os << "]";
  };
  os << "contiguity = ";
  list(info.contiguity);
  os << ", divisibility = ";
  list(info.divisibility);
  os << ", constancy = ";
  list(info.constancy);
  return os;
}

//===----------------------------------------------------------------------===//
// Transfer functions
//===----------------------------------------------------------------------===//

namespace {

/// Divisibility of `x`'s values at the starts of runs of length `g` along
/// `d` (runs of the result of an op of which `x` is an operand); `step`:
/// how much consecutive values differ (bytes per element for pointers).
int64_t divisibilityAt(const AxisInfo &x, unsigned d, int64_t g,
                       int64_t step = 1) {
  if (g >= x.contiguity[d])
    return x.divisibility[d];
  return gcd(x.divisibility[d], g * step);
}

/// A constant integer or splat of one: its value.
std::optional<int64_t> getConstantInt(Value value) {
  APInt constant;
  if (matchPattern(value, m_ConstantInt(&constant)))
    return constant.getSExtValue();
  return std::nullopt;
}

/// a + b or a - b; for tile.addptr, `a` is the pointer block and `b` the
/// offset in elements of `step` bytes.
AxisInfo addOrSub(const AxisInfo &a, const AxisInfo &b, bool isSub,
                  int64_t step = 1) {
  AxisInfo info = AxisInfo::getUnknown(a.getRank());
  for (unsigned d = 0; d < a.getRank(); ++d) {
    int64_t c = gcd(a.contiguity[d], b.constancy[d]);
    if (!isSub)
      c = std::max(c, gcd(a.constancy[d], b.contiguity[d]));
    c = std::max<int64_t>(1, c);
    info.contiguity[d] = c;
    int64_t offsetDiv =
        std::min(kMaxDivisibility, divisibilityAt(b, d, c) * step);
    info.divisibility[d] = gcd(divisibilityAt(a, d, c, step), offsetDiv);
    info.constancy[d] = gcd(a.constancy[d], b.constancy[d]);
  }
  return info;
}

/// x / n and x % n, for x >= 0 and n > 0 (indices and sizes; as Triton
/// assumes): an aligned run of m consecutive values of x that starts at a
/// multiple of m, with n constant over it and a multiple of m, does not
/// cross a multiple of n. So x / n is constant over it and x % n
/// consecutive.
AxisInfo divOrRem(const AxisInfo &x, const AxisInfo &n, bool isRem) {
  AxisInfo info = AxisInfo::getUnknown(x.getRank());
  for (unsigned d = 0; d < x.getRank(); ++d) {
    int64_t nDiv = n.contiguity[d] == 1 ? n.divisibility[d] : 1;
    int64_t m =
        gcd(gcd(x.contiguity[d], x.divisibility[d]), gcd(n.constancy[d], nDiv));
    int64_t constancy = gcd(x.constancy[d], n.constancy[d]);
    if (isRem) {
      info.contiguity[d] = m;
      info.divisibility[d] = gcd(divisibilityAt(x, d, m), nDiv);
      info.constancy[d] = constancy;
    } else {
      info.constancy[d] = std::max(constancy, m);
    }
  }
  return info;
}

AxisInfo mul(const AxisInfo &a, const AxisInfo &b) {
  AxisInfo info = AxisInfo::getUnknown(a.getRank());
  int64_t div = std::min(kMaxDivisibility, a.getElementDivisibility() *
                                               b.getElementDivisibility());
  for (unsigned d = 0; d < a.getRank(); ++d) {
    info.divisibility[d] = div;
    info.constancy[d] = gcd(a.constancy[d], b.constancy[d]);
  }
  return info;
}

/// Operations whose result is unknown but equal where all operands are.
AxisInfo constancyOnly(ArrayRef<AxisInfo> operands, unsigned rank) {
  AxisInfo info = AxisInfo::getUnknown(rank);
  for (unsigned d = 0; d < rank; ++d) {
    int64_t c = 0;
    for (const AxisInfo &operand : operands)
      c = gcd(c, operand.constancy[d]);
    info.constancy[d] = std::max<int64_t>(1, c);
  }
  return info;
}

/// cmpi: equal where both operands are; besides, `x < n` and `x >= n` are
/// uniform over aligned runs of x whose length divides n.
AxisInfo compare(arith::CmpIPredicate predicate, const AxisInfo &lhs,
                 const AxisInfo &rhs) {
  using P = arith::CmpIPredicate;
  AxisInfo info = constancyOnly({lhs, rhs}, lhs.getRank());
  bool lhsRuns = predicate == P::slt || predicate == P::ult ||
                 predicate == P::sge || predicate == P::uge;
  bool rhsRuns = predicate == P::sgt || predicate == P::ugt ||
                 predicate == P::sle || predicate == P::ule;
  if (!lhsRuns && !rhsRuns)
    return info;
  const AxisInfo &runs = lhsRuns ? lhs : rhs;
  const AxisInfo &bound = lhsRuns ? rhs : lhs;
  for (unsigned d = 0; d < info.getRank(); ++d) {
    int64_t g = gcd(runs.contiguity[d], bound.constancy[d]);
    int64_t boundDiv = bound.contiguity[d] == 1 ? bound.divisibility[d] : 1;
    g = gcd(g, gcd(divisibilityAt(runs, d, g), boundDiv));
    info.constancy[d] = std::max(info.constancy[d], g);
  }
  return info;
}

} // namespace

//===----------------------------------------------------------------------===//
// The analysis
//===----------------------------------------------------------------------===//

AxisInfoAnalysis::AxisInfoAnalysis(Operation *root) {
  root->walk([&](FunctionOpInterface func) {
    if (func.isExternal())
      return;
    for (BlockArgument arg : func.getArguments()) {
      if (!isTracked(arg.getType()))
        continue;
      AxisInfo info = AxisInfo::getUnknown(rankOf(arg.getType()));
      int64_t div = 1;
      if (isa<tile::PointerType>(tile::getElementTypeOrSelf(arg.getType())))
        div = getElementBytes(tile::getPointeeType(arg.getType()));
      if (auto attr = func.getArgAttrOfType<IntegerAttr>(arg.getArgNumber(),
                                                         "tile.divisibility"))
        div = std::max(div, powerOf2Divisor(attr.getInt()));
      info.divisibility.assign(info.getRank(), div);
      set(arg, info);
    }
    visitRegion(func.getFunctionBody());
  });
}

void AxisInfoAnalysis::set(Value value, AxisInfo info) {
  if (isTracked(value.getType()))
    infos[value] = std::move(info);
}

AxisInfo AxisInfoAnalysis::getAxisInfo(Value value) const {
  auto it = infos.find(value);
  if (it != infos.end())
    return it->second;
  return AxisInfo::getUnknown(rankOf(value.getType()));
}

void AxisInfoAnalysis::visitRegion(Region &region) {
  for (Block &block : region)
    for (Operation &op : block)
      visitOp(&op);
}

void AxisInfoAnalysis::visitFor(Operation *op) {
  auto forOp = cast<scf::ForOp>(op);
  AxisInfo iv = AxisInfo::getUnknown(1);
  iv.divisibility[0] =
      gcd(getAxisInfo(forOp.getLowerBound()).getElementDivisibility(),
          getAxisInfo(forOp.getStep()).getElementDivisibility());
  set(forOp.getInductionVar(), iv);
  // Loop-carried values: what holds on entry and after every iteration,
  // found by iterating (facts only weaken, so this ends).
  auto yield = cast<scf::YieldOp>(forOp.getBody()->getTerminator());
  for (auto [arg, init] :
       llvm::zip(forOp.getRegionIterArgs(), forOp.getInitArgs()))
    set(arg, getAxisInfo(init));
  for (int iteration = 0;; ++iteration) {
    visitRegion(forOp.getRegion());
    bool changed = false;
    for (auto [arg, next] :
         llvm::zip(forOp.getRegionIterArgs(), yield.getOperands())) {
      if (!isTracked(arg.getType()))
        continue;
      AxisInfo joined = AxisInfo::join(getAxisInfo(arg), getAxisInfo(next));
      if (joined == getAxisInfo(arg))
        continue;
      changed = true;
      set(arg, iteration < 64 ? joined
                              : AxisInfo::getUnknown(rankOf(arg.getType())));
    }
    if (!changed)
      break;
  }
  for (auto [result, arg] :
       llvm::zip(forOp.getResults(), forOp.getRegionIterArgs()))
    set(result, getAxisInfo(arg));
}

void AxisInfoAnalysis::visitOp(Operation *op) {
  if (isa<scf::ForOp>(op))
    return visitFor(op);
  if (auto ifOp = dyn_cast<scf::IfOp>(op)) {
    visitRegion(ifOp.getThenRegion());
    visitRegion(ifOp.getElseRegion());
    if (ifOp.getNumResults() == 0)
      return;
    for (auto [i, result] : llvm::enumerate(ifOp.getResults()))
      set(result, AxisInfo::join(getAxisInfo(ifOp.thenYield().getOperand(i)),
                                 getAxisInfo(ifOp.elseYield().getOperand(i))));
    return;
  }
  // Other ops with regions (scf.while, tile.reduce): visit their bodies
  // with unknown arguments; unknown results.
  for (Region &region : op->getRegions())
    visitRegion(region);
  if (op->getNumResults() != 1 || !isTracked(op->getResult(0).getType()))
    return;
  Value result = op->getResult(0);
  unsigned rank = rankOf(result.getType());
  SmallVector<int64_t> shape = shapeOf(result.getType());
  auto operand = [&](unsigned i) { return getAxisInfo(op->getOperand(i)); };

  std::optional<AxisInfo> info =
      llvm::TypeSwitch<Operation *, std::optional<AxisInfo>>(op)
          .Case([&](arith::ConstantOp constant) -> std::optional<AxisInfo> {
            std::optional<int64_t> value = getConstantInt(result);
            if (!value)
              return std::nullopt;
            AxisInfo info = AxisInfo::getUnknown(rank);
            info.divisibility.assign(rank, powerOf2Divisor(*value));
            info.constancy.assign(shape.begin(), shape.end());
            return info;
          })
          .Case([&](tile::MakeRangeOp range) {
            AxisInfo info = AxisInfo::getUnknown(1);
            info.contiguity[0] = range.getEnd() - range.getStart();
            info.divisibility[0] = powerOf2Divisor(range.getStart());
            return info;
          })
          .Case([&](tile::SplatOp) {
            AxisInfo info = AxisInfo::getUnknown(rank);
            info.divisibility.assign(rank, operand(0).getElementDivisibility());
            info.constancy.assign(shape.begin(), shape.end());
            return info;
          })
          .Case([&](tile::BroadcastOp broadcast) {
            AxisInfo info = operand(0);
            ArrayRef<int64_t> srcShape = broadcast.getSrc().getType().getShape();
            for (unsigned d = 0; d < rank; ++d)
              if (srcShape[d] == 1 && shape[d] != 1) {
                info.contiguity[d] = 1;
                info.constancy[d] = shape[d];
              }
            return info;
          })
          .Case([&](tile::ExpandDimsOp expand) {
            AxisInfo src = operand(0);
            AxisInfo info = src;
            unsigned axis = expand.getAxis();
            info.contiguity.insert(info.contiguity.begin() + axis, 1);
            info.constancy.insert(info.constancy.begin() + axis, 1);
            info.divisibility.insert(info.divisibility.begin() + axis,
                                     src.getElementDivisibility());
            return info;
          })
          .Case([&](tile::TransOp trans) {
            AxisInfo src = operand(0);
            AxisInfo info = AxisInfo::getUnknown(rank);
            for (auto [i, d] : llvm::enumerate(trans.getOrder())) {
              info.contiguity[i] = src.contiguity[d];
              info.divisibility[i] = src.divisibility[d];
              info.constancy[i] = src.constancy[d];
            }
            return info;
          })
          .Case([&](tile::HintOp hint) {
            // What the program states holds besides what was derived.
            AxisInfo info = operand(0);
            for (unsigned d = 0; d < rank; ++d) {
              if (auto divisors = hint.getMultipleOf())
                info.divisibility[d] = std::max(
                    info.divisibility[d], powerOf2Divisor((*divisors)[d]));
              if (auto runs = hint.getMaxContiguous())
                info.contiguity[d] = std::max(info.contiguity[d],
                                              gcd((*runs)[d], shape[d]));
            }
            return info;
          })
          .Case([&](tile::AddPtrOp addptr) {
            int64_t bytes = getElementBytes(
                tile::getPointeeType(addptr.getPtr().getType()));
            return addOrSub(operand(0), operand(1), /*isSub=*/false, bytes);
          })
          .Case([&](arith::AddIOp) {
            return addOrSub(operand(0), operand(1), /*isSub=*/false);
          })
          .Case([&](arith::SubIOp) {
            return addOrSub(operand(0), operand(1), /*isSub=*/true);
          })
          .Case([&](arith::MulIOp) { return mul(operand(0), operand(1)); })
          .Case<arith::DivSIOp, arith::DivUIOp>([&](Operation *) {
            return divOrRem(operand(0), operand(1), /*isRem=*/false);
          })
          .Case<arith::RemSIOp, arith::RemUIOp>([&](Operation *) {
            return divOrRem(operand(0), operand(1), /*isRem=*/true);
          })
          .Case([&](arith::CmpIOp cmp) {
            return compare(cmp.getPredicate(), operand(0), operand(1));
          })
          .Case([&](arith::SelectOp select) {
            if (!isa<RankedTensorType>(select.getCondition().getType()))
              return AxisInfo::join(operand(1), operand(2));
            AxisInfo info = constancyOnly({operand(0), operand(1), operand(2)},
                                          rank);
            int64_t div = gcd(operand(1).getElementDivisibility(),
                              operand(2).getElementDivisibility());
            info.divisibility.assign(rank, div);
            return info;
          })
          .Case<arith::ExtSIOp, arith::ExtUIOp, arith::TruncIOp,
                arith::IndexCastOp, arith::IndexCastUIOp, ConvertLayoutOp>(
              [&](Operation *) { return operand(0); })
          .Case<arith::MaxSIOp, arith::MinSIOp, arith::MaxUIOp,
                arith::MinUIOp>([&](Operation *) {
            AxisInfo info = constancyOnly({operand(0), operand(1)}, rank);
            info.divisibility.assign(rank,
                                     gcd(operand(0).getElementDivisibility(),
                                         operand(1).getElementDivisibility()));
            return info;
          })
          .Default([&](Operation *) -> std::optional<AxisInfo> {
            // Other elementwise integer ops (andi, ori, shli, ...) are
            // uniform where all their operands are.
            if (!op->hasTrait<OpTrait::Elementwise>())
              return std::nullopt;
            SmallVector<AxisInfo> operands;
            for (Value v : op->getOperands()) {
              if (!isTracked(v.getType()) || rankOf(v.getType()) != rank)
                return std::nullopt;
              operands.push_back(getAxisInfo(v));
            }
            return constancyOnly(operands, rank);
          });
  if (info && info->getRank() == rank)
    set(result, std::move(*info));
}

//===----------------------------------------------------------------------===//
// Queries
//===----------------------------------------------------------------------===//

SmallVector<unsigned> AxisInfoAnalysis::getContiguityOrder(Value ptr) const {
  AxisInfo info = getAxisInfo(ptr);
  SmallVector<unsigned> order;
  for (unsigned d = info.getRank(); d-- > 0;)
    order.push_back(d);
  llvm::sort(order, [&](unsigned a, unsigned b) {
    if (info.contiguity[a] != info.contiguity[b])
      return info.contiguity[a] > info.contiguity[b];
    return a > b;
  });
  return order;
}

unsigned AxisInfoAnalysis::getVectorWidth(Value ptr, Value mask,
                                          unsigned dim) const {
  Type pointee = tile::getPointeeType(ptr.getType());
  if (!pointee)
    return 1;
  int64_t bytes = getElementBytes(pointee);
  AxisInfo info = getAxisInfo(ptr);
  if (dim >= info.getRank())
    return 1;
  int64_t width = std::max<int64_t>(1, 16 / bytes);
  width = std::min(width, info.contiguity[dim]);
  width = std::min(width, std::max<int64_t>(1, info.divisibility[dim] / bytes));
  if (mask && isa<RankedTensorType>(mask.getType()))
    width = std::min(width, getAxisInfo(mask).constancy[dim]);
  return unsigned(llvm::bit_floor(uint64_t(std::max<int64_t>(1, width))));
}
