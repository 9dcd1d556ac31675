// RUN: flash-opt %s --split-input-file --convert-tilegpu-to-llvm | FileCheck %s

#blocked = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [2], order = [0]}>

// make_range: register r of lane l in warp w holds r + 4 l + 128 w, computed
// once per thread as ((lane & 31) << 2) ^ ((warp & 1) << 7); the register's
// constant r (bits no lane or warp sets) plus the start is added to it.

// CHECK-LABEL: llvm.func @make_range(
// CHECK: %[[TID:.*]] = nvvm.read.ptx.sreg.tid.x : i32
// CHECK: %[[LANE:.*]] = llvm.and %[[TID]], %{{.*}} : i32
// CHECK: %[[WARP:.*]] = llvm.lshr %[[TID]], %{{.*}} : i32
// CHECK: %[[C31:.*]] = llvm.mlir.constant(31 : i32) : i32
// CHECK: %[[L:.*]] = llvm.and %[[LANE]], %[[C31]] : i32
// CHECK: %[[C2:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK: %[[LS:.*]] = llvm.shl %[[L]], %[[C2]] : i32
// CHECK: %[[C1:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: %[[W:.*]] = llvm.and %[[WARP]], %[[C1]] : i32
// CHECK: %[[C7:.*]] = llvm.mlir.constant(7 : i32) : i32
// CHECK: %[[WS:.*]] = llvm.shl %[[W]], %[[C7]] : i32
// CHECK: %[[BASE:.*]] = llvm.xor %[[LS]], %[[WS]] : i32
// CHECK: %[[S0:.*]] = llvm.mlir.constant(16 : i32) : i32
// CHECK: llvm.add %[[BASE]], %[[S0]] overflow<nsw> : i32
// CHECK: %[[S1:.*]] = llvm.mlir.constant(17 : i32) : i32
// CHECK: llvm.add %[[BASE]], %[[S1]] overflow<nsw> : i32
// CHECK: %[[S2:.*]] = llvm.mlir.constant(18 : i32) : i32
// CHECK: llvm.add %[[BASE]], %[[S2]] overflow<nsw> : i32
// CHECK: %[[S3:.*]] = llvm.mlir.constant(19 : i32) : i32
// CHECK: llvm.add %[[BASE]], %[[S3]] overflow<nsw> : i32
// CHECK: llvm.mlir.undef : !llvm.struct<(i32, i32, i32, i32)>
func.func @make_range() -> tensor<256xi32, #blocked> {
  %r = tile.make_range 16 to 272 : tensor<256xi32, #blocked>
  return %r : tensor<256xi32, #blocked>
}

// -----

#col = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [1, 1], order = [1, 0]}>
#tile = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [32, 1], warpsPerCTA = [1, 1], order = [1, 0]}>

// broadcast [64, 1] -> [64, 4]: the source's 2 registers (rows l and l + 32)
// each fill 4 registers of the result.

// CHECK-LABEL: llvm.func @broadcast(
// CHECK-SAME: %[[SRC:.*]]: !llvm.struct<(f32, f32)>
// CHECK: %[[S0:.*]] = llvm.extractvalue %[[SRC]][0]
// CHECK: %[[S1:.*]] = llvm.extractvalue %[[SRC]][1]
// CHECK: %[[U:.*]] = llvm.mlir.undef : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
// CHECK: %[[U0:.*]] = llvm.insertvalue %[[S0]], %[[U]][0]
// CHECK: %[[U1:.*]] = llvm.insertvalue %[[S0]], %[[U0]][1]
// CHECK: %[[U2:.*]] = llvm.insertvalue %[[S0]], %[[U1]][2]
// CHECK: %[[U3:.*]] = llvm.insertvalue %[[S0]], %[[U2]][3]
// CHECK: %[[U4:.*]] = llvm.insertvalue %[[S1]], %[[U3]][4]
// CHECK: %[[U5:.*]] = llvm.insertvalue %[[S1]], %[[U4]][5]
// CHECK: %[[U6:.*]] = llvm.insertvalue %[[S1]], %[[U5]][6]
// CHECK: llvm.insertvalue %[[S1]], %[[U6]][7]
func.func @broadcast(%x: tensor<64x1xf32, #col>) -> tensor<64x4xf32, #tile> {
  %b = tile.broadcast %x : tensor<64x1xf32, #col> -> tensor<64x4xf32, #tile>
  return %b : tensor<64x4xf32, #tile>
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 2], threadsPerWarp = [8, 4], warpsPerCTA = [1, 1], order = [1, 0]}>
#row = #tilegpu.slice<{dim = 0, parent = #blocked}>
#flat = #tilegpu.blocked<{sizePerThread = [2], threadsPerWarp = [32], warpsPerCTA = [1], order = [0]}>
#t = #tilegpu.blocked<{sizePerThread = [2, 1], threadsPerWarp = [4, 8], warpsPerCTA = [1, 1], order = [0, 1]}>

