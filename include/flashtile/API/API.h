//===- API.h - FlashTile's C++ API for bindings and AOT users ---*- C++ -*-===//
//
// The stable, MLIR-free surface of libFlashTile.so: compile a DSL kernel,
// inspect its IR, run it on the CPU executor. The Python binding is a thin
// pybind11 layer over this header alone, so it builds in seconds on a machine
// that has no LLVM/MLIR headers (the GPU machine). Errors are thrown as
// flashtile::api::Error with a fully formatted message.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_API_API_H
#define FLASHTILE_API_API_H

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace flashtile::api {

/// Every failure: compile errors (file:line:col, source line and caret),
/// bad arguments, executor faults.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A compile-time value: None, int, float, bool, or a dtype name.
using Constexpr = std::variant<std::monostate, int64_t, double, bool, std::string>;

struct Param {
  std::string name;
  /// "pointer", "int", "float", "constexpr" or "untyped".
  std::string kind;
  /// Declared type ("*f16", "*", "i32", "i64", "f32"); empty if none.
  std::string type;
  std::optional<Constexpr> defaultValue;
};

/// The parameters of `kernel` in DSL module `source` (read from `filename`).
std::vector<Param> kernelParams(const std::string &source,
                                const std::string &filename,
                                const std::string &kernel);

struct Specialization {
  std::map<std::string, Constexpr> constexprs;
  /// Parameter name -> type ("*f16", "*bf16", "*f32", "i32", "i64", "f32").
  std::map<std::string, std::string> argTypes;
  std::set<std::string> divisibleBy16;
};

struct CompileOptions {
  /// Print the IR after every pass to stderr (also FLASHTILE_DUMP_IR=1).
  bool dumpIR = false;
};

/// A CPU-executor argument.
struct CpuArg {
  enum class Kind { Buffer, Int, Float } kind = Kind::Int;
  void *data = nullptr;      // Buffer: start of the host buffer
  int64_t sizeBytes = 0;     // Buffer: its size
  int64_t intValue = 0;      // Int
  double floatValue = 0.0;   // Float
};

class Kernel {
public:
  virtual ~Kernel();
  virtual const std::string &name() const = 0;
  /// The optimized tile IR (after the `tile-optimize` pipeline), textual.
  virtual std::string tileIR() const = 0;
  /// Runs on the CPU executor; `args` follow the kernel's non-constexpr
  /// parameters in order, `argNames` name them for error messages.
  virtual void runOnCpu(std::array<int64_t, 3> grid,
                        const std::vector<CpuArg> &args,
                        const std::vector<std::string> &argNames) const = 0;
};

/// Compiles `kernel` from `source`, specialised by `spec`, through the front
/// end and the `tile-optimize` pipeline.
std::unique_ptr<Kernel> compile(const std::string &source,
                                const std::string &filename,
                                const std::string &kernel,
                                const Specialization &spec,
                                const CompileOptions &options = {});

/// Rebuilds a kernel from the text `Kernel::tileIR()` produced (the on-disk
/// cache). Throws Error if the text does not parse or verify.
std::unique_ptr<Kernel> loadTileIR(const std::string &ir,
                                   const std::string &kernel);

/// Version string included in cache keys; changes whenever the compiler does.
std::string compilerVersion();

} // namespace flashtile::api

#endif // FLASHTILE_API_API_H
