"""@flashtile.jit behaviour: argument binding, specialisation, caches, grids,
errors with DSL locations."""

import re
from pathlib import Path

import numpy as np
import pytest

import flashtile
import flashtile.language as fl
from flashtile import ArgumentError, CompilationError, ExecutionError
from flashtile.jit import JITFunction

import jit_kernels as K

KERNEL_FILE = Path(K.__file__).resolve()


def line_of(marker: str) -> int:
    for number, line in enumerate(KERNEL_FILE.read_text().splitlines(), 1):
        if line.rstrip().endswith(f"# {marker}"):
            return number
    raise AssertionError(marker)


def fresh(jit_function):
    """The same kernel with empty in-memory caches."""
    return JITFunction(jit_function.fn)


# -- Argument binding ---------------------------------------------------------


@pytest.fixture
def xy():
    return np.arange(40, dtype=np.float32), np.zeros(40, np.float32)


def test_copy_runs_and_writes_in_place(xy):
    x, y = xy
    K.copy[(3,)](x, y, 40, BLOCK=16)
    np.testing.assert_array_equal(y, x)


@pytest.mark.parametrize(
    "args,kwargs,message",
    [
        ((1, 2, 3, 4, 5), {}, r"copy\(\): takes 4 arguments \(X, Y, N, BLOCK\) but 5 were given"),
        ((), {"N": 40}, r"missing arguments 'X' \(pointer\), 'Y' \(pointer\), 'BLOCK' \(constexpr\)"),
        (("x", "y", 40), {}, r"missing argument 'BLOCK' \(constexpr\)"),
        (("x", "y", 40), {"BLOK": 16}, r"unexpected keyword argument 'BLOK'; did you mean 'BLOCK'"),
        (("x", "y", 40, 16), {"N": 3}, r"multiple values for argument 'N'"),
        (("x", "y", True), {"BLOCK": 16}, r"argument 'N' is an integer \(i32\) and cannot take bool"),
        (("x", "y", 4.5), {"BLOCK": 16}, r"argument 'N' is an integer \(i32\) and cannot take float"),
        (("x", "y", 2**31), {"BLOCK": 16}, r"argument 'N' = 2147483648 does not fit fl.int32"),
        (("x", 7, 40), {"BLOCK": 16}, r"argument 'Y' is a pointer \(\*\) and needs an array, got int 7"),
        (("x", "y", 40), {"BLOCK": [16]}, r"constexpr 'BLOCK' must be an int, float, bool, None, str or dtype"),
    ],
)
def test_argument_errors_name_the_argument(xy, args, kwargs, message):
    x, y = xy
    values = {"x": x, "y": y}
    args = tuple(values.get(a, a) if isinstance(a, str) else a for a in args)
    with pytest.raises(ArgumentError, match=message):
        K.copy[(3,)](*args, **kwargs)
    assert not y.any(), "nothing may run when binding fails"


def test_array_errors(xy):
    x, y = xy
    with pytest.raises(ArgumentError, match=r"argument 'X': the array is not contiguous"):
        K.copy[(1,)](x[::2], y, 20, BLOCK=16)
    with pytest.raises(ArgumentError, match=r"argument 'X': a 0-d array cannot be passed as a pointer"):
        K.copy[(1,)](np.array(1.0, np.float32), y, 1, BLOCK=16)
    with pytest.raises(ArgumentError, match=r"argument 'X' is declared \*f32 and needs a float32 array, got a 1-d float16 array"):
        K.scale[(1,)](x.astype(np.float16), 4, 2.0, BLOCK=16)
    with pytest.raises(ArgumentError, match=r"argument 'factor' is a float \(f32\) and cannot take bool"):
        K.scale[(1,)](x, 4, True, BLOCK=16)
    with pytest.raises(ArgumentError, match=r"arrays of uint8 are not supported"):
        K.copy[(1,)](np.zeros(4, np.uint8), y, 4, BLOCK=16)


def test_int_argument_for_a_float_parameter_is_converted():
    x = np.ones(8, np.float32)
    K.scale[(1,)](x, 8, 3, BLOCK=8)
    np.testing.assert_array_equal(x, 3)


