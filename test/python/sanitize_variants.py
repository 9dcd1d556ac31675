"""flash_attn_func's variants for compute-sanitizer (scripts/device.sh run
sanitize): GQA/MQA with a window, softcap and ALiBi, causal or not, forward
and backward, ragged lengths, both dQ paths, then plain MHA, then packed
(varlen) batches. Not a pytest module: a program the sanitizer runs."""
import torch
from flashtile import flash_attn_func, flash_attn_varlen_func, flash_attn_with_kvcache
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
# Varlen: ragged sequences, one without queries, keys fewer than queries.
cu_q = torch.tensor([0, 70, 71, 71, 200], dtype=torch.int32, device="cuda")
cu_k = torch.tensor([0, 90, 91, 108, 150], dtype=torch.int32, device="cuda")
for d in (64, 128):
    q = torch.randn((200, 4, d), device="cuda", dtype=torch.float16, generator=g).requires_grad_()
    k = torch.randn((150, 2, d), device="cuda", dtype=torch.float16, generator=g).requires_grad_()
    v = torch.randn((150, 2, d), device="cuda", dtype=torch.float16, generator=g).requires_grad_()
    for causal in (False, True):
        for det in (False, True):
            out = flash_attn_varlen_func(q, k, v, cu_q, cu_k, 129, 90, causal=causal,
                                         deterministic=det)
            out.sum().backward()
# KV cache: append + split-KV decode, contiguous and paged.
q = torch.randn((3, 1, 8, 128), device="cuda", dtype=torch.float16, generator=g)
new_k, new_v = (torch.randn((3, 1, 2, 128), device="cuda", dtype=torch.float16, generator=g)
                for _ in range(2))
seqlens = torch.tensor([700, 0, 1023], dtype=torch.int32, device="cuda")
cache_k, cache_v = (torch.randn((3, 1024, 2, 128), device="cuda", dtype=torch.float16,
                                generator=g) for _ in range(2))
flash_attn_with_kvcache(q, cache_k, cache_v, new_k, new_v, cache_seqlens=seqlens, causal=True)
table = torch.randperm(12, device="cuda").to(torch.int32).reshape(3, 4)
pages_k, pages_v = (x.reshape(12, 256, 2, 128) for x in (cache_k, cache_v))
flash_attn_with_kvcache(q, pages_k, pages_v, new_k, new_v, cache_seqlens=seqlens,
                        block_table=table, num_splits=3)
torch.cuda.synchronize()
print("variants ran")
