# Transcendentals through the whole NVIDIA pipeline: tanh is one
# tanh.approx.f32 (sm_75+), sigmoid is 1 / (1 + ex2.approx(-x * log2 e)),
# erf a polynomial (no call to a math library: ptxas accepts the PTX).
# RUN: flash-translate %s --kernel activations -D BLOCK=128 --arch=sm_75 --emit=ptx -o %t.ptx
# RUN: FileCheck %s < %t.ptx
# RUN: %if ptxas %{ %ptxas -arch=sm_75 %t.ptx -o /dev/null %}
# CHECK: .entry activations(
# CHECK-DAG: tanh.approx.f32
# CHECK-DAG: ex2.approx.ftz.f32
# CHECK-DAG: fma.rn.f32
# CHECK-NOT: call

import flashtile.language as fl


def activations(X: fl.pointer(fl.float16), Y: fl.pointer(fl.float16), N: fl.int32,
                BLOCK: fl.constexpr):
    r = fl.arange(0, BLOCK)
    x = fl.load(X + r, mask=r < N)
    fl.store(Y + r, fl.tanh(x) + fl.sigmoid(x) + fl.erf(x), mask=r < N)
