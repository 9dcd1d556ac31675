//===- ControlFlow.cpp - evaluation of the scf dialect --------------------===//
//
// scf.for (signed or unsigned bounds of any integer type or index), scf.if
// and scf.while; their regions are run through Interpreter::runBlock and the
// values of the terminating scf.yield/scf.condition flow to the next
// iteration or to the op's results.
//
//===----------------------------------------------------------------------===//

#include "Interpreter.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace flashtile::exec;

static void defineResults(Interpreter &interp, Operation *op,
                          llvm::ArrayRef<RtValue> values) {
  for (auto [result, value] : llvm::zip_equal(op->getResults(), values))
    interp.define(result, value);
}

static llvm::Error evalFor(Interpreter &interp, scf::ForOp op) {
  llvm::Expected<ElemType> ivType =
      interp.elemType(op, op.getInductionVar().getType());
  if (!ivType)
    return ivType.takeError();
  unsigned width = ivType->width;
  bool isUnsigned = op.getUnsignedCmp();
  // Bounds read as signed or unsigned per the op, then compared as such.
  auto read = [&](Value v) {
    int64_t stored = interp.get(v)[0].i;
    return isUnsigned ? unsignedValue(stored, width)
                      : static_cast<uint64_t>(signedValue(stored, width));
  };
  uint64_t lower = read(op.getLowerBound()), upper = read(op.getUpperBound());
  uint64_t step = read(op.getStep());
  bool positiveStep = isUnsigned ? step != 0 : static_cast<int64_t>(step) > 0;
  if (!positiveStep)
    return interp.fail(op, "invalid scf.for",
                       "the step " + llvm::Twine(static_cast<int64_t>(step)) +
                           " is not positive");
  auto below = [&](uint64_t iv) {
    return isUnsigned ? iv < upper
                      : static_cast<int64_t>(iv) < static_cast<int64_t>(upper);
  };

  // args = [iv, carried...]; the body's yield replaces the carried values.
  llvm::SmallVector<RtValue, 4> args;
  args.push_back(RtValue(1));
  for (Value init : op.getInitArgs())
    args.push_back(interp.get(init));
  llvm::SmallVector<RtValue, 4> yielded;
  Block &body = *op.getBody();
  for (uint64_t iv = lower; below(iv);) {
    args[0][0] = Elem::ofInt(wrapInt(iv, width));
    if (llvm::Error err = interp.runBlock(body, args, yielded))
      return err;
    std::move(yielded.begin(), yielded.end(), args.begin() + 1);
    // Stop rather than wrap around past the largest 64-bit value (the step
    // is positive, so wrapping is exactly a decrease).
    uint64_t next = iv + step;
    bool wrapped = isUnsigned
                       ? next < iv
                       : static_cast<int64_t>(next) < static_cast<int64_t>(iv);
    if (wrapped)
      break;
    iv = next;
  }
  defineResults(interp, op, llvm::ArrayRef<RtValue>(args).drop_front());
  return llvm::Error::success();
}

static llvm::Error evalIf(Interpreter &interp, scf::IfOp op) {
  bool condition = interp.get(op.getCondition())[0].i != 0;
  Region &region = condition ? op.getThenRegion() : op.getElseRegion();
  if (region.empty())
    return llvm::Error::success();
  llvm::SmallVector<RtValue, 4> yielded;
  if (llvm::Error err = interp.runBlock(region.front(), {}, yielded))
    return err;
  defineResults(interp, op, yielded);
  return llvm::Error::success();
}

static llvm::Error evalWhile(Interpreter &interp, scf::WhileOp op) {
  llvm::SmallVector<RtValue, 4> beforeArgs, conditionResults, afterResults;
  for (Value init : op.getInits())
    beforeArgs.push_back(interp.get(init));
  Block &before = op.getBefore().front(), &after = op.getAfter().front();
  while (true) {
    // conditionResults = [condition, forwarded...].
    if (llvm::Error err = interp.runBlock(before, beforeArgs, conditionResults))
      return err;
    llvm::ArrayRef<RtValue> forwarded =
        llvm::ArrayRef<RtValue>(conditionResults).drop_front();
    if (conditionResults[0][0].i == 0) {
      defineResults(interp, op, forwarded);
      return llvm::Error::success();
    }
    if (llvm::Error err = interp.runBlock(after, forwarded, afterResults))
      return err;
    std::swap(beforeArgs, afterResults);
  }
}

llvm::Error flashtile::exec::executeScfOp(Interpreter &interp, Operation &op) {
  return llvm::TypeSwitch<Operation *, llvm::Error>(&op)
      .Case([&](scf::ForOp f) { return evalFor(interp, f); })
      .Case([&](scf::IfOp i) { return evalIf(interp, i); })
      .Case([&](scf::WhileOp w) { return evalWhile(interp, w); })
      .Default([&](Operation *) { return interp.unsupported(&op); });
}
