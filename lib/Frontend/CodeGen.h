//===- CodeGen.h - abstract interpretation into tile IR ---------*- C++ -*-===//
//
// The code generator executes a kernel abstractly over PyValues and emits
// tile IR on the way: compile-time values are computed, runtime values are
// SSA values of the kernel function. Helper calls are inlined, constexpr
// branches and static_range loops are decided at compile time, and runtime
// control flow becomes scf.if / scf.for / scf.while with the variables it
// changes carried through.
//
// The implementation is split by job:
//   CodeGen.cpp          kernel signature, specialization, names, calls
//   CodeGenExpr.cpp      expressions
//   CodeGenStmt.cpp      statements and control flow
//   CodeGenArith.cpp     promotion, broadcasting, casts, element-wise ops
//   CodeGenBuiltins.cpp  argument binding, builtin dispatch, Python builtins
//   CodeGenTileOps.cpp   memory, dot, reductions, math, where, conversions
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_FRONTEND_CODEGEN_H
#define FLASHTILE_LIB_FRONTEND_CODEGEN_H

#include "AST.h"
#include "PyValue.h"
#include "SourceModule.h"
#include "flashtile/Frontend/Frontend.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

namespace flashtile::frontend {

/// A value with the location of the expression that produced it.
struct Arg {
  PyValue value;
  llvm::SMLoc loc;
};

/// A keyword argument of a call, evaluated.
struct KeywordValue {
  llvm::StringRef name;
  llvm::SMLoc nameLoc;
  Arg arg;
};

/// The evaluated arguments of a call.
struct CallArgs {
  llvm::SMLoc loc;
  llvm::SmallVector<Arg> positional;
  llvm::SmallVector<KeywordValue> keywords;
};

class CodeGen {
public:
  CodeGen(mlir::MLIRContext &context, SourceModule &module);
  ~CodeGen();

  llvm::FailureOr<std::vector<ParamInfo>>
  getKernelParams(llvm::StringRef kernel);
  llvm::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
  compileKernel(llvm::StringRef kernel, const Specialization &spec);

  //===--------------------------------------------------------------------===//
  // Shared state and helpers (CodeGen.cpp)
  //===--------------------------------------------------------------------===//

  /// A name's value and where it was last assigned.
  struct Binding {
    PyValue value;
    llvm::SMLoc loc;
  };
  using Env = llvm::StringMap<Binding>;

  /// One function being executed (the kernel or an inlined helper).
  struct Frame {
    const FunctionDef *function = nullptr;
    bool isKernel = false;
    Env vars;
    /// How many runtime regions (scf.if/for/while) enclose the current
    /// statement within this function.
    unsigned runtimeDepth = 0;
    bool returned = false;
    PyValue returnValue;
  };

  llvm::LogicalResult error(llvm::SMLoc loc, const llvm::Twine &message);
  mlir::Location getLoc(llvm::SMLoc loc);
  mlir::MLIRContext *getContext() { return &context; }
  /// "line N" of a location, for messages that refer to another place.
  std::string describeLine(llvm::SMLoc loc);

  /// Looks `name` up: local variables, then module globals, then
  /// `flashtile.language` (after a star import), then Python builtins.
  llvm::FailureOr<PyValue> lookupName(llvm::StringRef name, llvm::SMLoc loc);
  /// The attribute `member` of module `path`.
  llvm::FailureOr<PyValue> getModuleMember(llvm::StringRef path,
                                           llvm::StringRef member,
                                           llvm::SMLoc loc);
  /// Evaluates `expr` at module scope, as for constants and defaults; the
  /// result must be a compile-time value (`what` names it for the error).
  llvm::FailureOr<PyValue> evalAtModuleScope(const Expr &expr,
                                             const llvm::Twine &what);
  /// Inlines a call to the module function `decl`.
  llvm::FailureOr<PyValue> callFunction(const PyValue &callee, CallArgs &args);

  /// Counts nesting of evaluation (expressions, statements, calls) to fail
  /// cleanly instead of exhausting the native stack.
  class NestingGuard {
  public:
    explicit NestingGuard(CodeGen &codegen) : codegen(codegen) {
      ++codegen.nesting;
    }
    ~NestingGuard() { --codegen.nesting; }

  private:
    CodeGen &codegen;
  };
  llvm::LogicalResult checkNesting(llvm::SMLoc loc);

  //===--------------------------------------------------------------------===//
  // Expressions (CodeGenExpr.cpp)
  //===--------------------------------------------------------------------===//

