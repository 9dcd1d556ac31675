//===- ArithTest.cpp - integer, comparison and conversion semantics -------===//

#include "KernelTest.h"

#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <limits>

using namespace flashtile::exec;
using namespace flashtile::exec::testing;

namespace {

using ArithTest = KernelTest;

/// Stores OP(%a, %b) of two 4-element constants of type T to %out.
const char *kBinary = R"mlir(
func.func @binary(%out: !tile.ptr<T>) {
  %a = arith.constant dense<A> : tensor<4xT>
  %b = arith.constant dense<B> : tensor<4xT>
  %x = OP %a, %b : tensor<4xT>
  %r = tile.make_range 0 to 4 : tensor<4xi32>
  %ob = tile.splat %out : !tile.ptr<T> -> tensor<4x!tile.ptr<T>>
  %op = tile.addptr %ob, %r : tensor<4x!tile.ptr<T>>, tensor<4xi32>
  tile.store %op, %x : tensor<4x!tile.ptr<T>>
  return
}
)mlir";

template <typename T>
std::vector<T> runBinary(ArithTest &test, const std::string &type,
                         const std::string &op, const std::string &a,
                         const std::string &b) {
  std::vector<T> out(4, T(-99));
  std::string ir =
      substitute(kBinary, {{"OP", op}, {"A", a}, {"B", b}, {"T", type}});
  EXPECT_EQ(
      test.run(ir, {1, 1, 1}, {KernelArg::ofBuffer(0)}, {bufferOf(out, "out")}),
      "")
      << op;
  return out;
}

using I32 = std::vector<int32_t>;
using I8 = std::vector<int8_t>;

TEST_F(ArithTest, SignedDivisionFamilyRounds) {
  const char *a = "[7, -7, 7, -7]", *b = "[2, 2, -2, -2]";
  EXPECT_EQ(runBinary<int32_t>(*this, "i32", "arith.divsi", a, b),
            (I32{3, -3, -3, 3}));
  EXPECT_EQ(runBinary<int32_t>(*this, "i32", "arith.remsi", a, b),
            (I32{1, -1, 1, -1}));
  EXPECT_EQ(runBinary<int32_t>(*this, "i32", "arith.ceildivsi", a, b),
            (I32{4, -3, -3, 4}));
  EXPECT_EQ(runBinary<int32_t>(*this, "i32", "arith.floordivsi", a, b),
            (I32{3, -4, -4, 3}));
  // The most negative value divided by -1 wraps around to itself.
  EXPECT_EQ(runBinary<int32_t>(*this, "i32", "arith.divsi",
                               "[-2147483648, 9, 9, 0]", "[-1, 3, -9, 5]"),
            (I32{INT32_MIN, 3, -1, 0}));
}

TEST_F(ArithTest, UnsignedDivisionReadsBitPatterns) {
  const char *a = "[7, -7, 7, -7]", *b = "[2, 2, -2, -2]";
  EXPECT_EQ(runBinary<int32_t>(*this, "i32", "arith.divui", a, b),
            (I32{3, 2147483644, 0, 0}));
  EXPECT_EQ(runBinary<int32_t>(*this, "i32", "arith.remui", a, b),
            (I32{1, 1, 7, -7}));
  EXPECT_EQ(runBinary<int32_t>(*this, "i32", "arith.ceildivui", a, b),
            (I32{4, 2147483645, 1, 1}));
}

TEST_F(ArithTest, NarrowIntegersWrap) {
  EXPECT_EQ(runBinary<int8_t>(*this, "i8", "arith.addi", "[100, 127, -128, 1]",
                              "[100, 1, -1, 1]"),
            (I8{-56, -128, 127, 2}));
  EXPECT_EQ(runBinary<int8_t>(*this, "i8", "arith.muli", "[16, -128, 3, 11]",
                              "[16, -1, -43, 12]"),
            (I8{0, -128, 127, -124}));
}

TEST_F(ArithTest, ShiftsBeyondTheWidth) {
  EXPECT_EQ(runBinary<int8_t>(*this, "i8", "arith.shli", "[1, 1, 1, -1]",
                              "[7, 8, 9, 1]"),
            (I8{-128, 0, 0, -2}));
  EXPECT_EQ(runBinary<int8_t>(*this, "i8", "arith.shrsi",
                              "[-128, -128, 64, -1]", "[7, 8, 1, 100]"),
            (I8{-1, -1, 32, -1}));
  EXPECT_EQ(runBinary<int8_t>(*this, "i8", "arith.shrui", "[-128, -1, 64, -1]",
                              "[7, 8, 1, 4]"),
            (I8{1, 0, 32, 15}));
}

