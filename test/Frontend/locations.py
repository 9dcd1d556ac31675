# Every op carries the file:line:col of the DSL expression or statement that
# produced it (the first character of the expression), including ops of
# inlined helpers and of loops.
# RUN: flash-translate %s --kernel k -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s

import flashtile.language as fl


def twice(x):
    return x + x


def k(X: fl.pointer(fl.float32), N: fl.int32):
    offs = fl.arange(0, 16)
    v = fl.load(X + offs)
    w = twice(v) * 2.0
    for i in range(N):
        w = w - 1.0
    fl.store(X + offs, w)

# CHECK-LABEL: func.func @k(
# CHECK-SAME: %{{.*}}: !tile.ptr<f32> loc("{{.*}}locations.py":13:7)
# CHECK-SAME: %{{.*}}: i32 loc("{{.*}}locations.py":13:34)
# CHECK: tile.make_range 0 to 16 : tensor<16xi32> loc("{{.*}}locations.py":14:12)
# CHECK: tile.splat {{.*}} loc("{{.*}}locations.py":15:17)
# CHECK: tile.addptr {{.*}} loc("{{.*}}locations.py":15:17)
# CHECK: tile.load {{.*}} loc("{{.*}}locations.py":15:9)
# CHECK: arith.addf {{.*}} loc("{{.*}}locations.py":10:12)
# A number becomes a constant where it is written.
# CHECK: arith.constant dense<2.000000e+00> {{.*}} loc("{{.*}}locations.py":16:20)
# CHECK: arith.mulf {{.*}} loc("{{.*}}locations.py":16:9)
# CHECK: scf.for
# CHECK: arith.subf {{.*}} loc("{{.*}}locations.py":18:13)
# CHECK: scf.yield {{.*}} loc("{{.*}}locations.py":17:5)
# CHECK: } loc("{{.*}}locations.py":17:5)
# CHECK: tile.store {{.*}} loc("{{.*}}locations.py":19:5)
# CHECK: } loc("{{.*}}locations.py":13:5)
