// RUN: flash-opt %S/../Dialect/Tile/kernel.mlir --tile-to-nvvm="arch=80 num-warps=4" | FileCheck %s
// RUN: flash-opt %S/../Dialect/Tile/kernel.mlir --tile-to-nvvm="arch=75 num-warps=2 num-stages=1" | FileCheck %s --check-prefix=SM75

// The registered NVIDIA pipeline takes a hand-written tile kernel (load two
// blocks, dot, row max, store) all the way to the LLVM dialect with NVVM ops.

// CHECK: llvm.func @dot_rowmax
// CHECK-SAME: nvvm.kernel
// CHECK: nvvm.read.ptx.sreg.ctaid.x
// CHECK: nvvm.mma.sync
// CHECK-SAME: shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK: nvvm.shfl.sync
// CHECK-NOT: tile.
// CHECK-NOT: tilegpu.

// SM75: llvm.func @dot_rowmax
// SM75: nvvm.mma.sync
// SM75-SAME: shape = #nvvm.shape<m = 16, n = 8, k = 8>
