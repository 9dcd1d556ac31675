//===- MemoryOpToLLVM.cpp - shared memory, cp.async, barriers
//--------------===//
//
// A memdesc is an !llvm.ptr<3> to its first element: @global_smem plus the
// buffer's `allocation.offset`, plus stage * stage bytes after
// memdesc_index. Register <-> shared-memory moves use the map T from
// (register, lane, warp) to element offsets, T = distributed layout
// composed with the inverse of the shared layout (the swizzle included):
//
//   local_store / local_alloc with a source   st.shared, vectorized over
//                                             registers T keeps contiguous
//   local_load                                nvvm.ldmatrix (possibly
//                                             .trans) when T has its shape
//                                             (LayoutIndexing.h), else
//                                             vectorized ld.shared
//   async_copy_global_to_local                nvvm.cp.async.shared.global of
//                                             4, 8 or 16 bytes, src-size 0
//                                             for masked-off elements
//   async_commit_group / async_wait           nvvm.cp.async.commit.group /
//                                             wait.group
//   barrier                                   nvvm.barrier0
//
//===----------------------------------------------------------------------===//

#include "Utility.h"

#include "mlir/Transforms/DialectConversion.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu_to_llvm;

namespace {

/// T: (register, lane, warp) -> "offset" in the buffer of `memdesc`, for
/// the distributed layout of `tensor`.
FailureOr<LinearLayout> getRegisterToOffset(Operation *op, Type tensor,
                                            tilegpu::MemDescType memdesc) {
  FailureOr<LinearLayout> dist = getLayout(op, tensor);
  FailureOr<LinearLayout> shared = getLayout(op, memdesc);
  if (failed(dist) || failed(shared))
    return failure();
  std::optional<LinearLayout> t = dist->invertAndCompose(*shared);
  if (!t)
    return op->emitOpError("the shared layout does not hold every element "
                           "of the register layout");
  return *t;
}

/// The shared-memory address of register r of `indexer`'s layout (element
/// offsets) from `base`.
Value elementAddress(OpBuilder &b, Location loc, const LayoutIndexer &indexer,
                     Value base, int32_t r, int64_t elemBytes) {
  auto [offset, constant] = indexer.getSplit(b, loc, r, 0);
  Value bytes = LLVM::MulOp::create(b, loc, offset, i32Val(b, loc, elemBytes));
  return gepBytes(b, loc, gepBytes(b, loc, base, bytes), constant * elemBytes);
}

/// Stores the registers of a block to a shared buffer at `base`.
LogicalResult storeBlock(Operation *op, Value srcStruct, Type tensorType,
                         tilegpu::MemDescType memdesc, Value base,
                         ConversionPatternRewriter &rewriter) {
  FailureOr<LinearLayout> t = getRegisterToOffset(op, tensorType, memdesc);
  if (failed(t))
    return failure();
  SmallVector<Value> regs = unpackStruct(rewriter, op->getLoc(), srcStruct);
  return storeRegistersToShared(rewriter, op->getLoc(), op, regs, *t, base,
                                tilegpu::getElementBytes(memdesc));
}

/// Whether the buffer `memdesc` points into starts 16-byte aligned (as
/// ldmatrix rows must), following memdesc_index to its local_alloc.
bool isAligned16(Value memdesc) {
  Operation *def = memdesc.getDefiningOp();
  while (isa_and_present<tilegpu::MemDescIndexOp, tilegpu::MemDescTransOp>(
      def)) {
    if (auto index = dyn_cast<tilegpu::MemDescIndexOp>(def))
      if (index.getType().getSizeInBytes() % 16 != 0)
        return false;
    def = def->getOperand(0).getDefiningOp();
  }
  auto alloc = dyn_cast_if_present<tilegpu::LocalAllocOp>(def);
  if (!alloc)
    return false;
  auto offset =
      alloc->getAttrOfType<IntegerAttr>(tilegpu::kAllocationOffsetAttrName);
  return offset && offset.getInt() % 16 == 0;
}

Value bufferBase(OpBuilder &b, Location loc, Operation *op, int64_t offset) {
  return gepBytes(b, loc, getSharedMemoryBase(b, loc, op), offset);
}

struct LocalAllocOpConversion : ConvertOpToLLVMPattern<tilegpu::LocalAllocOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tilegpu::LocalAllocOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<int64_t> offset = getAllocationOffset(op);
    if (failed(offset))
      return failure();
    Value base = bufferBase(rewriter, op.getLoc(), op, *offset);
    if (op.getSrc() &&
        failed(storeBlock(op, adaptor.getSrc(), op.getSrc().getType(),
                          op.getType(), base, rewriter)))
      return failure();
    rewriter.replaceOp(op, base);
    return success();
  }
};

