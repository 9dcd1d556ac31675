//===- DotOpToLLVM.cpp - tile.dot on mma.sync
//-------------------------------===//
//
// tile.dot with dot_op operands and an mma accumulator becomes one
// nvvm.mma.sync per (M tile, N tile, K tile) of the thread's registers:
//
//   f16 x f16 -> f32/f16   m16n8k16 (sm_80+) or m16n8k8 (sm_75), operands
//                          packed two per vector<2xf16>
//   bf16 x bf16 -> f32     m16n8k16 / m16n8k8, packed two per i32 (sm_80+)
//   f32 x f32 -> f32 tf32  m16n8k8 .tf32, cvt.rna.tf32.f32 per element
//
// Which registers form an instruction's fragment is computed, not
// tabulated: the fragment of one instruction is the dot-operand (mma)
// layout of one warp over one instruction's shape, and
// lowering::getFragmentTiles matches the operand's registers against it.
// The K tiles accumulate in order, K outermost.
//
//===----------------------------------------------------------------------===//

#include "Utility.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu_to_llvm;

namespace {

struct DotOpConversion : ConvertOpToLLVMPattern<tile::DotOp> {
  DotOpConversion(TileGPUTypeConverter &converter, const LoweringState &state)
      : ConvertOpToLLVMPattern(converter), state(state) {}

