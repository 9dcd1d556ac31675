// A 64x64x64 f16 matrix product in one program of 4 warps: A and B go to
// swizzled shared memory with cp.async, come back as mma operands with
// ldmatrix (A direct, B transposed: it is N-contiguous), and 4 x 8 tiles of
// m16n8k16 per warp accumulate in f32.
// RUN: flash-translate %s --emit=ptx | FileCheck %s
// RUN: flash-translate %s --emit=ptx | grep -c "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32" | FileCheck %s --check-prefix=MMAS
// RUN: flash-translate %s --emit=ptx | grep -c "ldmatrix.sync.aligned.m8n8.x4" | FileCheck %s --check-prefix=LDMATRIX
// RUN: %if ptxas %{ flash-translate %s --emit=ptx -o %t.ptx && %ptxas -arch=sm_80 -v %t.ptx -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTXAS %}

// CHECK: .entry dot64(
// CHECK: cp.async.cg.shared.global [%{{.*}}], [%{{.*}}], 16;
// CHECK: cp.async.commit_group;
// CHECK: cp.async.wait_group 0;
// CHECK: bar.sync 0;
// CHECK: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK: st.global.v2.b32

// MMAS: 32
// LDMATRIX: 20
// PTXAS: 0 bytes spill stores, 0 bytes spill loads

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#dot_a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#dot_b = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>
#slice0 = #tilegpu.slice<{dim = 1, parent = #blocked}>
#slice1 = #tilegpu.slice<{dim = 0, parent = #blocked}>
#mslice0 = #tilegpu.slice<{dim = 1, parent = #mma}>
#mslice1 = #tilegpu.slice<{dim = 0, parent = #mma}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80", tilegpu.shared = 16384 : i32} {
  func.func @dot64(%a: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %b: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %c: !tile.ptr<f32> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %c64 = arith.constant dense<64> : tensor<64x1xi32, #blocked>
    %r = tile.make_range 0 to 64 : tensor<64xi32, #slice0>
    %k = tile.make_range 0 to 64 : tensor<64xi32, #slice1>
    %r2 = tile.expand_dims %r {axis = 1 : i32} : tensor<64xi32, #slice0> -> tensor<64x1xi32, #blocked>
    %rs = arith.muli %r2, %c64 : tensor<64x1xi32, #blocked>
    %rb = tile.broadcast %rs : tensor<64x1xi32, #blocked> -> tensor<64x64xi32, #blocked>
    %k2 = tile.expand_dims %k {axis = 0 : i32} : tensor<64xi32, #slice1> -> tensor<1x64xi32, #blocked>
    %kb = tile.broadcast %k2 : tensor<1x64xi32, #blocked> -> tensor<64x64xi32, #blocked>
    %off = arith.addi %rb, %kb : tensor<64x64xi32, #blocked>
    %ab = tile.splat %a : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>, #blocked>
    %ap = tile.addptr %ab, %off : tensor<64x64x!tile.ptr<f16>, #blocked>, tensor<64x64xi32, #blocked>
    %bb = tile.splat %b : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>, #blocked>
    %bp = tile.addptr %bb, %off : tensor<64x64x!tile.ptr<f16>, #blocked>, tensor<64x64xi32, #blocked>
    %sa = tilegpu.local_alloc {allocation.offset = 0 : i32} : () -> !tilegpu.memdesc<64x64xf16, #shared>
    %sb = tilegpu.local_alloc {allocation.offset = 8192 : i32} : () -> !tilegpu.memdesc<64x64xf16, #shared>
    tilegpu.async_copy_global_to_local %ap, %sa : tensor<64x64x!tile.ptr<f16>, #blocked> -> !tilegpu.memdesc<64x64xf16, #shared>
    tilegpu.async_copy_global_to_local %bp, %sb : tensor<64x64x!tile.ptr<f16>, #blocked> -> !tilegpu.memdesc<64x64xf16, #shared>
    tilegpu.async_commit_group
    tilegpu.async_wait 0
    tilegpu.barrier
    %av = tilegpu.local_load %sa : !tilegpu.memdesc<64x64xf16, #shared> -> tensor<64x64xf16, #dot_a>
    %bv = tilegpu.local_load %sb : !tilegpu.memdesc<64x64xf16, #shared> -> tensor<64x64xf16, #dot_b>
    %zero = arith.constant dense<0.0> : tensor<64x64xf32, #mma>
    %acc = tile.dot %av, %bv, %zero : tensor<64x64xf16, #dot_a> * tensor<64x64xf16, #dot_b> -> tensor<64x64xf32, #mma>
    %cr = tile.make_range 0 to 64 : tensor<64xi32, #mslice0>
    %cc = tile.make_range 0 to 64 : tensor<64xi32, #mslice1>
    %cr2 = tile.expand_dims %cr {axis = 1 : i32} : tensor<64xi32, #mslice0> -> tensor<64x1xi32, #mma>
    %c64m = arith.constant dense<64> : tensor<64x1xi32, #mma>
    %crs = arith.muli %cr2, %c64m : tensor<64x1xi32, #mma>
    %crb = tile.broadcast %crs : tensor<64x1xi32, #mma> -> tensor<64x64xi32, #mma>
    %cc2 = tile.expand_dims %cc {axis = 0 : i32} : tensor<64xi32, #mslice1> -> tensor<1x64xi32, #mma>
    %ccb = tile.broadcast %cc2 : tensor<1x64xi32, #mma> -> tensor<64x64xi32, #mma>
    %coff = arith.addi %crb, %ccb : tensor<64x64xi32, #mma>
    %cb = tile.splat %c : !tile.ptr<f32> -> tensor<64x64x!tile.ptr<f32>, #mma>
    %cp = tile.addptr %cb, %coff : tensor<64x64x!tile.ptr<f32>, #mma>, tensor<64x64xi32, #mma>
    tile.store %cp, %acc : tensor<64x64x!tile.ptr<f32>, #mma>
    return
  }
}
