"""FlashTile's exceptions.

Every error FlashTile raises derives from :class:`FlashTileError`. The native
module (``flashtile._core``) raises :class:`CompilationError` and
:class:`ExecutionError` with the C++ message intact, e.g.::

    kernels/attention.py:42:13: error: block dimensions must be powers of two
        acc = fl.zeros([BLOCK_M, 48], fl.float32)
                ^
"""

from __future__ import annotations

__all__ = [
    "FlashTileError",
    "CompilationError",
    "ExecutionError",
    "ArgumentError",
    "NativeModuleError",
]


class FlashTileError(Exception):
    """Base class of every FlashTile error."""


class CompilationError(FlashTileError):
    """The front end, the verifier or a pass rejected a kernel (or cached IR)."""


class ExecutionError(FlashTileError):
    """A kernel failed while running (e.g. an unmasked out-of-bounds access)."""


class ArgumentError(FlashTileError, TypeError, ValueError):
    """A launch's arguments do not match the kernel; raised before any launch.

    It is also a ``TypeError`` and a ``ValueError`` so that generic handlers
    catch it.
    """


class NativeModuleError(FlashTileError, ImportError):
    """``flashtile._core`` (the binding of libFlashTile.so) is not built."""
