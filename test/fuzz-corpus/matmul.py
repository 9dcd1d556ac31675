import flashtile.language as fl


def k(A: fl.pointer(fl.float16), B: fl.pointer(fl.float16), C: fl.pointer(fl.float32),
      K: fl.int32, BM: fl.constexpr, BN: fl.constexpr, BK: fl.constexpr = 16):
    rm = fl.program_id(0) * BM + fl.arange(0, BM)
    rn = fl.program_id(1) * BN + fl.arange(0, BN)
    rk = fl.arange(0, BK)
    acc = fl.zeros((BM, BN), dtype=fl.float32)
    for k0 in range(0, K, BK):
        a = fl.load(A + rm[:, None] * K + (k0 + rk)[None, :])
        b = fl.load(B + (k0 + rk)[:, None] * BN + rn[None, :])
        acc += a @ b
    fl.store(C + rm[:, None] * BN + rn[None, :], acc)
