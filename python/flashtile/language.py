"""The FlashTile DSL: types and builtins, imported as ``fl``.

    import flashtile
    import flashtile.language as fl

    @flashtile.jit
    def add(X, Y, Z, N, BLOCK: fl.constexpr):
        offs = fl.program_id(0) * BLOCK + fl.arange(0, BLOCK)
        mask = offs < N
        fl.store(Z + offs, fl.load(X + offs, mask=mask) + fl.load(Y + offs, mask=mask), mask=mask)

Kernel bodies are never executed by Python: FlashTile's C++ front end reads
the kernel's module and compiles it. The functions here exist for
signatures, documentation and editors; calling one outside a kernel raises
:class:`OutsideKernelError`. The exception is :func:`cdiv`, which also works
on Python ints (for grids).

Semantics in brief (the full reference is docs/language.md): blocks are
tiles with static power-of-two shapes; operators broadcast like numpy;
Python scalars are "weak" (``x * 0.5`` keeps ``x``'s dtype); ``//`` and ``%``
on ints truncate toward zero like C (``-7 // 2 == -3`` in a kernel, unlike
Python); ``x[:, None]`` inserts a unit dimension; ``x.T``, ``x.to(dtype)``,
``x.shape``, ``x.dtype`` work on blocks.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, Sequence, TypeVar, Union

from .errors import FlashTileError

__all__ = [
    # types
    "dtype", "int1", "int8", "int16", "int32", "int64",
    "float16", "bfloat16", "float32", "float64", "bool", "dtypes",
    "pointer", "pointer_type", "constexpr", "static_range", "block",
    # builtins
    "program_id", "num_programs", "arange", "zeros", "full",
    "load", "store", "atomic_add", "atomic_max", "atomic_min", "atomic_xchg",
    "dot", "trans", "reshape", "expand_dims", "broadcast_to",
    "max", "min", "sum", "rowmax", "rowsum", "maximum", "minimum",
    "exp", "exp2", "log", "log2", "sqrt", "rsqrt", "abs", "sin", "cos",
    "tanh", "sigmoid", "erf",
    "where", "cdiv", "next_power_of_2", "multiple_of", "max_contiguous", "static_assert", "jit", "OutsideKernelError",
]

_bool = bool  # `bool` is rebound to fl.int1 at the end of this module


class OutsideKernelError(FlashTileError, RuntimeError):
    """A DSL builtin was called by Python instead of inside a kernel."""


def _outside(name: str) -> OutsideKernelError:
    return OutsideKernelError(
        f"fl.{name}() can only be used inside a @flashtile.jit kernel: kernel "
        "bodies are compiled by FlashTile's front end, never run by Python. "
        "Launch the kernel with kernel[grid](...) instead."
    )


F = TypeVar("F", bound=Callable[..., Any])


def _builtin(fn: F) -> F:
    """Keeps `fn`'s signature and docstring; calling it raises."""

    @functools.wraps(fn)
    def stub(*args: Any, **kwargs: Any) -> Any:
        raise _outside(fn.__name__)

    stub.__flashtile_builtin__ = True  # type: ignore[attr-defined]
    return stub  # type: ignore[return-value]


# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------


class dtype:
    """An element type. ``str(fl.float16) == "f16"`` (the type syntax used in
    IR and in ``Specialization.argTypes``); ``fl.float16.name == "float16"``.
    """

    __slots__ = ("name", "ir", "itemsize", "is_floating")

    def __init__(self, name: str, ir: str, itemsize: int, is_floating: bool):
        self.name = name
        self.ir = ir
        self.itemsize = itemsize
        self.is_floating = is_floating

    def __repr__(self) -> str:
        return f"fl.{self.name}"

    def __str__(self) -> str:
        return self.ir

    def __reduce__(self) -> str:
        return self.name


int1 = dtype("int1", "i1", 1, False)
int8 = dtype("int8", "i8", 1, False)
int16 = dtype("int16", "i16", 2, False)
int32 = dtype("int32", "i32", 4, False)
int64 = dtype("int64", "i64", 8, False)
float16 = dtype("float16", "f16", 2, True)
bfloat16 = dtype("bfloat16", "bf16", 2, True)
float32 = dtype("float32", "f32", 4, True)
float64 = dtype("float64", "f64", 8, True)

