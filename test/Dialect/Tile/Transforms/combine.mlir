// RUN: flash-opt %s --split-input-file --tile-combine | FileCheck %s

// CHECK-LABEL: func.func @dot_accumulate
// CHECK-SAME: (%[[A:.*]]: tensor<16x16xf16>, %[[B:.*]]: tensor<16x16xf16>, %[[C:.*]]: tensor<16x16xf32>)
// CHECK-NEXT: %[[D:.*]] = tile.dot %[[A]], %[[B]], %[[C]] :
// CHECK-NEXT: return %[[D]]
func.func @dot_accumulate(%a: tensor<16x16xf16>, %b: tensor<16x16xf16>, %c: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %zero = arith.constant dense<0.0> : tensor<16x16xf32>
  %d = tile.dot %a, %b, %zero : tensor<16x16xf16> * tensor<16x16xf16> -> tensor<16x16xf32>
  %s = arith.addf %c, %d : tensor<16x16xf32>
  return %s : tensor<16x16xf32>
}

// -----

// The accumulator is not zero: the add must stay.
// CHECK-LABEL: func.func @dot_nonzero_acc
// CHECK: tile.dot
// CHECK: arith.addf
func.func @dot_nonzero_acc(%a: tensor<16x16xf16>, %b: tensor<16x16xf16>, %c: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %d = tile.dot %a, %b, %c : tensor<16x16xf16> * tensor<16x16xf16> -> tensor<16x16xf32>
  %s = arith.addf %d, %c : tensor<16x16xf32>
  return %s : tensor<16x16xf32>
}

// -----

// The product has a second use: fusing would compute it twice.
// CHECK-LABEL: func.func @dot_two_uses
// CHECK: tile.dot
// CHECK: arith.addf
func.func @dot_two_uses(%a: tensor<16x16xf16>, %b: tensor<16x16xf16>, %c: tensor<16x16xf32>) -> (tensor<16x16xf32>, tensor<16x16xf32>) {
  %zero = arith.constant dense<0.0> : tensor<16x16xf32>
  %d = tile.dot %a, %b, %zero : tensor<16x16xf16> * tensor<16x16xf16> -> tensor<16x16xf32>
  %s = arith.addf %d, %c : tensor<16x16xf32>
  return %s, %d : tensor<16x16xf32>, tensor<16x16xf32>
}

// -----

// CHECK-LABEL: func.func @addptr_chain
// CHECK-SAME: (%[[P:.*]]: tensor<8x!tile.ptr<f32>>, %[[X:.*]]: tensor<8xi32>, %[[Y:.*]]: tensor<8xi32>)
// CHECK-NEXT: %[[S:.*]] = arith.addi %[[X]], %[[Y]] : tensor<8xi32>
// CHECK-NEXT: %[[R:.*]] = tile.addptr %[[P]], %[[S]]
// CHECK-NEXT: return %[[R]]
func.func @addptr_chain(%p: tensor<8x!tile.ptr<f32>>, %x: tensor<8xi32>, %y: tensor<8xi32>) -> tensor<8x!tile.ptr<f32>> {
  %0 = tile.addptr %p, %x : tensor<8x!tile.ptr<f32>>, tensor<8xi32>
  %1 = tile.addptr %0, %y : tensor<8x!tile.ptr<f32>>, tensor<8xi32>
  return %1 : tensor<8x!tile.ptr<f32>>
}

// -----

// Offsets of different widths are not combined.
// CHECK-LABEL: func.func @addptr_mixed_widths
// CHECK: tile.addptr
// CHECK: tile.addptr
func.func @addptr_mixed_widths(%p: !tile.ptr<f32>, %x: i32, %y: i64) -> !tile.ptr<f32> {
  %0 = tile.addptr %p, %x : !tile.ptr<f32>, i32
  %1 = tile.addptr %0, %y : !tile.ptr<f32>, i64
  return %1 : !tile.ptr<f32>
}

// -----

// CHECK-LABEL: func.func @select_of_masked_load
// CHECK-SAME: (%[[P:.*]]: tensor<8x!tile.ptr<f32>>, %[[M:.*]]: tensor<8xi1>, %[[O:.*]]: tensor<8xf32>)
// CHECK-NEXT: %[[L:.*]] = tile.load %[[P]], %[[M]], %[[O]]
// CHECK-NEXT: return %[[L]]
func.func @select_of_masked_load(%p: tensor<8x!tile.ptr<f32>>, %m: tensor<8xi1>, %o: tensor<8xf32>) -> tensor<8xf32> {
  %l = tile.load %p, %m : tensor<8x!tile.ptr<f32>>
  %s = arith.select %m, %l, %o : tensor<8xi1>, tensor<8xf32>
  return %s : tensor<8xf32>
}

// -----

// The select's condition is not the load's mask: unchanged.
// CHECK-LABEL: func.func @select_other_mask
// CHECK: tile.load
// CHECK: arith.select
func.func @select_other_mask(%p: tensor<8x!tile.ptr<f32>>, %m: tensor<8xi1>, %n: tensor<8xi1>, %o: tensor<8xf32>) -> tensor<8xf32> {
  %l = tile.load %p, %m : tensor<8x!tile.ptr<f32>>
  %s = arith.select %n, %l, %o : tensor<8xi1>, tensor<8xf32>
  return %s : tensor<8xf32>
}
