//===- MemoryTest.cpp - loads, stores, masks and atomics ------------------===//

#include "KernelTest.h"

#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <cstring>

using namespace flashtile::exec;
using namespace flashtile::exec::testing;

namespace {

using MemoryTest = KernelTest;

/// out[i] = x[i] + y[i] for i < n, in blocks of 16 with a ragged last block.
const char *kVectorAdd = R"mlir(
func.func @add(%x: !tile.ptr<f32>, %y: !tile.ptr<f32>, %out: !tile.ptr<f32>,
               %n: i32) {
  %c16 = arith.constant 16 : i32
  %pid = tile.program_id 0
  %start = arith.muli %pid, %c16 : i32
  %range = tile.make_range 0 to 16 : tensor<16xi32>
  %starts = tile.splat %start : i32 -> tensor<16xi32>
  %offs = arith.addi %starts, %range : tensor<16xi32>
  %ns = tile.splat %n : i32 -> tensor<16xi32>
  %mask = arith.cmpi slt, %offs, %ns : tensor<16xi32>
  %xb = tile.splat %x : !tile.ptr<f32> -> tensor<16x!tile.ptr<f32>>
  %xp = tile.addptr %xb, %offs : tensor<16x!tile.ptr<f32>>, tensor<16xi32>
  %yb = tile.splat %y : !tile.ptr<f32> -> tensor<16x!tile.ptr<f32>>
  %yp = tile.addptr %yb, %offs : tensor<16x!tile.ptr<f32>>, tensor<16xi32>
  %ob = tile.splat %out : !tile.ptr<f32> -> tensor<16x!tile.ptr<f32>>
  %op = tile.addptr %ob, %offs : tensor<16x!tile.ptr<f32>>, tensor<16xi32>
  %a = tile.load %xp, %mask : tensor<16x!tile.ptr<f32>>
  %b = tile.load %yp, %mask : tensor<16x!tile.ptr<f32>>
  %s = arith.addf %a, %b : tensor<16xf32>
  tile.store %op, %s, %mask : tensor<16x!tile.ptr<f32>>
  return
}
)mlir";

TEST_F(MemoryTest, VectorAddWithRaggedMask) {
  const int n = 37;
  std::vector<float> x(n), y(n), out(n, -7.0f);
  for (int i = 0; i < n; ++i) {
    x[i] = 0.1f * i;
    y[i] = 1.0f / (i + 1);
  }
  // The buffers hold exactly n elements: touching a masked-off lane of the
  // last block would be an out-of-bounds error.
  std::string err =
      run(kVectorAdd, {3, 1, 1},
          {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1),
           KernelArg::ofBuffer(2), KernelArg::ofInt(n)},
          {bufferOf(x, "x"), bufferOf(y, "y"), bufferOf(out, "out")});
  ASSERT_EQ(err, "");
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(out[i], x[i] + y[i]) << "element " << i;
}

/// Loads 8 lanes of which the last 3 are masked off, with or without
/// `other`, and stores all 8.
const char *kMaskedLoad = R"mlir(
func.func @masked(%x: !tile.ptr<TYPE>, %out: !tile.ptr<TYPE>) {
  %range = tile.make_range 0 to 8 : tensor<8xi32>
  %c5 = arith.constant dense<5> : tensor<8xi32>
  %mask = arith.cmpi slt, %range, %c5 : tensor<8xi32>
  %other = arith.constant dense<OTHER> : tensor<8xTYPE>
  %xb = tile.splat %x : !tile.ptr<TYPE> -> tensor<8x!tile.ptr<TYPE>>
  %xp = tile.addptr %xb, %range : tensor<8x!tile.ptr<TYPE>>, tensor<8xi32>
  %a = tile.load %xp, %mask LOAD_TAIL : tensor<8x!tile.ptr<TYPE>>
  %ob = tile.splat %out : !tile.ptr<TYPE> -> tensor<8x!tile.ptr<TYPE>>
  %op = tile.addptr %ob, %range : tensor<8x!tile.ptr<TYPE>>, tensor<8xi32>
  tile.store %op, %a : tensor<8x!tile.ptr<TYPE>>
  return
}
)mlir";

TEST_F(MemoryTest, MaskedLoadTakesOther) {
  std::vector<float> x = {1, 2, 3, 4, 5}, out(8, 0.0f);
  std::string ir = substitute(
      kMaskedLoad,
      {{"TYPE", "f32"}, {"OTHER", "-1.5"}, {"LOAD_TAIL", ", %other"}});
  ASSERT_EQ(run(ir, {1, 1, 1}, {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1)},
                {bufferOf(x, "x"), bufferOf(out, "out")}),
            "");
  EXPECT_EQ(out, (std::vector<float>{1, 2, 3, 4, 5, -1.5, -1.5, -1.5}));
}

