"""Host side of kernels/attention.py: flash-attn-style entry points.

On NVIDIA GPUs (CUDA torch tensors), flash-attn's interface::

    out = flash_attn_func(q, k, v, causal=True)          # autograd: out.backward(...)
    out, lse = flash_attn_func(q, k, v, return_lse=True)

flash-attn's packed batches and decoding entry points::

    out = flash_attn_varlen_func(q, k, v, cu_seqlens_q, cu_seqlens_k, max_q, max_k)
    out = flash_attn_with_kvcache(q, k_cache, v_cache, k, v, cache_seqlens=lens)

and the launches under it, which take preallocated outputs::

    out, lse = flash_attn_forward(q, k, v, causal=True)
    dq, dk, dv = flash_attn_backward(dout, q, k, v, out, lse, causal=True)

On the CPU executor (numpy arrays)::

    out, lse = attention_forward(q, k, v, causal=True)
    dq, dk, dv = attention_backward(do, q, k, v, out, lse, causal=True)
    out, lse = attention_with_kvcache(q, k_cache, v_cache, k, v, cache_seqlens=lens)

q is (batch, seqlen_q, nheads, headdim), k and v (batch, seqlen_k, nheads,
headdim), all of one dtype (GPU: float16 or bfloat16; CPU: float16,
ml_dtypes.bfloat16 or float32); lse is (batch, nheads, seqlen_q) float32
(natural log). With ``causal`` the mask is aligned to the bottom-right corner
(flash-attn >= 2.1). These functions choose the grids, strides, block sizes
and launch options: each kernel's configuration is chosen by
@flashtile.autotune among :data:`CANDIDATES` (FLASHTILE_AUTOTUNE=0: the
first, untimed).
"""

from __future__ import annotations

import math
import numbers
import sys
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

import numpy as np

from . import _native, kernels
from .autotune import Autotuner, Config
from .backends import launch_on_device
from .errors import ArgumentError
from .language import cdiv

__all__ = [
    "flash_attn_func",
    "flash_attn_varlen_func",
    "flash_attn_varlen_qkvpacked_func",
    "flash_attn_varlen_kvpacked_func",
    "flash_attn_with_kvcache",
    "attention_with_kvcache",
    "flash_attn_forward",
    "flash_attn_backward",
    "attention_forward",
    "attention_backward",
    "block_d",
    "default_blocks",
    "KERNELS",
    "CANDIDATES",
    "TURING_CANDIDATES",
    "candidates",
    "backward_kernels",
    "tuner",
]


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


def _elem_strides(x: np.ndarray, packed: bool = False) -> Tuple[int, int, int]:
    """(batch, seq, head) strides in elements (batch 0 where `packed`: a
    varlen batch, whose sequences the kernels find by cu_seqlens); the head
    dim must be contiguous."""
    item = x.itemsize
    if x.strides[3] != item:
        raise ArgumentError("the head dimension (last axis) must be contiguous")
    return 0 if packed else x.strides[0] // item, x.strides[1] // item, x.strides[2] // item


class _Batch(NamedTuple):
    """Where a batch's sequences lie, as the kernels take it: q, k, v as
    4-d (batch, seqlen, nheads, headdim) arrays or tensors (a packed batch:
    (1, total, nheads, headdim) views), cu_seqlens_q/k (int32, batch + 1;
    a dummy word unless packed), the batch size and the longest sequences
    (the grids' extent)."""

    q: Any
    k: Any
    v: Any
    cu_q: Any
    cu_k: Any
    batch: int
    max_q: int
    max_k: int
    packed: bool

    def lse_shape(self, nheads: int) -> Tuple[int, ...]:
        """L (and delta): (batch, nheads, seqlen_q), or (nheads, total_q) packed."""
        total_q = self.q.shape[1]
        return (nheads, total_q) if self.packed else (self.batch, nheads, total_q)

    def unpacked(self, x: Any) -> Any:
        """An output of the kernels' 4-d shape as the caller's: (total, nheads,
        headdim) for a packed batch."""
        return x[0] if self.packed else x


def _check_cu_seqlens(name: str, cu: Any, total: int) -> np.ndarray:
    """cu_seqlens as int32: 1-d, from 0, non-decreasing, ending at `total`."""
    array = np.asarray(cu)
    if array.ndim != 1 or array.shape[0] < 2 or not np.issubdtype(array.dtype, np.integer):
        raise ArgumentError(f"{name} must be a 1-d integer array of batch + 1 offsets, got "
                            f"{array.dtype} of shape {array.shape}")
    if array[0] != 0 or np.any(np.diff(array) < 0) or array[-1] != total:
        raise ArgumentError(f"{name} must rise from 0 to the packed length {total}, got "
                            f"{array.tolist()}")
    return np.ascontiguousarray(array, dtype=np.int32)


def _max_seqlen(name: str, given: Any, lengths: np.ndarray) -> int:
    longest = int(lengths.max(initial=0))
    if given is None:
        return longest
    if not isinstance(given, numbers.Integral) or isinstance(given, bool) or given < longest:
        raise ArgumentError(f"{name} must be an int >= the longest sequence ({longest}), "
                            f"got {given!r}")
    return int(given)


_NO_SEQLENS = np.zeros(1, np.int32)


def _value_dim(head_dim: int, head_dim_v: int) -> Dict[str, int]:
    """The kernels' HEAD_DIM_V: 0 where v has q's head dim (the default
    specialisation), else v's."""
    return dict(HEAD_DIM_V=0 if head_dim_v == head_dim else head_dim_v)


def _numpy_batch(q: Any, k: Any, v: Any, cu_seqlens_q: Any, cu_seqlens_k: Any,
                 max_seqlen_q: Any, max_seqlen_k: Any) -> _Batch:
    """The batch of numpy q, k, v: padded 4-d arrays, or with cu_seqlens_q/k
    packed (total, nheads, headdim) ones."""
    if cu_seqlens_q is None and cu_seqlens_k is None:
        _check_qkv(q, k, v)
        return _Batch(q, k, v, _NO_SEQLENS, _NO_SEQLENS, q.shape[0], q.shape[1], k.shape[1],
                      False)
    if cu_seqlens_q is None or cu_seqlens_k is None:
        raise ArgumentError("cu_seqlens_q and cu_seqlens_k go together (a packed batch)")
    for name, x in (("q", q), ("k", k), ("v", v)):
        if not isinstance(x, np.ndarray) or x.ndim != 3:
            raise ArgumentError(f"{name} must be a 3-d numpy array (total, nheads, headdim) "
                                "with cu_seqlens")
    cu_q = _check_cu_seqlens("cu_seqlens_q", cu_seqlens_q, q.shape[0])
    cu_k = _check_cu_seqlens("cu_seqlens_k", cu_seqlens_k, k.shape[0])
    if cu_q.shape != cu_k.shape:
        raise ArgumentError(f"cu_seqlens_q has {cu_q.shape[0] - 1} sequences but cu_seqlens_k "
                            f"{cu_k.shape[0] - 1}")
    q4, k4, v4 = q[None], k[None], v[None]
    _check_qkv(q4, k4, v4)
    return _Batch(q4, k4, v4, cu_q, cu_k, cu_q.shape[0] - 1,
                  _max_seqlen("max_seqlen_q", max_seqlen_q, np.diff(cu_q)),
                  _max_seqlen("max_seqlen_k", max_seqlen_k, np.diff(cu_k)), True)


