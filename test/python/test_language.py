"""The Python face of the DSL: types, signatures, and builtins refusing to
run outside kernels."""

import inspect

import pytest

import flashtile
import flashtile.language as fl

pytestmark = pytest.mark.pure


def test_dtypes_spell_the_type_syntax():
    assert [str(d) for d in (fl.int1, fl.int8, fl.int16, fl.int32, fl.int64)] == [
        "i1", "i8", "i16", "i32", "i64"]
    assert [str(d) for d in (fl.float16, fl.bfloat16, fl.float32, fl.float64)] == [
        "f16", "bf16", "f32", "f64"]
    assert fl.float16.name == "float16" and repr(fl.bfloat16) == "fl.bfloat16"
    assert fl.dtypes["f16"] is fl.float16 and fl.dtypes["bfloat16"] is fl.bfloat16


def test_pointer_annotations():
    assert str(fl.pointer) == "*"
    assert str(fl.pointer(fl.float16)) == "*f16"
    assert fl.pointer(fl.float32) == fl.pointer(fl.float32)
    with pytest.raises(TypeError):
        fl.pointer(fl.float16)(fl.float32)


@pytest.mark.parametrize("name", [n for n in fl.__all__ if getattr(getattr(fl, n), "__flashtile_builtin__", False)])
def test_builtins_raise_outside_kernels(name):
    builtin = getattr(fl, name)
    assert builtin.__doc__ and "Example" in builtin.__doc__, name
    with pytest.raises(fl.OutsideKernelError, match=rf"fl\.{name}\(\) can only be used inside"):
        builtin(1, 2)


def test_every_spec_builtin_exists_with_a_signature():
    for name in ["program_id", "num_programs", "arange", "zeros", "full", "load", "store",
                 "atomic_add", "atomic_max", "atomic_min", "atomic_xchg", "dot", "trans",
                 "reshape", "expand_dims", "broadcast_to", "max", "min", "sum", "rowmax",
                 "rowsum", "maximum", "minimum", "exp", "exp2", "log", "log2", "sqrt",
                 "rsqrt", "abs", "sin", "cos", "tanh", "sigmoid", "erf", "where", "cdiv", "static_assert"]:
        assert inspect.signature(getattr(fl, name)).parameters, name
    assert list(inspect.signature(fl.load).parameters) == ["ptr", "mask", "other"]


def test_static_range_and_cdiv():
    with pytest.raises(fl.OutsideKernelError):
        fl.static_range(4)
    assert fl.cdiv(10, 4) == 3 and flashtile.cdiv(16, 4) == 4


def test_outside_error_is_a_flashtile_error():
    assert issubclass(fl.OutsideKernelError, flashtile.FlashTileError)
    assert issubclass(flashtile.ArgumentError, TypeError)
    assert issubclass(flashtile.ArgumentError, ValueError)
