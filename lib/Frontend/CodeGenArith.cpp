//===- CodeGenArith.cpp - promotion, broadcasting, element-wise ops -------===//
//
// The typing rules of runtime values (docs/language.md, "Types"): numpy
// broadcasting, dtype promotion with Python numbers as weakly typed
// operands, conversions, and the arith ops of element-wise operators and
// comparisons, plus pointer arithmetic.
//
//===----------------------------------------------------------------------===//

#include "CodeGen.h"

#include "flashtile/Dialect/Tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using llvm::SMLoc;
using llvm::StringRef;
using llvm::Twine;

namespace flashtile::frontend {

//===----------------------------------------------------------------------===//
// Type helpers
//===----------------------------------------------------------------------===//

llvm::ArrayRef<int64_t> getShapeOf(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return tensor.getShape();
  return {};
}

Type getElementTypeOf(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return tensor.getElementType();
  return type;
}

Type makeType(Type element, llvm::ArrayRef<int64_t> shape) {
  if (shape.empty())
    return element;
  return RankedTensorType::get(shape, element);
}

bool isFloatType(Type type) { return isa<FloatType>(type); }
bool isIntType(Type type) { return isa<IntegerType>(type); }
bool isPointerType(Type type) { return isa<tile::PointerType>(type); }

std::string formatType(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

std::string formatShape(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto [i, dim] : llvm::enumerate(shape)) {
    if (i)
      text += ", ";
    text += std::to_string(dim);
  }
  return text + "]";
}

static bool fitsSigned(int64_t value, unsigned width) {
  if (width >= 64)
    return true;
  int64_t bound = int64_t(1) << (width - 1);
  return value >= -bound && value < bound;
}

LogicalResult CodeGen::checkBlockShape(llvm::ArrayRef<int64_t> shape,
                                       SMLoc loc) {
  if (shape.size() > kMaxBlockRank)
    return error(loc, "blocks have at most " + Twine(kMaxBlockRank) +
                          " dimensions, got shape " + formatShape(shape));
  int64_t elements = 1;
  for (int64_t dim : shape) {
    if (dim <= 0 || !llvm::has_single_bit(static_cast<uint64_t>(dim)))
      return error(loc, "block dimensions must be powers of two, got shape " +
                            formatShape(shape));
    if (dim > kMaxBlockElements / elements)
      return error(loc, "block of shape " + formatShape(shape) +
                            " is too large (at most " +
                            Twine(kMaxBlockElements) + " elements)");
    elements *= dim;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Promotion
//===----------------------------------------------------------------------===//

Type CodeGen::getWeakType(const PyValue &number) {
  if (number.is(PyValue::Kind::Bool))
    return builder.getI1Type();
  if (number.is(PyValue::Kind::Int))
    return fitsSigned(number.getInt(), 32) ? builder.getI32Type()
                                           : builder.getI64Type();
  return builder.getF32Type();
}

bool CodeGen::fitsWeakly(const PyValue &number, Type type) {
  switch (number.getKind()) {
  case PyValue::Kind::Bool:
    return isIntType(type) || isFloatType(type);
  case PyValue::Kind::Int:
    if (isFloatType(type))
      return true;
    return isIntType(type) && !type.isInteger(1) &&
           fitsSigned(number.getInt(), type.getIntOrFloatBitWidth());
  case PyValue::Kind::Float:
    return isFloatType(type);
  default:
    return false;
  }
}

/// The common type of two runtime element types.
static Type promoteStrong(Builder &b, Type lhs, Type rhs) {
  if (lhs == rhs)
    return lhs;
  bool lhsFloat = isFloatType(lhs), rhsFloat = isFloatType(rhs);
  if (lhsFloat && rhsFloat) {
    unsigned lw = lhs.getIntOrFloatBitWidth(), rw = rhs.getIntOrFloatBitWidth();
    if (lw == rw) // f16 and bf16
      return b.getF32Type();
    return lw > rw ? lhs : rhs;
  }
  if (lhsFloat)
    return lhs;
  if (rhsFloat)
    return rhs;
  return lhs.getIntOrFloatBitWidth() >= rhs.getIntOrFloatBitWidth() ? lhs : rhs;
}

/// The common type of a Python number and a runtime element type.
static Type promoteWeak(Builder &b, const PyValue &number, Type strong) {
  switch (number.getKind()) {
  case PyValue::Kind::Bool:
    return strong;
  case PyValue::Kind::Int: {
    if (isFloatType(strong))
      return strong;
    unsigned width = strong.getIntOrFloatBitWidth();
    int64_t value = number.getInt();
    if (width > 1 && fitsSigned(value, width))
      return strong;
    if (width <= 32 && fitsSigned(value, 32))
      return b.getI32Type();
    return b.getI64Type();
  }
  default:
    return isFloatType(strong) ? strong : b.getF32Type();
  }
}

FailureOr<Type> CodeGen::promote(const Arg &lhs, const Arg &rhs, SMLoc opLoc,
                                 StringRef op) {
  auto isOperand = [](const PyValue &v) {
    return v.isRuntime() || v.isNumber();
  };
  if (!isOperand(lhs.value) || !isOperand(rhs.value))
    return error(opLoc, "unsupported operand types for " + op + ": '" +
                            getKindName(lhs.value) + "' and '" +
                            getKindName(rhs.value) + "'");
  auto isPointer = [](const Arg &arg) {
    return arg.value.isRuntime() &&
           isPointerType(getElementTypeOf(arg.value.getRuntime().getType()));
  };
  if (isPointer(lhs) || isPointer(rhs)) {
    if (isPointer(lhs) && isPointer(rhs) &&
        getElementTypeOf(lhs.value.getRuntime().getType()) ==
            getElementTypeOf(rhs.value.getRuntime().getType()))
      return getElementTypeOf(lhs.value.getRuntime().getType());
    return error(opLoc, "unsupported operand types for " + op + ": " +
                            repr(lhs.value) + " and " + repr(rhs.value));
  }
  if (lhs.value.isRuntime() && rhs.value.isRuntime())
    return promoteStrong(builder,
                         getElementTypeOf(lhs.value.getRuntime().getType()),
                         getElementTypeOf(rhs.value.getRuntime().getType()));
  const Arg &runtime = lhs.value.isRuntime() ? lhs : rhs;
  const Arg &number = lhs.value.isRuntime() ? rhs : lhs;
  return promoteWeak(builder, number.value,
                     getElementTypeOf(runtime.value.getRuntime().getType()));
}

//===----------------------------------------------------------------------===//
// Broadcasting and conversion
//===----------------------------------------------------------------------===//

FailureOr<llvm::SmallVector<int64_t>>
CodeGen::broadcastShapes(llvm::ArrayRef<int64_t> lhs,
                         llvm::ArrayRef<int64_t> rhs, SMLoc loc, Type lhsType,
                         Type rhsType) {
  size_t rank = std::max(lhs.size(), rhs.size());
  llvm::SmallVector<int64_t> shape(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t a = i < lhs.size() ? lhs[lhs.size() - 1 - i] : 1;
    int64_t b = i < rhs.size() ? rhs[rhs.size() - 1 - i] : 1;
    if (a != b && a != 1 && b != 1)
      return error(loc, "cannot broadcast " + formatType(lhsType) + " and " +
                            formatType(rhsType) + ": dimension " + Twine(a) +
                            " does not match " + Twine(b));
    shape[rank - 1 - i] = a == 1 ? b : a;
  }
  if (failed(checkBlockShape(shape, loc)))
    return failure();
  return shape;
}

FailureOr<Value>
CodeGen::broadcastTo(Value value, llvm::ArrayRef<int64_t> shape, SMLoc loc) {
  Type type = value.getType();
  Type element = getElementTypeOf(type);
  Location opLoc = getLoc(loc);
  if (!isBlockType(type)) {
    if (shape.empty())
      return value;
    return tile::SplatOp::create(builder, opLoc,
                                 RankedTensorType::get(shape, element), value)
        .getResult();
  }
  llvm::ArrayRef<int64_t> source = getShapeOf(type);
  auto incompatible = [&] {
    return error(loc, "cannot broadcast " + formatType(type) + " to shape " +
                          formatShape(shape));
  };
  if (source == shape)
    return value;
  if (source.size() > shape.size())
    return incompatible();
  size_t offset = shape.size() - source.size();
  for (size_t i = 0; i < source.size(); ++i)
    if (source[i] != 1 && source[i] != shape[offset + i])
      return incompatible();
  llvm::SmallVector<int64_t> current(source);
  while (current.size() < shape.size()) {
    current.insert(current.begin(), 1);
    value = tile::ExpandDimsOp::create(
        builder, opLoc, RankedTensorType::get(current, element), value, 0u);
  }
  if (llvm::ArrayRef<int64_t>(current) != shape)
    value = tile::BroadcastOp::create(
        builder, opLoc, RankedTensorType::get(shape, element), value);
  return value;
}

Value CodeGen::castElements(Value value, Type element, Location loc) {
  Type srcType = value.getType();
  Type src = getElementTypeOf(srcType);
  if (src == element)
    return value;
  Type dst = makeType(element, getShapeOf(srcType));
  unsigned srcWidth = src.getIntOrFloatBitWidth();
  unsigned dstWidth = element.getIntOrFloatBitWidth();
  if (isIntType(src) && isIntType(element)) {
    if (element.isInteger(1)) {
      Value zero = materializeNumber(PyValue::getInt(0), srcType, loc);
      return arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ne,
                                   value, zero);
    }
    if (src.isInteger(1))
      return arith::ExtUIOp::create(builder, loc, dst, value);
    if (srcWidth < dstWidth)
      return arith::ExtSIOp::create(builder, loc, dst, value);
    return arith::TruncIOp::create(builder, loc, dst, value);
  }
  if (isFloatType(src) && isFloatType(element)) {
    if (srcWidth == dstWidth) { // f16 <-> bf16, through f32
      Value wide = castElements(value, builder.getF32Type(), loc);
      return castElements(wide, element, loc);
    }
    if (srcWidth < dstWidth)
      return arith::ExtFOp::create(builder, loc, dst, value);
    return arith::TruncFOp::create(builder, loc, dst, value);
  }
  if (isIntType(src)) {
    if (src.isInteger(1))
      return arith::UIToFPOp::create(builder, loc, dst, value);
    return arith::SIToFPOp::create(builder, loc, dst, value);
  }
  if (element.isInteger(1)) {
    Value zero = materializeNumber(PyValue::getFloat(0), srcType, loc);
    return arith::CmpFOp::create(builder, loc, arith::CmpFPredicate::UNE, value,
                                 zero);
  }
  return arith::FPToSIOp::create(builder, loc, dst, value);
}

Value CodeGen::materializeNumber(const PyValue &number, Type type,
                                 Location loc) {
  Type element = getElementTypeOf(type);
  if (number.is(PyValue::Kind::Float) && !isFloatType(element)) {
    // Float to int converts like a runtime value (fptosi / != 0).
    Value wide = materializeNumber(
        number, makeType(builder.getF32Type(), getShapeOf(type)), loc);
    return castElements(wide, element, loc);
  }
  TypedAttr attr;
  if (isFloatType(element)) {
    attr = FloatAttr::get(element, number.getNumberAsDouble());
  } else {
    unsigned width = element.getIntOrFloatBitWidth();
    int64_t value = number.getInt();
    if (width == 1)
      value = value != 0;
    attr = IntegerAttr::get(element,
                            llvm::APInt(width, static_cast<uint64_t>(value),
                                        /*isSigned=*/width > 1,
                                        /*implicitTrunc=*/true));
  }
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    attr = DenseElementsAttr::get(tensor, Attribute(attr));
  return arith::ConstantOp::create(builder, loc, attr);
}

FailureOr<Value> CodeGen::prepareOperand(const Arg &arg, Type element,
                                         llvm::ArrayRef<int64_t> shape,
                                         Location loc) {
  // A number becomes a constant where it is written.
  if (arg.value.isNumber())
    return materializeNumber(arg.value, makeType(element, shape),
                             getLoc(arg.loc));
  Value value = castElements(arg.value.getRuntime(), element, loc);
  return broadcastTo(value, shape, arg.loc);
}

Value CodeGen::materializeAs(const PyValue &value, Type type, Location loc) {
  if (value.isRuntime())
    return value.getRuntime().getType() == type ? value.getRuntime() : Value();
  if (value.isNumber() && fitsWeakly(value, getElementTypeOf(type)))
    return materializeNumber(value, type, loc);
  return {};
}

Value CodeGen::materializeAny(const PyValue &value, Location loc) {
  if (value.isRuntime())
    return value.getRuntime();
  if (value.isNumber())
    return materializeNumber(value, getWeakType(value), loc);
  return {};
}

FailureOr<Value> CodeGen::toCondition(Value value, SMLoc loc,
                                      const Twine &what) {
  Type type = value.getType();
  if (isBlockType(type))
    return error(loc, what + " must be a scalar, but it is a block (" +
                          formatType(type) +
                          "); reduce it first or use "
                          "fl.where for element-wise choice");
  if (isPointerType(type))
    return error(loc, what + " cannot be a pointer");
  if (type.isInteger(1))
    return value;
  return castElements(value, builder.getI1Type(), getLoc(loc));
}

//===----------------------------------------------------------------------===//
// Element-wise operators
//===----------------------------------------------------------------------===//

static bool isPointerValue(const PyValue &v) {
  return v.isRuntime() &&
         isPointerType(getElementTypeOf(v.getRuntime().getType()));
}

FailureOr<PyValue> CodeGen::pointerArith(BinaryOp op, const Arg &lhs,
                                         const Arg &rhs, SMLoc opLoc,
                                         Location loc) {
  bool lhsPtr = isPointerValue(lhs.value), rhsPtr = isPointerValue(rhs.value);
  auto isOffset = [](const PyValue &v) {
    if (v.is(PyValue::Kind::Int) || v.is(PyValue::Kind::Bool))
      return true;
    return v.isRuntime() &&
           isIntType(getElementTypeOf(v.getRuntime().getType()));
  };
  bool ok = (op == BinaryOp::Add && lhsPtr != rhsPtr &&
             isOffset(lhsPtr ? rhs.value : lhs.value)) ||
            (op == BinaryOp::Sub && lhsPtr && !rhsPtr && isOffset(rhs.value));
  if (!ok) {
    if (lhsPtr && rhsPtr)
      return error(opLoc, "operator '" + getSpelling(op) +
                              "' is not supported between two pointers");
    return error(opLoc, "pointers support only '+' and '-' with integer "
                        "offsets; '" +
                            getSpelling(op) + "' with " +
                            repr(lhsPtr ? rhs.value : lhs.value) +
                            " is not supported");
  }
  const Arg &ptr = lhsPtr ? lhs : rhs;
  const Arg &offset = lhsPtr ? rhs : lhs;
  Type offsetType;
  if (offset.value.isRuntime()) {
    offsetType = getElementTypeOf(offset.value.getRuntime().getType());
    if (offsetType.getIntOrFloatBitWidth() < 32)
      offsetType = builder.getI32Type();
  } else {
    offsetType = offset.value.is(PyValue::Kind::Bool)
                     ? builder.getI32Type()
                     : getWeakType(offset.value);
  }
  Type ptrType = ptr.value.getRuntime().getType();
  Type offType = offset.value.isRuntime() ? offset.value.getRuntime().getType()
                                          : offsetType;
  auto shape = broadcastShapes(getShapeOf(ptrType), getShapeOf(offType), opLoc,
                               ptrType, offType);
  if (failed(shape))
    return failure();
  FailureOr<Value> ptrValue =
      broadcastTo(ptr.value.getRuntime(), *shape, ptr.loc);
  FailureOr<Value> offValue = prepareOperand(offset, offsetType, *shape, loc);
  if (failed(ptrValue) || failed(offValue))
    return failure();
  Value off = *offValue;
  if (op == BinaryOp::Sub) {
    Value zero = materializeNumber(PyValue::getInt(0), off.getType(), loc);
    off = arith::SubIOp::create(builder, loc, zero, off);
  }
  return PyValue::getRuntime(
      tile::AddPtrOp::create(builder, loc, ptrValue->getType(), *ptrValue, off)
          .getResult());
}

FailureOr<PyValue> CodeGen::runtimeBinary(BinaryOp op, const Arg &lhs,
                                          const Arg &rhs, SMLoc opLoc,
                                          Location loc) {
  if (op == BinaryOp::MatMul)
    return emitDot(lhs, rhs, std::nullopt, std::nullopt, opLoc, loc);
  if (op == BinaryOp::Pow)
    return error(opLoc, "'**' needs compile-time operands; for runtime "
                        "values use fl.exp2(y * fl.log2(x))");
  if (isPointerValue(lhs.value) || isPointerValue(rhs.value))
    return pointerArith(op, lhs, rhs, opLoc, loc);

  FailureOr<Type> promoted = promote(lhs, rhs, opLoc, getSpelling(op));
  if (failed(promoted))
    return failure();
  Type element = *promoted;
  bool isBitwise = op == BinaryOp::BitAnd || op == BinaryOp::BitOr ||
                   op == BinaryOp::BitXor || op == BinaryOp::LShift ||
                   op == BinaryOp::RShift;
  if (isBitwise && !isIntType(element))
    return error(opLoc, "operator '" + getSpelling(op) +
                            "' needs integer or boolean operands, got " +
                            formatType(element));
  bool isShift = op == BinaryOp::LShift || op == BinaryOp::RShift;
  // Bools are ints in arithmetic, as in Python.
  if (element.isInteger(1) && (!isBitwise || isShift))
    element = builder.getI32Type();
  if (op == BinaryOp::Div && isIntType(element))
    element = builder.getF32Type();

  Type lhsType =
      lhs.value.isRuntime() ? lhs.value.getRuntime().getType() : element;
  Type rhsType =
      rhs.value.isRuntime() ? rhs.value.getRuntime().getType() : element;
  auto shape = broadcastShapes(getShapeOf(lhsType), getShapeOf(rhsType), opLoc,
                               lhsType, rhsType);
  if (failed(shape))
    return failure();
  FailureOr<Value> a = prepareOperand(lhs, element, *shape, loc);
  FailureOr<Value> b = prepareOperand(rhs, element, *shape, loc);
  if (failed(a) || failed(b))
    return failure();

  bool isFloat = isFloatType(element);
  Value result;
  switch (op) {
  case BinaryOp::Add:
    result = isFloat ? arith::AddFOp::create(builder, loc, *a, *b).getResult()
                     : arith::AddIOp::create(builder, loc, *a, *b).getResult();
    break;
  case BinaryOp::Sub:
    result = isFloat ? arith::SubFOp::create(builder, loc, *a, *b).getResult()
                     : arith::SubIOp::create(builder, loc, *a, *b).getResult();
    break;
  case BinaryOp::Mul:
    result = isFloat ? arith::MulFOp::create(builder, loc, *a, *b).getResult()
                     : arith::MulIOp::create(builder, loc, *a, *b).getResult();
    break;
  case BinaryOp::Div:
    result = arith::DivFOp::create(builder, loc, *a, *b);
    break;
  case BinaryOp::FloorDiv:
    if (isFloat)
      result = math::FloorOp::create(
          builder, loc, arith::DivFOp::create(builder, loc, *a, *b));
    else
      result = arith::DivSIOp::create(builder, loc, *a, *b);
    break;
  case BinaryOp::Mod:
    result = isFloat ? arith::RemFOp::create(builder, loc, *a, *b).getResult()
                     : arith::RemSIOp::create(builder, loc, *a, *b).getResult();
    break;
  case BinaryOp::BitAnd:
    result = arith::AndIOp::create(builder, loc, *a, *b);
    break;
  case BinaryOp::BitOr:
    result = arith::OrIOp::create(builder, loc, *a, *b);
    break;
  case BinaryOp::BitXor:
    result = arith::XOrIOp::create(builder, loc, *a, *b);
    break;
  case BinaryOp::LShift:
    result = arith::ShLIOp::create(builder, loc, *a, *b);
    break;
  case BinaryOp::RShift:
    result = arith::ShRSIOp::create(builder, loc, *a, *b);
    break;
  case BinaryOp::Pow:
  case BinaryOp::MatMul:
    llvm_unreachable("handled above");
  }
  return PyValue::getRuntime(result);
}

FailureOr<PyValue> CodeGen::runtimeCompare(CompareOp op, const Arg &lhs,
                                           const Arg &rhs, SMLoc opLoc,
                                           Location loc) {
  if (op == CompareOp::In || op == CompareOp::NotIn)
    return error(opLoc, "'" + getSpelling(op) +
                            "' is not supported on runtime values");
  if (isPointerValue(lhs.value) || isPointerValue(rhs.value))
    return error(opLoc, "comparing pointers is not supported");
  FailureOr<Type> promoted = promote(lhs, rhs, opLoc, getSpelling(op));
  if (failed(promoted))
    return failure();
  Type element = *promoted;
  bool isOrdering = op != CompareOp::Eq && op != CompareOp::Ne;
  if (element.isInteger(1) && isOrdering)
    element = builder.getI32Type();
  Type lhsType =
      lhs.value.isRuntime() ? lhs.value.getRuntime().getType() : element;
  Type rhsType =
      rhs.value.isRuntime() ? rhs.value.getRuntime().getType() : element;
  auto shape = broadcastShapes(getShapeOf(lhsType), getShapeOf(rhsType), opLoc,
                               lhsType, rhsType);
  if (failed(shape))
    return failure();
  FailureOr<Value> a = prepareOperand(lhs, element, *shape, loc);
  FailureOr<Value> b = prepareOperand(rhs, element, *shape, loc);
  if (failed(a) || failed(b))
    return failure();
  // Float (ordered; != is unordered, as in Python) and signed integer
  // predicates of <, <=, >, >=, ==, != (any other operator compares as !=).
  static constexpr std::pair<arith::CmpFPredicate, arith::CmpIPredicate>
      kPredicates[] = {
          {arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt},
          {arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle},
          {arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt},
          {arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge},
          {arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq},
          {arith::CmpFPredicate::UNE, arith::CmpIPredicate::ne}};
  auto [floatPredicate, intPredicate] = kPredicates[std::min(
      static_cast<unsigned>(op), static_cast<unsigned>(CompareOp::Ne))];
  Value result =
      isFloatType(element)
          ? arith::CmpFOp::create(builder, loc, floatPredicate, *a, *b)
                .getResult()
          : arith::CmpIOp::create(builder, loc, intPredicate, *a, *b)
                .getResult();
  return PyValue::getRuntime(result);
}

FailureOr<PyValue> CodeGen::runtimeUnary(UnaryOp op, const Arg &operand,
                                         Location loc) {
  Value value = operand.value.getRuntime();
  Type type = value.getType();
  Type element = getElementTypeOf(type);
  if (isPointerType(element))
    return error(operand.loc, "unary operators are not supported on pointers");
  switch (op) {
  case UnaryOp::Not: {
    if (element.isInteger(1)) {
      Value one = materializeNumber(PyValue::getBool(true), type, loc);
      return PyValue::getRuntime(
          arith::XOrIOp::create(builder, loc, value, one));
    }
    Value truth = castElements(value, builder.getI1Type(), loc);
    Value one = materializeNumber(PyValue::getBool(true), truth.getType(), loc);
    return PyValue::getRuntime(arith::XOrIOp::create(builder, loc, truth, one));
  }
  case UnaryOp::Invert: {
    if (!isIntType(element))
      return error(operand.loc, "operator '~' needs an integer or boolean "
                                "operand, got " +
                                    formatType(element));
    Value ones = materializeNumber(PyValue::getInt(-1), type, loc);
    return PyValue::getRuntime(
        arith::XOrIOp::create(builder, loc, value, ones));
  }
  case UnaryOp::Pos:
  case UnaryOp::Neg: {
    if (element.isInteger(1)) {
      element = builder.getI32Type();
      value = castElements(value, element, loc);
      type = value.getType();
    }
    if (op == UnaryOp::Pos)
      return PyValue::getRuntime(value);
    if (isFloatType(element))
      return PyValue::getRuntime(arith::NegFOp::create(builder, loc, value));
    Value zero = materializeNumber(PyValue::getInt(0), type, loc);
    return PyValue::getRuntime(
        arith::SubIOp::create(builder, loc, zero, value));
  }
  }
  llvm_unreachable("unknown unary operator");
}

} // namespace flashtile::frontend
