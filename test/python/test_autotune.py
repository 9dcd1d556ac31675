"""@flashtile.autotune on the CPU executor: the fastest candidate per key,
kept in memory and on disk, FLASHTILE_AUTOTUNE=0 and
FLASHTILE_PRINT_AUTOTUNING=1, argument checks, accumulators reset."""

from __future__ import annotations

import numpy as np
import pytest

import flashtile
from flashtile import ArgumentError, Config
from flashtile.autotune import Autotuner
from flashtile.jit import JITFunction

import jit_kernels as K

CANDIDATES = [Config({"BLOCK": 16}, num_warps=4), Config({"BLOCK": 32}, num_warps=4),
              Config({"BLOCK": 64}, num_warps=8, num_stages=3)]


class FakeBench:
    """A timer that says BLOCK=32 is fastest, and counts what it timed; it
    runs each launch once so the kernel's effect is real."""

    def __init__(self, fastest: int = 32):
        self.fastest = fastest
        self.timed = 0

    def __call__(self, fn, warmup, rep, device):
        assert device == "cpu"
        self.timed += 1
        fn()
        block = self.current
        return 1.0 if block == self.fastest else 2.0 + block / 100


def tuned(kernel, bench, **options) -> Autotuner:
    """`kernel` (fresh caches) under autotune, with the bench told which
    candidate each timed launch runs."""
    fn = JITFunction(kernel.fn)
    run = fn.run

    def spy(*args, **kwargs):
        bench.current = kwargs["BLOCK"]
        return run(*args, **kwargs)

    fn.run = spy  # type: ignore[method-assign]
    options.setdefault("key", ["N"])
    return flashtile.autotune(configs=CANDIDATES, do_bench=bench, **options)(fn)


@pytest.fixture(autouse=True)
def tuning_on(monkeypatch):
    monkeypatch.setenv("FLASHTILE_AUTOTUNE", "1")


def grid(meta):
    return (flashtile.cdiv(meta["N"], meta["BLOCK"]),)


@pytest.fixture
def data():
    x = np.arange(100, dtype=np.float32)
    return x, np.zeros(100, np.float32)


def test_the_fastest_candidate_is_chosen_kept_and_launched(data, cache_dir):
    x, y = data
    bench = FakeBench()
    kernel = tuned(K.scaled_copy, bench)
    kernel[grid](x, y, 100, SCALE=2.0)
    np.testing.assert_array_equal(y, 2 * x)
    assert bench.timed == 3 and kernel.last_source == "timed"
    assert kernel.cache[((100,), ("float32", "float32"), None)] == CANDIDATES[1]
    assert kernel.timings[CANDIDATES[1]] == 1.0
    y[:] = 0
    kernel[grid](x, y, 100, SCALE=3.0)
    np.testing.assert_array_equal(y, 3 * x)
    assert bench.timed == 3 and kernel.last_source == "memory"
    # A new key value is tuned again.
    kernel[grid](x, y, 50, SCALE=1.0)
    assert bench.timed == 6


def test_the_choice_is_read_back_from_disk(data, cache_dir):
    x, y = data
    first = tuned(K.scaled_copy, FakeBench(fastest=64))
    first[grid](x, y, 100, SCALE=1.0)
    bench = FakeBench()
    second = tuned(K.scaled_copy, bench)
    second[grid](x, y, 100, SCALE=1.0)
    assert bench.timed == 0 and second.last_source == "disk"
    assert second.cache[((100,), ("float32", "float32"), None)] == CANDIDATES[2]
    assert list(cache_dir.rglob("*.autotune"))


def test_tuning_off_uses_the_first_candidate_untimed(data, cache_dir, monkeypatch):
    monkeypatch.setenv("FLASHTILE_AUTOTUNE", "0")
    x, y = data
    bench = FakeBench()
    kernel = tuned(K.scaled_copy, bench)
    kernel[grid](x, y, 100, SCALE=2.0)
    np.testing.assert_array_equal(y, 2 * x)
    assert bench.timed == 0 and kernel.last_source == "untuned"
    assert kernel.cache[((100,), ("float32", "float32"), None)] == CANDIDATES[0]
    assert not list(cache_dir.rglob("*.autotune"))


