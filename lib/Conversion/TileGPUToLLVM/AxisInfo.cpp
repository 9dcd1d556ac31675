//===- AxisInfo.cpp - contiguity and alignment of pointer blocks ----------===//
//
// Before the conversion, a small forward analysis decides how many
// consecutive elements each global memory access may move at once. For
// every integer or pointer value (scalars are 1-element blocks) and every
// dimension d it tracks, as powers of two:
//
//   contiguity[d]    along d the block is made of aligned runs of this many
//                    values increasing by one (pointers: by one element)
//   divisibility[d]  every element whose index along d is a multiple of
//                    contiguity[d] is divisible by this (pointers: in bytes)
//   constancy[d]     along d the block is made of aligned runs of this many
//                    equal values
//
// from kernel arguments (`tile.divisibility = 16`), constants, make_range,
// splat/broadcast/expand_dims and add/sub/mul/div/rem/compare rules; loop
// and if results meet (minimum) over their incoming values, iterated to a
// fixpoint. A load or store then moves v elements per access, where v is
// the smallest of: the registers a thread holds consecutively along the
// fastest dimension, the contiguity of the pointers, their alignment in
// elements, the constancy of the mask, and 16 bytes.
//
//===----------------------------------------------------------------------===//

#include "Utility.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu_to_llvm;

namespace {

constexpr int64_t kMaxDivisibility = int64_t(1) << 30;

struct AxisInfo {
  SmallVector<int64_t, 2> contiguity, divisibility, constancy;

  unsigned rank() const { return contiguity.size(); }
  bool operator==(const AxisInfo &o) const {
    return contiguity == o.contiguity && divisibility == o.divisibility &&
           constancy == o.constancy;
  }
  bool operator!=(const AxisInfo &o) const { return !(*this == o); }

  static AxisInfo uniform(ArrayRef<int64_t> shape, int64_t divisibility) {
    AxisInfo info;
    for (int64_t size : shape) {
      info.contiguity.push_back(1);
      info.divisibility.push_back(divisibility);
      info.constancy.push_back(size);
    }
    return info;
  }
  static AxisInfo unknown(ArrayRef<int64_t> shape) {
    AxisInfo info;
    for (size_t i = 0; i < shape.size(); ++i) {
      info.contiguity.push_back(1);
      info.divisibility.push_back(1);
      info.constancy.push_back(1);
    }
    return info;
  }

  /// Divisibility of the elements at indices along d that are multiples of
  /// c (<= or >= contiguity); step: bytes per element for pointers.
  int64_t divAt(unsigned d, int64_t c, int64_t step = 1) const {
    if (c < contiguity[d])
      return std::min(divisibility[d], c * step);
    return divisibility[d];
  }
  /// Divisibility of every element.
  int64_t divAll() const {
    int64_t best = 1;
    for (unsigned d = 0; d < rank(); ++d)
      if (contiguity[d] == 1)
        best = std::max(best, divisibility[d]);
    return best;
  }
};

AxisInfo meet(const AxisInfo &a, const AxisInfo &b) {
  AxisInfo r = a;
  for (unsigned d = 0; d < a.rank(); ++d) {
    r.contiguity[d] = std::min(a.contiguity[d], b.contiguity[d]);
    r.divisibility[d] = std::min(a.divisibility[d], b.divisibility[d]);
    r.constancy[d] = std::min(a.constancy[d], b.constancy[d]);
  }
  return r;
}

int64_t pow2Divisor(int64_t value) {
  if (value == 0)
    return kMaxDivisibility;
  return std::min<int64_t>(kMaxDivisibility, value & -value);
}

SmallVector<int64_t> shapeOf(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return SmallVector<int64_t>(tensor.getShape());
  return {1};
}

/// Bytes per element of the pointee of a pointer (block); 1 otherwise.
int64_t stepOf(Type type) {
  auto ptr = dyn_cast<tile::PointerType>(tile::getElementTypeOrSelf(type));
  if (!ptr)
    return 1;
  return tilegpu::getElementBytes(ptr.getPointeeType());
}

bool isTracked(Type type) {
  Type element = tile::getElementTypeOrSelf(type);
  return isa<IntegerType, IndexType, tile::PointerType>(element);
}

class AxisAnalysis {
public:
  void run(func::FuncOp func) {
    for (int iteration = 0; iteration < 32; ++iteration) {
      changed = false;
      initArguments(func);
      func.walk<WalkOrder::PreOrder>([&](Operation *op) { visit(op); });
      if (!changed)
        return;
    }
    // No fixpoint: facts may still be too optimistic; assume nothing.
    infos.clear();
  }

