import flashtile
import flashtile.language as fl


@flashtile.jit
def k(X: fl.pointer, Y: fl.pointer, Z: fl.pointer, N: fl.int32, BLOCK: fl.constexpr):
    pid = fl.program_id(0)
    offs = pid * BLOCK + fl.arange(0, BLOCK)
    mask = offs < N
    x = fl.load(X + offs, mask=mask, other=0.0)
    y = fl.load(Y + offs, mask=mask, other=0.0)
    fl.store(Z + offs, x + y, mask=mask)
