//===- DotTest.cpp - tile.dot against hand-computed products --------------===//

#include "KernelTest.h"

#include <cmath>

using namespace flashtile::exec;
using namespace flashtile::exec::testing;

namespace {

using DotTest = KernelTest;

/// Stores dot(A, B, C) of constant operands to %out, row-major.
const char *kDot = R"mlir(
func.func @dot(%out: !tile.ptr<@ACC>) {
  %a = arith.constant dense<@A> : tensor<@Mx@Kx@IN>
  %b = arith.constant dense<@B> : tensor<@Kx@Nx@IN>
  %c = arith.constant dense<@C> : tensor<@Mx@Nx@ACC>
  %d = tile.dot %a, %b, %c @ATTRS : tensor<@Mx@Kx@IN> * tensor<@Kx@Nx@IN> -> tensor<@Mx@Nx@ACC>
  %r = tile.make_range 0 to @MN : tensor<@MNxi32>
  %r2 = tile.reshape %r : tensor<@MNxi32> -> tensor<@Mx@Nxi32>
  %ob = tile.splat %out : !tile.ptr<@ACC> -> tensor<@Mx@Nx!tile.ptr<@ACC>>
  %op = tile.addptr %ob, %r2 : tensor<@Mx@Nx!tile.ptr<@ACC>>, tensor<@Mx@Nxi32>
  tile.store %op, %d : tensor<@Mx@Nx!tile.ptr<@ACC>>
  return
}
)mlir";

struct DotCase {
  std::string in, acc;
  int m, n, k;
  std::string a, b, c;
  std::string attrs;
};

std::string dotKernel(const DotCase &d) {
  // Longer keys first where one key starts with another.
  return substitute(kDot, {{"@ATTRS", d.attrs},
                           {"@MN", std::to_string(d.m * d.n)},
                           {"@M", std::to_string(d.m)},
                           {"@N", std::to_string(d.n)},
                           {"@K", std::to_string(d.k)},
                           {"@IN", d.in},
                           {"@ACC", d.acc},
                           {"@A", d.a},
                           {"@B", d.b},
                           {"@C", d.c}});
}

// A 2x4 times 4x2 product whose every partial sum is exact:
//   row 0 . col 0 = 1 + 4 + 0.375 - 12 = -6.625, plus 0.25  -> -6.375
//   row 0 . col 1 = 0.5 - 2 + 12 + 4    = 14.5,   plus 0     -> 14.5
//   row 1 . col 0 = 0.5 - 2 + 0.03125 - 6 = -7.46875, plus 1 -> -6.46875
//   row 1 . col 1 = 0.25 + 1 + 1 + 2    = 4.25,   plus -1    -> 3.25
const char *kExactA = "[[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 0.25, 2.0]]";
const char *kExactB = "[[1.0, 0.5], [2.0, -1.0], [0.125, 4.0], [-3.0, 1.0]]";
const char *kExactC = "[[0.25, 0.0], [1.0, -1.0]]";
const std::vector<float> kExactResult = {-6.375f, 14.5f, -6.46875f, 3.25f};

float runFloatDot(DotTest &test, const DotCase &d, size_t count,
                  std::vector<float> &out) {
  out.assign(count, -99.0f);
  EXPECT_EQ(test.run(dotKernel(d), {1, 1, 1}, {KernelArg::ofBuffer(0)},
                     {bufferOf(out, "out")}),
            "");
  return out[0];
}

TEST_F(DotTest, HalfOperandsExact) {
  std::vector<float> out;
  runFloatDot(*this, {"f16", "f32", 2, 2, 4, kExactA, kExactB, kExactC, ""}, 4,
              out);
  EXPECT_EQ(out, kExactResult);
}

TEST_F(DotTest, BFloat16OperandsExact) {
  std::vector<float> out;
  runFloatDot(*this, {"bf16", "f32", 2, 2, 4, kExactA, kExactB, kExactC, ""}, 4,
              out);
  EXPECT_EQ(out, kExactResult);
}

TEST_F(DotTest, SingleOperandsExact) {
  std::vector<float> out;
  runFloatDot(*this,
              {"f32", "f32", 2, 2, 4, kExactA, kExactB, kExactC,
               "{input_precision = 1 : i32}"},
              4, out);
  EXPECT_EQ(out, kExactResult);
}

