"""Numpy references for FlashTile's kernels, and the accuracy bar they must meet.

Attention follows flash-attn's test approach: the ground truth is standard
attention in float64 (:func:`attention_ref`); the bar is set by standard
attention computed in the *same low precision* as the kernel
(:func:`attention_lowprec`, a numpy emulation of what flash-attn's
``attention_ref`` does in torch with fp16/bf16 tensors: matmuls accumulate in
float32 and round their result to the input dtype, the softmax runs in
float32, P is rounded to the input dtype before P @ V, and the backward pass
rounds each gradient matrix to the input dtype). A kernel passes when

    max|ours - ref64| <= 2 * max|lowprec - ref64| + eps

(:func:`check_close`), with ``eps = ATOL_ULPS * 2**-23 * max(1, magnitude)``,
a few float32 ulps of the computation's magnitude: max|ref64| of the output,
and for gradients the largest of dQ, dK, dV (they are sums of the same
products; dQ and dK can be exactly 0 by cancellation, e.g. seqlen_k == 1). For fp16/bf16 eps is
negligible (their errors are ~1e3 times larger); it matters where the
low-precision reference is exact (e.g. float32 with seqlen_k == 1, where
dV == dO exactly, while our P = exp2(S - L log2 e), recomputed from the
natural-log L, is 1 only to within a few ulps) and, for float32 inputs,
where both errors are a few ulps and the order of operations decides
(online softmax, log2(e) folded into the scale).

Arrays are (batch, seqlen, nheads, headdim); L is (batch, nheads, seqlen_q).
With ``causal`` the mask is aligned to the bottom-right corner: query i sees
keys j <= i + seqlen_k - seqlen_q. Queries that see no key get O = 0, L = +inf
and zero gradients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

__all__ = [
    "ATOL_ULPS",
    "causal_mask",
    "alibi_bias",
    "attention_ref",
    "attention_bwd_ref",
    "attention_lowprec",
    "attention_bwd_lowprec",
    "varlen",
    "check_close",
    "gradient_magnitude",
    "Check",
    "softmax_ref",
    "layer_norm_ref",
    "matmul_ref",
]

#: The bar's absolute slack: this many float32 ulps of the output's magnitude.
ATOL_ULPS = 8


def causal_mask(seqlen_q: int, seqlen_k: int, causal: bool,
                window_size: Tuple[int, int] = (-1, -1)) -> np.ndarray:
    """Boolean (seqlen_q, seqlen_k): which keys each query sees. Measured
    from the query's diagonal d = i + seqlen_k - seqlen_q: causal keeps
    j <= d; a window (left, right) keeps d - left <= j <= d + right, a
    negative side being unbounded (causal sets right to 0), as flash-attn."""
    left, right = window_size
    if causal:
        right = 0
    i = np.arange(seqlen_q)[:, None]
    j = np.arange(seqlen_k)[None, :]
    diagonal = i + (seqlen_k - seqlen_q)
    mask = np.ones((seqlen_q, seqlen_k), dtype=bool)
    if right >= 0:
        mask &= j <= diagonal + right
    if left >= 0:
        mask &= j >= diagonal - left
    return mask


def alibi_bias(alibi_slopes, batch: int, nheads: int, seqlen_q: int,
               seqlen_k: int) -> np.ndarray:
    """ALiBi's bias -slope * |i + seqlen_k - seqlen_q - j|, (batch, nheads,
    seqlen_q, seqlen_k) float64; slopes are (nheads,) or (batch, nheads)."""
    slopes = np.broadcast_to(np.asarray(alibi_slopes, dtype=np.float64), (batch, nheads))
    i = np.arange(seqlen_q)[:, None]
    j = np.arange(seqlen_k)[None, :]
    distance = np.abs(i + (seqlen_k - seqlen_q) - j).astype(np.float64)
    return -slopes[:, :, None, None] * distance


def _scale(head_dim: int, softmax_scale: Optional[float]) -> float:
    return 1.0 / math.sqrt(head_dim) if softmax_scale is None else softmax_scale


def _heads_first(x: np.ndarray) -> np.ndarray:
    return np.transpose(x, (0, 2, 1, 3))  # (b, s, h, d) -> (b, h, s, d)


def _seq_first(x: np.ndarray) -> np.ndarray:
    return np.transpose(x, (0, 2, 1, 3))


def _repeat_kv(x: np.ndarray, nheads: int) -> np.ndarray:
    """MQA/GQA: key/value heads repeated to the query heads."""
    return np.repeat(x, nheads // x.shape[2], axis=2)


def _sum_groups(dx: np.ndarray, nheads_k: int) -> np.ndarray:
    """The gradient of _repeat_kv: summed over each group of query heads."""
    b, s, h, d = dx.shape
    return dx.reshape(b, s, nheads_k, h // nheads_k, d).sum(axis=3)


def _softmax_rows(scores: np.ndarray, mask: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Masked softmax over the last axis and its log-sum-exp (inf / 0 rows
    where nothing is visible), in the dtype of `scores`."""
    s = np.where(mask, scores, -np.inf)
    m = np.max(s, axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    e = np.where(mask, np.exp(s - m), 0)
    total = np.sum(e, axis=-1, keepdims=True)
    empty = total == 0
    p = e / np.where(empty, 1, total)
    with np.errstate(divide="ignore"):
        lse = np.where(empty, np.inf, m + np.log(np.where(empty, 1, total)))
    return p, lse[..., 0]


# ---------------------------------------------------------------------------
# float64 ground truth
# ---------------------------------------------------------------------------


def attention_ref(q, k, v, causal=False, softmax_scale=None, window_size=(-1, -1),
                  softcap=0.0, alibi_slopes=None):
    """Standard attention in float64: returns (O, L) as float64. k and v
    may have fewer heads than q (MQA/GQA)."""
    scale = _scale(q.shape[-1], softmax_scale)
    nheads = q.shape[2]
    q64, k64, v64 = (_heads_first(x.astype(np.float64))
                     for x in (q, _repeat_kv(k, nheads), _repeat_kv(v, nheads)))
    s, _ = _scores64(q64 @ np.swapaxes(k64, -1, -2) * scale, softcap, alibi_slopes)
    p, lse = _softmax_rows(s, causal_mask(q.shape[1], k.shape[1], causal, window_size))
    return _seq_first(p @ v64), lse


def _scores64(s, softcap, alibi_slopes):
    """(scores, d scores / d s) from s = Q K^T * scale: the softcap
    softcap * tanh(s / softcap) and ALiBi's bias."""
    grad = np.ones_like(s)
    if softcap > 0:
        t = np.tanh(s / softcap)
        s, grad = softcap * t, 1 - t * t
    if alibi_slopes is not None:
        s = s + alibi_bias(alibi_slopes, *s.shape)
    return s, grad


def attention_bwd_ref(do, q, k, v, causal=False, softmax_scale=None, window_size=(-1, -1),
                      softcap=0.0, alibi_slopes=None):
    """Gradients (dQ, dK, dV) of standard attention in float64 (dK and dV
    with k's heads: summed over each MQA/GQA group)."""
    scale = _scale(q.shape[-1], softmax_scale)
    nheads, nheads_k = q.shape[2], k.shape[2]
    q64, k64, v64, do64 = (_heads_first(x.astype(np.float64))
                           for x in (q, _repeat_kv(k, nheads), _repeat_kv(v, nheads), do))
    s, grad = _scores64(q64 @ np.swapaxes(k64, -1, -2) * scale, softcap, alibi_slopes)
    p, _ = _softmax_rows(s, causal_mask(q.shape[1], k.shape[1], causal, window_size))
    dv = np.swapaxes(p, -1, -2) @ do64
    dp = do64 @ np.swapaxes(v64, -1, -2)
    ds = p * (dp - np.sum(dp * p, axis=-1, keepdims=True)) * grad
    dq = ds @ k64 * scale
    dk = np.swapaxes(ds, -1, -2) @ q64 * scale
    return (_seq_first(dq), _sum_groups(_seq_first(dk), nheads_k),
            _sum_groups(_seq_first(dv), nheads_k))


# ---------------------------------------------------------------------------
# Standard attention in low precision (the bar)
# ---------------------------------------------------------------------------


def _round(x: np.ndarray, dtype) -> np.ndarray:
    """Rounds float32 values to `dtype` and back to float32."""
    return x.astype(dtype).astype(np.float32)


def _mm(a: np.ndarray, b: np.ndarray, dtype) -> np.ndarray:
    """a @ b with float32 accumulation, result rounded to `dtype` (as float32)."""
    return _round(a.astype(np.float32) @ b.astype(np.float32), dtype)


def _lowprec_forward(q, k, v, causal, softmax_scale, window_size, softcap, alibi_slopes):
    """As flash-attn's attention_ref in q's dtype: the softcap's divide,
    tanh and multiply each rounded to the dtype, the ALiBi bias added in
    float32."""
    dtype = q.dtype
    nheads = q.shape[2]
    scale = _scale(q.shape[-1], softmax_scale)
    qs = _round(_heads_first(q).astype(np.float32) * np.float32(scale), dtype)  # q * scale
    k32, v32 = (_heads_first(_repeat_kv(x, nheads)).astype(np.float32) for x in (k, v))
    s = _mm(qs, np.swapaxes(k32, -1, -2), dtype)
    t = None
    if softcap > 0:
        t = _round(np.tanh(_round(s / np.float32(softcap), dtype)), dtype)
        s = _round(t * np.float32(softcap), dtype)
    if alibi_slopes is not None:
        s = s + alibi_bias(alibi_slopes, *s.shape).astype(np.float32)
    p32, lse = _softmax_rows(s, causal_mask(q.shape[1], k.shape[1], causal, window_size))
    p = _round(p32.astype(np.float32), dtype)
    return qs, k32, v32, p, t, lse.astype(np.float32), scale


def attention_lowprec(q, k, v, causal=False, softmax_scale=None, window_size=(-1, -1),
                      softcap=0.0, alibi_slopes=None):
    """Standard attention in q's dtype (fp16, bf16 or fp32): returns (O, L)
    as float32 arrays holding values of that dtype (L stays float32)."""
    dtype = q.dtype
    _, _, v32, p, _, lse, _ = _lowprec_forward(q, k, v, causal, softmax_scale, window_size,
                                               softcap, alibi_slopes)
    return _seq_first(_mm(p, v32, dtype)), lse


def gradient_magnitude(grads_ref64) -> float:
    """The magnitude for :func:`check_close` of attention gradients: the
    largest of max|dQ|, max|dK|, max|dV| of the float64 reference."""
    return max(_finite_max_abs(g) for g in grads_ref64)


def attention_bwd_lowprec(do, q, k, v, causal=False, softmax_scale=None, window_size=(-1, -1),
                          softcap=0.0, alibi_slopes=None):
    """Gradients of :func:`attention_lowprec` as torch autograd computes them
    in q's dtype: every gradient matrix is rounded to that dtype."""
    dtype = q.dtype
    nheads_k = k.shape[2]
    qs, k32, v32, p, t, _, scale = _lowprec_forward(q, k, v, causal, softmax_scale, window_size,
                                                    softcap, alibi_slopes)
    do32 = _heads_first(do).astype(np.float32)
    dv = _mm(np.swapaxes(p, -1, -2), do32, dtype)
    dp = _mm(do32, np.swapaxes(v32, -1, -2), dtype)
    ds = _round(p * (dp - np.sum(dp * p, axis=-1, keepdims=True)), dtype)
    if t is not None:  # back through * softcap, tanh and / softcap
        ds = _round(_round(_round(ds * np.float32(softcap), dtype) * (1 - t * t), dtype)
                    / np.float32(softcap), dtype)
    dq = _round(_mm(ds, k32, dtype) * np.float32(scale), dtype)
    dk = _mm(np.swapaxes(ds, -1, -2), qs, dtype)
    dk, dv = (_round(_sum_groups(_seq_first(x), nheads_k), dtype) for x in (dk, dv))
    return _seq_first(dq), dk, dv


def varlen(fn, cu_seqlens_q, cu_seqlens_k, q, k, v, do=None, alibi_slopes=None, **kwargs):
    """`fn` (attention_ref, attention_lowprec, or with `do` attention_bwd_ref
    or attention_bwd_lowprec) over a packed batch as flash_attn_varlen_func
    takes it: q, k, v (and do) are (total, nheads, headdim) and sequence b
    is tokens [cu_seqlens[b], cu_seqlens[b + 1]), each attended on its own
    (causal and windows aligned per sequence; (batch, nheads) ALiBi slopes
    by sequence). Returns the results packed the same way: (O, L) with L
    (nheads, total_q), or (dQ, dK, dV)."""
    parts = []
    for b in range(len(cu_seqlens_q) - 1):
        sq = slice(int(cu_seqlens_q[b]), int(cu_seqlens_q[b + 1]))
        sk = slice(int(cu_seqlens_k[b]), int(cu_seqlens_k[b + 1]))
        slopes = alibi_slopes
        if alibi_slopes is not None and np.ndim(alibi_slopes) == 2:
            slopes = alibi_slopes[b:b + 1]
        args = (q[sq][None], k[sk][None], v[sk][None])
        if do is not None:
            args = (do[sq][None],) + args
        parts.append(fn(*args, alibi_slopes=slopes, **kwargs))
    if do is None:
        return (np.concatenate([o[0] for o, _ in parts], axis=0),
                np.concatenate([lse[0] for _, lse in parts], axis=1))
    return tuple(np.concatenate([grads[i][0] for grads in parts], axis=0) for i in range(3))


# ---------------------------------------------------------------------------
# The bar
# ---------------------------------------------------------------------------


@dataclass
class Check:
    """One comparison against the float64 reference."""

    name: str
    error: float  # max |ours - ref64|
    baseline: float  # max |lowprec - ref64|
    bound: float  # 2 * baseline + a few float32 ulps

    @property
    def ok(self) -> bool:
        return self.error <= self.bound

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "FAIL"
        return (f"{self.name:<4} max|ours-ref64| = {self.error:.3e}   "
                f"max|std-ref64| = {self.baseline:.3e}   bound {self.bound:.3e}   {verdict}")


def _finite_max_abs(a: np.ndarray) -> float:
    a = np.abs(np.asarray(a, dtype=np.float64))
    a = a[np.isfinite(a)]
    return float(a.max()) if a.size else 0.0


def _max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    same = (a == b)  # equal infinities (e.g. L of rows that see no key) count as 0
    with np.errstate(invalid="ignore"):
        diff = np.where(same, 0.0, np.abs(a - b))
    return float(np.max(diff)) if diff.size else 0.0


def check_close(name: str, ours, ref64, lowprec, magnitude: Optional[float] = None,
                atol_ulps: int = ATOL_ULPS) -> Check:
    """flash-attn's bar: max|ours - ref64| <= 2 * max|lowprec - ref64| + eps,
    eps = `atol_ulps` float32 ulps of `magnitude` (default max|ref64|, at
    least 1; see the module docstring)."""
    baseline = _max_abs_diff(lowprec, ref64)
    if magnitude is None:
        magnitude = _finite_max_abs(ref64)
    eps = atol_ulps * 2.0**-23 * max(1.0, magnitude)
    return Check(name, _max_abs_diff(ours, ref64), baseline, 2 * baseline + eps)


# ---------------------------------------------------------------------------
# Small programs
# ---------------------------------------------------------------------------


def softmax_ref(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def layer_norm_ref(x, w, b, eps):
    """(y, mean, rstd) in float64."""
    x = x.astype(np.float64)
    mean = x.mean(axis=-1)
    var = ((x - mean[:, None]) ** 2).mean(axis=-1)
    rstd = 1.0 / np.sqrt(var + eps)
    y = (x - mean[:, None]) * rstd[:, None] * w.astype(np.float64) + b.astype(np.float64)
    return y, mean, rstd


def matmul_ref(a, b):
    return a.astype(np.float64) @ b.astype(np.float64)
