# Broadcasting (numpy rules through expand_dims/broadcast/splat), dtype
# promotion with weak Python scalars, and the integer division rules.
# RUN: flash-translate %s --kernel broadcast | FileCheck %s --check-prefix=BCAST
# RUN: flash-translate %s --kernel promote | FileCheck %s --check-prefix=PROMO
# RUN: flash-translate %s --kernel ints | FileCheck %s --check-prefix=INTS

import flashtile.language as fl


# BCAST-LABEL: func.func @broadcast
# BCAST: %[[R:.*]] = tile.make_range 0 to 16 : tensor<16xi32>
# BCAST: %[[C:.*]] = tile.make_range 0 to 32 : tensor<32xi32>
# BCAST: %[[RC:.*]] = tile.expand_dims %[[R]] {axis = 1 : i32} : tensor<16xi32> -> tensor<16x1xi32>
# BCAST: %[[CR:.*]] = tile.expand_dims %[[C]] {axis = 0 : i32} : tensor<32xi32> -> tensor<1x32xi32>
# BCAST: %[[RB:.*]] = tile.broadcast %[[RC]] : tensor<16x1xi32> -> tensor<16x32xi32>
# BCAST: %[[CB:.*]] = tile.broadcast %[[CR]] : tensor<1x32xi32> -> tensor<16x32xi32>
# BCAST: %[[GRID:.*]] = arith.addi %[[RB]], %[[CB]] : tensor<16x32xi32>
# A 1-D block against a 2-D one gets a leading unit dimension first.
# BCAST: %[[C1:.*]] = tile.expand_dims %[[C]] {axis = 0 : i32} : tensor<32xi32> -> tensor<1x32xi32>
# BCAST: %[[C2:.*]] = tile.broadcast %[[C1]] : tensor<1x32xi32> -> tensor<16x32xi32>
# BCAST: arith.muli %[[GRID]], %[[C2]] : tensor<16x32xi32>
# x[None] and x[None, :] both add a leading dimension; a scalar is splat.
# BCAST: tile.expand_dims %[[R]] {axis = 0 : i32} : tensor<16xi32> -> tensor<1x16xi32>
# BCAST: tile.expand_dims %[[R]] {axis = 0 : i32} : tensor<16xi32> -> tensor<1x16xi32>
# BCAST: %[[PID:.*]] = tile.program_id 1
# BCAST: tile.splat %[[PID]] : i32 -> tensor<1x16xi32>
# BCAST: %[[PID2:.*]] = tile.program_id 1
# BCAST: tile.splat %[[PID2]] : i32 -> tensor<1xi32>
def broadcast(O: fl.pointer(fl.int32)):
    r = fl.arange(0, 16)
    c = fl.arange(0, 32)
    grid = r[:, None] + c[None, :]
    grid = grid * c
    a = r[None]
    b = r[None, :] + fl.program_id(1)
    s = fl.program_id(1)[None]
    fl.store(O + grid, grid)


