# Runtime and compile-time control flow: scf.for with loop-carried
# variables (a Python number before the loop becomes a runtime value), a
# negative step, scf.while, scf.if yielding what its branches assign,
# constexpr if folding, static_range and tuple unrolling.
# RUN: flash-translate %s --kernel loops | FileCheck %s --check-prefix=LOOP
# RUN: flash-translate %s --kernel branches -D MODE=1 | FileCheck %s --check-prefix=IF
# RUN: flash-translate %s --kernel unrolled -D N=3 | FileCheck %s --check-prefix=UNROLL

import flashtile.language as fl


# LOOP-LABEL: func.func @loops(
# LOOP-SAME: %[[X:.*]]: !tile.ptr<f32>, %[[N:.*]]: i32)
# LOOP: %[[ACC0:.*]] = arith.constant dense<0.000000e+00> : tensor<16xf32>
# LOOP: %[[C0:.*]] = arith.constant 0 : i32
# LOOP: %[[C1:.*]] = arith.constant 1 : i32
# `count = 0` before the loop is carried as an i32.
# LOOP: %[[COUNT0:.*]] = arith.constant 0 : i32
# LOOP: %[[FOR:.*]]:2 = scf.for %[[I:.*]] = %[[C0]] to %[[N]] step %[[C1]] iter_args(%[[ACC:.*]] = %[[ACC0]], %[[COUNT:.*]] = %[[COUNT0]]) -> (tensor<16xf32>, i32) : i32 {
# LOOP: %[[SI:.*]] = tile.splat %[[I]] : i32 -> tensor<16xi32>
# LOOP: %[[V:.*]] = tile.load
# LOOP: %[[NEXT:.*]] = arith.addf %[[ACC]], %[[V]] : tensor<16xf32>
# LOOP: %[[INC:.*]] = arith.addi %[[COUNT]], %{{.*}} : i32
# LOOP: scf.yield %[[NEXT]], %[[INC]] : tensor<16xf32>, i32
# A negative compile-time step counts down: i = N - 2 * k.
# LOOP: %[[TRIPS:.*]] = arith.maxsi
# LOOP: scf.for %[[K:.*]] = %{{.*}} to %[[TRIPS]] step %{{.*}} iter_args(%[[A2:.*]] = %[[FOR]]#0) -> (tensor<16xf32>) : i32 {
# LOOP: %[[TWO:.*]] = arith.constant 2 : i32
# LOOP: %[[K2:.*]] = arith.muli %[[K]], %[[TWO]] : i32
# LOOP: arith.subi %[[N]], %[[K2]] : i32
# A while loop carries the variables its body assigns.
# LOOP: scf.while (%[[W:.*]] = %[[N]], %[[WA:.*]] = %{{.*}}) : (i32, tensor<16xf32>) -> (i32, tensor<16xf32>) {
# LOOP: %[[COND:.*]] = arith.cmpi sgt, %[[W]], %{{.*}} : i32
# LOOP: scf.condition(%[[COND]]) %[[W]], %[[WA]] : i32, tensor<16xf32>
# LOOP: } do {
# LOOP: ^bb0(%[[W2:.*]]: i32, %[[WA2:.*]]: tensor<16xf32>):
# LOOP: arith.subi %[[W2]], %{{.*}} : i32
# LOOP: scf.yield %{{.*}}, %{{.*}} : i32, tensor<16xf32>
# A while loop whose condition is always false compiles to nothing.
# LOOP-NOT: scf.while
# LOOP: tile.store
def loops(X: fl.pointer(fl.float32), N: fl.int32):
    offs = fl.arange(0, 16)
    acc = fl.zeros((16,), fl.float32)
    count = 0
    for i in range(N):
        acc = acc + fl.load(X + offs + i)
        count += 1
    for i in range(N, 0, -2):
        acc = acc * i
    m = N
    while m > 0:
        m = m - 1
        acc = acc + 1.0
    while False:
        acc = acc - 1.0
    fl.store(X + offs, acc)


# IF-LABEL: func.func @branches(
# IF-SAME: %[[N:.*]]: i32)
# IF: %[[C:.*]] = arith.cmpi sgt, %[[N]], %{{.*}} : i32
# `x` exists before the if, `y` is assigned in both branches; `z` in only one
# branch is not carried. A Python number merges with the other branch's type.
# IF: %[[IF:.*]]:2 = scf.if %[[C]] -> (f32, i32) {
# IF: %[[NF:.*]] = arith.sitofp %[[N]] : i32 to f32
# IF: %[[XT:.*]] = arith.mulf %[[NF]], %{{.*}} : f32
# IF: %[[YT:.*]] = arith.constant 1 : i32
# IF: scf.yield %[[XT]], %[[YT]] : f32, i32
# IF: } else {
# IF: %[[YE:.*]] = arith.muli %[[N]], %{{.*}} : i32
# IF: %[[XE:.*]] = arith.constant 2.500000e+00 : f32
# IF: scf.yield %[[XE]], %[[YE]] : f32, i32
# IF: }
# IF: arith.addf %[[IF]]#0, %{{.*}} : f32
# A scalar int condition is compared with zero; elif nests.
# IF: %[[Z:.*]] = arith.constant 0 : i32
# IF: %[[NZ:.*]] = arith.cmpi ne, %[[N]], %[[Z]] : i32
# IF: scf.if %[[NZ]] -> (i32) {
# IF: } else {
# IF: %[[INNER:.*]] = scf.if %{{.*}} -> (i32) {
# IF: } else {
# IF: scf.yield %[[IF]]#1 : i32
# IF: }
# IF: scf.yield %[[INNER]] : i32
# Only the branch a compile-time condition selects is compiled.
# IF-NOT: undefined_name
# IF: %[[SEL:.*]] = arith.constant 42 : i32
# IF: return
def branches(N: fl.int32, MODE: fl.constexpr):
    x = 0.0
    if N > 4:
        x = N * 1.0
        y = 1
        z = 3
    else:
        x = 2.5
        y = N * 2
    r = x + 1.0
    if N:
        w = 1
    elif N < -1:
        w = 2
    else:
        w = y
    if MODE == 1:
        sel = 42
    elif MODE == 2:
        sel = undefined_name
    else:
        fl.static_assert(False, "never compiled")
    t = N + sel


# UNROLL-LABEL: func.func @unrolled(
# UNROLL-SAME: %[[X:.*]]: !tile.ptr<f32>)
# UNROLL: %[[C0:.*]] = arith.constant 0 : i32
# UNROLL: tile.addptr %[[X]], %[[C0]] : !tile.ptr<f32>, i32
# UNROLL: %[[C2:.*]] = arith.constant 2 : i32
# UNROLL: tile.addptr %[[X]], %[[C2]] : !tile.ptr<f32>, i32
# UNROLL: %[[C4:.*]] = arith.constant 4 : i32
# UNROLL: tile.addptr %[[X]], %[[C4]] : !tile.ptr<f32>, i32
# UNROLL-NOT: scf.for
# Iterating a tuple unrolls too, and unpacks.
# UNROLL: arith.constant 1.000000e+01 : f32
# UNROLL: arith.constant 2.000000e+01 : f32
# UNROLL: arith.constant 2.500000e-01 : f32
# UNROLL-NOT: scf.for
def unrolled(X: fl.pointer(fl.float32), N: fl.constexpr):
    total = 0.0
    for i in fl.static_range(0, 2 * N, 2):
        total += fl.load(X + i)
    for scale, bias in ((1.0, 10.0), (2.0, 20.0)):
        total = total * scale + bias
    for i in fl.static_range(1):
        total = total * 0.25
    fl.store(X, total)
