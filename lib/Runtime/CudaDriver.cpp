//===- CudaDriver.cpp - CUDA driver API loaded at run time ----------------===//
//
// The few driver entry points FlashTile uses, resolved with dlsym. The types
// and enum values below are the driver's stable ABI (cuda.h); they are
// declared here so that building needs no CUDA toolkit.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Runtime/CudaDriver.h"

#include <dlfcn.h>
#include <mutex>
#include <vector>

using namespace flashtile::runtime;

namespace {

using CUresult = int;
using CUdevice = int;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
constexpr CUresult CUDA_SUCCESS = 0;

// CUjit_option
constexpr int CU_JIT_INFO_LOG_BUFFER = 3;
constexpr int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
// CUfunction_attribute
constexpr int CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1;
constexpr int CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES = 3;
constexpr int CU_FUNC_ATTRIBUTE_NUM_REGS = 4;
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
// CUdevice_attribute
constexpr int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;

constexpr int kDefaultSharedLimit = 48 * 1024;

/// The driver's entry points, resolved once.
struct Driver {
  CUresult (*init)(unsigned);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*deviceGetAttribute)(int *, int, CUdevice);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*ctxGetCurrent)(CUcontext *);
  CUresult (*ctxSetCurrent)(CUcontext);
  CUresult (*ctxGetDevice)(CUdevice *);
  CUresult (*ctxSynchronize)();
  CUresult (*moduleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                               void **);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*moduleUnload)(CUmodule);
  CUresult (*funcGetAttribute)(int *, int, CUfunction);
  CUresult (*funcSetAttribute)(CUfunction, int, int);
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUstream, void **,
                           void **);
  CUresult (*getErrorName)(CUresult, const char **);
  CUresult (*getErrorString)(CUresult, const char **);

  std::string describe(CUresult result) const {
    const char *name = nullptr, *text = nullptr;
    if (getErrorName(result, &name) != CUDA_SUCCESS || !name)
      name = "unknown CUDA error";
    if (getErrorString(result, &text) != CUDA_SUCCESS || !text)
      text = "";
    return std::string(name) + " (" + std::to_string(result) + "): " + text;
  }

  CudaStatus check(CUresult result, const std::string &what) const {
    if (result == CUDA_SUCCESS)
      return CudaStatus::success();
    return CudaStatus::failure(what + " failed: " + describe(result));
  }
};

template <typename Fn>
bool resolve(void *lib, const char *symbol, Fn &fn, std::string &missing) {
  fn = reinterpret_cast<Fn>(dlsym(lib, symbol));
  if (!fn)
    missing = symbol;
  return fn != nullptr;
}

/// Opens and initialises the driver once per process.
const Driver *getDriver(CudaStatus &status) {
  static Driver driver;
  static CudaStatus loadStatus;
  static std::once_flag once;
  std::call_once(once, [] {
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char *why = dlerror();
      loadStatus = CudaStatus::failure(
          std::string("cannot open the CUDA driver libcuda.so.1 (is an "
                      "NVIDIA driver installed?): ") +
          (why ? why : "unknown reason"));
      return;
    }
    std::string missing;
    bool ok = resolve(lib, "cuInit", driver.init, missing) &&
              resolve(lib, "cuDeviceGet", driver.deviceGet, missing) &&
              resolve(lib, "cuDeviceGetAttribute", driver.deviceGetAttribute,
                      missing) &&
              resolve(lib, "cuDevicePrimaryCtxRetain", driver.primaryCtxRetain,
                      missing) &&
              resolve(lib, "cuCtxGetCurrent", driver.ctxGetCurrent, missing) &&
              resolve(lib, "cuCtxSetCurrent", driver.ctxSetCurrent, missing) &&
              resolve(lib, "cuCtxGetDevice", driver.ctxGetDevice, missing) &&
              resolve(lib, "cuCtxSynchronize", driver.ctxSynchronize,
                      missing) &&
              resolve(lib, "cuModuleLoadDataEx", driver.moduleLoadDataEx,
                      missing) &&
              resolve(lib, "cuModuleGetFunction", driver.moduleGetFunction,
                      missing) &&
              resolve(lib, "cuModuleUnload", driver.moduleUnload, missing) &&
              resolve(lib, "cuFuncGetAttribute", driver.funcGetAttribute,
                      missing) &&
              resolve(lib, "cuFuncSetAttribute", driver.funcSetAttribute,
                      missing) &&
              resolve(lib, "cuLaunchKernel", driver.launchKernel, missing) &&
              resolve(lib, "cuGetErrorName", driver.getErrorName, missing) &&
              resolve(lib, "cuGetErrorString", driver.getErrorString, missing);
    if (!ok) {
      loadStatus = CudaStatus::failure(
          "the CUDA driver libcuda.so.1 lacks " + missing +
          "; it is older than FlashTile needs");
      return;
    }
    loadStatus = driver.check(driver.init(0), "cuInit");
  });
  status = loadStatus;
  return status ? &driver : nullptr;
}

/// Makes sure a context is current: the caller's (e.g. PyTorch's), else the
/// primary context of device 0.
CudaStatus ensureContext(const Driver &d, CUcontext &ctx, CUdevice &device) {
  if (CudaStatus s = d.check(d.ctxGetCurrent(&ctx), "cuCtxGetCurrent"); !s)
    return s;
  if (!ctx) {
    if (CudaStatus s = d.check(d.deviceGet(&device, 0), "cuDeviceGet(0)"); !s)
      return s;
    if (CudaStatus s = d.check(d.primaryCtxRetain(&ctx, device),
                               "cuDevicePrimaryCtxRetain");
        !s)
      return s;
    if (CudaStatus s = d.check(d.ctxSetCurrent(ctx), "cuCtxSetCurrent"); !s)
      return s;
  }
  return d.check(d.ctxGetDevice(&device), "cuCtxGetDevice");
}

} // namespace

