// RUN: flash-opt %s --split-input-file --sink-shared-loads | FileCheck %s

// Two ldmatrix loads emitted together (as a local_load lowers): the second
// one, with its unpacking, moves down past the first product (mma.sync
// touches no memory) to just before the product that uses it.

// CHECK-LABEL: llvm.func @fragments
// CHECK: %[[L0:.*]] = nvvm.ldmatrix %arg0
// CHECK: %[[E0:.*]] = llvm.extractvalue %[[L0]][0]
// CHECK: %[[B0:.*]] = llvm.bitcast %[[E0]]
// CHECK: %[[M0:.*]] = nvvm.mma.sync A[%arg2, %arg2, %arg2, %arg2] B[%[[B0]], %[[B0]]]
// CHECK: %[[L1:.*]] = nvvm.ldmatrix %arg1
// CHECK-NEXT: %[[E1:.*]] = llvm.extractvalue %[[L1]][0]
// CHECK-NEXT: %[[B1:.*]] = llvm.bitcast %[[E1]]
// CHECK-NEXT: nvvm.mma.sync A[%arg2, %arg2, %arg2, %arg2] B[%[[B1]], %[[B1]]]
llvm.func @fragments(%p: !llvm.ptr<3>, %q: !llvm.ptr<3>, %a: vector<2xf16>, %c: f32) -> !llvm.struct<(f32, f32, f32, f32)> {
  %l0 = nvvm.ldmatrix %p {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, num = 4 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32, i32, i32)>
  %l1 = nvvm.ldmatrix %q {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, num = 4 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32, i32, i32)>
  %e0 = llvm.extractvalue %l0[0] : !llvm.struct<(i32, i32, i32, i32)>
  %e1 = llvm.extractvalue %l1[0] : !llvm.struct<(i32, i32, i32, i32)>
  %b0 = llvm.bitcast %e0 : i32 to vector<2xf16>
  %b1 = llvm.bitcast %e1 : i32 to vector<2xf16>
  %m0 = nvvm.mma.sync A[%a, %a, %a, %a] B[%b0, %b0] C[%c, %c, %c, %c] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
  %x = llvm.extractvalue %m0[0] : !llvm.struct<(f32, f32, f32, f32)>
  %m1 = nvvm.mma.sync A[%a, %a, %a, %a] B[%b1, %b1] C[%x, %x, %x, %x] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
  llvm.return %m1 : !llvm.struct<(f32, f32, f32, f32)>
}

// -----

// A shared load never moves past a barrier or a store: other threads'
// writes are ordered by the barrier, this thread's by the store.

// CHECK-LABEL: llvm.func @fences
// CHECK: %[[A:.*]] = llvm.load %arg0 {{.*}} : !llvm.ptr<3> -> f32
// CHECK-NEXT: nvvm.barrier0
// CHECK: %[[B:.*]] = llvm.load %arg1 {{.*}} : !llvm.ptr<3> -> f32
// CHECK-NEXT: llvm.store %{{.*}}, %arg2
// CHECK: llvm.fadd %[[A]], %[[B]]
llvm.func @fences(%p: !llvm.ptr<3>, %q: !llvm.ptr<3>, %g: !llvm.ptr<1>, %v: f32) -> f32 {
  %a = llvm.load %p {alignment = 4 : i64} : !llvm.ptr<3> -> f32
  nvvm.barrier0
  %b = llvm.load %q {alignment = 4 : i64} : !llvm.ptr<3> -> f32
  llvm.store %v, %g {alignment = 4 : i64} : f32, !llvm.ptr<1>
  %s = llvm.fadd %a, %b : f32
  llvm.return %s : f32
}

// -----

// Global loads and volatile shared loads stay where they are (only shared
// loads move), and so does a load used in another block.

// CHECK-LABEL: llvm.func @others
// CHECK: llvm.load %arg1 {{.*}} : !llvm.ptr<1> -> f32
// CHECK-NEXT: llvm.load volatile %arg0
// CHECK-NEXT: %[[C:.*]] = llvm.load %arg0 {{.*}} : !llvm.ptr<3> -> f32
// CHECK-NEXT: llvm.fmul
// CHECK-NEXT: llvm.br ^bb1
llvm.func @others(%p: !llvm.ptr<3>, %g: !llvm.ptr<1>, %v: f32) -> f32 {
  %a = llvm.load %g {alignment = 4 : i64} : !llvm.ptr<1> -> f32
  %b = llvm.load volatile %p {alignment = 4 : i64} : !llvm.ptr<3> -> f32
  %c = llvm.load %p {alignment = 4 : i64} : !llvm.ptr<3> -> f32
  %d = llvm.fmul %v, %v : f32
  llvm.br ^bb1
^bb1:
  %s = llvm.fadd %a, %b : f32
  %t = llvm.fadd %s, %c : f32
  %u = llvm.fadd %t, %d : f32
  llvm.return %u : f32
}
