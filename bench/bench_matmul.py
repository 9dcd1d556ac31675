#!/usr/bin/env python3
"""kernels/matmul.py (the DSL matmul, launched as a user would: runtime
strides, the unit inner strides specialised as 1 by the JIT) against
torch.matmul (cuBLAS) and a Triton matmul written for this bench, on one
GPU, fp16 and bf16, in one run; plus the mma.sync ceiling of the GPU.

    PYTHONPATH=python python3 bench/bench_matmul.py [--out DIR] [--quick]

The ceiling is a CUDA kernel (compiled with CuPy's NVRTC) issuing
back-to-back mma.sync.m16n8k16 f16 -> f32 from registers, 8 independent
accumulators per warp, no memory traffic: what the Ampere-style tensor-core
path can reach on this GPU. Every matmul figure is also given as a fraction
of it. TFLOP/s count 2*M*N*K; times are medians of triton.testing.do_bench.
Each flashtile configuration is checked against torch.matmul before it is
timed (relative Frobenius error below 1e-2); the best of a few block
configurations is reported, as is Triton's.

Written to --out: bench_matmul.json and bench_matmul.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

import torch  # noqa: E402
import triton  # noqa: E402
import triton.language as tl  # noqa: E402
from triton.testing import do_bench  # noqa: E402

from flashtile import kernels  # noqa: E402

SHAPES = [(1024, 1024, 1024), (2048, 2048, 2048), (4096, 4096, 4096), (8192, 8192, 8192),
          (4096, 4096, 14336), (4096, 14336, 4096)]
QUICK_SHAPES = [(4096, 4096, 4096), (4096, 4096, 14336)]
DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}
# (BLOCK_M, BLOCK_N, BLOCK_K, num_warps, num_stages), spill-free at sm_90.
FLASHTILE_CONFIGS = [(128, 128, 32, 8, 3), (128, 128, 64, 8, 3), (128, 256, 32, 8, 3),
                     (128, 256, 64, 8, 3), (256, 128, 32, 8, 3), (128, 256, 32, 8, 4),
                     (128, 128, 32, 4, 3), (128, 128, 64, 4, 3), (128, 128, 32, 4, 4)]
TRITON_CONFIGS = [(128, 128, 32, 8, 3), (128, 256, 64, 8, 3), (128, 128, 64, 4, 4)]


@triton.jit
def triton_matmul(a_ptr, b_ptr, c_ptr, M, N, K, stride_am, stride_ak, stride_bk, stride_bn,
                  stride_cm, stride_cn, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
                  BLOCK_K: tl.constexpr):
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    cols = tl.program_id(1) * BLOCK_N + tl.arange(0, BLOCK_N)
    ks = tl.arange(0, BLOCK_K)
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k0 in range(0, K, BLOCK_K):
        a = tl.load(a_ptr + rows[:, None] * stride_am + (k0 + ks)[None, :] * stride_ak,
                    mask=(rows[:, None] < M) & ((k0 + ks)[None, :] < K), other=0.0)
        b = tl.load(b_ptr + (k0 + ks)[:, None] * stride_bk + cols[None, :] * stride_bn,
                    mask=((k0 + ks)[:, None] < K) & (cols[None, :] < N), other=0.0)
        acc = tl.dot(a, b, acc)
    tl.store(c_ptr + rows[:, None] * stride_cm + cols[None, :] * stride_cn,
             acc.to(c_ptr.dtype.element_ty), mask=(rows[:, None] < M) & (cols[None, :] < N))


MMA_CEILING_SOURCE = r"""
extern "C" __global__ void mma_ceiling(float *out, int iterations) {
  unsigned a0 = threadIdx.x, a1 = a0 * 3u, a2 = a0 * 5u, a3 = a0 * 7u;
  unsigned b0 = a0 ^ 0x3c003c00u, b1 = a1 ^ 0x3c003c00u;
  float acc[8][4];
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = 0.0f;
  for (int it = 0; it < iterations; ++it) {
#pragma unroll
    for (int i = 0; i < 8; ++i)
      asm volatile(
          "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
          "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
          : "+f"(acc[i][0]), "+f"(acc[i][1]), "+f"(acc[i][2]), "+f"(acc[i][3])
          : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
  }
  float s = 0.0f;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) s += acc[i][j];
  out[blockIdx.x * blockDim.x + threadIdx.x] = s;
}
"""


def mma_ceiling() -> Optional[Dict[str, float]]:
    """TFLOP/s of back-to-back mma.sync from registers (best over 4..16
    warps per block), or None without CuPy."""
    try:
        import cupy
    except ImportError:
        return None
    kernel = cupy.RawKernel(MMA_CEILING_SOURCE, "mma_ceiling",
                            options=("--gpu-architecture=compute_80",))
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    iterations = 4096
    best = {}
    for warps in (4, 8, 16):
        blocks = sms * 8
        out = cupy.empty(blocks * warps * 32, dtype=cupy.float32)

        def run():
            kernel((blocks,), (warps * 32,), (out, cupy.int32(iterations)))

        run()
        cupy.cuda.runtime.deviceSynchronize()
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        times = []
        for _ in range(5):
            start.record()
            run()
            stop.record()
            stop.synchronize()
            times.append(cupy.cuda.get_elapsed_time(start, stop))
        ms = sorted(times)[len(times) // 2]
        flop = blocks * warps * iterations * 8 * 2 * 16 * 8 * 16
        best[str(warps)] = flop / ms / 1e9
    return best


def tflops(m: int, n: int, k: int, ms: float) -> float:
    return 2 * m * n * k / ms / 1e9


def rel_error(x: torch.Tensor, ref: torch.Tensor) -> float:
    return ((x.float() - ref.float()).norm() / ref.float().norm()).item()


def time_flashtile(a, b, ref) -> Tuple[float, Any, List[Dict]]:
    mm = kernels.load("matmul").matmul
    m, k = a.shape
    n = b.shape[1]
    c = torch.empty((m, n), device=a.device, dtype=a.dtype)
    best, best_cfg, tried = 0.0, None, []
    for bm, bn, bk, warps, stages in FLASHTILE_CONFIGS:
        grid = (triton.cdiv(m, bm), triton.cdiv(n, bn))

        def fn():
            mm[grid](a, b, c, m, n, k, a.stride(0), a.stride(1), b.stride(0), b.stride(1),
                     c.stride(0), c.stride(1), BLOCK_M=bm, BLOCK_N=bn, BLOCK_K=bk,
                     num_warps=warps, num_stages=stages)
        try:
            c.fill_(float("nan"))
            fn()
            torch.cuda.synchronize()
            err = rel_error(c, ref)
            if not err < 1e-2:
                tried.append(dict(config=[bm, bn, bk, warps, stages], error=err))
                continue
            t = tflops(m, n, k, do_bench(fn, return_mode="median"))
        except Exception as error:  # a configuration that does not compile
            tried.append(dict(config=[bm, bn, bk, warps, stages], failed=str(error)[:200]))
            continue
        tried.append(dict(config=[bm, bn, bk, warps, stages], tflops=t, error=err))
        if t > best:
            best, best_cfg = t, [bm, bn, bk, warps, stages]
    return best, best_cfg, tried


def time_triton(a, b, ref) -> Tuple[float, Any]:
    m, k = a.shape
    n = b.shape[1]
    c = torch.empty((m, n), device=a.device, dtype=a.dtype)
    best, best_cfg = 0.0, None
    for bm, bn, bk, warps, stages in TRITON_CONFIGS:
        grid = (triton.cdiv(m, bm), triton.cdiv(n, bn))

        def fn():
            triton_matmul[grid](a, b, c, m, n, k, a.stride(0), a.stride(1), b.stride(0),
                                b.stride(1), c.stride(0), c.stride(1), BLOCK_M=bm, BLOCK_N=bn,
                                BLOCK_K=bk, num_warps=warps, num_stages=stages)
        try:
            fn()
            torch.cuda.synchronize()
            if not rel_error(c, ref) < 1e-2:
                continue
            t = tflops(m, n, k, do_bench(fn, return_mode="median"))
        except Exception:  # out of shared memory etc.
            continue
        if t > best:
            best, best_cfg = t, [bm, bn, bk, warps, stages]
    return best, best_cfg


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--quick", action="store_true", help="4096^3 and 4096x4096x14336 only")
    parser.add_argument("--dtypes", default="fp16,bf16")
    args = parser.parse_args(argv)
    device = torch.cuda.get_device_name()
    ceiling = mma_ceiling()
    ceiling_best = max(ceiling.values()) if ceiling else None
    print(f"bench_matmul on {device}; mma.sync ceiling (TFLOP/s by warps per block): {ceiling}",
          flush=True)
    rows = []
    for dname in args.dtypes.split(","):
        dtype = DTYPES[dname]
        for m, n, k in (QUICK_SHAPES if args.quick else SHAPES):
            torch.manual_seed(0)
            a = torch.randn((m, k), device="cuda", dtype=dtype)
            b = torch.randn((k, n), device="cuda", dtype=dtype)
            ref = torch.matmul(a, b)
            cublas = tflops(m, n, k, do_bench(lambda: torch.matmul(a, b), return_mode="median"))
            ft, ft_cfg, tried = time_flashtile(a, b, ref)
            tr, tr_cfg = time_triton(a, b, ref)
            row = dict(dtype=dname, m=m, n=n, k=k, flashtile=ft, flashtile_config=ft_cfg,
                       cublas=cublas, triton=tr, triton_config=tr_cfg, tried=tried,
                       flashtile_over_cublas=ft / cublas,
                       flashtile_over_ceiling=ft / ceiling_best if ceiling_best else None)
            rows.append(row)
            print(f"  {dname} {m}x{n}x{k}: flashtile {ft:6.1f} {ft_cfg}  cuBLAS {cublas:6.1f}  "
                  f"Triton {tr:6.1f} {tr_cfg}", flush=True)
    lines = [f"# bench_matmul on {device}", "",
             f"mma.sync ceiling: {ceiling_best and round(ceiling_best, 1)} TFLOP/s "
             f"(by warps per block: {ceiling})", "",
             "| dtype | M x N x K | flashtile | cuBLAS | Triton | flashtile / cuBLAS | "
             "flashtile / ceiling | flashtile config (BM, BN, BK, warps, stages) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        frac = f"{r['flashtile_over_ceiling']:.2f}" if r["flashtile_over_ceiling"] else "-"
        lines.append(f"| {r['dtype']} | {r['m']}x{r['n']}x{r['k']} | {r['flashtile']:.1f} | "
                     f"{r['cublas']:.1f} | {r['triton']:.1f} | {r['flashtile_over_cublas']:.2f} | "
                     f"{frac} | {r['flashtile_config']} |")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_matmul.json").write_text(json.dumps(dict(device=device, mma_ceiling=ceiling,
                                                           rows=rows), indent=1))
    (out / "bench_matmul.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
