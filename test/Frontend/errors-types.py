# Shape and dtype errors: broadcasting, dot shapes and dtypes, block shapes
# that are not powers of two or too large, operators on the wrong kinds of
# values, and unpacking.
# RUN: rm -rf %t && split-file %s %t
# RUN: not flash-translate %t/broadcast.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=BCAST
# RUN: not flash-translate %t/dot_shape.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=DOTSHAPE
# RUN: not flash-translate %t/dot_dtype.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=DOTDTYPE
# RUN: not flash-translate %t/dot_rank.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=DOTRANK
# RUN: not flash-translate %t/dot_acc.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=DOTACC
# RUN: not flash-translate %t/dot_precision.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=DOTPREC
# RUN: not flash-translate %t/pow2.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=POW2
# RUN: not flash-translate %t/zeros.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ZEROS
# RUN: not flash-translate %t/large.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=LARGE
# RUN: not flash-translate %t/arange.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ARANGE
# RUN: not flash-translate %t/rank.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=RANK
# RUN: not flash-translate %t/reshape.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=RESHAPE
# RUN: not flash-translate %t/pointer.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=POINTER
# RUN: not flash-translate %t/power.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=POWER
# RUN: not flash-translate %t/bitwise.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=BITWISE
# RUN: not flash-translate %t/and.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=AND
# RUN: not flash-translate %t/chain.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=CHAIN
# RUN: not flash-translate %t/unpack.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=UNPACK
# RUN: not flash-translate %t/index.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=INDEX
# RUN: not flash-translate %t/overflow.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=OVERFLOW
# RUN: not flash-translate %t/divzero.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=DIVZERO

# BCAST: {{.*}}broadcast.py:5:11: error: cannot broadcast tensor<64x32xf32> and tensor<16xf32>: dimension 32 does not match 16
# BCAST-NEXT: {{^}}    c = a + b{{$}}
# BCAST-NEXT: {{^}}          ^{{$}}

# DOTSHAPE: {{.*}}dot_shape.py:5:9: error: fl.dot() inner dimensions differ: a is 16x32, b is 16x32
# DOTSHAPE-NEXT: {{^}}    c = fl.dot(a, b){{$}}
# DOTSHAPE-NEXT: {{^}}        ^{{$}}

# DOTDTYPE: {{.*}}dot_dtype.py:5:11: error: fl.dot() operands must have the same dtype, got f16 and f32; convert one with x.to(...)
# DOTDTYPE-NEXT: {{^}}    c = a @ b{{$}}
# DOTDTYPE-NEXT: {{^}}          ^{{$}}

# DOTRANK: {{.*}}dot_rank.py:4:16: error: fl.dot() operands must be 2-D blocks, got tensor<16xf16>
# DOTACC: {{.*}}dot_acc.py:5:22: error: fl.dot() cannot accumulate bf16 products into f16 (use f32)
# DOTPREC: {{.*}}dot_precision.py:4:38: error: fl.dot() input_precision applies to float32 operands only

# POW2: {{.*}}pow2.py:3:9: error: block dimensions must be powers of two, got shape [48]
# POW2-NEXT: {{^}}    r = fl.arange(0, 48){{$}}
# POW2-NEXT: {{^}}        ^{{$}}

# ZEROS: {{.*}}zeros.py:3:18: error: block dimensions must be powers of two, got shape [16, 12]
# LARGE: {{.*}}large.py:5:11: error: block of shape [2048, 1024] is too large (at most 1048576 elements)
# ARANGE: {{.*}}arange.py:3:9: error: fl.arange() needs 0 <= start < end <= 2**31 - 1, got [-16, 0)
# RANK: {{.*}}rank.py:3:68: error: blocks have at most 8 dimensions, got shape [1, 1, 1, 1, 1, 1, 1, 1, 16]
# RESHAPE: {{.*}}reshape.py:4:23: error: fl.reshape() cannot reshape tensor<64xi32> (64 elements) to [4, 8]

# POINTER: {{.*}}pointer.py:3:11: error: pointers support only '+' and '-' with integer offsets; '*' with 2 is not supported
# POINTER-NEXT: {{^}}    q = X * 2{{$}}
# POINTER-NEXT: {{^}}          ^{{$}}

