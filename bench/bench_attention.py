#!/usr/bin/env python3
"""FlashTile's attention (flashtile.flash_attn_func) against PyTorch's SDPA
backends on one GPU, in one run: speed, peak extra memory, launch overhead.

    PYTHONPATH=python python3 bench/bench_attention.py [--out bench/results] [--quick]

Problems (FlashAttention README style): 16k tokens per batch, i.e. batch =
16384 // seqlen, 12 heads, head dim 64 and 128 (at seqlen 2048 and 1024 these
are the B8 and B16 problems of /work/shared/peers-h200.md), seqlen 512 ... 16384,
causal and not, fp16, forward and forward+backward. Backends: flashtile,
triton-fa2 (a Triton FlashAttention-2 written for the bench,
bench/triton_attention.py, autotuned), and SDPA's flash (FlashAttention-2 in PyTorch), cudnn, efficient and math
(standard attention); a backend that is unsupported or runs out of memory is
reported as such. TFLOP/s count 4 * batch * heads * seqlen^2 * headdim for the
forward (half when causal) and 3.5 times that for forward+backward. Times are
medians of triton.testing.do_bench (CUDA events), or of CUDA-event timings
when Triton is missing. Peak extra memory is torch.cuda.max_memory_allocated
during one call beyond what was allocated before it (inputs excluded; outputs,
gradients and workspaces included). Also measured: peak extra memory of
fwd+bwd at B16 H12 N4096 d128 (the peers' memory figure), and the host time
of a cached launch (flashtile's @jit fast path, flash_attn_func, a Triton
kernel and a torch op) on tiny tensors.

Before a flashtile configuration is timed its output (and, for
forward+backward, its gradients) is checked against SDPA in float32: its
error must be at most twice that of SDPA's flash backend in fp16 plus 1e-4;
a configuration that fails is reported and not timed.

Written to --out: bench_attention.json (every number), speedup.png (flashtile
over sdpa-flash), tflops.png (absolute TFLOP/s, a line per backend over
seqlen), memory.png, and the tables printed at the end (markdown),
bench_attention.md. --quick runs seqlen 1024 and 4096 only; --budget-s stops
starting new measurements after that many seconds (default 200).
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

import torch  # noqa: E402

import flashtile  # noqa: E402
import flashtile.testing  # noqa: E402
from flashtile import kernels  # noqa: E402
from flashtile.attention import CANDIDATES, candidates, flash_attn_func  # noqa: E402

try:
    import triton
    import triton.language as tl
    from triton.testing import do_bench as _triton_do_bench

    import triton_attention  # bench/: a Triton FlashAttention-2, the Triton peer
except ImportError:  # pragma: no cover - Triton is on the GPU machine
    triton = None
    triton_attention = None

from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E402
from torch.nn.functional import scaled_dot_product_attention as sdpa  # noqa: E402

TOKENS = 16384
NHEADS = 12
HEAD_DIMS = (64, 128)
SEQLENS = (512, 1024, 2048, 4096, 8192, 16384)
QUICK_SEQLENS = (1024, 4096)
#: --issue: the configurations of the Speed I bar, (head dim, seqlen, batch,
#: heads), against the FlashAttention-2 and cuDNN backends only.
ISSUE_PROBLEMS = ((64, 1024, 8, 12), (64, 4096, 8, 12), (128, 1024, 16, 12),
                  (128, 4096, 16, 12), (128, 16384, 1, 16))
SDPA_BACKENDS = {
    "sdpa-flash": SDPBackend.FLASH_ATTENTION,
    "sdpa-cudnn": SDPBackend.CUDNN_ATTENTION,
    "sdpa-efficient": SDPBackend.EFFICIENT_ATTENTION,
    "sdpa-math": SDPBackend.MATH,
}
BACKENDS = ("flashtile", "triton-fa2") + tuple(SDPA_BACKENDS)
MODES = ("fwd", "fwd+bwd")


def median_ms(fn: Callable[[], Any], grad_to_none=None) -> float:
    """Median time of fn in milliseconds (do_bench, or CUDA events)."""
    if triton is not None:
        return float(_triton_do_bench(fn, warmup=10, rep=40, grad_to_none=grad_to_none,
                                      return_mode="median"))
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(10):
        if grad_to_none:
            for x in grad_to_none:
                x.grad = None
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def flops(batch: int, seqlen: int, head_dim: int, causal: bool, mode: str,
          heads: int = NHEADS) -> float:
    f = 4.0 * batch * heads * seqlen * seqlen * head_dim
    if causal:
        f /= 2
    return f * (3.5 if mode == "fwd+bwd" else 1.0)


class Problem:
    """Inputs of one (head dim, seqlen): flashtile's (B, N, H, D) and SDPA's
    (B, H, N, D), each contiguous in its own layout, same values."""

    def __init__(self, head_dim: int, seqlen: int, batch: Optional[int] = None, seed: int = 0,
                 heads: int = NHEADS):
        self.head_dim, self.seqlen, self.heads = head_dim, seqlen, heads
        self.batch = batch or max(1, TOKENS // seqlen)
        g = torch.Generator(device="cuda").manual_seed(seed)
        shape = (self.batch, seqlen, heads, head_dim)
        self.q, self.k, self.v, self.do = (
            torch.randn(shape, generator=g, device="cuda", dtype=torch.float16) for _ in range(4))
        self.sq, self.sk, self.sv, self.sdo = (
            x.transpose(1, 2).contiguous() for x in (self.q, self.k, self.v, self.do))

    def call(self, backend: str, causal: bool, mode: str) -> Tuple[Callable[[], Any], List]:
        """A function running one forward (+ backward), and the tensors whose
        gradients it accumulates."""
        if backend in ("flashtile", "flashtile-deterministic"):
            q, k, v = (x.detach().requires_grad_(mode != "fwd") for x in
                       (self.q, self.k, self.v))
            do = self.do
            deterministic = backend == "flashtile-deterministic"

            def fn():
                out = flash_attn_func(q, k, v, causal=causal, deterministic=deterministic)
                if mode != "fwd":
                    out.backward(do)
                return out
            return fn, [q, k, v]
        if backend == "triton-fa2":
            if triton_attention is None:
                raise RuntimeError("unsupported: Triton is not installed")
            q, k, v = (x.detach().requires_grad_(mode != "fwd") for x in
                       (self.q, self.k, self.v))

            def fn():
                out = triton_attention.attention(q, k, v, causal)
                if mode != "fwd":
                    out.backward(self.do)
                return out
            return fn, [q, k, v]
        q, k, v = (x.detach().requires_grad_(mode != "fwd") for x in (self.sq, self.sk, self.sv))
        which = SDPA_BACKENDS[backend]

        def fn():
            with sdpa_kernel(which):
                out = sdpa(q, k, v, is_causal=causal)
            if mode != "fwd":
                out.backward(self.sdo)
            return out
        return fn, [q, k, v]


def peak_extra_bytes(fn: Callable[[], Any], grads: List) -> int:
    for x in grads:
        x.grad = None
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    out = fn()
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated() - base
    del out
    for x in grads:
        x.grad = None
    return peak


def failure(error: BaseException) -> str:
    if isinstance(error, torch.cuda.OutOfMemoryError):
        return "OOM"
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if "No available kernel" in text or "not supported" in text.lower():
        return "unsupported"
    return f"error: {text[:100]}"


def check_flashtile(problem: Problem, causal: bool, mode: str,
                    attention: Optional[Callable[..., Any]] = None) -> Tuple[bool, str]:
    """flashtile (or `attention(q, k, v, causal)`) vs SDPA in float32
    (efficient backend; math if unsupported) under the bar
    err <= 2 * err(sdpa-flash fp16) + 1e-4."""
    def run(q, k, v, do, which, heads_first):
        q, k, v = (x.detach().requires_grad_(mode != "fwd") for x in (q, k, v))
        if which is None:
            out = (attention or (lambda q, k, v, c: flash_attn_func(q, k, v, causal=c)))(
                q, k, v, causal)
        else:
            with sdpa_kernel(which):
                out = sdpa(q, k, v, is_causal=causal)
        results = [out]
        if mode != "fwd":
            out.backward(do)
            results += [q.grad, k.grad, v.grad]
        if heads_first:
            results = [x.transpose(1, 2) for x in results]
        return [x.detach().float() for x in results]

    p = problem
    ref = None
    for which in (SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH):
        try:
            ref = run(p.sq.float(), p.sk.float(), p.sv.float(), p.sdo.float(), which, True)
            break
        except RuntimeError:
            continue
    if ref is None:
        return True, "not checked (no float32 SDPA reference)"
    base = None
    for which in (SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION):
        try:
            base = run(p.sq, p.sk, p.sv, p.sdo, which, True)
            break
        except RuntimeError:
            continue
    ours = run(p.q, p.k, p.v, p.do, None, False)
    notes = []
    ok = True
    for name, o, r, b in zip(("O", "dQ", "dK", "dV"), ours, ref, base or ref):
        err = (o - r).abs().max().item()
        bound = 2 * (b - r).abs().max().item() + 1e-4
        if not err <= bound:  # also catches NaN
            ok = False
        notes.append(f"{name} {err:.2e}/{bound:.2e}")
    return ok, ", ".join(notes)


# -- Launch overhead -------------------------------------------------------------

if triton is not None:
    @triton.jit
    def _triton_add(x_ptr, y_ptr, z_ptr, n, BLOCK: tl.constexpr):
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        mask = offs < n
        tl.store(z_ptr + offs, tl.load(x_ptr + offs, mask=mask) + tl.load(y_ptr + offs, mask=mask),
                 mask=mask)


def back_to_back_us(fn: Callable[[], Any], calls: int = 2000, rounds: int = 5) -> float:
    """Median over rounds of the time per call of `calls` back-to-back calls
    (the launch queue fills: for tiny kernels this is the GPU's throughput
    of small launches as much as host time); kept beside the host figure for
    comparison with earlier runs, which reported this."""
    for _ in range(20):
        fn()
    torch.cuda.synchronize()
    results = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        results.append((time.perf_counter() - start) / calls * 1e6)
        torch.cuda.synchronize()
    return statistics.median(results)


def launch_overheads() -> Dict[str, Dict[str, float]]:
    """Per cached call, µs: "host" (flashtile.testing.do_bench_host: the GPU
    kept busy, 200 calls a round, so only the host's time is measured) and
    "back_to_back" (2000 calls in a row, see back_to_back_us)."""
    n = 1024
    x, y = torch.randn(n, device="cuda"), torch.randn(n, device="cuda")
    z = torch.empty_like(x)
    add = kernels.load("vector_add").vector_add
    fwd = kernels.load("attention").attention_fwd
    q = torch.randn((1, 128, 1, 64), device="cuda", dtype=torch.float16)
    qt = q.transpose(1, 2)
    o = torch.empty_like(q)
    lse = torch.empty((1, 1, 128), device="cuda")
    cfg = candidates("attention_fwd", 64)[0]
    s = q.stride()[:3]
    no_alibi = torch.zeros(1, device="cuda")
    no_seqlens = torch.zeros(1, device="cuda", dtype=torch.int32)
    # stride_alibi_b, nheads, head_ratio, seqlens, scale, window sides, softcap
    args = (q, q, q, o, lse, no_alibi, no_seqlens, no_seqlens, *s, *s, *s, *s,
            0, 1, 1, 128, 128, 0.125, 0, 0, 0.0)
    calls: Dict[str, Callable[[], Any]] = {
        "flashtile vector_add (4 args, @jit fast path)":
            lambda: add[(1,)](x, y, z, n, BLOCK=1024),
        f"flashtile attention_fwd ({len(args)} args, @jit fast path)":
            lambda: fwd[(1, 1)](*args, HEAD_DIM=64, **cfg.all_kwargs()),
        "flashtile flash_attn_func fwd (checks, allocation, launch)":
            lambda: flash_attn_func(q, q, q),
    }
    if triton is not None:
        calls["triton vector add (4 args)"] = lambda: _triton_add[(1,)](x, y, z, n, BLOCK=1024)
    calls["torch x + y (for scale)"] = lambda: torch.add(x, y, out=z)
    result: Dict[str, Dict[str, float]] = {}
    for name, fn in calls.items():
        result[name] = {"host": flashtile.testing.do_bench_host(fn), "back_to_back": back_to_back_us(fn)}
    with sdpa_kernel(SDPBackend.FLASH_ATTENTION):  # entered once, outside the timed calls
        fn = lambda: sdpa(qt, qt, qt)  # noqa: E731
        result["sdpa-flash fwd (same q, k, v)"] = {
            "host": flashtile.testing.do_bench_host(fn), "back_to_back": back_to_back_us(fn)}
    return result


# -- Reporting ---------------------------------------------------------------------


def fmt(value: Optional[float], digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def present(records: List[Dict]) -> List[str]:
    """The backends measured, in the order they were."""
    return list(dict.fromkeys(r["backend"] for r in records))


def summary_tables(records: List[Dict], memory_peer: Dict[str, Any], overheads: Dict[str, Dict[str, float]],
                   device: str, command: str) -> str:
    BACKENDS = present(records)  # noqa: N806 - shadows the default set
    lines = [f"## FlashTile attention vs SDPA — {device}", "",
             f"command: `{command}`", "",
             "Best TFLOP/s over seqlen 512…16k (fp16, 12 heads, batch = 16k tokens / seqlen):", "",
             "| config | " + " | ".join(BACKENDS) + " | flashtile / sdpa-flash |",
             "|---|" + "---|" * (len(BACKENDS) + 1)]
    for mode in MODES:
        for d in HEAD_DIMS:
            for causal in (False, True):
                rows = [r for r in records if r["mode"] == mode and r["head_dim"] == d
                        and r["causal"] == causal]
                if not rows:
                    continue
                best = {}
                for b in BACKENDS:
                    values = [r["tflops"] for r in rows if r["backend"] == b and r["tflops"]]
                    best[b] = max(values) if values else None
                statuses = {b: sorted({r["status"] for r in rows if r["backend"] == b
                                       and r["status"] != "ok"}) for b in BACKENDS}
                cells = []
                for b in BACKENDS:
                    cell = fmt(best[b])
                    if best[b] is None and statuses[b]:
                        cell = "/".join(statuses[b])[:30]
                    cells.append(cell)
                ratio = (f"{best['flashtile'] / best['sdpa-flash']:.2f}x"
                         if best["flashtile"] and best["sdpa-flash"] else "—")
                label = f"{mode} d{d} {'causal' if causal else 'full'}"
                lines.append(f"| {label} | " + " | ".join(cells) + f" | {ratio} |")
    lines += ["", "Peak extra memory, fwd+bwd, B16 H12 N4096 d128 (MB): " + ", ".join(
        f"{b} {v if isinstance(v, str) else f'{v / 1e6:.0f}'}" for b, v in memory_peer.items()),
        "", "Host time per cached call (µs, median; the GPU kept busy, "
            "flashtile.testing.do_bench_host; in brackets: 2000 calls back to back): " + "; ".join(
            f"{k} {v['host']:.1f} ({v['back_to_back']:.1f})" for k, v in overheads.items())]
    return "\n".join(lines)


def detail_table(records: List[Dict]) -> str:
    BACKENDS = present(records)  # noqa: N806 - shadows the default set
    lines = ["| mode | d | causal | seqlen | batch | " + " | ".join(BACKENDS) +
             " | flashtile peak MB | sdpa-flash peak MB |",
             "|---|---|---|---|---|" + "---|" * (len(BACKENDS) + 2)]
    keys = sorted({(r["mode"], r["head_dim"], r["causal"], r["seqlen"], r["batch"])
                   for r in records}, key=lambda k: (MODES.index(k[0]), k[1], k[2], k[3]))
    for mode, d, causal, n, batch in keys:
        by = {r["backend"]: r for r in records if (r["mode"], r["head_dim"], r["causal"],
                                                    r["seqlen"]) == (mode, d, causal, n)}
        cells = []
        for b in BACKENDS:
            r = by.get(b)
            cells.append("—" if r is None else (fmt(r["tflops"]) if r["tflops"] else r["status"][:20]))
        mem = [by.get(b, {}).get("peak_extra_bytes") for b in ("flashtile", "sdpa-flash")]
        lines.append(f"| {mode} | {d} | {causal} | {n} | {batch} | " + " | ".join(cells) + " | "
                     + " | ".join(fmt(m / 1e6 if m is not None else None) for m in mem) + " |")
    return "\n".join(lines)


def plots(records: List[Dict], out: Path) -> List[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return ["matplotlib is not installed: no plots"]
    notes = []
    fig, axes = plt.subplots(1, len(HEAD_DIMS), figsize=(6 * len(HEAD_DIMS), 4.5), squeeze=False)
    for ax, d in zip(axes[0], HEAD_DIMS):
        for mode in MODES:
            for causal in (False, True):
                xs, ys = [], []
                for n in sorted({r["seqlen"] for r in records}):
                    by = {r["backend"]: r for r in records if (r["mode"], r["head_dim"],
                          r["causal"], r["seqlen"]) == (mode, d, causal, n)}
                    ft, fl = by.get("flashtile"), by.get("sdpa-flash")
                    if ft and fl and ft["ms"] and fl["ms"]:
                        xs.append(n)
                        ys.append(fl["ms"] / ft["ms"])
                if xs:
                    ax.plot(xs, ys, marker="o", label=f"{mode} {'causal' if causal else 'full'}")
        ax.axhline(1.0, color="gray", linewidth=0.8)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("seqlen")
        ax.set_ylabel("speedup over sdpa-flash")
        ax.set_title(f"flashtile / sdpa-flash, d{d}, 12 heads, 16k tokens")
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "speedup.png", dpi=110)
    plt.close(fig)
    notes.append(str(out / "speedup.png"))

    # Absolute TFLOP/s, one line per backend over seqlen (FlashAttention README style).
    panels = sorted({(r["mode"], r["head_dim"], r["causal"]) for r in records},
                    key=lambda k: (MODES.index(k[0]), k[1], k[2]))
    if panels:
        cols = 4
        nrows = (len(panels) + cols - 1) // cols
        fig, axes = plt.subplots(nrows, cols, figsize=(5 * cols, 4 * nrows), squeeze=False)
        for ax, (mode, d, causal) in zip(axes.flat, panels):
            for b in present(records):
                pts = sorted((r["seqlen"], r["tflops"]) for r in records
                             if (r["backend"], r["mode"], r["head_dim"], r["causal"]) ==
                             (b, mode, d, causal) and r["tflops"])
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=b)
            ax.set_xscale("log", base=2)
            ax.set_xlabel("seqlen")
            ax.set_ylabel("TFLOP/s")
            ax.set_title(f"{mode} d{d} {'causal' if causal else 'full'}")
            ax.legend(fontsize=7)
        for ax in list(axes.flat)[len(panels):]:
            ax.axis("off")
        fig.tight_layout()
        fig.savefig(out / "tflops.png", dpi=100)
        plt.close(fig)
        notes.append(str(out / "tflops.png"))

    fig, axes = plt.subplots(1, len(HEAD_DIMS), figsize=(6 * len(HEAD_DIMS), 4.5), squeeze=False)
    for ax, d in zip(axes[0], HEAD_DIMS):
        for b in BACKENDS:
            pts = sorted((r["seqlen"], r["peak_extra_bytes"]) for r in records
                         if r["backend"] == b and r["head_dim"] == d and r["mode"] == "fwd+bwd"
                         and not r["causal"] and r["peak_extra_bytes"])
            if pts:
                ax.plot([p[0] for p in pts], [p[1] / 1e6 for p in pts], marker="o", label=b)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("seqlen")
        ax.set_ylabel("peak extra memory (MB)")
        ax.set_title(f"fwd+bwd, d{d}, not causal, 16k tokens")
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "memory.png", dpi=110)
    plt.close(fig)
    notes.append(str(out / "memory.png"))
    return notes


# -- Main ----------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--quick", action="store_true", help="seqlen 1024 and 4096 only")
    parser.add_argument("--seqlens", default=None, help="comma-separated, overrides the set")
    parser.add_argument("--head-dims", default=",".join(map(str, HEAD_DIMS)),
                        help="comma-separated head dims (not with --issue), e.g. 64,128,256")
    parser.add_argument("--issue", action="store_true",
                        help="the Speed I bar's problems (ISSUE_PROBLEMS) against sdpa-flash "
                             "and sdpa-cudnn")
    parser.add_argument("--budget-s", type=float, default=200.0,
                        help="start no new measurement after this many seconds")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("bench_attention.py needs a CUDA GPU (torch.cuda.is_available() is False)")
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seqlens = (tuple(int(s) for s in args.seqlens.split(",")) if args.seqlens
               else QUICK_SEQLENS if args.quick else SEQLENS)
    device = torch.cuda.get_device_name()
    command = "python3 " + " ".join(shlex.quote(a) for a in [sys.argv[0]] + (argv or sys.argv[1:]))
    start = time.perf_counter()
    print(f"device: {device}, torch {torch.__version__}, triton "
          f"{getattr(triton, '__version__', 'missing')}, flashtile {flashtile.compiler_version()}",
          flush=True)

    records: List[Dict] = []
    skipped: List[str] = []
    problems = (ISSUE_PROBLEMS if args.issue
                else [(d, n, None, NHEADS) for d in (int(x) for x in args.head_dims.split(","))
                      for n in seqlens])
    backends = (("flashtile", "flashtile-deterministic", "triton-fa2", "sdpa-flash",
                 "sdpa-cudnn") if args.issue else BACKENDS)
    for d, n, batch, heads in problems:
        problem = Problem(d, n, batch=batch, heads=heads)
        for causal in (False, True):
            for mode in MODES:
                if time.perf_counter() - start > args.budget_s:
                    skipped.append(f"{mode} d{d} N{n} {'causal' if causal else 'full'}")
                    continue
                try:
                    ok, note = check_flashtile(problem, causal, mode)
                except Exception as error:  # a launch or compile failure
                    ok, note = False, failure(error)
                tag = (f"{mode:7} d{d} N{n:5} B{problem.batch:2} H{heads} "
                       f"{'causal' if causal else 'full  '}")
                print(f"{tag} check {'ok' if ok else 'WRONG'} ({note})", flush=True)
                for backend in backends:
                    if backend == "flashtile-deterministic" and mode == "fwd":
                        continue  # the same forward as flashtile's
                    record = dict(mode=mode, head_dim=d, seqlen=n, batch=problem.batch,
                                  heads=heads, causal=causal, backend=backend, ms=None,
                                  tflops=None, peak_extra_bytes=None, status="ok")
                    if backend == "triton-fa2" and triton_attention is not None:
                        try:
                            peer_ok, peer_note = check_flashtile(problem, causal, mode,
                                                                 triton_attention.attention)
                        except Exception as error:
                            peer_ok, peer_note = False, failure(error)
                        if not peer_ok:
                            records.append(dict(mode=mode, head_dim=d, seqlen=n,
                                                batch=problem.batch, heads=heads, causal=causal,
                                                backend=backend, ms=None, tflops=None,
                                                peak_extra_bytes=None, check=peer_note,
                                                status="wrong (not timed)"))
                            print(f"  {backend:15} WRONG ({peer_note})", flush=True)
                            continue
                    if backend == "flashtile" and not ok:
                        record["status"] = "wrong (not timed)"
                        record["check"] = note
                        records.append(record)
                        continue
                    try:
                        fn, grads = problem.call(backend, causal, mode)
                        record["peak_extra_bytes"] = peak_extra_bytes(fn, grads)
                        record["ms"] = median_ms(fn, grad_to_none=grads if mode != "fwd" else None)
                        record["tflops"] = flops(problem.batch, n, d, causal, mode, heads) / (
                            record["ms"] * 1e-3) / 1e12
                    except Exception as error:
                        record["status"] = failure(error)
                        torch.cuda.empty_cache()
                    if backend == "flashtile":
                        record["check"] = note
                    records.append(record)
                    shown = (f"{record['tflops']:6.1f} TFLOP/s  {record['ms']:8.3f} ms  "
                             f"{record['peak_extra_bytes'] / 1e6:8.1f} MB"
                             if record["tflops"] else record["status"])
                    print(f"  {backend:15} {shown}", flush=True)
        del problem
        torch.cuda.empty_cache()

    # The peers' memory figure: fwd+bwd, B16 H12 N4096 d128.
    memory_peer: Dict[str, Any] = {}
    if time.perf_counter() - start < args.budget_s + 60:
        problem = Problem(128, 4096, batch=16)
        for backend in backends:
            try:
                fn, grads = problem.call(backend, False, "fwd+bwd")
                memory_peer[backend] = peak_extra_bytes(fn, grads)
            except Exception as error:
                memory_peer[backend] = failure(error)
                torch.cuda.empty_cache()
        del problem
        torch.cuda.empty_cache()

    overheads = launch_overheads()
    plot_notes = plots(records, out)
    summary = summary_tables(records, memory_peer, overheads, device, command)
    details = detail_table(records)
    (out / "bench_attention.json").write_text(json.dumps(dict(
        device=device, torch=torch.__version__, triton=getattr(triton, "__version__", None),
        flashtile=flashtile.compiler_version(), command=command, tokens=TOKENS, heads=NHEADS,
        records=records, memory_b16_h12_n4096_d128=memory_peer, launch_overhead_us=overheads,
        skipped_for_time=skipped, candidates={kernel: {str(d): [repr(c) for c in cs]
                                                       for d, cs in by_dim.items()}
                                               for kernel, by_dim in CANDIDATES.items()},
        elapsed_s=time.perf_counter() - start), indent=1))
    (out / "bench_attention.md").write_text(details + "\n\n" + summary + "\n")
    print()
    print(details)
    if skipped:
        print(f"\nnot measured (time budget {args.budget_s:.0f} s): " + "; ".join(skipped))
    print("\nwritten: " + ", ".join([str(out / "bench_attention.json"),
                                     str(out / "bench_attention.md")] + plot_notes))
    print(f"elapsed {time.perf_counter() - start:.0f} s\n")
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
