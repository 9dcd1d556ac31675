# Misused builtins: argument counts, unknown, repeated and missing keyword
# arguments, compile-time arguments given runtime values, wrong kinds.
# RUN: rm -rf %t && split-file %s %t
# RUN: not flash-translate %t/arity.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ARITY
# RUN: not flash-translate %t/keyword.py --kernel k -T X=*f32 2>&1 | FileCheck %s --strict-whitespace --check-prefix=KEYWORD
# RUN: not flash-translate %t/missing.py --kernel k -T X=*f32 2>&1 | FileCheck %s --strict-whitespace --check-prefix=MISSING
# RUN: not flash-translate %t/twice.py --kernel k -T X=*f32 2>&1 | FileCheck %s --strict-whitespace --check-prefix=TWICE
# RUN: not flash-translate %t/runtime_arange.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ARANGE
# RUN: not flash-translate %t/helper_constexpr.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=HELPER
# RUN: not flash-translate %t/ifexp.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=IFEXP
# RUN: not flash-translate %t/static_assert.py --kernel k -D BLOCK=24 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ASSERT
# RUN: not flash-translate %t/static_assert_runtime.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ASSERTRT
# RUN: not flash-translate %t/load_value.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=LOADPTR
# RUN: not flash-translate %t/mask.py --kernel k -T X=*f32 2>&1 | FileCheck %s --strict-whitespace --check-prefix=MASK
# RUN: not flash-translate %t/other.py --kernel k -T X=*f32 2>&1 | FileCheck %s --strict-whitespace --check-prefix=OTHER
# RUN: not flash-translate %t/atomic.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ATOMIC
# RUN: not flash-translate %t/axis.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=AXIS
# RUN: not flash-translate %t/range.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=RANGE
# RUN: not flash-translate %t/math_int.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=MATHINT
# RUN: not flash-translate %t/dtype_call.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=DTYPE
# RUN: not flash-translate %t/hint_kind.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=HINTKIND
# RUN: not flash-translate %t/hint_rank.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=HINTRANK
# RUN: not flash-translate %t/hint_value.py --kernel k -T n=i32 2>&1 | FileCheck %s --strict-whitespace --check-prefix=HINTVALUE

# ARITY: {{.*}}arity.py:3:26: error: fl.arange() takes 2 positional arguments but 3 were given
# ARITY-NEXT: {{^}}    r = fl.arange(0, 16, 2){{$}}
# ARITY-NEXT: {{^}}                         ^{{$}}

# KEYWORD: {{.*}}keyword.py:3:20: error: fl.load() got an unexpected keyword argument 'msk'
# KEYWORD-NEXT: {{^}}    x = fl.load(X, msk=None){{$}}
# KEYWORD-NEXT: {{^}}                   ^{{$}}

# MISSING: {{.*}}missing.py:3:5: error: fl.store() missing required argument 'value'
# MISSING-NEXT: {{^}}    fl.store(X){{$}}
# MISSING-NEXT: {{^}}    ^{{$}}

# TWICE: {{.*}}twice.py:3:20: error: fl.store() got multiple values for argument 'ptr'
# TWICE-NEXT: {{^}}    fl.store(X, 1, ptr=X){{$}}
# TWICE-NEXT: {{^}}                   ^{{$}}

# ARANGE: {{.*}}runtime_arange.py:3:22: error: fl.arange() end must be a compile-time int, got a runtime scalar
# ARANGE-NEXT: {{^}}    r = fl.arange(0, N){{$}}
# ARANGE-NEXT: {{^}}                     ^{{$}}

# HELPER: {{.*}}helper_constexpr.py:5:20: error: argument 'BLOCK' of 'tile_of' must be a compile-time constant (the parameter is fl.constexpr), but it is a scalar
# HELPER-NEXT: {{^}}    t = tile_of(N, N){{$}}
# HELPER-NEXT: {{^}}                   ^{{$}}

# IFEXP: {{.*}}ifexp.py:3:14: error: a conditional expression ('a if c else b') needs a compile-time condition; use fl.where(c, a, b) for runtime values
# IFEXP-NEXT: {{^}}    x = 1 if N > 0 else 2{{$}}
# IFEXP-NEXT: {{^}}             ^{{$}}

# ASSERT: {{.*}}static_assert.py:3:5: error: static assertion failed: BLOCK must be a multiple of 16
# ASSERT-NEXT: {{^}}    fl.static_assert(BLOCK % 16 == 0, "BLOCK must be a multiple of 16"){{$}}
# ASSERT-NEXT: {{^}}    ^{{$}}

