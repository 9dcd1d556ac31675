# fl.dot and `@`: accumulator types, an explicit accumulator, transposes
# (fl.trans, x.T, a permutation order), and input_precision.
# RUN: flash-translate %s --kernel dots | FileCheck %s

import flashtile.language as fl


# CHECK-LABEL: func.func @dots
# CHECK: %[[A:.*]] = arith.constant dense<1.000000e+00> : tensor<64x32xf16>
# CHECK: %[[B:.*]] = arith.constant dense<2.000000e+00> : tensor<32x16xf16>
# f16 operands accumulate in f32 from zero.
# CHECK: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<64x16xf32>
# CHECK: %[[AB:.*]] = tile.dot %[[A]], %[[B]], %[[Z]] : tensor<64x32xf16> * tensor<32x16xf16> -> tensor<64x16xf32>
# `@` is fl.dot; an explicit accumulator gives the result type.
# CHECK: %[[Z2:.*]] = arith.constant dense<0.000000e+00> : tensor<64x16xf32>
# CHECK: tile.dot %[[A]], %[[B]], %[[Z2]] : tensor<64x32xf16> * tensor<32x16xf16> -> tensor<64x16xf32>
# CHECK: %[[ACC16:.*]] = arith.constant dense<0.000000e+00> : tensor<64x16xf16>
# CHECK: tile.dot %[[A]], %[[B]], %[[ACC16]] : tensor<64x32xf16> * tensor<32x16xf16> -> tensor<64x16xf16>
# CHECK: tile.dot %[[A]], %[[B]], %[[AB]] : tensor<64x32xf16> * tensor<32x16xf16> -> tensor<64x16xf32>
# Transposes: fl.trans, .T, and an explicit order.
# CHECK: %[[BT:.*]] = tile.trans %[[B]] {order = array<i32: 1, 0>} : tensor<32x16xf16> -> tensor<16x32xf16>
# CHECK: %[[BTT:.*]] = tile.trans %[[BT]] {order = array<i32: 1, 0>} : tensor<16x32xf16> -> tensor<32x16xf16>
# CHECK: tile.dot %[[A]], %[[BTT]], %{{.*}} : tensor<64x32xf16> * tensor<32x16xf16>
# CHECK: tile.trans %{{.*}} {order = array<i32: 2, 0, 1>} : tensor<2x4x8xf32> -> tensor<8x2x4xf32>
# CHECK: tile.trans %{{.*}} {order = array<i32: 1, 2, 0>} : tensor<2x4x8xf32> -> tensor<4x8x2xf32>
# f32 operands use tf32 unless input_precision="ieee"; int8 accumulates in i32.
# CHECK: tile.dot %{{.*}}, %{{.*}}, %{{.*}} : tensor<16x16xf32> * tensor<16x16xf32> -> tensor<16x16xf32>
# CHECK: tile.dot %{{.*}}, %{{.*}}, %{{.*}} input_precision = ieee : tensor<16x16xf32> * tensor<16x16xf32> -> tensor<16x16xf32>
# CHECK: %[[I32Z:.*]] = arith.constant dense<0> : tensor<16x16xi32>
# CHECK: tile.dot %{{.*}}, %{{.*}}, %[[I32Z]] : tensor<16x16xi8> * tensor<16x16xi8> -> tensor<16x16xi32>
def dots():
    a = fl.full((64, 32), 1.0, fl.float16)
    b = fl.full((32, 16), 2.0, fl.float16)
    ab = fl.dot(a, b)
    ab2 = a @ b
    ab16 = fl.dot(a, b, acc=fl.zeros((64, 16), fl.float16))
    ab3 = fl.dot(a, b, ab)
    bt = fl.trans(b)
    ab4 = a @ bt.T
    x = fl.zeros((2, 4, 8))
    y = fl.trans(x, 2, 0, 1)
    z = fl.trans(x, (1, 2, 0))
    f = fl.zeros((16, 16))
    tf32 = fl.dot(f, f, input_precision="tf32")
    ieee = fl.dot(f, f, input_precision="ieee")
    i8 = fl.zeros((16, 16), fl.int8)
    ii = i8 @ i8
