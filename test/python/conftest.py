"""pytest set-up for FlashTile's Python tests.

* python/ is put on sys.path, so the tests run from a plain checkout.
* Tests need the native module flashtile._core unless marked ``pure``; when
  it is not built they are skipped with the reason, except under
  FLASHTILE_REQUIRE_NATIVE=1 (scripts/test.sh sets it), where that is an
  error: the suite must not pass by skipping everything.
* The on-disk kernel cache goes to a fresh directory for the session
  (FLASHTILE_CACHE_DIR), so runs do not depend on ~/.cache.
* Autotuning is off (FLASHTILE_AUTOTUNE=0: each tuned kernel uses its first
  candidate, untimed), so that attention tests do not time candidates for
  every shape; test_autotune.py and the autotuning GPU test turn it on.
* Tests marked ``slow`` (the largest attention combinations) run only with
  ``--runslow`` or FLASHTILE_SLOW_TESTS=1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("FLASHTILE_AUTOTUNE", "0")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

try:
    import flashtile._core  # noqa: F401

    NATIVE_ERROR = None
except ImportError as error:  # the binding is not built
    NATIVE_ERROR = (
        f"flashtile._core is not built ({error}); build it with "
        "`ninja -C build flashtile_core`"
    )


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow")


def pytest_configure(config):
    config.addinivalue_line("markers", "pure: does not need the native module")
    config.addinivalue_line("markers", "slow: large case, run with --runslow")


def pytest_collection_modifyitems(config, items):
    if NATIVE_ERROR and os.environ.get("FLASHTILE_REQUIRE_NATIVE") == "1":
        raise pytest.UsageError(NATIVE_ERROR)
    run_slow = config.getoption("--runslow") or os.environ.get("FLASHTILE_SLOW_TESTS") == "1"
    for item in items:
        if NATIVE_ERROR and "pure" not in item.keywords:
            item.add_marker(pytest.mark.skip(reason=NATIVE_ERROR))
        elif "slow" in item.keywords and not run_slow:
            item.add_marker(pytest.mark.skip(reason="slow: run with --runslow"))


@pytest.fixture(autouse=True, scope="session")
def _session_cache_dir(tmp_path_factory):
    previous = os.environ.get("FLASHTILE_CACHE_DIR")
    os.environ["FLASHTILE_CACHE_DIR"] = str(tmp_path_factory.mktemp("flashtile-cache"))
    yield
    if previous is None:
        os.environ.pop("FLASHTILE_CACHE_DIR", None)
    else:
        os.environ["FLASHTILE_CACHE_DIR"] = previous


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A fresh, empty on-disk cache for one test."""
    monkeypatch.setenv("FLASHTILE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"
