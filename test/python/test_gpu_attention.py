"""flashtile.flash_attn_func on a GPU against float64 attention, with
flash-attn's bar: for the output, the log-sum-exp and each gradient,

    max|ours - ref64| <= 2 * max|std - ref64| + eps

where ref64 is standard attention in float64 (torch, on the GPU, from the
same fp16/bf16 inputs) and std is standard attention computed in the inputs'
low precision the way flash-attn's tests compute it (fp16/bf16 matmuls,
softmax through torch.softmax, P rounded to the input dtype, gradients by
autograd in that precision). eps = flashtile.reference.ATOL_ULPS (8) float32
ulps of the computation's magnitude (max|ref64|; for gradients the largest of
dQ, dK, dV): negligible next to fp16/bf16 errors, it only matters where std
happens to be exact (see flashtile/reference.py).

Also: outputs are all written (poisoned with NaN first), misuse raises
ValueError before any launch, repeated runs are bitwise identical, and
non-contiguous batch/seq/head strides give the same bits as contiguous
inputs. Skipped without PyTorch or a CUDA device.
"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch", reason="GPU tests need PyTorch with CUDA (torch is not "
                                            "installed)")
if not torch.cuda.is_available():
    pytest.skip("GPU tests need a CUDA device (torch.cuda.is_available() is False)",
                allow_module_level=True)

import flashtile  # noqa: E402
from flashtile import reference as R  # noqa: E402
from flashtile.attention import (  # noqa: E402
    flash_attn_backward,
    flash_attn_forward,
    flash_attn_func,
)

DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}
HEAD_DIMS = [8, 16, 32, 64, 80, 128, 160, 256]
SEQLENS = [(1, 1), (113, 203), (128, 217), (255, 511), (1000, 777)]
BATCH, NHEADS = 2, 3


def make_inputs(seqlen_q, seqlen_k, head_dim, dtype, seed, batch=BATCH, nheads=NHEADS,
                nheads_k=None):
    generator = torch.Generator(device="cuda").manual_seed(seed)

    def randn(seqlen, heads=nheads):
        return torch.randn((batch, seqlen, heads, head_dim), generator=generator,
                           device="cuda", dtype=torch.float32).to(dtype)

    heads_k = nheads if nheads_k is None else nheads_k
    return randn(seqlen_q), randn(seqlen_k, heads_k), randn(seqlen_k, heads_k), randn(seqlen_q)


def standard_attention(q, k, v, causal, scale, upcast, window_size=(-1, -1), softcap=0.0,
                       alibi_slopes=None):
    """Standard attention (b, s, h, d) -> (out, lse); float64 if `upcast`,
    else in the inputs' precision as flash-attn's attention_ref computes it
    (k and v repeated over MQA/GQA groups; the softcap's divide, tanh and
    multiply in that precision; the ALiBi bias in float32). Queries that see
    no key get out = 0, lse = +inf."""
    if upcast:
        q, k, v = q.double(), k.double(), v.double()
    seqlen_q, seqlen_k = q.shape[1], k.shape[1]
    group = q.shape[2] // k.shape[2]
    k, v = (x.repeat_interleave(group, dim=2) for x in (k, v))
    scores = torch.einsum("bqhd,bkhd->bhqk", q * scale, k)
    if softcap > 0:
        scores = torch.tanh(scores / softcap) * softcap
    rows = torch.arange(seqlen_q, device=q.device)[:, None]
    cols = torch.arange(seqlen_k, device=q.device)[None, :]
    diagonal = rows + (seqlen_k - seqlen_q)
    if alibi_slopes is not None:
        slopes = alibi_slopes.double() if upcast else alibi_slopes
        slopes = slopes.reshape(-1, q.shape[2])[:, :, None, None]
        scores = scores - slopes * (diagonal - cols).abs()
    left, right = window_size
    right = 0 if causal else right
    visible = torch.ones_like(cols + rows, dtype=bool)
    if right >= 0:
        visible &= cols <= diagonal + right
    if left >= 0:
        visible &= cols >= diagonal - left
    empty = ~visible.any(-1, keepdim=True)  # (seqlen_q, 1)
    scores = scores.masked_fill(~visible, float("-inf")).masked_fill(empty, 0.0)
    p = torch.softmax(scores, dim=-1).masked_fill(empty, 0.0)
    lse = torch.logsumexp(scores.float() if not upcast else scores, dim=-1)
    lse = lse.masked_fill(empty[:, 0], float("inf"))
    out = torch.einsum("bhqk,bkhd->bqhd", p.to(v.dtype), v)
    return out, lse


def run_reference(q, k, v, do, causal, scale, upcast, **variant):
    q, k, v = (x.detach().clone().requires_grad_(True) for x in (q, k, v))
    out, lse = standard_attention(q, k, v, causal, scale, upcast, **variant)
    out.backward(do.double() if upcast else do)
    return out.detach(), lse.detach(), q.grad, k.grad, v.grad


def numpy64(x):
    return x.detach().double().cpu().numpy()


def check(seqlen_q, seqlen_k, head_dim, dtype, causal, softmax_scale=None, seed=0,
          nheads=NHEADS, nheads_k=None, deterministic=False, **variant):
    """`variant`: window_size, softcap, alibi_slopes as flash_attn_func's."""
    q, k, v, do = make_inputs(seqlen_q, seqlen_k, head_dim, dtype, seed, nheads=nheads,
                              nheads_k=nheads_k)
    scale = softmax_scale if softmax_scale is not None else 1.0 / math.sqrt(head_dim)
    tq, tk, tv = (x.clone().requires_grad_(True) for x in (q, k, v))
    out, lse = flash_attn_func(tq, tk, tv, softmax_scale=softmax_scale, causal=causal,
                               deterministic=deterministic, return_lse=True, **variant)
    out.backward(do)
    assert out.dtype == dtype and out.shape == q.shape
    assert lse.dtype == torch.float32 and lse.shape == (BATCH, nheads, seqlen_q)
    assert tk.grad.shape == k.shape and tv.grad.shape == v.shape
    ours = [out, lse, tq.grad, tk.grad, tv.grad]
    ref = run_reference(q, k, v, do, causal, scale, upcast=True, **variant)
    std = run_reference(q, k, v, do, causal, scale, upcast=False, **variant)
    ref, std, ours = ([numpy64(x) for x in xs] for xs in (ref, std, ours))
    # The softmax backward cancels dP = dO V^T against delta: its rounding
    # lands in dQ and dK at dP's scale (seen where std is exact, seqlen_k 1).
    group = q.shape[2] // k.shape[2]
    dp = torch.einsum("bqhd,bkhd->bhqk", do.double(), v.double().repeat_interleave(group, 2))
    magnitude = max(R.gradient_magnitude(ref[2:]), float(dp.abs().max()))
    checks = [R.check_close("O", ours[0], ref[0], std[0]), R.check_close("L", ours[1], ref[1], std[1])]
    checks += [R.check_close(n, o, r, s, magnitude)
               for n, o, r, s in zip(("dQ", "dK", "dV"), ours[2:], ref[2:], std[2:])]
    failed = [str(c) for c in checks if not c.ok]
    assert not failed, "\n".join(failed)


