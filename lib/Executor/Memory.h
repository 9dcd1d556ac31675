//===- Memory.h - the executor's view of global memory ----------*- C++ -*-===//
//
// Kernels address host buffers through 64-bit virtual addresses: buffer i
// occupies [(i + 1) << 40, ((i + 1) << 40) + size). Every access is checked
// to lie wholly inside one buffer and to be aligned to its size; elements are
// encoded in memory as their IEEE or two's-complement bit patterns.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_EXECUTOR_MEMORY_H
#define FLASHTILE_LIB_EXECUTOR_MEMORY_H

#include "Value.h"

#include "flashtile/Executor/Executor.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"

#include <string>

namespace flashtile::exec {

/// The buffers of one kernel launch and the address space they live in.
class AddressSpace {
public:
  /// log2 of the distance between the base addresses of two buffers.
  static constexpr unsigned kRegionBits = 40;

  explicit AddressSpace(llvm::ArrayRef<HostBuffer> buffers)
      : buffers(buffers) {}

  static uint64_t baseAddress(size_t buffer) {
    return (static_cast<uint64_t>(buffer) + 1) << kRegionBits;
  }

  /// Checks that every buffer fits its region of the address space.
  llvm::Error validate() const;

  /// The host address of the `size` bytes at `address`; null unless they lie
  /// wholly inside one buffer and `address` is a multiple of `size`.
  void *translate(uint64_t address, unsigned size) const {
    uint64_t region = address >> kRegionBits;
    if (region == 0 || region > buffers.size())
      return nullptr;
    const HostBuffer &buffer = buffers[region - 1];
    uint64_t offset = address & ((uint64_t(1) << kRegionBits) - 1);
    if (offset + size > static_cast<uint64_t>(buffer.sizeBytes) ||
        address % size != 0)
      return nullptr;
    return static_cast<char *>(buffer.data) + offset;
  }

  /// Whether the buffer holding `address` (which translates) may be written.
  bool isWritable(uint64_t address) const {
    return buffers[(address >> kRegionBits) - 1].writable;
  }

  /// The error detail for a write into read-only memory at `address`.
  std::string describeReadOnly(uint64_t address, unsigned size,
                               llvm::StringRef verb) const {
    return (verb + " " + llvm::Twine(size) + " bytes into read-only " +
            bufferName((address >> kRegionBits) - 1))
        .str();
  }

  /// Why `translate(address, size)` failed.
  struct Fault {
    /// "out-of-bounds" or "misaligned".
    llvm::StringRef kind;
    /// E.g. "reads 4 bytes at offset 4100, 8 bytes past the end of buffer
    /// 'Q' (4096 bytes)"; `verb` is "reads", "writes" or "updates".
    std::string detail;
  };
  Fault describeFault(uint64_t address, unsigned size,
                      llvm::StringRef verb) const;

private:
  std::string bufferName(size_t buffer) const;

  llvm::ArrayRef<HostBuffer> buffers;
};

/// The bytes an element of `type` occupies in memory; 0 when it has no
/// memory encoding (pointers, integers other than i1/i8/i16/i32/i64).
unsigned storageSize(ElemType type);

/// Decodes the element of `type` stored at `host` (i1 is one byte, nonzero
/// meaning true).
Elem readElement(const void *host, ElemType type);

/// Encodes `value`, an element of `type`, at `host`.
void writeElement(void *host, ElemType type, Elem value);

} // namespace flashtile::exec

#endif // FLASHTILE_LIB_EXECUTOR_MEMORY_H