# POWER: {{.*}}power.py:3:11: error: '**' needs compile-time operands; for runtime values use fl.exp2(y * fl.log2(x))
# BITWISE: {{.*}}bitwise.py:3:11: error: operator '&' needs integer or boolean operands, got f32
# AND: {{.*}}and.py:3:9: error: 'and' on runtime values needs booleans (i1), got i32; compare explicitly (e.g. x != 0)

# CHAIN: {{.*}}chain.py:3:11: error: chained comparisons are not supported on runtime values; combine them with '&' (e.g. (a < b) & (b < c))
# CHAIN-NEXT: {{^}}    c = 0 < N < 8{{$}}
# CHAIN-NEXT: {{^}}          ^{{$}}

# UNPACK: {{.*}}unpack.py:5:12: error: cannot unpack a tuple of 3 values into 2 names
# INDEX: {{.*}}index.py:4:11: error: blocks can only be indexed with ':' and None (which inserts a unit dimension)
# OVERFLOW: {{.*}}overflow.py:2:15: error: integer overflow in a compile-time expression (ints are limited to 64 bits)
# DIVZERO: {{.*}}divzero.py:3:9: error: fl.cdiv(): integer division by zero

#--- broadcast.py
import flashtile.language as fl
def k():
    a = fl.zeros((64, 32))
    b = fl.zeros((16,))
    c = a + b
#--- dot_shape.py
import flashtile.language as fl
def k():
    a = fl.zeros((16, 32), fl.float16)
    b = fl.zeros((16, 32), fl.float16)
    c = fl.dot(a, b)
#--- dot_dtype.py
import flashtile.language as fl
def k():
    a = fl.zeros((16, 32), fl.float16)
    b = fl.zeros((32, 16), fl.float32)
    c = a @ b
#--- dot_rank.py
import flashtile.language as fl
def k():
    a = fl.zeros((16,), fl.float16)
    c = fl.dot(a, a)
#--- dot_acc.py
import flashtile.language as fl
def k():
    a = fl.zeros((16, 16), fl.bfloat16)
    acc = fl.zeros((16, 16), fl.float16)
    c = fl.dot(a, a, acc)
#--- dot_precision.py
import flashtile.language as fl
def k():
    a = fl.zeros((16, 16), fl.float16)
    c = fl.dot(a, a, input_precision="ieee")
#--- pow2.py
import flashtile.language as fl
def k():
    r = fl.arange(0, 48)
#--- zeros.py
import flashtile.language as fl
def k():
    z = fl.zeros((16, 12))
#--- large.py
import flashtile.language as fl
def k():
    a = fl.arange(0, 2048)[:, None]
    b = fl.arange(0, 1024)[None, :]
    c = a + b
#--- arange.py
import flashtile.language as fl
def k():
    r = fl.arange(-16, 0)
#--- rank.py
import flashtile.language as fl
def k():
    r = fl.arange(0, 16)[None, None, None, None, None, None, None, None, :]
#--- reshape.py
import flashtile.language as fl
def k():
    r = fl.arange(0, 64)
    m = fl.reshape(r, (4, 8))
#--- pointer.py
import flashtile.language as fl
def k(X: fl.pointer(fl.float32)):
    q = X * 2
#--- power.py
import flashtile.language as fl
def k(N: fl.int32):
    p = N ** 2
#--- bitwise.py
import flashtile.language as fl
def k(S: fl.float32):
    b = S & 1
#--- and.py
import flashtile.language as fl
def k(N: fl.int32):
    c = N and True
#--- chain.py
import flashtile.language as fl
def k(N: fl.int32):
    c = 0 < N < 8
#--- unpack.py
import flashtile.language as fl
def three():
    return 1, 2, 3
def k():
    a, b = three()
#--- index.py
import flashtile.language as fl
def k():
    r = fl.arange(0, 16)
    x = r[0]
#--- overflow.py
import flashtile.language as fl
BIG = 2 ** 62 * 4
def k():
    x = BIG
#--- divzero.py
import flashtile.language as fl
def k():
    x = fl.cdiv(4, 0) + 7 // 0
