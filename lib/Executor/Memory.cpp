//===- Memory.cpp - the executor's view of global memory ------------------===//

#include "Memory.h"

#include "Numerics.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace flashtile::exec;

llvm::Error AddressSpace::validate() const {
  for (auto [i, buffer] : llvm::enumerate(buffers)) {
    if (buffer.sizeBytes < 0 ||
        buffer.sizeBytes > (int64_t(1) << (kRegionBits - 1)))
      return llvm::createStringError(
          "%s has an invalid size of %lld bytes (at most 2^%u allowed)",
          bufferName(i).c_str(), static_cast<long long>(buffer.sizeBytes),
          kRegionBits - 1);
    if (buffer.sizeBytes > 0 && !buffer.data)
      return llvm::createStringError("%s has %lld bytes but no data",
                                     bufferName(i).c_str(),
                                     static_cast<long long>(buffer.sizeBytes));
  }
  return llvm::Error::success();
}

std::string AddressSpace::bufferName(size_t buffer) const {
  if (buffers[buffer].name.empty())
    return "buffer #" + std::to_string(buffer);
  return "buffer '" + buffers[buffer].name + "'";
}

AddressSpace::Fault AddressSpace::describeFault(uint64_t address, unsigned size,
                                                llvm::StringRef verb) const {
  // Attribute the address to the nearest buffer: an address in the upper half
  // of a region lies before the start of the next buffer.
  const uint64_t regionSize = uint64_t(1) << kRegionBits;
  int64_t region = static_cast<int64_t>(address >> kRegionBits) - 1;
  int64_t offset = static_cast<int64_t>(address & (regionSize - 1));
  if (offset >= static_cast<int64_t>(regionSize / 2)) {
    ++region;
    offset -= static_cast<int64_t>(regionSize);
  }
  int64_t numBuffers = static_cast<int64_t>(buffers.size());

  std::string detail;
  llvm::raw_string_ostream os(detail);
  os << verb << ' ' << size << " bytes ";
  if (address == 0) {
    os << "at address 0: a null pointer, or an offset whose bytes overflow "
          "64 bits";
    return {"out-of-bounds", detail};
  }
  if (region < 0 || region >= numBuffers) {
    os << "at address " << llvm::format_hex(address, 18)
       << ", which lies in no buffer";
    return {"out-of-bounds", detail};
  }
  int64_t bufferSize = buffers[region].sizeBytes;
  std::string name = bufferName(region);
  if (offset < 0) {
    os << "at offset " << offset << ", " << -offset
       << " bytes before the start of " << name << " (" << bufferSize
       << " bytes)";
    return {"out-of-bounds", detail};
  }
  if (offset + size > bufferSize) {
    os << "at offset " << offset << ", " << offset + size - bufferSize
       << " bytes past the end of " << name << " (" << bufferSize << " bytes)";
    return {"out-of-bounds", detail};
  }
  os << "at offset " << offset << " of " << name
     << ", which is not a multiple of " << size;
  return {"misaligned", detail};
}

unsigned flashtile::exec::storageSize(ElemType type) {
  switch (type.kind) {
  case ElemKind::Int:
    switch (type.width) {
    case 1:
    case 8:
      return 1;
    case 16:
      return 2;
    case 32:
      return 4;
    case 64:
      return 8;
    default:
      return 0;
    }
  case ElemKind::F16:
  case ElemKind::BF16:
    return 2;
  case ElemKind::F32:
    return 4;
  case ElemKind::F64:
    return 8;
  case ElemKind::Ptr:
    return 0;
  }
  return 0;
}

/// The little-endian integer of `size` bytes at `host`, zero-extended.
static uint64_t readBits(const void *host, unsigned size) {
  switch (size) {
  case 1: {
    uint8_t v;
    std::memcpy(&v, host, 1);
    return v;
  }
  case 2: {
    uint16_t v;
    std::memcpy(&v, host, 2);
    return v;
  }
  case 4: {
    uint32_t v;
    std::memcpy(&v, host, 4);
    return v;
  }
  default: {
    uint64_t v;
    std::memcpy(&v, host, 8);
    return v;
  }
  }
}

static void writeBits(void *host, unsigned size, uint64_t bits) {
  switch (size) {
  case 1: {
    auto v = static_cast<uint8_t>(bits);
    std::memcpy(host, &v, 1);
    return;
  }
  case 2: {
    auto v = static_cast<uint16_t>(bits);
    std::memcpy(host, &v, 2);
    return;
  }
  case 4: {
    auto v = static_cast<uint32_t>(bits);
    std::memcpy(host, &v, 4);
    return;
  }
  default:
    std::memcpy(host, &bits, 8);
    return;
  }
}

Elem flashtile::exec::readElement(const void *host, ElemType type) {
  uint64_t bits = readBits(host, storageSize(type));
  if (type.isFloat())
    return Elem::ofFloat(decodeFloat(bits, type.kind));
  if (type.width == 1)
    return Elem::ofInt(bits != 0);
  return Elem::ofInt(wrapInt(bits, type.width));
}

void flashtile::exec::writeElement(void *host, ElemType type, Elem value) {
  uint64_t bits = type.isFloat() ? encodeFloat(value.f, type.kind)
                                 : static_cast<uint64_t>(value.i);
  writeBits(host, storageSize(type), bits);
}
