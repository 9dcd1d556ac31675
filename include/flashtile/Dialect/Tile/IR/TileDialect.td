//===- TileDialect.td - the tile dialect -------------------*- tablegen -*-===//
//
// The `tile` dialect is FlashTile's tensor-level, layout-free IR: the form the
// DSL front end produces and the CPU reference executor runs.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_DIALECT_TILE_IR_TILEDIALECT_TD
#define FLASHTILE_DIALECT_TILE_IR_TILEDIALECT_TD

include "mlir/IR/OpBase.td"

def Tile_Dialect : Dialect {
  let name = "tile";
  let cppNamespace = "::flashtile::tile";
  let summary = "Block-level tensor programs over global memory pointers";
  let description = [{
    A `tile` program is the body of one *program instance* of a kernel: the
    grid launches many instances, each reads `tile.program_id` to find its
    block of work. Values are scalars or builtin ranked tensors (*blocks*) of
    statically known, layout-free shape. Global memory is addressed through
    `!tile.ptr<T>` scalars and tensors of them; `tile.load` and `tile.store`
    move whole blocks, with an optional mask that switches individual
    elements off.

    Element-wise arithmetic, math functions and control flow come from the
    upstream `arith`, `math` and `scf` dialects, which all accept tensor
    operands. This dialect adds what they lack: pointers, block creation and
    reshaping, memory access, atomics, matrix products and reductions.

    Layouts (which thread holds which element) are deliberately absent: they
    are assigned when `tile` is converted to the GPU-level dialect.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
    void registerTypes();
  }];
}

class Tile_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tile_Dialect, mnemonic, traits>;

#endif // FLASHTILE_DIALECT_TILE_IR_TILEDIALECT_TD
