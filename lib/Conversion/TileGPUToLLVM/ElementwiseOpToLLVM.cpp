//===- ElementwiseOpToLLVM.cpp - arith and math on encoded tensors
//---------===//
//
// An arith or math op on tensors in one layout is the same op on each
// register: the op is cloned once per register with scalar operands, and
// the scalar clones are left for the upstream arith/math conversions.
//
// Scalar math that PTX has no instruction for is rewritten after the main
// conversion (populateScalarMathPatterns): exp2, exp, log2, log and rsqrt of
// f32 become the NVVM approximate intrinsics (ex2.approx, lg2.approx,
// rsqrt.approx, tanh.approx; exp and log through a multiplication by
// log2(e) and ln(2)),
// f16/bf16 math is computed in f32, and the rest (erf, atan, sin,
// ...) is expanded into polynomials by the upstream math transforms.
//
//===----------------------------------------------------------------------===//

#include "Utility.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/DialectConversion.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu_to_llvm;

/// Whether `type` is an encoded tensor (the ops this file converts).
static bool isTensor(Type type) { return isa<RankedTensorType>(type); }

namespace {

/// Any arith/math op with a tensor result (arith.constant aside, see
/// ViewOpToLLVM.cpp): one scalar clone per register.
struct ElementwiseOpConversion : ConversionPattern {
  ElementwiseOpConversion(TileGPUTypeConverter &converter, MLIRContext *ctx)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isa<arith::ArithDialect, math::MathDialect>(op->getDialect()) ||
        isa<arith::ConstantOp>(op))
      return failure();
    if (op->getNumResults() != 1 || !isTensor(op->getResult(0).getType()))
      return failure();
    if (op->getNumRegions() != 0)
      return op->emitOpError("with regions is not supported on tensors");
    Location loc = op->getLoc();
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    Type structType = getTypeConverter()->convertType(resultType);
    Type scalarType = convertElementType(*getTypeConverter(), resultType);
    if (!structType || !scalarType)
      return op->emitOpError()
             << "result type " << resultType << " has no register layout";
    FailureOr<LinearLayout> resultLayout = getLayout(op, resultType);
    if (failed(resultLayout))
      return failure();

    // Every tensor operand must be in the result's layout.
    SmallVector<SmallVector<Value>> registers;
    for (auto [original, converted] : llvm::zip(op->getOperands(), operands)) {
      if (!isTensor(original.getType())) {
        registers.push_back({converted});
        continue;
      }
      FailureOr<LinearLayout> layout = getLayout(op, original.getType());
      if (failed(layout))
        return failure();
      if (!layout::areEquivalent(*layout, *resultLayout))
        return op->emitOpError()
               << "operands and result must have one layout, got "
               << original.getType() << " and " << resultType;
      registers.push_back(unpackStruct(rewriter, loc, converted));
    }

    int32_t numRegs = layout::getNumRegisters(*resultLayout);
    SmallVector<Value> results;
    for (int32_t r = 0; r < numRegs; ++r) {
      IRMapping mapping;
      for (auto [i, original] : llvm::enumerate(op->getOperands()))
        mapping.map(original, registers[i].size() == 1 ? registers[i][0]
                                                       : registers[i][r]);
      Operation *scalar = rewriter.clone(*op, mapping);
      scalar->getResult(0).setType(scalarType);
      results.push_back(scalar->getResult(0));
    }
    rewriter.replaceOp(op, packStruct(rewriter, loc, structType, results));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Scalar math on f32 -> NVVM approximations
//===----------------------------------------------------------------------===//

Value callNVVM(PatternRewriter &rewriter, Location loc, StringRef intrinsic,
               Value x) {
  return LLVM::CallIntrinsicOp::create(rewriter, loc, x.getType(),
                                       rewriter.getStringAttr(intrinsic),
                                       ValueRange{x})
      .getResult(0);
}

Value mulConst(PatternRewriter &rewriter, Location loc, Value x, double c) {
  Value k = LLVM::ConstantOp::create(rewriter, loc, x.getType(),
                                     rewriter.getF32FloatAttr(float(c)));
  return LLVM::FMulOp::create(rewriter, loc, x, k);
}

/// exp2 -> ex2.approx.ftz.f32; exp(x) -> ex2.approx.ftz(x * log2(e)).
/// Results below 2^-126 flush to zero (as CUDA's fast-math exp2f): without
/// .ftz, sm_80+ expands ex2.approx into a range check, two multiplies and
/// the MUFU, which in a softmax costs instructions and live registers per
/// element.
template <typename OpTy> struct Exp2Lowering : OpRewritePattern<OpTy> {
  Exp2Lowering(MLIRContext *ctx, double scale)
      : OpRewritePattern<OpTy>(ctx, /*benefit=*/10), scale(scale) {}
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF32())
      return failure();
    Value x = op.getOperand();
    if (scale != 1.0)
      x = mulConst(rewriter, op.getLoc(), x, scale);
    rewriter.replaceOp(
        op, callNVVM(rewriter, op.getLoc(), "llvm.nvvm.ex2.approx.ftz.f32", x));
    return success();
  }
  double scale;
};

