"""kernels/attention.py on the CPU executor against float64 attention, with
flash-attn's bar: max|ours - ref64| <= 2 * max|std_lowprec - ref64| + eps,
where std_lowprec is standard attention in the input precision
(flashtile.reference.attention_lowprec / attention_bwd_lowprec) and eps is
8 float32 ulps of the computation's magnitude (reference.ATOL_ULPS; for
gradients the largest of max|dQ|, max|dK|, max|dV|). eps is negligible for
fp16/bf16; it covers exact low-precision results (float32, seqlen_k == 1:
dV == dO and dQ == dK == 0 exactly, while our P = exp2(S - L log2 e) is 1
only to within a few ulps) and float32 cases where both errors are a few
ulps."""

import math

import numpy as np
import pytest

from flashtile import reference as R
from flashtile.attention import attention_backward, attention_forward

ml_dtypes = pytest.importorskip("ml_dtypes")

DTYPES = {"fp16": np.float16, "bf16": ml_dtypes.bfloat16, "fp32": np.float32}
SEQLENS = [(1, 1), (17, 33), (64, 64), (100, 77), (128, 200)]
HEAD_DIMS = [16, 32, 64, 128]


def make_inputs(batch, seqlen_q, seqlen_k, nheads, head_dim, dtype, seed, nheads_k=None):
    rng = np.random.default_rng(seed)
    nheads_k = nheads if nheads_k is None else nheads_k
    q = rng.standard_normal((batch, seqlen_q, nheads, head_dim)).astype(dtype)
    k = rng.standard_normal((batch, seqlen_k, nheads_k, head_dim)).astype(dtype)
    v = rng.standard_normal((batch, seqlen_k, nheads_k, head_dim)).astype(dtype)
    do = rng.standard_normal((batch, seqlen_q, nheads, head_dim)).astype(dtype)
    return q, k, v, do


def assert_checks(checks):
    failed = [str(c) for c in checks if not c.ok]
    assert not failed, "\n".join(failed)


def run_and_check(batch, seqlen_q, seqlen_k, nheads, head_dim, dtype, causal, backward,
                  softmax_scale=None, seed=0, deterministic=True, nheads_k=None,
                  variant=None, **blocks):
    """`variant`: window_size, softcap and alibi_slopes (as flash_attn_func's)."""
    variant = variant or {}
    q, k, v, do = make_inputs(batch, seqlen_q, seqlen_k, nheads, head_dim, dtype, seed, nheads_k)
    out, lse = attention_forward(q, k, v, causal=causal, softmax_scale=softmax_scale,
                                 **variant, **blocks)
    assert out.dtype == q.dtype and lse.dtype == np.float32
    assert lse.shape == (batch, nheads, seqlen_q)
    out_ref, lse_ref = R.attention_ref(q, k, v, causal, softmax_scale, **variant)
    out_low, lse_low = R.attention_lowprec(q, k, v, causal, softmax_scale, **variant)
    checks = [R.check_close("O", out, out_ref, out_low), R.check_close("L", lse, lse_ref, lse_low)]
    if backward:
        grads = attention_backward(do, q, k, v, out, lse, causal=causal,
                                   softmax_scale=softmax_scale, deterministic=deterministic,
                                   **variant, **blocks)
        refs = R.attention_bwd_ref(do, q, k, v, causal, softmax_scale, **variant)
        lows = R.attention_bwd_lowprec(do, q, k, v, causal, softmax_scale, **variant)
        for name, ours, ref, low, like in zip(("dQ", "dK", "dV"), grads, refs, lows, (q, k, v)):
            assert ours.dtype == q.dtype and ours.shape == like.shape
            checks.append(R.check_close(name, ours, ref, low, R.gradient_magnitude(refs)))
    assert_checks(checks)


CASES = [
    pytest.param(sq, sk, d, dt, causal, id=f"{sq}x{sk}-d{d}-{dt}-{'causal' if causal else 'full'}")
    for (sq, sk) in SEQLENS for d in HEAD_DIMS for dt in DTYPES for causal in (False, True)
]


@pytest.mark.parametrize("seqlen_q,seqlen_k,head_dim,dtype,causal", CASES)
def test_forward_and_backward(seqlen_q, seqlen_k, head_dim, dtype, causal):
    run_and_check(1, seqlen_q, seqlen_k, 2, head_dim, DTYPES[dtype], causal, backward=True,
                  seed=seqlen_q * 1000 + seqlen_k + head_dim)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("causal", [False, True])
