"""Fused row softmax: each program reads one row once, normalises it in
registers and writes it once (BLOCK >= number of columns)."""

import flashtile
import flashtile.language as fl

INF = float("inf")


@flashtile.jit
def softmax(
    Y: fl.pointer, X: fl.pointer, stride_y: fl.int32, stride_x: fl.int32, n_cols: fl.int32,
    BLOCK: fl.constexpr,
):
    row = fl.program_id(0)
    cols = fl.arange(0, BLOCK)
    mask = cols < n_cols
    # Padding columns read -inf so that they vanish from the max and the sum.
    x = fl.load(X + row * stride_x + cols, mask=mask, other=-INF).to(fl.float32)
    z = x - fl.max(x, axis=0)  # subtract the max for stability
    num = fl.exp(z)
    fl.store(Y + row * stride_y + cols, num / fl.sum(num, axis=0), mask=mask)
