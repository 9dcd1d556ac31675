// RUN: flash-opt %s --split-input-file --tilegpu-accelerate-matmul | FileCheck %s
// RUN: flash-opt %s --split-input-file --tilegpu-accelerate-matmul="arch=90" | FileCheck %s --check-prefix=SM90

#b = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>

// f16 into f32: m16n8k16 on sm_80 (the module's target). A standalone
// product splits the warps both ways (2 x 2, 32 x 32 each). Operands are converted to dot-operand layouts, the
// accumulator to mma, the result back.

// CHECK-DAG: #[[B:.*]] = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
// CHECK-DAG: #[[MMA:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8], instrK = 16}>
// CHECK-DAG: #[[A:.*]] = #tilegpu.dot_op<{opIdx = 0, parent = #[[MMA]], kWidth = 2}>
// CHECK-DAG: #[[BOP:.*]] = #tilegpu.dot_op<{opIdx = 1, parent = #[[MMA]], kWidth = 2}>

module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"} {
  // CHECK-LABEL: func.func @f16
  // CHECK-SAME: (%[[X:.*]]: tensor<64x64xf16, #[[B]]>, %[[Y:.*]]: tensor<64x64xf16, #[[B]]>, %[[C:.*]]: tensor<64x64xf32, #[[B]]>)
  func.func @f16(%x: tensor<64x64xf16, #b>, %y: tensor<64x64xf16, #b>, %c: tensor<64x64xf32, #b>) -> tensor<64x64xf32, #b> {
    // CHECK: %[[XA:.*]] = tilegpu.convert_layout %[[X]] : tensor<64x64xf16, #[[B]]> -> tensor<64x64xf16, #[[A]]>
    // CHECK: %[[YB:.*]] = tilegpu.convert_layout %[[Y]] : tensor<64x64xf16, #[[B]]> -> tensor<64x64xf16, #[[BOP]]>
    // CHECK: %[[CM:.*]] = tilegpu.convert_layout %[[C]] : tensor<64x64xf32, #[[B]]> -> tensor<64x64xf32, #[[MMA]]>
    // CHECK: %[[D:.*]] = tile.dot %[[XA]], %[[YB]], %[[CM]] : tensor<64x64xf16, #[[A]]> * tensor<64x64xf16, #[[BOP]]> -> tensor<64x64xf32, #[[MMA]]>
    // CHECK: %[[R:.*]] = tilegpu.convert_layout %[[D]] : tensor<64x64xf32, #[[MMA]]> -> tensor<64x64xf32, #[[B]]>
    // CHECK: return %[[R]]
    %d = tile.dot %x, %y, %c : tensor<64x64xf16, #b> * tensor<64x64xf16, #b> -> tensor<64x64xf32, #b>
    return %d : tensor<64x64xf32, #b>
  }
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>

// On sm_75 (the module's target), m16n8k8; the arch option overrides the
// module's target.

// CHECK-DAG: #[[MMA75:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8], instrK = 8}>
// CHECK-DAG: #tilegpu.dot_op<{opIdx = 0, parent = #[[MMA75]], kWidth = 2}>
// SM90-COUNT-1: {{^}}// {{-----$}}
// SM90: #[[MMA90:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8], instrK = 16}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:75"} {
  // CHECK-LABEL: func.func @turing
  // SM90-LABEL: func.func @turing
  func.func @turing(%x: tensor<64x64xf16, #b>, %y: tensor<64x64xf16, #b>, %c: tensor<64x64xf32, #b>) -> tensor<64x64xf32, #b> {
    // CHECK: tile.dot {{.*}} -> tensor<64x64xf32, #[[MMA75]]>
    // SM90: tile.dot {{.*}} -> tensor<64x64xf32, #[[MMA90]]>
    %d = tile.dot %x, %y, %c : tensor<64x64xf16, #b> * tensor<64x64xf16, #b> -> tensor<64x64xf32, #b>
    return %d : tensor<64x64xf32, #b>
  }
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#b16 = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>

// The split keeps each warp's tile square-ish: 128 x 64 takes 4 x 1, a
// 16-row block 1 x 4 (at least 16 rows a warp); tf32 uses m16n8k8 with one element per
// register; bf16 uses the f16 instruction shape.

