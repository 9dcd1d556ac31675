// RUN: flash-opt %s --split-input-file --convert-tilegpu-to-llvm --verify-diagnostics | FileCheck %s

#blocked = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [8, 4], warpsPerCTA = [1, 1], order = [1, 0]}>
#slice = #tilegpu.slice<{dim = 1, parent = #blocked}>

// Row sums inside one warp: each thread adds its 4 registers of a row, then
// 2 butterfly shuffles over the lanes along the row (lane bits 0 and 1).

// CHECK-LABEL: llvm.func @row_sum(
// CHECK-COUNT-3: arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: nvvm.shfl.sync bfly %{{.*}}, %{{.*}}, %[[ONE]], %{{.*}} : f32 -> f32
// CHECK: arith.addf
// CHECK: %[[TWO:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK: nvvm.shfl.sync bfly %{{.*}}, %{{.*}}, %[[TWO]], %{{.*}} : f32 -> f32
// CHECK: arith.addf
// CHECK-NOT: nvvm.barrier0
// CHECK: llvm.mlir.undef : !llvm.struct<(f32)>
func.func @row_sum(%x: tensor<8x16xf32, #blocked>) -> tensor<8xf32, #slice> {
  %s = tile.reduce sum %x {axis = 1 : i32} : tensor<8x16xf32, #blocked> -> tensor<8xf32, #slice>
  return %s : tensor<8xf32, #slice>
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [4, 1], order = [1, 0]}>
#slice = #tilegpu.slice<{dim = 0, parent = #blocked}>

// Column maxima over 4 warps: no lane moves along the rows, the warps do:
// each warp writes its partial maximum at (column * 4 + warp) * 4 bytes from
// its scratch area, and reads the 4 partials back; barriers around.

// CHECK: llvm.mlir.global external @global_smem() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
// CHECK-LABEL: llvm.func @column_max(
// CHECK-NOT: nvvm.shfl.sync
// CHECK: %[[SMEM:.*]] = llvm.mlir.addressof @global_smem : !llvm.ptr<3>
// CHECK: %[[BASE:.*]] = llvm.getelementptr %[[SMEM]][256] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
// CHECK: nvvm.barrier0
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<3>
// CHECK: nvvm.barrier0
// CHECK-COUNT-4: llvm.load %{{.*}} : !llvm.ptr<3> -> f32
// CHECK: nvvm.barrier0
module attributes {tilegpu.num_warps = 4 : i32} {
  func.func @column_max(%x: tensor<4x32xf32, #blocked>) -> tensor<32xf32, #slice> {
    %s = tile.reduce max %x {axis = 0 : i32, allocation.offset = 256 : i32} : tensor<4x32xf32, #blocked> -> tensor<32xf32, #slice>
    return %s : tensor<32xf32, #slice>
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [2], threadsPerWarp = [32], warpsPerCTA = [1], order = [0]}>

// To a scalar, with a combiner region: every lane ends with the product.

// CHECK-LABEL: llvm.func @product(
// CHECK: %[[P:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK-COUNT-5: nvvm.shfl.sync bfly
// CHECK: llvm.return %{{.*}} : f32
func.func @product(%x: tensor<64xf32, #blocked>) -> f32 {
  %p = tile.reduce %x {axis = 0 : i32} : tensor<64xf32, #blocked> -> f32 {
  ^bb0(%a: f32, %b: f32):
    %m = arith.mulf %a, %b : f32
    tile.reduce_return %m : f32
  }
  return %p : f32
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>

func.func @no_scratch(%x: tensor<128xf32, #blocked>) -> f32 {
  // expected-error @below {{needs shared memory but has no 'allocation.offset'}}
  %s = tile.reduce sum %x {axis = 0 : i32} : tensor<128xf32, #blocked> -> f32
  return %s : f32
}
