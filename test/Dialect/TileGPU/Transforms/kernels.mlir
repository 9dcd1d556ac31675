// The GPU passes, in the recommended order, on every kernel of kernels/:
// each compiles and verifies after every pass. Checks pin down the
// structure that matters: dots on mma layouts with loop-carried
// accumulators in them, the shared memory each kernel needs, and clear
// errors for what the GPU cannot run.
//
// %gpu_passes (lit.local.cfg): tilegpu-coalesce, tilegpu-accelerate-matmul,
// tilegpu-remove-layout-conversions, cse, tilegpu-allocate-shared-memory,
// tilegpu-insert-barriers; convert-tile-to-tilegpu comes first with the
// launch options; tilegpu-pipeline (and a cse) goes after the layout
// clean-up when wanted.
// Attention forward, f16, causal, 4 warps (the flagship configuration).
// RUN: flash-translate %kernels/attention.py --kernel attention_fwd -D HEAD_DIM=64 -D BLOCK_M=64 -D BLOCK_N=64 -D CAUSAL=True \
// RUN:   -T Q=*f16 -T K=*f16 -T V=*f16 -T O=*f16 -T stride_qb=i32 -T stride_qs=i32 -T stride_qh=i32 -T stride_kb=i32 -T stride_ks=i32 -T stride_kh=i32 -T stride_vb=i32 -T stride_vs=i32 -T stride_vh=i32 -T stride_ob=i32 -T stride_os=i32 -T stride_oh=i32 \
// RUN:   --divisible-by-16=Q,K,V,O,L,stride_qb,stride_qs,stride_qh,stride_kb,stride_ks,stride_kh,stride_vb,stride_vs,stride_vh,stride_ob,stride_os,stride_oh --emit=tile-opt \
// RUN: | flash-opt --convert-tile-to-tilegpu %gpu_passes | FileCheck %s --check-prefix=FWD
// FWD-DAG: #[[MMA:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
// FWD-DAG: #[[ROW:.*]] = #tilegpu.slice<{dim = 1, parent = #[[MMA]]}>
// FWD: module attributes {tilegpu.num_warps = 4 : i32, tilegpu.shared = 8192 : i32, tilegpu.target = "cuda:80"}
// FWD-LABEL: func.func @attention_fwd
// FWD: scf.for {{.*}} -> (tensor<64xf32, #[[ROW]]>, tensor<64xf32, #[[ROW]]>, tensor<64x64xf32, #[[MMA]]>)
// FWD-COUNT-2: tile.dot {{.*}} -> tensor<64x64xf32, #[[MMA]]>
// FWD: scf.yield

// The same with software pipelining (2 stages): K and V come through
// cp.async rings, one barrier per iteration.
// RUN: flash-translate %kernels/attention.py --kernel attention_fwd -D HEAD_DIM=64 -D BLOCK_M=64 -D BLOCK_N=64 -D CAUSAL=True \
// RUN:   -T Q=*f16 -T K=*f16 -T V=*f16 -T O=*f16 -T stride_qb=i32 -T stride_qs=i32 -T stride_qh=i32 -T stride_kb=i32 -T stride_ks=i32 -T stride_kh=i32 -T stride_vb=i32 -T stride_vs=i32 -T stride_vh=i32 -T stride_ob=i32 -T stride_os=i32 -T stride_oh=i32 \
// RUN:   --divisible-by-16=Q,K,V,O,L,stride_qb,stride_qs,stride_qh,stride_kb,stride_ks,stride_kh,stride_vb,stride_vs,stride_vh,stride_ob,stride_os,stride_oh --emit=tile-opt \
// RUN: | flash-opt --convert-tile-to-tilegpu --tilegpu-coalesce --tilegpu-accelerate-matmul --tilegpu-remove-layout-conversions --cse --tilegpu-pipeline --cse --tilegpu-allocate-shared-memory --tilegpu-insert-barriers | FileCheck %s --check-prefix=PIPE
// PIPE: tilegpu.shared = 32768 : i32
// PIPE-LABEL: func.func @attention_fwd
// PIPE: tilegpu.async_commit_group
// PIPE: scf.for
// PIPE: tilegpu.async_wait 0
// PIPE-NOT: tilegpu.barrier
// PIPE: tilegpu.barrier
// PIPE-NEXT: tilegpu.async_copy_global_to_local
// PIPE-NOT: tilegpu.barrier
// PIPE: tilegpu.local_load {{.*}} -> tensor<64x64xf16, #dot_op1>
// PIPE-NOT: tilegpu.barrier
// PIPE: tilegpu.local_load {{.*}} -> tensor<64x64xf16, #dot_op1>
// PIPE-NOT: tilegpu.barrier
// PIPE: scf.yield

