"""Every kernel of kernels/ compiles to PTX through the C++ API (target
"cuda"; no GPU needed) for sm_75, sm_80 and sm_90, and NVIDIA's assembler
accepts it: ``ptxas -arch=sm_XX``. The attention kernels, at the launch
configurations flash_attn_func may use (every candidate of its autotuner,
flashtile.attention.CANDIDATES), must assemble with 0 spill bytes; so must
the variant candidates (MQA/GQA, windows, softcap, ALiBi) in their worst
cases for registers, packed (varlen) batches and flash_attn_with_kvcache's
kernels.

Dtypes: f16 everywhere; bf16 and tf32 matrix products (mma.sync) need sm_80,
so at sm_75 they must fail with a clear error naming the requirement; f32
products in full precision have no mma.sync at all and must say so.

Skipped when ptxas is not found (PATH, $CUDA_HOME/bin, /usr/local/cuda/bin).
The compiles run in a thread pool (the C++ API releases the GIL).
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

import pytest

from flashtile import _native
from flashtile.attention import (_KERNEL_FUNCTIONS, CANDIDATES, KERNELS,
                                 block_d, candidates, preprocess_block_m)
from flashtile.errors import CompilationError
from flashtile.kernels import kernels_dir
from flashtile.ptxas import find_ptxas, signature

ARCHS = (75, 80, 90)
ATTENTION_HEAD_DIMS = (16, 32, 64, 80, 128, 256)



PTXAS = find_ptxas()
pytestmark = pytest.mark.skipif(
    PTXAS is None, reason="ptxas not found on PATH, in $CUDA_HOME/bin or /usr/local/cuda/bin "
    "(install the CUDA toolkit's ptxas to run the PTX assembly checks)")


class Case(NamedTuple):
    file: str
    kernel: str
    dtype: str  # element type of the untyped pointers
    constexprs: Dict
    arch: int
    num_warps: int = 4
    num_stages: int = 2
    expect_error: Optional[str] = None  # a regex the compile error must match
    check_spills: bool = False
    equal_to_1: Tuple[str, ...] = ()  # ints specialised as 1 (as the JIT does)
    #: The JIT specialises ints divisible by 16; every stride of a contiguous
    #: tensor is (its 16-byte cp.async path). False: no stride is (the
    #: scalar-load path of odd layouts).
    strides_divisible: bool = True
    divisible: Tuple[str, ...] = ()  # other ints specialised as multiples of 16

    @property
    def id(self) -> str:
        cx = ",".join(f"{k}={v}" for k, v in sorted(self.constexprs.items()))
        ones = "".join(f"-{name}=1" for name in self.equal_to_1)
        odd = "" if self.strides_divisible else "-odd-strides"
        return (f"{self.kernel}-{self.dtype}-sm{self.arch}-w{self.num_warps}s{self.num_stages}"
                f"-{cx}{ones}{odd}")


def function(kernel: str) -> str:
    """The @jit function behind a tuned attention kernel's name."""
    return _KERNEL_FUNCTIONS.get(kernel, kernel)


def _attention_cases() -> List[Case]:
    """Every candidate of flash_attn_func's autotuner in f16, causal or not;
    the defaults (first candidates) in bf16 too."""
    cases = []
    for head_dim in ATTENTION_HEAD_DIMS:
        common = {"HEAD_DIM": head_dim}
        for arch in ARCHS:
            for dtype in ("f16", "bf16"):
                error = r"bf16 mma\.sync needs sm_80" if dtype == "bf16" and arch < 80 else None
                for kernel in (k for k in KERNELS if block_d(head_dim) in CANDIDATES[k]):
                    configs = candidates(kernel, head_dim, arch)
                    for config in configs if dtype == "f16" else configs[:1]:
                        # Odd layouts (a stride not divisible by 16) take the
                        # scalar-load path: checked for the default only.
                        layouts = (True, False) if config == configs[0] else (True,)
                        for causal, divisible in itertools.product((False, True), layouts):
                            cx = dict(common, **config.kwargs, CAUSAL=causal)
                            cases.append(Case("attention.py", function(kernel), dtype, cx, arch,
                                              config.num_warps, config.num_stages, error,
                                              check_spills=error is None,
                                              equal_to_1=MHA, strides_divisible=divisible))
                for small in ("attention_bwd_preprocess", "attention_bwd_dq_convert"):
                    cases.append(Case("attention.py", small, dtype,
                                      dict(common, BLOCK_M=preprocess_block_m(head_dim)), arch, 4, 1, None,
                                      True))
    return cases


#: MHA: the JIT specialises head_ratio == 1 as the constant (MQA/GQA pass it
#: at run time, and dK/dV loops over the group's heads).
MHA = ("head_ratio",)
#: The variants' worst cases for registers: all three score/mask variants at
#: once, MQA/GQA causal, and MQA/GQA with all three.
VARIANTS = {
    "all": (dict(WINDOW=True, SOFTCAP=True, ALIBI=True), MHA),
    "gqa-causal": (dict(CAUSAL=True), ()),
    "gqa-all": (dict(WINDOW=True, SOFTCAP=True, ALIBI=True), ()),
}
VARIANT_HEAD_DIMS = (32, 64, 128, 256)
#: kernels/matmul.py's inner strides, 1 for row-major A, B and C.
MATMUL_UNIT_STRIDES = ("stride_ak", "stride_bn", "stride_cn")


