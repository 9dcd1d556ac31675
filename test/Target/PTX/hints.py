# fl.multiple_of / fl.max_contiguous: offsets wrapped by `% n` (n not known
# to be a multiple of 16) lose their contiguity, so the load is scalar; the
# hints restore it and the load becomes one 16-byte access per thread.
# RUN: flash-translate %s --kernel gather -D BLOCK=1024 -D HINTS=0 -T X=*f16 -T Y=*f16 -T n=i32 --divisible-by-16=X,Y --emit=ptx | FileCheck %s --check-prefix=PLAIN
# RUN: flash-translate %s --kernel gather -D BLOCK=1024 -D HINTS=1 -T X=*f16 -T Y=*f16 -T n=i32 --divisible-by-16=X,Y --emit=ptx | FileCheck %s --check-prefix=HINT
# RUN: flash-translate %s --kernel gather -D BLOCK=1024 -D HINTS=1 -T X=*f16 -T Y=*f16 -T n=i32 --emit=tile | FileCheck %s --check-prefix=TILE
# Only multiple_of: the runs are still unknown, the load stays scalar.
# RUN: flash-translate %s --kernel gather -D BLOCK=1024 -D HINTS=2 -T X=*f16 -T Y=*f16 -T n=i32 --divisible-by-16=X,Y --emit=ptx | FileCheck %s --check-prefix=PLAIN
# A scalar stride stated a multiple of 16 makes the rows of a 2-D block 16-byte aligned.
# RUN: flash-translate %s --kernel rows -D BLOCK=64 -D HINTS=1 -T X=*f16 -T Y=*f16 -T stride=i32 --divisible-by-16=X,Y --emit=ptx | FileCheck %s --check-prefix=ROWS
# RUN: flash-translate %s --kernel rows -D BLOCK=64 -D HINTS=0 -T X=*f16 -T Y=*f16 -T stride=i32 --divisible-by-16=X,Y --emit=ptx | FileCheck %s --check-prefix=PLAIN

# PLAIN: ld.global.b16
# HINT-NOT: ld.global.b16
# HINT: ld.global.v4.b32
# HINT-NOT: ld.global.b16
# TILE: tile.hint %{{.*}} {multiple_of = array<i64: 1024>} : tensor<1024xi32>
# TILE: tile.hint %{{.*}} {max_contiguous = array<i64: 1024>} : tensor<1024xi32>
# ROWS-NOT: ld.global.b16
# ROWS: ld.global.v4.b32

import flashtile.language as fl


@fl.jit
def gather(X, Y, n, BLOCK: fl.constexpr, HINTS: fl.constexpr):
    pid = fl.program_id(0)
    offs = (pid * BLOCK + fl.arange(0, BLOCK)) % n
    if HINTS == 1:
        offs = fl.max_contiguous(fl.multiple_of(offs, BLOCK), BLOCK)
    if HINTS == 2:
        offs = fl.multiple_of(offs, BLOCK)
    x = fl.load(X + offs)
    fl.store(Y + pid * BLOCK + fl.arange(0, BLOCK), x)


@fl.jit
def rows(X, Y, stride, BLOCK: fl.constexpr, HINTS: fl.constexpr):
    if HINTS:
        stride = fl.multiple_of(stride, 16)
    r = fl.arange(0, BLOCK)
    offs = r[:, None] * stride + r[None, :]
    x = fl.load(X + offs)
    fl.store(Y + r[:, None] * BLOCK + r[None, :], x)