# Seqlens innermost: consecutive cases share compiled kernels (specialised on
# head dim, dtype, causal and divisibility by 16), also across pytest-xdist
# workers, which take consecutive cases.
CASES = [
    pytest.param(sq, sk, d, dt, causal, id=f"{sq}x{sk}-d{d}-{dt}-{'causal' if causal else 'full'}")
    for d in HEAD_DIMS for dt in DTYPES for causal in (False, True) for (sq, sk) in SEQLENS
]


@pytest.mark.parametrize("seqlen_q,seqlen_k,head_dim,dtype,causal", CASES)
def test_forward_and_backward_within_flash_attn_bar(seqlen_q, seqlen_k, head_dim, dtype, causal):
    check(seqlen_q, seqlen_k, head_dim, DTYPES[dtype], causal, seed=seqlen_q + 7 * head_dim)


def test_custom_softmax_scale_and_out_only():
    check(113, 203, 64, torch.float16, True, softmax_scale=0.3)
    q, k, v, _ = make_inputs(17, 33, 32, torch.bfloat16, 1)
    out = flash_attn_func(q, k, v)
    assert isinstance(out, torch.Tensor) and out.shape == q.shape


@pytest.mark.parametrize("seqlen_q,seqlen_k,causal", [(113, 203, False), (203, 113, True),
                                                      (1, 65, True), (300, 1, True)])
def test_every_output_is_written(seqlen_q, seqlen_k, causal):
    """Outputs poisoned with NaN: every element must be overwritten (rows of
    causal queries that see no key get 0, and +inf in lse)."""
    q, k, v, do = make_inputs(seqlen_q, seqlen_k, 80, torch.float16, 2)
    nan = float("nan")
    out = torch.full_like(q, nan)
    lse = torch.full((BATCH, NHEADS, seqlen_q), nan, device="cuda")
    flash_attn_forward(q, k, v, causal=causal, out=out, lse=lse)
    dq, dk, dv = (torch.full_like(x, nan) for x in (q, k, v))
    delta = torch.full((BATCH, NHEADS, seqlen_q), nan, device="cuda")
    flash_attn_backward(do, q, k, v, out, lse, causal=causal, dq=dq, dk=dk, dv=dv, delta=delta)
    torch.cuda.synchronize()
    for name, x in (("out", out), ("lse", lse), ("dq", dq), ("dk", dk), ("dv", dv),
                    ("delta", delta)):
        assert not torch.isnan(x).any(), f"{name} has unwritten (NaN) elements"