def test_launch_options_are_validated(xy):
    x, y = xy
    for bad in (0, 3, 32, 2.0):
        with pytest.raises(ArgumentError, match="num_warps must be a power of two in 1..16"):
            K.copy[(1,)](x, y, 40, BLOCK=16, num_warps=bad)
    for bad in (0, 17, 10**30):
        with pytest.raises(ArgumentError, match=r"num_stages must be an int in 1\.\.16"):
            K.copy[(1,)](x, y, 40, BLOCK=16, num_stages=bad)
    # Huge ints name what they are instead of leaking a pybind11 cast error.
    with pytest.raises(ArgumentError, match="constexpr 'BLOCK' = 9223372036854775808 does not "
                                            "fit in 64 bits"):
        K.copy[(1,)](x, y, 40, BLOCK=2**63)
    for grid in ((2**31,), (1, 65536), (1, 1, 2**63)):
        with pytest.raises(ArgumentError, match="exceeds the limits of a launch"):
            K.copy[grid](x, y, 40, BLOCK=16)


def test_read_only_memory_is_read_but_never_written(xy, tmp_path):
    """Non-writeable arrays (np.frombuffer over bytes, a read-only memmap, a
    flag cleared) pass as inputs; a store or atomic into one is an
    ExecutionError naming the buffer, and the memory stays unchanged."""
    x, y = xy
    source = np.frombuffer(bytes(x.tobytes()), dtype=np.float32)
    K.copy[(3,)](source, y, 40, BLOCK=16)  # reading is fine
    np.testing.assert_array_equal(y, x)
    frozen = np.zeros(40, np.float32)
    frozen.flags.writeable = False
    path = tmp_path / "mapped.bin"
    np.zeros(40, np.float32).tofile(path)
    mapped = np.memmap(path, dtype=np.float32, mode="r", shape=(40,))
    for target in (frozen, np.frombuffer(bytes(160), dtype=np.float32), mapped):
        with pytest.raises(ExecutionError, match=r"read-only tile\.store.* writes 4 bytes "
                                                 r"into read-only buffer 'Y'"):
            K.copy[(3,)](x, target, 40, BLOCK=16)
        assert not np.any(np.asarray(target))
    with pytest.raises(ExecutionError, match="read-only buffer 'X'"):
        K.scale[(1,)](frozen, 8, 3.0, BLOCK=8)


def test_division_by_zero_in_a_discarded_lane_is_not_an_error():
    # As on the GPU (no trap): the lane's value is discarded by `where`.
    x = np.arange(8, dtype=np.int32)
    y = np.array([1, 0, 2, 0, 1, 1, 1, 1], np.int32)
    out = np.full(8, 99, np.int32)
    K.safe_divide[(1,)](x, y, out, BLOCK=8)
    np.testing.assert_array_equal(out, [0, 0, 1, 0, 4, 5, 6, 7])


def test_an_offset_that_overflows_64_bits_is_reported_not_wrapped():
    z = np.ones(8, np.float32)
    with pytest.raises(ExecutionError, match="overflow 64 bits"):
        K.store_at[(1,)](z, 2**62, BLOCK=8)  # 2^64 bytes: wrapped back onto z before
    np.testing.assert_array_equal(z, 1)
    K.store_at[(1,)](z, 0, BLOCK=8)
    np.testing.assert_array_equal(z, 0)


def test_a_kernel_that_does_not_terminate_stops_at_the_step_limit(monkeypatch):
    x = np.zeros(1, np.int32)
    monkeypatch.setenv("FLASHTILE_CPU_STEP_LIMIT", "100000")
    with pytest.raises(ExecutionError, match=r"step limit reached at .*jit_kernels\.py:\d+:\d+: "
                                             r"the run executed 100000 operations"):
        K.spin[(1,)](x, 5)
    x[0] = 1  # terminates now: within the limit
    K.spin[(1,)](x, 5)
    assert x[0] == 5
    monkeypatch.setenv("FLASHTILE_CPU_STEP_LIMIT", "-3")
    with pytest.raises(ArgumentError, match="FLASHTILE_CPU_STEP_LIMIT=-3 must be >= 0"):
        K.spin[(1,)](x, 5)