#: Every dtype, by its ``name`` and by its type-syntax spelling.
dtypes = {
    **{d.name: d for d in (int1, int8, int16, int32, int64, float16, bfloat16, float32, float64)},
    **{d.ir: d for d in (int1, int8, int16, int32, int64, float16, bfloat16, float32, float64)},
}


class pointer_type:
    """A pointer parameter's annotation.

    ``fl.pointer`` leaves the element type to the argument (an array of
    float16 gives ``*f16``); ``fl.pointer(fl.float16)`` requires it.
    ``str(fl.pointer(fl.float16)) == "*f16"``.
    """

    __slots__ = ("element",)

    def __init__(self, element: Optional[dtype] = None):
        self.element = element

    def __call__(self, element: dtype) -> "pointer_type":
        if self.element is not None or not isinstance(element, dtype):
            raise TypeError("use fl.pointer(<dtype>), e.g. fl.pointer(fl.float16)")
        return pointer_type(element)

    def __repr__(self) -> str:
        return "fl.pointer" if self.element is None else f"fl.pointer({self.element!r})"

    def __str__(self) -> str:
        return "*" if self.element is None else "*" + self.element.ir

    def __eq__(self, other: object) -> bool:
        return isinstance(other, pointer_type) and other.element is self.element

    def __hash__(self) -> int:
        return hash(("pointer", self.element))


#: Annotation of a pointer parameter; ``fl.pointer(fl.float16)`` fixes the type.
pointer = pointer_type()


class constexpr:
    """Annotation of a compile-time parameter::

        def kernel(X, N, BLOCK: fl.constexpr, CAUSAL: fl.constexpr = False): ...

    The kernel is specialised (and cached) per value: int, float, bool, None,
    a dtype (``fl.float16``) or a str. Module-level ``NAME = 1.5`` constants
    are compile-time values too.
    """

    def __init__(self, value: Any = None):
        self.value = value

    def __repr__(self) -> str:
        return f"fl.constexpr({self.value!r})"


class block:
    """The type of tile values inside kernels (documentation only): a block
    has a static shape whose dimensions are powers of two, a dtype, and
    supports ``+ - * / // % & | ^ << >> ~ < <= > >= == !=``, ``x[:, None]``,
    ``x.T``, ``x.to(dtype)``, ``x.shape`` and ``x.dtype``."""


class static_range:
    """``for i in fl.static_range(start, stop, step):`` unrolled at compile
    time; ``i`` is a constexpr. The bounds must be compile-time ints.

    Example::

        for i in fl.static_range(4):
            acc += fl.load(X + i * BLOCK + offs)
    """

    def __init__(self, *args: int):
        raise _outside("static_range")


# ---------------------------------------------------------------------------
# Builtins
# ---------------------------------------------------------------------------

Shape = Sequence[int]
Value = Any  # a block, a scalar or a Python number inside a kernel


@_builtin
def program_id(axis: int = 0) -> Value:
    """Index (i32) of this program instance along grid ``axis`` (0, 1 or 2).

    Example: ``row = fl.program_id(0)``
    """


@_builtin
def num_programs(axis: int = 0) -> Value:
    """Number (i32) of program instances along grid ``axis``.

    Example: ``n = fl.num_programs(1)``
    """


@_builtin
def arange(start: int, end: int) -> Value:
    """The i32 block ``[start, end)``; constexpr bounds, ``end - start`` a power of two.

    Example: ``offs = pid * BLOCK + fl.arange(0, BLOCK)``
    """


@_builtin
def zeros(shape: Shape, dtype: dtype = float32) -> Value:
    """A block of zeros. Example: ``acc = fl.zeros([BLOCK_M, BLOCK_N], fl.float32)``"""


@_builtin
def full(shape: Shape, value: Union[int, float], dtype: dtype) -> Value:
    """A block filled with ``value``.

    Example: ``m = fl.full([BLOCK_M], float("-inf"), fl.float32)``
    """


@_builtin
def load(ptr: Value, mask: Optional[Value] = None, other: Optional[Value] = None) -> Value:
    """Loads what ``ptr`` (a pointer or a block of pointers) points to.

    Where ``mask`` is false nothing is read and the result is ``other``
    (cast to the element type). ``mask``/``other`` broadcast to ``ptr``'s shape.

    Example: ``x = fl.load(X + offs, mask=offs < N, other=0.0)``
    """


@_builtin
def store(ptr: Value, value: Value, mask: Optional[Value] = None) -> None:
    """Stores ``value`` (broadcast to ``ptr``'s shape, cast to its element
    type) where ``mask`` is true.

    Example: ``fl.store(Y + offs, y, mask=offs < N)``
    """