def test_repeated_runs_are_bitwise_identical():
    q, k, v, do = make_inputs(255, 511, 64, torch.bfloat16, 3)
    results = []
    for _ in range(3):
        tq, tk, tv = (x.clone().requires_grad_(True) for x in (q, k, v))
        out, lse = flash_attn_func(tq, tk, tv, causal=True, return_lse=True)
        out.backward(do)
        results.append([out.detach(), lse, tq.grad, tk.grad, tv.grad])
    for other in results[1:]:
        for a, b in zip(results[0], other):
            assert torch.equal(a, b)


def test_non_contiguous_strides_give_the_same_bits():
    q, k, v, do = make_inputs(129, 77, 64, torch.float16, 4)
    expected = flash_attn_forward(q, k, v, causal=True)
    # (b, h, s, d) memory viewed as (b, s, h, d); a sliced batch; a padded head dim
    views = [x.transpose(1, 2).contiguous().transpose(1, 2) for x in (q, k, v)]
    got = flash_attn_forward(*views, causal=True)
    assert all(not x.is_contiguous() for x in views)
    assert torch.equal(expected[0], got[0]) and torch.equal(expected[1], got[1])
    padded = [torch.nn.functional.pad(x, (0, 16))[..., :64] for x in (q, k, v)]
    got = flash_attn_forward(*padded, causal=True)
    assert torch.equal(expected[0], got[0])
    # a non-contiguous head dim is copied
    strided = [torch.stack([x, x], dim=-1)[..., 0] for x in (q, k, v)]
    assert strided[0].stride(-1) == 2
    assert torch.equal(expected[0], flash_attn_forward(*strided, causal=True)[0])


def test_misuse_raises_value_error_naming_the_argument():
    q, k, v, _ = make_inputs(16, 16, 64, torch.float16, 5)
    cases = [
        ((q.cpu(), k, v), {}, r"q is on cpu"),
        ((q.float(), k.float(), v.float()), {}, r"q has dtype torch.float32"),
        ((q, k.bfloat16(), v), {}, r"k has dtype torch.bfloat16 but q has torch.float16"),
        ((q, k[:, :, :2], v[:, :, :2]), {}, r"k and v have 2 heads, which does not divide"),
        ((q, k, v), {"window_size": (-3, 0)}, r"window_size must be a pair of ints >= -1"),
        ((q, k, v), {"softcap": -1.0}, r"softcap must be a float >= 0"),
        ((q, k, v), {"alibi_slopes": torch.ones(3, device="cuda")[:2]},
         r"alibi_slopes must have shape \(3,\) or \(2, 3\)"),
        ((q, k, v[..., :32]), {}, r"v has head dimension 32 but q has 64"),
        ((q[:1], k, v), {}, r"k has batch size 2 but q has 1"),
        ((q[..., :4], k[..., :4], v[..., :4]), {}, r"head dimension 4 is not supported"),
        ((q[0], k[0], v[0]), {}, r"q must have 4 dimensions"),
        ((q, k, v), {"dropout_p": 0.1}, r"dropout is not supported"),
    ]
    if torch.cuda.device_count() > 1:
        cases.append(((q, k.to("cuda:1"), v), {}, r"k is on cuda:1 but q is on cuda:0"))
    for args, kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            flash_attn_func(*args, **kwargs)


# -- Autotuning ---------------------------------------------------------------

import flashtile.attention as fa  # noqa: E402

TUNED = [(kernel, d, c) for d in (64, 128, 256) for kernel in fa.KERNELS
         if d in fa.CANDIDATES[kernel] for c in range(len(fa.candidates(kernel, d)))]


@pytest.fixture
def fresh_tuners(monkeypatch):
    """Empty tuner and plan caches (they hold choices made untimed)."""
    monkeypatch.setattr(fa, "_TUNERS", {})
    monkeypatch.setattr(fa, "_FORWARD_PLANS", {})


@pytest.mark.parametrize("kernel,head_dim,index", [
    pytest.param(k, d, i, id=f"{k}-d{d}-{fa.candidates(k, d)[i]}") for k, d, i in TUNED])
