// RUN: flash-opt %s --split-input-file --convert-tilegpu-to-llvm | FileCheck %s

#blocked = #tilegpu.blocked<{sizePerThread = [2], threadsPerWarp = [32], warpsPerCTA = [1], order = [0]}>

// An op on a tensor is the op on each of the thread's registers (2 here);
// the scalar arith ops are left to convert-arith-to-llvm. (A function
// without tile.kernel is a device function; tensors pass as structs.)

// CHECK-LABEL: llvm.func @arith(
// CHECK-SAME: %[[A:.*]]: !llvm.struct<(f32, f32)>, %[[B:.*]]: !llvm.struct<(f32, f32)>, %{{.*}}: !llvm.ptr<1>)
// CHECK-NOT: nvvm.kernel
// CHECK: %[[A0:.*]] = llvm.extractvalue %[[A]][0] : !llvm.struct<(f32, f32)>
// CHECK: %[[A1:.*]] = llvm.extractvalue %[[A]][1] : !llvm.struct<(f32, f32)>
// CHECK: %[[B0:.*]] = llvm.extractvalue %[[B]][0] : !llvm.struct<(f32, f32)>
// CHECK: %[[B1:.*]] = llvm.extractvalue %[[B]][1] : !llvm.struct<(f32, f32)>
// CHECK: %[[S0:.*]] = arith.addf %[[A0]], %[[B0]] : f32
// CHECK: %[[S1:.*]] = arith.addf %[[A1]], %[[B1]] : f32
// CHECK: %[[U:.*]] = llvm.mlir.undef : !llvm.struct<(f32, f32)>
// CHECK: %[[U0:.*]] = llvm.insertvalue %[[S0]], %[[U]][0]
// CHECK: llvm.insertvalue %[[S1]], %[[U0]][1]
// CHECK: arith.cmpf olt, %{{.*}}, %{{.*}} : f32
// CHECK: arith.cmpf olt, %{{.*}}, %{{.*}} : f32
// CHECK: llvm.mlir.undef : !llvm.struct<(i1, i1)>
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: llvm.mlir.undef : !llvm.struct<(f16, f16)>
module attributes {tilegpu.num_warps = 1 : i32} {
  func.func @arith(%a: tensor<64xf32, #blocked>, %b: tensor<64xf32, #blocked>, %p: !tile.ptr<f16>) {
    %s = arith.addf %a, %b : tensor<64xf32, #blocked>
    %lt = arith.cmpf olt, %s, %b : tensor<64xf32, #blocked>
    %m = arith.select %lt, %s, %a : tensor<64xi1, #blocked>, tensor<64xf32, #blocked>
    %h = arith.truncf %m : tensor<64xf32, #blocked> to tensor<64xf16, #blocked>
    %r = tile.make_range 0 to 64 : tensor<64xi32, #blocked>
    %pb = tile.splat %p : !tile.ptr<f16> -> tensor<64x!tile.ptr<f16>, #blocked>
    %pp = tile.addptr %pb, %r : tensor<64x!tile.ptr<f16>, #blocked>, tensor<64xi32, #blocked>
    tile.store %pp, %h : tensor<64x!tile.ptr<f16>, #blocked>
    return
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [1], order = [0]}>

// Transcendentals of f32 use the approximate PTX instructions: exp2 is
// ex2.approx.ftz (results below 2^-126 flush to zero), exp multiplies by
// log2(e) first, log2 is lg2.approx, log
// multiplies its result by ln(2), rsqrt is rsqrt.approx, tanh is
// tanh.approx; f16 is computed in f32; erf becomes a polynomial (no math op
// is left but the ones PTX has).

// CHECK-LABEL: llvm.func @transcendental(
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%{{.*}}) : (f32) -> f32
// CHECK: %[[LOG2E:.*]] = llvm.mlir.constant(1.44269502 : f32) : f32
// CHECK: %[[XS:.*]] = llvm.fmul %{{.*}}, %[[LOG2E]] : f32
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%[[XS]]) : (f32) -> f32
// CHECK: llvm.call_intrinsic "llvm.nvvm.lg2.approx.f"(%{{.*}}) : (f32) -> f32
// CHECK: %[[LN:.*]] = llvm.call_intrinsic "llvm.nvvm.lg2.approx.f"(%{{.*}}) : (f32) -> f32
// CHECK: %[[LN2:.*]] = llvm.mlir.constant(0.693147182 : f32) : f32
// CHECK: llvm.fmul %[[LN]], %[[LN2]] : f32
// CHECK: llvm.call_intrinsic "llvm.nvvm.rsqrt.approx.f"(%{{.*}}) : (f32) -> f32
// CHECK: llvm.intr.tanh(%{{.*}}) {fastmathFlags = #llvm.fastmath<afn>} : (f32) -> f32
// CHECK: %[[H:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK: %[[HS:.*]] = llvm.fmul %[[H]], %{{.*}} : f32
// CHECK: %[[HE:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%[[HS]])
// CHECK: arith.truncf %[[HE]] : f32 to f16
// CHECK-NOT: math.erf
// CHECK-NOT: math.tanh
// CHECK: llvm.return
module attributes {tilegpu.num_warps = 1 : i32} {
  func.func @transcendental(%p: !tile.ptr<f32>, %q: !tile.ptr<f16>) attributes {tile.kernel} {
    %r = tile.make_range 0 to 32 : tensor<32xi32, #blocked>
    %pb = tile.splat %p : !tile.ptr<f32> -> tensor<32x!tile.ptr<f32>, #blocked>
    %pp = tile.addptr %pb, %r : tensor<32x!tile.ptr<f32>, #blocked>, tensor<32xi32, #blocked>
    %x = tile.load %pp : tensor<32x!tile.ptr<f32>, #blocked>
    %e2 = math.exp2 %x : tensor<32xf32, #blocked>
    %e = math.exp %x : tensor<32xf32, #blocked>
    %l2 = math.log2 %x : tensor<32xf32, #blocked>
    %l = math.log %x : tensor<32xf32, #blocked>
    %rs = math.rsqrt %x : tensor<32xf32, #blocked>
    %th = math.tanh %x : tensor<32xf32, #blocked>
    %qb = tile.splat %q : !tile.ptr<f16> -> tensor<32x!tile.ptr<f16>, #blocked>
    %qp = tile.addptr %qb, %r : tensor<32x!tile.ptr<f16>, #blocked>, tensor<32xi32, #blocked>
    %h = tile.load %qp : tensor<32x!tile.ptr<f16>, #blocked>
    %he = math.exp %h : tensor<32xf16, #blocked>
    %erf = math.erf %x : tensor<32xf32, #blocked>
    %s0 = arith.addf %e2, %e : tensor<32xf32, #blocked>
    %s1 = arith.addf %l2, %l : tensor<32xf32, #blocked>
    %s2 = arith.addf %rs, %erf : tensor<32xf32, #blocked>
    %s3 = arith.addf %s0, %s1 : tensor<32xf32, #blocked>
    %s4 = arith.addf %s3, %s2 : tensor<32xf32, #blocked>
    %s5 = arith.addf %s4, %th : tensor<32xf32, #blocked>
    tile.store %pp, %s5 : tensor<32x!tile.ptr<f32>, #blocked>
    tile.store %qp, %he : tensor<32x!tile.ptr<f16>, #blocked>
    return
  }
}
