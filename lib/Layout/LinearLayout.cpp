//===- LinearLayout.cpp - Linear layouts over GF(2) -----------------------===//

#include "flashtile/Layout/LinearLayout.h"

#include "F2Solver.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVectorExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cassert>

using namespace flashtile;
using llvm::ArrayRef;
using llvm::SmallVector;
using llvm::StringRef;

static constexpr unsigned kMaxBits = 62;

//===----------------------------------------------------------------------===//
// Construction
//===----------------------------------------------------------------------===//

llvm::Expected<LinearLayout> LinearLayout::get(ArrayRef<InDim> ins,
                                               ArrayRef<OutDim> outs) {
  auto error = [](const llvm::Twine &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
  };
  llvm::StringSet<> inNames, outNames;
  unsigned inBits = 0, outBits = 0;
  for (const OutDim &out : outs) {
    if (out.name.empty())
      return error("output dimension without a name");
    if (!outNames.insert(out.name).second)
      return error("duplicate output dimension '" + out.name + "'");
    if (out.size <= 0 || !llvm::isPowerOf2_32(out.size))
      return error("output dimension '" + out.name + "' has size " +
                   llvm::Twine(out.size) + ", not a power of two");
    outBits += llvm::Log2_32(out.size);
  }
  for (const InDim &in : ins) {
    if (in.name.empty())
      return error("input dimension without a name");
    if (!inNames.insert(in.name).second)
      return error("duplicate input dimension '" + in.name + "'");
    inBits += in.bases.size();
    for (auto [bit, basis] : llvm::enumerate(in.bases)) {
      if (basis.size() != outs.size())
        return error("basis " + llvm::Twine(bit) + " of '" + in.name +
                     "' has " + llvm::Twine(basis.size()) +
                     " coordinates for " + llvm::Twine(outs.size()) +
                     " output dimensions");
      for (auto [value, out] : llvm::zip(basis, outs))
        if (value < 0 || value >= out.size)
          return error("basis " + llvm::Twine(bit) + " of '" + in.name +
                       "' has coordinate " + llvm::Twine(value) + " outside '" +
                       out.name + "' of size " + llvm::Twine(out.size));
    }
  }
  if (inBits > kMaxBits || outBits > kMaxBits)
    return error("layout too large: " + llvm::Twine(inBits) + " input and " +
                 llvm::Twine(outBits) + " output bits (at most 62 each)");
  LinearLayout layout;
  layout.ins.assign(ins.begin(), ins.end());
  layout.outs.assign(outs.begin(), outs.end());
  return layout;
}

LinearLayout::LinearLayout(ArrayRef<InDim> ins, ArrayRef<OutDim> outs) {
  llvm::Expected<LinearLayout> layout = get(ins, outs);
  if (!layout) {
    llvm::report_fatal_error(llvm::Twine("malformed linear layout: ") +
                             llvm::toString(layout.takeError()));
  }
  *this = std::move(*layout);
}

LinearLayout LinearLayout::identity1D(int32_t size, StringRef inDim,
                                      StringRef outDim) {
  return strided1D(size, 1, inDim, outDim);
}

LinearLayout LinearLayout::zeros1D(int32_t size, StringRef inDim,
                                   StringRef outDim, int32_t outSize) {
  assert(llvm::isPowerOf2_32(size) && "size must be a power of two");
  InDim in{inDim.str(), {}};
  for (unsigned i = 0, e = llvm::Log2_32(size); i < e; ++i)
    in.bases.push_back({0});
  return LinearLayout({in}, {OutDim{outDim.str(), outSize}});
}

LinearLayout LinearLayout::strided1D(int32_t size, int32_t stride,
                                     StringRef inDim, StringRef outDim) {
  assert(llvm::isPowerOf2_32(size) && llvm::isPowerOf2_32(stride) &&
         "size and stride must be powers of two");
  InDim in{inDim.str(), {}};
  for (unsigned i = 0, e = llvm::Log2_32(size); i < e; ++i)
    in.bases.push_back({int32_t(stride << i)});
  return LinearLayout({in}, {OutDim{outDim.str(), size * stride}});
}

//===----------------------------------------------------------------------===//
// Queries
//===----------------------------------------------------------------------===//

