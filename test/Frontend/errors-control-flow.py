# Control-flow errors: loop-carried variables that change type, branches
# that disagree on a variable's type, return inside runtime control flow,
# recursion, kernels returning values, non-scalar conditions, loops that
# never end, compile-time values reassigned in runtime loops.
# RUN: rm -rf %t && split-file %s %t
# RUN: not flash-translate %t/carried.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=CARRIED
# RUN: not flash-translate %t/while_carried.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=WHILECARRIED
# RUN: not flash-translate %t/branches.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=BRANCHES
# RUN: not flash-translate %t/return.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=RETURN
# RUN: not flash-translate %t/recursion.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=RECURSION
# RUN: not flash-translate %t/kernel_return.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=KRETURN
# RUN: not flash-translate %t/block_cond.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=BLOCKCOND
# RUN: not flash-translate %t/forever.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=FOREVER
# RUN: not flash-translate %t/fixed.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=FIXED
# RUN: not flash-translate %t/range_float.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=RANGEFLOAT
# RUN: not flash-translate %t/iterate.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ITERATE

# CARRIED: {{.*}}carried.py:5:9: error: loop-carried variable 'acc' changes type inside the loop at line 4: it is tensor<16xf32> before the loop but tensor<16xf16> here; a variable assigned in a runtime loop must keep its type
# CARRIED-NEXT: {{^}}        acc = acc.to(fl.float16){{$}}
# CARRIED-NEXT: {{^}}        ^{{$}}

# WHILECARRIED: {{.*}}while_carried.py:5:9: error: loop-carried variable 'i' changes type inside the loop at line 4: it is i32 before the loop but f32 here; a variable assigned in a runtime loop must keep its type

# BRANCHES: {{.*}}branches.py:4:5: error: variable 'x' must have one type after this if, but it is i32 after the then-branch and tensor<16xf32> after the else-branch
# BRANCHES-NEXT: {{^}}    if N > 0:{{$}}
# BRANCHES-NEXT: {{^}}    ^{{$}}

# RETURN: {{.*}}return.py:4:9: error: 'return' inside runtime control flow (an if, for or while on runtime values) is not supported; assign the result to a variable and return it at the end of the function
# RETURN-NEXT: {{^}}        return x{{$}}
# RETURN-NEXT: {{^}}        ^{{$}}

# RECURSION: {{.*}}recursion.py:3:12: error: recursive call to 'a': FlashTile inlines every call, so functions cannot call themselves
# RECURSION-NEXT: {{^}}    return a(x) + 1{{$}}
# RECURSION-NEXT: {{^}}           ^{{$}}

# KRETURN: {{.*}}kernel_return.py:3:12: error: a kernel cannot return a value; write results with fl.store
# BLOCKCOND: {{.*}}block_cond.py:4:8: error: the condition of an if must be a scalar, but it is a block (tensor<16xi1>); reduce it first or use fl.where for element-wise choice
# FOREVER: {{.*}}forever.py:4:11: error: this while loop would never end: its condition is always true and FlashTile has no 'break'
# FIXED: {{.*}}fixed.py:5:9: error: variable 'shape' holds a tuple, which cannot change inside the runtime loop at line 4
# RANGEFLOAT: {{.*}}range_float.py:3:23: error: range() bounds must be integers (compile-time ints or integer scalars), got float 2.5
# ITERATE: {{.*}}iterate.py:3:14: error: a for loop iterates over range(...), fl.static_range(...) or a tuple, not a block

#--- carried.py
import flashtile.language as fl
def k(N: fl.int32):
    acc = fl.zeros((16,), fl.float32)
    for i in range(N):
        acc = acc.to(fl.float16)
#--- while_carried.py
import flashtile.language as fl
def k(N: fl.int32):
    i = 0
    while i < N:
        i = i + 0.5
#--- branches.py
import flashtile.language as fl
def k(N: fl.int32):
    x = fl.zeros((16,), fl.float32)
    if N > 0:
        x = N
#--- return.py
import flashtile.language as fl
def h(x):
    if x > 0:
        return x
    return 0
def k(N: fl.int32):
    y = h(N)
#--- recursion.py
import flashtile.language as fl
def b(x):
    return a(x) + 1
def a(x):
    return b(x) * 2
def k(N: fl.int32):
    y = a(N)
#--- kernel_return.py
import flashtile.language as fl
def k(N: fl.int32):
    return N + 1
#--- block_cond.py
import flashtile.language as fl
def k():
    r = fl.arange(0, 16)
    if r < 4:
        pass
#--- forever.py
import flashtile.language as fl
def k():
    x = 0
    while True:
        x = x + 1
#--- fixed.py
import flashtile.language as fl
def k(N: fl.int32):
    shape = (16, 16)
    for i in range(N):
        shape = (32, 32)
#--- range_float.py
import flashtile.language as fl
def k(N: fl.int32):
    for i in range(0, 2.5):
        pass
#--- iterate.py
import flashtile.language as fl
def k():
    for x in fl.arange(0, 16):
        pass
