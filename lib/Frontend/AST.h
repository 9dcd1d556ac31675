//===- AST.h - syntax tree of the kernel language ---------------*- C++ -*-===//
//
// The syntax tree of the Python subset that kernels are written in. Nodes
// own their children; names and identifiers are views into the source
// buffer, which outlives the tree. Every node records where it starts.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_FRONTEND_AST_H
#define FLASHTILE_LIB_FRONTEND_AST_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/SMLoc.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace flashtile::frontend {

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

class Expr {
public:
  enum class Kind {
    Name,
    Int,
    Float,
    Str,
    Bool,
    None,
    Ellipsis,
    Tuple,
    List,
    Attribute,
    Subscript,
    Slice,
    Call,
    Unary,
    Binary,
    BoolOp,
    Compare,
    IfExp,
  };

  virtual ~Expr() = default;
  Kind getKind() const { return kind; }
  llvm::SMLoc getLoc() const { return loc; }

protected:
  Expr(Kind kind, llvm::SMLoc loc) : kind(kind), loc(loc) {}

private:
  Kind kind;
  llvm::SMLoc loc;
};

using ExprPtr = std::unique_ptr<Expr>;

/// Defines `classof` for an expression node of kind `K`.
#define FLASHTILE_EXPR_CLASSOF(K)                                              \
  static bool classof(const Expr *e) { return e->getKind() == Kind::K; }

struct NameExpr : Expr {
  NameExpr(llvm::SMLoc loc, llvm::StringRef name)
      : Expr(Kind::Name, loc), name(name) {}
  FLASHTILE_EXPR_CLASSOF(Name)
  llvm::StringRef name;
};

/// An integer literal; `value` is empty when it does not fit in 64 bits.
struct IntExpr : Expr {
  IntExpr(llvm::SMLoc loc, std::optional<int64_t> value)
      : Expr(Kind::Int, loc), value(value) {}
  FLASHTILE_EXPR_CLASSOF(Int)
  std::optional<int64_t> value;
};

struct FloatExpr : Expr {
  FloatExpr(llvm::SMLoc loc, double value)
      : Expr(Kind::Float, loc), value(value) {}
  FLASHTILE_EXPR_CLASSOF(Float)
  double value;
};

/// One or more adjacent string literals, concatenated.
struct StrExpr : Expr {
  StrExpr(llvm::SMLoc loc, std::string value)
      : Expr(Kind::Str, loc), value(std::move(value)) {}
  FLASHTILE_EXPR_CLASSOF(Str)
  std::string value;
};

struct BoolExpr : Expr {
  BoolExpr(llvm::SMLoc loc, bool value) : Expr(Kind::Bool, loc), value(value) {}
  FLASHTILE_EXPR_CLASSOF(Bool)
  bool value;
};

struct NoneExpr : Expr {
  explicit NoneExpr(llvm::SMLoc loc) : Expr(Kind::None, loc) {}
  FLASHTILE_EXPR_CLASSOF(None)
};

struct EllipsisExpr : Expr {
  explicit EllipsisExpr(llvm::SMLoc loc) : Expr(Kind::Ellipsis, loc) {}
  FLASHTILE_EXPR_CLASSOF(Ellipsis)
};

/// `(a, b)` or `a, b`; also `[a, b]` with `isList` set.
struct TupleExpr : Expr {
  TupleExpr(llvm::SMLoc loc, std::vector<ExprPtr> elements, bool isList)
      : Expr(isList ? Kind::List : Kind::Tuple, loc),
        elements(std::move(elements)) {}
  static bool classof(const Expr *e) {
    return e->getKind() == Kind::Tuple || e->getKind() == Kind::List;
  }
  std::vector<ExprPtr> elements;
};

struct AttributeExpr : Expr {
  AttributeExpr(llvm::SMLoc loc, ExprPtr value, llvm::StringRef name,
                llvm::SMLoc nameLoc)
      : Expr(Kind::Attribute, loc), value(std::move(value)), name(name),
        nameLoc(nameLoc) {}
  FLASHTILE_EXPR_CLASSOF(Attribute)
  ExprPtr value;
  llvm::StringRef name;
  llvm::SMLoc nameLoc;
};

/// `value[index]`; several comma-separated indices form a TupleExpr.
struct SubscriptExpr : Expr {
  SubscriptExpr(llvm::SMLoc loc, ExprPtr value, ExprPtr index)
      : Expr(Kind::Subscript, loc), value(std::move(value)),
        index(std::move(index)) {}
  FLASHTILE_EXPR_CLASSOF(Subscript)
  ExprPtr value;
  ExprPtr index;
};

