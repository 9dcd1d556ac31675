//===- TileGPUDialect.h - the tilegpu dialect -------------------*- C++ -*-===//
//
// Declares the `tilegpu` dialect: layout encodings (all constructors over
// flashtile::LinearLayout), the shared-memory buffer type and the ops that
// convert layouts and move data through shared memory.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_DIALECT_TILEGPU_IR_TILEGPUDIALECT_H
#define FLASHTILE_DIALECT_TILEGPU_IR_TILEGPUDIALECT_H

#include "flashtile/Dialect/Tile/IR/TileDialect.h"
#include "flashtile/Layout/Layouts.h"
#include "flashtile/Layout/LinearLayout.h"
#include "mlir/IR/BuiltinOps.h"

#include "flashtile/Dialect/TileGPU/IR/TileGPUDialect.h.inc"
#include "flashtile/Dialect/TileGPU/IR/TileGPUAttrInterfaces.h.inc"

#define GET_ATTRDEF_CLASSES
#include "flashtile/Dialect/TileGPU/IR/TileGPUAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "flashtile/Dialect/TileGPU/IR/TileGPUTypes.h.inc"

#define GET_OP_CLASSES
#include "flashtile/Dialect/TileGPU/IR/TileGPUOps.h.inc"

namespace flashtile::tilegpu {

/// The layout encoding of a tensor type, or null.
LayoutEncodingAttr getLayoutEncoding(mlir::Type type);

/// The linear layout of an encoded tensor or memdesc type; an error if it
/// has no encoding or the encoding cannot lay out its shape.
llvm::Expected<LinearLayout> getLinearLayout(mlir::Type type);

/// Bytes of an element of `type` (a tensor's or memdesc's element type, or
/// a scalar) in shared memory: i1 takes a byte, pointers 8.
int64_t getElementBytes(mlir::Type type);

/// Scratch shared memory `op` needs while it runs, beyond the buffers of
/// tilegpu.local_alloc: a convert_layout that moves elements between warps
/// stages the whole block (row-major); a tile.reduce whose reduced axis is
/// spread over warps exchanges one partial result per warp along that axis
/// and result element. Zero for everything else. The allocation pass gives
/// such ops an `allocation.offset`; their lowering uses the bytes from there.
llvm::Expected<int64_t> getScratchBytes(mlir::Operation *op);

/// Attribute holding the byte offset of a buffer or scratch area in the
/// kernel's shared memory.
inline constexpr llvm::StringLiteral kAllocationOffsetAttrName =
    "allocation.offset";

/// Module-level launch parameters written by layout assignment.
int getNumWarps(mlir::ModuleOp module);
/// Number of threads of a CTA: 32 * num_warps.
int getNumThreads(mlir::ModuleOp module);

} // namespace flashtile::tilegpu

#endif // FLASHTILE_DIALECT_TILEGPU_IR_TILEGPUDIALECT_H
