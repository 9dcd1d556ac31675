//===- NumericsTest.cpp - rounding and conversions against APFloat --------===//
//
// The executor rounds with its own bit-exact arithmetic for speed; these
// tests check it against LLVM's APFloat on exhaustive and random inputs.
//
//===----------------------------------------------------------------------===//

#include "Numerics.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/APSInt.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <random>

using namespace flashtile::exec;
using llvm::APFloat;

namespace {

/// `x` converted to `semantics` with `mode` by APFloat, as a double.
double apRound(double x, const llvm::fltSemantics &semantics,
               APFloat::roundingMode mode = APFloat::rmNearestTiesToEven) {
  APFloat value(x);
  bool losesInfo;
  value.convert(semantics, mode, &losesInfo);
  value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                &losesInfo);
  return value.convertToDouble();
}

/// `x` in C's %a notation.
std::string hex(double x) {
  char text[64];
  std::snprintf(text, sizeof(text), "%a", x);
  return text;
}

/// Whether two doubles are the same value (NaNs equal, zeros by sign).
::testing::AssertionResult same(double expected, double actual) {
  if ((std::isnan(expected) && std::isnan(actual)) ||
      (expected == actual && std::signbit(expected) == std::signbit(actual)))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected " << hex(expected) << ", got " << hex(actual);
}

struct Format {
  const char *name;
  FloatFormat format;
  const llvm::fltSemantics &semantics;
};

const Format kFormats[] = {
    {"f16", kHalfFormat, APFloat::IEEEhalf()},
    {"bf16", kBFloat16Format, APFloat::BFloat()},
    {"tf32", kTF32Format, APFloat::FloatTF32()},
    {"f32", kSingleFormat, APFloat::IEEEsingle()},
};

const std::pair<Rounding, APFloat::roundingMode> kModes[] = {
    {Rounding::NearestEven, APFloat::rmNearestTiesToEven},
    {Rounding::NearestAway, APFloat::rmNearestTiesToAway},
    {Rounding::TowardZero, APFloat::rmTowardZero},
    {Rounding::Upward, APFloat::rmTowardPositive},
    {Rounding::Downward, APFloat::rmTowardNegative},
};

/// Random doubles spread over the normal, subnormal and overflow ranges of
/// the 16-bit formats, plus exact ties and halfway-plus-epsilon values.
std::vector<double> sampleDoubles(const Format &f) {
  std::mt19937_64 rng(1234);
  std::uniform_real_distribution<double> mantissa(1.0, 2.0);
  std::uniform_int_distribution<int> exponent(-160, 140);
  std::vector<double> values = {
      0.0, -0.0, INFINITY, -INFINITY, NAN, f.format.largest, -f.format.largest};
  for (int i = 0; i < 20000; ++i) {
    double x = std::ldexp(mantissa(rng), exponent(rng));
    values.push_back(rng() & 1 ? -x : x);
  }
  // Ties at every binade: an f-value plus half its ulp, and just beyond.
  for (int e = f.format.minExponent - f.format.mantissaBits;
       e < f.format.minExponent + 40; ++e) {
    for (int m : {1, 2, 3, 5, 1023}) {
      double tie = std::ldexp(2.0 * m + 1.0, e - 1);
      values.push_back(tie);
      values.push_back(-tie);
      values.push_back(std::nextafter(tie, INFINITY));
    }
  }
  // Around the overflow threshold.
  double ulpAtMax =
      std::ldexp(1.0, std::ilogb(f.format.largest) - f.format.mantissaBits);
  for (double d : {0.25, 0.5, 0.75, 1.0})
    values.push_back(f.format.largest + d * ulpAtMax);
  return values;
}

TEST(NumericsTest, RoundToFormatMatchesAPFloatInEveryMode) {
  for (const Format &f : kFormats) {
    for (double x : sampleDoubles(f)) {
      for (auto [mode, apMode] : kModes) {
        ASSERT_TRUE(same(apRound(x, f.semantics, apMode),
                         roundToFormat(x, f.format, mode)))
            << f.name << " input " << hex(x) << " mode "
            << static_cast<int>(mode);
      }
    }
  }
}

