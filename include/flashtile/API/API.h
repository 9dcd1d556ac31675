//===- API.h - FlashTile's C++ API for bindings and AOT users ---*- C++ -*-===//
//
// The stable, MLIR-free surface of libFlashTile.so: compile a DSL kernel for
// the CPU executor or an NVIDIA GPU (PTX), inspect its IR, run it on the CPU
// executor or launch it on a CUDA stream, persist and reload it. The Python
// binding is a thin
// pybind11 layer over this header alone, so it builds in seconds on a machine
// that has no LLVM/MLIR headers (the GPU machine). Errors are thrown as
// flashtile::api::Error with a fully formatted message.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_API_API_H
#define FLASHTILE_API_API_H

#include <array>
#include <cstdint>
#include <functional>
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
  /// Integer parameters specialised as the constant 1.
  std::set<std::string> equalTo1;
};

struct CompileOptions {
  /// Print the IR after every pass to stderr (also FLASHTILE_DUMP_IR=1);
  /// a CUDA compile also prints the PTX.
  bool dumpIR = false;
  /// "cpu": tile IR for the CPU executor. "cuda": tile IR, then the NVIDIA
  /// pipeline (flashtile::buildNvidiaPipeline, `tile-to-nvvm`) and PTX.
  std::string target = "cpu";
  /// CUDA compute capability as major * 10 + minor: 75, 80, 86, 89 or 90
  /// (sm_90 runs the Ampere code path: mma.sync, ldmatrix, cp.async). 0 picks
  /// the current device's (cudaDeviceArch()), or 80 when there is no GPU.
  int arch = 0;
  /// Warps per program instance (a power of two, 1..32).
  int numWarps = 4;
  /// Software-pipelining depth of loads in loops (1: none).
  int numStages = 2;
};

/// A CPU-executor argument.
struct CpuArg {
  enum class Kind { Buffer, Int, Float } kind = Kind::Int;
  void *data = nullptr;      // Buffer: start of the host buffer
  int64_t sizeBytes = 0;     // Buffer: its size
  bool writable = true;      // Buffer: false for read-only memory
  int64_t intValue = 0;      // Int
  double floatValue = 0.0;   // Float
};

/// A CUDA launch argument, one per non-constexpr parameter. Pointer
/// parameters take a device address (Pointer, or Int holding the address);
/// integer parameters Int; float parameters Float (or Int, converted).
struct CudaArg {
  enum class Kind { Pointer, Int, Float } kind = Kind::Int;
  uint64_t address = 0;    // Pointer
  int64_t intValue = 0;    // Int
  double floatValue = 0.0; // Float

  static CudaArg pointer(const void *p) {
    CudaArg arg;
    arg.kind = Kind::Pointer;
    arg.address = reinterpret_cast<uintptr_t>(p);
    return arg;
  }
  static CudaArg integer(int64_t value) {
    CudaArg arg;
    arg.intValue = value;
    return arg;
  }
  static CudaArg real(double value) {
    CudaArg arg;
    arg.kind = Kind::Float;
    arg.floatValue = value;
    return arg;
  }
};

class Kernel {
public:
  virtual ~Kernel();
  virtual const std::string &name() const = 0;
  /// The optimized tile IR (after the `tile-optimize` pipeline), textual.
  virtual std::string tileIR() const = 0;
  /// Runs on the CPU executor; `args` follow the kernel's non-constexpr
  /// parameters in order, `argNames` name them for error messages.
  /// `interrupted` (if set) is polled now and then and stops the run with
  /// an Error when it returns true; `stepLimit` (0: none) bounds the
  /// operations executed.
  virtual void runOnCpu(std::array<int64_t, 3> grid,
                        const std::vector<CpuArg> &args,
                        const std::vector<std::string> &argNames,
                        const std::function<bool()> &interrupted = {},
                        uint64_t stepLimit = 0) const = 0;

  // -- CUDA (kernels compiled with target "cuda"; the others throw Error) --

  /// "cpu" or "cuda".
  virtual const std::string &target() const = 0;
  /// The PTX text (one .entry named like the kernel).
  virtual const std::string &ptx() const = 0;
  /// The compute capability the PTX targets (75, 80, 86, 89 or 90).
  virtual int arch() const = 0;
  /// Dynamic shared memory of every launch, in bytes.
  virtual int sharedMemoryBytes() const = 0;
  /// Warps per program instance (threads per block / 32).
  virtual int numWarps() const = 0;
  virtual int numStages() const = 0;
  /// Types of the PTX entry's parameters: "ptr", "i1", "i8", "i16", "i32",
  /// "i64", "f32" or "f64", one per non-constexpr parameter.
  virtual const std::vector<std::string> &cudaParamTypes() const = 0;

  /// Launches on the CUDA `stream` (a CUstream, 0 for the legacy default
  /// stream) of the context current on the calling thread (PyTorch's; the
  /// primary context of device 0 if none is current), asynchronously. The
  /// PTX is loaded lazily, once per kernel and context. A grid with a zero
  /// dimension launches nothing. CUDA errors throw Error naming the driver
  /// error and the kernel.
  virtual void launchCuda(std::array<int64_t, 3> grid,
                          const std::vector<CudaArg> &args,
                          uintptr_t stream = 0) const = 0;

  /// Text that loadKernel() turns back into this kernel: for a CUDA kernel
  /// its PTX, launch metadata and tile IR; for a CPU kernel its tile IR.
  virtual std::string serialize() const = 0;
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

/// Rebuilds a kernel from Kernel::serialize() text (the on-disk cache):
/// a CUDA kernel (no recompilation) or, for tile IR, as loadTileIR. Throws
/// Error if the text is damaged.
std::unique_ptr<Kernel> loadKernel(const std::string &text,
                                   const std::string &kernel);

/// The CUDA architectures FlashTile compiles for: 75, 80, 86, 89, 90.
std::vector<int> supportedCudaArchs();

/// The architecture FlashTile compiles for on a device of compute capability
/// major.minor: the newest supported one not above it (8.7 -> 86, 10.0 ->
/// 90; PTX runs on newer devices). Throws Error below 7.5.
int cudaArchFor(int major, int minor);

/// cudaArchFor() of the device of the current CUDA context, or 0 when no
/// CUDA device can be used; then `why` (if given) says why.
int cudaDeviceArch(std::string *why = nullptr);

/// Version string included in cache keys; changes whenever the compiler does.
std::string compilerVersion();

} // namespace flashtile::api

#endif // FLASHTILE_API_API_H
