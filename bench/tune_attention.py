"""Times flashtile's attention kernels over launch configurations on the GPU,
to choose flashtile.attention.CONFIGS.

For each head dimension it times the forward over the forward candidates,
then forward+backward over the dK/dV candidates (dQ at its current choice),
then over the dQ candidates (dK/dV at the best found), causal and not, at
batch 4 x 12 heads x seqlen 4096 in fp16 (16k tokens, as bench_attention.py).
A candidate that spills registers at the device's arch (ptxas, f16, causal or
not) is skipped; whatever is picked must still pass test/python/test_ptxas.py
at every arch and dtype. Each configuration's
output is checked against SDPA before it is timed.

    python3 bench/tune_attention.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "bench"))

import torch  # noqa: E402
from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E402
from torch.nn.functional import scaled_dot_product_attention as sdpa  # noqa: E402

import flashtile.attention as fa  # noqa: E402
from bench_attention import Problem, flops, median_ms  # noqa: E402
from ptxas_configs import attention_constexprs, compile_ptx, ptxas_report  # noqa: E402

from flashtile.ptxas import find_ptxas  # noqa: E402

Cand = Tuple[int, int, int, int]  # block_m, block_n, num_warps, num_stages

FWD: Dict[int, List[Cand]] = {
    64: [(128, 128, 8, 2), (128, 64, 8, 2), (128, 64, 4, 2), (128, 64, 4, 3),
         (64, 128, 4, 2), (64, 64, 4, 2), (64, 64, 4, 3)],
    128: [(128, 64, 8, 3), (128, 64, 8, 2), (64, 64, 4, 2), (64, 64, 4, 3),
          (64, 128, 4, 2), (64, 32, 4, 2), (128, 32, 8, 2)],
}
DKDV: Dict[int, List[Cand]] = {
    64: [(32, 64, 8, 2), (64, 64, 8, 2), (64, 128, 8, 2), (32, 128, 8, 2), (64, 64, 4, 2),
         (128, 64, 8, 2)],
    128: [(32, 64, 8, 2), (64, 64, 8, 2), (64, 64, 8, 3), (32, 128, 8, 2), (32, 64, 8, 3)],
}
DQ: Dict[int, List[Cand]] = {
    64: [(128, 64, 8, 2), (64, 64, 8, 2), (64, 128, 8, 2), (128, 32, 8, 2), (64, 64, 4, 2)],
    128: [(64, 64, 8, 2), (128, 32, 8, 2), (64, 32, 4, 2), (64, 64, 4, 2), (32, 64, 8, 2)],
}
KERNELS = ("attention_fwd", "attention_bwd_dkdv", "attention_bwd_dq")


def spills(d: int, slot: int, cand: Cand, arch: int) -> int:
    """Spill bytes ptxas reports for the candidate at `arch` (f16, causal or
    not, the worse); -1 without ptxas."""
    ptxas = find_ptxas()
    if ptxas is None:
        return -1
    worst = 0
    for causal in (False, True):
        kernel = compile_ptx(KERNELS[slot], attention_constexprs(KERNELS[slot], d, cand[0],
                                                                 cand[1], causal),
                             arch=arch, num_warps=cand[2], num_stages=cand[3])
        _, stores, loads, _ = ptxas_report(ptxas, kernel.ptx, arch)
        worst = max(worst, stores + loads)
    return worst


def reference(problem: Problem, causal: bool) -> Tuple[torch.Tensor, List[torch.Tensor]]:
    """SDPA (efficient backend, fp32) output and gradients, in (B, N, H, D)."""
    q, k, v = (x.float().detach().requires_grad_() for x in (problem.sq, problem.sk, problem.sv))
    with sdpa_kernel(SDPBackend.EFFICIENT_ATTENTION):
        out = sdpa(q, k, v, is_causal=causal)
    out.backward(problem.sdo.float())
    t = lambda x: x.transpose(1, 2)  # noqa: E731
    return t(out).detach(), [t(x.grad) for x in (q, k, v)]


def correct(problem: Problem, causal: bool, mode: str, ref) -> bool:
    q, k, v = (x.detach().requires_grad_(mode != "fwd") for x in
               (problem.q, problem.k, problem.v))
    out = fa.flash_attn_func(q, k, v, causal=causal)
    ok = (out.float() - ref[0]).abs().max().item() < 1e-2
    if mode != "fwd":
        out.backward(problem.do)
        ok = ok and all((x.grad.float() - r).abs().max().item() < 5e-2
                        for x, r in zip((q, k, v), ref[1]))
    return ok


def time_config(problem: Problem, causal: bool, mode: str, ref) -> float:
    """TFLOP/s of flash_attn_func with the current CONFIGS (0 if wrong)."""
    if not correct(problem, causal, mode, ref):
        return 0.0
    fn, grads = problem.call("flashtile", causal, mode)
    ms = median_ms(fn, grad_to_none=grads if mode != "fwd" else None)
    return flops(problem.batch, problem.seqlen, problem.head_dim, causal, mode) / ms / 1e9


def sweep(d: int, slot: int, cands: List[Cand], mode: str, problem: Problem, refs,
          results: List[Dict]) -> Cand:
    """Times `cands` in CONFIGS[d][slot]; keeps and returns the fastest
    (summed over causal and not)."""
    best, best_score = None, -1.0
    major, minor = torch.cuda.get_device_capability()
    arch = min(90, 10 * major + minor)
    for cand in cands:
        spilled = spills(d, slot, cand, arch)
        if spilled > 0:
            print(f"  d{d} slot {slot} {cand}: spills {spilled} bytes at sm_{arch}, skipped")
            continue
        configs = list(fa.CONFIGS[d])
        configs[slot] = fa.Config(*cand)
        fa.CONFIGS[d] = tuple(configs)
        fa._FORWARD_PLANS.clear()  # plans hold the configuration they were made with
        scores = {}
        for causal in (False, True):
            try:
                scores[causal] = time_config(problem, causal, mode, refs[causal])
            except Exception as error:  # a compile or launch failure: not a candidate
                print(f"  d{d} slot {slot} {cand}: {str(error).splitlines()[0][:120]}")
                scores[causal] = 0.0
        kernel = ("fwd", "dkdv", "dq")[slot]
        print(f"  d{d} {kernel:4s} {cand}: {mode} full {scores[False]:6.1f}  "
              f"causal {scores[True]:6.1f} TFLOP/s", flush=True)
        results.append(dict(head_dim=d, kernel=kernel, config=cand, mode=mode,
                            full=scores[False], causal=scores[True]))
        total = scores[False] + scores[True]
        if total > best_score:
            best, best_score = cand, total
    configs = list(fa.CONFIGS[d])
    configs[slot] = fa.Config(*best)
    fa.CONFIGS[d] = tuple(configs)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--kernels", default="fwd,dkdv,dq",
                        help="comma-separated subset of fwd, dkdv, dq")
    parser.add_argument("--head-dims", default="64,128")
    args = parser.parse_args(argv)
    kernels = set(args.kernels.split(","))
    print(f"tune_attention on {torch.cuda.get_device_name()}; current CONFIGS: {fa.CONFIGS}")
    results: List[Dict] = []
    chosen = {}
    for d in (int(x) for x in args.head_dims.split(",")):
        problem = Problem(d, 4096)
        refs = {causal: reference(problem, causal) for causal in (False, True)}
        for causal in (False, True):
            for mode in ("fwd", "fwd+bwd"):
                fn, grads = problem.call("sdpa-flash", causal, mode)
                ms = median_ms(fn, grad_to_none=grads if mode != "fwd" else None)
                tflops = flops(problem.batch, problem.seqlen, d, causal, mode) / ms / 1e9
                print(f"  d{d} sdpa-flash {mode} {'causal' if causal else 'full'}: "
                      f"{tflops:6.1f} TFLOP/s", flush=True)
                results.append(dict(head_dim=d, kernel="sdpa-flash", mode=mode,
                                    causal=causal, tflops=tflops))
        current = fa.CONFIGS[d]
        fwd = (sweep(d, 0, FWD[d], "fwd", problem, refs, results)
               if "fwd" in kernels else tuple(current[0]))
        dkdv = (sweep(d, 1, DKDV[d], "fwd+bwd", problem, refs, results)
                if "dkdv" in kernels else tuple(current[1]))
        dq = (sweep(d, 2, DQ[d], "fwd+bwd", problem, refs, results)
              if "dq" in kernels else tuple(current[2]))
        chosen[d] = dict(fwd=fwd, dkdv=dkdv, dq=dq)
        print(f"d{d}: best fwd {fwd}, dkdv {dkdv}, dq {dq}", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "tune_attention.json").write_text(json.dumps(dict(
        device=torch.cuda.get_device_name(), results=results, chosen=chosen), indent=1))
    print(json.dumps(chosen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
