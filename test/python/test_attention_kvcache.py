"""flash_attn_with_kvcache's path on the CPU executor
(flashtile.attention.attention_with_kvcache): new keys and values appended
into contiguous or paged caches in place, split-KV with the combine kernel,
against float64 attention over each entry's cached keys (the bar of
test_attention)."""

import numpy as np
import pytest

from flashtile import reference as R
from flashtile.attention import attention_with_kvcache, kvcache_splits

BATCH, NHEADS, HEAD_DIM = 3, 4, 32


def inputs(seqlen_q, nheads_k, capacity, seqlen_new, seed, cache_batch=BATCH):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((BATCH, seqlen_q, NHEADS, HEAD_DIM)).astype(np.float16)
    caches = [rng.standard_normal((cache_batch, capacity, nheads_k, HEAD_DIM)).astype(np.float16)
              for _ in range(2)]
    new = [rng.standard_normal((BATCH, seqlen_new, nheads_k, HEAD_DIM)).astype(np.float16)
           for _ in range(2)] if seqlen_new else [None, None]
    return q, caches, new


def expected(q, k_full, v_full, lengths, **variant):
    """Per entry: attention of q over its first lengths[b] cached keys."""
    outs, lses = [], []
    for b, n in enumerate(lengths):
        args = (q[b:b + 1], k_full[b:b + 1, :n], v_full[b:b + 1, :n])
        outs.append((R.attention_ref(*args, **variant), R.attention_lowprec(*args, **variant)))
    ref = (np.concatenate([o[0][0] for o in outs]), np.concatenate([o[0][1] for o in outs]))
    low = (np.concatenate([o[1][0] for o in outs]), np.concatenate([o[1][1] for o in outs]))
    return ref, low


def assert_within_bar(out, lse, ref, low):
    checks = [R.check_close("O", out, ref[0], low[0]), R.check_close("L", lse, ref[1], low[1])]
    failed = [str(c) for c in checks if not c.ok]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("seqlen_q", [1, 5])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("num_splits", [1, 3, 0])
@pytest.mark.parametrize("nheads_k", [4, 1])
def test_append_then_attend(seqlen_q, causal, num_splits, nheads_k):
    q, (k_cache, v_cache), (k, v) = inputs(seqlen_q, nheads_k, 300, 7, seed=seqlen_q + nheads_k)
    seqlens = np.array([100, 0, 250], np.int32)
    before_k = k_cache.copy()
    out, lse = attention_with_kvcache(q, k_cache, v_cache, k, v, cache_seqlens=seqlens,
                                      causal=causal, num_splits=num_splits)
    for b, n in enumerate(seqlens):  # appended in place after each entry's tokens
        np.testing.assert_array_equal(k_cache[b, n:n + 7], k[b])
        np.testing.assert_array_equal(k_cache[b, :n], before_k[b, :n])
        np.testing.assert_array_equal(k_cache[b, n + 7:], before_k[b, n + 7:])
    ref, low = expected(q, k_cache, v_cache, seqlens + 7, causal=causal)
    assert_within_bar(out, lse, ref, low)


def test_cache_batch_idx_picks_entries_and_int_seqlens():
    q, (k_cache, v_cache), _ = inputs(2, 2, 130, 0, seed=3, cache_batch=5)
    index = np.array([4, 0, 2], np.int32)
    out, lse = attention_with_kvcache(q, k_cache, v_cache, cache_seqlens=90,
                                      cache_batch_idx=index, window_size=(40, 0),
                                      softcap=5.0)
    ref, low = expected(q, k_cache[index], v_cache[index], [90] * BATCH, window_size=(40, 0),
                        softcap=5.0)
    assert_within_bar(out, lse, ref, low)


@pytest.mark.parametrize("page_size", [16, 64, 96])
def test_paged_cache_through_a_block_table(page_size):
    q, _, (k, v) = inputs(1, 2, 0, 3, seed=page_size)
    rng = np.random.default_rng(page_size)
    pages_per_entry = 6
    pages = BATCH * pages_per_entry + 2
    k_pages, v_pages = (rng.standard_normal((pages, page_size, 2, HEAD_DIM)).astype(np.float16)
                        for _ in range(2))
    table = rng.permutation(pages)[:BATCH * pages_per_entry].reshape(BATCH, -1).astype(np.int32)
    seqlens = np.array([page_size * 2 + 5, 1, page_size * 5], np.int32)
    out, lse = attention_with_kvcache(q, k_pages, v_pages, k, v, cache_seqlens=seqlens,
                                      block_table=table, causal=True, num_splits=2)
    # The entries' caches, contiguous: page table[b, i] holds tokens i * page_size...
    k_full, v_full = (x[table].reshape(BATCH, -1, 2, HEAD_DIM) for x in (k_pages, v_pages))
    for b, n in enumerate(seqlens):
        np.testing.assert_array_equal(k_full[b, n:n + 3], k[b])
    ref, low = expected(q, k_full, v_full, seqlens + 3, causal=True)
    assert_within_bar(out, lse, ref, low)


