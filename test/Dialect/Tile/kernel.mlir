// RUN: flash-opt %s | flash-opt | FileCheck %s
// RUN: flash-opt %s --tile-optimize | FileCheck %s --check-prefix=OPT

// A whole hand-written tile program: each program instance loads a 32x16
// block of A and a 16x32 block of B, multiplies them with tile.dot, takes the
// row maximum of the product and stores the 32 maxima.

// CHECK-LABEL: func.func @dot_rowmax
// CHECK: tile.program_id 0
// CHECK: tile.load %{{.*}} : tensor<32x16x!tile.ptr<f16>>
// CHECK: tile.load %{{.*}} : tensor<16x32x!tile.ptr<f16>>
// CHECK: tile.dot %{{.*}}, %{{.*}}, %{{.*}} : tensor<32x16xf16> * tensor<16x32xf16> -> tensor<32x32xf32>
// CHECK: tile.reduce max %{{.*}} {axis = 1 : i32} : tensor<32x32xf32> -> tensor<32xf32>
// CHECK: tile.store %{{.*}}, %{{.*}}, %{{.*}} : tensor<32x!tile.ptr<f32>>

// The optimizer turns the zero-initialised product plus bias into one
// accumulating dot and keeps the program otherwise intact.
// OPT-LABEL: func.func @dot_rowmax
// OPT: %[[BIAS:.*]] = tile.splat %arg4 : f32 -> tensor<32x32xf32>
// OPT: tile.dot %{{.*}}, %{{.*}}, %[[BIAS]] :
// OPT-NOT: arith.addf
// OPT: tile.reduce max
// OPT: tile.store
func.func @dot_rowmax(%a: !tile.ptr<f16>, %b: !tile.ptr<f16>, %out: !tile.ptr<f32>,
                      %m: i32, %bias: f32) attributes {tile.kernel} {
  %pid = tile.program_id 0
  %c32 = arith.constant 32 : i32
  %row0 = arith.muli %pid, %c32 : i32
  // Rows of this block: row0 + [0, 32).
  %r = tile.make_range 0 to 32 : tensor<32xi32>
  %row0s = tile.splat %row0 : i32 -> tensor<32xi32>
  %rows = arith.addi %row0s, %r : tensor<32xi32>
  %k = tile.make_range 0 to 16 : tensor<16xi32>
  // A block: a + rows[:, None] * 16 + k[None, :]
  %c16 = arith.constant dense<16> : tensor<32x1xi32>
  %rows2 = tile.expand_dims %rows {axis = 1 : i32} : tensor<32xi32> -> tensor<32x1xi32>
  %rowoff = arith.muli %rows2, %c16 : tensor<32x1xi32>
  %rowoffb = tile.broadcast %rowoff : tensor<32x1xi32> -> tensor<32x16xi32>
  %k2 = tile.expand_dims %k {axis = 0 : i32} : tensor<16xi32> -> tensor<1x16xi32>
  %k2b = tile.broadcast %k2 : tensor<1x16xi32> -> tensor<32x16xi32>
  %aoff = arith.addi %rowoffb, %k2b : tensor<32x16xi32>
  %abase = tile.splat %a : !tile.ptr<f16> -> tensor<32x16x!tile.ptr<f16>>
  %aptr = tile.addptr %abase, %aoff : tensor<32x16x!tile.ptr<f16>>, tensor<32x16xi32>
  %ablk = tile.load %aptr : tensor<32x16x!tile.ptr<f16>>
  // B block (16x32, row-major): b + k[:, None] * 32 + cols[None, :]
  %cols = tile.make_range 0 to 32 : tensor<32xi32>
  %kc = tile.expand_dims %k {axis = 1 : i32} : tensor<16xi32> -> tensor<16x1xi32>
  %c32t = arith.constant dense<32> : tensor<16x1xi32>
  %krow = arith.muli %kc, %c32t : tensor<16x1xi32>
  %krowb = tile.broadcast %krow : tensor<16x1xi32> -> tensor<16x32xi32>
  %cols2 = tile.expand_dims %cols {axis = 0 : i32} : tensor<32xi32> -> tensor<1x32xi32>
  %cols2b = tile.broadcast %cols2 : tensor<1x32xi32> -> tensor<16x32xi32>
  %boff = arith.addi %krowb, %cols2b : tensor<16x32xi32>
  %bbase = tile.splat %b : !tile.ptr<f16> -> tensor<16x32x!tile.ptr<f16>>
  %bptr = tile.addptr %bbase, %boff : tensor<16x32x!tile.ptr<f16>>, tensor<16x32xi32>
  %bblk = tile.load %bptr : tensor<16x32x!tile.ptr<f16>>
  // s = a @ b + bias; row max.
  %zero = arith.constant dense<0.0> : tensor<32x32xf32>
  %s = tile.dot %ablk, %bblk, %zero : tensor<32x16xf16> * tensor<16x32xf16> -> tensor<32x32xf32>
  %biasb = tile.splat %bias : f32 -> tensor<32x32xf32>
  %sb = arith.addf %s, %biasb : tensor<32x32xf32>
  %mx = tile.reduce max %sb {axis = 1 : i32} : tensor<32x32xf32> -> tensor<32xf32>
  // Store the maxima of the rows that exist (rows < m).
  %ms = tile.splat %m : i32 -> tensor<32xi32>
  %valid = arith.cmpi slt, %rows, %ms : tensor<32xi32>
  %obase = tile.splat %out : !tile.ptr<f32> -> tensor<32x!tile.ptr<f32>>
  %optr = tile.addptr %obase, %rows : tensor<32x!tile.ptr<f32>>, tensor<32xi32>
  tile.store %optr, %mx, %valid : tensor<32x!tile.ptr<f32>>
  return
}
