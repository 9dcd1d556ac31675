// RUN: flash-opt %s --split-input-file --tilegpu-insert-barriers | FileCheck %s

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>

// Write then read, read then overwrite: a barrier each; two reads in a row
// and accesses to disjoint buffers need none.

// CHECK-LABEL: func.func @straight_line
func.func @straight_line(%x: tensor<64x64xf16, #b>) {
  // CHECK-NEXT: %[[A:.*]] = tilegpu.local_alloc %{{.*}} {allocation.offset = 0 : i32}
  // CHECK-NEXT: %[[B:.*]] = tilegpu.local_alloc {allocation.offset = 8192 : i32}
  // CHECK-NEXT: tilegpu.local_store %{{.*}}, %[[B]]
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_load %[[A]]
  // CHECK-NEXT: tilegpu.local_load %[[A]]
  // CHECK-NEXT: tilegpu.local_load %[[B]]
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_store %{{.*}}, %[[A]]
  // CHECK-NEXT: return
  %a = tilegpu.local_alloc %x {allocation.offset = 0 : i32} : (tensor<64x64xf16, #b>) -> !tilegpu.memdesc<64x64xf16, #s>
  %bb = tilegpu.local_alloc {allocation.offset = 8192 : i32} : () -> !tilegpu.memdesc<64x64xf16, #s>
  tilegpu.local_store %x, %bb : tensor<64x64xf16, #b> -> !tilegpu.memdesc<64x64xf16, #s>
  %l1 = tilegpu.local_load %a : !tilegpu.memdesc<64x64xf16, #s> -> tensor<64x64xf16, #b>
  %l2 = tilegpu.local_load %a : !tilegpu.memdesc<64x64xf16, #s> -> tensor<64x64xf16, #b>
  %l3 = tilegpu.local_load %bb : !tilegpu.memdesc<64x64xf16, #s> -> tensor<64x64xf16, #b>
  tilegpu.local_store %x, %a : tensor<64x64xf16, #b> -> !tilegpu.memdesc<64x64xf16, #s>
  return
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>

// Distinct buffers at overlapping offsets (lifetimes the allocation found
// disjoint) are ordered too; a buffer without an offset may overlap any.

// CHECK-LABEL: func.func @overlap
func.func @overlap(%x: tensor<64x64xf16, #b>) {
  // CHECK: tilegpu.local_load
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_alloc %{{.*}} {allocation.offset = 4096 : i32}
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_load
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_alloc %{{.*}} : (
  %a = tilegpu.local_alloc %x {allocation.offset = 0 : i32} : (tensor<64x64xf16, #b>) -> !tilegpu.memdesc<64x64xf16, #s>
  tilegpu.barrier
  %l = tilegpu.local_load %a : !tilegpu.memdesc<64x64xf16, #s> -> tensor<64x64xf16, #b>
  %c = tilegpu.local_alloc %x {allocation.offset = 4096 : i32} : (tensor<64x64xf16, #b>) -> !tilegpu.memdesc<64x64xf16, #s>
  %m = tilegpu.local_load %c : !tilegpu.memdesc<64x64xf16, #s> -> tensor<64x64xf16, #b>
  %d = tilegpu.local_alloc %x : (tensor<64x64xf16, #b>) -> !tilegpu.memdesc<64x64xf16, #s>
  return
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>

// A loop body that writes and then reads a buffer needs a barrier between
// them, and one before the write, which may overwrite what the previous
// iteration is still reading.

// CHECK-LABEL: func.func @loop
func.func @loop(%x: tensor<64x64xf16, #b>, %n: i32) {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %a = tilegpu.local_alloc {allocation.offset = 0 : i32} : () -> !tilegpu.memdesc<64x64xf16, #s>
  // CHECK: scf.for
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_store
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_load
  // CHECK-NEXT: }
  // After the loop, what its last iteration read is still pending.
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_store
  scf.for %i = %c0 to %n step %c1 : i32 {
    tilegpu.local_store %x, %a : tensor<64x64xf16, #b> -> !tilegpu.memdesc<64x64xf16, #s>
    %l = tilegpu.local_load %a : !tilegpu.memdesc<64x64xf16, #s> -> tensor<64x64xf16, #b>
  }
  tilegpu.local_store %x, %a : tensor<64x64xf16, #b> -> !tilegpu.memdesc<64x64xf16, #s>
  return
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>

// A loop that only reads a buffer written before it gets one barrier
// before the loop, none inside.

// CHECK-LABEL: func.func @read_only_loop
func.func @read_only_loop(%x: tensor<64x64xf16, #b>, %n: i32) {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  // CHECK: tilegpu.local_alloc
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: scf.for
  // CHECK-NEXT: tilegpu.local_load
  // CHECK-NEXT: tilegpu.local_load
  // CHECK-NEXT: }
  %a = tilegpu.local_alloc %x {allocation.offset = 0 : i32} : (tensor<64x64xf16, #b>) -> !tilegpu.memdesc<64x64xf16, #s>
  scf.for %i = %c0 to %n step %c1 : i32 {
    %l = tilegpu.local_load %a : !tilegpu.memdesc<64x64xf16, #s> -> tensor<64x64xf16, #b>
    %m = tilegpu.local_load %a : !tilegpu.memdesc<64x64xf16, #s> -> tensor<64x64xf16, #b>
  }
  return
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>

// Copies land with async_wait; readers of the buffer wait at a barrier
// after it. Reading a stage and then copying into the buffer again needs a
// barrier before the copy.

// CHECK-LABEL: func.func @async
func.func @async(%p: tensor<64x64x!tile.ptr<f16>, #b>, %i: i32) {
  // CHECK: tilegpu.async_copy_global_to_local
  // CHECK-NEXT: tilegpu.async_commit_group
  // CHECK-NEXT: tilegpu.async_wait 0
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_load
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.async_copy_global_to_local
  %buf = tilegpu.local_alloc {allocation.offset = 0 : i32} : () -> !tilegpu.memdesc<2x64x64xf16, #s>
  %st = tilegpu.memdesc_index %buf[%i] : !tilegpu.memdesc<2x64x64xf16, #s> -> !tilegpu.memdesc<64x64xf16, #s>
  tilegpu.async_copy_global_to_local %p, %st : tensor<64x64x!tile.ptr<f16>, #b> -> !tilegpu.memdesc<64x64xf16, #s>
  tilegpu.async_commit_group
  tilegpu.async_wait 0
  %l = tilegpu.local_load %st : !tilegpu.memdesc<64x64xf16, #s> -> tensor<64x64xf16, #b>
  tilegpu.async_copy_global_to_local %p, %st : tensor<64x64x!tile.ptr<f16>, #b> -> !tilegpu.memdesc<64x64xf16, #s>
  return
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#da = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>

// Ops using scratch synchronize internally: consecutive conversions need
// nothing from this pass, but a buffer written over their scratch does; a
// loop whose body starts with a conversion needs no barrier before it.

// CHECK-LABEL: func.func @scratch
func.func @scratch(%x: tensor<64x64xf16, #b>, %n: i32) {
  // CHECK-NEXT: tilegpu.convert_layout
  // CHECK-NEXT: tilegpu.convert_layout
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_alloc
  %a = tilegpu.convert_layout %x {allocation.offset = 0 : i32} : tensor<64x64xf16, #b> -> tensor<64x64xf16, #da>
  %c = tilegpu.convert_layout %x {allocation.offset = 0 : i32} : tensor<64x64xf16, #b> -> tensor<64x64xf16, #da>
  %m = tilegpu.local_alloc %x {allocation.offset = 0 : i32} : (tensor<64x64xf16, #b>) -> !tilegpu.memdesc<64x64xf16, #s>
  // CHECK-NEXT: arith.constant
  // CHECK-NEXT: arith.constant
  // CHECK-NEXT: scf.for
  // CHECK-NEXT: tilegpu.convert_layout
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_load
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  scf.for %i = %c0 to %n step %c1 : i32 {
    %d = tilegpu.convert_layout %x {allocation.offset = 0 : i32} : tensor<64x64xf16, #b> -> tensor<64x64xf16, #da>
    %l = tilegpu.local_load %m : !tilegpu.memdesc<64x64xf16, #s> -> tensor<64x64xf16, #b>
  }
  return
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>

// A write in one branch is pending after the scf.if.

// CHECK-LABEL: func.func @branch
func.func @branch(%x: tensor<64x64xf16, #b>, %c: i1) {
  // CHECK: scf.if
  // CHECK-NEXT: tilegpu.local_store
  // CHECK-NEXT: }
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_load
  %a = tilegpu.local_alloc {allocation.offset = 0 : i32} : () -> !tilegpu.memdesc<64x64xf16, #s>
  scf.if %c {
    tilegpu.local_store %x, %a : tensor<64x64xf16, #b> -> !tilegpu.memdesc<64x64xf16, #s>
  }
  %l = tilegpu.local_load %a : !tilegpu.memdesc<64x64xf16, #s> -> tensor<64x64xf16, #b>
  return
}
