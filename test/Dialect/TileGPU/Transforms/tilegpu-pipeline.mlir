// RUN: flash-opt %s --split-input-file --tilegpu-pipeline | FileCheck %s
// RUN: flash-opt %s --split-input-file --tilegpu-pipeline="num-stages=3" | FileCheck %s --check-prefix=S3
// RUN: flash-opt %s --split-input-file --tilegpu-pipeline="num-stages=1" | FileCheck %s --check-prefix=OFF

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#bt = #tilegpu.blocked<{sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#da = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#db = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// A loop loading K (used transposed) and V tiles from pointers computed
// from the induction variable: both become cp.async copies into 2-stage
// rings, read back with local_load straight into the dot-operand layouts.
// K^T is copied through transposed pointers into a buffer whose rows run
// along dimension 0 (the contiguous one).

// CHECK-DAG: #[[KS:.*]] = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]}>
// CHECK-DAG: #[[VS:.*]] = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
// CHECK-DAG: #[[DB:.*]] = #tilegpu.dot_op<{opIdx = 1
// OFF-NOT: tilegpu.async_copy_global_to_local
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"} {
  // CHECK-LABEL: func.func @attention_like
  func.func @attention_like(%q: tensor<64x64xf16, #da>, %kp: tensor<64x64x!tile.ptr<f16>, #b>, %stride: tensor<64x64xi32, #b>, %n: i32) -> tensor<64x64xf32, #mma> {
    %c0 = arith.constant 0 : i32
    %c64 = arith.constant 64 : i32
    %zero = arith.constant dense<0.0> : tensor<64x64xf32, #mma>
    %zero16 = arith.constant dense<0.0> : tensor<64x64xf16, #b>
    // CHECK: %[[KBUF:.*]] = tilegpu.local_alloc : () -> !tilegpu.memdesc<2x64x64xf16, #[[KS]]>
    // CHECK: %[[VBUF:.*]] = tilegpu.local_alloc : () -> !tilegpu.memdesc<2x64x64xf16, #[[VS]]>
    // The prologue: iteration 0 into stage 0, if the loop runs at all.
    // CHECK: %[[RUNS:.*]] = arith.cmpi sgt, %{{.*}}, %{{.*}} : i32
    // CHECK: tile.trans %{{.*}} {order = array<i32: 1, 0>} : tensor<64x64x!tile.ptr<f16>, #{{.*}}> -> tensor<64x64x!tile.ptr<f16>
    // CHECK: tile.splat %[[RUNS]] : i1 -> tensor<64x64xi1
    // CHECK: %[[K0:.*]] = tilegpu.memdesc_index %[[KBUF]][%{{.*}}]
    // CHECK: tilegpu.async_copy_global_to_local %{{.*}}, %[[K0]] mask %{{.*}}
    // CHECK: %[[V0:.*]] = tilegpu.memdesc_index %[[VBUF]][%{{.*}}]
    // CHECK: tilegpu.async_copy_global_to_local %{{.*}}, %[[V0]] mask %{{.*}}
    // CHECK: tilegpu.async_commit_group
    // The iteration k = iv / step and its stage k % 2, recomputed from iv
    // (not loop-carried); the next copies go into stage (k + 1) % 2.
    // CHECK: scf.for %[[IV:.*]] = %{{.*}} to %{{.*}} step %[[STEP:.*]] iter_args
    // CHECK: %[[K:.*]] = arith.divsi %[[IV]], %[[STEP]] : i32
    // CHECK: %[[CUR:.*]] = arith.remsi %[[K]], %{{.*}} : i32
    // CHECK: %[[KN:.*]] = arith.addi %[[K]], %{{.*}} : i32
    // CHECK: %[[WR:.*]] = arith.remsi %[[KN]], %{{.*}} : i32
    // CHECK: tilegpu.async_wait 0
    // CHECK: %[[NEXT_IV:.*]] = arith.addi %[[IV]], %{{.*}} : i32
    // CHECK: arith.cmpi slt, %[[NEXT_IV]], %{{.*}} : i32
    // CHECK: tilegpu.async_copy_global_to_local
    // CHECK: tilegpu.async_copy_global_to_local
    // CHECK: tilegpu.async_commit_group
    // CHECK: %[[KV:.*]] = tilegpu.memdesc_index %[[KBUF]][%[[CUR]]]
    // CHECK: %[[KT:.*]] = tilegpu.local_load %[[KV]] : {{.*}} -> tensor<64x64xf16, #[[DB]]>
    // CHECK: tile.dot %{{.*}}, %[[KT]], %{{.*}}
    // CHECK: %[[VV:.*]] = tilegpu.memdesc_index %[[VBUF]][%[[CUR]]]
    // CHECK: %[[VD:.*]] = tilegpu.local_load %[[VV]] : {{.*}} -> tensor<64x64xf16, #[[DB]]>
    // CHECK: tile.dot %{{.*}}, %[[VD]], %{{.*}}
    // CHECK-NOT: tile.load
    // CHECK: scf.yield
    // CHECK: tilegpu.async_wait 0
    // Three stages: two iterations in flight, wait until one is left.
    // S3: tilegpu.local_alloc : () -> !tilegpu.memdesc<3x64x64xf16
    // S3-COUNT-2: tilegpu.async_commit_group
    // S3: scf.for
    // S3: tilegpu.async_wait 1
    %r = scf.for %i = %c0 to %n step %c64 iter_args(%acc = %zero) -> (tensor<64x64xf32, #mma>) : i32 {
      %iv = tile.splat %i : i32 -> tensor<64x64xi32, #b>
      %off = arith.muli %iv, %stride : tensor<64x64xi32, #b>
      %p = tile.addptr %kp, %off : tensor<64x64x!tile.ptr<f16>, #b>, tensor<64x64xi32, #b>
      %nv = tile.splat %n : i32 -> tensor<64x64xi32, #b>
      %m = arith.cmpi slt, %iv, %nv : tensor<64x64xi32, #b>
      %k = tile.load %p, %m, %zero16 : tensor<64x64x!tile.ptr<f16>, #b>
      %v = tile.load %p, %m, %zero16 : tensor<64x64x!tile.ptr<f16>, #b>
      %kt = tile.trans %k {order = array<i32: 1, 0>} : tensor<64x64xf16, #b> -> tensor<64x64xf16, #bt>
      %kd = tilegpu.convert_layout %kt : tensor<64x64xf16, #bt> -> tensor<64x64xf16, #db>
      %s = tile.dot %q, %kd, %zero : tensor<64x64xf16, #da> * tensor<64x64xf16, #db> -> tensor<64x64xf32, #mma>
      %p16 = arith.truncf %s : tensor<64x64xf32, #mma> to tensor<64x64xf16, #mma>
      %pa = tilegpu.convert_layout %p16 : tensor<64x64xf16, #mma> -> tensor<64x64xf16, #da>
      %vd = tilegpu.convert_layout %v : tensor<64x64xf16, #b> -> tensor<64x64xf16, #db>
      %o = tile.dot %pa, %vd, %acc : tensor<64x64xf16, #da> * tensor<64x64xf16, #db> -> tensor<64x64xf32, #mma>
      scf.yield %o : tensor<64x64xf32, #mma>
    }
    return %r : tensor<64x64xf32, #mma>
  }
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#da = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#db = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// Left alone: a load whose masked elements read 1 (cp.async fills zeros),
// a load through loop-carried pointers, a load whose block is also used
// outside a dot.

