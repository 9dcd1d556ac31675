# The kernels of kernels/ through the whole NVIDIA pipeline (front end,
# tile-optimize, the tilegpu transforms, the lowering, LLVM's NVPTX back end),
# checked by ptxas for spills.

# RUN: flash-translate %kernels/vector_add.py --kernel vector_add -D BLOCK=1024 -T X=*f16 -T Y=*f16 -T Z=*f16 -T N=i32 --divisible-by-16=X,Y,Z,N --emit=ptx | FileCheck %s --check-prefix=VADD
# VADD: .entry vector_add(
# VADD: ld.global.v4.b32
# VADD: add.rn.f16
# VADD: st.global.v4.b32

# RUN: flash-translate %kernels/softmax.py --kernel softmax -D BLOCK=1024 -T X=*f32 -T Y=*f32 -T stride_x=i32 -T stride_y=i32 -T n_cols=i32 --divisible-by-16=X,Y,stride_x,stride_y --emit=ptx | FileCheck %s --check-prefix=SOFTMAX
# SOFTMAX: .entry softmax(
# SOFTMAX: shfl.sync.bfly.b32
# SOFTMAX: bar.sync 0;
# SOFTMAX: ex2.approx.ftz.f32

# RUN: flash-translate %kernels/attention.py --kernel attention_fwd -D HEAD_DIM=64 -D BLOCK_M=64 -D BLOCK_N=64 -T Q=*f16 -T K=*f16 -T V=*f16 -T O=*f16 -T stride_qb=i32 -T stride_qs=i32 -T stride_qh=i32 -T stride_kb=i32 -T stride_ks=i32 -T stride_kh=i32 -T stride_vb=i32 -T stride_vs=i32 -T stride_vh=i32 -T stride_ob=i32 -T stride_os=i32 -T stride_oh=i32 -T nheads=i32 -T seqlen_q=i32 -T seqlen_k=i32 -T softmax_scale=f32 --divisible-by-16=Q,K,V,O,L,stride_qs,stride_ks,stride_vs,stride_os --emit=ptx -o %t.attn.ptx
# RUN: FileCheck %s --check-prefix=ATTN < %t.attn.ptx
# ATTN: .entry attention_fwd(
# ATTN-DAG: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
# ATTN-DAG: ex2.approx.ftz.f32
# RUN: %if ptxas %{ %ptxas -arch=sm_80 -v %t.attn.ptx -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTXAS %}
# PTXAS: 0 bytes spill stores, 0 bytes spill loads

# kernels/matmul.py with runtime strides, as a user writes it: a unit inner
# stride specialised as 1 (what the JIT does for an argument equal to 1)
# makes the loads contiguous, so they become 16-byte cp.async copies; without
# it they stay scalar.
# RUN: flash-translate %kernels/matmul.py --kernel matmul -D BLOCK_M=128 -D BLOCK_N=128 -D BLOCK_K=32 --pointer-type=f16 --untyped-type=i32 --divisible-by-16=A,B,C,M,N,K,stride_am,stride_bk,stride_cm --equal-to-1=stride_ak,stride_bn,stride_cn --num-warps=8 --num-stages=3 --emit=ptx | FileCheck %s --check-prefix=MMONE
# MMONE-NOT: ld.global.b16
# MMONE: cp.async.cg.shared.global [{{.*}}], [{{.*}}], 16
# MMONE-NOT: ld.global.b16
# MMONE: mma.sync.aligned.m16n8k16
# RUN: flash-translate %kernels/matmul.py --kernel matmul -D BLOCK_M=128 -D BLOCK_N=128 -D BLOCK_K=32 --pointer-type=f16 --untyped-type=i32 --divisible-by-16=A,B,C,M,N,K,stride_am,stride_bk,stride_cm --num-warps=8 --num-stages=3 --emit=ptx | FileCheck %s --check-prefix=MMSTRIDED
# MMSTRIDED: ld.global.b16
