//===- LoadStoreOpToLLVM.cpp - global memory
//--------------------------------===//
//
//   tile.addptr      one llvm.getelementptr per register (!llvm.ptr<1>)
//   tile.load        per group of v registers (v: computeVectorWidths) one
//                    llvm.load of vector<v x T>, aligned to v elements;
//                    a mask guards it with scf.if whose else yields `other`
//                    (zero when absent)
//   tile.store       likewise, guarded by the mask and by the owner
//                    predicate: a thread stores only elements no earlier
//                    (register, lane, warp) also holds
//   tile.atomic_rmw  llvm.atomicrmw (monotonic, syncscope device: as CUDA's
//                    atomicAdd) per owned register
//
// Scalar (non-block) stores and atomics are done by thread 0 only.
//
//===----------------------------------------------------------------------===//

#include "Utility.h"

#include "flashtile/Dialect/TileGPU/Analysis/AxisInfo.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu_to_llvm;

namespace {

/// The LLVM type of one element of a pointer's pointee in memory.
Type pointeeMemoryType(const TypeConverter &converter, Type ptrLike) {
  Type pointee = tile::getElementTypeOrSelf(tile::getPointeeType(ptrLike));
  Type reg = converter.convertType(pointee);
  return reg ? getMemoryType(reg) : Type();
}

/// Memory value -> register value (bytes back to i1).
Value toRegister(OpBuilder &b, Location loc, Value v, Type registerType) {
  if (registerType.isInteger(1) && !v.getType().isInteger(1))
    return LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, v,
                                intVal(b, loc, v.getType(), 0));
  return v;
}

/// Register value -> memory value.
Value toMemory(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isInteger(1))
    return LLVM::ZExtOp::create(b, loc, b.getI8Type(), v);
  return v;
}

/// `values` as one vector (or the value itself when there is one).
Value buildVector(OpBuilder &b, Location loc, ArrayRef<Value> values) {
  if (values.size() == 1)
    return values[0];
  auto type = VectorType::get({int64_t(values.size())}, values[0].getType());
  Value v = LLVM::UndefOp::create(b, loc, type);
  for (auto [i, x] : llvm::enumerate(values))
    v = LLVM::InsertElementOp::create(b, loc, v, x, i32Val(b, loc, i));
  return v;
}

SmallVector<Value> splitVector(OpBuilder &b, Location loc, Value v,
                               unsigned n) {
  if (n == 1)
    return {v};
  SmallVector<Value> result;
  for (unsigned i = 0; i < n; ++i)
    result.push_back(
        LLVM::ExtractElementOp::create(b, loc, v, i32Val(b, loc, i)));
  return result;
}

unsigned getVectorWidth(const LoweringState &state, Operation *op,
                        Type memType) {
  auto it = state.vectorWidth.find(op);
  unsigned v = it == state.vectorWidth.end() ? 1 : it->second;
  // Vectors of pointers are not loaded as vectors.
  if (isa<LLVM::LLVMPointerType>(memType))
    return 1;
  return v;
}

unsigned byteSize(Type memType) {
  if (isa<LLVM::LLVMPointerType>(memType))
    return 8;
  return std::max(1u, memType.getIntOrFloatBitWidth() / 8);
}

/// Checks that the tensor operands of a memory op are in the pointer's
/// layout (elementwise in one layout).
LogicalResult checkSameLayout(Operation *op, Value ptr,
                              ArrayRef<Value> operands) {
  auto ptrType = dyn_cast<RankedTensorType>(ptr.getType());
  if (!ptrType)
    return success();
  FailureOr<LinearLayout> reference = getLayout(op, ptrType);
  if (failed(reference))
    return failure();
  for (Value v : operands) {
    if (!v || !isa<RankedTensorType>(v.getType()))
      continue;
    FailureOr<LinearLayout> layout = getLayout(op, v.getType());
    if (failed(layout))
      return failure();
    if (!layout::areEquivalent(*layout, *reference))
      return op->emitOpError()
             << "pointer, offset, mask and value blocks must have one layout, "
                "got "
             << ptrType << " and " << v.getType();
  }
  return success();
}

