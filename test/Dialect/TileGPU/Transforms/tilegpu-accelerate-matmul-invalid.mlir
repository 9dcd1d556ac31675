// RUN: flash-opt %s --split-input-file --tilegpu-accelerate-matmul --verify-diagnostics

#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>

module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"} {
  func.func @ieee(%a: tensor<32x32xf32, #b>, %c: tensor<32x32xf32, #b>) {
    // expected-error @below {{'tile.dot' op f32 operands with input_precision = ieee have no mma.sync instruction; use input_precision = tf32 or f16/bf16 operands on the GPU}}
    %d = tile.dot %a, %a, %c input_precision = ieee : tensor<32x32xf32, #b> * tensor<32x32xf32, #b> -> tensor<32x32xf32, #b>
    return
  }
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>

module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"} {
  func.func @int8(%a: tensor<32x32xi8, #b>, %c: tensor<32x32xi32, #b>) {
    // expected-error @below {{'tile.dot' op 'i8' operands with a 'i32' accumulator are not supported on the GPU (f16/bf16 into f32, or f32 as tf32)}}
    %d = tile.dot %a, %a, %c : tensor<32x32xi8, #b> * tensor<32x32xi8, #b> -> tensor<32x32xi32, #b>
    return
  }
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>

module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"} {
  func.func @f16_accumulator(%a: tensor<32x32xf16, #b>) {
    // expected-error @below {{'tile.dot' op 'f16' operands with a 'f16' accumulator are not supported on the GPU (f16/bf16 into f32, or f32 as tf32)}}
    %d = tile.dot %a, %a, %a : tensor<32x32xf16, #b> * tensor<32x32xf16, #b> -> tensor<32x32xf16, #b>
    return
  }
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>

module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:75"} {
  func.func @turing(%a: tensor<32x32xbf16, #b>, %f: tensor<32x32xf32, #b>) {
    // expected-error @below {{'tile.dot' op bf16 mma.sync needs sm_80 or newer, the target is sm_75}}
    %d = tile.dot %a, %a, %f : tensor<32x32xbf16, #b> * tensor<32x32xbf16, #b> -> tensor<32x32xf32, #b>
    // expected-error @below {{'tile.dot' op tf32 mma.sync needs sm_80 or newer, the target is sm_75}}
    %e = tile.dot %f, %f, %f : tensor<32x32xf32, #b> * tensor<32x32xf32, #b> -> tensor<32x32xf32, #b>
    return
  }
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>

module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:70"} {
  func.func @volta(%a: tensor<32x32xf16, #b>, %f: tensor<32x32xf32, #b>) {
    // expected-error @below {{'tile.dot' op needs mma.sync, which sm_70 does not have (sm_75 or newer)}}
    %d = tile.dot %a, %a, %f : tensor<32x32xf16, #b> * tensor<32x32xf16, #b> -> tensor<32x32xf32, #b>
    return
  }
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>

module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"} {
  func.func @too_small(%a: tensor<8x16xf16, #b>, %b: tensor<16x8xf16, #b>, %c: tensor<8x8xf32, #b>,
                       %x: tensor<16x8xf16, #b>, %y: tensor<8x8xf16, #b>, %z: tensor<16x8xf32, #b>) {
    // expected-error @below {{'tile.dot' op block 8x8x16 (MxNxK) is smaller than one mma.sync.m16n8k16 (M >= 16, N >= 8, K >= 16)}}
    %d = tile.dot %a, %b, %c : tensor<8x16xf16, #b> * tensor<16x8xf16, #b> -> tensor<8x8xf32, #b>
    // expected-error @below {{'tile.dot' op block 16x8x8 (MxNxK) is smaller than one mma.sync.m16n8k16 (M >= 16, N >= 8, K >= 16)}}
    %e = tile.dot %x, %y, %z : tensor<16x8xf16, #b> * tensor<8x8xf16, #b> -> tensor<16x8xf32, #b>
    return
  }
}
