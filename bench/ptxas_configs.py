#!/usr/bin/env python3
"""Registers and spills of the attention kernels per block configuration, as
ptxas reports them (no GPU needed): the table behind the configurations that
flashtile.attention.flash_attn_func may use (see its CANDIDATES; --candidates
prints them all as a table).

    PYTHONPATH=python python3 bench/ptxas_configs.py [--arch 80] [--head-dims 64,128]
        [--blocks 64x64,128x64] [--warps 4,8] [--stages 1,2] [--json out.json]

Every (kernel, head dim, BLOCK_M x BLOCK_N, warps, stages) is compiled to PTX
through the C++ API (flashtile._core.compile, target "cuda") for f16, not
causal and causal, and assembled with `ptxas -arch=sm_XX -v`.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from flashtile import _native  # noqa: E402
from flashtile.kernels import kernels_dir  # noqa: E402
from flashtile.ptxas import find_ptxas, signature  # noqa: E402

ATTENTION_KERNELS = ("attention_fwd", "attention_bwd_preprocess", "attention_bwd_dkdv",
                     "attention_bwd_dq")




def compile_ptx(kernel: str, constexprs: Dict, dtype: str = "f16", arch: int = 80,
                num_warps: int = 4, num_stages: int = 2, source_file: Optional[Path] = None):
    """The compiled CUDA kernel (flashtile._core.Kernel) of a kernels/ file
    as the JIT specialises contiguous tensors: every pointer 16-byte aligned,
    every stride divisible by 16, head_ratio 1 (MHA)."""
    path = source_file or (kernels_dir() / "attention.py")
    source = path.read_text()
    types = signature(source, str(path), kernel, dtype)
    divisible = {n for n, t in types.items() if t.startswith("*") or n.startswith("stride")}
    ones = {"head_ratio"} & set(types)  # MHA: the JIT specialises head_ratio == 1
    return _native.core().compile(source, str(path), kernel, constexprs, types, divisible,
                                  False, "cuda", arch, num_warps, num_stages, ones)


def ptxas_report(ptxas: str, ptx: str, arch: int) -> Tuple[int, int, int, str]:
    """(registers, spill store bytes, spill load bytes, full report); raises
    RuntimeError when ptxas rejects the PTX."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "k.ptx"
        src.write_text(ptx)
        result = subprocess.run([ptxas, f"-arch=sm_{arch}", "-v", str(src), "-o",
                                 str(Path(tmp) / "k.cubin")], capture_output=True, text=True)
    report = result.stdout + result.stderr
    if result.returncode != 0:
        raise RuntimeError(f"ptxas -arch=sm_{arch} failed:\n{report}")
    regs = re.search(r"Used (\d+) registers", report)
    spills = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", report)
    return (int(regs.group(1)) if regs else -1, int(spills.group(1)) if spills else 0,
            int(spills.group(2)) if spills else 0, report)


def attention_constexprs(kernel: str, head_dim: int, block_m: int, block_n: int,
                         causal: bool) -> Dict:
    cx = {"HEAD_DIM": head_dim, "BLOCK_M": block_m}
    if kernel != "attention_bwd_preprocess":
        cx.update(BLOCK_N=block_n, CAUSAL=causal)
    return cx


