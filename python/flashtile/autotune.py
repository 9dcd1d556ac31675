"""``@flashtile.autotune``: run-time selection of a kernel's configuration,
as in Triton::

    @flashtile.autotune(
        configs=[flashtile.Config({"BLOCK": 128}, num_warps=4),
                 flashtile.Config({"BLOCK": 256}, num_warps=8, num_stages=3)],
        key=["n"],
    )
    @flashtile.jit
    def add(x, y, out, n, BLOCK: fl.constexpr): ...

    add[lambda meta: (fl.cdiv(n, meta["BLOCK"]),)](x, y, out, n)

The first launch with a new value of the key arguments times every candidate
on the launch's own arguments (:func:`flashtile.testing.do_bench`: CUDA
events on the GPU, the wall clock on the CPU executor), keeps the fastest for
that key in memory and on disk beside the compiled kernels (so later
processes do not time again), and launches it. The key also holds the dtype
of every array argument and the device (its name and arch on CUDA), as
Triton's does. Arrays in ``key`` count by shape and dtype; ``bucket`` maps a
key argument's value first (e.g. ``{"seqlen": fl.next_power_of_2}`` times
once per power of two instead of once per length).

Candidates that fail to compile or to launch (too much shared memory, ...)
are skipped. Kernels that accumulate into an output (atomics) name it in
``reset_to_zero`` (zeroed before each timed run); ``restore_value`` names
arguments restored after each candidate. Both are saved before tuning and
restored after it, so the launch that follows sees what the caller passed.

Environment: ``FLASHTILE_PRINT_AUTOTUNING=1`` prints what was chosen, from
what timings or from the disk; ``FLASHTILE_AUTOTUNE=0`` turns tuning off
(for reproducible runs): the first candidate (after pruning) is used, and
nothing is timed, read or written.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from typing import Any, Callable, Dict, Hashable, List, Optional, Sequence, Tuple

from . import _native
from .backends import cuda_arch, is_array
from .cache import DiskCache, cache_key
from .errors import ArgumentError, CompilationError, ExecutionError, FlashTileError
from .jit import JITFunction
from .testing import do_bench

__all__ = ["Config", "Autotuner", "autotune"]

_SUFFIX = ".autotune"


class Config:
    """One candidate: constexpr values and launch options."""

    __slots__ = ("kwargs", "num_warps", "num_stages")

    def __init__(self, kwargs: Dict[str, Any], num_warps: int = 4, num_stages: int = 2):
        if not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
            raise TypeError(f"Config: kwargs must be a dict of constexpr names to values, "
                            f"got {kwargs!r}")
        self.kwargs = dict(kwargs)
        self.num_warps = num_warps
        self.num_stages = num_stages

    def all_kwargs(self) -> Dict[str, Any]:
        """The keyword arguments a launch with this configuration gets."""
        return {**self.kwargs, "num_warps": self.num_warps, "num_stages": self.num_stages}

    def _identity(self) -> Tuple[Any, ...]:
        return (tuple(sorted(self.kwargs.items())), self.num_warps, self.num_stages)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return ", ".join(f"{k}: {v}" for k, v in self.all_kwargs().items())


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value not in ("0", "false", "False", "off", "no")


def tuning_enabled() -> bool:
    """False under FLASHTILE_AUTOTUNE=0: the first candidate is used untimed."""
    return _env_flag("FLASHTILE_AUTOTUNE", True)


def _print_enabled() -> bool:
    return _env_flag("FLASHTILE_PRINT_AUTOTUNING", False)


def _key_of(value: Any) -> Hashable:
    """How an argument counts in the tuning key: arrays by dtype and shape."""
    if is_array(value) or (hasattr(value, "dtype") and hasattr(value, "shape")):
        return (str(value.dtype), tuple(value.shape))
    return value


def _is_cuda(value: Any) -> bool:
    return bool(getattr(value, "is_cuda", False))


class Autotuner:
    """A :class:`~flashtile.jit.JITFunction` whose constexprs and launch
    options are chosen per key; launch it like the kernel,
    ``tuned[grid](*args, **kwargs)``, without the tuned arguments."""

    def __init__(self, fn: JITFunction, configs: Sequence[Config], key: Sequence[str],
                 reset_to_zero: Sequence[str] = (), restore_value: Sequence[str] = (),
                 prune_configs_by: Optional[Dict[str, Callable[..., Any]]] = None,
                 warmup: float = 25.0, rep: float = 100.0,
                 bucket: Optional[Dict[str, Callable[[Any], Hashable]]] = None,
                 do_bench: Optional[Callable[..., float]] = None):
        if not isinstance(fn, JITFunction):
            raise TypeError("flashtile.autotune decorates a @flashtile.jit kernel "
                            f"(put @flashtile.jit below it), got {fn!r}")
        configs = list(configs)
        if not configs or not all(isinstance(c, Config) for c in configs):
            raise TypeError("flashtile.autotune: configs must be a non-empty list of "
                            "flashtile.Config")
        self.fn = fn
        self.configs = configs
        self.key = list(key)
        self.reset_to_zero = list(reset_to_zero)
        self.restore_value = list(restore_value)
        self.bucket = dict(bucket or {})
        prune = dict(prune_configs_by or {})
        unknown = set(prune) - {"early_config_prune"}
        if unknown:
            raise TypeError(f"flashtile.autotune: prune_configs_by takes 'early_config_prune', "
                            f"got {sorted(unknown)}")
        self.early_config_prune = prune.get("early_config_prune")
        self.warmup, self.rep = warmup, rep
        self._do_bench = do_bench
        self._params: Optional[List[str]] = None
        #: The chosen configuration by key.
        self.cache: Dict[Tuple[Any, ...], Config] = {}
        #: The timings (ms, by candidate) of the last tuning, and where the
        #: last choice came from: "timed", "disk", "memory", "untuned".
        self.timings: Dict[Config, float] = {}
        self.last_source = ""
        self.kernel_name = fn.kernel_name

    # -- Checks -------------------------------------------------------------

    def _names(self) -> List[str]:
        """The kernel's parameter names; the key, the tuned and the named
        arguments checked against them once."""
        if self._params is None:
            params = self.fn.params
            names = [p.name for p in params]
            constexprs = {p.name for p in params if p.kind == "constexpr"}
            for what, listed in (("key", self.key), ("reset_to_zero", self.reset_to_zero),
                                 ("restore_value", self.restore_value),
                                 ("bucket", list(self.bucket))):
                for name in listed:
                    if name not in names:
                        raise ArgumentError(f"flashtile.autotune of {self.kernel_name}: {what} "
                                            f"names '{name}', which is not a parameter "
                                            f"(parameters: {', '.join(names)})")
            for config in self.configs:
                for name in config.kwargs:
                    if name not in constexprs:
                        raise ArgumentError(f"flashtile.autotune of {self.kernel_name}: config "
                                            f"{config} sets '{name}', which is not a "
                                            "constexpr parameter")
            self._params = names
        return self._params

    def _named(self, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Dict[str, Any]:
        names = self._names()
        if len(args) > len(names):
            raise ArgumentError(f"{self.kernel_name}(): takes {len(names)} arguments, got "
                                f"{len(args)}")
        tuned = {name for config in self.configs for name in config.all_kwargs()}
        for name in kwargs:
            if name in tuned:
                raise ArgumentError(f"{self.kernel_name}(): '{name}' is chosen by "
                                    "flashtile.autotune; do not pass it")
        named = dict(zip(names, args))
        named.update(kwargs)
        return named

    # -- Launch -------------------------------------------------------------

    def __getitem__(self, grid: Any) -> Callable[..., Any]:
        def launcher(*args: Any, **kwargs: Any) -> Any:
            return self.run(*args, grid=grid, **kwargs)

        return launcher

    def run(self, *args: Any, grid: Any, **kwargs: Any) -> Any:
        """Chooses the configuration for these arguments (timing the
        candidates on the key's first use) and launches it."""
        config = self.choose(*args, grid=grid, **kwargs)
        return self.fn.run(*args, grid=grid, **kwargs, **config.all_kwargs())

    def choose(self, *args: Any, grid: Any, **kwargs: Any) -> Config:
        """The configuration a launch with these arguments uses; timing the
        candidates (by launching them) where the key is new."""
        named = self._named(args, kwargs)
        key = self._tuning_key(named)
        config = self.cache.get(key)
        if config is not None:
            self.last_source = "memory"
            return config
        candidates = self._prune(named)
        if not tuning_enabled() or len(candidates) == 1:
            config, self.last_source = candidates[0], "untuned"
            self._report(key, config, "tuning off (FLASHTILE_AUTOTUNE=0)"
                         if len(candidates) > 1 else "the only candidate")
        else:
            config = self._from_disk(key, candidates)
            if config is None:
                config = self._tune(key, candidates, args, kwargs, grid, named)
        self.cache[key] = config
        return config

    # -- Choosing -------------------------------------------------------------

    def _tuning_key(self, named: Dict[str, Any]) -> Tuple[Any, ...]:
        values = []
        for name in self.key:
            value = named.get(name)
            if name in self.bucket:
                value = self.bucket[name](value)
            values.append(_key_of(value))
        dtypes = tuple(str(v.dtype) for v in named.values()
                       if is_array(v) or (hasattr(v, "dtype") and hasattr(v, "data_ptr")))
        device = next((v.get_device() for v in named.values() if _is_cuda(v)), None)
        return (tuple(values), dtypes, device)

    def _prune(self, named: Dict[str, Any]) -> List[Config]:
        if self.early_config_prune is None:
            return self.configs
        kept = list(self.early_config_prune(self.configs, named))
        if not kept:
            raise ArgumentError(f"flashtile.autotune of {self.kernel_name}: "
                                "early_config_prune left no candidate for these arguments")
        return kept

    def _device_description(self, key: Tuple[Any, ...]) -> str:
        index = key[2]
        if index is None:
            return "cpu"
        torch = sys.modules["torch"]
        return f"{torch.cuda.get_device_name(index)} sm_{cuda_arch(index)}"

    def _disk_key(self, key: Tuple[Any, ...], candidates: List[Config]) -> str:
        return cache_key(self.fn.source, self.fn.filename, self.kernel_name,
                         {"autotune": repr(key[:2]), "device": self._device_description(key),
                          "candidates": [repr(c) for c in candidates]},
                         _native.compiler_version())

    def _from_disk(self, key: Tuple[Any, ...], candidates: List[Config]) -> Optional[Config]:
        text = DiskCache().get(self._disk_key(key, candidates), _SUFFIX)
        if text is None:
            return None
        try:
            chosen = json.loads(text)["config"]
        except (ValueError, KeyError, TypeError):
            return None
        for config in candidates:
            if repr(config) == chosen:
                self.last_source = "disk"
                self._report(key, config, "from the disk cache")
                return config
        return None

    def _tune(self, key: Tuple[Any, ...], candidates: List[Config], args: Tuple[Any, ...],
              kwargs: Dict[str, Any], grid: Any, named: Dict[str, Any]) -> Config:
        device = "cuda" if key[2] is not None else "cpu"
        # The launch after tuning must see the arguments as the caller gave
        # them: what timing overwrites is restored, accumulators included.
        saved = {name: _copy(named[name])
                 for name in dict.fromkeys([*self.restore_value, *self.reset_to_zero])}
        begin = time.perf_counter()
        timings: Dict[Config, float] = {}
        failures: Dict[Config, str] = {}
        for config in candidates:
            options = config.all_kwargs()

            def launch() -> None:
                for name in self.reset_to_zero:
                    _zero(named[name])
                self.fn.run(*args, grid=grid, **kwargs, **options)

            try:
                bench = self._do_bench or do_bench
                timings[config] = bench(launch, warmup=self.warmup, rep=self.rep,
                                        device=device)
            except (CompilationError, ExecutionError) as error:
                failures[config] = str(error).splitlines()[0] if str(error) else type(error).__name__
                timings[config] = math.inf
            for name in self.restore_value:
                _restore(named[name], saved[name])
        for name, value in saved.items():
            _restore(named[name], value)
        best = min(candidates, key=lambda c: timings[c])
        if math.isinf(timings[best]):
            reasons = "; ".join(f"{c}: {why}" for c, why in failures.items())
            raise FlashTileError(f"flashtile.autotune of {self.kernel_name}: no candidate "
                                 f"compiled and ran ({reasons})")
        elapsed = time.perf_counter() - begin
        self.timings, self.last_source = timings, "timed"
        DiskCache().put(self._disk_key(key, candidates),
                        json.dumps({"config": repr(best), "kernel": self.kernel_name,
                                    "timings_ms": {repr(c): (None if math.isinf(t) else t)
                                                   for c, t in timings.items()}}),
                        _SUFFIX)
        if _print_enabled():
            for config in candidates:
                t = timings[config]
                what = f"{t:.4f} ms" if not math.isinf(t) else f"failed: {failures[config]}"
                print(f"flashtile autotune: {self.kernel_name}   {config}: {what}")
        self._report(key, best, f"{timings[best]:.4f} ms, fastest of {len(candidates)} "
                                f"candidates timed in {elapsed:.2f} s")
        return best

    def _report(self, key: Tuple[Any, ...], config: Config, how: str) -> None:
        if _print_enabled():
            print(f"flashtile autotune: {self.kernel_name} key {key[0]} {key[1]} -> "
                  f"{config} ({how})")

    def __repr__(self) -> str:
        return f"<flashtile.autotune of {self.kernel_name}: {len(self.configs)} configs>"


def _zero(value: Any) -> None:
    if hasattr(value, "zero_"):
        value.zero_()
    else:
        value.fill(0)


def _copy(value: Any) -> Any:
    return value.clone() if hasattr(value, "clone") else value.copy()


def _restore(value: Any, saved: Any) -> None:
    if hasattr(value, "copy_"):
        value.copy_(saved)
    else:
        value[...] = saved


def autotune(configs: Sequence[Config], key: Sequence[str], reset_to_zero: Sequence[str] = (),
             restore_value: Sequence[str] = (),
             prune_configs_by: Optional[Dict[str, Callable[..., Any]]] = None,
             warmup: float = 25.0, rep: float = 100.0,
             bucket: Optional[Dict[str, Callable[[Any], Hashable]]] = None,
             do_bench: Optional[Callable[..., float]] = None) -> Callable[[JITFunction], Autotuner]:
    """Decorator over ``@flashtile.jit`` (see the module docstring).
    ``do_bench(fn, warmup=, rep=, device=)`` replaces the timer (tests)."""

    def decorate(fn: JITFunction) -> Autotuner:
        return Autotuner(fn, configs, key, reset_to_zero, restore_value, prune_configs_by,
                         warmup, rep, bucket, do_bench)

    return decorate
