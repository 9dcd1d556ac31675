// RUN: flash-opt %s --split-input-file --convert-tilegpu-to-llvm --verify-diagnostics

func.func @no_encoding() {
  // expected-error @below {{type tensor<64xi32> has no layout encoding}}
  %r = tile.make_range 0 to 64 : tensor<64xi32>
  return
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [1], order = [0]}>

func.func @dense_constant() -> tensor<2xi32, #blocked> {
  // expected-error @below {{only splat constants are supported on tensors in GPU kernels}}
  %c = arith.constant dense<[1, 2]> : tensor<2xi32, #blocked>
  return %c : tensor<2xi32, #blocked>
}

// -----

#rows = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [1, 1], order = [1, 0]}>
#cols = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [1, 1], order = [1, 0]}>

func.func @bad_broadcast(%x: tensor<32x1xf32, #rows>) -> tensor<32x32xf32, #cols> {
  // expected-error @below {{the source and result layouts are not compatible: elements move between threads}}
  %b = tile.broadcast %x : tensor<32x1xf32, #rows> -> tensor<32x32xf32, #cols>
  return %b : tensor<32x32xf32, #cols>
}

// -----

#a = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [1], order = [0]}>
#b = #tilegpu.blocked<{sizePerThread = [2], threadsPerWarp = [32], warpsPerCTA = [1], order = [0]}>

func.func @mixed_layouts(%p: tensor<64x!tile.ptr<f32>, #a>, %o: tensor<64xi32, #b>) -> tensor<64x!tile.ptr<f32>, #a> {
  // expected-error @below {{pointer, offset, mask and value blocks must have one layout}}
  %q = tile.addptr %p, %o : tensor<64x!tile.ptr<f32>, #a>, tensor<64xi32, #b>
  return %q : tensor<64x!tile.ptr<f32>, #a>
}

// -----

func.func @f64_exp(%x: f64) -> f64 {
  // expected-error @below {{is not supported on the GPU for 'f64'}}
  %e = math.exp %x : f64
  return %e : f64
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [2], order = [0]}>

func.func @atomic_result(%p: tensor<32x!tile.ptr<f32>, #blocked>, %v: tensor<32xf32, #blocked>) -> tensor<32xf32, #blocked> {
  // expected-error @below {{the result of an atomic on a block whose layout duplicates elements is not supported}}
  %old = tile.atomic_rmw add, %p, %v : tensor<32x!tile.ptr<f32>, #blocked>
  return %old : tensor<32xf32, #blocked>
}
