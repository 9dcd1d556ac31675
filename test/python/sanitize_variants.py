"""flash_attn_func's variants for compute-sanitizer (scripts/device.sh run
sanitize): GQA/MQA with a window, softcap and ALiBi, causal or not, forward
and backward, ragged lengths, both dQ paths, then plain MHA. Not a pytest
module: a program the sanitizer runs."""
import torch
from flashtile import flash_attn_func
g = torch.Generator(device="cuda").manual_seed(0)
for (sq, sk, h, hk, d) in ((77, 130, 6, 2, 64), (130, 77, 4, 1, 128)):
    q = torch.randn((2, sq, h, d), device="cuda", dtype=torch.float16, generator=g).requires_grad_()
    k = torch.randn((2, sk, hk, d), device="cuda", dtype=torch.float16, generator=g).requires_grad_()
    v = torch.randn((2, sk, hk, d), device="cuda", dtype=torch.float16, generator=g).requires_grad_()
    slopes = torch.rand(h, device="cuda")
    for causal, window in ((False, (20, 9)), (True, (33, -1)), (False, (-1, -1))):
        for det in (False, True):
            out = flash_attn_func(q, k, v, causal=causal, window_size=window, softcap=10.0,
                                  alibi_slopes=slopes, deterministic=det)
            out.sum().backward()
    o = flash_attn_func(q[:, :, :hk].detach(), k.detach(), v.detach(), causal=True)  # MHA plain
torch.cuda.synchronize()
print("variants ran")