@_builtin
def atomic_add(ptr: Value, value: Value, mask: Optional[Value] = None) -> Value:
    """Atomically adds ``value`` to ``*ptr``; returns the old values.

    Example: ``fl.atomic_add(Count + bucket, 1, mask=valid)``
    """


@_builtin
def atomic_max(ptr: Value, value: Value, mask: Optional[Value] = None) -> Value:
    """Atomic ``*ptr = max(*ptr, value)``; returns the old values.

    Example: ``fl.atomic_max(Best, score)``
    """


@_builtin
def atomic_min(ptr: Value, value: Value, mask: Optional[Value] = None) -> Value:
    """Atomic ``*ptr = min(*ptr, value)``; returns the old values.

    Example: ``fl.atomic_min(Lowest + offs, x, mask=m)``
    """


@_builtin
def atomic_xchg(ptr: Value, value: Value, mask: Optional[Value] = None) -> Value:
    """Atomically replaces ``*ptr`` by ``value``; returns the old values.

    Example: ``old = fl.atomic_xchg(Lock, 1)``
    """


@_builtin
def dot(a: Value, b: Value, acc: Optional[Value] = None, input_precision: Optional[str] = None) -> Value:
    """Matrix product ``a @ b (+ acc)`` of an MxK and a KxN block.

    f16/bf16 operands give f32; f32 operands may be rounded to tf32 unless
    ``input_precision="ieee"``; with ``acc`` the result has ``acc``'s type.
    ``a @ b`` is ``fl.dot(a, b)``.

    Example: ``acc = fl.dot(p.to(v.dtype), v, acc)``
    """


@_builtin
def trans(x: Value, *order: int) -> Value:
    """Transpose of a 2-D block, or a permutation of its dimensions.

    Example: ``kt = fl.trans(k)`` (same as ``k.T``)
    """


@_builtin
def reshape(x: Value, shape: Shape) -> Value:
    """The same elements (row-major order) with another shape.

    Example: ``m = fl.reshape(v, [32, 32])``
    """


@_builtin
def expand_dims(x: Value, axis: int) -> Value:
    """Inserts a unit dimension at ``axis``. Example: ``col = fl.expand_dims(v, 1)`` (``v[:, None]``)"""


@_builtin
def broadcast_to(x: Value, shape: Shape) -> Value:
    """Broadcasts ``x`` to ``shape`` (numpy rules).

    Example: ``b = fl.broadcast_to(row[None, :], [BLOCK_M, BLOCK_N])``
    """


@_builtin
def max(x: Value, axis: Optional[int] = None) -> Value:
    """Maximum along ``axis`` (the whole block to a scalar when ``None``).

    Example: ``m = fl.max(s, axis=1)``
    """


@_builtin
def min(x: Value, axis: Optional[int] = None) -> Value:
    """Minimum along ``axis`` (the whole block to a scalar when ``None``).

    Example: ``lo = fl.min(x, axis=0)``
    """


@_builtin
def sum(x: Value, axis: Optional[int] = None) -> Value:
    """Sum along ``axis`` (the whole block to a scalar when ``None``); the
    result keeps ``x``'s element type (convert f16 to f32 first for accuracy).

    Example: ``total = fl.sum(x.to(fl.float32), axis=0)``
    """


@_builtin
def rowmax(x: Value) -> Value:
    """``fl.max(x, axis=1)``: the maximum of each row. Example: ``m_ij = fl.rowmax(s)``"""


@_builtin
def rowsum(x: Value) -> Value:
    """``fl.sum(x, axis=1)``: the sum of each row. Example: ``l_ij = fl.rowsum(p)``"""


@_builtin
def maximum(a: Value, b: Value) -> Value:
    """Element-wise maximum (with broadcasting). Example: ``m_new = fl.maximum(m_i, m_ij)``"""


@_builtin
def minimum(a: Value, b: Value) -> Value:
    """Element-wise minimum (with broadcasting). Example: ``hi = fl.minimum(hi, seqlen_k)``"""


@_builtin
def exp(x: Value) -> Value:
    """e**x (f16/bf16 are computed in f32 and rounded back). Example: ``y = fl.exp(x - m)``"""


@_builtin
def exp2(x: Value) -> Value:
    """2**x. Example: ``p = fl.exp2(s - m[:, None])``"""


