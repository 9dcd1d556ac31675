// RUN: flash-opt %s --split-input-file --tilegpu-allocate-shared-memory --verify-diagnostics
// RUN: flash-opt %s --split-input-file --tilegpu-allocate-shared-memory="max-shared=262144" | FileCheck %s

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>

// The limit follows the module's target: 101376 bytes on sm_86.

// CHECK: tilegpu.shared = 131072 : i32
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:86"} {
  // expected-error @below {{kernel 'too_much' needs 131072 bytes of shared memory, more than the 101376 bytes a block may use}}
  func.func @too_much() {
    %a = tilegpu.local_alloc : () -> !tilegpu.memdesc<4x128x64xf16, #s>
    %b = tilegpu.local_alloc : () -> !tilegpu.memdesc<4x128x64xf16, #s>
    %x = tilegpu.local_load %a : !tilegpu.memdesc<4x128x64xf16, #s> -> tensor<4x128x64xf16, #tilegpu.blocked<{sizePerThread = [1, 1, 8], threadsPerWarp = [1, 4, 8], warpsPerCTA = [1, 4, 1], order = [2, 1, 0]}>>
    %y = tilegpu.local_load %b : !tilegpu.memdesc<4x128x64xf16, #s> -> tensor<4x128x64xf16, #tilegpu.blocked<{sizePerThread = [1, 1, 8], threadsPerWarp = [1, 4, 8], warpsPerCTA = [1, 4, 1], order = [2, 1, 0]}>>
    return
  }
}

// -----

#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>

// On sm_75, 64 KiB.

// CHECK: tilegpu.shared = 73728 : i32
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:75"} {
  // expected-error @below {{kernel 'turing' needs 73728 bytes of shared memory, more than the 65536 bytes a block may use}}
  func.func @turing() {
    %a = tilegpu.local_alloc : () -> !tilegpu.memdesc<9x64x64xf16, #s>
    return
  }
}
