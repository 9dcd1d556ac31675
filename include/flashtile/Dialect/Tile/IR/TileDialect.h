//===- TileDialect.h - the tile dialect -------------------------*- C++ -*-===//
//
// Declares the `tile` dialect, its types and operations.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_DIALECT_TILE_IR_TILEDIALECT_H
#define FLASHTILE_DIALECT_TILE_IR_TILEDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "flashtile/Dialect/Tile/IR/TileDialect.h.inc"
#include "flashtile/Dialect/Tile/IR/TileEnums.h.inc"

#define GET_TYPEDEF_CLASSES
#include "flashtile/Dialect/Tile/IR/TileTypes.h.inc"

namespace flashtile::tile {

/// The reductions `tile.reduce` prints in short form and builds directly.
enum class ReduceKind { Sum, Max, Min };

/// Keyword of a reduce kind (`sum`, `max`, `min`) and its inverse.
llvm::StringRef stringifyReduceKind(ReduceKind kind);
std::optional<ReduceKind> symbolizeReduceKind(llvm::StringRef name);

/// The type loaded through a pointer-like type: `!tile.ptr<T>` gives `T`,
/// `tensor<S x !tile.ptr<T>>` gives `tensor<S x T>`; null for anything else.
mlir::Type getPointeeType(mlir::Type ptrLike);

/// `i1` for a scalar, `tensor<S x i1>` for a tensor of shape S.
mlir::Type getI1SameShape(mlir::Type type);

/// The element type of a tensor, or the type itself for a scalar.
mlir::Type getElementTypeOrSelf(mlir::Type type);

} // namespace flashtile::tile

#define GET_OP_CLASSES
#include "flashtile/Dialect/Tile/IR/TileOps.h.inc"

#endif // FLASHTILE_DIALECT_TILE_IR_TILEDIALECT_H
