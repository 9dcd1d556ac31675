// RUN: flash-opt %s | flash-opt | FileCheck %s
// RUN: flash-opt %s --mlir-print-op-generic | flash-opt | FileCheck %s

// Every tile op parses, prints, and re-parses to the same thing, both in its
// custom form and in the generic form.

// CHECK-LABEL: func.func @identity
func.func @identity() -> (i32, i32) {
  // CHECK: tile.program_id 0
  %0 = tile.program_id 0
  // CHECK: tile.num_programs 2
  %1 = tile.num_programs 2
  return %0, %1 : i32, i32
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: f32, %v: tensor<64xf32>, %m: tensor<16x32xf16>) {
  // CHECK: tile.make_range 0 to 64 : tensor<64xi32>
  %r = tile.make_range 0 to 64 : tensor<64xi32>
  // CHECK: tile.make_range 32 to 48 : tensor<16xi32>
  %r2 = tile.make_range 32 to 48 : tensor<16xi32>
  // CHECK: tile.splat %{{.*}} : f32 -> tensor<8x64xf32>
  %s = tile.splat %x : f32 -> tensor<8x64xf32>
  // CHECK: tile.expand_dims %{{.*}} {axis = 0 : i32} : tensor<64xf32> -> tensor<1x64xf32>
  %e = tile.expand_dims %v {axis = 0 : i32} : tensor<64xf32> -> tensor<1x64xf32>
  // CHECK: tile.broadcast %{{.*}} : tensor<1x64xf32> -> tensor<8x64xf32>
  %b = tile.broadcast %e : tensor<1x64xf32> -> tensor<8x64xf32>
  // CHECK: tile.reshape %{{.*}} : tensor<8x64xf32> -> tensor<512xf32>
  %f = tile.reshape %b : tensor<8x64xf32> -> tensor<512xf32>
  // CHECK: tile.trans %{{.*}} {order = array<i32: 1, 0>} : tensor<16x32xf16> -> tensor<32x16xf16>
  %t = tile.trans %m {order = array<i32: 1, 0>} : tensor<16x32xf16> -> tensor<32x16xf16>
  return
}

// CHECK-LABEL: func.func @memory
func.func @memory(%p: !tile.ptr<f16>, %q: !tile.ptr<f32>, %i: i32) -> f16 {
  %r = tile.make_range 0 to 64 : tensor<64xi32>
  %ps = tile.splat %p : !tile.ptr<f16> -> tensor<64x!tile.ptr<f16>>
  // CHECK: tile.addptr %{{.*}}, %{{.*}} : tensor<64x!tile.ptr<f16>>, tensor<64xi32>
  %pp = tile.addptr %ps, %r : tensor<64x!tile.ptr<f16>>, tensor<64xi32>
  // CHECK: tile.addptr %{{.*}}, %{{.*}} : !tile.ptr<f16>, i32
  %p1 = tile.addptr %p, %i : !tile.ptr<f16>, i32
  %n = tile.splat %i : i32 -> tensor<64xi32>
  %mask = arith.cmpi slt, %r, %n : tensor<64xi32>
  %zero = arith.constant dense<0.0> : tensor<64xf16>
  // CHECK: tile.load %{{.*}} : tensor<64x!tile.ptr<f16>>
  %a = tile.load %pp : tensor<64x!tile.ptr<f16>>
  // CHECK: tile.load %{{.*}}, %{{.*}} : tensor<64x!tile.ptr<f16>>
  %b = tile.load %pp, %mask : tensor<64x!tile.ptr<f16>>
  // CHECK: tile.load %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x!tile.ptr<f16>>
  %c = tile.load %pp, %mask, %zero : tensor<64x!tile.ptr<f16>>
  // CHECK: tile.load %{{.*}} : !tile.ptr<f16>
  %s = tile.load %p1 : !tile.ptr<f16>
  // CHECK: tile.store %{{.*}}, %{{.*}} : tensor<64x!tile.ptr<f16>>
  tile.store %pp, %a : tensor<64x!tile.ptr<f16>>
  // CHECK: tile.store %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x!tile.ptr<f16>>
  tile.store %pp, %b, %mask : tensor<64x!tile.ptr<f16>>
  %qs = tile.splat %q : !tile.ptr<f32> -> tensor<64x!tile.ptr<f32>>
  %one = arith.constant dense<1.0> : tensor<64xf32>
  // CHECK: tile.atomic_rmw add, %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x!tile.ptr<f32>>
  %old = tile.atomic_rmw add, %qs, %one, %mask : tensor<64x!tile.ptr<f32>>
  // CHECK: tile.atomic_rmw xchg, %{{.*}}, %{{.*}} : tensor<64x!tile.ptr<f32>>
  %old2 = tile.atomic_rmw xchg, %qs, %one : tensor<64x!tile.ptr<f32>>
  return %s : f16
}

