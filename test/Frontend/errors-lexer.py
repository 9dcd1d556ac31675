# Lexical errors anywhere in the module are reported (Python would reject
# the file too), with the location and a caret.
# RUN: rm -rf %t && split-file %s %t
# RUN: not flash-translate %t/dedent.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=DEDENT
# RUN: not flash-translate %t/tabs.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=TABS
# RUN: not flash-translate %t/string.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=STRING
# RUN: not flash-translate %t/triple.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=TRIPLE
# RUN: not flash-translate %t/char.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=CHAR
# RUN: not flash-translate %t/bracket.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=BRACKET
# RUN: not flash-translate %t/mismatch.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=MISMATCH
# RUN: not flash-translate %t/number.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=NUMBER
# RUN: not flash-translate %t/continuation.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=CONT
# RUN: not flash-translate %t/escape.py --kernel k 2>&1 | FileCheck %s --strict-whitespace --check-prefix=ESCAPE

# DEDENT: {{.*}}dedent.py:3:3: error: unindent does not match any outer indentation level
# DEDENT-NEXT: {{^}}  y = 2{{$}}
# DEDENT-NEXT: {{^}}  ^{{$}}

# TABS: {{.*}}tabs.py:3:2: error: inconsistent use of tabs and spaces in indentation

# STRING: {{.*}}string.py:2:9: error: unterminated string literal
# STRING-NEXT: {{^}}    s = "abc{{$}}
# STRING-NEXT: {{^}}        ^{{$}}

# The error is in code FlashTile would otherwise skip.
# TRIPLE: {{.*}}triple.py:5:11: error: unterminated triple-quoted string literal
# TRIPLE-NEXT: {{^}}    doc = """never closed{{$}}
# TRIPLE-NEXT: {{^}}          ^{{$}}

# CHAR: {{.*}}char.py:2:11: error: invalid character '$' in source
# CHAR-NEXT: {{^}}    x = 1 $ 2{{$}}
# CHAR-NEXT: {{^}}          ^{{$}}

# BRACKET: {{.*}}bracket.py:2:9: error: '(' was never closed
# BRACKET-NEXT: {{^}}    x = (1 +{{$}}
# BRACKET-NEXT: {{^}}        ^{{$}}

# MISMATCH: {{.*}}mismatch.py:2:15: error: closing parenthesis ']' does not match opening parenthesis '('
# MISMATCH-NEXT: {{^}}    x = (1 + 2]{{$}}
# MISMATCH-NEXT: {{^}}              ^{{$}}

# NUMBER: {{.*}}number.py:2:9: error: leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers
# NUMBER-NEXT: {{^}}    x = 0123{{$}}
# NUMBER-NEXT: {{^}}        ^{{$}}

# CONT: {{.*}}continuation.py:2:11: error: unexpected character after line continuation character
# CONT-NEXT: {{^}}    x = 1 \ + 2{{$}}
# CONT-NEXT: {{^}}          ^{{$}}

# ESCAPE: {{.*}}escape.py:3:29: error: invalid \x escape in string literal
# ESCAPE-NEXT: {{^}}    fl.static_assert(True, "\xZZ"){{$}}
# ESCAPE-NEXT: {{^}}                            ^{{$}}

#--- dedent.py
def k():
    x = 1
  y = 2
#--- tabs.py
def k():
        x = 1
	y = 2
#--- string.py
def k():
    s = "abc
#--- triple.py
def k():
    pass

class Other:
    doc = """never closed
#--- char.py
def k():
    x = 1 $ 2
#--- bracket.py
def k():
    x = (1 +
#--- mismatch.py
def k():
    x = (1 + 2]
#--- number.py
def k():
    x = 0123
#--- continuation.py
def k():
    x = 1 \ + 2
#--- escape.py
import flashtile.language as fl
def k():
    fl.static_assert(True, "\xZZ")
