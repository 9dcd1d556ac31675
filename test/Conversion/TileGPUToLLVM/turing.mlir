// RUN: flash-opt %s --split-input-file --convert-tilegpu-to-llvm=arch=75 --verify-diagnostics | FileCheck %s

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [1, 1], instrShape = [16, 8], instrK = 8}>
#a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#b = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// Turing (sm_75) has the f16 m16n8k8 only: A is 2 vector<2xf16>, B one;
// no bf16, tf32, m16n8k16 or cp.async.

// CHECK-LABEL: llvm.func @turing(
// CHECK-COUNT-2: nvvm.mma.sync A[%{{.*}}, %{{.*}}] B[%{{.*}}] C[{{.*}}] {{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 8>
func.func @turing(%a: tensor<16x16xf16, #a>, %b: tensor<16x8xf16, #b>, %c: tensor<16x8xf32, #mma>) -> tensor<16x8xf32, #mma> {
  %d = tile.dot %a, %b, %c : tensor<16x16xf16, #a> * tensor<16x8xf16, #b> -> tensor<16x8xf32, #mma>
  return %d : tensor<16x8xf32, #mma>
}

// -----

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [1, 1], instrShape = [16, 8], instrK = 16}>
#a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#b = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

func.func @no_k16(%a: tensor<16x16xf16, #a>, %b: tensor<16x8xf16, #b>, %c: tensor<16x8xf32, #mma>) -> tensor<16x8xf32, #mma> {
  // expected-error @below {{sm_75 has only the f16 mma.sync.m16n8k8 (instrK 8)}}
  %d = tile.dot %a, %b, %c : tensor<16x16xf16, #a> * tensor<16x8xf16, #b> -> tensor<16x8xf32, #mma>
  return %d : tensor<16x8xf32, #mma>
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>

module attributes {tilegpu.num_warps = 4 : i32} {
  func.func @turing(%pp: tensor<16x64x!tile.ptr<f16>, #blocked>) {
    %m = tilegpu.local_alloc {allocation.offset = 0 : i32} : () -> !tilegpu.memdesc<16x64xf16, #shared>
    // expected-error @below {{cp.async needs sm_80 or newer, the target is sm_75}}
    tilegpu.async_copy_global_to_local %pp, %m : tensor<16x64x!tile.ptr<f16>, #blocked> -> !tilegpu.memdesc<16x64xf16, #shared>
    return
  }
}
