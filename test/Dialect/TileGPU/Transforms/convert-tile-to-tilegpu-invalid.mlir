// RUN: flash-opt %s --split-input-file --convert-tile-to-tilegpu --verify-diagnostics
// RUN: not flash-opt %s --split-input-file --convert-tile-to-tilegpu="num-warps=3" 2>&1 | FileCheck %s --check-prefix=WARPS
// RUN: not flash-opt %s --split-input-file --convert-tile-to-tilegpu="target=sm_80" 2>&1 | FileCheck %s --check-prefix=TARGET

// WARPS: error: num-warps must be a power of two from 1 to 32, got 3
// TARGET: error: unknown target 'sm_80' (expected cuda:<compute capability>, e.g. cuda:80)

func.func @not_power_of_two() {
  // expected-error @below {{'tile.make_range' op block 'tensor<48xi32>' cannot be laid out on the GPU: dimension 48 is not a power of two}}
  %r = tile.make_range 0 to 48 : tensor<48xi32>
  return
}

// -----

func.func @too_large(%x: f32) {
  // expected-error @below {{'tile.splat' op block 'tensor<2048x1024xf32>' cannot be laid out on the GPU: 2097152 elements are more than 2^20}}
  %b = tile.splat %x : f32 -> tensor<2048x1024xf32>
  return
}

// -----

// expected-error @below {{'func.func' op block 'tensor<24xf32>' cannot be laid out on the GPU: dimension 24 is not a power of two}}
func.func @argument(%x: tensor<24xf32>) {
  return
}

// -----

// At most 256 elements per thread (4 warps by default: 32768 elements); the
// GPU path's code size and compile time grow quadratically past that.
func.func @too_many_per_thread(%x: f32) {
  %ok = tile.splat %x : f32 -> tensor<32768xf32>
  // expected-error @below {{'tile.splat' op block 'tensor<65536xf32>' cannot be laid out on the GPU: each of the 128 threads (4 warps) would hold 512 of its elements, more than 256; use a smaller block or more warps}}
  %b = tile.splat %x : f32 -> tensor<65536xf32>
  return
}
