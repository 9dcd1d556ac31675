//===- ConvertLayoutOpToLLVM.cpp - tilegpu.convert_layout
//------------------===//
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
//                    at `allocation.offset`, then loads the destination's;
//                    barriers before, between and after. The block is
//                    staged row-major, or, for 16-bit mma operands, with
//                    the mma-operand swizzle and read back with ldmatrix;
//                    accesses are vectorized where registers are
//                    contiguous in the staging layout.
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

/// How a conversion through shared memory lays the block out in its
/// scratch area ("offset" -> tensor coordinates), and whether the
/// destination reads it with ldmatrix.
struct Staging {
  LinearLayout layout;
  bool ldmatrix = false;
};

/// Row-major, except for 16-bit mma operands: those are staged with the
/// swizzle ldmatrix reads without bank conflicts (rows along the source's
/// contiguous dimension, so the stores vectorize). Both layouts are
/// bijections onto the block: the scratch area's size is the same.
FailureOr<Staging> getStaging(tilegpu::ConvertLayoutOp op,
                              const LinearLayout &src, const LinearLayout &dst,
                              int64_t offset) {
  auto type = op.getSrc().getType();
  ArrayRef<int64_t> shape = type.getShape();
  int64_t elemBytes = tilegpu::getElementBytes(type);
  if (isa<tilegpu::DotOperandEncodingAttr>(op.getType().getEncoding()) &&
      shape.size() == 2 && elemBytes == 2 && offset % 16 == 0) {
    unsigned fast =
        src.getNumConsecutiveInOut(layout::kRegister, layout::dimName(0)) >
                src.getNumConsecutiveInOut(layout::kRegister,
                                           layout::dimName(1))
            ? 0
            : 1;
    SmallVector<unsigned> order = {fast, 1 - fast};
    auto swizzle = layout::mmaOperandSwizzle(shape, order, 16);
    if (!swizzle)
      return op.emitOpError() << llvm::toString(swizzle.takeError());
    auto swizzled = layout::swizzled(shape, *swizzle, order);
    if (!swizzled)
      return op.emitOpError() << llvm::toString(swizzled.takeError());
    std::optional<LinearLayout> t = dst.invertAndCompose(*swizzled);
    if (t) {
      auto plan = lowering::planLdMatrix(*t);
      if (plan)
        return Staging{std::move(*swizzled), true};
      llvm::consumeError(plan.takeError());
    }
  }
  SmallVector<unsigned> rowMajor;
  for (unsigned d = shape.size(); d-- > 0;)
    rowMajor.push_back(d);
  auto layout = layout::swizzled(shape, {1, 1, 1}, rowMajor);
  if (!layout)
    return op.emitOpError() << llvm::toString(layout.takeError());
  return Staging{std::move(*layout), false};
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
      return op.emitOpError()
             << "type " << dstType << " has no register layout";
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
    LinearLayout toRegister =
        map.sublayout(map.getInDimNames(), {layout::kRegister});
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

  LogicalResult
  lowerThroughSharedMemory(tilegpu::ConvertLayoutOp op, Value srcValue,
                           const LinearLayout &src, const LinearLayout &dst,
                           Type structType,
                           ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    FailureOr<int64_t> offset = getAllocationOffset(op);
    if (failed(offset))
      return failure();
    auto srcType = op.getSrc().getType();
    int64_t elemBytes = tilegpu::getElementBytes(srcType);
    FailureOr<Staging> staging = getStaging(op, src, dst, *offset);
    if (failed(staging))
      return failure();
    std::optional<LinearLayout> srcToOffset =
        src.invertAndCompose(staging->layout);
    std::optional<LinearLayout> dstToOffset =
        dst.invertAndCompose(staging->layout);
    if (!srcToOffset || !dstToOffset)
      return op.emitOpError("cannot stage the block in shared memory");

    Value base = gepBytes(rewriter, loc, getSharedMemoryBase(rewriter, loc, op),
                          *offset);
    SmallVector<Value> regs = unpackStruct(rewriter, loc, srcValue);
    emitBarrier(rewriter, loc);
    if (failed(storeRegistersToShared(rewriter, loc, op, regs, *srcToOffset,
                                      base, elemBytes)))
      return failure();
    emitBarrier(rewriter, loc);
    FailureOr<SmallVector<Value>> results = loadRegistersFromShared(
        rewriter, loc, op, *dstToOffset, base, regs.front().getType(),
        elemBytes, staging->ldmatrix);
    if (failed(results))
      return failure();
    emitBarrier(rewriter, loc);
    rewriter.replaceOp(op, packStruct(rewriter, loc, structType, *results));
    return success();
  }
};

} // namespace

void tilegpu_to_llvm::populateConvertLayoutOpToLLVMPatterns(
    TileGPUTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConvertLayoutOpConversion>(converter);
}
