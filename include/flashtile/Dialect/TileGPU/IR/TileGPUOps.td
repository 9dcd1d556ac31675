//===- TileGPUOps.td - tilegpu types and operations --------*- tablegen -*-===//

#ifndef FLASHTILE_DIALECT_TILEGPU_IR_TILEGPUOPS_TD
#define FLASHTILE_DIALECT_TILEGPU_IR_TILEGPUOPS_TD

include "flashtile/Dialect/TileGPU/IR/TileGPUAttrs.td"
include "flashtile/Dialect/Tile/IR/TileTypes.td"
include "mlir/IR/BuiltinTypeInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

def TileGPU_MemDescType : TypeDef<TileGPU_Dialect, "MemDesc"> {
  let mnemonic = "memdesc";
  let summary = "A buffer in shared memory";
  let description = [{
    A shared-memory buffer holding a block of `shape` with elements laid
    out by a shared encoding. A leading dimension may count pipeline
    stages (multi-buffering); `tilegpu.memdesc_index` selects one.

    ```mlir
    !tilegpu.memdesc<64x64xf16, #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>>
    ```
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$shape,
                        "::mlir::Type":$elementType,
                        "::mlir::Attribute":$encoding);
  let assemblyFormat = "`<` custom<Shape>($shape, $elementType) `,` $encoding `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Bytes the buffer occupies.
    int64_t getSizeInBytes() const;
  }];
}

def TileGPU_MemDesc : Type<CPred<"::llvm::isa<::flashtile::tilegpu::MemDescType>($_self)">,
                           "shared-memory buffer", "::flashtile::tilegpu::MemDescType">;

//===----------------------------------------------------------------------===//
// Operations
//===----------------------------------------------------------------------===//

