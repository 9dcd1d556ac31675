//===- KernelTest.h - fixture for running hand-written tile IR --*- C++ -*-===//
//
// Parses a module holding one kernel and runs it with the reference executor
// on host buffers owned by the test.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_UNITTESTS_EXECUTOR_KERNELTEST_H
#define FLASHTILE_UNITTESTS_EXECUTOR_KERNELTEST_H

#include "flashtile/Executor/Executor.h"
#include "flashtile/InitAll.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

#include <string>
#include <utility>
#include <vector>

namespace flashtile::exec::testing {

class KernelTest : public ::testing::Test {
public:
  KernelTest() {
    mlir::DialectRegistry registry;
    registerAllDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// Parses `source`, a module holding one func.func, and returns that
  /// kernel (null if it does not parse).
  mlir::func::FuncOp parse(const std::string &source) {
    module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
    if (!module)
      return {};
    auto kernels = module->getOps<mlir::func::FuncOp>();
    return kernels.empty() ? mlir::func::FuncOp() : *kernels.begin();
  }

  /// Parses `source` and runs its kernel. Returns "" on success, else the
  /// error message.
  std::string run(const std::string &source, std::array<int64_t, 3> grid,
                  llvm::ArrayRef<KernelArg> args,
                  llvm::ArrayRef<HostBuffer> buffers) {
    mlir::func::FuncOp kernel = parse(source);
    if (!kernel)
      return "<the test's IR does not parse>";
    llvm::Error err = runKernel(kernel, grid, args, buffers);
    return err ? llvm::toString(std::move(err)) : "";
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

/// A buffer viewing `data`, named `name` in error messages.
template <typename T>
HostBuffer bufferOf(std::vector<T> &data, std::string name) {
  return {data.data(), static_cast<int64_t>(data.size() * sizeof(T)),
          std::move(name)};
}

/// `text` with every occurrence of each key replaced by its value (IR
/// templates; MLIR's braces rule out printf-style formatting).
inline std::string
substitute(std::string text,
           std::initializer_list<std::pair<std::string, std::string>> pairs) {
  for (const auto &[key, value] : pairs)
    for (size_t at = text.find(key); at != std::string::npos;
         at = text.find(key, at + value.size()))
      text.replace(at, key.size(), value);
  return text;
}

} // namespace flashtile::exec::testing

#endif // FLASHTILE_UNITTESTS_EXECUTOR_KERNELTEST_H
