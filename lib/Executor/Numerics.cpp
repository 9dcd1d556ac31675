//===- Numerics.cpp - exact floating-point rounding and conversion --------===//

#include "Numerics.h"

#include "llvm/ADT/bit.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace flashtile::exec;

double flashtile::exec::roundToIntegral(double v, Rounding mode) {
  switch (mode) {
  case Rounding::NearestEven: {
    double r = std::round(v);
    // std::round breaks ties away from zero; on a tie take the even one.
    if (std::fabs(r - v) == 0.5)
      r = 2.0 * std::round(v * 0.5);
    return r;
  }
  case Rounding::NearestAway:
    return std::round(v);
  case Rounding::TowardZero:
    return std::trunc(v);
  case Rounding::Upward:
    return std::ceil(v);
  case Rounding::Downward:
    return std::floor(v);
  }
  return v;
}

double flashtile::exec::roundToFormat(double x, FloatFormat format,
                                      Rounding mode) {
  if (x == 0.0 || !std::isfinite(x))
    return x;
  // Below the normal range the quantum stays that of the smallest binade.
  int exponent = std::max(std::ilogb(x), format.minExponent);
  // Scale so that the target's unit in the last place is 1 (exact), round to
  // an integer, scale back (exact again).
  double scaled = std::ldexp(x, format.mantissaBits - exponent);
  double result =
      std::ldexp(roundToIntegral(scaled, mode), exponent - format.mantissaBits);
  if (std::fabs(result) <= format.largest)
    return result;
  bool positive = result > 0;
  bool toInfinity = mode == Rounding::NearestEven ||
                    mode == Rounding::NearestAway ||
                    (mode == Rounding::Upward && positive) ||
                    (mode == Rounding::Downward && !positive);
  double magnitude =
      toInfinity ? std::numeric_limits<double>::infinity() : format.largest;
  return positive ? magnitude : -magnitude;
}

double flashtile::exec::roundToKind(double x, ElemKind kind, Rounding mode) {
  switch (kind) {
  case ElemKind::F32:
    if (mode == Rounding::NearestEven)
      return static_cast<float>(x);
    return roundToFormat(x, kSingleFormat, mode);
  case ElemKind::F16:
    return roundToFormat(x, kHalfFormat, mode);
  case ElemKind::BF16:
    return roundToFormat(x, kBFloat16Format, mode);
  default:
    return x;
  }
}

double flashtile::exec::addRoundToOdd(double a, double b) {
  double sum = a + b;
  if (!std::isfinite(sum))
    return sum;
  // Knuth's TwoSum: `error` is exactly (a + b) - sum.
  double bPart = sum - a;
  double aPart = sum - bPart;
  double error = (a - aPart) + (b - bPart);
  if (error == 0.0)
    return sum;
  uint64_t bits = llvm::bit_cast<uint64_t>(sum);
  if (bits & 1)
    return sum;
  // The other neighbour of the exact sum is one ulp towards it; it is odd.
  bool awayFromZero = (error > 0) == (sum > 0);
  bits = awayFromZero ? bits + 1 : bits - 1;
  return llvm::bit_cast<double>(bits);
}

double flashtile::exec::fusedMultiplyAdd(double a, double b, double c,
                                         ElemKind kind) {
  if (kind == ElemKind::F64)
    return std::fma(a, b, c);
  // Operands have at most 24 significant bits: their product is exact.
  return roundToKind(addRoundToOdd(a * b, c), kind);
}