def TileGPU_ConvertLayoutOp : TileGPU_Op<"convert_layout",
    [Pure, SameOperandsAndResultShape, SameOperandsAndResultElementType]> {
  let summary = "Move a block to another layout";
  let description = [{
    The same values, held by other threads: lowered to a register
    permutation, warp shuffles or a round trip through shared memory,
    whichever the two linear layouts need.

    ```mlir
    %b = tilegpu.convert_layout %a : tensor<64x64xf32, #blocked> -> tensor<64x64xf32, #mma>
    ```
  }];
  let arguments = (ins Tile_Tensor:$src);
  let results = (outs Tile_Tensor:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def TileGPU_LocalAllocOp : TileGPU_Op<"local_alloc",
    [MemoryEffects<[MemAlloc<DefaultResource>, MemWrite<DefaultResource>]>]> {
  let summary = "Allocate a shared-memory buffer, optionally storing a block";
  let description = [{
    ```mlir
    %m = tilegpu.local_alloc %x : (tensor<64x64xf16, #blocked>) -> !tilegpu.memdesc<64x64xf16, #shared>
    %e = tilegpu.local_alloc : () -> !tilegpu.memdesc<2x64x64xf16, #shared>
    ```
    The buffer's offset in the kernel's shared memory is assigned by the
    allocation pass (`allocation.offset`).
  }];
  let arguments = (ins Optional<Tile_Tensor>:$src);
  let results = (outs TileGPU_MemDesc:$result);
  let assemblyFormat = "$src attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def TileGPU_LocalLoadOp : TileGPU_Op<"local_load"> {
  let summary = "Read a block from shared memory into registers";
  let description = [{
    ```mlir
    %a = tilegpu.local_load %m : !tilegpu.memdesc<64x64xf16, #shared> -> tensor<64x64xf16, #dot_a>
    ```
  }];
  let arguments = (ins Arg<TileGPU_MemDesc, "", [MemRead]>:$src);
  let results = (outs Tile_Tensor:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
}

def TileGPU_LocalStoreOp : TileGPU_Op<"local_store"> {
  let summary = "Write a block from registers to shared memory";
  let arguments = (ins Tile_Tensor:$src, Arg<TileGPU_MemDesc, "", [MemWrite]>:$dst);
  let assemblyFormat = "$src `,` $dst attr-dict `:` type($src) `->` type($dst)";
  let hasVerifier = 1;
}

def TileGPU_MemDescIndexOp : TileGPU_Op<"memdesc_index", [Pure]> {
  let summary = "One stage of a multi-buffered shared-memory buffer";
  let description = [{
    ```mlir
    %s = tilegpu.memdesc_index %m[%i] : !tilegpu.memdesc<2x64x64xf16, #shared> -> !tilegpu.memdesc<64x64xf16, #shared>
    ```
  }];
  let arguments = (ins TileGPU_MemDesc:$src, I32:$index);
  let results = (outs TileGPU_MemDesc:$result);
  let assemblyFormat = "$src `[` $index `]` attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
}

def TileGPU_MemDescTransOp : TileGPU_Op<"memdesc_trans", [Pure]> {
  let summary = "The transpose of a 2-d shared-memory buffer, as a view";
  let description = [{
    The same bytes seen with the dimensions swapped: the result's shape is
    the source's reversed and its shared layout has the source's swizzle
    with the order reversed, so element (j, i) of the result is element
    (i, j) of the source. A `local_load` of the view into a dot-operand
    layout reads a transposed operand (ldmatrix.trans where the layouts
    call for it) without moving data.

    ```mlir
    %t = tilegpu.memdesc_trans %m : !tilegpu.memdesc<64x32xf16, #shared_rows> -> !tilegpu.memdesc<32x64xf16, #shared_cols>
    ```
  }];
  let arguments = (ins TileGPU_MemDesc:$src);
  let results = (outs TileGPU_MemDesc:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
}

def TileGPU_AsyncCopyGlobalToLocalOp : TileGPU_Op<"async_copy_global_to_local", [
    OptionalTypesMatchWith<"mask has the shape of ptr", "ptr", "mask",
                           "::flashtile::tile::getI1SameShape($_self)">]> {
  let summary = "Start an asynchronous copy of a block into shared memory";
  let description = [{
    Issues `cp.async` copies of the elements `ptr` points to into `dst`;
    masked-off elements are filled with zero. Copies complete in groups:
    see `async_commit_group` and `async_wait`.

    ```mlir
    tilegpu.async_copy_global_to_local %p, %m : tensor<64x64x!tile.ptr<f16>, #blocked> -> !tilegpu.memdesc<64x64xf16, #shared>
    ```
  }];
  let arguments = (ins Arg<Tile_PtrTensor, "", [MemRead]>:$ptr,
                       Arg<TileGPU_MemDesc, "", [MemWrite]>:$dst,
                       Optional<RankedTensorOf<[I1]>>:$mask);
  let assemblyFormat = [{
    $ptr `,` $dst (`mask` $mask^)? attr-dict `:` type($ptr) `->` type($dst)
  }];
  let hasVerifier = 1;
}

def TileGPU_AsyncCommitGroupOp : TileGPU_Op<"async_commit_group"> {
  let summary = "Close the group of asynchronous copies issued so far";
  let assemblyFormat = "attr-dict";
}

def TileGPU_AsyncWaitOp : TileGPU_Op<"async_wait"> {
  let summary = "Wait until at most `num` copy groups are still in flight";
  let arguments = (ins I32Attr:$num);
  let assemblyFormat = "$num attr-dict";
}

def TileGPU_BarrierOp : TileGPU_Op<"barrier"> {
  let summary = "Block-wide barrier (bar.sync 0)";
  let description = [{
    Orders the shared-memory accesses of all threads of the block;
    inserted by the barrier pass between writes and reads of a buffer.
  }];
  let assemblyFormat = "attr-dict";
}

#endif // FLASHTILE_DIALECT_TILEGPU_IR_TILEGPUOPS_TD
