//===- PyValue.h - values of the abstract interpreter -----------*- C++ -*-===//
//
// The front end executes a kernel abstractly: names are bound to PyValues.
// A PyValue is either known at compile time (None, bool, int, float, str, a
// dtype, a tuple, a function, a module, a builtin) or a runtime value: an
// SSA value of the function being emitted, a scalar or a block (tensor),
// whose MLIR type gives its dtype and shape.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_FRONTEND_PYVALUE_H
#define FLASHTILE_LIB_FRONTEND_PYVALUE_H

#include "mlir/IR/Value.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace flashtile::frontend {

struct GlobalDecl;

/// Functions of `flashtile.language`, Python builtins and methods that the
/// front end implements.
enum class Builtin {
  // flashtile.language
  ProgramId,
  NumPrograms,
  Arange,
  Zeros,
  Full,
  Load,
  Store,
  AtomicAdd,
  AtomicMax,
  AtomicMin,
  AtomicXchg,
  Dot,
  Trans,
  Reshape,
  ExpandDims,
  BroadcastTo,
  Max,
  Min,
  Sum,
  RowMax,
  RowSum,
  Maximum,
  Minimum,
  Exp,
  Exp2,
  Log,
  Log2,
  Sqrt,
  Rsqrt,
  Abs,
  Sin,
  Cos,
  Tanh,
  Sigmoid,
  Erf,
  Where,
  Cdiv,
  MultipleOf,
  MaxContiguous,
  NextPowerOf2,
  StaticAssert,
  StaticRange,
  Constexpr,
  Pointer,
  // flashtile
  Jit,
  // Python builtins
  Range,
  PyMin,
  PyMax,
  PyInt,
  PyFloat,
  PyBool,
  PyLen,
  PyAbs,
  // Methods of runtime values
  To,
};

class PyValue {
public:
  enum class Kind {
    None,
    Bool,
    Int,
    Float,
    Str,
    /// An element type (`fl.float16`) or pointer type (`fl.pointer(...)`).
    DType,
    Tuple,
    /// A runtime scalar or block.
    Runtime,
    /// A module-level `def`.
    Function,
    /// A module: "flashtile", "flashtile.language" or a foreign one.
    Module,
    Builtin,
    /// A name that exists but has no usable value here (assigned in only
    /// one branch of a runtime if, first assigned inside a loop, ...).
    Undefined,
  };

  PyValue() = default;
  static PyValue getNone() { return PyValue(Kind::None); }
  static PyValue getBool(bool value);
  static PyValue getInt(int64_t value);
  static PyValue getFloat(double value);
  static PyValue getStr(std::string value);
  static PyValue getDType(mlir::Type type);
  static PyValue getTuple(std::vector<PyValue> elements);
  static PyValue getRuntime(mlir::Value value);
  static PyValue getFunction(GlobalDecl *decl, llvm::StringRef name);
  static PyValue getModule(std::string path);
  static PyValue getBuiltin(Builtin builtin, mlir::Value self = {});
  static PyValue getUndefined(std::string reason);

  Kind getKind() const { return kind; }
  bool is(Kind k) const { return kind == k; }
  bool isRuntime() const { return kind == Kind::Runtime; }
  /// Bool, Int or Float: a Python number, which is weakly typed next to
  /// runtime values.
  bool isNumber() const {
    return kind == Kind::Bool || kind == Kind::Int || kind == Kind::Float;
  }
  /// A value known at compile time that can be stored in a constexpr:
  /// None, numbers, strings, dtypes, and tuples of those.
  bool isConstexpr() const;
  /// A tuple that holds a runtime value somewhere.
  bool containsRuntime() const;

  bool getBool() const { return intValue != 0; }
  int64_t getInt() const { return intValue; }
  /// Int or Bool as an integer, Float as it is.
  double getNumberAsDouble() const;
  double getFloat() const { return floatValue; }
  const std::string &getStr() const { return text; }
  mlir::Type getDType() const { return type; }
  const std::vector<PyValue> &getElements() const { return elements; }
  /// How deeply tuples nest in this value (0 for a non-tuple).
  unsigned getTupleNesting() const { return tupleNesting; }
  mlir::Value getRuntime() const { return value; }
  GlobalDecl *getFunctionDecl() const { return decl; }
  /// Function: its name; Module: its dotted path; Undefined: the reason.
  const std::string &getName() const { return text; }
  Builtin getBuiltin() const { return builtin; }
  /// For a method (Builtin::To): the value it is bound to.
  mlir::Value getSelf() const { return value; }
  const std::string &getUndefinedReason() const { return text; }

  /// Whether the two values are the same (runtime values: the same SSA
  /// value; compile-time values: equal).
  bool isSameAs(const PyValue &other) const;

private:
  explicit PyValue(Kind kind) : kind(kind) {}

  Kind kind = Kind::None;
  int64_t intValue = 0;
  double floatValue = 0;
  std::string text;
  mlir::Type type;
  std::vector<PyValue> elements;
  mlir::Value value;
  GlobalDecl *decl = nullptr;
  unsigned tupleNesting = 0;
  Builtin builtin = Builtin::ProgramId;
};

/// The Python type name of a value for messages: "int", "tuple", "block",
/// "function", ...
llvm::StringRef getKindName(const PyValue &value);

/// A Python-like rendering of a compile-time value (`64`, `1.5`, `True`,
/// `'ieee'`, `float16`, `(64, 32)`); runtime values render as their type.
std::string repr(const PyValue &value);

/// The DSL name of a dtype: "float16", "int32", "pointer(float16)", ...
std::string getDTypeName(mlir::Type type);

/// The element type named `name` in `flashtile.language` ("float16",
/// "bfloat16", "int32", "bool", ...), or null.
mlir::Type lookupDType(mlir::MLIRContext *context, llvm::StringRef name);

/// Parses the project's type syntax: "f16", "bf16", "f32", "f64", "i1",
/// "i8", "i16", "i32", "i64", and "*T" for a pointer to T. Null if invalid.
mlir::Type parseTypeSyntax(mlir::MLIRContext *context, llvm::StringRef text);

/// The inverse of parseTypeSyntax.
std::string printTypeSyntax(mlir::Type type);

} // namespace flashtile::frontend

#endif // FLASHTILE_LIB_FRONTEND_PYVALUE_H
