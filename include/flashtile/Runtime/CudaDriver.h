//===- CudaDriver.h - CUDA driver API loaded at run time --------*- C++ -*-===//
//
// FlashTile's GPU runtime talks to the CUDA driver (libcuda.so.1), which it
// opens with dlopen on first use: nothing needs a GPU, a driver or the CUDA
// toolkit to build. Kernels are PTX, loaded with cuModuleLoadDataEx (the
// driver assembles it for the device) into the context current on the calling
// thread, or the device's primary context, the one PyTorch uses.
//
// No MLIR or LLVM types here: the API library and ahead-of-time users include
// this header alone. Failures return a CudaStatus whose message names the
// driver error (name and description) and what was being done.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_RUNTIME_CUDADRIVER_H
#define FLASHTILE_RUNTIME_CUDADRIVER_H

#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace flashtile::runtime {

/// Success, or a message saying what failed and why.
struct CudaStatus {
  bool ok = true;
  std::string message;
  static CudaStatus success() { return {}; }
  static CudaStatus failure(std::string message) {
    return {false, std::move(message)};
  }
  explicit operator bool() const { return ok; }
};

/// Properties of the device a module is loaded on.
struct DeviceInfo {
  int ordinal = 0;
  int computeCapabilityMajor = 0;
  int computeCapabilityMinor = 0;
  int multiprocessorCount = 0;
  /// Opt-in limit of shared memory per block, in bytes.
  int maxSharedMemoryPerBlock = 0;
};

/// Resource use the driver reports for a loaded kernel.
struct KernelAttributes {
  int numRegisters = 0;
  int localBytesPerThread = 0;
  int staticSharedBytes = 0;
};

/// One PTX kernel loaded into a CUDA context.
class CudaKernel {
public:
  ~CudaKernel();
  CudaKernel(const CudaKernel &) = delete;
  CudaKernel &operator=(const CudaKernel &) = delete;

  /// Loads `ptx` and looks up the entry `name`. `dynamicSharedBytes` is the
  /// dynamic shared memory every launch uses; above 48 KiB the kernel's limit
  /// is raised (failing if the device cannot provide it).
  static CudaStatus load(const std::string &ptx, const std::string &name,
                         int dynamicSharedBytes,
                         std::unique_ptr<CudaKernel> &result);

  /// Launches on `stream` (a CUstream; 0 is the legacy default stream) with
  /// `threadsPerBlock` threads. `params` are pointers to each argument, as
  /// cuLaunchKernel takes them.
  CudaStatus launch(std::array<uint32_t, 3> grid, uint32_t threadsPerBlock,
                    uintptr_t stream, void **params) const;

  const std::string &name() const { return name_; }
  const DeviceInfo &device() const { return device_; }
  const KernelAttributes &attributes() const { return attributes_; }
  int dynamicSharedBytes() const { return dynamicSharedBytes_; }

private:
  CudaKernel() = default;
  std::string name_;
  void *module_ = nullptr;   // CUmodule
  void *function_ = nullptr; // CUfunction
  void *context_ = nullptr;  // CUcontext it was loaded into
  int dynamicSharedBytes_ = 0;
  DeviceInfo device_;
  KernelAttributes attributes_;
};

/// Whether the CUDA driver can be opened and initialised here, and if not,
/// why (no libcuda.so.1, no device, ...).
CudaStatus probeDriver();

/// Waits for all work on the current context (used by tests and error checks).
CudaStatus synchronize();

} // namespace flashtile::runtime

#endif // FLASHTILE_RUNTIME_CUDADRIVER_H
