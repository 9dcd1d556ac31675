"""Layer norm forward, one program per row (BLOCK >= number of columns):
y = (x - mean) / sqrt(var + eps) * w + b, also saving mean and 1/std."""

import flashtile
import flashtile.language as fl


@flashtile.jit
def layer_norm_fwd(
    X: fl.pointer, Y: fl.pointer, W: fl.pointer, B: fl.pointer,
    Mean: fl.pointer(fl.float32), Rstd: fl.pointer(fl.float32),
    stride: fl.int32, N: fl.int32, eps: fl.float32,
    BLOCK: fl.constexpr,
):
    row = fl.program_id(0)
    cols = fl.arange(0, BLOCK)
    mask = cols < N
    x = fl.load(X + row * stride + cols, mask=mask, other=0.0).to(fl.float32)
    mean = fl.sum(x, axis=0) / N
    xc = fl.where(mask, x - mean, 0.0)  # padding columns must not count in the variance
    var = fl.sum(xc * xc, axis=0) / N
    rstd = fl.rsqrt(var + eps)
    w = fl.load(W + cols, mask=mask, other=0.0).to(fl.float32)
    b = fl.load(B + cols, mask=mask, other=0.0).to(fl.float32)
    fl.store(Y + row * stride + cols, xc * rstd * w + b, mask=mask)
    fl.store(Mean + row, mean)
    fl.store(Rstd + row, rstd)