// expand_dims, reshape and trans between matching layouts only rename
// registers (here: keep them).

// CHECK-LABEL: llvm.func @expand_dims(
// CHECK-SAME: %[[ROW:.*]]: !llvm.struct<(i32, i32)>
// CHECK: %[[R0:.*]] = llvm.extractvalue %[[ROW]][0]
// CHECK: %[[R1:.*]] = llvm.extractvalue %[[ROW]][1]
// CHECK: %[[E:.*]] = llvm.insertvalue %[[R0]], %{{.*}}[0]
// CHECK: llvm.insertvalue %[[R1]], %[[E]][1]
func.func @expand_dims(%row: tensor<8xi32, #row>) -> tensor<1x8xi32, #blocked> {
  %e = tile.expand_dims %row {axis = 0 : i32} : tensor<8xi32, #row> -> tensor<1x8xi32, #blocked>
  return %e : tensor<1x8xi32, #blocked>
}

// CHECK-LABEL: llvm.func @reshape(
// CHECK-SAME: %[[FLAT:.*]]: !llvm.struct<(i32, i32)>
// CHECK: %[[F0:.*]] = llvm.extractvalue %[[FLAT]][0]
// CHECK: %[[F1:.*]] = llvm.extractvalue %[[FLAT]][1]
// CHECK: %[[G:.*]] = llvm.insertvalue %[[F0]], %{{.*}}[0]
// CHECK: llvm.insertvalue %[[F1]], %[[G]][1]
func.func @reshape(%flat: tensor<64xi32, #flat>) -> tensor<8x8xi32, #blocked> {
  %r = tile.reshape %flat : tensor<64xi32, #flat> -> tensor<8x8xi32, #blocked>
  return %r : tensor<8x8xi32, #blocked>
}

// CHECK-LABEL: llvm.func @trans(
// CHECK-SAME: %[[M:.*]]: !llvm.struct<(i32, i32)>
// CHECK: %[[M0:.*]] = llvm.extractvalue %[[M]][0]
// CHECK: %[[M1:.*]] = llvm.extractvalue %[[M]][1]
// CHECK: %[[T:.*]] = llvm.insertvalue %[[M0]], %{{.*}}[0]
// CHECK: llvm.insertvalue %[[M1]], %[[T]][1]
func.func @trans(%m: tensor<8x8xi32, #blocked>) -> tensor<8x8xi32, #t> {
  %t = tile.trans %m {order = array<i32: 1, 0>} : tensor<8x8xi32, #blocked> -> tensor<8x8xi32, #t>
  return %t : tensor<8x8xi32, #t>
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [1], order = [0]}>

// Splats and splat constants fill every register.

// CHECK-LABEL: llvm.func @splat(
// CHECK-SAME: %[[P:.*]]: !llvm.ptr<1>
// CHECK: %[[U:.*]] = llvm.mlir.undef : !llvm.struct<(ptr<1>, ptr<1>, ptr<1>, ptr<1>)>
// CHECK: %[[U0:.*]] = llvm.insertvalue %[[P]], %[[U]][0]
// CHECK: %[[U1:.*]] = llvm.insertvalue %[[P]], %[[U0]][1]
// CHECK: %[[U2:.*]] = llvm.insertvalue %[[P]], %[[U1]][2]
// CHECK: llvm.insertvalue %[[P]], %[[U2]][3]
func.func @splat(%p: !tile.ptr<f32>) -> tensor<128x!tile.ptr<f32>, #blocked> {
  %s = tile.splat %p : !tile.ptr<f32> -> tensor<128x!tile.ptr<f32>, #blocked>
  return %s : tensor<128x!tile.ptr<f32>, #blocked>
}

// CHECK-LABEL: llvm.func @constant(
// CHECK: %[[C:.*]] = llvm.mlir.constant(-1.000000e+00 : f16) : f16
// CHECK: llvm.insertvalue %[[C]], %{{.*}}[3] : !llvm.struct<(f16, f16, f16, f16)>
func.func @constant() -> tensor<128xf16, #blocked> {
  %c = arith.constant dense<-1.0> : tensor<128xf16, #blocked>
  return %c : tensor<128xf16, #blocked>
}
