//===- CodeGenExpr.cpp - expressions --------------------------------------===//
//
// Evaluates expressions: compile-time operands fold with Python semantics,
// runtime operands emit IR (CodeGenArith.cpp), attribute and subscript
// access on blocks, tuples and modules, and calls.
//
//===----------------------------------------------------------------------===//

#include "CodeGen.h"

#include "ConstEval.h"

#include "flashtile/Dialect/Tile/IR/TileDialect.h"

using namespace mlir;
using llvm::SMLoc;
using llvm::StringRef;
using llvm::Twine;

namespace flashtile::frontend {

FailureOr<PyValue> CodeGen::eval(const Expr &expr) {
  NestingGuard guard(*this);
  if (failed(checkNesting(expr.getLoc())))
    return failure();
  switch (expr.getKind()) {
  case Expr::Kind::Name:
    return evalName(cast<NameExpr>(expr));
  case Expr::Kind::Int: {
    const auto &literal = cast<IntExpr>(expr);
    if (!literal.value)
      return error(expr.getLoc(), "integer literal is too large (FlashTile "
                                  "ints are limited to 64 bits)");
    return PyValue::getInt(*literal.value);
  }
  case Expr::Kind::Float:
    return PyValue::getFloat(cast<FloatExpr>(expr).value);
  case Expr::Kind::Str:
    return PyValue::getStr(cast<StrExpr>(expr).value);
  case Expr::Kind::Bool:
    return PyValue::getBool(cast<BoolExpr>(expr).value);
  case Expr::Kind::None:
    return PyValue::getNone();
  case Expr::Kind::Ellipsis:
    return error(expr.getLoc(), "'...' is not supported in FlashTile kernels");
  case Expr::Kind::Tuple:
  case Expr::Kind::List:
    return evalTuple(cast<TupleExpr>(expr));
  case Expr::Kind::Attribute:
    return evalAttribute(cast<AttributeExpr>(expr));
  case Expr::Kind::Subscript:
    return evalSubscript(cast<SubscriptExpr>(expr));
  case Expr::Kind::Slice:
    return error(expr.getLoc(), "a slice is only allowed inside '[...]'");
  case Expr::Kind::Call:
    return evalCall(cast<CallExpr>(expr));
  case Expr::Kind::Unary:
    return evalUnary(cast<UnaryExpr>(expr));
  case Expr::Kind::Binary:
    return evalBinary(cast<BinaryExpr>(expr));
  case Expr::Kind::BoolOp:
    return evalBoolOp(cast<BoolOpExpr>(expr));
  case Expr::Kind::Compare:
    return evalCompare(cast<CompareExpr>(expr));
  case Expr::Kind::IfExp:
    return evalIfExp(cast<IfExpExpr>(expr));
  }
  llvm_unreachable("unknown expression kind");
}

FailureOr<PyValue> CodeGen::evalName(const NameExpr &expr) {
  return lookupName(expr.name, expr.getLoc());
}

FailureOr<PyValue> CodeGen::evalConstexpr(const Expr &expr, const Twine &what) {
  FailureOr<PyValue> value = eval(expr);
  if (failed(value))
    return failure();
  if (value->containsRuntime())
    return error(expr.getLoc(), what +
                                    " must be a compile-time value, but it "
                                    "is a runtime " +
                                    getKindName(*value));
  return value;
}

FailureOr<PyValue> CodeGen::evalTuple(const TupleExpr &expr) {
  std::vector<PyValue> elements;
  elements.reserve(expr.elements.size());
  for (const ExprPtr &element : expr.elements) {
    FailureOr<PyValue> value = eval(*element);
    if (failed(value))
      return failure();
    elements.push_back(std::move(*value));
  }
  PyValue tuple = PyValue::getTuple(std::move(elements));
  if (tuple.getTupleNesting() > kMaxTupleNesting)
    return error(expr.getLoc(), "tuples nest too deeply (more than " +
                                    Twine(kMaxTupleNesting) + " levels)");
  return tuple;
}

//===----------------------------------------------------------------------===//
// Attributes and subscripts
//===----------------------------------------------------------------------===//

FailureOr<PyValue> CodeGen::evalAttribute(const AttributeExpr &expr) {
  FailureOr<PyValue> base = eval(*expr.value);
  if (failed(base))
    return failure();
  StringRef name = expr.name;
  if (base->is(PyValue::Kind::Module))
    return getModuleMember(base->getName(), name, expr.nameLoc);
  if (!base->isRuntime())
    return error(expr.nameLoc, "'" + getKindName(*base) +
                                   "' value has no attribute '" + name + "'");
  Value value = base->getRuntime();
  Type type = value.getType();
  if (name == "shape") {
    std::vector<PyValue> dims;
    for (int64_t dim : getShapeOf(type))
      dims.push_back(PyValue::getInt(dim));
    return PyValue::getTuple(std::move(dims));
  }
  if (name == "dtype")
    return PyValue::getDType(getElementTypeOf(type));
  if (name == "to")
    return PyValue::getBuiltin(Builtin::To, value);
  if (name == "T") {
    llvm::ArrayRef<int64_t> shape = getShapeOf(type);
    if (shape.size() != 2)
      return error(expr.nameLoc,
                   ".T needs a 2-D block, got " + formatType(type));
    auto result =
        RankedTensorType::get({shape[1], shape[0]}, getElementTypeOf(type));
    return PyValue::getRuntime(
        tile::TransOp::create(builder, getLoc(expr.getLoc()), result, value,
                              llvm::ArrayRef<int32_t>{1, 0}));
  }
  return error(expr.nameLoc, "a " + getKindName(*base) + " has no attribute '" +
                                 name + "' (it has T, shape, dtype and to)");
}

FailureOr<PyValue> CodeGen::evalSubscript(const SubscriptExpr &expr) {
  FailureOr<PyValue> base = eval(*expr.value);
  if (failed(base))
    return failure();
  if (base->isRuntime())
    return indexBlock(base->getRuntime(), *expr.index);
  if (base->is(PyValue::Kind::Tuple))
    return indexTuple(*base, *expr.index);
  return error(expr.index->getLoc(),
               "a '" + getKindName(*base) + "' value cannot be indexed");
}

FailureOr<PyValue> CodeGen::indexBlock(Value block, const Expr &index) {
  llvm::SmallVector<const Expr *> elements;
  if (index.getKind() == Expr::Kind::Tuple) {
    for (const ExprPtr &element : cast<TupleExpr>(index).elements)
      elements.push_back(element.get());
  } else {
    elements.push_back(&index);
  }
  Type type = block.getType();
  Type element = getElementTypeOf(type);
  llvm::SmallVector<int64_t> shape(getShapeOf(type));
  size_t rank = shape.size(), consumed = 0;
  Location loc = getLoc(index.getLoc());
  Value current = block;
  size_t position = 0;
  for (const Expr *e : elements) {
    bool isColon = false;
    if (const auto *slice = dyn_cast<SliceExpr>(e)) {
      isColon = !slice->lower && !slice->upper && !slice->step;
    } else {
      FailureOr<PyValue> value = eval(*e);
      if (failed(value))
        return failure();
      if (!value->is(PyValue::Kind::None))
        return error(e->getLoc(), "blocks can only be indexed with ':' and "
                                  "None (which inserts a unit dimension)");
      shape.insert(shape.begin() + position, 1);
      if (failed(checkBlockShape(shape, e->getLoc())))
        return failure();
      auto resultType = RankedTensorType::get(shape, element);
      if (isBlockType(current.getType()))
        current = tile::ExpandDimsOp::create(builder, loc, resultType, current,
                                             static_cast<uint32_t>(position));
      else
        current = tile::SplatOp::create(builder, loc, resultType, current);
      ++position;
      continue;
    }
    if (!isColon)
      return error(e->getLoc(), "blocks can only be indexed with ':' and "
                                "None (which inserts a unit dimension)");
    if (++consumed > rank)
      return error(e->getLoc(),
                   "too many indices for a block of rank " + Twine(rank));
    ++position;
  }
  return PyValue::getRuntime(current);
}

FailureOr<PyValue> CodeGen::indexTuple(const PyValue &tuple,
                                       const Expr &index) {
  const std::vector<PyValue> &elements = tuple.getElements();
  int64_t size = static_cast<int64_t>(elements.size());
  const auto *slice = dyn_cast<SliceExpr>(&index);
  if (!slice) {
    FailureOr<PyValue> value = evalConstexpr(index, "a tuple index");
    if (failed(value))
      return failure();
    if (!value->is(PyValue::Kind::Int) && !value->is(PyValue::Kind::Bool))
      return error(index.getLoc(),
                   "tuple indices must be ints, not " + getKindName(*value));
    int64_t i = value->getInt();
    if (i < -size || i >= size)
      return error(index.getLoc(), "tuple index " + Twine(i) +
                                       " is out of range for a tuple of " +
                                       Twine(size) + " elements");
    return elements[i < 0 ? i + size : i];
  }
  // Python slice semantics.
  auto bound = [&](const ExprPtr &part,
                   std::optional<int64_t> &out) -> LogicalResult {
    if (!part)
      return success();
    FailureOr<PyValue> value = evalConstexpr(*part, "a slice bound");
    if (failed(value))
      return failure();
    if (value->is(PyValue::Kind::None))
      return success();
    if (!value->is(PyValue::Kind::Int) && !value->is(PyValue::Kind::Bool))
      return error(part->getLoc(), "slice bounds must be ints");
    out = value->getInt();
    return success();
  };
  std::optional<int64_t> lower, upper, step;
  if (failed(bound(slice->lower, lower)) ||
      failed(bound(slice->upper, upper)) || failed(bound(slice->step, step)))
    return failure();
  int64_t s = step.value_or(1);
  if (s == 0)
    return error(slice->getLoc(), "slice step cannot be zero");
  auto clamp = [&](std::optional<int64_t> v, int64_t fallback) {
    if (!v)
      return fallback;
    int64_t i = *v < 0 ? std::max<int64_t>(*v, -size - 1) + size : *v;
    return s > 0 ? std::clamp<int64_t>(i, 0, size)
                 : std::clamp<int64_t>(i, -1, size - 1);
  };
  int64_t start = clamp(lower, s > 0 ? 0 : size - 1);
  int64_t stop = clamp(upper, s > 0 ? size : -1);
  std::vector<PyValue> result;
  for (int64_t i = start; s > 0 ? i < stop : i > stop; i += s)
    result.push_back(elements[i]);
  return PyValue::getTuple(std::move(result));
}

//===----------------------------------------------------------------------===//
// Calls
//===----------------------------------------------------------------------===//

LogicalResult CodeGen::evalCallArgs(const CallExpr &expr, CallArgs &args) {
  args.loc = expr.getLoc();
  for (const ExprPtr &arg : expr.args) {
    FailureOr<PyValue> value = eval(*arg);
    if (failed(value))
      return failure();
    args.positional.push_back({std::move(*value), arg->getLoc()});
  }
  for (const KeywordArg &keyword : expr.keywords) {
    FailureOr<PyValue> value = eval(*keyword.value);
    if (failed(value))
      return failure();
    args.keywords.push_back({keyword.name, keyword.loc,
                             Arg{std::move(*value), keyword.value->getLoc()}});
  }
  return success();
}

FailureOr<PyValue> CodeGen::evalCall(const CallExpr &expr) {
  FailureOr<PyValue> callee = eval(*expr.callee);
  if (failed(callee))
    return failure();
  CallArgs args;
  if (failed(evalCallArgs(expr, args)))
    return failure();
  return call(*callee, args);
}

FailureOr<PyValue> CodeGen::call(const PyValue &callee, CallArgs &args) {
  switch (callee.getKind()) {
  case PyValue::Kind::Function:
    return callFunction(callee, args);
  case PyValue::Kind::Builtin:
    return callBuiltin(callee, args);
  case PyValue::Kind::DType:
    return error(args.loc, "a dtype is not callable; convert values with "
                           "x.to(fl." +
                               getDTypeName(callee.getDType()) + ")");
  case PyValue::Kind::Module:
    return error(args.loc, "module '" + callee.getName() + "' is not callable");
  default:
    return error(args.loc,
                 "a '" + getKindName(callee) + "' value is not callable");
  }
}

//===----------------------------------------------------------------------===//
// Operators
//===----------------------------------------------------------------------===//

FailureOr<PyValue> CodeGen::evalUnary(const UnaryExpr &expr) {
  FailureOr<PyValue> operand = eval(*expr.operand);
  if (failed(operand))
    return failure();
  if (operand->isRuntime())
    return runtimeUnary(expr.op, {*operand, expr.operand->getLoc()},
                        getLoc(expr.getLoc()));
  std::string message;
  if (std::optional<PyValue> result = foldUnary(expr.op, *operand, message))
    return *result;
  return error(expr.getLoc(), message);
}

FailureOr<PyValue> CodeGen::applyBinary(BinaryOp op, const Arg &lhs,
                                        const Arg &rhs, SMLoc opLoc,
                                        SMLoc loc) {
  if (lhs.value.isRuntime() || rhs.value.isRuntime())
    return runtimeBinary(op, lhs, rhs, opLoc, getLoc(loc));
  std::string message;
  if (std::optional<PyValue> result =
          foldBinary(op, lhs.value, rhs.value, message))
    return *result;
  return error(opLoc, message);
}

FailureOr<PyValue> CodeGen::evalBinary(const BinaryExpr &expr) {
  FailureOr<PyValue> lhs = eval(*expr.lhs);
  if (failed(lhs))
    return failure();
  FailureOr<PyValue> rhs = eval(*expr.rhs);
  if (failed(rhs))
    return failure();
  return applyBinary(expr.op, {*lhs, expr.lhs->getLoc()},
                     {*rhs, expr.rhs->getLoc()}, expr.opLoc, expr.getLoc());
}

FailureOr<PyValue> CodeGen::evalBoolOp(const BoolOpExpr &expr) {
  StringRef spelling = expr.isAnd ? "and" : "or";
  FailureOr<PyValue> first = eval(*expr.operands.front());
  if (failed(first))
    return failure();
  Arg result{*first, expr.operands.front()->getLoc()};
  auto requireBool = [&](const Arg &arg) -> LogicalResult {
    Type type = arg.value.getRuntime().getType();
    if (getElementTypeOf(type).isInteger(1))
      return success();
    return error(arg.loc, "'" + spelling +
                              "' on runtime values needs booleans (i1), got " +
                              formatType(type) +
                              "; compare explicitly (e.g. x != 0)");
  };
  for (const ExprPtr &operand : llvm::drop_begin(expr.operands)) {
    if (!result.value.isRuntime()) {
      // Python semantics: the first operand that decides the result.
      bool truthy = isTruthy(result.value);
      if (expr.isAnd ? !truthy : truthy)
        return result.value;
      FailureOr<PyValue> next = eval(*operand);
      if (failed(next))
        return failure();
      result = {*next, operand->getLoc()};
      continue;
    }
    // A runtime operand: element-wise andi/ori; both sides are evaluated.
    if (failed(requireBool(result)))
      return failure();
    FailureOr<PyValue> next = eval(*operand);
    if (failed(next))
      return failure();
    Arg rhs{*next, operand->getLoc()};
    if (rhs.value.isRuntime()) {
      if (failed(requireBool(rhs)))
        return failure();
    } else if (rhs.value.isConstexpr()) {
      rhs.value = PyValue::getBool(isTruthy(rhs.value));
    } else {
      return error(rhs.loc, "'" + spelling +
                                "' cannot combine a runtime "
                                "value with a " +
                                getKindName(rhs.value));
    }
    FailureOr<PyValue> combined =
        runtimeBinary(expr.isAnd ? BinaryOp::BitAnd : BinaryOp::BitOr, result,
                      rhs, operand->getLoc(), getLoc(expr.getLoc()));
    if (failed(combined))
      return failure();
    result = {*combined, expr.getLoc()};
  }
  return result.value;
}

FailureOr<PyValue> CodeGen::applyCompare(CompareOp op, const Arg &lhs,
                                         const Arg &rhs, SMLoc opLoc,
                                         SMLoc loc) {
  // Identity, and equality with None, are known at compile time.
  bool withNone =
      lhs.value.is(PyValue::Kind::None) || rhs.value.is(PyValue::Kind::None);
  if (op == CompareOp::Is || op == CompareOp::IsNot ||
      (withNone && (op == CompareOp::Eq || op == CompareOp::Ne))) {
    bool same = lhs.value.isSameAs(rhs.value);
    bool positive = op == CompareOp::Is || op == CompareOp::Eq;
    return PyValue::getBool(positive ? same : !same);
  }
  if (lhs.value.isRuntime() || rhs.value.isRuntime())
    return runtimeCompare(op, lhs, rhs, opLoc, getLoc(loc));
  std::string message;
  if (std::optional<bool> result =
          foldCompare(op, lhs.value, rhs.value, message))
    return PyValue::getBool(*result);
  return error(opLoc, message);
}

FailureOr<PyValue> CodeGen::evalCompare(const CompareExpr &expr) {
  FailureOr<PyValue> first = eval(*expr.operands.front());
  if (failed(first))
    return failure();
  Arg lhs{*first, expr.operands.front()->getLoc()};
  PyValue result;
  for (size_t i = 0; i < expr.ops.size(); ++i) {
    const Expr &operand = *expr.operands[i + 1];
    FailureOr<PyValue> next = eval(operand);
    if (failed(next))
      return failure();
    Arg rhs{*next, operand.getLoc()};
    if (expr.ops.size() > 1 && (lhs.value.isRuntime() || rhs.value.isRuntime()))
      return error(expr.opLocs[i], "chained comparisons are not supported on "
                                   "runtime values; combine them with '&' "
                                   "(e.g. (a < b) & (b < c))");
    FailureOr<PyValue> compared =
        applyCompare(expr.ops[i], lhs, rhs, expr.opLocs[i], expr.getLoc());
    if (failed(compared))
      return failure();
    result = *compared;
    // A false link ends a compile-time chain, as in Python.
    if (result.is(PyValue::Kind::Bool) && !result.getBool())
      return result;
    lhs = rhs;
  }
  return result;
}

FailureOr<PyValue> CodeGen::evalIfExp(const IfExpExpr &expr) {
  FailureOr<PyValue> cond = eval(*expr.cond);
  if (failed(cond))
    return failure();
  if (cond->containsRuntime())
    return error(expr.cond->getLoc(),
                 "a conditional expression ('a if c else b') needs a "
                 "compile-time condition; use fl.where(c, a, b) for runtime "
                 "values");
  return eval(isTruthy(*cond) ? *expr.thenValue : *expr.elseValue);
}

} // namespace flashtile::frontend
