// Softmax of one 1024-element row per program over 4 warps: the maximum and
// the sum reduce in registers, across the 32 lanes with butterfly shuffles
// and across the 4 warps through 16 bytes of shared memory; exp is
// ex2.approx of x * log2(e).
// RUN: flash-translate %s --emit=ptx | FileCheck %s
// RUN: %if ptxas %{ flash-translate %s --emit=ptx -o %t.ptx && %ptxas -arch=sm_80 -v %t.ptx -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTXAS %}

// CHECK: .extern .shared .align 16 .b8 global_smem[];
// CHECK: .entry softmax(
// CHECK: max.f32
// CHECK: shfl.sync.bfly.b32 {{.*}}, 1, 31, -1;
// CHECK: shfl.sync.bfly.b32 {{.*}}, 16, 31, -1;
// CHECK: bar.sync 0;
// CHECK: st.shared.b32
// CHECK: bar.sync 0;
// CHECK: ld.shared
// CHECK: ex2.approx.ftz.f32
// CHECK: shfl.sync.bfly.b32
// CHECK: div.rn.f32
// CHECK: st.global.v4

// PTXAS: 0 bytes spill stores, 0 bytes spill loads

#blocked = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80", tilegpu.shared = 16 : i32} {
  func.func @softmax(%x: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %y: !tile.ptr<f32> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %row = tile.program_id 0
    %c1024 = arith.constant 1024 : i32
    %start = arith.muli %row, %c1024 : i32
    %r = tile.make_range 0 to 1024 : tensor<1024xi32, #blocked>
    %s = tile.splat %start : i32 -> tensor<1024xi32, #blocked>
    %offs = arith.addi %s, %r : tensor<1024xi32, #blocked>
    %xb = tile.splat %x : !tile.ptr<f32> -> tensor<1024x!tile.ptr<f32>, #blocked>
    %xp = tile.addptr %xb, %offs : tensor<1024x!tile.ptr<f32>, #blocked>, tensor<1024xi32, #blocked>
    %v = tile.load %xp : tensor<1024x!tile.ptr<f32>, #blocked>
    %m = tile.reduce max %v {axis = 0 : i32, allocation.offset = 0 : i32} : tensor<1024xf32, #blocked> -> f32
    %ms = tile.splat %m : f32 -> tensor<1024xf32, #blocked>
    %z = arith.subf %v, %ms : tensor<1024xf32, #blocked>
    %e = math.exp %z : tensor<1024xf32, #blocked>
    %sum = tile.reduce sum %e {axis = 0 : i32, allocation.offset = 0 : i32} : tensor<1024xf32, #blocked> -> f32
    %ss = tile.splat %sum : f32 -> tensor<1024xf32, #blocked>
    %p = arith.divf %e, %ss : tensor<1024xf32, #blocked>
    %yb = tile.splat %y : !tile.ptr<f32> -> tensor<1024x!tile.ptr<f32>, #blocked>
    %yp = tile.addptr %yb, %offs : tensor<1024x!tile.ptr<f32>, #blocked>, tensor<1024xi32, #blocked>
    tile.store %yp, %p : tensor<1024x!tile.ptr<f32>, #blocked>
    return
  }
}
