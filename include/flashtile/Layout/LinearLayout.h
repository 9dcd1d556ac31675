//===- LinearLayout.h - Linear layouts over GF(2) ---------------*- C++ -*-===//
//
// The one layout representation of FlashTile's GPU backend.
//
// A linear layout maps named *input* dimensions (hardware coordinates such as
// "register", "lane", "warp", "block", or "offset" for shared memory) to named
// *output* dimensions (tensor coordinates "dim0", "dim1", ...). Every
// dimension has a power-of-two size, so a coordinate is a bit vector, and the
// map is linear over GF(2): each input dimension of size 2^k carries k basis
// vectors (the image of each of its bits), and the image of an input is the
// XOR of the basis vectors of its set bits.
//
// Named layouts (blocked, mma, dot operand, slice, swizzled shared memory;
// see Layouts.h) are constructors over this class, and layout conversions are
// computed with its algebra (invertAndCompose), never written per pair.
// docs/layouts.md explains the representation with pictures.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LAYOUT_LINEARLAYOUT_H
#define FLASHTILE_LAYOUT_LINEARLAYOUT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace flashtile {

class LinearLayout {
public:
  /// The image of one input bit: one coordinate per output dimension, in the
  /// order of the layout's output dimensions.
  using Basis = llvm::SmallVector<int32_t, 4>;

  /// An input dimension of size 2^bases.size().
  struct InDim {
    std::string name;
    llvm::SmallVector<Basis> bases;
  };

  /// An output dimension; size is a power of two.
  struct OutDim {
    std::string name;
    int32_t size = 1;
  };

  /// The layout with no dimensions (maps the empty input to the empty output).
  LinearLayout() = default;

  /// Builds a layout, asserting that it is well formed (see get()).
  LinearLayout(llvm::ArrayRef<InDim> ins, llvm::ArrayRef<OutDim> outs);

  /// Builds a layout or explains why it is malformed: names must be unique
  /// and non-empty, output sizes powers of two, every basis must have one
  /// coordinate per output dimension within [0, size), and the layout at
  /// most 62 input and 62 output bits in all.
  static llvm::Expected<LinearLayout> get(llvm::ArrayRef<InDim> ins,
                                          llvm::ArrayRef<OutDim> outs);

  //===--------------------------------------------------------------------===//
  // Elementary layouts (all 1-D). size and stride must be powers of two.
  //===--------------------------------------------------------------------===//

  /// x -> x, from inDim (size `size`) to outDim (size `size`).
  static LinearLayout identity1D(int32_t size, llvm::StringRef inDim,
                                 llvm::StringRef outDim);
  /// x -> 0: every input is a duplicate of input 0 (a broadcast). The output
  /// dimension has size outSize.
  static LinearLayout zeros1D(int32_t size, llvm::StringRef inDim,
                              llvm::StringRef outDim, int32_t outSize = 1);
  /// x -> x * stride; the output dimension has size size * stride.
  static LinearLayout strided1D(int32_t size, int32_t stride,
                                llvm::StringRef inDim, llvm::StringRef outDim);

  //===--------------------------------------------------------------------===//
  // Queries
  //===--------------------------------------------------------------------===//

  llvm::ArrayRef<InDim> getInDims() const { return ins; }
  llvm::ArrayRef<OutDim> getOutDims() const { return outs; }
  unsigned getNumInDims() const { return ins.size(); }
  unsigned getNumOutDims() const { return outs.size(); }
  llvm::SmallVector<llvm::StringRef> getInDimNames() const;
  llvm::SmallVector<llvm::StringRef> getOutDimNames() const;

  bool hasInDim(llvm::StringRef name) const { return findIn(name) >= 0; }
  bool hasOutDim(llvm::StringRef name) const { return findOut(name) >= 0; }
  /// Size of an input dimension; 1 when the layout does not have it.
  int32_t getInDimSize(llvm::StringRef name) const;
  int32_t getInDimSizeLog2(llvm::StringRef name) const;
  /// Size of an output dimension; 1 when the layout does not have it.
  int32_t getOutDimSize(llvm::StringRef name) const;
  int32_t getOutDimSizeLog2(llvm::StringRef name) const;
  /// Product of all input (output) dimension sizes.
  int64_t getTotalInDimSize() const;
  int64_t getTotalOutDimSize() const;
  unsigned getTotalInDimSizeLog2() const;
  unsigned getTotalOutDimSizeLog2() const;

  /// The image of bit `bit` of input dimension `inDim`.
  llvm::ArrayRef<int32_t> getBasis(llvm::StringRef inDim, unsigned bit) const;
  /// One coordinate of that image (0 for an output dimension not present).
  int32_t getBasis(llvm::StringRef inDim, unsigned bit,
                   llvm::StringRef outDim) const;

  //===--------------------------------------------------------------------===//
  // Evaluation
  //===--------------------------------------------------------------------===//

  /// Applies the layout to one coordinate per input dimension (in the order
  /// of getInDims()); returns one coordinate per output dimension.
  llvm::SmallVector<int32_t> apply(llvm::ArrayRef<int32_t> inputs) const;

  /// Named form: inputs not mentioned are 0; a name that is not an input
  /// dimension must come with the value 0 (a dimension of size 1).
  llvm::SmallVector<std::pair<std::string, int32_t>>
  apply(llvm::ArrayRef<std::pair<llvm::StringRef, int32_t>> inputs) const;

  //===--------------------------------------------------------------------===//
  // Algebra
  //===--------------------------------------------------------------------===//