CudaStatus flashtile::runtime::probeDriver() {
  CudaStatus status;
  const Driver *d = getDriver(status);
  if (!d)
    return status;
  CUcontext ctx = nullptr;
  CUdevice device = 0;
  return ensureContext(*d, ctx, device);
}

CudaStatus flashtile::runtime::synchronize() {
  CudaStatus status;
  const Driver *d = getDriver(status);
  if (!d)
    return status;
  return d->check(d->ctxSynchronize(), "cuCtxSynchronize");
}

CudaStatus CudaKernel::load(const std::string &ptx, const std::string &name,
                            int dynamicSharedBytes,
                            std::unique_ptr<CudaKernel> &result) {
  CudaStatus status;
  const Driver *d = getDriver(status);
  if (!d)
    return status;
  std::unique_ptr<CudaKernel> kernel(new CudaKernel());
  kernel->name_ = name;
  kernel->dynamicSharedBytes_ = dynamicSharedBytes;
  CUdevice device = 0;
  CUcontext ctx = nullptr;
  if (CudaStatus s = ensureContext(*d, ctx, device); !s)
    return s;
  kernel->context_ = ctx;

  DeviceInfo &info = kernel->device_;
  info.ordinal = device;
  auto attr = [&](int which, int &value, const char *what) {
    return d->check(d->deviceGetAttribute(&value, which, device),
                    std::string("cuDeviceGetAttribute(") + what + ")");
  };
  for (CudaStatus s :
       {attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
             info.computeCapabilityMajor, "compute capability major"),
        attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
             info.computeCapabilityMinor, "compute capability minor"),
        attr(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
             info.multiprocessorCount, "multiprocessor count"),
        attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
             info.maxSharedMemoryPerBlock, "shared memory per block")})
    if (!s)
      return s;

  // Load the PTX, keeping ptxas's error log for the message.
  std::vector<char> errorLog(16384, '\0'), infoLog(4096, '\0');
  int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                   CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {errorLog.data(),
                    reinterpret_cast<void *>(uintptr_t(errorLog.size())),
                    infoLog.data(),
                    reinterpret_cast<void *>(uintptr_t(infoLog.size()))};
  CUresult loaded =
      d->moduleLoadDataEx(&kernel->module_, ptx.c_str(), 4, options, values);
  if (loaded != CUDA_SUCCESS) {
    errorLog.back() = '\0';
    return CudaStatus::failure("loading the PTX of kernel '" + name +
                               "' failed: " + d->describe(loaded) +
                               (errorLog[0] ? "\n" + std::string(errorLog.data())
                                            : std::string()));
  }
  if (CudaStatus s = d->check(
          d->moduleGetFunction(&kernel->function_, kernel->module_,
                               name.c_str()),
          "looking up kernel '" + name + "' in its module");
      !s)
    return s;

  KernelAttributes &attrs = kernel->attributes_;
  d->funcGetAttribute(&attrs.numRegisters, CU_FUNC_ATTRIBUTE_NUM_REGS,
                      kernel->function_);
  d->funcGetAttribute(&attrs.localBytesPerThread,
                      CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES, kernel->function_);
  d->funcGetAttribute(&attrs.staticSharedBytes,
                      CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, kernel->function_);

  if (dynamicSharedBytes > info.maxSharedMemoryPerBlock)
    return CudaStatus::failure(
        "kernel '" + name + "' needs " + std::to_string(dynamicSharedBytes) +
        " bytes of shared memory; the device allows " +
        std::to_string(info.maxSharedMemoryPerBlock) + " per block");
  if (dynamicSharedBytes > kDefaultSharedLimit)
    if (CudaStatus s = d->check(
            d->funcSetAttribute(kernel->function_,
                                CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                dynamicSharedBytes),
            "raising the shared-memory limit of kernel '" + name + "' to " +
                std::to_string(dynamicSharedBytes) + " bytes");
        !s)
      return s;
  result = std::move(kernel);
  return CudaStatus::success();
}

CudaStatus CudaKernel::launch(std::array<uint32_t, 3> grid,
                              uint32_t threadsPerBlock, uintptr_t stream,
                              void **params) const {
  CudaStatus status;
  const Driver *d = getDriver(status);
  if (!d)
    return status;
  CUcontext current = nullptr;
  if (d->ctxGetCurrent(&current) == CUDA_SUCCESS && current != context_)
    d->ctxSetCurrent(context_);
  CUresult result = d->launchKernel(function_, grid[0], grid[1], grid[2],
                                    threadsPerBlock, 1, 1, dynamicSharedBytes_,
                                    reinterpret_cast<CUstream>(stream), params,
                                    nullptr);
  if (result == CUDA_SUCCESS) // the hot path: no message built
    return CudaStatus::success();
  return d->check(result, "launching kernel '" + name_ + "' on grid (" +
                              std::to_string(grid[0]) + ", " +
                              std::to_string(grid[1]) + ", " +
                              std::to_string(grid[2]) + ") with " +
                              std::to_string(threadsPerBlock) + " threads");
}

CudaKernel::~CudaKernel() {
  CudaStatus status;
  const Driver *d = getDriver(status);
  if (d && module_)
    d->moduleUnload(module_);
}
