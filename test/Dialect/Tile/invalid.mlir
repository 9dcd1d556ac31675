// RUN: flash-opt %s --split-input-file --verify-diagnostics

func.func @program_id_axis() {
  // expected-error @+1 {{attribute 'axis' failed to satisfy constraint}}
  %0 = tile.program_id 3
  return
}

// -----

func.func @range_empty() {
  // expected-error @+1 {{needs start < end, got [8, 8)}}
  %0 = tile.make_range 8 to 8 : tensor<0xi32>
  return
}

// -----

func.func @range_length() {
  // expected-error @+1 {{result must be tensor<16xi32>}}
  %0 = tile.make_range 0 to 16 : tensor<32xi32>
  return
}

// -----

func.func @splat_type(%x: f32) {
  // expected-error @+1 {{result element type matches the scalar}}
  %0 = "tile.splat"(%x) : (f32) -> tensor<4xf16>
  return
}

// -----

func.func @broadcast_rank(%x: tensor<64xf32>) {
  // expected-error @+1 {{source rank 1 differs from result rank 2}}
  %0 = tile.broadcast %x : tensor<64xf32> -> tensor<8x64xf32>
  return
}

// -----

func.func @broadcast_dim(%x: tensor<2x64xf32>) {
  // expected-error @+1 {{source dimension 0 has size 2, which is neither 1 nor 8}}
  %0 = tile.broadcast %x : tensor<2x64xf32> -> tensor<8x64xf32>
  return
}

// -----

func.func @broadcast_elem(%x: tensor<1x64xf32>) {
  // expected-error @+1 {{requires the same element type for all operands and results}}
  %0 = tile.broadcast %x : tensor<1x64xf32> -> tensor<8x64xf16>
  return
}

// -----

func.func @expand_axis(%x: tensor<64xf32>) {
  // expected-error @+1 {{axis 2 is out of range [0, 1]}}
  %0 = tile.expand_dims %x {axis = 2 : i32} : tensor<64xf32> -> tensor<64x1xf32>
  return
}

// -----

func.func @expand_shape(%x: tensor<64xf32>) {
  // expected-error @+1 {{result type must be 'tensor<64x1xf32>'}}
  %0 = tile.expand_dims %x {axis = 1 : i32} : tensor<64xf32> -> tensor<1x64xf32>
  return
}

// -----

func.func @reshape_size(%x: tensor<64xf32>) {
  // expected-error @+1 {{cannot reshape 'tensor<64xf32>' (64 elements) to 'tensor<8x16xf32>' (128 elements)}}
  %0 = tile.reshape %x : tensor<64xf32> -> tensor<8x16xf32>
  return
}

// -----

func.func @trans_perm(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{order must be a permutation of [0, 2)}}
  %0 = tile.trans %x {order = array<i32: 1, 1>} : tensor<4x8xf32> -> tensor<8x8xf32>
  return
}

// -----

