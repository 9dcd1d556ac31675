"""@flashtile.jit kernels of kernels/ launched with CUDA tensors, against
torch: vector add, softmax, matmul, layer norm; plus launch behaviour on a
GPU (current stream, device arch, the fast path, PTX in the disk cache).
Skipped without PyTorch or a CUDA device."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="GPU tests need PyTorch with CUDA (torch is not "
                                            "installed)")
if not torch.cuda.is_available():
    pytest.skip("GPU tests need a CUDA device (torch.cuda.is_available() is False)",
                allow_module_level=True)

from flashtile import _native, kernels  # noqa: E402
from flashtile.jit import JITFunction  # noqa: E402
from flashtile.language import cdiv  # noqa: E402

DEVICE_ARCH = _native.core().cuda_arch_for(*torch.cuda.get_device_capability())


def randn(*shape, dtype=torch.float32, scale=1.0, seed=0):
    generator = torch.Generator(device="cuda").manual_seed(seed)
    return (torch.randn(shape, generator=generator, device="cuda") * scale).to(dtype)


@pytest.mark.parametrize("n", [1, 15, 1000, 100_003])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.int32])
def test_vector_add(n, dtype):
    x = randn(n, scale=100, seed=n).to(dtype)
    y = randn(n, scale=100, seed=n + 1).to(dtype)
    z = torch.full_like(x, 7)
    compiled = kernels.load("vector_add").vector_add[(cdiv(n, 1024),)](x, y, z, n, BLOCK=1024)
    torch.cuda.synchronize()
    assert compiled.target == "cuda" and f".target sm_{DEVICE_ARCH}" in compiled.ptx
    assert torch.equal(z, x + y)


@pytest.mark.parametrize("rows,cols,block", [(1, 1, 16), (7, 100, 128), (333, 1000, 1024)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_softmax(rows, cols, block, dtype):
    x = randn(rows, cols, scale=5, seed=cols).to(dtype)
    y = torch.empty_like(x)
    kernels.load("softmax").softmax[(rows,)](y, x, y.stride(0), x.stride(0), cols, BLOCK=block,
                                             num_warps=4 if block <= 128 else 8)
    expected = torch.softmax(x.double(), dim=-1)
    tol = {torch.float32: 1e-6, torch.float16: 1e-3, torch.bfloat16: 8e-3}[dtype]
    torch.testing.assert_close(y.double(), expected, atol=tol, rtol=0)


MATMUL_CASES = [(1, 1, 1), (33, 47, 19), (128, 128, 64), (300, 200, 500)]


@pytest.mark.parametrize("m,n,k", MATMUL_CASES)
@pytest.mark.parametrize("dtype,tf32", [(torch.float16, False), (torch.bfloat16, False),
                                        (torch.float32, True)])
def test_matmul(m, n, k, dtype, tf32):
    a = randn(m, k, seed=m).to(dtype)
    b = randn(k, n, seed=n).to(dtype)
    c = torch.full((m, n), float("nan"), device="cuda", dtype=dtype)
    grid = (cdiv(m, 64), cdiv(n, 64))
    kernels.load("matmul").matmul[grid](a, b, c, m, n, k, a.stride(0), a.stride(1), b.stride(0),
                                        b.stride(1), c.stride(0), c.stride(1), BLOCK_M=64,
                                        BLOCK_N=64, BLOCK_K=32, ALLOW_TF32=tf32)
    expected = a.double() @ b.double()
    # fp32 accumulation; the result rounded to c's dtype; tf32 operands have 10-bit mantissas.
    unit = {torch.float16: 2**-11, torch.bfloat16: 2**-8, torch.float32: 2**-11}[dtype]
    bound = unit * (expected.abs().max().item() + 1) + 2**-11 * k ** 0.5 * 4
    assert (c.double() - expected).abs().max().item() <= bound


def test_matmul_of_transposed_operands():
    a = randn(96, 80, dtype=torch.float16, seed=1).t()  # (80, 96), column-major
    b = randn(64, 96, dtype=torch.float16, seed=2).t()  # (96, 64)
    c = torch.empty((80, 64), device="cuda", dtype=torch.float16)
    kernels.load("matmul").matmul[(2, 1)](a, b, c, 80, 64, 96, a.stride(0), a.stride(1),
                                          b.stride(0), b.stride(1), c.stride(0), c.stride(1),
                                          BLOCK_M=64, BLOCK_N=64, BLOCK_K=32)
    torch.testing.assert_close(c.double(), a.double() @ b.double(), atol=2e-2, rtol=2e-3)


@pytest.mark.parametrize("rows,cols", [(1, 10), (64, 1000), (300, 777)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
def test_layer_norm(rows, cols, dtype):
    x = randn(rows, cols, scale=3, seed=rows).to(dtype) + 1
    w = randn(cols, seed=1).to(dtype)
    b = randn(cols, seed=2).to(dtype)
    y = torch.empty_like(x)
    mean = torch.empty(rows, device="cuda")
    rstd = torch.empty(rows, device="cuda")
    kernels.load("layer_norm").layer_norm_fwd[(rows,)](x, y, w, b, mean, rstd, x.stride(0), cols,
                                                       1e-5, BLOCK=1024, num_warps=8)
    expected = torch.nn.functional.layer_norm(x.double(), (cols,), w.double(), b.double(), 1e-5)
    tol = 1e-5 if dtype == torch.float32 else 2e-2
    torch.testing.assert_close(y.double(), expected, atol=tol, rtol=0)
    torch.testing.assert_close(mean.double(), x.double().mean(-1), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(rstd.double(), 1 / (x.double().var(-1, unbiased=False) + 1e-5).sqrt(),
                               atol=1e-4, rtol=1e-4)


def test_launches_run_on_the_current_stream():
    kernel = kernels.load("vector_add").vector_add
    n = 1 << 22
    x, y = randn(n, seed=1), randn(n, seed=2)
    z = torch.zeros_like(x)
    stream = torch.cuda.Stream()
    with torch.cuda.stream(stream):
        for _ in range(3):  # slow path, then the fast path
            kernel[(cdiv(n, 1024),)](x, y, z, n, BLOCK=1024)
        w = z * 2  # ordered after the launches on the same stream
    stream.synchronize()
    assert torch.equal(w, (x + y) * 2)


def test_fast_path_and_disk_cache(cache_dir):
    kernel = JITFunction(kernels.load("vector_add").vector_add.fn)
    x, y = randn(4096, seed=1), randn(4096, seed=2)
    z = torch.empty_like(x)
    compiled = kernel[(4,)](x, y, z, 4096, BLOCK=1024)
    for _ in range(5):
        assert kernel[(4,)](x, y, z, 4096, BLOCK=1024) is compiled
    assert kernel.stats == {"compiled": 1, "disk": 0, "memory": 5}
    assert len(list(cache_dir.rglob("*.cuda"))) == 1
    fresh = JITFunction(kernels.load("vector_add").vector_add.fn)
    z.zero_()
    assert fresh[(4,)](x, y, z, 4096, BLOCK=1024).origin == "disk"
    torch.cuda.synchronize()
    assert torch.equal(z, x + y)


def test_cpu_and_cuda_tensors_in_one_launch_name_the_argument():
    x = randn(16)
    with pytest.raises(ValueError, match=r"argument 'Y' is on cpu but argument 'X' is on cuda:0"):
        kernels.load("vector_add").vector_add[(1,)](x, x.cpu(), x, 16, BLOCK=16)


def test_num_warps_reach_the_compile():
    x = randn(4096)
    compiled = kernels.load("vector_add").vector_add[(1,)](x, x, torch.empty_like(x), 4096,
                                                          BLOCK=4096, num_warps=16)
    assert compiled.native.num_warps == 16 and ".maxntid 512" in compiled.ptx
