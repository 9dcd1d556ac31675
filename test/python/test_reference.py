"""The numpy references themselves: the float64 backward is the gradient of
the float64 forward, the causal mask is bottom-right aligned, and the
low-precision emulation is close to float64."""

import numpy as np
import pytest

from flashtile import reference as R

pytestmark = pytest.mark.pure


def test_causal_mask_is_bottom_right_aligned():
    # seqlen_q 2, seqlen_k 4: the last query sees every key.
    assert R.causal_mask(2, 4, True).tolist() == [[1, 1, 1, 0], [1, 1, 1, 1]]
    # seqlen_q 4, seqlen_k 2: the first two queries see nothing.
    assert R.causal_mask(4, 2, True).tolist() == [[0, 0], [0, 0], [1, 0], [1, 1]]


def test_rows_without_keys_give_zero_output_and_infinite_lse():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((1, n, 1, 8)) for n in (4, 2, 2))
    out, lse = R.attention_ref(q, k, v, causal=True)
    assert np.all(out[0, :2] == 0) and np.all(np.isinf(lse[0, 0, :2]))
    assert np.all(np.isfinite(lse[0, 0, 2:]))


@pytest.mark.parametrize("causal", [False, True])
def test_backward_reference_is_the_gradient(causal):
    rng = np.random.default_rng(1)
    q = rng.standard_normal((1, 5, 2, 4))
    k = rng.standard_normal((1, 3, 2, 4))
    v = rng.standard_normal((1, 3, 2, 4))
    do = rng.standard_normal(q.shape)
    grads = R.attention_bwd_ref(do, q, k, v, causal)

    def loss(q_, k_, v_):
        return float(np.sum(R.attention_ref(q_, k_, v_, causal)[0] * do))

    eps = 1e-6
    for which, grad in enumerate(grads):
        args = [q.copy(), k.copy(), v.copy()]
        x = args[which]
        numeric = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            saved = x[index]
            x[index] = saved + eps
            plus = loss(*args)
            x[index] = saved - eps
            minus = loss(*args)
            x[index] = saved
            numeric[index] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, atol=1e-6)


@pytest.mark.parametrize("dtype,tol", [(np.float16, 5e-3), (np.float32, 1e-5)])
def test_lowprec_emulation_is_close(dtype, tol):
    rng = np.random.default_rng(2)
    q, k, v, do = (rng.standard_normal((1, 16, 1, 32)).astype(dtype) for _ in range(4))
    out, _ = R.attention_lowprec(q, k, v)
    ref, _ = R.attention_ref(q, k, v)
    assert 0 < np.max(np.abs(out - ref)) < tol
    for low, ref in zip(R.attention_bwd_lowprec(do, q, k, v), R.attention_bwd_ref(do, q, k, v)):
        assert np.max(np.abs(low - ref)) < 10 * tol


def test_check_close_applies_the_bar():
    ref = np.array([1.0, np.inf])
    assert R.check_close("x", np.array([1.0 + 2e-3, np.inf]), ref, np.array([1.001, np.inf])).ok
    assert not R.check_close("x", np.array([1.003, np.inf]), ref, np.array([1.001, np.inf])).ok
    # The slack: 8 float32 ulps of the output's magnitude.
    ref = np.array([2.0, -1.0])
    assert R.check_close("x", ref + 4 * 2.0**-23, ref, ref).ok
    assert not R.check_close("x", ref + 32 * 2.0**-23, ref, ref).ok