def test_every_candidate_is_within_the_bar(kernel, head_dim, index, fresh_tuners, monkeypatch):
    """Whatever the tuner picks is correct: each candidate alone, forward and
    backward, causal or not, on ragged multi-block sequences."""
    d = fa.block_d(head_dim)
    only = fa.candidates(kernel, head_dim)[index]
    monkeypatch.setitem(fa.CANDIDATES, kernel, {**fa.CANDIDATES[kernel], d: [only]})
    # The fused dQ-atomic kernel runs from fa.ATOMIC_DQ_MIN_SEQLEN queries on.
    seqlens = (fa.ATOMIC_DQ_MIN_SEQLEN + 3, 300) if kernel.endswith("_atomic") else (255, 511)
    for causal in (False, True):
        check(*seqlens, head_dim, torch.float16, causal, seed=index)


def test_autotuning_times_the_candidates_and_reports(fresh_tuners, monkeypatch, capsys,
                                                      cache_dir):
    monkeypatch.setenv("FLASHTILE_AUTOTUNE", "1")
    monkeypatch.setenv("FLASHTILE_PRINT_AUTOTUNING", "1")
    check(1000, 777, 64, torch.float16, True, seed=3)
    out = capsys.readouterr().out
    arch = fa._device_arch(torch.empty(1, device="cuda"))
    ran = ("attention_fwd",) + fa.backward_kernels(64, seqlen_q=1000)
    for kernel in ran:
        tuner = fa._TUNERS[(kernel, 64, arch, False)]
        (chosen,) = tuner.cache.values()
        assert chosen in fa.candidates(kernel, 64, arch)
        assert tuner.last_source == "timed" and len(tuner.timings) == len(tuner.configs)
        # Reported under the @jit function's name (the atomic variant is attention_bwd_dkdv).
        assert (f"flashtile autotune: {tuner.kernel_name} key (64, True, False, False, False, "
                "1024, 1024)") in out
    # A new process (here: fresh tuners) reads the choices back from disk.
    monkeypatch.setattr(fa, "_TUNERS", {})
    monkeypatch.setattr(fa, "_FORWARD_PLANS", {})
    check(1000, 777, 64, torch.float16, True, seed=3)
    assert all(fa._TUNERS[(k, 64, arch, False)].last_source in ("disk", "memory") for k in ran)
    assert "(from the disk cache)" in capsys.readouterr().out


def test_packed_variants_match_flash_attn_func():
    """flash_attn_qkvpacked_func / flash_attn_kvpacked_func (and their
    flash_attn_interface re-exports) give flash_attn_func's outputs and
    gradients, the gradients flowing back into the packed tensors."""
    from flashtile import flash_attn_interface as fai

    g = torch.Generator(device="cuda").manual_seed(3)
    qkv = torch.randn((2, 100, 3, 4, 64), device="cuda", dtype=torch.float16, generator=g)
    do = torch.randn((2, 100, 4, 64), device="cuda", dtype=torch.float16, generator=g)
    q, k, v = (qkv[:, :, i].clone().requires_grad_(True) for i in range(3))
    ref = flash_attn_func(q, k, v, causal=True, deterministic=True)
    ref.backward(do)
    packed = qkv.clone().requires_grad_(True)
    out = fai.flash_attn_qkvpacked_func(packed, causal=True, deterministic=True)
    out.backward(do)
    assert torch.equal(out, ref)
    for i, grad in enumerate((q.grad, k.grad, v.grad)):
        assert torch.equal(packed.grad[:, :, i], grad)
    kv = torch.stack((k.detach(), v.detach()), dim=2).requires_grad_(True)
    qq = q.detach().clone().requires_grad_(True)
    out = fai.flash_attn_kvpacked_func(qq, kv, causal=True, deterministic=True)
    out.backward(do)
    assert torch.equal(out, ref) and torch.equal(qq.grad, q.grad)
    assert torch.equal(kv.grad[:, :, 0], k.grad) and torch.equal(kv.grad[:, :, 1], v.grad)
    with pytest.raises(ValueError, match="qkv must be"):
        fai.flash_attn_qkvpacked_func(qkv[:, :, :2])