// CHECK-LABEL: func.func @not_pipelined
// CHECK-NOT: tilegpu.async_copy_global_to_local
// CHECK-COUNT-3: tile.load
// CHECK-NOT: tilegpu.async_copy_global_to_local
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"} {
  func.func @not_pipelined(%a: tensor<64x64xf16, #da>, %p0: tensor<64x64x!tile.ptr<f16>, #b>, %m: tensor<64x64xi1, #b>, %n: i32) {
    %c0 = arith.constant 0 : i32
    %c64 = arith.constant 64 : i32
    %zero = arith.constant dense<0.0> : tensor<64x64xf32, #mma>
    %one = arith.constant dense<1.0> : tensor<64x64xf16, #b>
    %step = arith.constant dense<64> : tensor<64x64xi32, #b>
    %r:2 = scf.for %i = %c0 to %n step %c64 iter_args(%acc = %zero, %p = %p0) -> (tensor<64x64xf32, #mma>, tensor<64x64x!tile.ptr<f16>, #b>) : i32 {
      %x = tile.load %p0, %m, %one : tensor<64x64x!tile.ptr<f16>, #b>
      %xd = tilegpu.convert_layout %x : tensor<64x64xf16, #b> -> tensor<64x64xf16, #db>
      %y = tile.load %p : tensor<64x64x!tile.ptr<f16>, #b>
      %yd = tilegpu.convert_layout %y : tensor<64x64xf16, #b> -> tensor<64x64xf16, #db>
      %z = tile.load %p0 : tensor<64x64x!tile.ptr<f16>, #b>
      %zd = tilegpu.convert_layout %z : tensor<64x64xf16, #b> -> tensor<64x64xf16, #db>
      tile.store %p0, %z : tensor<64x64x!tile.ptr<f16>, #b>
      %d1 = tile.dot %a, %xd, %acc : tensor<64x64xf16, #da> * tensor<64x64xf16, #db> -> tensor<64x64xf32, #mma>
      %d2 = tile.dot %a, %yd, %d1 : tensor<64x64xf16, #da> * tensor<64x64xf16, #db> -> tensor<64x64xf32, #mma>
      %d3 = tile.dot %a, %zd, %d2 : tensor<64x64xf16, #da> * tensor<64x64xf16, #db> -> tensor<64x64xf32, #mma>
      %pn = tile.addptr %p, %step : tensor<64x64x!tile.ptr<f16>, #b>, tensor<64x64xi32, #b>
      scf.yield %d3, %pn : tensor<64x64xf32, #mma>, tensor<64x64x!tile.ptr<f16>, #b>
    }
    return
  }
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 8}>
#da = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#db = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// No cp.async before sm_80.

