"""Timing helpers, as in ``triton.testing``: :func:`do_bench` times a callable
on the GPU (CUDA events, the L2 cache flushed before each run) or on the CPU
(wall clock), and returns its median time in milliseconds. The autotuner
(:mod:`flashtile.autotune`) and the benchmarks in bench/ use it.
:func:`do_bench_host` measures the host time of a call that launches GPU
work (the launch overhead), with the GPU kept busy so that it is never the
bottleneck.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any, Callable, List

__all__ = ["do_bench", "do_bench_host"]

#: Bytes written before every timed run to evict the previous run's data from
#: the GPU's L2 cache (larger than any current L2: 50 MB on an H100/H200).
_L2_FLUSH_BYTES = 256 << 20


def _cuda_torch() -> Any:
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return None
    return torch


def do_bench(fn: Callable[[], Any], warmup: float = 25.0, rep: float = 100.0,
             device: str = "cuda") -> float:
    """Median time of ``fn()`` in milliseconds: about `warmup` ms of untimed
    runs, then runs for about `rep` ms (at least 5), each timed alone.
    ``device="cuda"`` times the current CUDA stream with events (``fn`` only
    enqueues work); ``device="cpu"`` times ``fn`` with the wall clock."""
    if device == "cuda":
        torch = _cuda_torch()
        if torch is None:
            raise RuntimeError("do_bench(device='cuda') needs torch with a CUDA device")
        return _bench_cuda(torch, fn, warmup, rep)
    if device != "cpu":
        raise ValueError(f"do_bench: device must be 'cuda' or 'cpu', got {device!r}")
    return _bench_cpu(fn, warmup, rep)


def _bench_cuda(torch: Any, fn: Callable[[], Any], warmup: float, rep: float) -> float:
    flush = torch.empty(_L2_FLUSH_BYTES, dtype=torch.int8, device="cuda")
    fn()
    torch.cuda.synchronize()
    # Estimate one run's time to size the warm-up and the timed runs.
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(5):
        flush.zero_()
        fn()
    end.record()
    torch.cuda.synchronize()
    estimate = max(start.elapsed_time(end) / 5, 1e-3)
    for _ in range(max(1, int(warmup / estimate))):
        fn()
    runs = max(5, int(rep / estimate))
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(runs)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(runs)]
    for s, e in zip(starts, ends):
        flush.zero_()
        s.record()
        fn()
        e.record()
    torch.cuda.synchronize()
    return statistics.median(s.elapsed_time(e) for s, e in zip(starts, ends))


def _bench_cpu(fn: Callable[[], Any], warmup: float, rep: float) -> float:
    begin = time.perf_counter()
    fn()
    estimate = max((time.perf_counter() - begin) * 1e3, 1e-3)
    for _ in range(int(warmup / estimate)):
        fn()
    times: List[float] = []
    for _ in range(max(5, int(rep / estimate))):
        begin = time.perf_counter()
        fn()
        times.append((time.perf_counter() - begin) * 1e3)
    return statistics.median(times)


def do_bench_host(fn: Callable[[], Any], calls: int = 200, rounds: int = 9,
                  busy_us_per_call: float = 100.0) -> float:
    """Median over `rounds` of the host time per call of ``fn()`` in
    microseconds, where ``fn`` enqueues GPU work (a launch). Each round first
    enqueues a GPU sleep longer than the round's calls could take
    (`busy_us_per_call` each), so the calls queue behind it: the time is the
    host's alone, not the GPU's throughput of small kernels (which is what a
    loop of back-to-back launches measures once the launch queue is full).
    `calls` stays well below the driver's queue depth (about a thousand
    launches) for the same reason."""
    torch = _cuda_torch()
    if torch is None:
        raise RuntimeError("do_bench_host needs torch with a CUDA device")
    for _ in range(20):
        fn()
    torch.cuda.synchronize()
    cycles_per_us = 2000  # about 2 GHz; the margin of busy_us_per_call covers faster clocks
    results = []
    for _ in range(rounds):
        torch.cuda._sleep(int(calls * busy_us_per_call * cycles_per_us))
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        results.append((time.perf_counter() - start) / calls * 1e6)
        if torch.cuda.current_stream().query():  # the GPU caught up: a call took longer
            raise RuntimeError(f"do_bench_host: a call took over {busy_us_per_call} us; "
                               "raise busy_us_per_call")
        torch.cuda.synchronize()
    return statistics.median(results)