  llvm::FailureOr<PyValue> eval(const Expr &expr);
  llvm::FailureOr<PyValue> evalName(const NameExpr &expr);
  llvm::FailureOr<PyValue> evalTuple(const TupleExpr &expr);
  llvm::FailureOr<PyValue> evalAttribute(const AttributeExpr &expr);
  llvm::FailureOr<PyValue> evalSubscript(const SubscriptExpr &expr);
  llvm::FailureOr<PyValue> evalCall(const CallExpr &expr);
  llvm::FailureOr<PyValue> evalUnary(const UnaryExpr &expr);
  llvm::FailureOr<PyValue> evalBinary(const BinaryExpr &expr);
  llvm::FailureOr<PyValue> evalBoolOp(const BoolOpExpr &expr);
  llvm::FailureOr<PyValue> evalCompare(const CompareExpr &expr);
  llvm::FailureOr<PyValue> evalIfExp(const IfExpExpr &expr);
  /// Evaluates call arguments in order.
  llvm::LogicalResult evalCallArgs(const CallExpr &expr, CallArgs &args);
  /// Calls any callable value.
  llvm::FailureOr<PyValue> call(const PyValue &callee, CallArgs &args);
  /// `lhs op rhs` at `opLoc`, for expressions and augmented assignments;
  /// ops are located at `loc`.
  llvm::FailureOr<PyValue> applyBinary(BinaryOp op, const Arg &lhs,
                                       const Arg &rhs, llvm::SMLoc opLoc,
                                       llvm::SMLoc loc);
  llvm::FailureOr<PyValue> applyCompare(CompareOp op, const Arg &lhs,
                                        const Arg &rhs, llvm::SMLoc opLoc,
                                        llvm::SMLoc loc);
  /// Indexes a block with `:` and None (inserting unit dimensions).
  llvm::FailureOr<PyValue> indexBlock(mlir::Value block, const Expr &index);
  /// Indexes or slices a tuple with compile-time ints.
  llvm::FailureOr<PyValue> indexTuple(const PyValue &tuple, const Expr &index);
  /// Evaluates `expr`, which must be a compile-time value; `what` describes
  /// it in the error ("the condition of a conditional expression").
  llvm::FailureOr<PyValue> evalConstexpr(const Expr &expr,
                                         const llvm::Twine &what);

  //===--------------------------------------------------------------------===//
  // Statements and control flow (CodeGenStmt.cpp)
  //===--------------------------------------------------------------------===//

  llvm::LogicalResult execBlock(const StmtList &body);
  llvm::LogicalResult exec(const Stmt &stmt);
  llvm::LogicalResult execAssign(const AssignStmt &stmt);
  llvm::LogicalResult execAugAssign(const AugAssignStmt &stmt);
  llvm::LogicalResult execAnnAssign(const AnnAssignStmt &stmt);
  llvm::LogicalResult execReturn(const ReturnStmt &stmt);
  llvm::LogicalResult execIf(const IfStmt &stmt);
  llvm::LogicalResult execRuntimeIf(const IfStmt &stmt, mlir::Value cond);
  llvm::LogicalResult execFor(const ForStmt &stmt);
  llvm::LogicalResult execRangeFor(const ForStmt &stmt, CallArgs &args);
  llvm::LogicalResult execUnrolledFor(const ForStmt &stmt,
                                      llvm::ArrayRef<PyValue> values);
  llvm::LogicalResult execWhile(const WhileStmt &stmt);
  /// Binds `value` to an assignment target (a name or a tuple of targets).
  llvm::LogicalResult assign(const Expr &target, const PyValue &value,
                             llvm::SMLoc valueLoc);
  void bind(llvm::StringRef name, PyValue value, llvm::SMLoc loc);

  /// The variables a loop body changes, split into those carried through
  /// the loop as SSA values and those that must keep their value.
  struct LoopCarried {
    llvm::SmallVector<llvm::StringRef> names;
    llvm::SmallVector<mlir::Value> inits;
    llvm::SmallVector<llvm::StringRef> fixed;
  };
  LoopCarried prepareLoopCarried(const StmtList &body, const Expr *target,
                                 llvm::SMLoc loopLoc);
  /// The values to yield at the end of a loop body for `carried`.
  llvm::LogicalResult collectYields(const LoopCarried &carried,
                                    const Env &before, llvm::SMLoc loopLoc,
                                    llvm::SmallVectorImpl<mlir::Value> &yields);
  /// Restores `before` after a loop, rebinding carried names to `results`
  /// and hiding the names first assigned in the body.
  void finishLoop(const LoopCarried &carried, Env before, const Env &after,
                  mlir::ValueRange results, const Expr *target,
                  llvm::SMLoc loopLoc);

  //===--------------------------------------------------------------------===//
  // Runtime arithmetic (CodeGenArith.cpp)
  //===--------------------------------------------------------------------===//

