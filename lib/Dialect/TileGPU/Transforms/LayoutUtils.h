//===- LayoutUtils.h - helpers shared by the tilegpu passes -----*- C++ -*-===//
//
// Building blocked encodings, retyping blocks with an encoding, and the
// layout rules of the tile ops that the passes share: which encoding an
// op's result takes from an operand and which encoding an operand needs for
// a given result.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_DIALECT_TILEGPU_TRANSFORMS_LAYOUTUTILS_H
#define FLASHTILE_LIB_DIALECT_TILEGPU_TRANSFORMS_LAYOUTUTILS_H

#include "flashtile/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "mlir/IR/Builders.h"

#include <optional>
#include <string>

namespace flashtile::tilegpu {

/// Compute capability of a target string "cuda:80" (80), or nullopt.
std::optional<int> parseCudaArch(llvm::StringRef target);

/// Compute capability from the module's `tilegpu.target`; 80 if absent or
/// malformed.
int getTargetArch(mlir::ModuleOp module);

/// Largest power of two dividing `value` (2^30 for 0), capped at 2^30.
int64_t highestPowerOf2Divisor(int64_t value);

/// The blocked encoding for a block of `shape` in which each thread owns
/// `perThread` consecutive elements of dimension order[0] (capped by the
/// shape), the 32 lanes of a warp fill the dimensions in `order` (fastest
/// first) and the warps go along dimension 0 first, then 1, ...; lanes and
/// warps left over once the shape is covered hold duplicates.
BlockedEncodingAttr buildBlockedEncoding(mlir::MLIRContext *context,
                                         llvm::ArrayRef<int64_t> shape,
                                         unsigned perThread,
                                         llvm::ArrayRef<unsigned> order,
                                         unsigned numWarps);

/// The default layout of a block of `shape` (see convert-tile-to-tilegpu):
/// order [rank-1, ..., 0], up to 4 elements per thread along the last
/// dimension.
BlockedEncodingAttr getDefaultBlockedEncoding(mlir::MLIRContext *context,
                                              llvm::ArrayRef<int64_t> shape,
                                              unsigned numWarps);

/// Empty when a block of `shape` can be laid out (every dimension a power
/// of two, at most 2^20 elements), otherwise why not.
std::string whyShapeCannotBeLaidOut(llvm::ArrayRef<int64_t> shape);

/// `type` with `encoding` (or without one when null); non-tensors as is.
mlir::Type withEncoding(mlir::Type type, mlir::Attribute encoding);

/// The encoding of a ranked tensor type, or null.
mlir::Attribute getEncoding(mlir::Type type);

/// The swizzled shared layout an mma operand block of `shape` stored with
/// `order` reads conflict-free with ldmatrix (layout::mmaOperandSwizzle),
/// or null when the shape has none.
SharedEncodingAttr getMmaOperandSharedEncoding(mlir::MLIRContext *context,
                                               llvm::ArrayRef<int64_t> shape,
                                               llvm::ArrayRef<unsigned> order,
                                               unsigned elemBitWidth);

/// Result encoding of `tile.trans` with `order` for a source in `encoding`:
/// the same blocked layout with its dimensions permuted (registers are only
/// renamed). Null for other encodings.
mlir::Attribute getTransposedEncoding(mlir::Attribute encoding,
                                      llvm::ArrayRef<int32_t> order);

/// The source encoding that getTransposedEncoding maps to `resultEncoding`,
/// or null.
mlir::Attribute getTransposeSourceEncoding(mlir::Attribute resultEncoding,
                                           llvm::ArrayRef<int32_t> order);

/// Ops computing each element of their block results from the elements at
/// the same position of their block operands (arith and math ops on
/// blocks, tile.addptr): one encoding for all blocks.
bool isElementwise(mlir::Operation *op);

/// A convert_layout of `value` to `type`, or `value` itself when it has
/// that type already.
mlir::Value convertTo(mlir::OpBuilder &builder, mlir::Location loc,
                      mlir::Value value, mlir::Type type);

} // namespace flashtile::tilegpu

#endif // FLASHTILE_LIB_DIALECT_TILEGPU_TRANSFORMS_LAYOUTUTILS_H
