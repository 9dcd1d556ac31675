//===- CodeGenBuiltins.cpp - flashtile.language and Python builtins -------===//
//
// Each builtin binds its arguments by name (so positional and keyword forms
// both work and misuse gets Python-style messages), checks them, and emits
// the tile, arith or math ops it stands for.
//
//===----------------------------------------------------------------------===//

#include "CodeGen.h"

#include "ConstEval.h"

#include "flashtile/Dialect/Tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using llvm::SMLoc;
using llvm::StringRef;
using llvm::Twine;

namespace flashtile::frontend {

//===----------------------------------------------------------------------===//
// Argument handling
//===----------------------------------------------------------------------===//

LogicalResult
CodeGen::bindArgs(StringRef callee, llvm::ArrayRef<StringRef> names,
                  unsigned numRequired, const CallArgs &args,
                  llvm::SmallVectorImpl<std::optional<Arg>> &out) {
  out.assign(names.size(), std::nullopt);
  if (args.positional.size() > names.size()) {
    std::string takes = numRequired == names.size()
                            ? std::to_string(names.size())
                            : "from " + std::to_string(numRequired) + " to " +
                                  std::to_string(names.size());
    return error(args.positional[names.size()].loc,
                 callee + " takes " + takes + " positional argument" +
                     (names.size() == 1 ? "" : "s") + " but " +
                     Twine(args.positional.size()) + " were given");
  }
  for (auto [i, arg] : llvm::enumerate(args.positional))
    out[i] = arg;
  for (const KeywordValue &keyword : args.keywords) {
    const auto *it = llvm::find(names, keyword.name);
    if (it == names.end())
      return error(keyword.nameLoc,
                   callee + " got an unexpected keyword argument '" +
                       keyword.name + "'");
    size_t index = it - names.begin();
    if (out[index])
      return error(keyword.nameLoc, callee +
                                        " got multiple values for argument '" +
                                        keyword.name + "'");
    out[index] = keyword.arg;
  }
  for (unsigned i = 0; i < numRequired; ++i)
    if (!out[i])
      return error(args.loc,
                   callee + " missing required argument '" + names[i] + "'");
  return success();
}

/// Whether an optional argument was given and is not None.
static bool isGiven(const std::optional<Arg> &arg) {
  return arg && !arg->value.is(PyValue::Kind::None);
}

FailureOr<int64_t> CodeGen::getConstInt(const Arg &arg, const Twine &what) {
  if (arg.value.is(PyValue::Kind::Int) || arg.value.is(PyValue::Kind::Bool))
    return arg.value.getInt();
  return error(arg.loc, what + " must be a compile-time int, got " +
                            (arg.value.isRuntime()
                                 ? "a runtime " + getKindName(arg.value).str()
                                 : "a " + getKindName(arg.value).str()));
}

FailureOr<llvm::SmallVector<int64_t>> CodeGen::getShape(const Arg &arg,
                                                        const Twine &what) {
  llvm::SmallVector<int64_t> shape;
  if (arg.value.is(PyValue::Kind::Int)) {
    shape.push_back(arg.value.getInt());
  } else if (arg.value.is(PyValue::Kind::Tuple)) {
    for (const PyValue &dim : arg.value.getElements()) {
      if (!dim.is(PyValue::Kind::Int))
        return error(arg.loc, what +
                                  " must be a tuple of compile-time ints, "
                                  "got " +
                                  repr(arg.value));
      shape.push_back(dim.getInt());
    }
  } else {
    return error(arg.loc, what +
                              " must be a compile-time int or tuple of "
                              "ints, got a " +
                              getKindName(arg.value));
  }
  if (shape.empty())
    return error(arg.loc, what + " must have at least one dimension");
  if (failed(checkBlockShape(shape, arg.loc)))
    return failure();
  return shape;
}

FailureOr<Type> CodeGen::getElementDType(const Arg &arg, const Twine &what) {
  if (arg.value.is(PyValue::Kind::DType) &&
      !isPointerType(arg.value.getDType()))
    return arg.value.getDType();
  return error(arg.loc, what + " must be a dtype such as fl.float32, got " +
                            (arg.value.isConstexpr()
                                 ? repr(arg.value)
                                 : "a " + getKindName(arg.value).str()));
}

FailureOr<Value> CodeGen::getBlock(const Arg &arg, const Twine &what) {
  if (arg.value.isRuntime() && isBlockType(arg.value.getRuntime().getType())) {
    if (isPointerType(getElementTypeOf(arg.value.getRuntime().getType())))
      return error(arg.loc, what + " must be a block of numbers, not of "
                                   "pointers");
    return arg.value.getRuntime();
  }
  return error(arg.loc, what + " must be a block, got " +
                            (arg.value.isRuntime()
                                 ? formatType(arg.value.getRuntime().getType())
                                 : "a " + getKindName(arg.value).str()));
}

LogicalResult CodeGen::getRangeBounds(StringRef callee, const CallArgs &args,
                                      llvm::SmallVectorImpl<Arg> &bounds) {
  if (!args.keywords.empty())
    return error(args.keywords.front().nameLoc,
                 callee + " does not take keyword arguments");
  size_t count = args.positional.size();
  if (count < 1 || count > 3)
    return error(args.loc,
                 callee + " takes 1 to 3 arguments, got " + Twine(count));
  bounds.assign({Arg{PyValue::getInt(0), args.loc}, args.positional[0],
                 Arg{PyValue::getInt(1), args.loc}});
  if (count >= 2) {
    bounds[0] = args.positional[0];
    bounds[1] = args.positional[1];
  }
  if (count == 3)
    bounds[2] = args.positional[2];
  for (Arg &bound : bounds) {
    FailureOr<int64_t> value = getConstInt(bound, callee + " arguments");
    if (failed(value))
      return failure();
    bound.value = PyValue::getInt(*value);
  }
  if (bounds[2].value.getInt() == 0)
    return error(bounds[2].loc, callee + " step must not be zero");
  return success();
}

FailureOr<PyValue> CodeGen::emitHint(const Arg &x, const Arg &values,
                                     bool isMultipleOf, StringRef name,
                                     Location opLoc) {
  // A compile-time int is known exactly: nothing to state.
  if (x.value.is(PyValue::Kind::Int))
    return x.value;
  if (!x.value.isRuntime() ||
      !(isIntType(getElementTypeOf(x.value.getRuntime().getType())) ||
        isPointerType(getElementTypeOf(x.value.getRuntime().getType()))))
    return error(x.loc, name + " argument must be an integer or pointer "
                               "scalar or block, got " +
                            repr(x.value));
  Value src = x.value.getRuntime();
  int64_t rank = std::max<int64_t>(1, getShapeOf(src.getType()).size());
  llvm::SmallVector<int64_t> facts;
  llvm::SmallVector<PyValue> elements;
  if (values.value.is(PyValue::Kind::Tuple))
    llvm::append_range(elements, values.value.getElements());
  else
    elements.push_back(values.value);
  for (const PyValue &element : elements) {
    if (!element.is(PyValue::Kind::Int) || element.getInt() < 1)
      return error(values.loc, name + " values must be positive compile-time "
                                      "ints (one, or a tuple of one per "
                                      "dimension), got " +
                                   repr(values.value));
    facts.push_back(element.getInt());
  }
  if (static_cast<int64_t>(facts.size()) != rank)
    return error(values.loc, name + " needs one value per dimension of its "
                                    "argument (" +
                                 Twine(rank) + "), got " +
                                 Twine(facts.size()));
  auto hint = tile::HintOp::create(builder, opLoc, src.getType(), src,
                                   /*multiple_of=*/nullptr,
                                   /*max_contiguous=*/nullptr);
  auto attr = builder.getDenseI64ArrayAttr(facts);
  if (isMultipleOf)
    hint.setMultipleOfAttr(attr);
  else
    hint.setMaxContiguousAttr(attr);
  return PyValue::getRuntime(hint.getResult());
}

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

FailureOr<PyValue> CodeGen::callBuiltin(const PyValue &callee, CallArgs &args) {
  Builtin builtin = callee.getBuiltin();
  SMLoc loc = args.loc;
  Location opLoc = getLoc(loc);
  llvm::SmallVector<std::optional<Arg>> a;
  auto bind = [&](StringRef name, llvm::ArrayRef<StringRef> params,
                  unsigned numRequired) {
    return bindArgs(name, params, numRequired, args, a);
  };

  switch (builtin) {
  case Builtin::ProgramId:
  case Builtin::NumPrograms: {
    StringRef name =
        builtin == Builtin::ProgramId ? "fl.program_id()" : "fl.num_programs()";
    if (failed(bind(name, {"axis"}, 0)))
      return failure();
    int64_t axis = 0;
    if (a[0]) {
      FailureOr<int64_t> value = getConstInt(*a[0], "the axis");
      if (failed(value))
        return failure();
      axis = *value;
    }
    if (axis < 0 || axis > 2)
      return error(a[0]->loc, "the axis must be 0, 1 or 2, got " + Twine(axis));
    if (builtin == Builtin::ProgramId)
      return PyValue::getRuntime(tile::ProgramIdOp::create(
          builder, opLoc, static_cast<uint32_t>(axis)));
    return PyValue::getRuntime(tile::NumProgramsOp::create(
        builder, opLoc, static_cast<uint32_t>(axis)));
  }

  case Builtin::Arange: {
    if (failed(bind("fl.arange()", {"start", "end"}, 2)))
      return failure();
    FailureOr<int64_t> start = getConstInt(*a[0], "fl.arange() start");
    FailureOr<int64_t> end = getConstInt(*a[1], "fl.arange() end");
    if (failed(start) || failed(end))
      return failure();
    if (*start < 0 || *end > INT32_MAX || *end <= *start)
      return error(loc, "fl.arange() needs 0 <= start < end <= 2**31 - 1, "
                        "got [" +
                            Twine(*start) + ", " + Twine(*end) + ")");
    int64_t size = *end - *start;
    if (failed(checkBlockShape({size}, loc)))
      return failure();
    auto type = RankedTensorType::get({size}, builder.getI32Type());
    return PyValue::getRuntime(tile::MakeRangeOp::create(
        builder, opLoc, type,
        builder.getI32IntegerAttr(static_cast<int32_t>(*start)),
        builder.getI32IntegerAttr(static_cast<int32_t>(*end))));
  }

  case Builtin::Zeros: {
    if (failed(bind("fl.zeros()", {"shape", "dtype"}, 1)))
      return failure();
    FailureOr<llvm::SmallVector<int64_t>> shape =
        getShape(*a[0], "fl.zeros() shape");
    if (failed(shape))
      return failure();
    Type element = builder.getF32Type();
    if (isGiven(a[1])) {
      FailureOr<Type> dtype = getElementDType(*a[1], "fl.zeros() dtype");
      if (failed(dtype))
        return failure();
      element = *dtype;
    }
    return PyValue::getRuntime(materializeNumber(
        PyValue::getInt(0), RankedTensorType::get(*shape, element), opLoc));
  }

  case Builtin::Full: {
    if (failed(bind("fl.full()", {"shape", "value", "dtype"}, 2)))
      return failure();
    FailureOr<llvm::SmallVector<int64_t>> shape =
        getShape(*a[0], "fl.full() shape");
    if (failed(shape))
      return failure();
    const PyValue &value = a[1]->value;
    bool isScalar =
        value.isNumber() ||
        (value.isRuntime() && !isBlockType(value.getRuntime().getType()) &&
         !isPointerType(value.getRuntime().getType()));
    if (!isScalar)
      return error(a[1]->loc, "fl.full() value must be a number or a scalar, "
                              "got " +
                                  repr(value));
    Type element =
        value.isNumber() ? getWeakType(value) : value.getRuntime().getType();
    if (isGiven(a[2])) {
      FailureOr<Type> dtype = getElementDType(*a[2], "fl.full() dtype");
      if (failed(dtype))
        return failure();
      element = *dtype;
    }
    FailureOr<Value> result = prepareOperand(*a[1], element, *shape, opLoc);
    if (failed(result))
      return failure();
    return PyValue::getRuntime(*result);
  }

  case Builtin::Load:
    if (failed(bind("fl.load()", {"ptr", "mask", "other"}, 1)))
      return failure();
    return emitMemoryOp(builtin, a, "fl.load()", loc);
  case Builtin::Store:
    if (failed(bind("fl.store()", {"ptr", "value", "mask"}, 2)))
      return failure();
    return emitMemoryOp(builtin, a, "fl.store()", loc);
  case Builtin::AtomicAdd:
  case Builtin::AtomicMax:
  case Builtin::AtomicMin:
  case Builtin::AtomicXchg: {
    StringRef name = builtin == Builtin::AtomicAdd   ? "fl.atomic_add()"
                     : builtin == Builtin::AtomicMax ? "fl.atomic_max()"
                     : builtin == Builtin::AtomicMin ? "fl.atomic_min()"
                                                     : "fl.atomic_xchg()";
    if (failed(bind(name, {"ptr", "value", "mask"}, 2)))
      return failure();
    return emitMemoryOp(builtin, a, name, loc);
  }

  case Builtin::Dot:
    if (failed(bind("fl.dot()", {"a", "b", "acc", "input_precision"}, 2)))
      return failure();
    return emitDot(*a[0], *a[1], isGiven(a[2]) ? a[2] : std::nullopt,
                   isGiven(a[3]) ? a[3] : std::nullopt, loc, opLoc);

  case Builtin::Trans: {
    if (!args.keywords.empty())
      return error(args.keywords.front().nameLoc,
                   "fl.trans() does not take keyword arguments");
    if (args.positional.empty())
      return error(loc, "fl.trans() missing required argument 'x'");
    FailureOr<Value> x = getBlock(args.positional[0], "fl.trans() argument");
    if (failed(x))
      return failure();
    auto type = cast<RankedTensorType>(x->getType());
    llvm::SmallVector<Arg> orderArgs(llvm::drop_begin(args.positional));
    if (orderArgs.size() == 1 && orderArgs[0].value.is(PyValue::Kind::Tuple)) {
      Arg tuple = orderArgs[0];
      orderArgs.clear();
      for (const PyValue &element : tuple.value.getElements())
        orderArgs.push_back({element, tuple.loc});
    }
    llvm::SmallVector<int32_t> order;
    if (orderArgs.empty()) {
      if (type.getRank() != 2)
        return error(args.positional[0].loc,
                     "fl.trans() without an order needs a 2-D block, got " +
                         formatType(type));
      order = {1, 0};
    }
    llvm::SmallVector<bool> seen(type.getRank(), false);
    for (const Arg &arg : orderArgs) {
      FailureOr<int64_t> d = getConstInt(arg, "fl.trans() order");
      if (failed(d))
        return failure();
      if (*d < 0 || *d >= type.getRank() || seen[*d])
        return error(arg.loc, "fl.trans() order must be a permutation of the "
                              "block's " +
                                  Twine(type.getRank()) + " dimensions");
      seen[*d] = true;
      order.push_back(static_cast<int32_t>(*d));
    }
    if (static_cast<int64_t>(order.size()) != type.getRank())
      return error(loc, "fl.trans() order must be a permutation of the "
                        "block's " +
                            Twine(type.getRank()) + " dimensions");
    llvm::SmallVector<int64_t> shape;
    for (int32_t d : order)
      shape.push_back(type.getDimSize(d));
    return PyValue::getRuntime(
        tile::TransOp::create(builder, opLoc, type.clone(shape), *x, order));
  }

  case Builtin::Reshape: {
    if (failed(bind("fl.reshape()", {"x", "shape"}, 2)))
      return failure();
    FailureOr<Value> x = getBlock(*a[0], "fl.reshape() argument");
    if (failed(x))
      return failure();
    FailureOr<llvm::SmallVector<int64_t>> shape =
        getShape(*a[1], "fl.reshape() shape");
    if (failed(shape))
      return failure();
    auto type = cast<RankedTensorType>(x->getType());
    int64_t count = 1;
    for (int64_t d : *shape)
      count *= d;
    if (count != type.getNumElements())
      return error(a[1]->loc, "fl.reshape() cannot reshape " +
                                  formatType(type) + " (" +
                                  Twine(type.getNumElements()) +
                                  " elements) to " + formatShape(*shape));
    return PyValue::getRuntime(
        tile::ReshapeOp::create(builder, opLoc, type.clone(*shape), *x));
  }

  case Builtin::ExpandDims: {
    if (failed(bind("fl.expand_dims()", {"x", "axis"}, 2)))
      return failure();
    const PyValue &x = a[0]->value;
    if (!x.isRuntime() || isPointerType(x.getRuntime().getType()))
      return error(a[0]->loc, "fl.expand_dims() argument must be a block or "
                              "scalar, got " +
                                  repr(x));
    FailureOr<int64_t> axis = getConstInt(*a[1], "fl.expand_dims() axis");
    if (failed(axis))
      return failure();
    Type type = x.getRuntime().getType();
    int64_t rank = getShapeOf(type).size();
    int64_t normalized = *axis < 0 ? *axis + rank + 1 : *axis;
    if (normalized < 0 || normalized > rank)
      return error(a[1]->loc, "fl.expand_dims() axis " + Twine(*axis) +
                                  " is out of range for a block of rank " +
                                  Twine(rank));
    llvm::SmallVector<int64_t> shape(getShapeOf(type));
    shape.insert(shape.begin() + normalized, 1);
    auto result = RankedTensorType::get(shape, getElementTypeOf(type));
    if (rank == 0)
      return PyValue::getRuntime(
          tile::SplatOp::create(builder, opLoc, result, x.getRuntime()));
    return PyValue::getRuntime(
        tile::ExpandDimsOp::create(builder, opLoc, result, x.getRuntime(),
                                   static_cast<uint32_t>(normalized)));
  }

  case Builtin::BroadcastTo: {
    if (failed(bind("fl.broadcast_to()", {"x", "shape"}, 2)))
      return failure();
    FailureOr<llvm::SmallVector<int64_t>> shape =
        getShape(*a[1], "fl.broadcast_to() shape");
    if (failed(shape))
      return failure();
    Value x = materializeAny(a[0]->value, opLoc);
    if (!x)
      return error(a[0]->loc, "fl.broadcast_to() argument must be a block, "
                              "scalar or number, got " +
                                  repr(a[0]->value));
    FailureOr<Value> result = broadcastTo(x, *shape, loc);
    if (failed(result))
      return failure();
    return PyValue::getRuntime(*result);
  }

  case Builtin::Max:
  case Builtin::Min:
  case Builtin::Sum: {
    StringRef name = builtin == Builtin::Max   ? "fl.max()"
                     : builtin == Builtin::Min ? "fl.min()"
                                               : "fl.sum()";
    if (failed(bind(name, {"x", "axis", "keep_dims"}, 1)))
      return failure();
    bool keepDims = false;
    if (a[2]) {
      if (!a[2]->value.is(PyValue::Kind::Bool))
        return error(a[2]->loc, name + " keep_dims must be True or False");
      keepDims = a[2]->value.getBool();
    }
    auto kind = builtin == Builtin::Max   ? tile::ReduceKind::Max
                : builtin == Builtin::Min ? tile::ReduceKind::Min
                                          : tile::ReduceKind::Sum;
    return emitReduce(*a[0], isGiven(a[1]) ? a[1] : std::nullopt, keepDims,
                      static_cast<unsigned>(kind), name, loc);
  }
  case Builtin::RowMax:
  case Builtin::RowSum: {
    StringRef name = builtin == Builtin::RowMax ? "fl.rowmax()" : "fl.rowsum()";
    if (failed(bind(name, {"x"}, 1)))
      return failure();
    auto kind = builtin == Builtin::RowMax ? tile::ReduceKind::Max
                                           : tile::ReduceKind::Sum;
    return emitReduce(*a[0], Arg{PyValue::getInt(1), loc}, false,
                      static_cast<unsigned>(kind), name, loc);
  }

  case Builtin::Maximum:
  case Builtin::Minimum:
    if (failed(
            bind(builtin == Builtin::Maximum ? "fl.maximum()" : "fl.minimum()",
                 {"a", "b"}, 2)))
      return failure();
    return emitMinMax(builtin, *a[0], *a[1], loc);

  case Builtin::Exp:
  case Builtin::Exp2:
  case Builtin::Log:
  case Builtin::Log2:
  case Builtin::Sqrt:
  case Builtin::Rsqrt:
  case Builtin::Abs:
  case Builtin::Sin:
  case Builtin::Cos:
  case Builtin::Tanh:
  case Builtin::Sigmoid:
  case Builtin::Erf: {
    static constexpr std::pair<Builtin, StringLiteral> kNames[] = {
        {Builtin::Exp, "fl.exp()"},   {Builtin::Exp2, "fl.exp2()"},
        {Builtin::Log, "fl.log()"},   {Builtin::Log2, "fl.log2()"},
        {Builtin::Sqrt, "fl.sqrt()"}, {Builtin::Rsqrt, "fl.rsqrt()"},
        {Builtin::Abs, "fl.abs()"},   {Builtin::Sin, "fl.sin()"},
        {Builtin::Cos, "fl.cos()"},   {Builtin::Tanh, "fl.tanh()"},
        {Builtin::Sigmoid, "fl.sigmoid()"}, {Builtin::Erf, "fl.erf()"}};
    StringRef name;
    for (const auto &[b, n] : kNames)
      if (b == builtin)
        name = n;
    if (failed(bind(name, {"x"}, 1)))
      return failure();
    return emitMath(builtin, *a[0], name, loc);
  }

  case Builtin::Where:
    if (failed(bind("fl.where()", {"cond", "a", "b"}, 3)))
      return failure();
    return emitWhere(*a[0], *a[1], *a[2], loc);

  case Builtin::NextPowerOf2: {
    if (failed(bind("fl.next_power_of_2()", {"n"}, 1)))
      return failure();
    FailureOr<int64_t> n = getConstInt(*a[0], "fl.next_power_of_2()'s argument");
    if (failed(n))
      return failure();
    if (*n < 1 || *n > (int64_t(1) << 62))
      return error(a[0]->loc, "fl.next_power_of_2() needs 1 <= n <= 2**62, got " +
                                  std::to_string(*n));
    return PyValue::getInt(int64_t(llvm::PowerOf2Ceil(uint64_t(*n))));
  }

  case Builtin::MultipleOf:
  case Builtin::MaxContiguous: {
    bool isMultipleOf = builtin == Builtin::MultipleOf;
    StringRef name = isMultipleOf ? "fl.multiple_of()" : "fl.max_contiguous()";
    if (failed(bind(name, {"x", "values"}, 2)))
      return failure();
    return emitHint(*a[0], *a[1], isMultipleOf, name, opLoc);
  }

  case Builtin::Cdiv: {
    if (failed(bind("fl.cdiv()", {"a", "b"}, 2)))
      return failure();
    const Arg &x = *a[0], &y = *a[1];
    if (!x.value.isRuntime() && !y.value.isRuntime()) {
      FailureOr<int64_t> n = getConstInt(x, "fl.cdiv() arguments");
      FailureOr<int64_t> d = getConstInt(y, "fl.cdiv() arguments");
      if (failed(n) || failed(d))
        return failure();
      // -((-n) // d), as in Python.
      std::string message;
      std::optional<PyValue> negated =
          foldUnary(UnaryOp::Neg, PyValue::getInt(*n), message);
      std::optional<PyValue> quotient =
          negated ? foldBinary(BinaryOp::FloorDiv, *negated,
                               PyValue::getInt(*d), message)
                  : std::nullopt;
      std::optional<PyValue> result =
          quotient ? foldUnary(UnaryOp::Neg, *quotient, message) : std::nullopt;
      if (!result)
        return error(loc, "fl.cdiv(): " + message);
      return *result;
    }
    for (const Arg &arg : {x, y}) {
      bool isInt =
          arg.value.is(PyValue::Kind::Int) ||
          (arg.value.isRuntime() &&
           isIntType(getElementTypeOf(arg.value.getRuntime().getType())));
      if (!isInt)
        return error(arg.loc, "fl.cdiv() needs integer arguments, got " +
                                  repr(arg.value));
    }
    // (a + b - 1) // b, rounding like the integer division of the target.
    FailureOr<PyValue> sum = applyBinary(BinaryOp::Add, x, y, loc, loc);
    if (failed(sum))
      return failure();
    FailureOr<PyValue> biased = applyBinary(
        BinaryOp::Sub, {*sum, loc}, {PyValue::getInt(1), loc}, loc, loc);
    if (failed(biased))
      return failure();
    return applyBinary(BinaryOp::FloorDiv, {*biased, loc}, y, loc, loc);
  }

  case Builtin::StaticAssert: {
    if (failed(bind("fl.static_assert()", {"cond", "msg"}, 1)))
      return failure();
    if (a[0]->value.containsRuntime())
      return error(a[0]->loc, "fl.static_assert() needs a compile-time "
                              "condition, got a runtime " +
                                  getKindName(a[0]->value));
    std::string message;
    if (a[1]) {
      if (!a[1]->value.is(PyValue::Kind::Str))
        return error(a[1]->loc, "fl.static_assert() message must be a string");
      message = a[1]->value.getStr();
    }
    if (!isTruthy(a[0]->value))
      return error(loc, message.empty()
                            ? Twine("static assertion failed")
                            : Twine("static assertion failed: ") + message);
    return PyValue::getNone();
  }

  case Builtin::StaticRange:
    return error(loc, "fl.static_range() can only be the iterable of a for "
                      "loop");
  case Builtin::Constexpr: {
    if (failed(bind("fl.constexpr()", {"value"}, 1)))
      return failure();
    if (!a[0]->value.isConstexpr())
      return error(a[0]->loc, "fl.constexpr() needs a compile-time value, "
                              "got a " +
                                  getKindName(a[0]->value));
    return a[0]->value;
  }
  case Builtin::Pointer: {
    if (failed(bind("fl.pointer()", {"dtype"}, 1)))
      return failure();
    FailureOr<Type> dtype = getElementDType(*a[0], "fl.pointer() element type");
    if (failed(dtype))
      return failure();
    return PyValue::getDType(tile::PointerType::get(*dtype));
  }
  case Builtin::Jit:
    return error(loc, "jit is a decorator for kernels; it cannot be called "
                      "inside a kernel");
  case Builtin::To: {
    if (failed(bind("to()", {"dtype"}, 1)))
      return failure();
    return emitCast(Arg{PyValue::getRuntime(callee.getSelf()), loc}, *a[0],
                    loc);
  }
  default:
    return callPythonBuiltin(builtin, args);
  }
}

//===----------------------------------------------------------------------===//
// Python builtins
//===----------------------------------------------------------------------===//

FailureOr<PyValue> CodeGen::callPythonBuiltin(Builtin builtin, CallArgs &args) {
  SMLoc loc = args.loc;
  llvm::SmallVector<std::optional<Arg>> a;
  switch (builtin) {
  case Builtin::Range:
    return error(loc, "range() can only be the iterable of a for loop");
  case Builtin::PyMin:
  case Builtin::PyMax: {
    StringRef name = builtin == Builtin::PyMin ? "min()" : "max()";
    if (!args.keywords.empty())
      return error(args.keywords.front().nameLoc,
                   name + " does not take keyword arguments");
    llvm::SmallVector<Arg> items(args.positional);
    if (items.size() == 1 && items[0].value.is(PyValue::Kind::Tuple)) {
      Arg tuple = items[0];
      items.clear();
      for (const PyValue &element : tuple.value.getElements())
        items.push_back({element, tuple.loc});
    }
    if (items.empty())
      return error(loc, name + " needs at least one value");
    Arg best = items[0];
    for (const Arg &item : items) {
      if (!item.value.isNumber())
        return error(item.loc,
                     name +
                         " works on compile-time numbers; for "
                         "runtime values use fl." +
                         (builtin == Builtin::PyMin ? "minimum" : "maximum") +
                         "(a, b)");
      std::string message;
      std::optional<bool> better =
          foldCompare(builtin == Builtin::PyMin ? CompareOp::Lt : CompareOp::Gt,
                      item.value, best.value, message);
      if (better && *better)
        best = item;
    }
    return best.value;
  }
  case Builtin::PyInt:
  case Builtin::PyFloat:
  case Builtin::PyBool:
  case Builtin::PyLen:
  case Builtin::PyAbs: {
    StringRef name = builtin == Builtin::PyInt     ? "int()"
                     : builtin == Builtin::PyFloat ? "float()"
                     : builtin == Builtin::PyBool  ? "bool()"
                     : builtin == Builtin::PyLen   ? "len()"
                                                   : "abs()";
    if (failed(bindArgs(name, {"x"}, 1, args, a)))
      return failure();
    const PyValue &x = a[0]->value;
    if (builtin == Builtin::PyAbs && x.isRuntime())
      return emitMath(Builtin::Abs, *a[0], name, loc);
    if (x.containsRuntime())
      return error(a[0]->loc, name + " works on compile-time values; convert "
                                     "runtime values with x.to(dtype)");
    if (builtin == Builtin::PyBool)
      return PyValue::getBool(isTruthy(x));
    if (builtin == Builtin::PyLen) {
      if (x.is(PyValue::Kind::Tuple))
        return PyValue::getInt(x.getElements().size());
      if (x.is(PyValue::Kind::Str))
        return PyValue::getInt(x.getStr().size());
      return error(a[0]->loc, "a " + getKindName(x) + " has no len()");
    }
    if (builtin == Builtin::PyFloat && x.is(PyValue::Kind::Str)) {
      std::string lowered = StringRef(x.getStr()).trim().lower();
      StringRef text = lowered;
      bool negative = text.consume_front("-");
      if (!negative)
        text.consume_front("+");
      double value = 0;
      if (text == "inf" || text == "infinity")
        value = INFINITY;
      else if (text == "nan")
        value = NAN;
      else if (text.getAsDouble(value))
        return error(a[0]->loc,
                     "could not convert string to float: " + repr(x));
      return PyValue::getFloat(negative ? -value : value);
    }
    if (!x.isNumber())
      return error(a[0]->loc,
                   name + " needs a number, got a " + getKindName(x));
    if (builtin == Builtin::PyFloat)
      return PyValue::getFloat(x.getNumberAsDouble());
    if (builtin == Builtin::PyAbs) {
      if (x.is(PyValue::Kind::Float))
        return PyValue::getFloat(std::fabs(x.getFloat()));
      std::string message;
      if (x.getInt() >= 0)
        return PyValue::getInt(x.getInt());
      std::optional<PyValue> negated = foldUnary(UnaryOp::Neg, x, message);
      if (!negated)
        return error(loc, message);
      return *negated;
    }
    if (!x.is(PyValue::Kind::Float))
      return PyValue::getInt(x.getInt());
    double value = std::trunc(x.getFloat());
    if (!std::isfinite(value) || value < -9.2233720368547758e18 ||
        value >= 9.2233720368547758e18)
      return error(a[0]->loc, "cannot convert " + repr(x) + " to an int");
    return PyValue::getInt(static_cast<int64_t>(value));
  }
  default:
    return error(loc, "this builtin is not callable here");
  }
}

} // namespace flashtile::frontend
