//===- MemoryOps.cpp - evaluation of tile.load, store and atomic_rmw ------===//
//
// Every enabled element must address memory wholly inside one buffer,
// aligned to its size; masked-off elements are never accessed. A faulting
// store or atomic has no effect at all: all addresses are checked first.
// Elements are accessed in row-major order, so among duplicate addresses in
// one block the last store wins and atomics accumulate.
//
//===----------------------------------------------------------------------===//

#include "Elementwise.h"
#include "Numerics.h"

#include "flashtile/Dialect/Tile/IR/TileDialect.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::exec;

namespace {
/// The operands shared by the memory operations.
struct Access {
  Value ptrValue;
  const RtValue &ptrs;
  const RtValue *mask;
  ElemType elem;
  unsigned size;

  bool enabled(size_t i) const { return !mask || mask->splatAt(i).i; }
};
} // namespace

/// The element type accessed through `ptr` and its size in memory, or an
/// error if it has no memory encoding.
static llvm::Expected<std::pair<ElemType, unsigned>>
accessedType(Interpreter &interp, Operation *op, Value ptr) {
  Type pointee = tile::getPointeeType(ptr.getType());
  llvm::Expected<ElemType> elem = interp.elemType(op, pointee);
  if (!elem)
    return elem.takeError();
  unsigned size = storageSize(*elem);
  if (size == 0) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "element type " << tile::getElementTypeOrSelf(pointee)
       << " has no memory encoding";
    return interp.fail(op, "unsupported " + op->getName().getStringRef(), text);
  }
  return std::make_pair(*elem, size);
}

/// The error `kind` ("out-of-bounds", "read-only", ...) of `op` at enabled
/// element `i` of `access`, e.g. "element [3] writes 4 bytes ...".
static llvm::Error accessError(Interpreter &interp, Operation *op,
                               const Access &access, size_t i,
                               llvm::StringRef kind, llvm::StringRef detail) {
  llvm::ArrayRef<int64_t> shape = shapeOf(access.ptrValue.getType());
  std::string element =
      shape.empty() ? "the access" : "element " + formatIndex(shape, i);
  return interp.fail(op, kind + " " + op->getName().getStringRef(),
                     element + " " + detail);
}

/// The error for enabled element `i` whose address does not translate.
static llvm::Error faultError(Interpreter &interp, Operation *op,
                              const Access &access, size_t i,
                              llvm::StringRef verb) {
  uint64_t address = static_cast<uint64_t>(access.ptrs[i].i);
  AddressSpace::Fault fault =
      interp.memory().describeFault(address, access.size, verb);
  return accessError(interp, op, access, i, fault.kind, fault.detail);
}

/// Checks every enabled element of `access` before anything is written.
static llvm::Error checkAll(Interpreter &interp, Operation *op,
                            const Access &access, llvm::StringRef verb) {
  const AddressSpace &memory = interp.memory();
  bool writes = verb != "reads";
  for (size_t i = 0, e = access.ptrs.size(); i < e; ++i) {
    if (!access.enabled(i))
      continue;
    auto address = static_cast<uint64_t>(access.ptrs[i].i);
    if (!memory.translate(address, access.size))
      return faultError(interp, op, access, i, verb);
    if (writes && !memory.isWritable(address))
      return accessError(interp, op, access, i, "read-only",
                         memory.describeReadOnly(address, access.size, verb));
  }
  return llvm::Error::success();
}

/// The value of an element that was not read: NaN for floats, so that
/// kernels depending on undefined values show it, 0 otherwise.
static Elem poison(ElemType elem) {
  return elem.isFloat()
             ? Elem::ofFloat(std::numeric_limits<double>::quiet_NaN())
             : Elem::ofInt(0);
}