int LinearLayout::findIn(StringRef name) const {
  for (auto [i, in] : llvm::enumerate(ins))
    if (in.name == name)
      return i;
  return -1;
}

int LinearLayout::findOut(StringRef name) const {
  for (auto [i, out] : llvm::enumerate(outs))
    if (out.name == name)
      return i;
  return -1;
}

const LinearLayout::InDim &LinearLayout::inDim(StringRef name) const {
  int i = findIn(name);
  assert(i >= 0 && "no such input dimension");
  return ins[i];
}

SmallVector<StringRef> LinearLayout::getInDimNames() const {
  return llvm::map_to_vector(ins, [](const InDim &d) { return StringRef(d.name); });
}

SmallVector<StringRef> LinearLayout::getOutDimNames() const {
  return llvm::map_to_vector(outs,
                             [](const OutDim &d) { return StringRef(d.name); });
}

int32_t LinearLayout::getInDimSize(StringRef name) const {
  return int32_t(1) << getInDimSizeLog2(name);
}

int32_t LinearLayout::getInDimSizeLog2(StringRef name) const {
  int i = findIn(name);
  return i < 0 ? 0 : ins[i].bases.size();
}

int32_t LinearLayout::getOutDimSize(StringRef name) const {
  int i = findOut(name);
  return i < 0 ? 1 : outs[i].size;
}

int32_t LinearLayout::getOutDimSizeLog2(StringRef name) const {
  return llvm::Log2_32(getOutDimSize(name));
}

unsigned LinearLayout::getTotalInDimSizeLog2() const {
  unsigned bits = 0;
  for (const InDim &in : ins)
    bits += in.bases.size();
  return bits;
}

unsigned LinearLayout::getTotalOutDimSizeLog2() const {
  unsigned bits = 0;
  for (const OutDim &out : outs)
    bits += llvm::Log2_32(out.size);
  return bits;
}

int64_t LinearLayout::getTotalInDimSize() const {
  return int64_t(1) << getTotalInDimSizeLog2();
}

int64_t LinearLayout::getTotalOutDimSize() const {
  return int64_t(1) << getTotalOutDimSizeLog2();
}

ArrayRef<int32_t> LinearLayout::getBasis(StringRef name, unsigned bit) const {
  const InDim &in = inDim(name);
  assert(bit < in.bases.size() && "bit out of range");
  return in.bases[bit];
}

int32_t LinearLayout::getBasis(StringRef name, unsigned bit,
                               StringRef outDim) const {
  int o = findOut(outDim);
  return o < 0 ? 0 : getBasis(name, bit)[o];
}

//===----------------------------------------------------------------------===//
// Flattening (row-major: the last output dimension holds the low bits)
//===----------------------------------------------------------------------===//

SmallVector<unsigned> LinearLayout::outBitOffsets() const {
  SmallVector<unsigned> offsets(outs.size());
  unsigned offset = 0;
  for (int i = int(outs.size()) - 1; i >= 0; --i) {
    offsets[i] = offset;
    offset += llvm::Log2_32(outs[i].size);
  }
  return offsets;
}

uint64_t LinearLayout::flatten(ArrayRef<int32_t> basis) const {
  SmallVector<unsigned> offsets = outBitOffsets();
  uint64_t flat = 0;
  for (auto [value, offset] : llvm::zip(basis, offsets))
    flat |= uint64_t(value) << offset;
  return flat;
}

LinearLayout::Basis LinearLayout::unflatten(uint64_t flat) const {
  SmallVector<unsigned> offsets = outBitOffsets();
  Basis basis(outs.size());
  for (auto [i, out] : llvm::enumerate(outs))
    basis[i] = int32_t((flat >> offsets[i]) & uint64_t(out.size - 1));
  return basis;
}

SmallVector<uint64_t> LinearLayout::flatBases() const {
  SmallVector<uint64_t> flat;
  for (const InDim &in : ins)
    for (const Basis &basis : in.bases)
      flat.push_back(flatten(basis));
  return flat;
}

//===----------------------------------------------------------------------===//
// Evaluation
//===----------------------------------------------------------------------===//