  LogicalResult
  matchAndRewrite(tile::DotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    auto aType = cast<RankedTensorType>(op.getA().getType());
    auto bType = cast<RankedTensorType>(op.getB().getType());
    auto cType = cast<RankedTensorType>(op.getType());
    auto mma =
        dyn_cast_if_present<tilegpu::MmaEncodingAttr>(cType.getEncoding());
    auto aEnc = dyn_cast_if_present<tilegpu::DotOperandEncodingAttr>(
        aType.getEncoding());
    auto bEnc = dyn_cast_if_present<tilegpu::DotOperandEncodingAttr>(
        bType.getEncoding());
    if (!mma || !aEnc || !bEnc || aEnc.getOpIdx() != 0 ||
        bEnc.getOpIdx() != 1 || aEnc.getParent() != mma ||
        bEnc.getParent() != mma)
      return op.emitOpError("needs dot_op operands (opIdx 0 and 1) of the "
                            "result's mma layout");

    Type elemA = aType.getElementType(), elemC = cType.getElementType();
    unsigned instrK = mma.getInstrK();
    enum class Kind { F16, BF16, TF32 } kind;
    if (elemA.isF16())
      kind = Kind::F16;
    else if (elemA.isBF16())
      kind = Kind::BF16;
    else if (elemA.isF32() &&
             op.getInputPrecision() == tile::InputPrecision::tf32)
      kind = Kind::TF32;
    else
      return op.emitOpError()
             << "mma.sync does not support " << elemA << " operands"
             << (elemA.isF32() ? " in ieee precision" : "");
    if (bType.getElementType() != elemA)
      return op.emitOpError("operands must have one element type");
    if (!elemC.isF32() && !(kind == Kind::F16 && elemC.isF16()))
      return op.emitOpError() << "mma.sync cannot accumulate " << elemA
                              << " products in " << elemC;
    unsigned kWidth = kind == Kind::TF32 ? 1 : 2;
    if (aEnc.getKWidth() != kWidth || bEnc.getKWidth() != kWidth)
      return op.emitOpError()
             << "operands of " << elemA << " need kWidth " << kWidth;
    if (kind == Kind::TF32 && instrK != 8)
      return op.emitOpError("tf32 mma.sync is m16n8k8 (instrK 8)");
    if (state.arch < 80 && (kind != Kind::F16 || instrK != 8))
      return op.emitOpError()
             << "sm_" << state.arch
             << " has only the f16 mma.sync.m16n8k8 (instrK 8)";

    // Layouts: whole operands and single-instruction fragments.
    FailureOr<LinearLayout> la = getLayout(op, aType);
    FailureOr<LinearLayout> lb = getLayout(op, bType);
    FailureOr<LinearLayout> lc = getLayout(op, cType);
    if (failed(la) || failed(lb) || failed(lc))
      return failure();
    layout::MmaParams one = mma.getParams();
    one.warpsPerCTA = {1, 1};
    auto fragA = layout::dotOperand(0, {16, instrK}, one, kWidth);
    auto fragB = layout::dotOperand(1, {instrK, 8}, one, kWidth);
    auto fragC = layout::mma({16, 8}, one);
    if (!fragA || !fragB || !fragC) {
      llvm::consumeError(fragA.takeError());
      llvm::consumeError(fragB.takeError());
      llvm::consumeError(fragC.takeError());
      return op.emitOpError("cannot build the mma fragment layouts");
    }
    auto tilesA = lowering::getFragmentTiles(*la, *fragA);
    auto tilesB = lowering::getFragmentTiles(*lb, *fragB);
    auto tilesC = lowering::getFragmentTiles(*lc, *fragC);
    for (auto *tiles : {&tilesA, &tilesB, &tilesC})
      if (!*tiles)
        return op.emitOpError() << "operand layout does not match mma.sync: "
                                << llvm::toString(tiles->takeError());
    // Warps: A and C move along M together, B and C along N, never along K.
    for (int b = 0, e = lc->getInDimSizeLog2(layout::kWarp); b < e; ++b) {
      ArrayRef<int32_t> wa = la->getBasis(layout::kWarp, b);
      ArrayRef<int32_t> wb = lb->getBasis(layout::kWarp, b);
      ArrayRef<int32_t> wc = lc->getBasis(layout::kWarp, b);
      if (wa[1] != 0 || wb[0] != 0 || wa[0] != wc[0] || wb[1] != wc[1])
        return op.emitOpError("the warps of the operands do not match the "
                              "warps of the accumulator");
    }

    int64_t kTiles = aType.getShape()[1] / instrK;
    SmallVector<Value> a = unpackStruct(rewriter, loc, adaptor.getA());
    SmallVector<Value> b = unpackStruct(rewriter, loc, adaptor.getB());
    SmallVector<Value> c = unpackStruct(rewriter, loc, adaptor.getAcc());
    SmallVector<Value> d(c.size());

    Type i32 = rewriter.getI32Type();
    // Pack fragment slots into the instruction's 32-bit operands.
    auto pack = [&](ArrayRef<int32_t> regs,
                    ArrayRef<Value> values) -> SmallVector<Value> {
      SmallVector<Value> words;
      if (kind == Kind::TF32) {
        for (int32_t r : regs)
          words.push_back(NVVM::ConvertFloatToTF32Op::create(
              rewriter, loc, i32, values[r],
              NVVM::FPRoundingModeAttr::get(ctx, NVVM::FPRoundingMode::RNA),
              NVVM::SaturationModeAttr::get(ctx, NVVM::SaturationMode::NONE),
              rewriter.getBoolAttr(false)));
        return words;
      }
      Type elem = values[regs[0]].getType();
      auto pairType = VectorType::get({2}, elem);
      for (size_t i = 0; i < regs.size(); i += 2) {
        Value pair = LLVM::UndefOp::create(rewriter, loc, pairType);
        for (int j = 0; j < 2; ++j)
          pair = LLVM::InsertElementOp::create(rewriter, loc, pair,
                                               values[regs[i + j]],
                                               i32Val(rewriter, loc, j));
        words.push_back(
            kind == Kind::BF16
                ? LLVM::BitcastOp::create(rewriter, loc, i32, pair).getResult()
                : pair);
      }
      return words;
    };

    std::array<NVVM::MMATypes, 2> ptxTypes;
    switch (kind) {
    case Kind::F16:
      ptxTypes = {NVVM::MMATypes::f16, NVVM::MMATypes::f16};
      break;
    case Kind::BF16:
      ptxTypes = {NVVM::MMATypes::bf16, NVVM::MMATypes::bf16};
      break;
    case Kind::TF32:
      ptxTypes = {NVVM::MMATypes::tf32, NVVM::MMATypes::tf32};
      break;
    }
    bool f16Acc = elemC.isF16();
    Type accWord = f16Acc ? Type(VectorType::get({2}, rewriter.getF16Type()))
                          : Type(rewriter.getF32Type());
    unsigned accWords = f16Acc ? 2 : 4;
    Type resultType = LLVM::LLVMStructType::getLiteral(
        ctx, SmallVector<Type>(accWords, accWord));

    // K outermost: the products of K tile k use only k's operand fragments,
    // so fragments loaded from shared memory live from their load to the
    // last product of their K tile (and the next tile's loads can overlap
    // this tile's products), instead of all of an operand staying live.
    SmallVector<SmallVector<Value>> accs;
    for (auto &[tileC, regsC] : tilesC->tiles) {
      SmallVector<Value> acc;
      if (f16Acc) {
        acc = pack(regsC, c);
      } else {
        for (int32_t r : regsC)
          acc.push_back(c[r]);
      }
      accs.push_back(std::move(acc));
    }
    for (int64_t tk = 0; tk < kTiles; ++tk) {
      for (auto [i, entry] : llvm::enumerate(tilesC->tiles)) {
        int32_t tm = entry.first[0], tn = entry.first[1];
        auto itA = tilesA->tiles.find({tm, int32_t(tk)});
        auto itB = tilesB->tiles.find({int32_t(tk), tn});
        if (itA == tilesA->tiles.end() || itB == tilesB->tiles.end())
          return op.emitOpError() << "a thread lacks the operand fragments of "
                                     "mma tile ("
                                  << tm << ", " << tn << ", k " << tk << ")";
        SmallVector<Value> wordsA = pack(itA->second, a);
        SmallVector<Value> wordsB = pack(itB->second, b);
        Value result = NVVM::MmaOp::create(
            rewriter, loc, resultType, wordsA, wordsB, accs[i],
            {16, 8, int64_t(instrK)}, std::nullopt, std::nullopt, ptxTypes,
            std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                           NVVM::MMALayout::col});
        accs[i] = unpackStruct(rewriter, loc, result);
      }
    }
    // Back to registers.
    for (auto [i, entry] : llvm::enumerate(tilesC->tiles)) {
      ArrayRef<int32_t> regsC = entry.second;
      ArrayRef<Value> acc = accs[i];
      if (f16Acc) {
        for (size_t j = 0; j < regsC.size(); ++j)
          d[regsC[j]] = LLVM::ExtractElementOp::create(
              rewriter, loc, acc[j / 2], i32Val(rewriter, loc, j % 2));
      } else {
        for (size_t j = 0; j < regsC.size(); ++j)
          d[regsC[j]] = acc[j];
      }
    }
    // Registers duplicating a fragment slot (small shapes) copy it.
    for (auto [r, value] : llvm::enumerate(d))
      if (!value)
        return op.emitOpError("the accumulator layout duplicates registers, "
                              "which mma.sync cannot produce");
    Type structType = getTypeConverter()->convertType(cType);
    rewriter.replaceOp(op, packStruct(rewriter, loc, structType, d));
    return success();
  }

  const LoweringState &state;
};

} // namespace

void tilegpu_to_llvm::populateDotOpToLLVMPatterns(
    TileGPUTypeConverter &converter, RewritePatternSet &patterns,
    const LoweringState &state) {
  patterns.add<DotOpConversion>(converter, state);
}