struct LocalStoreOpConversion : ConvertOpToLLVMPattern<tilegpu::LocalStoreOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tilegpu::LocalStoreOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(storeBlock(op, adaptor.getSrc(), op.getSrc().getType(),
                          op.getDst().getType(), adaptor.getDst(), rewriter)))
      return failure();
    rewriter.eraseOp(op);
    return success();
  }
};

struct MemDescIndexOpConversion
    : ConvertOpToLLVMPattern<tilegpu::MemDescIndexOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tilegpu::MemDescIndexOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t stageBytes = op.getType().getSizeInBytes();
    Value bytes = LLVM::MulOp::create(rewriter, loc, adaptor.getIndex(),
                                      i32Val(rewriter, loc, stageBytes));
    rewriter.replaceOp(op, gepBytes(rewriter, loc, adaptor.getSrc(), bytes));
    return success();
  }
};

struct LocalLoadOpConversion : ConvertOpToLLVMPattern<tilegpu::LocalLoadOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tilegpu::LocalLoadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto memdesc = op.getSrc().getType();
    Type structType = getTypeConverter()->convertType(op.getType());
    Type regType = convertElementType(*getTypeConverter(), op.getType());
    if (!structType || !regType)
      return op.emitOpError()
             << "type " << op.getType() << " has no register layout";
    FailureOr<LinearLayout> t = getRegisterToOffset(op, op.getType(), memdesc);
    if (failed(t))
      return failure();
    bool ldmatrix = isa_and_present<tilegpu::DotOperandEncodingAttr>(
                        op.getType().getEncoding()) &&
                    isAligned16(op.getSrc());
    FailureOr<SmallVector<Value>> results = loadRegistersFromShared(
        rewriter, loc, op, *t, adaptor.getSrc(), regType,
        tilegpu::getElementBytes(memdesc), ldmatrix);
    if (failed(results))
      return failure();
    rewriter.replaceOp(op, packStruct(rewriter, loc, structType, *results));
    return success();
  }
};

