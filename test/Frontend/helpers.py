# Calls to module functions are inlined: positional and keyword arguments,
# defaults, fl.constexpr parameters, tuple returns and unpacking, early
# returns under compile-time conditions, and calls between kernels.
# RUN: flash-translate %s --kernel attention_step -D BLOCK=16 | FileCheck %s
# RUN: flash-translate %s --kernel caller | FileCheck %s --check-prefix=CALLER

import flashtile.language as fl

LOG2E = 1.4426950408889634


def online_softmax(s, m_i, l_i, scale=1.0):
    m_new = fl.maximum(m_i, fl.rowmax(s) * scale)
    p = fl.exp2(s * scale - m_new[:, None])
    alpha = fl.exp2(m_i - m_new)
    return p, m_new, l_i * alpha + fl.rowsum(p), alpha


def pick(x, FIRST: fl.constexpr):
    if FIRST:
        return x
    return x * 2


def block_shape(x):
    return x.shape


# CHECK-LABEL: func.func @attention_step
# CHECK: %[[S:.*]] = arith.constant dense<1.000000e+00> : tensor<16x16xf32>
# CHECK: %[[M0:.*]] = arith.constant dense<0xFF800000> : tensor<16xf32>
# CHECK: %[[L0:.*]] = arith.constant dense<0.000000e+00> : tensor<16xf32>
# The helper's body is inlined with scale = LOG2E.
# CHECK: %[[RM:.*]] = tile.reduce max %[[S]] {axis = 1 : i32}
# CHECK: %[[SCALE:.*]] = arith.constant dense<1.44269502> : tensor<16xf32>
# CHECK: %[[RMS:.*]] = arith.mulf %[[RM]], %[[SCALE]] : tensor<16xf32>
# CHECK: %[[MNEW:.*]] = arith.maxnumf %[[M0]], %[[RMS]] : tensor<16xf32>
# CHECK: %[[P:.*]] = math.exp2 %{{.*}} : tensor<16x16xf32>
# CHECK: %[[ALPHA:.*]] = math.exp2 %{{.*}} : tensor<16xf32>
# CHECK: %[[LA:.*]] = arith.mulf %[[L0]], %[[ALPHA]] : tensor<16xf32>
# CHECK: %[[PS:.*]] = tile.reduce sum %[[P]] {axis = 1 : i32}
# CHECK: %[[L:.*]] = arith.addf %[[LA]], %[[PS]] : tensor<16xf32>
# The tuple's parts are used after unpacking.
# CHECK: arith.divf %[[L]], %[[ALPHA]] : tensor<16xf32>
# pick(x, FIRST=True) returns early; pick(x, False) doubles.
# CHECK: %[[TWO:.*]] = arith.constant dense<2.000000e+00> : tensor<16xf32>
# CHECK: arith.mulf %[[MNEW]], %[[TWO]] : tensor<16xf32>
# CHECK: return
def attention_step(BLOCK: fl.constexpr):
    s = fl.full((BLOCK, BLOCK), 1.0, fl.float32)
    m_i = fl.full((BLOCK,), float("-inf"), fl.float32)
    l_i = fl.zeros((BLOCK,), fl.float32)
    p, m_i, l_i, alpha = online_softmax(s, m_i, l_i, scale=LOG2E)
    ratio = l_i / alpha
    same = pick(m_i, FIRST=True)
    doubled = pick(FIRST=False, x=m_i)
    rows, cols = block_shape(p)
    fl.static_assert(rows == BLOCK and cols == BLOCK)
    fl.static_assert(pick(3, True) == 3 and pick(3, False) == 6)


# A kernel can call another kernel; its constexpr parameter is an argument.
# CALLER-LABEL: func.func @caller(
# CALLER-SAME: %[[X:.*]]: !tile.ptr<f32>)
# CALLER: tile.make_range 0 to 8
# CALLER: tile.store
# CALLER: tile.make_range 0 to 4
# CALLER: tile.store
def store_ones(X: fl.pointer(fl.float32), BLOCK: fl.constexpr):
    fl.store(X + fl.arange(0, BLOCK), 1.0)
    return


def caller(X: fl.pointer(fl.float32)):
    store_ones(X, 8)
    store_ones(X, BLOCK=4)
