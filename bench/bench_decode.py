#!/usr/bin/env python3
"""Decoding: flashtile.flash_attn_with_kvcache (split-KV, then the combine
kernel) against its nearest torch peer, SDPA over the materialised cache
(each backend SDPA offers: flash, efficient, cuDNN, math), one query token
per sequence, fp16, 32 query heads over 8 key/value heads (GQA), head dim
128, every sequence holding `cache` tokens. Reports the time and the
achieved memory bandwidth (the cache's K and V bytes read once, over the
time) as a fraction of the GPU's peak (H200 4.8 TB/s, H100 SXM 3.35 TB/s).

    python3 bench/bench_decode.py [--out DIR] [--batches 1,4,16,64]
        [--caches 8192,32768,131072] [--paged]

Writes bench_decode.json (every number) and bench_decode.md (the table).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

import torch  # noqa: E402
from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E402
from torch.nn.functional import scaled_dot_product_attention as sdpa  # noqa: E402

import flashtile  # noqa: E402

try:
    from triton.testing import do_bench
except ImportError:  # pragma: no cover
    do_bench = None

NHEADS, NHEADS_K, HEAD_DIM = 32, 8, 128
PEAK_TB_S = {"H200": 4.8, "H100": 3.35}
SDPA_BACKENDS = {"sdpa-flash": SDPBackend.FLASH_ATTENTION,
                 "sdpa-efficient": SDPBackend.EFFICIENT_ATTENTION,
                 "sdpa-cudnn": SDPBackend.CUDNN_ATTENTION, "sdpa-math": SDPBackend.MATH}


def median_ms(fn: Callable[[], Any]) -> float:
    if do_bench is not None:
        return float(do_bench(fn, warmup=10, rep=50, return_mode="median"))
    fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(20):
        fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / 20


def peak_tb_s() -> Optional[float]:
    name = torch.cuda.get_device_name()
    return next((v for k, v in PEAK_TB_S.items() if k in name), None)


def case(batch: int, cache: int, paged: bool) -> Dict[str, Any]:
    g = torch.Generator(device="cuda").manual_seed(batch + cache)
    q = torch.randn((batch, 1, NHEADS, HEAD_DIM), device="cuda", dtype=torch.float16, generator=g)
    k_cache, v_cache = (torch.randn((batch, cache, NHEADS_K, HEAD_DIM), device="cuda",
                                    dtype=torch.float16, generator=g) for _ in range(2))
    seqlens = torch.full((batch,), cache, dtype=torch.int32, device="cuda")
    extra: Dict[str, Any] = {}
    if paged:
        page = 256
        table = torch.arange(batch * cache // page, device="cuda", dtype=torch.int32)
        extra["block_table"] = table.reshape(batch, -1)
        k_ft, v_ft = (x.reshape(-1, page, NHEADS_K, HEAD_DIM) for x in (k_cache, v_cache))
    else:
        k_ft, v_ft = k_cache, v_cache
    bytes_read = 2 * k_cache.numel() * k_cache.element_size()
    row: Dict[str, Any] = {"batch": batch, "cache": cache, "paged": paged, "ms": {}}
    row["ms"]["flashtile"] = median_ms(lambda: flashtile.flash_attn_with_kvcache(
        q, k_ft, v_ft, cache_seqlens=seqlens, **extra))
    qt, kt, vt = q.transpose(1, 2), k_cache.transpose(1, 2), v_cache.transpose(1, 2)
    for name, backend in SDPA_BACKENDS.items():
        try:
            with sdpa_kernel(backend):
                sdpa(qt, kt, vt, enable_gqa=True)
                row["ms"][name] = median_ms(lambda: sdpa(qt, kt, vt, enable_gqa=True))
        except RuntimeError as error:  # the backend refuses the shapes
            row["ms"][name] = None
            row.setdefault("refused", {})[name] = str(error).splitlines()[0][:200]
    peak = peak_tb_s()
    row["tb_s"] = {k: (bytes_read / (v * 1e-3) / 1e12 if v else None) for k, v in row["ms"].items()}
    row["of_peak"] = {k: (v / peak if v and peak else None) for k, v in row["tb_s"].items()}
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--batches", default="1,4,16,64")
    parser.add_argument("--caches", default="8192,32768,131072")
    parser.add_argument("--paged", action="store_true")
    args = parser.parse_args()
    rows: List[Dict[str, Any]] = []
    for cache in (int(c) for c in args.caches.split(",")):
        for batch in (int(b) for b in args.batches.split(",")):
            if batch * cache * NHEADS_K * HEAD_DIM * 2 * 2 > 40 * 2 ** 30:
                continue  # over 40 GiB of cache
            rows.append(case(batch, cache, args.paged))
            torch.cuda.empty_cache()
    names = list(rows[0]["ms"]) if rows else []
    lines = [f"device: {torch.cuda.get_device_name()}, peak {peak_tb_s()} TB/s; fp16, "
             f"{NHEADS} q heads / {NHEADS_K} kv heads, d{HEAD_DIM}, 1 query token"
             + (", paged (256-token pages)" if args.paged else ""), "",
             "| batch | cache | " + " | ".join(f"{n} µs (of peak)" for n in names) + " |",
             "|---|---|" + "---|" * len(names)]
    for r in rows:
        cells = ["—" if not r["ms"][n] else f"{r['ms'][n] * 1e3:.0f}" + (
                     f" ({r['of_peak'][n]:.2f})" if r["of_peak"][n] else "") for n in names]
        lines.append(f"| {r['batch']} | {r['cache']} | " + " | ".join(cells) + " |")
    print("\n".join(lines))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench_decode.json").write_text(json.dumps(rows, indent=1))
        (args.out / "bench_decode.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