  /// Product: inputs and outputs are the union of both layouts' (this
  /// layout's dimensions first). On a shared input dimension, this layout
  /// owns the low bits and `b` the high bits; on a shared output dimension,
  /// `b`'s coordinates are scaled by this layout's size, so `b` tiles copies
  /// of this layout. On disjoint dimensions it is the direct sum.
  LinearLayout operator*(const LinearLayout &b) const;

  /// outer(this(x)). outer's input dimensions must include every output
  /// dimension of this layout, with at least its size; the result maps this
  /// layout's inputs to outer's outputs.
  LinearLayout compose(const LinearLayout &outer) const;

  /// The inverse (outputs become inputs and vice versa), or nullopt when the
  /// layout is not bijective.
  std::optional<LinearLayout> invert() const;

  /// A layout L from this layout's inputs to outer's inputs such that
  /// outer(L(x)) == this(x) for every x: "where, in outer, is the element
  /// that this layout puts at x". outer's outputs must include this
  /// layout's, with at least their sizes. When outer is not injective, the
  /// preimage uses the earliest input bits of outer (its first input
  /// dimension, low bits first) and sets the others to zero. Returns nullopt
  /// when some element of this layout is not in outer's image.
  std::optional<LinearLayout>
  invertAndCompose(const LinearLayout &outer) const;

  /// Reinterprets the outputs: the coordinates are flattened row-major (the
  /// last output dimension is the fastest) and unflattened row-major into
  /// `newOuts`, whose sizes must multiply to the same total.
  LinearLayout reshapeOuts(llvm::ArrayRef<OutDim> newOuts) const;
  /// reshapeOuts into one dimension `name`.
  LinearLayout flattenOuts(llvm::StringRef name) const;

  /// Reorders the output (input) dimensions; `order` is a permutation of
  /// the names. The map itself is unchanged.
  LinearLayout transposeOuts(llvm::ArrayRef<llvm::StringRef> order) const;
  LinearLayout transposeIns(llvm::ArrayRef<llvm::StringRef> order) const;

  /// Restriction to some input dimensions (the others are fixed at 0) and
  /// projection onto some output dimensions (in the given orders).
  LinearLayout sublayout(llvm::ArrayRef<llvm::StringRef> inDims,
                         llvm::ArrayRef<llvm::StringRef> outDims) const;

  /// Drops the bits of `inDim` whose basis is zero (pure duplicates); the
  /// remaining bits keep their order.
  LinearLayout removeZeroBases(llvm::StringRef inDim) const;

  //===--------------------------------------------------------------------===//
  // Properties
  //===--------------------------------------------------------------------===//

  /// No two inputs map to the same output.
  bool isInjective() const;
  /// Every output (within the output sizes) is reached.
  bool isSurjective() const;
  bool isBijective() const { return isInjective() && isSurjective(); }

  /// For each input dimension (in order), a mask of its bits that are free
  /// variables: bits whose basis is a combination of the bases of earlier
  /// bits (earlier dimensions, or lower bits of the same one), e.g. zero.
  /// Flipping free bits only reaches inputs that hold duplicates.
  llvm::SmallVector<uint64_t> getFreeVariableMasks() const;
  uint64_t getFreeVariableMask(llvm::StringRef inDim) const;

  /// Largest 2^k such that inputs 0 .. 2^k-1 of `inDim` map to consecutive
  /// elements of the output flattened row-major (the last output dimension
  /// is the fastest): inDim bit i maps to flat offset 2^i for i < k. For the
  /// register dimension, the longest contiguous vector a thread owns.
  int32_t getNumConsecutiveInOut(llvm::StringRef inDim) const;
  /// Same, along one output dimension: bit i maps to 2^i in `outDim` and 0
  /// in all others.
  int32_t getNumConsecutiveInOut(llvm::StringRef inDim,
                                 llvm::StringRef outDim) const;
  /// getNumConsecutiveInOut of the first input dimension.
  int32_t getNumConsecutiveInOut() const;

  /// Same map up to the order of dimensions: the same input dimensions of
  /// size > 1 with the same bases, the same output dimensions and sizes.
  bool isEquivalentTo(const LinearLayout &other) const;

  /// Exact equality, including dimension order.
  bool operator==(const LinearLayout &other) const;
  bool operator!=(const LinearLayout &other) const { return !(*this == other); }

  /// Deterministic text form:
  ///   in: register[4] lane[32]
  ///   out: dim0[16] dim1[8]
  ///   register: (0,1) (8,0)
  ///   lane: (0,2) (0,4) (1,0) (2,0) (4,0)
  std::string toString() const;

private:
  int findIn(llvm::StringRef name) const;
  int findOut(llvm::StringRef name) const;
  const InDim &inDim(llvm::StringRef name) const;

  /// Bit position of each output dimension in the row-major flattened
  /// output (the last dimension occupies the low bits).
  llvm::SmallVector<unsigned> outBitOffsets() const;
  /// Flattens a basis row-major.
  uint64_t flatten(llvm::ArrayRef<int32_t> basis) const;
  /// Inverse of flatten.
  Basis unflatten(uint64_t flat) const;
  /// Flattened bases of every input bit, in input order.
  llvm::SmallVector<uint64_t> flatBases() const;

  llvm::SmallVector<InDim, 4> ins;
  llvm::SmallVector<OutDim, 4> outs;
};

llvm::raw_ostream &operator<<(llvm::raw_ostream &os, const LinearLayout &l);

} // namespace flashtile

#endif // FLASHTILE_LAYOUT_LINEARLAYOUT_H
