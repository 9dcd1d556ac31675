//===- LayoutUtils.cpp - helpers shared by the tilegpu passes -------------===//

#include "LayoutUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace flashtile::tilegpu {

std::optional<int> parseCudaArch(StringRef target) {
  if (!target.consume_front("cuda:"))
    return std::nullopt;
  int arch;
  if (target.getAsInteger(10, arch) || arch <= 0)
    return std::nullopt;
  return arch;
}

int getTargetArch(ModuleOp module) {
  if (auto attr =
          module->getAttrOfType<StringAttr>(TileGPUDialect::kTargetAttrName))
    if (std::optional<int> arch = parseCudaArch(attr.getValue()))
      return *arch;
  return 80;
}

int64_t highestPowerOf2Divisor(int64_t value) {
  constexpr int64_t kMax = int64_t(1) << 30;
  if (value == 0)
    return kMax;
  uint64_t magnitude = value < 0 ? uint64_t(-(value + 1)) + 1 : uint64_t(value);
  return std::min<int64_t>(kMax, int64_t(magnitude & (~magnitude + 1)));
}

BlockedEncodingAttr buildBlockedEncoding(MLIRContext *context,
                                         ArrayRef<int64_t> shape,
                                         unsigned perThread,
                                         ArrayRef<unsigned> order,
                                         unsigned numWarps) {
  size_t rank = shape.size();
  SmallVector<unsigned> sizePerThread(rank, 1), threadsPerWarp(rank, 1),
      warpsPerCTA(rank, 1);
  sizePerThread[order[0]] = unsigned(
      std::clamp<int64_t>(int64_t(perThread), 1, std::max<int64_t>(1, shape[order[0]])));
  // Lanes fill the fastest dimensions first.
  unsigned lanes = TileGPUDialect::kThreadsPerWarp;
  for (unsigned d : order) {
    int64_t room = std::max<int64_t>(1, shape[d] / sizePerThread[d]);
    unsigned t = unsigned(std::min<int64_t>(lanes, room));
    threadsPerWarp[d] = t;
    lanes /= t;
  }
  threadsPerWarp[order.back()] *= lanes;
  // Warps go along dimension 0 first.
  unsigned warps = numWarps;
  for (unsigned d = 0; d < rank; ++d) {
    int64_t room = std::max<int64_t>(
        1, shape[d] / (int64_t(sizePerThread[d]) * threadsPerWarp[d]));
    unsigned w = unsigned(std::min<int64_t>(warps, room));
    warpsPerCTA[d] = w;
    warps /= w;
  }
  warpsPerCTA[0] *= warps;
  return BlockedEncodingAttr::get(context, sizePerThread, threadsPerWarp,
                                  warpsPerCTA, order);
}

BlockedEncodingAttr getDefaultBlockedEncoding(MLIRContext *context,
                                              ArrayRef<int64_t> shape,
                                              unsigned numWarps) {
  SmallVector<unsigned> order;
  for (unsigned d = shape.size(); d-- > 0;)
    order.push_back(d);
  int64_t elements = 1;
  for (int64_t d : shape)
    elements *= d;
  int64_t threads = int64_t(numWarps) * TileGPUDialect::kThreadsPerWarp;
  unsigned perThread = unsigned(std::min<int64_t>(
      {4, shape.back(), std::max<int64_t>(1, elements / threads)}));
  return buildBlockedEncoding(context, shape, perThread, order, numWarps);
}

std::string whyShapeCannotBeLaidOut(ArrayRef<int64_t> shape) {
  int64_t elements = 1;
  for (int64_t d : shape) {
    if (d <= 0 || !llvm::isPowerOf2_64(uint64_t(d)))
      return "dimension " + std::to_string(d) + " is not a power of two";
    elements *= d;
  }
  if (elements > (int64_t(1) << 20))
    return std::to_string(elements) + " elements are more than 2^20";
  return "";
}

Type withEncoding(Type type, Attribute encoding) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return type;
  return RankedTensorType::get(tensor.getShape(), tensor.getElementType(),
                               encoding);
}

Attribute getEncoding(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return tensor.getEncoding();
  return {};
}

Attribute getTransposedEncoding(Attribute encoding, ArrayRef<int32_t> order) {
  auto blocked = dyn_cast_if_present<BlockedEncodingAttr>(encoding);
  if (!blocked || blocked.getOrder().size() != order.size())
    return {};
  size_t rank = order.size();
  // Result dimension i is source dimension order[i].
  SmallVector<unsigned> inverse(rank);
  for (auto [i, d] : llvm::enumerate(order))
    inverse[d] = unsigned(i);
  SmallVector<unsigned> spt, tpw, wpc, newOrder;
  for (int32_t d : order) {
    spt.push_back(blocked.getSizePerThread()[d]);
    tpw.push_back(blocked.getThreadsPerWarp()[d]);
    wpc.push_back(blocked.getWarpsPerCTA()[d]);
  }
  for (unsigned d : blocked.getOrder())
    newOrder.push_back(inverse[d]);
  return BlockedEncodingAttr::get(encoding.getContext(), spt, tpw, wpc,
                                  newOrder);
}

Attribute getTransposeSourceEncoding(Attribute resultEncoding,
                                     ArrayRef<int32_t> order) {
  // The inverse permutation undoes the transposition.
  SmallVector<int32_t> inverse(order.size());
  for (auto [i, d] : llvm::enumerate(order))
    inverse[d] = int32_t(i);
  return getTransposedEncoding(resultEncoding, inverse);
}

bool isElementwise(Operation *op) {
  if (op->getNumRegions() != 0 || op->getNumResults() != 1)
    return false;
  auto result = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!result)
    return false;
  bool known = op->hasTrait<OpTrait::Elementwise>() ||
               isa<arith::SelectOp, tile::AddPtrOp>(op);
  if (!known)
    return false;
  for (Value operand : op->getOperands())
    if (auto tensor = dyn_cast<RankedTensorType>(operand.getType()))
      if (tensor.getShape() != result.getShape())
        return false;
  return true;
}

Value convertTo(OpBuilder &builder, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return ConvertLayoutOp::create(builder, loc, type, value);
}

SharedEncodingAttr getMmaOperandSharedEncoding(MLIRContext *context,
                                               ArrayRef<int64_t> shape,
                                               ArrayRef<unsigned> order,
                                               unsigned elemBitWidth) {
  auto swizzle = layout::mmaOperandSwizzle(shape, order, elemBitWidth);
  if (!swizzle) {
    llvm::consumeError(swizzle.takeError());
    return nullptr;
  }
  return SharedEncodingAttr::get(context, swizzle->vec, swizzle->perPhase,
                                 swizzle->maxPhase, order);
}

} // namespace flashtile::tilegpu