TEST_F(MemoryTest, MaskedLoadWithoutOtherIsNaNForFloats) {
  std::vector<float> x = {1, 2, 3, 4, 5}, out(8, 0.0f);
  std::string ir = substitute(
      kMaskedLoad, {{"TYPE", "f32"}, {"OTHER", "0.0"}, {"LOAD_TAIL", ""}});
  ASSERT_EQ(run(ir, {1, 1, 1}, {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1)},
                {bufferOf(x, "x"), bufferOf(out, "out")}),
            "");
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(out[i], x[i]);
  for (int i = 5; i < 8; ++i)
    EXPECT_TRUE(std::isnan(out[i])) << "element " << i << " is " << out[i];
}

TEST_F(MemoryTest, MaskedLoadWithoutOtherIsZeroForInts) {
  std::vector<int32_t> x = {1, 2, 3, 4, 5}, out(8, 99);
  std::string ir = substitute(
      kMaskedLoad, {{"TYPE", "i32"}, {"OTHER", "0"}, {"LOAD_TAIL", ""}});
  ASSERT_EQ(run(ir, {1, 1, 1}, {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1)},
                {bufferOf(x, "x"), bufferOf(out, "out")}),
            "");
  EXPECT_EQ(out, (std::vector<int32_t>{1, 2, 3, 4, 5, 0, 0, 0}));
}

/// Loads a 4x8 block of a row-major matrix with row stride %stride through
/// expand_dims and broadcast, and stores its transpose contiguously.
const char *kTransposeBlock = R"mlir(
func.func @transpose(%in: !tile.ptr<f32>, %out: !tile.ptr<f32>, %stride: i32) {
  %rows = tile.make_range 0 to 4 : tensor<4xi32>
  %cols = tile.make_range 0 to 8 : tensor<8xi32>
  %r2 = tile.expand_dims %rows {axis = 1 : i32} : tensor<4xi32> -> tensor<4x1xi32>
  %s = tile.splat %stride : i32 -> tensor<4x1xi32>
  %rs = arith.muli %r2, %s : tensor<4x1xi32>
  %rb = tile.broadcast %rs : tensor<4x1xi32> -> tensor<4x8xi32>
  %c2 = tile.expand_dims %cols {axis = 0 : i32} : tensor<8xi32> -> tensor<1x8xi32>
  %cb = tile.broadcast %c2 : tensor<1x8xi32> -> tensor<4x8xi32>
  %offs = arith.addi %rb, %cb : tensor<4x8xi32>
  %ib = tile.splat %in : !tile.ptr<f32> -> tensor<4x8x!tile.ptr<f32>>
  %ip = tile.addptr %ib, %offs : tensor<4x8x!tile.ptr<f32>>, tensor<4x8xi32>
  %x = tile.load %ip : tensor<4x8x!tile.ptr<f32>>
  %t = tile.trans %x {order = array<i32: 1, 0>} : tensor<4x8xf32> -> tensor<8x4xf32>
  %o = tile.make_range 0 to 32 : tensor<32xi32>
  %o2 = tile.reshape %o : tensor<32xi32> -> tensor<8x4xi32>
  %ob = tile.splat %out : !tile.ptr<f32> -> tensor<8x4x!tile.ptr<f32>>
  %op = tile.addptr %ob, %o2 : tensor<8x4x!tile.ptr<f32>>, tensor<8x4xi32>
  tile.store %op, %t : tensor<8x4x!tile.ptr<f32>>
  return
}
)mlir";

TEST_F(MemoryTest, TwoDimensionalPointerBlocks) {
  const int stride = 10;
  std::vector<float> in(4 * stride), out(32, -1.0f);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < stride; ++c)
      in[r * stride + c] = 100.0f * r + c;
  ASSERT_EQ(run(kTransposeBlock, {1, 1, 1},
                {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1),
                 KernelArg::ofInt(stride)},
                {bufferOf(in, "in"), bufferOf(out, "out")}),
            "");
  for (int c = 0; c < 8; ++c)
    for (int r = 0; r < 4; ++r)
      EXPECT_EQ(out[c * 4 + r], 100.0f * r + c) << "row " << r << " col " << c;
}

