//===- Executor.h - CPU reference executor for tile IR ----------*- C++ -*-===//
//
// Runs a verified `tile` kernel for every program instance of a grid over
// host buffers, with exact semantics: masks and `other`, rounding to
// f16/bf16/f32 after each operation, f32 accumulation in tile.dot, atomics.
// It is the semantic reference the GPU backends are checked against.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_EXECUTOR_EXECUTOR_H
#define FLASHTILE_EXECUTOR_EXECUTOR_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>
#include <functional>
#include <string>

namespace flashtile::exec {

/// A host buffer a pointer argument points into (its start).
struct HostBuffer {
  void *data = nullptr;
  int64_t sizeBytes = 0;
  /// Shown in error messages, e.g. the kernel parameter's name.
  std::string name;
  /// False for read-only memory (a non-writeable numpy array): a store or
  /// atomic into it is an error.
  bool writable = true;
};

/// One kernel argument, in the order of the kernel's function arguments.
struct KernelArg {
  enum class Kind { Buffer, Int, Float } kind = Kind::Int;
  /// Kind::Buffer: index into the buffers passed to runKernel.
  int64_t buffer = 0;
  /// Kind::Int: the value (converted to the parameter's integer type).
  int64_t intValue = 0;
  /// Kind::Float: the value (rounded to the parameter's float type).
  double floatValue = 0.0;

  static KernelArg ofBuffer(int64_t index) { return {Kind::Buffer, index, 0, 0}; }
  static KernelArg ofInt(int64_t v) { return {Kind::Int, 0, v, 0}; }
  static KernelArg ofFloat(double v) { return {Kind::Float, 0, 0, v}; }
};

/// How long a run may go on. `interrupted` (if set) is polled every
/// kPollInterval operations: true stops the run with an "interrupted"
/// error (e.g. Ctrl-C in Python). `stepLimit` (0: none) bounds the
/// operations executed over the whole grid: a kernel that does not
/// terminate stops with an error naming the operation it was at.
struct RunControl {
  static constexpr uint64_t kPollInterval = 1 << 16;
  std::function<bool()> interrupted;
  uint64_t stepLimit = 0;
};

/// Runs `kernel` once per program instance of `grid` (x fastest), instances
/// one after another. Returns an error (never aborts) for bad arguments, an
/// unsupported operation, or an unmasked out-of-bounds or misaligned access;
/// such errors name the operation, its source location (the DSL's
/// file:line:col when the IR came from the front end), the program id and the
/// buffer.
llvm::Error runKernel(mlir::func::FuncOp kernel, std::array<int64_t, 3> grid,
                      llvm::ArrayRef<KernelArg> args,
                      llvm::ArrayRef<HostBuffer> buffers,
                      const RunControl &control = {});

} // namespace flashtile::exec

#endif // FLASHTILE_EXECUTOR_EXECUTOR_H
