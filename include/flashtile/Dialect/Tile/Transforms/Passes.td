//===- Passes.td - tile dialect passes ---------------------*- tablegen -*-===//

#ifndef FLASHTILE_DIALECT_TILE_TRANSFORMS_PASSES_TD
#define FLASHTILE_DIALECT_TILE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def TileCombine : Pass<"tile-combine"> {
  let summary = "Fuse tile op sequences into cheaper equivalents";
  let description = [{
    Algebraic combinations that the later backends rely on:

    * `arith.addf(tile.dot(a, b, 0), c)` becomes `tile.dot(a, b, c)`, so the
      matrix units accumulate in place (`acc += p @ v` in attention);
    * `tile.addptr(tile.addptr(p, x), y)` becomes `tile.addptr(p, x + y)`;
    * `arith.select(m, tile.load(p, m), o)` becomes `tile.load(p, m, o)`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // FLASHTILE_DIALECT_TILE_TRANSFORMS_PASSES_TD
