"""The small kernels of kernels/ on the CPU executor."""

import numpy as np
import pytest

from flashtile import kernels
from flashtile import reference as R
from flashtile.language import cdiv

ml_dtypes = pytest.importorskip("ml_dtypes")


@pytest.mark.parametrize("n", [1, 15, 16, 1000, 1025])
@pytest.mark.parametrize("dtype", [np.float32, np.float16, ml_dtypes.bfloat16, np.int32])
def test_vector_add_ragged(n, dtype):
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * 100).astype(dtype)
    y = (rng.standard_normal(n) * 100).astype(dtype)
    z = np.full(n, 7, dtype)
    kernels.load("vector_add").vector_add[(cdiv(n, 256),)](x, y, z, n, BLOCK=256)
    np.testing.assert_array_equal(z, (x + y).astype(dtype))  # rounded like numpy


@pytest.mark.parametrize("rows,cols,block", [(1, 1, 16), (7, 100, 128), (33, 256, 256)])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_softmax(rows, cols, block, dtype):
    rng = np.random.default_rng(cols)
    x = (rng.standard_normal((rows, cols)) * 5).astype(dtype)
    y = np.zeros_like(x)
    kernels.load("softmax").softmax[(rows,)](y, x, y.strides[0] // y.itemsize,
                                             x.strides[0] // x.itemsize, cols, BLOCK=block)
    tol = 1e-6 if dtype == np.float32 else 1e-3
    np.testing.assert_allclose(y.astype(np.float64), R.softmax_ref(x), atol=tol)


@pytest.mark.parametrize("m,n,k", [(1, 1, 1), (33, 47, 19), (64, 64, 64), (100, 70, 130)])
@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16, np.float32])
def test_matmul_ragged(m, n, k, dtype):
    rng = np.random.default_rng(m * n * k)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    c = np.zeros((m, n), np.float32)
    bm, bn, bk = 32, 32, 16
    kernels.load("matmul").matmul[(cdiv(m, bm), cdiv(n, bn))](
        a, b, c, m, n, k, *(s // a.itemsize for s in a.strides), *(s // b.itemsize for s in b.strides),
        *(s // c.itemsize for s in c.strides), BLOCK_M=bm, BLOCK_N=bn, BLOCK_K=bk)
    # Products of f16/bf16 are exact in f32; only the f32 accumulation rounds.
    np.testing.assert_allclose(c, R.matmul_ref(a, b), rtol=1e-5, atol=1e-5 * k)


def test_matmul_transposed_operand_through_strides():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((40, 24)).astype(np.float32)
    bt = rng.standard_normal((30, 24)).astype(np.float32)  # b = bt.T, column-major
    c = np.zeros((40, 30), np.float32)
    kernels.load("matmul").matmul[(2, 1)](
        a, bt, c, 40, 30, 24, 24, 1, 1, 24, 30, 1, BLOCK_M=32, BLOCK_N=32, BLOCK_K=16)
    np.testing.assert_allclose(c, a.astype(np.float64) @ bt.T.astype(np.float64), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("rows,cols,block", [(1, 5, 16), (9, 100, 128), (4, 512, 512)])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_layer_norm(rows, cols, block, dtype):
    rng = np.random.default_rng(cols)
    x = (rng.standard_normal((rows, cols)) * 3 + 1).astype(dtype)
    w = rng.standard_normal(cols).astype(dtype)
    b = rng.standard_normal(cols).astype(dtype)
    y = np.zeros_like(x)
    mean = np.zeros(rows, np.float32)
    rstd = np.zeros(rows, np.float32)
    eps = 1e-5
    kernels.load("layer_norm").layer_norm_fwd[(rows,)](x, y, w, b, mean, rstd, cols, cols, eps, BLOCK=block)
    y_ref, mean_ref, rstd_ref = R.layer_norm_ref(x, w, b, eps)
    np.testing.assert_allclose(mean, mean_ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(rstd, rstd_ref, rtol=1e-5)
    tol = 1e-5 if dtype == np.float32 else 1e-2
    np.testing.assert_allclose(y.astype(np.float64), y_ref, rtol=tol, atol=tol)
