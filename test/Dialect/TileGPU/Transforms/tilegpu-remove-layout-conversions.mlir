// RUN: flash-opt %s --split-input-file --tilegpu-remove-layout-conversions | FileCheck %s

#b = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#c = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>

// Identity converts and convert chains fold away.

// CHECK-LABEL: func.func @chains
// CHECK-SAME: (%[[X:.*]]: tensor<64x64xf32
func.func @chains(%x: tensor<64x64xf32, #b>) -> tensor<64x64xf32, #b> {
  %y = tilegpu.convert_layout %x : tensor<64x64xf32, #b> -> tensor<64x64xf32, #c>
  %z = tilegpu.convert_layout %y : tensor<64x64xf32, #c> -> tensor<64x64xf32, #b>
  // CHECK-NOT: tilegpu.convert_layout
  // CHECK: return %[[X]]
  return %z : tensor<64x64xf32, #b>
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#v = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#col = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [4, 1], order = [1, 0]}>
#bs = #tilegpu.slice<{dim = 1, parent = #b}>
#cs = #tilegpu.slice<{dim = 1, parent = #col}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#da = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#db = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// The mma layout of a dot flows forward through elementwise ops, a
// reduction (as its slice), expand_dims of that slice and broadcast; the
// splat operand is rebuilt in the mma layout. The converts
// convert-tile-to-tilegpu and tilegpu-accelerate-matmul left go away.

// CHECK-DAG: #[[MMA:.*]] = #tilegpu.mma
// CHECK-DAG: #[[ROW:.*]] = #tilegpu.slice<{dim = 1, parent = #[[MMA]]}>
// CHECK-LABEL: func.func @forward
func.func @forward(%a: tensor<64x16xf16, #da>, %bb: tensor<16x64xf16, #db>, %s: f32) -> tensor<64x64xf32, #b> {
  %zero = arith.constant dense<0.0> : tensor<64x64xf32, #mma>
  // CHECK: %[[D:.*]] = tile.dot
  %d = tile.dot %a, %bb, %zero : tensor<64x16xf16, #da> * tensor<16x64xf16, #db> -> tensor<64x64xf32, #mma>
  %d2 = tilegpu.convert_layout %d : tensor<64x64xf32, #mma> -> tensor<64x64xf32, #b>
  // CHECK: %[[SC:.*]] = tile.splat %{{.*}} : f32 -> tensor<64x64xf32, #[[MMA]]>
  // CHECK: %[[X:.*]] = arith.mulf %[[D]], %[[SC]] : tensor<64x64xf32, #[[MMA]]>
  %sc = tile.splat %s : f32 -> tensor<64x64xf32, #b>
  %x = arith.mulf %d2, %sc : tensor<64x64xf32, #b>
  // CHECK: %[[M:.*]] = tile.reduce max %[[X]] {axis = 1 : i32} : tensor<64x64xf32, #[[MMA]]> -> tensor<64xf32, #[[ROW]]>
  %m = tile.reduce max %x {axis = 1 : i32} : tensor<64x64xf32, #b> -> tensor<64xf32, #bs>
  %m1 = tilegpu.convert_layout %m : tensor<64xf32, #bs> -> tensor<64xf32, #v>
  // CHECK: %[[E:.*]] = math.exp2 %[[M]] : tensor<64xf32, #[[ROW]]>
  %e = math.exp2 %m1 : tensor<64xf32, #v>
  %e1 = tilegpu.convert_layout %e : tensor<64xf32, #v> -> tensor<64xf32, #cs>
  // CHECK: %[[E2:.*]] = tile.expand_dims %[[E]] {axis = 1 : i32} : tensor<64xf32, #[[ROW]]> -> tensor<64x1xf32, #[[MMA]]>
  %e2 = tile.expand_dims %e1 {axis = 1 : i32} : tensor<64xf32, #cs> -> tensor<64x1xf32, #col>
  %e3 = tilegpu.convert_layout %e2 : tensor<64x1xf32, #col> -> tensor<64x1xf32, #b>
  // CHECK: %[[EB:.*]] = tile.broadcast %[[E2]] : tensor<64x1xf32, #[[MMA]]> -> tensor<64x64xf32, #[[MMA]]>
  %eb = tile.broadcast %e3 : tensor<64x1xf32, #b> -> tensor<64x64xf32, #b>
  // CHECK: %[[Y:.*]] = arith.subf %[[X]], %[[EB]] : tensor<64x64xf32, #[[MMA]]>
  %y = arith.subf %x, %eb : tensor<64x64xf32, #b>
  // The function's result keeps its type: one convert at the end.
  // CHECK: %[[R:.*]] = tilegpu.convert_layout %[[Y]] : tensor<64x64xf32, #[[MMA]]> -> tensor<64x64xf32, #{{.*}}>
  // CHECK: return %[[R]]
  return %y : tensor<64x64xf32, #b>
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#da = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#db = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// A loop-carried accumulator takes the mma layout of the dot that updates
// it; the loop-invariant conversion of the A operand leaves the loop.

// CHECK-DAG: #[[MMA:.*]] = #tilegpu.mma
// CHECK-DAG: #[[A:.*]] = #tilegpu.dot_op<{opIdx = 0
// CHECK-LABEL: func.func @loop
func.func @loop(%a: tensor<64x16xf16, #b>, %bb: tensor<16x64xf16, #db>, %n: i32) -> tensor<64x64xf32, #b> {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  // CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #[[MMA]]>
  %zero = arith.constant dense<0.0> : tensor<64x64xf32, #b>
  // CHECK: %[[AA:.*]] = tilegpu.convert_layout %{{.*}} -> tensor<64x16xf16, #[[A]]>
  // CHECK: %[[R:.*]] = scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (tensor<64x64xf32, #[[MMA]]>)
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (tensor<64x64xf32, #b>) : i32 {
    %aa = tilegpu.convert_layout %a : tensor<64x16xf16, #b> -> tensor<64x16xf16, #da>
    %am = tilegpu.convert_layout %acc : tensor<64x64xf32, #b> -> tensor<64x64xf32, #mma>
    // CHECK-NEXT: %[[D:.*]] = tile.dot %[[AA]], %{{.*}}, %[[ACC]]
    %d = tile.dot %aa, %bb, %am : tensor<64x16xf16, #da> * tensor<16x64xf16, #db> -> tensor<64x64xf32, #mma>
    %d2 = tilegpu.convert_layout %d : tensor<64x64xf32, #mma> -> tensor<64x64xf32, #b>
    // CHECK-NEXT: scf.yield %[[D]] : tensor<64x64xf32, #[[MMA]]>
    scf.yield %d2 : tensor<64x64xf32, #b>
  }
  // CHECK: tilegpu.convert_layout %[[R]] : tensor<64x64xf32, #[[MMA]]>
  return %r : tensor<64x64xf32, #b>
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#col = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [4, 1], order = [1, 0]}>
#row = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [2, 2], order = [1, 0]}>
#cs = #tilegpu.slice<{dim = 1, parent = #col}>
#rs = #tilegpu.slice<{dim = 0, parent = #row}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>

// A mask computed from ranges is recomputed in the layout it is needed in
// (the ranges in slices of mma) instead of being converted.

// CHECK-DAG: #[[MMA:.*]] = #tilegpu.mma
// CHECK-DAG: #[[ROWS:.*]] = #tilegpu.slice<{dim = 1, parent = #[[MMA]]}>
// CHECK-DAG: #[[COLS:.*]] = #tilegpu.slice<{dim = 0, parent = #[[MMA]]}>
// CHECK-LABEL: func.func @rematerialize_mask
func.func @rematerialize_mask(%s: tensor<64x64xf32, #mma>, %n: i32) -> tensor<64x64xf32, #mma> {
  // CHECK-NOT: tilegpu.convert_layout
  // CHECK-DAG: tile.make_range 0 to 64 : tensor<64xi32, #[[ROWS]]>
  // CHECK-DAG: tile.make_range 0 to 64 : tensor<64xi32, #[[COLS]]>
  // CHECK: %[[M:.*]] = arith.cmpi sle, %{{.*}}, %{{.*}} : tensor<64x64xi32, #[[MMA]]>
  // CHECK: arith.select %[[M]], %{{.*}}, %{{.*}} : tensor<64x64xi1, #[[MMA]]>, tensor<64x64xf32, #[[MMA]]>
  // CHECK-NOT: tilegpu.convert_layout
  %ninf = arith.constant dense<0xFF800000> : tensor<64x64xf32, #mma>
  %r = tile.make_range 0 to 64 : tensor<64xi32, #cs>
  %rows = tile.expand_dims %r {axis = 1 : i32} : tensor<64xi32, #cs> -> tensor<64x1xi32, #col>
  %rows2 = tilegpu.convert_layout %rows : tensor<64x1xi32, #col> -> tensor<64x1xi32, #b>
  %rb = tile.broadcast %rows2 : tensor<64x1xi32, #b> -> tensor<64x64xi32, #b>
  %c = tile.make_range 0 to 64 : tensor<64xi32, #rs>
  %nv = tile.splat %n : i32 -> tensor<64xi32, #rs>
  %cn = arith.addi %c, %nv : tensor<64xi32, #rs>
  %cols = tile.expand_dims %cn {axis = 0 : i32} : tensor<64xi32, #rs> -> tensor<1x64xi32, #row>
  %cols2 = tilegpu.convert_layout %cols : tensor<1x64xi32, #row> -> tensor<1x64xi32, #b>
  %cb = tile.broadcast %cols2 : tensor<1x64xi32, #b> -> tensor<64x64xi32, #b>
  %mask = arith.cmpi sle, %cb, %rb : tensor<64x64xi32, #b>
  %mm = tilegpu.convert_layout %mask : tensor<64x64xi1, #b> -> tensor<64x64xi1, #mma>
  %y = arith.select %mm, %s, %ninf : tensor<64x64xi1, #mma>, tensor<64x64xf32, #mma>
  return %y : tensor<64x64xf32, #mma>
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#c = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>

// A coalesced load's layout flows to the code using it, up to the store
// with the same layout; the pointers are recomputed in it: no convert is
// left.

// CHECK-DAG: #[[C:.*]] = #tilegpu.blocked<{sizePerThread = [1, 8]
// CHECK-LABEL: func.func @load_anchor
func.func @load_anchor(%base: !tile.ptr<f16>, %out: !tile.ptr<f16>) {
  // CHECK-NOT: tilegpu.convert_layout
  %p = tile.splat %base : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>, #b>
  %q = tile.splat %out : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>, #b>
  // CHECK: %[[X:.*]] = tile.load %{{.*}} : tensor<64x64x!tile.ptr<f16>, #[[C]]>
  // CHECK: %[[Y:.*]] = math.exp2 %[[X]] : tensor<64x64xf16, #[[C]]>
  // CHECK: tile.store %{{.*}}, %[[Y]] : tensor<64x64x!tile.ptr<f16>, #[[C]]>
  %pc = tilegpu.convert_layout %p : tensor<64x64x!tile.ptr<f16>, #b> -> tensor<64x64x!tile.ptr<f16>, #c>
  %xc = tile.load %pc : tensor<64x64x!tile.ptr<f16>, #c>
  %x = tilegpu.convert_layout %xc : tensor<64x64xf16, #c> -> tensor<64x64xf16, #b>
  %y = math.exp2 %x : tensor<64x64xf16, #b>
  %qc = tilegpu.convert_layout %q : tensor<64x64x!tile.ptr<f16>, #b> -> tensor<64x64x!tile.ptr<f16>, #c>
  %yc = tilegpu.convert_layout %y : tensor<64x64xf16, #b> -> tensor<64x64xf16, #c>
  tile.store %qc, %yc : tensor<64x64x!tile.ptr<f16>, #c>
  return
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#c = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>

// Negative: without anchors nothing moves, and a convert of a value that
// cannot be recomputed more cheaply than it is converted stays.

// CHECK-DAG: #[[B:.*]] = #tilegpu.blocked<{sizePerThread = [1, 4]
// CHECK-DAG: #[[C:.*]] = #tilegpu.blocked<{sizePerThread = [1, 8]
// CHECK-LABEL: func.func @keep
func.func @keep(%x: tensor<64x64xf32, #b>, %p: tensor<64x64x!tile.ptr<f32>, #c>) -> tensor<64x64xf32, #b> {
  // CHECK: %[[E:.*]] = math.exp %{{.*}} : tensor<64x64xf32, #[[B]]>
  // CHECK: %[[EC:.*]] = tilegpu.convert_layout %[[E]] : tensor<64x64xf32, #[[B]]> -> tensor<64x64xf32, #[[C]]>
  // CHECK: tile.store %{{.*}}, %[[EC]]
  // CHECK: return %[[E]]
  %e = math.exp %x : tensor<64x64xf32, #b>
  %ec = tilegpu.convert_layout %e : tensor<64x64xf32, #b> -> tensor<64x64xf32, #c>
  tile.store %p, %ec : tensor<64x64x!tile.ptr<f32>, #c>
  return %e : tensor<64x64xf32, #b>
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#da = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#db = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// Both branches of an scf.if yield the value in the dot's layout.

// CHECK-DAG: #[[MMA:.*]] = #tilegpu.mma
// CHECK-LABEL: func.func @branches
func.func @branches(%a: tensor<64x16xf16, #da>, %bb: tensor<16x64xf16, #db>, %c: i1) -> tensor<64x64xf32, #b> {
  %zero = arith.constant dense<0.0> : tensor<64x64xf32, #mma>
  %d = tile.dot %a, %bb, %zero : tensor<64x16xf16, #da> * tensor<16x64xf16, #db> -> tensor<64x64xf32, #mma>
  %d2 = tilegpu.convert_layout %d : tensor<64x64xf32, #mma> -> tensor<64x64xf32, #b>
  %ones = arith.constant dense<1.0> : tensor<64x64xf32, #b>
  // CHECK: scf.if %{{.*}} -> (tensor<64x64xf32, #[[MMA]]>)
  %r = scf.if %c -> (tensor<64x64xf32, #b>) {
    // CHECK: math.exp2 %{{.*}} : tensor<64x64xf32, #[[MMA]]>
    %e = math.exp2 %d2 : tensor<64x64xf32, #b>
    scf.yield %e : tensor<64x64xf32, #b>
  } else {
    // CHECK: scf.yield %{{.*}} : tensor<64x64xf32, #[[MMA]]>
    scf.yield %ones : tensor<64x64xf32, #b>
  }
  return %r : tensor<64x64xf32, #b>
}
