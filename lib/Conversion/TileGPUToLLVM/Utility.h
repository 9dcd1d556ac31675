//===- Utility.h - shared pieces of the tilegpu -> LLVM lowering -*- C++
//-*-===//
//
// The type converter (an encoded tensor becomes a struct of the registers
// one thread holds), the emission of layout index math, thread ids, shared
// memory addressing, shuffles and barriers, and the populate functions of
// each op family (one file each).
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_CONVERSION_TILEGPUTOLLVM_UTILITY_H
#define FLASHTILE_LIB_CONVERSION_TILEGPUTOLLVM_UTILITY_H

#include "flashtile/Conversion/TileGPUToLLVM/LayoutIndexing.h"
#include "flashtile/Dialect/Tile/IR/TileDialect.h"
#include "flashtile/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "flashtile/Layout/Layouts.h"

#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "llvm/ADT/DenseMap.h"

namespace flashtile::tilegpu_to_llvm {

//===----------------------------------------------------------------------===//
// Type conversion
//===----------------------------------------------------------------------===//

/// LLVM types of FlashTile values:
///   !tile.ptr<T, as>                  -> !llvm.ptr<as>
///   tensor<...xT, #distributed>       -> !llvm.struct<(T', T', ...)>, one
///                                        member per register of the layout
///   !tilegpu.memdesc<...>             -> !llvm.ptr<3> (the buffer start)
///   i1 elements stay i1 in registers  (bytes in memory)
/// Index types are left alone for the upstream conversions.
class TileGPUTypeConverter : public mlir::LLVMTypeConverter {
public:
  TileGPUTypeConverter(mlir::MLIRContext *ctx,
                       const mlir::LowerToLLVMOptions &options);
};

/// The scalar type of one element of `type` (a tensor or scalar) in
/// registers, after conversion; null when it does not convert.
mlir::Type convertElementType(const mlir::TypeConverter &converter,
                              mlir::Type type);

/// The type of one element in memory: i1 is stored as i8.
mlir::Type getMemoryType(mlir::Type registerType);

//===----------------------------------------------------------------------===//
// What the patterns share
//===----------------------------------------------------------------------===//

/// Facts computed before the conversion starts (the IR changes under it).
struct LoweringState {
  /// Compute capability.
  int arch = 80;
  /// Elements per access, by memory op (tile.load/store/atomic_rmw,
  /// tilegpu.async_copy_global_to_local), from the contiguity and alignment
  /// analysis; ops not in the map use 1.
  llvm::DenseMap<mlir::Operation *, unsigned> vectorWidth;
};

/// Name of the module-level extern shared array that every buffer and
/// scratch area is an offset into.
inline constexpr llvm::StringLiteral kSharedMemoryName = "global_smem";

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

mlir::Value i32Val(mlir::OpBuilder &b, mlir::Location loc, int64_t value);
mlir::Value intVal(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type,
                   int64_t value);

/// Builds the struct of `type` from `values`.
mlir::Value packStruct(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type,
                       mlir::ValueRange values);
/// The members of a struct value.
llvm::SmallVector<mlir::Value>
unpackStruct(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value);
/// The registers of a converted operand: the members of a struct, or the
/// value itself for a scalar.
llvm::SmallVector<mlir::Value>
getRegisters(mlir::OpBuilder &b, mlir::Location loc, mlir::Value converted);

//===----------------------------------------------------------------------===//
// Threads and layouts
//===----------------------------------------------------------------------===//

struct ThreadIds {
  mlir::Value tid, lane, warp;
};
/// tid.x, and lane = tid % 32, warp = tid / 32.
ThreadIds getThreadIds(mlir::OpBuilder &b, mlir::Location loc);

/// The linear layout of an encoded tensor or memdesc type; emits an error
/// at `op` when there is none.
mlir::FailureOr<LinearLayout> getLayout(mlir::Operation *op, mlir::Type type);

/// XOR of the terms applied to x (an i32).
mlir::Value emitTerms(mlir::OpBuilder &b, mlir::Location loc,
                      llvm::ArrayRef<lowering::IndexTerm> terms, mlir::Value x);

/// Per-thread evaluation of an IndexPlan: the runtime part of each output
/// is computed once, then each compile-time input is an XOR with a
/// constant.
class LayoutIndexer {
public:
  /// For a distributed layout (register, lane, warp -> outputs).
  static mlir::FailureOr<LayoutIndexer>
  create(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *op,
         const LinearLayout &layout, const ThreadIds &ids);
  /// For any plan, with its runtime inputs.
  LayoutIndexer(mlir::OpBuilder &b, mlir::Location loc,
                lowering::IndexPlan plan, llvm::ArrayRef<mlir::Value> dynamic);