def candidates_table(ptxas: str, arch: int, head_dims) -> int:
    """Registers, spills and shared memory of every autotuning candidate
    (f16; not causal / causal) at sm_`arch`, and blocks per SM on an H100/H200
    (64K registers, 227 KiB of shared memory, 64 warps)."""
    from flashtile.attention import _KERNEL_FUNCTIONS, CANDIDATES, KERNELS, candidates

    print(f"| head dim | kernel | config | registers (full/causal) | spill bytes | "
          f"shared KiB | blocks/SM |")
    print("|---|---|---|---|---|---|---|")
    for d in head_dims:
        for kernel in (k for k in KERNELS if d in CANDIDATES[k]):
            for config in candidates(kernel, d, arch):
                regs, spills, smem = [], 0, 0
                for causal in (False, True):
                    cx = dict(HEAD_DIM=d, CAUSAL=causal, **config.kwargs)
                    k = compile_ptx(_KERNEL_FUNCTIONS.get(kernel, kernel), cx, "f16", arch,
                                    config.num_warps, config.num_stages)
                    r, sst, sld, _ = ptxas_report(ptxas, k.ptx, arch)
                    regs.append(r)
                    spills = max(spills, sst + sld)
                    smem = k.shared_memory_bytes
                threads = 32 * config.num_warps
                by_regs = 65536 // (max(regs) * threads) if max(regs) > 0 else 0
                by_smem = (227 * 1024) // smem if smem else 32
                blocks = min(by_regs, by_smem, 64 // config.num_warps)
                shown = ", ".join(f"{k}={v}" for k, v in config.kwargs.items()
                                  if k != "DQ_ATOMIC")
                print(f"| {d} | {kernel} | {shown}, {config.num_warps}w/{config.num_stages}s "
                      f"| {regs[0]}/{regs[1]} | {spills} | {smem / 1024:.0f} | {blocks} |",
                      flush=True)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", type=int, default=80)
    parser.add_argument("--dtype", default="f16")
    parser.add_argument("--kernels", default="attention_fwd,attention_bwd_dkdv,attention_bwd_dq")
    parser.add_argument("--head-dims", default="16,32,64,128")
    parser.add_argument("--blocks", default="32x32,64x32,32x64,64x64,128x32,128x64,64x128")
    parser.add_argument("--warps", default="4,8")
    parser.add_argument("--stages", default="1,2")
    parser.add_argument("--causal", default="0,1")
    parser.add_argument("--json", default=None)
    parser.add_argument("--candidates", action="store_true",
                        help="every candidate of flash_attn_func's autotuner at --arch "
                             "(flashtile.attention.CANDIDATES), as a markdown table")
    args = parser.parse_args(argv)
    ptxas = find_ptxas()
    if ptxas is None:
        print("ptxas not found (PATH, $CUDA_HOME/bin, /usr/local/cuda/bin)")
        return 1
    if args.candidates:
        return candidates_table(ptxas, args.arch, [int(d) for d in args.head_dims.split(",")])
    rows = []
    print(f"{'kernel':<22} {'d':>4} {'BMxBN':>8} {'w':>2} {'s':>2} {'causal':>6} "
          f"{'regs':>5} {'spill st/ld':>12} {'smem':>7}")
    for kernel in args.kernels.split(","):
        for d in map(int, args.head_dims.split(",")):
            for blocks in args.blocks.split(","):
                bm, bn = map(int, blocks.split("x"))
                for w in map(int, args.warps.split(",")):
                    for st in map(int, args.stages.split(",")):
                        for causal in (c == "1" for c in args.causal.split(",")):
                            cx = attention_constexprs(kernel, d, bm, bn, causal)
                            try:
                                k = compile_ptx(kernel, cx, args.dtype, args.arch, w, st)
                                regs, sst, sld, _ = ptxas_report(ptxas, k.ptx, args.arch)
                                smem = k.shared_memory_bytes
                                err = ""
                            except Exception as error:  # report and go on
                                regs, sst, sld, smem = -1, -1, -1, -1
                                err = str(error).splitlines()[0][:80]
                            row = dict(kernel=kernel, head_dim=d, block_m=bm, block_n=bn,
                                       num_warps=w, num_stages=st, causal=causal, regs=regs,
                                       spill_stores=sst, spill_loads=sld, shared=smem,
                                       error=err)
                            rows.append(row)
                            print(f"{kernel:<22} {d:>4} {blocks:>8} {w:>2} {st:>2} "
                                  f"{str(causal):>6} {regs:>5} {f'{sst}/{sld}':>12} "
                                  f"{smem:>7} {err}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
