//===- Passes.td - tilegpu passes --------------------------*- tablegen -*-===//
//
// The GPU-level passes, in the order a compile runs them:
//
//   convert-tile-to-tilegpu          every block gets a layout encoding
//   tilegpu-coalesce                 global accesses get coalesced layouts
//   tilegpu-accelerate-matmul        tile.dot runs on mma.sync layouts
//   tilegpu-remove-layout-conversions  layouts propagate, converts vanish
//   tilegpu-pipeline                 cp.async multi-buffering of dot operands
//   tilegpu-allocate-shared-memory   buffers and scratch get offsets
//   tilegpu-insert-barriers          shared-memory hazards get barriers
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_DIALECT_TILEGPU_TRANSFORMS_PASSES_TD
#define FLASHTILE_DIALECT_TILEGPU_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertTileToTileGPU : Pass<"convert-tile-to-tilegpu", "::mlir::ModuleOp"> {
  let summary = "Assign a layout encoding to every block of a tile program";
  let description = [{
    Layout assignment, the entry into the GPU backend. With the dialect
    conversion framework and a type converter, every tensor without an
    encoding gets the default blocked layout of its shape: the fastest
    dimension (the last) gets up to 4 elements per thread (16 bytes of
    32-bit elements; fewer when the block has fewer elements than
    threads), the 32 lanes of a warp fill the fastest dimension first, the
    warps go along dimension 0 first, `order = [rank-1, ..., 0]`. The
    default depends on the shape and the number of warps only, so
    elementwise code of one shape needs no conversion.

    Where an op needs another layout, `tilegpu.convert_layout` is
    inserted:

    * `tile.reduce` results get `slice(axis, source layout)`;
    * `tile.expand_dims` operands get `slice(axis, result layout)`;
    * `tile.broadcast` sources get the result's encoding (a register copy);
    * `tile.trans` results get the source's blocked layout with its
      dimensions permuted (a renaming of registers).

    `tile.reshape` keeps the default layouts on both sides, which hold the
    same elements in the same registers when both blocks have at least 4
    elements per thread (row-major fill of registers, lanes and warps).

    `scf.for`/`scf.if`/`scf.while` and function signatures are converted
    structurally. The module gets `tilegpu.num_warps` and `tilegpu.target`.
    Blocks whose shape cannot be laid out (a dimension that is not a power
    of two, more than 2^20 elements) are errors at the op producing them.
  }];
  let options = [
    Option<"numWarps", "num-warps", "int", "4",
           "Warps per program instance (a power of two, 1 to 32)">,
    Option<"target", "target", "std::string", "\"cuda:80\"",
           "GPU target, `cuda:<compute capability>` (cuda:75, cuda:80, "
           "cuda:86, cuda:89, cuda:90)">,
  ];
  let dependentDialects = ["::flashtile::tilegpu::TileGPUDialect"];
}

def TileGPUCoalesce : Pass<"tilegpu-coalesce", "::mlir::ModuleOp"> {
  let summary = "Give global loads and stores coalesced, vectorizable layouts";
  let description = [{
    For each `tile.load`, `tile.store`, `tile.atomic_rmw` and
    `tilegpu.async_copy_global_to_local` of a block, picks the blocked
    layout in which each thread owns as many consecutive elements of the
    most contiguous dimension as one 16-byte access allows, limited by the
    contiguity and alignment of the pointers and by the mask being uniform
    over the vector (axis analysis: `tile.make_range` gives contiguity;
    `tile.divisibility` argument attributes and constants give
    divisibility; `tile.addptr`, `arith.addi/subi/muli`, `cmpi`,
    `tile.broadcast/expand_dims/splat` and loop-carried values propagate
    them). Converts to and from that layout are inserted around the
    memory op; tilegpu-remove-layout-conversions then moves them away.

    So, after this pass, the consecutive registers a thread holds along a
    memory op's contiguous dimension (`layout::getGlobalVectorWidth`) are a
    vector the lowering may load or store with one instruction.
  }];
  let dependentDialects = ["::flashtile::tilegpu::TileGPUDialect"];
}

