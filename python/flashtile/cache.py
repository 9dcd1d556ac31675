"""The on-disk cache of compiled kernels.

Entries live in ``$FLASHTILE_CACHE_DIR`` (default ``~/.cache/flashtile``),
one file per key: ``<dir>/<key[:2]>/<key>.tileir`` for the CPU executor (the
optimized tile IR) and ``<key>.cuda`` for CUDA kernels (``Kernel.serialize()``:
the PTX, its launch metadata — arch, warps, shared memory, parameter types —
and the tile IR; reloaded without recompiling). The key is the sha256 of
the kernel's module source, its file name, the kernel name, the
specialisation (including target and arch) and the compiler version
(``_core.compiler_version()``, which changes with every change to the
compiler), so stale entries are never reused. Writes are atomic (a temporary file in the same directory, then
``os.replace``). Each file starts with a header line holding the sha256 of
the IR that follows; an entry that cannot be read or whose hash does not
match is reported by :meth:`DiskCache.get` as missing, with a warning, and
the caller rebuilds and overwrites it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Optional

__all__ = ["DiskCache", "cache_key", "default_cache_dir"]

_HEADER = "// flashtile tile-ir cache v1 sha256="


def default_cache_dir() -> Path:
    configured = os.environ.get("FLASHTILE_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "flashtile"


def cache_key(source: str, filename: str, kernel: str, specialization: Any,
              compiler_version: str) -> str:
    """sha256 of everything the compiled IR depends on."""
    payload = json.dumps(
        {
            "source": source,
            "filename": filename,
            "kernel": kernel,
            "specialization": specialization,
            "compiler": compiler_version,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class DiskCache:
    """Compiled kernels (text) by key, in a directory."""

    def __init__(self, root: Optional[Path] = None):
        self.root = Path(root) if root is not None else default_cache_dir()

    def path(self, key: str, suffix: str = ".tileir") -> Path:
        return self.root / key[:2] / f"{key}{suffix}"

    def get(self, key: str, suffix: str = ".tileir") -> Optional[str]:
        """The stored IR, or None when absent; warns and returns None when the
        entry is unreadable or corrupt."""
        path = self.path(key, suffix)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            self.warn_corrupt(path, f"cannot read it ({error})")
            return None
        header, _, body = text.partition("\n")
        if not header.startswith(_HEADER) or header[len(_HEADER):] != _digest(body):
            self.warn_corrupt(path, "its checksum does not match")
            return None
        return body

    def put(self, key: str, ir: str, suffix: str = ".tileir") -> None:
        """Stores `ir` (any text) atomically; failures (read-only disk, ...)
        only warn."""
        path = self.path(key, suffix)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=suffix)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as file:
                    file.write(f"{_HEADER}{_digest(ir)}\n{ir}")
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as error:
            warnings.warn(f"flashtile: cannot write the cache entry {path}: {error}",
                          RuntimeWarning, stacklevel=3)

    @staticmethod
    def warn_corrupt(path: Path, why: str) -> None:
        warnings.warn(
            f"flashtile: ignoring the corrupt cache entry {path}: {why}; recompiling "
            "and overwriting it",
            RuntimeWarning,
            stacklevel=4,
        )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
