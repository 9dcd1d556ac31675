//===- Value.h - runtime values of the reference executor -------*- C++ -*-===//
//
// A runtime value is a scalar or a row-major block of elements whose shape is
// the static shape of its MLIR type. Every element is 8 bytes: a float held as
// a double that is always exactly representable in its element type, an
// integer held sign-extended from its bit width (i1 as 0 or 1), or a pointer
// held as a 64-bit virtual address.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_EXECUTOR_VALUE_H
#define FLASHTILE_LIB_EXECUTOR_VALUE_H

#include "mlir/IR/Types.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MathExtras.h"

#include <cstdint>
#include <optional>
#include <string>

namespace flashtile::exec {

/// The kinds of element the executor distinguishes.
enum class ElemKind : uint8_t { Int, F16, BF16, F32, F64, Ptr };

/// An element type reduced to what the executor needs: its kind and, for
/// integers, its bit width (the index type counts as a 64-bit integer).
struct ElemType {
  ElemKind kind = ElemKind::Int;
  unsigned width = 64;

  bool isFloat() const {
    return kind == ElemKind::F16 || kind == ElemKind::BF16 ||
           kind == ElemKind::F32 || kind == ElemKind::F64;
  }
  bool isInt() const { return kind == ElemKind::Int; }

  /// The element type of `type` (a scalar or a tensor), if supported.
  static std::optional<ElemType> get(mlir::Type type);
};

/// One element; which member is live follows from the value's MLIR type.
union Elem {
  double f;
  int64_t i;

  static Elem ofFloat(double v) {
    Elem e;
    e.f = v;
    return e;
  }
  static Elem ofInt(int64_t v) {
    Elem e;
    e.i = v;
    return e;
  }
};

/// A scalar (one element) or a block (its elements in row-major order).
class RtValue {
public:
  RtValue() = default;
  explicit RtValue(size_t numElements) : elems(numElements) {}
  static RtValue scalar(Elem e) {
    RtValue v(1);
    v.elems[0] = e;
    return v;
  }

  size_t size() const { return elems.size(); }
  /// Resizes in place, keeping the allocated storage when it suffices.
  void resize(size_t numElements) { elems.resize(numElements); }

  Elem &operator[](size_t i) { return elems[i]; }
  const Elem &operator[](size_t i) const { return elems[i]; }
  /// Element `i`, or the only element of a scalar (implicit splat).
  const Elem &splatAt(size_t i) const {
    return elems.size() == 1 ? elems[0] : elems[i];
  }
  Elem *begin() { return elems.begin(); }
  Elem *end() { return elems.end(); }
  const Elem *begin() const { return elems.begin(); }
  const Elem *end() const { return elems.end(); }

private:
  llvm::SmallVector<Elem, 1> elems;
};

//===----------------------------------------------------------------------===//
// Integers
//===----------------------------------------------------------------------===//

/// The stored form of the low `width` bits of `raw`: sign-extended, except
/// that i1 is 0 or 1.
inline int64_t wrapInt(uint64_t raw, unsigned width) {
  if (width >= 64)
    return static_cast<int64_t>(raw);
  if (width == 1)
    return static_cast<int64_t>(raw & 1);
  return llvm::SignExtend64(raw, width);
}

/// The two's-complement signed reading of a stored integer (i1 true is -1).
inline int64_t signedValue(int64_t stored, unsigned width) {
  return width == 1 ? -stored : stored;
}

/// The unsigned reading of a stored integer.
inline uint64_t unsignedValue(int64_t stored, unsigned width) {
  if (width >= 64)
    return static_cast<uint64_t>(stored);
  return static_cast<uint64_t>(stored) & ((uint64_t(1) << width) - 1);
}

/// Smallest and largest signed values of a `width`-bit integer.
inline int64_t minSigned(unsigned width) {
  return width >= 64 ? INT64_MIN : -(int64_t(1) << (width - 1));
}
inline int64_t maxSigned(unsigned width) {
  return width >= 64 ? INT64_MAX : (int64_t(1) << (width - 1)) - 1;
}
/// Largest unsigned value of a `width`-bit integer.
inline uint64_t maxUnsigned(unsigned width) {
  return width >= 64 ? UINT64_MAX : (uint64_t(1) << width) - 1;
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

/// The static shape of a tensor type; empty for a scalar.
llvm::ArrayRef<int64_t> shapeOf(mlir::Type type);

/// The number of elements of a value of `type` (1 for a scalar).
int64_t numElementsOf(mlir::Type type);

/// Row-major strides of `shape`.
llvm::SmallVector<int64_t, 4> rowMajorStrides(llvm::ArrayRef<int64_t> shape);

/// "[3, 5]": the multi-index of row-major element `linear` of `shape`.
std::string formatIndex(llvm::ArrayRef<int64_t> shape, int64_t linear);

/// Calls `fn(dst, src)` for every row-major element `dst` of `shape`, where
/// `src` is the dot product of its multi-index with `srcStrides` (a stride of
/// 0 repeats a source element: broadcasting; permuted strides: transposing).
template <typename Fn>
void forEachStrided(llvm::ArrayRef<int64_t> shape,
                    llvm::ArrayRef<int64_t> srcStrides, Fn fn) {
  int64_t total = 1;
  for (int64_t d : shape)
    total *= d;
  if (total == 0)
    return;
  size_t rank = shape.size();
  llvm::SmallVector<int64_t, 4> index(rank, 0);
  int64_t src = 0;
  for (int64_t dst = 0; dst < total; ++dst) {
    fn(dst, src);
    // Advance the multi-index like an odometer, innermost dimension first.
    for (size_t d = rank; d-- > 0;) {
      src += srcStrides[d];
      if (++index[d] < shape[d])
        break;
      src -= srcStrides[d] * shape[d];
      index[d] = 0;
    }
  }
}

} // namespace flashtile::exec

#endif // FLASHTILE_LIB_EXECUTOR_VALUE_H
