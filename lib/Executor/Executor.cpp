//===- Executor.cpp - run a tile kernel over a grid of programs -----------===//
//
// Binds the kernel arguments (buffers become the base addresses of their
// regions, numbers are converted to the parameter types), then runs the
// program instances one after another, x fastest, then y, then z.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Executor/Executor.h"

#include "Interpreter.h"
#include "Numerics.h"

#include "flashtile/Dialect/Tile/IR/TileDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::exec;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// "2 were", "1 was"; with a noun, "2 buffers were", "1 buffer was".
static std::string countWas(size_t count, llvm::StringRef noun = "") {
  std::string text = std::to_string(count);
  if (!noun.empty())
    text += " " + noun.str() + (count == 1 ? "" : "s");
  return text + (count == 1 ? " was" : " were");
}

static llvm::StringRef describeKind(KernelArg::Kind kind) {
  switch (kind) {
  case KernelArg::Kind::Buffer:
    return "a buffer";
  case KernelArg::Kind::Int:
    return "an integer";
  case KernelArg::Kind::Float:
    return "a float";
  }
  return "an unknown kind of argument";
}

/// The runtime value of argument `index` of `kernel`.
static llvm::Expected<RtValue> bindArgument(func::FuncOp kernel, unsigned index,
                                            const KernelArg &arg,
                                            size_t numBuffers) {
  Type type = kernel.getArgumentTypes()[index];
  std::string typeText;
  llvm::raw_string_ostream os(typeText);
  os << type;
  auto mismatch = [&](llvm::StringRef expected) {
    return makeError("argument " + llvm::Twine(index) + " of kernel '" +
                     kernel.getSymName() + "' has type " + typeText +
                     " and needs " + expected + ", but " +
                     describeKind(arg.kind) + " was given");
  };

  std::optional<ElemType> elem = ElemType::get(type);
  if (!elem || isa<ShapedType>(type))
    return makeError("argument " + llvm::Twine(index) + " of kernel '" +
                     kernel.getSymName() + "' has type " + typeText +
                     ", which cannot be passed to a kernel");
  if (elem->kind == ElemKind::Ptr) {
    if (arg.kind != KernelArg::Kind::Buffer)
      return mismatch("a buffer");
    if (arg.buffer < 0 || static_cast<size_t>(arg.buffer) >= numBuffers)
      return makeError("argument " + llvm::Twine(index) + " of kernel '" +
                       kernel.getSymName() + "' refers to buffer " +
                       llvm::Twine(arg.buffer) + ", but " +
                       countWas(numBuffers, "buffer") + " given");
    return RtValue::scalar(Elem::ofInt(static_cast<int64_t>(
        AddressSpace::baseAddress(static_cast<size_t>(arg.buffer)))));
  }
  if (elem->isInt()) {
    if (arg.kind != KernelArg::Kind::Int)
      return mismatch("an integer");
    return RtValue::scalar(
        Elem::ofInt(wrapInt(static_cast<uint64_t>(arg.intValue), elem->width)));
  }
  if (arg.kind != KernelArg::Kind::Float)
    return mismatch("a float");
  return RtValue::scalar(
      Elem::ofFloat(roundToKind(arg.floatValue, elem->kind)));
}

llvm::Error flashtile::exec::runKernel(func::FuncOp kernel,
                                       std::array<int64_t, 3> grid,
                                       llvm::ArrayRef<KernelArg> args,
                                       llvm::ArrayRef<HostBuffer> buffers,
                                       const RunControl &control) {
  if (!kernel)
    return makeError("no kernel to run");
  if (kernel.isExternal())
    return makeError("kernel '" + kernel.getSymName() + "' has no body");
  if (!kernel.getBody().hasOneBlock())
    return makeError("kernel '" + kernel.getSymName() +
                     "' has several blocks; only structured control flow "
                     "(scf) can run");
  // The evaluation relies on the invariants the verifiers establish (types
  // and shapes of operands agree); report their diagnostics as the error.
  std::string diagnostics;
  {
    ScopedDiagnosticHandler handler(kernel.getContext(), [&](Diagnostic &d) {
      llvm::raw_string_ostream os(diagnostics);
      os << "\n" << formatLocation(d.getLocation()) << ": " << d;
      return success();
    });
    if (failed(verify(kernel)))
      return makeError("kernel '" + kernel.getSymName() +
                       "' is not valid tile IR:" + diagnostics);
  }
  for (unsigned axis = 0; axis < 3; ++axis)
    if (grid[axis] < 0)
      return makeError("grid size " + llvm::Twine(grid[axis]) + " along axis " +
                       llvm::Twine(axis) + " is negative");

  AddressSpace memory(buffers);
  if (llvm::Error err = memory.validate())
    return err;

  unsigned numParams = kernel.getNumArguments();
  if (args.size() != numParams)
    return makeError("kernel '" + kernel.getSymName() + "' takes " +
                     llvm::Twine(numParams) + " arguments, but " +
                     countWas(args.size()) + " given");
  llvm::SmallVector<RtValue> values;
  for (unsigned i = 0; i < numParams; ++i) {
    llvm::Expected<RtValue> value =
        bindArgument(kernel, i, args[i], buffers.size());
    if (!value)
      return value.takeError();
    values.push_back(std::move(*value));
  }

  Interpreter interp(kernel, memory, grid, control);
  for (int64_t z = 0; z < grid[2]; ++z)
    for (int64_t y = 0; y < grid[1]; ++y)
      for (int64_t x = 0; x < grid[0]; ++x)
        if (llvm::Error err = interp.runProgram(values, {x, y, z}))
          return err;
  return llvm::Error::success();
}
