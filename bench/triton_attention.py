"""A FlashAttention-2 written in Triton for the benchmarks: the peer a
Triton user would write (forward with the online softmax, backward as dK/dV
per key block and dQ per query block, like flashtile's deterministic path),
over (batch, seqlen, nheads, headdim) fp16/bf16 tensors with head dims 16,
32, 64 or 128. Not part of flashtile: bench_attention.py times it beside
flashtile and SDPA.

    out = attention(q, k, v, causal)          # differentiable
"""

from __future__ import annotations

import math
from typing import Any, Tuple

import torch
import triton
import triton.language as tl

LOG2E: tl.constexpr = tl.constexpr(1.4426950408889634)  # a global a @triton.jit may read


def _fwd_configs():
    return [triton.Config({"BM": bm, "BN": bn}, num_warps=w, num_stages=s)
            for bm, bn, w, s in ((128, 64, 4, 3), (128, 64, 8, 3), (64, 64, 4, 3),
                                 (128, 128, 8, 2), (64, 128, 4, 2))]


@triton.autotune(configs=_fwd_configs(), key=["N_Q", "N_K", "D", "CAUSAL"])
@triton.jit
def _fwd(Q, K, V, O, L, sqb, sqs, sqh, skb, sks, skh, svb, svs, svh, sob, sos, soh,
         H, N_Q, N_K, scale, D: tl.constexpr, CAUSAL: tl.constexpr, BM: tl.constexpr,
         BN: tl.constexpr):
    pid_m = tl.program_id(0)
    bh = tl.program_id(1)
    b = bh // H
    h = bh % H
    rows = pid_m * BM + tl.arange(0, BM)
    cols0 = tl.arange(0, BN)
    dims = tl.arange(0, D)
    q = tl.load(Q + b * sqb + h * sqh + rows[:, None] * sqs + dims[None, :],
                mask=rows[:, None] < N_Q, other=0.0)
    k_base = K + b * skb + h * skh
    v_base = V + b * svb + h * svh
    m = tl.full([BM], float("-inf"), tl.float32)
    s_sum = tl.zeros([BM], tl.float32)
    acc = tl.zeros([BM, D], tl.float32)
    qk_scale = scale * LOG2E
    shift = N_K - N_Q  # bottom-right aligned causal mask
    hi = N_K
    if CAUSAL:
        hi = tl.minimum(N_K, (pid_m + 1) * BM + shift)
    for start in range(0, hi, BN):
        cols = start + cols0
        kt = tl.load(k_base + cols[None, :] * sks + dims[:, None], mask=cols[None, :] < N_K,
                     other=0.0)
        x = tl.dot(q, kt) * qk_scale
        valid = cols[None, :] < N_K
        if CAUSAL:
            valid = valid & (cols[None, :] <= rows[:, None] + shift)
        x = tl.where(valid, x, float("-inf"))
        m_new = tl.maximum(m, tl.max(x, 1))
        m_ref = tl.where(m_new == float("-inf"), 0.0, m_new)
        p = tl.exp2(x - m_ref[:, None])
        alpha = tl.exp2(m - m_ref)
        s_sum = s_sum * alpha + tl.sum(p, 1)
        vv = tl.load(v_base + cols[:, None] * svs + dims[None, :], mask=cols[:, None] < N_K,
                     other=0.0)
        acc = acc * alpha[:, None] + tl.dot(p.to(vv.dtype), vv)
        m = m_new
    empty = s_sum == 0.0
    safe = tl.where(empty, 1.0, s_sum)
    o = acc / safe[:, None]
    tl.store(O + b * sob + h * soh + rows[:, None] * sos + dims[None, :], o.to(O.dtype.element_ty),
             mask=rows[:, None] < N_Q)
    lse = tl.where(empty, float("inf"), (m + tl.log2(safe)) / LOG2E)
    tl.store(L + bh * N_Q + rows, lse, mask=rows < N_Q)


