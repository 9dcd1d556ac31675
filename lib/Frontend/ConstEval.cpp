//===- ConstEval.cpp - Python semantics on compile-time values ------------===//

#include "ConstEval.h"

#include "llvm/Support/MathExtras.h"

#include <cmath>

namespace flashtile::frontend {

using Kind = PyValue::Kind;

/// Largest string or tuple that `*` and `+` may build at compile time.
static constexpr int64_t kMaxSequenceLength = 1 << 16;

static bool isIntLike(const PyValue &v) {
  return v.is(Kind::Int) || v.is(Kind::Bool);
}

static std::string typeError(BinaryOp op, const PyValue &lhs,
                             const PyValue &rhs) {
  return ("unsupported operand types for " + getSpelling(op) + ": '" +
          getKindName(lhs) + "' and '" + getKindName(rhs) + "'")
      .str();
}

static std::optional<PyValue> overflow(std::string &error) {
  error = "integer overflow in a compile-time expression (ints are limited "
          "to 64 bits)";
  return std::nullopt;
}

static std::optional<PyValue> foldInt(BinaryOp op, int64_t a, int64_t b,
                                      bool bothBool, std::string &error) {
  int64_t result = 0;
  switch (op) {
  case BinaryOp::Add:
    if (llvm::AddOverflow(a, b, result))
      return overflow(error);
    return PyValue::getInt(result);
  case BinaryOp::Sub:
    if (llvm::SubOverflow(a, b, result))
      return overflow(error);
    return PyValue::getInt(result);
  case BinaryOp::Mul:
    if (llvm::MulOverflow(a, b, result))
      return overflow(error);
    return PyValue::getInt(result);
  case BinaryOp::Div:
    if (b == 0) {
      error = "division by zero";
      return std::nullopt;
    }
    return PyValue::getFloat(static_cast<double>(a) / static_cast<double>(b));
  case BinaryOp::FloorDiv:
  case BinaryOp::Mod: {
    if (b == 0) {
      error = op == BinaryOp::Mod ? "integer modulo by zero"
                                  : "integer division by zero";
      return std::nullopt;
    }
    if (b == -1) {
      if (op == BinaryOp::Mod)
        return PyValue::getInt(0);
      if (a == INT64_MIN)
        return overflow(error);
      return PyValue::getInt(-a);
    }
    int64_t q = a / b, r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) {
      q -= 1;
      r += b;
    }
    return PyValue::getInt(op == BinaryOp::Mod ? r : q);
  }
  case BinaryOp::Pow: {
    if (b < 0) {
      if (a == 0) {
        error = "0 cannot be raised to a negative power";
        return std::nullopt;
      }
      return PyValue::getFloat(
          std::pow(static_cast<double>(a), static_cast<double>(b)));
    }
    int64_t base = a;
    result = 1;
    for (int64_t e = b; e > 0; e >>= 1) {
      if ((e & 1) && llvm::MulOverflow(result, base, result))
        return overflow(error);
      if (e > 1 && llvm::MulOverflow(base, base, base))
        return overflow(error);
    }
    return PyValue::getInt(result);
  }
  case BinaryOp::BitAnd:
  case BinaryOp::BitOr:
  case BinaryOp::BitXor: {
    result = op == BinaryOp::BitAnd  ? (a & b)
             : op == BinaryOp::BitOr ? (a | b)
                                     : (a ^ b);
    return bothBool ? PyValue::getBool(result != 0) : PyValue::getInt(result);
  }
  case BinaryOp::LShift:
  case BinaryOp::RShift:
    if (b < 0) {
      error = "negative shift count";
      return std::nullopt;
    }
    if (op == BinaryOp::RShift)
      return PyValue::getInt(b >= 64 ? (a < 0 ? -1 : 0) : (a >> b));
    if (a == 0)
      return PyValue::getInt(0);
    if (b >= 63)
      return overflow(error);
    result = static_cast<int64_t>(static_cast<uint64_t>(a) << b);
    if ((result >> b) != a)
      return overflow(error);
    return PyValue::getInt(result);
  case BinaryOp::MatMul:
    break;
  }
  error = "unsupported operand types for @: 'int' and 'int'";
  return std::nullopt;
}

