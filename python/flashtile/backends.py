"""Where launched kernels run, and how array arguments reach them.

A :class:`Backend` says what a kernel is compiled for (the C++ API's target
and arch) and launches the compiled kernel over a grid. There are two:

* :class:`CpuBackend` — the C++ CPU executor (the semantic reference) for
  numpy arrays and CPU torch tensors, written in place;
* :class:`CudaBackend` — NVIDIA GPUs, for CUDA torch tensors: the kernel is
  compiled to PTX for the arch of the tensors' device (compute capability
  9.0 gets sm_90 PTX, which runs the Ampere code path: mma.sync, ldmatrix,
  cp.async) and launched on ``torch.cuda.current_stream()``. FLASHTILE_CUDA_ARCH
  (75, 80, 86, 89 or 90) overrides the arch, e.g. to run sm_80 code on an
  H100.

Array arguments are adapted by :func:`as_buffer`: numpy arrays (including
``ml_dtypes.bfloat16``) and CPU torch tensors become host buffers; CUDA
tensors become device pointers (any strides: the kernel addresses them
through the strides its caller passes, as in Triton).
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
    "CudaBackend",
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
    index: int = -1  # the CUDA device ordinal (-1 on the CPU)
    writable: bool = True  # False: read-only memory (stores into it fail)


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
    return Buffer(array.__array_interface__["data"][0], array.nbytes, type_name, "cpu", array,
                  writable=bool(array.flags.writeable))


def _torch_buffer(tensor: Any) -> Buffer:
    if tensor.device.type == "cpu" and tensor.dim() == 0:
        raise ValueError("a 0-d tensor cannot be passed as a pointer; pass x.item()")
    if tensor.device.type == "cpu" and not tensor.is_contiguous():
        # The executor checks every access against the buffer's extent, so
        # it needs the extent: contiguous tensors only. (On the GPU any
        # strides work: the kernel gets them as arguments.)
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
    device = tensor.device
    return Buffer(tensor.data_ptr(), nbytes, type_name, device.type, tensor,
                  device.index if device.index is not None else 0)


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
    #: The C++ API's compile target ("cpu" or "cuda").
    target: str = ""
    #: File suffix of its entries in the on-disk cache.
    cache_suffix: str = ".tileir"

    def arch(self, buffers: Sequence[Tuple[str, Buffer]]) -> int:
        """The architecture a launch over `buffers` compiles for (0: none)."""
        return 0

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
    target = "cpu"

    def prepare(self, kernel: Any, num_warps: int, num_stages: int) -> Any:
        return kernel  # the executor runs tile IR directly

    def launch(self, prepared: Any, grid: Tuple[int, int, int], args: Sequence[Any],
               names: Sequence[str]) -> None:
        native_args = [
            (a.address, a.nbytes, a.writable) if isinstance(a, Buffer) else a for a in args
        ]
        prepared.run_on_cpu(grid, native_args, list(names), _cpu_step_limit())


def _cpu_step_limit() -> int:
    """FLASHTILE_CPU_STEP_LIMIT: operations a CPU launch may execute (0 or
    unset: no limit), so that a kernel that does not terminate stops with
    an ExecutionError."""
    text = os.environ.get("FLASHTILE_CPU_STEP_LIMIT", "")
    try:
        limit = int(text) if text else 0
    except ValueError:
        raise ArgumentError(f"FLASHTILE_CPU_STEP_LIMIT={text!r} is not an int") from None
    if limit < 0:
        raise ArgumentError(f"FLASHTILE_CPU_STEP_LIMIT={limit} must be >= 0")
    return limit


def _cuda_arch_override() -> Optional[int]:
    text = os.environ.get("FLASHTILE_CUDA_ARCH", "")
    if not text:
        return None
    try:
        return int(text.removeprefix("sm_"))
    except ValueError:
        raise FlashTileError(
            f"FLASHTILE_CUDA_ARCH={text!r}: expected 75, 80, 86, 89 or 90"
        ) from None


class CudaBackend(Backend):
    """NVIDIA GPUs through the C++ API (PTX, CUDA driver), for CUDA tensors.

    :meth:`launch` runs on the device of the tensors (switching torch's
    current device for the launch if it differs) on its current stream.
    """

    device = "cuda"
    target = "cuda"
    cache_suffix = ".cuda"

    def __init__(self) -> None:
        self._archs: Dict[int, int] = {}

    def arch_of_device(self, index: int) -> int:
        """The arch FlashTile compiles for on CUDA device `index`."""
        arch = self._archs.get(index)
        if arch is None:
            override = _cuda_arch_override()
            if override is not None:
                arch = override
            else:
                import torch

                from . import _native

                major, minor = torch.cuda.get_device_capability(index)
                arch = _native.core().cuda_arch_for(major, minor)
            self._archs[index] = arch
        return arch

    def arch(self, buffers: Sequence[Tuple[str, Buffer]]) -> int:
        return self.arch_of_device(buffers[0][1].index if buffers else 0)

    def prepare(self, kernel: Any, num_warps: int, num_stages: int) -> Any:
        return kernel  # compiled for CUDA already; loaded lazily per context

    def launch(self, prepared: Any, grid: Tuple[int, int, int], args: Sequence[Any],
               names: Sequence[str]) -> None:
        index = 0
        native_args = []
        for a in args:
            if isinstance(a, Buffer):
                index = a.index
                native_args.append(a.address)
            else:
                native_args.append(a)
        launch_on_device(prepared, grid, native_args, index)


_torch_cuda: Any = None


def _torch_cuda_api() -> Any:
    """(current_device, set_device, raw current stream) from torch, fast paths
    where this torch has them."""
    global _torch_cuda
    if _torch_cuda is None:
        import torch

        C = torch._C
        current = getattr(C, "_cuda_getDevice", None) or torch.cuda.current_device
        raw_stream = getattr(C, "_cuda_getCurrentRawStream", None)
        if raw_stream is None:  # pragma: no cover - older torch
            def raw_stream(index: int) -> int:
                return torch.cuda.current_stream(index).cuda_stream
        _torch_cuda = (current, torch.cuda.device, raw_stream)
    return _torch_cuda


def launch_on_device(native: Any, grid: Tuple[int, int, int], args: Sequence[Any],
                     index: int) -> None:
    """Launches a CUDA-compiled kernel on device `index`'s current torch stream."""
    current, device_guard, raw_stream = _torch_cuda_api()
    if current() == index:
        native.launch_cuda(grid, args, raw_stream(index))
    else:
        with device_guard(index):
            native.launch_cuda(grid, args, raw_stream(index))