  /// The type of a Python number next to no runtime value: bool -> i1,
  /// int -> i32 (i64 if it does not fit), float -> f32.
  mlir::Type getWeakType(const PyValue &number);
  /// The element type two operands of an element-wise op promote to.
  llvm::FailureOr<mlir::Type> promote(const Arg &lhs, const Arg &rhs,
                                      llvm::SMLoc opLoc, llvm::StringRef op);
  /// Whether the number `value` may become a value of element type `type`
  /// without changing its meaning (e.g. 3 -> f16, True -> i32, but not
  /// 2.5 -> i32).
  bool fitsWeakly(const PyValue &number, mlir::Type type);
  /// The broadcast of two shapes (numpy rules), or an error at `loc`.
  llvm::FailureOr<llvm::SmallVector<int64_t>>
  broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs,
                  llvm::SMLoc loc, mlir::Type lhsType, mlir::Type rhsType);
  /// Broadcasts a runtime value to `shape` (splat, expand_dims, broadcast).
  llvm::FailureOr<mlir::Value> broadcastTo(mlir::Value value,
                                           llvm::ArrayRef<int64_t> shape,
                                           llvm::SMLoc loc);
  /// Converts the elements of a runtime value to `elementType`.
  mlir::Value castElements(mlir::Value value, mlir::Type elementType,
                           mlir::Location loc);
  /// A constant of `type` (scalar or block) holding the Python number.
  mlir::Value materializeNumber(const PyValue &number, mlir::Type type,
                                mlir::Location loc);
  /// An operand of element type `elementType` and shape `shape` made from a
  /// runtime value or a Python number.
  llvm::FailureOr<mlir::Value> prepareOperand(const Arg &arg,
                                              mlir::Type elementType,
                                              llvm::ArrayRef<int64_t> shape,
                                              mlir::Location loc);
  /// A runtime value of exactly `type` from a runtime value of that type or
  /// a Python number that fits it; null if neither.
  mlir::Value materializeAs(const PyValue &value, mlir::Type type,
                            mlir::Location loc);
  /// A runtime value for a runtime value or Python number (its weak type);
  /// null for anything else.
  mlir::Value materializeAny(const PyValue &value, mlir::Location loc);
  /// An i1 scalar for a runtime condition (Python truthiness of a scalar).
  llvm::FailureOr<mlir::Value> toCondition(mlir::Value value, llvm::SMLoc loc,
                                           const llvm::Twine &what);
  llvm::FailureOr<PyValue> runtimeBinary(BinaryOp op, const Arg &lhs,
                                         const Arg &rhs, llvm::SMLoc opLoc,
                                         mlir::Location loc);
  llvm::FailureOr<PyValue> pointerArith(BinaryOp op, const Arg &lhs,
                                        const Arg &rhs, llvm::SMLoc opLoc,
                                        mlir::Location loc);
  llvm::FailureOr<PyValue> runtimeCompare(CompareOp op, const Arg &lhs,
                                          const Arg &rhs, llvm::SMLoc opLoc,
                                          mlir::Location loc);
  llvm::FailureOr<PyValue> runtimeUnary(UnaryOp op, const Arg &operand,
                                        mlir::Location loc);
  /// Requires a block shape to have power-of-two dimensions, at most
  /// kMaxBlockRank of them and at most kMaxBlockElements elements.
  llvm::LogicalResult checkBlockShape(llvm::ArrayRef<int64_t> shape,
                                      llvm::SMLoc loc);

  //===--------------------------------------------------------------------===//
  // Builtins (CodeGenBuiltins.cpp)
  //===--------------------------------------------------------------------===//

