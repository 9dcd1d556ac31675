//===- CudaContext.h - the calling thread's CUDA context --------*- C++ -*-===//
//
// Internal to lib/API. flashtile/Runtime/CudaDriver.h loads and launches
// kernels in the context current on the calling thread but does not say
// which one that is; the API needs it to load a kernel's module once per
// context, and the device's compute capability to pick the arch of a compile.
// Both come from the same dlopen'ed libcuda.so.1 (no CUDA at build time).
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_API_CUDACONTEXT_H
#define FLASHTILE_LIB_API_CUDACONTEXT_H

#include <cstdint>
#include <string>

namespace flashtile::api::detail {

/// The CUcontext current on the calling thread, made current first (the
/// primary context of device 0) if none is, as a launch would. Returns false
/// and fills `error` when the driver or a device is missing.
bool currentCudaContext(uintptr_t &context, std::string &error);

/// The compute capability of the device of the current context.
bool currentCudaCapability(int &major, int &minor, std::string &error);

} // namespace flashtile::api::detail

#endif // FLASHTILE_LIB_API_CUDACONTEXT_H