def TileGPUAccelerateMatmul
    : Pass<"tilegpu-accelerate-matmul", "::mlir::ModuleOp"> {
  let summary = "Put tile.dot on mma.sync layouts";
  let description = [{
    Each `tile.dot` gets an mma (version 2, `mma.sync.m16n8kK`) result
    layout and dot-operand layouts for `a` (opIdx 0) and `b` (opIdx 1);
    the accumulator is converted in and the result converted back to the
    layout its users had, for tilegpu-remove-layout-conversions to clean
    up.

    Warps go along M first, as in FlashAttention (4 warps x 16 rows for a
    64-row block), then along N; all dots of a kernel with the same M and
    number of warps share one mma layout, so the P of attention (the
    result of the first dot) is already in the layout of the A operand of
    the second.

    Element types: f16 or bf16 operands with an f32 accumulator use
    m16n8k16 (sm_80+) or m16n8k8 (sm_75) with kWidth 2; f32 operands with
    `input_precision = tf32` use m16n8k8 tf32 with kWidth 1 (sm_80+).
    Anything else (f32 `ieee`, i8, an f16 accumulator), blocks smaller
    than one instruction, and targets below sm_75 are errors.
  }];
  let options = [
    Option<"arch", "arch", "int", "0",
           "Compute capability (75, 80, 86, 89, 90); 0: from the module's "
           "`tilegpu.target`">,
  ];
  let dependentDialects = ["::flashtile::tilegpu::TileGPUDialect"];
}

def TileGPURemoveLayoutConversions
    : Pass<"tilegpu-remove-layout-conversions", "::mlir::ModuleOp"> {
  let summary = "Propagate layouts from anchors and remove conversions";
  let description = [{
    1. Forward propagation from anchors: mma results of `tile.dot` (first
       choice) and the coalesced layouts of loads (second) flow to users
       through elementwise ops, `tile.reduce` (as a slice), `tile.expand_dims`
       of a matching slice, `tile.broadcast`, blocked `tile.trans`,
       `tilegpu.convert_layout` and the values `scf.for`/`scf.if`/
       `scf.while` carry. Values take the new layouts in place; converts
       are inserted where an op still needs another layout (dot operands,
       memory ops, mixed operands).
    2. Backward rematerialization: a convert whose source is computed by
       cheap ops (constants, `tile.splat`, `tile.make_range`,
       `tile.broadcast`, `tile.expand_dims`, elementwise ops, `tile.addptr`)
       is replaced by a copy of that computation in the target layout when
       that moves fewer elements between threads (masks and index
       arithmetic are recomputed, not converted).
    3. Clean-up: identity converts and convert chains fold, converts of
       splats become splats, dead ops go, and loop-invariant converts are
       hoisted out of loops.

    In attention forward, the scores, the row max and sum, P, the rescaling
    of the accumulator and the loop-carried acc, m_i and l_i stay in the
    mma layout and its slices, and P reaches the second dot through a
    register-only conversion.
  }];
  let dependentDialects = ["::flashtile::tilegpu::TileGPUDialect"];
}

def TileGPUPipeline : Pass<"tilegpu-pipeline", "::mlir::ModuleOp"> {
  let summary = "Software-pipeline the dot operands an scf.for loads";
  let description = [{
    In each `scf.for`, a `tile.load` whose block only feeds dots (through
    `tilegpu.convert_layout` to dot-operand layouts, possibly after a
    `tile.trans`) and whose pointers and mask depend on nothing carried by
    the loop but its induction variable, is turned into `cp.async` copies
    into a `num-stages`-deep ring of shared-memory buffers: before the
    loop, the copies of the first `num-stages - 1` iterations; in the
    loop, `async_wait` for the current iteration's copies, the copies of
    iteration `i + num-stages - 1` (masked off past the end), and
    `local_load`s of the current stage straight into the dot-operand
    layouts. A transposed load copies through transposed pointers, so the
    buffer holds the block the dot reads. Loads whose `other` is not zero
    (cp.async fills masked elements with zeros) are left alone.

    Runs after tilegpu-remove-layout-conversions; does nothing below sm_80
    (no cp.async) or for `num-stages` < 2. Barriers come from
    tilegpu-insert-barriers.
  }];
  let options = [
    Option<"numStages", "num-stages", "int", "2",
           "Buffers per pipelined load (iterations in flight + 1)">,
  ];
  let dependentDialects = ["::flashtile::tilegpu::TileGPUDialect",
                           "::mlir::arith::ArithDialect"];
}

