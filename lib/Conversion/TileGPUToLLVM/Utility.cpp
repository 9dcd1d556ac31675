//===- Utility.cpp - shared pieces of the tilegpu -> LLVM lowering --------===//

#include "Utility.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu_to_llvm;

//===----------------------------------------------------------------------===//
// Type conversion
//===----------------------------------------------------------------------===//

TileGPUTypeConverter::TileGPUTypeConverter(MLIRContext *ctx,
                                           const LowerToLLVMOptions &options)
    : LLVMTypeConverter(ctx, options) {
  // Conversions added later are tried first.
  addConversion([](IndexType type) -> Type { return type; });
  addConversion([ctx](tile::PointerType type) -> Type {
    return LLVM::LLVMPointerType::get(ctx, type.getAddressSpace());
  });
  addConversion([ctx](tilegpu::MemDescType) -> Type {
    return LLVM::LLVMPointerType::get(ctx, 3);
  });
  addConversion([this](RankedTensorType type) -> std::optional<Type> {
    auto encoding = tilegpu::getLayoutEncoding(type);
    if (!encoding || !encoding.isDistributed())
      return Type();
    auto layout = encoding.toLinearLayout(type.getShape());
    if (!layout) {
      llvm::consumeError(layout.takeError());
      return Type();
    }
    Type element = convertType(type.getElementType());
    if (!element)
      return Type();
    SmallVector<Type> members(layout::getNumRegisters(*layout), element);
    return LLVM::LLVMStructType::getLiteral(type.getContext(), members);
  });
}

Type tilegpu_to_llvm::convertElementType(const TypeConverter &converter,
                                         Type type) {
  return converter.convertType(tile::getElementTypeOrSelf(type));
}

Type tilegpu_to_llvm::getMemoryType(Type registerType) {
  if (registerType.isInteger(1))
    return IntegerType::get(registerType.getContext(), 8);
  return registerType;
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

Value tilegpu_to_llvm::i32Val(OpBuilder &b, Location loc, int64_t value) {
  return LLVM::ConstantOp::create(b, loc, b.getI32Type(),
                                  b.getI32IntegerAttr(int32_t(value)));
}

Value tilegpu_to_llvm::intVal(OpBuilder &b, Location loc, Type type,
                              int64_t value) {
  return LLVM::ConstantOp::create(b, loc, type, b.getIntegerAttr(type, value));
}

Value tilegpu_to_llvm::packStruct(OpBuilder &b, Location loc, Type type,
                                  ValueRange values) {
  Value result = LLVM::UndefOp::create(b, loc, type);
  for (auto [i, v] : llvm::enumerate(values))
    result = LLVM::InsertValueOp::create(b, loc, result, v, i);
  return result;
}

SmallVector<Value> tilegpu_to_llvm::unpackStruct(OpBuilder &b, Location loc,
                                                 Value value) {
  auto type = cast<LLVM::LLVMStructType>(value.getType());
  SmallVector<Value> result;
  for (unsigned i = 0, e = type.getBody().size(); i < e; ++i)
    result.push_back(LLVM::ExtractValueOp::create(b, loc, value, i));
  return result;
}

SmallVector<Value> tilegpu_to_llvm::getRegisters(OpBuilder &b, Location loc,
                                                 Value converted) {
  if (isa<LLVM::LLVMStructType>(converted.getType()))
    return unpackStruct(b, loc, converted);
  return {converted};
}

//===----------------------------------------------------------------------===//
// Threads and layouts
//===----------------------------------------------------------------------===//

ThreadIds tilegpu_to_llvm::getThreadIds(OpBuilder &b, Location loc) {
  ThreadIds ids;
  ids.tid = NVVM::ThreadIdXOp::create(b, loc, b.getI32Type());
  ids.lane = LLVM::AndOp::create(b, loc, ids.tid, i32Val(b, loc, 31));
  ids.warp = LLVM::LShrOp::create(b, loc, ids.tid, i32Val(b, loc, 5));
  return ids;
}

FailureOr<LinearLayout> tilegpu_to_llvm::getLayout(Operation *op, Type type) {
  auto layout = tilegpu::getLinearLayout(type);
  if (!layout)
    return op->emitOpError() << llvm::toString(layout.takeError());
  return std::move(*layout);
}

Value tilegpu_to_llvm::emitTerms(OpBuilder &b, Location loc,
                                 ArrayRef<lowering::IndexTerm> terms, Value x) {
  Value result;
  for (const lowering::IndexTerm &t : terms) {
    Value v = LLVM::AndOp::create(b, loc, x, i32Val(b, loc, int64_t(t.mask)));
    if (t.shift > 0)
      v = LLVM::ShlOp::create(b, loc, v, i32Val(b, loc, t.shift));
    else if (t.shift < 0)
      v = LLVM::LShrOp::create(b, loc, v, i32Val(b, loc, -t.shift));
    result = result ? LLVM::XOrOp::create(b, loc, result, v).getResult() : v;
  }
  return result ? result : i32Val(b, loc, 0);
}

FailureOr<LayoutIndexer> LayoutIndexer::create(OpBuilder &b, Location loc,
                                               Operation *op,
                                               const LinearLayout &layout,
                                               const ThreadIds &ids) {
  auto plan = lowering::planDistributedIndex(layout);
  if (!plan)
    return op->emitOpError() << llvm::toString(plan.takeError());
  return LayoutIndexer(b, loc, std::move(*plan), {ids.lane, ids.warp});
}

LayoutIndexer::LayoutIndexer(OpBuilder &b, Location loc,
                             lowering::IndexPlan plan, ArrayRef<Value> dynamic)
    : plan(std::move(plan)) {
  for (unsigned d = 0; d < this->plan.outDims.size(); ++d) {
    Value result;
    for (auto [i, x] : llvm::enumerate(dynamic)) {
      if (this->plan.terms[d][i].empty())
        continue;
      Value part = emitTerms(b, loc, this->plan.terms[d][i], x);
      result =
          result ? LLVM::XOrOp::create(b, loc, result, part).getResult() : part;
    }
    dynamicPart.push_back(result ? result : i32Val(b, loc, 0));
  }
}

Value LayoutIndexer::get(OpBuilder &b, Location loc, int32_t c,
                         unsigned out) const {
  int32_t k = plan.constant[c][out];
  if (k == 0)
    return dynamicPart[out];
  return LLVM::XOrOp::create(b, loc, dynamicPart[out], i32Val(b, loc, k));
}

std::pair<Value, int32_t> LayoutIndexer::getSplit(OpBuilder &b, Location loc,
                                                  int32_t c,
                                                  unsigned out) const {
  int32_t k = plan.constant[c][out];
  auto dynamicBits = int32_t(lowering::getDynamicBits(plan, out));
  int32_t xorPart = k & dynamicBits;
  Value value = xorPart == 0 ? dynamicPart[out]
                             : LLVM::XOrOp::create(b, loc, dynamicPart[out],
                                                   i32Val(b, loc, xorPart))
                                   .getResult();
  return {value, k & ~dynamicBits};
}

//===----------------------------------------------------------------------===//
// Shared memory
//===----------------------------------------------------------------------===//

Value tilegpu_to_llvm::getSharedMemoryBase(OpBuilder &b, Location loc,
                                           Operation *op) {
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext(), 3);
  return LLVM::AddressOfOp::create(b, loc, ptrType, kSharedMemoryName);
}

