//===- AttentionBlockTest.cpp - an attention-sized block ------------------===//
//
// One program computes softmax(Q K^T) V for 64x64 blocks with head dim 64,
// the shape of a flash-attention inner step, checked against a double
// reference. (The executor's speed is measured by bench/, not here.)
//
//===----------------------------------------------------------------------===//

#include "KernelTest.h"

#include "llvm/ADT/APFloat.h"

#include <algorithm>
#include <cmath>

using namespace flashtile::exec;
using namespace flashtile::exec::testing;

namespace {

using AttentionBlockTest = KernelTest;

const char *kAttentionBlock = R"mlir(
func.func @attention_block(%q: !tile.ptr<f16>, %k: !tile.ptr<f16>,
                           %v: !tile.ptr<f16>, %o: !tile.ptr<f32>) {
  %r = tile.make_range 0 to 64 : tensor<64xi32>
  %rows = tile.expand_dims %r {axis = 1 : i32} : tensor<64xi32> -> tensor<64x1xi32>
  %c64 = arith.constant dense<64> : tensor<64x1xi32>
  %rs = arith.muli %rows, %c64 : tensor<64x1xi32>
  %rb = tile.broadcast %rs : tensor<64x1xi32> -> tensor<64x64xi32>
  %cols = tile.expand_dims %r {axis = 0 : i32} : tensor<64xi32> -> tensor<1x64xi32>
  %cb = tile.broadcast %cols : tensor<1x64xi32> -> tensor<64x64xi32>
  %offs = arith.addi %rb, %cb : tensor<64x64xi32>
  %qb = tile.splat %q : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>>
  %qp = tile.addptr %qb, %offs : tensor<64x64x!tile.ptr<f16>>, tensor<64x64xi32>
  %qt = tile.load %qp : tensor<64x64x!tile.ptr<f16>>
  %kb = tile.splat %k : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>>
  %kp = tile.addptr %kb, %offs : tensor<64x64x!tile.ptr<f16>>, tensor<64x64xi32>
  %kt = tile.load %kp : tensor<64x64x!tile.ptr<f16>>
  %vb = tile.splat %v : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>>
  %vp = tile.addptr %vb, %offs : tensor<64x64x!tile.ptr<f16>>, tensor<64x64xi32>
  %vt = tile.load %vp : tensor<64x64x!tile.ptr<f16>>
  %ktt = tile.trans %kt {order = array<i32: 1, 0>} : tensor<64x64xf16> -> tensor<64x64xf16>
  %zero = arith.constant dense<0.0> : tensor<64x64xf32>
  %s = tile.dot %qt, %ktt, %zero : tensor<64x64xf16> * tensor<64x64xf16> -> tensor<64x64xf32>
  %m = tile.reduce max %s {axis = 1 : i32} : tensor<64x64xf32> -> tensor<64xf32>
  %m2 = tile.expand_dims %m {axis = 1 : i32} : tensor<64xf32> -> tensor<64x1xf32>
  %mb = tile.broadcast %m2 : tensor<64x1xf32> -> tensor<64x64xf32>
  %d = arith.subf %s, %mb : tensor<64x64xf32>
  %p = math.exp2 %d : tensor<64x64xf32>
  %l = tile.reduce sum %p {axis = 1 : i32} : tensor<64x64xf32> -> tensor<64xf32>
  %ph = arith.truncf %p : tensor<64x64xf32> to tensor<64x64xf16>
  %acc = tile.dot %ph, %vt, %zero : tensor<64x64xf16> * tensor<64x64xf16> -> tensor<64x64xf32>
  %l2 = tile.expand_dims %l {axis = 1 : i32} : tensor<64xf32> -> tensor<64x1xf32>
  %lb = tile.broadcast %l2 : tensor<64x1xf32> -> tensor<64x64xf32>
  %out = arith.divf %acc, %lb : tensor<64x64xf32>
  %ob = tile.splat %o : !tile.ptr<f32> -> tensor<64x64x!tile.ptr<f32>>
  %op = tile.addptr %ob, %offs : tensor<64x64x!tile.ptr<f32>>, tensor<64x64xi32>
  tile.store %op, %out : tensor<64x64x!tile.ptr<f32>>
  return
}
)mlir";

uint16_t halfBits(double x) {
  llvm::APFloat value(x);
  bool losesInfo;
  value.convert(llvm::APFloat::IEEEhalf(), llvm::APFloat::rmNearestTiesToEven,
                &losesInfo);
  return static_cast<uint16_t>(value.bitcastToAPInt().getZExtValue());
}

TEST_F(AttentionBlockTest, RunsInMillisecondsPerProgram) {
  const int n = 64 * 64;
  // Q and K in [-0.5, 0.5] on a 1/16 grid, V in [0, 1) on a 1/8 grid: all
  // exact in f16.
  std::vector<double> qv(n), kv(n), vv(n);
  std::vector<uint16_t> q(n), k(n), v(n);
  for (int i = 0; i < n; ++i) {
    qv[i] = ((i * 37) % 17 - 8) / 16.0;
    kv[i] = ((i * 11) % 17 - 8) / 16.0;
    vv[i] = (i / 64 % 8) / 8.0;
    q[i] = halfBits(qv[i]);
    k[i] = halfBits(kv[i]);
    v[i] = halfBits(vv[i]);
  }
  std::vector<float> out(n, -1.0f);
  const int programs = 8;
  ASSERT_EQ(run(kAttentionBlock, {programs, 1, 1},
                {KernelArg::ofBuffer(0), KernelArg::ofBuffer(1),
                 KernelArg::ofBuffer(2), KernelArg::ofBuffer(3)},
                {bufferOf(q, "Q"), bufferOf(k, "K"), bufferOf(v, "V"),
                 bufferOf(out, "O")}),
            "");

  // Reference in double: out = softmax(Q K^T) V with base-2 exponentials.
  // The kernel rounds P to f16 in the numerator only: relative error ~1e-3.
  for (int i = 0; i < 64; ++i) {
    std::vector<double> scores(64);
    double maxScore = -INFINITY;
    for (int j = 0; j < 64; ++j) {
      double dot = 0;
      for (int d = 0; d < 64; ++d)
        dot += qv[i * 64 + d] * kv[j * 64 + d];
      scores[j] = dot;
      maxScore = std::max(maxScore, dot);
    }
    double total = 0;
    for (double &s : scores)
      total += s = std::exp2(s - maxScore);
    for (int d = 0; d < 64; ++d) {
      double expected = 0;
      for (int j = 0; j < 64; ++j)
        expected += scores[j] * vv[j * 64 + d];
      ASSERT_NEAR(out[i * 64 + d], expected / total, 5e-3)
          << "row " << i << " column " << d;
    }
  }
}

} // namespace