llvm::Error flashtile::exec::executeLoad(Interpreter &interp, tile::LoadOp op) {
  auto type = accessedType(interp, op, op.getPtr());
  if (!type)
    return type.takeError();
  Value maskValue = op.getMask(), otherValue = op.getOther();
  Access access{op.getPtr(), interp.get(op.getPtr()),
                maskValue ? &interp.get(maskValue) : nullptr, type->first,
                type->second};
  const RtValue *other = otherValue ? &interp.get(otherValue) : nullptr;
  Elem undefined = poison(access.elem);
  const AddressSpace &memory = interp.memory();
  RtValue &result = interp.define(op.getResult(), access.ptrs.size());
  for (size_t i = 0, e = access.ptrs.size(); i < e; ++i) {
    if (!access.enabled(i)) {
      result[i] = other ? other->splatAt(i) : undefined;
      continue;
    }
    const void *host =
        memory.translate(static_cast<uint64_t>(access.ptrs[i].i), access.size);
    if (!host)
      return faultError(interp, op, access, i, "reads");
    result[i] = readElement(host, access.elem);
  }
  return llvm::Error::success();
}

llvm::Error flashtile::exec::executeStore(Interpreter &interp,
                                          tile::StoreOp op) {
  auto type = accessedType(interp, op, op.getPtr());
  if (!type)
    return type.takeError();
  Value maskValue = op.getMask();
  Access access{op.getPtr(), interp.get(op.getPtr()),
                maskValue ? &interp.get(maskValue) : nullptr, type->first,
                type->second};
  if (llvm::Error err = checkAll(interp, op, access, "writes"))
    return err;
  const RtValue &values = interp.get(op.getValue());
  const AddressSpace &memory = interp.memory();
  for (size_t i = 0, e = access.ptrs.size(); i < e; ++i)
    if (access.enabled(i))
      writeElement(memory.translate(static_cast<uint64_t>(access.ptrs[i].i),
                                    access.size),
                   access.elem, values.splatAt(i));
  return llvm::Error::success();
}

/// The new memory value of an atomic `kind` on `old` with operand `value`.
static Elem combineAtomic(tile::RMWKind kind, ElemType elem, Elem old,
                          Elem value) {
  bool isFloat = elem.isFloat();
  unsigned width = elem.width;
  switch (kind) {
  case tile::RMWKind::add:
    return isFloat ? Elem::ofFloat(roundToKind(old.f + value.f, elem.kind))
                   : Elem::ofInt(wrapInt(static_cast<uint64_t>(old.i) +
                                             static_cast<uint64_t>(value.i),
                                         width));
  case tile::RMWKind::max:
    if (isFloat)
      return Elem::ofFloat(maxNum(old.f, value.f));
    return signedValue(old.i, width) >= signedValue(value.i, width) ? old
                                                                    : value;
  case tile::RMWKind::min:
    if (isFloat)
      return Elem::ofFloat(minNum(old.f, value.f));
    return signedValue(old.i, width) <= signedValue(value.i, width) ? old
                                                                    : value;
  case tile::RMWKind::xchg:
    return value;
  }
  return value;
}

llvm::Error flashtile::exec::executeAtomicRMW(Interpreter &interp,
                                              tile::AtomicRMWOp op) {
  auto type = accessedType(interp, op, op.getPtr());
  if (!type)
    return type.takeError();
  Value maskValue = op.getMask();
  Access access{op.getPtr(), interp.get(op.getPtr()),
                maskValue ? &interp.get(maskValue) : nullptr, type->first,
                type->second};
  if (llvm::Error err = checkAll(interp, op, access, "updates"))
    return err;
  const RtValue &values = interp.get(op.getValue());
  tile::RMWKind kind = op.getKind();
  Elem undefined = poison(access.elem);
  const AddressSpace &memory = interp.memory();
  RtValue &result = interp.define(op.getResult(), access.ptrs.size());
  for (size_t i = 0, e = access.ptrs.size(); i < e; ++i) {
    if (!access.enabled(i)) {
      result[i] = undefined;
      continue;
    }
    void *host =
        memory.translate(static_cast<uint64_t>(access.ptrs[i].i), access.size);
    Elem old = readElement(host, access.elem);
    writeElement(host, access.elem,
                 combineAtomic(kind, access.elem, old, values.splatAt(i)));
    result[i] = old;
  }
  return llvm::Error::success();
}