Value tilegpu_to_llvm::gepBytes(OpBuilder &b, Location loc, Value base,
                                Value byteOffset) {
  return LLVM::GEPOp::create(b, loc, base.getType(), b.getI8Type(), base,
                             ValueRange{byteOffset});
}

Value tilegpu_to_llvm::gepBytes(OpBuilder &b, Location loc, Value base,
                                int64_t byteOffset) {
  if (byteOffset == 0)
    return base;
  return LLVM::GEPOp::create(b, loc, base.getType(), b.getI8Type(), base,
                             ArrayRef<LLVM::GEPArg>{int32_t(byteOffset)});
}

FailureOr<int64_t> tilegpu_to_llvm::getAllocationOffset(Operation *op) {
  auto attr =
      op->getAttrOfType<IntegerAttr>(tilegpu::kAllocationOffsetAttrName);
  if (!attr)
    return op->emitOpError() << "needs shared memory but has no '"
                             << tilegpu::kAllocationOffsetAttrName
                             << "' (run the shared-memory allocation first)";
  return attr.getInt();
}

//===----------------------------------------------------------------------===//
// Shuffles and barriers
//===----------------------------------------------------------------------===//

/// Applies `shuffle` to each 32-bit piece of v.
static Value shuffle32(OpBuilder &b, Location loc, Value v,
                       function_ref<Value(Value)> shuffle) {
  Type type = v.getType();
  Type i32 = b.getI32Type();
  if (type.isF32() || type.isInteger(32))
    return shuffle(v);
  if (auto ptr = dyn_cast<LLVM::LLVMPointerType>(type)) {
    Value asInt = LLVM::PtrToIntOp::create(b, loc, b.getI64Type(), v);
    Value shuffled = shuffle32(b, loc, asInt, shuffle);
    return LLVM::IntToPtrOp::create(b, loc, ptr, shuffled);
  }
  unsigned bits = type.getIntOrFloatBitWidth();
  Type intType = b.getIntegerType(bits);
  Value asInt = isa<FloatType>(type)
                    ? LLVM::BitcastOp::create(b, loc, intType, v).getResult()
                    : v;
  Value result;
  if (bits < 32) {
    Value wide = LLVM::ZExtOp::create(b, loc, i32, asInt);
    result = LLVM::TruncOp::create(b, loc, intType, shuffle(wide));
  } else {
    assert(bits == 64 && "shuffles of scalars up to 64 bits");
    Value lo = LLVM::TruncOp::create(b, loc, i32, asInt);
    Value hi = LLVM::TruncOp::create(
        b, loc, i32,
        LLVM::LShrOp::create(b, loc, asInt, intVal(b, loc, intType, 32)));
    lo = LLVM::ZExtOp::create(b, loc, intType, shuffle(lo));
    hi = LLVM::ZExtOp::create(b, loc, intType, shuffle(hi));
    result = LLVM::OrOp::create(
        b, loc, lo,
        LLVM::ShlOp::create(b, loc, hi, intVal(b, loc, intType, 32)));
  }
  if (isa<FloatType>(type))
    result = LLVM::BitcastOp::create(b, loc, type, result);
  return result;
}