// Head dimension 96 padded to 128, 128-row blocks on 8 warps (16 rows each), bf16, sm_90.
// RUN: flash-translate %kernels/attention.py --kernel attention_fwd -D HEAD_DIM=96 -D BLOCK_M=128 -D BLOCK_N=64 \
// RUN:   -T Q=*bf16 -T K=*bf16 -T V=*bf16 -T O=*bf16 -T stride_qb=i32 -T stride_qs=i32 -T stride_qh=i32 -T stride_kb=i32 -T stride_ks=i32 -T stride_kh=i32 -T stride_vb=i32 -T stride_vs=i32 -T stride_vh=i32 -T stride_ob=i32 -T stride_os=i32 -T stride_oh=i32 \
// RUN:   --divisible-by-16=Q,K,V,O,L,stride_qb,stride_qs,stride_qh,stride_kb,stride_ks,stride_kh,stride_vb,stride_vs,stride_vh,stride_ob,stride_os,stride_oh --emit=tile-opt \
// RUN: | flash-opt --convert-tile-to-tilegpu="num-warps=8 target=cuda:90" %gpu_passes | FileCheck %s --check-prefix=FWD8
// FWD8-DAG: #[[MMA:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [8, 1], instrShape = [16, 8], instrK = 16}>
// FWD8: module attributes {tilegpu.num_warps = 8 : i32, tilegpu.shared = {{[0-9]+}} : i32, tilegpu.target = "cuda:90"}
// FWD8: tile.dot {{.*}} : tensor<128x128xbf16, {{.*}}> * tensor<128x64xbf16, {{.*}}> -> tensor<128x64xf32, #[[MMA]]>
// FWD8: tile.dot {{.*}} : tensor<128x64xbf16, {{.*}}> * tensor<64x128xbf16, {{.*}}> -> tensor<128x128xf32, #[[MMA]]>

// Turing: m16n8k8.
// RUN: flash-translate %kernels/attention.py --kernel attention_fwd -D HEAD_DIM=64 -D BLOCK_M=64 -D BLOCK_N=64 \
// RUN:   -T Q=*f16 -T K=*f16 -T V=*f16 -T O=*f16 -T stride_qb=i32 -T stride_qs=i32 -T stride_qh=i32 -T stride_kb=i32 -T stride_ks=i32 -T stride_kh=i32 -T stride_vb=i32 -T stride_vs=i32 -T stride_vh=i32 -T stride_ob=i32 -T stride_os=i32 -T stride_oh=i32 \
// RUN:   --divisible-by-16=Q,K,V,O,L,stride_qb,stride_qs,stride_qh,stride_kb,stride_ks,stride_kh,stride_vb,stride_vs,stride_vh,stride_ob,stride_os,stride_oh --emit=tile-opt \
// RUN: | flash-opt --convert-tile-to-tilegpu="target=cuda:75" %gpu_passes | FileCheck %s --check-prefix=SM75
// SM75: #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 8}>
// SM75: tilegpu.target = "cuda:75"

// float32 attention multiplies in full precision (ieee): no mma.sync for it;
// the error points at the DSL source.
// RUN: flash-translate %kernels/attention.py --kernel attention_fwd -D HEAD_DIM=64 -D BLOCK_M=64 -D BLOCK_N=64 \
// RUN:   -T Q=*f32 -T K=*f32 -T V=*f32 -T O=*f32 -T stride_qb=i32 -T stride_qs=i32 -T stride_qh=i32 -T stride_kb=i32 -T stride_ks=i32 -T stride_kh=i32 -T stride_vb=i32 -T stride_vs=i32 -T stride_vh=i32 -T stride_ob=i32 -T stride_os=i32 -T stride_oh=i32 \
// RUN:   --divisible-by-16=Q,K,V,O,L,stride_qb,stride_qs,stride_qh,stride_kb,stride_ks,stride_kh,stride_vb,stride_vs,stride_vh,stride_ob,stride_os,stride_oh --emit=tile-opt --mlir-print-debuginfo \
// RUN: | not flash-opt --convert-tile-to-tilegpu %gpu_passes 2>&1 | FileCheck %s --check-prefix=F32
// F32: attention.py:{{[0-9]+}}:{{[0-9]+}}: error: 'tile.dot' op f32 operands with input_precision = ieee have no mma.sync instruction
// F32-NEXT: fl.dot(