  /// Output `out` for compile-time input `c` (i32).
  mlir::Value get(mlir::OpBuilder &b, mlir::Location loc, int32_t c,
                  unsigned out) const;
  /// Output `out` for compile-time input `c` as (value, constant) with
  /// output = value + constant: the bits of the register's constant that
  /// the runtime part cannot have are added rather than XORed, so that an
  /// address built from them has a constant offset (an immediate in PTX)
  /// and registers that differ only there share one address register.
  std::pair<mlir::Value, int32_t> getSplit(mlir::OpBuilder &b,
                                           mlir::Location loc, int32_t c,
                                           unsigned out) const;
  /// The runtime part of output `out`.
  mlir::Value getDynamic(unsigned out) const { return dynamicPart[out]; }
  int32_t getConstant(int32_t c, unsigned out) const {
    return plan.constant[c][out];
  }
  const lowering::IndexPlan &getPlan() const { return plan; }
  unsigned getNumOutputs() const { return plan.outDims.size(); }

private:
  lowering::IndexPlan plan;
  llvm::SmallVector<mlir::Value> dynamicPart;
};

//===----------------------------------------------------------------------===//
// Shared memory, shuffles, barriers
//===----------------------------------------------------------------------===//

/// The start of the kernel's shared memory (@global_smem), an !llvm.ptr<3>.
mlir::Value getSharedMemoryBase(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Operation *op);
/// base + byteOffset (i32 or constant) as !llvm.ptr<3>.
mlir::Value gepBytes(mlir::OpBuilder &b, mlir::Location loc, mlir::Value base,
                     mlir::Value byteOffset);
mlir::Value gepBytes(mlir::OpBuilder &b, mlir::Location loc, mlir::Value base,
                     int64_t byteOffset);
/// The byte offset of `op`'s buffer or scratch area (allocation.offset).
mlir::FailureOr<int64_t> getAllocationOffset(mlir::Operation *op);

/// shfl.sync.bfly / shfl.sync.idx over the whole warp for any scalar of up
/// to 64 bits (split into 32-bit pieces).
mlir::Value shuffleXor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       int laneMask);
mlir::Value shuffleIdx(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       mlir::Value srcLane);

/// scf.if `cond` yielding `types`: thenBody's values, else elseBody's.
/// With no types, a guarded block (elseBody may be null).
llvm::SmallVector<mlir::Value>
emitIf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value cond,
       mlir::TypeRange types,
       llvm::function_ref<llvm::SmallVector<mlir::Value>(mlir::OpBuilder &)>
           thenBody,
       llvm::function_ref<llvm::SmallVector<mlir::Value>(mlir::OpBuilder &)>
           elseBody);

/// i1 `a && b`, where either may be null (true).
mlir::Value andPredicates(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                          mlir::Value bValue);

/// The predicate of the threads that own their elements (see
/// lowering::getDuplicateMasks); null when every thread does.
mlir::Value getOwnerPredicate(mlir::OpBuilder &b, mlir::Location loc,
                              const lowering::DuplicateMasks &masks,
                              const ThreadIds &ids);

/// For T: (register, lane, warp) -> element offset in a shared buffer, the
/// largest 2^k <= maxElems such that registers 0..2^k-1 are at consecutive
/// offsets and every other register, lane and warp moves by a multiple of
/// 2^k: the elements of one vector access.
int64_t getContiguousRegisters(const LinearLayout &t, int64_t maxElems);

