//===- ArithOps.cpp - evaluation of the arith dialect ---------------------===//
//
// Float results are computed in double and rounded to their element type
// (a single correct rounding for + - * / and remf); integer results wrap to
// their bit width. Integer division by zero is not an error (on the GPU it
// does not trap, and a kernel may discard the lane with `where` or a mask):
// it gives the values RISC-V defines, a quotient of all ones (-1) and the
// dividend as the remainder; the most negative value divided by -1 wraps. Shifts by at least the bit width give 0 (or
// the sign for shrsi); float-to-integer conversions saturate, NaN giving 0.
//
//===----------------------------------------------------------------------===//

#include "Elementwise.h"
#include "Numerics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace flashtile::exec;

//===----------------------------------------------------------------------===//
// Helpers by operand kind
//===----------------------------------------------------------------------===//

/// An integer op: `fn(a, b, width)` gives the result's bits (stored operands
/// in, any bits above the width ignored).
template <typename Fn>
static llvm::Error intBinary(Interpreter &interp, Operation &op, Fn fn) {
  llvm::Expected<ElemType> elem =
      interp.elemType(&op, op.getResult(0).getType());
  if (!elem)
    return elem.takeError();
  unsigned width = elem->width;
  return mapBinary(interp, op, [&](Elem a, Elem b) {
    return Elem::ofInt(wrapInt(fn(a.i, b.i, width), width));
  });
}

/// What a quotient or a remainder is.
enum class DivisionResult { Quotient, Remainder };

/// An integer division: intBinary, where a zero divisor gives all ones for
/// a quotient and the dividend for a remainder (see the file comment).
template <typename Fn>
static llvm::Error intDivision(Interpreter &interp, Operation &op,
                               DivisionResult kind, Fn fn) {
  return intBinary(interp, op, [&](int64_t a, int64_t b, unsigned width) {
    if (wrapInt(static_cast<uint64_t>(b), width) == 0)
      return kind == DivisionResult::Quotient ? UINT64_MAX
                                              : static_cast<uint64_t>(a);
    return static_cast<uint64_t>(fn(a, b, width));
  });
}

/// A conversion: result[i] = fn(a[i], source type, result type).
template <typename Fn>
static llvm::Error convert(Interpreter &interp, Operation &op, Fn fn) {
  llvm::Expected<ElemType> in =
      interp.elemType(&op, op.getOperand(0).getType());
  if (!in)
    return in.takeError();
  llvm::Expected<ElemType> out =
      interp.elemType(&op, op.getResult(0).getType());
  if (!out)
    return out.takeError();
  ElemType from = *in, to = *out;
  return mapUnary(interp, op, [&](Elem a) { return fn(a, from, to); });
}

//===----------------------------------------------------------------------===//
// Integer semantics
//===----------------------------------------------------------------------===//

/// x / y rounded toward zero, wrapping for the most negative x and y = -1.
static int64_t truncatingQuotient(int64_t x, int64_t y) {
  if (y == -1)
    return static_cast<int64_t>(uint64_t(0) - static_cast<uint64_t>(x));
  return x / y;
}

static int64_t truncatingRemainder(int64_t x, int64_t y) {
  return y == -1 ? 0 : x % y;
}

static uint64_t shiftLeft(int64_t a, int64_t b, unsigned width) {
  uint64_t amount = unsignedValue(b, width);
  return amount >= width ? 0 : static_cast<uint64_t>(a) << amount;
}

static uint64_t shiftRightUnsigned(int64_t a, int64_t b, unsigned width) {
  uint64_t amount = unsignedValue(b, width);
  return amount >= width ? 0 : unsignedValue(a, width) >> amount;
}

static uint64_t shiftRightSigned(int64_t a, int64_t b, unsigned width) {
  uint64_t amount = unsignedValue(b, width);
  int64_t x = signedValue(a, width);
  if (amount >= width)
    return x < 0 ? UINT64_MAX : 0;
  return static_cast<uint64_t>(x >> amount);
}