TEST_F(DotTest, AccumulatesInSingleStartingFromAcc) {
  // 1 + 2^-24 is a tie in f32 and rounds to 1 after every addition; summing
  // the four products first, or exactly, would give 1 + 2^-22.
  std::vector<float> out;
  float result =
      runFloatDot(*this,
                  {"f16", "f32", 1, 1, 4,
                   "[[0.000244140625, 0.000244140625, "
                   "0.000244140625, 0.000244140625]]",
                   "[[0.000244140625], [0.000244140625], [0.000244140625], "
                   "[0.000244140625]]",
                   "[[1.0]]", ""},
                  1, out);
  EXPECT_EQ(result, 1.0f);
}

TEST_F(DotTest, EachAdditionRoundsOnceFromTheExactSum) {
  // acc = 1 + 2^-23 (bits 0x3F800001) plus the exact product
  // 2^-12 (1 + 2^-23) * 2^-12 (1 - 2^-23) = 2^-24 - 2^-70: just below the
  // tie between 1 + 2^-23 and 1 + 2^-22, so f32 rounding keeps acc. Adding
  // in double first would land on the tie and round up to 1 + 2^-22.
  std::vector<float> out;
  float result =
      runFloatDot(*this,
                  {"f32", "f32", 1, 1, 1, "[[0x39800001]]", "[[0x397FFFFE]]",
                   "[[0x3F800001]]", "{input_precision = 1 : i32}"},
                  1, out);
  EXPECT_EQ(result, 1.00000011920928955078125f);
}

TEST_F(DotTest, HalfAccumulatorRoundsOnlyAtTheEnd) {
  // 1 + 2^-11 + 2^-11: per-step f16 rounding would stay at 1 (ties to even);
  // the f32 sum 1 + 2^-10 is an f16 value (bits 0x3C01).
  std::vector<uint16_t> out(1, 0);
  DotCase d{"f16",
            "f16",
            1,
            1,
            2,
            "[[0.00048828125, 0.00048828125]]",
            "[[1.0], [1.0]]",
            "[[1.0]]",
            ""};
  ASSERT_EQ(run(dotKernel(d), {1, 1, 1}, {KernelArg::ofBuffer(0)},
                {bufferOf(out, "out")}),
            "");
  EXPECT_EQ(out[0], 0x3C01);
}

// a = [1 + 2^-12, 1 + 3 * 2^-11], b = [1, 1]. In tf32 (10 fraction bits)
// 1 + 2^-12 rounds to 1 and 1 + 3 * 2^-11, a tie, to the even 1 + 2^-9.
const char *kTF32A = "[[1.000244140625, 1.00146484375]]";
const char *kTF32B = "[[1.0], [1.0]]";

TEST_F(DotTest, TF32RoundsSingleOperands) {
  std::vector<float> out;
  float tf32 = runFloatDot(
      *this, {"f32", "f32", 1, 1, 2, kTF32A, kTF32B, "[[0.0]]", ""}, 1, out);
  EXPECT_EQ(tf32, 2.001953125f);
  float explicitTF32 = runFloatDot(*this,
                                   {"f32", "f32", 1, 1, 2, kTF32A, kTF32B,
                                    "[[0.0]]", "{input_precision = 0 : i32}"},
                                   1, out);
  EXPECT_EQ(explicitTF32, 2.001953125f);
}

TEST_F(DotTest, IEEEKeepsSingleOperands) {
  std::vector<float> out;
  float ieee = runFloatDot(*this,
                           {"f32", "f32", 1, 1, 2, kTF32A, kTF32B, "[[0.0]]",
                            "{input_precision = 1 : i32}"},
                           1, out);
  EXPECT_EQ(ieee, 2.001708984375f);
}

TEST_F(DotTest, Int8IntoInt32IsExact) {
  // 127*127 + 128*128 = 32513; 127 - 256 + 1 = -128; 381 - 512 + 2 = -129;
  // 3 + 8 + 3 = 14.
  std::vector<int32_t> out(4, 0);
  DotCase d{"i8",
            "i32",
            2,
            2,
            2,
            "[[127, -128], [3, 4]]",
            "[[127, 1], [-128, 2]]",
            "[[0, 1], [2, 3]]",
            ""};
  ASSERT_EQ(run(dotKernel(d), {1, 1, 1}, {KernelArg::ofBuffer(0)},
                {bufferOf(out, "out")}),
            "");
  EXPECT_EQ(out, (std::vector<int32_t>{32513, -128, -129, 14}));
}

} // namespace
