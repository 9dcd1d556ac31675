//===- Value.cpp - runtime values of the reference executor ---------------===//

#include "Value.h"

#include "flashtile/Dialect/Tile/IR/TileDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace flashtile::exec;

std::optional<ElemType> ElemType::get(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type)) {
    if (!isa<RankedTensorType>(type) || !shaped.hasStaticShape())
      return std::nullopt;
    type = shaped.getElementType();
  }
  if (auto integer = dyn_cast<IntegerType>(type)) {
    if (integer.getWidth() == 0 || integer.getWidth() > 64)
      return std::nullopt;
    return ElemType{ElemKind::Int, integer.getWidth()};
  }
  if (isa<IndexType>(type))
    return ElemType{ElemKind::Int, 64};
  if (type.isF16())
    return ElemType{ElemKind::F16, 16};
  if (type.isBF16())
    return ElemType{ElemKind::BF16, 16};
  if (type.isF32())
    return ElemType{ElemKind::F32, 32};
  if (type.isF64())
    return ElemType{ElemKind::F64, 64};
  if (isa<flashtile::tile::PointerType>(type))
    return ElemType{ElemKind::Ptr, 64};
  return std::nullopt;
}

llvm::ArrayRef<int64_t> flashtile::exec::shapeOf(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return tensor.getShape();
  return {};
}

int64_t flashtile::exec::numElementsOf(Type type) {
  int64_t n = 1;
  for (int64_t d : shapeOf(type))
    n *= d;
  return n;
}

llvm::SmallVector<int64_t, 4>
flashtile::exec::rowMajorStrides(llvm::ArrayRef<int64_t> shape) {
  llvm::SmallVector<int64_t, 4> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;)
    strides[d - 1] = strides[d] * shape[d];
  return strides;
}

std::string flashtile::exec::formatIndex(llvm::ArrayRef<int64_t> shape,
                                         int64_t linear) {
  llvm::SmallVector<int64_t, 4> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = linear % shape[d];
    linear /= shape[d];
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(index, os);
  os << ']';
  return text;
}
