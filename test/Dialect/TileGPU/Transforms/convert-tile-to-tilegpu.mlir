// RUN: flash-opt %s --split-input-file --convert-tile-to-tilegpu | FileCheck %s
// RUN: flash-opt %s --split-input-file --convert-tile-to-tilegpu="num-warps=8 target=cuda:90" | FileCheck %s --check-prefix=W8

// Default layouts depend on the shape only: up to 4 elements per thread
// along the last dimension (fewer when the block has fewer elements than
// 4 per thread), lanes along the last dimension first, warps along
// dimension 0 first; lanes and warps beyond the shape hold duplicates.

// CHECK-DAG: #[[R1024:.*]] = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-DAG: #[[B64x64:.*]] = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
// CHECK-DAG: #[[B64x1:.*]] = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [4, 1], order = [1, 0]}>
// CHECK-DAG: #[[B1x64:.*]] = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [2, 2], order = [1, 0]}>
// CHECK-DAG: #[[R64:.*]] = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-DAG: #[[B4x4:.*]] = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], order = [1, 0]}>
// CHECK-DAG: #[[B3D:.*]] = #tilegpu.blocked<{sizePerThread = [1, 1, 2], threadsPerWarp = [4, 8, 1], warpsPerCTA = [4, 1, 1], order = [2, 1, 0]}>
// CHECK: module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"}

// CHECK-LABEL: func.func @defaults
func.func @defaults(%p: !tile.ptr<f16>, %x: f32) {
  // CHECK: tile.make_range 0 to 1024 : tensor<1024xi32, #[[R1024]]>
  %r = tile.make_range 0 to 1024 : tensor<1024xi32>
  // CHECK: tile.splat %{{.*}} : f32 -> tensor<64x64xf32, #[[B64x64]]>
  %a = tile.splat %x : f32 -> tensor<64x64xf32>
  // CHECK: tensor<64x1xf32, #[[B64x1]]>
  %b = tile.splat %x : f32 -> tensor<64x1xf32>
  // CHECK: tensor<1x64xf32, #[[B1x64]]>
  %c = tile.splat %x : f32 -> tensor<1x64xf32>
  // CHECK: tensor<64xf32, #[[R64]]>
  %d = tile.splat %x : f32 -> tensor<64xf32>
  // CHECK: tensor<4x4xf32, #[[B4x4]]>
  %e = tile.splat %x : f32 -> tensor<4x4xf32>
  // CHECK: tensor<16x8x2xf32, #[[B3D]]>
  %f = tile.splat %x : f32 -> tensor<16x8x2xf32>
  // Scalars keep their types.
  // CHECK: tile.addptr %{{.*}}, %{{.*}} : !tile.ptr<f16>, i32
  %c1 = arith.constant 1 : i32
  %q = tile.addptr %p, %c1 : !tile.ptr<f16>, i32
  return
}

// -----

// Elementwise code, memory ops and constants of one shape share the one
// default layout: no conversion.

// CHECK-DAG: #[[B:.*]] = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: !tile.ptr<f32>, %n: i32) {
  // CHECK: arith.constant dense<0.000000e+00> : tensor<1024xf32, #[[B]]>
  %zero = arith.constant dense<0.0> : tensor<1024xf32>
  %r = tile.make_range 0 to 1024 : tensor<1024xi32>
  %nv = tile.splat %n : i32 -> tensor<1024xi32>
  %m = arith.cmpi slt, %r, %nv : tensor<1024xi32>
  %base = tile.splat %x : !tile.ptr<f32> -> tensor<1024x!tile.ptr<f32>>
  %p = tile.addptr %base, %r : tensor<1024x!tile.ptr<f32>>, tensor<1024xi32>
  // CHECK: tile.load %{{.*}}, %{{.*}}, %{{.*}} : tensor<1024x!tile.ptr<f32>, #[[B]]>
  %v = tile.load %p, %m, %zero : tensor<1024x!tile.ptr<f32>>
  // CHECK: math.exp %{{.*}} : tensor<1024xf32, #[[B]]>
  %e = math.exp %v : tensor<1024xf32>
  // CHECK: tile.store %{{.*}}, %{{.*}}, %{{.*}} : tensor<1024x!tile.ptr<f32>, #[[B]]>
  tile.store %p, %e, %m : tensor<1024x!tile.ptr<f32>>
  // CHECK-NOT: tilegpu.convert_layout
  return
}

// -----

// Ops with a layout contract get converts: a reduction's result is a slice
// of its source, expand_dims takes a slice of its result, broadcast keeps
// its encoding, trans permutes its source's blocked layout. A reduction to
// a scalar takes any layout.

// CHECK-DAG: #[[X:.*]] = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
// CHECK-DAG: #[[V:.*]] = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-DAG: #[[COL:.*]] = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [4, 1], order = [1, 0]}>
// CHECK-DAG: #[[T:.*]] = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
// CHECK-DAG: #[[XT:.*]] = #tilegpu.blocked<{sizePerThread = [4, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]}>
// CHECK-DAG: #[[XROW:.*]] = #tilegpu.slice<{dim = 1, parent = #[[X]]}>
// CHECK-DAG: #[[COLROW:.*]] = #tilegpu.slice<{dim = 1, parent = #[[COL]]}>