// Backward: preprocessing (a row sum), dK/dV and dQ.
// RUN: flash-translate %kernels/attention.py --kernel attention_bwd_preprocess -D HEAD_DIM=64 -D BLOCK_M=64 \
// RUN:   -T O=*f16 -T DO=*f16 -T stride_ob=i32 -T stride_os=i32 -T stride_oh=i32 -T stride_dob=i32 -T stride_dos=i32 -T stride_doh=i32 \
// RUN:   --divisible-by-16=O,DO,Delta,stride_ob,stride_os,stride_oh,stride_dob,stride_dos,stride_doh --emit=tile-opt \
// RUN: | flash-opt --convert-tile-to-tilegpu %gpu_passes | FileCheck %s --check-prefix=PRE
// PRE-LABEL: func.func @attention_bwd_preprocess
// PRE: tile.reduce sum
// PRE: tile.store

// RUN: flash-translate %kernels/attention.py --kernel attention_bwd_dkdv -D HEAD_DIM=64 -D BLOCK_M=64 -D BLOCK_N=64 -D CAUSAL=True \
// RUN:   -T Q=*f16 -T K=*f16 -T V=*f16 -T DO=*f16 -T DK=*f16 -T DV=*f16 -T stride_qb=i32 -T stride_qs=i32 -T stride_qh=i32 -T stride_kb=i32 -T stride_ks=i32 -T stride_kh=i32 -T stride_vb=i32 -T stride_vs=i32 -T stride_vh=i32 -T stride_dob=i32 -T stride_dos=i32 -T stride_doh=i32 -T stride_dkb=i32 -T stride_dks=i32 -T stride_dkh=i32 -T stride_dvb=i32 -T stride_dvs=i32 -T stride_dvh=i32 \
// RUN:   --divisible-by-16=Q,K,V,DO,DK,DV,L,Delta,stride_qb,stride_qs,stride_qh,stride_kb,stride_ks,stride_kh,stride_vb,stride_vs,stride_vh,stride_dob,stride_dos,stride_doh,stride_dkb,stride_dks,stride_dkh,stride_dvb,stride_dvs,stride_dvh --emit=tile-opt \
// RUN: | flash-opt --convert-tile-to-tilegpu %gpu_passes | FileCheck %s --check-prefix=DKDV
// DKDV-DAG: #[[MMA:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
// DKDV-LABEL: func.func @attention_bwd_dkdv
// DKDV: scf.for {{.*}} -> (tensor<64x64xf32, #[[MMA]]>, tensor<64x64xf32, #[[MMA]]>)
// DKDV-COUNT-4: tile.dot {{.*}} -> tensor<64x64xf32, #[[MMA]]>
// DKDV: scf.yield

// RUN: flash-translate %kernels/attention.py --kernel attention_bwd_dq -D HEAD_DIM=64 -D BLOCK_M=64 -D BLOCK_N=64 \
// RUN:   -T Q=*f16 -T K=*f16 -T V=*f16 -T DO=*f16 -T DQ=*f16 -T stride_qb=i32 -T stride_qs=i32 -T stride_qh=i32 -T stride_kb=i32 -T stride_ks=i32 -T stride_kh=i32 -T stride_vb=i32 -T stride_vs=i32 -T stride_vh=i32 -T stride_dob=i32 -T stride_dos=i32 -T stride_doh=i32 -T stride_dqb=i32 -T stride_dqs=i32 -T stride_dqh=i32 \
// RUN:   --divisible-by-16=Q,K,V,DO,DQ,L,Delta,stride_qb,stride_qs,stride_qh,stride_kb,stride_ks,stride_kh,stride_vb,stride_vs,stride_vh,stride_dob,stride_dos,stride_doh,stride_dqb,stride_dqs,stride_dqh --emit=tile-opt \
// RUN: | flash-opt --convert-tile-to-tilegpu %gpu_passes | FileCheck %s --check-prefix=DQ
// DQ-DAG: #[[MMA:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
// DQ-LABEL: func.func @attention_bwd_dq
// DQ: scf.for {{.*}} -> (tensor<64x64xf32, #[[MMA]]>)
// DQ-COUNT-3: tile.dot {{.*}} -> tensor<64x64xf32, #[[MMA]]>
// DQ: scf.yield

