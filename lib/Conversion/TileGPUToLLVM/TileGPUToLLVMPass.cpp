//===- TileGPUToLLVMPass.cpp - the convert-tilegpu-to-llvm pass -----------===//
//
// 1. The vector width of every global memory access is picked from the
//    layouts and tilegpu::AxisInfoAnalysis (contiguity, alignment, mask
//    constancy), while the tilegpu IR is still intact.
// 2. One dialect conversion rewrites kernels, tile and tilegpu ops and
//    arith/math on tensors into LLVM + NVVM ops on per-thread registers;
//    scf ops get their types converted (loop-carried blocks become
//    structs) and stay for convert-scf-to-cf.
// 3. Scalar math without a PTX instruction is rewritten (NVVM
//    approximations, f32 for 16-bit floats, polynomials).
//
//===----------------------------------------------------------------------===//

#include "Utility.h"

#include "flashtile/Conversion/TileGPUToLLVM/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace flashtile {
#define GEN_PASS_DEF_CONVERTTILEGPUTOLLVM
#include "flashtile/Conversion/TileGPUToLLVM/Passes.h.inc"
} // namespace flashtile

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu_to_llvm;

namespace {

bool hasTensorType(Operation *op) {
  auto isTensor = [](Type t) { return isa<RankedTensorType>(t); };
  return llvm::any_of(op->getOperandTypes(), isTensor) ||
         llvm::any_of(op->getResultTypes(), isTensor);
}

/// Whether some op of the module uses shared memory.
bool usesSharedMemory(ModuleOp module) {
  bool uses = false;
  module.walk([&](Operation *op) {
    if (isa<tilegpu::LocalAllocOp>(op) ||
        op->hasAttr(tilegpu::kAllocationOffsetAttrName))
      uses = true;
  });
  return uses;
}

/// A function's name becomes a PTX symbol beside the back end's own: it must
/// be a PTX identifier (ASCII letters, digits, '_', '$'; not starting with a
/// digit; the NVPTX back end aborts on others) and none of the names the
/// lowering and libdevice use (a kernel named like the shared-memory symbol
/// would alias it; `__nvvm_reflect` is consumed by the back end).
LogicalResult checkEntryName(func::FuncOp func) {
  StringRef name = func.getSymName();
  auto isPtxChar = [](char c) {
    return llvm::isAlnum(c) || c == '_' || c == '$';
  };
  if (name.empty() || llvm::isDigit(name.front()) ||
      !llvm::all_of(name, isPtxChar))
    return func.emitError()
           << "kernel name '" << name
           << "' is not a PTX identifier: CUDA kernels take ASCII letters, "
              "digits, '_' and '$' (not a leading digit)";
  if (name == kSharedMemoryName || name.starts_with("__nv"))
    return func.emitError() << "kernel name '" << name
                            << "' is reserved for the NVIDIA back end's own "
                               "symbols; rename the kernel";
  return success();
}

/// `llvm.mlir.global external @global_smem() {addr_space = 3, alignment =
/// 16} : !llvm.array<0 x i8>`: the dynamic shared memory of the kernel,
/// sized at launch by the module's `tilegpu.shared`.
void declareSharedMemory(ModuleOp module) {
  if (module.lookupSymbol(kSharedMemoryName))
    return;
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToStart(module.getBody());
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), 0);
  LLVM::GlobalOp::create(b, module.getLoc(), type, /*isConstant=*/false,
                         LLVM::Linkage::External, kSharedMemoryName,
                         Attribute(), /*alignment=*/16, /*addrSpace=*/3);
}

