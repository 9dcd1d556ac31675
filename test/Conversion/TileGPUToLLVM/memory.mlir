// RUN: flash-opt %s --split-input-file --convert-tilegpu-to-llvm --verify-diagnostics | FileCheck %s

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#b = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// A 64x64 f16 tile stored with 16-byte st.shared (8 consecutive registers,
// kept contiguous by the swizzle), then read back as mma operands with
// ldmatrix: x4 for A (K contiguous), x4.trans for B (N contiguous).

// CHECK-LABEL: llvm.func @operands(
// CHECK: %[[SMEM:.*]] = llvm.mlir.addressof @global_smem : !llvm.ptr<3>
// CHECK: %[[BUF:.*]] = llvm.getelementptr %[[SMEM]][8192] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
// CHECK-COUNT-4: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<8xf16>, !llvm.ptr<3>
// CHECK: nvvm.barrier0
// CHECK-COUNT-4: nvvm.ldmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, num = 4 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32, i32, i32)>
// CHECK-COUNT-16: nvvm.ldmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<col>, num = 4 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32, i32, i32)>
// CHECK: llvm.bitcast %{{.*}} : i32 to vector<2xf16>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.shared = 16384 : i32} {
  func.func @operands(%x: tensor<64x64xf16, #blocked>) -> (tensor<64x64xf16, #a>) {
    %m = tilegpu.local_alloc %x {allocation.offset = 8192 : i32} : (tensor<64x64xf16, #blocked>) -> !tilegpu.memdesc<64x64xf16, #shared>
    tilegpu.barrier
    %a = tilegpu.local_load %m : !tilegpu.memdesc<64x64xf16, #shared> -> tensor<64x64xf16, #a>
    %b = tilegpu.local_load %m : !tilegpu.memdesc<64x64xf16, #shared> -> tensor<64x64xf16, #b>
    %s = arith.addf %a, %a : tensor<64x64xf16, #a>
    %t = tilegpu.local_alloc %b {allocation.offset = 0 : i32} : (tensor<64x64xf16, #b>) -> !tilegpu.memdesc<64x64xf16, #shared>
    return %s : tensor<64x64xf16, #a>
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [8, 4], warpsPerCTA = [1, 1], order = [1, 0]}>
#shared = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]}>

// Two pipeline stages; stage i starts i * 2048 bytes in. A plain layout:
// 16-byte loads of the 4 consecutive f32 each thread holds.

// CHECK-LABEL: llvm.func @stages(
// CHECK-SAME: %[[I:arg[0-9]+]]: i32
// CHECK: %[[BUF:.*]] = llvm.getelementptr %{{.*}}[128] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
// CHECK: %[[STAGE:.*]] = llvm.mlir.constant(2048 : i32) : i32
// CHECK: %[[OFF:.*]] = llvm.mul %[[I]], %[[STAGE]] : i32
// CHECK: %[[S:.*]] = llvm.getelementptr %[[BUF]][%[[OFF]]] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, i8
// CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<4xf32>, !llvm.ptr<3>
// CHECK: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<3> -> vector<4xf32>
module attributes {tilegpu.num_warps = 1 : i32} {
  func.func @stages(%x: tensor<16x32xf32, #blocked>, %i: i32) -> tensor<16x32xf32, #blocked> {
    %m = tilegpu.local_alloc {allocation.offset = 128 : i32} : () -> !tilegpu.memdesc<2x16x32xf32, #shared>
    %s = tilegpu.memdesc_index %m[%i] : !tilegpu.memdesc<2x16x32xf32, #shared> -> !tilegpu.memdesc<16x32xf32, #shared>
    tilegpu.local_store %x, %s : tensor<16x32xf32, #blocked> -> !tilegpu.memdesc<16x32xf32, #shared>
    tilegpu.barrier
    %y = tilegpu.local_load %s : !tilegpu.memdesc<16x32xf32, #shared> -> tensor<16x32xf32, #blocked>
    return %y : tensor<16x32xf32, #blocked>
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>

// cp.async of 16 bytes (.cg); masked-off copies read 0 bytes and fill zeros.

// CHECK-LABEL: llvm.func @async_copy(
// CHECK: %[[SIXTEEN:.*]] = llvm.mlir.constant(16 : i32) : i32
// CHECK: %[[ZERO:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: %[[SIZE:.*]] = llvm.select %{{.*}}, %[[SIXTEEN]], %[[ZERO]] : i1, i32
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg, %[[SIZE]] : !llvm.ptr<3>, !llvm.ptr<1>, i32
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.wait.group 0
// CHECK: nvvm.barrier0
module attributes {tilegpu.num_warps = 4 : i32} {
  func.func @async_copy(%p: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %n: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %r = tile.make_range 0 to 64 : tensor<64xi32, #tilegpu.slice<{dim = 0, parent = #blocked}>>
    %r2 = tile.expand_dims %r {axis = 0 : i32} : tensor<64xi32, #tilegpu.slice<{dim = 0, parent = #blocked}>> -> tensor<1x64xi32, #blocked>
    %c = tile.broadcast %r2 : tensor<1x64xi32, #blocked> -> tensor<16x64xi32, #blocked>
    %pb = tile.splat %p : !tile.ptr<f16> -> tensor<16x64x!tile.ptr<f16>, #blocked>
    %pp = tile.addptr %pb, %c : tensor<16x64x!tile.ptr<f16>, #blocked>, tensor<16x64xi32, #blocked>
    %ns = tile.splat %n : i32 -> tensor<16x64xi32, #blocked>
    %mask = arith.cmpi slt, %c, %ns : tensor<16x64xi32, #blocked>
    %m = tilegpu.local_alloc {allocation.offset = 0 : i32} : () -> !tilegpu.memdesc<16x64xf16, #shared>
    tilegpu.async_copy_global_to_local %pp, %m mask %mask : tensor<16x64x!tile.ptr<f16>, #blocked> -> !tilegpu.memdesc<16x64xf16, #shared>
    tilegpu.async_commit_group
    tilegpu.async_wait 0
    tilegpu.barrier
    return
  }
}


// -----

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#rows = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
#cols = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]}>
#a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>

// A transposed view is the same address: the A operand read from the
// transpose of a row-major buffer uses ldmatrix.trans (layout col).

// CHECK-LABEL: llvm.func @transposed_view(
// CHECK-NOT: tilegpu.memdesc_trans
// CHECK: nvvm.ldmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<col>, num = 4 : i32
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.shared = 8192 : i32} {
  func.func @transposed_view(%x: tensor<64x64xf16, #mma>) -> tensor<64x64xf16, #a> {
    %m = tilegpu.local_alloc %x {allocation.offset = 0 : i32} : (tensor<64x64xf16, #mma>) -> !tilegpu.memdesc<64x64xf16, #rows>
    %t = tilegpu.memdesc_trans %m : !tilegpu.memdesc<64x64xf16, #rows> -> !tilegpu.memdesc<64x64xf16, #cols>
    tilegpu.barrier
    %a = tilegpu.local_load %t : !tilegpu.memdesc<64x64xf16, #cols> -> tensor<64x64xf16, #a>
    return %a : tensor<64x64xf16, #a>
  }
}
