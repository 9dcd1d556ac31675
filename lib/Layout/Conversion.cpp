//===- Conversion.cpp - Layout conversions and layout queries ------------===//
//
// A conversion from layout S to layout D must bring to each destination
// input x = (register, lane, warp) the element D(x). Where does it come
// from? From any source input y with S(y) = D(x). The conversion can stay
// within a thread (a warp) when such a y always exists with the same lane
// and warp (the same warp). Splitting the inputs into "local" ones (those
// allowed to differ: registers; registers and lanes) and "outer" ones (kept
// equal), the condition is that for every x
//
//     D(x) xor S(outer part of x)  lies in  S(local inputs),
//
// which is linear in x, so it suffices to check it for D's basis vectors,
// with LinearLayout::invertAndCompose against S restricted to the local
// inputs. Its solution, plus the identity on the outer inputs, is the map
// from destination inputs to source inputs.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Layout/Layouts.h"

#include "llvm/ADT/STLExtras.h"

using namespace flashtile;
using namespace flashtile::layout;
using llvm::ArrayRef;
using llvm::SmallVector;
using llvm::StringRef;

static llvm::Error error(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

int32_t layout::getNumRegisters(const LinearLayout &layout) {
  return layout.getInDimSize(kRegister);
}

unsigned layout::getGlobalVectorWidth(const LinearLayout &layout,
                                      unsigned contigDim,
                                      unsigned elemBitWidth) {
  unsigned consecutive =
      layout.getNumConsecutiveInOut(kRegister, dimName(contigDim));
  unsigned maxElems = std::max(1u, 128 / std::max(1u, elemBitWidth));
  return std::min(consecutive, maxElems);
}

bool layout::areEquivalent(const LinearLayout &a, const LinearLayout &b) {
  return a.isEquivalentTo(b);
}

StringRef layout::stringifyConversionKind(ConversionKind kind) {
  switch (kind) {
  case ConversionKind::NoOp:
    return "no-op";
  case ConversionKind::RegisterPermute:
    return "register permutation";
  case ConversionKind::WarpShuffle:
    return "warp shuffle";
  case ConversionKind::SharedMemory:
    return "shared memory";
  }
  return "unknown";
}

/// The hardware input dimensions, innermost first.
static constexpr StringRef kHardwareDims[] = {kRegister, kLane, kWarp, kBlock};

/// The map from dst's inputs to src's inputs that keeps every input
/// dimension of dst after the first `numLocal` hardware dimensions, or
/// nullopt when some element is not available that way.
static std::optional<LinearLayout> localMap(const LinearLayout &src,
                                            const LinearLayout &dst,
                                            unsigned numLocal) {
  auto isLocal = [&](StringRef name) {
    ArrayRef<StringRef> local = ArrayRef(kHardwareDims).take_front(numLocal);
    return llvm::is_contained(local, name);
  };
  // The residual D(x) xor S(outer part of x) on dst's basis vectors, in
  // dst's output order.
  SmallVector<LinearLayout::InDim, 4> residualIns;
  for (const LinearLayout::InDim &in : dst.getInDims()) {
    LinearLayout::InDim r{in.name, {}};
    for (auto [bit, basis] : llvm::enumerate(in.bases)) {
      LinearLayout::Basis value = basis;
      if (!isLocal(in.name))
        for (auto [o, out] : llvm::enumerate(dst.getOutDims()))
          value[o] ^= src.getBasis(in.name, bit, out.name);
      r.bases.push_back(value);
    }
    residualIns.push_back(std::move(r));
  }
  LinearLayout residual(residualIns, dst.getOutDims());

  SmallVector<StringRef> srcLocalDims;
  for (StringRef name : src.getInDimNames())
    if (isLocal(name))
      srcLocalDims.push_back(name);
  LinearLayout srcLocal = src.sublayout(srcLocalDims, src.getOutDimNames());
  std::optional<LinearLayout> solved = residual.invertAndCompose(srcLocal);
  if (!solved)
    return std::nullopt;

  // Local coordinates from the solution, outer ones unchanged.
  SmallVector<LinearLayout::OutDim> mapOuts;
  for (const LinearLayout::InDim &in : src.getInDims())
    mapOuts.push_back({in.name, int32_t(1) << in.bases.size()});
  SmallVector<LinearLayout::InDim, 4> mapIns;
  for (const LinearLayout::InDim &in : dst.getInDims()) {
    LinearLayout::InDim m{in.name, {}};
    for (unsigned bit = 0; bit < in.bases.size(); ++bit) {
      LinearLayout::Basis basis;
      for (const LinearLayout::OutDim &out : mapOuts) {
        if (isLocal(out.name))
          basis.push_back(solved->getBasis(in.name, bit, out.name));
        else
          basis.push_back(out.name == in.name ? int32_t(1) << bit : 0);
      }
      m.bases.push_back(std::move(basis));
    }
    mapIns.push_back(std::move(m));
  }
  return LinearLayout(mapIns, mapOuts);
}

static llvm::Error checkDistributed(const LinearLayout &layout,
                                    StringRef which) {
  for (StringRef name : layout.getInDimNames())
    if (!llvm::is_contained(kHardwareDims, name))
      return error(which + " layout is not distributed over threads (it has "
                           "input dimension '" +
                   name + "')");
  return llvm::Error::success();
}

llvm::Expected<Conversion> layout::computeConversion(const LinearLayout &src,
                                                     const LinearLayout &dst) {
  if (llvm::Error e = checkDistributed(src, "source"))
    return std::move(e);
  if (llvm::Error e = checkDistributed(dst, "destination"))
    return std::move(e);
  bool sameOuts = src.getNumOutDims() == dst.getNumOutDims();
  for (const LinearLayout::OutDim &out : dst.getOutDims())
    sameOuts &= src.hasOutDim(out.name) &&
                src.getOutDimSize(out.name) == out.size;
  if (!sameOuts) {
    auto describe = [](const LinearLayout &l) {
      std::string text;
      for (const LinearLayout::OutDim &out : l.getOutDims())
        text += (text.empty() ? "" : " ") + out.name + "[" +
                std::to_string(out.size) + "]";
      return text;
    };
    return error("the layouts cover different tensors (" + describe(src) +
                 " vs " + describe(dst) + ")");
  }
  for (StringRef name : ArrayRef(kHardwareDims).drop_front())
    if (src.getInDimSize(name) != dst.getInDimSize(name))
      return error("the layouts use different numbers of " + name + "s (" +
                   llvm::Twine(src.getInDimSize(name)) + " vs " +
                   llvm::Twine(dst.getInDimSize(name)) + ")");

  static constexpr ConversionKind kinds[] = {ConversionKind::RegisterPermute,
                                             ConversionKind::WarpShuffle,
                                             ConversionKind::SharedMemory,
                                             ConversionKind::SharedMemory};
  for (unsigned numLocal = 1; numLocal <= 4; ++numLocal) {
    std::optional<LinearLayout> map = localMap(src, dst, numLocal);
    if (!map)
      continue;
    ConversionKind kind = kinds[numLocal - 1];
    if (numLocal == 1 && areEquivalent(src, dst))
      kind = ConversionKind::NoOp;
    return Conversion{kind, std::move(*map)};
  }
  return error("the source layout does not hold every element of the "
               "destination layout");
}
