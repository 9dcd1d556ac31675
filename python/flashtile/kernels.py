"""Finds and imports the DSL kernel modules of the repository's kernels/.

Search order: $FLASHTILE_KERNELS_DIR, a ``kernels/`` directory bundled inside
this package, then ``<repo>/kernels`` next to ``python/``. Modules are
imported once, as ``flashtile_kernels.<name>``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Dict, List

from .errors import FlashTileError

__all__ = ["kernels_dir", "load"]

_loaded: Dict[str, ModuleType] = {}


def _candidates() -> List[Path]:
    here = Path(__file__).resolve().parent
    dirs = []
    if os.environ.get("FLASHTILE_KERNELS_DIR"):
        dirs.append(Path(os.environ["FLASHTILE_KERNELS_DIR"]))
    dirs += [here / "kernels", here.parent.parent / "kernels"]
    return dirs


def kernels_dir() -> Path:
    for directory in _candidates():
        if (directory / "attention.py").is_file():
            return directory
    raise FlashTileError(
        "cannot find FlashTile's kernels/ directory (looked in "
        + ", ".join(str(d) for d in _candidates())
        + "); set FLASHTILE_KERNELS_DIR"
    )


def load(name: str) -> ModuleType:
    """Imports kernels/<name>.py (e.g. "attention")."""
    module = _loaded.get(name)
    if module is None:
        path = kernels_dir() / f"{name}.py"
        qualified = f"flashtile_kernels.{name}"
        spec = importlib.util.spec_from_file_location(qualified, path)
        if spec is None or spec.loader is None:
            raise FlashTileError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        spec.loader.exec_module(module)
        _loaded[name] = module
    return module