  /// The info of a value; unknown when the analysis never reached it.
  AxisInfo get(Value v) const {
    auto it = infos.find(v);
    if (it != infos.end())
      return it->second;
    return AxisInfo::unknown(shapeOf(v.getType()));
  }

private:
  const AxisInfo *lookup(Value v) const {
    auto it = infos.find(v);
    return it == infos.end() ? nullptr : &it->second;
  }

  void update(Value v, const AxisInfo &info) {
    auto it = infos.find(v);
    if (it == infos.end()) {
      infos.try_emplace(v, info);
      changed = true;
      return;
    }
    AxisInfo merged = meet(it->second, info);
    if (merged != it->second) {
      it->second = merged;
      changed = true;
    }
  }

  void initArguments(func::FuncOp func) {
    for (BlockArgument arg : func.getArguments()) {
      Type type = arg.getType();
      if (!isTracked(type))
        continue;
      int64_t div = 1;
      if (auto attr = func.getArgAttrOfType<IntegerAttr>(arg.getArgNumber(),
                                                         "tile.divisibility"))
        div = std::max<int64_t>(1, attr.getInt());
      else if (isa<tile::PointerType>(type))
        div = stepOf(type); // natural alignment
      update(arg, AxisInfo::uniform(shapeOf(type), div));
    }
  }

  void visit(Operation *op) {
    if (auto forOp = dyn_cast<scf::ForOp>(op))
      return visitFor(forOp);
    if (auto ifOp = dyn_cast<scf::IfOp>(op)) {
      for (auto [i, result] : llvm::enumerate(ifOp.getResults())) {
        if (!isTracked(result.getType()))
          continue;
        for (Region *region : {&ifOp.getThenRegion(), &ifOp.getElseRegion()}) {
          if (region->empty())
            continue;
          auto yield = cast<scf::YieldOp>(region->front().getTerminator());
          if (const AxisInfo *info = lookup(yield.getOperand(i)))
            update(result, *info);
        }
      }
      return;
    }
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          if (isTracked(arg.getType()) && !isa<func::FuncOp>(op))
            update(arg, AxisInfo::unknown(shapeOf(arg.getType())));
    if (op->getNumResults() != 1 || !isTracked(op->getResult(0).getType()))
      return;
    // Wait until every tracked operand is known.
    for (Value operand : op->getOperands())
      if (isTracked(operand.getType()) && !lookup(operand))
        return;
    update(op->getResult(0), transfer(op));
  }

  void visitFor(scf::ForOp forOp) {
    // The induction variable: lb + k * step.
    Value iv = forOp.getInductionVar();
    if (isTracked(iv.getType())) {
      const AxisInfo *lb = lookup(forOp.getLowerBound());
      const AxisInfo *step = lookup(forOp.getStep());
      if (lb && step)
        update(iv,
               AxisInfo::uniform({1}, std::min(lb->divAll(), step->divAll())));
    }
    auto yield = cast<scf::YieldOp>(forOp.getBody()->getTerminator());
    for (auto [i, arg] : llvm::enumerate(forOp.getRegionIterArgs())) {
      if (!isTracked(arg.getType()))
        continue;
      if (const AxisInfo *init = lookup(forOp.getInitArgs()[i]))
        update(arg, *init);
      if (const AxisInfo *next = lookup(yield.getOperand(i))) {
        update(arg, *next);
        update(forOp.getResult(i), *next);
      }
      if (const AxisInfo *init = lookup(forOp.getInitArgs()[i]))
        update(forOp.getResult(i), *init);
    }
  }

