"""Where the host time of a cached flash_attn_func call and of a cached
@jit launch goes: each step timed alone (flashtile.testing.do_bench_host: the
GPU kept busy, so that only host time is measured), then a cProfile of the whole call. Needs a CUDA GPU.

    python3 bench/profile_host.py [--calls 5000]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

import torch  # noqa: E402

import flashtile.attention as fa  # noqa: E402
from flashtile import kernels  # noqa: E402
from flashtile.backends import launch_on_device  # noqa: E402
from flashtile.testing import do_bench_host  # noqa: E402


def per_call_us(fn: Callable[[], Any], calls: int) -> float:
    """Host µs per call, the GPU kept busy (flashtile.testing.do_bench_host)."""
    return do_bench_host(fn, calls=min(calls, 200))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args(argv)
    n = args.calls
    q = torch.randn((1, 128, 1, 64), device="cuda", dtype=torch.float16)
    rows = []

    def row(name: str, fn: Callable[[], Any]) -> None:
        us = per_call_us(fn, n)
        rows.append((name, us))
        print(f"{us:8.2f} us  {name}", flush=True)

    row("python call of a no-op", lambda: None)
    row("torch.empty(q.shape) fp16", lambda: torch.empty(q.shape, dtype=q.dtype, device=q.device))
    row("torch.empty((1,1,128)) fp32",
        lambda: torch.empty((1, 1, 128), dtype=torch.float32, device=q.device))
    row("torch.empty_like(q)", lambda: torch.empty_like(q))
    row("q.stride(), q.shape, q.dtype, q.device",
        lambda: (q.stride(), q.shape, q.dtype, q.device))
    row("q.data_ptr()", q.data_ptr)
    row("_forward_key", lambda: fa._forward_key(q, q, q, None, False, True, False))
    row("torch.is_grad_enabled()", torch.is_grad_enabled)
    raw = torch._C._cuda_getCurrentRawStream
    row("_cuda_getCurrentRawStream(0)", lambda: raw(0))
    row("_cuda_getDevice()", torch._C._cuda_getDevice)

    add = kernels.load("vector_add").vector_add
    x = torch.randn(1024, device="cuda")
    launch = add[(1,)]
    compiled = launch(x, x, x, 1024, BLOCK=1024)
    native = compiled.native
    ptrs = [x.data_ptr(), x.data_ptr(), x.data_ptr(), 1024]
    row("native.launch_cuda (vector_add, 4 args)", lambda: native.launch_cuda((1, 1, 1), ptrs, 0))
    row("launch_on_device (vector_add)", lambda: launch_on_device(native, (1, 1, 1), ptrs, 0))
    row("native.launch_cuda, grid (0,1,1): binding only", lambda: native.launch_cuda((0, 1, 1), ptrs, 0))
    row("q.new_empty((1,1,128), dtype=float32)", lambda: q.new_empty((1, 1, 128), dtype=torch.float32))
    row("torch.empty((1,1,128), device=0 int)", lambda: torch.empty((1, 1, 128), dtype=torch.float32, device=0))
    row("add._signature (vector_add)", lambda: add._signature((x, x, x, 1024), {"BLOCK": 1024},
                                                            4, 2))
    row("@jit launch add[(1,)](...) (cached)", lambda: launch(x, x, x, 1024, BLOCK=1024))

    fa.flash_attn_func(q, q, q)
    plan = next(iter(fa._FORWARD_PLANS.values()))
    # As _checked_forward launches it: q, k, v, out, lse, the ALiBi dummy,
    # cu_seqlens_q/k dummies, then the strides and scalars.
    args = ([q.data_ptr()] * 5 + [plan.dummy_ptr, plan.no_seqlens_ptr, plan.no_seqlens_ptr]
            + plan.tail)
    row(f"launch_on_device of the plan (attention_fwd, {len(args)} args)",
        lambda: launch_on_device(plan.native, plan.grid, args, plan.index))
    row("flash_attn_func(q, q, q) (cached)", lambda: fa.flash_attn_func(q, q, q))
    row("flash_attn_func(q, q, q, return_lse=True) (cached)",
        lambda: fa.flash_attn_func(q, q, q, return_lse=True))

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        fa.flash_attn_func(q, q, q)
    profile.disable()
    torch.cuda.synchronize()
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(25)
    print(text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
