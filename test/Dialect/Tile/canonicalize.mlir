// RUN: flash-opt %s --split-input-file --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @splat_of_constant
// CHECK-NEXT: %[[C:.*]] = arith.constant dense<2.500000e+00> : tensor<4x8xf32>
// CHECK-NEXT: return %[[C]]
func.func @splat_of_constant() -> tensor<4x8xf32> {
  %c = arith.constant 2.5 : f32
  %0 = tile.splat %c : f32 -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_of_broadcast
// CHECK-NEXT: %[[B:.*]] = tile.broadcast %arg0 : tensor<1x1xf32> -> tensor<8x16xf32>
// CHECK-NEXT: return %[[B]]
func.func @broadcast_of_broadcast(%x: tensor<1x1xf32>) -> tensor<8x16xf32> {
  %0 = tile.broadcast %x : tensor<1x1xf32> -> tensor<1x16xf32>
  %1 = tile.broadcast %0 : tensor<1x16xf32> -> tensor<8x16xf32>
  return %1 : tensor<8x16xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_of_splat
// CHECK-NEXT: %[[S:.*]] = tile.splat %arg0 : f32 -> tensor<8x16xf32>
// CHECK-NEXT: return %[[S]]
func.func @broadcast_of_splat(%x: f32) -> tensor<8x16xf32> {
  %0 = tile.splat %x : f32 -> tensor<1x16xf32>
  %1 = tile.broadcast %0 : tensor<1x16xf32> -> tensor<8x16xf32>
  return %1 : tensor<8x16xf32>
}

// -----

// CHECK-LABEL: func.func @expand_dims_of_splat
// CHECK-NEXT: %[[S:.*]] = tile.splat %arg0 : i32 -> tensor<16x1xi32>
// CHECK-NEXT: return %[[S]]
func.func @expand_dims_of_splat(%x: i32) -> tensor<16x1xi32> {
  %0 = tile.splat %x : i32 -> tensor<16xi32>
  %1 = tile.expand_dims %0 {axis = 1 : i32} : tensor<16xi32> -> tensor<16x1xi32>
  return %1 : tensor<16x1xi32>
}

// -----

// CHECK-LABEL: func.func @broadcast_identity
// CHECK-NEXT: return %arg0
func.func @broadcast_identity(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %0 = tile.broadcast %x : tensor<8x16xf32> -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_constant
// CHECK-NEXT: %[[C:.*]] = arith.constant dense<1> : tensor<8x16xi32>
// CHECK-NEXT: return %[[C]]
func.func @broadcast_constant() -> tensor<8x16xi32> {
  %c = arith.constant dense<1> : tensor<1x16xi32>
  %0 = tile.broadcast %c : tensor<1x16xi32> -> tensor<8x16xi32>
  return %0 : tensor<8x16xi32>
}

// -----

// CHECK-LABEL: func.func @addptr_zero
// CHECK-NEXT: return %arg0, %arg1
func.func @addptr_zero(%p: !tile.ptr<f16>, %q: tensor<8x!tile.ptr<f16>>)
    -> (!tile.ptr<f16>, tensor<8x!tile.ptr<f16>>) {
  %z = arith.constant 0 : i32
  %zs = arith.constant dense<0> : tensor<8xi32>
  %0 = tile.addptr %p, %z : !tile.ptr<f16>, i32
  %1 = tile.addptr %q, %zs : tensor<8x!tile.ptr<f16>>, tensor<8xi32>
  return %0, %1 : !tile.ptr<f16>, tensor<8x!tile.ptr<f16>>
}

// -----

// CHECK-LABEL: func.func @addptr_nonzero
// CHECK: tile.addptr
func.func @addptr_nonzero(%p: !tile.ptr<f16>) -> !tile.ptr<f16> {
  %c = arith.constant 3 : i32
  %0 = tile.addptr %p, %c : !tile.ptr<f16>, i32
  return %0 : !tile.ptr<f16>
}

// -----

// CHECK-LABEL: func.func @trans_of_trans
// CHECK-NEXT: return %arg0
func.func @trans_of_trans(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = tile.trans %x {order = array<i32: 1, 0>} : tensor<4x8xf32> -> tensor<8x4xf32>
  %1 = tile.trans %0 {order = array<i32: 1, 0>} : tensor<8x4xf32> -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// A 3-D rotation applied twice is not the identity: both stay.
// CHECK-LABEL: func.func @trans_rotate
// CHECK: tile.trans
// CHECK: tile.trans
func.func @trans_rotate(%x: tensor<2x4x8xf32>) -> tensor<8x2x4xf32> {
  %0 = tile.trans %x {order = array<i32: 1, 2, 0>} : tensor<2x4x8xf32> -> tensor<4x8x2xf32>
  %1 = tile.trans %0 {order = array<i32: 1, 2, 0>} : tensor<4x8x2xf32> -> tensor<8x2x4xf32>
  return %1 : tensor<8x2x4xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_chain
// CHECK-NEXT: %[[R:.*]] = tile.reshape %arg0 : tensor<64xf32> -> tensor<4x16xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_chain(%x: tensor<64xf32>) -> tensor<4x16xf32> {
  %0 = tile.reshape %x : tensor<64xf32> -> tensor<8x8xf32>
  %1 = tile.reshape %0 : tensor<8x8xf32> -> tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}
