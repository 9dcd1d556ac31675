#!/usr/bin/env python3
"""Compile time and CPU-side launch overhead of the @flashtile.jit path, for
kernels/attention.py's forward kernel.

    PYTHONPATH=python python3 bench/bench_compile.py [--repeat 20]

Rows:
  cold compile     front end + tile-optimize + writing the disk cache
                   (fresh cache directory, fresh JITFunction)
  disk-cached      a fresh JITFunction finding the tile IR on disk
                   (read + checksum + parse/verify)
  memory-cached    the same JITFunction again (dict lookup after binding)
  launch, empty    kernel[(0, 1)](...): binding + specialisation key +
                   cache lookup, no program runs (the pure Python overhead)
  launch, 1 prog   kernel[(1, 1)](...) of a 16x16 problem on the CPU
                   executor (overhead + one tiny program)

Times are medians over --repeat runs (cold and disk-cached use a new cache
directory / JITFunction each time).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

import flashtile  # noqa: E402
from flashtile import kernels  # noqa: E402
from flashtile.jit import JITFunction  # noqa: E402


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def problem(seqlen: int, head_dim: int = 64):
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((1, seqlen, 1, head_dim)).astype(np.float16) for _ in range(3))
    o = np.zeros_like(q)
    lse = np.zeros((1, 1, seqlen), np.float32)
    strides = []
    for x in (q, k, v, o):
        strides += [s // x.itemsize for s in x.strides[:3]]
    slopes = np.zeros(1, np.float32)  # no ALiBi
    no_seqlens = np.zeros(1, np.int32)  # a padded batch
    # stride_alibi_b, nheads, head_ratio, seqlens, scale, window sides, softcap
    args = (q, k, v, o, lse, slopes, no_seqlens, no_seqlens, *strides, 0, 1, 1, seqlen, seqlen, head_dim ** -0.5, 0, 0,
            0.0)
    meta = dict(HEAD_DIM=head_dim, BLOCK_M=16, BLOCK_N=16, CAUSAL=True)
    return args, meta


def median_ms(samples):
    return 1e3 * statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    kernel: JITFunction = kernels.load("attention").attention_fwd
    launch_args, meta = problem(16)
    rows = []

    cold, disk = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for i in range(max(3, args.repeat // 4)):
            os.environ["FLASHTILE_CACHE_DIR"] = os.path.join(scratch, f"cold{i}")
            fresh = JITFunction(kernel.fn)
            start = time.perf_counter()
            fresh.compile(*launch_args, **meta)
            cold.append(time.perf_counter() - start)
            assert fresh.stats["compiled"] == 1
            again = JITFunction(kernel.fn)
            start = time.perf_counter()
            again.compile(*launch_args, **meta)
            disk.append(time.perf_counter() - start)
            assert again.stats["disk"] == 1
        rows.append(("cold compile", median_ms(cold), len(cold)))
        rows.append(("disk-cached", median_ms(disk), len(disk)))

        warm = JITFunction(kernel.fn)
        warm.compile(*launch_args, **meta)
        memory = []
        for _ in range(args.repeat * 10):
            start = time.perf_counter()
            warm.compile(*launch_args, **meta)
            memory.append(time.perf_counter() - start)
        rows.append(("memory-cached", median_ms(memory), len(memory)))

        empty = []
        for _ in range(args.repeat * 10):
            start = time.perf_counter()
            warm[(0, 1)](*launch_args, **meta)
            empty.append(time.perf_counter() - start)
        rows.append(("launch, empty grid", median_ms(empty), len(empty)))

        one = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            warm[(1, 1)](*launch_args, **meta)
            one.append(time.perf_counter() - start)
        rows.append(("launch, 1 program", median_ms(one), len(one)))

    print("FlashTile compile / launch overhead: attention_fwd (fp16, d=64, causal, 16x16 blocks)")
    print(f"command:  {shlex.join([sys.executable] + sys.argv)}")
    print(f"machine:  {platform.node()}, {cpu_model()}, {os.cpu_count()} CPUs, "
          f"{platform.system()} {platform.release()}")
    print(f"python:   {platform.python_version()}, numpy {np.__version__}")
    print(f"compiler: {flashtile.compiler_version()}")
    print()
    print(f"{'what':<22}{'median':>12}{'runs':>7}")
    print("-" * 41)
    for name, ms, count in rows:
        value = f"{ms:.3f} ms" if ms >= 0.1 else f"{ms * 1e3:.1f} us"
        print(f"{name:<22}{value:>12}{count:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