  AxisInfo transfer(Operation *op) {
    Value result = op->getResult(0);
    SmallVector<int64_t> shape = shapeOf(result.getType());
    unsigned rank = shape.size();
    auto operand = [&](unsigned i) { return get(op->getOperand(i)); };

    if (auto cst = dyn_cast<arith::ConstantOp>(op)) {
      if (auto intAttr = dyn_cast<IntegerAttr>(cst.getValue()))
        return AxisInfo::uniform(shape, pow2Divisor(intAttr.getInt()));
      if (auto splat = dyn_cast<SplatElementsAttr>(cst.getValue()))
        if (auto intAttr =
                dyn_cast<IntegerAttr>(splat.getSplatValue<Attribute>()))
          return AxisInfo::uniform(shape, pow2Divisor(intAttr.getInt()));
      return AxisInfo::unknown(shape);
    }
    if (auto range = dyn_cast<tile::MakeRangeOp>(op)) {
      AxisInfo info;
      info.contiguity = {int64_t(range.getEnd()) - range.getStart()};
      info.divisibility = {pow2Divisor(range.getStart())};
      info.constancy = {1};
      return info;
    }
    if (isa<tile::SplatOp>(op))
      return AxisInfo::uniform(shape, operand(0).divAll());
    if (isa<tile::BroadcastOp>(op)) {
      AxisInfo src = operand(0), info = src;
      auto srcShape = shapeOf(op->getOperand(0).getType());
      for (unsigned d = 0; d < rank; ++d)
        if (srcShape[d] != shape[d]) {
          info.contiguity[d] = 1;
          info.constancy[d] = shape[d];
        }
      return info;
    }
    if (auto expand = dyn_cast<tile::ExpandDimsOp>(op)) {
      AxisInfo src = operand(0), info = src;
      unsigned axis = expand.getAxis();
      info.contiguity.insert(info.contiguity.begin() + axis, 1);
      info.divisibility.insert(info.divisibility.begin() + axis, src.divAll());
      info.constancy.insert(info.constancy.begin() + axis, 1);
      return info;
    }
    if (isa<tilegpu::ConvertLayoutOp, arith::ExtSIOp, arith::ExtUIOp,
            arith::IndexCastOp>(op))
      return operand(0);
    if (isa<arith::AddIOp, arith::SubIOp, tile::AddPtrOp>(op)) {
      AxisInfo a = operand(0), b = operand(1), info = AxisInfo::unknown(shape);
      bool isSub = isa<arith::SubIOp>(op);
      int64_t step = isa<tile::AddPtrOp>(op) ? stepOf(result.getType()) : 1;
      for (unsigned d = 0; d < rank; ++d) {
        int64_t c = std::min(a.contiguity[d], b.constancy[d]);
        if (!isSub)
          c = std::max(c, std::min(b.contiguity[d], a.constancy[d]));
        info.contiguity[d] = c;
        info.divisibility[d] =
            std::min(a.divAt(d, c, step), b.divAt(d, c) * step);
        info.constancy[d] = std::min(a.constancy[d], b.constancy[d]);
      }
      return info;
    }
    if (isa<arith::MulIOp>(op)) {
      AxisInfo a = operand(0), b = operand(1), info = AxisInfo::unknown(shape);
      for (unsigned d = 0; d < rank; ++d) {
        info.divisibility[d] =
            std::min(kMaxDivisibility, a.divAt(d, 1) * b.divAt(d, 1));
        info.constancy[d] = std::min(a.constancy[d], b.constancy[d]);
      }
      return info;
    }
    if (isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp>(
            op)) {
      bool isRem = isa<arith::RemSIOp, arith::RemUIOp>(op);
      AxisInfo a = operand(0), b = operand(1), info = AxisInfo::unknown(shape);
      for (unsigned d = 0; d < rank; ++d) {
        // An aligned run of m values of a, m dividing both its start and
        // b (constant over the run), does not cross a multiple of b.
        int64_t m = std::min({a.contiguity[d], a.divisibility[d], b.divAt(d, 1),
                              b.constancy[d]});
        int64_t constancy = std::min(a.constancy[d], b.constancy[d]);
        if (isRem) {
          info.contiguity[d] = m;
          info.divisibility[d] = std::min(a.divAt(d, m), b.divAt(d, 1));
          info.constancy[d] = constancy;
        } else {
          info.constancy[d] = std::max(constancy, a.contiguity[d] > 1 ? m : 1);
        }
      }
      return info;
    }
    if (auto cmp = dyn_cast<arith::CmpIOp>(op)) {
      AxisInfo a = operand(0), b = operand(1), info = AxisInfo::unknown(shape);
      using P = arith::CmpIPredicate;
      P pred = cmp.getPredicate();
      // x < n and x >= n are constant over aligned runs of x that n's
      // divisibility does not split.
      bool lhsRuns =
          pred == P::slt || pred == P::ult || pred == P::sge || pred == P::uge;
      bool rhsRuns =
          pred == P::sgt || pred == P::ugt || pred == P::sle || pred == P::ule;
      for (unsigned d = 0; d < rank; ++d) {
        int64_t constancy = std::min(a.constancy[d], b.constancy[d]);
        const AxisInfo *x = lhsRuns ? &a : rhsRuns ? &b : nullptr;
        const AxisInfo *n = lhsRuns ? &b : &a;
        if (x && x->contiguity[d] > 1)
          constancy = std::max(constancy,
                               std::min({x->contiguity[d], x->divisibility[d],
                                         n->divAt(d, 1), n->constancy[d]}));
        info.constancy[d] = constancy;
      }
      return info;
    }
    if (isa<arith::AndIOp, arith::OrIOp, arith::XOrIOp, arith::SelectOp>(op)) {
      AxisInfo info = AxisInfo::unknown(shape);
      for (unsigned d = 0; d < rank; ++d) {
        int64_t constancy = shape[d];
        int64_t div = kMaxDivisibility;
        for (Value v : op->getOperands()) {
          if (!isTracked(v.getType()))
            continue;
          AxisInfo o = get(v);
          if (o.rank() != rank)
            continue; // scalar condition of a select
          constancy = std::min(constancy, o.constancy[d]);
          div = std::min(div, o.divAt(d, 1));
        }
        info.constancy[d] = constancy;
        // and/or keep no divisibility in general; select keeps the smaller.
        info.divisibility[d] = isa<arith::SelectOp>(op) ? div : 1;
      }
      return info;
    }
    return AxisInfo::unknown(shape);
  }