struct AsyncCopyOpConversion
    : ConvertOpToLLVMPattern<tilegpu::AsyncCopyGlobalToLocalOp> {
  AsyncCopyOpConversion(TileGPUTypeConverter &converter,
                        const LoweringState &state)
      : ConvertOpToLLVMPattern(converter), state(state) {}

  LogicalResult
  matchAndRewrite(tilegpu::AsyncCopyGlobalToLocalOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    if (state.arch < 80)
      return op.emitOpError() << "cp.async needs sm_80 or newer, the target "
                                 "is sm_"
                              << state.arch;
    auto ptrType = op.getPtr().getType();
    auto memdesc = op.getDst().getType();
    FailureOr<LinearLayout> t = getRegisterToOffset(op, ptrType, memdesc);
    FailureOr<LinearLayout> dist = getLayout(op, ptrType);
    if (failed(t) || failed(dist))
      return failure();
    int64_t elemBytes = tilegpu::getElementBytes(memdesc);
    // Elements per copy: what the global side allows (computeVectorWidths)
    // and the shared side keeps contiguous, in 4, 8 or 16 bytes.
    auto it = state.vectorWidth.find(op);
    int64_t v = it == state.vectorWidth.end() ? 1 : it->second;
    v = std::min(
        v, getContiguousRegisters(*t, std::max<int64_t>(1, 16 / elemBytes)));
    bool async = v * elemBytes >= 4;
    if (!async)
      v = 1;
    SmallVector<Value> ptrs = getRegisters(rewriter, loc, adaptor.getPtr());
    SmallVector<Value> masks;
    if (adaptor.getMask())
      masks = getRegisters(rewriter, loc, adaptor.getMask());
    ThreadIds ids = getThreadIds(rewriter, loc);
    FailureOr<LayoutIndexer> indexer =
        LayoutIndexer::create(rewriter, loc, op, *t, ids);
    if (failed(indexer))
      return failure();
    lowering::DuplicateMasks duplicates = lowering::getDuplicateMasks(*dist);
    Value owner = getOwnerPredicate(rewriter, loc, duplicates, ids);
    Type regType =
        convertElementType(*getTypeConverter(), memdesc.getElementType());
    Type memType = getMemoryType(regType);
    for (int64_t r = 0; r < int64_t(ptrs.size()); r += v) {
      if (r & duplicates.registerMask)
        continue;
      Value dst = elementAddress(rewriter, loc, *indexer, adaptor.getDst(), r,
                                 elemBytes);
      Value mask = masks.empty() ? Value() : masks[r];
      if (!async) {
        // Too narrow for cp.async: a synchronous copy (zero when masked).
        auto copy = [&](OpBuilder &b) -> SmallVector<Value> {
          Value x;
          if (mask)
            x = emitIf(
                    b, loc, mask, memType,
                    [&](OpBuilder &nb) -> SmallVector<Value> {
                      return {LLVM::LoadOp::create(nb, loc, memType, ptrs[r],
                                                   elemBytes)};
                    },
                    [&](OpBuilder &nb) -> SmallVector<Value> {
                      return {LLVM::ZeroOp::create(nb, loc, memType)};
                    })
                    .front();
          else
            x = LLVM::LoadOp::create(b, loc, memType, ptrs[r], elemBytes);
          LLVM::StoreOp::create(b, loc, x, dst, elemBytes);
          return {};
        };
        if (owner)
          emitIf(rewriter, loc, owner, {}, copy, nullptr);
        else
          copy(rewriter);
        continue;
      }
      int64_t bytes = v * elemBytes;
      auto copy = [&](OpBuilder &b) -> SmallVector<Value> {
        // src-size: the bytes read; the rest of the copy is zero-filled.
        Value srcSize;
        if (mask) {
          // Operands created one by one: the order of the emitted constants
          // must not depend on how the host compiler orders arguments.
          Value all = i32Val(b, loc, bytes);
          Value none = i32Val(b, loc, 0);
          srcSize = LLVM::SelectOp::create(b, loc, mask, all, none);
        }
        NVVM::CpAsyncOp::create(
            b, loc, dst, ptrs[r], b.getI32IntegerAttr(bytes),
            NVVM::LoadCacheModifierKindAttr::get(
                b.getContext(), bytes == 16 ? NVVM::LoadCacheModifierKind::CG
                                            : NVVM::LoadCacheModifierKind::CA),
            srcSize);
        return {};
      };
      if (owner)
        emitIf(rewriter, loc, owner, {}, copy, nullptr);
      else
        copy(rewriter);
    }
    rewriter.eraseOp(op);
    return success();
  }

  const LoweringState &state;
};

struct AsyncCommitGroupOpConversion
    : ConvertOpToLLVMPattern<tilegpu::AsyncCommitGroupOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tilegpu::AsyncCommitGroupOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<NVVM::CpAsyncCommitGroupOp>(op);
    return success();
  }
};

struct AsyncWaitOpConversion : ConvertOpToLLVMPattern<tilegpu::AsyncWaitOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tilegpu::AsyncWaitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<NVVM::CpAsyncWaitGroupOp>(op, op.getNum());
    return success();
  }
};

struct BarrierOpConversion : ConvertOpToLLVMPattern<tilegpu::BarrierOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tilegpu::BarrierOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<NVVM::Barrier0Op>(op);
    return success();
  }
};

} // namespace

void tilegpu_to_llvm::populateMemoryOpToLLVMPatterns(
    TileGPUTypeConverter &converter, RewritePatternSet &patterns,
    const LoweringState &state) {
  patterns.add<LocalAllocOpConversion, LocalStoreOpConversion,
               MemDescIndexOpConversion, ForwardSourceConversion<tilegpu::MemDescTransOp>,
               LocalLoadOpConversion,
               AsyncCommitGroupOpConversion, AsyncWaitOpConversion,
               BarrierOpConversion>(converter);
  patterns.add<AsyncCopyOpConversion>(converter, state);
}

