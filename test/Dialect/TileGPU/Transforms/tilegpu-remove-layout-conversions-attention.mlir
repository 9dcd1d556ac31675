// Layouts of attention forward after layout assignment, coalescing and
// mma selection: the loop body runs in the mma layout of the dots and its
// slices; P feeds the second dot from registers (the mma -> dot_op(0)
// conversion is a no-op); K and V are converted to B operands; the
// loop-carried acc, m_i and l_i keep mma and slice layouts.

// A small hand-written version (tile IR as the front end writes it).
// RUN: flash-opt %s --convert-tile-to-tilegpu --tilegpu-coalesce --tilegpu-accelerate-matmul --tilegpu-remove-layout-conversions --cse | FileCheck %s

// The flagship kernel from the front end, causal.
// RUN: flash-translate %kernels/attention.py --kernel attention_fwd -D HEAD_DIM=64 -D BLOCK_M=64 -D BLOCK_N=64 -D CAUSAL=True \
// RUN:   -T Q=*f16 -T K=*f16 -T V=*f16 -T O=*f16 -T stride_qb=i32 -T stride_qs=i32 -T stride_qh=i32 -T stride_kb=i32 -T stride_ks=i32 -T stride_kh=i32 -T stride_vb=i32 -T stride_vs=i32 -T stride_vh=i32 -T stride_ob=i32 -T stride_os=i32 -T stride_oh=i32 \
// RUN:   --divisible-by-16=Q,K,V,O,L,stride_qb,stride_qs,stride_qh,stride_kb,stride_ks,stride_kh,stride_vb,stride_vs,stride_vh,stride_ob,stride_os,stride_oh --emit=tile-opt \
// RUN: | flash-opt --convert-tile-to-tilegpu --tilegpu-coalesce --tilegpu-accelerate-matmul --tilegpu-remove-layout-conversions --cse \
// RUN: | tee %t | FileCheck %s --check-prefix=FWD
// Only conversions that move data between warps get scratch shared memory:
// the one of P does not.
// RUN: flash-opt %t --tilegpu-allocate-shared-memory | FileCheck %s --check-prefix=ALLOC
// The P conversion between the layouts checked above is a no-op.
// RUN: flash-layout convert mma --shape=64,64 --warps=4,1 --to dot-operand --op=0 --warps=4,1 --k-width=2 | FileCheck %s --check-prefix=KIND

// KIND: conversion: no-op

// CHECK-DAG: #[[MMA:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
// CHECK-DAG: #[[A:.*]] = #tilegpu.dot_op<{opIdx = 0, parent = #[[MMA]], kWidth = 2}>
// CHECK-DAG: #[[B:.*]] = #tilegpu.dot_op<{opIdx = 1, parent = #[[MMA]], kWidth = 2}>
// CHECK-DAG: #[[ROW:.*]] = #tilegpu.slice<{dim = 1, parent = #[[MMA]]}>
// CHECK-LABEL: func.func @attention_fwd
// Q is converted to the A operand once, before the loop.
// CHECK: tilegpu.convert_layout %{{.*}} : tensor<64x64xf16, #{{.*}}> -> tensor<64x64xf16, #[[A]]>
// CHECK: scf.for {{.*}} -> (tensor<64x64xf32, #[[MMA]]>, tensor<64xf32, #[[ROW]]>, tensor<64xf32, #[[ROW]]>)
// CHECK: %[[K:.*]] = tile.load
// CHECK: %[[V:.*]] = tile.load
// CHECK: %[[KT:.*]] = tile.trans %[[K]]
// CHECK: %[[KB:.*]] = tilegpu.convert_layout %[[KT]] : {{.*}} -> tensor<64x64xf16, #[[B]]>
// CHECK: tile.dot %{{.*}}, %[[KB]], %{{.*}} : {{.*}} -> tensor<64x64xf32, #[[MMA]]>
// CHECK-NOT: tilegpu.convert_layout
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x64xi1, #[[MMA]]>, tensor<64x64xf32, #[[MMA]]>
// CHECK-NOT: tilegpu.convert_layout
// CHECK: tile.reduce max %{{.*}} {{.*}} : tensor<64x64xf32, #[[MMA]]> -> tensor<64xf32, #[[ROW]]>
// CHECK-NOT: tilegpu.convert_layout
// CHECK: math.exp2 %{{.*}} : tensor<64x64xf32, #[[MMA]]>
// CHECK-NOT: tilegpu.convert_layout
// CHECK: tile.reduce sum %{{.*}} {{.*}} : tensor<64x64xf32, #[[MMA]]> -> tensor<64xf32, #[[ROW]]>
// CHECK-NOT: tilegpu.convert_layout
// CHECK: arith.mulf %{{.*}}, %{{.*}} : tensor<64x64xf32, #[[MMA]]>
// CHECK-NOT: tilegpu.convert_layout
// CHECK: %[[P:.*]] = arith.truncf %{{.*}} : tensor<64x64xf32, #[[MMA]]> to tensor<64x64xf16, #[[MMA]]>
// CHECK-NEXT: %[[PA:.*]] = tilegpu.convert_layout %[[P]] : tensor<64x64xf16, #[[MMA]]> -> tensor<64x64xf16, #[[A]]>
// CHECK-NEXT: %[[VB:.*]] = tilegpu.convert_layout %[[V]] : tensor<64x64xf16, #{{.*}}> -> tensor<64x64xf16, #[[B]]>
// CHECK-NEXT: %[[O:.*]] = tile.dot %[[PA]], %[[VB]], %{{.*}} : {{.*}} -> tensor<64x64xf32, #[[MMA]]>
// CHECK-NEXT: scf.yield %[[O]], %{{.*}}, %{{.*}} : tensor<64x64xf32, #[[MMA]]>, tensor<64xf32, #[[ROW]]>, tensor<64xf32, #[[ROW]]>