static bool compareInts(arith::CmpIPredicate predicate, int64_t a, int64_t b,
                        unsigned width) {
  int64_t sa = signedValue(a, width), sb = signedValue(b, width);
  uint64_t ua = unsignedValue(a, width), ub = unsignedValue(b, width);
  switch (predicate) {
  case arith::CmpIPredicate::eq:
    return a == b;
  case arith::CmpIPredicate::ne:
    return a != b;
  case arith::CmpIPredicate::slt:
    return sa < sb;
  case arith::CmpIPredicate::sle:
    return sa <= sb;
  case arith::CmpIPredicate::sgt:
    return sa > sb;
  case arith::CmpIPredicate::sge:
    return sa >= sb;
  case arith::CmpIPredicate::ult:
    return ua < ub;
  case arith::CmpIPredicate::ule:
    return ua <= ub;
  case arith::CmpIPredicate::ugt:
    return ua > ub;
  case arith::CmpIPredicate::uge:
    return ua >= ub;
  }
  return false;
}

static bool compareFloats(arith::CmpFPredicate predicate, double a, double b) {
  bool unordered = std::isnan(a) || std::isnan(b);
  switch (predicate) {
  case arith::CmpFPredicate::AlwaysFalse:
    return false;
  case arith::CmpFPredicate::OEQ:
    return a == b;
  case arith::CmpFPredicate::OGT:
    return a > b;
  case arith::CmpFPredicate::OGE:
    return a >= b;
  case arith::CmpFPredicate::OLT:
    return a < b;
  case arith::CmpFPredicate::OLE:
    return a <= b;
  case arith::CmpFPredicate::ONE:
    return !unordered && a != b;
  case arith::CmpFPredicate::ORD:
    return !unordered;
  case arith::CmpFPredicate::UEQ:
    return unordered || a == b;
  case arith::CmpFPredicate::UGT:
    return unordered || a > b;
  case arith::CmpFPredicate::UGE:
    return unordered || a >= b;
  case arith::CmpFPredicate::ULT:
    return unordered || a < b;
  case arith::CmpFPredicate::ULE:
    return unordered || a <= b;
  case arith::CmpFPredicate::UNE:
    return a != b;
  case arith::CmpFPredicate::UNO:
    return unordered;
  case arith::CmpFPredicate::AlwaysTrue:
    return true;
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Constants, comparisons, select
//===----------------------------------------------------------------------===//

static Elem elemOf(const APInt &value, unsigned width) {
  return Elem::ofInt(wrapInt(value.getZExtValue(), width));
}

static Elem elemOf(APFloat value) {
  bool losesInfo;
  value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                &losesInfo);
  return Elem::ofFloat(value.convertToDouble());
}

static llvm::Error evalConstant(Interpreter &interp, arith::ConstantOp op) {
  llvm::Expected<ElemType> elem = interp.elemType(op, op.getType());
  if (!elem)
    return elem.takeError();
  Attribute value = op.getValue();
  if (auto integer = dyn_cast<IntegerAttr>(value)) {
    interp.define(op.getResult(), 1)[0] =
        elemOf(integer.getValue(), elem->width);
    return llvm::Error::success();
  }
  if (auto real = dyn_cast<FloatAttr>(value)) {
    interp.define(op.getResult(), 1)[0] = elemOf(real.getValue());
    return llvm::Error::success();
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return interp.unsupported(op);
  RtValue &result = interp.define(op.getResult(), dense.getNumElements());
  bool isFloat = elem->isFloat();
  if (dense.isSplat()) {
    Elem splat = isFloat ? elemOf(dense.getSplatValue<APFloat>())
                         : elemOf(dense.getSplatValue<APInt>(), elem->width);
    std::fill(result.begin(), result.end(), splat);
    return llvm::Error::success();
  }
  size_t i = 0;
  if (isFloat) {
    for (APFloat v : dense.getValues<APFloat>())
      result[i++] = elemOf(v);
  } else {
    for (APInt v : dense.getValues<APInt>())
      result[i++] = elemOf(v, elem->width);
  }
  return llvm::Error::success();
}

static llvm::Error evalCmpI(Interpreter &interp, arith::CmpIOp op) {
  llvm::Expected<ElemType> elem = interp.elemType(op, op.getLhs().getType());
  if (!elem)
    return elem.takeError();
  unsigned width = elem->width;
  arith::CmpIPredicate predicate = op.getPredicate();
  return mapBinary(interp, *op, [&](Elem a, Elem b) {
    return Elem::ofInt(compareInts(predicate, a.i, b.i, width));
  });
}

static llvm::Error evalCmpF(Interpreter &interp, arith::CmpFOp op) {
  arith::CmpFPredicate predicate = op.getPredicate();
  return mapBinary(interp, *op, [&](Elem a, Elem b) {
    return Elem::ofInt(compareFloats(predicate, a.f, b.f));
  });
}

static llvm::Error evalSelect(Interpreter &interp, arith::SelectOp op) {
  const RtValue &condition = interp.get(op.getCondition());
  const RtValue &onTrue = interp.get(op.getTrueValue());
  const RtValue &onFalse = interp.get(op.getFalseValue());
  RtValue &result = interp.define(op.getResult(), onTrue.size());
  for (size_t i = 0, e = onTrue.size(); i < e; ++i)
    result[i] = condition.splatAt(i).i ? onTrue[i] : onFalse[i];
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Conversions
//===----------------------------------------------------------------------===//

static Rounding roundingOf(std::optional<arith::RoundingMode> mode) {
  if (!mode)
    return Rounding::NearestEven;
  switch (*mode) {
  case arith::RoundingMode::to_nearest_even:
    return Rounding::NearestEven;
  case arith::RoundingMode::downward:
    return Rounding::Downward;
  case arith::RoundingMode::upward:
    return Rounding::Upward;
  case arith::RoundingMode::toward_zero:
    return Rounding::TowardZero;
  case arith::RoundingMode::to_nearest_away:
    return Rounding::NearestAway;
  }
  return Rounding::NearestEven;
}

static Elem bitcastElem(Elem a, ElemType from, ElemType to) {
  uint64_t bits = from.isFloat() ? encodeFloat(a.f, from.kind)
                                 : unsignedValue(a.i, from.width);
  return to.isFloat() ? Elem::ofFloat(decodeFloat(bits, to.kind))
                      : Elem::ofInt(wrapInt(bits, to.width));
}

static llvm::Error evalTruncF(Interpreter &interp, arith::TruncFOp op) {
  Rounding mode = roundingOf(op.getRoundingmode());
  return convert(interp, *op, [&](Elem a, ElemType, ElemType to) {
    return Elem::ofFloat(roundToKind(a.f, to.kind, mode));
  });
}

static Elem extendFloat(Elem a, ElemType, ElemType to) {
  return Elem::ofFloat(roundToKind(a.f, to.kind));
}
static Elem signedToFloat(Elem a, ElemType from, ElemType to) {
  return Elem::ofFloat(
      intToFloat(a.i, from.width, /*isUnsigned=*/false, to.kind));
}
static Elem unsignedToFloat(Elem a, ElemType from, ElemType to) {
  return Elem::ofFloat(
      intToFloat(a.i, from.width, /*isUnsigned=*/true, to.kind));
}
static Elem floatToSigned(Elem a, ElemType, ElemType to) {
  return Elem::ofInt(floatToInt(a.f, to.width, /*isUnsigned=*/false));
}
static Elem floatToUnsigned(Elem a, ElemType, ElemType to) {
  return Elem::ofInt(floatToInt(a.f, to.width, /*isUnsigned=*/true));
}
static Elem extendSigned(Elem a, ElemType from, ElemType to) {
  return Elem::ofInt(wrapInt(signedValue(a.i, from.width), to.width));
}
static Elem extendUnsigned(Elem a, ElemType from, ElemType to) {
  return Elem::ofInt(wrapInt(unsignedValue(a.i, from.width), to.width));
}

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

llvm::Error flashtile::exec::executeArithOp(Interpreter &interp,
                                            Operation &op) {
  using llvm::Error;
  Interpreter &I = interp;
  return llvm::TypeSwitch<Operation *, Error>(&op)
      .Case([&](arith::ConstantOp c) { return evalConstant(I, c); })
      .Case([&](arith::CmpIOp c) { return evalCmpI(I, c); })
      .Case([&](arith::CmpFOp c) { return evalCmpF(I, c); })
      .Case([&](arith::SelectOp s) { return evalSelect(I, s); })
      // Float arithmetic.
      .Case([&](arith::AddFOp) {
        return floatBinary(I, op, [](double a, double b) { return a + b; });
      })
      .Case([&](arith::SubFOp) {
        return floatBinary(I, op, [](double a, double b) { return a - b; });
      })
      .Case([&](arith::MulFOp) {
        return floatBinary(I, op, [](double a, double b) { return a * b; });
      })
      .Case([&](arith::DivFOp) {
        return floatBinary(I, op, [](double a, double b) { return a / b; });
      })
      .Case([&](arith::RemFOp) {
        return floatBinary(I, op,
                           [](double a, double b) { return std::fmod(a, b); });
      })
      .Case([&](arith::NegFOp) {
        return floatUnary(I, op, [](double a) { return -a; });
      })
      .Case([&](arith::MaxNumFOp) { return floatBinary(I, op, maxNum); })
      .Case([&](arith::MinNumFOp) { return floatBinary(I, op, minNum); })
      .Case([&](arith::MaximumFOp) { return floatBinary(I, op, maximum); })
      .Case([&](arith::MinimumFOp) { return floatBinary(I, op, minimum); })
      // Integer arithmetic.
      .Case([&](arith::AddIOp) {
        return intBinary(I, op, [](int64_t a, int64_t b, unsigned) {
          return static_cast<uint64_t>(a) + static_cast<uint64_t>(b);
        });
      })
      .Case([&](arith::SubIOp) {
        return intBinary(I, op, [](int64_t a, int64_t b, unsigned) {
          return static_cast<uint64_t>(a) - static_cast<uint64_t>(b);
        });
      })
      .Case([&](arith::MulIOp) {
        return intBinary(I, op, [](int64_t a, int64_t b, unsigned) {
          return static_cast<uint64_t>(a) * static_cast<uint64_t>(b);
        });
      })
      .Case([&](arith::DivSIOp) {
        return intDivision(I, op, DivisionResult::Quotient, [](int64_t a, int64_t b, unsigned w) {
          return static_cast<uint64_t>(
              truncatingQuotient(signedValue(a, w), signedValue(b, w)));
        });
      })
      .Case([&](arith::DivUIOp) {
        return intDivision(I, op, DivisionResult::Quotient, [](int64_t a, int64_t b, unsigned w) {
          return unsignedValue(a, w) / unsignedValue(b, w);
        });
      })
      .Case([&](arith::RemSIOp) {
        return intDivision(I, op, DivisionResult::Remainder, [](int64_t a, int64_t b, unsigned w) {
          return static_cast<uint64_t>(
              truncatingRemainder(signedValue(a, w), signedValue(b, w)));
        });
      })
      .Case([&](arith::RemUIOp) {
        return intDivision(I, op, DivisionResult::Remainder, [](int64_t a, int64_t b, unsigned w) {
          return unsignedValue(a, w) % unsignedValue(b, w);
        });
      })
      .Case([&](arith::CeilDivSIOp) {
        return intDivision(I, op, DivisionResult::Quotient, [](int64_t a, int64_t b, unsigned w) {
          int64_t x = signedValue(a, w), y = signedValue(b, w);
          int64_t q = truncatingQuotient(x, y);
          int64_t r = truncatingRemainder(x, y);
          // Round up when the exact quotient is positive and inexact.
          if (r != 0 && (r > 0) == (y > 0))
            ++q;
          return static_cast<uint64_t>(q);
        });
      })
      .Case([&](arith::CeilDivUIOp) {
        return intDivision(I, op, DivisionResult::Quotient, [](int64_t a, int64_t b, unsigned w) {
          uint64_t x = unsignedValue(a, w), y = unsignedValue(b, w);
          return x / y + (x % y != 0);
        });
      })
      .Case([&](arith::FloorDivSIOp) {
        return intDivision(I, op, DivisionResult::Quotient, [](int64_t a, int64_t b, unsigned w) {
          int64_t x = signedValue(a, w), y = signedValue(b, w);
          int64_t q = truncatingQuotient(x, y);
          int64_t r = truncatingRemainder(x, y);
          // Round down when the exact quotient is negative and inexact.
          if (r != 0 && (r < 0) != (y < 0))
            --q;
          return static_cast<uint64_t>(q);
        });
      })
      .Case([&](arith::AndIOp) {
        return intBinary(I, op, [](int64_t a, int64_t b, unsigned) {
          return static_cast<uint64_t>(a & b);
        });
      })
      .Case([&](arith::OrIOp) {
        return intBinary(I, op, [](int64_t a, int64_t b, unsigned) {
          return static_cast<uint64_t>(a | b);
        });
      })
      .Case([&](arith::XOrIOp) {
        return intBinary(I, op, [](int64_t a, int64_t b, unsigned) {
          return static_cast<uint64_t>(a ^ b);
        });
      })
      .Case([&](arith::ShLIOp) { return intBinary(I, op, shiftLeft); })
      .Case(
          [&](arith::ShRUIOp) { return intBinary(I, op, shiftRightUnsigned); })
      .Case([&](arith::ShRSIOp) { return intBinary(I, op, shiftRightSigned); })
      .Case([&](arith::MaxSIOp) {
        return intBinary(I, op, [](int64_t a, int64_t b, unsigned w) {
          return static_cast<uint64_t>(
              signedValue(a, w) >= signedValue(b, w) ? a : b);
        });
      })
      .Case([&](arith::MinSIOp) {
        return intBinary(I, op, [](int64_t a, int64_t b, unsigned w) {
          return static_cast<uint64_t>(
              signedValue(a, w) <= signedValue(b, w) ? a : b);
        });
      })
      .Case([&](arith::MaxUIOp) {
        return intBinary(I, op, [](int64_t a, int64_t b, unsigned w) {
          return std::max(unsignedValue(a, w), unsignedValue(b, w));
        });
      })
      .Case([&](arith::MinUIOp) {
        return intBinary(I, op, [](int64_t a, int64_t b, unsigned w) {
          return std::min(unsignedValue(a, w), unsignedValue(b, w));
        });
      })
      // Conversions.
      .Case([&](arith::ExtFOp) { return convert(I, op, extendFloat); })
      .Case([&](arith::TruncFOp t) { return evalTruncF(I, t); })
      .Case([&](arith::SIToFPOp) { return convert(I, op, signedToFloat); })
      .Case([&](arith::UIToFPOp) { return convert(I, op, unsignedToFloat); })
      .Case([&](arith::FPToSIOp) { return convert(I, op, floatToSigned); })
      .Case([&](arith::FPToUIOp) { return convert(I, op, floatToUnsigned); })
      .Case<arith::ExtSIOp, arith::TruncIOp, arith::IndexCastOp>(
          [&](Operation *) { return convert(I, op, extendSigned); })
      .Case<arith::ExtUIOp, arith::IndexCastUIOp>(
          [&](Operation *) { return convert(I, op, extendUnsigned); })
      .Case([&](arith::BitcastOp) { return convert(I, op, bitcastElem); })
      .Default([&](Operation *) { return I.unsupported(&op); });
}
