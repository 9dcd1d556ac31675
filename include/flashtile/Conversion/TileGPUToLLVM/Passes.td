//===- Passes.td - tilegpu to LLVM + NVVM ------------------*- tablegen -*-===//

#ifndef FLASHTILE_CONVERSION_TILEGPUTOLLVM_PASSES_TD
#define FLASHTILE_CONVERSION_TILEGPUTOLLVM_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertTileGPUToLLVM : Pass<"convert-tilegpu-to-llvm", "::mlir::ModuleOp"> {
  let summary = "Lower tilegpu kernels to the LLVM and NVVM dialects";
  let description = [{
    Lowers a module whose tensors all carry distributed layout encodings
    (the output of the tilegpu transform passes) to per-thread code: every
    encoded tensor becomes an `!llvm.struct` of the registers one thread
    holds, in the register order of its linear layout, and every op is
    rewritten in terms of the layouts' index math.

    | op | lowers to |
    |---|---|
    | `func.func` with `tile.kernel` | `llvm.func` with `nvvm.kernel`, `nvvm.maxntid = 32 * num_warps` |
    | arith/math on tensors | one scalar op per register |
    | `math.exp2`/`exp`/`log2`/`log`/`rsqrt` (f32; f16/bf16 via f32) | `llvm.nvvm.ex2.approx.f32`, `lg2.approx`, `rsqrt.approx` |
    | `tile.make_range`, `splat`, constants | index math of the layout, per register |
    | `broadcast`, `expand_dims`, `reshape`, `trans` | register renaming computed from the layouts |
    | `tile.program_id`, `num_programs` | `nvvm.read.ptx.sreg.ctaid.*`, `nctaid.*` |
    | `tile.addptr` | `llvm.getelementptr` on `!llvm.ptr<1>` |
    | `tile.load`, `store` | vector `llvm.load`/`store` where contiguity and alignment allow, `scf.if` around masked accesses, duplicates predicated off |
    | `tile.atomic_rmw` | `llvm.atomicrmw` |
    | `tile.dot` | `nvvm.mma.sync` m16n8k16 / m16n8k8 (f16, bf16, tf32) |
    | `tile.reduce` | in-thread combine, `nvvm.shfl.sync bfly`, shared memory across warps |
    | `tilegpu.convert_layout` | register permutation, `nvvm.shfl.sync idx`, or shared memory |
    | `tilegpu.local_*`, `memdesc_index` | `!llvm.ptr<3>` into `@global_smem`; `nvvm.ldmatrix` for dot operands |
    | `tilegpu.async_*` | `nvvm.cp.async.shared.global`, commit and wait groups |
    | `tilegpu.barrier` | `nvvm.barrier0` |

    Scalar arith/math, `scf` and `cf` are left for the upstream conversions
    (scf structural type conversion is applied here, so loop-carried tensors
    become structs); scalar transcendental math is rewritten here into NVVM
    approximations or polynomials. The passes that follow are those of
    `flashtile::buildTileGPUToLLVMPipeline` (Pipeline.h, registered as
    `tilegpu-to-llvm`): convert-scf-to-cf, convert-arith-to-llvm,
    convert-math-to-llvm, convert-cf-to-llvm, convert-func-to-llvm,
    convert-ub-to-llvm, reconcile-unrealized-casts, canonicalize, cse.

    Ops that use shared memory beyond their buffers (layout conversions
    between warps, reductions across warps) need `allocation.offset` and
    the module's `tilegpu.shared` is the dynamic shared memory to launch
    with; kernels address it through the extern array `@global_smem`.
  }];
  let options = [
    Option<"arch", "arch", "int", /*default=*/"0",
           "NVIDIA compute capability (75, 80, 86, 89, 90); 0: the module's "
           "`tilegpu.target` (cuda:<cc>), else 80">,
  ];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::arith::ArithDialect",
  ];
}

def SinkSharedLoads : Pass<"sink-shared-loads", "::mlir::ModuleOp"> {
  let summary = "Move shared-memory loads next to their first use";
  let description = [{
    Runs on the lowered kernel (LLVM and NVVM dialects). Each
    shared-memory load (`nvvm.ldmatrix`, `llvm.load` from address space 3)
    and the pure ops that unpack its result (extractvalue, bitcast,
    extractelement, insertelement) move down their block to just before
    their first user, as long as nothing on the way may write memory or
    synchronise (a barrier, a store, cp.async, a call). The lowering of a
    local_load emits all of an operand's fragments at once; after this
    pass the fragments of K tile k sit next to the mma.sync of tile k, so
    they are live only while used and ptxas can overlap tile k+1's loads
    with tile k's products instead of holding the whole operand in
    registers. Ops that touch no memory (mma.sync, shfl.sync, the
    approximate math intrinsics, pure arithmetic) do not stop a load.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect",
  ];
}

#endif // FLASHTILE_CONVERSION_TILEGPUTOLLVM_PASSES_TD
