"""The CUDA launch path without a GPU: the C++ API's CUDA compile, launch
checks and serialization, and the Python path of CUDA tensors (device arch,
specialisation, fast path of repeated launches, disk cache, device checks,
flash_attn_forward/backward's argument checks, grids and strides) over the
stand-in tensors of fake_torch.py, with the launches recorded instead of run.
test_gpu_*.py run the same paths on a real GPU."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import flashtile
import flashtile.attention as attention_module
import flashtile.backends as backends
import importlib
from flashtile import ArgumentError, CompilationError, ExecutionError, _native, kernels
from flashtile.attention import candidates, flash_attn_backward, flash_attn_forward, flash_attn_func
from flashtile.jit import JITFunction
from flashtile.language import cdiv

jit_module = importlib.import_module("flashtile.jit")

import fake_torch


@pytest.fixture
def torch(monkeypatch):
    """The fake torch as `torch` (restored after the test), with fresh
    backend state."""
    module = fake_torch.make_module()
    monkeypatch.setitem(sys.modules, "torch", module)
    monkeypatch.setattr(backends, "_torch_cuda", None)
    monkeypatch.setitem(backends._BACKENDS, "cuda", backends.CudaBackend())
    monkeypatch.delenv("FLASHTILE_CUDA_ARCH", raising=False)
    return module


class Launch:
    def __init__(self, native, grid, args, index):
        self.native, self.grid, self.args, self.index = native, grid, list(args), index

    @property
    def kernel(self) -> str:
        return self.native.name


@pytest.fixture
def launches(monkeypatch):
    """Launches recorded instead of run."""
    calls = []

    def record(native, grid, args, index):
        calls.append(Launch(native, grid, args, index))

    monkeypatch.setattr(jit_module, "launch_on_device", record)
    monkeypatch.setattr(backends, "launch_on_device", record)
    monkeypatch.setattr(attention_module, "launch_on_device", record)
    return calls


def vector_add():
    return JITFunction(kernels.load("vector_add").vector_add.fn)


# -- The C++ API ---------------------------------------------------------------


def compile_vector_add(arch=80, target="cuda"):
    path = kernels.kernels_dir() / "vector_add.py"
    types = {"X": "*f16", "Y": "*f16", "Z": "*f16", "N": "i32"}
    return _native.core().compile(path.read_text(), str(path), "vector_add", {"BLOCK": 256},
                                  types, {"X", "Y", "Z"}, False, target, arch, 4, 2)


def test_cuda_compile_gives_ptx_and_launch_metadata():
    kernel = compile_vector_add(arch=86)
    assert kernel.target == "cuda" and kernel.arch == 86 and kernel.num_warps == 4
    assert ".target sm_86" in kernel.ptx and ".visible .entry vector_add(" in kernel.ptx
    assert kernel.cuda_param_types == ["ptr", "ptr", "ptr", "i32"]
    assert kernel.shared_memory_bytes >= 0
    assert "tile.kernel" in kernel.tile_ir()


def test_serialized_cuda_kernel_reloads_without_compiling():
    kernel = compile_vector_add()
    text = kernel.serialize()
    loaded = _native.core().load_kernel(text, "vector_add")
    assert loaded.target == "cuda" and loaded.ptx == kernel.ptx
    assert loaded.cuda_param_types == kernel.cuda_param_types
    assert loaded.shared_memory_bytes == kernel.shared_memory_bytes
    assert loaded.tile_ir() == kernel.tile_ir()
    with pytest.raises(CompilationError, match="the payload has"):
        _native.core().load_kernel(text[:-10], "vector_add")
    with pytest.raises(CompilationError, match="holds kernel 'vector_add'"):
        _native.core().load_kernel(text, "other")


def test_cpu_kernels_have_no_ptx_and_reload_as_tile_ir():
    kernel = compile_vector_add(target="cpu")
    with pytest.raises(CompilationError, match=r"compiled for the cpu and has no PTX"):
        kernel.ptx
    assert _native.core().load_kernel(kernel.serialize(), "vector_add").target == "cpu"


def test_compile_options_are_checked():
    with pytest.raises(CompilationError, match=r"unsupported CUDA architecture sm_70"):
        compile_vector_add(arch=70)
    with pytest.raises(CompilationError, match=r"unknown target 'rocm'"):
        compile_vector_add(target="rocm")
    assert _native.core().supported_cuda_archs() == [75, 80, 86, 89, 90]
    assert [_native.core().cuda_arch_for(*cc) for cc in [(7, 5), (8, 0), (8, 7), (9, 0), (12, 0)]] \
        == [75, 80, 86, 90, 90]
    with pytest.raises(CompilationError, match="needs 7.5 or newer"):
        _native.core().cuda_arch_for(7, 0)


def test_launch_arguments_are_checked_before_the_driver():
    kernel = compile_vector_add()
    kernel.launch_cuda((0, 1, 1), [1, 2, 3, 4])  # an empty grid launches nothing
    with pytest.raises(ExecutionError, match=r"takes 4 arguments, got 3"):
        kernel.launch_cuda((1, 1, 1), [1, 2, 3])
    with pytest.raises(ExecutionError, match=r"argument #0 is a ptr parameter and needs a device"):
        kernel.launch_cuda((1, 1, 1), [1.5, 2, 3, 4])
    with pytest.raises(ExecutionError, match=r"argument #3 is a i32 parameter and needs an integer"):
        kernel.launch_cuda((1, 1, 1), [1, 2, 3, 4.0])
    with pytest.raises(ExecutionError, match=r"exceeds CUDA's limits"):
        kernel.launch_cuda((1, 70000, 1), [1, 2, 3, 4])
    with pytest.raises(TypeError, match=r"argument #1 must be an int"):
        kernel.launch_cuda((1, 1, 1), [1, "x", 3, 4])


@pytest.mark.skipif(_native.core().cuda_device_arch()[0] != 0, reason="a CUDA device is present")
def test_launch_without_a_gpu_names_the_kernel_and_the_reason():
    arch, why = _native.core().cuda_device_arch()
    assert arch == 0 and why
    with pytest.raises(ExecutionError, match=r"launching kernel 'vector_add': .*libcuda"):
        compile_vector_add().launch_cuda((1, 1, 1), [16, 32, 48, 4])


# -- @jit with CUDA tensors ------------------------------------------------------


def test_cuda_tensors_compile_for_the_device_and_launch(torch, launches, cache_dir):
    kernel = vector_add()
    x, y, z = (torch.Tensor((1000,)) for _ in range(3))
    compiled = kernel[(cdiv(1000, 256),)](x, y, z, 1000, BLOCK=256)
    assert compiled.target == "cuda" and ".target sm_90" in compiled.ptx  # capability 9.0
    assert compiled.key[5] == ("cuda", 90)
    (launch,) = launches
    assert launch.grid == (4, 1, 1) and launch.index == 0
    assert launch.args == [x.data_ptr(), y.data_ptr(), z.data_ptr(), 1000]
    assert dict(compiled.key[1]) == {"X": "*f16", "Y": "*f16", "Z": "*f16", "N": "i32"}
    assert set(compiled.key[2]) == {"X", "Y", "Z"}  # 16-byte aligned; 1000 % 16 != 0
    assert kernel.stats == {"compiled": 1, "disk": 0, "memory": 0}


def test_repeated_launches_take_the_fast_path(torch, launches, monkeypatch):
    kernel = vector_add()
    first = kernel[(4,)](*(torch.Tensor((1000,)) for _ in range(3)), 1000, BLOCK=256)
    x, y, z = (torch.Tensor((1000,)) for _ in range(3))
    with monkeypatch.context() as m:
        m.setattr(kernel, "_bind", None)  # the fast path binds nothing
        assert kernel[(4,)](x, y, z, 999, BLOCK=256) is first  # same signature
    assert launches[-1].args == [x.data_ptr(), y.data_ptr(), z.data_ptr(), 999]
    assert kernel.stats == {"compiled": 1, "disk": 0, "memory": 1}
    # Anything in the key gives another kernel: divisibility of N, alignment,
    # dtype, constexprs, launch options.
    assert kernel[(4,)](x, y, z, 992, BLOCK=256) is not first
    misaligned = kernel[(4,)](x.offset(1), y, z, 999, BLOCK=256)
    assert "X" not in misaligned.key[2]
    bf16 = [torch.Tensor((1000,), torch.bfloat16) for _ in range(3)]
    assert dict(kernel[(4,)](*bf16, 999, BLOCK=256).key[1])["X"] == "*bf16"
    assert kernel[(4,)](x, y, z, 999, BLOCK=128).key[0] != first.key[0]
    assert kernel[(4,)](x, y, z, 999, BLOCK=256, num_warps=8).key[3] == 8
    assert kernel.stats["compiled"] == 6
    # ... and each of them is found again on the fast path.
    before = dict(kernel.stats)
    monkeypatch.setattr(kernel, "_bind", None)
    kernel[(4,)](x.offset(1), y, z, 999, BLOCK=256)
    kernel[(4,)](*bf16, 999, BLOCK=256)
    assert kernel.stats["compiled"] == before["compiled"]
    assert kernel.stats["memory"] == before["memory"] + 2


def test_fast_path_grids(torch, launches):
    kernel = vector_add()
    x, y, z = (torch.Tensor((1000,)) for _ in range(3))
    for _ in range(2):  # slow path, then fast path
        kernel[lambda meta: (cdiv(meta["N"], meta["BLOCK"]),)](x, y, z, 1000, BLOCK=128)
        assert launches[-1].grid == (8, 1, 1)
    count = len(launches)
    kernel[(0,)](x, y, z, 1000, BLOCK=128)
    kernel[3](x, y, z, 1000, BLOCK=128)
    assert len(launches) == count + 1 and launches[-1].grid == (3, 1, 1)
    with pytest.raises(ArgumentError, match="negative"):
        kernel[(-1,)](x, y, z, 1000, BLOCK=128)


def test_keyword_arguments_and_defaults_on_the_fast_path(torch, launches):
    kernel = JITFunction(kernels.load("matmul").matmul.fn)  # ALLOW_TF32 has a default
    a, b, c = (torch.Tensor((64, 64)) for _ in range(3))
    args = dict(M=64, N=64, K=64, stride_am=64, stride_ak=1, stride_bk=64, stride_bn=1,
                stride_cm=64, stride_cn=1, BLOCK_M=64, BLOCK_N=64, BLOCK_K=32)
    first = kernel[(1, 1)](a, b, C=c, **args)
    assert kernel[(1, 1)](a, b, C=c, **args) is first
    assert kernel[(1, 1)](a, b, c, **args) is first  # positional C: another plan, same kernel
    assert launches[-1].args[:3] == [a.data_ptr(), b.data_ptr(), c.data_ptr()]
    assert len(launches[-1].args) == 12


def test_arch_follows_the_device_and_the_override(torch, launches, monkeypatch):
    torch.cuda.capability = (8, 6)
    x, y, z = (torch.Tensor((64,)) for _ in range(3))
    assert ".target sm_86" in vector_add()[(1,)](x, y, z, 64, BLOCK=64).ptx
    monkeypatch.setitem(backends._BACKENDS, "cuda", backends.CudaBackend())
    monkeypatch.setenv("FLASHTILE_CUDA_ARCH", "sm_80")
    assert ".target sm_80" in vector_add()[(1,)](x, y, z, 64, BLOCK=64).ptx
    monkeypatch.setitem(backends._BACKENDS, "cuda", backends.CudaBackend())
    monkeypatch.delenv("FLASHTILE_CUDA_ARCH")
    torch.cuda.capability = (7, 0)
    with pytest.raises(CompilationError, match="needs 7.5 or newer"):
        vector_add()[(1,)](x, y, z, 64, BLOCK=64)


def test_devices_must_agree(torch, launches, monkeypatch):
    x, y, z = (torch.Tensor((64,)) for _ in range(3))
    with pytest.raises(ArgumentError, match=r"argument 'Y' is on cpu but argument 'X' is on "
                                            r"cuda:0: all arrays of one launch"):
        vector_add()[(1,)](x, np.zeros(64, np.float16), z, 64, BLOCK=64)
    with pytest.raises(ArgumentError, match=r"argument 'Z' is on cuda:1 but argument 'X' is on "
                                            r"cuda:0"):
        vector_add()[(1,)](x, y, torch.Tensor((64,), device="cuda:1"), 64, BLOCK=64)
    monkeypatch.setenv("FLASHTILE_INTERPRET", "1")
    with pytest.raises(ArgumentError, match=r"argument 'X' is on cuda.*needs host memory"):
        vector_add()[(1,)](x, y, z, 64, BLOCK=64)
    assert not launches


def test_launch_runs_on_the_tensors_device_and_stream(torch, monkeypatch):
    seen = []

    class Native:
        def launch_cuda(self, grid, args, stream):
            seen.append((grid, args, stream, torch.cuda.current_device()))

    backends.launch_on_device(Native(), (1, 1, 1), [7], 1)
    backends.launch_on_device(Native(), (2, 1, 1), [8], 0)
    assert seen == [((1, 1, 1), [7], 0x5001, 1), ((2, 1, 1), [8], 0x5000, 0)]
    assert torch.cuda.current_device() == 0


def test_disk_cache_holds_ptx(torch, launches, cache_dir):
    x, y, z = (torch.Tensor((64,)) for _ in range(3))
    compiled = vector_add()[(1,)](x, y, z, 64, BLOCK=64)
    (entry,) = cache_dir.rglob("*.cuda")
    fresh = vector_add()
    loaded = fresh[(1,)](x, y, z, 64, BLOCK=64)
    assert loaded.origin == "disk" and loaded.ptx == compiled.ptx
    assert fresh.stats == {"compiled": 0, "disk": 1, "memory": 0}
    entry.write_text(entry.read_text()[:-100])
    with pytest.warns(RuntimeWarning, match="corrupt cache entry"):
        assert vector_add()[(1,)](x, y, z, 64, BLOCK=64).origin == "compiled"
    # An entry whose checksum holds but whose signature is another kernel's
    # is rebuilt instead of failing every launch.
    from flashtile.cache import DiskCache
    disk = DiskCache(cache_dir)
    key = entry.stem
    body = disk.get(key, ".cuda")
    disk.put(key, body.replace("params ptr ptr ptr i32", "params ptr ptr i32"), ".cuda")
    with pytest.warns(RuntimeWarning, match=r"parameters \(ptr ptr i32\) are not the kernel's"):
        assert vector_add()[(1,)](x, y, z, 64, BLOCK=64).origin == "compiled"
    assert vector_add()[(1,)](x, y, z, 64, BLOCK=64).origin == "disk"  # rebuilt on disk


# -- flash_attn_forward / backward / func ----------------------------------------


def qkv(torch, batch=2, seqlen_q=113, seqlen_k=203, nheads=3, head_dim=80,
        dtype=None, heads_first=False):
    dtype = dtype or torch.float16

    def make(seqlen):
        if heads_first:  # (b, h, s, d) memory viewed as (b, s, h, d): non-contiguous
            return torch.Tensor((batch, nheads, seqlen, head_dim), dtype).transpose(1, 2)
        return torch.Tensor((batch, seqlen, nheads, head_dim), dtype)

    return make(seqlen_q), make(seqlen_k), make(seqlen_k)


@pytest.mark.parametrize("heads_first", [False, True])
def test_flash_attn_launches(torch, launches, heads_first):
    q, k, v = qkv(torch, heads_first=heads_first)
    out, lse = flash_attn_forward(q, k, v, causal=True)
    assert out.shape == q.shape and lse.shape == (2, 3, 113) and lse.dtype == torch.float32
    # FLASHTILE_AUTOTUNE=0 (conftest): each kernel's first candidate.
    fwd, dkdv, dq_config = (candidates(kernel, 80)[0] for kernel in
                            ("attention_fwd", "attention_bwd_dkdv", "attention_bwd_dq"))
    (launch,) = launches
    assert launch.kernel == "attention_fwd"
    assert launch.grid == (cdiv(113, fwd.kwargs["BLOCK_M"]), 6, 1)
    assert launch.native.num_warps == fwd.num_warps
    assert launch.args[:5] == [q.data_ptr(), k.data_ptr(), v.data_ptr(), out.data_ptr(),
                               lse.data_ptr()]
    # The ALiBi slopes and cu_seqlens_q/k: dummies for a padded batch without ALiBi.
    assert launch.args[6] == launch.args[7] != 0
    assert launch.args[8:11] == list(q.stride()[:3]) and launch.args[11:14] == list(k.stride()[:3])
    # stride_alibi_b, nheads, head_ratio, seqlen_q, seqlen_k, scale, window sides, softcap
    assert launch.args[20:25] == [0, 3, 1, 113, 203]
    assert launch.args[25] == pytest.approx(80 ** -0.5)
    assert launch.args[26:] == [0, 0, 0.0]

    dout = torch.Tensor(q.shape)
    dq, dk, dv = flash_attn_backward(dout, q, k, v, out, lse, causal=True, softmax_scale=0.5,
                                     deterministic=True)
    assert [l.kernel for l in launches[1:]] == ["attention_bwd_preprocess", "attention_bwd_dkdv",
                                                "attention_bwd_dq"]
    assert launches[2].grid == (cdiv(203, dkdv.kwargs["BLOCK_N"]), 6, 1)
    assert launches[3].grid == (cdiv(113, dq_config.kwargs["BLOCK_M"]), 6, 1)
    assert launches[2].args[-4] == 0.5 and launches[3].args[-4] == 0.5
    assert (dq.shape, dk.shape, dv.shape) == (q.shape, k.shape, v.shape)
    # d128 (head dim 80) defaults to the separate dQ pass too.
    del launches[:]
    flash_attn_backward(dout, q, k, v, out, lse, causal=True, softmax_scale=0.5)
    assert [l.kernel for l in launches[1:]] == ["attention_bwd_dkdv", "attention_bwd_dq"]
    # At head dim 64 and short sequences: the separate pass as well.
    q, k, v = qkv(torch, head_dim=64, heads_first=heads_first)
    out, lse = flash_attn_forward(q, k, v, causal=True)
    del launches[:]
    flash_attn_backward(torch.Tensor(q.shape), q, k, v, out, lse, causal=True, softmax_scale=0.5)
    assert [l.kernel for l in launches[1:]] == ["attention_bwd_dkdv", "attention_bwd_dq"]
    # From 4096 queries on dK/dV adds dQ with atomics into a float32 buffer,
    # then one pass scales and casts it.
    q, k, v = qkv(torch, seqlen_q=4096, head_dim=64, heads_first=heads_first)
    out, lse = flash_attn_forward(q, k, v, causal=True)
    del launches[:]
    flash_attn_backward(torch.Tensor(q.shape), q, k, v, out, lse, causal=True, softmax_scale=0.5)
    assert [l.kernel for l in launches] == ["attention_bwd_preprocess", "attention_bwd_dkdv",
                                            "attention_bwd_dq_convert"]
    fused = candidates("attention_bwd_dkdv_atomic", 64)[0]
    assert launches[1].grid == (cdiv(203, fused.kwargs["BLOCK_N"]), 6, 1)
    assert launches[1].args[8] == launches[2].args[0]  # the float32 accumulator


def test_gqa_and_window_launches(torch, launches):
    """MQA/GQA: dK/dV runs one program per key block of each key/value
    head (and loops over its query heads); a window passes its sides, an
    unbounded side as a bound that holds everywhere; variants take the
    separate dQ pass and the variant candidates."""
    q, _, _ = qkv(torch, nheads=6, head_dim=64)
    k, v = (torch.Tensor((2, 203, 2, 64), torch.float16) for _ in range(2))
    out, lse = flash_attn_forward(q, k, v, window_size=(16, -1))
    (fwd,) = launches
    assert fwd.args[20:25] == [0, 6, 3, 113, 203] and fwd.args[26:28] == [16, 113]
    assert fwd.grid[1] == 12
    del launches[:]
    dq, dk, dv = flash_attn_backward(torch.Tensor(q.shape), q, k, v, out, lse,
                                     window_size=(16, -1))
    assert [l.kernel for l in launches] == ["attention_bwd_preprocess", "attention_bwd_dkdv",
                                            "attention_bwd_dq"]
    dkdv = candidates("attention_bwd_dkdv", 64, variant=True)[0]
    assert launches[1].grid == (cdiv(203, dkdv.kwargs["BLOCK_N"]), 4, 1)
    assert launches[2].grid[1] == 12
    assert dk.shape == k.shape and dv.shape == v.shape and dq.shape == q.shape
    # causal with a left window: right = 0; (-1, 0) alone is plain causal.
    del launches[:]
    flash_attn_forward(q, k, v, causal=True, window_size=(8, 8))
    assert launches[0].args[26:28] == [8, 0]
    del launches[:]
    flash_attn_forward(q, k, v, window_size=(-1, 0))
    assert launches[0].args[26:28] == [0, 0]


def test_variant_arguments_are_checked_before_any_launch(torch, launches):
    q, k, v = qkv(torch, head_dim=64)
    for kwargs, message in [
        (dict(window_size=(2.5, 0)), "window_size must be a pair of ints"),
        (dict(softcap=-2.0), "softcap must be a float >= 0"),
        (dict(alibi_slopes=torch.Tensor((3,), torch.float16)), "alibi_slopes must be a torch.float32"),
        (dict(alibi_slopes=torch.Tensor((4,), torch.float32)), r"alibi_slopes must have shape \(3,\)"),
    ]:
        with pytest.raises(ArgumentError, match=message):
            flash_attn_forward(q, k, v, **kwargs)
    k5, v5 = (torch.Tensor((2, 203, 2, 64), torch.float16) for _ in range(2))
    with pytest.raises(ArgumentError, match="does not divide"):
        flash_attn_forward(q, k5, v5)
    assert not launches


def test_flash_attn_copies_a_non_contiguous_head_dim(torch, launches):
    q, k, v = qkv(torch, head_dim=64)
    strided = torch.Tensor((2, 113, 3, 64), strides=(113 * 3 * 128, 3 * 128, 128, 2))
    flash_attn_forward(strided, k, v)
    assert launches[0].args[0] != strided.data_ptr()  # a contiguous copy
    assert launches[0].args[8:11] == [113 * 3 * 64, 3 * 64, 64]


def test_poisoned_outputs_are_the_ones_written(torch, launches):
    q, k, v = qkv(torch, head_dim=32)
    out, lse = torch.Tensor(q.shape), torch.Tensor((2, 3, 113), torch.float32)
    assert flash_attn_forward(q, k, v, out=out, lse=lse) == (out, lse)
    assert launches[0].args[3:5] == [out.data_ptr(), lse.data_ptr()]
    with pytest.raises(ArgumentError, match=r"lse must be a torch.float32 tensor of shape"):
        flash_attn_forward(q, k, v, lse=torch.Tensor((2, 3, 112), torch.float32))


def misuse_cases(torch):
    q, k, v = qkv(torch, head_dim=64)
    T = torch.Tensor
    return [
        ((T(q.shape, device="cpu"), k, v), {}, r"q is on cpu: flash_attn_func needs CUDA tensors"),
        ((q, k, T(v.shape, torch.float32)), {}, r"v has dtype torch.float32; flash_attn_func "
                                                r"supports torch.float16 and torch.bfloat16"),
        ((T(q.shape, torch.float32), T(k.shape, torch.float32), T(v.shape, torch.float32)), {},
         r"q has dtype torch.float32"),
        ((q, T(k.shape, torch.bfloat16), v), {}, r"k has dtype torch.bfloat16 but q has "
                                                 r"torch.float16"),
        ((q, T((3, 203, 3, 64)), v), {}, r"k has batch size 3 but q has 2"),
        ((q, T((2, 203, 2, 64)), T((2, 203, 2, 64))), {}, r"k and v have 2 heads, which does "
                                                          r"not divide q's 3"),
        ((q, T((2, 203, 1, 64)), T((2, 203, 3, 64))), {}, r"v has 3 heads but k has 1"),
        ((q, k, T((2, 203, 3, 4))), {}, r"v has head dimension 4: flash_attn_func takes 8\.\.256"),
        ((q, T((2, 203, 3, 32)), k), {}, r"k has head dimension 32 but q has 64"),
        ((q, k, T((2, 200, 3, 64))), {}, r"v has seqlen 200 but k has 203"),
        ((T((2, 5, 3, 4)), T((2, 7, 3, 4)), T((2, 7, 3, 4))), {}, r"head dimension 4 is not "
                                                                  r"supported: .*8..256"),
        ((T((2, 5, 3, 264)),) + (T((2, 7, 3, 264)),) * 2, {}, r"head dimension 264"),
        ((T((113, 3, 64)), k, v), {}, r"q must have 4 dimensions"),
        ((q, k, v), {"dropout_p": 0.1}, r"dropout_p=0.1: dropout is not supported"),
        ((q, T(k.shape, device="cuda:1"), v), {}, r"k is on cuda:1 but q is on cuda:0"),
        ((np.zeros(q.shape, np.float16), k, v), {}, r"q must be a torch.Tensor"),
        ((q, k, v), {"softmax_scale": "x"}, r"softmax_scale must be a float"),
    ]


def test_flash_attn_misuse_is_a_value_error_before_any_launch(torch, launches):
    for args, kwargs, message in misuse_cases(torch):
        with pytest.raises(ValueError, match=message):
            flash_attn_func(*args, **kwargs)
    assert not launches


def test_the_jit_compile_is_the_registered_pipeline(tmp_path):
    """What the API compiles for CUDA is exactly flash-translate --emit=tile,
    then flash-opt --tile-to-nvvm, then flash-translate --emit=ptx."""
    import subprocess
    from pathlib import Path

    tools = Path(__file__).resolve().parents[2] / "build" / "bin"
    if not (tools / "flash-opt").exists() or not (tools / "flash-translate").exists():
        pytest.skip("build/bin/flash-opt and flash-translate are not built")
    source = kernels.kernels_dir() / "vector_add.py"
    tile, lowered, ptx = (tmp_path / n for n in ("k.mlir", "k.llvm.mlir", "k.ptx"))
    run = lambda *a: subprocess.run([str(x) for x in a], check=True, capture_output=True)
    run(tools / "flash-translate", source, "--kernel", "vector_add", "-T", "X=*f16", "-T",
        "Y=*f16", "-T", "Z=*f16", "-T", "N=i32", "-D", "BLOCK=256",
        "--divisible-by-16=X,Y,Z", "--emit=tile", "-o", tile)
    run(tools / "flash-opt", tile, "--tile-to-nvvm=arch=86 num-warps=4 num-stages=2", "-o", lowered)
    run(tools / "flash-translate", lowered, "--emit=ptx", "--arch=sm_86", "-o", ptx)
    assert compile_vector_add(arch=86).ptx == ptx.read_text()


def test_repeated_flash_attn_launches_from_the_cached_plan(torch, launches):
    """flash_attn_func without gradients runs the forward alone; a repeated
    layout launches from its cached plan with the same arguments, and misuse
    is still reported before any launch."""
    q, k, v = qkv(torch, head_dim=64)
    out, lse = flash_attn_func(q, k, v, causal=True, softmax_scale=0.25, return_lse=True)
    again, lse2 = flash_attn_func(q, k, v, causal=True, softmax_scale=0.25, return_lse=True)
    first, second = launches
    assert second.native is first.native and second.grid == first.grid
    assert first.args[:5] == [q.data_ptr(), k.data_ptr(), v.data_ptr(), out.data_ptr(),
                              lse.data_ptr()]
    assert second.args[3:5] == [again.data_ptr(), lse2.data_ptr()]
    assert second.args[5:] == first.args[5:]
    # Without return_lse nothing needs lse: a kernel that does not store it.
    only_out = flash_attn_func(q, k, v, causal=True, softmax_scale=0.25)
    assert isinstance(only_out, torch.Tensor) and launches[2].native is not first.native
    assert launches[2].args[3] == only_out.data_ptr() and launches[2].args[5:] == first.args[5:]
    del launches[2]
    assert first.args[8:25] == [*q.stride()[:3], *k.stride()[:3], *v.stride()[:3],
                                *out.stride()[:3], 0, 3, 1, 113, 203]
    assert first.args[25:] == [0.25, 0, 0, 0.0]
    # A window and a softcap launch from plans of their own.
    windowed = flash_attn_func(q, k, v, window_size=(32, 32), softcap=20.0)
    assert flash_attn_func(q, k, v, window_size=(32, 32), softcap=20.0).shape == windowed.shape
    assert launches[-1].native is launches[-2].native is not first.native
    assert launches[-1].args[26:] == [32, 32, 20.0]
    del launches[-2:]
    assert flash_attn_forward(q, k, v, causal=True, softmax_scale=0.25)[0].shape == q.shape
    assert launches[-1].args[5:] == first.args[5:]
    for kwargs, message in (({"dropout_p": 0.1}, "dropout"),
                            ({"softmax_scale": "x"}, "softmax_scale must be a float")):
        with pytest.raises(ArgumentError, match=message):
            flash_attn_func(q, k, v, causal=True, **kwargs)
    with pytest.raises(ArgumentError, match="v has seqlen 200"):
        flash_attn_func(q, k, torch.Tensor((2, 200, 3, 64)), causal=True)
    assert len(launches) == 3


def test_signature_functions_match_the_binding(torch, launches, cache_dir):
    """The fast path's unrolled classification agrees with the slow path's
    key: each launch of a new specialisation compiles, each repeat does not."""
    kernel = vector_add()
    x, y, z = (torch.Tensor((1 << 20,)) for _ in range(3))
    for n in (1000, 1008, 992, 1001):
        for _ in range(2):
            kernel[(1,)](x, y, z, n, BLOCK=256)
    assert kernel.stats == {"compiled": 2, "disk": 0, "memory": 6}  # divisible by 16 or not
    assert [l.args[3] for l in launches[-2:]] == [1001] * 2
    with pytest.raises(ArgumentError, match="num_warps"):
        kernel[(1,)](x, y, z, 1000, BLOCK=256, num_warps=True)  # not an int, even == 1


def test_launch_signature_classifies_like_the_slow_path(torch):
    """flashtile._core.LaunchSignature: constexprs by type and value, ints by
    value class, floats, CUDA tensors by (dtype, alignment, device) with
    their address as the launch argument; None for anything else."""
    from flashtile import _native

    sig = _native.core().LaunchSignature([2, 0, 1, 3], [False, False, False, True], torch.Tensor)
    x = torch.Tensor((64,))
    spec, native = sig((7, 2.5, x, 128))
    assert spec == ((x.dtype, True, 0), 32, 0, int, 128)
    assert native == [x.data_ptr(), 7, 2.5]
    assert sig((1, 0.0, x, True))[0][1:] == (1, 0, bool, True)
    assert sig((32, 0.0, x, 1))[0][1] == 16
    assert sig((1 << 40, 0.0, x, 1))[0][1] == 65
    assert sig(((1 << 40) + 1, 0.0, x, 1))[0][1] == 64
    assert sig((7, 0.0, x.offset(1), 1))[0][0] == (x.dtype, False, 0)
    for bad in ((True, 0.0, x, 1), (7, 0.0, "x", 1), (1 << 70, 0.0, x, 1),
                (7, 0.0, x)):
        assert sig(bad) is None, bad
    with pytest.raises(ValueError):
        _native.core().LaunchSignature([0], [False, True], torch.Tensor)


def test_tensor_layout_key(torch):
    from flashtile import _native

    key_of = _native.core().tensor_layout_key
    q = torch.Tensor((2, 64, 3, 32))
    k = torch.Tensor((2, 64, 3, 32))
    key, addresses = key_of(torch.Tensor, (q, k), (None, True))
    assert addresses == [q.data_ptr(), k.data_ptr()]
    assert key[1:] == (type(q), type(k), q.dtype, k.dtype, None, True)
    again = key_of(torch.Tensor, (torch.Tensor((2, 64, 3, 32)), k), (None, True))[0]
    assert again == key and hash(again) == hash(key)
    for other in (torch.Tensor((2, 64, 3, 16)), torch.Tensor((2, 64, 3, 32), torch.bfloat16),
                  q.offset(1)):
        assert key_of(torch.Tensor, (other, k), (None, True))[0] != key
    assert key_of(torch.Tensor, (q, k), (None, False))[0] != key
    assert key_of(torch.Tensor, (q, "k"), ()) is None


def test_flash_attn_repeats_hit_the_plan(torch, launches, monkeypatch):
    q, k, v = qkv(torch, head_dim=64)
    flash_attn_func(q, k, v)
    monkeypatch.setattr(attention_module, "_forward_plan", None)  # a miss would call it
    monkeypatch.setattr(attention_module, "_check_qkv_cuda", None)
    out = flash_attn_func(q, k, v)
    assert launches[-1].args[3] == out.data_ptr()


def test_flash_attn_func_has_flash_attns_signature(torch, launches):
    """flash-attn 2.x's positional order: window_size is the 7th argument
    (it used to bind to return_lse); bad or unsupported values raise
    ValueError naming the argument before any launch; defaults pass in any
    spelling."""
    import inspect

    names = list(inspect.signature(flash_attn_func).parameters)
    assert names[:11] == ["q", "k", "v", "dropout_p", "softmax_scale", "causal", "window_size",
                          "softcap", "alibi_slopes", "deterministic", "return_attn_probs"]
    q, k, v = qkv(torch, head_dim=64)
    out = flash_attn_func(q, k, v, 0.0, None, False, (-1, -1), 0.0, None, False, False)
    assert isinstance(out, torch.Tensor)
    assert isinstance(flash_attn_func(q, k, v, window_size=[-1, -1]), torch.Tensor)
    count = len(launches)
    for kwargs, message in (({"window_size": 5}, "window_size must be a pair"),
                            ({"softcap": "30"}, "softcap"),
                            ({"alibi_slopes": torch.Tensor((3,), torch.float16)}, "alibi_slopes"),
                            ({"return_attn_probs": True}, "return_attn_probs"),
                            ({"dropout_p": 0.1}, "dropout_p")):
        with pytest.raises(ValueError, match=message):
            flash_attn_func(q, k, v, **kwargs)
    assert len(launches) == count


def test_scaled_dot_product_attention_launches(torch, launches):
    """SDPA's shapes and conventions: (B, H, N, D) in and out (views of the
    kernels' (B, N, H, D)), top-left causal as a window whose right side is
    seqlen_q - seqlen_k, GQA only with enable_gqa, no attn_mask."""
    from flashtile import scaled_dot_product_attention as sdpa

    q, k, v = (x.transpose(1, 2) for x in qkv(torch, head_dim=64))  # (2, 3, N, 64) views
    out = sdpa(q, k, v, is_causal=True, scale=0.5)
    assert tuple(out.shape) == (2, 3, 113, 64)
    (fwd,) = launches
    assert fwd.args[:3] == [q.data_ptr(), k.data_ptr(), v.data_ptr()]
    assert fwd.args[8:11] == [q.stride(0), q.stride(2), q.stride(1)]  # (b, s, h) of the view
    assert fwd.args[25:28] == [0.5, 203, 113 - 203]  # scale, left unbounded, right
    del launches[:]
    square, _, _ = (x.transpose(1, 2) for x in qkv(torch, seqlen_q=203, head_dim=64))
    sdpa(square, k, v, is_causal=True)
    assert launches[0].args[26:28] == [0, 0]  # equal seqlens: plain causal
    k1, v1 = (torch.Tensor((2, 203, 1, 64)).transpose(1, 2) for _ in range(2))
    for kwargs, args, message in [
        (dict(attn_mask=object()), (q, k, v), "attn_mask is not supported"),
        (dict(dropout_p=0.1), (q, k, v), "dropout"),
        ({}, (q, k1, v1), "enable_gqa=True"),
        ({}, (torch.Tensor((3, 113, 64)), k, v), "query must be a"),
    ]:
        with pytest.raises(ArgumentError, match=message):
            sdpa(*args, **kwargs)
    del launches[:]
    sdpa(q, k1, v1, enable_gqa=True)
    assert launches[0].args[20:23] == [0, 3, 3]  # head_ratio 3


# -- Packed (varlen) batches -----------------------------------------------------


def packed_qkv(torch, total_q=300, total_k=420, nheads=4, nheads_k=2, head_dim=64, batch=3):
    q = torch.Tensor((total_q, nheads, head_dim), torch.float16)
    k, v = (torch.Tensor((total_k, nheads_k, head_dim), torch.float16) for _ in range(2))
    cu_q, cu_k = (torch.Tensor((batch + 1,), torch.int32) for _ in range(2))
    return q, k, v, cu_q, cu_k


def test_varlen_launches_over_the_longest_sequence_with_batch_strides_zero(torch, launches):
    q, k, v, cu_q, cu_k = packed_qkv(torch)
    out, lse = flashtile.flash_attn_varlen_func(q, k, v, cu_q, cu_k, 150, 200, causal=True,
                                                return_lse=True)
    assert out.shape == q.shape and lse.shape == (4, 300) and lse.dtype == torch.float32
    (fwd,) = launches
    config = candidates("attention_fwd", 64, variant=True)[0]  # GQA
    assert fwd.grid == (cdiv(150, config.kwargs["BLOCK_M"]), 3 * 4, 1)
    assert fwd.args[4] == lse.data_ptr() and fwd.args[6:8] == [cu_q.data_ptr(), cu_k.data_ptr()]
    # (batch, seq, head) strides: batch 0 (the sequences are found by cu_seqlens)
    assert fwd.args[8:11] == [0, 4 * 64, 64] and fwd.args[11:14] == [0, 2 * 64, 64]
    # stride_alibi_b, nheads, head_ratio, then the packed totals as seqlen_q/k
    assert fwd.args[20:25] == [0, 4, 2, 300, 420]


def test_varlen_backward_launches_over_the_longest_key_sequence(torch, launches):
    q, k, v, cu_q, cu_k = packed_qkv(torch, nheads_k=4)
    batch = attention_module._varlen_batch(q, k, v, cu_q, cu_k, 150, 200, 0.0)
    opts = attention_module._options(batch.q, batch.k, True)
    out, lse = attention_module._forward(batch.q, batch.k, batch.v, None, opts, batch=batch)
    del launches[:]
    dq, dk, dv = attention_module._backward(out, batch.q, batch.k, batch.v, out, lse, None, opts,
                                            deterministic=True, batch=batch)
    assert (dq.shape, dk.shape, dv.shape) == ((1, 300, 4, 64), (1, 420, 4, 64), (1, 420, 4, 64))
    pre, dkdv, dq_pass = launches
    assert [l.kernel for l in launches] == ["attention_bwd_preprocess", "attention_bwd_dkdv",
                                            "attention_bwd_dq"]
    assert pre.grid[1] == dkdv.grid[1] == dq_pass.grid[1] == 12
    config = candidates("attention_bwd_dkdv", 64)[0]
    assert dkdv.grid[0] == cdiv(200, config.kwargs["BLOCK_N"])
    assert dkdv.args[10:12] == [cu_q.data_ptr(), cu_k.data_ptr()]
    assert pre.args[3] == cu_q.data_ptr()


@pytest.mark.parametrize("change,message", [
    (dict(q=(300, 4, 1, 64)), "q must be a 3-d tensor"),
    (dict(cu_q="float"), "cu_seqlens_q must be a 1-d torch.int32 tensor"),
    (dict(cu_k=(2,)), "cu_seqlens_q has 3 sequences but cu_seqlens_k 1"),
    (dict(max_q=-1), "max_seqlen_q must be an int >= 0"),
    (dict(max_k=2.5), "max_seqlen_k must be an int >= 0"),
    (dict(block_table=True), "block_table"),
    (dict(return_attn_probs=True), "return_attn_probs"),
    (dict(dropout_p=0.1), "dropout_p"),
    (dict(alibi=(2, 4)), r"alibi_slopes must have shape \(4,\) or \(3, 4\)"),
])
def test_varlen_errors_name_the_argument_before_any_launch(torch, launches, change, message):
    q, k, v, cu_q, cu_k = packed_qkv(torch)
    if "q" in change:
        q = torch.Tensor(change["q"], torch.float16)
    if change.get("cu_q") == "float":
        cu_q = torch.Tensor((4,), torch.float32)
    if "cu_k" in change:
        cu_k = torch.Tensor(change["cu_k"], torch.int32)
    kwargs = {}
    for name in ("block_table", "return_attn_probs", "dropout_p"):
        if name in change:
            kwargs[name] = change[name]
    if "alibi" in change:
        kwargs["alibi_slopes"] = torch.Tensor(change["alibi"], torch.float32)
    with pytest.raises(ValueError, match=message):
        flashtile.flash_attn_varlen_func(q, k, v, cu_q, cu_k, change.get("max_q", 150),
                                         change.get("max_k", 200), **kwargs)
    assert not launches


# -- flash_attn_with_kvcache ------------------------------------------------------


def test_kvcache_appends_then_splits_and_combines(torch, launches):
    q = torch.Tensor((2, 1, 8, 128), torch.float16)
    k_cache, v_cache = (torch.Tensor((2, 8192, 2, 128), torch.float16) for _ in range(2))
    k, v = (torch.Tensor((2, 1, 2, 128), torch.float16) for _ in range(2))
    seqlens = torch.Tensor((2,), torch.int32)
    out, lse = flashtile.flash_attn_with_kvcache(q, k_cache, v_cache, k, v, cache_seqlens=seqlens,
                                                 causal=True, return_softmax_lse=True)
    assert out.shape == q.shape and lse.shape == (2, 8, 1)
    assert [l.kernel for l in launches] == ["kvcache_append", "kvcache_append",
                                            "attention_kvcache", "attention_combine"]
    append_k, append_v, attend, combine = launches
    assert append_k.args[:3] == [k.data_ptr(), k_cache.data_ptr(), seqlens.data_ptr()]
    assert append_v.args[:2] == [v.data_ptr(), v_cache.data_ptr()]
    splits, split_len = attention_module.kvcache_splits(2, 8, 1, 8192, 64)
    assert splits > 1 and attend.grid == (1, 16, splits)
    assert attend.args[6] != seqlens.data_ptr()  # cache_seqlens + 1 after the append
    assert combine.grid == (1, 16, 1) and combine.args[2:4] == [out.data_ptr(), lse.data_ptr()]


def test_kvcache_paged_and_errors(torch, launches):
    q = torch.Tensor((2, 1, 4, 64), torch.float16)
    pages = torch.Tensor((10, 32, 4, 64), torch.float16)
    table = torch.Tensor((2, 5), torch.int32)
    seqlens = torch.Tensor((2,), torch.int32)
    flashtile.flash_attn_with_kvcache(q, pages, pages, cache_seqlens=seqlens, block_table=table)
    (attend, _) = launches
    assert attend.kernel == "attention_kvcache" and attend.args[8] == table.data_ptr()
    with pytest.raises(ValueError, match="rotary_cos"):
        flashtile.flash_attn_with_kvcache(q, pages, pages, rotary_cos=q, cache_seqlens=seqlens,
                                          block_table=table)
    with pytest.raises(ValueError, match="cache_seqlens is required with block_table"):
        flashtile.flash_attn_with_kvcache(q, pages, pages, block_table=table)
    with pytest.raises(ValueError, match="page_block_size 24 must be a multiple of 16"):
        odd = torch.Tensor((10, 24, 4, 64), torch.float16)
        flashtile.flash_attn_with_kvcache(q, odd, odd, cache_seqlens=seqlens, block_table=table)
    with pytest.raises(ValueError, match="k_cache is on cpu"):
        cpu = torch.Tensor((2, 64, 4, 64), torch.float16, device="cpu")
        flashtile.flash_attn_with_kvcache(q, cpu, cpu, cache_seqlens=3)
    assert len(launches) == 2


@pytest.mark.parametrize("name,message", [
    ("ядро", "is not a PTX identifier"),
    ("global_smem", "is reserved for the NVIDIA back end's own symbols"),
    ("__nvvm_reflect", "is reserved"),
])
def test_kernel_names_the_nvptx_back_end_cannot_take_are_located_errors(name, message):
    # Before: a non-ASCII name aborted the process in the NVPTX back end,
    # global_smem compiled silently wrong, __nvvm_reflect gave no .entry.
    source = ("import flashtile\nimport flashtile.language as fl\n\n@flashtile.jit\n"
              f"def {name}(X: fl.pointer(fl.float32)):\n    fl.store(X, 1.0)\n")
    with pytest.raises(CompilationError, match=rf"k\.py:5:5: error: kernel name '{name}' {message}"):
        _native.core().compile(source, "k.py", name, {}, {"X": "*f32"}, {"X"}, False, "cuda", 80,
                               4, 2, set())
