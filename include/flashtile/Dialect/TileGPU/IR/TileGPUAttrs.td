//===- TileGPUAttrs.td - layout encodings ------------------*- tablegen -*-===//

#ifndef FLASHTILE_DIALECT_TILEGPU_IR_TILEGPUATTRS_TD
#define FLASHTILE_DIALECT_TILEGPU_IR_TILEGPUATTRS_TD

include "flashtile/Dialect/TileGPU/IR/TileGPUDialect.td"
include "mlir/IR/AttrTypeBase.td"

def TileGPU_LayoutEncodingInterface : AttrInterface<"LayoutEncodingAttr"> {
  let cppNamespace = "::flashtile::tilegpu";
  let description = [{
    A layout encoding: converts itself, for a given tensor shape, to the one
    underlying representation, a linear layout. Distributed encodings map
    (register, lane, warp) to tensor coordinates; shared encodings map the
    element offset in a shared-memory buffer to tensor coordinates.
  }];
  let methods = [
    InterfaceMethod<"The linear layout of a tensor of `shape`, or why this "
                    "encoding cannot lay it out.",
      "::llvm::Expected<::flashtile::LinearLayout>", "toLinearLayout",
      (ins "::llvm::ArrayRef<int64_t>":$shape)>,
    InterfaceMethod<"Whether elements live in registers of threads (true) "
                    "or in shared memory (false).",
      "bool", "isDistributed", (ins), [{}], [{ return true; }]>,
  ];
}

class TileGPU_Attr<string name, string attrMnemonic,
                   list<string> overridden = []>
    : AttrDef<TileGPU_Dialect, name,
              [DeclareAttrInterfaceMethods<TileGPU_LayoutEncodingInterface,
                                           overridden>]> {
  let mnemonic = attrMnemonic;
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def TileGPU_BlockedEncodingAttr : TileGPU_Attr<"BlockedEncoding", "blocked"> {
  let summary = "Blocked layout: each thread owns small contiguous blocks";
  let description = [{
    A thread owns `sizePerThread` contiguous elements; a warp's 32 threads
    are arranged `threadsPerWarp`, the warps `warpsPerCTA`; `order[0]` is the
    fastest-varying dimension. Smaller tensors are duplicated across
    threads, larger ones wrap around in registers. The layout of elementwise
    code and of coalesced global accesses.

    ```mlir
    #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
    ```
  }];
  let parameters = (ins ArrayRefParameter<"unsigned">:$sizePerThread,
                        ArrayRefParameter<"unsigned">:$threadsPerWarp,
                        ArrayRefParameter<"unsigned">:$warpsPerCTA,
                        ArrayRefParameter<"unsigned">:$order);
}

def TileGPU_MmaEncodingAttr : TileGPU_Attr<"MmaEncoding", "mma"> {
  let summary = "Accumulator layout of NVIDIA mma.sync";
  let description = [{
    The C/D fragment of `mma.sync.m16n8kK` (version 2: Turing and Ampere
    instructions, which Hopper also runs), tiled over `warpsPerCTA` warps.
    `instrK` is 16 for m16n8k16 (sm_80+) and 8 for m16n8k8 (sm_75).

    ```mlir
    #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8], instrK = 16}>
    ```
  }];
  let parameters = (ins "unsigned":$version,
                        ArrayRefParameter<"unsigned">:$warpsPerCTA,
                        ArrayRefParameter<"unsigned">:$instrShape,
                        "unsigned":$instrK);
  let extraClassDeclaration = [{
    ::flashtile::layout::MmaParams getParams() const;
  }];
}

def TileGPU_DotOperandEncodingAttr : TileGPU_Attr<"DotOperandEncoding", "dot_op"> {
  let summary = "Register layout of an mma.sync operand";
  let description = [{
    Operand `opIdx` (0: A, 1: B) of the mma with encoding `parent`;
    `kWidth` consecutive K elements share one 32-bit register (2 for 16-bit
    types).

    ```mlir
    #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
    ```
  }];
  let parameters = (ins "unsigned":$opIdx, "::mlir::Attribute":$parent,
                        "unsigned":$kWidth);
}

def TileGPU_SliceEncodingAttr : TileGPU_Attr<"SliceEncoding", "slice"> {
  let summary = "A parent layout with one dimension removed";
  let description = [{
    The layout of a reduction result along `dim`: the threads that held
    different elements along `dim` now hold duplicates.

    ```mlir
    #tilegpu.slice<{dim = 1, parent = #mma}>
    ```
  }];
  let parameters = (ins "unsigned":$dim, "::mlir::Attribute":$parent);
}

def TileGPU_SharedEncodingAttr
    : TileGPU_Attr<"SharedEncoding", "shared", ["isDistributed"]> {
  let summary = "Swizzled shared-memory layout";
  let description = [{
    Rows along `order[0]` are stored one after another; in row r, chunk c of
    `vec` elements goes to chunk `c ^ ((r / perPhase) % maxPhase)`, which
    keeps ldmatrix and 16-byte row accesses free of bank conflicts.

    ```mlir
    #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
    ```
  }];
  let parameters = (ins "unsigned":$vec, "unsigned":$perPhase,
                        "unsigned":$maxPhase, ArrayRefParameter<"unsigned">:$order);
}

#endif // FLASHTILE_DIALECT_TILEGPU_IR_TILEGPUATTRS_TD