struct AddPtrOpConversion : ConvertOpToLLVMPattern<tile::AddPtrOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tile::AddPtrOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type elemType = pointeeMemoryType(*getTypeConverter(), op.getType());
    Type resultType = getTypeConverter()->convertType(op.getType());
    if (!elemType || !resultType)
      return op.emitOpError()
             << "type " << op.getType() << " has no LLVM equivalent";
    auto ptrType = LLVM::LLVMPointerType::get(
        getContext(),
        cast<tile::PointerType>(tile::getElementTypeOrSelf(op.getType()))
            .getAddressSpace());
    if (failed(checkSameLayout(op, op.getPtr(), {op.getOffset()})))
      return failure();
    SmallVector<Value> ptrs = getRegisters(rewriter, loc, adaptor.getPtr());
    SmallVector<Value> offsets =
        getRegisters(rewriter, loc, adaptor.getOffset());
    SmallVector<Value> results;
    for (auto [p, off] : llvm::zip(ptrs, offsets))
      results.push_back(LLVM::GEPOp::create(rewriter, loc, ptrType, elemType, p,
                                            ValueRange{off}));
    if (!isa<LLVM::LLVMStructType>(resultType))
      rewriter.replaceOp(op, results.front());
    else
      rewriter.replaceOp(op, packStruct(rewriter, loc, resultType, results));
    return success();
  }
};

struct LoadOpConversion : ConvertOpToLLVMPattern<tile::LoadOp> {
  LoadOpConversion(TileGPUTypeConverter &converter, const LoweringState &state)
      : ConvertOpToLLVMPattern(converter), state(state) {}

  LogicalResult
  matchAndRewrite(tile::LoadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type resultType = getTypeConverter()->convertType(op.getType());
    Type regType = convertElementType(*getTypeConverter(), op.getType());
    if (!resultType || !regType)
      return op.emitOpError()
             << "type " << op.getType() << " has no LLVM equivalent";
    Type memType = getMemoryType(regType);
    SmallVector<Value> ptrs = getRegisters(rewriter, loc, adaptor.getPtr());
    SmallVector<Value> masks, others;
    if (adaptor.getMask())
      masks = getRegisters(rewriter, loc, adaptor.getMask());
    if (adaptor.getOther())
      others = getRegisters(rewriter, loc, adaptor.getOther());
    if (failed(checkSameLayout(op, op.getPtr(), {op.getMask(), op.getOther()})))
      return failure();
    unsigned v = isa<RankedTensorType>(op.getType())
                     ? getVectorWidth(state, op, memType)
                     : 1;
    Type accessType = v == 1 ? memType : VectorType::get({int64_t(v)}, memType);
    unsigned alignment = v * byteSize(memType);

    SmallVector<Value> results;
    for (size_t r = 0; r < ptrs.size(); r += v) {
      auto load = [&](OpBuilder &b) -> SmallVector<Value> {
        return {LLVM::LoadOp::create(b, loc, accessType, ptrs[r], alignment)};
      };
      Value loaded;
      if (masks.empty()) {
        loaded = load(rewriter).front();
      } else {
        auto otherVector = [&](OpBuilder &b) -> SmallVector<Value> {
          SmallVector<Value> elems;
          for (unsigned i = 0; i < v; ++i)
            elems.push_back(
                others.empty()
                    ? LLVM::ZeroOp::create(b, loc, memType).getResult()
                    : toMemory(b, loc, others[r + i]));
          return {buildVector(b, loc, elems)};
        };
        loaded = emitIf(rewriter, loc, masks[r], accessType, load, otherVector)
                     .front();
      }
      for (Value x : splitVector(rewriter, loc, loaded, v))
        results.push_back(toRegister(rewriter, loc, x, regType));
    }
    if (!isa<LLVM::LLVMStructType>(resultType))
      rewriter.replaceOp(op, results.front());
    else
      rewriter.replaceOp(op, packStruct(rewriter, loc, resultType, results));
    return success();
  }

  const LoweringState &state;
};

struct StoreOpConversion : ConvertOpToLLVMPattern<tile::StoreOp> {
  StoreOpConversion(TileGPUTypeConverter &converter, const LoweringState &state)
      : ConvertOpToLLVMPattern(converter), state(state) {}

