"""Where launched kernels run, and how array arguments reach them.

A :class:`Backend` turns a compiled tile kernel into something it can launch
and launches it over a grid. Today there is one, :class:`CpuBackend` (the C++
CPU executor, the semantic reference); a GPU backend registers itself with
:func:`register_backend` for the arrays it owns (device ``"cuda"``).

Array arguments are adapted by :func:`as_buffer`: numpy arrays (including
``ml_dtypes.bfloat16``) and CPU torch tensors become host buffers that
kernels read and write in place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from .errors import ArgumentError, FlashTileError

try:  # bfloat16 numpy arrays
    import ml_dtypes

    _BF16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - ml_dtypes is a dependency
    ml_dtypes = None
    _BF16 = None

__all__ = [
    "Buffer",
    "Backend",
    "CpuBackend",
    "as_buffer",
    "is_array",
    "numpy_type_name",
    "register_backend",
    "select_backend",
]

_NUMPY_TYPES: Dict[np.dtype, str] = {
    np.dtype(np.bool_): "i1",
    np.dtype(np.int8): "i8",
    np.dtype(np.int16): "i16",
    np.dtype(np.int32): "i32",
    np.dtype(np.int64): "i64",
    np.dtype(np.float16): "f16",
    np.dtype(np.float32): "f32",
    np.dtype(np.float64): "f64",
}
if _BF16 is not None:
    _NUMPY_TYPES[_BF16] = "bf16"

_TORCH_TYPES = {
    "torch.bool": "i1", "torch.int8": "i8", "torch.int16": "i16", "torch.int32": "i32",
    "torch.int64": "i64", "torch.float16": "f16", "torch.bfloat16": "bf16",
    "torch.float32": "f32", "torch.float64": "f64",
}


def numpy_type_name(dtype: Any) -> Optional[str]:
    """The type-syntax name ("f16", "bf16", ...) of a numpy dtype, or None."""
    try:
        return _NUMPY_TYPES.get(np.dtype(dtype))
    except TypeError:
        return None


@dataclass(frozen=True)
class Buffer:
    """An array argument: where it lives and what it holds."""

    address: int
    nbytes: int
    dtype: str  # element type in the type syntax: "f16", "bf16", "f32", ...
    device: str  # "cpu" or "cuda"
    owner: Any  # keeps the memory alive during the launch


def _is_torch_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "data_ptr")


def is_array(value: Any) -> bool:
    """Whether `value` is something :func:`as_buffer` may accept."""
    return type(value) is np.ndarray or isinstance(value, np.ndarray) or _is_torch_tensor(value)


def _numpy_buffer(array: np.ndarray) -> Buffer:
    if array.ndim == 0:
        raise ValueError(
            "a 0-d array cannot be passed as a pointer; pass a scalar (x.item()) "
            "or a 1-element array"
        )
    if not (array.flags.c_contiguous or array.flags.f_contiguous):
        raise ValueError(
            f"the array is not contiguous (shape {array.shape}, strides {array.strides}); "
            "pass np.ascontiguousarray(x)"
        )
    type_name = _NUMPY_TYPES.get(array.dtype)
    if type_name is None:
        raise ValueError(f"arrays of {array.dtype} are not supported")
    return Buffer(array.__array_interface__["data"][0], array.nbytes, type_name, "cpu", array)


def _torch_buffer(tensor: Any) -> Buffer:
    if tensor.dim() == 0:
        raise ValueError("a 0-d tensor cannot be passed as a pointer; pass x.item()")
    if not tensor.is_contiguous():
        raise ValueError("the tensor is not contiguous; pass x.contiguous()")
    type_name = _TORCH_TYPES.get(str(tensor.dtype))
    if type_name is None:
        raise ValueError(f"tensors of {tensor.dtype} are not supported")
    if tensor.device.type == "cpu":
        import torch

        if type_name == "bf16":  # numpy has no bfloat16: view the bits
            array = tensor.detach().view(torch.int16).numpy().view(_BF16)
        else:
            array = tensor.detach().numpy()
        buffer = _numpy_buffer(array)
        return Buffer(buffer.address, buffer.nbytes, type_name, "cpu", (tensor, array))
    nbytes = tensor.numel() * tensor.element_size()
    return Buffer(tensor.data_ptr(), nbytes, type_name, tensor.device.type, tensor)


def as_buffer(value: Any) -> Buffer:
    """Adapts a numpy array or torch tensor; raises ValueError (with a reason
    but no argument name) for 0-d, non-contiguous or unsupported arrays."""
    if isinstance(value, np.ndarray):
        return _numpy_buffer(value)
    if _is_torch_tensor(value):
        return _torch_buffer(value)
    raise ValueError(f"expected an array, got {type(value).__name__}")


class Backend:
    """Launches compiled tile kernels for the arrays of one device kind."""

    #: Device kind of the buffers this backend runs on ("cpu", "cuda").
    device: str = ""

    def prepare(self, kernel: Any, num_warps: int, num_stages: int) -> Any:
        """Turns a compiled tile kernel (flashtile._core.Kernel) into what
        :meth:`launch` takes, e.g. a GPU binary. Called once per specialisation."""
        raise NotImplementedError

    def launch(
        self,
        prepared: Any,
        grid: Tuple[int, int, int],
        args: Sequence[Any],
        names: Sequence[str],
    ) -> None:
        """Runs `prepared` over `grid`; `args` holds a :class:`Buffer`, int or
        float per non-constexpr parameter, `names` their parameter names."""
        raise NotImplementedError


class CpuBackend(Backend):
    """The C++ CPU executor: exact, sequential, host memory, written in place."""

    device = "cpu"

    def prepare(self, kernel: Any, num_warps: int, num_stages: int) -> Any:
        return kernel  # the executor runs tile IR directly

    def launch(self, prepared: Any, grid: Tuple[int, int, int], args: Sequence[Any],
               names: Sequence[str]) -> None:
        native_args = [
            (a.address, a.nbytes) if isinstance(a, Buffer) else a for a in args
        ]
        prepared.run_on_cpu(grid, native_args, list(names))


_BACKENDS: Dict[str, Backend] = {"cpu": CpuBackend()}


def register_backend(backend: Backend) -> None:
    """Makes `backend` run launches whose buffers are on ``backend.device``."""
    _BACKENDS[backend.device] = backend


def interpret_mode() -> bool:
    """FLASHTILE_INTERPRET=1 runs every launch on the CPU executor."""
    return os.environ.get("FLASHTILE_INTERPRET", "") not in ("", "0")


def select_backend(buffers: Sequence[Tuple[str, Buffer]]) -> Backend:
    """The backend for a launch over `buffers` ((parameter name, Buffer) pairs)."""
    devices = {buffer.device for _, buffer in buffers}
    if interpret_mode() or not devices or devices == {"cpu"}:
        for name, buffer in buffers:
            if buffer.device != "cpu":
                raise ArgumentError(
                    f"argument '{name}' is on {buffer.device}, but the CPU executor "
                    "(FLASHTILE_INTERPRET=1) needs host memory; move it with .cpu()"
                )
        return _BACKENDS["cpu"]
    if len(devices) > 1:
        where = ", ".join(f"'{n}' on {b.device}" for n, b in buffers)
        raise ArgumentError(f"arrays on different devices in one launch: {where}")
    (device,) = devices
    backend = _BACKENDS.get(device)
    if backend is None:
        raise FlashTileError(
            f"no FlashTile backend for {device} arrays in this build (the GPU backend "
            "is not available yet); use numpy arrays or FLASHTILE_INTERPRET=1 "
            "with CPU tensors"
        )
    return backend
