"""z = x + y over vectors of any length (the last block is masked)."""

import flashtile
import flashtile.language as fl


@flashtile.jit
def vector_add(X: fl.pointer, Y: fl.pointer, Z: fl.pointer, N: fl.int32, BLOCK: fl.constexpr):
    # Program i adds elements [i * BLOCK, (i + 1) * BLOCK); launch cdiv(N, BLOCK) of them.
    offs = fl.program_id(0) * BLOCK + fl.arange(0, BLOCK)
    mask = offs < N
    x = fl.load(X + offs, mask=mask)
    y = fl.load(Y + offs, mask=mask)
    fl.store(Z + offs, x + y, mask=mask)
