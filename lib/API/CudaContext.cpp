//===- CudaContext.cpp - the calling thread's CUDA context ----------------===//
//
// runtime::probeDriver() opens and initialises the driver (cuInit) and makes
// a context current; the three entry points used here are then resolved from
// the same, already loaded, libcuda.so.1.
//
//===----------------------------------------------------------------------===//

#include "CudaContext.h"

#include "flashtile/Runtime/CudaDriver.h"

#include <dlfcn.h>
#include <mutex>

namespace flashtile::api::detail {

namespace {

using CUresult = int;
using CUcontext = void *;
using CUdevice = int;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

struct Entry {
  CUresult (*ctxGetCurrent)(CUcontext *) = nullptr;
  CUresult (*ctxGetDevice)(CUdevice *) = nullptr;
  CUresult (*deviceGetAttribute)(int *, int, CUdevice) = nullptr;
  std::string error;
};

/// Probes the driver and resolves the entry points, once per process.
const Entry &entry() {
  static Entry result;
  static std::once_flag once;
  std::call_once(once, [] {
    runtime::CudaStatus status = runtime::probeDriver();
    if (!status) {
      result.error = status.message;
      return;
    }
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib) {
      result.ctxGetCurrent = reinterpret_cast<decltype(result.ctxGetCurrent)>(
          dlsym(lib, "cuCtxGetCurrent"));
      result.ctxGetDevice = reinterpret_cast<decltype(result.ctxGetDevice)>(
          dlsym(lib, "cuCtxGetDevice"));
      result.deviceGetAttribute =
          reinterpret_cast<decltype(result.deviceGetAttribute)>(
              dlsym(lib, "cuDeviceGetAttribute"));
    }
    if (!result.ctxGetCurrent || !result.ctxGetDevice ||
        !result.deviceGetAttribute)
      result.error = "cannot resolve cuCtxGetCurrent, cuCtxGetDevice and "
                     "cuDeviceGetAttribute in libcuda.so.1";
  });
  return result;
}

} // namespace

bool currentCudaContext(uintptr_t &context, std::string &error) {
  const Entry &e = entry();
  if (!e.error.empty()) {
    error = e.error;
    return false;
  }
  CUcontext ctx = nullptr;
  if (e.ctxGetCurrent(&ctx) != 0 || !ctx) {
    // A thread that has not used CUDA yet: make a context current the way
    // the runtime does for a launch, then ask again.
    runtime::CudaStatus status = runtime::probeDriver();
    if (!status) {
      error = status.message;
      return false;
    }
    if (e.ctxGetCurrent(&ctx) != 0 || !ctx) {
      error = "no CUDA context is current on this thread";
      return false;
    }
  }
  context = reinterpret_cast<uintptr_t>(ctx);
  return true;
}

bool currentCudaCapability(int &major, int &minor, std::string &error) {
  uintptr_t context = 0;
  if (!currentCudaContext(context, error))
    return false;
  const Entry &e = entry();
  CUdevice device = 0;
  if (e.ctxGetDevice(&device) != 0 ||
      e.deviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                           device) != 0 ||
      e.deviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                           device) != 0) {
    error = "cannot read the compute capability of the current CUDA device";
    return false;
  }
  return true;
}

} // namespace flashtile::api::detail
