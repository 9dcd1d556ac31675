//===- Interpreter.cpp - the executor's evaluation engine -----------------===//

#include "Interpreter.h"

#include "mlir/IR/Location.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace flashtile::exec;

Interpreter::Interpreter(func::FuncOp kernel, const AddressSpace &memory,
                         std::array<int64_t, 3> grid, const RunControl &control)
    : kernel(kernel), addressSpace(memory), grid(grid), control(control) {
  // One slot per SSA value, assigned once, so that references to values stay
  // valid however many others are defined while they are in use.
  auto addSlot = [&](Value v) {
    slotOf.try_emplace(v, static_cast<unsigned>(slotOf.size()));
  };
  kernel->walk([&](Block *block) {
    for (BlockArgument arg : block->getArguments())
      addSlot(arg);
  });
  kernel->walk([&](Operation *op) {
    for (Value result : op->getResults())
      addSlot(result);
  });
  slots.resize(slotOf.size());
}

llvm::Error Interpreter::runProgram(llvm::ArrayRef<RtValue> args,
                                    std::array<int64_t, 3> programId) {
  pid = programId;
  llvm::SmallVector<RtValue, 1> results;
  return runBlock(kernel.getBody().front(), args, results);
}

llvm::Error Interpreter::runBlock(Block &block, llvm::ArrayRef<RtValue> args,
                                  llvm::SmallVectorImpl<RtValue> &results) {
  for (auto [arg, value] : llvm::zip_equal(block.getArguments(), args))
    define(arg, value);
  Operation *terminator =
      block.mightHaveTerminator() ? block.getTerminator() : nullptr;
  for (Operation &op : block) {
    if (&op == terminator)
      break;
    if (llvm::Error err = execute(op))
      return err;
  }
  results.clear();
  if (!terminator)
    return llvm::Error::success();
  StringRef name = terminator->getName().getStringRef();
  if (name != "scf.yield" && name != "scf.condition" &&
      name != "tile.reduce_return" && name != "func.return")
    return unsupported(terminator);
  for (Value operand : terminator->getOperands())
    results.push_back(get(operand));
  return llvm::Error::success();
}

llvm::Error Interpreter::checkProgress(Operation &op) {
  ++steps;
  if (control.stepLimit != 0 && steps > control.stepLimit)
    return fail(&op, "step limit reached",
                "the run executed " + llvm::Twine(control.stepLimit) +
                    " operations (FLASHTILE_CPU_STEP_LIMIT); the kernel may "
                    "not terminate");
  if (control.interrupted && steps % RunControl::kPollInterval == 0 &&
      control.interrupted())
    return fail(&op, "interrupted", "the run was stopped");
  return llvm::Error::success();
}

llvm::Error Interpreter::execute(Operation &op) {
  if (llvm::Error err = checkProgress(op))
    return err;
  StringRef dialect = op.getName().getDialectNamespace();
  if (dialect == "arith")
    return executeArithOp(*this, op);
  if (dialect == "math")
    return executeMathOp(*this, op);
  if (dialect == "tile")
    return executeTileOp(*this, op);
  if (dialect == "scf")
    return executeScfOp(*this, op);
  return unsupported(&op);
}

std::string flashtile::exec::formatLocation(Location loc) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto file = loc->findInstanceOf<FileLineColLoc>())
    os << file.getFilename().getValue() << ':' << file.getLine() << ':'
       << file.getColumn();
  else
    loc.print(os);
  return text;
}

llvm::Error Interpreter::fail(Operation *op, const llvm::Twine &headline,
                              const llvm::Twine &detail) const {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << headline << " at " << formatLocation(op->getLoc()) << ": " << detail
     << " in program (" << pid[0] << ", " << pid[1] << ", " << pid[2] << ")";
  return llvm::createStringError(llvm::inconvertibleErrorCode(), text);
}

llvm::Error Interpreter::unsupported(Operation *op) const {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "unsupported operation '" +
                                     op->getName().getStringRef() + "' at " +
                                     formatLocation(op->getLoc()));
}

llvm::Expected<ElemType> Interpreter::elemType(Operation *op, Type type) const {
  if (std::optional<ElemType> elem = ElemType::get(type))
    return *elem;
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "values of type " << type << " cannot be represented";
  return fail(op, "unsupported type in " + op->getName().getStringRef(), text);
}