SmallVector<int32_t> LinearLayout::apply(ArrayRef<int32_t> inputs) const {
  assert(inputs.size() == ins.size() && "one input per input dimension");
  SmallVector<int32_t> result(outs.size(), 0);
  for (auto [in, value] : llvm::zip(ins, inputs)) {
    assert(value >= 0 && (value >> in.bases.size()) == 0 &&
           "input out of range");
    for (auto [bit, basis] : llvm::enumerate(in.bases))
      if (value & (int32_t(1) << bit))
        for (auto [r, b] : llvm::zip(result, basis))
          r ^= b;
  }
  return result;
}

SmallVector<std::pair<std::string, int32_t>>
LinearLayout::apply(ArrayRef<std::pair<StringRef, int32_t>> inputs) const {
  SmallVector<int32_t> positional(ins.size(), 0);
  for (auto [name, value] : inputs) {
    int i = findIn(name);
    assert((i >= 0 || value == 0) && "no such input dimension");
    if (i >= 0)
      positional[i] = value;
  }
  SmallVector<int32_t> result = apply(positional);
  SmallVector<std::pair<std::string, int32_t>> named;
  for (auto [out, value] : llvm::zip(outs, result))
    named.push_back({out.name, value});
  return named;
}

//===----------------------------------------------------------------------===//
// Algebra
//===----------------------------------------------------------------------===//

LinearLayout LinearLayout::operator*(const LinearLayout &b) const {
  const LinearLayout &a = *this;
  SmallVector<OutDim, 4> resultOuts(a.outs.begin(), a.outs.end());
  for (const OutDim &out : b.outs) {
    int i = a.findOut(out.name);
    if (i >= 0)
      resultOuts[i].size *= out.size;
    else
      resultOuts.push_back(out);
  }
  // Coordinates of a basis of `from` in the result's output order; `scale`
  // multiplies the coordinates of output dimensions that `a` also has.
  auto remap = [&](const LinearLayout &from, const Basis &basis, bool scale) {
    Basis result(resultOuts.size(), 0);
    for (size_t i = 0; i < basis.size(); ++i) {
      StringRef name = from.outs[i].name;
      unsigned r = llvm::find_if(resultOuts, [&](const OutDim &o) {
                     return o.name == name;
                   }) - resultOuts.begin();
      int32_t factor = scale ? a.getOutDimSize(name) : 1;
      result[r] = basis[i] * factor;
    }
    return result;
  };
  SmallVector<InDim, 4> resultIns;
  for (const InDim &in : a.ins) {
    InDim r{in.name, {}};
    for (const Basis &basis : in.bases)
      r.bases.push_back(remap(a, basis, false));
    resultIns.push_back(std::move(r));
  }
  for (const InDim &in : b.ins) {
    int i = a.findIn(in.name);
    if (i < 0) {
      resultIns.push_back(InDim{in.name, {}});
      i = resultIns.size() - 1;
    }
    for (const Basis &basis : in.bases)
      resultIns[i].bases.push_back(remap(b, basis, true));
  }
  return LinearLayout(resultIns, resultOuts);
}

LinearLayout LinearLayout::compose(const LinearLayout &outer) const {
  for (const OutDim &out : outs) {
    (void)out;
    assert(outer.hasInDim(out.name) &&
           outer.getInDimSize(out.name) >= out.size &&
           "outer must take every output of this layout as an input");
  }
  SmallVector<InDim, 4> resultIns;
  for (const InDim &in : ins) {
    InDim r{in.name, {}};
    for (const Basis &basis : in.bases) {
      SmallVector<int32_t> outerInputs(outer.ins.size(), 0);
      for (auto [out, value] : llvm::zip(outs, basis))
        outerInputs[outer.findIn(out.name)] = value;
      r.bases.push_back(Basis(outer.apply(outerInputs)));
    }
    resultIns.push_back(std::move(r));
  }
  return LinearLayout(resultIns, outer.outs);
}