static std::optional<PyValue> foldFloat(BinaryOp op, double a, double b,
                                        std::string &error) {
  switch (op) {
  case BinaryOp::Add:
    return PyValue::getFloat(a + b);
  case BinaryOp::Sub:
    return PyValue::getFloat(a - b);
  case BinaryOp::Mul:
    return PyValue::getFloat(a * b);
  case BinaryOp::Div:
  case BinaryOp::FloorDiv:
  case BinaryOp::Mod: {
    if (b == 0) {
      error = "float division by zero";
      return std::nullopt;
    }
    if (op == BinaryOp::Div)
      return PyValue::getFloat(a / b);
    double r = std::fmod(a, b);
    if (r != 0 && ((r < 0) != (b < 0)))
      r += b;
    if (op == BinaryOp::Mod)
      return PyValue::getFloat(r == 0 ? std::copysign(0.0, b) : r);
    return PyValue::getFloat(std::floor(a / b));
  }
  case BinaryOp::Pow:
    if (a == 0 && b < 0) {
      error = "0.0 cannot be raised to a negative power";
      return std::nullopt;
    }
    if (a < 0 && std::isfinite(b) && b != std::floor(b)) {
      error = "a negative number cannot be raised to a fractional power";
      return std::nullopt;
    }
    return PyValue::getFloat(std::pow(a, b));
  default:
    break;
  }
  error = ("unsupported operand types for " + getSpelling(op) +
           ": 'float' and 'float'")
              .str();
  return std::nullopt;
}

/// `seq * count` for strings and tuples.
static std::optional<PyValue> repeat(const PyValue &seq, int64_t count,
                                     std::string &error) {
  count = std::max<int64_t>(count, 0);
  int64_t length = seq.is(Kind::Str)
                       ? static_cast<int64_t>(seq.getStr().size())
                       : static_cast<int64_t>(seq.getElements().size());
  if (length != 0 && count > kMaxSequenceLength / length) {
    error = "compile-time sequence is too long";
    return std::nullopt;
  }
  if (seq.is(Kind::Str)) {
    std::string text;
    for (int64_t i = 0; i < count; ++i)
      text += seq.getStr();
    return PyValue::getStr(std::move(text));
  }
  std::vector<PyValue> elements;
  for (int64_t i = 0; i < count; ++i)
    elements.insert(elements.end(), seq.getElements().begin(),
                    seq.getElements().end());
  return PyValue::getTuple(std::move(elements));
}

std::optional<PyValue> foldBinary(BinaryOp op, const PyValue &lhs,
                                  const PyValue &rhs, std::string &error) {
  if (isIntLike(lhs) && isIntLike(rhs))
    return foldInt(op, lhs.getInt(), rhs.getInt(),
                   lhs.is(Kind::Bool) && rhs.is(Kind::Bool), error);
  if (lhs.isNumber() && rhs.isNumber())
    return foldFloat(op, lhs.getNumberAsDouble(), rhs.getNumberAsDouble(),
                     error);

  bool sameSequence = (lhs.is(Kind::Str) && rhs.is(Kind::Str)) ||
                      (lhs.is(Kind::Tuple) && rhs.is(Kind::Tuple));
  if (op == BinaryOp::Add && sameSequence) {
    if (lhs.is(Kind::Str)) {
      if (lhs.getStr().size() + rhs.getStr().size() > kMaxSequenceLength) {
        error = "compile-time sequence is too long";
        return std::nullopt;
      }
      return PyValue::getStr(lhs.getStr() + rhs.getStr());
    }
    if (lhs.getElements().size() + rhs.getElements().size() >
        kMaxSequenceLength) {
      error = "compile-time sequence is too long";
      return std::nullopt;
    }
    std::vector<PyValue> elements = lhs.getElements();
    elements.insert(elements.end(), rhs.getElements().begin(),
                    rhs.getElements().end());
    return PyValue::getTuple(std::move(elements));
  }
  if (op == BinaryOp::Mul) {
    if ((lhs.is(Kind::Str) || lhs.is(Kind::Tuple)) && isIntLike(rhs))
      return repeat(lhs, rhs.getInt(), error);
    if ((rhs.is(Kind::Str) || rhs.is(Kind::Tuple)) && isIntLike(lhs))
      return repeat(rhs, lhs.getInt(), error);
  }
  error = typeError(op, lhs, rhs);
  return std::nullopt;
}