def test_long_sequences(dtype, causal):
    run_and_check(2, 1000, 1537, 3, 128, DTYPES[dtype], causal, backward=True)


@pytest.mark.parametrize("head_dim", [8, 24, 40, 80, 96, 160, 192, 256])
def test_head_dims_that_are_not_powers_of_two(head_dim):
    run_and_check(1, 33, 47, 1, head_dim, np.float16, causal=True, backward=True)


def test_batch_heads_and_custom_scale():
    run_and_check(2, 40, 24, 3, 32, np.float16, causal=False, backward=True, softmax_scale=0.3)


def test_causal_with_more_queries_than_keys_gives_zero_rows():
    # seqlen_q 50 > seqlen_k 20: queries 0..29 see no key (bottom-right alignment).
    q, k, v, do = make_inputs(1, 50, 20, 1, 32, np.float16, seed=3)
    out, lse = attention_forward(q, k, v, causal=True)
    assert np.all(out[0, :30] == 0) and np.all(np.isinf(lse[0, 0, :30]))
    assert np.all(np.isfinite(lse[0, 0, 30:]))
    dq, dk, dv = attention_backward(do, q, k, v, out, lse, causal=True)
    assert np.all(dq[0, :30] == 0) and np.all(np.isfinite(dk)) and np.all(np.isfinite(dv))
    run_and_check(1, 50, 20, 1, 32, np.float16, causal=True, backward=True, seed=3)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("head_dim", [32, 80])
def test_dq_by_atomics_from_the_dkdv_kernel(causal, head_dim):
    """deterministic=False: dK/dV adds dQ with atomics (the GPU default)."""
    run_and_check(2, 70, 90, 2, head_dim, np.float16, causal, backward=True,
                  deterministic=False, block_m=16, block_n=32)


@pytest.mark.parametrize("block_m,block_n", [(16, 16), (16, 64), (64, 16), (32, 32)])
def test_block_sizes(block_m, block_n):
    run_and_check(1, 70, 90, 1, 64, np.float16, causal=True, backward=True,
                  block_m=block_m, block_n=block_n)


def test_lse_is_natural_log_of_the_softmax_denominator():
    q, k, v, _ = make_inputs(1, 8, 8, 1, 16, np.float32, seed=4)
    _, lse = attention_forward(q, k, v)
    s = np.einsum("qd,kd->qk", q[0, :, 0].astype(np.float64), k[0, :, 0]) / math.sqrt(16)
    np.testing.assert_allclose(lse[0, 0], np.log(np.exp(s).sum(-1)), rtol=1e-6)


# -- Variants: MQA/GQA, sliding windows, softcap, ALiBi --------------------


def slopes(nheads, batch=None):
    """ALiBi's geometric slopes 2^(-8 i / nheads), per batch if given."""
    base = 2.0 ** (-8.0 * np.arange(1, nheads + 1) / nheads)
    return base if batch is None else np.stack([base * (1 + 0.5 * b) for b in range(batch)])


@pytest.mark.parametrize("nheads,nheads_k", [(4, 1), (6, 2), (4, 4)])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("deterministic", [True, False])
def test_mqa_and_gqa(nheads, nheads_k, causal, deterministic):
    run_and_check(2, 45, 70, nheads, 32, np.float16, causal, backward=True, nheads_k=nheads_k,
                  deterministic=deterministic, block_m=16, block_n=16, seed=nheads + nheads_k)


WINDOWS = [(8, 8), (0, 0), (20, -1), (-1, 5), (3, 30), (40, 0)]


