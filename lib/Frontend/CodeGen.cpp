//===- CodeGen.cpp - kernels, specialization, names and calls -------------===//

#include "CodeGen.h"

#include "Diagnostics.h"

#include "flashtile/Dialect/Tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using llvm::SMLoc;
using llvm::StringRef;
using llvm::Twine;

namespace flashtile::frontend {

CodeGen::CodeGen(MLIRContext &context, SourceModule &module)
    : context(context), module(module), sourceMgr(module.getSourceMgr()),
      builder(&context), scratch(std::make_unique<Block>()) {
  context.loadDialect<tile::TileDialect, arith::ArithDialect, func::FuncDialect,
                      math::MathDialect, scf::SCFDialect>();
  filename = StringAttr::get(&context, module.getFilename());
}

CodeGen::~CodeGen() = default;

//===----------------------------------------------------------------------===//
// Diagnostics and locations
//===----------------------------------------------------------------------===//

LogicalResult CodeGen::error(SMLoc loc, const Twine &message) {
  return emitError(sourceMgr, loc, message);
}

Location CodeGen::getLoc(SMLoc loc) {
  if (!loc.isValid())
    return FileLineColLoc::get(filename, 0, 0);
  auto [line, col] = sourceMgr.getLineAndColumn(loc);
  return FileLineColLoc::get(filename, line, col);
}

std::string CodeGen::describeLine(SMLoc loc) {
  return "line " + std::to_string(sourceMgr.getLineAndColumn(loc).first);
}

LogicalResult CodeGen::checkNesting(SMLoc loc) {
  if (nesting > kMaxNesting)
    return error(loc, "the program nests too deeply (expressions, statements "
                      "and inlined calls more than " +
                          Twine(kMaxNesting) + " levels deep)");
  return success();
}

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

static std::optional<Builtin> lookupLanguageBuiltin(StringRef name) {
  return llvm::StringSwitch<std::optional<Builtin>>(name)
      .Case("program_id", Builtin::ProgramId)
      .Case("num_programs", Builtin::NumPrograms)
      .Case("arange", Builtin::Arange)
      .Case("zeros", Builtin::Zeros)
      .Case("full", Builtin::Full)
      .Case("load", Builtin::Load)
      .Case("store", Builtin::Store)
      .Case("atomic_add", Builtin::AtomicAdd)
      .Case("atomic_max", Builtin::AtomicMax)
      .Case("atomic_min", Builtin::AtomicMin)
      .Case("atomic_xchg", Builtin::AtomicXchg)
      .Case("dot", Builtin::Dot)
      .Case("trans", Builtin::Trans)
      .Case("reshape", Builtin::Reshape)
      .Case("expand_dims", Builtin::ExpandDims)
      .Case("broadcast_to", Builtin::BroadcastTo)
      .Case("max", Builtin::Max)
      .Case("min", Builtin::Min)
      .Case("sum", Builtin::Sum)
      .Case("rowmax", Builtin::RowMax)
      .Case("rowsum", Builtin::RowSum)
      .Case("maximum", Builtin::Maximum)
      .Case("minimum", Builtin::Minimum)
      .Case("exp", Builtin::Exp)
      .Case("exp2", Builtin::Exp2)
      .Case("log", Builtin::Log)
      .Case("log2", Builtin::Log2)
      .Case("sqrt", Builtin::Sqrt)
      .Case("rsqrt", Builtin::Rsqrt)
      .Case("abs", Builtin::Abs)
      .Case("sin", Builtin::Sin)
      .Case("cos", Builtin::Cos)
      .Case("tanh", Builtin::Tanh)
      .Case("sigmoid", Builtin::Sigmoid)
      .Case("erf", Builtin::Erf)
      .Case("where", Builtin::Where)
      .Case("cdiv", Builtin::Cdiv)
      .Case("multiple_of", Builtin::MultipleOf)
      .Case("max_contiguous", Builtin::MaxContiguous)
      .Case("next_power_of_2", Builtin::NextPowerOf2)
      .Case("static_assert", Builtin::StaticAssert)
      .Case("static_range", Builtin::StaticRange)
      .Case("constexpr", Builtin::Constexpr)
      .Case("pointer", Builtin::Pointer)
      .Case("jit", Builtin::Jit)
      .Default(std::nullopt);
}

static std::optional<Builtin> lookupPythonBuiltin(StringRef name) {
  return llvm::StringSwitch<std::optional<Builtin>>(name)
      .Case("range", Builtin::Range)
      .Case("min", Builtin::PyMin)
      .Case("max", Builtin::PyMax)
      .Case("int", Builtin::PyInt)
      .Case("float", Builtin::PyFloat)
      .Case("bool", Builtin::PyBool)
      .Case("len", Builtin::PyLen)
      .Case("abs", Builtin::PyAbs)
      .Default(std::nullopt);
}

static bool isKnownModule(StringRef path) {
  return path == "flashtile" || path == "flashtile.language";
}

FailureOr<PyValue> CodeGen::getModuleMember(StringRef path, StringRef member,
                                            SMLoc loc) {
  if (!isKnownModule(path))
    return error(loc, "module '" + path +
                          "' cannot be used in FlashTile kernels (only "
                          "flashtile and flashtile.language can)");
  if (path == "flashtile") {
    if (member == "language")
      return PyValue::getModule("flashtile.language");
    if (member == "jit")
      return PyValue::getBuiltin(Builtin::Jit);
  } else {
    if (Type dtype = lookupDType(&context, member))
      return PyValue::getDType(dtype);
    if (std::optional<Builtin> builtin = lookupLanguageBuiltin(member))
      return PyValue::getBuiltin(*builtin);
  }
  return error(loc, "module '" + path + "' has no attribute '" + member + "'");
}

FailureOr<PyValue> CodeGen::resolveImport(GlobalDecl &decl, SMLoc loc) {
  if (!isKnownModule(decl.module)) {
    std::string path = decl.module;
    if (!decl.member.empty())
      path += "." + decl.member;
    return PyValue::getModule(path);
  }
  if (decl.member.empty())
    return PyValue::getModule(decl.module);
  std::string submodule = decl.module + "." + decl.member;
  if (isKnownModule(submodule))
    return PyValue::getModule(submodule);
  return getModuleMember(decl.module, decl.member, loc);
}

FailureOr<PyValue> CodeGen::lookupName(StringRef name, SMLoc loc) {
  if (frame) {
    auto it = frame->vars.find(name);
    if (it != frame->vars.end()) {
      const PyValue &value = it->second.value;
      if (value.is(PyValue::Kind::Undefined))
        return error(loc, "name '" + name + "' is not defined here: " +
                              value.getUndefinedReason());
      return value;
    }
  }
  if (GlobalDecl *decl = module.lookup(name)) {
    switch (decl->kind) {
    case GlobalDecl::Kind::Function:
      return PyValue::getFunction(decl, name);
    case GlobalDecl::Kind::Constant:
      return evalModuleConstant(*decl, name, loc);
    case GlobalDecl::Kind::Import:
      return resolveImport(*decl, loc);
    case GlobalDecl::Kind::Opaque:
      return error(loc, "module variable '" + name +
                            "' is assigned by a top-level statement that "
                            "FlashTile does not evaluate (" +
                            describeLine(decl->loc) +
                            "); bind it with a plain 'NAME = value'");
    }
  }
  if (module.importsAllOfLanguage()) {
    if (Type dtype = lookupDType(&context, name))
      return PyValue::getDType(dtype);
    if (std::optional<Builtin> builtin = lookupLanguageBuiltin(name))
      return PyValue::getBuiltin(*builtin);
  }
  if (std::optional<Builtin> builtin = lookupPythonBuiltin(name))
    return PyValue::getBuiltin(*builtin);
  if (name == "print")
    return error(loc, "print() is not supported in FlashTile kernels");
  return error(loc, "name '" + name + "' is not defined");
}

FailureOr<PyValue> CodeGen::evalModuleConstant(GlobalDecl &decl, StringRef name,
                                               SMLoc useLoc) {
  auto it = constants.find(&decl);
  if (it != constants.end())
    return it->second;
  if (constantsInProgress.contains(&decl))
    return error(useLoc, "module constant '" + name +
                             "' is defined in terms of itself");
  FailureOr<const Expr *> expr = module.getConstantValue(decl);
  if (failed(expr))
    return failure();
  constantsInProgress.insert(&decl);
  FailureOr<PyValue> value =
      evalAtModuleScope(**expr, "module constant '" + name + "'");
  constantsInProgress.erase(&decl);
  if (failed(value))
    return failure();
  constants[&decl] = *value;
  return value;
}

FailureOr<PyValue> CodeGen::evalAtModuleScope(const Expr &expr,
                                              const Twine &what) {
  Frame *savedFrame = frame;
  frame = nullptr;
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(scratch.get());
  FailureOr<PyValue> value = eval(expr);
  frame = savedFrame;
  if (failed(value))
    return failure();
  if (value->containsRuntime())
    return error(expr.getLoc(), what +
                                    " must be a compile-time value, but "
                                    "it is a runtime " +
                                    getKindName(*value));
  return value;
}

//===----------------------------------------------------------------------===//
// Inlined calls
//===----------------------------------------------------------------------===//

bool isConstexprAnnotation(const Expr *annotation) {
  if (!annotation)
    return false;
  if (const auto *name = llvm::dyn_cast<NameExpr>(annotation))
    return name->name == "constexpr";
  if (const auto *attr = llvm::dyn_cast<AttributeExpr>(annotation))
    return attr->name == "constexpr";
  return false;
}

FailureOr<PyValue> CodeGen::callFunction(const PyValue &callee,
                                         CallArgs &args) {
  FailureOr<FunctionDef *> def = module.getFunction(*callee.getFunctionDecl());
  if (failed(def))
    return failure();
  if (llvm::is_contained(callStack, *def))
    return error(args.loc, "recursive call to '" + (*def)->name +
                               "': FlashTile inlines every call, so "
                               "functions cannot call themselves");
  if (failed(module.parseBody(**def)))
    return failure();

  const FunctionDef &function = **def;
  llvm::SmallVector<StringRef> names;
  unsigned numRequired = 0;
  for (const Param &param : function.params) {
    names.push_back(param.name);
    if (!param.defaultValue)
      ++numRequired;
  }
  llvm::SmallVector<std::optional<Arg>> bound;
  if (failed(bindArgs((function.name + "()").str(), names, numRequired, args,
                      bound)))
    return failure();

  Frame calleeFrame;
  calleeFrame.function = &function;
  for (auto [param, arg] : llvm::zip(function.params, bound)) {
    PyValue value;
    if (arg) {
      value = arg->value;
    } else {
      FailureOr<PyValue> defaultValue = evalAtModuleScope(
          *param.defaultValue,
          "the default value of parameter '" + param.name + "'");
      if (failed(defaultValue))
        return failure();
      value = *defaultValue;
    }
    if (isConstexprAnnotation(param.annotation.get()) && !value.isConstexpr())
      return error(arg ? arg->loc : args.loc,
                   "argument '" + param.name + "' of '" + function.name +
                       "' must be a compile-time constant (the parameter is "
                       "fl.constexpr), but it is a " +
                       getKindName(value));
    calleeFrame.vars[param.name] = Binding{std::move(value), param.loc};
  }

  Frame *caller = frame;
  frame = &calleeFrame;
  callStack.push_back(&function);
  LogicalResult result = execBlock(function.body);
  callStack.pop_back();
  frame = caller;
  if (failed(result))
    return failure();
  return calleeFrame.returnValue;
}

//===----------------------------------------------------------------------===//
// Kernel signature
//===----------------------------------------------------------------------===//

FailureOr<GlobalDecl *> CodeGen::findKernel(StringRef kernel) {
  GlobalDecl *decl = module.lookup(kernel);
  if (decl && decl->kind == GlobalDecl::Kind::Function)
    return decl;
  std::string message = "no function named '" + kernel.str() + "' in " +
                        module.getFilename().str();
  std::vector<std::string> functions = module.getFunctionNames();
  if (!functions.empty())
    message += " (functions: " + llvm::join(functions, ", ") + ")";
  llvm::SMDiagnostic diag(sourceMgr, SMLoc(), module.getFilename(), -1, -1,
                          llvm::SourceMgr::DK_Error, message, "", {}, {});
  sourceMgr.PrintMessage(llvm::errs(), diag);
  return failure();
}

static std::optional<ConstexprValue> toConstexprValue(const PyValue &value) {
  switch (value.getKind()) {
  case PyValue::Kind::None:
    return ConstexprValue{std::monostate()};
  case PyValue::Kind::Bool:
    return ConstexprValue{value.getBool()};
  case PyValue::Kind::Int:
    return ConstexprValue{value.getInt()};
  case PyValue::Kind::Float:
    return ConstexprValue{value.getFloat()};
  case PyValue::Kind::Str:
    return ConstexprValue{value.getStr()};
  case PyValue::Kind::DType:
    return ConstexprValue{getDTypeName(value.getDType())};
  default:
    return std::nullopt;
  }
}

/// The PyValue of a specialization's constexpr value; strings naming a dtype
/// ("float16", "fl.float16") become that dtype.
static PyValue fromConstexprValue(MLIRContext *context,
                                  const ConstexprValue &value) {
  if (const auto *i = std::get_if<int64_t>(&value.value))
    return PyValue::getInt(*i);
  if (const auto *f = std::get_if<double>(&value.value))
    return PyValue::getFloat(*f);
  if (const auto *b = std::get_if<bool>(&value.value))
    return PyValue::getBool(*b);
  if (const auto *s = std::get_if<std::string>(&value.value)) {
    StringRef name = *s;
    if (!name.consume_front("flashtile.language."))
      name.consume_front("fl.");
    if (Type dtype = lookupDType(context, name))
      return PyValue::getDType(dtype);
    return PyValue::getStr(*s);
  }
  return PyValue::getNone();
}

FailureOr<ParamInfo> CodeGen::classifyParam(const Param &param) {
  ParamInfo info{param.name.str(), ParamKind::Untyped, "", std::nullopt};
  if (param.annotation) {
    FailureOr<PyValue> annotation = evalAtModuleScope(
        *param.annotation, "the annotation of parameter '" + param.name + "'");
    if (failed(annotation))
      return failure();
    bool ok = true;
    if (annotation->is(PyValue::Kind::Builtin) &&
        annotation->getBuiltin() == Builtin::Constexpr) {
      info.kind = ParamKind::Constexpr;
    } else if (annotation->is(PyValue::Kind::Builtin) &&
               annotation->getBuiltin() == Builtin::Pointer) {
      info.kind = ParamKind::Pointer;
      info.type = "*";
    } else if (annotation->is(PyValue::Kind::DType)) {
      Type type = annotation->getDType();
      info.kind = isPointerType(type) ? ParamKind::Pointer
                  : isFloatType(type) ? ParamKind::Float
                                      : ParamKind::Int;
      info.type = printTypeSyntax(type);
    } else {
      ok = false;
    }
    if (!ok)
      return error(param.annotation->getLoc(),
                   "unsupported annotation for parameter '" + param.name +
                       "': expected fl.constexpr, fl.pointer, "
                       "fl.pointer(dtype) or a dtype such as fl.int32");
  }
  if (param.defaultValue) {
    if (info.kind != ParamKind::Constexpr)
      return error(param.defaultValue->getLoc(),
                   "only fl.constexpr parameters can have a default value; '" +
                       param.name + "' is passed at run time");
    FailureOr<PyValue> value = evalAtModuleScope(
        *param.defaultValue,
        "the default value of parameter '" + param.name + "'");
    if (failed(value))
      return failure();
    info.defaultValue = toConstexprValue(*value);
    if (!info.defaultValue)
      return error(param.defaultValue->getLoc(),
                   "the default value of constexpr parameter '" + param.name +
                       "' must be None, a bool, an int, a float, a string or "
                       "a dtype, not a " +
                       getKindName(*value));
  }
  return info;
}

FailureOr<std::vector<ParamInfo>> CodeGen::getKernelParams(StringRef kernel) {
  FailureOr<GlobalDecl *> decl = findKernel(kernel);
  if (failed(decl))
    return failure();
  FailureOr<FunctionDef *> def = module.getFunction(**decl);
  if (failed(def))
    return failure();
  std::vector<ParamInfo> params;
  for (const Param &param : (*def)->params) {
    FailureOr<ParamInfo> info = classifyParam(param);
    if (failed(info))
      return failure();
    params.push_back(std::move(*info));
  }
  return params;
}

//===----------------------------------------------------------------------===//
// Specialization and compilation
//===----------------------------------------------------------------------===//

template <typename MapT>
static llvm::SmallVector<StringRef> sortedKeys(const MapT &map) {
  llvm::SmallVector<StringRef> keys;
  for (const auto &entry : map)
    keys.push_back(entry.getKey());
  llvm::sort(keys);
  return keys;
}

LogicalResult CodeGen::checkSpecialization(const FunctionDef &def,
                                           llvm::ArrayRef<ParamInfo> params,
                                           const Specialization &spec) {
  auto find = [&](StringRef name) -> const ParamInfo * {
    for (const ParamInfo &param : params)
      if (param.name == name)
        return &param;
    return nullptr;
  };
  auto noParam = [&](StringRef name, StringRef given) {
    return error(def.loc, "kernel '" + def.name + "' has no parameter '" +
                              name + "' (given " + given + ")");
  };
  for (StringRef name : sortedKeys(spec.constexprs)) {
    const ParamInfo *param = find(name);
    if (!param)
      return noParam(name, "a constexpr value");
    if (param->kind != ParamKind::Constexpr)
      return error(def.loc, "parameter '" + name + "' of kernel '" + def.name +
                                "' is not fl.constexpr: it is passed at run "
                                "time, not given a compile-time value");
  }
  for (StringRef name : sortedKeys(spec.argTypes)) {
    const ParamInfo *param = find(name);
    if (!param)
      return noParam(name, "a type");
    if (param->kind == ParamKind::Constexpr)
      return error(def.loc, "parameter '" + name + "' of kernel '" + def.name +
                                "' is fl.constexpr: give its value, not a "
                                "type");
  }
  for (StringRef name : sortedKeys(spec.divisibleBy16))
    if (!find(name))
      return noParam(name, "as divisible by 16");
  for (StringRef name : sortedKeys(spec.equalTo1)) {
    const ParamInfo *param = find(name);
    if (!param)
      return noParam(name, "as equal to 1");
    if (param->kind == ParamKind::Constexpr)
      return error(def.loc, "parameter '" + name + "' of kernel '" + def.name +
                                "' is fl.constexpr: give its value, not an "
                                "equal-to-1 specialisation");
  }
  return success();
}

LogicalResult CodeGen::verifyModule(ModuleOp op, SMLoc loc) {
  std::string message;
  {
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      if (message.empty())
        message = diag.str();
      return success();
    });
    if (succeeded(verify(op)))
      return success();
  }
  return error(loc, "internal error: the front end produced invalid IR (" +
                        message + "); please report this bug");
}