// The small kernels.
// RUN: flash-translate %kernels/matmul.py --kernel matmul -D BLOCK_M=128 -D BLOCK_N=64 -D BLOCK_K=32 -D ALLOW_TF32=False \
// RUN:   -T A=*f16 -T B=*f16 -T C=*f16 -T stride_am=i32 -T stride_ak=i32 -T stride_bk=i32 -T stride_bn=i32 -T stride_cm=i32 -T stride_cn=i32 \
// RUN:   --divisible-by-16=A,B,C,stride_am,stride_bk,stride_cm --emit=tile-opt \
// RUN: | flash-opt --convert-tile-to-tilegpu %gpu_passes | FileCheck %s --check-prefix=MM
// MM-DAG: #[[MMA:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
// MM-LABEL: func.func @matmul
// MM: scf.for {{.*}} -> (tensor<128x64xf32, #[[MMA]]>)
// MM: tile.dot {{.*}} : tensor<128x32xf16, {{.*}}> * tensor<32x64xf16, {{.*}}> -> tensor<128x64xf32, #[[MMA]]>

// tf32 on f32 matrices; a standalone product splits its warps 2 x 2.
// RUN: flash-translate %kernels/matmul.py --kernel matmul -D BLOCK_M=64 -D BLOCK_N=64 -D BLOCK_K=16 -D ALLOW_TF32=True \
// RUN:   -T A=*f32 -T B=*f32 -T C=*f32 -T stride_am=i32 -T stride_ak=i32 -T stride_bk=i32 -T stride_bn=i32 -T stride_cm=i32 -T stride_cn=i32 \
// RUN:   --emit=tile-opt \
// RUN: | flash-opt --convert-tile-to-tilegpu %gpu_passes | FileCheck %s --check-prefix=TF32
// TF32-DAG: #[[MMA:.*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8], instrK = 8}>
// TF32-DAG: #tilegpu.dot_op<{opIdx = 0, parent = #[[MMA]], kWidth = 1}>
// TF32: tile.dot {{.*}} -> tensor<64x64xf32, #[[MMA]]>

// RUN: flash-translate %kernels/softmax.py --kernel softmax -D BLOCK=1024 -T Y=*f32 -T X=*f16 \
// RUN:   --divisible-by-16=Y,X,stride_y,stride_x,n_cols --emit=tile-opt \
// RUN: | flash-opt --convert-tile-to-tilegpu %gpu_passes | FileCheck %s --check-prefix=SOFTMAX
// The load reads 16 bytes (8 halves) per thread, the store 16 bytes (4 floats).
// SOFTMAX-DAG: #[[IN:.*]] = #tilegpu.blocked<{sizePerThread = [8], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// SOFTMAX-DAG: #[[OUT:.*]] = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// SOFTMAX-LABEL: func.func @softmax
// SOFTMAX: tile.load {{.*}} : tensor<1024x!tile.ptr<f16>, #[[IN]]>
// SOFTMAX: tile.reduce max {{.*}} : tensor<1024xf32, #[[IN]]> -> f32
// SOFTMAX: tile.store {{.*}} : tensor<1024x!tile.ptr<f32>, #[[OUT]]>

// RUN: flash-translate %kernels/vector_add.py --kernel vector_add -D BLOCK=1024 -T X=*f32 -T Y=*f32 -T Z=*f32 \
// RUN:   --divisible-by-16=X,Y,Z,N --emit=tile-opt \
// RUN: | flash-opt --convert-tile-to-tilegpu %gpu_passes | FileCheck %s --check-prefix=VADD
// Everything in one 16-byte-vector layout: no conversion, no shared memory.
// VADD: #[[V:.*]] = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// VADD: tilegpu.shared = 0 : i32
// VADD-NOT: tilegpu.convert_layout
// VADD: tile.store {{.*}} : tensor<1024x!tile.ptr<f32>, #[[V]]>

// RUN: flash-translate %kernels/layer_norm.py --kernel layer_norm_fwd -D BLOCK=1024 -T X=*f16 -T Y=*f16 -T W=*f16 -T B=*f16 \
// RUN:   --divisible-by-16=X,Y,W,B,Mean,Rstd,stride,N --emit=tile-opt \
// RUN: | flash-opt --convert-tile-to-tilegpu %gpu_passes | FileCheck %s --check-prefix=LN
// LN-LABEL: func.func @layer_norm_fwd
// LN: tile.reduce sum
// LN: tile.reduce sum
// LN: tile.store