def _variant_cases() -> List[Case]:
    """Every variant candidate (attention.candidates(..., variant=True)) in
    f16 under each of VARIANTS: what flash_attn_func runs for MQA/GQA,
    windows, softcap and ALiBi."""
    cases = []
    for head_dim in VARIANT_HEAD_DIMS:
        for arch in ARCHS:
            for kernel in ("attention_fwd", "attention_bwd_dkdv", "attention_bwd_dq"):
                for config in candidates(kernel, head_dim, arch, variant=True):
                    for flags, ones in VARIANTS.values():
                        cx = dict(HEAD_DIM=head_dim, **config.kwargs, **flags)
                        cases.append(Case("attention.py", kernel, "f16", cx, arch,
                                          config.num_warps, config.num_stages,
                                          check_spills=True, equal_to_1=ones))
    return cases


def _small_kernel_cases() -> List[Case]:
    cases = []
    for arch in ARCHS:
        for dtype in ("f16", "bf16", "f32"):
            cases.append(Case("vector_add.py", "vector_add", dtype, {"BLOCK": 1024}, arch))
            cases.append(Case("softmax.py", "softmax", dtype, {"BLOCK": 1024}, arch))
            cases.append(Case("layer_norm.py", "layer_norm_fwd", dtype, {"BLOCK": 1024}, arch,
                              num_warps=8))
        blocks = {"BLOCK_M": 64, "BLOCK_N": 64, "BLOCK_K": 32}
        cases.append(Case("matmul.py", "matmul", "f16", blocks, arch))
        cases.append(Case("matmul.py", "matmul", "f16", {"BLOCK_M": 128, "BLOCK_N": 128,
                                                         "BLOCK_K": 32}, arch, 8, 3))
        # Row-major operands as the JIT sees them: unit inner strides.
        cases.append(Case("matmul.py", "matmul", "f16", {"BLOCK_M": 128, "BLOCK_N": 128,
                                                         "BLOCK_K": 32}, arch, 8, 3,
                          equal_to_1=MATMUL_UNIT_STRIDES, divisible=("M", "N", "K"),
                          check_spills=True))
        cases.append(Case("matmul.py", "matmul", "bf16", blocks, arch,
                          expect_error=r"bf16 mma\.sync needs sm_80" if arch < 80 else None))
        cases.append(Case("matmul.py", "matmul", "f32", dict(blocks, ALLOW_TF32=True), arch,
                          expect_error=r"tf32 mma\.sync needs sm_80" if arch < 80 else None))
        cases.append(Case("matmul.py", "matmul", "f32", dict(blocks, ALLOW_TF32=False), arch,
                          expect_error=r"input_precision = ieee have no mma\.sync"))
    return cases


def _varlen_cases() -> List[Case]:
    """Packed batches (VARLEN: offsets and lengths loaded from cu_seqlens)
    at every candidate of the kernels they run (the forward, and the
    separate dQ pass: flash_attn_varlen_func takes no atomics), f16 causal."""
    cases = []
    for head_dim in ATTENTION_HEAD_DIMS:
        for arch in ARCHS:
            for kernel in ("attention_fwd", "attention_bwd_dkdv", "attention_bwd_dq"):
                for config in candidates(kernel, head_dim, arch):
                    cx = dict(HEAD_DIM=head_dim, **config.kwargs, CAUSAL=True, VARLEN=True)
                    cases.append(Case("attention.py", kernel, "f16", cx, arch, config.num_warps,
                                      config.num_stages, check_spills=True, equal_to_1=MHA))
                flags, ones = VARIANTS["gqa-all"]  # and the variants' worst case
                for config in candidates(kernel, head_dim, arch, variant=True):
                    if head_dim in VARIANT_HEAD_DIMS:
                        cx = dict(HEAD_DIM=head_dim, **config.kwargs, **flags, VARLEN=True)
                        cases.append(Case("attention.py", kernel, "f16", cx, arch,
                                          config.num_warps, config.num_stages, check_spills=True,
                                          equal_to_1=ones))
    return cases


#: (q/k, v) head dims that differ (e.g. DeepSeek's 192/128): the candidates
#: of the larger, as flash_attn_func picks them.
VALUE_HEAD_DIMS = ((192, 128), (64, 128), (128, 64))


def _value_dim_cases() -> List[Case]:
    cases = []
    for head_dim, head_dim_v in VALUE_HEAD_DIMS:
        for arch in ARCHS:
            for kernel in ("attention_fwd", "attention_bwd_dkdv", "attention_bwd_dq"):
                for config in candidates(kernel, max(head_dim, head_dim_v), arch):
                    cx = dict(HEAD_DIM=head_dim, HEAD_DIM_V=head_dim_v, **config.kwargs,
                              CAUSAL=True)
                    cases.append(Case("attention.py", kernel, "f16", cx, arch, config.num_warps,
                                      config.num_stages, check_spills=True, equal_to_1=MHA))
    return cases


