"""What flash_attn_func's autotuner chooses on this GPU, and how fast each
candidate is: runs forward and forward+backward (fp16, causal and not) on
the problems given, with tuning on (FLASHTILE_AUTOTUNE=1) and printing on
(FLASHTILE_PRINT_AUTOTUNING=1), then prints each kernel's candidate timings
per key beside sdpa-flash's time on the same problem. The candidates live in
flashtile.attention.CANDIDATES (first = default, used untimed under
FLASHTILE_AUTOTUNE=0); reorder them from what this prints.

    python3 bench/tune_attention.py [--problems 64:4096:4,128:4096:4] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import Dict, List

os.environ["FLASHTILE_AUTOTUNE"] = "1"
os.environ.setdefault("FLASHTILE_PRINT_AUTOTUNING", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "bench"))

import torch  # noqa: E402

import flashtile.attention as fa  # noqa: E402
from bench_attention import Problem, flops, median_ms  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--problems", default="64:4096:4,128:4096:4",
                        help="comma-separated head_dim:seqlen:batch (12 heads)")
    args = parser.parse_args(argv)
    print(f"tune_attention on {torch.cuda.get_device_name()}", flush=True)
    results: List[Dict] = []
    for spec in args.problems.split(","):
        d, n, b = (int(x) for x in spec.split(":"))
        problem = Problem(d, n, batch=b)
        for causal in (False, True):
            for mode in ("fwd", "fwd+bwd"):
                row = dict(head_dim=d, seqlen=n, batch=b, causal=causal, mode=mode)
                for backend in ("flashtile", "sdpa-flash"):
                    fn, grads = problem.call(backend, causal, mode)
                    fn()  # flashtile: tunes every kernel of this key first
                    ms = median_ms(fn, grad_to_none=grads if mode != "fwd" else None)
                    row[backend] = flops(b, n, d, causal, mode) / ms / 1e9
                print(f"d{d} N{n} B{b} {'causal' if causal else 'full'} {mode}: flashtile "
                      f"{row['flashtile']:.1f} TFLOP/s, sdpa-flash {row['sdpa-flash']:.1f} "
                      f"({row['flashtile'] / row['sdpa-flash']:.2f}x)", flush=True)
                results.append(row)
        del problem
        torch.cuda.empty_cache()
    tuners = {}
    for (kernel, d, arch), tuner in sorted(fa._TUNERS.items()):
        tuners[f"{kernel} d{d} sm_{arch}"] = {
            "chosen": {repr(key): repr(config) for key, config in tuner.cache.items()},
            "last_timings_ms": {repr(c): (None if math.isinf(t) else t)
                                for c, t in tuner.timings.items()},
        }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "tune_attention.json").write_text(json.dumps(dict(
        device=torch.cuda.get_device_name(), results=results, tuners=tuners), indent=1))
    print(json.dumps(tuners, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
