//===- Passes.h - tile dialect passes ---------------------------*- C++ -*-===//

#ifndef FLASHTILE_DIALECT_TILE_TRANSFORMS_PASSES_H
#define FLASHTILE_DIALECT_TILE_TRANSFORMS_PASSES_H

#include "flashtile/Dialect/Tile/IR/TileDialect.h"
#include "mlir/Pass/Pass.h"

namespace mlir::arith {
class ArithDialect;
} // namespace mlir::arith

namespace flashtile::tile {

#define GEN_PASS_DECL
#include "flashtile/Dialect/Tile/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "flashtile/Dialect/Tile/Transforms/Passes.h.inc"

} // namespace flashtile::tile

#endif // FLASHTILE_DIALECT_TILE_TRANSFORMS_PASSES_H
