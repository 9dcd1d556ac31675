// The target comes from the pass option, else from the module's
// tilegpu.target; the two must agree.
// RUN: not flash-opt %s --split-input-file --convert-tilegpu-to-llvm=arch=70 2>&1 | FileCheck %s
// RUN: not flash-opt %s --split-input-file --convert-tilegpu-to-llvm=arch=80 2>&1 | FileCheck %s --check-prefix=MISMATCH
// RUN: not flash-opt %s --split-input-file --convert-tilegpu-to-llvm 2>&1 | FileCheck %s --check-prefix=FROM-MODULE

// CHECK: error: unsupported NVIDIA architecture sm_70 (expected 75, 80, 86, 89 or 90)
// MISMATCH: error: the lowering targets sm_80 but the module was laid out for cuda:75
// FROM-MODULE: error: 'tilegpu.async_copy_global_to_local' op cp.async needs sm_80 or newer, the target is sm_75

module {
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
module attributes {tilegpu.target = "cuda:75", tilegpu.num_warps = 4 : i32} {
  func.func @copy(%pp: tensor<16x64x!tile.ptr<f16>, #blocked>) {
    %m = tilegpu.local_alloc {allocation.offset = 0 : i32} : () -> !tilegpu.memdesc<16x64xf16, #shared>
    tilegpu.async_copy_global_to_local %pp, %m : tensor<16x64x!tile.ptr<f16>, #blocked> -> !tilegpu.memdesc<16x64xf16, #shared>
    return
  }
}