# ASSERTRT: {{.*}}static_assert_runtime.py:3:22: error: fl.static_assert() needs a compile-time condition, got a runtime scalar

# LOADPTR: {{.*}}load_value.py:3:17: error: fl.load() needs a pointer or a block of pointers, got tensor<16xi32>
# MASK: {{.*}}mask.py:4:27: error: fl.load() mask must be a boolean block or scalar (e.g. offs < n), got tensor<16xi32>
# OTHER: {{.*}}other.py:3:30: error: fl.load() other needs a mask: it gives the value of the masked-off elements
# ATOMIC: {{.*}}atomic.py:3:11: error: fl.atomic_add() is not supported on i8 (supported: int32, int64 and floats)
# AXIS: {{.*}}axis.py:4:24: error: fl.sum() axis 2 is out of range for a block of rank 2
# RANGE: {{.*}}range.py:2:9: error: range() can only be the iterable of a for loop
# MATHINT: {{.*}}math_int.py:3:16: error: fl.exp() needs floating-point values, got i32; convert with x.to(fl.float32)
# DTYPE: {{.*}}dtype_call.py:3:9: error: a dtype is not callable; convert values with x.to(fl.float16)

# HINTKIND: {{.*}}hint_kind.py:3:24: error: fl.multiple_of() argument must be an integer or pointer scalar or block, got tensor<16xf32>
# HINTRANK: {{.*}}hint_rank.py:4:52: error: fl.max_contiguous() needs one value per dimension of its argument (2), got 1
# HINTVALUE: {{.*}}hint_value.py:3:27: error: fl.multiple_of() values must be positive compile-time ints (one, or a tuple of one per dimension), got 0
# HINTVALUE-NEXT: {{^}}    m = fl.multiple_of(n, 0){{$}}
# HINTVALUE-NEXT: {{^}}                          ^{{$}}

#--- arity.py
import flashtile.language as fl
def k():
    r = fl.arange(0, 16, 2)
#--- keyword.py
import flashtile.language as fl
def k(X: fl.pointer):
    x = fl.load(X, msk=None)
#--- missing.py
import flashtile.language as fl
def k(X: fl.pointer):
    fl.store(X)
#--- twice.py
import flashtile.language as fl
def k(X: fl.pointer):
    fl.store(X, 1, ptr=X)
#--- runtime_arange.py
import flashtile.language as fl
def k(N: fl.int32):
    r = fl.arange(0, N)
#--- helper_constexpr.py
import flashtile.language as fl
def tile_of(x, BLOCK: fl.constexpr):
    return fl.full((BLOCK,), x, fl.float32)
def k(N: fl.int32):
    t = tile_of(N, N)
#--- ifexp.py
import flashtile.language as fl
def k(N: fl.int32):
    x = 1 if N > 0 else 2
#--- static_assert.py
import flashtile.language as fl
def k(BLOCK: fl.constexpr):
    fl.static_assert(BLOCK % 16 == 0, "BLOCK must be a multiple of 16")
#--- static_assert_runtime.py
import flashtile.language as fl
def k(N: fl.int32):
    fl.static_assert(N > 0)
#--- load_value.py
import flashtile.language as fl
def k():
    x = fl.load(fl.arange(0, 16))
#--- mask.py
import flashtile.language as fl
def k(X: fl.pointer):
    offs = fl.arange(0, 16)
    x = fl.load(X + offs, offs)
#--- other.py
import flashtile.language as fl
def k(X: fl.pointer):
    x = fl.load(X + 1, other=0.0)
#--- atomic.py
import flashtile.language as fl
def k(X: fl.pointer(fl.int8)):
    old = fl.atomic_add(X, 1)
#--- axis.py
import flashtile.language as fl
def k():
    x = fl.zeros((4, 4))
    s = fl.sum(x, axis=2)
#--- range.py
def k():
    r = range(4)
#--- math_int.py
import flashtile.language as fl
def k():
    e = fl.exp(fl.arange(0, 16))
#--- dtype_call.py
import flashtile.language as fl
def k():
    x = fl.float16(1.0)
#--- hint_kind.py
import flashtile.language as fl
def k():
    x = fl.multiple_of(fl.zeros((16,), fl.float32), 16)
#--- hint_rank.py
import flashtile.language as fl
def k():
    r = fl.arange(0, 16)
    x = fl.max_contiguous(r[:, None] + r[None, :], 16)
#--- hint_value.py
import flashtile.language as fl
def k(n):
    m = fl.multiple_of(n, 0)
