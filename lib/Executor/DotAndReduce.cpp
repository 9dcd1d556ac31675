//===- DotAndReduce.cpp - evaluation of tile.dot and tile.reduce ----------===//
//
// tile.dot: every product is exact in double; the sum starts from the
// accumulator and adds the products for k = 0, 1, ... with a rounding to f32
// after each addition; the final value is rounded to the accumulator type.
// f32 operands are first rounded to tf32 unless input_precision is ieee.
// Integer operands accumulate exactly, wrapping to the accumulator's width.
//
// tile.reduce: a left fold along the axis, combining (acc, next) in index
// order with the combiner region, or with the identical arithmetic directly
// for the sum/max/min forms.
//
//===----------------------------------------------------------------------===//

#include "Elementwise.h"
#include "Numerics.h"

#include "flashtile/Dialect/Tile/IR/TileDialect.h"

#include <vector>

using namespace mlir;
using namespace flashtile;
using namespace flashtile::exec;

//===----------------------------------------------------------------------===//
// tile.dot
//===----------------------------------------------------------------------===//

namespace {
struct DotShape {
  int64_t m, n, k;
};
} // namespace

static void integerDot(const RtValue &a, const RtValue &b, const RtValue &acc,
                       RtValue &result, DotShape s, unsigned width) {
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      // Wrapping after every addition or once at the end is the same.
      uint64_t sum = static_cast<uint64_t>(acc[i * s.n + j].i);
      for (int64_t p = 0; p < s.k; ++p)
        sum += static_cast<uint64_t>(a[i * s.k + p].i * b[p * s.n + j].i);
      result[i * s.n + j] = Elem::ofInt(wrapInt(sum, width));
    }
  }
}

static void floatDot(const RtValue &a, const RtValue &b, const RtValue &acc,
                     RtValue &result, DotShape s, bool roundToTF32,
                     ElemKind accKind) {
  // Operands as contiguous rows of a and columns of b, rounded to tf32 where
  // asked, so that the inner loop walks two arrays.
  std::vector<double> lhs(s.m * s.k), rhs(s.n * s.k);
  auto operand = [&](double x) {
    return roundToTF32 ? roundToFormat(x, kTF32Format) : x;
  };
  for (int64_t i = 0; i < s.m * s.k; ++i)
    lhs[i] = operand(a[i].f);
  for (int64_t p = 0; p < s.k; ++p)
    for (int64_t j = 0; j < s.n; ++j)
      rhs[j * s.k + p] = operand(b[p * s.n + j].f);

  for (int64_t i = 0; i < s.m; ++i) {
    const double *row = &lhs[i * s.k];
    for (int64_t j = 0; j < s.n; ++j) {
      const double *column = &rhs[j * s.k];
      auto sum = static_cast<float>(acc[i * s.n + j].f);
      for (int64_t p = 0; p < s.k; ++p)
        sum = static_cast<float>(addRoundToOdd(sum, row[p] * column[p]));
      result[i * s.n + j] = Elem::ofFloat(roundToKind(sum, accKind));
    }
  }
}

/// Whether products of `operand` elements are exact in double and their f32
/// (or integer) sums are what the accumulator `acc` holds.
static bool isSupportedDot(ElemType operand, ElemType acc) {
  bool narrowFloat = operand.kind == ElemKind::F16 ||
                     operand.kind == ElemKind::BF16 ||
                     operand.kind == ElemKind::F32;
  bool floatAcc = acc.kind == ElemKind::F16 || acc.kind == ElemKind::BF16 ||
                  acc.kind == ElemKind::F32;
  if (narrowFloat)
    return floatAcc;
  return operand.isInt() && operand.width <= 32 && acc.isInt();
}

