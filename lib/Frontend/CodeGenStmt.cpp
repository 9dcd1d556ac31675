//===- CodeGenStmt.cpp - statements and control flow ----------------------===//
//
// Compile-time control flow (an if on a constexpr, static_range, iterating a
// tuple) runs in the interpreter. Runtime control flow becomes scf ops; the
// variables a branch or loop body assigns are found by a pre-scan, and those
// that exist before it are carried as scf results with a fixed type.
//
//===----------------------------------------------------------------------===//

#include "CodeGen.h"

#include "ConstEval.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using llvm::SMLoc;
using llvm::StringRef;
using llvm::Twine;

namespace flashtile::frontend {

//===----------------------------------------------------------------------===//
// Pre-scan of assigned names
//===----------------------------------------------------------------------===//

static void collectTargetNames(const Expr &target,
                               llvm::SetVector<StringRef> &names) {
  if (const auto *name = dyn_cast<NameExpr>(&target)) {
    names.insert(name->name);
  } else if (const auto *tuple = dyn_cast<TupleExpr>(&target)) {
    for (const ExprPtr &element : tuple->elements)
      collectTargetNames(*element, names);
  }
}

/// The names `body` may assign, in source order.
static void collectAssigned(const StmtList &body,
                            llvm::SetVector<StringRef> &names) {
  for (const StmtPtr &stmt : body) {
    if (const auto *assign = dyn_cast<AssignStmt>(stmt.get())) {
      for (const ExprPtr &target : assign->targets)
        collectTargetNames(*target, names);
    } else if (const auto *aug = dyn_cast<AugAssignStmt>(stmt.get())) {
      collectTargetNames(*aug->target, names);
    } else if (const auto *ann = dyn_cast<AnnAssignStmt>(stmt.get())) {
      if (ann->value)
        collectTargetNames(*ann->target, names);
    } else if (const auto *forStmt = dyn_cast<ForStmt>(stmt.get())) {
      collectTargetNames(*forStmt->target, names);
      collectAssigned(forStmt->body, names);
    } else if (const auto *whileStmt = dyn_cast<WhileStmt>(stmt.get())) {
      collectAssigned(whileStmt->body, names);
    } else if (const auto *ifStmt = dyn_cast<IfStmt>(stmt.get())) {
      collectAssigned(ifStmt->body, names);
      collectAssigned(ifStmt->orelse, names);
    }
  }
}

/// How a value reads in a message about types: the MLIR type of a runtime
/// value, the kind and value of a compile-time one.
static std::string describe(const PyValue &value) {
  if (value.isRuntime())
    return formatType(value.getRuntime().getType());
  if (value.isConstexpr())
    return (getKindName(value) + " " + repr(value)).str();
  return getKindName(value).str();
}

//===----------------------------------------------------------------------===//
// Simple statements
//===----------------------------------------------------------------------===//

void CodeGen::bind(StringRef name, PyValue value, SMLoc loc) {
  frame->vars[name] = Binding{std::move(value), loc};
}

LogicalResult CodeGen::execBlock(const StmtList &body) {
  for (const StmtPtr &stmt : body) {
    if (failed(exec(*stmt)))
      return failure();
    if (frame->returned)
      break;
  }
  return success();
}

LogicalResult CodeGen::exec(const Stmt &stmt) {
  NestingGuard guard(*this);
  if (failed(checkNesting(stmt.getLoc())))
    return failure();
  if (++statementsExecuted > kMaxStatements)
    return error(stmt.getLoc(), "the kernel is too large: more than " +
                                    Twine(kMaxStatements) +
                                    " statements after inlining and "
                                    "unrolling");
  switch (stmt.getKind()) {
  case Stmt::Kind::Expr:
    return eval(*cast<ExprStmt>(stmt).value);
  case Stmt::Kind::Assign:
    return execAssign(cast<AssignStmt>(stmt));
  case Stmt::Kind::AugAssign:
    return execAugAssign(cast<AugAssignStmt>(stmt));
  case Stmt::Kind::AnnAssign:
    return execAnnAssign(cast<AnnAssignStmt>(stmt));
  case Stmt::Kind::If:
    return execIf(cast<IfStmt>(stmt));
  case Stmt::Kind::For:
    return execFor(cast<ForStmt>(stmt));
  case Stmt::Kind::While:
    return execWhile(cast<WhileStmt>(stmt));
  case Stmt::Kind::Return:
    return execReturn(cast<ReturnStmt>(stmt));
  case Stmt::Kind::Pass:
    return success();
  }
  llvm_unreachable("unknown statement kind");
}

LogicalResult CodeGen::assign(const Expr &target, const PyValue &value,
                              SMLoc valueLoc) {
  if (const auto *name = dyn_cast<NameExpr>(&target)) {
    bind(name->name, value, target.getLoc());
    return success();
  }
  const auto &targets = cast<TupleExpr>(target).elements;
  if (!value.is(PyValue::Kind::Tuple))
    return error(valueLoc, "cannot unpack a " + getKindName(value) + " into " +
                               Twine(targets.size()) + " names");
  if (value.getElements().size() != targets.size())
    return error(valueLoc, "cannot unpack a tuple of " +
                               Twine(value.getElements().size()) +
                               " values into " + Twine(targets.size()) +
                               " names");
  for (auto [element, elementValue] : llvm::zip(targets, value.getElements()))
    if (failed(assign(*element, elementValue, valueLoc)))
      return failure();
  return success();
}

LogicalResult CodeGen::execAssign(const AssignStmt &stmt) {
  FailureOr<PyValue> value = eval(*stmt.value);
  if (failed(value))
    return failure();
  for (const ExprPtr &target : stmt.targets)
    if (failed(assign(*target, *value, stmt.value->getLoc())))
      return failure();
  return success();
}

LogicalResult CodeGen::execAugAssign(const AugAssignStmt &stmt) {
  const auto &target = cast<NameExpr>(*stmt.target);
  FailureOr<PyValue> lhs = lookupName(target.name, target.getLoc());
  if (failed(lhs))
    return failure();
  FailureOr<PyValue> rhs = eval(*stmt.value);
  if (failed(rhs))
    return failure();
  FailureOr<PyValue> result =
      applyBinary(stmt.op, {*lhs, target.getLoc()},
                  {*rhs, stmt.value->getLoc()}, stmt.opLoc, stmt.getLoc());
  if (failed(result))
    return failure();
  bind(target.name, std::move(*result), target.getLoc());
  return success();
}

LogicalResult CodeGen::execAnnAssign(const AnnAssignStmt &stmt) {
  if (!stmt.value)
    return success();
  FailureOr<PyValue> value = eval(*stmt.value);
  if (failed(value))
    return failure();
  if (isConstexprAnnotation(stmt.annotation.get()) && !value->isConstexpr())
    return error(stmt.value->getLoc(),
                 "a variable annotated fl.constexpr needs a compile-time "
                 "value, but this is a runtime " +
                     getKindName(*value));
  return assign(*stmt.target, *value, stmt.value->getLoc());
}

LogicalResult CodeGen::execReturn(const ReturnStmt &stmt) {
  if (frame->runtimeDepth > 0)
    return error(stmt.getLoc(),
                 "'return' inside runtime control flow (an if, for or while "
                 "on runtime values) is not supported; assign the result to a "
                 "variable and return it at the end of the function");
  if (frame->isKernel && stmt.value)
    return error(stmt.value->getLoc(), "a kernel cannot return a value; "
                                       "write results with fl.store");
  PyValue value;
  if (stmt.value) {
    FailureOr<PyValue> result = eval(*stmt.value);
    if (failed(result))
      return failure();
    value = std::move(*result);
  }
  frame->returnValue = std::move(value);
  frame->returned = true;
  return success();
}

//===----------------------------------------------------------------------===//
// If
//===----------------------------------------------------------------------===//

LogicalResult CodeGen::execIf(const IfStmt &stmt) {
  FailureOr<PyValue> cond = eval(*stmt.cond);
  if (failed(cond))
    return failure();
  if (!cond->isRuntime())
    return execBlock(isTruthy(*cond) ? stmt.body : stmt.orelse);
  FailureOr<Value> condition = toCondition(
      cond->getRuntime(), stmt.cond->getLoc(), "the condition of an if");
  if (failed(condition))
    return failure();
  return execRuntimeIf(stmt, *condition);
}

/// The type two values of one variable merge into after a runtime branch:
/// equal runtime types, a runtime type and a number that fits it, or two
/// numbers (their common weak type). Null if they cannot merge.
static Type getMergedType(CodeGen &codegen, const PyValue &a,
                          const PyValue &b) {
  if (a.isRuntime() && b.isRuntime())
    return a.getRuntime().getType() == b.getRuntime().getType()
               ? a.getRuntime().getType()
               : Type();
  if (a.isRuntime() || b.isRuntime()) {
    const PyValue &runtime = a.isRuntime() ? a : b;
    const PyValue &other = a.isRuntime() ? b : a;
    Type type = runtime.getRuntime().getType();
    return codegen.fitsWeakly(other, getElementTypeOf(type)) ? type : Type();
  }
  if (!a.isNumber() || !b.isNumber())
    return {};
  Type typeA = codegen.getWeakType(a), typeB = codegen.getWeakType(b);
  if (isFloatType(typeA) || isFloatType(typeB))
    return Float32Type::get(codegen.getContext());
  return typeA.getIntOrFloatBitWidth() >= typeB.getIntOrFloatBitWidth() ? typeA
                                                                        : typeB;
}

LogicalResult CodeGen::execRuntimeIf(const IfStmt &stmt, Value cond) {
  Location loc = getLoc(stmt.getLoc());
  llvm::SetVector<StringRef> assigned;
  collectAssigned(stmt.body, assigned);
  collectAssigned(stmt.orelse, assigned);

  OpBuilder::InsertionGuard guard(builder);
  auto ifOp = scf::IfOp::create(builder, loc, TypeRange{}, cond,
                                /*withElseRegion=*/true);
  Block *thenBlock = ifOp.thenBlock(), *elseBlock = ifOp.elseBlock();
  Env before = frame->vars;

  ++frame->runtimeDepth;
  builder.setInsertionPoint(thenBlock->getTerminator());
  if (failed(execBlock(stmt.body)))
    return failure();
  Env thenEnv = std::move(frame->vars);
  frame->vars = before;
  builder.setInsertionPoint(elseBlock->getTerminator());
  if (failed(execBlock(stmt.orelse)))
    return failure();
  Env elseEnv = std::move(frame->vars);
  frame->vars = before;
  --frame->runtimeDepth;

  std::string where = "the if at " + describeLine(stmt.getLoc());
  llvm::SmallVector<StringRef> merged;
  llvm::SmallVector<Value> thenValues, elseValues;
  llvm::SmallVector<SMLoc> mergedLocs;
  for (StringRef name : assigned) {
    auto find = [&](Env &env) -> Binding * {
      auto it = env.find(name);
      return it == env.end() ? nullptr : &it->second;
    };
    Binding *inThen = find(thenEnv), *inElse = find(elseEnv),
            *inBefore = find(before);
    auto isDefined = [](Binding *b) {
      return b && !b->value.is(PyValue::Kind::Undefined);
    };
    if (!isDefined(inThen) || !isDefined(inElse)) {
      if (isDefined(inThen) || isDefined(inElse)) {
        SMLoc at = isDefined(inThen) ? inThen->loc : inElse->loc;
        bind(name,
             PyValue::getUndefined("'" + name.str() +
                                   "' is assigned in only one branch of " +
                                   where),
             at);
      } else if (inThen || inElse) {
        bind(name, inThen ? inThen->value : inElse->value,
             inThen ? inThen->loc : inElse->loc);
      }
      continue;
    }
    if (inThen->value.isSameAs(inElse->value)) {
      frame->vars[name] = *inThen;
      continue;
    }
    Type type = getMergedType(*this, inThen->value, inElse->value);
    if (!type) {
      if (isDefined(inBefore))
        return error(stmt.getLoc(),
                     "variable '" + name +
                         "' must have one type after this if, but it is " +
                         describe(inThen->value) +
                         " after the then-branch "
                         "and " +
                         describe(inElse->value) + " after the else-branch");
      bind(name,
           PyValue::getUndefined("'" + name.str() +
                                 "' has different types in the branches of " +
                                 where),
           inThen->loc);
      continue;
    }
    builder.setInsertionPoint(thenBlock->getTerminator());
    thenValues.push_back(materializeAs(inThen->value, type, loc));
    builder.setInsertionPoint(elseBlock->getTerminator());
    elseValues.push_back(materializeAs(inElse->value, type, loc));
    merged.push_back(name);
    mergedLocs.push_back(inThen->loc);
  }

  if (merged.empty())
    return success();
  thenBlock->getTerminator()->erase();
  builder.setInsertionPointToEnd(thenBlock);
  scf::YieldOp::create(builder, loc, thenValues);
  elseBlock->getTerminator()->erase();
  builder.setInsertionPointToEnd(elseBlock);
  scf::YieldOp::create(builder, loc, elseValues);

  builder.setInsertionPoint(ifOp);
  auto resultTypes =
      llvm::map_to_vector(thenValues, [](Value v) { return v.getType(); });
  auto newIf = scf::IfOp::create(builder, loc, resultTypes, cond,
                                 /*addThenBlock=*/false,
                                 /*addElseBlock=*/false);
  newIf.getThenRegion().takeBody(ifOp.getThenRegion());
  newIf.getElseRegion().takeBody(ifOp.getElseRegion());
  ifOp.erase();
  for (auto [i, name] : llvm::enumerate(merged))
    bind(name, PyValue::getRuntime(newIf.getResult(i)), mergedLocs[i]);
  return success();
}

//===----------------------------------------------------------------------===//
// Loop-carried variables
//===----------------------------------------------------------------------===//

CodeGen::LoopCarried CodeGen::prepareLoopCarried(const StmtList &body,
                                                 const Expr *target,
                                                 SMLoc loopLoc) {
  llvm::SetVector<StringRef> assigned, targetNames;
  collectAssigned(body, assigned);
  if (target)
    collectTargetNames(*target, targetNames);
  LoopCarried carried;
  for (StringRef name : assigned) {
    if (targetNames.contains(name))
      continue;
    auto it = frame->vars.find(name);
    if (it == frame->vars.end() ||
        it->second.value.is(PyValue::Kind::Undefined))
      continue;
    if (Value init = materializeAny(it->second.value, getLoc(loopLoc))) {
      carried.names.push_back(name);
      carried.inits.push_back(init);
    } else {
      carried.fixed.push_back(name);
    }
  }
  return carried;
}

LogicalResult CodeGen::collectYields(const LoopCarried &carried,
                                     const Env &before, SMLoc loopLoc,
                                     llvm::SmallVectorImpl<Value> &yields) {
  std::string where = "the loop at " + describeLine(loopLoc);
  for (auto [name, init] : llvm::zip(carried.names, carried.inits)) {
    const Binding &binding = frame->vars[name];
    Value value;
    if (!binding.value.is(PyValue::Kind::Undefined))
      value = materializeAs(binding.value, init.getType(), getLoc(binding.loc));
    if (!value)
      return error(binding.loc,
                   "loop-carried variable '" + name + "' changes type inside " +
                       where + ": it is " + formatType(init.getType()) +
                       " before the loop but " + describe(binding.value) +
                       " here; a variable assigned in a runtime loop must "
                       "keep its type");
    yields.push_back(value);
  }
  for (StringRef name : carried.fixed) {
    const Binding &binding = frame->vars[name];
    const Binding &original = before.find(name)->second;
    if (!binding.value.isSameAs(original.value))
      return error(binding.loc, "variable '" + name + "' holds a " +
                                    getKindName(original.value) +
                                    ", which cannot change inside the "
                                    "runtime " +
                                    where.substr(4));
  }
  return success();
}

void CodeGen::finishLoop(const LoopCarried &carried, Env before,
                         const Env &after, ValueRange results,
                         const Expr *target, SMLoc loopLoc) {
  std::string where = describeLine(loopLoc);
  for (const auto &entry : after) {
    if (before.count(entry.getKey()))
      continue;
    before[entry.getKey()] = Binding{
        PyValue::getUndefined("'" + entry.getKey().str() +
                              "' is first assigned inside the loop at " +
                              where + ", so it is not visible after the loop"),
        entry.getValue().loc};
  }
  for (auto [i, name] : llvm::enumerate(carried.names))
    before[name] =
        Binding{PyValue::getRuntime(results[i]), after.find(name)->second.loc};
  if (target) {
    llvm::SetVector<StringRef> targetNames;
    collectTargetNames(*target, targetNames);
    for (StringRef name : targetNames)
      before[name] = Binding{
          PyValue::getUndefined("'" + name.str() +
                                "' is the variable of the runtime loop at " +
                                where + " and is not visible after it"),
          target->getLoc()};
  }
  frame->vars = std::move(before);
}

//===----------------------------------------------------------------------===//
// For
//===----------------------------------------------------------------------===//

LogicalResult CodeGen::execFor(const ForStmt &stmt) {
  PyValue iterable;
  if (const auto *callExpr = dyn_cast<CallExpr>(stmt.iter.get())) {
    FailureOr<PyValue> callee = eval(*callExpr->callee);
    if (failed(callee))
      return failure();
    CallArgs args;
    if (failed(evalCallArgs(*callExpr, args)))
      return failure();
    if (callee->is(PyValue::Kind::Builtin) &&
        callee->getBuiltin() == Builtin::Range)
      return execRangeFor(stmt, args);
    if (callee->is(PyValue::Kind::Builtin) &&
        callee->getBuiltin() == Builtin::StaticRange) {
      llvm::SmallVector<Arg> bounds;
      if (failed(getRangeBounds("fl.static_range()", args, bounds)))
        return failure();
      int64_t start = bounds[0].value.getInt(), stop = bounds[1].value.getInt();
      int64_t step = bounds[2].value.getInt();
      std::vector<PyValue> values;
      for (int64_t i = start; step > 0 ? i < stop : i > stop;) {
        if (static_cast<int64_t>(values.size()) >= kMaxUnrolledIterations)
          return error(stmt.iter->getLoc(),
                       "fl.static_range() unrolls at most " +
                           Twine(kMaxUnrolledIterations) +
                           " iterations; use range() for a runtime loop");
        values.push_back(PyValue::getInt(i));
        if (llvm::AddOverflow(i, step, i))
          break;
      }
      return execUnrolledFor(stmt, values);
    }
    FailureOr<PyValue> result = call(*callee, args);
    if (failed(result))
      return failure();
    iterable = std::move(*result);
  } else {
    FailureOr<PyValue> result = eval(*stmt.iter);
    if (failed(result))
      return failure();
    iterable = std::move(*result);
  }
  if (!iterable.is(PyValue::Kind::Tuple))
    return error(stmt.iter->getLoc(),
                 "a for loop iterates over range(...), fl.static_range(...) "
                 "or a tuple, not a " +
                     getKindName(iterable));
  std::vector<PyValue> elements = iterable.getElements();
  return execUnrolledFor(stmt, elements);
}

LogicalResult CodeGen::execUnrolledFor(const ForStmt &stmt,
                                       llvm::ArrayRef<PyValue> values) {
  for (const PyValue &value : values) {
    if (failed(assign(*stmt.target, value, stmt.iter->getLoc())) ||
        failed(execBlock(stmt.body)))
      return failure();
    if (frame->returned)
      break;
  }
  return success();
}

LogicalResult CodeGen::execRangeFor(const ForStmt &stmt, CallArgs &args) {
  const auto *target = dyn_cast<NameExpr>(stmt.target.get());
  if (!target)
    return error(stmt.target->getLoc(), "the variable of a runtime range() "
                                        "loop must be a single name");
  if (!args.keywords.empty())
    return error(args.keywords.front().nameLoc,
                 "range() does not take keyword arguments");
  size_t count = args.positional.size();
  if (count < 1 || count > 3)
    return error(args.loc,
                 "range() takes 1 to 3 arguments, got " + Twine(count));
  Arg start{PyValue::getInt(0), args.loc}, stop = args.positional[0];
  Arg step{PyValue::getInt(1), args.loc};
  if (count >= 2) {
    start = args.positional[0];
    stop = args.positional[1];
  }
  if (count == 3)
    step = args.positional[2];

  // The induction variable is i32 unless a bound needs i64.
  Type ivType = builder.getI32Type();
  for (Arg *bound : {&start, &stop, &step}) {
    PyValue &v = bound->value;
    if (v.is(PyValue::Kind::Int) || v.is(PyValue::Kind::Bool)) {
      if (getWeakType(v).isInteger(64))
        ivType = builder.getI64Type();
      continue;
    }
    Type type = v.isRuntime() ? v.getRuntime().getType() : Type();
    if (!type || isBlockType(type) || !isIntType(type) || type.isInteger(1))
      return error(bound->loc, "range() bounds must be integers (compile-time "
                               "ints or integer scalars), got " +
                                   describe(v));
    if (type.isInteger(64))
      ivType = builder.getI64Type();
  }
  bool constStep = !step.value.isRuntime();
  if (constStep && step.value.getInt() == 0)
    return error(step.loc, "range() step must not be zero");

  Location loc = getLoc(stmt.getLoc());
  auto toIV = [&](const Arg &arg) -> Value {
    if (arg.value.isRuntime())
      return castElements(arg.value.getRuntime(), ivType, loc);
    return materializeNumber(arg.value, ivType, loc);
  };
  Value lb = toIV(start), ub = toIV(stop), stepValue = toIV(step);
  // A negative compile-time step iterates k = 0, 1, ... and i = start + k*step.
  bool reversed = constStep && step.value.getInt() < 0;
  int64_t stride = reversed ? -step.value.getInt() : 0;
  if (reversed) {
    if (step.value.getInt() == INT64_MIN)
      return error(step.loc, "range() step is too large");
    Value strideValue = materializeNumber(PyValue::getInt(stride), ivType, loc);
    Value one = materializeNumber(PyValue::getInt(1), ivType, loc);
    Value zero = materializeNumber(PyValue::getInt(0), ivType, loc);
    Value distance = arith::SubIOp::create(builder, loc, lb, ub);
    Value rounded = arith::AddIOp::create(
        builder, loc, distance,
        arith::SubIOp::create(builder, loc, strideValue, one));
    Value trips = arith::DivSIOp::create(builder, loc, rounded, strideValue);
    ub = arith::MaxSIOp::create(builder, loc, trips, zero);
    stepValue = one;
    lb = zero;
  }

  LoopCarried carried =
      prepareLoopCarried(stmt.body, stmt.target.get(), stmt.getLoc());
  Env before = frame->vars;
  auto forOp =
      scf::ForOp::create(builder, loc, lb, ub, stepValue, carried.inits);
  Block *body = forOp.getBody();
  if (!body->empty() && body->back().hasTrait<OpTrait::IsTerminator>())
    body->back().erase();

  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(body);
  Value iv = forOp.getInductionVar();
  if (reversed) {
    Location targetLoc = getLoc(target->getLoc());
    Value strideValue =
        materializeNumber(PyValue::getInt(stride), ivType, targetLoc);
    Value begin = toIV(start);
    iv = arith::SubIOp::create(
        builder, targetLoc, begin,
        arith::MulIOp::create(builder, targetLoc, iv, strideValue));
  }
  bind(target->name, PyValue::getRuntime(iv), target->getLoc());
  for (auto [name, arg] : llvm::zip(carried.names, forOp.getRegionIterArgs()))
    frame->vars[name].value = PyValue::getRuntime(arg);

  ++frame->runtimeDepth;
  if (failed(execBlock(stmt.body)))
    return failure();
  --frame->runtimeDepth;
  llvm::SmallVector<Value> yields;
  if (failed(collectYields(carried, before, stmt.getLoc(), yields)))
    return failure();
  scf::YieldOp::create(builder, loc, yields);
  Env after = std::move(frame->vars);
  finishLoop(carried, std::move(before), after, forOp.getResults(),
             stmt.target.get(), stmt.getLoc());
  return success();
}

//===----------------------------------------------------------------------===//
// While
//===----------------------------------------------------------------------===//

LogicalResult CodeGen::execWhile(const WhileStmt &stmt) {
  Location loc = getLoc(stmt.getLoc());
  LoopCarried carried = prepareLoopCarried(stmt.body, nullptr, stmt.getLoc());
  Env before = frame->vars;
  auto types =
      llvm::map_to_vector(carried.inits, [](Value v) { return v.getType(); });
  llvm::SmallVector<Location> locs(types.size(), loc);
  auto whileOp = scf::WhileOp::create(builder, loc, types, carried.inits);

  OpBuilder::InsertionGuard guard(builder);
  Block *beforeBlock =
      builder.createBlock(&whileOp.getBefore(), {}, types, locs);
  for (auto [name, arg] : llvm::zip(carried.names, beforeBlock->getArguments()))
    frame->vars[name].value = PyValue::getRuntime(arg);
  ++frame->runtimeDepth;
  FailureOr<PyValue> cond = eval(*stmt.cond);
  if (failed(cond))
    return failure();
  if (!cond->isRuntime()) {
    --frame->runtimeDepth;
    frame->vars = std::move(before);
    if (isTruthy(*cond))
      return error(stmt.cond->getLoc(),
                   "this while loop would never end: its condition is always "
                   "true and FlashTile has no 'break'");
    whileOp.erase();
    return success();
  }
  FailureOr<Value> condition = toCondition(
      cond->getRuntime(), stmt.cond->getLoc(), "the condition of a while loop");
  if (failed(condition))
    return failure();
  scf::ConditionOp::create(builder, loc, *condition,
                           beforeBlock->getArguments());

  Block *afterBlock = builder.createBlock(&whileOp.getAfter(), {}, types, locs);
  for (auto [name, arg] : llvm::zip(carried.names, afterBlock->getArguments()))
    frame->vars[name].value = PyValue::getRuntime(arg);
  if (failed(execBlock(stmt.body)))
    return failure();
  --frame->runtimeDepth;
  llvm::SmallVector<Value> yields;
  if (failed(collectYields(carried, before, stmt.getLoc(), yields)))
    return failure();
  scf::YieldOp::create(builder, loc, yields);
  Env after = std::move(frame->vars);
  finishLoop(carried, std::move(before), after, whileOp.getResults(), nullptr,
             stmt.getLoc());
  return success();
}

} // namespace flashtile::frontend
