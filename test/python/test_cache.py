"""The on-disk cache: keys, atomic writes, and corrupt entries reported as
missing with a warning."""

import os

import pytest

from flashtile.cache import DiskCache, cache_key

pytestmark = pytest.mark.pure


def test_key_depends_on_everything():
    base = ("src", "/k.py", "kern", {"constexprs": {"B": ["int", 64]}}, "0.1.0+gabc")
    key = cache_key(*base)
    assert len(key) == 64 and key == cache_key(*base)
    for i, changed in enumerate(["src2", "/j.py", "kern2", {"constexprs": {"B": ["int", 32]}}, "0.1.0+gdef"]):
        other = list(base)
        other[i] = changed
        assert cache_key(*other) != key


def test_put_get_roundtrip_and_no_leftover_temporaries(tmp_path):
    cache = DiskCache(tmp_path)
    assert cache.get("ab" * 32) is None
    cache.put("ab" * 32, "module {}\n")
    assert cache.get("ab" * 32) == "module {}\n"
    assert [p.name for p in cache.path("ab" * 32).parent.iterdir()] == ["ab" * 32 + ".tileir"]


def test_corrupt_entry_warns_and_reads_as_missing(tmp_path):
    cache = DiskCache(tmp_path)
    key = "cd" * 32
    cache.put(key, "module {}\n")
    path = cache.path(key)
    path.write_text(path.read_text()[:-3])  # truncated
    with pytest.warns(RuntimeWarning, match="corrupt cache entry"):
        assert cache.get(key) is None
    path.write_bytes(b"\xff\xfe garbage")
    with pytest.warns(RuntimeWarning, match="corrupt cache entry"):
        assert cache.get(key) is None
    cache.put(key, "module {}\n")  # overwritten
    assert cache.get(key) == "module {}\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write read-only directories")
def test_unwritable_directory_only_warns(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.warns(RuntimeWarning, match="cannot write"):
            DiskCache(tmp_path / "sub").put("ef" * 32, "x")
    finally:
        tmp_path.chmod(0o700)