/// Stores a thread's registers to shared memory: register r at base +
/// T(r, lane, warp) * elemBytes, in vectors of up to 16 bytes; registers
/// that repeat others are skipped.
mlir::LogicalResult storeRegistersToShared(mlir::OpBuilder &b,
                                           mlir::Location loc,
                                           mlir::Operation *op,
                                           llvm::ArrayRef<mlir::Value> regs,
                                           const LinearLayout &t,
                                           mlir::Value base, int64_t elemBytes);

/// Loads a thread's registers from shared memory (the inverse of the
/// above); with ldmatrix when `allowLdMatrix` (16-byte aligned rows),
/// 16-bit elements and T has ldmatrix's shape (lowering::planLdMatrix).
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
loadRegistersFromShared(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Operation *op, const LinearLayout &t,
                        mlir::Value base, mlir::Type regType, int64_t elemBytes,
                        bool allowLdMatrix);

/// bar.sync 0.
void emitBarrier(mlir::OpBuilder &b, mlir::Location loc);

/// Stores `value` (converted register type) to `ptr` (shared), as its
/// memory type; loads it back.
void storeShared(mlir::OpBuilder &b, mlir::Location loc, mlir::Value ptr,
                 mlir::Value value);
mlir::Value loadShared(mlir::OpBuilder &b, mlir::Location loc, mlir::Value ptr,
                       mlir::Type registerType);

//===----------------------------------------------------------------------===//
// Pattern populations, one per op family
//===----------------------------------------------------------------------===//

void populateFuncOpToLLVMPatterns(TileGPUTypeConverter &converter,
                                  mlir::RewritePatternSet &patterns);
void populateElementwiseOpToLLVMPatterns(TileGPUTypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);
/// Lowers an op whose value is its `src` operand's (a transposed shared
/// memory view, a tile.hint): the converted source replaces it.
template <typename OpTy>
struct ForwardSourceConversion : mlir::ConvertOpToLLVMPattern<OpTy> {
  using mlir::ConvertOpToLLVMPattern<OpTy>::ConvertOpToLLVMPattern;

  mlir::LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  mlir::ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getSrc());
    return mlir::success();
  }
};

void populateViewOpToLLVMPatterns(TileGPUTypeConverter &converter,
                                  mlir::RewritePatternSet &patterns);
void populateSPMDOpToLLVMPatterns(TileGPUTypeConverter &converter,
                                  mlir::RewritePatternSet &patterns);
void populateLoadStoreOpToLLVMPatterns(TileGPUTypeConverter &converter,
                                       mlir::RewritePatternSet &patterns,
                                       const LoweringState &state);
void populateDotOpToLLVMPatterns(TileGPUTypeConverter &converter,
                                 mlir::RewritePatternSet &patterns,
                                 const LoweringState &state);
void populateReduceOpToLLVMPatterns(TileGPUTypeConverter &converter,
                                    mlir::RewritePatternSet &patterns);
void populateConvertLayoutOpToLLVMPatterns(TileGPUTypeConverter &converter,
                                           mlir::RewritePatternSet &patterns);
void populateMemoryOpToLLVMPatterns(TileGPUTypeConverter &converter,
                                    mlir::RewritePatternSet &patterns,
                                    const LoweringState &state);

/// Rewrites of scalar math into NVVM intrinsics, f32 computation and
/// polynomials, applied after the main conversion.
void populateScalarMathPatterns(mlir::RewritePatternSet &patterns);

/// Vector widths of the global memory ops of `module`: what the layout
/// gives a thread in aligned runs of consecutive registers, within what
/// tilegpu::AxisInfoAnalysis allows (LoadStoreOpToLLVM.cpp).
void computeVectorWidths(mlir::ModuleOp module, LoweringState &state);

} // namespace flashtile::tilegpu_to_llvm

#endif // FLASHTILE_LIB_CONVERSION_TILEGPUTOLLVM_UTILITY_H