def _check_qkv(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> None:
    for name, x in (("q", q), ("k", k), ("v", v)):
        if not isinstance(x, np.ndarray) or x.ndim != 4:
            raise ArgumentError(f"{name} must be a 4-d numpy array (batch, seqlen, nheads, headdim)")
    if not (q.dtype == k.dtype == v.dtype):
        raise ArgumentError(f"q, k, v must have one dtype, got {q.dtype}, {k.dtype}, {v.dtype}")
    if k.shape[:3] != v.shape[:3] or q.shape[0] != k.shape[0] or q.shape[3] != k.shape[3] \
            or not 1 <= v.shape[3] <= 256:
        raise ArgumentError(f"incompatible shapes q {q.shape}, k {k.shape}, v {v.shape}")
    _check_head_ratio(q.shape[2], k.shape[2])


def _check_head_ratio(nheads: int, nheads_k: int) -> int:
    """MQA/GQA: the number of query heads per key/value head."""
    if nheads_k < 1 or nheads % nheads_k:
        raise ArgumentError(f"k and v have {nheads_k} heads, which does not divide q's {nheads} "
                            "(MQA/GQA need nheads % nheads_k == 0)")
    return nheads // nheads_k


class Variant(NamedTuple):
    """An attention variant normalised as the kernels take it: the
    constexpr flags (CAUSAL, WINDOW, SOFTCAP, ALIBI) and the runtime window
    sides (an unbounded side is passed as a bound that holds everywhere)."""

    causal: bool
    window: bool
    window_left: int
    window_right: int
    softcap: float
    alibi: bool

    def is_variant(self, head_ratio: int) -> bool:
        """Whether the kernels run beyond causal/full MHA (their own
        candidates, see VARIANT_CANDIDATES)."""
        return self.window or self.softcap > 0.0 or self.alibi or head_ratio > 1

    def constexprs(self) -> Dict[str, bool]:
        return dict(CAUSAL=self.causal, WINDOW=self.window, SOFTCAP=self.softcap > 0.0,
                    ALIBI=self.alibi)


def variant(causal: Any, window_size: Any, softcap: Any, alibi: bool, seqlen_q: int,
            seqlen_k: int) -> Variant:
    """flash-attn's causal/window_size/softcap as the kernels take them:
    query i sees keys j with d - left <= j <= d + right, d = i + seqlen_k -
    seqlen_q, a negative side unbounded, causal meaning right = 0; a window
    that bounds only the right side at 0 is plain causal. Raises
    ArgumentError naming the argument."""
    try:
        window = tuple(int(w) for w in window_size
                       if isinstance(w, numbers.Real) and not isinstance(w, bool) and w == int(w))
        window = window if len(window) == len(window_size) else None
    except (TypeError, ValueError, OverflowError):
        window = None
    if window is None or len(window) != 2 or any(w < -1 for w in window):
        raise ArgumentError(f"window_size must be a pair of ints >= -1 ((-1, -1): no window), "
                            f"got {window_size!r}")
    if not isinstance(softcap, (int, float)) or isinstance(softcap, bool) or softcap < 0 \
            or not math.isfinite(softcap):
        raise ArgumentError(f"softcap must be a float >= 0 (0: none), got {softcap!r}")
    left, right = window
    if causal:
        right = 0
    if left < 0 and right < 0:
        return Variant(False, False, 0, 0, float(softcap), alibi)
    if left < 0 and right == 0:
        return Variant(True, False, 0, 0, float(softcap), alibi)
    return Variant(False, True, left if left >= 0 else seqlen_k,
                   right if right >= 0 else seqlen_q, float(softcap), alibi)


def _variant_args(v: Variant, stride_alibi_b: int, nheads: int, head_ratio: int,
                  seqlen_q: int, seqlen_k: int, scale: float) -> List[Any]:
    """The kernels' runtime arguments after the tensors' strides."""
    return [stride_alibi_b, nheads, head_ratio, seqlen_q, seqlen_k, scale, v.window_left,
            v.window_right, v.softcap]


def _alibi_per_batch(shape: Tuple[int, ...], batch: int, nheads: int) -> bool:
    """Whether ALiBi slopes of `shape` are per (batch, head), not per head;
    raises ArgumentError for any other shape."""
    if shape == (nheads,):
        return False
    if shape == (batch, nheads):
        return True
    raise ArgumentError(f"alibi_slopes must have shape ({nheads},) or ({batch}, {nheads}), "
                        f"got {shape}")


def _alibi_array(alibi_slopes: Any, batch: int, nheads: int) -> Tuple[np.ndarray, int]:
    """The slopes as a contiguous float32 array and their batch stride (0
    for (nheads,) slopes); a dummy word where there are none."""
    if alibi_slopes is None:
        return np.zeros(1, np.float32), 0
    slopes = np.ascontiguousarray(alibi_slopes, dtype=np.float32)
    return slopes, nheads if _alibi_per_batch(slopes.shape, batch, nheads) else 0


def attention_forward(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool = False,
    softmax_scale: Optional[float] = None, block_m: Optional[int] = None,
    block_n: Optional[int] = None, window_size: Tuple[int, int] = (-1, -1),
    softcap: float = 0.0, alibi_slopes: Any = None, cu_seqlens_q: Any = None,
    cu_seqlens_k: Any = None, max_seqlen_q: Optional[int] = None,
    max_seqlen_k: Optional[int] = None,
) -> Tuple[np.ndarray, np.ndarray]:
    """Returns (out, lse): out like q, lse (batch, nheads, seqlen_q)
    float32. k and v may have fewer heads than q (MQA/GQA); window_size,
    softcap and alibi_slopes as flash_attn_func's. With cu_seqlens_q/k (and
    optionally max_seqlen_q/k), flash_attn_varlen_func's packed batch: q, k,
    v are (total, nheads, headdim), sequence b is tokens [cu_seqlens[b],
    cu_seqlens[b + 1]), and lse is (nheads, total_q)."""
    b = _numpy_batch(q, k, v, cu_seqlens_q, cu_seqlens_k, max_seqlen_q, max_seqlen_k)
    _, total_q, nheads, head_dim = b.q.shape
    total_k = b.k.shape[1]
    scale = 1.0 / math.sqrt(head_dim) if softmax_scale is None else softmax_scale
    var = variant(causal, window_size, softcap, alibi_slopes is not None, total_q, total_k)
    slopes, stride_alibi_b = _alibi_array(alibi_slopes, b.batch, nheads)
    bm, bn = default_blocks(b.max_q, b.max_k)
    bm, bn = block_m or bm, block_n or bn
    head_dim_v = b.v.shape[3]
    out = np.zeros((*b.q.shape[:3], head_dim_v), dtype=b.q.dtype)
    lse = np.full(b.lse_shape(nheads), np.inf, dtype=np.float32)
    grid = (cdiv(b.max_q, bm), b.batch * nheads)
    if grid[0] > 0:
        kernels.load("attention").attention_fwd[grid](
            b.q, b.k, b.v, out, lse, slopes, b.cu_q, b.cu_k,
            *(s for x in (b.q, b.k, b.v, out) for s in _elem_strides(x, b.packed)),
            *_variant_args(var, stride_alibi_b, nheads, nheads // b.k.shape[2], total_q,
                           total_k, scale),
            HEAD_DIM=head_dim, BLOCK_M=bm, BLOCK_N=bn, VARLEN=b.packed, **var.constexprs(),
            **_value_dim(head_dim, head_dim_v),
        )
    return b.unpacked(out), lse


def attention_backward(
    do: np.ndarray, q: np.ndarray, k: np.ndarray, v: np.ndarray, out: np.ndarray,
    lse: np.ndarray, causal: bool = False, softmax_scale: Optional[float] = None,
    block_m: Optional[int] = None, block_n: Optional[int] = None,
    deterministic: bool = True, window_size: Tuple[int, int] = (-1, -1),
    softcap: float = 0.0, alibi_slopes: Any = None, cu_seqlens_q: Any = None,
    cu_seqlens_k: Any = None, max_seqlen_q: Optional[int] = None,
    max_seqlen_k: Optional[int] = None,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns (dq, dk, dv), each like its input. ``deterministic=False``
    adds dQ with atomics from the dK/dV kernel (the GPU's default path)
    instead of the separate dQ pass. cu_seqlens_q/k: a packed batch, as
    attention_forward."""
    b = _numpy_batch(q, k, v, cu_seqlens_q, cu_seqlens_k, max_seqlen_q, max_seqlen_k)
    out_shape = (*q.shape[:-1], v.shape[-1])
    if do.shape != out_shape or out.shape != out_shape or do.dtype != q.dtype:
        raise ArgumentError(f"do and out must have shape {out_shape} (q's, with v's head "
                            "dimension) and q's dtype")
    do4, out4 = (x[None] if b.packed else x for x in (do, out))
    _, total_q, nheads, head_dim = b.q.shape
    total_k, nheads_k = b.k.shape[1], b.k.shape[2]
    if tuple(np.shape(lse)) != b.lse_shape(nheads):
        raise ArgumentError(f"lse must have shape {b.lse_shape(nheads)}, got {np.shape(lse)}")
    scale = 1.0 / math.sqrt(head_dim) if softmax_scale is None else softmax_scale
    var = variant(causal, window_size, softcap, alibi_slopes is not None, total_q, total_k)
    slopes, stride_alibi_b = _alibi_array(alibi_slopes, b.batch, nheads)
    tail = _variant_args(var, stride_alibi_b, nheads, nheads // nheads_k, total_q, total_k,
                         scale)
    bm, bn = default_blocks(b.max_q, b.max_k)
    bm, bn = block_m or bm, block_n or bn
    attention = kernels.load("attention")
    delta = np.zeros(b.lse_shape(nheads), dtype=np.float32)
    dq, dk, dv = np.zeros_like(b.q), np.zeros_like(b.k), np.zeros_like(b.v)
    lse = np.ascontiguousarray(lse, dtype=np.float32)
    if b.max_q == 0 or b.max_k == 0:
        return b.unpacked(dq), b.unpacked(dk), b.unpacked(dv)

    def strides(*xs: np.ndarray) -> List[int]:
        return [s for x in xs for s in _elem_strides(x, b.packed)]

    head_dim_v = b.v.shape[3]
    common = dict(HEAD_DIM=head_dim, VARLEN=b.packed)
    seqlens = (b.cu_q, b.cu_k)
    rows_q = (cdiv(b.max_q, bm), b.batch * nheads)
    attention.attention_bwd_preprocess[rows_q](
        out4, do4, delta, b.cu_q, *strides(out4, do4), nheads, total_q, BLOCK_M=bm,
        HEAD_DIM=head_dim_v, VARLEN=b.packed,
    )
    common.update(_value_dim(head_dim, head_dim_v))
    dqa = np.zeros(b.q.shape if not deterministic else (1, 1, 1, 1), dtype=np.float32)
    attention.attention_bwd_dkdv[(cdiv(b.max_k, bn), b.batch * nheads_k)](
        b.q, b.k, b.v, do4, lse, delta, dk, dv, dqa, slopes, *seqlens,
        *strides(b.q, b.k, b.v, do4, dk, dv, dqa), *tail,
        BLOCK_M=bm, BLOCK_N=bn, DQ_ATOMIC=not deterministic, **var.constexprs(), **common,
    )
    if deterministic:
        attention.attention_bwd_dq[rows_q](
            b.q, b.k, b.v, do4, lse, delta, dq, slopes, *seqlens,
            *strides(b.q, b.k, b.v, do4, dq), *tail,
            BLOCK_M=bm, BLOCK_N=bn, **var.constexprs(), **common,
        )
    else:
        attention.attention_bwd_dq_convert[rows_q](
            dqa, dq, b.cu_q, *strides(dqa, dq), nheads, total_q, scale, BLOCK_M=bm,
            HEAD_DIM=head_dim, VARLEN=b.packed,
        )
    return b.unpacked(dq), b.unpacked(dk), b.unpacked(dv)


# ---------------------------------------------------------------------------
# NVIDIA GPUs: flash_attn_func over CUDA torch tensors
# ---------------------------------------------------------------------------


def _config(block_m: int, block_n: int, num_warps: int, num_stages: int) -> Config:
    return Config({"BLOCK_M": block_m, "BLOCK_N": block_n}, num_warps, num_stages)


#: The kernels flash_attn_func launches whose configuration is tuned: the
#: forward, dK/dV (BLOCK_N keys owned, BLOCK_M queries per step) and dQ
#: (BLOCK_M queries owned, BLOCK_N keys per step). The backward
#: preprocessing (delta = rowsum(dO * O)) is memory-bound and uses
#: PREPROCESS_BLOCK_M rows per program with 4 warps.
KERNELS = ("attention_fwd", "attention_bwd_dkdv", "attention_bwd_dq", "attention_bwd_dkdv_atomic")
PREPROCESS_BLOCK_M = 64
#: attention_bwd_dkdv_atomic is attention_bwd_dkdv with DQ_ATOMIC (set by
#: its candidates): dK, dV and dQ (float32 atomics) in one pass, the
#: default backward; the other two are the deterministic one.
_KERNEL_FUNCTIONS = {"attention_bwd_dkdv_atomic": "attention_bwd_dkdv"}


def preprocess_block_m(head_dim: int) -> int:
    """Rows per program of the preprocessing and dQ-conversion kernels:
    PREPROCESS_BLOCK_M, halved above head dim 128 (two 64 x 256 tiles in 4
    warps' registers spill)."""
    return PREPROCESS_BLOCK_M if block_d(head_dim) <= 128 else PREPROCESS_BLOCK_M // 2


#: Padded head dimensions whose default backward (deterministic=False) adds
#: dQ with atomics from dK/dV: where that measured faster than the separate
#: dQ pass on the H200 (bench/results/2026-12-02-h200-speed1: d64 N1024
#: 113 vs 78 TFLOP/s fwd+bwd, N4096 184 vs 179). At d128 the fused kernel
#: fits only 32-row query blocks without spilling and the separate pass is
#: faster (179 vs 186 at N4096, 179 vs 190 at N16k), so it stays the default
#: (and that 32-row configuration spills at head dim 80 with divisible
#: strides, so BLOCK_D 128 has no fused candidate).
ATOMIC_DQ_BLOCK_DS = frozenset({16, 32, 64})
#: ... and from this many queries on: the second 2026-12-02 run measured the
#: separate pass ahead at N1024 (d64 causal 80 vs 64 TFLOP/s, full 162 vs
#: 162) and the two within 3% at N4096 (the first run: atomics +3-6%).
ATOMIC_DQ_MIN_SEQLEN = 4096


def backward_kernels(head_dim: int, deterministic: bool = False, variant: bool = False,
                     seqlen_q: int = ATOMIC_DQ_MIN_SEQLEN) -> Tuple[str, ...]:
    """The tuned kernels of the backward flash_attn_func runs for `head_dim`
    and `seqlen_q` (`variant`: MQA/GQA, a window, softcap or ALiBi, which
    take the separate dQ pass: the fused kernel has no spill-free
    configuration for them at 255 registers)."""
    if (not deterministic and not variant and block_d(head_dim) in ATOMIC_DQ_BLOCK_DS
            and seqlen_q >= ATOMIC_DQ_MIN_SEQLEN):
        return ("attention_bwd_dkdv_atomic",)
    return ("attention_bwd_dkdv", "attention_bwd_dq")


def _atomic(block_m: int, block_n: int, num_warps: int, num_stages: int) -> Config:
    return Config({"BLOCK_M": block_m, "BLOCK_N": block_n, "DQ_ATOMIC": True}, num_warps,
                  num_stages)

#: Candidate configurations by kernel and padded head dimension (BLOCK_D),
#: timed by @flashtile.autotune on first use of a (head dim, causal,
#: seqlen bucket, dtype, device) key; the first of each list is the default
#: (FLASHTILE_AUTOTUNE=0 uses it untimed): the fastest of the H200 tuning
#: runs (bench/results/2026-12-01-h200-speed1). Every candidate assembles
#: with 0 spill bytes at sm_75 (with TURING_CANDIDATES), sm_80 and sm_90,
#: f16 and bf16, causal or not, as the JIT specialises contiguous tensors
#: (every stride divisible by 16: the cp.async path; test/python/test_ptxas.py
#: checks them, and the defaults with odd strides too;
#: bench/ptxas_configs.py prints their registers; docs/perf.md has the table).
CANDIDATES: Dict[str, Dict[int, List[Config]]] = {
    "attention_fwd": {
        16: [_config(128, 64, 8, 2), _config(64, 64, 4, 2)],
        32: [_config(128, 64, 8, 2), _config(64, 64, 4, 2)],
        64: [_config(128, 64, 4, 3), _config(128, 64, 4, 2), _config(64, 128, 4, 2),
             _config(128, 128, 8, 2)],
        128: [_config(64, 64, 4, 3), _config(64, 64, 4, 2), _config(128, 64, 8, 2),
              _config(128, 64, 8, 3)],
        256: [_config(64, 32, 8, 2)],
    },
    "attention_bwd_dkdv": {
        16: [_config(64, 128, 8, 2)],
        32: [_config(64, 64, 8, 2)],
        64: [_config(32, 128, 8, 2), _config(64, 64, 8, 2)],
        128: [_config(64, 64, 8, 3), _config(64, 64, 8, 2), _config(32, 64, 8, 2)],
        256: [_config(32, 32, 8, 2)],
    },
    "attention_bwd_dq": {
        16: [_config(128, 64, 8, 2)],
        32: [_config(128, 64, 8, 2)],
        64: [_config(64, 64, 4, 2), _config(128, 64, 8, 2)],
        128: [_config(64, 64, 4, 2), _config(64, 32, 4, 2), _config(128, 32, 8, 2)],
        256: [_config(64, 32, 8, 2)],
    },
    "attention_bwd_dkdv_atomic": {
        16: [_atomic(64, 128, 8, 2)],
        32: [_atomic(64, 64, 8, 2)],
        64: [_atomic(32, 128, 8, 2), _atomic(32, 64, 8, 2)],
    },
}

#: Head dimensions flash_attn_func takes (any size in between works: it is
#: padded to a power of two inside the kernels).
MIN_HEAD_DIM, MAX_HEAD_DIM = 8, 256

#: Where sm_75 (m16n8k8, no cp.async) needs smaller backward tiles to stay
#: spill-free: the candidates used on Turing instead of CANDIDATES.
TURING_CANDIDATES: Dict[str, Dict[int, List[Config]]] = {
    "attention_fwd": {64: [_config(64, 128, 4, 2), _config(128, 128, 8, 2), _config(64, 64, 4, 2)],
                      128: [_config(64, 64, 4, 3), _config(64, 64, 4, 2)],
                      256: [_config(64, 64, 8, 2)]},
    "attention_bwd_dkdv": {64: [_config(32, 128, 8, 2), _config(64, 64, 8, 2)],
                           128: [_config(32, 64, 8, 2)], 256: [_config(16, 32, 8, 2)]},
    "attention_bwd_dq": {128: [_config(64, 64, 8, 2)], 256: [_config(32, 32, 4, 2)]},
    "attention_bwd_dkdv_atomic": {64: [_atomic(32, 64, 8, 2), _atomic(32, 64, 4, 2)]},
}


#: Where a variant (MQA/GQA: a runtime head ratio and a loop over the
#: group's heads in dK/dV; a window, softcap or ALiBi: more live values)
#: spills in some of CANDIDATES: the spill-free subset used for variants.
VARIANT_CANDIDATES: Dict[str, Dict[int, List[Config]]] = {
    "attention_fwd": {64: [_config(128, 64, 4, 2), _config(64, 128, 4, 2),
                           _config(128, 128, 8, 2)],
                      128: [_config(64, 64, 4, 3), _config(64, 64, 4, 2),
                            _config(128, 64, 8, 2)]},
    "attention_bwd_dkdv": {64: [_config(32, 128, 8, 2), _config(64, 64, 8, 2)],
                           128: [_config(32, 64, 8, 2)]},
    "attention_bwd_dq": {128: [_config(64, 32, 4, 2), _config(128, 32, 8, 2)]},
}


#: Variants on sm_75, where the Turing and variant lists above still spill.
TURING_VARIANT_CANDIDATES: Dict[str, Dict[int, List[Config]]] = {
    "attention_fwd": {64: [_config(64, 64, 4, 2)],  # 128x128 8w spills with VARLEN too
                      128: [_config(128, 64, 8, 2), _config(64, 64, 8, 2)],
                      256: [_config(32, 32, 8, 2)]},
    "attention_bwd_dkdv": {64: [_config(64, 64, 8, 2)], 256: [_config(16, 32, 8, 2)]},
    "attention_bwd_dq": {64: [_config(128, 64, 8, 2), _config(64, 32, 4, 2)],
                         256: [_config(32, 16, 4, 2)]},
}


def candidates(kernel: str, head_dim: int, arch: int = 90,
               variant: bool = False) -> List[Config]:
    """The configurations flash_attn_func may use for `kernel` at `head_dim`
    on sm_`arch` (`variant`: for MQA/GQA, windows, softcap or ALiBi), the
    default first."""
    if kernel not in CANDIDATES:
        raise ArgumentError(f"no tuned attention kernel {kernel!r} (one of {', '.join(KERNELS)})")
    d = block_d(head_dim)
    if arch < 80 and variant and d in TURING_VARIANT_CANDIDATES.get(kernel, {}):
        return TURING_VARIANT_CANDIDATES[kernel][d]
    if arch < 80 and d in TURING_CANDIDATES.get(kernel, {}):
        return TURING_CANDIDATES[kernel][d]
    if variant and d in VARIANT_CANDIDATES.get(kernel, {}):
        return VARIANT_CANDIDATES[kernel][d]
    return CANDIDATES[kernel][d]


def _seqlen_bucket(seqlen: int) -> int:
    """Sequence lengths are tuned once per power of two (at least 128)."""
    return max(128, 1 << max(0, seqlen - 1).bit_length())


if "torch" in sys.modules:
    _register_torch_ops(sys.modules["torch"])

#: The autotuners by (kernel, BLOCK_D, arch, variant).
_TUNERS: Dict[Tuple[str, int, int, bool], Autotuner] = {}


def tuner(kernel: str, head_dim: int, arch: int, variant: bool = False) -> Autotuner:
    """The @flashtile.autotune of `kernel` over its candidates; the key is
    the head dimension, the variant flags (causal, window, softcap, ALiBi)
    and the seqlens' power-of-two buckets (and,
    as for every tuner, the dtypes and the device)."""
    index = (kernel, block_d(head_dim), arch, variant)
    found = _TUNERS.get(index)
    if found is None:
        fn = getattr(kernels.load("attention"), _KERNEL_FUNCTIONS.get(kernel, kernel))
        found = _TUNERS[index] = Autotuner(
            fn, candidates(kernel, head_dim, arch, variant),
            key=["HEAD_DIM", "HEAD_DIM_V", "CAUSAL", "WINDOW", "SOFTCAP", "ALIBI", "VARLEN",
                 "seqlen_q", "seqlen_k"],
            bucket={"seqlen_q": _seqlen_bucket, "seqlen_k": _seqlen_bucket},
            reset_to_zero=["DQA"] if kernel.endswith("_atomic") else (),
            warmup=10.0, rep=40.0)
    return found


def _block_grid(seqlen: int, rows: int, block: str) -> Any:
    """A grid over blocks of `seqlen` named by the constexpr `block`."""
    return lambda meta: (cdiv(seqlen, meta[block]), rows)


def _device_arch(x: Any) -> int:
    """The arch FlashTile compiles for on the device of CUDA tensor x."""
    from .backends import cuda_arch

    return cuda_arch(x.get_device())


def _torch() -> Any:
    torch = sys.modules.get("torch")
    if torch is not None:
        return torch
    try:
        import torch
    except ImportError as error:  # pragma: no cover - only without torch
        raise ArgumentError("flash_attn_func needs PyTorch with CUDA") from error
    _register_torch_ops(torch)
    return torch


def _register_torch_ops(torch: Any) -> None:
    """The custom ops torch.compile traces (flashtile.torch_ops), registered
    outside any trace: where flashtile is imported after torch, or on the
    first call that imports torch."""
    if getattr(getattr(torch, "library", None), "custom_op", None) is None:
        return  # an old torch, or the test suite's fake torch
    from . import torch_ops

    try:
        torch_ops.register()
    except Exception as error:  # noqa: BLE001 - eager use must not depend on it
        torch_ops.REGISTRATION_ERROR = error  # reported if torch.compile traces a call


def _describe_device(x: Any) -> str:
    return str(x.device)


def _check_tensors(names: Tuple[str, ...], tensors: Tuple[Any, ...], ref_name: str = "q") -> None:
    """Each tensor is a 4-d fp16/bf16 CUDA tensor of one dtype and device."""
    torch = _torch()
    for name, x in zip(names, tensors):
        if not isinstance(x, torch.Tensor):
            raise ArgumentError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
        if x.device.type != "cuda":
            raise ArgumentError(
                f"{name} is on {x.device}: flash_attn_func needs CUDA tensors "
                "(numpy arrays run on the CPU executor through "
                "flashtile.attention.attention_forward)"
            )
        if x.dim() != 4:
            raise ArgumentError(
                f"{name} must have 4 dimensions (batch, seqlen, nheads, headdim), got shape "
                f"{tuple(x.shape)}"
            )
        if x.dtype not in (torch.float16, torch.bfloat16):
            raise ArgumentError(
                f"{name} has dtype {x.dtype}; flash_attn_func supports torch.float16 and "
                "torch.bfloat16"
            )
    ref = tensors[0]
    for name, x in zip(names[1:], tensors[1:]):
        if x.dtype != ref.dtype:
            raise ArgumentError(f"{name} has dtype {x.dtype} but {ref_name} has {ref.dtype}: "
                                "q, k and v must have one dtype")
        if x.device != ref.device:
            raise ArgumentError(f"{name} is on {_describe_device(x)} but {ref_name} is on "
                                f"{_describe_device(ref)}: all tensors must be on one device")


def _check_qkv_cuda(q: Any, k: Any, v: Any, dropout_p: float) -> None:
    """Raises ArgumentError (a ValueError) naming the argument, before any launch."""
    if dropout_p != 0.0:
        raise ArgumentError(
            f"dropout_p={dropout_p!r}: dropout is not supported by FlashTile's attention yet; "
            "pass dropout_p=0.0"
        )
    _check_tensors(("q", "k", "v"), (q, k, v))
    batch, _, nheads, head_dim = q.shape
    for name, x in (("k", k), ("v", v)):
        if x.shape[0] != batch:
            raise ArgumentError(f"{name} has batch size {x.shape[0]} but q has {batch}")
    if k.shape[3] != head_dim:
        raise ArgumentError(f"k has head dimension {k.shape[3]} but q has {head_dim}")
    if v.shape[1] != k.shape[1]:
        raise ArgumentError(f"v has seqlen {v.shape[1]} but k has {k.shape[1]}")
    if v.shape[2] != k.shape[2]:
        raise ArgumentError(f"v has {v.shape[2]} heads but k has {k.shape[2]}")
    _check_head_ratio(nheads, k.shape[2])
    if not MIN_HEAD_DIM <= head_dim <= MAX_HEAD_DIM:
        raise ArgumentError(
            f"head dimension {head_dim} is not supported: flash_attn_func takes "
            f"{MIN_HEAD_DIM}..{MAX_HEAD_DIM}"
        )
    if not MIN_HEAD_DIM <= v.shape[3] <= MAX_HEAD_DIM:
        raise ArgumentError(f"v has head dimension {v.shape[3]}: flash_attn_func takes "
                            f"{MIN_HEAD_DIM}..{MAX_HEAD_DIM} (it may differ from q's and k's)")
    if batch * nheads > 65535:
        raise ArgumentError(
            f"batch * nheads = {batch * nheads} exceeds 65535 (one grid dimension); "
            "split the batch"
        )


class _Options(NamedTuple):
    """A checked variant on CUDA tensors: the kernels' flags and window
    sides, the ALiBi slopes (None: none) and their batch stride."""

    var: Variant
    alibi: Any
    stride_alibi_b: int


def _options(q: Any, k: Any, causal: Any, window_size: Any = (-1, -1), softcap: Any = 0.0,
             alibi_slopes: Any = None, batch: Optional[int] = None,
             seqlen_k: Optional[int] = None) -> _Options:
    """Checks flash-attn's variant arguments for checked 4-d q and k (of a
    packed batch of `batch` sequences: (1, total, nheads, headdim)); the
    keys' extent is k's, or `seqlen_k` (a KV cache's capacity)."""
    var = variant(causal, window_size, softcap, alibi_slopes is not None, q.shape[1],
                  k.shape[1] if seqlen_k is None else seqlen_k)
    if alibi_slopes is None:
        return _Options(var, None, 0)
    torch = _torch()
    batch, nheads = q.shape[0] if batch is None else batch, q.shape[2]
    if not isinstance(alibi_slopes, torch.Tensor) or alibi_slopes.dtype != torch.float32 \
            or alibi_slopes.device != q.device:
        raise ArgumentError(f"alibi_slopes must be a torch.float32 tensor on {q.device} (as "
                            f"flash-attn), got {_describe(alibi_slopes)}")
    per_batch = _alibi_per_batch(tuple(alibi_slopes.shape), batch, nheads)
    slopes = alibi_slopes if alibi_slopes.stride(-1) == 1 else alibi_slopes.contiguous()
    return _Options(var, slopes, slopes.stride(0) if per_batch else 0)


def _describe(x: Any) -> str:
    if hasattr(x, "dtype") and hasattr(x, "shape"):
        return f"{type(x).__name__} {x.dtype} of shape {tuple(x.shape)} on {getattr(x, 'device', '?')}"
    return type(x).__name__


def _last_dim_contiguous(x: Any) -> Any:
    return x if x.stride(-1) == 1 else x.contiguous()


def _strides(x: Any, packed: bool = False) -> Tuple[int, int, int]:
    """(batch, seq, head) strides in elements (the head dim is contiguous;
    batch 0 where `packed`, a varlen batch)."""
    return 0 if packed else x.stride(0), x.stride(1), x.stride(2)


def _padded(q: Any, k: Any, v: Any) -> _Batch:
    """The batch of checked 4-d q, k, v, with contiguous last dimensions."""
    q, k, v = (_last_dim_contiguous(x) for x in (q, k, v))
    no = _no_seqlens(q.device)
    return _Batch(q, k, v, no, no, q.shape[0], q.shape[1], k.shape[1], False)


def _scale(head_dim: int, softmax_scale: Optional[float]) -> float:
    if softmax_scale is None:
        return 1.0 / math.sqrt(head_dim)
    return float(softmax_scale)


def _tail(q: Any, k: Any, opts: _Options, softmax_scale: Optional[float]) -> List[Any]:
    """The kernels' arguments after the tensors' strides."""
    return _variant_args(opts.var, opts.stride_alibi_b, q.shape[2], q.shape[2] // k.shape[2],
                         q.shape[1], k.shape[1], _scale(q.shape[3], softmax_scale))


def _is_variant(q: Any, k: Any, opts: _Options) -> bool:
    return opts.var.is_variant(q.shape[2] // k.shape[2])


def _alibi_arg(q: Any, opts: _Options) -> Any:
    return opts.alibi if opts.alibi is not None else _no_lse(q.device)


def flash_attn_forward(q: Any, k: Any, v: Any, softmax_scale: Optional[float] = None,
                       causal: bool = False, out: Any = None, lse: Any = None,
                       window_size: Tuple[int, int] = (-1, -1), softcap: float = 0.0,
                       alibi_slopes: Any = None) -> Tuple[Any, Any]:
    """The forward launch on CUDA tensors: returns (out, lse). `out` (like q,
    any batch/seq/head strides) and `lse` ((batch, nheads, seqlen_q) float32,
    contiguous) may be given, e.g. poisoned by a test. No autograd."""
    if out is None and lse is None and alibi_slopes is None:
        result = _checked_forward(q, k, v, 0.0, softmax_scale, causal, check_scale=False,
                                  window_size=window_size, softcap=softcap)
        if result is not None:
            return result
    else:
        _check_qkv_cuda(q, k, v, 0.0)
    opts = _options(q, k, causal, window_size, softcap, alibi_slopes)
    return _forward(q, k, v, softmax_scale, opts, out, lse)


class _ForwardPlan(NamedTuple):
    """A checked forward launch over q, k, v of one layout (shapes, strides,
    dtypes, devices, 16-byte alignment) and variant, but the tensors: the
    compiled kernel, its device and grid, out's strides (out is
    torch.empty_like(q)), the shape of lse (None: not stored), the address
    of a dummy float32 word (L where lse is not stored; the ALiBi slopes,
    which take the full path) and the launch arguments after the six
    pointers (strides, nheads, seqlens, scale, window, softcap). Launched
    straight from flash_attn_func, past the @jit launcher: the plan's key
    holds everything the kernel's specialisation depends on."""

    native: Any
    index: int
    grid: Tuple[int, int, int]
    out_strides: Tuple[int, ...]
    lse_shape: Optional[Tuple[int, int, int]]
    dummy_ptr: int
    no_seqlens_ptr: int
    tail: List[Any]


#: Checked forward launches by _forward_key (cleared when it grows past
#: _MAX_FORWARD_PLANS layouts).
_FORWARD_PLANS: Dict[Tuple[Any, ...], _ForwardPlan] = {}
_MAX_FORWARD_PLANS = 1024
#: One zero word per (device, dtype name): a float32 one is passed as L where
#: the forward stores no lse (and as the ALiBi slopes where there are none),
#: an int32 one as cu_seqlens to a padded batch.
_DUMMY_WORDS: Dict[Tuple[int, str], Any] = {}


def _forward_key(q: Any, k: Any, v: Any, softmax_scale: Any, causal: Any,
                 check_scale: bool, need_lse: bool, window_size: Any,
                 softcap: Any) -> Optional[Tuple[Any, List[int]]]:
    """(key, [q, k, v addresses]): the key holds everything the checks of q,
    k, v (and of softmax_scale where `check_scale`, window_size and
    softcap) and the forward's specialisation and launch arguments but the
    pointers depend on (``flashtile._core.tensor_layout_key``: types,
    shapes, strides, dtypes, devices, 16-byte alignment). None where q, k or
    v is not a CUDA tensor; an unhashable argument raises TypeError on
    lookup. Either way the checks then run and report it."""
    return _native.core().tensor_layout_key(
        _torch().Tensor, (q, k, v), (type(softmax_scale), softmax_scale, causal, check_scale,
                                     need_lse, window_size, type(softcap), softcap))


def _dummy_word(device: Any, dtype: str) -> Any:
    key = (device.index or 0, dtype)
    found = _DUMMY_WORDS.get(key)
    if found is None:
        torch = _torch()
        found = _DUMMY_WORDS[key] = torch.zeros((1,), dtype=getattr(torch, dtype),
                                                device=device)
    return found


def _no_lse(device: Any) -> Any:
    return _dummy_word(device, "float32")


def _no_seqlens(device: Any) -> Any:
    return _dummy_word(device, "int32")


def _forward_plan(q: Any, k: Any, v: Any, out: Any, lse: Any,
                  softmax_scale: Optional[float], opts: _Options) -> _ForwardPlan:
    """Launches the forward on checked q, k, v with contiguous last
    dimensions into out and lse (None: not stored) through the autotuner and
    the @jit launcher, and returns the plan of later launches (for variants
    without ALiBi slopes)."""
    batch, seqlen_q, nheads, head_dim = q.shape
    fwd = tuner("attention_fwd", head_dim, _device_arch(q), _is_variant(q, k, opts))
    tail = [*_strides(q), *_strides(k), *_strides(v), *_strides(out),
            *_tail(q, k, opts, softmax_scale)]
    store_lse = lse is not None
    lse_arg = lse if store_lse else _no_lse(q.device)
    constexprs = dict(HEAD_DIM=head_dim, STORE_LSE=store_lse, VARLEN=False,
                      **opts.var.constexprs())
    no_seqlens = _no_seqlens(q.device)
    tensors = (q, k, v, out, lse_arg, _alibi_arg(q, opts), no_seqlens, no_seqlens)
    config = fwd.choose(*tensors, *tail, grid=_block_grid(seqlen_q, batch * nheads, "BLOCK_M"),
                        **constexprs)
    grid = (cdiv(seqlen_q, config.kwargs["BLOCK_M"]), batch * nheads, 1)
    compiled = fwd.fn[grid](*tensors, *tail, **constexprs, **config.all_kwargs())
    return _ForwardPlan(compiled.native, q.get_device(), grid, out.stride(),
                        (batch, nheads, seqlen_q) if store_lse else None,
                        _no_lse(q.device).data_ptr(), no_seqlens.data_ptr(), tail)


def _checked_forward(q: Any, k: Any, v: Any, dropout_p: float, softmax_scale: Any,
                     causal: Any, check_scale: bool, need_lse: bool = True,
                     window_size: Any = (-1, -1),
                     softcap: Any = 0.0) -> Optional[Tuple[Any, Any]]:
    """The checks of q, k, v (and of softmax_scale where `check_scale`, and
    of window_size and softcap), then the forward into new outputs: (out,
    lse; None unless `need_lse`), or None where q, k or v has a
    non-contiguous last dimension (the caller's full path copies it). A
    layout checked before launches from its cached plan; misuse raises
    ArgumentError naming the argument, before any launch. (ALiBi takes the
    full path.)"""
    if dropout_p != 0.0:
        _check_qkv_cuda(q, k, v, dropout_p)  # raises
    found = _forward_key(q, k, v, softmax_scale, causal, check_scale, need_lse, window_size,
                         softcap)
    key: Any = None if found is None else found[0]
    try:
        plan = _FORWARD_PLANS.get(key) if key is not None else None
    except TypeError:  # unhashable: checked below
        key = plan = None
    torch = _torch()
    if plan is not None:
        out = torch.empty_like(q)
        if out.stride() == plan.out_strides:
            if plan.lse_shape is None:
                lse, lse_ptr = None, plan.dummy_ptr
            else:
                lse = torch.empty(plan.lse_shape, dtype=torch.float32, device=q.device)
                lse_ptr = lse.data_ptr()
            launch_on_device(plan.native, plan.grid,
                             [*found[1], out.data_ptr(), lse_ptr, plan.dummy_ptr,
                              plan.no_seqlens_ptr, plan.no_seqlens_ptr, *plan.tail],
                             plan.index)
            return out, lse
    _check_qkv_cuda(q, k, v, dropout_p)
    if check_scale:
        _check_softmax_scale(softmax_scale)
    opts = _options(q, k, causal, window_size, softcap)
    if key is None or q.stride(-1) != 1 or k.stride(-1) != 1 or v.stride(-1) != 1 \
            or v.shape[3] != q.shape[3]:  # (a value head dim of its own: the full path)
        return None
    if len(_FORWARD_PLANS) >= _MAX_FORWARD_PLANS:
        _FORWARD_PLANS.clear()
    out = torch.empty_like(q)
    lse = (torch.empty((q.shape[0], q.shape[2], q.shape[1]), dtype=torch.float32,
                       device=q.device) if need_lse else None)
    _FORWARD_PLANS[key] = _forward_plan(q, k, v, out, lse, softmax_scale, opts)
    return out, lse


def _forward(q: Any, k: Any, v: Any, softmax_scale: Optional[float], opts: _Options,
             out: Any = None, lse: Any = None, batch: Optional[_Batch] = None) -> Tuple[Any, Any]:
    """The forward into out and lse (allocated where None) of padded q, k,
    v, or of `batch` (then q, k, v are its packed tensors, and out and lse
    are returned as (1, total_q, nheads, headdim) and (nheads, total_q))."""
    torch = _torch()
    b = batch or _padded(q, k, v)
    q, k, v = b.q, b.k, b.v
    nheads, head_dim, head_dim_v = q.shape[2], q.shape[3], v.shape[3]
    out_shape = (*q.shape[:3], head_dim_v)
    if out is None:
        out = torch.empty_like(q) if head_dim_v == head_dim else torch.empty(
            out_shape, dtype=q.dtype, device=q.device)
    if lse is None:
        lse = torch.empty(b.lse_shape(nheads), dtype=torch.float32, device=q.device)
    _check_output("out", out, out_shape, q.dtype, q.device)
    _check_output("lse", lse, b.lse_shape(nheads), torch.float32, q.device, contiguous=True)
    if b.max_q == 0:
        return out, lse
    tuner("attention_fwd", max(head_dim, head_dim_v), _device_arch(q), _is_variant(q, k, opts))[
        _block_grid(b.max_q, b.batch * nheads, "BLOCK_M")](
        q, k, v, out, lse, _alibi_arg(q, opts), b.cu_q, b.cu_k,
        *(s for x in (q, k, v, out) for s in _strides(x, b.packed)),
        *_tail(q, k, opts, softmax_scale),
        HEAD_DIM=head_dim, VARLEN=b.packed, **opts.var.constexprs(),
        **_value_dim(head_dim, head_dim_v),
    )
    return out, lse


def flash_attn_backward(dout: Any, q: Any, k: Any, v: Any, out: Any, lse: Any,
                        softmax_scale: Optional[float] = None, causal: bool = False,
                        dq: Any = None, dk: Any = None, dv: Any = None,
                        delta: Any = None, deterministic: bool = False,
                        window_size: Tuple[int, int] = (-1, -1), softcap: float = 0.0,
                        alibi_slopes: Any = None) -> Tuple[Any, Any, Any]:
    """The backward launches on CUDA tensors: returns (dq, dk, dv), each
    like its input. Outputs may be given preallocated. The preprocessing
    (delta), then dK/dV adding dQ with float32 atomics and a pass that
    scales and casts dQ; ``deterministic=True``: a separate dQ pass instead
    of atomics (bitwise reproducible)."""
    _check_qkv_cuda(q, k, v, 0.0)
    _check_tensors(("dout", "out"), (dout, out), ref_name="dout")
    opts = _options(q, k, causal, window_size, softcap, alibi_slopes)
    return _backward(dout, q, k, v, out, lse, softmax_scale, opts, dq, dk, dv, delta,
                     deterministic)


def _backward(dout: Any, q: Any, k: Any, v: Any, out: Any, lse: Any,
              softmax_scale: Optional[float], opts: _Options, dq: Any = None, dk: Any = None,
              dv: Any = None, delta: Any = None, deterministic: bool = False,
              batch: Optional[_Batch] = None) -> Tuple[Any, Any, Any]:
    """The backward of padded q, k, v, or of `batch` (q, k, v are then its
    packed (1, total, nheads, headdim) tensors, and so are dout, out and
    the gradients; lse and delta are (nheads, total_q))."""
    torch = _torch()
    out_shape = (*q.shape[:-1], v.shape[-1])  # q's, with v's head dim
    for name, x in (("dout", dout), ("out", out)):
        if tuple(x.shape) != out_shape or x.dtype != q.dtype or x.device != q.device:
            raise ArgumentError(f"{name} must have shape {out_shape} (q's, with v's head dim), "
                                f"q's dtype and device, got {tuple(x.shape)} {x.dtype} on "
                                f"{x.device}")
    b = batch or _padded(q, k, v)
    q, k, v = b.q, b.k, b.v
    out, dout = (_last_dim_contiguous(x) for x in (out, dout))
    _, total_q, nheads, head_dim = q.shape
    nheads_k, head_dim_v = k.shape[2], v.shape[3]
    tuned_dim = max(head_dim, head_dim_v)  # the candidates' BLOCK_D
    lse_shape = b.lse_shape(nheads)
    _check_output("lse", lse, lse_shape, torch.float32, q.device, contiguous=True)
    dq = torch.empty(q.shape, dtype=q.dtype, device=q.device) if dq is None else dq
    dk = torch.empty(k.shape, dtype=k.dtype, device=q.device) if dk is None else dk
    dv = torch.empty(v.shape, dtype=v.dtype, device=q.device) if dv is None else dv
    if delta is None:
        delta = torch.empty(lse_shape, dtype=torch.float32, device=q.device)
    for name, x, like in (("dq", dq, q), ("dk", dk, k), ("dv", dv, v)):
        _check_output(name, x, like.shape, like.dtype, q.device)
    _check_output("delta", delta, lse_shape, torch.float32, q.device, contiguous=True)
    if b.max_q == 0 or b.max_k == 0:  # nothing attends: zero gradients
        for x in (dq, dk, dv):
            x.zero_()
        return dq, dk, dv

    def strides(*xs: Any) -> List[int]:
        return [s for x in xs for s in _strides(x, b.packed)]

    arch = _device_arch(q)
    scale = _scale(head_dim, softmax_scale)
    common = dict(HEAD_DIM=head_dim, VARLEN=b.packed)
    variants = opts.var.constexprs()
    tail = _tail(q, k, opts, softmax_scale)
    alibi = _alibi_arg(q, opts)
    seqlens = (b.cu_q, b.cu_k)
    is_variant = _is_variant(q, k, opts)
    attention = kernels.load("attention")
    rows, rows_k = b.batch * nheads, b.batch * nheads_k
    small_m = preprocess_block_m(tuned_dim)
    attention.attention_bwd_preprocess[(cdiv(b.max_q, small_m), rows)](
        out, dout, delta, b.cu_q, *strides(out, dout), nheads, total_q,
        BLOCK_M=small_m, num_warps=4, num_stages=1, HEAD_DIM=head_dim_v, VARLEN=b.packed,
    )
    tuned = dict(common, **_value_dim(head_dim, head_dim_v))
    strides_qkvdo = strides(q, k, v, dout)
    # Packed batches take the separate dQ pass too: with VARLEN the fused
    # kernel's d64 candidates spill (test_ptxas).
    if backward_kernels(tuned_dim, deterministic, is_variant or b.packed, b.max_q) == (
            "attention_bwd_dkdv", "attention_bwd_dq"):
        no_dq = _no_lse(q.device)
        tuner("attention_bwd_dkdv", tuned_dim, arch, is_variant)[
            _block_grid(b.max_k, rows_k, "BLOCK_N")](
            q, k, v, dout, lse, delta, dk, dv, no_dq, alibi, *seqlens,
            *strides_qkvdo, *strides(dk, dv), 0, 0, 0, *tail,
            **variants, **tuned,
        )
        tuner("attention_bwd_dq", tuned_dim, arch, is_variant)[
            _block_grid(b.max_q, rows, "BLOCK_M")](
            q, k, v, dout, lse, delta, dq, alibi, *seqlens,
            *strides_qkvdo, *strides(dq), *tail,
            **variants, **tuned,
        )
    else:
        # dQ summed in float32 by the dK/dV programs' atomics, then scaled and cast.
        dqa = torch.zeros(q.shape, dtype=torch.float32, device=q.device)
        tuner("attention_bwd_dkdv_atomic", tuned_dim, arch)[
            _block_grid(b.max_k, rows_k, "BLOCK_N")](
            q, k, v, dout, lse, delta, dk, dv, dqa, alibi, *seqlens,
            *strides_qkvdo, *strides(dk, dv, dqa), *tail,
            **variants, **tuned,
        )
        attention.attention_bwd_dq_convert[(cdiv(b.max_q, small_m), rows)](
            dqa, dq, b.cu_q, *strides(dqa, dq), nheads, total_q, scale,
            BLOCK_M=small_m, num_warps=4, num_stages=1, **common,
        )
    return dq, dk, dv


def _check_output(name: str, x: Any, shape: Tuple[int, ...], dtype: Any, device: Any,
                  contiguous: bool = False) -> None:
    torch = _torch()
    if not isinstance(x, torch.Tensor) or tuple(x.shape) != tuple(shape) or x.dtype != dtype \
            or x.device != device:
        raise ArgumentError(f"{name} must be a {dtype} tensor of shape {tuple(shape)} on {device}")
    if x.stride(-1) != 1 or (contiguous and not x.is_contiguous()):
        raise ArgumentError(f"{name} must be " + ("contiguous" if contiguous
                                                   else "contiguous in its last dimension"))


_autograd_function: Any = None


def _flash_attn_function() -> Any:
    """The torch.autograd.Function, defined on first use (torch is optional)."""
    global _autograd_function
    if _autograd_function is None:
        torch = _torch()

        class FlashAttnFunc(torch.autograd.Function):
            @staticmethod
            def forward(ctx, q, k, v, softmax_scale, opts, deterministic, batch=None):
                # batch: a packed batch's cu_seqlens and lengths (q, k, v are its tensors).
                batch = None if batch is None else batch._replace(q=q, k=k, v=v)
                out, lse = _forward(q, k, v, softmax_scale, opts, batch=batch)
                ctx.save_for_backward(q, k, v, out, lse)
                ctx.softmax_scale = softmax_scale
                ctx.opts = opts
                ctx.deterministic = deterministic
                ctx.batch = batch
                ctx.mark_non_differentiable(lse)
                return out, lse

            @staticmethod
            def backward(ctx, dout, _dlse):
                q, k, v, out, lse = ctx.saved_tensors
                batch = None if ctx.batch is None else ctx.batch._replace(q=q, k=k, v=v)
                dq, dk, dv = _backward(dout, q, k, v, out, lse, ctx.softmax_scale, ctx.opts,
                                       deterministic=ctx.deterministic, batch=batch)
                return dq, dk, dv, None, None, None, None

        _autograd_function = FlashAttnFunc
    return _autograd_function


def flash_attn_func(q: Any, k: Any, v: Any, dropout_p: float = 0.0,
                    softmax_scale: Optional[float] = None, causal: bool = False,
                    window_size: Tuple[int, int] = (-1, -1), softcap: float = 0.0,
                    alibi_slopes: Any = None, deterministic: bool = False,
                    return_attn_probs: bool = False, *, return_lse: bool = False) -> Any:
    """FlashAttention on CUDA tensors with flash-attn 2.x's signature
    (positional order included). Not supported yet, and refused with
    ValueError naming the argument where not at its default: dropout_p,
    return_attn_probs.

    q: (batch, seqlen_q, nheads, headdim); k, v: (batch, seqlen_k,
    nheads_k, headdim) with nheads_k dividing nheads (MQA/GQA: query head h
    reads key/value head h // (nheads / nheads_k)); float16 or bfloat16 on
    one GPU; headdim 8..256 (any size: padded to a power of two inside the
    kernels); any seqlens; any batch/seq/head strides (a non-contiguous
    last dimension is copied). ``softmax_scale`` defaults to
    1/sqrt(headdim); ``causal`` masks bottom-right aligned; ``window_size``
    (left, right) keeps the keys j with i + seqlen_k - seqlen_q - left <= j
    <= i + seqlen_k - seqlen_q + right (-1: unbounded; causal sets right to
    0); ``softcap`` > 0 caps the scores at softcap * tanh(S / softcap);
    ``alibi_slopes`` (nheads,) or (batch, nheads) float32 subtracts slope *
    |i + seqlen_k - seqlen_q - j| from the scores. Returns out
    (torch.empty_like(q)), and with ``return_lse`` also lse, (batch,
    nheads, seqlen_q) float32 in natural log (+inf for rows that see no
    key). Differentiable in q, k and v: the backward pass runs the DSL
    backward kernels: by default dQ is summed with float32 atomics for head
    dims up to 64 in plain MHA from 4096 queries on (as in FlashAttention-2, so the last bits of dQ may differ
    from run to run; larger head dims use the separate pass, which measured
    faster there); ``deterministic=True`` always computes dQ in a separate
    pass, bitwise reproducible. Misuse raises ValueError
    (flashtile.ArgumentError) naming the argument, before any launch.
    """
    if return_attn_probs:
        raise ArgumentError("return_attn_probs=True is not supported yet (flashtile's "
                            "return_lse=True returns (out, lse))")
    torch = _torch()
    if _compiling(torch):  # torch.compile traces the custom ops (flashtile.torch_ops)
        from . import torch_ops

        _check_qkv_cuda(q, k, v, dropout_p)
        _check_softmax_scale(softmax_scale)
        out, lse = torch_ops.attention(q, k, v, softmax_scale,
                                       _options(q, k, causal, window_size, softcap, alibi_slopes),
                                       deterministic)
        return (out, lse) if return_lse else out
    if torch.is_grad_enabled() and (getattr(q, "requires_grad", False)
                                    or getattr(k, "requires_grad", False)
                                    or getattr(v, "requires_grad", False)):
        _check_qkv_cuda(q, k, v, dropout_p)
        _check_softmax_scale(softmax_scale)
        opts = _options(q, k, causal, window_size, softcap, alibi_slopes)
        out, lse = _flash_attn_function().apply(q, k, v, softmax_scale, opts,
                                                bool(deterministic))
    elif alibi_slopes is None:  # nothing to differentiate: the forward alone
        result = _checked_forward(q, k, v, dropout_p, softmax_scale, causal, check_scale=True,
                                  need_lse=return_lse, window_size=window_size,
                                  softcap=softcap)
        out, lse = result if result is not None else _forward(
            q, k, v, softmax_scale, _options(q, k, causal, window_size, softcap))
    else:
        _check_qkv_cuda(q, k, v, dropout_p)
        _check_softmax_scale(softmax_scale)
        out, lse = _forward(q, k, v, softmax_scale,
                            _options(q, k, causal, window_size, softcap, alibi_slopes))
    return (out, lse) if return_lse else out


def _compiling(torch: Any) -> bool:
    """Whether torch.compile is tracing the caller."""
    compiler = getattr(torch, "compiler", None)
    return compiler is not None and compiler.is_compiling()


def _check_softmax_scale(softmax_scale: Any) -> None:
    if softmax_scale is not None and not isinstance(softmax_scale, (int, float)):
        raise ArgumentError(f"softmax_scale must be a float or None, got {softmax_scale!r}")


def _check_packed(name: str, x: Any, axis: int, count: int, layout: str) -> None:
    """A packed tensor: rank axis + 3, `count` tensors stacked along `axis`."""
    if getattr(x, "dim", None) is None or x.dim() != axis + 3 or x.shape[axis] != count:
        raise ArgumentError(f"{name} must be a {layout} tensor, got "
                            f"{getattr(x, 'shape', type(x).__name__)}")


def flash_attn_qkvpacked_func(qkv: Any, dropout_p: float = 0.0,
                              softmax_scale: Optional[float] = None, causal: bool = False,
                              window_size: Tuple[int, int] = (-1, -1), softcap: float = 0.0,
                              alibi_slopes: Any = None, deterministic: bool = False,
                              return_attn_probs: bool = False, *,
                              return_lse: bool = False) -> Any:
    """flash-attn's ``flash_attn_qkvpacked_func``: qkv is (batch, seqlen, 3,
    nheads, headdim); the gradient flows back into qkv through its views."""
    _check_packed("qkv", qkv, 2, 3, "(batch, seqlen, 3, nheads, headdim)")
    return flash_attn_func(qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2], dropout_p, softmax_scale,
                           causal, window_size, softcap, alibi_slopes, deterministic,
                           return_attn_probs, return_lse=return_lse)


def flash_attn_kvpacked_func(q: Any, kv: Any, dropout_p: float = 0.0,
                             softmax_scale: Optional[float] = None, causal: bool = False,
                             window_size: Tuple[int, int] = (-1, -1), softcap: float = 0.0,
                             alibi_slopes: Any = None, deterministic: bool = False,
                             return_attn_probs: bool = False, *,
                             return_lse: bool = False) -> Any:
    """flash-attn's ``flash_attn_kvpacked_func``: q is (batch, seqlen_q,
    nheads, headdim), kv (batch, seqlen_k, 2, nheads, headdim)."""
    _check_packed("kv", kv, 2, 2, "(batch, seqlen_k, 2, nheads, headdim)")
    return flash_attn_func(q, kv[:, :, 0], kv[:, :, 1], dropout_p, softmax_scale, causal,
                           window_size, softcap, alibi_slopes, deterministic, return_attn_probs,
                           return_lse=return_lse)


# ---------------------------------------------------------------------------
# Packed (varlen) batches
# ---------------------------------------------------------------------------


def _check_cu_seqlens_cuda(name: str, cu: Any, device: Any) -> Any:
    torch = _torch()
    if not isinstance(cu, torch.Tensor) or cu.dtype != torch.int32 or cu.device != device \
            or cu.dim() != 1 or cu.shape[0] < 2:
        raise ArgumentError(f"{name} must be a 1-d torch.int32 tensor of batch + 1 offsets on "
                            f"{device}, got {_describe(cu)}")
    return cu if cu.stride(0) == 1 else cu.contiguous()


def _check_max_seqlen(name: str, value: Any) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
        raise ArgumentError(f"{name} must be an int >= 0 (the longest sequence), got {value!r}")
    return int(value)


def _varlen_batch(q: Any, k: Any, v: Any, cu_seqlens_q: Any, cu_seqlens_k: Any,
                  max_seqlen_q: Any, max_seqlen_k: Any, dropout_p: float) -> _Batch:
    """Checks a packed batch of CUDA tensors (q (total_q, nheads, headdim),
    k and v (total_k, nheads_k, headdim)) before any launch."""
    torch = _torch()
    for name, x in (("q", q), ("k", k), ("v", v)):
        if not isinstance(x, torch.Tensor) or x.dim() != 3:
            raise ArgumentError(f"{name} must be a 3-d tensor (total, nheads, headdim) in a "
                                f"packed batch, got {_describe(x)}")
    q4, k4, v4 = (_last_dim_contiguous(x).unsqueeze(0) for x in (q, k, v))
    _check_qkv_cuda(q4, k4, v4, dropout_p)
    cu_q = _check_cu_seqlens_cuda("cu_seqlens_q", cu_seqlens_q, q.device)
    cu_k = _check_cu_seqlens_cuda("cu_seqlens_k", cu_seqlens_k, q.device)
    if cu_q.shape[0] != cu_k.shape[0]:
        raise ArgumentError(f"cu_seqlens_q has {cu_q.shape[0] - 1} sequences but cu_seqlens_k "
                            f"{cu_k.shape[0] - 1}")
    batch = cu_q.shape[0] - 1
    if batch * q.shape[1] > 65535:
        raise ArgumentError(f"batch * nheads = {batch * q.shape[1]} exceeds 65535 (one grid "
                            "dimension); split the batch")
    return _Batch(q4, k4, v4, cu_q, cu_k, batch, _check_max_seqlen("max_seqlen_q", max_seqlen_q),
                  _check_max_seqlen("max_seqlen_k", max_seqlen_k), True)


def flash_attn_varlen_func(q: Any, k: Any, v: Any, cu_seqlens_q: Any, cu_seqlens_k: Any,
                           max_seqlen_q: int, max_seqlen_k: int, dropout_p: float = 0.0,
                           softmax_scale: Optional[float] = None, causal: bool = False,
                           window_size: Tuple[int, int] = (-1, -1), softcap: float = 0.0,
                           alibi_slopes: Any = None, deterministic: bool = False,
                           return_attn_probs: bool = False, block_table: Any = None, *,
                           return_lse: bool = False) -> Any:
    """flash-attn's ``flash_attn_varlen_func`` (positional order included):
    a packed batch, sequence b being tokens [cu_seqlens_q[b],
    cu_seqlens_q[b + 1]) of q (total_q, nheads, headdim) and [cu_seqlens_k[b],
    cu_seqlens_k[b + 1]) of k, v (total_k, nheads_k, headdim); cu_seqlens
    are torch.int32 on q's device, max_seqlen_q/k must be at least the
    longest sequence (as flash-attn, not checked against the device's
    offsets, which would cost a synchronisation: a shorter bound leaves the
    rows past it unwritten). Each sequence is attended on its own, causal
    and windows aligned bottom-right within it; the other arguments as
    :func:`flash_attn_func` (alibi_slopes (nheads,) or (batch, nheads)).
    Returns out (total_q, nheads, headdim), with ``return_lse`` also lse
    (nheads, total_q). Not supported yet (ValueError naming it): dropout_p,
    return_attn_probs, block_table (paged keys and values)."""
    if return_attn_probs:
        raise ArgumentError("return_attn_probs=True is not supported yet (flashtile's "
                            "return_lse=True returns (out, lse))")
    if block_table is not None:
        raise ArgumentError("block_table (a paged key/value cache) is not supported yet by "
                            "flash_attn_varlen_func; pass contiguous packed k and v")
    torch = _torch()
    batch = _varlen_batch(q, k, v, cu_seqlens_q, cu_seqlens_k, max_seqlen_q, max_seqlen_k,
                          dropout_p)
    _check_softmax_scale(softmax_scale)
    opts = _options(batch.q, batch.k, causal, window_size, softcap, alibi_slopes, batch.batch)
    if torch.is_grad_enabled() and any(getattr(x, "requires_grad", False) for x in (q, k, v)):
        out, lse = _flash_attn_function().apply(batch.q, batch.k, batch.v, softmax_scale, opts,
                                                bool(deterministic), batch)
    else:
        out, lse = _forward(batch.q, batch.k, batch.v, softmax_scale, opts, batch=batch)
    return (out[0], lse) if return_lse else out[0]


def flash_attn_varlen_qkvpacked_func(qkv: Any, cu_seqlens: Any, max_seqlen: int,
                                     dropout_p: float = 0.0,
                                     softmax_scale: Optional[float] = None, causal: bool = False,
                                     window_size: Tuple[int, int] = (-1, -1),
                                     softcap: float = 0.0, alibi_slopes: Any = None,
                                     deterministic: bool = False,
                                     return_attn_probs: bool = False, *,
                                     return_lse: bool = False) -> Any:
    """flash-attn's ``flash_attn_varlen_qkvpacked_func``: qkv is (total, 3,
    nheads, headdim), one cu_seqlens and max_seqlen for queries and keys."""
    _check_packed("qkv", qkv, 1, 3, "(total, 3, nheads, headdim)")
    return flash_attn_varlen_func(qkv[:, 0], qkv[:, 1], qkv[:, 2], cu_seqlens, cu_seqlens,
                                  max_seqlen, max_seqlen, dropout_p, softmax_scale, causal,
                                  window_size, softcap, alibi_slopes, deterministic,
                                  return_attn_probs, return_lse=return_lse)


def flash_attn_varlen_kvpacked_func(q: Any, kv: Any, cu_seqlens_q: Any, cu_seqlens_k: Any,
                                    max_seqlen_q: int, max_seqlen_k: int,
                                    dropout_p: float = 0.0,
                                    softmax_scale: Optional[float] = None, causal: bool = False,
                                    window_size: Tuple[int, int] = (-1, -1),
                                    softcap: float = 0.0, alibi_slopes: Any = None,
                                    deterministic: bool = False,
                                    return_attn_probs: bool = False, *,
                                    return_lse: bool = False) -> Any:
    """flash-attn's ``flash_attn_varlen_kvpacked_func``: kv is (total_k, 2,
    nheads_k, headdim)."""
    _check_packed("kv", kv, 1, 2, "(total_k, 2, nheads_k, headdim)")
    return flash_attn_varlen_func(q, kv[:, 0], kv[:, 1], cu_seqlens_q, cu_seqlens_k,
                                  max_seqlen_q, max_seqlen_k, dropout_p, softmax_scale, causal,
                                  window_size, softcap, alibi_slopes, deterministic,
                                  return_attn_probs, return_lse=return_lse)


# ---------------------------------------------------------------------------
# Decoding over a key/value cache: flash_attn_with_kvcache
# ---------------------------------------------------------------------------

#: Decode programs' query rows (mma.sync's 16) and keys per step.
KVCACHE_BLOCK_M, KVCACHE_BLOCK_N = 16, 64
#: Split-KV aims at this many programs (about two waves of an H100/H200).
KVCACHE_TARGET_PROGRAMS = 264
#: At most this many splits.
KVCACHE_MAX_SPLITS = 128


def _rank(x: Any) -> Optional[int]:
    """The number of dimensions of an array or tensor; None for anything else."""
    if _is_numpy(x):
        return x.ndim
    dim = getattr(x, "dim", None)
    return dim() if callable(dim) else None


def _is_numpy(x: Any) -> bool:
    return isinstance(x, np.ndarray)


def _strides_any(x: Any) -> Tuple[int, int, int]:
    """(dim 0, 1, 2) strides in elements of a numpy array or torch tensor."""
    if _is_numpy(x):
        return tuple(s // x.itemsize for s in x.strides[:3])  # type: ignore[return-value]
    return x.stride(0), x.stride(1), x.stride(2)


def kvcache_splits(batch: int, nheads: int, query_blocks: int, max_keys: int,
                   block_n: int, num_splits: int = 0) -> Tuple[int, int]:
    """(splits, keys per split, a multiple of block_n) for `max_keys` cached
    keys: `num_splits` if > 0, else enough to give about
    KVCACHE_TARGET_PROGRAMS programs (decoding one token per sequence has
    only batch x nheads of them otherwise)."""
    blocks = max(1, cdiv(max_keys, block_n))
    if num_splits <= 0:
        programs = batch * nheads * query_blocks
        num_splits = max(1, min(KVCACHE_MAX_SPLITS, cdiv(KVCACHE_TARGET_PROGRAMS, programs)))
    num_splits = min(num_splits, blocks)
    per_split = cdiv(blocks, num_splits)
    return cdiv(blocks, per_split), per_split * block_n


class _KVCache(NamedTuple):
    """A checked cache: its layout flags and what the kernels index it by."""

    paged: bool
    page_size: int
    capacity: int  # keys a batch entry can hold
    batch_index: Any  # int32 (batch,) or the dummy word
    block_table: Any  # int32 (batch, pages per entry) or the dummy word


def _check_kvcache(q: Any, k_cache: Any, v_cache: Any, k: Any, v: Any, cache_batch_idx: Any,
                   block_table: Any, dummy: Any) -> _KVCache:
    """Shapes of flash_attn_with_kvcache's q (batch, seqlen_q, nheads,
    headdim), k_cache/v_cache ((batch_cache, seqlen_cache, nheads_k,
    headdim), or with block_table (num_blocks, page_block_size, nheads_k,
    headdim)) and new k/v (batch, seqlen_new, nheads_k, headdim)."""
    for name, x in (("q", q), ("k_cache", k_cache), ("v_cache", v_cache)):
        if _rank(x) != 4:
            raise ArgumentError(f"{name} must be a 4-d array or tensor, got {_describe(x)}")
    batch, _, nheads, head_dim = q.shape
    if tuple(k_cache.shape) != tuple(v_cache.shape) or k_cache.shape[3] != head_dim:
        raise ArgumentError(f"k_cache {tuple(k_cache.shape)} and v_cache "
                            f"{tuple(v_cache.shape)} must have one shape, with q's head "
                            f"dimension {head_dim}")
    if k_cache.dtype != q.dtype or v_cache.dtype != q.dtype:
        raise ArgumentError("q, k_cache and v_cache must have one dtype")
    _check_head_ratio(nheads, k_cache.shape[2])
    if (k is None) != (v is None):
        raise ArgumentError("k and v (the new keys and values) go together")
    if k is not None:
        for name, x in (("k", k), ("v", v)):
            if _rank(x) != 4 or x.shape[0] != batch or \
                    tuple(x.shape[2:]) != tuple(k_cache.shape[2:]) or x.dtype != q.dtype:
                raise ArgumentError(f"{name} must be (batch {batch}, seqlen_new, "
                                    f"{k_cache.shape[2]}, {head_dim}) of q's dtype, got "
                                    f"{_describe(x)}")
        if k.shape[1] != v.shape[1]:
            raise ArgumentError(f"k has {k.shape[1]} new tokens but v {v.shape[1]}")
    if block_table is not None:
        if cache_batch_idx is not None:
            raise ArgumentError("cache_batch_idx and block_table do not go together (a paged "
                                "cache is indexed by block_table)")
        if _rank(block_table) != 2 or block_table.shape[0] != batch \
                or str(block_table.dtype) not in ("int32", "torch.int32"):
            raise ArgumentError(f"block_table must be an int32 (batch {batch}, pages) array, "
                                f"got {_describe(block_table)}")
        page_size = k_cache.shape[1]
        if page_size % 16:
            raise ArgumentError(f"the paged cache's page_block_size {page_size} must be a "
                                "multiple of 16")
        return _KVCache(True, page_size, block_table.shape[1] * page_size, dummy, block_table)
    if cache_batch_idx is not None:
        if _rank(cache_batch_idx) != 1 or cache_batch_idx.shape[0] != batch \
                or str(cache_batch_idx.dtype) not in ("int32", "torch.int32"):
            raise ArgumentError(f"cache_batch_idx must be an int32 ({batch},) array, got "
                                f"{_describe(cache_batch_idx)}")
        return _KVCache(False, 0, k_cache.shape[1], cache_batch_idx, dummy)
    if k_cache.shape[0] != batch:
        raise ArgumentError(f"k_cache has batch {k_cache.shape[0]} but q {batch} (pass "
                            "cache_batch_idx to pick entries)")
    return _KVCache(False, 0, k_cache.shape[1], dummy, dummy)


def kvcache_rows(head_dim: int) -> int:
    """Rows per program of the elementwise kvcache_append and rotary_embed:
    16 up to head dim 64, fewer above (registers: 16 x 256 tiles of the
    rotary's five operands spill; test_ptxas)."""
    return max(4, KVCACHE_BLOCK_M * 64 // max(64, block_d(head_dim)))


def kvcache_block_n(head_dim: int, page_size: int = 0) -> int:
    """Keys per step of attention_kvcache: KVCACHE_BLOCK_N, halved above head
    dim 128 (spill-free: test_ptxas), and in a paged cache a power of two
    dividing the page."""
    block = KVCACHE_BLOCK_N if block_d(head_dim) <= 128 else KVCACHE_BLOCK_N // 2
    while page_size and page_size % block:
        block //= 2
    return block


class _Rotary(NamedTuple):
    """Checked rotary_cos/rotary_sin ((seqlen_ro, rotary_dim / 2))."""

    cos: Any
    sin: Any
    dim: int
    interleaved: bool


def _check_rotary(rotary_cos: Any, rotary_sin: Any, interleaved: Any,
                  head_dim: int) -> Optional[_Rotary]:
    if rotary_cos is None and rotary_sin is None:
        return None
    if rotary_cos is None or rotary_sin is None:
        raise ArgumentError("rotary_cos and rotary_sin go together")
    if _rank(rotary_cos) != 2 or tuple(rotary_cos.shape) != tuple(rotary_sin.shape) \
            or rotary_cos.dtype != rotary_sin.dtype:
        raise ArgumentError(f"rotary_cos and rotary_sin must be 2-d (seqlen_ro, rotary_dim / 2) "
                            f"of one shape and dtype, got {_describe(rotary_cos)} and "
                            f"{_describe(rotary_sin)}")
    dim = 2 * rotary_cos.shape[1]
    if not 0 < dim <= head_dim:
        raise ArgumentError(f"rotary_dim = 2 * rotary_cos.shape[1] = {dim} must be in 1.."
                            f"headdim ({head_dim})")
    if not isinstance(interleaved, bool):
        raise ArgumentError(f"rotary_interleaved must be a bool, got {interleaved!r}")
    return _Rotary(rotary_cos, rotary_sin, dim, interleaved)


def _run_kvcache(q: Any, k_cache: Any, v_cache: Any, k: Any, v: Any, seqlens: Any,
                 cache: _KVCache, softmax_scale: Optional[float], var: Variant, alibi: Any,
                 stride_alibi_b: int, num_splits: int, empty: Any, dummy: Any,
                 rotary: Optional[_Rotary] = None) -> Tuple[Any, Any]:
    """Appends k, v into the cache (kvcache_append; k turned by the rotary
    embedding, and q too, by rotary_embed, where given), then attends q to
    it (attention_kvcache over the splits, attention_combine); numpy arrays
    or torch tensors alike. `seqlens`: the cached tokens per entry before
    the append (int32); `empty(shape, dtype_name)` allocates."""
    attention = kernels.load("attention")
    batch, seqlen_q, nheads, head_dim = q.shape
    nheads_k = k_cache.shape[2]
    flags = dict(BATCH_INDEX=cache.batch_index is not dummy, PAGED=cache.paged,
                 PAGE_SIZE=cache.page_size or 256)
    table_stride = cache.block_table.shape[1] if cache.paged else 0
    cos, sin = (rotary.cos, rotary.sin) if rotary else (dummy, dummy)
    rotary_args = (rotary.cos.shape[1] if rotary else 0, rotary.dim if rotary else 0)
    if rotary is not None and seqlen_q > 0:
        # flash-attn's positions: cache_seqlens[b] + i, or cache_seqlens[b] for
        # every query where neither causal nor a window orders them.
        turned = empty(tuple(q.shape), None)
        rows = kvcache_rows(head_dim)
        attention.rotary_embed[(cdiv(seqlen_q, rows), batch * nheads)](
            q, turned, cos, sin, seqlens, *_strides_any(q), *_strides_any(turned),
            rotary_args[0], nheads, seqlen_q, rotary_args[1], HEAD_DIM=head_dim,
            BLOCK_M=rows, INTERLEAVED=rotary.interleaved,
            SAME_POSITION=not (var.causal or var.window))
        q = turned
    seqlen_k = seqlens
    if k is not None and k.shape[1] > 0:
        new = k.shape[1]
        rows = kvcache_rows(head_dim)
        grid = (cdiv(new, rows), batch * nheads_k)
        for source, target, turn in ((k, k_cache, rotary is not None), (v, v_cache, False)):
            attention.kvcache_append[grid](
                source, target, seqlens, cache.batch_index, cache.block_table, cos, sin,
                *_strides_any(source), *_strides_any(target), table_stride, rotary_args[0],
                nheads_k, new, rotary_args[1],
                HEAD_DIM=head_dim, BLOCK_M=rows, ROTARY=turn,
                INTERLEAVED=bool(rotary and rotary.interleaved), **flags)
        seqlen_k = seqlens + new
    block_n = kvcache_block_n(head_dim, cache.page_size)
    block_m = KVCACHE_BLOCK_M
    query_blocks = cdiv(seqlen_q, block_m)
    splits, split_len = kvcache_splits(batch, nheads, query_blocks, cache.capacity, block_n,
                                       num_splits)
    partial_o = empty((splits, batch, seqlen_q, nheads, head_dim), "float32")
    partial_lse = empty((splits, batch, nheads, seqlen_q), "float32")
    out = empty(tuple(q.shape), None)
    lse = empty((batch, nheads, seqlen_q), "float32")
    # (split, batch, row, head) strides of the contiguous partial outputs; LP's split stride
    op_strides = [batch * seqlen_q * nheads * head_dim, seqlen_q * nheads * head_dim,
                  nheads * head_dim, head_dim, batch * nheads * seqlen_q]
    tail = [stride_alibi_b, nheads, nheads // nheads_k, seqlen_q, split_len,
            _scale(head_dim, softmax_scale), var.window_left, var.window_right, var.softcap]
    if seqlen_q > 0:
        attention.attention_kvcache[(query_blocks, batch * nheads, splits)](
            q, k_cache, v_cache, partial_o, partial_lse, alibi, seqlen_k, cache.batch_index,
            cache.block_table, *_strides_any(q), *_strides_any(k_cache),
            *_strides_any(v_cache), *op_strides, table_stride, *tail,
            HEAD_DIM=head_dim, BLOCK_M=block_m, BLOCK_N=block_n, **var.constexprs(), **flags)
        attention.attention_combine[(query_blocks, batch * nheads)](
            partial_o, partial_lse, out, lse, *op_strides, *_strides_any(out), nheads,
            seqlen_q, splits, HEAD_DIM=head_dim, BLOCK_M=block_m)
    return out, lse


def _cache_seqlens(cache_seqlens: Any, batch: int, cache: _KVCache, full: Any) -> Any:
    """cache_seqlens as an int32 (batch,) array or tensor: an int is every
    entry's; None means full (not for a paged cache). `full(n)` makes one."""
    if cache_seqlens is None:
        if cache.paged:
            raise ArgumentError("cache_seqlens is required with block_table (a paged cache)")
        return full(cache.capacity)
    if isinstance(cache_seqlens, numbers.Integral) and not isinstance(cache_seqlens, bool):
        if not 0 <= cache_seqlens <= cache.capacity:
            raise ArgumentError(f"cache_seqlens={cache_seqlens} is outside the cache's 0.."
                                f"{cache.capacity} tokens")
        return full(int(cache_seqlens))
    if _rank(cache_seqlens) != 1 or cache_seqlens.shape[0] != batch \
            or str(cache_seqlens.dtype) not in ("int32", "torch.int32"):
        raise ArgumentError(f"cache_seqlens must be an int or an int32 ({batch},) array, got "
                            f"{_describe(cache_seqlens)}")
    return cache_seqlens


def _refuse_unsupported_kvcache(cache_leftpad: Any, num_splits: Any) -> None:
    if cache_leftpad is not None:
        raise ArgumentError("cache_leftpad is not supported yet")
    if not isinstance(num_splits, numbers.Integral) or isinstance(num_splits, bool) \
            or num_splits < 0:
        raise ArgumentError(f"num_splits must be an int >= 0 (0: chosen), got {num_splits!r}")


def attention_with_kvcache(q: np.ndarray, k_cache: np.ndarray, v_cache: np.ndarray,
                           k: Optional[np.ndarray] = None, v: Optional[np.ndarray] = None,
                           cache_seqlens: Any = None, cache_batch_idx: Any = None,
                           block_table: Any = None, softmax_scale: Optional[float] = None,
                           causal: bool = False, window_size: Tuple[int, int] = (-1, -1),
                           softcap: float = 0.0, alibi_slopes: Any = None,
                           num_splits: int = 0, rotary_cos: Any = None,
                           rotary_sin: Any = None,
                           rotary_interleaved: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """flash_attn_with_kvcache on the CPU executor (numpy arrays): appends k,
    v (if given) into the caches in place after cache_seqlens[b] tokens,
    then attends q to the cache_seqlens[b] (+ new) cached keys of each
    entry, causal and windows aligned bottom-right; rotary_cos/rotary_sin
    as flash_attn_with_kvcache's. Returns (out, lse), lse (batch, nheads,
    seqlen_q)."""
    _refuse_unsupported_kvcache(None, num_splits)
    for name, x in (("q", q), ("k_cache", k_cache), ("v_cache", v_cache), ("k", k), ("v", v)):
        if x is not None and not isinstance(x, np.ndarray):
            raise ArgumentError(f"{name} must be a numpy array, got {_describe(x)}")
    cache = _check_kvcache(q, k_cache, v_cache, k, v, cache_batch_idx, block_table,
                           _NO_SEQLENS)
    batch, seqlen_q, nheads, _ = q.shape
    seqlens = _cache_seqlens(cache_seqlens, batch, cache,
                             lambda n: np.full(batch, n, dtype=np.int32))
    var = variant(causal, window_size, softcap, alibi_slopes is not None, seqlen_q,
                  cache.capacity)
    slopes, stride_alibi_b = _alibi_array(alibi_slopes, batch, nheads)

    def empty(shape: Tuple[int, ...], dtype: Optional[str]) -> np.ndarray:
        return np.zeros(shape, dtype=q.dtype if dtype is None else dtype)

    rotary = _check_rotary(rotary_cos, rotary_sin, rotary_interleaved, q.shape[3])
    return _run_kvcache(q, k_cache, v_cache, k, v, seqlens, cache, softmax_scale, var, slopes,
                        stride_alibi_b, num_splits, empty, _NO_SEQLENS, rotary)


def flash_attn_with_kvcache(q: Any, k_cache: Any, v_cache: Any, k: Any = None, v: Any = None,
                            rotary_cos: Any = None, rotary_sin: Any = None,
                            cache_seqlens: Any = None, cache_batch_idx: Any = None,
                            cache_leftpad: Any = None, block_table: Any = None,
                            softmax_scale: Optional[float] = None, causal: bool = False,
                            window_size: Tuple[int, int] = (-1, -1), softcap: float = 0.0,
                            rotary_interleaved: bool = True, alibi_slopes: Any = None,
                            num_splits: int = 0, return_softmax_lse: bool = False) -> Any:
    """flash-attn's ``flash_attn_with_kvcache`` (positional order included)
    on CUDA tensors: q (batch, seqlen_q, nheads, headdim); k_cache, v_cache
    (batch_cache, seqlen_cache, nheads_k, headdim), or paged (num_blocks,
    page_block_size, nheads_k, headdim) with block_table (batch, pages)
    int32; new k, v (batch, seqlen_new, nheads_k, headdim) are written into
    the caches in place after cache_seqlens[b] tokens (an int or (batch,)
    int32; None: full, not paged) before q attends to the cache_seqlens[b]
    + seqlen_new keys of entry b (cache_batch_idx[b] with cache_batch_idx).
    Split-KV: the keys are shared among num_splits programs per query block
    (0: enough for about two waves of the GPU) and attention_combine merges
    their partial results. causal/window_size align bottom-right per entry;
    softcap, alibi_slopes, softmax_scale as flash_attn_func's. rotary_cos,
    rotary_sin ((seqlen_ro, rotary_dim / 2)): the new keys are turned at
    positions cache_seqlens[b] + i before they are stored, and q at the
    same positions (causal or a window) or all at cache_seqlens[b] (as
    flash-attn); rotary_interleaved pairs x[2j], x[2j+1] (else x[j],
    x[j + rotary_dim/2]). Returns out (like q), with return_softmax_lse
    (out, lse (batch, nheads, seqlen_q)). No autograd (as flash-attn). Not
    supported yet, a ValueError naming it: cache_leftpad. cache_seqlens (+
    new) must not exceed the cache, nor positions seqlen_ro (not checked on
    the device: a synchronisation)."""
    _refuse_unsupported_kvcache(cache_leftpad, num_splits)
    torch = _torch()
    _check_tensors(("q", "k_cache", "v_cache"), (q, k_cache, v_cache))
    if k is not None or v is not None:
        _check_tensors(("q", "k", "v"), (q, k, v))
    cache = _check_kvcache(q, k_cache, v_cache, k, v, cache_batch_idx, block_table,
                           _no_seqlens(q.device))
    for name, x in (("cache_seqlens", cache_seqlens), ("cache_batch_idx", cache_batch_idx),
                    ("block_table", block_table)):
        if isinstance(x, torch.Tensor) and x.device != q.device:
            raise ArgumentError(f"{name} is on {x.device} but q is on {q.device}")
    batch, _, nheads, head_dim = q.shape
    if not MIN_HEAD_DIM <= head_dim <= MAX_HEAD_DIM:
        raise ArgumentError(f"head dimension {head_dim} is not supported: "
                            f"{MIN_HEAD_DIM}..{MAX_HEAD_DIM}")
    if batch * nheads > 65535:
        raise ArgumentError(f"batch * nheads = {batch * nheads} exceeds 65535")
    _check_softmax_scale(softmax_scale)
    seqlens = _cache_seqlens(cache_seqlens, batch, cache, lambda n: torch.full(
        (batch,), n, dtype=torch.int32, device=q.device))
    opts = _options(q, q, causal, window_size, softcap, alibi_slopes,
                    seqlen_k=cache.capacity)

    def empty(shape: Tuple[int, ...], dtype: Optional[str]) -> Any:
        return torch.empty(shape, dtype=q.dtype if dtype is None else torch.float32,
                           device=q.device)

    rotary = _check_rotary(rotary_cos, rotary_sin, rotary_interleaved, head_dim)
    if rotary is not None:
        for name, x in (("rotary_cos", rotary_cos), ("rotary_sin", rotary_sin)):
            if x.device != q.device or x.stride(-1) != 1:
                raise ArgumentError(f"{name} must be on {q.device}, contiguous in its last "
                                    "dimension")
    q, k, v = (None if x is None else _last_dim_contiguous(x) for x in (q, k, v))
    out, lse = _run_kvcache(q, k_cache, v_cache, k, v, seqlens, cache, softmax_scale, opts.var,
                            _alibi_arg(q, opts), opts.stride_alibi_b, num_splits, empty,
                            _no_seqlens(q.device), rotary)
    return (out, lse) if return_softmax_lse else out