# PROMO-LABEL: func.func @promote(
# PROMO-SAME: %[[A:.*]]: !tile.ptr<f16>, %[[B:.*]]: !tile.ptr<bf16>, %[[N:.*]]: i32, %[[S:.*]]: f32)
# PROMO: %[[AV:.*]] = tile.load %{{.*}} : tensor<16x!tile.ptr<f16>>
# PROMO: %[[BV:.*]] = tile.load %{{.*}} : tensor<16x!tile.ptr<bf16>>
# f16 with bf16 computes in f32.
# PROMO: %[[AW:.*]] = arith.extf %[[AV]] : tensor<16xf16> to tensor<16xf32>
# PROMO: %[[BW:.*]] = arith.extf %[[BV]] : tensor<16xbf16> to tensor<16xf32>
# PROMO: arith.addf %[[AW]], %[[BW]] : tensor<16xf32>
# A Python float keeps f16.
# PROMO: %[[HALF:.*]] = arith.constant dense<5.000000e-01> : tensor<16xf16>
# PROMO: arith.mulf %[[AV]], %[[HALF]] : tensor<16xf16>
# f16 with an f32 scalar: f32.
# PROMO: %[[AX:.*]] = arith.extf %[[AV]] : tensor<16xf16> to tensor<16xf32>
# PROMO: %[[SS:.*]] = tile.splat %[[S]] : f32 -> tensor<16xf32>
# PROMO: arith.mulf %[[AX]], %[[SS]] : tensor<16xf32>
# int with float: the float; a Python float with an int value: f32.
# PROMO: %[[NF:.*]] = arith.sitofp %[[N]] : i32 to f16
# PROMO: %[[NS:.*]] = tile.splat %[[NF]] : f16 -> tensor<16xf16>
# PROMO: arith.addf %[[AV]], %[[NS]] : tensor<16xf16>
# PROMO: %[[NF32:.*]] = arith.sitofp %[[N]] : i32 to f32
# PROMO: %[[QUARTER:.*]] = arith.constant 2.500000e-01 : f32
# PROMO: arith.mulf %[[NF32]], %[[QUARTER]] : f32
# A Python int stays i32, or becomes i64 when it does not fit.
# PROMO: %[[C3:.*]] = arith.constant 3 : i32
# PROMO: arith.addi %[[N]], %[[C3]] : i32
# PROMO: %[[N64:.*]] = arith.extsi %[[N]] : i32 to i64
# PROMO: %[[BIG:.*]] = arith.constant 1099511627776 : i64
# PROMO: arith.addi %[[N64]], %[[BIG]] : i64
# Conversions with .to(): float to int, int to bool (x != 0), bool to float.
# PROMO: arith.fptosi %[[AV]] : tensor<16xf16> to tensor<16xi32>
# PROMO: %[[Z:.*]] = arith.constant 0 : i32
# PROMO: %[[NB:.*]] = arith.cmpi ne, %[[N]], %[[Z]] : i32
# PROMO: arith.uitofp %[[NB]] : i1 to f32
# PROMO: arith.truncf %{{.*}} : tensor<16xf32> to tensor<16xbf16>
def promote(A: fl.pointer(fl.float16), B: fl.pointer(fl.bfloat16), N: fl.int32,
            S: fl.float32):
    r = fl.arange(0, 16)
    a = fl.load(A + r)
    b = fl.load(B + r)
    ab = a + b
    h = a * 0.5
    f = a * S
    ah = a + N
    nf = N * 0.25
    n3 = N + 3
    n64 = N + 2**40
    ai = a.to(fl.int32)
    nb = N.to(fl.int1).to(fl.float32)
    back = ab.to(fl.bfloat16)


# INTS-LABEL: func.func @ints(
# INTS-SAME: %[[N:.*]]: i32, %[[M:.*]]: i64)
# `/` on ints is f32 division; `//` and `%` truncate (divsi, remsi).
# INTS: %[[NF:.*]] = arith.sitofp %[[N]] : i32 to f32
# INTS: %[[TWO:.*]] = arith.constant 2.000000e+00 : f32
# INTS: arith.divf %[[NF]], %[[TWO]] : f32
# INTS: %[[C7:.*]] = arith.constant -7 : i32
# INTS: arith.divsi %[[N]], %[[C7]] : i32
# INTS: arith.remsi %[[N]], %{{.*}} : i32
# i32 with i64: i64.
# INTS: %[[NW:.*]] = arith.extsi %[[N]] : i32 to i64
# INTS: arith.muli %[[NW]], %[[M]] : i64
# Bitwise ops and shifts; bools are ints in arithmetic.
# INTS: arith.andi %[[N]], %{{.*}} : i32
# INTS: arith.shli %[[N]], %{{.*}} : i32
# INTS: arith.shrsi %[[N]], %{{.*}} : i32
# INTS: %[[B:.*]] = arith.cmpi sgt, %[[N]], %{{.*}} : i32
# INTS: %[[BI:.*]] = arith.extui %[[B]] : i1 to i32
# INTS: arith.addi %[[BI]], %{{.*}} : i32
# Compile-time arithmetic follows Python: -7 // 2 == -4 emits no op.
# INTS: %[[FOLDED:.*]] = arith.constant -4 : i32
# INTS: arith.addi %[[N]], %[[FOLDED]] : i32
def ints(N: fl.int32, M: fl.int64):
    q = N / 2
    d = N // -7
    m = N % 5
    w = N * M
    a = N & 6
    l = N << 2
    r = N >> 1
    t = (N > 0) + 1
    c = N + (-7 // 2)