std::optional<LinearLayout>
LinearLayout::invertAndCompose(const LinearLayout &outer) const {
  for (const OutDim &out : outs) {
    (void)out;
    assert(outer.hasOutDim(out.name) &&
           outer.getOutDimSize(out.name) >= out.size &&
           "outer must have every output of this layout");
  }
  detail::F2Solver solver;
  for (uint64_t column : outer.flatBases())
    solver.add(column);

  SmallVector<OutDim, 4> resultOuts;
  for (const InDim &in : outer.ins)
    resultOuts.push_back(OutDim{in.name, int32_t(1) << in.bases.size()});

  SmallVector<InDim, 4> resultIns;
  for (const InDim &in : ins) {
    InDim r{in.name, {}};
    for (const Basis &basis : in.bases) {
      // The element in outer's output coordinates.
      Basis target(outer.outs.size(), 0);
      for (auto [out, value] : llvm::zip(outs, basis))
        target[outer.findOut(out.name)] = value;
      std::optional<uint64_t> combo = solver.solve(outer.flatten(target));
      if (!combo)
        return std::nullopt;
      // Split the chosen input bits of outer by input dimension.
      Basis preimage;
      unsigned bit = 0;
      for (const InDim &outerIn : outer.ins) {
        unsigned n = outerIn.bases.size();
        preimage.push_back(int32_t((*combo >> bit) & ((uint64_t(1) << n) - 1)));
        bit += n;
      }
      r.bases.push_back(std::move(preimage));
    }
    resultIns.push_back(std::move(r));
  }
  return LinearLayout(resultIns, resultOuts);
}

std::optional<LinearLayout> LinearLayout::invert() const {
  if (!isBijective())
    return std::nullopt;
  // The identity on this layout's outputs, named as inputs.
  LinearLayout identity;
  for (const OutDim &out : outs)
    identity = identity * identity1D(out.size, out.name, out.name);
  return identity.invertAndCompose(*this);
}

LinearLayout LinearLayout::reshapeOuts(ArrayRef<OutDim> newOuts) const {
  LinearLayout result;
  result.outs.assign(newOuts.begin(), newOuts.end());
  assert(result.getTotalOutDimSizeLog2() == getTotalOutDimSizeLog2() &&
         "reshape must keep the number of elements");
  for (const InDim &in : ins) {
    InDim r{in.name, {}};
    for (const Basis &basis : in.bases)
      r.bases.push_back(result.unflatten(flatten(basis)));
    result.ins.push_back(std::move(r));
  }
  return LinearLayout(result.ins, result.outs);
}

LinearLayout LinearLayout::flattenOuts(StringRef name) const {
  return reshapeOuts({OutDim{name.str(), int32_t(getTotalOutDimSize())}});
}

LinearLayout LinearLayout::transposeOuts(ArrayRef<StringRef> order) const {
  assert(order.size() == outs.size() && "order must name every output");
  return sublayout(getInDimNames(), order);
}

LinearLayout LinearLayout::transposeIns(ArrayRef<StringRef> order) const {
  assert(order.size() == ins.size() && "order must name every input");
  return sublayout(order, getOutDimNames());
}

LinearLayout LinearLayout::sublayout(ArrayRef<StringRef> inDims,
                                     ArrayRef<StringRef> outDims) const {
  SmallVector<int> outIndex;
  SmallVector<OutDim, 4> resultOuts;
  for (StringRef name : outDims) {
    int o = findOut(name);
    assert(o >= 0 && "no such output dimension");
    outIndex.push_back(o);
    resultOuts.push_back(outs[o]);
  }
  SmallVector<InDim, 4> resultIns;
  for (StringRef name : inDims) {
    const InDim &in = inDim(name);
    InDim r{in.name, {}};
    for (const Basis &basis : in.bases)
      r.bases.push_back(
          Basis(llvm::map_range(outIndex, [&](int o) { return basis[o]; })));
    resultIns.push_back(std::move(r));
  }
  return LinearLayout(resultIns, resultOuts);
}

LinearLayout LinearLayout::removeZeroBases(StringRef name) const {
  LinearLayout result = *this;
  int i = findIn(name);
  if (i < 0)
    return result;
  llvm::erase_if(result.ins[i].bases, [](const Basis &basis) {
    return llvm::all_of(basis, [](int32_t v) { return v == 0; });
  });
  return result;
}

//===----------------------------------------------------------------------===//
// Properties
//===----------------------------------------------------------------------===//

bool LinearLayout::isInjective() const {
  detail::F2Solver solver;
  for (uint64_t column : flatBases())
    if (!solver.add(column))
      return false;
  return true;
}

