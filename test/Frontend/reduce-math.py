# Reductions (axis, axis=None, keep_dims, rowmax/rowsum, booleans), math
# functions (half precision computed in f32), where, maximum/minimum, cdiv,
# reshape, expand_dims and broadcast_to.
# RUN: flash-translate %s --kernel reductions | FileCheck %s --check-prefix=RED
# RUN: flash-translate %s --kernel elementwise | FileCheck %s --check-prefix=EW
# RUN: flash-translate %s --kernel shapes | FileCheck %s --check-prefix=SHAPE

import flashtile.language as fl


# RED-LABEL: func.func @reductions
# RED: %[[X:.*]] = arith.constant dense<1.000000e+00> : tensor<32x64xf16>
# RED: tile.reduce sum %[[X]] {axis = 1 : i32} : tensor<32x64xf16> -> tensor<32xf16>
# RED: tile.reduce max %[[X]] {axis = 0 : i32} : tensor<32x64xf16> -> tensor<64xf16>
# RED: tile.reduce min %[[X]] {axis = 1 : i32} : tensor<32x64xf16> -> tensor<32xf16>
# axis=None reduces the whole block to a scalar through a 1-D reshape.
# RED: %[[FLAT:.*]] = tile.reshape %[[X]] : tensor<32x64xf16> -> tensor<2048xf16>
# RED: tile.reduce sum %[[FLAT]] {axis = 0 : i32} : tensor<2048xf16> -> f16
# RED: %[[M:.*]] = tile.reduce max %[[X]] {axis = 1 : i32} : tensor<32x64xf16> -> tensor<32xf16>
# RED: tile.expand_dims %[[M]] {axis = 1 : i32} : tensor<32xf16> -> tensor<32x1xf16>
# RED: tile.reduce max %[[X]] {axis = 1 : i32}
# RED: tile.reduce sum %[[X]] {axis = 1 : i32}
# Booleans are counted as i32.
# RED: %[[B:.*]] = arith.cmpf ogt
# RED: %[[BI:.*]] = arith.extui %[[B]] : tensor<32x64xi1> to tensor<32x64xi32>
# RED: tile.reduce sum %{{.*}} {axis = 0 : i32} : tensor<2048xi32> -> i32
def reductions():
    x = fl.full((32, 64), 1.0, fl.float16)
    s = fl.sum(x, axis=1)
    m = fl.max(x, 0)
    n = fl.min(x, axis=-1)
    total = fl.sum(x)
    kept = fl.max(x, 1, keep_dims=True)
    rm = fl.rowmax(x)
    rs = fl.rowsum(x)
    count = fl.sum(x > 0.5)


