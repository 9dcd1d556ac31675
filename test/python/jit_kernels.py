"""Small kernels for test_jit.py. Lines marked `# <name>` are looked up by the
tests to check the locations in error messages."""

import flashtile
import flashtile.language as fl


@flashtile.jit
def copy(X: fl.pointer, Y: fl.pointer, N: fl.int32, BLOCK: fl.constexpr):
    offs = fl.program_id(0) * BLOCK + fl.arange(0, BLOCK)
    fl.store(Y + offs, fl.load(X + offs, mask=offs < N), mask=offs < N)


@flashtile.jit
def scale(X: fl.pointer(fl.float32), n: fl.int32, factor: fl.float32, BLOCK: fl.constexpr):
    offs = fl.arange(0, BLOCK)
    fl.store(X + offs, fl.load(X + offs, mask=offs < n) * factor, mask=offs < n)


@flashtile.jit
def fill(X, n, value, BLOCK: fl.constexpr):
    # Untyped parameters: their types come from the arguments.
    offs = fl.arange(0, BLOCK)
    fl.store(X + offs, fl.zeros([BLOCK], fl.float32) + value, mask=offs < n)


@flashtile.jit
def program_ids(Out: fl.pointer(fl.int32)):
    x = fl.program_id(0)
    y = fl.program_id(1)
    z = fl.program_id(2)
    linear = (z * fl.num_programs(1) + y) * fl.num_programs(0) + x
    fl.store(Out + linear, x + 100 * y + 10000 * z)


@flashtile.jit
def unmasked_store(X: fl.pointer(fl.float32), BLOCK: fl.constexpr):
    offs = fl.arange(0, BLOCK)
    fl.store(X + offs, fl.zeros([BLOCK], fl.float32))  # unmasked_store


@flashtile.jit
def not_a_power_of_two(X: fl.pointer(fl.float32)):
    x = fl.zeros([3], fl.float32)  # not_a_power_of_two
    fl.store(X + fl.arange(0, 4), x)


@flashtile.jit
def strided_copy(X: fl.pointer, Y: fl.pointer, N: fl.int32, stride, BLOCK: fl.constexpr):
    offs = fl.arange(0, BLOCK)
    mask = offs < N
    fl.store(Y + offs, fl.load(X + offs * stride, mask=mask), mask=mask)


@flashtile.jit
def wrapped_copy(X: fl.pointer, Y: fl.pointer, N: fl.int32, BLOCK: fl.constexpr):
    # (pid * BLOCK + i) % N hides the runs from the compiler; the hints state them.
    pid = fl.program_id(0)
    offs = fl.max_contiguous(fl.multiple_of((pid * BLOCK + fl.arange(0, BLOCK)) % N, BLOCK), BLOCK)
    fl.store(Y + pid * BLOCK + fl.arange(0, BLOCK), fl.load(X + offs))


@flashtile.jit
def scaled_copy(X: fl.pointer, Y: fl.pointer, N: fl.int32, BLOCK: fl.constexpr,
                SCALE: fl.constexpr):
    offs = fl.program_id(0) * BLOCK + fl.arange(0, BLOCK)
    mask = offs < N
    fl.store(Y + offs, fl.load(X + offs, mask=mask) * SCALE, mask=mask)


@flashtile.jit
def accumulate(X: fl.pointer, Y: fl.pointer, N: fl.int32, BLOCK: fl.constexpr):
    offs = fl.program_id(0) * BLOCK + fl.arange(0, BLOCK)
    mask = offs < N
    fl.atomic_add(Y + offs, fl.load(X + offs, mask=mask), mask=mask)


@flashtile.jit
def activations(X, Y, N, BLOCK: fl.constexpr):
    """Y = tanh(X) + 2 sigmoid(X) + 4 erf(X)."""
    offs = fl.arange(0, BLOCK)
    x = fl.load(X + offs, mask=offs < N)
    fl.store(Y + offs, fl.tanh(x) + 2.0 * fl.sigmoid(x) + 4.0 * fl.erf(x), mask=offs < N)


@flashtile.jit
def safe_divide(X: fl.pointer(fl.int32), Y: fl.pointer(fl.int32), Out: fl.pointer(fl.int32),
                BLOCK: fl.constexpr):
    offs = fl.arange(0, BLOCK)
    y = fl.load(Y + offs)
    fl.store(Out + offs, fl.where(y != 0, fl.load(X + offs) // y, 0))


@flashtile.jit
def store_at(X: fl.pointer(fl.float32), offset: fl.int64, BLOCK: fl.constexpr):
    offs = fl.arange(0, BLOCK)
    fl.store(X + offset + offs, fl.zeros([BLOCK], fl.float32))


@flashtile.jit
def spin(X: fl.pointer(fl.int32), n: fl.int32):
    # Never terminates where X[0] == 0 and n > 0 (the step is loaded, so
    # the loop cannot fold away).
    i = 0
    while i < n:
        i = i + fl.load(X)
    fl.store(X, i)
