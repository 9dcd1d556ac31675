//===- TileGPUDialect.td - the tilegpu dialect -------------*- tablegen -*-===//
//
// `tilegpu` is the GPU-level form of tile programs: block tensors carry a
// layout encoding saying which thread holds which element, and shared memory
// is explicit.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_DIALECT_TILEGPU_IR_TILEGPUDIALECT_TD
#define FLASHTILE_DIALECT_TILEGPU_IR_TILEGPUDIALECT_TD

include "mlir/IR/OpBase.td"

def TileGPU_Dialect : Dialect {
  let name = "tilegpu";
  let cppNamespace = "::flashtile::tilegpu";
  let summary = "Tile programs with GPU layouts and explicit shared memory";
  let description = [{
    After layout assignment, every block tensor of a kernel has a layout
    encoding (`tensor<64x64xf16, #tilegpu.blocked<...>>`): a function from a
    thread's (register, lane, warp) to tensor coordinates. All encodings are
    constructors over one representation, the linear layout
    (docs/layouts.md), so conversions between any two are computed.

    `tile` ops keep working on encoded tensors; this dialect adds layout
    conversion, shared-memory buffers (`!tilegpu.memdesc`) and the
    asynchronous copies and barriers that move data through them.

    Module attributes: `tilegpu.num_warps` (i32, a power of two from 1 to
    32), `tilegpu.target` ("cuda:80", ...), and after allocation
    `tilegpu.shared` (i32 bytes, not negative); the dialect verifies them.
  }];
  let hasOperationAttrVerify = 1;
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let extraClassDeclaration = [{
    static constexpr llvm::StringLiteral kNumWarpsAttrName = "tilegpu.num_warps";
    static constexpr llvm::StringLiteral kTargetAttrName = "tilegpu.target";
    static constexpr llvm::StringLiteral kSharedAttrName = "tilegpu.shared";
    static constexpr int kThreadsPerWarp = 32;
  }];
}

class TileGPU_Op<string mnemonic, list<Trait> traits = []>
    : Op<TileGPU_Dialect, mnemonic, traits>;

#endif // FLASHTILE_DIALECT_TILEGPU_IR_TILEGPUDIALECT_TD