# EW-LABEL: func.func @elementwise(
# EW-SAME: %[[N:.*]]: i32
# EW: %[[X:.*]] = arith.constant dense<2.000000e+00> : tensor<16xf16>
# EW: %[[XW:.*]] = arith.extf %[[X]] : tensor<16xf16> to tensor<16xf32>
# EW: %[[E:.*]] = math.exp2 %[[XW]] : tensor<16xf32>
# EW: arith.truncf %[[E]] : tensor<16xf32> to tensor<16xf16>
# EW: math.exp %{{.*}} : tensor<16xf32>
# EW: math.log %{{.*}} : tensor<16xf32>
# EW: math.log2 %{{.*}} : tensor<16xf32>
# EW: math.sqrt %{{.*}} : tensor<16xf32>
# EW: math.rsqrt %{{.*}} : tensor<16xf32>
# EW: math.sin %{{.*}} : tensor<16xf32>
# EW: math.cos %{{.*}} : tensor<16xf32>
# EW: math.tanh %{{.*}} : tensor<16xf32>
# EW: math.erf %{{.*}} : tensor<16xf32>
# fl.sigmoid(x) is 1 / (1 + exp(-x)).
# EW: %[[NX:.*]] = arith.negf %{{.*}} : tensor<16xf32>
# EW: %[[EX:.*]] = math.exp %[[NX]] : tensor<16xf32>
# EW: %[[DEN:.*]] = arith.addf %{{.*}}, %[[EX]] : tensor<16xf32>
# EW: arith.divf %{{.*}}, %[[DEN]] : tensor<16xf32>
# EW: math.absf %[[X]] : tensor<16xf16>
# EW: math.absi %[[N]] : i32
# A Python number is an f32 value.
# EW: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
# EW: math.exp %[[ONE]] : f32
# where promotes and broadcasts its three operands.
# EW: %[[R:.*]] = tile.make_range 0 to 16
# EW: %[[C:.*]] = arith.cmpi slt, %[[R]], %{{.*}} : tensor<16xi32>
# EW: %[[NEG:.*]] = arith.constant dense<0xFC00> : tensor<16xf16>
# EW: arith.select %[[C]], %[[X]], %[[NEG]] : tensor<16xi1>, tensor<16xf16>
# EW: arith.maxnumf %[[X]], %{{.*}} : tensor<16xf16>
# EW: arith.minsi %[[N]], %{{.*}} : i32
# fl.cdiv of compile-time ints folds; of runtime ints is (a + b - 1) // b.
# EW: %[[NB:.*]] = arith.constant 16 : i32
# EW: %[[S:.*]] = arith.addi %[[N]], %[[NB]] : i32
# EW: %[[S1:.*]] = arith.subi %[[S]], %{{.*}} : i32
# EW: %[[Q:.*]] = arith.divsi %[[S1]], %{{.*}} : i32
# EW: %[[C3:.*]] = arith.constant 3 : i32
# EW: arith.addi %[[Q]], %[[C3]] : i32
def elementwise(N: fl.int32):
    x = fl.full((16,), 2.0, fl.float16)
    y = fl.exp2(x)
    y = fl.exp(x) + fl.log(x) + fl.log2(x) + fl.sqrt(x) + fl.rsqrt(x)
    y = fl.sin(x) + fl.cos(x)
    y = fl.tanh(x) + fl.erf(x) + fl.sigmoid(x)
    a = fl.abs(x)
    b = abs(N)
    e = fl.exp(1.0)
    r = fl.arange(0, 16)
    w = fl.where(r < 4, x, float("-inf"))
    mx = fl.maximum(x, 1)
    mn = fl.minimum(N, 7)
    blocks = fl.cdiv(N, 16) + fl.cdiv(33, 16)


# SHAPE-LABEL: func.func @shapes
# SHAPE: %[[R:.*]] = tile.make_range 0 to 64 : tensor<64xi32>
# SHAPE: %[[M:.*]] = tile.reshape %[[R]] : tensor<64xi32> -> tensor<8x8xi32>
# SHAPE: tile.expand_dims %[[M]] {axis = 2 : i32} : tensor<8x8xi32> -> tensor<8x8x1xi32>
# SHAPE: tile.expand_dims %[[M]] {axis = 0 : i32} : tensor<8x8xi32> -> tensor<1x8x8xi32>
# SHAPE: %[[E:.*]] = tile.expand_dims %[[R]] {axis = 0 : i32} : tensor<64xi32> -> tensor<1x64xi32>
# SHAPE: tile.broadcast %[[E]] : tensor<1x64xi32> -> tensor<4x64xi32>
# SHAPE: %[[F:.*]] = arith.constant 1.500000e+00 : f32
# SHAPE: tile.splat %[[F]] : f32 -> tensor<2x2xf32>
def shapes():
    r = fl.arange(0, 64)
    m = fl.reshape(r, (8, 8))
    last = fl.expand_dims(m, -1)
    first = fl.expand_dims(m, axis=0)
    b = fl.broadcast_to(r, (4, 64))
    fl.static_assert(b.shape == (4, 64) and b.dtype == fl.int32)
    c = fl.broadcast_to(1.5, [2, 2])