  DenseMap<Value, AxisInfo> infos;
  bool changed = false;
};

/// The vector width of an access through `ptr` with an optional `mask`.
unsigned vectorWidth(const AxisAnalysis &analysis, Value ptr, Value mask,
                     unsigned maxBytes) {
  auto type = dyn_cast<RankedTensorType>(ptr.getType());
  if (!type)
    return 1;
  auto layout = tilegpu::getLinearLayout(type);
  if (!layout) {
    llvm::consumeError(layout.takeError());
    return 1;
  }
  int64_t elemBytes = stepOf(type);
  // The dimension along which a thread's registers are consecutive.
  unsigned rank = type.getRank();
  int bestDim = -1;
  int64_t width = 1;
  for (unsigned d = 0; d < rank; ++d) {
    int64_t n =
        layout->getNumConsecutiveInOut(layout::kRegister, layout::dimName(d));
    if (n > width) {
      width = n;
      bestDim = d;
    }
  }
  if (bestDim < 0)
    return 1;
  // Runs of `width` registers must start at multiples of width: every other
  // basis moves by a multiple of it along that dimension.
  std::string dim = layout::dimName(bestDim);
  unsigned consecutiveBits = llvm::Log2_64(width);
  for (const LinearLayout::InDim &in : layout->getInDims())
    for (auto [bit, basis] : llvm::enumerate(in.bases)) {
      if (in.name == layout::kRegister && bit < consecutiveBits)
        continue;
      int32_t v = layout->getBasis(in.name, bit, dim);
      if (v != 0)
        width = std::min<int64_t>(width, v & -v);
    }
  AxisInfo info = analysis.get(ptr);
  width = std::min(width, info.contiguity[bestDim]);
  width = std::min(
      width, std::max<int64_t>(1, info.divisibility[bestDim] / elemBytes));
  width = std::min<int64_t>(width, std::max<int64_t>(1, maxBytes / elemBytes));
  if (mask)
    width = std::min(width, analysis.get(mask).constancy[bestDim]);
  return unsigned(std::max<int64_t>(1, width));
}

} // namespace

void tilegpu_to_llvm::computeVectorWidths(ModuleOp module,
                                          LoweringState &state) {
  module.walk([&](func::FuncOp func) {
    AxisAnalysis analysis;
    analysis.run(func);
    func.walk([&](Operation *op) {
      if (auto load = dyn_cast<tile::LoadOp>(op))
        state.vectorWidth[op] =
            vectorWidth(analysis, load.getPtr(), load.getMask(), 16);
      else if (auto store = dyn_cast<tile::StoreOp>(op))
        state.vectorWidth[op] =
            vectorWidth(analysis, store.getPtr(), store.getMask(), 16);
      else if (auto copy = dyn_cast<tilegpu::AsyncCopyGlobalToLocalOp>(op))
        state.vectorWidth[op] =
            vectorWidth(analysis, copy.getPtr(), copy.getMask(), 16);
    });
  });
}
