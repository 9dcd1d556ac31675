// RUN: flash-opt %s --split-input-file --convert-tilegpu-to-llvm --verify-diagnostics | FileCheck %s

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [1, 1], instrShape = [16, 8], instrK = 16}>
#a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#b = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// One m16n8k16 instruction: the A fragment's 8 registers pair up into 4
// vector<2xf16> (a0a1, a2a3, ...), B's 4 into 2, C's 4 f32 stay.

// CHECK-LABEL: llvm.func @one_mma(
// CHECK-SAME: %[[A:.*]]: !llvm.struct<(f16, f16, f16, f16, f16, f16, f16, f16)>, %[[B:.*]]: !llvm.struct<(f16, f16, f16, f16)>, %[[C:.*]]: !llvm.struct<(f32, f32, f32, f32)>
// CHECK-DAG: %[[A0:.*]] = llvm.extractvalue %[[A]][0]
// CHECK-DAG: %[[A1:.*]] = llvm.extractvalue %[[A]][1]
// CHECK-DAG: %[[C0:.*]] = llvm.extractvalue %[[C]][0]
// CHECK-DAG: %[[C3:.*]] = llvm.extractvalue %[[C]][3]
// CHECK: %[[P:.*]] = llvm.mlir.undef : vector<2xf16>
// CHECK: %[[P0:.*]] = llvm.insertelement %[[A0]], %[[P]]
// CHECK: %[[PA0:.*]] = llvm.insertelement %[[A1]], %[[P0]]
// CHECK: %[[D:.*]] = nvvm.mma.sync A[%[[PA0]], %{{.*}}, %{{.*}}, %{{.*}}] B[%{{.*}}, %{{.*}}] C[%[[C0]], %{{.*}}, %{{.*}}, %[[C3]]]
// CHECK-SAME: layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>
// CHECK-SAME: shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK-SAME: (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK: llvm.extractvalue %[[D]][0] : !llvm.struct<(f32, f32, f32, f32)>
func.func @one_mma(%a: tensor<16x16xf16, #a>, %b: tensor<16x8xf16, #b>, %c: tensor<16x8xf32, #mma>) -> tensor<16x8xf32, #mma> {
  %d = tile.dot %a, %b, %c : tensor<16x16xf16, #a> * tensor<16x8xf16, #b> -> tensor<16x8xf32, #mma>
  return %d : tensor<16x8xf32, #mma>
}

// -----

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8], instrK = 16}>
#a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#b = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// 64x32x32 on 2x2 warps: each warp computes 32x16, i.e. 2 (M) x 2 (N) tiles
// of 2 K steps: 8 instructions, bf16 operands packed two per i32.

// CHECK-LABEL: llvm.func @bf16_tiles(
// CHECK-COUNT-8: nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>{{.*}} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NOT: nvvm.mma.sync
func.func @bf16_tiles(%a: tensor<64x32xbf16, #a>, %b: tensor<32x32xbf16, #b>, %c: tensor<64x32xf32, #mma>) -> tensor<64x32xf32, #mma> {
  %d = tile.dot %a, %b, %c : tensor<64x32xbf16, #a> * tensor<32x32xbf16, #b> -> tensor<64x32xf32, #mma>
  return %d : tensor<64x32xf32, #mma>
}

// -----

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [1, 1], instrShape = [16, 8], instrK = 8}>
#a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 1}>
#b = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 1}>

// tf32: each f32 operand is rounded to tf32 (cvt.rna) in its own register.

// CHECK-LABEL: llvm.func @tf32(
// CHECK-COUNT-6: nvvm.convert.float.to.tf32 %{{.*}} {rnd = #nvvm.fp_rnd_mode<rna>}
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {{.*}}multiplicandAPtxType = #nvvm.mma_type<tf32>{{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 8>
func.func @tf32(%a: tensor<16x8xf32, #a>, %b: tensor<8x8xf32, #b>, %c: tensor<16x8xf32, #mma>) -> tensor<16x8xf32, #mma> {
  %d = tile.dot %a, %b, %c : tensor<16x8xf32, #a> * tensor<8x8xf32, #b> -> tensor<16x8xf32, #mma>
  return %d : tensor<16x8xf32, #mma>
}

// -----

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [1, 1], instrShape = [16, 8], instrK = 8}>
#a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#b = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>

// f16 accumulation: C and D are two vector<2xf16>; m16n8k8 (Turing).

// CHECK-LABEL: llvm.func @f16_acc(
// CHECK-COUNT-2: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 8>} : (vector<2xf16>, vector<2xf16>, vector<2xf16>) -> !llvm.struct<(vector<2xf16>, vector<2xf16>)>
module attributes {tilegpu.num_warps = 1 : i32} {
  func.func @f16_acc(%a: tensor<16x16xf16, #a>, %b: tensor<16x8xf16, #b>, %c: tensor<16x8xf16, #mma>) -> tensor<16x8xf16, #mma> {
    %d = tile.dot %a, %b, %c : tensor<16x16xf16, #a> * tensor<16x8xf16, #b> -> tensor<16x8xf16, #mma>
    return %d : tensor<16x8xf16, #mma>
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [1, 1], order = [1, 0]}>

func.func @not_mma(%a: tensor<16x16xf16, #blocked>, %b: tensor<16x8xf16, #blocked>, %c: tensor<16x8xf32, #blocked>) -> tensor<16x8xf32, #blocked> {
  // expected-error @below {{needs dot_op operands (opIdx 0 and 1) of the result's mma layout}}
  %d = tile.dot %a, %b, %c : tensor<16x16xf16, #blocked> * tensor<16x8xf16, #blocked> -> tensor<16x8xf32, #blocked>
  return %d : tensor<16x8xf32, #blocked>
}

// -----

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [1, 1], instrShape = [16, 8], instrK = 8}>
#a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 1}>
#b = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 1}>

func.func @ieee(%a: tensor<16x8xf32, #a>, %b: tensor<8x8xf32, #b>, %c: tensor<16x8xf32, #mma>) -> tensor<16x8xf32, #mma> {
  // expected-error @below {{mma.sync does not support 'f32' operands in ieee precision}}
  %d = tile.dot %a, %b, %c input_precision = ieee : tensor<16x8xf32, #a> * tensor<8x8xf32, #b> -> tensor<16x8xf32, #mma>
  return %d : tensor<16x8xf32, #mma>
}