TEST(NumericsTest, HalfAndBFloat16TiesGoToEven) {
  // 1 + 2^-11 lies halfway between f16 1 and 1 + 2^-10: the even one is 1.
  EXPECT_EQ(roundToKind(1.0 + 0x1p-11, ElemKind::F16), 1.0);
  EXPECT_EQ(roundToKind(1.0 + 3 * 0x1p-11, ElemKind::F16), 1.0 + 0x1p-9);
  EXPECT_EQ(roundToKind(1.0 + 0x1p-8, ElemKind::BF16), 1.0);
  EXPECT_EQ(roundToKind(1.0 + 3 * 0x1p-8, ElemKind::BF16), 1.0 + 0x1p-6);
  // f16 overflows at 65520 (halfway to 2^16), subnormals go down to 2^-24.
  EXPECT_EQ(roundToKind(65519.0, ElemKind::F16), 65504.0);
  EXPECT_TRUE(std::isinf(roundToKind(65520.0, ElemKind::F16)));
  EXPECT_EQ(roundToKind(0x1p-25, ElemKind::F16), 0.0);
  EXPECT_EQ(roundToKind(0x1.8p-25, ElemKind::F16), 0x1p-24);
}

TEST(NumericsTest, SixteenBitDecodingIsExhaustivelyExact) {
  const std::pair<ElemKind, const llvm::fltSemantics *> kinds[] = {
      {ElemKind::F16, &APFloat::IEEEhalf()},
      {ElemKind::BF16, &APFloat::BFloat()}};
  for (auto [kind, semantics] : kinds) {
    for (uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
      APFloat reference(*semantics, llvm::APInt(16, bits));
      bool losesInfo;
      reference.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                        &losesInfo);
      double decoded = decodeFloat(bits, kind);
      ASSERT_TRUE(same(reference.convertToDouble(), decoded))
          << "bits " << bits;
      if (!std::isnan(decoded))
        ASSERT_EQ(encodeFloat(decoded, kind), bits);
    }
  }
}

TEST(NumericsTest, EncodingRoundsLikeAPFloat) {
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> value(-70000.0, 70000.0);
  for (int i = 0; i < 20000; ++i) {
    double x = value(rng) * std::ldexp(1.0, static_cast<int>(rng() % 40) - 30);
    APFloat half(x), bfloat(x);
    bool losesInfo;
    half.convert(APFloat::IEEEhalf(), APFloat::rmNearestTiesToEven, &losesInfo);
    bfloat.convert(APFloat::BFloat(), APFloat::rmNearestTiesToEven, &losesInfo);
    ASSERT_EQ(encodeFloat(x, ElemKind::F16),
              half.bitcastToAPInt().getZExtValue());
    ASSERT_EQ(encodeFloat(x, ElemKind::BF16),
              bfloat.bitcastToAPInt().getZExtValue());
  }
}

TEST(NumericsTest, IntegerToFloatRoundsOnce) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> values = {0,
                                  1,
                                  2047,
                                  2049,
                                  65519,
                                  65520,
                                  UINT64_MAX,
                                  (uint64_t(1) << 62) + (uint64_t(1) << 54) + 1,
                                  (uint64_t(1) << 63),
                                  (uint64_t(1) << 53) + 1};
  for (int i = 0; i < 5000; ++i)
    values.push_back(rng() >> (rng() % 64));
  const std::pair<ElemKind, const llvm::fltSemantics *> kinds[] = {
      {ElemKind::F16, &APFloat::IEEEhalf()},
      {ElemKind::BF16, &APFloat::BFloat()},
      {ElemKind::F32, &APFloat::IEEEsingle()},
      {ElemKind::F64, &APFloat::IEEEdouble()}};
  for (uint64_t v : values) {
    for (auto [kind, semantics] : kinds) {
      for (bool isUnsigned : {false, true}) {
        APFloat reference(*semantics);
        reference.convertFromAPInt(llvm::APInt(64, v), !isUnsigned,
                                   APFloat::rmNearestTiesToEven);
        bool losesInfo;
        reference.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                          &losesInfo);
        ASSERT_TRUE(
            same(reference.convertToDouble(),
                 intToFloat(static_cast<int64_t>(v), 64, isUnsigned, kind)))
            << v << (isUnsigned ? " unsigned" : " signed");
      }
    }
  }
  // A narrow integer is read in its own width: i8 0xFF is -1 or 255.
  EXPECT_EQ(intToFloat(-1, 8, false, ElemKind::F32), -1.0);
  EXPECT_EQ(intToFloat(-1, 8, true, ElemKind::F32), 255.0);
}

