//===- ErrorTest.cpp - every error the executor reports -------------------===//

#include "KernelTest.h"

#include "Memory.h"

using namespace flashtile::exec;
using namespace flashtile::exec::testing;

namespace {

using ErrorTest = KernelTest;

/// Loads 8 f32 elements at %x + %start + [0, 8) and stores them to %out.
const char *kCopy = R"mlir(
func.func @copy(%x: !tile.ptr<f32>, %out: !tile.ptr<f32>, %start: i32) {
  %r = tile.make_range 0 to 8 : tensor<8xi32>
  %s = tile.splat %start : i32 -> tensor<8xi32>
  %offs = arith.addi %r, %s : tensor<8xi32>
  %xb = tile.splat %x : !tile.ptr<f32> -> tensor<8x!tile.ptr<f32>>
  %xp = tile.addptr %xb, %offs : tensor<8x!tile.ptr<f32>>, tensor<8xi32>
  %v = tile.load %xp : tensor<8x!tile.ptr<f32>> loc("kernels/copy.py":42:13)
  %ob = tile.splat %out : !tile.ptr<f32> -> tensor<8x!tile.ptr<f32>>
  %op = tile.addptr %ob, %offs : tensor<8x!tile.ptr<f32>>, tensor<8xi32>
  tile.store %op, %v : tensor<8x!tile.ptr<f32>> loc("kernels/copy.py":43:5)
  return
}
)mlir";

TEST_F(ErrorTest, OutOfBoundsLoadNamesElementBufferAndProgram) {
  std::vector<float> x(10, 1.0f), out(16, 0.0f);
  // Program 0 reads x[3..10]; x[10] is one element past the end.
  EXPECT_EQ(
      run(kCopy, {1, 1, 1},
          {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1), KernelArg::ofInt(3)},
          {bufferOf(x, "x"), bufferOf(out, "out")}),
      "out-of-bounds tile.load at kernels/copy.py:42:13: element [7] "
      "reads 4 bytes at offset 40, 4 bytes past the end of buffer 'x' "
      "(40 bytes) in program (0, 0, 0)");
}

TEST_F(ErrorTest, OutOfBoundsBeforeTheStart) {
  std::vector<float> x(10, 1.0f), out(16, 0.0f);
  EXPECT_EQ(run(kCopy, {1, 1, 1},
                {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1),
                 KernelArg::ofInt(-2)},
                {bufferOf(x, "x"), bufferOf(out, "out")}),
            "out-of-bounds tile.load at kernels/copy.py:42:13: element [0] "
            "reads 4 bytes at offset -8, 8 bytes before the start of buffer "
            "'x' (40 bytes) in program (0, 0, 0)");
}

TEST_F(ErrorTest, FaultingStoreWritesNothing) {
  std::vector<float> x(16, 2.0f), out(10, 0.0f);
  EXPECT_EQ(
      run(kCopy, {1, 1, 1},
          {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1), KernelArg::ofInt(4)},
          {bufferOf(x, "x"), bufferOf(out, "out")}),
      "out-of-bounds tile.store at kernels/copy.py:43:5: element [6] "
      "writes 4 bytes at offset 40, 4 bytes past the end of buffer "
      "'out' (40 bytes) in program (0, 0, 0)");
  EXPECT_EQ(out, std::vector<float>(10, 0.0f));
}

TEST_F(ErrorTest, MisalignedAndStrayAddresses) {
  // Tile IR cannot form a misaligned pointer (buffer arguments are region
  // bases and tile.addptr counts whole elements), so the address space is
  // checked directly.
  std::vector<float> data(4);
  std::vector<HostBuffer> buffers = {bufferOf(data, "Q")};
  AddressSpace space(buffers);
  uint64_t base = AddressSpace::baseAddress(0);
  EXPECT_EQ(space.translate(base + 4, 4), data.data() + 1);
  EXPECT_EQ(space.translate(base + 6, 4), nullptr);
  AddressSpace::Fault misaligned = space.describeFault(base + 6, 4, "reads");
  EXPECT_EQ(misaligned.kind, "misaligned");
  EXPECT_EQ(misaligned.detail, "reads 4 bytes at offset 6 of buffer 'Q', "
                               "which is not a multiple of 4");
  // Straddling the end is out of bounds, not misaligned.
  EXPECT_EQ(space.describeFault(base + 14, 4, "reads").kind, "out-of-bounds");
  AddressSpace::Fault stray =
      space.describeFault(uint64_t(5) << 40, 2, "writes");
  EXPECT_EQ(stray.kind, "out-of-bounds");
  EXPECT_EQ(stray.detail, "writes 2 bytes at address 0x0000050000000000, "
                          "which lies in no buffer");
}

TEST_F(ErrorTest, UnsupportedOperation) {
  const char *ir = R"mlir(
func.func @cube_root(%x: !tile.ptr<f32>) {
  %v = tile.load %x : !tile.ptr<f32>
  %c = math.cbrt %v : f32 loc("kernels/cbrt.py":7:9)
  tile.store %x, %c : !tile.ptr<f32>
  return
}
)mlir";
  std::vector<float> x(1, 8.0f);
  EXPECT_EQ(run(ir, {1, 1, 1}, {KernelArg::ofBuffer(0)}, {bufferOf(x, "x")}),
            "unsupported operation 'math.cbrt' at kernels/cbrt.py:7:9");
}

