// The vector add of kernels/vector_add.py in tilegpu IR, lowered and
// compiled to PTX: one 16-byte load per operand and thread, behind the mask
// (LLVM's O3 splits the vector loads, the NVPTX back end vectorizes them
// again).
// RUN: flash-translate %s --emit=ptx | FileCheck %s
// RUN: flash-translate %s --emit=ptx --arch=sm_90 | FileCheck %s --check-prefix=SM90
// RUN: flash-translate %s --emit=llvm | FileCheck %s --check-prefix=LLVM

// CHECK: .version 7.8
// CHECK: .target sm_80
// CHECK: .visible .entry vadd(
// CHECK: .maxntid 128
// CHECK-NEXT: .minnctapersm 1
// CHECK: mov.u32 {{.*}}%ctaid.x
// CHECK: mov.u32 {{.*}}%tid.x
// CHECK: ld.global.v4.{{[bf]}}32
// CHECK: ld.global.v4.{{[bf]}}32
// CHECK: add.{{(rn.)?}}f32
// CHECK: st.global.v4.{{[bf]}}32

// SM90: .target sm_90

// LLVM: target triple = "nvptx64-nvidia-cuda"
// LLVM: define ptx_kernel void @vadd(ptr addrspace(1) {{.*}}align 16 {{.*}}, ptr addrspace(1) {{.*}}align 16 {{.*}}, ptr addrspace(1) {{.*}}align 16 {{.*}}, i32 {{.*}})
// LLVM: call {{.*}}i32 @llvm.nvvm.read.ptx.sreg.tid.x()
// LLVM: load float, ptr addrspace(1) {{.*}}, align 16
// LLVM: store <4 x float> {{.*}}, ptr addrspace(1) {{.*}}, align 16
// LLVM: "nvvm.maxntid"="128"

// RUN: %if ptxas %{ flash-translate %s --emit=ptx -o %t.ptx && %ptxas -arch=sm_80 %t.ptx -o /dev/null %}

#blocked = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
module attributes {tilegpu.num_warps = 4 : i32} {
  func.func @vadd(%x: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %y: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                  %out: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %n: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %pid = tile.program_id 0
    %c512 = arith.constant 512 : i32
    %start = arith.muli %pid, %c512 : i32
    %r = tile.make_range 0 to 512 : tensor<512xi32, #blocked>
    %s = tile.splat %start : i32 -> tensor<512xi32, #blocked>
    %offs = arith.addi %s, %r : tensor<512xi32, #blocked>
    %ns = tile.splat %n : i32 -> tensor<512xi32, #blocked>
    %mask = arith.cmpi slt, %offs, %ns : tensor<512xi32, #blocked>
    %xb = tile.splat %x : !tile.ptr<f32> -> tensor<512x!tile.ptr<f32>, #blocked>
    %xp = tile.addptr %xb, %offs : tensor<512x!tile.ptr<f32>, #blocked>, tensor<512xi32, #blocked>
    %xv = tile.load %xp, %mask : tensor<512x!tile.ptr<f32>, #blocked>
    %yb = tile.splat %y : !tile.ptr<f32> -> tensor<512x!tile.ptr<f32>, #blocked>
    %yp = tile.addptr %yb, %offs : tensor<512x!tile.ptr<f32>, #blocked>, tensor<512xi32, #blocked>
    %yv = tile.load %yp, %mask : tensor<512x!tile.ptr<f32>, #blocked>
    %sum = arith.addf %xv, %yv : tensor<512xf32, #blocked>
    %ob = tile.splat %out : !tile.ptr<f32> -> tensor<512x!tile.ptr<f32>, #blocked>
    %op = tile.addptr %ob, %offs : tensor<512x!tile.ptr<f32>, #blocked>, tensor<512xi32, #blocked>
    tile.store %op, %sum, %mask : tensor<512x!tile.ptr<f32>, #blocked>
    return
  }
}
