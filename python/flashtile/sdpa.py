"""An SDPA-shaped entry point: ``flashtile.scaled_dot_product_attention``
takes torch's ``scaled_dot_product_attention`` arguments, (batch, nheads,
seqlen, headdim) tensors and SDPA's top-left causal convention, and runs
FlashTile's attention kernels (with autograd).

    out = flashtile.scaled_dot_product_attention(q, k, v, is_causal=True)

Where SDPA's convention differs from flash-attn's: ``is_causal`` lets query
i see keys j <= i (aligned to the top-left corner, whatever the seqlens;
flash_attn_func's ``causal`` aligns to the bottom-right), and fewer key/value
heads than query heads need ``enable_gqa=True``. ``attn_mask`` and
``dropout_p`` are not supported (ValueError naming them); for windows,
softcap or ALiBi use :func:`flashtile.flash_attn_func`.
"""

from __future__ import annotations

from typing import Any, Optional

from .attention import (
    Variant,
    _check_qkv_cuda,
    _check_softmax_scale,
    _flash_attn_function,
    _forward,
    _Options,
    _torch,
)
from .errors import ArgumentError

__all__ = ["scaled_dot_product_attention"]


def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: Optional[float] = None,
                                 enable_gqa: bool = False) -> Any:
    """torch.nn.functional.scaled_dot_product_attention's signature on
    (batch, nheads, seqlen, headdim) CUDA tensors (fp16/bf16, head dims
    8..256): returns (batch, nheads, seqlen_q, headdim), a view of a
    (batch, seqlen_q, nheads, headdim) tensor as SDPA's flash backend
    returns it."""
    if attn_mask is not None:
        raise ArgumentError("attn_mask is not supported by flashtile.scaled_dot_product_attention"
                            "; use is_causal, or flash_attn_func's window_size / alibi_slopes")
    for name, x in (("query", query), ("key", key), ("value", value)):
        if getattr(x, "dim", None) is None or x.dim() != 4:
            raise ArgumentError(f"{name} must be a (batch, nheads, seqlen, headdim) tensor, got "
                                f"{getattr(x, 'shape', type(x).__name__)}")
    if query.shape[1] != key.shape[1] and not enable_gqa:
        raise ArgumentError(f"key has {key.shape[1]} heads but query has {query.shape[1]}: pass "
                            "enable_gqa=True for grouped-query attention (as SDPA)")
    q, k, v = (x.transpose(1, 2) for x in (query, key, value))
    _check_qkv_cuda(q, k, v, dropout_p)
    _check_softmax_scale(scale)
    seqlen_q, seqlen_k = q.shape[1], k.shape[1]
    var = Variant(False, False, 0, 0, 0.0, False)
    if is_causal and seqlen_q == seqlen_k:
        var = var._replace(causal=True)
    elif is_causal:  # top-left: j <= i, i.e. j <= d + (seqlen_q - seqlen_k)
        var = var._replace(window=True, window_left=seqlen_k, window_right=seqlen_q - seqlen_k)
    opts = _Options(var, None, 0)
    torch = _torch()
    if torch.is_grad_enabled() and any(getattr(x, "requires_grad", False) for x in (q, k, v)):
        out, _ = _flash_attn_function().apply(q, k, v, scale, opts, False)
    else:
        out, _ = _forward(q, k, v, scale, opts)
    return out.transpose(1, 2)
