//===- LayoutIndexing.cpp - Index math the lowering emits -----------------===//

#include "flashtile/Conversion/TileGPUToLLVM/LayoutIndexing.h"

#include "flashtile/Layout/Layouts.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

using namespace flashtile;
using namespace flashtile::lowering;
using llvm::ArrayRef;
using llvm::SmallVector;
using llvm::StringRef;

static llvm::Error error(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

//===----------------------------------------------------------------------===//
// Index plans
//===----------------------------------------------------------------------===//

llvm::Expected<IndexPlan>
lowering::planIndex(const LinearLayout &layout, StringRef constDim,
                    ArrayRef<std::string> dynamicDims) {
  for (StringRef name : layout.getInDimNames())
    if (name != constDim && !llvm::is_contained(dynamicDims, name))
      return error("layout input dimension '" + name +
                   "' is neither known at compile time nor at run time");
  IndexPlan plan;
  plan.constDim = constDim.str();
  plan.dynamicDims.assign(dynamicDims.begin(), dynamicDims.end());
  for (StringRef name : layout.getOutDimNames())
    plan.outDims.push_back(name.str());

  // Dynamic inputs: bit b of the input contributes bit j of output d when
  // basis b has bit j set; contributions with the same distance j - b share
  // one masked shift.
  for (StringRef out : layout.getOutDimNames()) {
    SmallVector<SmallVector<IndexTerm, 2>> perInput;
    for (const std::string &in : dynamicDims) {
      std::map<int, uint64_t> byShift;
      for (int b = 0, e = layout.getInDimSizeLog2(in); b < e; ++b) {
        uint32_t value = uint32_t(layout.getBasis(in, b, out));
        for (int j = 0; j < 32; ++j)
          if (value & (uint32_t(1) << j))
            byShift[j - b] |= uint64_t(1) << b;
      }
      SmallVector<IndexTerm, 2> terms;
      for (auto [shift, mask] : byShift)
        terms.push_back({mask, shift});
      perInput.push_back(std::move(terms));
    }
    plan.terms.push_back(std::move(perInput));
  }

  // The compile-time input: a table of its images.
  int32_t count = layout.getInDimSize(constDim);
  for (int32_t c = 0; c < count; ++c) {
    SmallVector<std::pair<StringRef, int32_t>> inputs;
    if (layout.hasInDim(constDim))
      inputs.push_back({constDim, c});
    SmallVector<int32_t, 4> coords;
    for (auto &[name, value] : layout.apply(inputs))
      coords.push_back(value);
    plan.constant.push_back(std::move(coords));
  }
  return plan;
}

llvm::Expected<IndexPlan>
lowering::planDistributedIndex(const LinearLayout &layout) {
  return planIndex(layout, layout::kRegister,
                   {layout::kLane.str(), layout::kWarp.str()});
}

int64_t lowering::evaluateTerms(ArrayRef<IndexTerm> terms, int64_t x) {
  int64_t result = 0;
  for (const IndexTerm &t : terms) {
    int64_t masked = x & int64_t(t.mask);
    result ^= t.shift >= 0 ? masked << t.shift : masked >> -t.shift;
  }
  return result;
}

uint64_t lowering::getDynamicBits(const IndexPlan &plan, unsigned out) {
  uint64_t bits = 0;
  for (ArrayRef<IndexTerm> terms : plan.terms[out])
    for (const IndexTerm &t : terms)
      bits |= t.shift >= 0 ? t.mask << t.shift : t.mask >> -t.shift;
  return bits;
}

SmallVector<int32_t> lowering::evaluatePlan(const IndexPlan &plan, int32_t c,
                                            ArrayRef<int32_t> dynamic) {
  SmallVector<int32_t> result(plan.constant[c].begin(), plan.constant[c].end());
  for (size_t d = 0; d < plan.outDims.size(); ++d)
    for (size_t i = 0; i < plan.dynamicDims.size(); ++i)
      result[d] ^= int32_t(evaluateTerms(plan.terms[d][i], dynamic[i]));
  return result;
}

//===----------------------------------------------------------------------===//
// Register permutations
//===----------------------------------------------------------------------===//

llvm::Expected<SmallVector<int32_t>>
lowering::getRegisterPermutation(const LinearLayout &src,
                                 const LinearLayout &dst) {
  auto conversion = layout::computeConversion(src, dst);
  if (!conversion)
    return conversion.takeError();
  if (conversion->kind != layout::ConversionKind::NoOp &&
      conversion->kind != layout::ConversionKind::RegisterPermute)
    return error(llvm::Twine("elements move between threads (") +
                 layout::stringifyConversionKind(conversion->kind) + ")");
  const LinearLayout &map = conversion->map;
  // The source register must depend on the destination register only.
  for (StringRef in : {layout::kLane, layout::kWarp})
    for (int b = 0, e = map.getInDimSizeLog2(in); b < e; ++b)
      if (map.getBasis(in, b, layout::kRegister) != 0)
        return error("the source register depends on the " + in);
  SmallVector<int32_t> perm;
  for (int32_t r = 0, e = dst.getInDimSize(layout::kRegister); r < e; ++r) {
    int32_t srcReg = 0;
    for (auto &[name, value] : map.apply({{layout::kRegister, r}}))
      if (name == layout::kRegister)
        srcReg = value;
    perm.push_back(srcReg);
  }
  return perm;
}

LinearLayout lowering::dropUnitOutDim(const LinearLayout &layout,
                                      unsigned axis) {
  SmallVector<LinearLayout::OutDim> outs;
  SmallVector<StringRef> kept;
  for (auto [i, out] : llvm::enumerate(layout.getOutDims()))
    if (i != axis)
      kept.push_back(out.name);
  LinearLayout projected = layout.sublayout(layout.getInDimNames(), kept);
  for (auto [i, out] : llvm::enumerate(projected.getOutDims()))
    outs.push_back({layout::dimName(i), out.size});
  return LinearLayout(projected.getInDims(), outs);
}

LinearLayout lowering::projectOutDims(const LinearLayout &layout,
                                      ArrayRef<unsigned> dims) {
  SmallVector<LinearLayout::InDim> ins(layout.getInDims().begin(),
                                       layout.getInDims().end());
  SmallVector<LinearLayout::OutDim> outs(layout.getOutDims().begin(),
                                         layout.getOutDims().end());
  for (unsigned d : dims) {
    outs[d].size = 1;
    for (LinearLayout::InDim &in : ins)
      for (LinearLayout::Basis &basis : in.bases)
        basis[d] = 0;
  }
  return LinearLayout(ins, outs);
}

LinearLayout lowering::untranspose(const LinearLayout &result,
                                   ArrayRef<int32_t> order) {
  // Result dimension i is source dimension order[i]: rename, then put the
  // source dimensions in order.
  SmallVector<LinearLayout::OutDim> outs;
  for (auto [i, out] : llvm::enumerate(result.getOutDims()))
    outs.push_back({layout::dimName(order[i]), out.size});
  LinearLayout renamed(result.getInDims(), outs);
  SmallVector<std::string> names = layout::dimNames(order.size());
  SmallVector<StringRef> sorted(names.begin(), names.end());
  return renamed.transposeOuts(sorted);
}

//===----------------------------------------------------------------------===//
// Duplicates
//===----------------------------------------------------------------------===//

DuplicateMasks lowering::getDuplicateMasks(const LinearLayout &layout) {
  DuplicateMasks masks;
  SmallVector<uint64_t> free = layout.getFreeVariableMasks();
  for (auto [in, mask] : llvm::zip(layout.getInDims(), free)) {
    if (in.name == layout::kRegister)
      masks.registerMask = mask;
    else if (in.name == layout::kLane)
      masks.laneMask = mask;
    else if (in.name == layout::kWarp)
      masks.warpMask = mask;
  }
  return masks;
}

//===----------------------------------------------------------------------===//
// mma fragments
//===----------------------------------------------------------------------===//

llvm::Expected<FragmentTiles>
lowering::getFragmentTiles(const LinearLayout &full,
                           const LinearLayout &fragment) {
  if (full.getOutDimNames() != fragment.getOutDimNames())
    return error("fragment and operand cover different dimensions");
  // Lanes must hold the same in-fragment positions.
  int laneBits = full.getInDimSizeLog2(layout::kLane);
  if (laneBits != fragment.getInDimSizeLog2(layout::kLane))
    return error("fragment and operand have different numbers of lanes");
  for (int b = 0; b < laneBits; ++b)
    if (ArrayRef<int32_t>(full.getBasis(layout::kLane, b)) !=
        fragment.getBasis(layout::kLane, b))
      return error("lane " + llvm::Twine(1 << b) +
                   " of the operand does not hold the element of the mma "
                   "fragment");
  FragmentTiles result;
  for (const LinearLayout::OutDim &out : fragment.getOutDims())
    result.tileShape.push_back(out.size);
  // In-fragment position -> fragment slot.
  std::map<SmallVector<int32_t>, int32_t> slotOf;
  int32_t slots = fragment.getInDimSize(layout::kRegister);
  for (int32_t s = 0; s < slots; ++s) {
    SmallVector<int32_t> pos;
    for (auto &[name, value] : fragment.apply({{layout::kRegister, s}}))
      pos.push_back(value);
    slotOf.emplace(pos, s);
  }
  for (int32_t r = 0, e = full.getInDimSize(layout::kRegister); r < e; ++r) {
    SmallVector<int32_t> tile, pos;
    unsigned d = 0;
    for (auto &[name, value] : full.apply({{layout::kRegister, r}})) {
      tile.push_back(value / result.tileShape[d]);
      pos.push_back(value % result.tileShape[d]);
      ++d;
    }
    auto slot = slotOf.find(pos);
    if (slot == slotOf.end())
      return error("register " + llvm::Twine(r) +
                   " holds an element outside the mma fragment");
    auto &regs = result.tiles[tile];
    if (regs.empty())
      regs.assign(slots, -1);
    if (regs[slot->second] < 0)
      regs[slot->second] = r;
  }
  for (auto &[tile, regs] : result.tiles)
    if (llvm::is_contained(regs, -1))
      return error("a thread holds only part of an mma fragment");
  return result;
}

//===----------------------------------------------------------------------===//
// ldmatrix
//===----------------------------------------------------------------------===//

llvm::Expected<LdMatrixPlan>
lowering::planLdMatrix(const LinearLayout &regToOffset) {
  using layout::kLane;
  using layout::kRegister;
  using layout::kWarp;
  const LinearLayout &t = regToOffset;
  if (t.getNumOutDims() != 1)
    return error("expected a map to one offset dimension");
  StringRef offsetDim = t.getOutDims()[0].name;
  int regBits = t.getInDimSizeLog2(kRegister);
  if (regBits < 1 || t.getInDimSizeLog2(kLane) != 5)
    return error("ldmatrix needs pairs of registers over 32 lanes");
  auto basis = [&](StringRef in, int b) {
    return t.getBasis(in, b, offsetDim);
  };
  // Offsets of the 8 elements of a matrix row (16 bytes) must be the
  // consecutive ones {0..7}; everything else moves whole rows.
  auto rowLevel = [&](int32_t offset) { return (offset & 7) == 0; };
  auto checkRowLevel = [&](StringRef in, int from, int skip0 = -1,
                           int skip1 = -1, int skip2 = -1) -> bool {
    for (int b = from, e = t.getInDimSizeLog2(in); b < e; ++b)
      if (b != skip0 && b != skip1 && b != skip2 && !rowLevel(basis(in, b)))
        return false;
    return true;
  };
  LdMatrixPlan plan;
  bool direct = basis(kRegister, 0) == 1 && basis(kLane, 0) == 2 &&
                basis(kLane, 1) == 4 && checkRowLevel(kRegister, 1) &&
                checkRowLevel(kLane, 2) && checkRowLevel(kWarp, 0);
  bool trans = basis(kLane, 2) == 1 && basis(kLane, 3) == 2 &&
               basis(kLane, 4) == 4 && checkRowLevel(kRegister, 0) &&
               checkRowLevel(kLane, 0, 2, 3, 4) && checkRowLevel(kWarp, 0);
  if (!direct && !trans)
    return error("the rows an ldmatrix would load are not 16 contiguous "
                 "bytes of the buffer");
  plan.trans = !direct;
  plan.numMatrices = std::min(4, 1 << (regBits - 1));
  int matrixBits = llvm::Log2_32(plan.numMatrices);

  // Lane L = 8 m + row supplies the address of row `row` of matrix m:
  //   direct: register (m << 1), lane (row << 2)
  //   trans:  register (m << 1) | (row & 1), lane (row >> 1)
  // composed with regToOffset. Lane bits of L: 0..2 are row, 3..4 are m.
  LinearLayout::InDim lane{kLane.str(), {}};
  for (int b = 0; b < 5; ++b) {
    int32_t reg = 0, srcLane = 0;
    if (b >= 3) {
      int mbit = b - 3;
      if (mbit < matrixBits)
        reg = 1 << (mbit + 1);
    } else if (!plan.trans) {
      srcLane = 1 << (b + 2);
    } else if (b == 0) {
      reg = 1;
    } else {
      srcLane = 1 << (b - 1);
    }
    int32_t offset = 0;
    for (int i = 0; i < regBits; ++i)
      if (reg & (1 << i))
        offset ^= basis(kRegister, i);
    for (int i = 0; i < 5; ++i)
      if (srcLane & (1 << i))
        offset ^= basis(kLane, i);
    lane.bases.push_back({offset});
  }
  LinearLayout::InDim warp{kWarp.str(), {}};
  for (int b = 0, e = t.getInDimSizeLog2(kWarp); b < e; ++b)
    warp.bases.push_back({basis(kWarp, b)});
  plan.rowAddress = LinearLayout({lane, warp}, {t.getOutDims()[0]});
  return plan;
}
