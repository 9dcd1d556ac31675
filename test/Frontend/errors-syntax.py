# Syntax errors and constructs outside the kernel subset, reported when the
# function is compiled (or called), with a message naming the construct.
# RUN: rm -rf %t && split-file %s %t
# RUN: not flash-translate %t/expr.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=EXPR
# RUN: not flash-translate %t/signature.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=SIG
# RUN: not flash-translate %t/indent.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=INDENT
# RUN: not flash-translate %t/block.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=BLOCK
# RUN: not flash-translate %t/break.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=BREAK
# RUN: not flash-translate %t/lambda.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=LAMBDA
# RUN: not flash-translate %t/comprehension.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=COMP
# RUN: not flash-translate %t/class.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=CLASS
# RUN: not flash-translate %t/try.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=TRY
# RUN: not flash-translate %t/with.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=WITH
# RUN: not flash-translate %t/global.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=GLOBAL
# RUN: not flash-translate %t/assert.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ASSERT
# RUN: not flash-translate %t/subscript.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=SUBSCRIPT
# RUN: not flash-translate %t/attribute.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ATTR
# RUN: not flash-translate %t/dict.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=DICT
# RUN: not flash-translate %t/star.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=STAR
# RUN: not flash-translate %t/helper.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=HELPER
# RUN: not flash-translate %t/fstring.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=FSTRING
# RUN: not flash-translate %t/forelse.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=FORELSE

# EXPR: {{.*}}expr.py:2:12: error: expected an expression, got end of line
# EXPR-NEXT: {{^}}    x = 1 +{{$}}
# EXPR-NEXT: {{^}}           ^{{$}}

# SIG: {{.*}}signature.py:1:10: error: '*args', '**kwargs' and the '*' and '/' parameter markers are not supported in FlashTile kernels
# SIG-NEXT: {{^}}def k(a, *rest):{{$}}
# SIG-NEXT: {{^}}         ^{{$}}

# INDENT: {{.*}}indent.py:3:9: error: unexpected indent
# INDENT-NEXT: {{^}}        y = 2{{$}}
# INDENT-NEXT: {{^}}        ^{{$}}

# BLOCK: {{.*}}block.py:3:5: error: expected an indented block, got 'x'
# BLOCK-NEXT: {{^}}    x = 1{{$}}
# BLOCK-NEXT: {{^}}    ^{{$}}

# BREAK: {{.*}}break.py:3:9: error: 'break' statements are not supported in FlashTile kernels
# BREAK-NEXT: {{^}}        break{{$}}
# BREAK-NEXT: {{^}}        ^{{$}}

# LAMBDA: {{.*}}lambda.py:2:9: error: lambda expressions are not supported in FlashTile kernels; define a function at module level
# LAMBDA-NEXT: {{^}}    f = lambda x: x + 1{{$}}
# LAMBDA-NEXT: {{^}}        ^{{$}}

# COMP: {{.*}}comprehension.py:2:12: error: comprehensions and generator expressions are not supported in FlashTile kernels
# COMP-NEXT: {{^}}    y = [i for i in range(3)]{{$}}
# COMP-NEXT: {{^}}           ^{{$}}

# CLASS: {{.*}}class.py:2:5: error: class definitions are not supported in FlashTile kernels
# TRY: {{.*}}try.py:2:5: error: 'try' statements are not supported in FlashTile kernels
# WITH: {{.*}}with.py:2:5: error: 'with' statements are not supported in FlashTile kernels
# GLOBAL: {{.*}}global.py:2:5: error: 'global' statements are not supported in FlashTile kernels
# ASSERT: {{.*}}assert.py:2:5: error: 'assert' statements are not supported in FlashTile kernels; use fl.static_assert(cond, msg) for compile-time checks

# SUBSCRIPT: {{.*}}subscript.py:3:5: error: assignment to a subscript is not supported in FlashTile kernels: blocks are values; build a new one (e.g. with fl.where)
# SUBSCRIPT-NEXT: {{^}}    x[0] = 1.0{{$}}
# SUBSCRIPT-NEXT: {{^}}    ^{{$}}

# ATTR: {{.*}}attribute.py:2:5: error: assignment to an attribute is not supported in FlashTile kernels
# DICT: {{.*}}dict.py:2:9: error: dict and set literals are not supported in FlashTile kernels
# STAR: {{.*}}star.py:4:7: error: argument unpacking ('*args', '**kwargs') is not supported in FlashTile kernels

# A helper is parsed when it is called: the error points into the helper.
# HELPER: {{.*}}helper.py:5:5: error: nested function definitions are not supported in FlashTile kernels; define the function at module level
# HELPER-NEXT: {{^}}    def inner():{{$}}
# HELPER-NEXT: {{^}}    ^{{$}}

# FSTRING: {{.*}}fstring.py:3:29: error: f-strings are not supported in FlashTile kernels
# FORELSE: {{.*}}forelse.py:4:5: error: 'for ... else' is not supported in FlashTile kernels

#--- expr.py
def k():
    x = 1 +
#--- signature.py
def k(a, *rest):
    pass
#--- indent.py
def k():
    x = 1
        y = 2
#--- block.py
def k():
    if True:
    x = 1
#--- break.py
def k():
    for i in range(4):
        break
#--- lambda.py
def k():
    f = lambda x: x + 1
#--- comprehension.py
def k():
    y = [i for i in range(3)]
#--- class.py
def k():
    class A:
        pass
#--- try.py
def k():
    try:
        pass
    except Exception:
        pass
#--- with.py
def k():
    with x:
        pass
#--- global.py
def k():
    global X
#--- assert.py
def k():
    assert 1 == 1
#--- subscript.py
import flashtile.language as fl
def k():
    x[0] = 1.0
#--- attribute.py
def k():
    x.y = 1.0
#--- dict.py
def k():
    d = {1: 2}
#--- star.py
def f(a, b):
    return a
def k():
    f(*(1, 2))
#--- helper.py
def helper(x):
    return x


    def inner():
        pass
def unused():
    this is not even python
def k():
    y = helper(1)
#--- fstring.py
import flashtile.language as fl
def k():
    fl.static_assert(False, f"x")
#--- forelse.py
def k():
    for i in range(3):
        pass
    else:
        pass
