//===- Interpreter.h - the executor's evaluation engine ---------*- C++ -*-===//
//
// Evaluates the body of a kernel for one program instance: every SSA value of
// the kernel owns a slot holding its current runtime value, and operations
// are dispatched by dialect to the op families below, each in its own file.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_EXECUTOR_INTERPRETER_H
#define FLASHTILE_LIB_EXECUTOR_INTERPRETER_H

#include "Memory.h"
#include "Value.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Error.h"

#include <array>
#include <vector>

namespace flashtile::tile {
class AtomicRMWOp;
class DotOp;
class LoadOp;
class ReduceOp;
class StoreOp;
} // namespace flashtile::tile

namespace flashtile::exec {

class Interpreter {
public:
  Interpreter(mlir::func::FuncOp kernel, const AddressSpace &memory,
              std::array<int64_t, 3> grid, const RunControl &control = {});

  /// Runs the kernel body once as program `programId`, its arguments bound
  /// to `args`.
  llvm::Error runProgram(llvm::ArrayRef<RtValue> args,
                         std::array<int64_t, 3> programId);

  /// Runs the operations of `block`, its arguments bound to `args`, and
  /// copies the values of its terminator's operands into `results` (for
  /// scf.condition, the condition comes first).
  llvm::Error runBlock(mlir::Block &block, llvm::ArrayRef<RtValue> args,
                       llvm::SmallVectorImpl<RtValue> &results);

  /// The current value of `v`. References stay valid while other values are
  /// defined: every value has its own slot and slots never move.
  const RtValue &get(mlir::Value v) const { return slots[slotOf.at(v)]; }

  /// The slot of `v`, resized to `numElements`, for an operation to fill.
  RtValue &define(mlir::Value v, size_t numElements) {
    RtValue &slot = slots[slotOf.at(v)];
    slot.resize(numElements);
    return slot;
  }
  void define(mlir::Value v, const RtValue &value) {
    slots[slotOf.at(v)] = value;
  }

  const AddressSpace &memory() const { return addressSpace; }
  int64_t programId(unsigned axis) const { return pid[axis]; }
  int64_t numPrograms(unsigned axis) const { return grid[axis]; }

  /// "<headline> at <location>: <detail> in program (x, y, z)".
  llvm::Error fail(mlir::Operation *op, const llvm::Twine &headline,
                   const llvm::Twine &detail) const;

  /// "unsupported operation 'dialect.name' at <location>".
  llvm::Error unsupported(mlir::Operation *op) const;

  /// The element type of `type`, or an error naming `op` if the executor
  /// cannot represent it.
  llvm::Expected<ElemType> elemType(mlir::Operation *op, mlir::Type type) const;

private:
  llvm::Error execute(mlir::Operation &op);

  /// The run control's checks, every operation.
  llvm::Error checkProgress(mlir::Operation &op);

  mlir::func::FuncOp kernel;
  const AddressSpace &addressSpace;
  std::array<int64_t, 3> grid;
  const RunControl &control;
  uint64_t steps = 0;
  std::array<int64_t, 3> pid = {0, 0, 0};
  llvm::DenseMap<mlir::Value, unsigned> slotOf;
  std::vector<RtValue> slots;
};

/// "file:line:col" of the innermost file location in `loc`, else `loc` as
/// MLIR prints it.
std::string formatLocation(mlir::Location loc);

//===----------------------------------------------------------------------===//
// Op families. Each defines the results of one operation in the interpreter
// or returns an error; the dialect-level entry points report operations
// they do not know as unsupported.
//===----------------------------------------------------------------------===//

/// arith: constants, element-wise arithmetic, comparisons, casts (ArithOps).
llvm::Error executeArithOp(Interpreter &interp, mlir::Operation &op);
/// math: element-wise functions (MathOps).
llvm::Error executeMathOp(Interpreter &interp, mlir::Operation &op);
/// scf: for, if, while (ControlFlow).
llvm::Error executeScfOp(Interpreter &interp, mlir::Operation &op);
/// tile: program identity, block creation and reshaping, pointer
/// arithmetic; forwards the memory, dot and reduce operations (TileOps).
llvm::Error executeTileOp(Interpreter &interp, mlir::Operation &op);

/// tile.load, tile.store, tile.atomic_rmw (MemoryOps).
llvm::Error executeLoad(Interpreter &interp, tile::LoadOp op);
llvm::Error executeStore(Interpreter &interp, tile::StoreOp op);
llvm::Error executeAtomicRMW(Interpreter &interp, tile::AtomicRMWOp op);

/// tile.dot, tile.reduce (DotAndReduce).
llvm::Error executeDot(Interpreter &interp, tile::DotOp op);
llvm::Error executeReduce(Interpreter &interp, tile::ReduceOp op);

} // namespace flashtile::exec

#endif // FLASHTILE_LIB_EXECUTOR_INTERPRETER_H