bool LinearLayout::isSurjective() const {
  detail::F2Solver solver;
  for (uint64_t column : flatBases())
    solver.add(column);
  return solver.rank() == getTotalOutDimSizeLog2();
}

SmallVector<uint64_t> LinearLayout::getFreeVariableMasks() const {
  detail::F2Solver solver;
  SmallVector<uint64_t> masks;
  for (const InDim &in : ins) {
    uint64_t mask = 0;
    for (auto [bit, basis] : llvm::enumerate(in.bases))
      if (!solver.add(flatten(basis)))
        mask |= uint64_t(1) << bit;
    masks.push_back(mask);
  }
  return masks;
}

uint64_t LinearLayout::getFreeVariableMask(StringRef name) const {
  int i = findIn(name);
  return i < 0 ? 0 : getFreeVariableMasks()[i];
}

int32_t LinearLayout::getNumConsecutiveInOut(StringRef name) const {
  int i = findIn(name);
  if (i < 0)
    return 1;
  unsigned count = 0;
  for (const Basis &basis : ins[i].bases) {
    if (flatten(basis) != (uint64_t(1) << count))
      break;
    ++count;
  }
  return int32_t(1) << count;
}

int32_t LinearLayout::getNumConsecutiveInOut(StringRef name,
                                             StringRef outDim) const {
  int i = findIn(name), o = findOut(outDim);
  if (i < 0 || o < 0)
    return 1;
  unsigned count = 0;
  for (const Basis &basis : ins[i].bases) {
    bool consecutive = true;
    for (auto [j, value] : llvm::enumerate(basis))
      consecutive &= value == (int(j) == o ? int32_t(1) << count : 0);
    if (!consecutive)
      break;
    ++count;
  }
  return int32_t(1) << count;
}

int32_t LinearLayout::getNumConsecutiveInOut() const {
  return ins.empty() ? 1 : getNumConsecutiveInOut(ins.front().name);
}

bool LinearLayout::isEquivalentTo(const LinearLayout &other) const {
  auto nontrivialOuts = [](const LinearLayout &l) {
    SmallVector<OutDim> result;
    for (const OutDim &out : l.outs)
      if (out.size > 1)
        result.push_back(out);
    return result;
  };
  SmallVector<OutDim> outsA = nontrivialOuts(*this);
  SmallVector<OutDim> outsB = nontrivialOuts(other);
  if (outsA.size() != outsB.size())
    return false;
  for (const OutDim &out : outsA)
    if (!other.hasOutDim(out.name) || other.getOutDimSize(out.name) != out.size)
      return false;
  auto sameInputs = [&](const LinearLayout &a, const LinearLayout &b) {
    for (const InDim &in : a.ins) {
      if (in.bases.size() != size_t(b.getInDimSizeLog2(in.name)))
        return false;
      for (unsigned bit = 0; bit < in.bases.size(); ++bit)
        for (const OutDim &out : outsA)
          if (a.getBasis(in.name, bit, out.name) !=
              b.getBasis(in.name, bit, out.name))
            return false;
    }
    return true;
  };
  return sameInputs(*this, other) && sameInputs(other, *this);
}

bool LinearLayout::operator==(const LinearLayout &other) const {
  if (ins.size() != other.ins.size() || outs.size() != other.outs.size())
    return false;
  for (auto [a, b] : llvm::zip(outs, other.outs))
    if (a.name != b.name || a.size != b.size)
      return false;
  for (auto [a, b] : llvm::zip(ins, other.ins))
    if (a.name != b.name || a.bases != b.bases)
      return false;
  return true;
}

std::string LinearLayout::toString() const {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "in:";
  for (const InDim &in : ins)
    os << ' ' << in.name << '[' << (int64_t(1) << in.bases.size()) << ']';
  os << "\nout:";
  for (const OutDim &out : outs)
    os << ' ' << out.name << '[' << out.size << ']';
  for (const InDim &in : ins) {
    if (in.bases.empty())
      continue;
    os << '\n' << in.name << ':';
    for (const Basis &basis : in.bases) {
      os << " (";
      llvm::interleave(basis, os, ",");
      os << ')';
    }
  }
  return text;
}

llvm::raw_ostream &flashtile::operator<<(llvm::raw_ostream &os,
                                         const LinearLayout &l) {
  return os << l.toString();
}