double flashtile::exec::intToFloat(int64_t stored, unsigned width,
                                   bool isUnsigned, ElemKind kind) {
  int64_t asSigned = signedValue(stored, width);
  bool negative = !isUnsigned && asSigned < 0;
  uint64_t magnitude = isUnsigned ? unsignedValue(stored, width)
                       : negative
                           ? uint64_t(0) - static_cast<uint64_t>(asSigned)
                           : static_cast<uint64_t>(asSigned);
  double value;
  if (kind == ElemKind::F64) {
    value = static_cast<double>(magnitude);
  } else if (kind == ElemKind::F32) {
    value = static_cast<float>(magnitude);
  } else {
    // Keep 53 significant bits and fold the discarded ones into a sticky
    // last bit, so that the final rounding to f16/bf16 is a single one.
    int bitLength = 64 - llvm::countl_zero(magnitude);
    if (bitLength > 53) {
      int shift = bitLength - 53;
      uint64_t kept = magnitude >> shift;
      if (magnitude & ((uint64_t(1) << shift) - 1))
        kept |= 1;
      value = std::ldexp(static_cast<double>(kept), shift);
    } else {
      value = static_cast<double>(magnitude);
    }
    value = roundToKind(value, kind);
  }
  return negative ? -value : value;
}

int64_t flashtile::exec::floatToInt(double x, unsigned width, bool isUnsigned) {
  if (std::isnan(x))
    return 0;
  double t = std::trunc(x);
  if (isUnsigned) {
    if (t <= 0.0)
      return 0;
    if (t >= std::ldexp(1.0, width))
      return wrapInt(maxUnsigned(width), width);
    return wrapInt(static_cast<uint64_t>(t), width);
  }
  if (t <= static_cast<double>(minSigned(width)))
    return wrapInt(static_cast<uint64_t>(minSigned(width)), width);
  if (t >= std::ldexp(1.0, width - 1))
    return wrapInt(static_cast<uint64_t>(maxSigned(width)), width);
  return wrapInt(static_cast<uint64_t>(static_cast<int64_t>(t)), width);
}

static uint16_t encodeHalf(double x) {
  uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  if (std::isnan(x))
    return sign | 0x7E00;
  double magnitude = std::fabs(roundToFormat(x, kHalfFormat));
  if (std::isinf(magnitude))
    return sign | 0x7C00;
  // Subnormals (and zero) are integral multiples of 2^-24.
  if (magnitude < 0x1p-14)
    return sign | static_cast<uint16_t>(magnitude * 0x1p24);
  int exponent = std::ilogb(magnitude);
  auto fraction =
      static_cast<uint16_t>(std::ldexp(magnitude, 10 - exponent) - 1024.0);
  return sign | static_cast<uint16_t>((exponent + 15) << 10) | fraction;
}

static double decodeHalf(uint16_t bits) {
  int exponent = (bits >> 10) & 0x1F;
  int fraction = bits & 0x3FF;
  double magnitude;
  if (exponent == 0x1F)
    magnitude = fraction ? std::numeric_limits<double>::quiet_NaN()
                         : std::numeric_limits<double>::infinity();
  else if (exponent == 0)
    magnitude = std::ldexp(fraction, -24);
  else
    magnitude = std::ldexp(fraction + 1024, exponent - 25);
  return (bits & 0x8000) ? -magnitude : magnitude;
}

uint64_t flashtile::exec::encodeFloat(double x, ElemKind kind) {
  switch (kind) {
  case ElemKind::F16:
    return encodeHalf(x);
  case ElemKind::BF16: {
    if (std::isnan(x))
      return std::signbit(x) ? 0xFFC0 : 0x7FC0;
    // A bf16 value is exactly a float whose low 16 bits are zero.
    auto single = static_cast<float>(roundToFormat(x, kBFloat16Format));
    return llvm::bit_cast<uint32_t>(single) >> 16;
  }
  case ElemKind::F32:
    return llvm::bit_cast<uint32_t>(static_cast<float>(x));
  default:
    return llvm::bit_cast<uint64_t>(x);
  }
}

double flashtile::exec::decodeFloat(uint64_t bits, ElemKind kind) {
  switch (kind) {
  case ElemKind::F16:
    return decodeHalf(static_cast<uint16_t>(bits));
  case ElemKind::BF16:
    return llvm::bit_cast<float>(static_cast<uint32_t>(bits & 0xFFFF) << 16);
  case ElemKind::F32:
    return llvm::bit_cast<float>(static_cast<uint32_t>(bits));
  default:
    return llvm::bit_cast<double>(bits);
  }
}
