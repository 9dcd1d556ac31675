//===- Frontend.h - DSL source to tile IR -----------------------*- C++ -*-===//
//
// The DSL front end: parses a Python-syntax kernel module (docs/language.md),
// specialises one kernel on its constexpr values and argument types, and
// emits verified `tile` IR. Every error is reported through the SourceMgr
// as `file:line:col: error: ...` with the source line and a caret.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_FRONTEND_FRONTEND_H
#define FLASHTILE_FRONTEND_FRONTEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SourceMgr.h"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace flashtile::frontend {

/// A compile-time value bound to a `fl.constexpr` parameter: an integer, a
/// float, a bool, a dtype name ("float16", "bfloat16", ...) or None.
struct ConstexprValue {
  std::variant<std::monostate, int64_t, double, bool, std::string> value;
};

/// How a kernel parameter is passed.
enum class ParamKind { Pointer, Int, Float, Constexpr, Untyped };

/// One kernel parameter as declared in the source.
struct ParamInfo {
  std::string name;
  ParamKind kind;
  /// Declared type in the project's type syntax: "*f16" (pointer to f16),
  /// "*" (pointer whose element type comes from the argument), "i32",
  /// "i64", "f32"; empty for constexpr and untyped parameters.
  std::string type;
  /// For constexpr parameters with a default: its value.
  std::optional<ConstexprValue> defaultValue;
};

/// What one compile specialises on.
struct Specialization {
  /// Values of constexpr parameters (those without a default are required).
  llvm::StringMap<ConstexprValue> constexprs;
  /// Types of non-constexpr parameters in the project's type syntax ("*f16",
  /// "i32", "f32", ...). Required for generic pointers ("*") and untyped
  /// parameters; must agree with a declared type where one is given.
  llvm::StringMap<std::string> argTypes;
  /// Integer and pointer parameters known to be divisible by 16 (pointers:
  /// 16-byte aligned); recorded as `tile.divisibility = 16` argument attributes.
  llvm::StringSet<> divisibleBy16;
  /// Integer parameters known to be 1 (Triton's equal-to-1 specialisation):
  /// the kernel body sees the constant 1 (so `x * stride` folds to `x` and
  /// the access is known contiguous); the argument stays in the signature.
  llvm::StringSet<> equalTo1;
};

/// Lists the parameters of `kernel` in `sourceMgr`'s main buffer. Fails (after
/// reporting through `sourceMgr`) if the module or signature is malformed or
/// the kernel does not exist.
mlir::FailureOr<std::vector<ParamInfo>>
getKernelParams(llvm::SourceMgr &sourceMgr, llvm::StringRef kernel);

/// Compiles `kernel` from `sourceMgr`'s main buffer into a module holding one
/// `func.func` with the `tile.kernel` unit attribute, whose arguments are the
/// non-constexpr parameters in order. The module is verified. On failure the
/// errors have been reported through `sourceMgr` (so install a handler, e.g.
/// llvm::SourceMgr::setDiagHandler, to capture them) and nothing is returned.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
compileKernel(mlir::MLIRContext &context, llvm::SourceMgr &sourceMgr,
              llvm::StringRef kernel, const Specialization &spec);

} // namespace flashtile::frontend

#endif // FLASHTILE_FRONTEND_FRONTEND_H