_BACKENDS: Dict[str, Backend] = {"cpu": CpuBackend(), "cuda": CudaBackend()}


def register_backend(backend: Backend) -> None:
    """Makes `backend` run launches whose buffers are on ``backend.device``."""
    _BACKENDS[backend.device] = backend


def cuda_arch(index: int) -> int:
    """The arch the CUDA backend compiles for on device `index`."""
    return _BACKENDS["cuda"].arch_of_device(index)  # type: ignore[attr-defined]


def interpret_mode() -> bool:
    """FLASHTILE_INTERPRET=1 runs every launch on the CPU executor."""
    return os.environ.get("FLASHTILE_INTERPRET", "") not in ("", "0")


def _where(buffer: Buffer) -> str:
    return f"cuda:{buffer.index}" if buffer.device == "cuda" else buffer.device


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
    first_name, first = buffers[0]
    for name, buffer in buffers[1:]:
        if buffer.device != first.device or buffer.index != first.index:
            raise ArgumentError(
                f"argument '{name}' is on {_where(buffer)} but argument '{first_name}' "
                f"is on {_where(first)}: all arrays of one launch must be on one device"
            )
    device = first.device
    backend = _BACKENDS.get(device)
    if backend is None:
        raise FlashTileError(
            f"no FlashTile backend for {device} arrays (FlashTile runs on the CPU "
            "executor and on NVIDIA GPUs through CUDA tensors)"
        )
    return backend