TEST(NumericsTest, FloatToIntegerSaturates) {
  EXPECT_EQ(floatToInt(3.99, 32, false), 3);
  EXPECT_EQ(floatToInt(-3.99, 32, false), -3);
  EXPECT_EQ(floatToInt(1e300, 32, false), INT32_MAX);
  EXPECT_EQ(floatToInt(-1e300, 64, false), INT64_MIN);
  EXPECT_EQ(floatToInt(NAN, 16, false), 0);
  EXPECT_EQ(floatToInt(300.0, 8, true), -1); // 255 stored as i8
  EXPECT_EQ(floatToInt(-5.0, 8, true), 0);
  EXPECT_EQ(floatToInt(1.0, 1, true), 1);
}

TEST(NumericsTest, FusedMultiplyAddRoundsOnce) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> value(-4.0, 4.0);
  const std::pair<ElemKind, const llvm::fltSemantics *> kinds[] = {
      {ElemKind::F16, &APFloat::IEEEhalf()},
      {ElemKind::BF16, &APFloat::BFloat()},
      {ElemKind::F32, &APFloat::IEEEsingle()}};
  for (auto [kind, semantics] : kinds) {
    for (int i = 0; i < 20000; ++i) {
      // Operands of the kind, with the addend scaled so that cancellation
      // and far-apart exponents both occur.
      double a = roundToKind(value(rng), kind);
      double b = roundToKind(value(rng), kind);
      double c = roundToKind(
          value(rng) * std::ldexp(1.0, static_cast<int>(rng() % 30) - 15),
          kind);
      APFloat reference(a);
      bool losesInfo;
      reference.convert(*semantics, APFloat::rmNearestTiesToEven, &losesInfo);
      APFloat bAP(b), cAP(c);
      bAP.convert(*semantics, APFloat::rmNearestTiesToEven, &losesInfo);
      cAP.convert(*semantics, APFloat::rmNearestTiesToEven, &losesInfo);
      reference.fusedMultiplyAdd(bAP, cAP, APFloat::rmNearestTiesToEven);
      reference.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                        &losesInfo);
      ASSERT_TRUE(
          same(reference.convertToDouble(), fusedMultiplyAdd(a, b, c, kind)))
          << a << " * " << b << " + " << c;
    }
  }
}

TEST(NumericsTest, RoundToOddThenSingleEqualsSingleRoundingOfExactSum) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  for (int i = 0; i < 50000; ++i) {
    // An f32 accumulator plus an exact product of two f32 values (48 bits).
    double acc =
        static_cast<float>(value(rng) * std::ldexp(1.0, int(rng() % 20) - 10));
    double product = static_cast<double>(static_cast<float>(value(rng))) *
                     static_cast<float>(value(rng));
    // The exact sum fits in quad precision for these exponent gaps.
    APFloat exact(acc);
    bool losesInfo;
    exact.convert(APFloat::IEEEquad(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
    APFloat addend(product);
    addend.convert(APFloat::IEEEquad(), APFloat::rmNearestTiesToEven,
                   &losesInfo);
    ASSERT_EQ(exact.add(addend, APFloat::rmNearestTiesToEven), APFloat::opOK);
    exact.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
    ASSERT_EQ(exact.convertToFloat(),
              static_cast<float>(addRoundToOdd(acc, product)));
  }
}

} // namespace
