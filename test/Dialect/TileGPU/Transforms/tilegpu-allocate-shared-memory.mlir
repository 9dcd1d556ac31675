// RUN: flash-opt %s --split-input-file --tilegpu-allocate-shared-memory | FileCheck %s

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#plain = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]}>
#swizzled = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>

// Buffers live at the same time get disjoint ranges; a buffer whose last
// use is before another's allocation shares its bytes. Swizzled buffers
// are aligned to 128 bytes, others to 16.

// CHECK: module attributes {tilegpu.num_warps = 4 : i32, tilegpu.shared = 8224 : i32, tilegpu.target = "cuda:80"}
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"} {
  // CHECK-LABEL: func.func @lifetimes
  func.func @lifetimes(%x: tensor<64x64xf16, #b>, %y: tensor<2x4xf16, #b>) {
    // CHECK: tilegpu.local_alloc %{{.*}} {allocation.offset = 0 : i32}
    %a = tilegpu.local_alloc %x : (tensor<64x64xf16, #b>) -> !tilegpu.memdesc<64x64xf16, #swizzled>
    // CHECK: tilegpu.local_alloc %{{.*}} {allocation.offset = 8192 : i32}
    %s = tilegpu.local_alloc %y : (tensor<2x4xf16, #b>) -> !tilegpu.memdesc<2x4xf16, #plain>
    // CHECK: tilegpu.local_alloc %{{.*}} {allocation.offset = 8208 : i32}
    %t = tilegpu.local_alloc %y : (tensor<2x4xf16, #b>) -> !tilegpu.memdesc<2x4xf16, #plain>
    %l = tilegpu.local_load %a : !tilegpu.memdesc<64x64xf16, #swizzled> -> tensor<64x64xf16, #b>
    %m = tilegpu.local_load %s : !tilegpu.memdesc<2x4xf16, #plain> -> tensor<2x4xf16, #b>
    %n = tilegpu.local_load %t : !tilegpu.memdesc<2x4xf16, #plain> -> tensor<2x4xf16, #b>
    // %a is dead: %c reuses its bytes; %d must avoid %c and the live 16-byte
    // %s and %t: 128-byte aligned, it goes after %c.
    // CHECK: tilegpu.local_alloc %{{.*}} {allocation.offset = 0 : i32}
    %c = tilegpu.local_alloc %y : (tensor<2x4xf16, #b>) -> !tilegpu.memdesc<2x4xf16, #plain>
    // CHECK: tilegpu.local_alloc %{{.*}} {allocation.offset = 128 : i32}
    %d = tilegpu.local_alloc %y : (tensor<2x4xf16, #b>) -> !tilegpu.memdesc<2x4xf16, #swizzled>
    %o = tilegpu.local_load %c : !tilegpu.memdesc<2x4xf16, #plain> -> tensor<2x4xf16, #b>
    %p = tilegpu.local_load %d : !tilegpu.memdesc<2x4xf16, #swizzled> -> tensor<2x4xf16, #b>
    %q = tilegpu.local_load %s : !tilegpu.memdesc<2x4xf16, #plain> -> tensor<2x4xf16, #b>
    %r = tilegpu.local_load %t : !tilegpu.memdesc<2x4xf16, #plain> -> tensor<2x4xf16, #b>
    return
  }
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#da = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#w = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [1, 4], order = [1, 0]}>

// A buffer used in a loop is live for the whole loop; scratch is live only
// while its op runs, so conversions in sequence share their bytes. A
// conversion within registers, and a reduction within warps, need none.
// Stages of a multi-buffered allocation come from its one offset.

// CHECK: tilegpu.shared = 24576 : i32
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"} {
  // CHECK-LABEL: func.func @loops_and_scratch
  func.func @loops_and_scratch(%x: tensor<64x64xf16, #b>, %m: tensor<64x64xf16, #mma>, %v: tensor<64x64xf32, #w>, %n: i32) {
    %c0 = arith.constant 0 : i32
    %c1 = arith.constant 1 : i32
    // CHECK: tilegpu.local_alloc {allocation.offset = 0 : i32} : () -> {{.*}}<2x64x64xf16
    %buf = tilegpu.local_alloc : () -> !tilegpu.memdesc<2x64x64xf16, #s>
    scf.for %i = %c0 to %n step %c1 : i32 {
      // 8 KiB of scratch each, after the 16 KiB buffer.
      // CHECK: tilegpu.convert_layout %{{.*}} {allocation.offset = 16384 : i32} : tensor<64x64xf16, #{{.*}}> -> tensor<64x64xf16, #dot_op>
      %a = tilegpu.convert_layout %x : tensor<64x64xf16, #b> -> tensor<64x64xf16, #da>
      // CHECK: tilegpu.convert_layout %{{.*}} {allocation.offset = 16384 : i32} : tensor<64x64xf16, #mma> -> tensor<64x64xf16, #blocked>
      %c = tilegpu.convert_layout %m : tensor<64x64xf16, #mma> -> tensor<64x64xf16, #b>
      // CHECK: tilegpu.convert_layout %{{.*}} : tensor<64x64xf16, #mma> -> tensor<64x64xf16, #dot_op>
      %p = tilegpu.convert_layout %m : tensor<64x64xf16, #mma> -> tensor<64x64xf16, #da>
      %st = tilegpu.memdesc_index %buf[%i] : !tilegpu.memdesc<2x64x64xf16, #s> -> !tilegpu.memdesc<64x64xf16, #s>
      tilegpu.local_store %x, %st : tensor<64x64xf16, #b> -> !tilegpu.memdesc<64x64xf16, #s>
      // Rows spread over lanes, columns over warps: the sum along rows
      // stays in each warp, the one along columns crosses the 4 warps
      // (64 results x 4 warps x 4 bytes).
      // CHECK: tile.reduce sum %{{.*}} {axis = 0 : i32}
      %r0 = tile.reduce sum %v {axis = 0 : i32} : tensor<64x64xf32, #w> -> tensor<64xf32, #tilegpu.slice<{dim = 0, parent = #w}>>
      // CHECK: tile.reduce sum %{{.*}} {allocation.offset = 16384 : i32, axis = 1 : i32}
      %r1 = tile.reduce sum %v {axis = 1 : i32} : tensor<64x64xf32, #w> -> tensor<64xf32, #tilegpu.slice<{dim = 1, parent = #w}>>
    }
    // After the loop the buffer is dead: this scratch reuses offset 0.
    // CHECK: tilegpu.convert_layout %{{.*}} {allocation.offset = 0 : i32}
    %d = tilegpu.convert_layout %x : tensor<64x64xf16, #b> -> tensor<64x64xf16, #da>
    return
  }
}

// -----

// A kernel without shared memory still reports its size.

// CHECK: module attributes {tilegpu.shared = 0 : i32}
// CHECK-LABEL: func.func @nothing
func.func @nothing() {
  return
}