TEST_F(ArithTest, MinMaxOfFloatsAndIntegers) {
  // maxnumf ignores NaN, maximumf propagates it; both order -0 below +0.
  std::vector<float> num = runBinary<float>(*this, "f32", "arith.maxnumf",
                                            "[0x7FC00000, 1.0, -0.0, 2.0]",
                                            "[1.0, 0x7FC00000, 0.0, -3.0]");
  EXPECT_EQ(num[0], 1.0f);
  EXPECT_EQ(num[1], 1.0f);
  EXPECT_FALSE(std::signbit(num[2]));
  EXPECT_EQ(num[3], 2.0f);
  std::vector<float> imum = runBinary<float>(*this, "f32", "arith.minimumf",
                                             "[0x7FC00000, 1.0, -0.0, 2.0]",
                                             "[1.0, 0x7FC00000, 0.0, -3.0]");
  EXPECT_TRUE(std::isnan(imum[0]));
  EXPECT_TRUE(std::isnan(imum[1]));
  EXPECT_TRUE(std::signbit(imum[2]));
  EXPECT_EQ(imum[3], -3.0f);
  EXPECT_EQ(runBinary<int32_t>(*this, "i32", "arith.maxui", "[-1, 2, 3, 0]",
                               "[1, -2, 4, 0]"),
            (I32{-1, -2, 4, 0}));
  EXPECT_EQ(runBinary<int32_t>(*this, "i32", "arith.minsi", "[-1, 2, 3, 0]",
                               "[1, -2, 4, 0]"),
            (I32{-1, -2, 3, 0}));
}

TEST_F(ArithTest, FloatRemainderIsFmod) {
  EXPECT_EQ(runBinary<float>(*this, "f32", "arith.remf",
                             "[5.5, -5.5, 5.5, 1.0]", "[2.0, 2.0, -2.0, 0.25]"),
            (std::vector<float>{1.5, -1.5, 1.5, 0.0}));
}

/// Compares %a and %b under several predicates and stores the i1 results.
const char *kCompare = R"mlir(
func.func @compare(%out: !tile.ptr<i1>) {
  %a = arith.constant dense<[1.0, 0x7FC00000, 2.0, 0x7FC00000]> : tensor<4xf32>
  %b = arith.constant dense<[1.0, 1.0, 3.0, 0x7FC00000]> : tensor<4xf32>
  %r = tile.make_range 0 to 4 : tensor<4xi32>
  %four = arith.constant dense<4> : tensor<4xi32>
  %ob = tile.splat %out : !tile.ptr<i1> -> tensor<4x!tile.ptr<i1>>
  %p0 = tile.addptr %ob, %r : tensor<4x!tile.ptr<i1>>, tensor<4xi32>
  %c0 = arith.cmpf oeq, %a, %b : tensor<4xf32>
  tile.store %p0, %c0 : tensor<4x!tile.ptr<i1>>
  %p1 = tile.addptr %p0, %four : tensor<4x!tile.ptr<i1>>, tensor<4xi32>
  %c1 = arith.cmpf une, %a, %b : tensor<4xf32>
  tile.store %p1, %c1 : tensor<4x!tile.ptr<i1>>
  %p2 = tile.addptr %p1, %four : tensor<4x!tile.ptr<i1>>, tensor<4xi32>
  %c2 = arith.cmpf ult, %a, %b : tensor<4xf32>
  tile.store %p2, %c2 : tensor<4x!tile.ptr<i1>>
  %p3 = tile.addptr %p2, %four : tensor<4x!tile.ptr<i1>>, tensor<4xi32>
  %c3 = arith.cmpf ord, %a, %b : tensor<4xf32>
  tile.store %p3, %c3 : tensor<4x!tile.ptr<i1>>
  %p4 = tile.addptr %p3, %four : tensor<4x!tile.ptr<i1>>, tensor<4xi32>
  %ia = arith.constant dense<[-1, 1, 5, -7]> : tensor<4xi32>
  %ib = arith.constant dense<[1, -1, 5, -8]> : tensor<4xi32>
  %c4 = arith.cmpi ult, %ia, %ib : tensor<4xi32>
  tile.store %p4, %c4 : tensor<4x!tile.ptr<i1>>
  %p5 = tile.addptr %p4, %four : tensor<4x!tile.ptr<i1>>, tensor<4xi32>
  %c5 = arith.cmpi sge, %ia, %ib : tensor<4xi32>
  tile.store %p5, %c5 : tensor<4x!tile.ptr<i1>>
  return
}
)mlir";