//===----------------------------------------------------------------------===//
// Registers <-> shared memory
//===----------------------------------------------------------------------===//

int64_t tilegpu_to_llvm::getContiguousRegisters(const LinearLayout &t,
                                                int64_t maxElems) {
  int64_t n =
      std::min<int64_t>(t.getNumConsecutiveInOut(layout::kRegister), maxElems);
  unsigned bits = llvm::Log2_64(n);
  for (const LinearLayout::InDim &in : t.getInDims())
    for (auto [b, basis] : llvm::enumerate(in.bases)) {
      if (in.name == layout::kRegister && b < bits)
        continue;
      if (basis[0] != 0)
        n = std::min<int64_t>(n, basis[0] & -basis[0]);
    }
  return std::max<int64_t>(1, n);
}

/// Registers moved per shared-memory access: consecutive registers holding
/// consecutive elements, up to 16 bytes (pointers one at a time).
static int64_t getSharedVectorWidth(const LinearLayout &t, Type regType,
                                    int64_t elemBytes) {
  if (isa<LLVM::LLVMPointerType>(getMemoryType(regType)))
    return 1;
  return getContiguousRegisters(t, std::max<int64_t>(1, 16 / elemBytes));
}

LogicalResult tilegpu_to_llvm::storeRegistersToShared(
    OpBuilder &b, Location loc, Operation *op, ArrayRef<Value> regs,
    const LinearLayout &t, Value base, int64_t elemBytes) {
  Type regType = regs.front().getType();
  Type memType = getMemoryType(regType);
  int64_t v = getSharedVectorWidth(t, regType, elemBytes);
  ThreadIds ids = getThreadIds(b, loc);
  FailureOr<LayoutIndexer> indexer = LayoutIndexer::create(b, loc, op, t, ids);
  if (failed(indexer))
    return failure();
  uint64_t duplicateRegs = lowering::getDuplicateMasks(t).registerMask;
  for (int64_t r = 0; r < int64_t(regs.size()); r += v) {
    if (r & duplicateRegs)
      continue;
    Value ptr = elementAddress(b, loc, *indexer, base, r, elemBytes);
    if (v == 1) {
      storeShared(b, loc, ptr, regs[r]);
      continue;
    }
    auto vecType = VectorType::get({v}, memType);
    Value vec = LLVM::UndefOp::create(b, loc, vecType);
    for (int64_t i = 0; i < v; ++i) {
      Value x = regs[r + i];
      if (regType.isInteger(1))
        x = LLVM::ZExtOp::create(b, loc, memType, x);
      vec = LLVM::InsertElementOp::create(b, loc, vec, x, i32Val(b, loc, i));
    }
    LLVM::StoreOp::create(b, loc, vec, ptr, v * elemBytes);
  }
  return success();
}

