// RUN: flash-opt %s --split-input-file --verify-diagnostics
// RUN: not flash-opt %s --split-input-file 2>&1 | FileCheck %s

// Malformed textual IR is rejected with a located error, not a crash.

// expected-error @+2 {{failed to parse Tile_PtrType parameter 'pointeeType'}}
// expected-error @+1 {{expected non-function type}}
func.func @bad_ptr(%p: !tile.ptr<>) {
  return
}
// CHECK: parse-errors.mlir:8:34: error: failed to parse Tile_PtrType parameter 'pointeeType'

// -----

// expected-error @+1 {{unknown  type `pointer` in dialect `tile`}}
func.func @unknown_type(%p: !tile.pointer<f32>) {
  return
}
// CHECK: parse-errors.mlir:16:35: error: unknown  type `pointer` in dialect `tile`

// -----

func.func @load_missing_type(%p: !tile.ptr<f32>) {
  // expected-error @+1 {{expected ':'}}
  %0 = tile.load %p
  return
}

// -----

func.func @range_missing_to() {
  // expected-error @+1 {{expected 'to'}}
  %0 = tile.make_range 0 64 : tensor<64xi32>
  return
}
