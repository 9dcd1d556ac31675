//===- TileOps.cpp - evaluation of tile's block and pointer operations ----===//
//
// Program identity, block creation and reshaping, and pointer arithmetic;
// the memory, dot and reduce operations are forwarded to their own files.
//
//===----------------------------------------------------------------------===//

#include "Interpreter.h"

#include "flashtile/Dialect/Tile/IR/TileDialect.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::exec;

static llvm::Error evalMakeRange(Interpreter &interp, tile::MakeRangeOp op) {
  int64_t start = op.getStart(), end = op.getEnd();
  RtValue &result = interp.define(op.getResult(), end - start);
  for (int64_t i = start; i < end; ++i)
    result[i - start] = Elem::ofInt(i);
  return llvm::Error::success();
}

static llvm::Error evalSplat(Interpreter &interp, tile::SplatOp op) {
  Elem value = interp.get(op.getSrc())[0];
  RtValue &result =
      interp.define(op.getResult(), numElementsOf(op.getResult().getType()));
  std::fill(result.begin(), result.end(), value);
  return llvm::Error::success();
}

/// A copy of the source elements in the same row-major order.
static llvm::Error copyElements(Interpreter &interp, Value src, Value dst) {
  interp.define(dst, interp.get(src));
  return llvm::Error::success();
}

/// dst[index] = src[sum(index[d] * srcStrides[d])].
static llvm::Error gather(Interpreter &interp, Value src, Value dst,
                          llvm::ArrayRef<int64_t> srcStrides) {
  llvm::ArrayRef<int64_t> shape = shapeOf(dst.getType());
  const RtValue &source = interp.get(src);
  RtValue &result = interp.define(dst, numElementsOf(dst.getType()));
  forEachStrided(shape, srcStrides,
                 [&](int64_t to, int64_t from) { result[to] = source[from]; });
  return llvm::Error::success();
}

static llvm::Error evalBroadcast(Interpreter &interp, tile::BroadcastOp op) {
  llvm::ArrayRef<int64_t> srcShape = op.getSrc().getType().getShape();
  llvm::SmallVector<int64_t, 4> strides = rowMajorStrides(srcShape);
  // A unit dimension repeats its only element.
  for (auto [stride, size] : llvm::zip_equal(strides, srcShape))
    if (size == 1)
      stride = 0;
  return gather(interp, op.getSrc(), op.getResult(), strides);
}

static llvm::Error evalTrans(Interpreter &interp, tile::TransOp op) {
  llvm::SmallVector<int64_t, 4> srcStrides =
      rowMajorStrides(op.getSrc().getType().getShape());
  // Result dimension i walks source dimension order[i].
  llvm::SmallVector<int64_t, 4> strides;
  for (int32_t d : op.getOrder())
    strides.push_back(srcStrides[d]);
  return gather(interp, op.getSrc(), op.getResult(), strides);
}

static llvm::Error evalAddPtr(Interpreter &interp, tile::AddPtrOp op) {
  auto pointer = cast<tile::PointerType>(
      tile::getElementTypeOrSelf(op.getPtr().getType()));
  uint64_t elementSize =
      (pointer.getPointeeType().getIntOrFloatBitWidth() + 7) / 8;
  llvm::Expected<ElemType> offsetType =
      interp.elemType(op, op.getOffset().getType());
  if (!offsetType)
    return offsetType.takeError();
  unsigned width = offsetType->width;
  const RtValue &ptrs = interp.get(op.getPtr());
  const RtValue &offsets = interp.get(op.getOffset());
  RtValue &result = interp.define(op.getResult(), ptrs.size());
  for (size_t i = 0, e = ptrs.size(); i < e; ++i) {
    // An offset whose bytes or sum overflow 64 bits gives the null address,
    // which lies in no buffer: accessing it is reported (instead of wrapping
    // back into a buffer); an overflowed pointer nothing reads is harmless.
    int64_t delta = 0, address = 0;
    if (__builtin_mul_overflow(signedValue(offsets[i].i, width),
                               static_cast<int64_t>(elementSize), &delta) ||
        __builtin_add_overflow(ptrs[i].i, delta, &address))
      address = 0;
    result[i] = Elem::ofInt(address);
  }
  return llvm::Error::success();
}

llvm::Error flashtile::exec::executeTileOp(Interpreter &interp, Operation &op) {
  using llvm::Error;
  Interpreter &I = interp;
  return llvm::TypeSwitch<Operation *, Error>(&op)
      .Case([&](tile::ProgramIdOp p) {
        I.define(p.getResult(), 1)[0] =
            Elem::ofInt(wrapInt(I.programId(p.getAxis()), 32));
        return Error::success();
      })
      .Case([&](tile::NumProgramsOp p) {
        I.define(p.getResult(), 1)[0] =
            Elem::ofInt(wrapInt(I.numPrograms(p.getAxis()), 32));
        return Error::success();
      })
      .Case([&](tile::MakeRangeOp r) { return evalMakeRange(I, r); })
      .Case([&](tile::SplatOp s) { return evalSplat(I, s); })
      .Case([&](tile::BroadcastOp b) { return evalBroadcast(I, b); })
      .Case<tile::ExpandDimsOp, tile::ReshapeOp, tile::HintOp>([&](Operation *) {
        return copyElements(I, op.getOperand(0), op.getResult(0));
      })
      .Case([&](tile::TransOp t) { return evalTrans(I, t); })
      .Case([&](tile::AddPtrOp a) { return evalAddPtr(I, a); })
      .Case([&](tile::LoadOp l) { return executeLoad(I, l); })
      .Case([&](tile::StoreOp s) { return executeStore(I, s); })
      .Case([&](tile::AtomicRMWOp a) { return executeAtomicRMW(I, a); })
      .Case([&](tile::DotOp d) { return executeDot(I, d); })
      .Case([&](tile::ReduceOp r) { return executeReduce(I, r); })
      .Default([&](Operation *) { return I.unsupported(&op); });
}
