//===- ReduceTest.cpp - tile.reduce in short and region forms -------------===//

#include "KernelTest.h"

#include <cmath>

using namespace flashtile::exec;
using namespace flashtile::exec::testing;

namespace {

using ReduceTest = KernelTest;

const char *kShortForms = R"mlir(
func.func @reduce(%out: !tile.ptr<f32>) {
  %x = arith.constant dense<[[1.0, 5.0, -2.0, 3.0], [4.0, -1.0, 7.0, 0.5]]> : tensor<2x4xf32>
  %sums = tile.reduce sum %x {axis = 1 : i32} : tensor<2x4xf32> -> tensor<2xf32>
  %maxs = tile.reduce max %x {axis = 0 : i32} : tensor<2x4xf32> -> tensor<4xf32>
  %v = arith.constant dense<[3.0, -2.0, 0x7FC00000, 1.0]> : tensor<4xf32>
  %min = tile.reduce min %v {axis = 0 : i32} : tensor<4xf32> -> f32
  %r2 = tile.make_range 0 to 2 : tensor<2xi32>
  %r4 = tile.make_range 2 to 6 : tensor<4xi32>
  %b2 = tile.splat %out : !tile.ptr<f32> -> tensor<2x!tile.ptr<f32>>
  %p2 = tile.addptr %b2, %r2 : tensor<2x!tile.ptr<f32>>, tensor<2xi32>
  tile.store %p2, %sums : tensor<2x!tile.ptr<f32>>
  %b4 = tile.splat %out : !tile.ptr<f32> -> tensor<4x!tile.ptr<f32>>
  %p4 = tile.addptr %b4, %r4 : tensor<4x!tile.ptr<f32>>, tensor<4xi32>
  tile.store %p4, %maxs : tensor<4x!tile.ptr<f32>>
  %c6 = arith.constant 6 : i32
  %p6 = tile.addptr %out, %c6 : !tile.ptr<f32>, i32
  tile.store %p6, %min : !tile.ptr<f32>
  return
}
)mlir";

TEST_F(ReduceTest, ShortFormsAlongEachAxis) {
  std::vector<float> out(7, -99.0f);
  ASSERT_EQ(run(kShortForms, {1, 1, 1}, {KernelArg::ofBuffer(0)},
                {bufferOf(out, "out")}),
            "");
  // Row sums, column maxima, and a minimum that ignores the NaN (minnumf).
  EXPECT_EQ(out, (std::vector<float>{7, 10.5, 4, 5, 7, 3, -2}));
}

const char *kHalfSum = R"mlir(
func.func @sum(%out: !tile.ptr<f16>) {
  %x = arith.constant dense<[2048.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]> : tensor<8xf16>
  %s = tile.reduce sum %x {axis = 0 : i32} : tensor<8xf16> -> f16
  tile.store %out, %s : !tile.ptr<f16>
  return
}
)mlir";

TEST_F(ReduceTest, HalfSumRoundsAfterEachStepInIndexOrder) {
  // 2048 + 1 is a tie in f16 (ulp 2) and rounds back to 2048 every time; the
  // exact sum 2055 would round to 2056.
  std::vector<uint16_t> out(1, 0);
  ASSERT_EQ(run(kHalfSum, {1, 1, 1}, {KernelArg::ofBuffer(0)},
                {bufferOf(out, "out")}),
            "");
  EXPECT_EQ(out[0], 0x6800); // 2048.0
}

const char *kRegions = R"mlir(
func.func @regions(%out: !tile.ptr<f32>, %iout: !tile.ptr<i8>) {
  %x = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %prod = tile.reduce %x {axis = 0 : i32} : tensor<4xf32> -> f32 {
  ^bb0(%a: f32, %b: f32):
    %m = arith.mulf %a, %b : f32
    tile.reduce_return %m : f32
  }
  tile.store %out, %prod : !tile.ptr<f32>
  %y = arith.constant dense<[[10.0, 1.0, 2.0, 3.0], [0.5, 0.25, 0.125, 1.0]]> : tensor<2x4xf32>
  %diff = tile.reduce %y {axis = 1 : i32} : tensor<2x4xf32> -> tensor<2xf32> {
  ^bb0(%a: f32, %b: f32):
    %d = arith.subf %a, %b : f32
    tile.reduce_return %d : f32
  }
  %r = tile.make_range 1 to 3 : tensor<2xi32>
  %ob = tile.splat %out : !tile.ptr<f32> -> tensor<2x!tile.ptr<f32>>
  %op = tile.addptr %ob, %r : tensor<2x!tile.ptr<f32>>, tensor<2xi32>
  tile.store %op, %diff : tensor<2x!tile.ptr<f32>>
  %i = arith.constant dense<[100, 100, 100, 1]> : tensor<4xi8>
  %isum = tile.reduce sum %i {axis = 0 : i32} : tensor<4xi8> -> i8
  tile.store %iout, %isum : !tile.ptr<i8>
  return
}
)mlir";

TEST_F(ReduceTest, CombinerRegionsFoldLeftInIndexOrder) {
  std::vector<float> out(3, -99.0f);
  std::vector<int8_t> iout(1, 0);
  ASSERT_EQ(run(kRegions, {1, 1, 1},
                {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1)},
                {bufferOf(out, "out"), bufferOf(iout, "iout")}),
            "");
  EXPECT_EQ(out[0], 24.0f);
  // ((10 - 1) - 2) - 3 and ((0.5 - 0.25) - 0.125) - 1.
  EXPECT_EQ(out[1], 4.0f);
  EXPECT_EQ(out[2], -0.875f);
  // 301 wraps to 45 in i8.
  EXPECT_EQ(iout[0], 45);
}

} // namespace
