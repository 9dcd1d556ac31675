"""``@flashtile.jit``: Triton-style kernels compiled by FlashTile's C++ front end.

    @flashtile.jit
    def add(X, Y, Z, N, BLOCK: fl.constexpr): ...

    add[(fl.cdiv(n, 256),)](x, y, z, n, BLOCK=256)
    add[lambda meta: (fl.cdiv(n, meta["BLOCK"]),)](x, y, z, n, BLOCK=256, num_warps=8)

A launch binds the arguments to the kernel's parameters (as the front end
reads them from the source: ``fl.pointer``, ``fl.int32``, ``fl.constexpr``,
...) and checks them before anything runs; errors name the argument. The
kernel is specialised on

* the values of its constexpr parameters,
* the types of its other arguments ("*f16" for a float16 array, "i32" or
  "i64" for an int depending on its value, "f32" for a float),
* which int arguments are divisible by 16 and which buffers are 16-byte
  aligned (``tile.divisibility`` hints for the GPU backend), and which int
  arguments equal 1: those are compiled as the constant 1, as Triton does,
  so that a unit stride makes the access contiguous and vectorizable,
* ``num_warps`` and ``num_stages`` (GPU launch options, validated here:
  a power of two in 1..16 and 1..16, recorded in the key and passed to the
  GPU compile),
* the backend: the CPU executor, or CUDA with the device's arch,

and each specialisation is compiled once (grids are checked against CUDA's
limits, x < 2**31 and y, z <= 65535, on every backend; constexpr ints must
fit in 64 bits): an in-memory dict per kernel, then
the on-disk cache (tile IR for the CPU, PTX and launch metadata for CUDA; see
:mod:`flashtile.cache`). Numpy arrays (``ml_dtypes.bfloat16`` too) and CPU
torch tensors run on the CPU executor and are written in place; CUDA torch
tensors run on their GPU, on ``torch.cuda.current_stream()``, asynchronously
(see :mod:`flashtile.backends`). FLASHTILE_INTERPRET=1 forces the executor;
FLASHTILE_DUMP_IR=1 prints the IR after every pass, and the PTX (and
bypasses the caches so that the dump always appears).

GPU launches that repeat a specialisation take a fast path: a signature of
the arguments (int ranges, divisibility and equality to 1, tensor dtypes, 16-byte alignment
and devices, constexpr values) finds the compiled kernel without binding the
arguments again, so that a cached launch costs a few microseconds of host
time (bench/bench_attention.py measures it).
"""

from __future__ import annotations

import difflib
import functools
import inspect
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from . import _native
from . import language as fl
from .backends import (
    Backend,
    Buffer,
    as_buffer,
    is_array,
    launch_on_device,
    numpy_type_name,
    select_backend,
)
from .cache import DiskCache, cache_key
from .errors import ArgumentError, CompilationError, FlashTileError

__all__ = ["jit", "JITFunction", "CompiledKernel"]

_I32 = (-(2**31), 2**31 - 1)
_I64 = (-(2**63), 2**63 - 1)
_RESERVED = ("num_warps", "num_stages")
#: Software-pipelining depth: more stages than this only multiply shared memory.
MAX_NUM_STAGES = 16
#: Programs per grid dimension, for every backend (CUDA's limits).
MAX_GRID = (2**31 - 1, 65535, 65535)
# Environment variables that make every launch take the slow path.
_ENV_BYPASS = ("FLASHTILE_INTERPRET", "FLASHTILE_DUMP_IR")


def _torch_tensor_type() -> Any:
    """torch.Tensor once torch is imported (before that no tensor exists)."""
    torch = sys.modules.get("torch")
    return getattr(torch, "Tensor", None)

Grid = Union[Sequence[int], Callable[[Dict[str, Any]], Sequence[int]]]


