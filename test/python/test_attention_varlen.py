"""Packed (varlen) batches on the CPU executor: kernels/attention.py with
VARLEN against float64 attention of each sequence on its own
(flashtile.reference.varlen), under flash-attn's bar (see test_attention)."""

import numpy as np
import pytest

from flashtile import reference as R
from flashtile.attention import attention_backward, attention_forward

#: Sequence lengths (queries, keys) of one packed batch: ragged, one longer
#: than the blocks, keys shorter than queries (rows that see no key when
#: causal), and a sequence without queries.
LENGTHS = [(37, 50), (5, 5), (70, 21), (0, 9), (16, 40)]


def packed(lengths, nheads, nheads_k, head_dim, dtype, seed):
    rng = np.random.default_rng(seed)
    cu_q = np.concatenate([[0], np.cumsum([lq for lq, _ in lengths])]).astype(np.int32)
    cu_k = np.concatenate([[0], np.cumsum([lk for _, lk in lengths])]).astype(np.int32)
    q = rng.standard_normal((cu_q[-1], nheads, head_dim)).astype(dtype)
    k = rng.standard_normal((cu_k[-1], nheads_k, head_dim)).astype(dtype)
    v = rng.standard_normal((cu_k[-1], nheads_k, head_dim)).astype(dtype)
    do = rng.standard_normal(q.shape).astype(dtype)
    return cu_q, cu_k, q, k, v, do


def check_varlen(lengths, nheads=2, nheads_k=2, head_dim=32, dtype=np.float16, causal=False,
                 deterministic=True, seed=0, **variant):
    cu_q, cu_k, q, k, v, do = packed(lengths, nheads, nheads_k, head_dim, dtype, seed)
    seqlens = dict(cu_seqlens_q=cu_q, cu_seqlens_k=cu_k)
    out, lse = attention_forward(q, k, v, causal=causal, block_m=16, block_n=16, **seqlens,
                                 **variant)
    assert out.shape == q.shape and lse.shape == (nheads, q.shape[0])
    ref = R.varlen(R.attention_ref, cu_q, cu_k, q, k, v, causal=causal, **variant)
    low = R.varlen(R.attention_lowprec, cu_q, cu_k, q, k, v, causal=causal, **variant)
    checks = [R.check_close("O", out, ref[0], low[0]), R.check_close("L", lse, ref[1], low[1])]
    grads = attention_backward(do, q, k, v, out, lse, causal=causal, block_m=16, block_n=16,
                               deterministic=deterministic, **seqlens, **variant)
    refs = R.varlen(R.attention_bwd_ref, cu_q, cu_k, q, k, v, do=do, causal=causal, **variant)
    lows = R.varlen(R.attention_bwd_lowprec, cu_q, cu_k, q, k, v, do=do, causal=causal,
                    **variant)
    for name, ours, ref64, lowprec, like in zip(("dQ", "dK", "dV"), grads, refs, lows, (q, k, v)):
        assert ours.shape == like.shape and ours.dtype == like.dtype
        checks.append(R.check_close(name, ours, ref64, lowprec, R.gradient_magnitude(refs)))
    failed = [str(c) for c in checks if not c.ok]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("deterministic", [True, False])
def test_packed_batch_matches_each_sequence_alone(causal, deterministic):
    check_varlen(LENGTHS, causal=causal, deterministic=deterministic, seed=int(causal))


def test_packed_gqa_window_softcap_and_per_sequence_alibi():
    slopes = np.random.default_rng(3).uniform(0.1, 1.0, (len(LENGTHS), 4)).astype(np.float32)
    check_varlen(LENGTHS, nheads=4, nheads_k=2, head_dim=48, window_size=(12, 3), softcap=4.0,
                 alibi_slopes=slopes, deterministic=False, seed=3)


def test_one_sequence_packed_equals_the_padded_batch():
    cu_q, cu_k, q, k, v, _ = packed([(45, 45)], 2, 2, 32, np.float16, seed=4)
    out, lse = attention_forward(q, k, v, causal=True, cu_seqlens_q=cu_q, cu_seqlens_k=cu_k)
    dense_out, dense_lse = attention_forward(q[None], k[None], v[None], causal=True)
    np.testing.assert_array_equal(out, dense_out[0])
    np.testing.assert_array_equal(lse, dense_lse[0])


def test_rows_of_a_sequence_that_sees_no_key_are_zero():
    # Sequence 2 has 70 queries and 21 keys: causal, its first 49 see none.
    cu_q, cu_k, q, k, v, _ = packed(LENGTHS, 1, 1, 16, np.float16, seed=5)
    out, lse = attention_forward(q, k, v, causal=True, cu_seqlens_q=cu_q, cu_seqlens_k=cu_k)
    first = cu_q[2]
    assert np.all(out[first:first + 49] == 0) and np.all(np.isinf(lse[0, first:first + 49]))
    assert np.all(np.isfinite(lse[0, first + 49:cu_q[3]]))


@pytest.mark.parametrize("kwargs,message", [
    (dict(cu_seqlens_q=np.array([0, 5, 3], np.int32)), "cu_seqlens_q must rise from 0"),
    (dict(cu_seqlens_q=np.array([0, 4], np.int32)), r"packed length 8"),
    (dict(cu_seqlens_q=np.array([[0, 8]], np.int32)), "cu_seqlens_q must be a 1-d integer"),
    (dict(cu_seqlens_q=np.array([0.0, 8.0])), "cu_seqlens_q must be a 1-d integer"),
    (dict(cu_seqlens_k=np.array([0, 2, 8], np.int32)), "cu_seqlens_q has 1 sequences but cu_seqlens_k 2"),
    (dict(cu_seqlens_k=None), "cu_seqlens_q and cu_seqlens_k go together"),
    (dict(max_seqlen_q=4), r"max_seqlen_q must be an int >= the longest sequence \(8\)"),
])
def test_packed_batch_errors_name_the_argument(kwargs, message):
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((8, 1, 16)).astype(np.float16) for _ in range(3))
    args = dict(cu_seqlens_q=np.array([0, 8], np.int32), cu_seqlens_k=np.array([0, 8], np.int32))
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        attention_forward(q, k, v, **args)
