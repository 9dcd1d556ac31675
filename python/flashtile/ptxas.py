"""Helpers for checking generated PTX with NVIDIA's ptxas, shared by the
ptxas test suite (test/python/test_ptxas.py) and bench/ptxas_configs.py."""

from __future__ import annotations

import os
import shutil
from typing import Dict, Optional

from . import _native

__all__ = ["find_ptxas", "signature"]


def find_ptxas() -> Optional[str]:
    """ptxas on PATH, in $CUDA_HOME/bin, $CUDA_PATH/bin or /usr/local/cuda/bin."""
    found = shutil.which("ptxas")
    if found:
        return found
    for home in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"):
        if home and os.access(os.path.join(home, "bin", "ptxas"), os.X_OK):
            return os.path.join(home, "bin", "ptxas")
    return None


def signature(source: str, filename: str, kernel: str, dtype: str) -> Dict[str, str]:
    """Argument types for compiling `kernel` without arguments at hand:
    generic pointers get `dtype`, unannotated parameters i32, declared types
    stay."""
    types = {}
    for p in _native.core().kernel_params(source, filename, kernel):
        if p.kind == "pointer":
            types[p.name] = p.type if p.type not in ("", "*") else "*" + dtype
        elif p.kind == "untyped":
            types[p.name] = "i32"
        elif p.kind in ("int", "float"):
            types[p.name] = p.type
    return types