// FWD-DAG: #[[MMA:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
// FWD-DAG: #[[A:.*]] = #tilegpu.dot_op<{opIdx = 0, parent = #[[MMA]], kWidth = 2}>
// FWD-DAG: #[[B:.*]] = #tilegpu.dot_op<{opIdx = 1, parent = #[[MMA]], kWidth = 2}>
// FWD-DAG: #[[ROW:.*]] = #tilegpu.slice<{dim = 1, parent = #[[MMA]]}>
// FWD-LABEL: func.func @attention_fwd
// FWD: tilegpu.convert_layout %{{.*}} : tensor<64x64xf16, #{{.*}}> -> tensor<64x64xf16, #[[A]]>
// FWD: scf.for {{.*}} -> (tensor<64xf32, #[[ROW]]>, tensor<64xf32, #[[ROW]]>, tensor<64x64xf32, #[[MMA]]>)
// FWD: %[[K:.*]] = tile.load
// FWD: %[[V:.*]] = tile.load
// FWD: %[[KT:.*]] = tile.trans %[[K]]
// FWD: %[[KB:.*]] = tilegpu.convert_layout %[[KT]] : {{.*}} -> tensor<64x64xf16, #[[B]]>
// FWD: tile.dot %{{.*}}, %[[KB]], %{{.*}} : {{.*}} -> tensor<64x64xf32, #[[MMA]]>
// FWD-NOT: tilegpu.convert_layout
// FWD: arith.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x64xi1, #[[MMA]]>, tensor<64x64xf32, #[[MMA]]>
// FWD-NOT: tilegpu.convert_layout
// FWD: tile.reduce max %{{.*}} {{.*}} : tensor<64x64xf32, #[[MMA]]> -> tensor<64xf32, #[[ROW]]>
// FWD-NOT: tilegpu.convert_layout
// FWD: math.exp2 %{{.*}} : tensor<64x64xf32, #[[MMA]]>
// FWD-NOT: tilegpu.convert_layout
// FWD: tile.reduce sum %{{.*}} {{.*}} : tensor<64x64xf32, #[[MMA]]> -> tensor<64xf32, #[[ROW]]>
// FWD-NOT: tilegpu.convert_layout
// FWD: %[[P:.*]] = arith.truncf %{{.*}} : tensor<64x64xf32, #[[MMA]]> to tensor<64x64xf16, #[[MMA]]>
// FWD-NOT: tilegpu.convert_layout
// FWD: arith.mulf %{{.*}}, %{{.*}} : tensor<64x64xf32, #[[MMA]]>
// FWD-NEXT: %[[PA:.*]] = tilegpu.convert_layout %[[P]] : tensor<64x64xf16, #[[MMA]]> -> tensor<64x64xf16, #[[A]]>
// FWD-NEXT: %[[VB:.*]] = tilegpu.convert_layout %[[V]] : tensor<64x64xf16, #{{.*}}> -> tensor<64x64xf16, #[[B]]>
// FWD-NEXT: %[[O:.*]] = tile.dot %[[PA]], %[[VB]], %{{.*}} : {{.*}} -> tensor<64x64xf32, #[[MMA]]>
// FWD-NEXT: scf.yield %{{.*}}, %{{.*}}, %[[O]] : tensor<64xf32, #[[ROW]]>, tensor<64xf32, #[[ROW]]>, tensor<64x64xf32, #[[MMA]]>