/// out[i] = a[i] + b[i] on 16-bit floats.
const char *kHalfAdd = R"mlir(
func.func @add(%a: !tile.ptr<TYPE>, %b: !tile.ptr<TYPE>, %out: !tile.ptr<TYPE>) {
  %r = tile.make_range 0 to 4 : tensor<4xi32>
  %ab = tile.splat %a : !tile.ptr<TYPE> -> tensor<4x!tile.ptr<TYPE>>
  %ap = tile.addptr %ab, %r : tensor<4x!tile.ptr<TYPE>>, tensor<4xi32>
  %bb = tile.splat %b : !tile.ptr<TYPE> -> tensor<4x!tile.ptr<TYPE>>
  %bp = tile.addptr %bb, %r : tensor<4x!tile.ptr<TYPE>>, tensor<4xi32>
  %ob = tile.splat %out : !tile.ptr<TYPE> -> tensor<4x!tile.ptr<TYPE>>
  %op = tile.addptr %ob, %r : tensor<4x!tile.ptr<TYPE>>, tensor<4xi32>
  %x = tile.load %ap : tensor<4x!tile.ptr<TYPE>>
  %y = tile.load %bp : tensor<4x!tile.ptr<TYPE>>
  %s = arith.addf %x, %y : tensor<4xTYPE>
  tile.store %op, %s : tensor<4x!tile.ptr<TYPE>>
  return
}
)mlir";

/// The bit pattern of `x` in `semantics` (rounding to nearest even).
uint16_t bitsOf(double x, const llvm::fltSemantics &semantics) {
  llvm::APFloat value(x);
  bool losesInfo;
  value.convert(semantics, llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  return static_cast<uint16_t>(value.bitcastToAPInt().getZExtValue());
}

void checkSixteenBitAdd(MemoryTest &test, const char *type,
                        const llvm::fltSemantics &semantics) {
  // Exact ties (1 + half an ulp, 1 + 1.5 ulps) and ordinary values.
  double ulp = &semantics == &llvm::APFloat::IEEEhalf() ? 0x1p-10 : 0x1p-7;
  std::vector<double> lhs = {1.0, 1.0, 3.25, -1000.0};
  std::vector<double> rhs = {ulp / 2, 1.5 * ulp, 0.0625, 0.375};
  std::vector<uint16_t> a, b, out(4, 0);
  for (int i = 0; i < 4; ++i) {
    a.push_back(bitsOf(lhs[i], semantics));
    b.push_back(bitsOf(rhs[i], semantics));
  }
  ASSERT_EQ(
      test.run(substitute(kHalfAdd, {{"TYPE", type}}), {1, 1, 1},
               {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1),
                KernelArg::ofBuffer(2)},
               {bufferOf(a, "a"), bufferOf(b, "b"), bufferOf(out, "out")}),
      "");
  for (int i = 0; i < 4; ++i) {
    llvm::APFloat expected(semantics, llvm::APInt(16, a[i]));
    expected.add(llvm::APFloat(semantics, llvm::APInt(16, b[i])),
                 llvm::APFloat::rmNearestTiesToEven);
    EXPECT_EQ(out[i], expected.bitcastToAPInt().getZExtValue())
        << type << " element " << i;
  }
  // The ties round to even: 1 + ulp/2 -> 1, 1 + 1.5 ulp -> 1 + 2 ulp.
  EXPECT_EQ(out[0], bitsOf(1.0, semantics));
  EXPECT_EQ(out[1], bitsOf(1.0 + 2 * ulp, semantics));
}

TEST_F(MemoryTest, HalfArithmeticRoundsAndEncodes) {
  checkSixteenBitAdd(*this, "f16", llvm::APFloat::IEEEhalf());
}

TEST_F(MemoryTest, BFloat16ArithmeticRoundsAndEncodes) {
  checkSixteenBitAdd(*this, "bf16", llvm::APFloat::BFloat());
}