  llvm::FailureOr<PyValue> callBuiltin(const PyValue &callee, CallArgs &args);
  /// Binds call arguments to named parameters, the first `numRequired` of
  /// which are required; `callee` names the function in messages.
  llvm::LogicalResult bindArgs(llvm::StringRef callee,
                               llvm::ArrayRef<llvm::StringRef> names,
                               unsigned numRequired, const CallArgs &args,
                               llvm::SmallVectorImpl<std::optional<Arg>> &out);
  /// A compile-time int argument.
  llvm::FailureOr<int64_t> getConstInt(const Arg &arg, const llvm::Twine &what);
  /// fl.multiple_of / fl.max_contiguous: a tile.hint on `x`.
  llvm::FailureOr<PyValue> emitHint(const Arg &x, const Arg &values,
                                    bool isMultipleOf, llvm::StringRef name,
                                    mlir::Location opLoc);
  /// A shape argument: an int or a tuple of ints, each a power of two.
  llvm::FailureOr<llvm::SmallVector<int64_t>> getShape(const Arg &arg,
                                                       const llvm::Twine &what);
  /// A dtype argument (element types only).
  llvm::FailureOr<mlir::Type> getElementDType(const Arg &arg,
                                              const llvm::Twine &what);
  /// A runtime block argument (scalars rejected).
  llvm::FailureOr<mlir::Value> getBlock(const Arg &arg,
                                        const llvm::Twine &what);
  /// Arguments of range()/static_range() as compile-time ints.
  llvm::LogicalResult getRangeBounds(llvm::StringRef callee,
                                     const CallArgs &args,
                                     llvm::SmallVectorImpl<Arg> &bounds);
  /// fl.dot / `@`; errors at `loc`, the op at `opLoc`.
  llvm::FailureOr<PyValue> emitDot(const Arg &a, const Arg &b,
                                   const std::optional<Arg> &acc,
                                   const std::optional<Arg> &precision,
                                   llvm::SMLoc loc, mlir::Location opLoc);
  llvm::FailureOr<PyValue> emitReduce(const Arg &x, std::optional<Arg> axis,
                                      bool keepDims, unsigned kind,
                                      llvm::StringRef callee, llvm::SMLoc loc);
  llvm::FailureOr<PyValue> emitMath(Builtin builtin, const Arg &x,
                                    llvm::StringRef callee, llvm::SMLoc loc);
  llvm::FailureOr<PyValue> emitMemoryOp(Builtin builtin,
                                        llvm::ArrayRef<std::optional<Arg>> args,
                                        llvm::StringRef callee,
                                        llvm::SMLoc loc);
  llvm::FailureOr<PyValue> emitWhere(const Arg &cond, const Arg &a,
                                     const Arg &b, llvm::SMLoc loc);
  llvm::FailureOr<PyValue> emitMinMax(Builtin builtin, const Arg &a,
                                      const Arg &b, llvm::SMLoc loc);
  llvm::FailureOr<PyValue> callPythonBuiltin(Builtin builtin, CallArgs &args);
  llvm::FailureOr<PyValue> emitCast(const Arg &value, const Arg &dtype,
                                    llvm::SMLoc loc);

  /// Largest block the front end creates (as in Triton), and its rank.
  static constexpr int64_t kMaxBlockElements = 1 << 20;
  static constexpr size_t kMaxBlockRank = 8;

private:
  llvm::FailureOr<ParamInfo> classifyParam(const Param &param);
  llvm::FailureOr<PyValue> evalModuleConstant(GlobalDecl &decl,
                                              llvm::StringRef name,
                                              llvm::SMLoc useLoc);
  llvm::FailureOr<PyValue> resolveImport(GlobalDecl &decl, llvm::SMLoc loc);
  llvm::FailureOr<GlobalDecl *> findKernel(llvm::StringRef kernel);
  llvm::LogicalResult checkSpecialization(const FunctionDef &def,
                                          llvm::ArrayRef<ParamInfo> params,
                                          const Specialization &spec);
  llvm::LogicalResult verifyModule(mlir::ModuleOp module, llvm::SMLoc loc);

  mlir::MLIRContext &context;
  SourceModule &module;
  llvm::SourceMgr &sourceMgr;
  mlir::StringAttr filename;
  mlir::OpBuilder builder;
  /// Where module-scope evaluation may create (dead) ops.
  std::unique_ptr<mlir::Block> scratch;

  Frame *frame = nullptr;
  unsigned nesting = 0;
  unsigned statementsExecuted = 0;
  llvm::SmallVector<const FunctionDef *> callStack;
  llvm::DenseMap<GlobalDecl *, PyValue> constants;
  llvm::SmallPtrSet<GlobalDecl *, 4> constantsInProgress;
};

/// Limits that keep abstract interpretation bounded on any input.
constexpr unsigned kMaxNesting = 1000;
constexpr unsigned kMaxStatements = 100000;
constexpr int64_t kMaxUnrolledIterations = 4096;
constexpr unsigned kMaxTupleNesting = 32;

/// Whether an annotation spells `constexpr` (`fl.constexpr`,
/// `flashtile.language.constexpr`, or an imported `constexpr`).
bool isConstexprAnnotation(const Expr *annotation);

/// Type helpers shared by the code generator's files.
inline bool isBlockType(mlir::Type type) {
  return llvm::isa<mlir::RankedTensorType>(type);
}
llvm::ArrayRef<int64_t> getShapeOf(mlir::Type type);
mlir::Type getElementTypeOf(mlir::Type type);
/// `element` as a scalar (empty shape) or a block of `shape`.
mlir::Type makeType(mlir::Type element, llvm::ArrayRef<int64_t> shape);
bool isFloatType(mlir::Type type);
bool isIntType(mlir::Type type);
bool isPointerType(mlir::Type type);
std::string formatType(mlir::Type type);
std::string formatShape(llvm::ArrayRef<int64_t> shape);

} // namespace flashtile::frontend

#endif // FLASHTILE_LIB_FRONTEND_CODEGEN_H
