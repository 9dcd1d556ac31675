//===- MathOps.cpp - evaluation of the math dialect -----------------------===//
//
// Functions are evaluated in double precision and rounded once to the
// element type: exact for sqrt, fma, the rounding functions and absf, and
// within a double-precision ulp before that rounding for the transcendental
// ones, so at least as accurate as any GPU implementation.
//
//===----------------------------------------------------------------------===//

#include "Elementwise.h"
#include "Numerics.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace flashtile::exec;

static llvm::Error evalFma(Interpreter &interp, Operation &op) {
  llvm::Expected<ElemType> elem =
      interp.elemType(&op, op.getResult(0).getType());
  if (!elem)
    return elem.takeError();
  ElemKind kind = elem->kind;
  return mapTernary(interp, op, [&](Elem a, Elem b, Elem c) {
    return Elem::ofFloat(fusedMultiplyAdd(a.f, b.f, c.f, kind));
  });
}

static llvm::Error evalAbsI(Interpreter &interp, Operation &op) {
  llvm::Expected<ElemType> elem =
      interp.elemType(&op, op.getResult(0).getType());
  if (!elem)
    return elem.takeError();
  unsigned width = elem->width;
  return mapUnary(interp, op, [&](Elem a) {
    int64_t x = signedValue(a.i, width);
    // The most negative value is its own absolute value (it wraps).
    uint64_t magnitude = x < 0 ? uint64_t(0) - static_cast<uint64_t>(x)
                               : static_cast<uint64_t>(x);
    return Elem::ofInt(wrapInt(magnitude, width));
  });
}

llvm::Error flashtile::exec::executeMathOp(Interpreter &interp, Operation &op) {
  using llvm::Error;
  Interpreter &I = interp;
  // Overloaded <cmath> functions are wrapped in lambdas to pick the double
  // overload.
  return llvm::TypeSwitch<Operation *, Error>(&op)
      .Case([&](math::ExpOp) {
        return floatUnary(I, op, [](double x) { return std::exp(x); });
      })
      .Case([&](math::Exp2Op) {
        return floatUnary(I, op, [](double x) { return std::exp2(x); });
      })
      .Case([&](math::ExpM1Op) {
        return floatUnary(I, op, [](double x) { return std::expm1(x); });
      })
      .Case([&](math::LogOp) {
        return floatUnary(I, op, [](double x) { return std::log(x); });
      })
      .Case([&](math::Log2Op) {
        return floatUnary(I, op, [](double x) { return std::log2(x); });
      })
      .Case([&](math::Log10Op) {
        return floatUnary(I, op, [](double x) { return std::log10(x); });
      })
      .Case([&](math::Log1pOp) {
        return floatUnary(I, op, [](double x) { return std::log1p(x); });
      })
      .Case([&](math::SqrtOp) {
        return floatUnary(I, op, [](double x) { return std::sqrt(x); });
      })
      .Case([&](math::RsqrtOp) {
        return floatUnary(I, op, [](double x) { return 1.0 / std::sqrt(x); });
      })
      .Case([&](math::AbsFOp) {
        return floatUnary(I, op, [](double x) { return std::fabs(x); });
      })
      .Case([&](math::AbsIOp) { return evalAbsI(I, op); })
      .Case([&](math::SinOp) {
        return floatUnary(I, op, [](double x) { return std::sin(x); });
      })
      .Case([&](math::CosOp) {
        return floatUnary(I, op, [](double x) { return std::cos(x); });
      })
      .Case([&](math::TanOp) {
        return floatUnary(I, op, [](double x) { return std::tan(x); });
      })
      .Case([&](math::TanhOp) {
        return floatUnary(I, op, [](double x) { return std::tanh(x); });
      })
      .Case([&](math::AtanOp) {
        return floatUnary(I, op, [](double x) { return std::atan(x); });
      })
      .Case([&](math::ErfOp) {
        return floatUnary(I, op, [](double x) { return std::erf(x); });
      })
      .Case([&](math::ErfcOp) {
        return floatUnary(I, op, [](double x) { return std::erfc(x); });
      })
      .Case([&](math::FloorOp) {
        return floatUnary(I, op, [](double x) { return std::floor(x); });
      })
      .Case([&](math::CeilOp) {
        return floatUnary(I, op, [](double x) { return std::ceil(x); });
      })
      .Case([&](math::TruncOp) {
        return floatUnary(I, op, [](double x) { return std::trunc(x); });
      })
      .Case([&](math::RoundOp) {
        return floatUnary(I, op, [](double x) { return std::round(x); });
      })
      .Case([&](math::RoundEvenOp) {
        return floatUnary(I, op, [](double x) {
          return roundToIntegral(x, Rounding::NearestEven);
        });
      })
      .Case([&](math::PowFOp) {
        return floatBinary(I, op, [](double x, double y) { return std::pow(x, y); });
      })
      .Case([&](math::Atan2Op) {
        return floatBinary(I, op,
                      [](double y, double x) { return std::atan2(y, x); });
      })
      .Case([&](math::CopySignOp) {
        return floatBinary(I, op,
                      [](double x, double y) { return std::copysign(x, y); });
      })
      .Case([&](math::FmaOp) { return evalFma(I, op); })
      .Default([&](Operation *) { return I.unsupported(&op); });
}
