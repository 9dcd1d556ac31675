// P = softmax(A @ B) row by row, the attention score step: operands loaded
// straight into mma operand layouts, m16n8k8 (which every target has), the
// row max and sum in the accumulator layout (lanes only: no shared memory).
// ptxas accepts it for Turing, Ampere and Hopper without spilling.
// RUN: flash-translate %s --emit=ptx --arch=sm_75 | FileCheck %s --check-prefixes=CHECK,SM75
// RUN: flash-translate %s --emit=ptx --arch=sm_80 | FileCheck %s --check-prefixes=CHECK,SM80
// RUN: flash-translate %s --emit=ptx --arch=sm_90 | FileCheck %s --check-prefixes=CHECK,SM90
// RUN: %if ptxas %{ flash-translate %s --emit=ptx --arch=sm_75 -o %t75.ptx && %ptxas -arch=sm_75 -v %t75.ptx -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// RUN: %if ptxas %{ flash-translate %s --emit=ptx --arch=sm_80 -o %t80.ptx && %ptxas -arch=sm_80 -v %t80.ptx -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// RUN: %if ptxas %{ flash-translate %s --emit=ptx --arch=sm_90 -o %t90.ptx && %ptxas -arch=sm_90 -v %t90.ptx -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTXAS %}

// SM75: .target sm_75
// SM80: .target sm_80
// SM90: .target sm_90
// CHECK: .entry scores(
// CHECK: mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32
// CHECK: shfl.sync.bfly.b32
// CHECK: ex2.approx.ftz.f32
// CHECK-NOT: bar.sync

