# Pointer arithmetic, loads and stores with masks and `other`, atomics, and
# the kernel signature (runtime parameters in order, tile.kernel).
# RUN: flash-translate %s --kernel add -T X=*f32 -T Y=*f16 -D BLOCK=128 | FileCheck %s --check-prefix=ADD
# RUN: flash-translate %s --kernel scalar_and_atomics | FileCheck %s --check-prefix=SCALAR

import flashtile
import flashtile.language as fl


# ADD-LABEL: func.func @add(
# ADD-SAME: %[[X:.*]]: !tile.ptr<f32>, %[[Y:.*]]: !tile.ptr<f16>, %[[Z:.*]]: !tile.ptr<f32>, %[[N:.*]]: i32) attributes {tile.kernel}
# ADD: %[[PID:.*]] = tile.program_id 0
# ADD: %[[C128:.*]] = arith.constant 128 : i32
# ADD: %[[BASE:.*]] = arith.muli %[[PID]], %[[C128]] : i32
# ADD: %[[RANGE:.*]] = tile.make_range 0 to 128 : tensor<128xi32>
# ADD: %[[BASES:.*]] = tile.splat %[[BASE]] : i32 -> tensor<128xi32>
# ADD: %[[OFFS:.*]] = arith.addi %[[BASES]], %[[RANGE]] : tensor<128xi32>
# ADD: %[[NS:.*]] = tile.splat %[[N]] : i32 -> tensor<128xi32>
# ADD: %[[MASK:.*]] = arith.cmpi slt, %[[OFFS]], %[[NS]] : tensor<128xi32>
# ADD: %[[XS:.*]] = tile.splat %[[X]] : !tile.ptr<f32> -> tensor<128x!tile.ptr<f32>>
# ADD: %[[XP:.*]] = tile.addptr %[[XS]], %[[OFFS]] : tensor<128x!tile.ptr<f32>>, tensor<128xi32>
# ADD: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<128xf32>
# ADD: %[[XV:.*]] = tile.load %[[XP]], %[[MASK]], %[[ZERO]] : tensor<128x!tile.ptr<f32>>
# `other` is converted to the pointee type.
# ADD: %[[ZERO16:.*]] = arith.constant dense<0.000000e+00> : tensor<128xf16>
# ADD: %[[YV:.*]] = tile.load %{{.*}}, %[[MASK]], %[[ZERO16]] : tensor<128x!tile.ptr<f16>>
# ADD: %[[ZP:.*]] = tile.addptr %{{.*}}, %[[OFFS]] : tensor<128x!tile.ptr<f32>>, tensor<128xi32>
# ADD: %[[YW:.*]] = arith.extf %[[YV]] : tensor<128xf16> to tensor<128xf32>
# ADD: %[[SUM:.*]] = arith.addf %[[XV]], %[[YW]] : tensor<128xf32>
# ADD: tile.store %[[ZP]], %[[SUM]], %[[MASK]] : tensor<128x!tile.ptr<f32>>
# ADD-NEXT: return
@flashtile.jit
def add(X: fl.pointer, Y: fl.pointer, Z: fl.pointer(fl.float32), N: fl.int32,
        BLOCK: fl.constexpr):
    pid = fl.program_id(0)
    offs = pid * BLOCK + fl.arange(0, BLOCK)
    mask = offs < N
    x = fl.load(X + offs, mask=mask, other=0.0)
    y = fl.load(Y + offs, mask=mask, other=0)
    fl.store(Z + offs, x + y, mask=mask)


# SCALAR-LABEL: func.func @scalar_and_atomics(
# SCALAR-SAME: %[[P:.*]]: !tile.ptr<i32>, %[[N:.*]]: i64)
# A scalar load through a scalar pointer, with an i64 offset.
# SCALAR: %[[P1:.*]] = tile.addptr %[[P]], %[[N]] : !tile.ptr<i32>, i64
# SCALAR: %[[V:.*]] = tile.load %[[P1]] : !tile.ptr<i32>
# `ptr - offs` negates the offsets.
# SCALAR: %[[R:.*]] = tile.make_range 0 to 16
# SCALAR: %[[ZERO:.*]] = arith.constant dense<0> : tensor<16xi32>
# SCALAR: %[[NEG:.*]] = arith.subi %[[ZERO]], %[[R]] : tensor<16xi32>
# SCALAR: %[[PS:.*]] = tile.addptr %{{.*}}, %[[NEG]]
# A scalar value and a constant mask broadcast to the pointers' shape.
# SCALAR: %[[VS:.*]] = tile.splat %[[V]] : i32 -> tensor<16xi32>
# SCALAR: %{{.*}} = tile.atomic_rmw add, %[[PS]], %[[VS]] : tensor<16x!tile.ptr<i32>>
# SCALAR: %[[FALSE:.*]] = arith.constant dense<false> : tensor<16xi1>
# SCALAR: %[[ONE:.*]] = arith.constant dense<1> : tensor<16xi32>
# SCALAR: %{{.*}} = tile.atomic_rmw max, %[[PS]], %[[ONE]], %[[FALSE]] : tensor<16x!tile.ptr<i32>>
# SCALAR: tile.atomic_rmw min,
# SCALAR: tile.atomic_rmw xchg,
# A mask of True is no mask; a 2-D mask broadcasts the 1-D pointers.
# SCALAR: tile.store %[[PS]], %{{.*}} : tensor<16x!tile.ptr<i32>>
# SCALAR: tile.load %[[PS]] : tensor<16x!tile.ptr<i32>>
# SCALAR: %[[P2:.*]] = tile.broadcast %{{.*}} : tensor<1x16x!tile.ptr<i32>> -> tensor<4x16x!tile.ptr<i32>>
# SCALAR: tile.store %[[P2]], %{{.*}}, %{{.*}} : tensor<4x16x!tile.ptr<i32>>
def scalar_and_atomics(P: fl.pointer(fl.int32), N: fl.int64):
    v = fl.load(P + N)
    ps = P - fl.arange(0, 16)
    old = fl.atomic_add(ps, v)
    old = fl.atomic_max(ps, 1, mask=False)
    old = fl.atomic_min(ps, old)
    old = fl.atomic_xchg(ptr=ps, value=old)
    fl.store(ps, old, mask=True)
    again = fl.load(ps, mask=True, other=5)
    rows = fl.arange(0, 4)
    fl.store(ps, 0, mask=rows[:, None] < 2)
