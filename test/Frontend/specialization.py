# Specialization: constexpr values from -D (ints, floats, bools, None,
# dtypes, strings), parameter types from -T, divisibility attributes, and
# --list-params.
# RUN: flash-translate %s --kernel k -T X=*bf16 -T n=i64 -D BLOCK=32 -D SCALE=0.125 -D EVEN=True -D DT=fl.float16 -D TAG=none -D OPT=None --divisible-by-16=X,n,Y | FileCheck %s
# RUN: flash-translate %s --kernel k -T X=*f32 -T n=i32 -D BLOCK=64 -D SCALE=2 -D EVEN=False -D DT=bfloat16 -D TAG=full | FileCheck %s --check-prefix=OTHER
# RUN: flash-translate %s --kernel k --list-params | FileCheck %s --check-prefix=PARAMS

import flashtile.language as fl

# CHECK-LABEL: func.func @k(
# CHECK-SAME: %[[X:.*]]: !tile.ptr<bf16> {tile.divisibility = 16 : i32},
# CHECK-SAME: %[[Y:.*]]: !tile.ptr<f32> {tile.divisibility = 16 : i32},
# CHECK-SAME: %[[N:.*]]: i64 {tile.divisibility = 16 : i32},
# CHECK-SAME: %[[M:.*]]: i32,
# CHECK-SAME: %[[S:.*]]: f32)
# CHECK-SAME: attributes {tile.kernel}
# CHECK: tile.make_range 0 to 32 : tensor<32xi32>
# CHECK: arith.constant dense<1.250000e-01> : tensor<32xbf16>
# CHECK: arith.truncf %{{.*}} : tensor<32xf32> to tensor<32xf16>
# CHECK-NOT: arith.constant 7
# OTHER-LABEL: func.func @k(
# OTHER-SAME: %{{.*}}: !tile.ptr<f32>, %{{.*}}: !tile.ptr<f32>, %{{.*}}: i32, %{{.*}}: i32, %{{.*}}: f32)
# OTHER: tile.make_range 0 to 64 : tensor<64xi32>
# OTHER: arith.constant dense<2.000000e+00> : tensor<64xf32>
# OTHER: arith.truncf %{{.*}} : tensor<64xf32> to tensor<64xbf16>
# OTHER: arith.constant 7 : i32
# PARAMS: X pointer * -
# PARAMS-NEXT: Y pointer *f32 -
# PARAMS-NEXT: n untyped - -
# PARAMS-NEXT: m int i32 -
# PARAMS-NEXT: s float f32 -
# PARAMS-NEXT: BLOCK constexpr - -
# PARAMS-NEXT: SCALE constexpr - -
# PARAMS-NEXT: EVEN constexpr - -
# PARAMS-NEXT: DT constexpr - -
# PARAMS-NEXT: TAG constexpr - -
# PARAMS-NEXT: OPT constexpr - 1.5
def k(X: fl.pointer, Y: fl.pointer(fl.float32), n, m: fl.int32, s: fl.float32,
      BLOCK: fl.constexpr, SCALE: fl.constexpr, EVEN: fl.constexpr,
      DT: fl.constexpr, TAG: fl.constexpr, OPT: fl.constexpr = 1.5):
    offs = fl.arange(0, BLOCK)
    x = fl.load(X + offs) * SCALE
    y = fl.load(Y + offs).to(DT)
    if TAG == "full" and not EVEN and OPT == 1.5:
        t = m + 7
    fl.static_assert(OPT is None or OPT == 1.5)