// CHECK-LABEL: func.func @turing
// CHECK-NOT: tilegpu.async_copy_global_to_local
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:75"} {
  func.func @turing(%a: tensor<64x64xf16, #da>, %p: tensor<64x64x!tile.ptr<f16>, #b>, %n: i32) {
    %c0 = arith.constant 0 : i32
    %c64 = arith.constant 64 : i32
    %zero = arith.constant dense<0.0> : tensor<64x64xf32, #mma>
    %r = scf.for %i = %c0 to %n step %c64 iter_args(%acc = %zero) -> (tensor<64x64xf32, #mma>) : i32 {
      %x = tile.load %p : tensor<64x64x!tile.ptr<f16>, #b>
      %xd = tilegpu.convert_layout %x : tensor<64x64xf16, #b> -> tensor<64x64xf16, #db>
      %d = tile.dot %a, %xd, %acc : tensor<64x64xf16, #da> * tensor<64x64xf16, #db> -> tensor<64x64xf32, #mma>
      scf.yield %d : tensor<64x64xf32, #mma>
    }
    return
  }
}

// -----

#s = #tilegpu.slice<{dim = 1, parent = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>}>

// A rank-1 load (per-row statistics, like the backward's L and delta) is
// prefetched into registers one iteration ahead: the prologue loads
// iteration 0's block if the loop runs, the body loads iteration k+1's at
// its top (masked past the bound) and yields it; the uses read the block
// the loop carries.

// CHECK-LABEL: func.func @row_statistics
// CHECK: %[[RUNS:.*]] = arith.cmpi sgt, %[[UB:[[:alnum:]_]+]], %c0_i32 : i32
// CHECK: %[[RUNSB:.*]] = tile.splat %[[RUNS]] : i1 -> tensor<64xi1
// CHECK: %[[M0:.*]] = arith.andi %{{.*}}, %[[RUNSB]]
// CHECK: %[[L0:.*]] = tile.load %{{.*}}, %[[M0]], %{{.*}} : tensor<64x!tile.ptr<f32>
// CHECK: scf.for %[[IV:[[:alnum:]_]+]] = %c0_i32 to %[[UB]] step %[[ST:[[:alnum:]_]+]] iter_args(%[[ACC:[[:alnum:]_]+]] = %{{.*}}, %[[CUR:[[:alnum:]_]+]] = %[[L0]])
// CHECK-NEXT: %[[NEXT:.*]] = arith.addi %[[IV]], %[[ST]] : i32
// CHECK-NEXT: %[[IN:.*]] = arith.cmpi slt, %[[NEXT]], %[[UB]] : i32
// CHECK: %[[INB:.*]] = tile.splat %[[IN]] : i1 -> tensor<64xi1
// CHECK: %[[M1:.*]] = arith.andi %{{.*}}, %[[INB]]
// CHECK: %[[L1:.*]] = tile.load %{{.*}}, %[[M1]], %{{.*}} : tensor<64x!tile.ptr<f32>
// CHECK-NOT: tile.load
// CHECK: arith.addf %[[ACC]], %[[CUR]]
// CHECK: scf.yield %{{.*}}, %[[L1]]
// OFF-LABEL: func.func @row_statistics
// OFF-NOT: iter_args(%{{.*}}, %{{.*}})
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"} {
  func.func @row_statistics(%base: tensor<64x!tile.ptr<f32>, #s>, %n: i32) -> tensor<64xf32, #s> {
    %c0 = arith.constant 0 : i32
    %c64 = arith.constant 64 : i32
    %zero = arith.constant dense<0.0> : tensor<64xf32, #s>
    %offs = tile.make_range 0 to 64 : tensor<64xi32, #s>
    %r = scf.for %i = %c0 to %n step %c64 iter_args(%acc = %zero) -> (tensor<64xf32, #s>) : i32 {
      %iv = tile.splat %i : i32 -> tensor<64xi32, #s>
      %rows = arith.addi %iv, %offs : tensor<64xi32, #s>
      %p = tile.addptr %base, %rows : tensor<64x!tile.ptr<f32>, #s>, tensor<64xi32, #s>
      %nv = tile.splat %n : i32 -> tensor<64xi32, #s>
      %m = arith.cmpi slt, %rows, %nv : tensor<64xi32, #s>
      %x = tile.load %p, %m, %zero : tensor<64x!tile.ptr<f32>, #s>
      %sum = arith.addf %acc, %x : tensor<64xf32, #s>
      scf.yield %sum : tensor<64xf32, #s>
    }
    return %r : tensor<64xf32, #s>
  }
}
