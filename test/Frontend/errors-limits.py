# Limits that keep the front end bounded on any input: source nesting,
# evaluation nesting through inlined calls, the number of statements after
# unrolling, static_range trip counts, tuple nesting and indentation depth.
# RUN: rm -rf %t && split-file %s %t
# RUN: %python %t/gen_unary.py > %t/unary.py
# RUN: not flash-translate %t/unary.py --kernel k 2>&1 | FileCheck %s --check-prefix=UNARY
# RUN: %python %t/gen_calls.py > %t/calls.py
# RUN: not flash-translate %t/calls.py --kernel k 2>&1 | FileCheck %s --check-prefix=CALLS
# RUN: %python %t/gen_tuple.py > %t/tuple.py
# RUN: not flash-translate %t/tuple.py --kernel k 2>&1 | FileCheck %s --check-prefix=TUPLE
# RUN: %python %t/gen_indent.py > %t/indent.py
# RUN: not flash-translate %t/indent.py --kernel k 2>&1 | FileCheck %s --check-prefix=INDENT
# RUN: not flash-translate %t/statements.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=STATEMENTS
# RUN: not flash-translate %t/unroll.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=UNROLL

# UNARY: unary.py:2:207: error: expression or statement nesting is too deep (more than 200 levels)
# CALLS: calls.py:{{[0-9]+}}:12: error: the program nests too deeply (expressions, statements and inlined calls more than 1000 levels deep)
# TUPLE: tuple.py:2:{{[0-9]+}}: error: tuples nest too deeply (more than 32 levels)
# INDENT: indent.py:102:{{[0-9]+}}: error: too many levels of indentation

# STATEMENTS: {{.*}}statements.py:6:13: error: the kernel is too large: more than 100000 statements after inlining and unrolling
# STATEMENTS-NEXT: {{^}}            x = x + 1{{$}}
# STATEMENTS-NEXT: {{^}}            ^{{$}}

# UNROLL: {{.*}}unroll.py:4:14: error: fl.static_range() unrolls at most 4096 iterations; use range() for a runtime loop
# UNROLL-NEXT: {{^}}    for i in fl.static_range(5000):{{$}}
# UNROLL-NEXT: {{^}}             ^{{$}}

#--- gen_unary.py
print("def k():")
print("    x = " + "-" * 250 + "1")
#--- gen_calls.py
print("def f0(x):\n    return x")
for i in range(1, 700):
    print(f"def f{i}(x):\n    return f{i - 1}(x)")
print("def k():\n    y = f699(1)")
#--- gen_tuple.py
print("def k():")
print("    t = " + "(" * 40 + "1" + ",)" * 40)
#--- gen_indent.py
print("def k():")
for depth in range(1, 120):
    print("    " * depth + "if True:")
print("    " * 120 + "pass")
#--- statements.py
import flashtile.language as fl
def k():
    x = 0
    for i in fl.static_range(4000):
        for j in fl.static_range(4000):
            x = x + 1
#--- unroll.py
import flashtile.language as fl
def k():
    x = 0
    for i in fl.static_range(5000):
        x = x + i