// CHECK-LABEL: func.func @contracts
// CHECK-SAME: %[[ARG:.*]]: tensor<64x32xf32, #[[X]]>
func.func @contracts(%x: tensor<64x32xf32>) -> tensor<32x64xf32> {
  // CHECK: %[[M:.*]] = tile.reduce max %[[ARG]] {axis = 1 : i32} : tensor<64x32xf32, #[[X]]> -> tensor<64xf32, #[[XROW]]>
  // CHECK: %[[MV:.*]] = tilegpu.convert_layout %[[M]] : tensor<64xf32, #[[XROW]]> -> tensor<64xf32, #[[V]]>
  %m = tile.reduce max %x {axis = 1 : i32} : tensor<64x32xf32> -> tensor<64xf32>
  // CHECK: %[[MS:.*]] = tilegpu.convert_layout %[[MV]] : tensor<64xf32, #[[V]]> -> tensor<64xf32, #[[COLROW]]>
  // CHECK: %[[E:.*]] = tile.expand_dims %[[MS]] {axis = 1 : i32} : tensor<64xf32, #[[COLROW]]> -> tensor<64x1xf32, #[[COL]]>
  %e = tile.expand_dims %m {axis = 1 : i32} : tensor<64xf32> -> tensor<64x1xf32>
  // CHECK: %[[EX:.*]] = tilegpu.convert_layout %[[E]] : tensor<64x1xf32, #[[COL]]> -> tensor<64x1xf32, #[[X]]>
  // CHECK: %[[B:.*]] = tile.broadcast %[[EX]] : tensor<64x1xf32, #[[X]]> -> tensor<64x32xf32, #[[X]]>
  %b = tile.broadcast %e : tensor<64x1xf32> -> tensor<64x32xf32>
  // CHECK: %[[S:.*]] = arith.subf %[[ARG]], %[[B]] : tensor<64x32xf32, #[[X]]>
  %s = arith.subf %x, %b : tensor<64x32xf32>
  // CHECK: %[[TR:.*]] = tile.trans %[[S]] {order = array<i32: 1, 0>} : tensor<64x32xf32, #[[X]]> -> tensor<32x64xf32, #[[XT]]>
  // CHECK: %[[TD:.*]] = tilegpu.convert_layout %[[TR]] : tensor<32x64xf32, #[[XT]]> -> tensor<32x64xf32, #[[T]]>
  %t = tile.trans %s {order = array<i32: 1, 0>} : tensor<64x32xf32> -> tensor<32x64xf32>
  // CHECK: tile.reduce sum %[[MV]] {axis = 0 : i32} : tensor<64xf32, #[[V]]> -> f32
  %total = tile.reduce sum %m {axis = 0 : i32} : tensor<64xf32> -> f32
  // CHECK: return %[[TD]] : tensor<32x64xf32, #[[T]]>
  return %t : tensor<32x64xf32>
}

// -----

// Loops and branches carry the converted types; with 8 warps, a 64-element
// vector spreads over all of them, duplicated.

// CHECK-DAG: #[[V:.*]] = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// W8-COUNT-3: {{^}}// {{-----$}}
// W8: #[[V8:.*]] = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [8], order = [0]}>
// W8-NEXT: module attributes {tilegpu.num_warps = 8 : i32, tilegpu.target = "cuda:90"}

// CHECK-LABEL: func.func @control
// CHECK-SAME: -> tensor<64xf32, #[[V]]>
// W8-LABEL: func.func @control
// W8-SAME: -> tensor<64xf32, #[[V8]]>
func.func @control(%n: i32, %c: i1) -> tensor<64xf32> {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %zero = arith.constant dense<0.0> : tensor<64xf32>
  // CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<64xf32, #[[V]]>)
  %r = scf.for %k = %c0 to %n step %c1 iter_args(%acc = %zero) -> (tensor<64xf32>) : i32 {
    // CHECK: scf.if %{{.*}} -> (tensor<64xf32, #[[V]]>)
    %y = scf.if %c -> (tensor<64xf32>) {
      %a = arith.addf %acc, %acc : tensor<64xf32>
      scf.yield %a : tensor<64xf32>
    } else {
      scf.yield %acc : tensor<64xf32>
    }
    // CHECK: scf.yield %{{.*}} : tensor<64xf32, #[[V]]>
    scf.yield %y : tensor<64xf32>
  }
  // CHECK: scf.while (%{{.*}} = %{{.*}}) : (tensor<64xf32, #[[V]]>) -> tensor<64xf32, #[[V]]>
  %w = scf.while (%v = %r) : (tensor<64xf32>) -> tensor<64xf32> {
    // CHECK: scf.condition(%{{.*}}) %{{.*}} : tensor<64xf32, #[[V]]>
    scf.condition(%c) %v : tensor<64xf32>
  } do {
  // CHECK: ^bb0(%{{.*}}: tensor<64xf32, #[[V]]>):
  ^bb0(%v: tensor<64xf32>):
    scf.yield %v : tensor<64xf32>
  }
  // CHECK-NOT: tilegpu.convert_layout
  return %w : tensor<64xf32>
}

// -----

// Blocks that already have a layout are left alone.

// CHECK-DAG: #[[MMA:.*]] = #tilegpu.mma
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
// CHECK-LABEL: func.func @already_laid_out
func.func @already_laid_out(%x: tensor<64x64xf32, #mma>) -> tensor<64x64xf32, #mma> {
  // CHECK: math.exp2 %{{.*}} : tensor<64x64xf32, #[[MMA]]>
  %e = math.exp2 %x : tensor<64x64xf32, #mma>
  // CHECK-NOT: tilegpu.convert_layout
  return %e : tensor<64x64xf32, #mma>
}
