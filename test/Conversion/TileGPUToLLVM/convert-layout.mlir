// RUN: flash-opt %s --split-input-file --convert-tilegpu-to-llvm --verify-diagnostics | FileCheck %s

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 1], instrShape = [16, 8], instrK = 16}>
#a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>

// The f16 accumulator is already the next mma's A operand: no code.

// CHECK-LABEL: llvm.func @no_op(
// CHECK-SAME: %[[X:.*]]: !llvm.struct<(f16, f16, f16, f16, f16, f16, f16, f16)>
// CHECK-NEXT: llvm.return %[[X]]
module attributes {tilegpu.num_warps = 2 : i32} {
  func.func @no_op(%x: tensor<32x16xf16, #mma>) -> tensor<32x16xf16, #a> {
    %y = tilegpu.convert_layout %x : tensor<32x16xf16, #mma> -> tensor<32x16xf16, #a>
    return %y : tensor<32x16xf16, #a>
  }
}

// -----

#rows = #tilegpu.blocked<{sizePerThread = [2, 2], threadsPerWarp = [32, 1], warpsPerCTA = [1, 1], order = [1, 0]}>
#cols = #tilegpu.blocked<{sizePerThread = [2, 2], threadsPerWarp = [32, 1], warpsPerCTA = [1, 1], order = [0, 1]}>

// Same elements per thread in another register order: registers 1 and 2
// swap.

// CHECK-LABEL: llvm.func @permute(
// CHECK-SAME: %[[X:.*]]: !llvm.struct<(i32, i32, i32, i32)>
// CHECK: %[[X0:.*]] = llvm.extractvalue %[[X]][0]
// CHECK: %[[X1:.*]] = llvm.extractvalue %[[X]][1]
// CHECK: %[[X2:.*]] = llvm.extractvalue %[[X]][2]
// CHECK: %[[X3:.*]] = llvm.extractvalue %[[X]][3]
// CHECK: %[[Y0:.*]] = llvm.insertvalue %[[X0]], %{{.*}}[0]
// CHECK: %[[Y1:.*]] = llvm.insertvalue %[[X2]], %[[Y0]][1]
// CHECK: %[[Y2:.*]] = llvm.insertvalue %[[X1]], %[[Y1]][2]
// CHECK: llvm.insertvalue %[[X3]], %[[Y2]][3]
// CHECK-NOT: nvvm.shfl
module attributes {tilegpu.num_warps = 1 : i32} {
  func.func @permute(%x: tensor<64x2xi32, #rows>) -> tensor<64x2xi32, #cols> {
    %y = tilegpu.convert_layout %x : tensor<64x2xi32, #rows> -> tensor<64x2xi32, #cols>
    return %y : tensor<64x2xi32, #cols>
  }
}

// -----

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [1, 1], instrShape = [16, 8], instrK = 16}>
#blocked = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 1], order = [1, 0]}>

// Within one warp: each destination register reads a source register of
// another lane (shfl.sync.idx). Which source register depends on the lane,
// so both candidates are shuffled and one selected.

// CHECK-LABEL: llvm.func @shuffle(
// CHECK: %[[A:.*]] = nvvm.shfl.sync idx %{{.*}}, %{{.*}}, %[[SRC:.*]], %{{.*}} : f32 -> f32
// CHECK: %[[B:.*]] = nvvm.shfl.sync idx %{{.*}}, %{{.*}}, %[[SRC]], %{{.*}} : f32 -> f32
// CHECK: %[[IS:.*]] = llvm.icmp "eq" %{{.*}}, %{{.*}} : i32
// CHECK: llvm.select %[[IS]], %[[B]], %[[A]] : i1, f32
// CHECK-NOT: nvvm.barrier0
module attributes {tilegpu.num_warps = 1 : i32} {
  func.func @shuffle(%x: tensor<16x8xf32, #mma>) -> tensor<16x8xf32, #blocked> {
    %y = tilegpu.convert_layout %x : tensor<16x8xf32, #mma> -> tensor<16x8xf32, #blocked>
    return %y : tensor<16x8xf32, #blocked>
  }
}

// -----

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8], instrK = 16}>
#blocked = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], order = [1, 0]}>

// Between warps: through the scratch area at allocation.offset, row-major,
// with barriers before, between and after; the mma pairs go as 8-byte
// stores, the blocked quadruples come back as 16-byte loads.

// CHECK-LABEL: llvm.func @through_shared(
// CHECK: %[[SMEM:.*]] = llvm.mlir.addressof @global_smem : !llvm.ptr<3>
// CHECK: %[[BASE:.*]] = llvm.getelementptr %[[SMEM]][1024] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
// CHECK: nvvm.barrier0
// CHECK-COUNT-4: llvm.store %{{.*}}, %{{.*}} {alignment = 8 : i64} : vector<2xf32>, !llvm.ptr<3>
// CHECK: nvvm.barrier0
// CHECK-COUNT-2: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<3> -> vector<4xf32>
// CHECK: nvvm.barrier0
module attributes {tilegpu.num_warps = 4 : i32} {
  func.func @through_shared(%x: tensor<32x32xf32, #mma>) -> tensor<32x32xf32, #blocked> {
    %y = tilegpu.convert_layout %x {allocation.offset = 1024 : i32} : tensor<32x32xf32, #mma> -> tensor<32x32xf32, #blocked>
    return %y : tensor<32x32xf32, #blocked>
  }
}

// -----

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8], instrK = 16}>
#blocked = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], order = [1, 0]}>

module attributes {tilegpu.num_warps = 4 : i32} {
  func.func @no_offset(%x: tensor<32x32xf32, #mma>) -> tensor<32x32xf32, #blocked> {
    // expected-error @below {{needs shared memory but has no 'allocation.offset'}}
    %y = tilegpu.convert_layout %x : tensor<32x32xf32, #mma> -> tensor<32x32xf32, #blocked>
    return %y : tensor<32x32xf32, #blocked>
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#b = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// An f16 mma operand from a blocked layout: staged with the mma-operand
// swizzle (16-byte stores of 8 f16) and read back with ldmatrix.trans (the
// rows run along N).

// CHECK-LABEL: llvm.func @to_dot_operand(
// CHECK: nvvm.barrier0
// CHECK-COUNT-4: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<8xf16>, !llvm.ptr<3>
// CHECK: nvvm.barrier0
// CHECK-COUNT-16: nvvm.ldmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<col>, num = 4 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>}
// CHECK: nvvm.barrier0
module attributes {tilegpu.num_warps = 4 : i32} {
  func.func @to_dot_operand(%x: tensor<64x64xf16, #blocked>) -> tensor<64x64xf16, #b> {
    %y = tilegpu.convert_layout %x {allocation.offset = 0 : i32} : tensor<64x64xf16, #blocked> -> tensor<64x64xf16, #b>
    return %y : tensor<64x64xf16, #b>
  }
}