llvm::Error flashtile::exec::executeDot(Interpreter &interp, tile::DotOp op) {
  auto aType = op.getA().getType(), bType = op.getB().getType();
  llvm::Expected<ElemType> operand = interp.elemType(op, aType);
  if (!operand)
    return operand.takeError();
  llvm::Expected<ElemType> accType = interp.elemType(op, op.getType());
  if (!accType)
    return accType.takeError();
  if (!isSupportedDot(*operand, *accType) ||
      bType.getElementType() != aType.getElementType())
    return interp.fail(op, "unsupported tile.dot",
                       "no exact evaluation for these element types");

  DotShape shape{aType.getDimSize(0), bType.getDimSize(1), aType.getDimSize(1)};
  const RtValue &a = interp.get(op.getA());
  const RtValue &b = interp.get(op.getB());
  const RtValue &acc = interp.get(op.getAcc());
  RtValue &result = interp.define(op.getResult(), shape.m * shape.n);
  if (operand->isInt()) {
    integerDot(a, b, acc, result, shape, accType->width);
    return llvm::Error::success();
  }
  bool roundToTF32 = operand->kind == ElemKind::F32 &&
                     op.getInputPrecision() == tile::InputPrecision::tf32;
  floatDot(a, b, acc, result, shape, roundToTF32, accType->kind);
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// tile.reduce
//===----------------------------------------------------------------------===//

namespace {
/// A reduction of `src` along one axis, viewed as [outer, length, inner].
struct ReduceShape {
  int64_t outer = 1, length = 1, inner = 1;

  ReduceShape(llvm::ArrayRef<int64_t> shape, int64_t axis) {
    for (int64_t d = 0; d < axis; ++d)
      outer *= shape[d];
    length = shape[axis];
    for (int64_t d = axis + 1, e = shape.size(); d < e; ++d)
      inner *= shape[d];
  }

  /// Calls `result[o * inner + i] = fold(src[o, 0, i], src[o, 1, i], ...)`
  /// with `combine(acc, next)`; stops at the first error.
  template <typename Combine>
  llvm::Error fold(const RtValue &src, RtValue &result, Combine combine) const {
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        const Elem *first = &src[o * length * inner + i];
        Elem acc = first[0];
        for (int64_t r = 1; r < length; ++r)
          if (llvm::Error err = combine(acc, first[r * inner]))
            return err;
        result[o * inner + i] = acc;
      }
    }
    return llvm::Error::success();
  }
};
} // namespace

/// The combiner for the short forms, with the arithmetic of the arith op
/// that the region holds (addf/addi, maxnumf/maxsi, minnumf/minsi).
static llvm::Error foldKnownKind(const ReduceShape &shape, const RtValue &src,
                                 RtValue &result, tile::ReduceKind kind,
                                 ElemType elem) {
  unsigned width = elem.width;
  ElemKind floatKind = elem.kind;
  auto ok = [] { return llvm::Error::success(); };
  if (elem.isFloat()) {
    switch (kind) {
    case tile::ReduceKind::Sum:
      return shape.fold(src, result, [&](Elem &acc, Elem x) {
        acc.f = roundToKind(acc.f + x.f, floatKind);
        return ok();
      });
    case tile::ReduceKind::Max:
      return shape.fold(src, result, [&](Elem &acc, Elem x) {
        acc.f = maxNum(acc.f, x.f);
        return ok();
      });
    case tile::ReduceKind::Min:
      return shape.fold(src, result, [&](Elem &acc, Elem x) {
        acc.f = minNum(acc.f, x.f);
        return ok();
      });
    }
  }
  switch (kind) {
  case tile::ReduceKind::Sum:
    return shape.fold(src, result, [&](Elem &acc, Elem x) {
      acc.i = wrapInt(static_cast<uint64_t>(acc.i) + static_cast<uint64_t>(x.i),
                      width);
      return ok();
    });
  case tile::ReduceKind::Max:
    return shape.fold(src, result, [&](Elem &acc, Elem x) {
      if (signedValue(x.i, width) > signedValue(acc.i, width))
        acc = x;
      return ok();
    });
  case tile::ReduceKind::Min:
    return shape.fold(src, result, [&](Elem &acc, Elem x) {
      if (signedValue(x.i, width) < signedValue(acc.i, width))
        acc = x;
      return ok();
    });
  }
  return ok();
}

llvm::Error flashtile::exec::executeReduce(Interpreter &interp,
                                           tile::ReduceOp op) {
  auto srcType = op.getSrc().getType();
  llvm::Expected<ElemType> elem = interp.elemType(op, srcType);
  if (!elem)
    return elem.takeError();
  ReduceShape shape(srcType.getShape(), op.getAxis());
  if (shape.length == 0 && shape.outer * shape.inner > 0)
    return interp.fail(op, "invalid tile.reduce",
                       "the reduced axis is empty, so there is no value");
  const RtValue &src = interp.get(op.getSrc());
  RtValue &result = interp.define(op.getResult(), shape.outer * shape.inner);
  if (std::optional<tile::ReduceKind> kind = op.getKind())
    return foldKnownKind(shape, src, result, *kind, *elem);

  Block &combiner = op.getCombiner().front();
  llvm::SmallVector<RtValue, 2> args(2, RtValue(1));
  llvm::SmallVector<RtValue, 1> combined;
  return shape.fold(src, result, [&](Elem &acc, Elem x) -> llvm::Error {
    args[0][0] = acc;
    args[1][0] = x;
    if (llvm::Error err = interp.runBlock(combiner, args, combined))
      return err;
    acc = combined[0][0];
    return llvm::Error::success();
  });
}