/// `lower:upper:step` inside a subscript; absent parts are null.
struct SliceExpr : Expr {
  SliceExpr(llvm::SMLoc loc, ExprPtr lower, ExprPtr upper, ExprPtr step)
      : Expr(Kind::Slice, loc), lower(std::move(lower)),
        upper(std::move(upper)), step(std::move(step)) {}
  FLASHTILE_EXPR_CLASSOF(Slice)
  ExprPtr lower, upper, step;
};

struct KeywordArg {
  llvm::StringRef name;
  llvm::SMLoc loc;
  ExprPtr value;
};

struct CallExpr : Expr {
  CallExpr(llvm::SMLoc loc, ExprPtr callee, std::vector<ExprPtr> args,
           std::vector<KeywordArg> keywords)
      : Expr(Kind::Call, loc), callee(std::move(callee)), args(std::move(args)),
        keywords(std::move(keywords)) {}
  FLASHTILE_EXPR_CLASSOF(Call)
  ExprPtr callee;
  std::vector<ExprPtr> args;
  std::vector<KeywordArg> keywords;
};

enum class UnaryOp { Neg, Pos, Invert, Not };

struct UnaryExpr : Expr {
  UnaryExpr(llvm::SMLoc loc, UnaryOp op, ExprPtr operand)
      : Expr(Kind::Unary, loc), op(op), operand(std::move(operand)) {}
  FLASHTILE_EXPR_CLASSOF(Unary)
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp {
  Add,
  Sub,
  Mul,
  Div,
  FloorDiv,
  Mod,
  Pow,
  MatMul,
  BitAnd,
  BitOr,
  BitXor,
  LShift,
  RShift,
};

/// The Python spelling of `op` ("+", "//", ...).
llvm::StringRef getSpelling(BinaryOp op);

/// `lhs op rhs`; the node starts where `lhs` does, `opLoc` is the operator.
struct BinaryExpr : Expr {
  BinaryExpr(llvm::SMLoc opLoc, BinaryOp op, ExprPtr lhs, ExprPtr rhs)
      : Expr(Kind::Binary, lhs->getLoc()), op(op), opLoc(opLoc),
        lhs(std::move(lhs)), rhs(std::move(rhs)) {}
  FLASHTILE_EXPR_CLASSOF(Binary)
  BinaryOp op;
  llvm::SMLoc opLoc;
  ExprPtr lhs, rhs;
};

/// `a and b and c` or `a or b`.
struct BoolOpExpr : Expr {
  BoolOpExpr(llvm::SMLoc loc, bool isAnd, std::vector<ExprPtr> operands)
      : Expr(Kind::BoolOp, loc), isAnd(isAnd), operands(std::move(operands)) {}
  FLASHTILE_EXPR_CLASSOF(BoolOp)
  bool isAnd;
  std::vector<ExprPtr> operands;
};

enum class CompareOp { Lt, Le, Gt, Ge, Eq, Ne, In, NotIn, Is, IsNot };

llvm::StringRef getSpelling(CompareOp op);

/// `a < b <= c`: operands.size() == ops.size() + 1.
struct CompareExpr : Expr {
  CompareExpr(llvm::SMLoc loc, std::vector<CompareOp> ops,
              std::vector<llvm::SMLoc> opLocs, std::vector<ExprPtr> operands)
      : Expr(Kind::Compare, loc), ops(std::move(ops)),
        opLocs(std::move(opLocs)), operands(std::move(operands)) {}
  FLASHTILE_EXPR_CLASSOF(Compare)
  std::vector<CompareOp> ops;
  std::vector<llvm::SMLoc> opLocs;
  std::vector<ExprPtr> operands;
};

/// `thenValue if cond else elseValue`.
struct IfExpExpr : Expr {
  IfExpExpr(llvm::SMLoc loc, ExprPtr cond, ExprPtr thenValue, ExprPtr elseValue)
      : Expr(Kind::IfExp, loc), cond(std::move(cond)),
        thenValue(std::move(thenValue)), elseValue(std::move(elseValue)) {}
  FLASHTILE_EXPR_CLASSOF(IfExp)
  ExprPtr cond, thenValue, elseValue;
};

#undef FLASHTILE_EXPR_CLASSOF

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

class Stmt {
public:
  enum class Kind {
    Expr,
    Assign,
    AugAssign,
    AnnAssign,
    If,
    For,
    While,
    Return,
    Pass
  };