// ALLOC-LABEL: func.func @attention_fwd
// ALLOC: scf.for
// ALLOC: tilegpu.convert_layout %{{[0-9]+}} {allocation.offset = 0 : i32} : {{.*}} -> tensor<64x64xf16, #dot_op{{.*}}>
// ALLOC: tilegpu.convert_layout %{{[0-9]+}} : tensor<64x64xf16, #mma> -> tensor<64x64xf16, #dot_op>
// ALLOC-NEXT: tilegpu.convert_layout %{{[0-9]+}} {allocation.offset = 0 : i32} : {{.*}} -> tensor<64x64xf16, #dot_op1>

module {
  func.func @attention_fwd(%Q: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %K: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %V: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %O: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %L: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %stride: i32 {tile.divisibility = 16 : i32}, %seqlen_q: i32, %seqlen_k: i32, %scale: f32) attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %c64 = arith.constant 64 : i32
    %ninf = arith.constant dense<0xFF800000> : tensor<64x64xf32>
    %zero2 = arith.constant dense<0.0> : tensor<64x64xf32>
    %zero16 = arith.constant dense<0.0> : tensor<64x64xf16>
    %mi0 = arith.constant dense<0xFF800000> : tensor<64xf32>
    %li0 = arith.constant dense<0.0> : tensor<64xf32>
    %ninf1 = arith.constant dense<0xFF800000> : tensor<64xf32>
    %zero1 = arith.constant dense<0.0> : tensor<64xf32>
    %one1 = arith.constant dense<1.0> : tensor<64xf32>
    %pid = tile.program_id 0
    %start = arith.muli %pid, %c64 : i32
    %r = tile.make_range 0 to 64 : tensor<64xi32>
    %startv = tile.splat %start : i32 -> tensor<64xi32>
    %rows = arith.addi %startv, %r : tensor<64xi32>
    %d = tile.make_range 0 to 64 : tensor<64xi32>
    // q tile
    %rows2 = tile.expand_dims %rows {axis = 1 : i32} : tensor<64xi32> -> tensor<64x1xi32>
    %stridev = tile.splat %stride : i32 -> tensor<64x1xi32>
    %roff = arith.muli %rows2, %stridev : tensor<64x1xi32>
    %roffb = tile.broadcast %roff : tensor<64x1xi32> -> tensor<64x64xi32>
    %d2 = tile.expand_dims %d {axis = 0 : i32} : tensor<64xi32> -> tensor<1x64xi32>
    %d2b = tile.broadcast %d2 : tensor<1x64xi32> -> tensor<64x64xi32>
    %qoff = arith.addi %roffb, %d2b : tensor<64x64xi32>
    %qbase = tile.splat %Q : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>>
    %qptr = tile.addptr %qbase, %qoff : tensor<64x64x!tile.ptr<f16>>, tensor<64x64xi32>
    %sq = tile.splat %seqlen_q : i32 -> tensor<64x1xi32>
    %qm1 = arith.cmpi slt, %rows2, %sq : tensor<64x1xi32>
    %qm = tile.broadcast %qm1 : tensor<64x1xi1> -> tensor<64x64xi1>
    %q = tile.load %qptr, %qm, %zero16 : tensor<64x64x!tile.ptr<f16>>
    %res:3 = scf.for %n = %c0 to %seqlen_k step %c64 iter_args(%acc = %zero2, %m_i = %mi0, %l_i = %li0) -> (tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>) : i32 {
      %nv = tile.splat %n : i32 -> tensor<64xi32>
      %cols = arith.addi %nv, %r : tensor<64xi32>
      %cols2 = tile.expand_dims %cols {axis = 1 : i32} : tensor<64xi32> -> tensor<64x1xi32>
      %koff1 = arith.muli %cols2, %stridev : tensor<64x1xi32>
      %koffb = tile.broadcast %koff1 : tensor<64x1xi32> -> tensor<64x64xi32>
      %koff = arith.addi %koffb, %d2b : tensor<64x64xi32>
      %kbase = tile.splat %K : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>>
      %kptr = tile.addptr %kbase, %koff : tensor<64x64x!tile.ptr<f16>>, tensor<64x64xi32>
      %k = tile.load %kptr : tensor<64x64x!tile.ptr<f16>>
      %vbase = tile.splat %V : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>>
      %vptr = tile.addptr %vbase, %koff : tensor<64x64x!tile.ptr<f16>>, tensor<64x64xi32>
      %v = tile.load %vptr : tensor<64x64x!tile.ptr<f16>>
      %kt = tile.trans %k {order = array<i32: 1, 0>} : tensor<64x64xf16> -> tensor<64x64xf16>
      %s0 = tile.dot %q, %kt, %zero2 : tensor<64x64xf16> * tensor<64x64xf16> -> tensor<64x64xf32>
      %scalev = tile.splat %scale : f32 -> tensor<64x64xf32>
      %s1 = arith.mulf %s0, %scalev : tensor<64x64xf32>
      // causal: cols[None, :] <= rows[:, None]
      %c2 = tile.expand_dims %cols {axis = 0 : i32} : tensor<64xi32> -> tensor<1x64xi32>
      %c2b = tile.broadcast %c2 : tensor<1x64xi32> -> tensor<64x64xi32>
      %r2b = tile.broadcast %rows2 : tensor<64x1xi32> -> tensor<64x64xi32>
      %vis = arith.cmpi sle, %c2b, %r2b : tensor<64x64xi32>
      %s = arith.select %vis, %s1, %ninf : tensor<64x64xi1>, tensor<64x64xf32>
      %rowmax = tile.reduce max %s {axis = 1 : i32} : tensor<64x64xf32> -> tensor<64xf32>
      %m_new = arith.maxnumf %m_i, %rowmax : tensor<64xf32>
      %isinf = arith.cmpf oeq, %m_new, %ninf1 : tensor<64xf32>
      %m_ref = arith.select %isinf, %zero1, %m_new : tensor<64xi1>, tensor<64xf32>
      %dm = arith.subf %m_i, %m_ref : tensor<64xf32>
      %alpha = math.exp2 %dm : tensor<64xf32>
      %mref2 = tile.expand_dims %m_ref {axis = 1 : i32} : tensor<64xf32> -> tensor<64x1xf32>
      %mref2b = tile.broadcast %mref2 : tensor<64x1xf32> -> tensor<64x64xf32>
      %sd = arith.subf %s, %mref2b : tensor<64x64xf32>
      %p = math.exp2 %sd : tensor<64x64xf32>
      %la = arith.mulf %l_i, %alpha : tensor<64xf32>
      %rowsum = tile.reduce sum %p {axis = 1 : i32} : tensor<64x64xf32> -> tensor<64xf32>
      %l_new = arith.addf %la, %rowsum : tensor<64xf32>
      %alpha2 = tile.expand_dims %alpha {axis = 1 : i32} : tensor<64xf32> -> tensor<64x1xf32>
      %alpha2b = tile.broadcast %alpha2 : tensor<64x1xf32> -> tensor<64x64xf32>
      %accs = arith.mulf %acc, %alpha2b : tensor<64x64xf32>
      %p16 = arith.truncf %p : tensor<64x64xf32> to tensor<64x64xf16>
      %acc_new = tile.dot %p16, %v, %accs : tensor<64x64xf16> * tensor<64x64xf16> -> tensor<64x64xf32>
      scf.yield %acc_new, %m_new, %l_new : tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>
    }
    %empty = arith.cmpf oeq, %res#2, %zero1 : tensor<64xf32>
    %lsafe = arith.select %empty, %one1, %res#2 : tensor<64xi1>, tensor<64xf32>
    %ls2 = tile.expand_dims %lsafe {axis = 1 : i32} : tensor<64xf32> -> tensor<64x1xf32>
    %ls2b = tile.broadcast %ls2 : tensor<64x1xf32> -> tensor<64x64xf32>
    %o = arith.divf %res#0, %ls2b : tensor<64x64xf32>
    %o16 = arith.truncf %o : tensor<64x64xf32> to tensor<64x64xf16>
    %obase = tile.splat %O : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>>
    %optr = tile.addptr %obase, %qoff : tensor<64x64x!tile.ptr<f16>>, tensor<64x64xi32>
    tile.store %optr, %o16, %qm : tensor<64x64x!tile.ptr<f16>>
    %lg = math.log %lsafe : tensor<64xf32>
    %lse = arith.addf %res#1, %lg : tensor<64xf32>
    %lbase = tile.splat %L : !tile.ptr<f32> -> tensor<64x!tile.ptr<f32>>
    %lptr = tile.addptr %lbase, %rows : tensor<64x!tile.ptr<f32>>, tensor<64xi32>
    %sq1 = tile.splat %seqlen_q : i32 -> tensor<64xi32>
    %lm = arith.cmpi slt, %rows, %sq1 : tensor<64xi32>
    tile.store %lptr, %lse, %lm : tensor<64x!tile.ptr<f32>>
    return
  }
}
