//===- AxisInfo.h - contiguity and divisibility of blocks -------*- C++ -*-===//
//
// A forward analysis of integer and pointer blocks (and scalars): along each
// dimension, how long the runs of consecutive values are (contiguity), what
// power of two divides the first value of each run (divisibility: elements
// for integers, bytes for pointers) and how long the runs of equal values
// are (constancy). tilegpu-coalesce picks layouts from it; the lowering to
// LLVM (convert-tilegpu-to-llvm) picks the vector width of every global
// load, store and cp.async from it and the layout, so it runs on any
// tilegpu IR: laid out, pipelined, after shared-memory allocation.
//
// Facts come from tile.make_range (contiguity), constants, the
// `tile.divisibility` argument attributes the front end writes (pointers
// are otherwise assumed aligned to their element size) and tile.hint
// (fl.multiple_of, fl.max_contiguous), and flow through
// tile.splat/broadcast/expand_dims/trans/addptr, tilegpu.convert_layout,
// arith.addi/subi/muli/divsi/remsi/cmpi/select/extsi/..., scf.for induction
// variables and loop-carried values (to a fixpoint) and scf.if results.
// Division and remainder assume non-negative operands, as block indices
// are. Anything else is unknown: contiguity, divisibility and constancy 1.
// Layouts play no part: facts are about a block's values, not who holds
// them.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_DIALECT_TILEGPU_ANALYSIS_AXISINFO_H
#define FLASHTILE_DIALECT_TILEGPU_ANALYSIS_AXISINFO_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

namespace flashtile::tilegpu {

/// Facts about one value. Scalars are described as one-element blocks of
/// rank 1.
struct AxisInfo {
  /// Values are x0, x0+1, ..., in aligned runs of this length.
  llvm::SmallVector<int64_t, 4> contiguity;
  /// The first value of each run (every value, where contiguity is 1) is a
  /// multiple of this power of two; bytes for pointers.
  llvm::SmallVector<int64_t, 4> divisibility;
  /// Values are equal in aligned runs of this length.
  llvm::SmallVector<int64_t, 4> constancy;

  /// Nothing known about a value of rank `rank`.
  static AxisInfo getUnknown(unsigned rank);
  /// What holds for both `a` and `b` (per dimension, the gcd).
  static AxisInfo join(const AxisInfo &a, const AxisInfo &b);

  unsigned getRank() const { return contiguity.size(); }
  /// A power of two dividing every value (the divisibility of a dimension
  /// along which every value starts a run), 1 if there is none.
  int64_t getElementDivisibility() const;

  bool operator==(const AxisInfo &other) const {
    return contiguity == other.contiguity &&
           divisibility == other.divisibility && constancy == other.constancy;
  }
  bool operator!=(const AxisInfo &other) const { return !(*this == other); }
};

llvm::raw_ostream &operator<<(llvm::raw_ostream &os, const AxisInfo &info);

class AxisInfoAnalysis {
public:
  /// Analyses every function nested in `root`.
  explicit AxisInfoAnalysis(mlir::Operation *root);

  /// The facts about `value` (unknown for values not analysed).
  AxisInfo getAxisInfo(mlir::Value value) const;

  /// The dimensions of a pointer block, most contiguous first (ties: the
  /// last dimension first, as in row-major storage).
  llvm::SmallVector<unsigned> getContiguityOrder(mlir::Value ptr) const;

  /// Elements one thread may access with one instruction through the
  /// pointer block `ptr` along dimension `dim`, with `mask` (may be null):
  /// a power of two, at most 16 bytes, within one run of consecutive
  /// addresses, aligned to its size, and with a mask that is uniform over
  /// it.
  unsigned getVectorWidth(mlir::Value ptr, mlir::Value mask,
                          unsigned dim) const;

private:
  void visitRegion(mlir::Region &region);
  void visitOp(mlir::Operation *op);
  void visitFor(mlir::Operation *op);
  void set(mlir::Value value, AxisInfo info);

  llvm::DenseMap<mlir::Value, AxisInfo> infos;
};

} // namespace flashtile::tilegpu

#endif // FLASHTILE_DIALECT_TILEGPU_ANALYSIS_AXISINFO_H