# os.environ's own dict (keys encoded as os.environ encodes them), so that a
# launch checks _ENV_BYPASS with two dict lookups.
_ENVIRON_DATA = getattr(os.environ, "_data", None)
_ENV_BYPASS_KEYS = (tuple(os.environ.encodekey(name) for name in _ENV_BYPASS)  # type: ignore[attr-defined]
                    if _ENVIRON_DATA is not None and hasattr(os.environ, "encodekey") else ())


def _env_bypass() -> bool:
    """Whether one of _ENV_BYPASS is set (to anything)."""
    if _ENV_BYPASS_KEYS:
        return _ENV_BYPASS_KEYS[0] in _ENVIRON_DATA or _ENV_BYPASS_KEYS[1] in _ENVIRON_DATA
    return _ENV_BYPASS[0] in os.environ or _ENV_BYPASS[1] in os.environ


def _signature_function(order: Tuple[int, ...], is_constexpr: Tuple[bool, ...],
                        tensor_type: Any) -> Callable:
    """The fast path's classification of one plan's values (C++:
    ``flashtile._core.LaunchSignature``): ``signature(values)`` returns
    (what the kernel's specialisation depends on, the native launch
    arguments) or None when a value is neither an int, a float nor a CUDA
    tensor (the slow path then checks it). Per parameter, in order:

    * constexpr: its type and value;
    * int: 1 (equal to 1: specialised as the constant), 16 or 32 (i32,
      divisible by 16 or not), 65 or 64 (beyond i32);
    * float: 0;
    * CUDA tensor: (dtype, 16-byte aligned, device index), and its pointer
      as the native argument.
    """
    return _native.core().LaunchSignature(list(order), list(is_constexpr), tensor_type)


class Param(NamedTuple):
    """A kernel parameter: kind is "pointer", "int", "float", "constexpr" or
    "untyped"; type the declared type ("*f16", "*", "i32", "f32") or ""."""

    name: str
    kind: str
    type: str
    has_default: bool
    default: Any


class CompiledKernel:
    """One specialisation of a kernel, compiled to tile IR (and, for CUDA,
    to PTX).

    ``origin`` says where it came from: "compiled", "disk" (the on-disk
    cache) — memory hits return the same object.
    """

    def __init__(self, name: str, native: Any, key: Tuple[Any, ...], origin: str):
        self.name = name
        self.native = native  # flashtile._core.Kernel
        self.key = key
        self.origin = origin
        self._prepared: Dict[str, Any] = {}

    @property
    def tile_ir(self) -> str:
        """The optimized tile IR, with source locations."""
        return self.native.tile_ir()

    @property
    def target(self) -> str:
        """"cpu" or "cuda"."""
        return self.native.target

    @property
    def ptx(self) -> str:
        """The PTX of a CUDA kernel (CompilationError for a CPU kernel)."""
        return self.native.ptx

    @property
    def shared_memory_bytes(self) -> int:
        """Dynamic shared memory per launch of a CUDA kernel."""
        return self.native.shared_memory_bytes

    def prepared_for(self, backend: Backend, num_warps: int, num_stages: int) -> Any:
        prepared = self._prepared.get(backend.device)
        if prepared is None:
            prepared = backend.prepare(self.native, num_warps, num_stages)
            self._prepared[backend.device] = prepared
        return prepared

    def __repr__(self) -> str:
        return f"<CompiledKernel {self.name} ({self.origin})>"


@dataclass
class _Binding:
    """A launch's arguments, checked and classified."""

    values: Dict[str, Any]  # every parameter by name, defaults filled in
    constexprs: Dict[str, Any]  # None, bool, int, float or str
    arg_types: Dict[str, str]
    divisible: Tuple[str, ...]
    equal_to_1: Tuple[str, ...]  # int parameters equal to 1 (specialised)
    names: List[str]  # non-constexpr parameters, in order
    args: List[Any]  # Buffer, int or float per non-constexpr parameter
    buffers: List[Tuple[str, Buffer]]


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_float(value: Any) -> bool:
    return isinstance(value, (float, np.floating))


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"a {value.ndim}-d {value.dtype} array"
    if is_array(value):
        device = getattr(value, "device", "cpu")
        return f"a {getattr(value, 'dtype', '?')} tensor on {device}"
    return f"{type(value).__name__} {value!r}"


