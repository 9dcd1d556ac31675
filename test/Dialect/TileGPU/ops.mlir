// RUN: flash-opt %s | flash-opt | FileCheck %s
// RUN: flash-opt %s --mlir-print-op-generic | flash-opt | FileCheck %s

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
#dota = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#dotb = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>
#row = #tilegpu.slice<{dim = 1, parent = #mma}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>

// CHECK-DAG: #[[BLOCKED:.*]] = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
// CHECK-DAG: #[[MMA:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
// CHECK-DAG: #[[SHARED:.*]] = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
// CHECK-DAG: #tilegpu.dot_op<{opIdx = 0, parent = #[[MMA]], kWidth = 2}>
// CHECK-DAG: #tilegpu.slice<{dim = 1, parent = #[[MMA]]}>

// CHECK-LABEL: func.func @attention_step
func.func @attention_step(%q: tensor<64x64xf16, #blocked>, %k: tensor<64x64xf16, #blocked>,
                          %p: tensor<64x64x!tile.ptr<f16>, #blocked>, %i: i32) -> tensor<64xf32, #row> {
  // CHECK: tilegpu.local_alloc %{{.*}} : (tensor<64x64xf16, #[[BLOCKED]]>) -> {{(!tilegpu.memdesc)?}}<64x64xf16, #[[SHARED]]>
  %qs = tilegpu.local_alloc %q : (tensor<64x64xf16, #blocked>) -> !tilegpu.memdesc<64x64xf16, #shared>
  // CHECK: tilegpu.local_load
  %qa = tilegpu.local_load %qs : !tilegpu.memdesc<64x64xf16, #shared> -> tensor<64x64xf16, #dota>
  // CHECK: tilegpu.convert_layout %{{.*}} : tensor<64x64xf16, #[[BLOCKED]]> -> tensor<64x64xf16, #
  %kb = tilegpu.convert_layout %k : tensor<64x64xf16, #blocked> -> tensor<64x64xf16, #dotb>
  %zero = arith.constant dense<0.0> : tensor<64x64xf32, #mma>
  %s = tile.dot %qa, %kb, %zero : tensor<64x64xf16, #dota> * tensor<64x64xf16, #dotb> -> tensor<64x64xf32, #mma>
  // CHECK: tile.reduce max %{{.*}} {axis = 1 : i32} : tensor<64x64xf32, #[[MMA]]> -> tensor<64xf32, #
  %m = tile.reduce max %s {axis = 1 : i32} : tensor<64x64xf32, #mma> -> tensor<64xf32, #row>
  // CHECK: tilegpu.local_alloc : () -> {{(!tilegpu.memdesc)?}}<2x64x64xf16, #[[SHARED]]>
  %buf = tilegpu.local_alloc : () -> !tilegpu.memdesc<2x64x64xf16, #shared>
  // CHECK: tilegpu.memdesc_index %{{.*}}[%{{.*}}] : {{(!tilegpu.memdesc)?}}<2x64x64xf16, #[[SHARED]]> -> {{(!tilegpu.memdesc)?}}<64x64xf16, #[[SHARED]]>
  %stage = tilegpu.memdesc_index %buf[%i] : !tilegpu.memdesc<2x64x64xf16, #shared> -> !tilegpu.memdesc<64x64xf16, #shared>
  // CHECK: tilegpu.memdesc_trans %{{.*}} : {{(!tilegpu.memdesc)?}}<64x64xf16, #[[SHARED]]> -> {{(!tilegpu.memdesc)?}}<64x64xf16, #
  %stage_t = tilegpu.memdesc_trans %stage : !tilegpu.memdesc<64x64xf16, #shared> -> !tilegpu.memdesc<64x64xf16, #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]}>>
  // CHECK: tilegpu.async_copy_global_to_local %{{.*}}, %{{.*}} : tensor<64x64x!tile.ptr<f16>, #[[BLOCKED]]> -> {{(!tilegpu.memdesc)?}}<64x64xf16, #[[SHARED]]>
  tilegpu.async_copy_global_to_local %p, %stage : tensor<64x64x!tile.ptr<f16>, #blocked> -> !tilegpu.memdesc<64x64xf16, #shared>
  // CHECK: tilegpu.async_commit_group
  tilegpu.async_commit_group
  // CHECK: tilegpu.async_wait 0
  tilegpu.async_wait 0
  // CHECK: tilegpu.barrier
  tilegpu.barrier
  // CHECK: tilegpu.local_store %{{.*}}, %{{.*}} : tensor<64x64xf16, #[[BLOCKED]]> -> {{(!tilegpu.memdesc)?}}<64x64xf16, #[[SHARED]]>
  tilegpu.local_store %k, %stage : tensor<64x64xf16, #blocked> -> !tilegpu.memdesc<64x64xf16, #shared>
  return %m : tensor<64xf32, #row>
}
