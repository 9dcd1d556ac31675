"""Loads flashtile._core (the binding of libFlashTile.so) on first use, so
that the pure-Python parts import without it."""

from __future__ import annotations

from types import ModuleType
from typing import Optional

from .errors import NativeModuleError

_core: Optional[ModuleType] = None
_version: Optional[str] = None


def core() -> ModuleType:
    global _core
    if _core is None:
        try:
            from . import _core as module
        except ImportError as error:
            raise NativeModuleError(
                f"flashtile._core is not available ({error}). Build it with "
                "`scripts/configure.sh && ninja -C build flashtile_core` "
                "(it needs pybind11 and build/lib/libFlashTile.so)"
            ) from error
        _core = module
    return _core


def compiler_version() -> str:
    """The C++ compiler's version and build id (part of every cache key)."""
    global _version
    if _version is None:
        _version = core().compiler_version()
    return _version
