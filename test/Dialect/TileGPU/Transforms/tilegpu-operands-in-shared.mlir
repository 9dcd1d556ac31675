// RUN: flash-opt %s --split-input-file --tilegpu-operands-in-shared | FileCheck %s

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#da = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#db = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// Q, converted once before the loop and multiplied in every iteration, is
// stored once into a swizzled buffer and read back in the loop right
// before the dot; the use after the loop keeps the conversion.

// CHECK-DAG: #[[S:.*]] = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"} {
  // CHECK-LABEL: func.func @invariant_operand
  func.func @invariant_operand(%x: tensor<64x64xf16, #b>, %k: tensor<64x64xf16, #db>, %n: i32) -> (tensor<64x64xf32, #mma>, tensor<64x64xf32, #mma>) {
    %c0 = arith.constant 0 : i32
    %c64 = arith.constant 64 : i32
    %zero = arith.constant dense<0.0> : tensor<64x64xf32, #mma>
    // CHECK: %[[BUF:.*]] = tilegpu.local_alloc %{{.*}} : (tensor<64x64xf16, #{{.*}}>) -> !tilegpu.memdesc<64x64xf16, #[[S]]>
    // CHECK: %[[CVT:.*]] = tilegpu.convert_layout
    %q = tilegpu.convert_layout %x : tensor<64x64xf16, #b> -> tensor<64x64xf16, #da>
    // CHECK: scf.for
    %r = scf.for %i = %c0 to %n step %c64 iter_args(%acc = %zero) -> (tensor<64x64xf32, #mma>) : i32 {
      // CHECK: %[[Q:.*]] = tilegpu.local_load %[[BUF]] : <64x64xf16, #[[S]]> -> tensor<64x64xf16, #{{.*}}>
      // CHECK-NEXT: tile.dot %[[Q]], %{{.*}}, %{{.*}}
      %d = tile.dot %q, %k, %acc : tensor<64x64xf16, #da> * tensor<64x64xf16, #db> -> tensor<64x64xf32, #mma>
      scf.yield %d : tensor<64x64xf32, #mma>
    }
    // CHECK: scf.yield
    // CHECK: tile.dot %[[CVT]]
    %after = tile.dot %q, %k, %zero : tensor<64x64xf16, #da> * tensor<64x64xf16, #db> -> tensor<64x64xf32, #mma>
    return %r, %after : tensor<64x64xf32, #mma>, tensor<64x64xf32, #mma>
  }
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#da = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#db = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// Operands computed in the loop, and dots outside any loop, stay as they
// are.

// CHECK-LABEL: func.func @not_invariant
// CHECK-NOT: tilegpu.local_alloc
// CHECK-NOT: tilegpu.local_load
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = "cuda:80"} {
  func.func @not_invariant(%x: tensor<64x64xf16, #b>, %k: tensor<64x64xf16, #db>, %n: i32) -> (tensor<64x64xf32, #mma>, tensor<64x64xf32, #mma>) {
    %c0 = arith.constant 0 : i32
    %c64 = arith.constant 64 : i32
    %zero = arith.constant dense<0.0> : tensor<64x64xf32, #mma>
    %q = tilegpu.convert_layout %x : tensor<64x64xf16, #b> -> tensor<64x64xf16, #da>
    %once = tile.dot %q, %k, %zero : tensor<64x64xf16, #da> * tensor<64x64xf16, #db> -> tensor<64x64xf32, #mma>
    %r = scf.for %i = %c0 to %n step %c64 iter_args(%acc = %zero) -> (tensor<64x64xf32, #mma>) : i32 {
      %y = arith.addf %x, %x : tensor<64x64xf16, #b>
      %a = tilegpu.convert_layout %y : tensor<64x64xf16, #b> -> tensor<64x64xf16, #da>
      %d = tile.dot %a, %k, %acc : tensor<64x64xf16, #da> * tensor<64x64xf16, #db> -> tensor<64x64xf32, #mma>
      scf.yield %d : tensor<64x64xf32, #mma>
    }
    return %r, %once : tensor<64x64xf32, #mma>, tensor<64x64xf32, #mma>
  }
}
