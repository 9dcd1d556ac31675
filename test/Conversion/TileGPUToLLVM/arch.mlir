// RUN: not flash-opt %s --convert-tilegpu-to-llvm=arch=70 2>&1 | FileCheck %s

// CHECK: error: unsupported NVIDIA architecture sm_70 (expected 75, 80, 86, 89 or 90)
module {
}