// CHECK-DAG: #[[MMA128:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
// CHECK-DAG: #[[MMA16:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [1, 4], instrShape = [16, 8], instrK = 16}>
// CHECK-DAG: #[[TF32:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8], instrK = 8}>
// CHECK-DAG: #tilegpu.dot_op<{opIdx = 0, parent = #[[TF32]], kWidth = 1}>
// CHECK-DAG: #tilegpu.dot_op<{opIdx = 1, parent = #[[TF32]], kWidth = 1}>

module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"} {
  // CHECK-LABEL: func.func @shapes_and_types
  func.func @shapes_and_types(%a: tensor<128x32xbf16, #b>, %b: tensor<32x64xbf16, #b>, %c: tensor<128x64xf32, #b>,
                              %x: tensor<16x16xf16, #b16>, %y: tensor<16x64xf16, #b>, %z: tensor<16x64xf32, #b>,
                              %f: tensor<32x16xf32, #b16>, %g: tensor<16x32xf32, #b16>, %h: tensor<32x32xf32, #b16>) {
    // CHECK: tile.dot {{.*}} : tensor<128x32xbf16, {{.*}}> * tensor<32x64xbf16, {{.*}}> -> tensor<128x64xf32, #[[MMA128]]>
    %d = tile.dot %a, %b, %c : tensor<128x32xbf16, #b> * tensor<32x64xbf16, #b> -> tensor<128x64xf32, #b>
    // CHECK: tile.dot {{.*}} -> tensor<16x64xf32, #[[MMA16]]>
    %e = tile.dot %x, %y, %z : tensor<16x16xf16, #b16> * tensor<16x64xf16, #b> -> tensor<16x64xf32, #b>
    // CHECK: tile.dot {{.*}} -> tensor<32x32xf32, #[[TF32]]>
    %t = tile.dot %f, %g, %h : tensor<32x16xf32, #b16> * tensor<16x32xf32, #b16> -> tensor<32x32xf32, #b16>
    return
  }
}

// -----

// A dot already on mma layouts is left alone.

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#da = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#db = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// CHECK-LABEL: func.func @done
func.func @done(%a: tensor<64x16xf16, #da>, %b: tensor<16x64xf16, #db>, %c: tensor<64x64xf32, #mma>) -> tensor<64x64xf32, #mma> {
  // CHECK-NEXT: tile.dot
  // CHECK-NEXT: return
  %d = tile.dot %a, %b, %c : tensor<64x16xf16, #da> * tensor<16x64xf16, #db> -> tensor<64x64xf32, #mma>
  return %d : tensor<64x64xf32, #mma>
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>

// Chained dots (attention: S = Q K^T reduced over rows, through an scf.if,
// then P V) keep every row in one warp: 4 x 1 for both, though each alone
// would split 2 x 2.

// CHECK-DAG: #[[CH:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"} {
  // CHECK-LABEL: func.func @chained
  func.func @chained(%q: tensor<64x64xf16, #b>, %k: tensor<64x64xf16, #b>, %v: tensor<64x64xf16, #b>, %c: tensor<64x64xf32, #b>, %flag: i1) -> tensor<64x64xf32, #b> {
    // CHECK: tile.dot {{.*}} -> tensor<64x64xf32, #[[CH]]>
    %s = tile.dot %q, %k, %c : tensor<64x64xf16, #b> * tensor<64x64xf16, #b> -> tensor<64x64xf32, #b>
    %m = scf.if %flag -> (tensor<64x64xf32, #b>) {
      %t = arith.addf %s, %s : tensor<64x64xf32, #b>
      scf.yield %t : tensor<64x64xf32, #b>
    } else {
      scf.yield %s : tensor<64x64xf32, #b>
    }
    %p = arith.truncf %m : tensor<64x64xf32, #b> to tensor<64x64xf16, #b>
    // CHECK: tile.dot {{.*}} -> tensor<64x64xf32, #[[CH]]>
    %o = tile.dot %p, %v, %c : tensor<64x64xf16, #b> * tensor<64x64xf16, #b> -> tensor<64x64xf32, #b>
    return %o : tensor<64x64xf32, #b>
  }
}