def _kvcache_cases() -> List[Case]:
    """flash_attn_with_kvcache's kernels at the blocks it launches them with:
    contiguous (with cache_batch_idx) and paged caches, causal and with every
    score variant, f16."""
    from flashtile.attention import KVCACHE_BLOCK_M, kvcache_block_n, kvcache_rows
    cases = []
    for head_dim in ATTENTION_HEAD_DIMS:
        for arch in ARCHS:
            common = dict(HEAD_DIM=head_dim, BLOCK_M=KVCACHE_BLOCK_M)
            elementwise = dict(HEAD_DIM=head_dim, BLOCK_M=kvcache_rows(head_dim))
            for paged in (False, True):
                for flags in (dict(CAUSAL=True), dict(WINDOW=True, SOFTCAP=True, ALIBI=True)):
                    cx = dict(common, BLOCK_N=kvcache_block_n(head_dim, 256 if paged else 0),
                              PAGED=paged, PAGE_SIZE=256, BATCH_INDEX=not paged, **flags)
                    cases.append(Case("attention.py", "attention_kvcache", "f16", cx, arch,
                                      check_spills=True))
                for turn in (False, True):
                    cases.append(Case("attention.py", "kvcache_append", "f16",
                                      dict(elementwise, PAGED=paged, ROTARY=turn,
                                           INTERLEAVED=paged), arch, check_spills=True))
            for interleaved in (False, True):
                cases.append(Case("attention.py", "rotary_embed", "f16",
                                  dict(elementwise, INTERLEAVED=interleaved), arch,
                                  check_spills=True))
            cases.append(Case("attention.py", "attention_combine", "f16", common, arch,
                              check_spills=True))
    return cases


CASES = (_small_kernel_cases() + _attention_cases() + _variant_cases() + _varlen_cases()
         + _value_dim_cases() + _kvcache_cases())


class Result(NamedTuple):
    error: Optional[str]  # the compile error, if any
    ptx: str
    report: str  # ptxas -v output
    returncode: int



def _run(case: Case) -> Result:
    path = kernels_dir() / case.file
    source = path.read_text()
    types = signature(source, str(path), case.kernel, case.dtype)
    aligned = {name for name, t in types.items()
               if t.startswith("*") or name in case.divisible
               or (case.strides_divisible and name.startswith("stride")
                   and name not in case.equal_to_1)}
    try:
        kernel = _native.core().compile(source, str(path), case.kernel, case.constexprs, types,
                                        aligned, False, "cuda", case.arch, case.num_warps,
                                        case.num_stages, set(case.equal_to_1))
    except CompilationError as error:
        return Result(str(error), "", "", -1)
    with tempfile.TemporaryDirectory() as tmp:
        ptx = Path(tmp) / "kernel.ptx"
        ptx.write_text(kernel.ptx)
        done = subprocess.run([PTXAS, f"-arch=sm_{case.arch}", "-v", str(ptx), "-o",
                               str(Path(tmp) / "kernel.cubin")], capture_output=True, text=True)
    return Result(None, kernel.ptx, done.stdout + done.stderr, done.returncode)


@pytest.fixture(scope="module")
def results() -> Dict[str, Result]:
    if PTXAS is None:
        return {}
    with ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as pool:
        return dict(zip((c.id for c in CASES), pool.map(_run, CASES)))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_ptxas_accepts_the_ptx(case: Case, results: Dict[str, Result]):
    result = results[case.id]
    if case.expect_error:
        assert result.error is not None, f"expected a compile error matching {case.expect_error}"
        assert re.search(case.expect_error, result.error), result.error
        assert re.search(r"\.py:\d+:\d+: error:", result.error), result.error  # DSL location
        return
    assert result.error is None, result.error
    assert f".target sm_{case.arch}" in result.ptx
    assert f".visible .entry {case.kernel}(" in result.ptx
    assert result.returncode == 0, f"ptxas -arch=sm_{case.arch} rejected the PTX:\n{result.report}"
    if case.check_spills:
        spills = re.findall(r"(\d+) bytes spill stores, (\d+) bytes spill loads", result.report)
        assert spills, result.report
        assert all(s == ("0", "0") for s in spills), (
            f"{case.kernel} spills at the flash_attn_func configuration:\n{result.report}")
    if case.kernel in _COPIED_KERNELS and case.dtype == "f16" and case.arch >= 80 and (
            case.kernel != "matmul" or case.equal_to_1):
        # Divisible strides are what makes the tiles cp.async copies (sm_80
        # on; 8 bytes where a tile has fewer 16-byte pieces than threads);
        # odd strides must not claim them.
        copies = re.search(r"cp\.async\.c[ag]\.shared\.global", result.ptx) is not None
        assert copies == case.strides_divisible, (
            f"cp.async copies {'missing' if case.strides_divisible else 'with odd strides'}")


#: Kernels whose K/V (or Q/dO, A/B) tiles are pipelined through cp.async.
_COPIED_KERNELS = ("attention_fwd", "attention_bwd_dkdv", "attention_bwd_dq", "matmul")