@pytest.mark.parametrize("head_dims", [(192, 128), (64, 128)], ids=lambda d: f"qk{d[0]}-v{d[1]}")
@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("causal", [False, True])
def test_value_head_dim_of_its_own(head_dims, dtype, causal):
    d, dv = head_dims
    g = torch.Generator(device="cuda").manual_seed(d + dv)
    q, k = (torch.randn((2, n, 4, d), generator=g, device="cuda").to(DTYPES[dtype])
            for n in (300, 411))
    v = torch.randn((2, 411, 4, dv), generator=g, device="cuda").to(DTYPES[dtype])
    do = torch.randn((2, 300, 4, dv), generator=g, device="cuda").to(DTYPES[dtype])
    tq, tk, tv = (x.clone().requires_grad_(True) for x in (q, k, v))
    out = flash_attn_func(tq, tk, tv, causal=causal)
    out.backward(do)
    assert out.shape == do.shape
    scale = 1.0 / math.sqrt(d)
    ref = run_reference(q, k, v, do, causal, scale, upcast=True)
    std = run_reference(q, k, v, do, causal, scale, upcast=False)
    ours = [out, tq.grad, tk.grad, tv.grad]
    magnitude = R.gradient_magnitude([numpy64(x) for x in ref[2:]])
    checks = [R.check_close(n, numpy64(o), numpy64(r), numpy64(s), magnitude if n != "O" else None)
              for n, o, r, s in zip(("O", "dQ", "dK", "dV"), ours, ref[:1] + ref[2:],
                                    std[:1] + std[2:])]
    failed = [str(c) for c in checks if not c.ok]
    assert not failed, "\n".join(failed)


# -- Packed (varlen) batches --------------------------------------------------

#: (queries, keys) per sequence: ragged, longer than a block, keys fewer than
#: queries (causal rows that see nothing), a sequence without queries.
VARLEN_LENGTHS = [(300, 411), (1, 1), (190, 64), (0, 17), (1000, 777), (64, 64)]


def check_varlen(lengths, head_dim, dtype, causal, nheads=4, nheads_k=2, deterministic=False,
                 seed=0, **variant):
    """flash_attn_varlen_func forward and backward against standard
    attention of each sequence on its own, under the bar of `check`."""
    generator = torch.Generator(device="cuda").manual_seed(seed)
    total_q, total_k = sum(lq for lq, _ in lengths), sum(lk for _, lk in lengths)

    def randn(total, heads):
        return torch.randn((total, heads, head_dim), generator=generator, device="cuda",
                           dtype=torch.float32).to(dtype)

    q, k, v, do = randn(total_q, nheads), randn(total_k, nheads_k), randn(total_k, nheads_k), \
        randn(total_q, nheads)
    offsets = [(0, 0)]
    for lq, lk in lengths:
        offsets.append((offsets[-1][0] + lq, offsets[-1][1] + lk))
    cu_q, cu_k = (torch.tensor([o[i] for o in offsets], dtype=torch.int32, device="cuda")
                  for i in (0, 1))
    tq, tk, tv = (x.clone().requires_grad_(True) for x in (q, k, v))
    out, lse = flashtile.flash_attn_varlen_func(
        tq, tk, tv, cu_q, cu_k, max(lq for lq, _ in lengths), max(lk for _, lk in lengths),
        causal=causal, deterministic=deterministic, return_lse=True, **variant)
    out.backward(do)
    assert out.shape == q.shape and lse.shape == (nheads, total_q)
    scale = 1.0 / math.sqrt(head_dim)
    slopes = variant.pop("alibi_slopes", None)
    parts = {True: [], False: []}
    for b, ((q0, k0), (q1, k1)) in enumerate(zip(offsets, offsets[1:])):
        seq = [x[None, a:e] for x, a, e in ((q, q0, q1), (k, k0, k1), (v, k0, k1), (do, q0, q1))]
        seq_slopes = slopes[b] if slopes is not None and slopes.dim() == 2 else slopes
        for upcast in (True, False):
            parts[upcast].append(run_reference(*seq, causal, scale, upcast,
                                               alibi_slopes=seq_slopes, **variant))
    ours = [numpy64(x) for x in (out, lse, tq.grad, tk.grad, tv.grad)]
    packed = {}
    for upcast, runs in parts.items():
        o, l, dq, dk, dv = zip(*runs)
        packed[upcast] = [numpy64(torch.cat(o, 1)[0]), numpy64(torch.cat(l, 2)[0]),
                          numpy64(torch.cat(dq, 1)[0]), numpy64(torch.cat(dk, 1)[0]),
                          numpy64(torch.cat(dv, 1)[0])]
    ref, std = packed[True], packed[False]
    magnitude = R.gradient_magnitude(ref[2:])
    checks = [R.check_close("O", ours[0], ref[0], std[0]), R.check_close("L", ours[1], ref[1], std[1])]
    checks += [R.check_close(n, o, r, s, magnitude)
               for n, o, r, s in zip(("dQ", "dK", "dV"), ours[2:], ref[2:], std[2:])]
    failed = [str(c) for c in checks if not c.ok]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("head_dim", [64, 128])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("deterministic", [False, True])
def test_varlen(dtype, head_dim, causal, deterministic):
    check_varlen(VARLEN_LENGTHS, head_dim, DTYPES[dtype], causal, deterministic=deterministic,
                 seed=head_dim + int(causal))


