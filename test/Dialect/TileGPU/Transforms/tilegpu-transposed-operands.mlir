// RUN: flash-opt %s --split-input-file --tilegpu-transposed-operands | FileCheck %s

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 2], instrShape = [16, 8], instrK = 16}>
#b3 = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [8, 1], order = [1, 0]}>
#b4 = #tilegpu.blocked<{sizePerThread = [4, 1], threadsPerWarp = [16, 2], warpsPerCTA = [1, 8], order = [0, 1]}>
#da = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>

// P^T as the A operand of dV += P^T dO, as layout propagation leaves it:
// P (mma) -> blocked -> trans -> dot_op, two trips through shared memory.
// It becomes one swizzled store of P in its mma layout and one read of the
// transposed view.

// CHECK-DAG: #[[ROWS:.*]] = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
// CHECK-DAG: #[[COLS:.*]] = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]}>
module attributes {tilegpu.num_warps = 8 : i32, tilegpu.target = "cuda:80"} {
  // CHECK-LABEL: func.func @p_transposed
  // CHECK-SAME: (%[[P:.*]]: tensor<64x64xf16, #{{.*}}>
  func.func @p_transposed(%p: tensor<64x64xf16, #mma>) -> tensor<64x64xf16, #da> {
    // CHECK: %[[BUF:.*]] = tilegpu.local_alloc %[[P]] : (tensor<64x64xf16, #{{.*}}>) -> !tilegpu.memdesc<64x64xf16, #[[ROWS]]>
    // CHECK: %[[T:.*]] = tilegpu.memdesc_trans %[[BUF]] : <64x64xf16, #[[ROWS]]> -> <64x64xf16, #[[COLS]]>
    // CHECK: %[[A:.*]] = tilegpu.local_load %[[T]] : <64x64xf16, #[[COLS]]> -> tensor<64x64xf16, #{{.*}}>
    // CHECK-NOT: tilegpu.convert_layout
    // CHECK-NOT: tile.trans
    // CHECK: return %[[A]]
    %0 = tilegpu.convert_layout %p : tensor<64x64xf16, #mma> -> tensor<64x64xf16, #b3>
    %1 = tile.trans %0 {order = array<i32: 1, 0>} : tensor<64x64xf16, #b3> -> tensor<64x64xf16, #b4>
    %2 = tilegpu.convert_layout %1 : tensor<64x64xf16, #b4> -> tensor<64x64xf16, #da>
    return %2 : tensor<64x64xf16, #da>
  }
}

// -----

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 2], instrShape = [16, 8], instrK = 16}>
#b3 = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [8, 1], order = [1, 0]}>
#b4 = #tilegpu.blocked<{sizePerThread = [4, 1], threadsPerWarp = [16, 2], warpsPerCTA = [1, 8], order = [0, 1]}>
#da = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>

// A transpose that something else reads too stays for that reader.

// CHECK-LABEL: func.func @shared_transpose
// CHECK: %[[T:.*]] = tile.trans
// CHECK: tilegpu.local_alloc
// CHECK: return %{{.*}}, %[[T]]
module attributes {tilegpu.num_warps = 8 : i32, tilegpu.target = "cuda:80"} {
  func.func @shared_transpose(%p: tensor<64x64xf16, #b3>) -> (tensor<64x64xf16, #da>, tensor<64x64xf16, #b4>) {
    %1 = tile.trans %p {order = array<i32: 1, 0>} : tensor<64x64xf16, #b3> -> tensor<64x64xf16, #b4>
    %2 = tilegpu.convert_layout %1 : tensor<64x64xf16, #b4> -> tensor<64x64xf16, #da>
    return %2, %1 : tensor<64x64xf16, #da>, tensor<64x64xf16, #b4>
  }
}
