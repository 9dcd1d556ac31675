# --emit=tile-opt runs the tile-optimize pipeline after the front end: the
# repeated program_id, the duplicate splats and the dead constants go.
# RUN: flash-translate %s --kernel k --emit=tile | FileCheck %s --check-prefix=RAW
# RUN: flash-translate %s --kernel k --emit=tile-opt | FileCheck %s --check-prefix=OPT
# RUN: env FLASHTILE_DUMP_IR=1 flash-translate %s --kernel k --emit=tile-opt -o /dev/null 2>&1 | FileCheck %s --check-prefix=DUMP

import flashtile.language as fl


def k(X: fl.pointer(fl.float32)):
    a = X + fl.program_id(0)
    b = X + fl.program_id(0)
    unused = fl.zeros((16,), fl.float32)
    fl.store(a, fl.load(b) * 1.0)

# RAW-COUNT-2: tile.program_id 0
# RAW: arith.constant dense<0.000000e+00> : tensor<16xf32>
# RAW: arith.mulf
# OPT-LABEL: func.func @k
# OPT-COUNT-1: tile.program_id 0
# OPT-NOT: tile.program_id
# OPT-NOT: arith.constant dense
# OPT-NOT: arith.mulf
# OPT: tile.store
# DUMP: IR Dump After Canonicalizer
# DUMP: IR Dump After CSE