func.func @trans_shape(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{result type must be 'tensor<8x4xf32>'}}
  %0 = tile.trans %x {order = array<i32: 1, 0>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @addptr_mixed(%p: !tile.ptr<f32>, %o: tensor<4xi32>) {
  // expected-error @+1 {{pointer and offset must both be scalars or both be blocks}}
  %0 = "tile.addptr"(%p, %o) : (!tile.ptr<f32>, tensor<4xi32>) -> !tile.ptr<f32>
  return
}

// -----

func.func @addptr_shape(%p: tensor<4x!tile.ptr<f32>>, %o: tensor<8xi32>) {
  // expected-error @+1 {{offset shape 'tensor<8xi32>' differs from pointer shape 'tensor<4x!tile.ptr<f32>>'}}
  %0 = tile.addptr %p, %o : tensor<4x!tile.ptr<f32>>, tensor<8xi32>
  return
}

// -----

func.func @addptr_float_offset(%p: !tile.ptr<f32>, %o: f32) {
  // expected-error @+1 {{operand #1 must be integer or tensor of integers}}
  %0 = "tile.addptr"(%p, %o) : (!tile.ptr<f32>, f32) -> !tile.ptr<f32>
  return
}

// -----

func.func @load_result(%p: tensor<4x!tile.ptr<f32>>) {
  // expected-error @+1 {{result is what ptr points to}}
  %0 = "tile.load"(%p) {operandSegmentSizes = array<i32: 1, 0, 0>} : (tensor<4x!tile.ptr<f32>>) -> tensor<4xf16>
  return
}

// -----

func.func @load_mask_shape(%p: tensor<4x!tile.ptr<f32>>, %m: tensor<8xi1>) {
  // expected-error @+1 {{mask has the shape of ptr}}
  %0 = "tile.load"(%p, %m) {operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<4x!tile.ptr<f32>>, tensor<8xi1>) -> tensor<4xf32>
  return
}

// -----

func.func @load_other_type(%p: tensor<4x!tile.ptr<f32>>, %m: tensor<4xi1>, %o: tensor<4xf16>) {
  // expected-error @+1 {{other has the result type}}
  %0 = "tile.load"(%p, %m, %o) {operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<4x!tile.ptr<f32>>, tensor<4xi1>, tensor<4xf16>) -> tensor<4xf32>
  return
}

// -----

func.func @load_other_without_mask(%p: tensor<4x!tile.ptr<f32>>, %o: tensor<4xf32>) {
  // expected-error @+1 {{'other' is only meaningful with a mask}}
  %0 = "tile.load"(%p, %o) {operandSegmentSizes = array<i32: 1, 0, 1>} : (tensor<4x!tile.ptr<f32>>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @load_not_pointer(%p: tensor<4xf32>) {
  // expected-error @+1 {{operand #0 must be pointer or tensor of pointers}}
  %0 = "tile.load"(%p) {operandSegmentSizes = array<i32: 1, 0, 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @store_value(%p: tensor<4x!tile.ptr<f32>>, %v: tensor<4xf16>) {
  // expected-error @+1 {{value is what ptr points to}}
  "tile.store"(%p, %v) : (tensor<4x!tile.ptr<f32>>, tensor<4xf16>) -> ()
  return
}

// -----

func.func @store_mask(%p: tensor<4x!tile.ptr<f32>>, %v: tensor<4xf32>, %m: tensor<4xi32>) {
  // expected-error @+1 {{operand #2 must be i1 or tensor of i1}}
  "tile.store"(%p, %v, %m) : (tensor<4x!tile.ptr<f32>>, tensor<4xf32>, tensor<4xi32>) -> ()
  return
}

// -----

func.func @atomic_kind(%p: tensor<4x!tile.ptr<i8>>, %v: tensor<4xi8>) {
  // expected-error @+1 {{atomic add is not supported on 'i8'}}
  %0 = tile.atomic_rmw add, %p, %v : tensor<4x!tile.ptr<i8>>
  return
}

// -----

func.func @dot_rank(%a: tensor<16xf16>, %b: tensor<16x16xf16>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{operands must be 2-D blocks}}
  %0 = "tile.dot"(%a, %b, %c) : (tensor<16xf16>, tensor<16x16xf16>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @dot_inner(%a: tensor<16x32xf16>, %b: tensor<16x16xf16>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{inner dimensions differ: a is 16x32, b is 16x16}}
  %0 = tile.dot %a, %b, %c : tensor<16x32xf16> * tensor<16x16xf16> -> tensor<16x16xf32>
  return
}

// -----

func.func @dot_acc(%a: tensor<16x32xf16>, %b: tensor<32x8xf16>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{accumulator must be 16x8, got 16x16}}
  %0 = tile.dot %a, %b, %c : tensor<16x32xf16> * tensor<32x8xf16> -> tensor<16x16xf32>
  return
}

// -----

func.func @dot_mixed(%a: tensor<16x16xf16>, %b: tensor<16x16xbf16>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{operand element types differ: 'f16' and 'bf16'}}
  %0 = tile.dot %a, %b, %c : tensor<16x16xf16> * tensor<16x16xbf16> -> tensor<16x16xf32>
  return
}

// -----

func.func @dot_acc_type(%a: tensor<16x16xbf16>, %b: tensor<16x16xbf16>, %c: tensor<16x16xbf16>) {
  // expected-error @+1 {{unsupported element types: 'bf16' operands with a 'bf16' accumulator}}
  %0 = tile.dot %a, %b, %c : tensor<16x16xbf16> * tensor<16x16xbf16> -> tensor<16x16xbf16>
  return
}

// -----

func.func @dot_precision(%a: tensor<16x16xf16>, %b: tensor<16x16xf16>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{input_precision applies to f32 operands only}}
  %0 = tile.dot %a, %b, %c input_precision = ieee : tensor<16x16xf16> * tensor<16x16xf16> -> tensor<16x16xf32>
  return
}

// -----

func.func @reduce_axis(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{axis 2 is out of range [0, 2)}}
  %0 = tile.reduce sum %x {axis = 2 : i32} : tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @reduce_result(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{result type must be 'tensor<8xf32>', got 'tensor<4xf32>'}}
  %0 = tile.reduce sum %x {axis = 0 : i32} : tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @reduce_args(%x: tensor<8xf32>) {
  // expected-error @+1 {{combiner must take two 'f32' arguments}}
  %0 = tile.reduce %x {axis = 0 : i32} : tensor<8xf32> -> f32 {
  ^bb0(%a: f32):
    tile.reduce_return %a : f32
  }
  return
}

// -----

func.func @reduce_return(%x: tensor<8xf32>) {
  %0 = tile.reduce %x {axis = 0 : i32} : tensor<8xf32> -> f32 {
  ^bb0(%a: f32, %b: f32):
    %c = arith.truncf %a : f32 to f16
    // expected-error @+1 {{must return 'f32', the element type being reduced}}
    tile.reduce_return %c : f16
  }
  return
}

// -----

func.func @reduce_keyword(%x: tensor<8xf32>) {
  // expected-error @+1 {{expected 'sum', 'max' or 'min', got 'prod'}}
  %0 = tile.reduce prod %x {axis = 0 : i32} : tensor<8xf32> -> f32
  return
}

// -----

// expected-error @+1 {{pointee must be an integer or float type, got 'tensor<4xf32>'}}
func.func @ptr_pointee(%p: !tile.ptr<tensor<4xf32>>) {
  return
}

// -----

func.func @hint_rank(%x: tensor<8x8xi32>) {
  // expected-error @+1 {{multiple_of has 1 entries for a value of rank 2}}
  %0 = tile.hint %x {multiple_of = array<i64: 16>} : tensor<8x8xi32>
  return
}

// -----

func.func @hint_positive(%x: tensor<8xi32>) {
  // expected-error @+1 {{max_contiguous entries must be positive, got 0}}
  %0 = tile.hint %x {max_contiguous = array<i64: 0>} : tensor<8xi32>
  return
}

// -----

func.func @hint_empty(%x: i32) {
  // expected-error @+1 {{states no fact (multiple_of or max_contiguous)}}
  %0 = tile.hint %x : i32
  return
}

// -----

func.func @hint_float(%x: tensor<8xf32>) {
  // expected-error @+1 {{operand #0 must be integer or tensor of integers or pointer or tensor of pointers}}
  %0 = tile.hint %x {multiple_of = array<i64: 16>} : tensor<8xf32>
  return
}
