"""FlashTile: a tile DSL compiled by an MLIR-based C++ compiler.

    import flashtile
    import flashtile.language as fl

    @flashtile.jit
    def kernel(X, N, BLOCK: fl.constexpr): ...

    kernel[(fl.cdiv(n, 128),)](x, n, BLOCK=128)

Submodules: :mod:`flashtile.language` (the DSL, ``fl``), :mod:`flashtile.jit`,
:mod:`flashtile.autotune` (``@flashtile.autotune``, :class:`Config`),
:mod:`flashtile.testing` (``do_bench``), :mod:`flashtile.errors`,
:mod:`flashtile.backends`, :mod:`flashtile.cache`,
:mod:`flashtile.reference` (numpy references), :mod:`flashtile.attention`
(host wrappers of kernels/attention.py: :func:`flash_attn_func` on CUDA
tensors, with autograd; numpy wrappers on the CPU executor),
:mod:`flashtile.sdpa` (:func:`scaled_dot_product_attention`, SDPA-shaped).
"""

from __future__ import annotations

from . import language
from .errors import (
    ArgumentError,
    CompilationError,
    ExecutionError,
    FlashTileError,
    NativeModuleError,
)
from .attention import (flash_attn_func, flash_attn_kvpacked_func, flash_attn_qkvpacked_func,
                        flash_attn_varlen_func, flash_attn_varlen_kvpacked_func,
                        flash_attn_varlen_qkvpacked_func, flash_attn_with_kvcache)
from .autotune import Autotuner, Config, autotune
from .sdpa import scaled_dot_product_attention
from .jit import CompiledKernel, JITFunction, jit
from .language import cdiv

__version__ = "0.1.0"

__all__ = [
    "jit",
    "autotune",
    "Config",
    "Autotuner",
    "flash_attn_func",
    "flash_attn_kvpacked_func",
    "flash_attn_qkvpacked_func",
    "flash_attn_varlen_func",
    "flash_attn_varlen_kvpacked_func",
    "flash_attn_varlen_qkvpacked_func",
    "flash_attn_with_kvcache",
    "scaled_dot_product_attention",
    "JITFunction",
    "CompiledKernel",
    "language",
    "cdiv",
    "compiler_version",
    "FlashTileError",
    "CompilationError",
    "ExecutionError",
    "ArgumentError",
    "NativeModuleError",
    "__version__",
]


def compiler_version() -> str:
    """The C++ compiler's version and build id, e.g. "0.1.0+g1234abcd5678"."""
    from ._native import compiler_version as _compiler_version

    return _compiler_version()