def test_ctrl_c_interrupts_the_cpu_executor(monkeypatch):
    import os
    import signal
    import threading

    x = np.zeros(1, np.int32)
    K.spin[(1,)](np.ones(1, np.int32), 1)  # compiled before the clock starts
    # Python's handler even where SIGINT was ignored at start (a background
    # job), and a step limit so that a failure cannot hang the suite.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    monkeypatch.setenv("FLASHTILE_CPU_STEP_LIMIT", str(10**9))
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            K.spin[(1,)](x, 5)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)


def test_calling_a_kernel_directly_explains_the_launch_syntax(xy):
    with pytest.raises(flashtile.FlashTileError, match=r"launch it with copy\[grid\]"):
        K.copy(*xy, 40, BLOCK=16)


# -- Specialisation -----------------------------------------------------------


def test_untyped_parameters_take_their_types_from_the_arguments(cache_dir):
    kernel = fresh(K.fill)
    x32 = np.zeros(16, np.float32)
    compiled = kernel[(1,)](x32, 10, 2.5, BLOCK=16)
    assert dict(compiled.key[1]) == {"X": "*f32", "n": "i32", "value": "f32"}
    np.testing.assert_array_equal(x32, [2.5] * 10 + [0] * 6)
    x16 = np.zeros(16, np.float16)
    compiled = kernel[(1,)](x16, 2**40, 1.5, BLOCK=16)  # i64 specialisation
    assert dict(compiled.key[1]) == {"X": "*f16", "n": "i64", "value": "f32"}
    np.testing.assert_array_equal(x16, 1.5)
    assert kernel.stats["compiled"] == 2


def test_specialisation_on_divisibility_by_16(cache_dir):
    kernel = fresh(K.copy)
    x = np.arange(48, dtype=np.float32)
    y = np.zeros_like(x)
    divisible = kernel[(3,)](x, y, 32, BLOCK=16)
    assert "N" in divisible.key[2] and "X" in divisible.key[2]
    assert re.search(r"tile\.divisibility = 16", divisible.tile_ir)
    ragged = kernel[(3,)](x, y, 33, BLOCK=16)
    assert "N" not in ragged.key[2] and ragged is not divisible
    assert kernel[(3,)](x, y, 48, BLOCK=16) is divisible  # same key as 32
    unaligned = kernel[(3,)](x[1:], y[1:], 32, BLOCK=16)  # 4-byte offset
    assert "X" not in unaligned.key[2] and "Y" not in unaligned.key[2]
    assert kernel.stats == {"compiled": 3, "disk": 0, "memory": 1}


def test_an_int_equal_to_1_is_specialised_as_the_constant(cache_dir):
    kernel = fresh(K.strided_copy)
    x = np.arange(64, dtype=np.float32)
    y = np.zeros(16, np.float32)
    unit = kernel[(1,)](x, y, 16, 1, BLOCK=16)
    np.testing.assert_array_equal(y, x[:16])
    assert unit.key[-1] == ("stride",)
    # The body computes with 1: no multiply by the parameter is left.
    assert not re.search(r"arith\.muli", unit.tile_ir)
    strided = kernel[(1,)](x, y, 16, 3, BLOCK=16)
    np.testing.assert_array_equal(y, x[:48:3])
    assert strided.key[-1] == () and strided is not unit
    assert kernel[(1,)](x, y, 16, 1, BLOCK=16) is unit
    assert kernel.stats["compiled"] == 2