def test_an_empty_entry_gives_zeros_and_infinite_lse():
    q, (k_cache, v_cache), _ = inputs(1, 4, 64, 0, seed=1)
    out, lse = attention_with_kvcache(q, k_cache, v_cache, cache_seqlens=np.array(
        [0, 10, 64], np.int32), num_splits=4)
    assert np.all(out[0] == 0) and np.all(np.isinf(lse[0])) and np.all(lse[0] > 0)
    assert np.all(np.isfinite(lse[1:]))


def test_split_heuristic_fills_the_gpu_and_covers_the_keys():
    splits, per_split = kvcache_splits(1, 8, 1, 128 * 1024, 64)
    assert splits * 8 >= 200 and splits * per_split >= 128 * 1024 and per_split % 64 == 0
    assert kvcache_splits(64, 32, 1, 4096, 64) == (1, 4096)  # enough programs already
    assert kvcache_splits(1, 1, 1, 100, 64, num_splits=8) == (2, 64)  # no more than blocks


@pytest.mark.parametrize("kwargs,message", [
    (dict(cache_seqlens=np.array([1, 2], np.int32)), r"cache_seqlens must be an int or an int32 \(3,\)"),
    (dict(cache_seqlens=500), "outside the cache's 0..64"),
    (dict(k="only"), "k and v .* go together"),
    (dict(block_table=np.zeros((3, 2), np.int64)), "block_table must be an int32"),
    (dict(cache_batch_idx=np.zeros(3, np.int32), block_table=np.zeros((3, 2), np.int32)),
     "cache_batch_idx and block_table do not go together"),
    (dict(num_splits=-1), "num_splits must be an int >= 0"),
])
def test_kvcache_errors_name_the_argument(kwargs, message):
    q, (k_cache, v_cache), (k, _) = inputs(1, 4, 64, 2, seed=0)
    if kwargs.get("k") == "only":
        kwargs["k"] = k
    with pytest.raises(ValueError, match=message):
        attention_with_kvcache(q, k_cache, v_cache, **kwargs)


def rotate(x, cos, sin, positions, interleaved):
    """The rotary embedding in float64: x (seqlen, heads, headdim) at
    positions (seqlen,), over the first 2 * cos.shape[1] dims."""
    x = x.astype(np.float64)
    half = cos.shape[1]
    c, s = cos[positions][:, None, :].astype(np.float64), sin[positions][:, None, :].astype(np.float64)
    out = x.copy()
    if interleaved:
        x0, x1 = x[..., 0:2 * half:2], x[..., 1:2 * half:2]
        out[..., 0:2 * half:2], out[..., 1:2 * half:2] = x0 * c - x1 * s, x0 * s + x1 * c
    else:
        x0, x1 = x[..., :half], x[..., half:2 * half]
        out[..., :half], out[..., half:2 * half] = x0 * c - x1 * s, x0 * s + x1 * c
    return out


@pytest.mark.parametrize("interleaved", [True, False])
@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("rotary_dim", [32, 16])
def test_rotary_turns_new_keys_and_queries(interleaved, causal, rotary_dim):
    seqlen_q, new = 3, 3
    q, (k_cache, v_cache), (k, v) = inputs(seqlen_q, 2, 200, new, seed=rotary_dim)
    rng = np.random.default_rng(9)
    angles = rng.uniform(0, 2 * np.pi, (256, rotary_dim // 2))
    cos, sin = np.cos(angles).astype(np.float16), np.sin(angles).astype(np.float16)
    seqlens = np.array([50, 0, 190], np.int32)
    out, lse = attention_with_kvcache(q, k_cache, v_cache, k, v, cache_seqlens=seqlens,
                                      causal=causal, rotary_cos=cos, rotary_sin=sin,
                                      rotary_interleaved=interleaved)
    q_turned = np.empty(q.shape, np.float16)
    for b, n in enumerate(seqlens):
        turned_k = rotate(k[b], cos, sin, n + np.arange(new), interleaved)
        # the kernel rounds the turned keys to fp16 on the way into the cache
        np.testing.assert_allclose(k_cache[b, n:n + new].astype(np.float64), turned_k,
                                   atol=4e-3, rtol=4e-3)
        np.testing.assert_array_equal(v_cache[b, n:n + new], v[b])  # values are not turned
        positions = n + (np.arange(seqlen_q) if causal else np.zeros(seqlen_q, int))
        q_turned[b] = rotate(q[b], cos, sin, positions, interleaved).astype(np.float16)
    ref, low = expected(q_turned, k_cache, v_cache, seqlens + new, causal=causal)
    assert_within_bar(out, lse, ref, low)


def test_rotary_errors_name_the_argument():
    q, (k_cache, v_cache), _ = inputs(1, 4, 64, 0, seed=0)
    cos = np.ones((64, 8), np.float16)
    with pytest.raises(ValueError, match="rotary_cos and rotary_sin go together"):
        attention_with_kvcache(q, k_cache, v_cache, cache_seqlens=3, rotary_cos=cos)
    with pytest.raises(ValueError, match=r"rotary_dim = 2 \* rotary_cos.shape\[1\] = 80"):
        big = np.ones((64, 40), np.float16)
        attention_with_kvcache(q, k_cache, v_cache, cache_seqlens=3, rotary_cos=big,
                               rotary_sin=big)