@pytest.mark.parametrize("window", WINDOWS, ids=[f"w{l}_{r}" for l, r in WINDOWS])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("seqlens", [(60, 90), (90, 60), (64, 64)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_sliding_windows(window, causal, seqlens):
    run_and_check(1, *seqlens, 2, 32, np.float16, causal, backward=True, block_m=16,
                  block_n=16, variant=dict(window_size=window), seed=sum(window) + seqlens[0])


def test_a_window_that_hides_every_key_gives_zero_rows():
    # seqlen_q 40 > seqlen_k 10 with window (2, 0): queries 0..27 see nothing.
    q, k, v, do = make_inputs(1, 40, 10, 1, 16, np.float16, seed=5)
    out, lse = attention_forward(q, k, v, window_size=(2, 0), block_m=16, block_n=16)
    assert np.all(out[0, :28] == 0) and np.all(np.isinf(lse[0, 0, :28]))
    run_and_check(1, 40, 10, 1, 16, np.float16, False, backward=True, block_m=16, block_n=16,
                  variant=dict(window_size=(2, 0)), seed=5)


@pytest.mark.parametrize("softcap", [0.5, 5.0, 50.0])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("dtype", ["fp16", "bf16", "fp32"])
def test_softcap(softcap, causal, dtype):
    run_and_check(1, 50, 70, 2, 32, DTYPES[dtype], causal, backward=True, block_m=16,
                  block_n=32, variant=dict(softcap=softcap), softmax_scale=0.5,
                  seed=int(softcap * 10))


@pytest.mark.parametrize("per_batch", [False, True])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("dtype", ["fp16", "bf16"])
def test_alibi(per_batch, causal, dtype):
    run_and_check(2, 50, 70, 3, 32, DTYPES[dtype], causal, backward=True, block_m=16,
                  block_n=32, variant=dict(alibi_slopes=slopes(3, 2 if per_batch else None)))


@pytest.mark.parametrize("deterministic", [True, False])
def test_gqa_window_softcap_and_alibi_together(deterministic):
    run_and_check(2, 77, 61, 4, 48, np.float16, False, backward=True, nheads_k=2,
                  deterministic=deterministic, block_m=16, block_n=16,
                  variant=dict(window_size=(24, 6), softcap=3.0, alibi_slopes=slopes(4)))


@pytest.mark.parametrize("kwargs,message", [
    (dict(window_size=(3,)), "window_size must be a pair"),
    (dict(window_size=(-2, 0)), "window_size must be a pair of ints >= -1"),
    (dict(window_size="ab"), "window_size"),
    (dict(softcap=-1.0), "softcap must be a float >= 0"),
    (dict(softcap=float("nan")), "softcap"),
    (dict(alibi_slopes=np.ones(3)), r"alibi_slopes must have shape \(2,\) or \(1, 2\)"),
])
def test_variant_errors_name_the_argument(kwargs, message):
    q, k, v, _ = make_inputs(1, 8, 8, 2, 16, np.float16, seed=0)
    with pytest.raises(ValueError, match=message):
        attention_forward(q, k, v, **kwargs)


def test_heads_that_do_not_divide_are_refused():
    q, _, _, _ = make_inputs(1, 8, 8, 3, 16, np.float16, seed=0)
    _, k, v, _ = make_inputs(1, 8, 8, 2, 16, np.float16, seed=0)
    with pytest.raises(ValueError, match="does not divide"):
        attention_forward(q, k, v)


@pytest.mark.parametrize("head_dims", [(48, 32), (32, 64), (192, 128)], ids=lambda d: f"qk{d[0]}-v{d[1]}")
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("deterministic", [True, False])
def test_value_head_dim_differs_from_query_and_key(head_dims, causal, deterministic):
    d, dv = head_dims
    rng = np.random.default_rng(d + dv)
    q, k = (rng.standard_normal((2, n, 2, d)).astype(np.float16) for n in (37, 50))
    v = rng.standard_normal((2, 50, 2, dv)).astype(np.float16)
    do = rng.standard_normal((2, 37, 2, dv)).astype(np.float16)
    out, lse = attention_forward(q, k, v, causal=causal, block_m=16, block_n=16)
    assert out.shape == (2, 37, 2, dv)
    checks = [R.check_close("O", out, R.attention_ref(q, k, v, causal)[0],
                            R.attention_lowprec(q, k, v, causal)[0])]
    grads = attention_backward(do, q, k, v, out, lse, causal=causal, block_m=16, block_n=16,
                               deterministic=deterministic)
    refs = R.attention_bwd_ref(do, q, k, v, causal)
    lows = R.attention_bwd_lowprec(do, q, k, v, causal)
    for name, ours, ref, low, like in zip(("dQ", "dK", "dV"), grads, refs, lows, (q, k, v)):
        assert ours.shape == like.shape
        checks.append(R.check_close(name, ours, ref, low, R.gradient_magnitude(refs)))
    assert_checks(checks)
