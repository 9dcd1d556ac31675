"""flash-attn's module of the same name: ``from flashtile.flash_attn_interface
import flash_attn_func`` where code imports ``flash_attn.flash_attn_interface``.
The functions take flash-attn 2.x's signatures (positional order included);
see docs/gpu.md for what is supported."""

from .attention import (flash_attn_func, flash_attn_kvpacked_func, flash_attn_qkvpacked_func,
                        flash_attn_varlen_func, flash_attn_varlen_kvpacked_func,
                        flash_attn_varlen_qkvpacked_func, flash_attn_with_kvcache)

__all__ = ["flash_attn_func", "flash_attn_kvpacked_func", "flash_attn_qkvpacked_func",
           "flash_attn_varlen_func", "flash_attn_varlen_kvpacked_func",
           "flash_attn_varlen_qkvpacked_func",
    "flash_attn_with_kvcache", "flash_attn_with_kvcache"]