def TileGPUOperandsInShared
    : Pass<"tilegpu-operands-in-shared", "::mlir::ModuleOp"> {
  let summary = "Read loop-invariant dot operands from shared memory in the loop";
  let description = [{
    A `tilegpu.convert_layout` to a dot-operand layout that is computed
    before an `scf.for` and read by a `tile.dot` inside it (Q in the
    attention forward, K and V in the backward's dK/dV pass: any operand
    loaded once and multiplied in every iteration) keeps
    its whole block in registers for the whole loop. Here its source is
    stored once into a swizzled shared-memory buffer before the loop
    (`tilegpu.local_alloc`) and each dot in the loop reads it back with a
    `tilegpu.local_load` right before it, as FlashAttention-2 keeps Q in
    shared memory: the registers go to the accumulators, and the lowering
    loads the operand fragment by fragment (ldmatrix) next to the
    products that use them. Uses outside the loop keep the conversion.

    Operands whose source has no blocked layout, or whose shape has no
    ldmatrix-friendly swizzle, are left in registers. Run after
    tilegpu-remove-layout-conversions (which hoists such converts out of
    loops) and before tilegpu-allocate-shared-memory.
  }];
  let dependentDialects = ["::flashtile::tilegpu::TileGPUDialect"];
}

def TileGPUTransposedOperands
    : Pass<"tilegpu-transposed-operands", "::mlir::ModuleOp"> {
  let summary = "Feed transposed dot operands through one swizzled buffer";
  let description = [{
    A dot operand that is the transpose of a computed block (Pᵀ and dSᵀ in
    the attention backward: `convert_layout(trans(convert_layout(x)))`
    after layout propagation, two trips through shared memory, the first
    with bank conflicts) becomes

      %buf = tilegpu.local_alloc %x        // x stored once, swizzled
      %t = tilegpu.memdesc_trans %buf      // the same bytes, transposed
      %a = tilegpu.local_load %t -> #dot_op

    one store in x's own layout and one ldmatrix(.trans) read, with the
    swizzle an mma operand of the transposed shape needs
    (layout::mmaOperandSwizzle). Runs before tilegpu-allocate-shared-memory.
  }];
  let dependentDialects = ["::flashtile::tilegpu::TileGPUDialect"];
}

def TileGPUAllocateSharedMemory
    : Pass<"tilegpu-allocate-shared-memory", "::mlir::ModuleOp"> {
  let summary = "Assign shared-memory offsets to buffers and scratch areas";
  let description = [{
    Every `tilegpu.local_alloc` and every op needing scratch
    (`getScratchBytes(op) > 0`: conversions through shared memory,
    cross-warp reductions) gets an `allocation.offset` (i32, bytes). A
    buffer is live from its allocation to its last use (a whole loop when
    used in it); scratch only while its op runs. Buffers whose lifetimes
    overlap get disjoint ranges (first fit, largest first); offsets are
    aligned to 16 bytes, 128 for swizzled buffers. The module gets
    `tilegpu.shared` (i32): the bytes the kernel needs. More than
    `max-shared` is an error at the kernel.
  }];
  let options = [
    Option<"maxShared", "max-shared", "int64_t", "0",
           "Shared memory a block may use, in bytes; 0: from the module's "
           "target (cuda:75 65536, cuda:80 166912, cuda:86 and cuda:89 "
           "101376, cuda:90 232448)">,
  ];
}

def TileGPUInsertBarriers : Pass<"tilegpu-insert-barriers", "::mlir::ModuleOp"> {
  let summary = "Insert barriers between conflicting shared-memory accesses";
  let description = [{
    Walks each kernel in program order tracking the shared-memory ranges
    written and read since the last barrier, and inserts
    `tilegpu.barrier` before an access that reads what may have been
    written, or writes what may have been read or written, by other
    threads. Writes are `local_alloc` with a source, `local_store`,
    `async_copy_global_to_local` and `async_wait` (which completes them);
    reads are `local_load`. An asynchronous copy must not start before
    the reads and writes pending over its destination are ordered, but its
    data counts as written only at the `async_wait` that completes it (so
    a pipelined loop needs one barrier per iteration, after the wait).
    Ranges come from `allocation.offset` (a
    buffer without one may overlap anything). An op using scratch
    synchronises its own scratch internally but its scratch stays pending
    for the ops after it. Loops are entered with what their body leaves
    pending, so a body that reads and writes a buffer gets a barrier
    before the first access that conflicts with the previous iteration.
    Run after tilegpu-allocate-shared-memory.
  }];
  let dependentDialects = ["::flashtile::tilegpu::TileGPUDialect"];
}

#endif // FLASHTILE_DIALECT_TILEGPU_TRANSFORMS_PASSES_TD