// CHECK-LABEL: func.func @compute
func.func @compute(%a: tensor<64x32xf16>, %b: tensor<32x16xf16>, %x: tensor<64x32xf32>, %y: tensor<32x16xf32>,
                   %i: tensor<64x16xi32>) {
  %acc = arith.constant dense<0.0> : tensor<64x16xf32>
  // CHECK: tile.dot %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x32xf16> * tensor<32x16xf16> -> tensor<64x16xf32>
  %d = tile.dot %a, %b, %acc : tensor<64x32xf16> * tensor<32x16xf16> -> tensor<64x16xf32>
  // CHECK: tile.dot %{{.*}}, %{{.*}}, %{{.*}} input_precision = ieee : tensor<64x32xf32> * tensor<32x16xf32> -> tensor<64x16xf32>
  %e = tile.dot %x, %y, %acc input_precision = ieee : tensor<64x32xf32> * tensor<32x16xf32> -> tensor<64x16xf32>
  // The default precision (tf32) is not printed.
  // CHECK: tile.dot %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x32xf32>
  %e2 = tile.dot %x, %y, %acc input_precision = tf32 : tensor<64x32xf32> * tensor<32x16xf32> -> tensor<64x16xf32>
  // CHECK: tile.reduce max %{{.*}} {axis = 1 : i32} : tensor<64x16xf32> -> tensor<64xf32>
  %m = tile.reduce max %d {axis = 1 : i32} : tensor<64x16xf32> -> tensor<64xf32>
  // CHECK: tile.reduce sum %{{.*}} {axis = 0 : i32} : tensor<64x16xf32> -> tensor<16xf32>
  %s = tile.reduce sum %d {axis = 0 : i32} : tensor<64x16xf32> -> tensor<16xf32>
  // CHECK: tile.reduce min %{{.*}} {axis = 0 : i32} : tensor<64xf32> -> f32
  %n = tile.reduce min %m {axis = 0 : i32} : tensor<64xf32> -> f32
  // CHECK: tile.reduce max %{{.*}} {axis = 1 : i32} : tensor<64x16xi32> -> tensor<64xi32>
  %im = tile.reduce max %i {axis = 1 : i32} : tensor<64x16xi32> -> tensor<64xi32>
  // A combiner with no short form keeps its region.
  // CHECK: tile.reduce %{{.*}} {axis = 0 : i32} : tensor<64xf32> -> f32 {
  // CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32):
  // CHECK-NEXT:   %[[R:.*]] = arith.mulf %[[A]], %[[B]] : f32
  // CHECK-NEXT:   tile.reduce_return %[[R]] : f32
  // CHECK-NEXT: }
  %p = tile.reduce %m {axis = 0 : i32} : tensor<64xf32> -> f32 {
  ^bb0(%l: f32, %r: f32):
    %0 = arith.mulf %l, %r : f32
    tile.reduce_return %0 : f32
  }
  // maximumf (NaN-propagating) is not the short form's maxnumf.
  // CHECK: tile.reduce %{{.*}} {axis = 0 : i32} : tensor<64xf32> -> f32 {
  // CHECK: arith.maximumf
  %q = tile.reduce %m {axis = 0 : i32} : tensor<64xf32> -> f32 {
  ^bb0(%l: f32, %r: f32):
    %0 = arith.maximumf %l, %r : f32
    tile.reduce_return %0 : f32
  }
  return
}

// CHECK-LABEL: func.func @types
// CHECK-SAME: !tile.ptr<bf16, 3>
func.func @types(%p: !tile.ptr<bf16, 3>, %q: !tile.ptr<i8>) {
  return
}
