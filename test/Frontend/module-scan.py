# The module scan: only imports of flashtile, defs and simple constants are
# recorded; any other top-level Python (classes, a NumPy reference, a main
# block, syntax FlashTile does not support) is skipped without being parsed.
# RUN: flash-translate %s --kernel k | FileCheck %s
# RUN: flash-translate %s --list-params --kernel k | FileCheck %s --check-prefix=PARAMS
"""A kernel module with a docstring, ''' nested quotes ''' and "more"."""

from __future__ import annotations

import math
import numpy as np
import flashtile
import flashtile.language as fl
from flashtile import jit
from flashtile import language as lang
from flashtile.language import arange as ar, load
from flashtile.language import *

BLOCK = 16
HALF: fl.constexpr = BLOCK // 2
SCALE = 1.0 / math.sqrt(2.0) if False else 0.5
DTYPE = fl.float16
SHAPE = (BLOCK, 2 * HALF)
NAMES = ["a", "b"]
TABLE = {i: i * i for i in range(4)}
X_INIT = ALIAS = 3
print(f"loading {__name__!r} with {len(NAMES)} names")
total = 0
for i in range(10):
    total += i


class Reference:
    """Python that only the test harness runs."""

    def __init__(self, n):
        self.data = np.arange(n, dtype=np.float32) \
            * 2.0
        self.fn = lambda x: [v ** 2 for v in x if v > 0]

    async def fetch(self):
        try:
            return await self.other()
        except Exception as e:
            raise RuntimeError("failed") from e


def reference(x: "np.ndarray") -> "np.ndarray":
    with open("/dev/null") as f:
        yield from (v for v in x)


# CHECK-LABEL: func.func @k(
# CHECK-SAME: %[[X:.*]]: !tile.ptr<f16>)
# CHECK: tile.make_range 0 to 16 : tensor<16xi32>
# CHECK: tile.make_range 0 to 8 : tensor<8xi32>
# CHECK: tile.make_range 0 to 16 : tensor<16xi32>
# CHECK: tile.program_id 2
# CHECK: arith.constant dense<5.000000e-01> : tensor<16xf16>
# CHECK: %[[V:.*]] = tile.load %{{.*}} : tensor<16x!tile.ptr<f16>>
# CHECK: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<16x8xf16>
# CHECK: tile.store
# PARAMS: X pointer *f16 -
# PARAMS-NEXT: SIZE constexpr - 16
# PARAMS-NEXT: KIND constexpr - float16
# PARAMS-NEXT: NAME constexpr - fast
# PARAMS-NEXT: FLAG constexpr - False
# PARAMS-NEXT: EPS constexpr - 0.5
# PARAMS-NEXT: NOTHING constexpr - None
@jit
@flashtile.jit(num_warps=4)
def k(X: fl.pointer(DTYPE), SIZE: constexpr = BLOCK, KIND: fl.constexpr = DTYPE,
      NAME: lang.constexpr = "fast", FLAG: flashtile.language.constexpr = False,
      EPS: fl.constexpr = SCALE, NOTHING: fl.constexpr = None):
    a = ar(0, SIZE)
    b = lang.arange(0, HALF)
    c = flashtile.language.arange(0, SHAPE[0])
    pid = program_id(axis=2)
    h = fl.full((BLOCK,), SCALE, KIND)
    v = load(X + a) * h
    fl.static_assert(X_INIT == 3 and ALIAS == 3 and len(SHAPE) == 2)
    fl.static_assert(NAME == "fast" and not FLAG and NOTHING is None)
    fl.static_assert(NOTHING == None and X != None and not (v == None))
    z = zeros(SHAPE[:1] + (HALF,), dtype=float16)
    store(X + a, v)


if __name__ == "__main__":
    import sys
    x = np.zeros((4, 4))
    print(x @ x, file=sys.stderr)
