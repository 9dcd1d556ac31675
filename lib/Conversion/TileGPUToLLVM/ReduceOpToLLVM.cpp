//===- ReduceOpToLLVM.cpp - tile.reduce
//-------------------------------------===//
//
// A reduction along `axis` of a block in layout S, in three steps, each
// read off S's bases:
//
//  1. within a thread: registers whose coordinates differ only along the
//     axis are combined (in register order);
//  2. within a warp: for each lane bit whose basis moves along the axis,
//     one shfl.sync.bfly with that bit, combined (after which every such
//     lane holds the warp's result);
//  3. across warps, when warp bits move along the axis: each warp writes
//     its partial results to the scratch area at `allocation.offset`
//     (result element e, warp index j along the axis at e * W + j), and
//     after a barrier every thread combines the W partials of its elements
//     in order j = 0..W-1; barriers before and after keep the scratch area
//     private to the op.
//
// The result's registers are then those of slice(axis, S).
//
//===----------------------------------------------------------------------===//

#include "Utility.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/DialectConversion.h"

#include <map>

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu_to_llvm;

namespace {

struct ReduceOpConversion : ConvertOpToLLVMPattern<tile::ReduceOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(tile::ReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto srcType = op.getSrc().getType();
    unsigned axis = op.getAxis();
    FailureOr<LinearLayout> srcLayout = getLayout(op, srcType);
    if (failed(srcLayout))
      return failure();
    const LinearLayout &s = *srcLayout;
    unsigned rank = srcType.getRank();
    std::string axisName = layout::dimName(axis);

    // The combiner: scalar ops cloned with the block arguments mapped.
    Block &body = op.getCombiner().front();
    for (Operation &inner : body.without_terminator())
      if (inner.getNumRegions() != 0 ||
          !isa<arith::ArithDialect, math::MathDialect>(inner.getDialect()))
        return op.emitOpError("combiner ops must be scalar arith or math ops");
    auto yield = cast<tile::ReduceReturnOp>(body.getTerminator());
    auto combine = [&](Value a, Value b) -> Value {
      IRMapping mapping;
      mapping.map(body.getArgument(0), a);
      mapping.map(body.getArgument(1), b);
      for (Operation &inner : body.without_terminator())
        rewriter.clone(inner, mapping);
      return mapping.lookupOrDefault(yield.getResult());
    };

    // Lane and warp bits along the axis must move along it only.
    auto axisBits = [&](StringRef in, uint64_t &mask) -> LogicalResult {
      for (int b = 0, e = s.getInDimSizeLog2(in); b < e; ++b) {
        ArrayRef<int32_t> basis = s.getBasis(in, b);
        bool alongAxis = false, elsewhere = false;
        for (unsigned d = 0; d < rank; ++d)
          (d == axis ? alongAxis : elsewhere) |= basis[d] != 0;
        if (alongAxis && elsewhere)
          return op.emitOpError()
                 << in << " bit " << b
                 << " of the source layout moves along the reduced axis and "
                    "another dimension at once";
        if (alongAxis)
          mask |= uint64_t(1) << b;
      }
      return success();
    };
    uint64_t laneAxisMask = 0, warpAxisMask = 0;
    if (failed(axisBits(layout::kLane, laneAxisMask)) ||
        failed(axisBits(layout::kWarp, warpAxisMask)))
      return failure();

    // 1. Within the thread: group registers by their coordinates off the
    //    axis.
    SmallVector<Value> regs = unpackStruct(rewriter, loc, adaptor.getSrc());
    std::map<SmallVector<int32_t>, SmallVector<int32_t>> groups;
    for (int32_t r = 0, e = layout::getNumRegisters(s); r < e; ++r) {
      SmallVector<int32_t> key;
      unsigned d = 0;
      for (auto &[name, value] : s.apply({{layout::kRegister, r}}))
        if (d++ != axis)
          key.push_back(value);
      groups[key].push_back(r);
    }
    std::map<SmallVector<int32_t>, Value> partial;
    for (auto &[key, members] : groups) {
      Value acc = regs[members.front()];
      for (int32_t r : ArrayRef(members).drop_front())
        acc = combine(acc, regs[r]);
      partial[key] = acc;
    }

    // 2. Within the warp.
    for (auto &[key, acc] : partial)
      for (int b = 0; b < 5; ++b)
        if (laneAxisMask & (uint64_t(1) << b))
          acc = combine(acc, shuffleXor(rewriter, loc, acc, 1 << b));

    // 3. Across warps.
    if (warpAxisMask) {
      FailureOr<int64_t> offset = getAllocationOffset(op);
      if (failed(offset))
        return failure();
      int64_t elemBytes = tilegpu::getElementBytes(srcType);
      int warpsLog2 = llvm::popcount(warpAxisMask);
      Value base = gepBytes(rewriter, loc,
                            getSharedMemoryBase(rewriter, loc, op), *offset);
      ThreadIds ids = getThreadIds(rewriter, loc);
      // The warp's index along the axis: its axis bits, compressed.
      Value warpIndex = i32Val(rewriter, loc, 0);
      for (int b = 0, j = 0; b < 32; ++b) {
        if (!(warpAxisMask & (uint64_t(1) << b)))
          continue;
        lowering::IndexTerm term{uint64_t(1) << b, j - b};
        warpIndex =
            LLVM::OrOp::create(rewriter, loc, warpIndex,
                               emitTerms(rewriter, loc, {term}, ids.warp));
        ++j;
      }
      // The flat (row-major) index of each result element, as a linear
      // layout of (register, lane, warp).
      SmallVector<StringRef> kept;
      for (unsigned d = 0; d < rank; ++d)
        if (d != axis)
          kept.push_back(s.getOutDims()[d].name);
      LinearLayout resultIndex =
          s.sublayout(s.getInDimNames(), kept).flattenOuts("index");
      auto plan = lowering::planDistributedIndex(resultIndex);
      if (!plan)
        return op.emitOpError() << llvm::toString(plan.takeError());
      LayoutIndexer indexer(rewriter, loc, std::move(*plan),
                            {ids.lane, ids.warp});
      Type elemType = partial.begin()->second.getType();
      auto address = [&](Value index, Value j) {
        Value slot = LLVM::OrOp::create(
            rewriter, loc,
            LLVM::ShlOp::create(rewriter, loc, index,
                                i32Val(rewriter, loc, warpsLog2)),
            j);
        Value bytes = LLVM::MulOp::create(rewriter, loc, slot,
                                          i32Val(rewriter, loc, elemBytes));
        return gepBytes(rewriter, loc, base, bytes);
      };
      SmallVector<Value> indices;
      for (auto &[key, members] : groups)
        indices.push_back(indexer.get(rewriter, loc, members.front(), 0));
      emitBarrier(rewriter, loc);
      for (auto [i, entry] : llvm::enumerate(partial))
        storeShared(rewriter, loc, address(indices[i], warpIndex),
                    entry.second);
      emitBarrier(rewriter, loc);
      for (auto [i, entry] : llvm::enumerate(partial)) {
        Value acc;
        for (int j = 0; j < (1 << warpsLog2); ++j) {
          Value v = loadShared(rewriter, loc,
                               address(indices[i], i32Val(rewriter, loc, j)),
                               elemType);
          acc = acc ? combine(acc, v) : v;
        }
        entry.second = acc;
      }
      emitBarrier(rewriter, loc);
    }

    // The result.
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!resultType) {
      if (partial.size() != 1)
        return op.emitOpError("a scalar reduction must leave one value");
      rewriter.replaceOp(op, partial.begin()->second);
      return success();
    }
    FailureOr<LinearLayout> dstLayout = getLayout(op, resultType);
    if (failed(dstLayout))
      return failure();
    const LinearLayout &d = *dstLayout;
    // Lanes and warps must hold what the source's held, off the axis.
    for (StringRef in : {layout::kLane, layout::kWarp}) {
      bool same = d.getInDimSizeLog2(in) == s.getInDimSizeLog2(in);
      for (int b = 0, e = s.getInDimSizeLog2(in); same && b < e; ++b)
        for (unsigned dd = 0, k = 0; dd < rank; ++dd)
          if (dd != axis)
            same &= s.getBasis(in, b)[dd] ==
                    d.getBasis(in, b, layout::dimName(k++));
      if (!same)
        return op.emitOpError()
               << "the result layout must be the slice of the source layout "
                  "along the reduced axis (its "
               << in << "s differ)";
    }
    SmallVector<Value> results;
    for (int32_t r = 0, e = layout::getNumRegisters(d); r < e; ++r) {
      SmallVector<int32_t> key;
      for (auto &[name, value] : d.apply({{layout::kRegister, r}}))
        key.push_back(value);
      auto it = partial.find(key);
      if (it == partial.end())
        return op.emitOpError()
               << "the result layout must be the slice of the source layout "
                  "along the reduced axis (register "
               << r << " holds an element no source register reduces to)";
      results.push_back(it->second);
    }
    Type structType = getTypeConverter()->convertType(resultType);
    rewriter.replaceOp(op, packStruct(rewriter, loc, structType, results));
    return success();
  }
};

} // namespace

void tilegpu_to_llvm::populateReduceOpToLLVMPatterns(
    TileGPUTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ReduceOpConversion>(converter);
}
