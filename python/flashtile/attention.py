"""Host side of kernels/attention.py: flash-attn-style entry points.

    out, lse = attention_forward(q, k, v, causal=True)
    dq, dk, dv = attention_backward(do, q, k, v, out, lse, causal=True)

q is (batch, seqlen_q, nheads, headdim), k and v (batch, seqlen_k, nheads,
headdim), all of one dtype (float16, ml_dtypes.bfloat16 or float32); lse is
(batch, nheads, seqlen_q) float32 (natural log). Numpy inputs run on the CPU
executor. These functions choose the grids, strides and block sizes; the
GPU entry point (flash_attn_func on CUDA tensors) comes with the GPU backend.
"""

from __future__ import annotations

import math
from typing import Optional, Tuple

import numpy as np

from . import kernels
from .errors import ArgumentError
from .language import cdiv

__all__ = ["attention_forward", "attention_backward", "block_d", "default_blocks"]


def block_d(head_dim: int) -> int:
    """The head dimension padded to a power of two (at least 16)."""
    if not 1 <= head_dim <= 256:
        raise ArgumentError(f"head dimension {head_dim} is outside 1..256")
    return max(16, 1 << (head_dim - 1).bit_length())


def _pow2_at_most(n: int, cap: int) -> int:
    return max(16, min(cap, 1 << max(0, n - 1).bit_length()))


def default_blocks(seqlen_q: int, seqlen_k: int) -> Tuple[int, int]:
    """(BLOCK_M, BLOCK_N): 64 x 64 tiles, smaller for short sequences so that
    the CPU executor does not compute masked padding."""
    return _pow2_at_most(seqlen_q, 64), _pow2_at_most(seqlen_k, 64)


def _elem_strides(x: np.ndarray) -> Tuple[int, int, int]:
    """(batch, seq, head) strides in elements; the head dim must be contiguous."""
    item = x.itemsize
    if x.strides[3] != item:
        raise ArgumentError("the head dimension (last axis) must be contiguous")
    return x.strides[0] // item, x.strides[1] // item, x.strides[2] // item


def _check_qkv(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> None:
    for name, x in (("q", q), ("k", k), ("v", v)):
        if not isinstance(x, np.ndarray) or x.ndim != 4:
            raise ArgumentError(f"{name} must be a 4-d numpy array (batch, seqlen, nheads, headdim)")
    if not (q.dtype == k.dtype == v.dtype):
        raise ArgumentError(f"q, k, v must have one dtype, got {q.dtype}, {k.dtype}, {v.dtype}")
    if k.shape != v.shape or q.shape[0] != k.shape[0] or q.shape[2:] != k.shape[2:]:
        raise ArgumentError(f"incompatible shapes q {q.shape}, k {k.shape}, v {v.shape}")


def attention_forward(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool = False,
    softmax_scale: Optional[float] = None, block_m: Optional[int] = None,
    block_n: Optional[int] = None,
) -> Tuple[np.ndarray, np.ndarray]:
    """Returns (out, lse): out like q, lse (batch, nheads, seqlen_q) float32."""
    _check_qkv(q, k, v)
    batch, seqlen_q, nheads, head_dim = q.shape
    seqlen_k = k.shape[1]
    scale = 1.0 / math.sqrt(head_dim) if softmax_scale is None else softmax_scale
    bm, bn = default_blocks(seqlen_q, seqlen_k)
    bm, bn = block_m or bm, block_n or bn
    out = np.zeros_like(q)
    lse = np.empty((batch, nheads, seqlen_q), dtype=np.float32)
    grid = (cdiv(seqlen_q, bm), batch * nheads)
    kernels.load("attention").attention_fwd[grid](
        q, k, v, out, lse,
        *_elem_strides(q), *_elem_strides(k), *_elem_strides(v), *_elem_strides(out),
        nheads, seqlen_q, seqlen_k, scale,
        HEAD_DIM=head_dim, BLOCK_D=block_d(head_dim), BLOCK_M=bm, BLOCK_N=bn, CAUSAL=bool(causal),
    )
    return out, lse


def attention_backward(
    do: np.ndarray, q: np.ndarray, k: np.ndarray, v: np.ndarray, out: np.ndarray,
    lse: np.ndarray, causal: bool = False, softmax_scale: Optional[float] = None,
    block_m: Optional[int] = None, block_n: Optional[int] = None,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns (dq, dk, dv), each like its input."""
    _check_qkv(q, k, v)
    if do.shape != q.shape or out.shape != q.shape or do.dtype != q.dtype:
        raise ArgumentError("do and out must have q's shape and dtype")
    batch, seqlen_q, nheads, head_dim = q.shape
    seqlen_k = k.shape[1]
    scale = 1.0 / math.sqrt(head_dim) if softmax_scale is None else softmax_scale
    bm, bn = default_blocks(seqlen_q, seqlen_k)
    bm, bn = block_m or bm, block_n or bn
    bd = block_d(head_dim)
    attention = kernels.load("attention")
    delta = np.empty((batch, nheads, seqlen_q), dtype=np.float32)
    dq, dk, dv = np.zeros_like(q), np.zeros_like(k), np.zeros_like(v)
    lse = np.ascontiguousarray(lse, dtype=np.float32)
    common = dict(HEAD_DIM=head_dim, BLOCK_D=bd)

    attention.attention_bwd_preprocess[(cdiv(seqlen_q, bm), batch * nheads)](
        out, do, delta, *_elem_strides(out), *_elem_strides(do), nheads, seqlen_q,
        BLOCK_M=bm, **common,
    )
    strides_qkvdo = (*_elem_strides(q), *_elem_strides(k), *_elem_strides(v), *_elem_strides(do))
    attention.attention_bwd_dkdv[(cdiv(seqlen_k, bn), batch * nheads)](
        q, k, v, do, lse, delta, dk, dv,
        *strides_qkvdo, *_elem_strides(dk), *_elem_strides(dv),
        nheads, seqlen_q, seqlen_k, scale,
        BLOCK_M=bm, BLOCK_N=bn, CAUSAL=bool(causal), **common,
    )
    attention.attention_bwd_dq[(cdiv(seqlen_q, bm), batch * nheads)](
        q, k, v, do, lse, delta, dq,
        *strides_qkvdo, *_elem_strides(dq),
        nheads, seqlen_q, seqlen_k, scale,
        BLOCK_M=bm, BLOCK_N=bn, CAUSAL=bool(causal), **common,
    )
    return dq, dk, dv