// PTXAS: 0 bytes spill stores, 0 bytes spill loads

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 8}>
#a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#b = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>
#a_rows = #tilegpu.slice<{dim = 1, parent = #a}>
#a_cols = #tilegpu.slice<{dim = 0, parent = #a}>
#b_rows = #tilegpu.slice<{dim = 1, parent = #b}>
#b_cols = #tilegpu.slice<{dim = 0, parent = #b}>
#rows = #tilegpu.slice<{dim = 1, parent = #mma}>
#cols = #tilegpu.slice<{dim = 0, parent = #mma}>
module attributes {tilegpu.num_warps = 4 : i32} {
  func.func @scores(%pa: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %pb: !tile.ptr<f16> {tile.divisibility = 16 : i32},
                    %pp: !tile.ptr<f16> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    // A: 64x32, row-major.
    %ar = tile.make_range 0 to 64 : tensor<64xi32, #a_rows>
    %ac = tile.make_range 0 to 32 : tensor<32xi32, #a_cols>
    %ar2 = tile.expand_dims %ar {axis = 1 : i32} : tensor<64xi32, #a_rows> -> tensor<64x1xi32, #a>
    %c32 = arith.constant dense<32> : tensor<64x1xi32, #a>
    %ars = arith.muli %ar2, %c32 : tensor<64x1xi32, #a>
    %arb = tile.broadcast %ars : tensor<64x1xi32, #a> -> tensor<64x32xi32, #a>
    %ac2 = tile.expand_dims %ac {axis = 0 : i32} : tensor<32xi32, #a_cols> -> tensor<1x32xi32, #a>
    %acb = tile.broadcast %ac2 : tensor<1x32xi32, #a> -> tensor<64x32xi32, #a>
    %ao = arith.addi %arb, %acb : tensor<64x32xi32, #a>
    %abase = tile.splat %pa : !tile.ptr<f16> -> tensor<64x32x!tile.ptr<f16>, #a>
    %aptr = tile.addptr %abase, %ao : tensor<64x32x!tile.ptr<f16>, #a>, tensor<64x32xi32, #a>
    %av = tile.load %aptr : tensor<64x32x!tile.ptr<f16>, #a>
    // B: 32x64, row-major.
    %br = tile.make_range 0 to 32 : tensor<32xi32, #b_rows>
    %bc = tile.make_range 0 to 64 : tensor<64xi32, #b_cols>
    %br2 = tile.expand_dims %br {axis = 1 : i32} : tensor<32xi32, #b_rows> -> tensor<32x1xi32, #b>
    %c64 = arith.constant dense<64> : tensor<32x1xi32, #b>
    %brs = arith.muli %br2, %c64 : tensor<32x1xi32, #b>
    %brb = tile.broadcast %brs : tensor<32x1xi32, #b> -> tensor<32x64xi32, #b>
    %bc2 = tile.expand_dims %bc {axis = 0 : i32} : tensor<64xi32, #b_cols> -> tensor<1x64xi32, #b>
    %bcb = tile.broadcast %bc2 : tensor<1x64xi32, #b> -> tensor<32x64xi32, #b>
    %bo = arith.addi %brb, %bcb : tensor<32x64xi32, #b>
    %bbase = tile.splat %pb : !tile.ptr<f16> -> tensor<32x64x!tile.ptr<f16>, #b>
    %bptr = tile.addptr %bbase, %bo : tensor<32x64x!tile.ptr<f16>, #b>, tensor<32x64xi32, #b>
    %bv = tile.load %bptr : tensor<32x64x!tile.ptr<f16>, #b>
    // S = A @ B * log2(e) / sqrt(32); P = softmax rows.
    %zero = arith.constant dense<0.0> : tensor<64x64xf32, #mma>
    %s = tile.dot %av, %bv, %zero : tensor<64x32xf16, #a> * tensor<32x64xf16, #b> -> tensor<64x64xf32, #mma>
    %scale = arith.constant dense<0.255034864> : tensor<64x64xf32, #mma>
    %ss = arith.mulf %s, %scale : tensor<64x64xf32, #mma>
    %m = tile.reduce max %ss {axis = 1 : i32} : tensor<64x64xf32, #mma> -> tensor<64xf32, #rows>
    %m2 = tile.expand_dims %m {axis = 1 : i32} : tensor<64xf32, #rows> -> tensor<64x1xf32, #mma>
    %mb = tile.broadcast %m2 : tensor<64x1xf32, #mma> -> tensor<64x64xf32, #mma>
    %z = arith.subf %ss, %mb : tensor<64x64xf32, #mma>
    %e = math.exp2 %z : tensor<64x64xf32, #mma>
    %l = tile.reduce sum %e {axis = 1 : i32} : tensor<64x64xf32, #mma> -> tensor<64xf32, #rows>
    %l2 = tile.expand_dims %l {axis = 1 : i32} : tensor<64xf32, #rows> -> tensor<64x1xf32, #mma>
    %lb = tile.broadcast %l2 : tensor<64x1xf32, #mma> -> tensor<64x64xf32, #mma>
    %p = arith.divf %e, %lb : tensor<64x64xf32, #mma>
    %ph = arith.truncf %p : tensor<64x64xf32, #mma> to tensor<64x64xf16, #mma>
    // Store P (64x64, row-major).
    %pr = tile.make_range 0 to 64 : tensor<64xi32, #rows>
    %pc = tile.make_range 0 to 64 : tensor<64xi32, #cols>
    %pr2 = tile.expand_dims %pr {axis = 1 : i32} : tensor<64xi32, #rows> -> tensor<64x1xi32, #mma>
    %c64m = arith.constant dense<64> : tensor<64x1xi32, #mma>
    %prs = arith.muli %pr2, %c64m : tensor<64x1xi32, #mma>
    %prb = tile.broadcast %prs : tensor<64x1xi32, #mma> -> tensor<64x64xi32, #mma>
    %pc2 = tile.expand_dims %pc {axis = 0 : i32} : tensor<64xi32, #cols> -> tensor<1x64xi32, #mma>
    %pcb = tile.broadcast %pc2 : tensor<1x64xi32, #mma> -> tensor<64x64xi32, #mma>
    %po = arith.addi %prb, %pcb : tensor<64x64xi32, #mma>
    %pbase = tile.splat %pp : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>, #mma>
    %pptr = tile.addptr %pbase, %po : tensor<64x64x!tile.ptr<f16>, #mma>, tensor<64x64xi32, #mma>
    tile.store %pptr, %ph : tensor<64x64x!tile.ptr<f16>, #mma>
    return
  }
}
