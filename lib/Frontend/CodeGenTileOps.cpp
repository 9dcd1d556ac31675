//===- CodeGenTileOps.cpp - builtins that emit tile and math ops ----------===//
//
// Memory access (load, store, atomics), matrix products, reductions, math
// functions, where, maximum/minimum and conversions: the checks that make
// their operands valid for the tile dialect's verifiers, then the ops.
//
//===----------------------------------------------------------------------===//

#include "CodeGen.h"

#include "ConstEval.h"

#include "flashtile/Dialect/Tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using llvm::SMLoc;
using llvm::StringRef;
using llvm::Twine;

namespace flashtile::frontend {

/// The shape of a runtime operand; numbers have none.
static llvm::ArrayRef<int64_t> shapeOfArg(const Arg &arg) {
  return arg.value.isRuntime() ? getShapeOf(arg.value.getRuntime().getType())
                               : llvm::ArrayRef<int64_t>();
}

static Type typeOfArg(const Arg &arg, Type fallback) {
  return arg.value.isRuntime() ? arg.value.getRuntime().getType() : fallback;
}

/// Whether `arg` is a number or a runtime value of numbers (not pointers).
static bool isNumeric(const Arg &arg) {
  if (arg.value.isNumber())
    return true;
  return arg.value.isRuntime() &&
         !isPointerType(getElementTypeOf(arg.value.getRuntime().getType()));
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

FailureOr<PyValue>
CodeGen::emitMemoryOp(Builtin builtin, llvm::ArrayRef<std::optional<Arg>> args,
                      StringRef callee, SMLoc loc) {
  const Arg &ptr = *args[0];
  if (!ptr.value.isRuntime() ||
      !isPointerType(getElementTypeOf(ptr.value.getRuntime().getType())))
    return error(ptr.loc, callee +
                              " needs a pointer or a block of pointers, "
                              "got " +
                              repr(ptr.value));
  bool isLoad = builtin == Builtin::Load;
  std::optional<Arg> mask = isLoad ? args[1] : args[2];
  std::optional<Arg> data = isLoad ? args[2] : args[1];
  if (mask && mask->value.is(PyValue::Kind::None))
    mask.reset();
  if (data && data->value.is(PyValue::Kind::None))
    data.reset();

  if (mask) {
    if (mask->value.is(PyValue::Kind::Bool)) {
      // An always-true mask is no mask; `other` is then never used.
      if (mask->value.getBool()) {
        mask.reset();
        if (isLoad)
          data.reset();
      }
    } else if (!mask->value.isRuntime() ||
               !getElementTypeOf(mask->value.getRuntime().getType())
                    .isInteger(1)) {
      return error(mask->loc, callee +
                                  " mask must be a boolean block or "
                                  "scalar (e.g. offs < n), got " +
                                  repr(mask->value));
    }
  }
  if (!isLoad && !data)
    return error(args[1]->loc, callee + " value must be a number or a block "
                                        "of numbers, got None");
  if (data && !isNumeric(*data))
    return error(data->loc, callee + (isLoad ? " other" : " value") +
                                " must be a number or a block of numbers, "
                                "got " +
                                repr(data->value));
  if (isLoad && data && !mask)
    return error(data->loc, "fl.load() other needs a mask: it gives the "
                            "value of the masked-off elements");

  Type ptrType = ptr.value.getRuntime().getType();
  auto pointer = cast<tile::PointerType>(getElementTypeOf(ptrType));
  Type pointee = pointer.getPointeeType();
  bool isAtomic = !isLoad && builtin != Builtin::Store;
  if (isAtomic && builtin != Builtin::AtomicXchg &&
      !(pointee.isInteger(32) || pointee.isInteger(64) || isFloatType(pointee)))
    return error(loc, callee + " is not supported on " + formatType(pointee) +
                          " (supported: int32, int64 and floats)");

  llvm::SmallVector<int64_t> shape(getShapeOf(ptrType));
  for (const std::optional<Arg> &arg : {mask, data}) {
    if (!arg)
      continue;
    Type argType = typeOfArg(*arg, pointee);
    auto broadcast = broadcastShapes(shape, shapeOfArg(*arg), arg->loc,
                                     makeType(pointer, shape), argType);
    if (failed(broadcast))
      return failure();
    shape = *broadcast;
  }
  Location opLoc = getLoc(loc);
  FailureOr<Value> ptrValue =
      broadcastTo(ptr.value.getRuntime(), shape, ptr.loc);
  if (failed(ptrValue))
    return failure();
  Value maskValue, dataValue;
  if (mask) {
    FailureOr<Value> value =
        prepareOperand(*mask, builder.getI1Type(), shape, opLoc);
    if (failed(value))
      return failure();
    maskValue = *value;
  }
  if (data) {
    FailureOr<Value> value = prepareOperand(*data, pointee, shape, opLoc);
    if (failed(value))
      return failure();
    dataValue = *value;
  }

  switch (builtin) {
  case Builtin::Load:
    return PyValue::getRuntime(
        tile::LoadOp::create(builder, opLoc, *ptrValue, maskValue, dataValue));
  case Builtin::Store:
    tile::StoreOp::create(builder, opLoc, *ptrValue, dataValue, maskValue);
    return PyValue::getNone();
  default: {
    tile::RMWKind kind = builtin == Builtin::AtomicAdd   ? tile::RMWKind::add
                         : builtin == Builtin::AtomicMax ? tile::RMWKind::max
                         : builtin == Builtin::AtomicMin ? tile::RMWKind::min
                                                         : tile::RMWKind::xchg;
    return PyValue::getRuntime(
        tile::AtomicRMWOp::create(builder, opLoc, dataValue.getType(), kind,
                                  *ptrValue, dataValue, maskValue));
  }
  }
}

//===----------------------------------------------------------------------===//
// Matrix product
//===----------------------------------------------------------------------===//

FailureOr<PyValue> CodeGen::emitDot(const Arg &a, const Arg &b,
                                    const std::optional<Arg> &acc,
                                    const std::optional<Arg> &precision,
                                    SMLoc loc, Location opLoc) {
  auto operand = [&](const Arg &arg,
                     StringRef which) -> FailureOr<RankedTensorType> {
    FailureOr<Value> block = getBlock(arg, Twine("fl.dot() operand ") + which);
    if (failed(block))
      return failure();
    auto type = cast<RankedTensorType>(block->getType());
    if (type.getRank() != 2)
      return error(arg.loc, "fl.dot() operands must be 2-D blocks, got " +
                                formatType(type));
    return type;
  };
  FailureOr<RankedTensorType> aType = operand(a, "a");
  if (failed(aType))
    return failure();
  FailureOr<RankedTensorType> bType = operand(b, "b");
  if (failed(bType))
    return failure();
  Type element = aType->getElementType();
  if (element != bType->getElementType())
    return error(loc, "fl.dot() operands must have the same dtype, got " +
                          formatType(element) + " and " +
                          formatType(bType->getElementType()) +
                          "; convert one with x.to(...)");
  int64_t m = aType->getDimSize(0), k = aType->getDimSize(1);
  int64_t n = bType->getDimSize(1);
  if (bType->getDimSize(0) != k)
    return error(loc, "fl.dot() inner dimensions differ: a is " + Twine(m) +
                          "x" + Twine(k) + ", b is " +
                          Twine(bType->getDimSize(0)) + "x" + Twine(n));
  bool isHalf = element.isF16() || element.isBF16();
  if (!isHalf && !element.isF32() && !element.isInteger(8))
    return error(loc, "fl.dot() supports float16, bfloat16, float32 and int8 "
                      "operands, got " +
                          formatType(element));

  auto precisionValue = tile::InputPrecision::tf32;
  if (precision) {
    const PyValue &p = precision->value;
    if (!p.is(PyValue::Kind::Str) ||
        (p.getStr() != "tf32" && p.getStr() != "ieee"))
      return error(precision->loc, "fl.dot() input_precision must be \"tf32\" "
                                   "or \"ieee\", got " +
                                       repr(p));
    if (p.getStr() == "ieee") {
      if (!element.isF32())
        return error(precision->loc, "fl.dot() input_precision applies to "
                                     "float32 operands only");
      precisionValue = tile::InputPrecision::ieee;
    }
  }

  Type accElement = element.isInteger(8) ? Type(builder.getI32Type())
                                         : Type(builder.getF32Type());
  auto accType = RankedTensorType::get({m, n}, accElement);
  Value accValue;
  if (acc) {
    if (!acc->value.isRuntime() ||
        !isBlockType(acc->value.getRuntime().getType()))
      return error(acc->loc, "fl.dot() acc must be a " + Twine(m) + "x" +
                                 Twine(n) + " block, got " + repr(acc->value));
    accValue = acc->value.getRuntime();
    auto given = cast<RankedTensorType>(accValue.getType());
    if (given.getShape() != accType.getShape())
      return error(acc->loc, "fl.dot() acc must be " + Twine(m) + "x" +
                                 Twine(n) + ", got " + formatType(given));
    Type givenElement = given.getElementType();
    bool ok =
        givenElement == accElement || (element.isF16() && givenElement.isF16());
    if (!ok)
      return error(acc->loc, "fl.dot() cannot accumulate " +
                                 formatType(element) + " products into " +
                                 formatType(givenElement) + " (use " +
                                 formatType(accElement) + ")");
    accType = given;
  } else {
    accValue = materializeNumber(PyValue::getInt(0), accType, opLoc);
  }
  return PyValue::getRuntime(
      tile::DotOp::create(builder, opLoc, accType, a.value.getRuntime(),
                          b.value.getRuntime(), accValue, precisionValue));
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

FailureOr<PyValue> CodeGen::emitReduce(const Arg &x, std::optional<Arg> axis,
                                       bool keepDims, unsigned kindValue,
                                       StringRef callee, SMLoc loc) {
  auto kind = static_cast<tile::ReduceKind>(kindValue);
  FailureOr<Value> block = getBlock(x, (callee + " argument").str());
  if (failed(block))
    return failure();
  Location opLoc = getLoc(loc);
  Value value = *block;
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = type.getRank();
  // Booleans reduce as int32 (counting, any, all).
  if (type.getElementType().isInteger(1))
    value = castElements(value, builder.getI32Type(), opLoc);
  Type element = getElementTypeOf(value.getType());

  if (!axis) {
    if (rank > 1)
      value = tile::ReshapeOp::create(
          builder, opLoc,
          RankedTensorType::get({type.getNumElements()}, element), value);
    Value result = tile::ReduceOp::create(builder, opLoc, value, 0, kind);
    if (keepDims)
      result = tile::SplatOp::create(
          builder, opLoc,
          RankedTensorType::get(llvm::SmallVector<int64_t>(rank, 1), element),
          result);
    return PyValue::getRuntime(result);
  }
  FailureOr<int64_t> axisValue = getConstInt(*axis, (callee + " axis").str());
  if (failed(axisValue))
    return failure();
  int64_t a = *axisValue < 0 ? *axisValue + rank : *axisValue;
  if (a < 0 || a >= rank)
    return error(axis->loc, callee + " axis " + Twine(*axisValue) +
                                " is out of range for a block of rank " +
                                Twine(rank));
  Value result =
      tile::ReduceOp::create(builder, opLoc, value, static_cast<int>(a), kind);
  if (keepDims) {
    llvm::SmallVector<int64_t> shape(type.getShape());
    shape[a] = 1;
    auto keptType = RankedTensorType::get(shape, element);
    if (rank == 1)
      result = tile::SplatOp::create(builder, opLoc, keptType, result);
    else
      result = tile::ExpandDimsOp::create(builder, opLoc, keptType, result,
                                          static_cast<uint32_t>(a));
  }
  return PyValue::getRuntime(result);
}

//===----------------------------------------------------------------------===//
// Element-wise builtins
//===----------------------------------------------------------------------===//

template <typename OpTy>
static Value createUnary(OpBuilder &builder, Location loc, Value value) {
  return OpTy::create(builder, loc, value);
}

FailureOr<PyValue> CodeGen::emitMath(Builtin builtin, const Arg &x,
                                     StringRef callee, SMLoc loc) {
  Location opLoc = getLoc(loc);
  if (!isNumeric(x))
    return error(x.loc, callee + " needs a number, scalar or block, got " +
                            repr(x.value));
  Value value;
  if (x.value.isNumber())
    value = builtin == Builtin::Abs
                ? materializeAny(x.value, opLoc)
                : materializeNumber(x.value, builder.getF32Type(), opLoc);
  else
    value = x.value.getRuntime();
  Type element = getElementTypeOf(value.getType());

  if (builtin == Builtin::Abs) {
    if (element.isInteger(1))
      return PyValue::getRuntime(value);
    if (isIntType(element))
      return PyValue::getRuntime(
          createUnary<math::AbsIOp>(builder, opLoc, value));
    return PyValue::getRuntime(
        createUnary<math::AbsFOp>(builder, opLoc, value));
  }
  if (!isFloatType(element))
    return error(x.loc, callee + " needs floating-point values, got " +
                            formatType(element) +
                            "; convert with x.to(fl.float32)");
  // Half-precision inputs are computed in f32 and rounded back.
  bool widen = element.getIntOrFloatBitWidth() < 32;
  if (widen)
    value = castElements(value, builder.getF32Type(), opLoc);
  Value result;
  switch (builtin) {
  case Builtin::Exp:
    result = createUnary<math::ExpOp>(builder, opLoc, value);
    break;
  case Builtin::Exp2:
    result = createUnary<math::Exp2Op>(builder, opLoc, value);
    break;
  case Builtin::Log:
    result = createUnary<math::LogOp>(builder, opLoc, value);
    break;
  case Builtin::Log2:
    result = createUnary<math::Log2Op>(builder, opLoc, value);
    break;
  case Builtin::Sqrt:
    result = createUnary<math::SqrtOp>(builder, opLoc, value);
    break;
  case Builtin::Rsqrt:
    result = createUnary<math::RsqrtOp>(builder, opLoc, value);
    break;
  case Builtin::Sin:
    result = createUnary<math::SinOp>(builder, opLoc, value);
    break;
  case Builtin::Tanh:
    result = createUnary<math::TanhOp>(builder, opLoc, value);
    break;
  case Builtin::Erf:
    result = createUnary<math::ErfOp>(builder, opLoc, value);
    break;
  case Builtin::Sigmoid: {
    // 1 / (1 + exp(-x)): exp of a large -x is +inf and gives 0, of a
    // large x 0 and gives 1, so no range check is needed.
    Value one = materializeNumber(PyValue::getFloat(1.0), value.getType(), opLoc);
    Value e = createUnary<math::ExpOp>(
        builder, opLoc, arith::NegFOp::create(builder, opLoc, value));
    result = arith::DivFOp::create(
        builder, opLoc, one, arith::AddFOp::create(builder, opLoc, one, e));
    break;
  }
  default:
    result = createUnary<math::CosOp>(builder, opLoc, value);
    break;
  }
  if (widen)
    result = castElements(result, element, opLoc);
  return PyValue::getRuntime(result);
}

/// The common type of two Python numbers as runtime values.
static Type promoteNumbers(CodeGen &codegen, const PyValue &a,
                           const PyValue &b) {
  Type typeA = codegen.getWeakType(a), typeB = codegen.getWeakType(b);
  if (isFloatType(typeA) || isFloatType(typeB))
    return Float32Type::get(codegen.getContext());
  return typeA.getIntOrFloatBitWidth() >= typeB.getIntOrFloatBitWidth() ? typeA
                                                                        : typeB;
}

FailureOr<PyValue> CodeGen::emitWhere(const Arg &cond, const Arg &a,
                                      const Arg &b, SMLoc loc) {
  Arg condition = cond;
  if (cond.value.isRuntime()) {
    if (!getElementTypeOf(cond.value.getRuntime().getType()).isInteger(1))
      return error(cond.loc, "fl.where() condition must be boolean (i1), "
                             "got " +
                                 formatType(cond.value.getRuntime().getType()));
  } else if (cond.value.isConstexpr()) {
    condition.value = PyValue::getBool(isTruthy(cond.value));
  } else {
    return error(cond.loc, "fl.where() condition must be boolean, got a " +
                               getKindName(cond.value));
  }
  Type element;
  if (a.value.isNumber() && b.value.isNumber()) {
    element = promoteNumbers(*this, a.value, b.value);
  } else {
    FailureOr<Type> promoted = promote(a, b, loc, "fl.where()");
    if (failed(promoted))
      return failure();
    element = *promoted;
  }
  Type i1 = builder.getI1Type();
  auto shape = broadcastShapes(shapeOfArg(condition), shapeOfArg(a), loc,
                               typeOfArg(condition, i1), typeOfArg(a, element));
  if (failed(shape))
    return failure();
  shape = broadcastShapes(*shape, shapeOfArg(b), loc, makeType(element, *shape),
                          typeOfArg(b, element));
  if (failed(shape))
    return failure();
  FailureOr<Value> c = prepareOperand(condition, i1, *shape, getLoc(loc));
  FailureOr<Value> x = prepareOperand(a, element, *shape, getLoc(loc));
  FailureOr<Value> y = prepareOperand(b, element, *shape, getLoc(loc));
  if (failed(c) || failed(x) || failed(y))
    return failure();
  return PyValue::getRuntime(
      arith::SelectOp::create(builder, getLoc(loc), *c, *x, *y));
}

FailureOr<PyValue> CodeGen::emitMinMax(Builtin builtin, const Arg &a,
                                       const Arg &b, SMLoc loc) {
  bool isMax = builtin == Builtin::Maximum;
  StringRef callee = isMax ? "fl.maximum()" : "fl.minimum()";
  for (const Arg *arg : {&a, &b})
    if (!isNumeric(*arg))
      return error(arg->loc, callee +
                                 " needs numbers, scalars or blocks, "
                                 "got " +
                                 repr(arg->value));
  if (a.value.isNumber() && b.value.isNumber()) {
    std::string message;
    std::optional<bool> greater =
        foldCompare(CompareOp::Gt, a.value, b.value, message);
    bool pickA = greater && (isMax ? *greater : !*greater);
    return pickA ? a.value : b.value;
  }
  FailureOr<Type> promoted = promote(a, b, loc, callee);
  if (failed(promoted))
    return failure();
  Type element = promoted->isInteger(1) ? builder.getI32Type() : *promoted;
  auto shape = broadcastShapes(shapeOfArg(a), shapeOfArg(b), loc,
                               typeOfArg(a, element), typeOfArg(b, element));
  if (failed(shape))
    return failure();
  FailureOr<Value> x = prepareOperand(a, element, *shape, getLoc(loc));
  FailureOr<Value> y = prepareOperand(b, element, *shape, getLoc(loc));
  if (failed(x) || failed(y))
    return failure();
  Location opLoc = getLoc(loc);
  Value result;
  if (isFloatType(element))
    result = isMax
                 ? arith::MaxNumFOp::create(builder, opLoc, *x, *y).getResult()
                 : arith::MinNumFOp::create(builder, opLoc, *x, *y).getResult();
  else
    result = isMax ? arith::MaxSIOp::create(builder, opLoc, *x, *y).getResult()
                   : arith::MinSIOp::create(builder, opLoc, *x, *y).getResult();
  return PyValue::getRuntime(result);
}

FailureOr<PyValue> CodeGen::emitCast(const Arg &value, const Arg &dtype,
                                     SMLoc loc) {
  FailureOr<Type> element = getElementDType(dtype, "the target dtype");
  if (failed(element))
    return failure();
  if (!isNumeric(value))
    return error(value.loc, "cannot convert " + repr(value.value) + " to " +
                                getDTypeName(*element));
  Location opLoc = getLoc(loc);
  Value v = materializeAny(value.value, opLoc);
  return PyValue::getRuntime(castElements(v, *element, opLoc));
}

} // namespace flashtile::frontend