@triton.jit
def _delta(O, DO, DELTA, sb, ss, sh, H, N_Q, D: tl.constexpr, BM: tl.constexpr):
    pid_m = tl.program_id(0)
    bh = tl.program_id(1)
    b = bh // H
    h = bh % H
    rows = pid_m * BM + tl.arange(0, BM)
    dims = tl.arange(0, D)
    offs = b * sb + h * sh + rows[:, None] * ss + dims[None, :]
    o = tl.load(O + offs, mask=rows[:, None] < N_Q, other=0.0).to(tl.float32)
    do = tl.load(DO + offs, mask=rows[:, None] < N_Q, other=0.0).to(tl.float32)
    tl.store(DELTA + bh * N_Q + rows, tl.sum(o * do, 1), mask=rows < N_Q)


def _bwd_configs():
    return [triton.Config({"BM": bm, "BN": bn}, num_warps=w, num_stages=s)
            for bm, bn, w, s in ((32, 128, 8, 2), (64, 64, 8, 2), (64, 128, 8, 2),
                                 (32, 64, 4, 2))]


@triton.autotune(configs=_bwd_configs(), key=["N_Q", "N_K", "D", "CAUSAL"])
@triton.jit
def _dkdv(Q, K, V, DO, L, DELTA, DK, DV, sb, ss, sh, kb, ks, kh, H, N_Q, N_K, scale,
          D: tl.constexpr, CAUSAL: tl.constexpr, BM: tl.constexpr, BN: tl.constexpr):
    # q, do share strides (sb, ss, sh); k, v, dk, dv share (kb, ks, kh).
    pid_n = tl.program_id(0)
    bh = tl.program_id(1)
    b = bh // H
    h = bh % H
    cols = pid_n * BN + tl.arange(0, BN)
    dims = tl.arange(0, D)
    kv_offs = b * kb + h * kh + cols[:, None] * ks + dims[None, :]
    k = tl.load(K + kv_offs, mask=cols[:, None] < N_K, other=0.0)
    v = tl.load(V + kv_offs, mask=cols[:, None] < N_K, other=0.0)
    dk = tl.zeros([BN, D], tl.float32)
    dv = tl.zeros([BN, D], tl.float32)
    qk_scale = scale * LOG2E
    shift = N_K - N_Q
    lo = 0
    if CAUSAL:
        lo = tl.maximum(0, pid_n * BN - shift) // BM * BM
    for start in range(lo, N_Q, BM):
        rows = start + tl.arange(0, BM)
        offs = b * sb + h * sh + rows[:, None] * ss + dims[None, :]
        q = tl.load(Q + offs, mask=rows[:, None] < N_Q, other=0.0)
        do = tl.load(DO + offs, mask=rows[:, None] < N_Q, other=0.0)
        lse = tl.load(L + bh * N_Q + rows, mask=rows < N_Q, other=0.0)
        delta = tl.load(DELTA + bh * N_Q + rows, mask=rows < N_Q, other=0.0)
        # Transposed scores: keys along rows, queries along columns.
        st = tl.dot(k, tl.trans(q)) * qk_scale
        valid = (cols[:, None] < N_K) & (rows[None, :] < N_Q)
        if CAUSAL:
            valid = valid & (cols[:, None] <= rows[None, :] + shift)
        pt = tl.where(valid, tl.exp2(st - lse[None, :] * LOG2E), 0.0)
        dv += tl.dot(pt.to(do.dtype), do)
        dpt = tl.dot(v, tl.trans(do))
        dst = pt * (dpt - delta[None, :])
        dk += tl.dot(dst.to(q.dtype), q)
    tl.store(DK + kv_offs, (dk * scale).to(DK.dtype.element_ty), mask=cols[:, None] < N_K)
    tl.store(DV + kv_offs, dv.to(DV.dtype.element_ty), mask=cols[:, None] < N_K)