Value tilegpu_to_llvm::shuffleXor(OpBuilder &b, Location loc, Value v,
                                  int laneMask) {
  return shuffle32(b, loc, v, [&](Value x) -> Value {
    // One statement per constant: their order in the IR must not depend on
    // the host compiler's order of evaluating arguments.
    Value members = i32Val(b, loc, -1);
    Value mask = i32Val(b, loc, laneMask);
    Value clamp = i32Val(b, loc, 0x1f);
    return NVVM::ShflOp::create(
        b, loc, x.getType(), members, x, mask, clamp,
        NVVM::ShflKindAttr::get(b.getContext(), NVVM::ShflKind::bfly),
        UnitAttr());
  });
}

Value tilegpu_to_llvm::shuffleIdx(OpBuilder &b, Location loc, Value v,
                                  Value srcLane) {
  return shuffle32(b, loc, v, [&](Value x) -> Value {
    Value members = i32Val(b, loc, -1);
    Value clamp = i32Val(b, loc, 0x1f);
    return NVVM::ShflOp::create(
        b, loc, x.getType(), members, x, srcLane, clamp,
        NVVM::ShflKindAttr::get(b.getContext(), NVVM::ShflKind::idx),
        UnitAttr());
  });
}

SmallVector<Value> tilegpu_to_llvm::emitIf(
    OpBuilder &b, Location loc, Value cond, TypeRange types,
    function_ref<SmallVector<Value>(OpBuilder &)> thenBody,
    function_ref<SmallVector<Value>(OpBuilder &)> elseBody) {
  bool hasElse = !types.empty() || elseBody;
  auto ifOp = scf::IfOp::create(b, loc, types, cond, /*addThenBlock=*/true,
                                /*addElseBlock=*/hasElse);
  auto fill = [&](Block *block,
                  function_ref<SmallVector<Value>(OpBuilder &)> body) {
    OpBuilder::InsertionGuard guard(b);
    assert(block->empty() && "this IfOp builder adds no terminator");
    b.setInsertionPointToEnd(block);
    scf::YieldOp::create(b, loc, body ? body(b) : SmallVector<Value>());
  };
  fill(ifOp.thenBlock(), thenBody);
  if (hasElse)
    fill(ifOp.elseBlock(), elseBody);
  return SmallVector<Value>(ifOp.getResults());
}

Value tilegpu_to_llvm::andPredicates(OpBuilder &b, Location loc, Value a,
                                     Value bValue) {
  if (!a)
    return bValue;
  if (!bValue)
    return a;
  return LLVM::AndOp::create(b, loc, a, bValue);
}

Value tilegpu_to_llvm::getOwnerPredicate(OpBuilder &b, Location loc,
                                         const lowering::DuplicateMasks &masks,
                                         const ThreadIds &ids) {
  Value pred;
  for (auto [mask, id] : {std::pair{masks.laneMask, ids.lane},
                          std::pair{masks.warpMask, ids.warp}}) {
    if (!mask)
      continue;
    Value bits = LLVM::AndOp::create(b, loc, id, i32Val(b, loc, int64_t(mask)));
    Value zero = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, bits,
                                      i32Val(b, loc, 0));
    pred = andPredicates(b, loc, pred, zero);
  }
  return pred;
}

void tilegpu_to_llvm::emitBarrier(OpBuilder &b, Location loc) {
  NVVM::Barrier0Op::create(b, loc);
}

void tilegpu_to_llvm::storeShared(OpBuilder &b, Location loc, Value ptr,
                                  Value value) {
  Type type = value.getType();
  if (type.isInteger(1))
    value = LLVM::ZExtOp::create(b, loc, b.getI8Type(), value);
  LLVM::StoreOp::create(b, loc, value, ptr);
}

Value tilegpu_to_llvm::loadShared(OpBuilder &b, Location loc, Value ptr,
                                  Type registerType) {
  Value v = LLVM::LoadOp::create(b, loc, getMemoryType(registerType), ptr);
  if (registerType.isInteger(1))
    v = LLVM::TruncOp::create(b, loc, registerType, v);
  return v;
}
