//===- API.cpp - the exception-throwing surface of libFlashTile -----------===//
//
// Turns the driver's and the CUDA runtime's error strings into
// flashtile::api::Error. This file is compiled with -fexceptions; nothing it
// calls unwinds through MLIR code.
//
//===----------------------------------------------------------------------===//

#include "flashtile/API/API.h"

#include "CudaContext.h"
#include "Driver.h"

#include "flashtile/Runtime/CudaDriver.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <sstream>

namespace flashtile::api {

Kernel::~Kernel() = default;

namespace {

constexpr const char *kCudaHeader = "flashtile-cuda-kernel 1";

bool isSupportedArch(int arch) {
  std::vector<int> archs = supportedCudaArchs();
  return std::find(archs.begin(), archs.end(), arch) != archs.end();
}

std::string archList() { return "75, 80, 86, 89 or 90"; }

/// Checks `options` and fills in the default arch; throws Error.
CompileOptions resolve(const CompileOptions &options,
                       const std::string &kernel) {
  CompileOptions result = options;
  std::string where = "compiling kernel '" + kernel + "': ";
  if (options.target != "cpu" && options.target != "cuda")
    throw Error(where + "unknown target '" + options.target +
                "' (expected \"cpu\" or \"cuda\")");
  int warps = options.numWarps;
  if (warps < 1 || warps > 32 || (warps & (warps - 1)))
    throw Error(where + "num_warps must be a power of two from 1 to 32, got " +
                std::to_string(warps));
  if (options.numStages < 1)
    throw Error(where + "num_stages must be at least 1, got " +
                std::to_string(options.numStages));
  if (options.target == "cuda") {
    if (result.arch == 0) {
      result.arch = cudaDeviceArch();
      if (result.arch == 0)
        result.arch = 80;
    }
    if (!isSupportedArch(result.arch))
      throw Error(where + "unsupported CUDA architecture sm_" +
                  std::to_string(result.arch) + " (expected " + archList() +
                  ")");
  }
  return result;
}

/// Encodes one argument into the 8-byte slot the PTX parameter of `type`
/// reads (little-endian: a narrower parameter reads the low bytes).
void encode(const CudaArg &arg, const std::string &type, size_t index,
            const std::string &kernel, uint64_t &slot) {
  auto mismatch = [&](const char *expected) {
    return Error("launching kernel '" + kernel + "': argument #" +
                 std::to_string(index) + " is a " + type + " parameter and " +
                 "needs " + expected);
  };
  if (type == "ptr") {
    if (arg.kind == CudaArg::Kind::Pointer)
      slot = arg.address;
    else if (arg.kind == CudaArg::Kind::Int)
      slot = static_cast<uint64_t>(arg.intValue);
    else
      throw mismatch("a device address");
  } else if (type == "f32" || type == "f64") {
    double value;
    if (arg.kind == CudaArg::Kind::Float)
      value = arg.floatValue;
    else if (arg.kind == CudaArg::Kind::Int)
      value = static_cast<double>(arg.intValue);
    else
      throw mismatch("a number");
    slot = 0;
    if (type == "f32") {
      float f = static_cast<float>(value);
      std::memcpy(&slot, &f, sizeof(f));
    } else {
      std::memcpy(&slot, &value, sizeof(value));
    }
  } else {
    if (arg.kind != CudaArg::Kind::Int)
      throw mismatch("an integer");
    slot = static_cast<uint64_t>(arg.intValue);
  }
}

/// A compiled kernel. It owns the MLIRContext of its tile IR (through
/// detail::Module; absent for a CUDA kernel reloaded from its serialized
/// form until runOnCpu needs it) and, for CUDA, the PTX with its metadata
/// and the modules loaded from it, one per CUDA context.
class CompiledKernel final : public Kernel {
public:
  CompiledKernel(std::string name, std::unique_ptr<detail::Module> module,
                 std::string tileIR, std::string target,
                 detail::CudaBinary cuda)
      : kernelName(std::move(name)), module(std::move(module)),
        tileIRText(std::move(tileIR)), targetName(std::move(target)),
        cuda(std::move(cuda)) {}

  const std::string &name() const override { return kernelName; }

  std::string tileIR() const override { return tileIRText; }

  void runOnCpu(std::array<int64_t, 3> grid, const std::vector<CpuArg> &args,
                const std::vector<std::string> &argNames,
                const std::function<bool()> &interrupted,
                uint64_t stepLimit) const override {
    std::string error;
    bool ok;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!module) {
        module = detail::Module::parse(tileIRText, kernelName, error);
        if (!module)
          throw Error(error);
      }
      ok = module->runOnCpu(grid, args, argNames, error, interrupted,
                            stepLimit);
    }
    if (!ok)
      throw Error(error);
  }

