"""C = A @ B, tiled: program (i, j) computes the BLOCK_M x BLOCK_N tile (i, j)
of C by walking K in steps of BLOCK_K. Masks handle M, N, K that are not
multiples of the blocks. Accumulates in float32; C gets its own dtype.
float32 operands are multiplied in full precision unless ALLOW_TF32."""

import flashtile
import flashtile.language as fl


@flashtile.jit
def matmul(
    A: fl.pointer, B: fl.pointer, C: fl.pointer,
    M: fl.int32, N: fl.int32, K: fl.int32,
    stride_am, stride_ak, stride_bk, stride_bn, stride_cm, stride_cn,
    BLOCK_M: fl.constexpr, BLOCK_N: fl.constexpr, BLOCK_K: fl.constexpr,
    ALLOW_TF32: fl.constexpr = False,
):
    rows = fl.program_id(0) * BLOCK_M + fl.arange(0, BLOCK_M)
    cols = fl.program_id(1) * BLOCK_N + fl.arange(0, BLOCK_N)
    offs_k = fl.arange(0, BLOCK_K)
    acc = fl.zeros([BLOCK_M, BLOCK_N], fl.float32)
    for k0 in range(0, K, BLOCK_K):
        ks = k0 + offs_k
        a = fl.load(A + rows[:, None] * stride_am + ks[None, :] * stride_ak,
                    mask=(rows[:, None] < M) & (ks[None, :] < K), other=0.0)
        b = fl.load(B + ks[:, None] * stride_bk + cols[None, :] * stride_bn,
                    mask=(ks[:, None] < K) & (cols[None, :] < N), other=0.0)
        if a.dtype == fl.float32 and not ALLOW_TF32:
            acc = fl.dot(a, b, acc, input_precision="ieee")
        else:
            acc = fl.dot(a, b, acc)
    fl.store(C + rows[:, None] * stride_cm + cols[None, :] * stride_cn, acc,
             mask=(rows[:, None] < M) & (cols[None, :] < N))