/// log2 -> lg2.approx.f32; log(x) -> lg2.approx(x) * ln(2).
template <typename OpTy> struct Log2Lowering : OpRewritePattern<OpTy> {
  Log2Lowering(MLIRContext *ctx, double scale)
      : OpRewritePattern<OpTy>(ctx, /*benefit=*/10), scale(scale) {}
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF32())
      return failure();
    Value y = callNVVM(rewriter, op.getLoc(), "llvm.nvvm.lg2.approx.f",
                       op.getOperand());
    if (scale != 1.0)
      y = mulConst(rewriter, op.getLoc(), y, scale);
    rewriter.replaceOp(op, y);
    return success();
  }
  double scale;
};

/// tanh -> tanh.approx.f32 (one MUFU, sm_75+; max relative error about
/// 2^-11, as CUDA's fast-math tanhf and FlashAttention's softcap use).
struct TanhLowering : OpRewritePattern<math::TanhOp> {
  TanhLowering(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/10) {}
  LogicalResult matchAndRewrite(math::TanhOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF32())
      return failure();
    // llvm.tanh with afn: NVPTX selects tanh.approx.f32 for it.
    rewriter.replaceOpWithNewOp<LLVM::TanhOp>(
        op, op.getOperand(),
        LLVM::FastmathFlagsAttr::get(op.getContext(), LLVM::FastmathFlags::afn));
    return success();
  }
};

struct RsqrtLowering : OpRewritePattern<math::RsqrtOp> {
  RsqrtLowering(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/10) {}
  LogicalResult matchAndRewrite(math::RsqrtOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF32())
      return failure();
    rewriter.replaceOp(op,
                       callNVVM(rewriter, op.getLoc(),
                                "llvm.nvvm.rsqrt.approx.f", op.getOperand()));
    return success();
  }
};

} // namespace

void tilegpu_to_llvm::populateElementwiseOpToLLVMPatterns(
    TileGPUTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ElementwiseOpConversion>(converter, patterns.getContext());
}

/// Math ops PTX computes natively or LLVM's NVPTX back end lowers (sqrt,
/// fabs, floor, ceil, trunc, fma, copysign, min/max...) are left alone; the
/// transcendental ones that NVPTX would turn into libm calls are replaced.
static bool approximatedByPolynomial(StringRef name) {
  name.consume_front("math.");
  return llvm::is_contained({"tanh", "erf", "erfc", "atan", "atan2", "log1p",
                             "expm1", "sin", "cos", "cbrt", "asin", "acos"},
                            name);
}

void tilegpu_to_llvm::populateScalarMathPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<Exp2Lowering<math::Exp2Op>>(ctx, 1.0);
  patterns.add<Exp2Lowering<math::ExpOp>>(ctx, llvm::numbers::log2e);
  patterns.add<Log2Lowering<math::Log2Op>>(ctx, 1.0);
  patterns.add<Log2Lowering<math::LogOp>>(ctx, llvm::numbers::ln2);
  patterns.add<Log2Lowering<math::Log10Op>>(ctx, llvm::numbers::ln2 /
                                                     llvm::numbers::ln10);
  patterns.add<RsqrtLowering>(ctx);
  patterns.add<TanhLowering>(ctx);
  // f16/bf16 (and the other small types) in f32.
  populateMathF32ExpansionPatterns(patterns, [](StringRef) { return true; });
  populateMathPolynomialApproximationPatterns(patterns,
                                              approximatedByPolynomial);
  math::populateExpansionPatterns(patterns, {"tan", "sinh", "cosh", "asinh",
                                             "acosh", "atanh", "powf", "fpowi",
                                             "roundeven", "round", "ctlz"});
}
