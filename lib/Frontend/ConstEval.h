//===- ConstEval.h - Python semantics on compile-time values ----*- C++ -*-===//
//
// Operators applied to compile-time values (constexprs) follow Python
// exactly: arbitrary ints are limited to 64 bits (overflow is an error),
// `//` and `%` round towards negative infinity, `/` is true division, and
// bools are ints.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_FRONTEND_CONSTEVAL_H
#define FLASHTILE_LIB_FRONTEND_CONSTEVAL_H

#include "AST.h"
#include "PyValue.h"

#include <optional>
#include <string>

namespace flashtile::frontend {

/// `lhs op rhs`; on failure returns nothing and sets `error` to a message
/// such as "division by zero".
std::optional<PyValue> foldBinary(BinaryOp op, const PyValue &lhs,
                                  const PyValue &rhs, std::string &error);

/// `op operand`, likewise.
std::optional<PyValue> foldUnary(UnaryOp op, const PyValue &operand,
                                 std::string &error);

/// `lhs op rhs` for one comparison, likewise.
std::optional<bool> foldCompare(CompareOp op, const PyValue &lhs,
                                const PyValue &rhs, std::string &error);

/// Python's truth value of a compile-time value.
bool isTruthy(const PyValue &value);

} // namespace flashtile::frontend

#endif // FLASHTILE_LIB_FRONTEND_CONSTEVAL_H