class JITFunction:
    """A DSL kernel; launch it with ``kernel[grid](*args, **kwargs)``."""

    def __init__(self, fn: Callable[..., Any]):
        filename = inspect.getsourcefile(fn)
        if filename is None or not os.path.exists(filename):
            raise FlashTileError(
                f"@flashtile.jit: {fn.__name__} must be defined in a Python file (the "
                "front end compiles the kernel's module from its source)"
            )
        self.fn = fn
        self.kernel_name = fn.__name__
        self.filename = os.path.abspath(filename)
        with open(self.filename, encoding="utf-8") as file:
            self.source = file.read()
        self._params: Optional[List[Param]] = None
        self._kernels: Dict[Tuple[Any, ...], CompiledKernel] = {}
        # The GPU fast path: plans by (number of positional arguments,
        # keyword names); (kernel, device) by launch signature.
        self._plans: Dict[Tuple[int, Tuple[str, ...]], Optional[Tuple[Any, ...]]] = {}
        self._fast: Dict[Tuple[Any, ...], Tuple[CompiledKernel, int]] = {}
        #: How each launch found its kernel: compiled, from disk, from memory.
        self.stats = {"compiled": 0, "disk": 0, "memory": 0}
        functools.update_wrapper(self, fn)

    # -- Parameters ---------------------------------------------------------

    @property
    def params(self) -> List[Param]:
        """The parameters as the front end reads them from the source."""
        if self._params is None:
            params = []
            for p in _native.core().kernel_params(self.source, self.filename, self.kernel_name):
                if p.name in _RESERVED:
                    raise CompilationError(
                        f"{self.filename}: kernel {self.kernel_name}: '{p.name}' is "
                        "reserved for the launch option of the same name"
                    )
                params.append(Param(p.name, p.kind, p.type, p.has_default, p.default))
            self._params = params
        return self._params

    # -- Launch -------------------------------------------------------------

    def __getitem__(self, grid: Grid) -> Callable[..., CompiledKernel]:
        def launcher(*args: Any, **kwargs: Any) -> CompiledKernel:
            num_warps = kwargs.pop("num_warps", 4)
            num_stages = kwargs.pop("num_stages", 2)
            return self._launch(grid, args, kwargs, num_warps, num_stages)

        return launcher

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise FlashTileError(
            f"{self.kernel_name} is a FlashTile kernel: launch it with "
            f"{self.kernel_name}[grid](...), e.g. {self.kernel_name}[(n_blocks,)](...)"
        )

    def run(self, *args: Any, grid: Grid, num_warps: int = 4, num_stages: int = 2,
            **kwargs: Any) -> CompiledKernel:
        """Binds, specialises, compiles (or finds in a cache) and launches."""
        return self._launch(grid, args, kwargs, num_warps, num_stages)

    def _launch(self, grid: Grid, args: Tuple[Any, ...], kwargs: Dict[str, Any],
                num_warps: Any, num_stages: Any) -> CompiledKernel:
        fast = self._signature(args, kwargs, num_warps, num_stages)
        if fast is not None:
            try:
                entry = self._fast.get(fast[0])
            except TypeError:  # an unhashable constexpr: the slow path reports it
                entry, fast = None, None
            if entry is not None:
                grid3 = self._fast_grid(grid, fast[2], fast[3])
                if grid3 is not None:
                    self.stats["memory"] += 1
                    if grid3[0] and grid3[1] and grid3[2]:
                        launch_on_device(entry[0].native, grid3, fast[1], entry[1])
                    return entry[0]

        self._check_options(num_warps, num_stages)
        binding = self._bind(args, kwargs)
        grid3 = self._grid(grid, binding)
        backend = select_backend(binding.buffers)
        kernel = self._kernel(binding, num_warps, num_stages, backend)
        if grid3[0] * grid3[1] * grid3[2] > 0:
            prepared = kernel.prepared_for(backend, num_warps, num_stages)
            backend.launch(prepared, grid3, binding.args, binding.names)
        if fast is not None and backend.device == "cuda":
            index = binding.buffers[0][1].index if binding.buffers else 0
            self._fast[fast[0]] = (kernel, index)
        return kernel

    def compile(self, *args: Any, num_warps: int = 4, num_stages: int = 2,
                **kwargs: Any) -> CompiledKernel:
        """Compiles (or finds in a cache) the specialisation these arguments
        select, without launching: numpy arrays give a CPU kernel, CUDA
        tensors one for their device."""
        self._check_options(num_warps, num_stages)
        binding = self._bind(args, kwargs)
        return self._kernel(binding, num_warps, num_stages, select_backend(binding.buffers))

    # -- The fast path of repeated GPU launches -------------------------------

    def _plan(self, nargs: int, kw_names: Tuple[str, ...]) -> Optional[Tuple[Any, ...]]:
        """How values given as `nargs` positional arguments and keywords
        `kw_names` map to the parameters: (index into args + kwargs values +
        defaults per parameter, which are constexprs, the defaults, names,
        the signature function of :func:`_signature_function`), or None when
        the slow path must report an error."""
        plans = self._plans
        key = (nargs, kw_names)
        if key in plans:
            return plans[key]
        plan = None
        params = self.params
        names = [p.name for p in params]
        given = names[:nargs] + list(kw_names)
        if nargs <= len(params) and len(set(given)) == len(given) and set(given) <= set(names):
            position = {name: i for i, name in enumerate(given)}
            defaults = []
            order = []
            for p in params:
                if p.name in position:
                    order.append(position[p.name])
                elif p.has_default:
                    order.append(len(given) + len(defaults))
                    defaults.append(p.default)
                else:
                    break
            else:
                is_constexpr = tuple(p.kind == "constexpr" for p in params)
                plan = (tuple(order), is_constexpr, tuple(defaults), tuple(names),
                        _signature_function(tuple(order), is_constexpr,
                                            _torch_tensor_type()))
        plans[key] = plan
        return plan

    def _signature(self, args: Tuple[Any, ...], kwargs: Dict[str, Any], num_warps: Any,
                   num_stages: Any) -> Optional[Tuple[Any, ...]]:
        """(key, native launch arguments, values, plan) of a launch over CUDA
        tensors, ints and floats, or None (then the launch takes the slow
        path). The key holds everything the slow path's checks and
        specialisation depend on, so a launch whose key was seen before is
        valid and selects the same kernel."""
        if _env_bypass():
            return None
        tensor_type = _torch_tensor_type()
        if tensor_type is None or type(num_warps) is not int or type(num_stages) is not int:
            return None
        kw_names = tuple(kwargs)
        plan = self._plan(len(args), kw_names)
        if plan is None:
            return None
        defaults = plan[2]
        values = args + tuple(kwargs.values()) + defaults if kwargs or defaults else args
        found = plan[4](values)
        if found is None:
            return None
        # Hashed by the caller's lookup (an unhashable constexpr fails there).
        key = (len(args), kw_names, num_warps, num_stages, found[0])
        return key, found[1], values, plan

    @staticmethod
    def _fast_grid(grid: Any, values: Tuple[Any, ...],
                   plan: Tuple[Any, ...]) -> Optional[Tuple[int, int, int]]:
        """The launch grid as three ints, or None when the slow path must
        check (and report) it."""
        if callable(grid):
            order, names = plan[0], plan[3]
            try:
                grid = grid({name: values[i] for name, i in zip(names, order)})
            except Exception:
                return None
        if type(grid) is int:
            grid = (grid,)
        if type(grid) not in (tuple, list):
            return None
        n = len(grid)
        if n == 3:
            g = (grid[0], grid[1], grid[2])
        elif n == 2:
            g = (grid[0], grid[1], 1)
        elif n == 1:
            g = (grid[0], 1, 1)
        else:
            return None
        for d in g:
            if type(d) is not int or d < 0:
                return None
        if g[0] > MAX_GRID[0] or g[1] > MAX_GRID[1] or g[2] > MAX_GRID[2]:
            return None
        return g

    # -- Argument binding ---------------------------------------------------

    def _error(self, message: str) -> ArgumentError:
        return ArgumentError(f"{self.kernel_name}(): {message}")

    def _check_options(self, num_warps: Any, num_stages: Any) -> None:
        if not _is_int(num_warps) or not 1 <= num_warps <= 16 or num_warps & (num_warps - 1):
            raise self._error(f"num_warps must be a power of two in 1..16, got {num_warps!r}")
        if not _is_int(num_stages) or not 1 <= num_stages <= MAX_NUM_STAGES:
            raise self._error(f"num_stages must be an int in 1..{MAX_NUM_STAGES}, got "
                              f"{num_stages!r}")

    def _bind(self, args: Sequence[Any], kwargs: Dict[str, Any]) -> _Binding:
        params = self.params
        names = [p.name for p in params]
        if len(args) > len(params):
            raise self._error(
                f"takes {len(params)} arguments ({', '.join(names)}) but {len(args)} "
                "were given"
            )
        values: Dict[str, Any] = dict(zip(names, args))
        for name, value in kwargs.items():
            if name not in names:
                close = difflib.get_close_matches(name, names, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise self._error(f"unexpected keyword argument '{name}'{hint}")
            if name in values:
                raise self._error(f"got multiple values for argument '{name}'")
            values[name] = value
        missing = []
        for param in params:
            if param.name not in values:
                if param.has_default:
                    values[param.name] = param.default
                else:
                    missing.append(f"'{param.name}' ({param.kind})")
        if missing:
            raise self._error("missing argument" + ("s " if len(missing) > 1 else " ")
                              + ", ".join(missing))

        binding = _Binding(values, {}, {}, (), (), [], [], [])
        divisible, equal_to_1 = [], []
        for param in params:
            value = values[param.name]
            if param.kind == "constexpr":
                binding.constexprs[param.name] = self._constexpr(param.name, value)
                continue
            arg, type_name, aligned = self._runtime_arg(param, value)
            binding.names.append(param.name)
            binding.args.append(arg)
            binding.arg_types[param.name] = type_name
            if isinstance(arg, Buffer):
                binding.buffers.append((param.name, arg))
            if aligned:
                divisible.append(param.name)
            if type(arg) is int and arg == 1:
                equal_to_1.append(param.name)
        binding.divisible = tuple(divisible)
        binding.equal_to_1 = tuple(equal_to_1)
        return binding

    def _constexpr(self, name: str, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) \
                and not -2**63 <= value < 2**63:
            raise self._error(f"constexpr '{name}' = {value} does not fit in 64 bits")
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, fl.constexpr):
            return self._constexpr(name, value.value)
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            return float(value)
        if isinstance(value, fl.dtype):
            return value.name
        type_name = numpy_type_name(value) if isinstance(value, (type, np.dtype)) else None
        if type_name is not None:
            return fl.dtypes[type_name].name
        raise self._error(
            f"constexpr '{name}' must be an int, float, bool, None, str or dtype, got "
            f"{_describe(value)}"
        )

    def _runtime_arg(self, param: Any, value: Any) -> Tuple[Any, str, bool]:
        """(argument, type, divisible-by-16 / 16-byte aligned) of one value."""
        name, kind, declared = param.name, param.kind, param.type
        # Fast paths for the common cases; everything else is checked below.
        if type(value) is int and (kind == "int" or kind == "untyped"):
            if _I32[0] <= value <= _I32[1]:
                return value, declared or "i32", value % 16 == 0
        elif type(value) is float and (kind == "float" or kind == "untyped"):
            return value, declared or "f32", False
        if kind == "pointer" or (kind == "untyped" and is_array(value)):
            if not is_array(value):
                raise self._error(
                    f"argument '{name}' is a pointer ({declared or '*'}) and needs an "
                    f"array, got {_describe(value)}"
                )
            try:
                buffer = as_buffer(value)
            except ValueError as error:
                raise self._error(f"argument '{name}': {error}") from None
            type_name = "*" + buffer.dtype
            if declared not in ("", "*") and declared != type_name:
                expected = fl.dtypes[declared[1:]].name if declared[1:] in fl.dtypes else declared
                raise self._error(
                    f"argument '{name}' is declared {declared} and needs a {expected} "
                    f"array, got {_describe(value)}"
                )
            return buffer, type_name, buffer.address % 16 == 0
        if kind == "constexpr":  # pragma: no cover - handled by the caller
            raise AssertionError(kind)
        if isinstance(value, np.ndarray) and value.ndim == 0:
            if kind == "untyped":
                raise self._error(
                    f"argument '{name}': a 0-d array cannot be passed as a pointer; pass "
                    "a scalar (x.item()) or a 1-element array"
                )
            value = value.item()
        if is_array(value):
            raise self._error(f"argument '{name}' is {declared} and needs a scalar, got "
                              f"{_describe(value)}")
        if kind == "int" or (kind == "untyped" and _is_int(value)):
            if not _is_int(value):
                what = "bool" if _is_bool(value) else _describe(value)
                raise self._error(f"argument '{name}' is an integer ({declared or 'int'}) "
                                  f"and cannot take {what}")
            value = int(value)
            if declared == "i32" and not _I32[0] <= value <= _I32[1]:
                raise self._error(
                    f"argument '{name}' = {value} does not fit fl.int32; declare it "
                    "fl.int64 or leave it unannotated (then it is specialised as i64)"
                )
            if not _I64[0] <= value <= _I64[1]:
                raise self._error(f"argument '{name}' = {value} does not fit in 64 bits")
            type_name = declared or ("i32" if _I32[0] <= value <= _I32[1] else "i64")
            return value, type_name, value % 16 == 0
        if kind == "float" or (kind == "untyped" and _is_float(value)):
            if _is_bool(value) or not (_is_float(value) or _is_int(value)):
                what = "bool" if _is_bool(value) else _describe(value)
                raise self._error(f"argument '{name}' is a float ({declared or 'f32'}) and "
                                  f"cannot take {what}")
            return float(value), declared or "f32", False
        if kind == "untyped" and _is_bool(value):
            return int(bool(value)), "i1", False
        raise self._error(f"argument '{name}' cannot take {_describe(value)}")

    # -- Grid ---------------------------------------------------------------

    def _grid(self, grid: Grid, binding: _Binding) -> Tuple[int, int, int]:
        if callable(grid):
            try:
                grid = grid(dict(binding.values))
            except FlashTileError:
                raise
            except Exception as error:
                raise self._error(f"the grid function raised {type(error).__name__}: "
                                  f"{error}") from error
        if _is_int(grid):
            grid = (grid,)
        if not isinstance(grid, (tuple, list)) or not 1 <= len(grid) <= 3 or not all(
            _is_int(g) for g in grid
        ):
            raise self._error(f"the grid must be a tuple of 1 to 3 ints, got {grid!r}")
        if any(g < 0 for g in grid):
            raise self._error(f"the grid has a negative size: {tuple(grid)}")
        dims = [int(g) for g in grid] + [1] * (3 - len(grid))
        if dims[0] > MAX_GRID[0] or dims[1] > MAX_GRID[1] or dims[2] > MAX_GRID[2]:
            raise self._error(f"the grid {tuple(grid)} exceeds the limits of a launch: x "
                              f"<= {MAX_GRID[0]}, y and z <= {MAX_GRID[1]} (as CUDA's)")
        return dims[0], dims[1], dims[2]

    # -- Compilation and caches ---------------------------------------------

    def _kernel(self, binding: _Binding, num_warps: int, num_stages: int,
                backend: Backend) -> CompiledKernel:
        arch = backend.arch(binding.buffers)
        key = (
            tuple((k, type(v).__name__, v) for k, v in sorted(binding.constexprs.items())),
            tuple(sorted(binding.arg_types.items())),
            binding.divisible,
            num_warps,
            num_stages,
            (backend.target, arch),
            binding.equal_to_1,
        )
        dump_ir = os.environ.get("FLASHTILE_DUMP_IR", "") not in ("", "0")
        kernel = None if dump_ir else self._kernels.get(key)
        if kernel is not None:
            self.stats["memory"] += 1
            return kernel

        core = _native.core()
        specialization = {
            "constexprs": {k: [type(v).__name__, v] for k, v in binding.constexprs.items()},
            "arg_types": binding.arg_types,
            "divisible_by_16": list(binding.divisible),
            "equal_to_1": list(binding.equal_to_1),
            "num_warps": num_warps,
            "num_stages": num_stages,
            "target": backend.target,
            "arch": arch,
        }
        disk = DiskCache()
        suffix = backend.cache_suffix
        digest = cache_key(self.source, self.filename, self.kernel_name, specialization,
                           _native.compiler_version())
        text = None if dump_ir else disk.get(digest, suffix)
        if text is not None:
            try:
                native = core.load_kernel(text, self.kernel_name)
                if native.target != backend.target:
                    raise CompilationError(f"it holds a {native.target} kernel")
                if native.target == "cuda":
                    _check_parameters(native.cuda_param_types, binding.arg_types)
                kernel = CompiledKernel(self.kernel_name, native, key, "disk")
                self.stats["disk"] += 1
            except CompilationError as error:
                first_line = str(error).splitlines()[0] if str(error) else ""
                DiskCache.warn_corrupt(disk.path(digest, suffix),
                                       f"it does not load ({first_line})")
        if kernel is None:
            native = core.compile(self.source, self.filename, self.kernel_name,
                                  binding.constexprs, binding.arg_types,
                                  set(binding.divisible), dump_ir, backend.target, arch,
                                  num_warps, num_stages, set(binding.equal_to_1))
            kernel = CompiledKernel(self.kernel_name, native, key, "compiled")
            self.stats["compiled"] += 1
            disk.put(digest, native.serialize(), suffix)
        self._kernels[key] = kernel
        return kernel

    def __repr__(self) -> str:
        return f"<flashtile.jit {self.kernel_name} from {self.filename}>"


def _check_parameters(loaded: List[str], arg_types: Dict[str, str]) -> None:
    """Raises CompilationError where a loaded CUDA kernel's parameters (ABI
    names: "ptr", "i32", ...) do not fit the launch's: an entry whose
    checksum holds but whose signature is another kernel's would fail every
    launch."""
    expected = list(arg_types.values())
    fits = len(loaded) == len(expected) and all(
        (got == "ptr") == want.startswith("*") for got, want in zip(loaded, expected))
    if not fits:
        raise CompilationError(f"its parameters ({' '.join(loaded)}) are not the kernel's "
                               f"({' '.join(expected)})")


def jit(fn: Optional[Callable[..., Any]] = None, **options: Any) -> Any:
    """Decorator making `fn` a FlashTile kernel (see the module docstring).

    ``@flashtile.jit`` and ``@flashtile.jit()`` are both accepted.
    """
    if options:
        raise TypeError(f"flashtile.jit() takes no options, got {sorted(options)}")
    if fn is None:
        return lambda f: JITFunction(f)
    return JITFunction(fn)
