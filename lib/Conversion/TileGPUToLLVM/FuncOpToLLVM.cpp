//===- FuncOpToLLVM.cpp - kernels to llvm.func
//-----------------------------===//
//
// A `tile.kernel` func.func becomes an llvm.func with `nvvm.kernel` (the PTX
// .entry), `nvvm.maxntid = 32 * num_warps` and `nvvm.minctasm = 1` (CUDA's
// __launch_bounds__(threads, 1)); pointer arguments marked
// `tile.divisibility = 16` carry `llvm.align = 16`.
//
//===----------------------------------------------------------------------===//

#include "Utility.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu_to_llvm;

namespace {

struct FuncOpConversion : ConvertOpToLLVMPattern<func::FuncOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(func::FuncOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op.isExternal())
      return op.emitOpError("declarations are not supported on the GPU");
    const TypeConverter &converter = *getTypeConverter();
    FunctionType type = op.getFunctionType();
    bool isKernel = op->hasAttr("tile.kernel");
    TypeConverter::SignatureConversion signature(type.getNumInputs());
    for (auto [i, input] : llvm::enumerate(type.getInputs())) {
      Type converted = converter.convertType(input);
      if (!converted || !LLVM::isCompatibleType(converted))
        return op.emitOpError() << "argument " << i << " of type " << input
                                << " has no LLVM equivalent";
      signature.addInputs(i, converted);
    }
    SmallVector<Type> results;
    for (Type result : type.getResults()) {
      Type converted = converter.convertType(result);
      if (!converted || !LLVM::isCompatibleType(converted))
        return op.emitOpError()
               << "result of type " << result << " has no LLVM equivalent";
      results.push_back(converted);
    }
    if (isKernel && !results.empty())
      return op.emitOpError("a kernel returns no values");
    if (results.size() > 1)
      return op.emitOpError("functions return at most one value");
    Type resultType = results.empty() ? LLVM::LLVMVoidType::get(op.getContext())
                                      : results.front();
    auto llvmType =
        LLVM::LLVMFunctionType::get(resultType, signature.getConvertedTypes());

    auto func =
        LLVM::LLVMFuncOp::create(rewriter, op.getLoc(), op.getName(), llvmType);
    if (isKernel) {
      auto module = op->getParentOfType<ModuleOp>();
      func->setAttr(NVVM::NVVMDialect::getKernelFuncAttrName(),
                    rewriter.getUnitAttr());
      func->setAttr(NVVM::NVVMDialect::getMaxntidAttrName(),
                    rewriter.getDenseI32ArrayAttr(
                        {int32_t(tilegpu::getNumThreads(module))}));
      // As CUDA's __launch_bounds__(threads, 1): one CTA per SM suffices,
      // so ptxas does not spill to raise occupancy.
      func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                    rewriter.getI32IntegerAttr(1));
    }
    for (unsigned i = 0, e = type.getNumInputs(); i < e; ++i) {
      auto divisibility =
          op.getArgAttrOfType<IntegerAttr>(i, "tile.divisibility");
      if (divisibility && isa<tile::PointerType>(type.getInput(i)))
        func.setArgAttr(i, LLVM::LLVMDialect::getAlignAttrName(),
                        rewriter.getI64IntegerAttr(divisibility.getInt()));
    }
    rewriter.inlineRegionBefore(op.getBody(), func.getBody(), func.end());
    if (failed(rewriter.convertRegionTypes(&func.getBody(), converter,
                                           &signature)))
      return op.emitOpError("cannot convert the types of the body");
    rewriter.eraseOp(op);
    return success();
  }
};

struct ReturnOpConversion : ConvertOpToLLVMPattern<func::ReturnOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(func::ReturnOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isa<LLVM::LLVMFuncOp>(op->getParentOp()))
      return failure();
    rewriter.replaceOpWithNewOp<LLVM::ReturnOp>(op, adaptor.getOperands());
    return success();
  }
};

struct CallOpConversion : ConvertOpToLLVMPattern<func::CallOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(func::CallOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    return op.emitOpError("calls are not supported in GPU kernels (inline "
                          "the callee first)");
  }
};

} // namespace

void tilegpu_to_llvm::populateFuncOpToLLVMPatterns(
    TileGPUTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<FuncOpConversion, ReturnOpConversion, CallOpConversion>(
      converter);
}