@_builtin
def log(x: Value) -> Value:
    """Natural logarithm. Example: ``lse = m + fl.log(l)``"""


@_builtin
def log2(x: Value) -> Value:
    """Base-2 logarithm. Example: ``lse2 = m + fl.log2(l)``"""


@_builtin
def sqrt(x: Value) -> Value:
    """Square root. Example: ``norm = fl.sqrt(fl.sum(x * x, axis=0))``"""


@_builtin
def rsqrt(x: Value) -> Value:
    """1 / sqrt(x). Example: ``rstd = fl.rsqrt(var + eps)``"""


@_builtin
def abs(x: Value) -> Value:
    """Absolute value. Example: ``err = fl.abs(x - y)``"""


@_builtin
def sin(x: Value) -> Value:
    """Sine. Example: ``y = fl.sin(theta)``"""


@_builtin
def cos(x: Value) -> Value:
    """Cosine. Example: ``y = fl.cos(theta)``"""


@_builtin
def tanh(x: Value) -> Value:
    """Hyperbolic tangent. Example: ``s = cap * fl.tanh(s / cap)`` (a softcap)"""


@_builtin
def sigmoid(x: Value) -> Value:
    """The logistic function 1 / (1 + exp(-x)). Example: ``g = fl.sigmoid(x)``"""


@_builtin
def erf(x: Value) -> Value:
    """The error function. Example: ``y = 0.5 * x * (1 + fl.erf(x * 0.7071067811865476))``"""


@_builtin
def where(cond: Value, a: Value, b: Value) -> Value:
    """``a`` where ``cond`` else ``b``, element-wise with broadcasting and promotion.

    Example: ``s = fl.where(mask, s, float("-inf"))``
    """


def cdiv(a: int, b: int) -> int:
    """Ceiling division ``(a + b - 1) // b``; works in kernels (on constexpr
    or runtime ints) and in Python (e.g. for grids).

    Example: ``grid = (fl.cdiv(N, BLOCK),)``
    """
    if isinstance(a, int) and isinstance(b, int) and not isinstance(a, _bool) and not isinstance(b, _bool):
        return -(-a // b)
    raise _outside("cdiv")


def next_power_of_2(n: int) -> int:
    """The smallest power of two >= ``n`` (``n >= 1``), for constexpr ints;
    works in kernels and in Python.

    Example: ``BLOCK_D = fl.next_power_of_2(HEAD_DIM)  # 80 -> 128``
    """
    if isinstance(n, int) and not isinstance(n, _bool):
        if n < 1:
            raise ValueError(f"next_power_of_2() needs n >= 1, got {n}")
        return 1 << (n - 1).bit_length()
    raise _outside("next_power_of_2")


@_builtin
def multiple_of(x: Value, values: Union[int, Sequence[int]]) -> Value:
    """``x`` unchanged, with the promise that along each dimension the first
    value of every run of consecutive values (every value, where there are
    none) is a multiple of ``values[d]`` (bytes for pointers). The compiler
    uses it to vectorise loads and stores it cannot prove aligned; a false
    promise is undefined behaviour. One value per dimension of ``x``.

    Example: ``offs_m = fl.multiple_of((pid_m * BLOCK_M + fl.arange(0, BLOCK_M)) % M, BLOCK_M)``
    """


@_builtin
def max_contiguous(x: Value, values: Union[int, Sequence[int]]) -> Value:
    """``x`` unchanged, with the promise that along each dimension its values
    are consecutive in aligned runs of ``values[d]``. Together with
    :func:`multiple_of` this recovers 16-byte accesses through offsets the
    compiler cannot see through (``% M``, loaded indices).

    Example: ``offs_m = fl.max_contiguous(fl.multiple_of(offs_m, BLOCK_M), BLOCK_M)``
    """


@_builtin
def static_assert(cond: bool, msg: str = "") -> None:
    """Compile-time assertion on constexpr values.

    Example: ``fl.static_assert(BLOCK_D >= HEAD_DIM, "BLOCK_D too small")``
    """


def jit(fn: Optional[Callable[..., Any]] = None, **options: Any) -> Any:
    """Same as :func:`flashtile.jit` (``@fl.jit`` is accepted as a decorator)."""
    from .jit import jit as _jit

    return _jit(fn, **options)


#: ``fl.bool`` is ``fl.int1`` (defined last: it shadows Python's bool here).
globals()["bool"] = int1