  LogicalResult
  matchAndRewrite(tile::StoreOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type valueType = op.getValue().getType();
    Type regType = convertElementType(*getTypeConverter(), valueType);
    if (!regType)
      return op.emitOpError()
             << "type " << valueType << " has no LLVM equivalent";
    Type memType = getMemoryType(regType);
    SmallVector<Value> ptrs = getRegisters(rewriter, loc, adaptor.getPtr());
    SmallVector<Value> values = getRegisters(rewriter, loc, adaptor.getValue());
    SmallVector<Value> masks;
    if (adaptor.getMask())
      masks = getRegisters(rewriter, loc, adaptor.getMask());
    if (failed(checkSameLayout(op, op.getPtr(), {op.getValue(), op.getMask()})))
      return failure();

    ThreadIds ids = getThreadIds(rewriter, loc);
    lowering::DuplicateMasks duplicates;
    Value owner;
    unsigned v = 1;
    if (auto tensor = dyn_cast<RankedTensorType>(op.getPtr().getType())) {
      FailureOr<LinearLayout> layout = getLayout(op, tensor);
      if (failed(layout))
        return failure();
      duplicates = lowering::getDuplicateMasks(*layout);
      owner = getOwnerPredicate(rewriter, loc, duplicates, ids);
      v = getVectorWidth(state, op, memType);
    } else {
      // One thread stores a scalar.
      owner = LLVM::ICmpOp::create(rewriter, loc, LLVM::ICmpPredicate::eq,
                                   ids.tid, i32Val(rewriter, loc, 0));
    }
    unsigned alignment = v * byteSize(memType);
    for (size_t r = 0; r < ptrs.size(); r += v) {
      if (r & duplicates.registerMask)
        continue;
      SmallVector<Value> elems;
      for (unsigned i = 0; i < v; ++i)
        elems.push_back(toMemory(rewriter, loc, values[r + i]));
      Value vec = buildVector(rewriter, loc, elems);
      Value pred = andPredicates(rewriter, loc, owner,
                                 masks.empty() ? Value() : masks[r]);
      auto store = [&](OpBuilder &b) -> SmallVector<Value> {
        LLVM::StoreOp::create(b, loc, vec, ptrs[r], alignment);
        return {};
      };
      if (pred)
        emitIf(rewriter, loc, pred, {}, store, nullptr);
      else
        store(rewriter);
    }
    rewriter.eraseOp(op);
    return success();
  }

  const LoweringState &state;
};

struct AtomicRMWOpConversion : ConvertOpToLLVMPattern<tile::AtomicRMWOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tile::AtomicRMWOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type resultType = getTypeConverter()->convertType(op.getType());
    Type regType = convertElementType(*getTypeConverter(), op.getType());
    if (!resultType || !regType || !regType.isIntOrFloat() ||
        regType.isInteger(1))
      return op.emitOpError()
             << "atomics on " << op.getType() << " are not supported";
    bool isFloat = isa<FloatType>(regType);
    LLVM::AtomicBinOp binOp;
    switch (op.getKind()) {
    case tile::RMWKind::add:
      binOp = isFloat ? LLVM::AtomicBinOp::fadd : LLVM::AtomicBinOp::add;
      break;
    case tile::RMWKind::max:
      binOp = isFloat ? LLVM::AtomicBinOp::fmax : LLVM::AtomicBinOp::max;
      break;
    case tile::RMWKind::min:
      binOp = isFloat ? LLVM::AtomicBinOp::fmin : LLVM::AtomicBinOp::min;
      break;
    case tile::RMWKind::xchg:
      binOp = LLVM::AtomicBinOp::xchg;
      break;
    }
    SmallVector<Value> ptrs = getRegisters(rewriter, loc, adaptor.getPtr());
    SmallVector<Value> values = getRegisters(rewriter, loc, adaptor.getValue());
    SmallVector<Value> masks;
    if (adaptor.getMask())
      masks = getRegisters(rewriter, loc, adaptor.getMask());
    if (failed(checkSameLayout(op, op.getPtr(), {op.getValue(), op.getMask()})))
      return failure();

    ThreadIds ids = getThreadIds(rewriter, loc);
    lowering::DuplicateMasks duplicates;
    Value owner;
    bool used = !op->use_empty();
    if (auto tensor = dyn_cast<RankedTensorType>(op.getPtr().getType())) {
      FailureOr<LinearLayout> layout = getLayout(op, tensor);
      if (failed(layout))
        return failure();
      duplicates = lowering::getDuplicateMasks(*layout);
      if (used && (duplicates.laneMask || duplicates.warpMask ||
                   duplicates.registerMask))
        return op.emitOpError("the result of an atomic on a block whose "
                              "layout duplicates elements is not supported");
      owner = getOwnerPredicate(rewriter, loc, duplicates, ids);
    } else {
      if (used)
        return op.emitOpError("the result of a scalar atomic is not "
                              "supported on the GPU");
      owner = LLVM::ICmpOp::create(rewriter, loc, LLVM::ICmpPredicate::eq,
                                   ids.tid, i32Val(rewriter, loc, 0));
    }
    SmallVector<Value> results;
    for (size_t r = 0; r < ptrs.size(); ++r) {
      if (r & duplicates.registerMask) {
        results.push_back(LLVM::ZeroOp::create(rewriter, loc, regType));
        continue;
      }
      auto atomic = [&](OpBuilder &b) -> SmallVector<Value> {
        // Relaxed and device-wide, as CUDA's atomicAdd.
        return {LLVM::AtomicRMWOp::create(b, loc, binOp, ptrs[r], values[r],
                                          LLVM::AtomicOrdering::monotonic,
                                          "device")};
      };
      auto zero = [&](OpBuilder &b) -> SmallVector<Value> {
        return {LLVM::ZeroOp::create(b, loc, regType)};
      };
      Value pred = andPredicates(rewriter, loc, owner,
                                 masks.empty() ? Value() : masks[r]);
      results.push_back(
          pred ? emitIf(rewriter, loc, pred, regType, atomic, zero).front()
               : atomic(rewriter).front());
    }
    if (!isa<LLVM::LLVMStructType>(resultType))
      rewriter.replaceOp(op, results.front());
    else
      rewriter.replaceOp(op, packStruct(rewriter, loc, resultType, results));
    return success();
  }
};

