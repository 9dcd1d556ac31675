//===- Numerics.h - exact floating-point rounding and conversion -*- C++
//-*-===//
//
// Rounding of doubles to the narrower binary formats (f16, bf16, tf32, f32),
// their bit encodings, and conversions between integers and floats, all
// correctly rounded (a single rounding from the exact value).
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_EXECUTOR_NUMERICS_H
#define FLASHTILE_LIB_EXECUTOR_NUMERICS_H

#include "Value.h"

#include <cstdint>

namespace flashtile::exec {

/// A binary floating-point format with subnormals and infinities.
struct FloatFormat {
  /// Explicitly stored fraction bits.
  int mantissaBits;
  /// Exponent of the smallest normal number.
  int minExponent;
  /// The largest finite value.
  double largest;
};

inline constexpr FloatFormat kHalfFormat{10, -14, 65504.0};
inline constexpr FloatFormat kBFloat16Format{7, -126, 0x1.fep127};
/// TensorFloat-32: f32's exponent range with f16's precision.
inline constexpr FloatFormat kTF32Format{10, -126, 0x1.ffcp127};
inline constexpr FloatFormat kSingleFormat{23, -126, 0x1.fffffep127};

/// IEEE 754 rounding-direction attributes.
enum class Rounding { NearestEven, NearestAway, TowardZero, Upward, Downward };

/// `v` rounded to an integral value in direction `mode`.
double roundToIntegral(double v, Rounding mode);

/// `x` rounded to `format`; NaN, infinities and zeros pass unchanged, values
/// beyond the largest finite one overflow as IEEE 754 prescribes for `mode`.
double roundToFormat(double x, FloatFormat format,
                     Rounding mode = Rounding::NearestEven);

/// `x` rounded to nearest even in the float kind `kind` (F64: unchanged).
inline double roundToKind(double x, ElemKind kind) {
  switch (kind) {
  case ElemKind::F32:
    return static_cast<float>(x);
  case ElemKind::F16:
    return roundToFormat(x, kHalfFormat);
  case ElemKind::BF16:
    return roundToFormat(x, kBFloat16Format);
  default:
    return x;
  }
}

/// `x` rounded in the float kind `kind` with an explicit rounding mode.
double roundToKind(double x, ElemKind kind, Rounding mode);

/// `a + b` rounded to odd: the exact sum if representable, else whichever
/// neighbouring double has an odd last bit. Rounding that once more to a
/// format at least two bits narrower than double is exactly the correctly
/// rounded sum.
double addRoundToOdd(double a, double b);

/// `a * b + c` with a single rounding to `kind`, for operands of that kind.
double fusedMultiplyAdd(double a, double b, double c, ElemKind kind);

/// The stored integer `stored` of `width` bits, read as unsigned or signed,
/// correctly rounded to the float kind `kind`.
double intToFloat(int64_t stored, unsigned width, bool isUnsigned,
                  ElemKind kind);

/// `x` truncated toward zero to a `width`-bit integer (stored form),
/// saturating at the type's range; NaN converts to 0.
int64_t floatToInt(double x, unsigned width, bool isUnsigned);

/// The IEEE bit pattern of `x` in the float kind `kind` (rounding first);
/// NaNs encode as the quiet NaN with the sign of `x`.
uint64_t encodeFloat(double x, ElemKind kind);

/// The value of the IEEE bit pattern `bits` of the float kind `kind`.
double decodeFloat(uint64_t bits, ElemKind kind);

} // namespace flashtile::exec

#endif // FLASHTILE_LIB_EXECUTOR_NUMERICS_H