def test_hints_keep_the_values_on_the_cpu_executor():
    x = np.arange(48, dtype=np.float32)
    y = np.zeros(64, np.float32)
    kernel = fresh(K.wrapped_copy)
    kernel[(4,)](x, y, 48, BLOCK=16)
    np.testing.assert_array_equal(y, np.concatenate([x, x[:16]]))
    assert "tile.hint" in kernel.compile(x, y, 48, BLOCK=16).tile_ir


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_tanh_sigmoid_and_erf_on_the_cpu_executor(dtype):
    import math

    x = np.linspace(-30.0, 30.0, 61).astype(dtype)  # saturating ends, 0 in the middle
    y = np.zeros_like(x)
    K.activations[(1,)](x, y, x.size, BLOCK=64)
    ref = np.array([math.tanh(v) + 2.0 / (1.0 + math.exp(-v)) + 4.0 * math.erf(v)
                    for v in x.astype(np.float64)])
    tolerance = 1e-6 if dtype == np.float32 else 8e-3  # f16: rounded at each step
    np.testing.assert_allclose(y.astype(np.float64), ref, rtol=0, atol=tolerance * 8)


def test_num_warps_and_num_stages_are_part_of_the_key(xy):
    kernel = fresh(K.copy)
    a = kernel[(3,)](*xy, 40, BLOCK=16)
    b = kernel[(3,)](*xy, 40, BLOCK=16, num_warps=8)
    c = kernel[(3,)](*xy, 40, BLOCK=16, num_stages=3)
    assert len({a.key, b.key, c.key}) == 3 and (a.key[3], a.key[4]) == (4, 2)


# -- Caches ------------------------------------------------------------------


def test_memory_and_disk_cache_hits(xy, cache_dir):
    x, y = xy
    first = fresh(K.copy)
    compiled = first[(3,)](x, y, 40, BLOCK=16)
    assert compiled.origin == "compiled" and first.stats["compiled"] == 1
    assert first[(3,)](x, y, 40, BLOCK=16) is compiled
    assert first.stats["memory"] == 1
    assert len(list(cache_dir.rglob("*.tileir"))) == 1

    second = fresh(K.copy)  # a new process would look the same
    y[:] = 0
    loaded = second[(3,)](x, y, 40, BLOCK=16)
    assert loaded.origin == "disk" and second.stats == {"compiled": 0, "disk": 1, "memory": 0}
    assert loaded.tile_ir == compiled.tile_ir
    np.testing.assert_array_equal(y, x)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "valid-checksum-bad-ir"])