  virtual ~Stmt() = default;
  Kind getKind() const { return kind; }
  llvm::SMLoc getLoc() const { return loc; }

protected:
  Stmt(Kind kind, llvm::SMLoc loc) : kind(kind), loc(loc) {}

private:
  Kind kind;
  llvm::SMLoc loc;
};

using StmtPtr = std::unique_ptr<Stmt>;
using StmtList = std::vector<StmtPtr>;

#define FLASHTILE_STMT_CLASSOF(K)                                              \
  static bool classof(const Stmt *s) { return s->getKind() == Kind::K; }

struct ExprStmt : Stmt {
  ExprStmt(llvm::SMLoc loc, ExprPtr value)
      : Stmt(Kind::Expr, loc), value(std::move(value)) {}
  FLASHTILE_STMT_CLASSOF(Expr)
  ExprPtr value;
};

/// `t1 = t2 = value`.
struct AssignStmt : Stmt {
  AssignStmt(llvm::SMLoc loc, std::vector<ExprPtr> targets, ExprPtr value)
      : Stmt(Kind::Assign, loc), targets(std::move(targets)),
        value(std::move(value)) {}
  FLASHTILE_STMT_CLASSOF(Assign)
  std::vector<ExprPtr> targets;
  ExprPtr value;
};

/// `target op= value`.
struct AugAssignStmt : Stmt {
  AugAssignStmt(llvm::SMLoc loc, BinaryOp op, llvm::SMLoc opLoc, ExprPtr target,
                ExprPtr value)
      : Stmt(Kind::AugAssign, loc), op(op), opLoc(opLoc),
        target(std::move(target)), value(std::move(value)) {}
  FLASHTILE_STMT_CLASSOF(AugAssign)
  BinaryOp op;
  llvm::SMLoc opLoc;
  ExprPtr target, value;
};

/// `target: annotation [= value]`.
struct AnnAssignStmt : Stmt {
  AnnAssignStmt(llvm::SMLoc loc, ExprPtr target, ExprPtr annotation,
                ExprPtr value)
      : Stmt(Kind::AnnAssign, loc), target(std::move(target)),
        annotation(std::move(annotation)), value(std::move(value)) {}
  FLASHTILE_STMT_CLASSOF(AnnAssign)
  ExprPtr target, annotation, value;
};

/// `if cond: body else: orelse`; `elif` nests another IfStmt in `orelse`.
struct IfStmt : Stmt {
  IfStmt(llvm::SMLoc loc, ExprPtr cond, StmtList body, StmtList orelse)
      : Stmt(Kind::If, loc), cond(std::move(cond)), body(std::move(body)),
        orelse(std::move(orelse)) {}
  FLASHTILE_STMT_CLASSOF(If)
  ExprPtr cond;
  StmtList body, orelse;
};

struct ForStmt : Stmt {
  ForStmt(llvm::SMLoc loc, ExprPtr target, ExprPtr iter, StmtList body)
      : Stmt(Kind::For, loc), target(std::move(target)), iter(std::move(iter)),
        body(std::move(body)) {}
  FLASHTILE_STMT_CLASSOF(For)
  ExprPtr target, iter;
  StmtList body;
};

struct WhileStmt : Stmt {
  WhileStmt(llvm::SMLoc loc, ExprPtr cond, StmtList body)
      : Stmt(Kind::While, loc), cond(std::move(cond)), body(std::move(body)) {}
  FLASHTILE_STMT_CLASSOF(While)
  ExprPtr cond;
  StmtList body;
};

/// `return [value]`; `value` is null for a bare return.
struct ReturnStmt : Stmt {
  ReturnStmt(llvm::SMLoc loc, ExprPtr value)
      : Stmt(Kind::Return, loc), value(std::move(value)) {}
  FLASHTILE_STMT_CLASSOF(Return)
  ExprPtr value;
};

struct PassStmt : Stmt {
  explicit PassStmt(llvm::SMLoc loc) : Stmt(Kind::Pass, loc) {}
  FLASHTILE_STMT_CLASSOF(Pass)
};

#undef FLASHTILE_STMT_CLASSOF

//===----------------------------------------------------------------------===//
// Functions
//===----------------------------------------------------------------------===//

struct Param {
  llvm::StringRef name;
  llvm::SMLoc loc;
  ExprPtr annotation;   // null if none
  ExprPtr defaultValue; // null if none
};

/// A `def`. The signature is parsed when the function is first needed; the
/// body (`body`, valid once `bodyParsed`) when it is first called.
struct FunctionDef {
  llvm::StringRef name;
  llvm::SMLoc loc;
  std::vector<Param> params;
  /// Index of the first token after the signature's `:`.
  size_t bodyTokenIndex = 0;
  bool bodyParsed = false;
  StmtList body;
};

} // namespace flashtile::frontend

#endif // FLASHTILE_LIB_FRONTEND_AST_H