/// ldmatrix loads of the registers T lays out as ldmatrix reads rows, or
/// failure (and nothing emitted) when it does not.
static FailureOr<SmallVector<Value>>
loadWithLdMatrix(OpBuilder &b, Location loc, const LinearLayout &t, Value base,
                 Type regType) {
  if (!isa<FloatType, IntegerType>(regType) ||
      regType.getIntOrFloatBitWidth() != 16)
    return failure();
  auto plan = lowering::planLdMatrix(t);
  if (!plan) {
    llvm::consumeError(plan.takeError());
    return failure();
  }
  auto rowPlan = lowering::planIndex(
      plan->rowAddress, "", {layout::kLane.str(), layout::kWarp.str()});
  auto groupPlan = lowering::planDistributedIndex(t);
  if (!rowPlan || !groupPlan) {
    llvm::consumeError(rowPlan.takeError());
    llvm::consumeError(groupPlan.takeError());
    return failure();
  }
  MLIRContext *ctx = b.getContext();
  ThreadIds ids = getThreadIds(b, loc);
  LayoutIndexer rows(b, loc, std::move(*rowPlan), {ids.lane, ids.warp});
  Value rowOffset = rows.getDynamic(0);
  auto rowBits = int32_t(lowering::getDynamicBits(rows.getPlan(), 0));
  int32_t perGroup = 2 * plan->numMatrices;
  int32_t numRegs = layout::getNumRegisters(t);
  Type i32 = b.getI32Type();
  Type resultType = plan->numMatrices == 1
                        ? i32
                        : LLVM::LLVMStructType::getLiteral(
                              ctx, SmallVector<Type>(plan->numMatrices, i32));
  auto pairType = VectorType::get({2}, regType);
  SmallVector<Value> results;
  for (int32_t g = 0; g < numRegs; g += perGroup) {
    // Lane L's row: T of the group's first register (a constant) XOR the
    // row L supplies.
    // The bits of the group's offset that no lane's row has are added (an
    // immediate offset), the others XORed (the swizzle).
    int32_t groupOffset = groupPlan->constant[g][0];
    int32_t xorPart = groupOffset & rowBits;
    Value offset = xorPart == 0 ? rowOffset
                                : LLVM::XOrOp::create(b, loc, rowOffset,
                                                      i32Val(b, loc, xorPart))
                                      .getResult();
    Value bytes = LLVM::MulOp::create(b, loc, offset, i32Val(b, loc, 2));
    Value ptr = gepBytes(b, loc, gepBytes(b, loc, base, bytes),
                         int64_t(groupOffset & ~rowBits) * 2);
    Value loaded = NVVM::LdMatrixOp::create(
        b, loc, resultType, ptr, b.getI32IntegerAttr(plan->numMatrices),
        NVVM::MMALayoutAttr::get(ctx, plan->trans ? NVVM::MMALayout::col
                                                  : NVVM::MMALayout::row),
        NVVM::LdStMatrixShapeAttr::get(ctx, 8, 8),
        NVVM::LdStMatrixEltTypeAttr::get(ctx, NVVM::LdStMatrixEltType::B16));
    SmallVector<Value> words = plan->numMatrices == 1
                                   ? SmallVector<Value>{loaded}
                                   : unpackStruct(b, loc, loaded);
    for (Value word : words) {
      Value pair = LLVM::BitcastOp::create(b, loc, pairType, word);
      for (int i = 0; i < 2; ++i)
        results.push_back(
            LLVM::ExtractElementOp::create(b, loc, pair, i32Val(b, loc, i)));
    }
  }
  return results;
}

FailureOr<SmallVector<Value>> tilegpu_to_llvm::loadRegistersFromShared(
    OpBuilder &b, Location loc, Operation *op, const LinearLayout &t,
    Value base, Type regType, int64_t elemBytes, bool allowLdMatrix) {
  if (allowLdMatrix) {
    FailureOr<SmallVector<Value>> viaLdMatrix =
        loadWithLdMatrix(b, loc, t, base, regType);
    if (succeeded(viaLdMatrix))
      return viaLdMatrix;
  }
  Type memType = getMemoryType(regType);
  int64_t v = getSharedVectorWidth(t, regType, elemBytes);
  ThreadIds ids = getThreadIds(b, loc);
  FailureOr<LayoutIndexer> indexer = LayoutIndexer::create(b, loc, op, t, ids);
  if (failed(indexer))
    return failure();
  SmallVector<Value> results;
  int32_t numRegs = layout::getNumRegisters(t);
  for (int32_t r = 0; r < numRegs; r += v) {
    Value ptr = elementAddress(b, loc, *indexer, base, r, elemBytes);
    if (v == 1) {
      results.push_back(loadShared(b, loc, ptr, regType));
      continue;
    }
    auto vecType = VectorType::get({v}, memType);
    Value vec = LLVM::LoadOp::create(b, loc, vecType, ptr, v * elemBytes);
    for (int64_t i = 0; i < v; ++i) {
      Value x = LLVM::ExtractElementOp::create(b, loc, vec, i32Val(b, loc, i));
      if (regType.isInteger(1))
        x = LLVM::TruncOp::create(b, loc, regType, x);
      results.push_back(x);
    }
  }
  return results;
}
