def first(X: fl.pointer(fl.float32)):
    fl.store(X + fl.arange(0, 16), fl.zeros([16], fl.float32))
import flashtile.language as fl
# RUN: flash-translate %s --kernel first | FileCheck %s
# CHECK: func.func @first(
# A UTF-8 byte order mark before the first line (above, before `def`) is
# skipped as Python skips it: the first line is still the kernel (it used to
# be swallowed: "no function named first").
