//===- Layouts.cpp - Named GPU layouts as linear layouts ------------------===//
//
// Each named layout is a product of 1-D pieces (LinearLayout::identity1D and
// zeros1D) describing one instruction's or one warp's tile, then fitted to
// the tensor shape by fitToShape: repeated in registers where the shape is
// larger, reduced modulo the shape (duplicates) where it is smaller.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Layout/Layouts.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/Support/MathExtras.h"

using namespace flashtile;
using namespace flashtile::layout;
using llvm::ArrayRef;
using llvm::SmallVector;
using llvm::StringRef;

std::string layout::dimName(unsigned i) { return "dim" + std::to_string(i); }

SmallVector<std::string> layout::dimNames(unsigned rank) {
  SmallVector<std::string> names;
  for (unsigned i = 0; i < rank; ++i)
    names.push_back(dimName(i));
  return names;
}

//===----------------------------------------------------------------------===//
// Parameter checks
//===----------------------------------------------------------------------===//

static llvm::Error error(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

static std::string listToString(ArrayRef<int64_t> values) {
  std::string text = "[";
  for (auto [i, v] : llvm::enumerate(values))
    text += (i ? ", " : "") + std::to_string(v);
  return text + "]";
}

/// Each value is a power of two and their product at most 2^maxLog2 (the
/// limits keep every layout within LinearLayout's 62 bits).
template <typename T>
static llvm::Error checkPowersOfTwo(StringRef what, ArrayRef<T> values,
                                    unsigned maxLog2 = 10) {
  unsigned log2 = 0;
  for (T v : values) {
    if (v <= 0 || !llvm::isPowerOf2_64(uint64_t(v)))
      return error(what + ": " + llvm::Twine(int64_t(v)) +
                   " is not a power of two");
    log2 += llvm::Log2_64(uint64_t(v));
  }
  if (log2 > maxLog2)
    return error(what + ": too large (2^" + llvm::Twine(log2) +
                 " in all, at most 2^" + llvm::Twine(maxLog2) + ")");
  return llvm::Error::success();
}

template <typename T>
static llvm::Error checkRank(StringRef what, ArrayRef<T> values,
                             size_t rank) {
  if (values.size() != rank)
    return error(what + " has " + llvm::Twine(values.size()) +
                 " entries but the shape has rank " + llvm::Twine(rank));
  return llvm::Error::success();
}

static llvm::Error checkOrder(ArrayRef<unsigned> order, size_t rank) {
  if (llvm::Error e = checkRank("order", order, rank))
    return e;
  llvm::SmallBitVector seen(rank);
  for (unsigned d : order) {
    if (d >= rank || seen[d])
      return error("order must be a permutation of 0.." +
                   llvm::Twine(rank - 1) + ", got " +
                   listToString(SmallVector<int64_t>(order.begin(), order.end())));
    seen.set(d);
  }
  return llvm::Error::success();
}

static llvm::Error checkShape(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return error("shape must have at least one dimension");
  return checkPowersOfTwo<int64_t>("shape", shape, /*maxLog2=*/20);
}

//===----------------------------------------------------------------------===//
// Fitting a tile to a shape
//===----------------------------------------------------------------------===//

/// Puts the output dimensions in the order dim0, dim1, ...
static LinearLayout withStandardOuts(const LinearLayout &l, unsigned rank) {
  SmallVector<std::string> names = dimNames(rank);
  SmallVector<StringRef> order(names.begin(), names.end());
  return l.transposeOuts(order);
}

/// Fits a layout whose output is a tile (dims dim0.., in order) to `shape`:
/// along a dimension where the tile is smaller, it repeats in more
/// registers (dimensions in repOrder, first one fastest); where the tile is
/// larger, coordinates are reduced modulo the shape, so inputs that
/// differed only there hold duplicates, and register bits left pointing
/// nowhere are dropped.
static LinearLayout fitToShape(LinearLayout l, ArrayRef<int64_t> shape,
                               ArrayRef<unsigned> repOrder) {
  for (unsigned d : repOrder) {
    int64_t size = l.getOutDimSize(dimName(d));
    if (size < shape[d])
      l = l * LinearLayout::identity1D(int32_t(shape[d] / size), kRegister,
                                       dimName(d));
  }
  // The projection x -> x mod shape, one dimension at a time.
  LinearLayout projection;
  bool reduces = false;
  for (unsigned d = 0; d < shape.size(); ++d) {
    std::string name = dimName(d);
    int32_t size = l.getOutDimSize(name);
    if (size > shape[d]) {
      reduces = true;
      projection =
          projection * (LinearLayout::identity1D(int32_t(shape[d]), name, name) *
                        LinearLayout::zeros1D(int32_t(size / shape[d]), name,
                                              name));
    } else {
      projection = projection * LinearLayout::identity1D(size, name, name);
    }
  }
  if (!reduces)
    return l;
  return l.compose(projection).removeZeroBases(kRegister);
}

//===----------------------------------------------------------------------===//
// Blocked
//===----------------------------------------------------------------------===//

llvm::Expected<LinearLayout>
layout::blocked(ArrayRef<int64_t> shape, ArrayRef<unsigned> sizePerThread,
                ArrayRef<unsigned> threadsPerWarp,
                ArrayRef<unsigned> warpsPerCTA, ArrayRef<unsigned> order) {
  size_t rank = shape.size();
  if (llvm::Error e = checkShape(shape))
    return std::move(e);
  for (auto [what, values] :
       {std::pair<StringRef, ArrayRef<unsigned>>{"size-per-thread",
                                                  sizePerThread},
        {"threads-per-warp", threadsPerWarp},
        {"warps", warpsPerCTA}}) {
    if (llvm::Error e = checkRank(what, values, rank))
      return std::move(e);
    unsigned maxLog2 = what == "size-per-thread" ? 16 : 10;
    if (llvm::Error e = checkPowersOfTwo(what, values, maxLog2))
      return std::move(e);
  }
  if (llvm::Error e = checkOrder(order, rank))
    return std::move(e);

  LinearLayout l;
  for (unsigned d : order)
    l = l * LinearLayout::identity1D(sizePerThread[d], kRegister, dimName(d));
  for (unsigned d : order)
    l = l * LinearLayout::identity1D(threadsPerWarp[d], kLane, dimName(d));
  for (unsigned d : order)
    l = l * LinearLayout::identity1D(warpsPerCTA[d], kWarp, dimName(d));
  return fitToShape(withStandardOuts(l, rank), shape, order);
}

//===----------------------------------------------------------------------===//
// mma.sync (version 2) and its operands
//===----------------------------------------------------------------------===//

static llvm::Error checkMma(ArrayRef<int64_t> shape, const MmaParams &params) {
  if (llvm::Error e = checkShape(shape))
    return e;
  if (shape.size() != 2)
    return error("mma layouts are 2-D, got a shape of rank " +
                 llvm::Twine(shape.size()));
  if (llvm::Error e = checkRank("warps", ArrayRef(params.warpsPerCTA), 2))
    return e;
  if (llvm::Error e = checkPowersOfTwo("warps", ArrayRef(params.warpsPerCTA)))
    return e;
  if (params.instrShape.size() != 2 || params.instrShape[0] != 16 ||
      params.instrShape[1] != 8)
    return error("mma instruction shape must be 16x8 (mma.sync.m16n8kK)");
  if (llvm::Error e = checkPowersOfTwo("mma instruction K",
                                       ArrayRef<unsigned>(params.instrK)))
    return e;
  return llvm::Error::success();
}

llvm::Expected<LinearLayout> layout::mma(ArrayRef<int64_t> shape,
                                         const MmaParams &params) {
  if (llvm::Error e = checkMma(shape, params))
    return std::move(e);
  auto id = LinearLayout::identity1D;
  unsigned warpsM = params.warpsPerCTA[0], warpsN = params.warpsPerCTA[1];
  // One warp's 16x8 accumulator tile: c0,c1 at (g, 2t + {0,1}), c2,c3 at
  // (g + 8, 2t + {0,1}), with g = lane / 4 and t = lane % 4.
  LinearLayout tile = id(2, kRegister, "dim1") * id(4, kLane, "dim1") *
                      id(8, kLane, "dim0") * id(2, kRegister, "dim0");
  // Warps: consecutive warp ids along N first.
  LinearLayout l =
      tile * id(warpsN, kWarp, "dim1") * id(warpsM, kWarp, "dim0");
  return fitToShape(withStandardOuts(l, 2), shape, {1, 0});
}

llvm::Expected<LinearLayout> layout::dotOperand(unsigned opIdx,
                                                ArrayRef<int64_t> shape,
                                                const MmaParams &parent,
                                                unsigned kWidth) {
  if (opIdx > 1)
    return error("dot operand index must be 0 (A) or 1 (B), got " +
                 llvm::Twine(opIdx));
  if (llvm::Error e = checkMma(shape, parent))
    return std::move(e);
  if (kWidth == 0 || kWidth > 8 || !llvm::isPowerOf2_32(kWidth))
    return error("kWidth must be 1, 2, 4 or 8, got " + llvm::Twine(kWidth));
  unsigned instrK = parent.instrK;
  if (instrK != 4 * kWidth && instrK != 8 * kWidth)
    return error("mma instruction K " + llvm::Twine(instrK) +
                 " does not fit kWidth " + llvm::Twine(kWidth) +
                 " (expected " + llvm::Twine(4 * kWidth) + " or " +
                 llvm::Twine(8 * kWidth) + ")");
  bool twoKHalves = instrK == 8 * kWidth;
  auto id = LinearLayout::identity1D;
  auto zeros = [](int32_t size, StringRef in, StringRef out) {
    return LinearLayout::zeros1D(size, in, out);
  };
  unsigned warpsM = parent.warpsPerCTA[0], warpsN = parent.warpsPerCTA[1];
  // K is dim1 of A and dim0 of B; the non-K dimension is the other one.
  StringRef kDim = opIdx == 0 ? "dim1" : "dim0";
  StringRef otherDim = opIdx == 0 ? "dim0" : "dim1";
  // kWidth consecutive K elements per 32-bit register, 4 lanes along K,
  // 8 lanes along M (A) or N (B).
  LinearLayout tile = id(kWidth, kRegister, kDim) * id(4, kLane, kDim) *
                      id(8, kLane, otherDim);
  if (opIdx == 0)
    tile = tile * id(2, kRegister, "dim0"); // a2,a3: rows g + 8
  if (twoKHalves)
    tile = tile * id(2, kRegister, kDim); // a4..a7 / b2,b3: K + 4*kWidth
  // Warp ids run along N first; A is the same for every warp along N, B for
  // every warp along M.
  LinearLayout warps =
      opIdx == 0 ? zeros(warpsN, kWarp, "dim1") * id(warpsM, kWarp, "dim0")
                 : id(warpsN, kWarp, "dim1") * zeros(warpsM, kWarp, "dim0");
  LinearLayout l = withStandardOuts(tile * warps, 2);
  // Fragments repeat along K first.
  SmallVector<unsigned> repOrder =
      opIdx == 0 ? SmallVector<unsigned>{1, 0} : SmallVector<unsigned>{0, 1};
  return fitToShape(l, shape, repOrder);
}

//===----------------------------------------------------------------------===//
// Slice
//===----------------------------------------------------------------------===//

llvm::Expected<LinearLayout> layout::slice(unsigned dim,
                                           const LinearLayout &parent) {
  unsigned rank = parent.getNumOutDims();
  for (unsigned d = 0; d < rank; ++d)
    if (parent.getOutDims()[d].name != dimName(d))
      return error("slice needs a parent over tensor dimensions dim0..dim" +
                   llvm::Twine(rank - 1));
  if (dim >= rank)
    return error("slice dimension " + llvm::Twine(dim) +
                 " is out of range for a parent of rank " + llvm::Twine(rank));
  SmallVector<std::string> names = dimNames(rank);
  SmallVector<StringRef> kept;
  for (unsigned d = 0; d < rank; ++d)
    if (d != dim)
      kept.push_back(names[d]);
  LinearLayout sliced = parent.sublayout(parent.getInDimNames(), kept)
                            .removeZeroBases(kRegister);
  SmallVector<LinearLayout::OutDim> outs;
  for (auto [i, out] : llvm::enumerate(sliced.getOutDims()))
    outs.push_back({dimName(i), out.size});
  return LinearLayout(sliced.getInDims(), outs);
}

//===----------------------------------------------------------------------===//
// Shared memory
//===----------------------------------------------------------------------===//

llvm::Expected<LinearLayout> layout::swizzled(ArrayRef<int64_t> shape,
                                              const SwizzleParams &swizzle,
                                              ArrayRef<unsigned> order) {
  size_t rank = shape.size();
  if (llvm::Error e = checkShape(shape))
    return std::move(e);
  if (llvm::Error e = checkOrder(order, rank))
    return std::move(e);
  for (auto [what, value] : {std::pair<StringRef, unsigned>{"vec", swizzle.vec},
                             {"per-phase", swizzle.perPhase},
                             {"max-phase", swizzle.maxPhase}})
    if (llvm::Error e = checkPowersOfTwo(what, ArrayRef<unsigned>(value)))
      return std::move(e);

  // Offsets walk order[0] (a row), then order[1] (rows), then the others.
  int32_t columns = int32_t(shape[order[0]]);
  LinearLayout::InDim offset{kOffset.str(), {}};
  auto unit = [&](unsigned d, int32_t value) {
    LinearLayout::Basis basis(rank, 0);
    basis[d] = value;
    return basis;
  };
  for (int32_t c = 1; c < columns; c *= 2)
    offset.bases.push_back(unit(order[0], c));
  if (rank >= 2) {
    // Row r's chunks are XORed with the phase (r / perPhase) % maxPhase,
    // which is linear in the bits of r.
    for (int32_t r = 1; r < shape[order[1]]; r *= 2) {
      LinearLayout::Basis basis = unit(order[1], r);
      int32_t phase = (r / int32_t(swizzle.perPhase)) % int32_t(swizzle.maxPhase);
      basis[order[0]] = int32_t((int64_t(phase) * swizzle.vec) % columns);
      offset.bases.push_back(basis);
    }
  }
  for (size_t i = 2; i < rank; ++i)
    for (int32_t v = 1; v < shape[order[i]]; v *= 2)
      offset.bases.push_back(unit(order[i], v));

  SmallVector<LinearLayout::OutDim> outs;
  for (unsigned d = 0; d < rank; ++d)
    outs.push_back({dimName(d), int32_t(shape[d])});
  return LinearLayout::get({offset}, outs);
}

llvm::Expected<SwizzleParams>
layout::mmaOperandSwizzle(ArrayRef<int64_t> shape, ArrayRef<unsigned> order,
                          unsigned elemBitWidth) {
  if (llvm::Error e = checkShape(shape))
    return std::move(e);
  if (shape.size() < 2)
    return error("an mma operand has rank 2 or more");
  if (llvm::Error e = checkOrder(order, shape.size()))
    return std::move(e);
  if (elemBitWidth < 8 || elemBitWidth > 64 ||
      !llvm::isPowerOf2_32(elemBitWidth))
    return error("element bit width must be 8, 16, 32 or 64, got " +
                 llvm::Twine(elemBitWidth));
  int64_t columns = shape[order[0]];
  int64_t rowBytes = columns * elemBitWidth / 8;
  SwizzleParams params;
  // A chunk is 16 bytes: what one lane gives ldmatrix and one vector store.
  params.vec = unsigned(std::min<int64_t>(128 / elemBitWidth, columns));
  // 8 rows of 16-byte chunks must cover the 128 bytes of the 32 banks: rows
  // shorter than 128 bytes share a phase with the next 128 / rowBytes - 1
  // rows (they already land in different banks), and there are as many
  // phases as chunks in a row, at most 8.
  params.perPhase = unsigned(std::max<int64_t>(1, 128 / rowBytes));
  params.maxPhase = unsigned(std::clamp<int64_t>(rowBytes / 16, 1, 8));
  return params;
}