def test_corrupt_cache_entry_is_rebuilt(xy, cache_dir, damage):
    x, y = xy
    fresh(K.copy)[(3,)](x, y, 40, BLOCK=16)
    (entry,) = cache_dir.rglob("*.tileir")
    good = entry.read_text()
    if damage == "truncate":
        entry.write_text(good[: len(good) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"\x00\xffnot a cache entry")
    else:
        import hashlib

        body = "module { this is not IR }\n"
        entry.write_text(f"// flashtile tile-ir cache v1 sha256={hashlib.sha256(body.encode()).hexdigest()}\n{body}")
    kernel = fresh(K.copy)
    y[:] = 0
    with pytest.warns(RuntimeWarning, match="corrupt cache entry"):
        compiled = kernel[(3,)](x, y, 40, BLOCK=16)
    assert compiled.origin == "compiled"
    np.testing.assert_array_equal(y, x)
    assert entry.read_text() == good  # overwritten with a good entry
    assert fresh(K.copy).compile(x, y, 40, BLOCK=16).origin == "disk"


def test_dump_ir_prints_every_pass_and_bypasses_the_caches(xy, monkeypatch, capfd, cache_dir):
    kernel = fresh(K.copy)
    kernel[(3,)](*xy, 40, BLOCK=16)
    monkeypatch.setenv("FLASHTILE_DUMP_IR", "1")
    kernel[(3,)](*xy, 40, BLOCK=16)
    err = capfd.readouterr().err
    assert "IR from the front end (copy)" in err
    assert re.search(r"IR Dump After .*Canonicalizer", err)
    assert re.search(r"IR Dump After .*CSE", err)
    assert kernel.stats["compiled"] == 2


# -- Grids --------------------------------------------------------------------


def test_grid_callable_gets_the_meta_parameters(xy):
    x, y = xy
    seen = {}

    def grid(meta):
        seen.update(meta)
        return (fl.cdiv(meta["N"], meta["BLOCK"]),)

    K.copy[grid](x, y, N=40, BLOCK=16)
    np.testing.assert_array_equal(y, x)
    assert seen["N"] == 40 and seen["BLOCK"] == 16 and seen["X"] is x


def test_three_dimensional_grid():
    out = np.full(2 * 3 * 4, -1, np.int32)
    K.program_ids[(2, 3, 4)](out)
    expected = [x + 100 * y + 10000 * z for z in range(4) for y in range(3) for x in range(2)]
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("grid", [(), (1, 2, 3, 4), (1.5,), ("a",), (-1,), lambda meta: "x"])
def test_bad_grids(xy, grid):
    with pytest.raises(ArgumentError, match="grid"):
        K.copy[grid](*xy, 40, BLOCK=16)


def test_empty_grid_runs_nothing(xy):
    x, y = xy
    K.copy[(0,)](x, y, 40, BLOCK=16)
    assert not y.any()


# -- Errors with DSL locations -------------------------------------------------


def test_out_of_bounds_store_names_the_dsl_location():
    x = np.zeros(10, np.float32)
    with pytest.raises(ExecutionError) as info:
        K.unmasked_store[(1,)](x, BLOCK=16)
    message = str(info.value)
    assert f"jit_kernels.py:{line_of('unmasked_store')}:" in message, message
    assert "X" in message


def test_compile_error_has_location_source_line_and_caret():
    with pytest.raises(CompilationError) as info:
        K.not_a_power_of_two[(1,)](np.zeros(4, np.float32))
    message = str(info.value)
    line = line_of("not_a_power_of_two")
    assert re.search(rf"jit_kernels\.py:{line}:\d+: error: ", message), message
    assert "x = fl.zeros([3], fl.float32)" in message and "^" in message


def test_bfloat16_arrays():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = np.arange(24).astype(ml_dtypes.bfloat16)
    y = np.zeros_like(x)
    compiled = K.copy[(2,)](x, y, 24, BLOCK=16)
    assert dict(compiled.key[1])["X"] == "*bf16"
    np.testing.assert_array_equal(y, x)


def test_interpret_mode_uses_the_cpu_executor(xy, monkeypatch):
    monkeypatch.setenv("FLASHTILE_INTERPRET", "1")
    x, y = xy
    K.copy[(3,)](x, y, 40, BLOCK=16)
    np.testing.assert_array_equal(y, x)


def test_cpu_torch_tensors():
    torch = pytest.importorskip("torch")
    x = torch.arange(40, dtype=torch.float32)
    y = torch.zeros(40)
    K.copy[(3,)](x, y, 40, BLOCK=16)
    assert torch.equal(x, y)
    xb = x.to(torch.bfloat16)
    yb = torch.zeros(40, dtype=torch.bfloat16)
    K.copy[(3,)](xb, yb, 40, BLOCK=16)
    assert torch.equal(xb, yb)


def test_compiler_version_is_recorded():
    version = flashtile.compiler_version()
    assert version.startswith("0.1.0")


def test_concurrent_launches_from_threads():
    from concurrent.futures import ThreadPoolExecutor

    def work(i):
        x = np.arange(100, dtype=np.float32) + i
        y = np.zeros_like(x)
        K.copy[(7,)](x, y, 100, BLOCK=16)
        return np.array_equal(x, y)

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(work, range(16)))


def test_unknown_kernel_is_a_compilation_error(tmp_path):
    source = tmp_path / "module.py"
    source.write_text("import flashtile\n\ndef helper(x):\n    return x\n")
    namespace = {}
    exec(compile("def missing(X):\n    pass\n", str(source), "exec"), namespace)
    kernel = flashtile.jit(namespace["missing"])
    with pytest.raises(CompilationError, match="missing"):
        kernel[(1,)](np.zeros(1, np.float32))


def test_deeply_nested_ir_is_refused_not_a_stack_overflow():
    # A damaged or hostile cache entry: MLIR's parser recurses per level.
    from flashtile import _native

    deep = "module {func.func @f() {" + "(" * 100000 + "}}"
    with pytest.raises(CompilationError, match="nests 100002 levels deep"):
        _native.core().load_kernel(deep, "f")
