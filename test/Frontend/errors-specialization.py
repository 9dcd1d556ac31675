# Specialization and driver errors: missing constexpr values and parameter
# types, types that disagree with the declaration, names that are not
# parameters, divisibility of non-integers, unknown kernels, and bad
# command lines.
# RUN: not flash-translate %s --kernel k -T Q=*f16 -T n=i32 2>&1 | FileCheck %s --strict-whitespace --check-prefix=CONSTEXPR
# RUN: not flash-translate %s --kernel k -D BLOCK=16 --pointer-type= 2>&1 | FileCheck %s --strict-whitespace --check-prefix=GENERIC
# RUN: not flash-translate %s --kernel k -D BLOCK=16 -T Q=*f16 --untyped-type= 2>&1 | FileCheck %s --strict-whitespace --check-prefix=UNTYPED
# RUN: not flash-translate %s --kernel k -D BLOCK=16 -T Q=*f16 -T n=i32 -T N=i64 2>&1 | FileCheck %s --strict-whitespace --check-prefix=DECLARED
# RUN: not flash-translate %s --kernel k -D BLOCK=16 -T Q=i32 -T n=i32 2>&1 | FileCheck %s --strict-whitespace --check-prefix=NOTPTR
# RUN: not flash-translate %s --kernel k -D BLOCK=16 -T Q=*f17 -T n=i32 2>&1 | FileCheck %s --strict-whitespace --check-prefix=INVALID
# RUN: not flash-translate %s --kernel k -D BLOCK=16 -D BLOK=2 -T Q=*f16 -T n=i32 2>&1 | FileCheck %s --strict-whitespace --check-prefix=UNKNOWN
# RUN: not flash-translate %s --kernel k -D BLOCK=16 -D N=2 -T Q=*f16 -T n=i32 2>&1 | FileCheck %s --strict-whitespace --check-prefix=NOTCONSTEXPR
# RUN: not flash-translate %s --kernel k -D BLOCK=16 -T BLOCK=i32 -T Q=*f16 -T n=i32 2>&1 | FileCheck %s --strict-whitespace --check-prefix=TYPEOFCONSTEXPR
# RUN: not flash-translate %s --kernel k -D BLOCK=16 -T Q=*f16 -T n=i32 --divisible-by-16=S 2>&1 | FileCheck %s --strict-whitespace --check-prefix=DIVISIBLE
# RUN: not flash-translate %s --kernel kernel 2>&1 | FileCheck %s --strict-whitespace --check-prefix=NOKERNEL
# RUN: not flash-translate %s 2>&1 | FileCheck %s --check-prefix=NOARG
# RUN: not flash-translate %s --kernel k -D BLOCK 2>&1 | FileCheck %s --check-prefix=BADD
# RUN: not flash-translate %s --kernel bad_default 2>&1 | FileCheck %s --strict-whitespace --check-prefix=DEFAULT
# RUN: not flash-translate %s --kernel bad_annotation 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ANNOTATION

import flashtile.language as fl


def k(Q: fl.pointer, n, N: fl.int32, S: fl.float32, BLOCK: fl.constexpr):
    pass


def bad_default(X: fl.pointer(fl.float32), N: fl.int32 = 4):
    pass


def bad_annotation(X: fl.block):
    pass

# CONSTEXPR: {{.*}}errors-specialization.py:24:53: error: constexpr parameter 'BLOCK' has no value: give one (e.g. -D BLOCK=64)
# CONSTEXPR-NEXT: {{^}}def k(Q: fl.pointer, n, N: fl.int32, S: fl.float32, BLOCK: fl.constexpr):{{$}}
# CONSTEXPR-NEXT: {{^}}                                                    ^{{$}}

# GENERIC: {{.*}}errors-specialization.py:24:7: error: parameter 'Q' is a generic pointer: its element type must be given (e.g. -T Q=*f16)
# GENERIC-NEXT: {{^}}def k(Q: fl.pointer, n, N: fl.int32, S: fl.float32, BLOCK: fl.constexpr):{{$}}
# GENERIC-NEXT: {{^}}      ^{{$}}

# UNTYPED: {{.*}}errors-specialization.py:24:22: error: parameter 'n' has no type annotation: its type must be given (e.g. -T n=i32)
# DECLARED: {{.*}}errors-specialization.py:24:25: error: parameter 'N' is declared i32, but its type is given as 'i64'
# NOTPTR: {{.*}}errors-specialization.py:24:7: error: parameter 'Q' is a pointer, but its type is given as 'i32'
# INVALID: {{.*}}errors-specialization.py:24:7: error: invalid type '*f17' for parameter 'Q' (expected e.g. *f16, *f32, i32, i64, f32)
# UNKNOWN: {{.*}}errors-specialization.py:24:5: error: kernel 'k' has no parameter 'BLOK' (given a constexpr value)
# NOTCONSTEXPR: {{.*}}errors-specialization.py:24:5: error: parameter 'N' of kernel 'k' is not fl.constexpr: it is passed at run time, not given a compile-time value
# TYPEOFCONSTEXPR: {{.*}}errors-specialization.py:24:5: error: parameter 'BLOCK' of kernel 'k' is fl.constexpr: give its value, not a type
# DIVISIBLE: {{.*}}errors-specialization.py:24:38: error: divisibility by 16 applies to integer and pointer parameters; 'S' is f32
# NOKERNEL: {{.*}}errors-specialization.py: error: no function named 'kernel' in {{.*}}errors-specialization.py (functions: bad_annotation, bad_default, k)
# NOARG: flash-translate: error: --kernel is required (the function to compile)
# BADD: flash-translate: error: -D expects NAME=VALUE, got 'BLOCK'
# DEFAULT: {{.*}}errors-specialization.py:28:58: error: only fl.constexpr parameters can have a default value; 'N' is passed at run time
# ANNOTATION: {{.*}}errors-specialization.py:32:26: error: module 'flashtile.language' has no attribute 'block'

# The equal-to-1 specialisation takes integer runtime parameters only.
# RUN: not flash-translate %s --kernel k -D BLOCK=16 -T Q=*f16 -T n=i32 --equal-to-1=S 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ONEFLOAT
# RUN: not flash-translate %s --kernel k -D BLOCK=16 -T Q=*f16 -T n=i32 --equal-to-1=BLOCK 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ONECONSTEXPR
# RUN: not flash-translate %s --kernel k -D BLOCK=16 -T Q=*f16 -T n=i32 --equal-to-1=M 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ONEUNKNOWN
# ONEFLOAT: {{.*}}errors-specialization.py:24:38: error: the equal-to-1 specialisation applies to integer parameters; 'S' is f32
# ONECONSTEXPR: {{.*}}errors-specialization.py:24:5: error: parameter 'BLOCK' of kernel 'k' is fl.constexpr: give its value, not an equal-to-1 specialisation
# ONEUNKNOWN: {{.*}}errors-specialization.py:24:5: error: kernel 'k' has no parameter 'M' (given as equal to 1)