def test_print_autotuning_says_what_was_chosen(data, cache_dir, monkeypatch, capsys):
    monkeypatch.setenv("FLASHTILE_PRINT_AUTOTUNING", "1")
    x, y = data
    tuned(K.scaled_copy, FakeBench())[grid](x, y, 100, SCALE=2.0)
    out = capsys.readouterr().out
    assert "flashtile autotune: scaled_copy key (100,)" in out
    assert "-> BLOCK: 32, num_warps: 4, num_stages: 2 (1.0000 ms, fastest of 3" in out
    assert "BLOCK: 64, num_warps: 8, num_stages: 3: 2.6400 ms" in out
    tuned(K.scaled_copy, FakeBench())[grid](x, y, 100, SCALE=2.0)
    assert "(from the disk cache)" in capsys.readouterr().out


def test_bucket_groups_key_values(data, cache_dir):
    x, y = data
    bench = FakeBench()
    kernel = tuned(K.scaled_copy, bench, bucket={"N": flashtile.language.next_power_of_2})
    kernel[grid](x, y, 100, SCALE=1.0)
    kernel[grid](x, y, 97, SCALE=1.0)
    assert bench.timed == 3
    kernel[grid](x, y, 60, SCALE=1.0)
    assert bench.timed == 6


def test_early_config_prune(data, cache_dir):
    x, y = data
    bench = FakeBench()
    kernel = tuned(K.scaled_copy, bench, prune_configs_by={
        "early_config_prune": lambda configs, named: [c for c in configs
                                                     if c.kwargs["BLOCK"] <= named["N"]]})
    kernel[grid](x, y, 40, SCALE=1.0)
    assert bench.timed == 2
    kernel[grid](x, y, 20, SCALE=1.0)  # one candidate left: nothing to time
    assert bench.timed == 2 and kernel.last_source == "untuned"


def test_accumulators_are_reset_and_restored(cache_dir):
    x = np.arange(100, dtype=np.float32)
    y = np.full(100, 5.0, np.float32)
    bench = FakeBench()
    kernel = tuned(K.accumulate, bench, reset_to_zero=["Y"])
    kernel[grid](x, y, 100)
    # Timing ran the kernel three times on zeroed copies; the launch adds once.
    np.testing.assert_array_equal(y, x + 5)


def test_real_timing_on_the_cpu_executor(data, cache_dir):
    x, y = data
    fn = JITFunction(K.scaled_copy.fn)
    kernel = flashtile.autotune(configs=CANDIDATES, key=["N"], warmup=0, rep=1)(fn)
    kernel[grid](x, y, 100, SCALE=2.0)
    np.testing.assert_array_equal(y, 2 * x)
    assert set(kernel.timings) == set(CANDIDATES)
    assert all(t > 0 for t in kernel.timings.values())


def test_misuse_is_reported(data):
    x, y = data
    kernel = tuned(K.scaled_copy, FakeBench())
    with pytest.raises(ArgumentError, match="'BLOCK' is chosen by flashtile.autotune"):
        kernel[grid](x, y, 100, SCALE=1.0, BLOCK=16)
    with pytest.raises(ArgumentError, match="'num_warps' is chosen"):
        kernel[grid](x, y, 100, SCALE=1.0, num_warps=4)
    bad = flashtile.autotune(configs=[Config({"N": 3})], key=["N"])(JITFunction(K.scaled_copy.fn))
    with pytest.raises(ArgumentError, match="sets 'N', which is not a constexpr parameter"):
        bad[grid](x, y, 100, SCALE=1.0)
    unknown = flashtile.autotune(configs=CANDIDATES, key=["M"])(JITFunction(K.scaled_copy.fn))
    with pytest.raises(ArgumentError, match="key names 'M', which is not a parameter"):
        unknown[grid](x, y, 100, SCALE=1.0)
    with pytest.raises(TypeError, match="decorates a @flashtile.jit kernel"):
        flashtile.autotune(configs=CANDIDATES, key=["N"])(lambda: None)
    with pytest.raises(TypeError, match="non-empty list of flashtile.Config"):
        flashtile.autotune(configs=[], key=["N"])(JITFunction(K.scaled_copy.fn))


def test_a_candidate_that_fails_to_compile_is_skipped(data, cache_dir):
    x, y = data
    bench = FakeBench()
    fn = JITFunction(K.scaled_copy.fn)
    configs = [Config({"BLOCK": 24}), Config({"BLOCK": 32})]  # 24: not a power of two
    run = fn.run

    def spy(*args, **kwargs):
        bench.current = kwargs["BLOCK"]
        return run(*args, **kwargs)

    fn.run = spy  # type: ignore[method-assign]
    kernel = flashtile.autotune(configs=configs, key=["N"], do_bench=bench)(fn)
    kernel[grid](x, y, 100, SCALE=2.0)
    np.testing.assert_array_equal(y, 2 * x)
    assert kernel.cache[((100,), ("float32", "float32"), None)] == configs[1]