TEST_F(ArithTest, ComparisonsOrderedUnorderedSignedUnsigned) {
  std::vector<uint8_t> out(24, 7);
  ASSERT_EQ(run(kCompare, {1, 1, 1}, {KernelArg::ofBuffer(0)},
                {bufferOf(out, "out")}),
            "");
  EXPECT_EQ(out, (std::vector<uint8_t>{1, 0, 0, 0,    // oeq
                                       0, 1, 1, 1,    // une
                                       0, 1, 1, 1,    // ult
                                       1, 0, 1, 0,    // ord
                                       0, 1, 0, 0,    // ult (ints)
                                       0, 1, 1, 1})); // sge
}

/// Conversions from f32: saturating fptosi/fptoui and truncf in every
/// rounding mode.
const char *kConversions = R"mlir(
func.func @convert(%ints: !tile.ptr<i32>, %halves: !tile.ptr<f16>) {
  %x = arith.constant dense<[1.0e10, -1.0e10, 0x7FC00000, -2.75]> : tensor<4xf32>
  %r = tile.make_range 0 to 4 : tensor<4xi32>
  %four = arith.constant dense<4> : tensor<4xi32>
  %ib = tile.splat %ints : !tile.ptr<i32> -> tensor<4x!tile.ptr<i32>>
  %i0 = tile.addptr %ib, %r : tensor<4x!tile.ptr<i32>>, tensor<4xi32>
  %s = arith.fptosi %x : tensor<4xf32> to tensor<4xi32>
  tile.store %i0, %s : tensor<4x!tile.ptr<i32>>
  %i1 = tile.addptr %i0, %four : tensor<4x!tile.ptr<i32>>, tensor<4xi32>
  %u = arith.fptoui %x : tensor<4xf32> to tensor<4xi32>
  tile.store %i1, %u : tensor<4x!tile.ptr<i32>>
  %h = arith.constant dense<[1.00048828125, -1.00048828125, 65520.0, 1.0e-8]> : tensor<4xf32>
  %hb = tile.splat %halves : !tile.ptr<f16> -> tensor<4x!tile.ptr<f16>>
  %h0 = tile.addptr %hb, %r : tensor<4x!tile.ptr<f16>>, tensor<4xi32>
  %t0 = arith.truncf %h : tensor<4xf32> to tensor<4xf16>
  tile.store %h0, %t0 : tensor<4x!tile.ptr<f16>>
  %h1 = tile.addptr %h0, %four : tensor<4x!tile.ptr<f16>>, tensor<4xi32>
  %t1 = arith.truncf %h to_nearest_away : tensor<4xf32> to tensor<4xf16>
  tile.store %h1, %t1 : tensor<4x!tile.ptr<f16>>
  %h2 = tile.addptr %h1, %four : tensor<4x!tile.ptr<f16>>, tensor<4xi32>
  %t2 = arith.truncf %h toward_zero : tensor<4xf32> to tensor<4xf16>
  tile.store %h2, %t2 : tensor<4x!tile.ptr<f16>>
  %h3 = tile.addptr %h2, %four : tensor<4x!tile.ptr<f16>>, tensor<4xi32>
  %t3 = arith.truncf %h upward : tensor<4xf32> to tensor<4xf16>
  tile.store %h3, %t3 : tensor<4x!tile.ptr<f16>>
  %h4 = tile.addptr %h3, %four : tensor<4x!tile.ptr<f16>>, tensor<4xi32>
  %t4 = arith.truncf %h downward : tensor<4xf32> to tensor<4xf16>
  tile.store %h4, %t4 : tensor<4x!tile.ptr<f16>>
  return
}
)mlir";

