"""python3 -m flashtile.demo: FlashAttention forward and backward from
kernels/attention.py, checked against float64 attention with flash-attn's bar
(max|ours - ref64| <= 2 * max|std_lowprec - ref64| + a few float32 ulps).

Runs on the GPU (flashtile.flash_attn_func on CUDA tensors, with autograd)
when PyTorch with CUDA is available, else on the CPU executor; ``--device``
chooses. ``--small`` runs a few small ragged problems once (causal and not,
head dims that are not powers of two): the run that compute-sanitizer checks
(scripts/device.sh). Exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from typing import List, Optional, Tuple

import numpy as np

from . import reference
from .attention import attention_backward, attention_forward
from .errors import FlashTileError

try:
    import ml_dtypes

    _DTYPES = {"fp16": np.float16, "bf16": ml_dtypes.bfloat16, "fp32": np.float32}
except ImportError:  # pragma: no cover
    _DTYPES = {"fp16": np.float16, "fp32": np.float32}

#: (batch, heads, seqlen_q, seqlen_k, head_dim) of --small: ragged, both
#: seqlen_q < seqlen_k and > (causal rows that see no key), padded head dims.
SMALL = [(2, 2, 37, 53, 40), (1, 3, 65, 17, 64), (1, 1, 1, 130, 16), (2, 1, 129, 129, 96)]


def cuda_available() -> Tuple[bool, str]:
    """Whether torch with a usable CUDA device is here, and if not why."""
    try:
        import torch
    except ImportError:
        return False, "PyTorch is not installed"
    if not torch.cuda.is_available():
        return False, "torch.cuda.is_available() is False"
    return True, ""


def _inputs(batch, nheads, seqlen_q, seqlen_k, head_dim, dtype, seed):
    rng = np.random.default_rng(seed)
    shape_q = (batch, seqlen_q, nheads, head_dim)
    shape_k = (batch, seqlen_k, nheads, head_dim)
    return tuple(rng.standard_normal(s).astype(dtype)
                 for s in (shape_q, shape_k, shape_k, shape_q))


def _run_cpu(q, k, v, do, causal, backward):
    start = time.perf_counter()
    out, lse = attention_forward(q, k, v, causal=causal)
    fwd_s = time.perf_counter() - start
    grads, bwd_s = None, 0.0
    if backward:
        start = time.perf_counter()
        grads = attention_backward(do, q, k, v, out, lse, causal=causal)
        bwd_s = time.perf_counter() - start
    return out, lse, grads, fwd_s, bwd_s


def _to_torch(x, torch):
    if x.dtype == np.float16:
        return torch.from_numpy(x).cuda()
    if x.dtype == np.float32:
        return torch.from_numpy(x).cuda()
    # bfloat16: numpy (ml_dtypes) -> the same bits as torch.bfloat16
    return torch.from_numpy(x.view(np.int16)).view(torch.bfloat16).cuda()


def _to_numpy(x, dtype):
    import torch

    x = x.detach()
    if x.dtype == torch.bfloat16:
        return x.view(torch.int16).cpu().numpy().view(dtype)
    return x.cpu().numpy()


def _run_cuda(q, k, v, do, causal, backward):
    import torch

    from .attention import flash_attn_func

    tq, tk, tv, tdo = (_to_torch(x, torch) for x in (q, k, v, do))
    for t in (tq, tk, tv):
        t.requires_grad_(backward)
    torch.cuda.synchronize()
    start = time.perf_counter()
    out, lse = flash_attn_func(tq, tk, tv, causal=causal, return_lse=True)
    torch.cuda.synchronize()
    fwd_s = time.perf_counter() - start
    grads, bwd_s = None, 0.0
    if backward:
        start = time.perf_counter()
        out.backward(tdo)
        torch.cuda.synchronize()
        bwd_s = time.perf_counter() - start
        grads = tuple(_to_numpy(t.grad, q.dtype) for t in (tq, tk, tv))
    return _to_numpy(out, q.dtype), lse.cpu().numpy(), grads, fwd_s, bwd_s


def run_case(batch, nheads, seqlen_q, seqlen_k, head_dim, dtype, causal, backward,
             device="cpu", seed=0) -> Tuple[List[reference.Check], float, float]:
    q, k, v, do = _inputs(batch, nheads, seqlen_q, seqlen_k, head_dim, dtype, seed)
    run = _run_cuda if device == "cuda" else _run_cpu
    out, lse, grads, fwd_s, bwd_s = run(q, k, v, do, causal, backward)
    out_ref, lse_ref = reference.attention_ref(q, k, v, causal)
    out_lp, lse_lp = reference.attention_lowprec(q, k, v, causal)
    checks = [reference.check_close("O", out, out_ref, out_lp),
              reference.check_close("L", lse, lse_ref, lse_lp)]
    if backward:
        refs = reference.attention_bwd_ref(do, q, k, v, causal)
        lows = reference.attention_bwd_lowprec(do, q, k, v, causal)
        for name, ours, ref, low in zip(("dQ", "dK", "dV"), grads, refs, lows):
            checks.append(reference.check_close(name, ours, ref, low,
                                                reference.gradient_magnitude(refs)))
    return checks, fwd_s, bwd_s


def _device_name(device: str) -> str:
    if device == "cuda":
        import torch

        return f"GPU: {torch.cuda.get_device_name()} (torch {torch.__version__})"
    return f"CPU executor on {platform.node()} {platform.machine()}"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="cuda: flash_attn_func on the GPU; cpu: the CPU executor; "
                             "auto (default): cuda when PyTorch sees a GPU")
    parser.add_argument("--small", action="store_true",
                        help="a few small ragged problems (the compute-sanitizer run)")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--heads", type=int, default=2)
    parser.add_argument("--seqlen-q", type=int, default=100)
    parser.add_argument("--seqlen-k", type=int, default=77)
    parser.add_argument("--head-dim", type=int, default=64)
    parser.add_argument("--dtype", choices=sorted(_DTYPES), default="fp16")
    parser.add_argument("--no-backward", action="store_true")
    args = parser.parse_args(argv)

    has_cuda, why = cuda_available()
    device = args.device
    if device == "auto":
        device = "cuda" if has_cuda else "cpu"
    if device == "cuda" and not has_cuda:
        print(f"--device cuda: no GPU ({why})")
        return 2
    if device == "cuda" and args.dtype == "fp32":
        print("--device cuda: flash_attn_func takes fp16 or bf16")
        return 2

    problems = SMALL if args.small else [(args.batch, args.heads, args.seqlen_q, args.seqlen_k,
                                          args.head_dim)]
    print(f"FlashTile attention demo (kernels/attention.py), {_device_name(device)}"
          + ("" if device == "cuda" or has_cuda else f" [no GPU: {why}]"))
    failed = False
    for batch, heads, seqlen_q, seqlen_k, head_dim in problems:
        print(f"\nshape: batch {batch}, heads {heads}, seqlen_q {seqlen_q}, seqlen_k {seqlen_k}, "
              f"head dim {head_dim}, {args.dtype}")
        for causal in (False, True):
            try:
                checks, fwd_s, bwd_s = run_case(
                    batch, heads, seqlen_q, seqlen_k, head_dim, _DTYPES[args.dtype], causal,
                    not args.no_backward, device)
            except FlashTileError as error:
                print(f"  causal={causal}: {type(error).__name__}:\n{error}")
                failed = True
                continue
            timing = f"forward {fwd_s:.3f} s" + ("" if args.no_backward
                                                 else f", backward {bwd_s:.3f} s")
            print(f"  causal={causal} ({timing}, including compilation)")
            for check in checks:
                print("    " + str(check))
                failed |= not check.ok
    print("\nFAIL" if failed else "\nPASS: within flash-attn's bar (2x the error of standard "
          "attention in the same precision)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
