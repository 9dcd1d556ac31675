//===- Driver.h - the MLIR side of libFlashTile -----------------*- C++ -*-===//
//
// Internal to lib/API. API.cpp is the exception-throwing boundary and must
// not unwind through MLIR/LLVM frames (they are built with -fno-exceptions),
// so all MLIR work lives in Driver.cpp, which reports failures as strings.
// This header names no MLIR type, so API.cpp needs no MLIR headers.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_API_DRIVER_H
#define FLASHTILE_LIB_API_DRIVER_H

#include "flashtile/API/API.h"

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace flashtile::api::detail {

/// Lists the parameters of `kernel`. Returns false and fills `error` (the
/// front end's formatted diagnostics) on failure.
bool listParams(const std::string &source, const std::string &filename,
                const std::string &kernel, std::vector<Param> &params,
                std::string &error);

/// What a CUDA compile produces besides the tile IR: everything a launch
/// needs. Plain data, so that API.cpp can keep, persist and reload it.
struct CudaBinary {
  std::string ptx;
  int arch = 80;
  int numWarps = 4;
  int numStages = 2;
  /// Dynamic shared memory per launch (the module's `tilegpu.shared`).
  int sharedBytes = 0;
  /// Types of the PTX entry's parameters, in order: "ptr" (a 64-bit global
  /// address), "i1", "i8", "i16", "i32", "i64", "f32" or "f64".
  std::vector<std::string> paramTypes;
};

/// One optimized kernel with the MLIRContext that owns its IR.
///
/// Every Module owns a private MLIRContext (created with threading disabled)
/// so that kernels are independent: compiles of different kernels may run
/// concurrently, and destroying a Kernel frees all of its IR. A context is
/// not thread-safe without its own locking, so callers serialize the calls
/// on one Module (API.cpp holds a mutex per Kernel).
class Module {
public:
  ~Module();

  /// Front end + `tile-optimize`. With `cuda` non-null (a CUDA compile,
  /// options.target == "cuda" with a valid options.arch), a copy of the
  /// optimized module then runs flashtile::buildNvidiaPipeline and is
  /// translated to PTX, filling `cuda`. Returns null and fills `error` on
  /// failure.
  static std::unique_ptr<Module> compile(const std::string &source,
                                         const std::string &filename,
                                         const std::string &kernel,
                                         const Specialization &spec,
                                         const CompileOptions &options,
                                         CudaBinary *cuda, std::string &error);

  /// Parses and verifies tile IR printed by `ir()`.
  static std::unique_ptr<Module> parse(const std::string &ir,
                                       const std::string &kernel,
                                       std::string &error);

  /// The optimized module, printed with its source locations (so that a
  /// module reloaded from the cache still reports DSL file:line:col).
  const std::string &ir() const;

  /// Runs the kernel on the CPU executor. Returns false and fills `error`.
  bool runOnCpu(std::array<int64_t, 3> grid, const std::vector<CpuArg> &args,
                const std::vector<std::string> &argNames, std::string &error,
                const std::function<bool()> &interrupted = {},
                uint64_t stepLimit = 0) const;

private:
  struct State;
  explicit Module(std::unique_ptr<State> state);
  std::unique_ptr<State> state;
};

} // namespace flashtile::api::detail

#endif // FLASHTILE_LIB_API_DRIVER_H