@triton.autotune(configs=_bwd_configs(), key=["N_Q", "N_K", "D", "CAUSAL"])
@triton.jit
def _dq(Q, K, V, DO, L, DELTA, DQ, sb, ss, sh, kb, ks, kh, H, N_Q, N_K, scale,
        D: tl.constexpr, CAUSAL: tl.constexpr, BM: tl.constexpr, BN: tl.constexpr):
    pid_m = tl.program_id(0)
    bh = tl.program_id(1)
    b = bh // H
    h = bh % H
    rows = pid_m * BM + tl.arange(0, BM)
    dims = tl.arange(0, D)
    offs = b * sb + h * sh + rows[:, None] * ss + dims[None, :]
    q = tl.load(Q + offs, mask=rows[:, None] < N_Q, other=0.0)
    do = tl.load(DO + offs, mask=rows[:, None] < N_Q, other=0.0)
    lse = tl.load(L + bh * N_Q + rows, mask=rows < N_Q, other=0.0)
    delta = tl.load(DELTA + bh * N_Q + rows, mask=rows < N_Q, other=0.0)
    dq = tl.zeros([BM, D], tl.float32)
    qk_scale = scale * LOG2E
    shift = N_K - N_Q
    hi = N_K
    if CAUSAL:
        hi = tl.minimum(N_K, (pid_m + 1) * BM + shift)
    for start in range(0, hi, BN):
        cols = start + tl.arange(0, BN)
        kv_offs = b * kb + h * kh + cols[:, None] * ks + dims[None, :]
        k = tl.load(K + kv_offs, mask=cols[:, None] < N_K, other=0.0)
        v = tl.load(V + kv_offs, mask=cols[:, None] < N_K, other=0.0)
        x = tl.dot(q, tl.trans(k)) * qk_scale
        valid = (cols[None, :] < N_K) & (rows[:, None] < N_Q)
        if CAUSAL:
            valid = valid & (cols[None, :] <= rows[:, None] + shift)
        p = tl.where(valid, tl.exp2(x - lse[:, None] * LOG2E), 0.0)
        dp = tl.dot(do, tl.trans(v))
        ds = p * (dp - delta[:, None])
        dq += tl.dot(ds.to(k.dtype), k)
    tl.store(DQ + offs, (dq * scale).to(DQ.dtype.element_ty), mask=rows[:, None] < N_Q)


def forward(q: Any, k: Any, v: Any, causal: bool) -> Tuple[Any, Any]:
    batch, n_q, heads, d = q.shape
    n_k = k.shape[1]
    out = torch.empty_like(q)
    lse = torch.empty((batch, heads, n_q), device=q.device, dtype=torch.float32)

    def grid(meta):
        return (triton.cdiv(n_q, meta["BM"]), batch * heads)

    _fwd[grid](q, k, v, out, lse, *q.stride()[:3], *k.stride()[:3], *v.stride()[:3],
               *out.stride()[:3], heads, n_q, n_k, 1.0 / math.sqrt(d), D=d, CAUSAL=causal)
    return out, lse


def backward(do: Any, q: Any, k: Any, v: Any, out: Any, lse: Any,
             causal: bool) -> Tuple[Any, Any, Any]:
    batch, n_q, heads, d = q.shape
    n_k = k.shape[1]
    q, k, v, out, do = (x.contiguous() for x in (q, k, v, out, do))
    delta = torch.empty_like(lse)
    dq, dk, dv = torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)
    scale = 1.0 / math.sqrt(d)
    _delta[(triton.cdiv(n_q, 64), batch * heads)](out, do, delta, *q.stride()[:3], heads, n_q,
                                                  D=d, BM=64)
    strides = (*q.stride()[:3], *k.stride()[:3])
    _dkdv[lambda meta: (triton.cdiv(n_k, meta["BN"]), batch * heads)](
        q, k, v, do, lse, delta, dk, dv, *strides, heads, n_q, n_k, scale, D=d, CAUSAL=causal)
    _dq[lambda meta: (triton.cdiv(n_q, meta["BM"]), batch * heads)](
        q, k, v, do, lse, delta, dq, *strides, heads, n_q, n_k, scale, D=d, CAUSAL=causal)
    return dq, dk, dv


class _Attention(torch.autograd.Function):
    @staticmethod
    def forward(ctx, q, k, v, causal):
        out, lse = forward(q, k, v, causal)
        ctx.save_for_backward(q, k, v, out, lse)
        ctx.causal = causal
        return out

    @staticmethod
    def backward(ctx, do):
        q, k, v, out, lse = ctx.saved_tensors
        dq, dk, dv = backward(do, q, k, v, out, lse, ctx.causal)
        return dq, dk, dv, None


def attention(q: Any, k: Any, v: Any, causal: bool = False) -> Any:
    """Attention over (batch, seqlen, nheads, headdim) tensors, differentiable."""
    return _Attention.apply(q, k, v, causal)