TEST_F(ArithTest, ConversionsSaturateAndHonourRoundingModes) {
  std::vector<int32_t> ints(8, -99);
  std::vector<uint16_t> halves(20, 0);
  ASSERT_EQ(run(kConversions, {1, 1, 1},
                {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1)},
                {bufferOf(ints, "ints"), bufferOf(halves, "halves")}),
            "");
  EXPECT_EQ(ints, (I32{INT32_MAX, INT32_MIN, 0, -2, -1, 0, 0, 0}));

  using llvm::APFloat;
  const APFloat::roundingMode modes[] = {
      APFloat::rmNearestTiesToEven, APFloat::rmNearestTiesToAway,
      APFloat::rmTowardZero, APFloat::rmTowardPositive,
      APFloat::rmTowardNegative};
  const double inputs[] = {1.00048828125, -1.00048828125, 65520.0,
                           static_cast<float>(1.0e-8)};
  for (int m = 0; m < 5; ++m) {
    for (int i = 0; i < 4; ++i) {
      APFloat expected(inputs[i]);
      bool losesInfo;
      expected.convert(APFloat::IEEEhalf(), modes[m], &losesInfo);
      EXPECT_EQ(halves[m * 4 + i], expected.bitcastToAPInt().getZExtValue())
          << "mode " << m << " input " << inputs[i];
    }
  }
  // Spot checks: the tie 1 + 2^-11 goes to 1 (even) or 1 + 2^-10 (away);
  // 65520 overflows to infinity except toward zero.
  EXPECT_EQ(halves[0], 0x3C00);
  EXPECT_EQ(halves[4], 0x3C01);
  EXPECT_EQ(halves[2], 0x7C00);
  EXPECT_EQ(halves[10], 0x7BFF);
}

const char *kSelectAndCasts = R"mlir(
func.func @select(%out: !tile.ptr<i32>, %flag: i1, %wide: i64) {
  %a = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %b = arith.constant dense<[-1, -2, -3, -4]> : tensor<4xi32>
  %s = arith.select %flag, %a, %b : tensor<4xi32>
  %r = tile.make_range 0 to 4 : tensor<4xi32>
  %ob = tile.splat %out : !tile.ptr<i32> -> tensor<4x!tile.ptr<i32>>
  %op = tile.addptr %ob, %r : tensor<4x!tile.ptr<i32>>, tensor<4xi32>
  tile.store %op, %s : tensor<4x!tile.ptr<i32>>
  %c4 = arith.constant 4 : i32
  %p4 = tile.addptr %out, %c4 : !tile.ptr<i32>, i32
  %t = arith.trunci %wide : i64 to i8
  %e = arith.extsi %t : i8 to i32
  tile.store %p4, %e : !tile.ptr<i32>
  %c5 = arith.constant 5 : i32
  %p5 = tile.addptr %out, %c5 : !tile.ptr<i32>, i32
  %z = arith.extui %t : i8 to i32
  tile.store %p5, %z : !tile.ptr<i32>
  %c6 = arith.constant 6 : i32
  %p6 = tile.addptr %out, %c6 : !tile.ptr<i32>, i32
  %f = arith.constant -1.5 : f32
  %bits = arith.bitcast %f : f32 to i32
  tile.store %p6, %bits : !tile.ptr<i32>
  return
}
)mlir";

TEST_F(ArithTest, ScalarSelectOfBlocksAndIntegerCasts) {
  std::vector<int32_t> out(7, 0);
  const int64_t wide = 0x1234567890ABCDF0; // low byte 0xF0 = -16 as i8
  ASSERT_EQ(
      run(kSelectAndCasts, {1, 1, 1},
          {KernelArg::ofBuffer(0), KernelArg::ofInt(1), KernelArg::ofInt(wide)},
          {bufferOf(out, "out")}),
      "");
  EXPECT_EQ(out, (I32{1, 2, 3, 4, -16, 240, static_cast<int32_t>(0xBFC00000)}));
  ASSERT_EQ(
      run(kSelectAndCasts, {1, 1, 1},
          {KernelArg::ofBuffer(0), KernelArg::ofInt(0), KernelArg::ofInt(wide)},
          {bufferOf(out, "out")}),
      "");
  EXPECT_EQ(out[0], -1);
  EXPECT_EQ(out[3], -4);
}

} // namespace