def test_varlen_gqa_window_softcap_and_per_sequence_alibi():
    check_varlen(VARLEN_LENGTHS, 64, torch.float16, False, window_size=(100, 20), softcap=20.0,
                 alibi_slopes=alibi(4, len(VARLEN_LENGTHS)), seed=7)


def test_varlen_qkvpacked_matches_varlen():
    from flashtile import flash_attn_interface as fai

    g = torch.Generator(device="cuda").manual_seed(5)
    qkv = torch.randn((500, 3, 4, 64), device="cuda", dtype=torch.float16, generator=g)
    cu = torch.tensor([0, 120, 130, 500], dtype=torch.int32, device="cuda")
    ref = fai.flash_attn_varlen_func(qkv[:, 0], qkv[:, 1], qkv[:, 2], cu, cu, 370, 370,
                                     causal=True)
    assert torch.equal(fai.flash_attn_varlen_qkvpacked_func(qkv, cu, 370, causal=True), ref)
    out = fai.flash_attn_varlen_kvpacked_func(qkv[:, 0], qkv[:, 1:], cu, cu, 370, 370,
                                              causal=True)
    assert torch.equal(out, ref)


# -- Decoding: flash_attn_with_kvcache ----------------------------------------


def check_kvcache(seqlen_q, head_dim, dtype, causal, paged, num_splits, seed=0, nheads=8,
                  nheads_k=2, new=3, **variant):
    """Appends `new` tokens into a (possibly paged) cache, attends, and
    compares with standard attention over each entry's cached keys."""
    g = torch.Generator(device="cuda").manual_seed(seed)
    batch, capacity, page = 3, 1024, 256

    def randn(*shape):
        return torch.randn(shape, generator=g, device="cuda", dtype=torch.float32).to(dtype)

    q = randn(batch, seqlen_q, nheads, head_dim)
    k_new, v_new = randn(batch, new, nheads_k, head_dim), randn(batch, new, nheads_k, head_dim)
    seqlens = torch.tensor([700, 0, capacity - new], dtype=torch.int32, device="cuda")
    if paged:
        pages = batch * capacity // page
        table = torch.randperm(pages, generator=g, device="cuda").to(torch.int32).reshape(batch, -1)
        k_cache, v_cache = randn(pages, page, nheads_k, head_dim), randn(pages, page, nheads_k, head_dim)
        extra = dict(block_table=table)
    else:
        k_cache, v_cache = randn(batch, capacity, nheads_k, head_dim), randn(batch, capacity, nheads_k, head_dim)
        extra = {}
    out, lse = flashtile.flash_attn_with_kvcache(
        q, k_cache, v_cache, k_new, v_new, cache_seqlens=seqlens, causal=causal,
        num_splits=num_splits, return_softmax_lse=True, **extra, **variant)
    if paged:
        k_full, v_full = (x[table.long()].reshape(batch, capacity, nheads_k, head_dim)
                          for x in (k_cache, v_cache))
    else:
        k_full, v_full = k_cache, v_cache
    for b in range(batch):
        n = int(seqlens[b]) + new
        assert torch.equal(k_full[b, n - new:n], k_new[b]) and torch.equal(v_full[b, n - new:n], v_new[b])
        scale = 1.0 / math.sqrt(head_dim)
        args = (q[b:b + 1], k_full[b:b + 1, :n], v_full[b:b + 1, :n])
        ref = standard_attention(*args, causal, scale, True, **variant)
        std = standard_attention(*args, causal, scale, False, **variant)
        checks = [R.check_close(f"O[{b}]", numpy64(out[b:b + 1]), numpy64(ref[0]), numpy64(std[0])),
                  R.check_close(f"L[{b}]", numpy64(lse[b:b + 1]), numpy64(ref[1]), numpy64(std[1]))]
        failed = [str(c) for c in checks if not c.ok]
        assert not failed, "\n".join(failed)


@pytest.mark.parametrize("paged", [False, True])
@pytest.mark.parametrize("num_splits", [1, 0])
@pytest.mark.parametrize("head_dim", [64, 128, 256])
@pytest.mark.parametrize("dtype", list(DTYPES))
def test_kvcache_decoding(paged, num_splits, head_dim, dtype):
    check_kvcache(1, head_dim, DTYPES[dtype], True, paged, num_splits, seed=head_dim)


@pytest.mark.parametrize("seqlen_q", [4, 33])
def test_kvcache_prefill_chunk_with_variants(seqlen_q):
    check_kvcache(seqlen_q, 128, torch.float16, False, True, 0, new=seqlen_q,
                  window_size=(300, 0), softcap=30.0, alibi_slopes=alibi(8))


