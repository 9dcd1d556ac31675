// RUN: flash-opt %s --split-input-file --convert-tilegpu-to-llvm | FileCheck %s

// A kernel becomes an llvm.func entry with 32 * num_warps threads at most
// (and one CTA per SM enough, so ptxas need not spill for occupancy);
// 16-byte aligned pointer arguments say so to LLVM.

// CHECK-LABEL: llvm.func @kernel(
// CHECK-SAME: %{{.*}}: !llvm.ptr<1> {llvm.align = 16 : i64}, %{{.*}}: !llvm.ptr<1>, %{{.*}}: i32)
// CHECK-SAME: attributes {nvvm.kernel, nvvm.maxntid = array<i32: 256>, nvvm.minctasm = 1 : i32}
// CHECK: nvvm.read.ptx.sreg.ctaid.x : i32
// CHECK: nvvm.read.ptx.sreg.ctaid.y : i32
// CHECK: nvvm.read.ptx.sreg.ctaid.z : i32
// CHECK: nvvm.read.ptx.sreg.nctaid.x : i32
// CHECK: nvvm.read.ptx.sreg.nctaid.z : i32
// CHECK: llvm.return
module attributes {tilegpu.num_warps = 8 : i32, tilegpu.target = "cuda:80"} {
  func.func @kernel(%a: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %b: !tile.ptr<f16>, %n: i32) attributes {tile.kernel} {
    %x = tile.program_id 0
    %y = tile.program_id 1
    %z = tile.program_id 2
    %nx = tile.num_programs 0
    %nz = tile.num_programs 2
    %s = arith.addi %x, %y : i32
    %t = arith.addi %z, %nx : i32
    %u = arith.addi %s, %t : i32
    %v = arith.addi %u, %nz : i32
    %f = arith.sitofp %v : i32 to f32
    tile.store %a, %f : !tile.ptr<f32>
    return
  }
}

// -----

// A scalar store is done by thread 0 alone.

// CHECK-LABEL: llvm.func @scalar_store(
// CHECK: %[[TID:.*]] = nvvm.read.ptx.sreg.tid.x : i32
// CHECK: %[[FIRST:.*]] = llvm.icmp "eq" %[[TID]], %{{.*}} : i32
// CHECK: scf.if %[[FIRST]] {
// CHECK-NEXT: llvm.store %{{.*}}, %{{.*}} {alignment = 4 : i64} : f32, !llvm.ptr<1>
module attributes {tilegpu.num_warps = 4 : i32} {
  func.func @scalar_store(%p: !tile.ptr<f32>, %v: f32) attributes {tile.kernel} {
    tile.store %p, %v : !tile.ptr<f32>
    return
  }
}
