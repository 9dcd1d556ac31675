# flash-translate gives parameters whose type comes from the argument (generic
# pointers, unannotated parameters) default types, so a kernel compiles
# without -T; -T overrides them. fl.next_power_of_2 derives block sizes.
#
# RUN: flash-translate %s --kernel copy -D N=80 --emit=tile | FileCheck %s
# RUN: flash-translate %s --kernel copy -D N=80 -T src=*bf16 -T n=i64 --pointer-type=f32 --emit=tile | FileCheck %s --check-prefix=OVERRIDE
# RUN: not flash-translate %s --kernel copy -D N=0 --emit=tile 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ERR

import flashtile.language as fl


def copy(src: fl.pointer, dst: fl.pointer, n, N: fl.constexpr):
    BLOCK: fl.constexpr = fl.next_power_of_2(N)
    offs = fl.arange(0, BLOCK)
    fl.store(dst + offs, fl.load(src + offs, mask=offs < n), mask=offs < n)

# CHECK-LABEL: func.func @copy
# CHECK-SAME: (%{{.*}}: !tile.ptr<f16>, %{{.*}}: !tile.ptr<f16>, %{{.*}}: i32)
# CHECK: tile.make_range 0 to 128 : tensor<128xi32>

# OVERRIDE-LABEL: func.func @copy
# OVERRIDE-SAME: (%{{.*}}: !tile.ptr<bf16>, %{{.*}}: !tile.ptr<f32>, %{{.*}}: i64)

# ERR: {{.*}}translate-defaults.py:13:46: error: fl.next_power_of_2() needs 1 <= n <= 2**62, got 0
# ERR-NEXT: {{^}}    BLOCK: fl.constexpr = fl.next_power_of_2(N){{$}}
# ERR-NEXT: {{^}}                                             ^{{$}}