/// Atomics whose block hits the same address several times.
const char *kAtomics = R"mlir(
func.func @atomics(%acc: !tile.ptr<f32>, %old: !tile.ptr<f32>,
                   %iacc: !tile.ptr<i32>, %iold: !tile.ptr<i32>) {
  %offs = arith.constant dense<[0, 0, 1, 0, 1]> : tensor<5xi32>
  %mask = arith.constant dense<[true, true, true, true, false]> : tensor<5xi1>
  %r = tile.make_range 0 to 5 : tensor<5xi32>
  %vals = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0]> : tensor<5xf32>
  %ab = tile.splat %acc : !tile.ptr<f32> -> tensor<5x!tile.ptr<f32>>
  %ap = tile.addptr %ab, %offs : tensor<5x!tile.ptr<f32>>, tensor<5xi32>
  %prev = tile.atomic_rmw add, %ap, %vals, %mask : tensor<5x!tile.ptr<f32>>
  %ob = tile.splat %old : !tile.ptr<f32> -> tensor<5x!tile.ptr<f32>>
  %op = tile.addptr %ob, %r : tensor<5x!tile.ptr<f32>>, tensor<5xi32>
  tile.store %op, %prev : tensor<5x!tile.ptr<f32>>
  %ivals = arith.constant dense<[7, -3, 2, 9, 100]> : tensor<5xi32>
  %ib = tile.splat %iacc : !tile.ptr<i32> -> tensor<5x!tile.ptr<i32>>
  %ip = tile.addptr %ib, %offs : tensor<5x!tile.ptr<i32>>, tensor<5xi32>
  %iprev = tile.atomic_rmw max, %ip, %ivals, %mask : tensor<5x!tile.ptr<i32>>
  %iob = tile.splat %iold : !tile.ptr<i32> -> tensor<5x!tile.ptr<i32>>
  %iop = tile.addptr %iob, %r : tensor<5x!tile.ptr<i32>>, tensor<5xi32>
  tile.store %iop, %iprev : tensor<5x!tile.ptr<i32>>
  return
}
)mlir";

TEST_F(MemoryTest, AtomicsAccumulateDuplicatesInRowMajorOrder) {
  std::vector<float> acc = {0, 0}, old(5, -1.0f);
  std::vector<int32_t> iacc = {0, 50}, iold(5, -1);
  // Two programs, one after the other: the old values are the second's.
  ASSERT_EQ(run(kAtomics, {2, 1, 1},
                {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1),
                 KernelArg::ofBuffer(2), KernelArg::ofBuffer(3)},
                {bufferOf(acc, "acc"), bufferOf(old, "old"),
                 bufferOf(iacc, "iacc"), bufferOf(iold, "iold")}),
            "");
  EXPECT_EQ(acc, (std::vector<float>{14, 6}));
  EXPECT_EQ(old[0], 7);
  EXPECT_EQ(old[1], 8);
  EXPECT_EQ(old[2], 3);
  EXPECT_EQ(old[3], 10);
  EXPECT_TRUE(std::isnan(old[4])) << "masked-off lane: " << old[4];
  EXPECT_EQ(iacc, (std::vector<int32_t>{9, 50}));
  EXPECT_EQ(iold, (std::vector<int32_t>{9, 9, 50, 9, 0}));
}

/// Each program takes a ticket from a counter and records which program ran
/// before it.
const char *kProgramOrder = R"mlir(
func.func @order(%counter: !tile.ptr<i32>, %last: !tile.ptr<i32>,
                 %tickets: !tile.ptr<i32>, %previous: !tile.ptr<i32>) {
  %one = arith.constant 1 : i32
  %x = tile.program_id 0
  %y = tile.program_id 1
  %z = tile.program_id 2
  %nx = tile.num_programs 0
  %ny = tile.num_programs 1
  %zy = arith.muli %z, %ny : i32
  %zy_y = arith.addi %zy, %y : i32
  %row = arith.muli %zy_y, %nx : i32
  %linear = arith.addi %row, %x : i32
  %ticket = tile.atomic_rmw add, %counter, %one : !tile.ptr<i32>
  %prev = tile.atomic_rmw xchg, %last, %linear : !tile.ptr<i32>
  %tp = tile.addptr %tickets, %linear : !tile.ptr<i32>, i32
  tile.store %tp, %ticket : !tile.ptr<i32>
  %pp = tile.addptr %previous, %linear : !tile.ptr<i32>, i32
  tile.store %pp, %prev : !tile.ptr<i32>
  return
}
)mlir";

TEST_F(MemoryTest, ProgramsRunXFastestThenYThenZ) {
  const int count = 2 * 3 * 2;
  std::vector<int32_t> counter = {0}, last = {-1}, tickets(count, -5),
                       previous(count, -5);
  ASSERT_EQ(run(kProgramOrder, {2, 3, 2},
                {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1),
                 KernelArg::ofBuffer(2), KernelArg::ofBuffer(3)},
                {bufferOf(counter, "counter"), bufferOf(last, "last"),
                 bufferOf(tickets, "tickets"), bufferOf(previous, "previous")}),
            "");
  for (int i = 0; i < count; ++i) {
    EXPECT_EQ(tickets[i], i);
    EXPECT_EQ(previous[i], i - 1);
  }
  EXPECT_EQ(counter[0], count);
}

} // namespace