@pytest.mark.parametrize("interleaved", [True, False])
@pytest.mark.parametrize("causal", [True, False])
def test_kvcache_rotary_matches_rotating_first(interleaved, causal):
    """Rotary inside flash_attn_with_kvcache equals rotating q and the new k
    with torch first (the same fp16 rounding of the turned values)."""
    g = torch.Generator(device="cuda").manual_seed(11)
    batch, seqlen_q, new, d, rotary_dim = 2, 3, 3, 128, 64

    def randn(*shape):
        return torch.randn(shape, generator=g, device="cuda").half()

    q, k_new, v_new = randn(batch, seqlen_q, 8, d), randn(batch, new, 2, d), randn(batch, new, 2, d)
    cache = randn(batch, 512, 2, d), randn(batch, 512, 2, d)
    angles = torch.rand((600, rotary_dim // 2), generator=g, device="cuda") * 6.28
    cos, sin = angles.cos().half(), angles.sin().half()
    seqlens = torch.tensor([100, 500], dtype=torch.int32, device="cuda")

    def rotate(x, positions):
        x = x.float()
        c, s = cos[positions].float()[:, :, None, :], sin[positions].float()[:, :, None, :]
        out = x.clone()
        if interleaved:
            x0, x1 = x[..., 0:rotary_dim:2], x[..., 1:rotary_dim:2]
            out[..., 0:rotary_dim:2], out[..., 1:rotary_dim:2] = x0 * c - x1 * s, x0 * s + x1 * c
        else:
            h = rotary_dim // 2
            x0, x1 = x[..., :h], x[..., h:rotary_dim]
            out[..., :h], out[..., h:rotary_dim] = x0 * c - x1 * s, x0 * s + x1 * c
        return out.half()

    steps = torch.arange(seqlen_q, device="cuda") if causal else torch.zeros(seqlen_q, dtype=torch.long, device="cuda")
    q_turned = rotate(q, seqlens.long()[:, None] + steps[None, :])
    k_turned = rotate(k_new, seqlens.long()[:, None] + torch.arange(new, device="cuda")[None, :])
    ours_cache = tuple(c.clone() for c in cache)
    out = flashtile.flash_attn_with_kvcache(q, *ours_cache, k_new, v_new, rotary_cos=cos,
                                            rotary_sin=sin, cache_seqlens=seqlens, causal=causal,
                                            rotary_interleaved=interleaved)
    first_cache = tuple(c.clone() for c in cache)
    ref = flashtile.flash_attn_with_kvcache(q_turned, *first_cache, k_turned, v_new,
                                            cache_seqlens=seqlens, causal=causal)
    torch.testing.assert_close(ours_cache[0], first_cache[0], atol=2e-3, rtol=2e-3)
    torch.testing.assert_close(out, ref, atol=4e-3, rtol=4e-3)


# -- Variants: MQA/GQA, sliding windows, softcap, ALiBi --------------------


def alibi(nheads, batch=None):
    base = 2.0 ** (-8.0 * torch.arange(1, nheads + 1, device="cuda", dtype=torch.float32) / nheads)
    return base if batch is None else torch.stack([base * (1 + 0.5 * b) for b in range(batch)])


VARIANT_SEQLENS = [(113, 203), (255, 128), (512, 512)]


@pytest.mark.parametrize("seqlens", VARIANT_SEQLENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("nheads_k", [1, 3])  # MQA; GQA is in the combinations below
@pytest.mark.parametrize("head_dim", [64, 128])
@pytest.mark.parametrize("causal", [False, True])
def test_mqa(seqlens, nheads_k, head_dim, causal):
    check(*seqlens, head_dim, torch.float16, causal, nheads_k=nheads_k, seed=head_dim)


@pytest.mark.parametrize("window", [(32, 32), (0, 0), (100, -1), (-1, 17), (64, 0)])
@pytest.mark.parametrize("seqlens", VARIANT_SEQLENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("head_dim", [64, 128])
@pytest.mark.parametrize("causal", [False, True])
def test_sliding_window(window, seqlens, head_dim, causal):
    check(*seqlens, head_dim, torch.bfloat16, causal, window_size=window, seed=sum(window))


@pytest.mark.parametrize("softcap", [5.0, 30.0])
@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("head_dim", [64, 128])
@pytest.mark.parametrize("causal", [False, True])
def test_softcap(softcap, dtype, head_dim, causal):
    check(255, 511, head_dim, DTYPES[dtype], causal, softcap=softcap, softmax_scale=0.5,
          seed=int(softcap))


@pytest.mark.parametrize("per_batch", [False, True])
@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("causal", [False, True])
def test_alibi(per_batch, dtype, causal):
    check(255, 511, 64, DTYPES[dtype], causal, alibi_slopes=alibi(NHEADS, BATCH if per_batch
                                                                 else None))


@pytest.mark.parametrize("deterministic", [False, True])
@pytest.mark.parametrize("head_dim", [64, 80, 128])
@pytest.mark.parametrize("dtype", list(DTYPES))
def test_gqa_window_softcap_alibi_and_causal_together(deterministic, head_dim, dtype):
    """All the variants at once, with GQA (6 query heads, 2 key/value
    heads): within the bar, fwd and bwd, ragged lengths."""
    for causal, window in ((False, (40, 24)), (True, (96, -1))):
        check(300, 417, head_dim, DTYPES[dtype], causal, nheads=6, nheads_k=2,
              deterministic=deterministic, window_size=window, softcap=15.0,
              alibi_slopes=alibi(6), seed=head_dim)


@pytest.mark.parametrize("seqlens", [(113, 203), (203, 113), (128, 128)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("is_causal", [False, True])
@pytest.mark.parametrize("heads_k", [3, 1])
def test_scaled_dot_product_attention_matches_torch_sdpa(seqlens, is_causal, heads_k):
    """flashtile.scaled_dot_product_attention against torch's SDPA (math
    backend, float64): SDPA's top-left causal convention, GQA with
    enable_gqa, gradients; errors within 2x those of SDPA in fp16."""
    from torch.nn.functional import scaled_dot_product_attention as torch_sdpa

    from flashtile import scaled_dot_product_attention

    sq, sk = seqlens
    g = torch.Generator(device="cuda").manual_seed(sq + heads_k)
    q = torch.randn((2, 3, sq, 64), device="cuda", dtype=torch.float16, generator=g)
    k, v = (torch.randn((2, heads_k, sk, 64), device="cuda", dtype=torch.float16, generator=g)
            for _ in range(2))
    do = torch.randn((2, 3, sq, 64), device="cuda", dtype=torch.float16, generator=g)

    def run(fn, dtype):
        xs = [x.detach().to(dtype).requires_grad_(True) for x in (q, k, v)]
        out = fn(*xs, is_causal=is_causal, enable_gqa=heads_k != 3)
        out.backward(do.to(dtype))
        return [out.detach().double()] + [x.grad.double() for x in xs]

    ours = run(scaled_dot_product_attention, torch.float16)
    ref = run(torch_sdpa, torch.float64)
    std = run(torch_sdpa, torch.float16)
    assert ours[0].shape == (2, 3, sq, 64)
    for name, o, r, s in zip(("out", "dq", "dk", "dv"), ours, ref, std):
        error, bound = (o - r).abs().max(), 2 * (s - r).abs().max() + 1e-5
        assert error <= bound, f"{name}: {error:.3g} > {bound:.3g}"


# -- torch integration: torch.compile and CUDA graphs ------------------------


def test_torch_compile_fullgraph_has_no_graph_break():
    """A block calling flash_attn_func compiles whole (the custom ops of
    flashtile.torch_ops, with fake tensors and autograd) and gives the eager
    outputs and gradients."""
    torch._dynamo.reset()
    q, k, v, do = make_inputs(100, 130, 64, torch.float16, 11, nheads=6, nheads_k=2)
    proj = torch.randn((64, 64), device="cuda", dtype=torch.float16) * 0.1

    def block(q, k, v):
        out = flash_attn_func(q @ proj, k, v, causal=True, window_size=(48, -1), softcap=20.0)
        return out * 2.0

    compiled = torch.compile(block, fullgraph=True)
    results = []
    for fn in (block, compiled):
        xs = [x.clone().requires_grad_(True) for x in (q, k, v)]
        out = fn(*xs)
        out.backward(do)
        results.append([out.detach()] + [x.grad for x in xs])
    for name, eager, comp in zip(("out", "dq", "dk", "dv"), *results):
        torch.testing.assert_close(comp, eager, atol=2e-3, rtol=0, msg=name)
    explained = torch._dynamo.explain(block)(q, k, v)
    assert explained.graph_break_count == 0, explained.break_reasons


def test_cuda_graph_capture_and_replay_give_identical_results():
    q, k, v, _ = make_inputs(200, 333, 128, torch.bfloat16, 12)
    static = [x.clone() for x in (q, k, v)]
    expected = flash_attn_func(*static, causal=True)  # warm-up: compiles and tunes
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        flash_attn_func(*static, causal=True)
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        captured = flash_attn_func(*static, causal=True)
    graph.replay()
    torch.cuda.synchronize()
    assert torch.equal(captured, expected)
    new = make_inputs(200, 333, 128, torch.bfloat16, 13)[:3]
    for dst, src in zip(static, new):
        dst.copy_(src)
    graph.replay()
    torch.cuda.synchronize()
    assert torch.equal(captured, flash_attn_func(*new, causal=True))
