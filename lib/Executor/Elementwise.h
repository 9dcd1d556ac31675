//===- Elementwise.h - element-wise evaluation helpers ----------*- C++ -*-===//
//
// Applies a function to corresponding elements of an operation's operands
// and defines its single result, plus the float min/max semantics shared by
// arith, tile.reduce and tile.atomic_rmw.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_EXECUTOR_ELEMENTWISE_H
#define FLASHTILE_LIB_EXECUTOR_ELEMENTWISE_H

#include "Interpreter.h"
#include "Numerics.h"

#include <cmath>
#include <limits>

namespace flashtile::exec {

/// result[i] = fn(operand0[i]).
template <typename Fn>
llvm::Error mapUnary(Interpreter &interp, mlir::Operation &op, Fn fn) {
  const RtValue &a = interp.get(op.getOperand(0));
  RtValue &result = interp.define(op.getResult(0), a.size());
  for (size_t i = 0, e = a.size(); i < e; ++i)
    result[i] = fn(a[i]);
  return llvm::Error::success();
}

/// result[i] = fn(operand0[i], operand1[i]).
template <typename Fn>
llvm::Error mapBinary(Interpreter &interp, mlir::Operation &op, Fn fn) {
  const RtValue &a = interp.get(op.getOperand(0));
  const RtValue &b = interp.get(op.getOperand(1));
  RtValue &result = interp.define(op.getResult(0), a.size());
  for (size_t i = 0, e = a.size(); i < e; ++i)
    result[i] = fn(a[i], b[i]);
  return llvm::Error::success();
}

/// result[i] = fn(operand0[i], operand1[i], operand2[i]).
template <typename Fn>
llvm::Error mapTernary(Interpreter &interp, mlir::Operation &op, Fn fn) {
  const RtValue &a = interp.get(op.getOperand(0));
  const RtValue &b = interp.get(op.getOperand(1));
  const RtValue &c = interp.get(op.getOperand(2));
  RtValue &result = interp.define(op.getResult(0), a.size());
  for (size_t i = 0, e = a.size(); i < e; ++i)
    result[i] = fn(a[i], b[i], c[i]);
  return llvm::Error::success();
}

/// result[i] = round(fn(a[i])) in the result's float type.
template <typename Fn>
llvm::Error floatUnary(Interpreter &interp, mlir::Operation &op, Fn fn) {
  llvm::Expected<ElemType> elem =
      interp.elemType(&op, op.getResult(0).getType());
  if (!elem)
    return elem.takeError();
  ElemKind kind = elem->kind;
  return mapUnary(interp, op, [&](Elem a) {
    return Elem::ofFloat(roundToKind(fn(a.f), kind));
  });
}

/// result[i] = round(fn(a[i], b[i])) in the result's float type.
template <typename Fn>
llvm::Error floatBinary(Interpreter &interp, mlir::Operation &op, Fn fn) {
  llvm::Expected<ElemType> elem =
      interp.elemType(&op, op.getResult(0).getType());
  if (!elem)
    return elem.takeError();
  ElemKind kind = elem->kind;
  return mapBinary(interp, op, [&](Elem a, Elem b) {
    return Elem::ofFloat(roundToKind(fn(a.f, b.f), kind));
  });
}

/// IEEE 754-2008 maxNum/minNum: a NaN operand is ignored (NaN only if both
/// are); -0 orders below +0.
inline double maxNum(double a, double b) {
  if (std::isnan(a))
    return b;
  if (std::isnan(b))
    return a;
  if (a == b)
    return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
inline double minNum(double a, double b) {
  if (std::isnan(a))
    return b;
  if (std::isnan(b))
    return a;
  if (a == b)
    return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

/// IEEE 754-2019 maximum/minimum: NaN if either operand is; -0 < +0.
inline double maximum(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return std::numeric_limits<double>::quiet_NaN();
  return maxNum(a, b);
}
inline double minimum(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return std::numeric_limits<double>::quiet_NaN();
  return minNum(a, b);
}

} // namespace flashtile::exec

#endif // FLASHTILE_LIB_EXECUTOR_ELEMENTWISE_H
