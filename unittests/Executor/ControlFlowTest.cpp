//===- ControlFlowTest.cpp - scf.for, scf.if and scf.while ----------------===//

#include "KernelTest.h"

using namespace flashtile::exec;
using namespace flashtile::exec::testing;

namespace {

using ControlFlowTest = KernelTest;

/// Sums the induction variable, counts iterations and accumulates a block
/// over an i32 loop; then sums 0..9 over an index loop into an i64.
const char *kForLoops = R"mlir(
func.func @loops(%out: !tile.ptr<i32>, %lb: i32, %ub: i32) {
  %step = arith.constant 3 : i32
  %zero = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  %zeros = arith.constant dense<0> : tensor<4xi32>
  %r = tile.make_range 0 to 4 : tensor<4xi32>
  %sum, %count, %vec = scf.for %i = %lb to %ub step %step
      iter_args(%s = %zero, %c = %zero, %v = %zeros) -> (i32, i32, tensor<4xi32>) : i32 {
    %s2 = arith.addi %s, %i : i32
    %c2 = arith.addi %c, %one : i32
    %is = tile.splat %i : i32 -> tensor<4xi32>
    %t = arith.muli %is, %r : tensor<4xi32>
    %v2 = arith.addi %v, %t : tensor<4xi32>
    scf.yield %s2, %c2, %v2 : i32, i32, tensor<4xi32>
  }
  tile.store %out, %sum : !tile.ptr<i32>
  %p1 = tile.addptr %out, %one : !tile.ptr<i32>, i32
  tile.store %p1, %count : !tile.ptr<i32>
  %r2 = tile.make_range 2 to 6 : tensor<4xi32>
  %ob = tile.splat %out : !tile.ptr<i32> -> tensor<4x!tile.ptr<i32>>
  %op = tile.addptr %ob, %r2 : tensor<4x!tile.ptr<i32>>, tensor<4xi32>
  tile.store %op, %vec : tensor<4x!tile.ptr<i32>>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %z64 = arith.constant 0 : i64
  %total = scf.for %j = %c0 to %c10 step %c1 iter_args(%acc = %z64) -> (i64) {
    %j64 = arith.index_cast %j : index to i64
    %next = arith.addi %acc, %j64 : i64
    scf.yield %next : i64
  }
  %t32 = arith.trunci %total : i64 to i32
  %c6 = arith.constant 6 : i32
  %p6 = tile.addptr %out, %c6 : !tile.ptr<i32>, i32
  tile.store %p6, %t32 : !tile.ptr<i32>
  return
}
)mlir";

TEST_F(ControlFlowTest, ForCarriesIterArgs) {
  std::vector<int32_t> out(7, -99);
  ASSERT_EQ(
      run(kForLoops, {1, 1, 1},
          {KernelArg::ofBuffer(0), KernelArg::ofInt(-5), KernelArg::ofInt(7)},
          {bufferOf(out, "out")}),
      "");
  // i = -5, -2, 1, 4.
  EXPECT_EQ(out, (std::vector<int32_t>{-2, 4, 0, -2, -4, -6, 45}));
}

TEST_F(ControlFlowTest, ForWithEmptyRangeKeepsInitialValues) {
  std::vector<int32_t> out(7, -99);
  ASSERT_EQ(
      run(kForLoops, {1, 1, 1},
          {KernelArg::ofBuffer(0), KernelArg::ofInt(7), KernelArg::ofInt(7)},
          {bufferOf(out, "out")}),
      "");
  EXPECT_EQ(out, (std::vector<int32_t>{0, 0, 0, 0, 0, 0, 45}));
}

/// Program 1 stores 10.5, the others -1; program 2 also stores 7 into
/// out[4] from an if without else.
const char *kIf = R"mlir(
func.func @branch(%out: !tile.ptr<f32>) {
  %pid = tile.program_id 0
  %one = arith.constant 1 : i32
  %two = arith.constant 2 : i32
  %is1 = arith.cmpi eq, %pid, %one : i32
  %v = scf.if %is1 -> (f32) {
    %a = arith.constant 10.5 : f32
    scf.yield %a : f32
  } else {
    %b = arith.constant -1.0 : f32
    scf.yield %b : f32
  }
  %p = tile.addptr %out, %pid : !tile.ptr<f32>, i32
  tile.store %p, %v : !tile.ptr<f32>
  %is2 = arith.cmpi eq, %pid, %two : i32
  scf.if %is2 {
    %c4 = arith.constant 4 : i32
    %p4 = tile.addptr %out, %c4 : !tile.ptr<f32>, i32
    %seven = arith.constant 7.0 : f32
    tile.store %p4, %seven : !tile.ptr<f32>
  }
  return
}
)mlir";

TEST_F(ControlFlowTest, IfTakesOneBranchPerProgram) {
  std::vector<float> out(5, 0.0f);
  ASSERT_EQ(
      run(kIf, {4, 1, 1}, {KernelArg::ofBuffer(0)}, {bufferOf(out, "out")}),
      "");
  EXPECT_EQ(out, (std::vector<float>{-1, 10.5, -1, -1, 7}));
}

/// Counts the steps of the Collatz sequence from %n down to 1.
const char *kWhile = R"mlir(
func.func @collatz(%out: !tile.ptr<i32>, %n: i32) {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %c2 = arith.constant 2 : i32
  %c3 = arith.constant 3 : i32
  %res:2 = scf.while (%x = %n, %steps = %c0) : (i32, i32) -> (i32, i32) {
    %more = arith.cmpi ne, %x, %c1 : i32
    scf.condition(%more) %x, %steps : i32, i32
  } do {
  ^bb0(%x: i32, %steps: i32):
    %rem = arith.remsi %x, %c2 : i32
    %odd = arith.cmpi ne, %rem, %c0 : i32
    %half = arith.divsi %x, %c2 : i32
    %tx = arith.muli %x, %c3 : i32
    %up = arith.addi %tx, %c1 : i32
    %next = arith.select %odd, %up, %half : i32
    %s = arith.addi %steps, %c1 : i32
    scf.yield %next, %s : i32, i32
  }
  tile.store %out, %res#1 : !tile.ptr<i32>
  %p1 = tile.addptr %out, %c1 : !tile.ptr<i32>, i32
  tile.store %p1, %res#0 : !tile.ptr<i32>
  return
}
)mlir";

TEST_F(ControlFlowTest, WhileRunsUntilConditionFails) {
  std::vector<int32_t> out(2, -99);
  ASSERT_EQ(run(kWhile, {1, 1, 1},
                {KernelArg::ofBuffer(0), KernelArg::ofInt(27)},
                {bufferOf(out, "out")}),
            "");
  EXPECT_EQ(out, (std::vector<int32_t>{111, 1}));
  // A condition false on entry runs the body zero times.
  ASSERT_EQ(run(kWhile, {1, 1, 1},
                {KernelArg::ofBuffer(0), KernelArg::ofInt(1)},
                {bufferOf(out, "out")}),
            "");
  EXPECT_EQ(out, (std::vector<int32_t>{0, 1}));
}

} // namespace