/// The dimension along which a thread of `layout` holds its registers in
/// runs of consecutive elements, and the length of those runs (aligned: no
/// other register bit, lane or warp moves by less than a run along it).
/// {0, 1} when there is none.
std::pair<unsigned, int64_t> getRegisterRuns(const LinearLayout &layout,
                                             unsigned rank) {
  unsigned dim = 0;
  int64_t runs = 1;
  for (unsigned d = 0; d < rank; ++d) {
    int64_t n =
        layout.getNumConsecutiveInOut(layout::kRegister, layout::dimName(d));
    if (n > runs) {
      runs = n;
      dim = d;
    }
  }
  if (runs == 1)
    return {0, 1};
  std::string dimName = layout::dimName(dim);
  unsigned consecutiveBits = llvm::Log2_64(runs);
  for (const LinearLayout::InDim &in : layout.getInDims())
    for (unsigned bit = 0; bit < in.bases.size(); ++bit) {
      if (in.name == layout::kRegister && bit < consecutiveBits)
        continue;
      int32_t step = layout.getBasis(in.name, bit, dimName);
      if (step != 0)
        runs = std::min<int64_t>(runs, step & -step);
    }
  return {dim, runs};
}

} // namespace

void tilegpu_to_llvm::computeVectorWidths(ModuleOp module,
                                          LoweringState &state) {
  tilegpu::AxisInfoAnalysis axisInfo(module);
  module.walk([&](Operation *op) {
    Value ptr, mask;
    if (auto load = dyn_cast<tile::LoadOp>(op)) {
      ptr = load.getPtr();
      mask = load.getMask();
    } else if (auto store = dyn_cast<tile::StoreOp>(op)) {
      ptr = store.getPtr();
      mask = store.getMask();
    } else if (auto copy = dyn_cast<tilegpu::AsyncCopyGlobalToLocalOp>(op)) {
      ptr = copy.getPtr();
      mask = copy.getMask();
    }
    // Scalar accesses (and ops not in the map) move one element.
    auto type = ptr ? dyn_cast<RankedTensorType>(ptr.getType()) : nullptr;
    if (!type)
      return;
    auto layout = tilegpu::getLinearLayout(type);
    if (!layout) {
      llvm::consumeError(layout.takeError());
      state.vectorWidth[op] = 1;
      return;
    }
    auto [dim, runs] = getRegisterRuns(*layout, type.getRank());
    state.vectorWidth[op] = unsigned(
        std::min<int64_t>(runs, axisInfo.getVectorWidth(ptr, mask, dim)));
  });
}

void tilegpu_to_llvm::populateLoadStoreOpToLLVMPatterns(
    TileGPUTypeConverter &converter, RewritePatternSet &patterns,
    const LoweringState &state) {
  patterns.add<AddPtrOpConversion, AtomicRMWOpConversion>(converter);
  patterns.add<LoadOpConversion, StoreOpConversion>(converter, state);
}
