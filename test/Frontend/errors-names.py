# Name resolution errors: unknown names, names that exist but have no value
# at the use (assigned in one branch, first assigned in a loop), module
# variables FlashTile does not evaluate, foreign modules, unknown module
# attributes, and constants defined in terms of themselves.
# RUN: rm -rf %t && split-file %s %t
# RUN: not flash-translate %t/bad_name.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=NAME
# RUN: not flash-translate %t/branch.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=BRANCH
# RUN: not flash-translate %t/loop.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=LOOP
# RUN: not flash-translate %t/loopvar.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=LOOPVAR
# RUN: not flash-translate %t/opaque.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=OPAQUE
# RUN: not flash-translate %t/numpy.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=NUMPY
# RUN: not flash-translate %t/member.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=MEMBER
# RUN: not flash-translate %t/cycle.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=CYCLE
# RUN: not flash-translate %t/print.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=PRINT

# NAME: {{.*}}bad_name.py:7:13: error: name 'qq' is not defined
# NAME-NEXT: {{^}}    y = x + qq * 2{{$}}
# NAME-NEXT: {{^}}            ^{{$}}

# BRANCH: {{.*}}branch.py:6:9: error: name 'y' is not defined here: 'y' is assigned in only one branch of the if at line 4
# BRANCH-NEXT: {{^}}    z = y + 1{{$}}
# BRANCH-NEXT: {{^}}        ^{{$}}

# LOOP: {{.*}}loop.py:6:9: error: name 't' is not defined here: 't' is first assigned inside the loop at line 4, so it is not visible after the loop
# LOOP-NEXT: {{^}}    u = t{{$}}
# LOOP-NEXT: {{^}}        ^{{$}}

# LOOPVAR: {{.*}}loopvar.py:6:9: error: name 'i' is not defined here: 'i' is the variable of the runtime loop at line 4 and is not visible after it

# OPAQUE: {{.*}}opaque.py:6:9: error: module variable 'COUNT' is assigned by a top-level statement that FlashTile does not evaluate (line 4); bind it with a plain 'NAME = value'
# OPAQUE-NEXT: {{^}}    y = COUNT{{$}}
# OPAQUE-NEXT: {{^}}        ^{{$}}

# NUMPY: {{.*}}numpy.py:5:12: error: module 'numpy' cannot be used in FlashTile kernels (only flashtile and flashtile.language can)
# NUMPY-NEXT: {{^}}    x = np.exp(1.0){{$}}
# NUMPY-NEXT: {{^}}           ^{{$}}

# MEMBER: {{.*}}member.py:4:12: error: module 'flashtile.language' has no attribute 'softmax'
# MEMBER-NEXT: {{^}}    x = fl.softmax(1.0){{$}}
# MEMBER-NEXT: {{^}}           ^{{$}}

# CYCLE: {{.*}}cycle.py:2:5: error: module constant 'A' is defined in terms of itself
# CYCLE-NEXT: {{^}}B = A * 2{{$}}
# CYCLE-NEXT: {{^}}    ^{{$}}

# PRINT: {{.*}}print.py:2:5: error: print() is not supported in FlashTile kernels

#--- bad_name.py
import flashtile.language as fl


@fl.jit
def k():
    x = 1
    y = x + qq * 2
#--- branch.py
import flashtile.language as fl
def k(N: fl.int32):
    x = 0
    if N > 0:
        y = 1
    z = y + 1
#--- loop.py
import flashtile.language as fl
def k(N: fl.int32):
    s = 0
    for i in range(N):
        t = i * 2
    u = t
#--- loopvar.py
import flashtile.language as fl
def k(N: fl.int32):
    s = 0
    for i in range(N):
        s = s + i
    u = i
#--- opaque.py
import flashtile.language as fl
COUNT = 0

COUNT += 1
def k():
    y = COUNT
#--- numpy.py
import flashtile.language as fl
import numpy as np

def k():
    x = np.exp(1.0)
#--- member.py
import flashtile.language as fl

def k():
    x = fl.softmax(1.0)
#--- cycle.py
A = B + 1
B = A * 2
def k():
    x = A
#--- print.py
def k():
    print("hello")