TEST_F(ErrorTest, ArgumentCountKindAndBufferIndex) {
  std::vector<float> x(16), out(16);
  std::vector<HostBuffer> buffers = {bufferOf(x, "x"), bufferOf(out, "out")};
  EXPECT_EQ(run(kCopy, {1, 1, 1}, {KernelArg::ofBuffer(0)}, buffers),
            "kernel 'copy' takes 3 arguments, but 1 was given");
  EXPECT_EQ(run(kCopy, {1, 1, 1},
                {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1),
                 KernelArg::ofFloat(1.0)},
                buffers),
            "argument 2 of kernel 'copy' has type i32 and needs an integer, "
            "but a float was given");
  EXPECT_EQ(
      run(kCopy, {1, 1, 1},
          {KernelArg::ofInt(0), KernelArg::ofBuffer(1), KernelArg::ofInt(0)},
          buffers),
      "argument 0 of kernel 'copy' has type !tile.ptr<f32> and needs a "
      "buffer, but an integer was given");
  EXPECT_EQ(
      run(kCopy, {1, 1, 1},
          {KernelArg::ofBuffer(0), KernelArg::ofBuffer(2), KernelArg::ofInt(0)},
          buffers),
      "argument 1 of kernel 'copy' refers to buffer 2, but 2 buffers "
      "were given");
}

TEST_F(ErrorTest, InvalidIRIsReportedNotRun) {
  const char *ir = R"mlir(
func.func @bad(%x: !tile.ptr<f32>) {
  %r = tile.make_range 0 to 4 : tensor<4xi32>
  return
}
)mlir";
  mlir::func::FuncOp kernel = parse(ir);
  ASSERT_TRUE(kernel);
  // Break a verified invariant after parsing: an empty make_range.
  mlir::Operation *range = &kernel.getBody().front().front();
  range->setAttr(
      "end", mlir::IntegerAttr::get(mlir::IntegerType::get(&context, 32), 0));
  std::vector<float> x(1);
  llvm::Error err = runKernel(kernel, {1, 1, 1}, {KernelArg::ofBuffer(0)},
                              {bufferOf(x, "x")});
  EXPECT_EQ(llvm::toString(std::move(err)),
            "kernel 'bad' is not valid tile IR:\n-:3:8: "
            "'tile.make_range' op needs start < end, got [0, 0)");
}

TEST_F(ErrorTest, DivisionByZeroGivesRiscVValuesNotAnError) {
  const char *ir = R"mlir(
func.func @divide(%out: !tile.ptr<i32>) {
  %pid = tile.program_id 0
  %a = arith.constant dense<[6, 6, 6, 6]> : tensor<4xi32>
  %r = tile.make_range 0 to 4 : tensor<4xi32>
  %p = tile.splat %pid : i32 -> tensor<4xi32>
  %b = arith.subi %r, %p : tensor<4xi32>
  %q = arith.divsi %a, %b : tensor<4xi32> loc("kernels/div.py":3:11)
  %ob = tile.splat %out : !tile.ptr<i32> -> tensor<4x!tile.ptr<i32>>
  %op = tile.addptr %ob, %r : tensor<4x!tile.ptr<i32>>, tensor<4xi32>
  tile.store %op, %q : tensor<4x!tile.ptr<i32>>
  return
}
)mlir";
  // Program 0 divides by [0, 1, 2, 3]: the GPU does not trap (a kernel may
  // discard the lane), so neither does the executor; the quotient is -1.
  std::vector<int32_t> out(4, 0);
  EXPECT_EQ(
      run(ir, {1, 1, 1}, {KernelArg::ofBuffer(0)}, {bufferOf(out, "out")}),
      "");
  EXPECT_EQ(out, (std::vector<int32_t>{-1, 6, 3, 2}));

  const char *scalar = R"mlir(
func.func @divide(%out: !tile.ptr<i32>, %d: i32) {
  %c = arith.constant 7 : i32
  %q = arith.remui %c, %d : i32 loc("kernels/div.py":9:4)
  tile.store %out, %q : !tile.ptr<i32>
  return
}
)mlir";
  EXPECT_EQ(run(scalar, {2, 2, 1},
                {KernelArg::ofBuffer(0), KernelArg::ofInt(0)},
                {bufferOf(out, "out")}),
            "");
  EXPECT_EQ(out[0], 7);  // the remainder by zero is the dividend
}

TEST_F(ErrorTest, ReductionOfAnEmptyAxis) {
  const char *ir = R"mlir(
func.func @empty(%out: !tile.ptr<f32>) {
  %x = arith.constant dense<> : tensor<2x0xf32>
  %s = tile.reduce sum %x {axis = 1 : i32} : tensor<2x0xf32> -> tensor<2xf32> loc("kernels/sum.py":5:7)
  return
}
)mlir";
  std::vector<float> out(2);
  EXPECT_EQ(
      run(ir, {1, 1, 1}, {KernelArg::ofBuffer(0)}, {bufferOf(out, "out")}),
      "invalid tile.reduce at kernels/sum.py:5:7: the reduced axis is "
      "empty, so there is no value in program (0, 0, 0)");
}

TEST_F(ErrorTest, NonPositiveLoopStep) {
  const char *ir = R"mlir(
func.func @loop(%step: i32) {
  %c0 = arith.constant 0 : i32
  %c4 = arith.constant 4 : i32
  scf.for %i = %c0 to %c4 step %step : i32 {
  } loc("kernels/loop.py":2:3)
  return
}
)mlir";
  EXPECT_EQ(run(ir, {1, 1, 1}, {KernelArg::ofInt(0)}, {}),
            "invalid scf.for at kernels/loop.py:2:3: the step 0 is not "
            "positive in program (0, 0, 0)");
}

} // namespace
