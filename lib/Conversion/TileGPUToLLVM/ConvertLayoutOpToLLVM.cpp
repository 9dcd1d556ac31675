//===- ConvertLayoutOpToLLVM.cpp - tilegpu.convert_layout ------------------===//
//
// layout::computeConversion gives, for each destination (register, lane,
// warp), the source (register, lane, warp) holding its element:
//
//   no-op            the same registers
//   register perm.   each destination register reads a source register of
//   / warp shuffle   the same thread, or of lane srcLane(r, lane, warp)
//                    through shfl.sync.idx. When the source register itself
//                    depends on the lane or warp (the map's lane/warp bases
//                    have register components), every candidate register is
//                    shuffled and the right one selected.
//   shared memory    every thread stores its registers to the scratch area
//                    at `allocation.offset` (the block row-major), then
//                    loads the destination's; barriers before, between and
//                    after.
//
// All addresses and lane numbers are the layouts' index math.
//
//===----------------------------------------------------------------------===//

#include "Utility.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu_to_llvm;

namespace {

/// Span of a set of bit vectors (all XOR combinations), small sets only.
SmallVector<int32_t> span(ArrayRef<int32_t> generators) {
  SmallVector<int32_t> result = {0};
  for (int32_t g : generators) {
    if (llvm::is_contained(result, g))
      continue;
    size_t n = result.size();
    for (size_t i = 0; i < n; ++i)
      result.push_back(result[i] ^ g);
  }
  return result;
}

struct ConvertLayoutOpConversion
    : ConvertOpToLLVMPattern<tilegpu::ConvertLayoutOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tilegpu::ConvertLayoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto srcType = op.getSrc().getType();
    auto dstType = op.getType();
    FailureOr<LinearLayout> src = getLayout(op, srcType);
    FailureOr<LinearLayout> dst = getLayout(op, dstType);
    if (failed(src) || failed(dst))
      return failure();
    Type structType = getTypeConverter()->convertType(dstType);
    if (!structType)
      return op.emitOpError() << "type " << dstType
                              << " has no register layout";
    auto conversion = layout::computeConversion(*src, *dst);
    if (!conversion)
      return op.emitOpError() << llvm::toString(conversion.takeError());
    switch (conversion->kind) {
    case layout::ConversionKind::NoOp:
      rewriter.replaceOp(op, adaptor.getSrc());
      return success();
    case layout::ConversionKind::RegisterPermute:
    case layout::ConversionKind::WarpShuffle:
      return lowerWithinWarp(op, adaptor.getSrc(), conversion->map, *dst,
                             structType, rewriter);
    case layout::ConversionKind::SharedMemory:
      return lowerThroughSharedMemory(op, adaptor.getSrc(), *src, *dst,
                                      structType, rewriter);
    }
    return failure();
  }

  LogicalResult lowerWithinWarp(tilegpu::ConvertLayoutOp op, Value srcValue,
                                const LinearLayout &map,
                                const LinearLayout &dst, Type structType,
                                ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    // map: dst (register, lane, warp) -> src (register, lane, warp).
    LinearLayout toRegister = map.sublayout(map.getInDimNames(),
                                            {layout::kRegister});
    LinearLayout toLane = map.sublayout(map.getInDimNames(), {layout::kLane});
    LinearLayout toWarp = map.sublayout(map.getInDimNames(), {layout::kWarp});
    // The warp never changes here.
    for (StringRef in : map.getInDimNames())
      for (int b = 0, e = map.getInDimSizeLog2(in); b < e; ++b)
        if (toWarp.getBasis(in, b)[0] !=
            (in == layout::kWarp ? int32_t(1) << b : 0))
          return op.emitOpError("a conversion within warps moves elements "
                                "between warps");
    bool shuffles = false;
    for (StringRef in : map.getInDimNames())
      for (int b = 0, e = map.getInDimSizeLog2(in); b < e; ++b)
        shuffles |= toLane.getBasis(in, b)[0] !=
                    (in == layout::kLane ? int32_t(1) << b : 0);
    // The source register's lane/warp-dependent part takes few values.
    SmallVector<int32_t> generators;
    for (StringRef in : {layout::kLane, layout::kWarp})
      for (int b = 0, e = map.getInDimSizeLog2(in); b < e; ++b)
        if (int32_t g = toRegister.getBasis(in, b)[0])
          generators.push_back(g);
    SmallVector<int32_t> candidates = span(generators);
    if (candidates.size() > 32)
      return op.emitOpError("the conversion would need more than 32 "
                            "shuffles per register");

    ThreadIds ids = getThreadIds(rewriter, loc);
    auto regPlan = lowering::planDistributedIndex(toRegister);
    auto lanePlan = lowering::planDistributedIndex(toLane);
    if (!regPlan || !lanePlan) {
      llvm::consumeError(regPlan.takeError());
      llvm::consumeError(lanePlan.takeError());
      return op.emitOpError("cannot plan the conversion's index math");
    }
    LayoutIndexer regIndex(rewriter, loc, std::move(*regPlan),
                           {ids.lane, ids.warp});
    LayoutIndexer laneIndex(rewriter, loc, std::move(*lanePlan),
                            {ids.lane, ids.warp});
    SmallVector<Value> regs = unpackStruct(rewriter, loc, srcValue);
    SmallVector<Value> results;
    for (int32_t r = 0, e = layout::getNumRegisters(dst); r < e; ++r) {
      int32_t base = regIndex.getConstant(r, 0);
      Value srcLane = shuffles ? laneIndex.get(rewriter, loc, r, 0) : Value();
      Value result;
      for (int32_t c : candidates) {
        Value v = regs[base ^ c];
        if (shuffles)
          v = shuffleIdx(rewriter, loc, v, srcLane);
        if (!result) {
          result = v;
          continue;
        }
        Value is = LLVM::ICmpOp::create(rewriter, loc, LLVM::ICmpPredicate::eq,
                                        regIndex.getDynamic(0),
                                        i32Val(rewriter, loc, c));
        result = LLVM::SelectOp::create(rewriter, loc, is, v, result);
      }
      results.push_back(result);
    }
    rewriter.replaceOp(op, packStruct(rewriter, loc, structType, results));
    return success();
  }

  LogicalResult lowerThroughSharedMemory(tilegpu::ConvertLayoutOp op,
                                         Value srcValue,
                                         const LinearLayout &src,
                                         const LinearLayout &dst,
                                         Type structType,
                                         ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    FailureOr<int64_t> offset = getAllocationOffset(op);
    if (failed(offset))
      return failure();
    int64_t elemBytes = tilegpu::getElementBytes(op.getSrc().getType());
    Value base =
        gepBytes(rewriter, loc, getSharedMemoryBase(rewriter, loc, op), *offset);
    ThreadIds ids = getThreadIds(rewriter, loc);
    // (register, lane, warp) -> row-major element index.
    auto srcPlan = lowering::planDistributedIndex(src.flattenOuts("index"));
    auto dstPlan = lowering::planDistributedIndex(dst.flattenOuts("index"));
    if (!srcPlan || !dstPlan) {
      llvm::consumeError(srcPlan.takeError());
      llvm::consumeError(dstPlan.takeError());
      return op.emitOpError("cannot plan the conversion's index math");
    }
    LayoutIndexer srcIndex(rewriter, loc, std::move(*srcPlan),
                           {ids.lane, ids.warp});
    LayoutIndexer dstIndex(rewriter, loc, std::move(*dstPlan),
                           {ids.lane, ids.warp});
    auto address = [&](Value index) {
      Value bytes = LLVM::MulOp::create(rewriter, loc, index,
                                        i32Val(rewriter, loc, elemBytes));
      return gepBytes(rewriter, loc, base, bytes);
    };
    SmallVector<Value> regs = unpackStruct(rewriter, loc, srcValue);
    uint64_t duplicateRegs = lowering::getDuplicateMasks(src).registerMask;
    emitBarrier(rewriter, loc);
    for (auto [r, v] : llvm::enumerate(regs))
      if (!(r & duplicateRegs))
        storeShared(rewriter, loc, address(srcIndex.get(rewriter, loc, r, 0)),
                    v);
    emitBarrier(rewriter, loc);
    Type elemType = regs.front().getType();
    SmallVector<Value> results;
    for (int32_t r = 0, e = layout::getNumRegisters(dst); r < e; ++r)
      results.push_back(loadShared(
          rewriter, loc, address(dstIndex.get(rewriter, loc, r, 0)), elemType));
    emitBarrier(rewriter, loc);
    rewriter.replaceOp(op, packStruct(rewriter, loc, structType, results));
    return success();
  }
};

} // namespace

void tilegpu_to_llvm::populateConvertLayoutOpToLLVMPatterns(
    TileGPUTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConvertLayoutOpConversion>(converter);
}
