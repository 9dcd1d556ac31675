// RUN: flash-opt %s --split-input-file --verify-diagnostics

// expected-error @+1 {{threadsPerWarp must multiply to 32, got 16}}
#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 4], warpsPerCTA = [1, 1], order = [1, 0]}>
func.func private @f(tensor<4x4xf32, #b>)

// -----

// expected-error @+1 {{sizePerThread must be powers of two, got 3}}
#b = #tilegpu.blocked<{sizePerThread = [1, 3], threadsPerWarp = [4, 8], warpsPerCTA = [1, 1], order = [1, 0]}>
func.func private @f(tensor<4x4xf32, #b>)

// -----

// expected-error @+1 {{order must be a permutation of [0, 2)}}
#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [1, 1], order = [0, 0]}>
func.func private @f(tensor<4x4xf32, #b>)

// -----

// expected-error @+1 {{unknown field 'sizesPerThread'}}
#b = #tilegpu.blocked<{sizesPerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [1, 1], order = [1, 0]}>

// -----

// expected-error @+1 {{expected integer array field 'order'}}
#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [1, 1]}>

// -----

// expected-error @+1 {{instrK must be 8 (m16n8k8) or 16 (m16n8k16), got 32}}
#m = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 32}>
func.func private @f(tensor<4x4xf32, #m>)

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [1, 1], order = [1, 0]}>
// expected-error @+1 {{parent must be an mma encoding}}
#d = #tilegpu.dot_op<{opIdx = 0, parent = #b, kWidth = 2}>
func.func private @f(tensor<4x4xf32, #d>)

// -----

#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
// expected-error @+1 {{parent must be a distributed layout}}
#l = #tilegpu.slice<{dim = 1, parent = #s}>
func.func private @f(tensor<4xf32, #l>)

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [1, 1], order = [1, 0]}>
// expected-error @+1 {{memdesc needs a shared encoding}}
func.func private @f(!tilegpu.memdesc<4x4xf32, #b>)

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [1, 1], order = [1, 0]}>
func.func @convert(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{source must have a distributed layout encoding}}
  %0 = tilegpu.convert_layout %x : tensor<4x4xf32> -> tensor<4x4xf32, #b>
  return
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [1, 1], order = [1, 0]}>
#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
func.func @load(%m: !tilegpu.memdesc<8x8xf16, #s>) {
  // expected-error @+1 {{block 'tensor<8x8xf32, #tilegpu.blocked}}
  %0 = tilegpu.local_load %m : !tilegpu.memdesc<8x8xf16, #s> -> tensor<8x8xf32, #b>
  return
}

// -----

#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
func.func @index(%m: !tilegpu.memdesc<2x8x8xf16, #s>, %i: i32) {
  // expected-error @+1 {{result must be one stage of}}
  %0 = tilegpu.memdesc_index %m[%i] : !tilegpu.memdesc<2x8x8xf16, #s> -> !tilegpu.memdesc<8x4xf16, #s>
  return
}

// -----

#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
func.func @trans_shape(%m: !tilegpu.memdesc<16x8xf16, #s>) {
  // expected-error @+1 {{result must be the 2-d transpose of}}
  %0 = tilegpu.memdesc_trans %m : !tilegpu.memdesc<16x8xf16, #s> -> !tilegpu.memdesc<16x8xf16, #s>
  return
}

// -----

#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
func.func @trans_order(%m: !tilegpu.memdesc<16x8xf16, #s>) {
  // expected-error @+1 {{with the order reversed}}
  %0 = tilegpu.memdesc_trans %m : !tilegpu.memdesc<16x8xf16, #s> -> !tilegpu.memdesc<8x16xf16, #s>
  return
}

// -----

// Module attributes are verified: passes divide by num_warps (0 used to
// stop flash-opt with SIGFPE in the coalesce and accelerate-matmul passes).
// expected-error @+1 {{'tilegpu.num_warps' must be an i32 power of two from 1 to 32, got 0 : i32}}
module attributes {tilegpu.num_warps = 0 : i32} {
}

// -----

// expected-error @+1 {{'tilegpu.num_warps' must be an i32 power of two from 1 to 32, got 3 : i32}}
module attributes {tilegpu.num_warps = 3 : i32} {
}

// -----

// expected-error @+1 {{'tilegpu.num_warps' must be an i32 power of two from 1 to 32, got -1 : i32}}
module attributes {tilegpu.num_warps = -1 : i32} {
}

// -----

// expected-error @+1 {{'tilegpu.num_warps' must be an i32 power of two from 1 to 32, got 1000000 : i32}}
module attributes {tilegpu.num_warps = 1000000 : i32} {
}

// -----

// expected-error @+1 {{'tilegpu.shared' must be a non-negative i32}}
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.shared = -16 : i32} {
}

// -----

// expected-error @+1 {{'tilegpu.target' must be a string "cuda:<arch>"}}
module attributes {tilegpu.target = 80 : i32} {
}