  const std::string &target() const override { return targetName; }
  const std::string &ptx() const override {
    requireCuda("has no PTX");
    return cuda.ptx;
  }
  int arch() const override {
    requireCuda("has no CUDA architecture");
    return cuda.arch;
  }
  int sharedMemoryBytes() const override {
    requireCuda("uses no GPU shared memory");
    return cuda.sharedBytes;
  }
  int numWarps() const override {
    requireCuda("has no warps");
    return cuda.numWarps;
  }
  int numStages() const override {
    requireCuda("has no pipeline stages");
    return cuda.numStages;
  }
  const std::vector<std::string> &cudaParamTypes() const override {
    requireCuda("has no CUDA parameters");
    return cuda.paramTypes;
  }

  void launchCuda(std::array<int64_t, 3> grid, const std::vector<CudaArg> &args,
                  uintptr_t stream) const override {
    requireCuda("cannot be launched on a GPU");
    for (int64_t size : grid)
      if (size < 0)
        throw Error("launching kernel '" + kernelName +
                    "': negative grid size " + std::to_string(size));
    if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0)
      return;
    if (grid[0] > 0x7fffffff || grid[1] > 65535 || grid[2] > 65535)
      throw Error("launching kernel '" + kernelName + "': grid (" +
                  std::to_string(grid[0]) + ", " + std::to_string(grid[1]) +
                  ", " + std::to_string(grid[2]) +
                  ") exceeds CUDA's limits (x < 2^31, y and z < 65536)");
    size_t count = cuda.paramTypes.size();
    if (args.size() != count)
      throw Error("launching kernel '" + kernelName + "': it takes " +
                  std::to_string(count) + " arguments, got " +
                  std::to_string(args.size()));

    // One 8-byte slot per parameter; the driver reads each parameter's size.
    constexpr size_t kInline = 64;
    uint64_t inlineSlots[kInline];
    void *inlinePointers[kInline];
    std::vector<uint64_t> heapSlots;
    std::vector<void *> heapPointers;
    uint64_t *slots = inlineSlots;
    void **pointers = inlinePointers;
    if (count > kInline) {
      heapSlots.resize(count);
      heapPointers.resize(count);
      slots = heapSlots.data();
      pointers = heapPointers.data();
    }
    for (size_t i = 0; i < count; ++i) {
      encode(args[i], cuda.paramTypes[i], i, kernelName, slots[i]);
      pointers[i] = &slots[i];
    }

    const runtime::CudaKernel &loaded = loadedInCurrentContext();
    runtime::CudaStatus status = loaded.launch(
        {static_cast<uint32_t>(grid[0]), static_cast<uint32_t>(grid[1]),
         static_cast<uint32_t>(grid[2])},
        static_cast<uint32_t>(cuda.numWarps * 32), stream, pointers);
    if (!status)
      throw Error(status.message);
  }

  std::string serialize() const override {
    if (targetName != "cuda")
      return tileIRText;
    std::ostringstream os;
    os << kCudaHeader << "\n"
       << "name " << kernelName << "\n"
       << "arch " << cuda.arch << "\n"
       << "num_warps " << cuda.numWarps << "\n"
       << "num_stages " << cuda.numStages << "\n"
       << "shared_bytes " << cuda.sharedBytes << "\n"
       << "params";
    for (const std::string &type : cuda.paramTypes)
      os << " " << type;
    os << "\n"
       << "ptx_bytes " << cuda.ptx.size() << "\n"
       << "tile_ir_bytes " << tileIRText.size() << "\n\n"
       << cuda.ptx << tileIRText;
    return os.str();
  }

private:
  void requireCuda(const char *what) const {
    if (targetName != "cuda")
      throw Error("kernel '" + kernelName + "' was compiled for the " +
                  targetName + " and " + what +
                  "; compile it with target \"cuda\"");
  }

  /// The module loaded in the calling thread's context, loading it first.
  const runtime::CudaKernel &loadedInCurrentContext() const {
    std::string error;
    uintptr_t context = 0;
    if (!detail::currentCudaContext(context, error))
      throw Error("launching kernel '" + kernelName + "': " + error);
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto &[ctx, kernel] : loaded)
      if (ctx == context)
        return *kernel;
    std::unique_ptr<runtime::CudaKernel> kernel;
    runtime::CudaStatus status = runtime::CudaKernel::load(
        cuda.ptx, kernelName, cuda.sharedBytes, kernel);
    if (!status)
      throw Error(status.message);
    loaded.emplace_back(context, std::move(kernel));
    return *loaded.back().second;
  }

  std::string kernelName;
  mutable std::unique_ptr<detail::Module> module;
  std::string tileIRText;
  std::string targetName;
  detail::CudaBinary cuda;
  /// Modules loaded from `cuda.ptx`, by CUcontext (few: one per device).
  mutable std::vector<std::pair<uintptr_t, std::unique_ptr<runtime::CudaKernel>>>
      loaded;
  mutable std::mutex mutex;
};