FailureOr<OwningOpRef<ModuleOp>>
CodeGen::compileKernel(StringRef kernel, const Specialization &spec) {
  FailureOr<GlobalDecl *> decl = findKernel(kernel);
  if (failed(decl))
    return failure();
  FailureOr<FunctionDef *> defOr = module.getFunction(**decl);
  if (failed(defOr))
    return failure();
  FunctionDef &def = **defOr;

  std::vector<ParamInfo> params;
  for (const Param &param : def.params) {
    FailureOr<ParamInfo> info = classifyParam(param);
    if (failed(info))
      return failure();
    params.push_back(std::move(*info));
  }
  if (failed(checkSpecialization(def, params, spec)))
    return failure();

  // Runtime parameter types.
  llvm::SmallVector<Type> argTypes;
  llvm::SmallVector<unsigned> argParams;
  for (auto [index, info] : llvm::enumerate(params)) {
    if (info.kind == ParamKind::Constexpr)
      continue;
    const Param &param = def.params[index];
    std::string given = spec.argTypes.lookup(info.name);
    Type type;
    if (!given.empty()) {
      type = parseTypeSyntax(&context, given);
      if (!type)
        return error(param.loc, "invalid type '" + given + "' for parameter '" +
                                    info.name +
                                    "' (expected e.g. *f16, *f32, i32, i64, "
                                    "f32)");
    }
    if (info.kind == ParamKind::Untyped && !type)
      return error(param.loc, "parameter '" + info.name +
                                  "' has no type annotation: its type must be "
                                  "given (e.g. -T " +
                                  info.name + "=i32)");
    if (info.type == "*") {
      if (!type)
        return error(param.loc, "parameter '" + info.name +
                                    "' is a generic pointer: its element type "
                                    "must be given (e.g. -T " +
                                    info.name + "=*f16)");
      if (!isPointerType(type))
        return error(param.loc, "parameter '" + info.name +
                                    "' is a pointer, but its type is given "
                                    "as '" +
                                    given + "'");
    } else if (!info.type.empty()) {
      Type declared = parseTypeSyntax(&context, info.type);
      if (type && type != declared)
        return error(param.loc, "parameter '" + info.name + "' is declared " +
                                    info.type + ", but its type is given as '" +
                                    given + "'");
      type = declared;
    }
    if (spec.equalTo1.contains(info.name) && !isIntType(type))
      return error(param.loc, "the equal-to-1 specialisation applies to "
                              "integer parameters; '" +
                                  info.name + "' is " + printTypeSyntax(type));
    if (spec.divisibleBy16.contains(info.name) && !isPointerType(type) &&
        !isIntType(type))
      return error(param.loc, "divisibility by 16 applies to integer and "
                              "pointer parameters; '" +
                                  info.name + "' is " + printTypeSyntax(type));
    argTypes.push_back(type);
    argParams.push_back(index);
  }

  Location kernelLoc = getLoc(def.loc);
  OwningOpRef<ModuleOp> result = ModuleOp::create(kernelLoc);
  builder.setInsertionPointToEnd(result->getBody());
  auto func = func::FuncOp::create(builder, kernelLoc, kernel,
                                   builder.getFunctionType(argTypes, {}));
  func->setAttr("tile.kernel", builder.getUnitAttr());
  Block *entry = func.addEntryBlock();

  Frame kernelFrame;
  kernelFrame.function = &def;
  kernelFrame.isKernel = true;
  unsigned argIndex = 0;
  for (auto [index, info] : llvm::enumerate(params)) {
    const Param &param = def.params[index];
    if (info.kind != ParamKind::Constexpr) {
      BlockArgument arg = entry->getArgument(argIndex);
      arg.setLoc(getLoc(param.loc));
      if (spec.divisibleBy16.contains(info.name))
        func.setArgAttr(argIndex, "tile.divisibility",
                        builder.getI32IntegerAttr(16));
      ++argIndex;
      Value bound = arg;
      if (spec.equalTo1.contains(info.name)) {
        // Specialised: the body computes with the constant 1.
        OpBuilder entryBuilder = OpBuilder::atBlockBegin(entry);
        bound = arith::ConstantOp::create(
            entryBuilder, arg.getLoc(),
            entryBuilder.getIntegerAttr(arg.getType(), 1));
      }
      kernelFrame.vars[param.name] =
          Binding{PyValue::getRuntime(bound), param.loc};
      continue;
    }
    PyValue value;
    auto given = spec.constexprs.find(info.name);
    if (given != spec.constexprs.end()) {
      value = fromConstexprValue(&context, given->second);
    } else if (param.defaultValue) {
      FailureOr<PyValue> defaultValue = evalAtModuleScope(
          *param.defaultValue,
          "the default value of parameter '" + param.name + "'");
      if (failed(defaultValue))
        return failure();
      value = *defaultValue;
    } else {
      return error(param.loc, "constexpr parameter '" + info.name +
                                  "' has no value: give one (e.g. -D " +
                                  info.name + "=64)");
    }
    kernelFrame.vars[param.name] = Binding{std::move(value), param.loc};
  }

  if (failed(module.parseBody(def)))
    return failure();
  builder.setInsertionPointToEnd(entry);
  frame = &kernelFrame;
  callStack.push_back(&def);
  LogicalResult body = execBlock(def.body);
  callStack.pop_back();
  frame = nullptr;
  if (failed(body))
    return failure();
  func::ReturnOp::create(builder, kernelLoc);
  if (failed(verifyModule(*result, def.loc)))
    return failure();
  return result;
}

} // namespace flashtile::frontend
