import flashtile.language as fl


def k(X: fl.pointer, N: fl.int32, STEPS: fl.constexpr, FLAG: fl.constexpr = True):
    offs = fl.arange(0, 16)
    total = fl.zeros((16,), fl.float32)
    i = 0
    while i < N:
        if i % 2 == 0:
            total = total + fl.load(X + offs + i)
        else:
            total = total - 1.0
        i += 1
    for j in fl.static_range(STEPS):
        if FLAG:
            total = fl.maximum(total, j * 0.5)
    fl.static_assert(STEPS > 0, "need steps")
    fl.store(X + offs, fl.where(total > 0, total, 0.0))
