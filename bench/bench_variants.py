#!/usr/bin/env python3
"""flash_attn_func's variants (MQA/GQA, sliding windows, softcap, ALiBi)
against the nearest PyTorch peers on one GPU, in one run.

    PYTHONPATH=python python3 bench/bench_variants.py [--out DIR] [--seqlens 4096]

Problems: fp16, head dim 128 (and 64 for GQA), batch 16384 // seqlen,
forward and forward+backward. Peers, each measured in the same run:

* GQA (32 query heads, 8 key/value heads, Llama-style): SDPA with
  ``enable_gqa=True`` on its flash and cuDNN backends, and the flash backend
  on k/v repeated to 32 heads (what a model without GQA support does; the
  repeat is timed).
* sliding windows (causal with 1024 keys to the left, Mistral-style; and
  (256, 256) around the diagonal): FlexAttention (torch.nn.attention.flex_attention, compiled, with
  a block mask) and SDPA's efficient backend with a dense boolean mask.
* softcap 30 (Gemma-2 style): FlexAttention with a tanh score_mod.
* ALiBi (per-head slopes): FlexAttention with the bias as a score_mod.

TFLOP/s count the visible (query, key) pairs: 4 * heads * headdim per pair
for the forward, 3.5 times that for forward+backward; every backend of a row
is credited with the same count. Each flashtile output is first checked
against SDPA's math backend in float32 (max error <= 2e-2 of fp16 rounding
scale); a failing configuration is reported, not timed. Writes
bench_variants.json and bench_variants.md to --out.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

import torch  # noqa: E402
from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E402
from torch.nn.functional import scaled_dot_product_attention as sdpa  # noqa: E402

from flashtile.attention import flash_attn_func  # noqa: E402

try:
    from triton.testing import do_bench
except ImportError:  # pragma: no cover - Triton is on the GPU machine
    do_bench = None

try:
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention

    flex = torch.compile(flex_attention, dynamic=False)
except ImportError:  # pragma: no cover - older torch
    flex = create_block_mask = None

TOKENS = 16384


def median_ms(fn: Callable[[], Any], grads: List[Any]) -> float:
    if do_bench is not None:
        return float(do_bench(fn, warmup=10, rep=40, grad_to_none=grads, return_mode="median"))
    fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(10):
        fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / 10


class Case:
    """One variant problem: flashtile's (B, N, H, D) inputs and the peers'
    (B, H, N, D) copies of the same values, the flash_attn_func arguments,
    and the visible (query, key) pairs."""

    def __init__(self, name: str, head_dim: int, seqlen: int, heads: int, heads_k: int,
                 causal: bool = False, window=(-1, -1), softcap: float = 0.0,
                 alibi: bool = False, seed: int = 0):
        self.name, self.head_dim, self.seqlen = name, head_dim, seqlen
        self.heads, self.heads_k, self.batch = heads, heads_k, max(1, TOKENS // seqlen)
        self.causal, self.window, self.softcap = causal, window, softcap
        g = torch.Generator(device="cuda").manual_seed(seed)

        def randn(h):
            return torch.randn((self.batch, seqlen, h, head_dim), generator=g, device="cuda",
                               dtype=torch.float16)

        self.q, self.k, self.v, self.do = randn(heads), randn(heads_k), randn(heads_k), randn(heads)
        self.slopes = (2.0 ** (-8.0 * torch.arange(1, heads + 1, device="cuda") / heads)
                       ).float() if alibi else None
        self.t = [x.transpose(1, 2).contiguous() for x in (self.q, self.k, self.v, self.do)]
        i = torch.arange(seqlen, device="cuda")[:, None]
        j = torch.arange(seqlen, device="cuda")[None, :]
        left, right = window
        right = 0 if causal else right
        visible = torch.ones(seqlen, seqlen, dtype=torch.bool, device="cuda")
        if right >= 0:
            visible &= j <= i + right
        if left >= 0:
            visible &= j >= i - left
        self.visible = visible
        self.pairs = int(visible.sum()) * self.batch

    def kwargs(self) -> Dict[str, Any]:
        return dict(causal=self.causal, window_size=self.window, softcap=self.softcap,
                    alibi_slopes=self.slopes)

    def flops(self, mode: str) -> float:
        return 4.0 * self.heads * self.head_dim * self.pairs * (3.5 if mode == "fwd+bwd" else 1)

    # -- backends: each returns (fn, tensors with gradients), or raises --

    def flashtile(self, mode: str):
        q, k, v = (x.detach().requires_grad_(mode != "fwd") for x in (self.q, self.k, self.v))
        kw = self.kwargs()

        def fn():
            out = flash_attn_func(q, k, v, **kw)
            if mode != "fwd":
                out.backward(self.do)
        return fn, [q, k, v]

    def _peer_inputs(self, mode: str):
        q, k, v = (x.detach().requires_grad_(mode != "fwd") for x in self.t[:3])
        return q, k, v

    def sdpa(self, backend: SDPBackend, mode: str, repeat_kv: bool = False,
             mask: bool = False):
        q, k, v = self._peer_inputs(mode)
        group = self.heads // self.heads_k
        attn_mask = self.visible if mask else None

        def fn():
            with sdpa_kernel(backend):
                kk, vv = k, v
                if repeat_kv and group > 1:
                    kk, vv = (x.repeat_interleave(group, dim=1) for x in (k, v))
                out = sdpa(q, kk, vv, attn_mask=attn_mask,
                           is_causal=self.causal and attn_mask is None,
                           enable_gqa=group > 1 and not repeat_kv)
                if mode != "fwd":
                    out.backward(self.t[3])
        return fn, [q, k, v]

    def flex(self, mode: str):
        if flex is None:
            raise RuntimeError("FlexAttention needs torch >= 2.5")
        q, k, v = self._peer_inputs(mode)
        left, right = self.window
        right = 0 if self.causal else right
        softcap, slopes = self.softcap, self.slopes

        def mask_mod(b, h, i, j):
            ok = j >= 0
            if right >= 0:
                ok = ok & (j <= i + right)
            if left >= 0:
                ok = ok & (j >= i - left)
            return ok

        def score_mod(score, b, h, i, j):
            if softcap > 0:
                score = softcap * torch.tanh(score / softcap)
            if slopes is not None:
                score = score - slopes[h] * (i - j).abs()
            return score

        block_mask = create_block_mask(mask_mod, None, None, self.seqlen, self.seqlen)
        group = self.heads // self.heads_k

        def fn():
            out = flex(q, k, v, score_mod=score_mod, block_mask=block_mask,
                       enable_gqa=group > 1)
            if mode != "fwd":
                out.backward(self.t[3])
        return fn, [q, k, v]


def check(case: Case) -> Optional[str]:
    """flashtile's output against SDPA's math backend in float32."""
    out = flash_attn_func(case.q, case.k, case.v, **case.kwargs()).float()
    q, k, v = (x.float() for x in case.t[:3])
    group = case.heads // case.heads_k
    k, v = (x.repeat_interleave(group, dim=1) for x in (k, v))
    s = q @ k.transpose(-1, -2) / math.sqrt(case.head_dim)
    if case.softcap > 0:
        s = case.softcap * torch.tanh(s / case.softcap)
    if case.slopes is not None:
        i = torch.arange(case.seqlen, device="cuda")
        s = s - case.slopes[None, :, None, None] * (i[:, None] - i[None, :]).abs()
    s = s.masked_fill(~case.visible, float("-inf"))
    ref = (torch.softmax(s, -1) @ v).transpose(1, 2)
    error = float((out - ref).abs().max())
    return None if error <= 2e-2 else f"max error {error:.3g} against float32 attention"


def cases(seqlen: int) -> List[Case]:
    return [
        Case("GQA 32/8 d128", 128, seqlen, 32, 8),
        Case("GQA 32/8 d128 causal", 128, seqlen, 32, 8, causal=True),
        Case("GQA 32/8 d64 causal", 64, seqlen, 32, 8, causal=True),
        Case("window 1024 causal d128", 128, seqlen, 16, 16, causal=True, window=(1024, -1)),
        Case("window (256, 256) d128", 128, seqlen, 16, 16, window=(256, 256)),
        Case("softcap 30 causal d128", 128, seqlen, 16, 16, causal=True, softcap=30.0),
        Case("ALiBi causal d128", 128, seqlen, 16, 16, causal=True, alibi=True),
    ]


def peers(case: Case) -> Dict[str, Callable[[str], Any]]:
    found: Dict[str, Callable[[str], Any]] = {"flashtile": case.flashtile}
    if case.name.startswith("GQA"):
        found["sdpa-flash (enable_gqa)"] = lambda m: case.sdpa(SDPBackend.FLASH_ATTENTION, m)
        found["sdpa-cudnn (enable_gqa)"] = lambda m: case.sdpa(SDPBackend.CUDNN_ATTENTION, m)
        found["sdpa-flash (repeat k/v)"] = lambda m: case.sdpa(SDPBackend.FLASH_ATTENTION, m,
                                                               repeat_kv=True)
    if case.window != (-1, -1):
        found["sdpa-efficient (mask)"] = lambda m: case.sdpa(SDPBackend.EFFICIENT_ATTENTION, m,
                                                             mask=True)
    found["flex"] = case.flex
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--seqlens", default="4096")
    parser.add_argument("--budget-s", type=float, default=300.0)
    args = parser.parse_args(argv)
    start = time.monotonic()
    records = []
    for seqlen in (int(s) for s in args.seqlens.split(",")):
        for case in cases(seqlen):
            problem = check(case)
            for mode in ("fwd", "fwd+bwd"):
                for backend, make in peers(case).items():
                    record = dict(case=case.name, seqlen=seqlen, batch=case.batch, mode=mode,
                                  backend=backend, ms=None, tflops=None, note="")
                    if backend == "flashtile" and problem:
                        record["note"] = problem
                    elif time.monotonic() - start > args.budget_s:
                        record["note"] = "skipped (budget)"
                    else:
                        try:
                            fn, grads = make(mode)
                            ms = median_ms(fn, grads)
                            record.update(ms=ms, tflops=case.flops(mode) / ms / 1e9)
                        except Exception as error:  # noqa: BLE001 - reported per backend
                            record["note"] = f"{type(error).__name__}: {str(error)[:120]}"
                            torch.cuda.empty_cache()
                    records.append(record)
                    print(f"{case.name:<28} N{seqlen} {mode:<8} {backend:<26} "
                          f"{record['tflops'] or 0:7.1f} TFLOP/s {record['note']}", flush=True)
    lines = ["| variant | N | mode | backend | ms | TFLOP/s | note |", "|---|---|---|---|---|---|---|"]
    for r in records:
        lines.append(f"| {r['case']} | {r['seqlen']} | {r['mode']} | {r['backend']} | "
                     f"{r['ms'] and round(r['ms'], 3)} | {r['tflops'] and round(r['tflops'])} | "
                     f"{r['note']} |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench_variants.json").write_text(json.dumps(
            dict(device=torch.cuda.get_device_name(), torch=torch.__version__,
                 records=records), indent=1))
        (args.out / "bench_variants.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
