"""python3 -m flashtile.demo: FlashAttention forward and backward from
kernels/attention.py on a small problem, checked against float64 attention
with flash-attn's bar (max|ours - ref64| <= 2 * max|std_lowprec - ref64|).

Runs on the CPU executor (the GPU is used once its backend exists). Exits
non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import numpy as np

from . import reference
from .attention import attention_backward, attention_forward
from .errors import FlashTileError

try:
    import ml_dtypes

    _DTYPES = {"fp16": np.float16, "bf16": ml_dtypes.bfloat16, "fp32": np.float32}
except ImportError:  # pragma: no cover
    _DTYPES = {"fp16": np.float16, "fp32": np.float32}


def run_case(batch, nheads, seqlen_q, seqlen_k, head_dim, dtype, causal, backward, seed=0):
    rng = np.random.default_rng(seed)
    shape_q = (batch, seqlen_q, nheads, head_dim)
    shape_k = (batch, seqlen_k, nheads, head_dim)
    q = rng.standard_normal(shape_q).astype(dtype)
    k = rng.standard_normal(shape_k).astype(dtype)
    v = rng.standard_normal(shape_k).astype(dtype)

    start = time.perf_counter()
    out, lse = attention_forward(q, k, v, causal=causal)
    fwd_s = time.perf_counter() - start
    out_ref, lse_ref = reference.attention_ref(q, k, v, causal)
    out_lp, lse_lp = reference.attention_lowprec(q, k, v, causal)
    checks = [reference.check_close("O", out, out_ref, out_lp),
              reference.check_close("L", lse, lse_ref, lse_lp)]
    bwd_s = 0.0
    if backward:
        do = rng.standard_normal(shape_q).astype(dtype)
        start = time.perf_counter()
        grads = attention_backward(do, q, k, v, out, lse, causal=causal)
        bwd_s = time.perf_counter() - start
        refs = reference.attention_bwd_ref(do, q, k, v, causal)
        lows = reference.attention_bwd_lowprec(do, q, k, v, causal)
        for name, ours, ref, low in zip(("dQ", "dK", "dV"), grads, refs, lows):
            checks.append(reference.check_close(name, ours, ref, low,
                                                reference.gradient_magnitude(refs)))
    return checks, fwd_s, bwd_s


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--heads", type=int, default=2)
    parser.add_argument("--seqlen-q", type=int, default=100)
    parser.add_argument("--seqlen-k", type=int, default=77)
    parser.add_argument("--head-dim", type=int, default=64)
    parser.add_argument("--dtype", choices=sorted(_DTYPES), default="fp16")
    parser.add_argument("--no-backward", action="store_true")
    args = parser.parse_args(argv)

    print("FlashTile attention demo (kernels/attention.py) on the CPU executor")
    print(f"machine: {platform.node()} {platform.machine()} {platform.processor() or ''}".rstrip())
    print(f"shape: batch {args.batch}, heads {args.heads}, seqlen_q {args.seqlen_q}, "
          f"seqlen_k {args.seqlen_k}, head dim {args.head_dim}, {args.dtype}")
    failed = False
    for causal in (False, True):
        try:
            checks, fwd_s, bwd_s = run_case(
                args.batch, args.heads, args.seqlen_q, args.seqlen_k, args.head_dim,
                _DTYPES[args.dtype], causal, not args.no_backward)
        except FlashTileError as error:
            print(f"\ncausal={causal}: {type(error).__name__}:\n{error}")
            failed = True
            continue
        timing = f"forward {fwd_s:.2f} s" + ("" if args.no_backward else f", backward {bwd_s:.2f} s")
        print(f"\ncausal={causal} ({timing}, including compilation)")
        for check in checks:
            print("  " + str(check))
            failed |= not check.ok
    print("\nFAIL" if failed else "\nPASS: within flash-attn's bar (2x the error of standard "
          "attention in the same precision)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
