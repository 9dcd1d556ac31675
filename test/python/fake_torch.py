"""A stand-in for the parts of PyTorch that FlashTile's CUDA launch path
touches, so that the path (argument adaptation, specialisation, the fast
path, disk cache, flash_attn_forward/backward's checks, grids and strides)
runs on machines without torch or a GPU. Tensors hold no memory: data_ptr()
is a made-up address; the launches themselves are recorded by the tests.

Only what FlashTile calls is modelled; anything else raises AttributeError.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import types
from typing import Any, List, Optional, Sequence, Tuple


class dtype:
    def __init__(self, name: str, itemsize: int):
        self.name = name
        self.itemsize = itemsize

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    __str__ = __repr__


float16 = dtype("float16", 2)
bfloat16 = dtype("bfloat16", 2)
float32 = dtype("float32", 4)
float64 = dtype("float64", 8)
int32 = dtype("int32", 4)


class device:
    def __init__(self, spec: Any, index: Optional[int] = None):
        if isinstance(spec, device):
            spec, index = spec.type, spec.index
        if isinstance(spec, str) and ":" in spec:
            spec, number = spec.split(":")
            index = int(number)
        self.type = spec
        self.index = index if spec == "cuda" and index is not None else (0 if spec == "cuda" else None)

    def __eq__(self, other: Any) -> bool:
        other = device(other) if isinstance(other, str) else other
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    __str__ = __repr__


_addresses = itertools.count(1 << 32, 1 << 20)  # 1 MiB apart, 256-byte aligned


class Tensor:
    """A strided tensor without storage."""

    def __init__(self, shape: Sequence[int], dtype: dtype = float16, device: Any = "cuda",
                 strides: Optional[Sequence[int]] = None, ptr: Optional[int] = None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.device = globals()["device"](device)
        if strides is None:
            strides, step = [], 1
            for size in reversed(self.shape):
                strides.insert(0, step)
                step *= max(size, 1)
        self._strides = tuple(strides)
        self._ptr = next(_addresses) if ptr is None else ptr

    # -- what FlashTile reads ------------------------------------------------
    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    def data_ptr(self) -> int:
        return self._ptr

    def get_device(self) -> int:
        return self.device.index if self.is_cuda else -1

    def dim(self) -> int:
        return len(self.shape)

    def stride(self, i: Optional[int] = None) -> Any:
        return self._strides if i is None else self._strides[i]

    def numel(self) -> int:
        return math.prod(self.shape)

    def element_size(self) -> int:
        return self.dtype.itemsize

    def is_contiguous(self) -> bool:
        return self._strides == Tensor(self.shape, self.dtype, self.device, ptr=0)._strides

    def contiguous(self) -> "Tensor":
        return self if self.is_contiguous() else Tensor(self.shape, self.dtype, self.device)

    def transpose(self, a: int, b: int) -> "Tensor":
        shape, strides = list(self.shape), list(self._strides)
        shape[a], shape[b] = shape[b], shape[a]
        strides[a], strides[b] = strides[b], strides[a]
        return Tensor(shape, self.dtype, self.device, strides, self._ptr)

    def unsqueeze(self, dim: int) -> "Tensor":
        assert dim == 0, "the fake unsqueezes the first dimension only"
        return Tensor((1, *self.shape), self.dtype, self.device,
                      (max(self.numel(), 1), *self._strides), self._ptr)

    def __getitem__(self, index: int) -> "Tensor":
        assert index == 0 and self.shape[0] == 1, "the fake indexes a leading 1 only"
        return Tensor(self.shape[1:], self.dtype, self.device, self._strides[1:], self._ptr)

    def __add__(self, other: Any) -> "Tensor":
        return Tensor(self.shape, self.dtype, self.device)

    def zero_(self) -> "Tensor":
        return self

    def offset(self, elements: int) -> "Tensor":
        """A view starting `elements` further (e.g. misaligned)."""
        return Tensor(self.shape, self.dtype, self.device, self._strides,
                      self._ptr + elements * self.dtype.itemsize)

    def __repr__(self) -> str:
        return f"FakeTensor({self.shape}, {self.dtype}, {self.device})"


Tensor.__module__ = "torch"


def empty(shape: Sequence[int], dtype: dtype = float32, device: Any = "cuda") -> Tensor:
    return Tensor(shape, dtype, device)


def zeros(shape: Sequence[int], dtype: dtype = float32, device: Any = "cuda") -> Tensor:
    return Tensor(shape, dtype, device)


def full(shape: Sequence[int], value: Any, dtype: dtype = float32, device: Any = "cuda") -> Tensor:
    return Tensor(shape, dtype, device)


def empty_like(x: Tensor) -> Tensor:
    return Tensor(x.shape, x.dtype, x.device)


class _Cuda:
    """torch.cuda: device 0 of compute capability `capability`; `count` devices."""

    def __init__(self) -> None:
        self.capability: Tuple[int, int] = (9, 0)
        self.count = 2
        self.current = 0

    def get_device_capability(self, index: int = 0) -> Tuple[int, int]:
        return self.capability

    def current_device(self) -> int:
        return self.current

    def is_available(self) -> bool:
        return True

    @contextlib.contextmanager
    def device(self, index: int):
        previous, self.current = self.current, index
        try:
            yield
        finally:
            self.current = previous


def make_module() -> types.ModuleType:
    """A fresh fake `torch` module (its own current-device state)."""
    module = types.ModuleType("torch")
    for name in ("dtype", "float16", "bfloat16", "float32", "float64", "int32", "device",
                 "Tensor", "empty", "empty_like", "zeros", "full"):
        setattr(module, name, globals()[name])
    cuda = _Cuda()
    module.cuda = cuda
    streams: List[int] = []
    module._C = types.SimpleNamespace(
        _cuda_getDevice=cuda.current_device,
        _cuda_getCurrentRawStream=lambda index: 0x5000 + index,
    )
    module._streams = streams
    module.is_grad_enabled = lambda: True
    return module