std::optional<PyValue> foldUnary(UnaryOp op, const PyValue &operand,
                                 std::string &error) {
  if (op == UnaryOp::Not)
    return PyValue::getBool(!isTruthy(operand));
  if (isIntLike(operand)) {
    int64_t v = operand.getInt();
    switch (op) {
    case UnaryOp::Neg:
      if (v == INT64_MIN)
        return overflow(error);
      return PyValue::getInt(-v);
    case UnaryOp::Pos:
      return PyValue::getInt(v);
    case UnaryOp::Invert:
      return PyValue::getInt(~v);
    case UnaryOp::Not:
      break;
    }
  }
  if (operand.is(Kind::Float)) {
    if (op == UnaryOp::Neg)
      return PyValue::getFloat(-operand.getFloat());
    if (op == UnaryOp::Pos)
      return operand;
  }
  const char *spelling = op == UnaryOp::Neg   ? "-"
                         : op == UnaryOp::Pos ? "+"
                                              : "~";
  error = (llvm::Twine("bad operand type for unary ") + spelling + ": '" +
           getKindName(operand) + "'")
              .str();
  return std::nullopt;
}

/// Python `==` on compile-time values.
static bool isEqual(const PyValue &lhs, const PyValue &rhs) {
  if (lhs.isNumber() && rhs.isNumber()) {
    if (isIntLike(lhs) && isIntLike(rhs))
      return lhs.getInt() == rhs.getInt();
    return lhs.getNumberAsDouble() == rhs.getNumberAsDouble();
  }
  if (lhs.is(Kind::Tuple) && rhs.is(Kind::Tuple)) {
    const auto &a = lhs.getElements(), &b = rhs.getElements();
    if (a.size() != b.size())
      return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!isEqual(a[i], b[i]))
        return false;
    return true;
  }
  return lhs.isSameAs(rhs);
}

std::optional<bool> foldCompare(CompareOp op, const PyValue &lhs,
                                const PyValue &rhs, std::string &error) {
  switch (op) {
  case CompareOp::Eq:
    return isEqual(lhs, rhs);
  case CompareOp::Ne:
    return !isEqual(lhs, rhs);
  case CompareOp::Is:
    return lhs.isSameAs(rhs);
  case CompareOp::IsNot:
    return !lhs.isSameAs(rhs);
  case CompareOp::In:
  case CompareOp::NotIn: {
    bool found = false;
    if (rhs.is(Kind::Tuple)) {
      found = llvm::any_of(rhs.getElements(),
                           [&](const PyValue &e) { return isEqual(lhs, e); });
    } else if (rhs.is(Kind::Str) && lhs.is(Kind::Str)) {
      found = rhs.getStr().find(lhs.getStr()) != std::string::npos;
    } else {
      error =
          ("argument of type '" + getKindName(rhs) + "' is not iterable").str();
      return std::nullopt;
    }
    return op == CompareOp::In ? found : !found;
  }
  default:
    break;
  }
  int order = 0;
  if (isIntLike(lhs) && isIntLike(rhs)) {
    order = lhs.getInt() < rhs.getInt() ? -1 : lhs.getInt() > rhs.getInt();
  } else if (lhs.isNumber() && rhs.isNumber()) {
    double a = lhs.getNumberAsDouble(), b = rhs.getNumberAsDouble();
    if (std::isnan(a) || std::isnan(b))
      return false;
    order = a < b ? -1 : a > b;
  } else if (lhs.is(Kind::Str) && rhs.is(Kind::Str)) {
    order = lhs.getStr().compare(rhs.getStr());
  } else {
    error = ("'" + getSpelling(op) + "' is not supported between '" +
             getKindName(lhs) + "' and '" + getKindName(rhs) + "'")
                .str();
    return std::nullopt;
  }
  switch (op) {
  case CompareOp::Lt:
    return order < 0;
  case CompareOp::Le:
    return order <= 0;
  case CompareOp::Gt:
    return order > 0;
  case CompareOp::Ge:
    return order >= 0;
  default:
    return std::nullopt;
  }
}

bool isTruthy(const PyValue &value) {
  switch (value.getKind()) {
  case Kind::None:
    return false;
  case Kind::Bool:
  case Kind::Int:
    return value.getInt() != 0;
  case Kind::Float:
    return value.getFloat() != 0.0;
  case Kind::Str:
    return !value.getStr().empty();
  case Kind::Tuple:
    return !value.getElements().empty();
  default:
    return true;
  }
}

} // namespace flashtile::frontend
