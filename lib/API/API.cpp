//===- API.cpp - the exception-throwing surface of libFlashTile -----------===//
//
// Turns the driver's error strings into flashtile::api::Error. This file is
// compiled with -fexceptions; nothing it calls unwinds through MLIR code.
//
//===----------------------------------------------------------------------===//

#include "flashtile/API/API.h"

#include "Driver.h"

#include <mutex>

namespace flashtile::api {

Kernel::~Kernel() = default;

namespace {

/// A compiled kernel: owns its MLIRContext (through detail::Module). Calls on
/// one kernel are serialized by `mutex`; distinct kernels run concurrently.
class CompiledKernel final : public Kernel {
public:
  CompiledKernel(std::string name, std::unique_ptr<detail::Module> module)
      : kernelName(std::move(name)), module(std::move(module)) {}

  const std::string &name() const override { return kernelName; }

  std::string tileIR() const override { return module->ir(); }

  void runOnCpu(std::array<int64_t, 3> grid, const std::vector<CpuArg> &args,
                const std::vector<std::string> &argNames) const override {
    std::string error;
    bool ok;
    {
      std::lock_guard<std::mutex> lock(mutex);
      ok = module->runOnCpu(grid, args, argNames, error);
    }
    if (!ok)
      throw Error(error);
  }

private:
  std::string kernelName;
  std::unique_ptr<detail::Module> module;
  mutable std::mutex mutex;
};

} // namespace

std::vector<Param> kernelParams(const std::string &source,
                                const std::string &filename,
                                const std::string &kernel) {
  std::vector<Param> params;
  std::string error;
  if (!detail::listParams(source, filename, kernel, params, error))
    throw Error(error);
  return params;
}

std::unique_ptr<Kernel> compile(const std::string &source,
                                const std::string &filename,
                                const std::string &kernel,
                                const Specialization &spec,
                                const CompileOptions &options) {
  std::string error;
  std::unique_ptr<detail::Module> module =
      detail::Module::compile(source, filename, kernel, spec, options, error);
  if (!module)
    throw Error(error);
  return std::make_unique<CompiledKernel>(kernel, std::move(module));
}

std::unique_ptr<Kernel> loadTileIR(const std::string &ir,
                                   const std::string &kernel) {
  std::string error;
  std::unique_ptr<detail::Module> module =
      detail::Module::parse(ir, kernel, error);
  if (!module)
    throw Error(error);
  return std::make_unique<CompiledKernel>(kernel, std::move(module));
}

} // namespace flashtile::api