/// Parses Kernel::serialize() text of a CUDA kernel; throws Error.
std::unique_ptr<Kernel> parseCudaKernel(const std::string &text,
                                        const std::string &kernel) {
  auto bad = [&](const std::string &why) {
    return Error("cannot load the CUDA kernel '" + kernel +
                 "' from its serialized form: " + why);
  };
  size_t end = text.find("\n\n");
  if (end == std::string::npos)
    throw bad("no end of header");
  std::istringstream header(text.substr(0, end));
  std::string line, name;
  detail::CudaBinary cuda;
  size_t ptxBytes = std::string::npos, irBytes = std::string::npos;
  std::getline(header, line); // kCudaHeader, checked by the caller
  while (std::getline(header, line)) {
    std::istringstream fields(line);
    std::string key;
    fields >> key;
    if (key == "name")
      fields >> name;
    else if (key == "arch")
      fields >> cuda.arch;
    else if (key == "num_warps")
      fields >> cuda.numWarps;
    else if (key == "num_stages")
      fields >> cuda.numStages;
    else if (key == "shared_bytes")
      fields >> cuda.sharedBytes;
    else if (key == "params") {
      for (std::string type; fields >> type;)
        cuda.paramTypes.push_back(type);
      continue; // reading stops at the end of the line
    } else if (key == "ptx_bytes")
      fields >> ptxBytes;
    else if (key == "tile_ir_bytes")
      fields >> irBytes;
    else
      throw bad("unknown header line '" + line + "'");
    if (fields.fail())
      throw bad("bad header line '" + line + "'");
  }
  if (name != kernel)
    throw bad("it holds kernel '" + name + "'");
  if (ptxBytes == std::string::npos || irBytes == std::string::npos)
    throw bad("the header lacks the payload sizes");
  size_t start = end + 2;
  if (text.size() - start != ptxBytes + irBytes)
    throw bad("the payload has " + std::to_string(text.size() - start) +
              " bytes, the header says " + std::to_string(ptxBytes + irBytes));
  if (!isSupportedArch(cuda.arch) || cuda.numWarps < 1 || cuda.numWarps > 32 ||
      cuda.sharedBytes < 0)
    throw bad("bad launch metadata");
  cuda.ptx = text.substr(start, ptxBytes);
  std::string ir = text.substr(start + ptxBytes, irBytes);
  return std::make_unique<CompiledKernel>(kernel, nullptr, std::move(ir),
                                          "cuda", std::move(cuda));
}

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
  CompileOptions resolved = resolve(options, kernel);
  bool forCuda = resolved.target == "cuda";
  std::string error;
  detail::CudaBinary cuda;
  std::unique_ptr<detail::Module> module = detail::Module::compile(
      source, filename, kernel, spec, resolved, forCuda ? &cuda : nullptr,
      error);
  if (!module)
    throw Error(error);
  std::string ir = module->ir();
  return std::make_unique<CompiledKernel>(kernel, std::move(module),
                                          std::move(ir), resolved.target,
                                          std::move(cuda));
}

std::unique_ptr<Kernel> loadTileIR(const std::string &ir,
                                   const std::string &kernel) {
  std::string error;
  std::unique_ptr<detail::Module> module =
      detail::Module::parse(ir, kernel, error);
  if (!module)
    throw Error(error);
  std::string text = module->ir();
  return std::make_unique<CompiledKernel>(kernel, std::move(module),
                                          std::move(text), "cpu",
                                          detail::CudaBinary());
}

std::unique_ptr<Kernel> loadKernel(const std::string &text,
                                   const std::string &kernel) {
  if (text.compare(0, std::strlen(kCudaHeader), kCudaHeader) == 0)
    return parseCudaKernel(text, kernel);
  return loadTileIR(text, kernel);
}

std::vector<int> supportedCudaArchs() { return {75, 80, 86, 89, 90}; }

int cudaArchFor(int major, int minor) {
  int capability = major * 10 + minor;
  int best = 0;
  for (int arch : supportedCudaArchs())
    if (arch <= capability)
      best = arch;
  if (best == 0)
    throw Error("compute capability " + std::to_string(major) + "." +
                std::to_string(minor) +
                " is not supported; FlashTile needs 7.5 or newer");
  return best;
}

int cudaDeviceArch(std::string *why) {
  int major = 0, minor = 0;
  std::string error;
  if (!detail::currentCudaCapability(major, minor, error)) {
    if (why)
      *why = error;
    return 0;
  }
  if (major * 10 + minor < 75) {
    if (why)
      *why = "the CUDA device has compute capability " +
             std::to_string(major) + "." + std::to_string(minor) +
             "; FlashTile needs 7.5 or newer";
    return 0;
  }
  return cudaArchFor(major, minor);
}

} // namespace flashtile::api