struct ConvertTileGPUToLLVMPass
    : flashtile::impl::ConvertTileGPUToLLVMBase<ConvertTileGPUToLLVMPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    // The target: the option, else the module's `tilegpu.target`, else 80.
    int moduleArch = 0;
    if (auto target = module->getAttrOfType<StringAttr>(
            tilegpu::TileGPUDialect::kTargetAttrName)) {
      StringRef text = target.getValue();
      if (!text.consume_front("cuda:") || text.getAsInteger(10, moduleArch)) {
        module.emitError() << "unsupported target '" << target.getValue()
                           << "' (expected cuda:<compute capability>)";
        return signalPassFailure();
      }
    }
    if (arch != 0 && moduleArch != 0 && arch != moduleArch) {
      module.emitError() << "the lowering targets sm_" << int(arch)
                         << " but the module was laid out for cuda:"
                         << moduleArch;
      return signalPassFailure();
    }
    for (auto func : module.getOps<func::FuncOp>())
      if (failed(checkEntryName(func)))
        return signalPassFailure();
    int targetArch = arch != 0 ? int(arch) : moduleArch != 0 ? moduleArch : 80;
    if (!llvm::is_contained({75, 80, 86, 89, 90}, targetArch)) {
      module.emitError() << "unsupported NVIDIA architecture sm_" << targetArch
                         << " (expected 75, 80, 86, 89 or 90)";
      return signalPassFailure();
    }

    LoweringState state;
    state.arch = targetArch;
    computeVectorWidths(module, state);
    if (usesSharedMemory(module))
      declareSharedMemory(module);

    LowerToLLVMOptions options(ctx);
    TileGPUTypeConverter converter(ctx, options);
    RewritePatternSet patterns(ctx);
    populateFuncOpToLLVMPatterns(converter, patterns);
    populateElementwiseOpToLLVMPatterns(converter, patterns);
    populateViewOpToLLVMPatterns(converter, patterns);
    populateSPMDOpToLLVMPatterns(converter, patterns);
    populateLoadStoreOpToLLVMPatterns(converter, patterns, state);
    populateDotOpToLLVMPatterns(converter, patterns, state);
    populateReduceOpToLLVMPatterns(converter, patterns);
    populateConvertLayoutOpToLLVMPatterns(converter, patterns);
    populateMemoryOpToLLVMPatterns(converter, patterns, state);
    scf::populateSCFStructuralTypeConversions(converter, patterns);

    ConversionTarget target(*ctx);
    target.addLegalDialect<LLVM::LLVMDialect, NVVM::NVVMDialect>();
    target.addIllegalDialect<tile::TileDialect, tilegpu::TileGPUDialect,
                             func::FuncDialect>();
    target.addDynamicallyLegalDialect<arith::ArithDialect, math::MathDialect>(
        [](Operation *op) { return !hasTensorType(op); });
    scf::populateSCFStructuralTypeConversionTarget(converter, target);
    target.addLegalOp<ModuleOp, UnrealizedConversionCastOp>();
    {
      // A pattern that rejects an op says why; the driver's "failed to
      // legalize" that follows adds nothing, and is dropped once an error
      // has been reported.
      bool reported = false;
      ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
        if (diag.getSeverity() != DiagnosticSeverity::Error)
          return failure();
        if (reported &&
            StringRef(diag.str()).starts_with("failed to legalize operation"))
          return success();
        reported = true;
        return failure();
      });
      if (failed(applyPartialConversion(module, target, std::move(patterns))))
        return signalPassFailure();
    }

    // Scalar math left by the conversion.
    SmallVector<Operation *> mathOps;
    module.walk([&](Operation *op) {
      if (isa<math::MathDialect>(op->getDialect()))
        mathOps.push_back(op);
    });
    if (!mathOps.empty()) {
      RewritePatternSet mathPatterns(ctx);
      populateScalarMathPatterns(mathPatterns);
      GreedyRewriteConfig config;
      config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
      config.enableFolding(false);
      (void)applyOpPatternsGreedily(mathOps, std::move(mathPatterns), config);
    }
    // What remains must be something NVPTX lowers without a math library.
    WalkResult unsupported = module.walk([&](Operation *op) {
      if (!isa<math::MathDialect>(op->getDialect()))
        return WalkResult::advance();
      bool native =
          isa<math::SqrtOp, math::AbsFOp, math::AbsIOp, math::FloorOp,
              math::CeilOp, math::TruncOp, math::FmaOp, math::CopySignOp,
              math::RoundEvenOp, math::CountLeadingZerosOp,
              math::CountTrailingZerosOp, math::CtPopOp>(op);
      if (native)
        return WalkResult::advance();
      op->emitOpError() << "is not supported on the GPU for "
                        << op->getResultTypes().front();
      return WalkResult::interrupt();
    });
    if (unsupported.wasInterrupted())
      return signalPassFailure();
  }
};

} // namespace
