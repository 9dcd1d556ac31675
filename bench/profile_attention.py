#!/usr/bin/env python3
"""Runs one attention problem a few times, for a profiler (ncu) to capture
its kernels: flashtile's flash_attn_func and SDPA's flash backend
(FlashAttention-2), forward or forward+backward, fp16.

    ncu --clock-control none --kernel-name regex:'attention|flash' \\
        --launch-skip 4 --launch-count 4 --section SpeedOfLight ... \\
        python3 bench/profile_attention.py --head-dim 128 --batch 16 --seqlen 4096

(scripts/device.sh run profile does this for the issue's configuration.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

import torch  # noqa: E402
from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E402
from torch.nn.functional import scaled_dot_product_attention as sdpa  # noqa: E402

from flashtile.attention import flash_attn_func  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--head-dim", type=int, default=128)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--heads", type=int, default=12)
    parser.add_argument("--seqlen", type=int, default=4096)
    parser.add_argument("--causal", action="store_true")
    parser.add_argument("--backward", action="store_true", help="forward+backward")
    parser.add_argument("--backends", default="flashtile,sdpa-flash")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    shape = (args.batch, args.seqlen, args.heads, args.head_dim)
    q, k, v, do = (torch.randn(shape, device="cuda", dtype=torch.float16) for _ in range(4))
    for backend in args.backends.split(","):
        for _ in range(args.repeats):
            if backend == "flashtile":
                qq, kk, vv = (x.detach().requires_grad_(args.backward) for x in (q, k, v))
                out = flash_attn_func(qq, kk, vv, causal=args.causal)
                if args.backward:
                    out.backward(do)
            else:
                qq, kk, vv = (x.transpose(1, 2).detach().requires_grad_(args.backward)
                              for x in (q, k, v))
                with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
                    out = sdpa(qq, kk, vv, is_causal=args.causal)
                if args.backward:
                    out.backward(do.transpose(1, 2))
        torch.cuda.synchronize()
    print("profiled", args.backends, shape, "causal" if args.causal else "full",
          "fwd+bwd" if args.backward else "fwd")
    return 0


if __name__ == "__main__":
    sys.exit(main())
