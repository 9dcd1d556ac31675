//===- PyValue.cpp - values of the abstract interpreter -------------------===//

#include "PyValue.h"

#include "flashtile/Dialect/Tile/IR/TileDialect.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include <charconv>
#include <cmath>
#include <cstring>

using namespace mlir;

namespace flashtile::frontend {

PyValue PyValue::getBool(bool value) {
  PyValue v(Kind::Bool);
  v.intValue = value;
  return v;
}

PyValue PyValue::getInt(int64_t value) {
  PyValue v(Kind::Int);
  v.intValue = value;
  return v;
}

PyValue PyValue::getFloat(double value) {
  PyValue v(Kind::Float);
  v.floatValue = value;
  return v;
}

PyValue PyValue::getStr(std::string value) {
  PyValue v(Kind::Str);
  v.text = std::move(value);
  return v;
}

PyValue PyValue::getDType(Type type) {
  PyValue v(Kind::DType);
  v.type = type;
  return v;
}

PyValue PyValue::getTuple(std::vector<PyValue> elements) {
  PyValue v(Kind::Tuple);
  v.elements = std::move(elements);
  for (const PyValue &element : v.elements)
    v.tupleNesting = std::max(v.tupleNesting, element.tupleNesting);
  ++v.tupleNesting;
  return v;
}

PyValue PyValue::getRuntime(Value value) {
  PyValue v(Kind::Runtime);
  v.value = value;
  return v;
}

PyValue PyValue::getFunction(GlobalDecl *decl, llvm::StringRef name) {
  PyValue v(Kind::Function);
  v.decl = decl;
  v.text = name.str();
  return v;
}

PyValue PyValue::getModule(std::string path) {
  PyValue v(Kind::Module);
  v.text = std::move(path);
  return v;
}

PyValue PyValue::getBuiltin(Builtin builtin, Value self) {
  PyValue v(Kind::Builtin);
  v.builtin = builtin;
  v.value = self;
  return v;
}

PyValue PyValue::getUndefined(std::string reason) {
  PyValue v(Kind::Undefined);
  v.text = std::move(reason);
  return v;
}

bool PyValue::isConstexpr() const {
  switch (kind) {
  case Kind::None:
  case Kind::Bool:
  case Kind::Int:
  case Kind::Float:
  case Kind::Str:
  case Kind::DType:
    return true;
  case Kind::Tuple:
    return llvm::all_of(elements,
                        [](const PyValue &e) { return e.isConstexpr(); });
  default:
    return false;
  }
}

bool PyValue::containsRuntime() const {
  if (kind == Kind::Runtime)
    return true;
  return kind == Kind::Tuple && llvm::any_of(elements, [](const PyValue &e) {
           return e.containsRuntime();
         });
}

double PyValue::getNumberAsDouble() const {
  return kind == Kind::Float ? floatValue : static_cast<double>(intValue);
}

bool PyValue::isSameAs(const PyValue &other) const {
  if (kind != other.kind)
    return false;
  switch (kind) {
  case Kind::None:
    return true;
  case Kind::Bool:
  case Kind::Int:
    return intValue == other.intValue;
  case Kind::Float:
    // Bitwise, so that NaN is the same as itself and 0.0 differs from -0.0.
    return std::memcmp(&floatValue, &other.floatValue, sizeof(double)) == 0;
  case Kind::Str:
  case Kind::Module:
  case Kind::Undefined:
    return text == other.text;
  case Kind::DType:
    return type == other.type;
  case Kind::Tuple:
    return elements.size() == other.elements.size() &&
           llvm::all_of(llvm::zip(elements, other.elements), [](auto pair) {
             return std::get<0>(pair).isSameAs(std::get<1>(pair));
           });
  case Kind::Runtime:
    return value == other.value;
  case Kind::Function:
    return decl == other.decl;
  case Kind::Builtin:
    return builtin == other.builtin && value == other.value;
  }
  return false;
}

llvm::StringRef getKindName(const PyValue &value) {
  switch (value.getKind()) {
  case PyValue::Kind::None:
    return "None";
  case PyValue::Kind::Bool:
    return "bool";
  case PyValue::Kind::Int:
    return "int";
  case PyValue::Kind::Float:
    return "float";
  case PyValue::Kind::Str:
    return "str";
  case PyValue::Kind::DType:
    return "dtype";
  case PyValue::Kind::Tuple:
    return "tuple";
  case PyValue::Kind::Runtime:
    return isa<RankedTensorType>(value.getRuntime().getType()) ? "block"
                                                               : "scalar";
  case PyValue::Kind::Function:
    return "function";
  case PyValue::Kind::Module:
    return "module";
  case PyValue::Kind::Builtin:
    return "builtin function";
  case PyValue::Kind::Undefined:
    return "undefined name";
  }
  return "value";
}

static std::string formatFloat(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string text(buffer, result.ptr);
  if (text.find_first_of(".e") == std::string::npos)
    text += ".0";
  return text;
}

std::string repr(const PyValue &value) {
  switch (value.getKind()) {
  case PyValue::Kind::None:
    return "None";
  case PyValue::Kind::Bool:
    return value.getBool() ? "True" : "False";
  case PyValue::Kind::Int:
    return std::to_string(value.getInt());
  case PyValue::Kind::Float:
    return formatFloat(value.getFloat());
  case PyValue::Kind::Str:
    return "'" + value.getStr() + "'";
  case PyValue::Kind::DType:
    return getDTypeName(value.getDType());
  case PyValue::Kind::Tuple: {
    std::string text = "(";
    for (const auto &[i, element] : llvm::enumerate(value.getElements())) {
      if (i)
        text += ", ";
      text += repr(element);
    }
    if (value.getElements().size() == 1)
      text += ",";
    return text + ")";
  }
  case PyValue::Kind::Runtime: {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << value.getRuntime().getType();
    return text;
  }
  case PyValue::Kind::Function:
    return "function '" + value.getName() + "'";
  case PyValue::Kind::Module:
    return "module '" + value.getName() + "'";
  case PyValue::Kind::Builtin:
    return "builtin function";
  case PyValue::Kind::Undefined:
    return "undefined";
  }
  return "value";
}

std::string getDTypeName(Type type) {
  if (auto ptr = dyn_cast<tile::PointerType>(type))
    return "pointer(" + getDTypeName(ptr.getPointeeType()) + ")";
  if (type.isInteger(1))
    return "int1";
  if (auto intType = dyn_cast<IntegerType>(type))
    return "int" + std::to_string(intType.getWidth());
  if (type.isF16())
    return "float16";
  if (type.isBF16())
    return "bfloat16";
  if (type.isF32())
    return "float32";
  if (type.isF64())
    return "float64";
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

Type lookupDType(MLIRContext *context, llvm::StringRef name) {
  Builder b(context);
  return llvm::StringSwitch<Type>(name)
      .Cases({"int1", "bool"}, b.getI1Type())
      .Case("int8", b.getI8Type())
      .Case("int16", b.getI16Type())
      .Case("int32", b.getI32Type())
      .Case("int64", b.getI64Type())
      .Case("float16", b.getF16Type())
      .Case("bfloat16", b.getBF16Type())
      .Case("float32", b.getF32Type())
      .Case("float64", b.getF64Type())
      .Default(Type());
}

Type parseTypeSyntax(MLIRContext *context, llvm::StringRef text) {
  bool isPointer = text.consume_front("*");
  Builder b(context);
  Type type = llvm::StringSwitch<Type>(text)
                  .Case("i1", b.getI1Type())
                  .Case("i8", b.getI8Type())
                  .Case("i16", b.getI16Type())
                  .Case("i32", b.getI32Type())
                  .Case("i64", b.getI64Type())
                  .Case("f16", b.getF16Type())
                  .Case("bf16", b.getBF16Type())
                  .Case("f32", b.getF32Type())
                  .Case("f64", b.getF64Type())
                  .Default(Type());
  if (type && isPointer)
    return tile::PointerType::get(type);
  return type;
}

std::string printTypeSyntax(Type type) {
  if (auto ptr = dyn_cast<tile::PointerType>(type))
    return "*" + printTypeSyntax(ptr.getPointeeType());
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

} // namespace flashtile::frontend
