//===- AccelerateMatmul.cpp - tile.dot on mma.sync layouts ----------------===//
//
// The tilegpu-accelerate-matmul pass: each tile.dot gets an mma result
// layout and dot-operand layouts for its operands (converts in and out are
// left for tilegpu-remove-layout-conversions), or an error when no
// mma.sync instruction of the target computes it.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Dialect/TileGPU/Transforms/Passes.h"

#include "LayoutUtils.h"

#include "mlir/Interfaces/FunctionInterfaces.h"

namespace flashtile::tilegpu {
#define GEN_PASS_DEF_TILEGPUACCELERATEMATMUL
#include "flashtile/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace flashtile::tilegpu

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu;

namespace {

/// The mma.sync instruction shape of one dot.
struct Instruction {
  unsigned instrK;
  unsigned kWidth;
};

/// The instruction for `dot` on sm_`arch`, or an error at the dot.
FailureOr<Instruction> selectInstruction(tile::DotOp dot, int arch) {
  Type a = dot.getA().getType().getElementType();
  Type c = dot.getAcc().getType().getElementType();
  if (arch < 75)
    return dot.emitOpError() << "needs mma.sync, which sm_" << arch
                             << " does not have (sm_75 or newer)";
  if ((a.isF16() || a.isBF16()) && c.isF32()) {
    if (a.isBF16() && arch < 80)
      return dot.emitOpError()
             << "bf16 mma.sync needs sm_80 or newer, the target is sm_"
             << arch;
    // m16n8k16 on Ampere and newer, m16n8k8 on Turing.
    return Instruction{arch >= 80 ? 16u : 8u, 2u};
  }
  if (a.isF32() && c.isF32()) {
    if (dot.getInputPrecision() != tile::InputPrecision::tf32)
      return dot.emitOpError()
             << "f32 operands with input_precision = ieee have no mma.sync "
                "instruction; use input_precision = tf32 or f16/bf16 "
                "operands on the GPU";
    if (arch < 80)
      return dot.emitOpError()
             << "tf32 mma.sync needs sm_80 or newer, the target is sm_"
             << arch;
    return Instruction{8u, 1u};
  }
  return dot.emitOpError() << a << " operands with a " << c
                           << " accumulator are not supported on the GPU "
                              "(f16/bf16 into f32, or f32 as tf32)";
}

/// Whether `dot` is part of a chain that needs its rows in single warps:
/// another dot computes one of its operands or uses its result, or its
/// result is reduced (a softmax over rows). Attention's dots are; a plain
/// matrix product is not.
bool isChained(tile::DotOp dot) {
  SmallVector<Operation *> worklist;
  llvm::SmallPtrSet<Operation *, 32> seen;
  // Forward: what the result flows into.
  worklist.push_back(dot);
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!seen.insert(op).second)
      continue;
    if (op != dot.getOperation() && isa<tile::DotOp, tile::ReduceOp>(op))
      return true;
    for (Value result : op->getResults())
      for (Operation *user : result.getUsers())
        worklist.push_back(user);
    // What a region yields flows out of its op (scf.if, scf.for results).
    if (op->hasTrait<OpTrait::IsTerminator>() && op->getNumOperands() > 0)
      if (Operation *parent = op->getParentOp(); !isa<FunctionOpInterface>(parent))
        worklist.push_back(parent);
  }
  // Backward: what computes the multiplied operands.
  seen.clear();
  for (Value operand : {dot.getA(), dot.getB()})
    if (Operation *def = operand.getDefiningOp())
      worklist.push_back(def);
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!seen.insert(op).second)
      continue;
    if (isa<tile::DotOp>(op))
      return true;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        worklist.push_back(def);
    // The results of an scf.if come from what its regions yield.
    for (Region &region : op->getRegions())
      for (Block &block : region)
        if (!block.empty() && block.back().hasTrait<OpTrait::IsTerminator>())
          worklist.push_back(&block.back());
  }
  return false;
}

/// Warps over (M, N) for an mma tile of m x n. Chained dots put the warps
/// along M (one 16-row slab each, as FlashAttention does), the rest along
/// N. A standalone product splits both ways, keeping each warp's tile as
/// square as the shape allows: a warp then reuses each operand fragment
/// for several instructions, which halves the shared-memory reads per
/// product at each doubling.
std::pair<unsigned, unsigned> chooseWarps(int64_t m, int64_t n,
                                          unsigned numWarps, bool chained) {
  if (chained) {
    unsigned warpsM =
        unsigned(std::min<int64_t>(numWarps, std::max<int64_t>(1, m / 16)));
    return {warpsM, numWarps / warpsM};
  }
  unsigned warpsM = 1, warpsN = 1;
  while (warpsM * warpsN < numWarps) {
    bool canM = m / (2 * warpsM) >= 16, canN = n / (2 * warpsN) >= 8;
    if (canM && (!canN || m / warpsM >= n / warpsN))
      warpsM *= 2;
    else if (canN)
      warpsN *= 2;
    else
      warpsM *= 2; // more warps than tiles: they repeat along M
  }
  return {warpsM, warpsN};
}

LogicalResult accelerate(tile::DotOp dot, int arch, unsigned numWarps) {
  auto resultType = cast<RankedTensorType>(dot.getType());
  if (isa_and_present<MmaEncodingAttr>(resultType.getEncoding()))
    return success();
  FailureOr<Instruction> instr = selectInstruction(dot, arch);
  if (failed(instr))
    return failure();
  int64_t m = resultType.getDimSize(0), n = resultType.getDimSize(1);
  int64_t k = dot.getA().getType().getDimSize(1);
  if (m < 16 || n < 8 || k < int64_t(instr->instrK))
    return dot.emitOpError()
           << "block " << m << "x" << n << "x" << k
           << " (MxNxK) is smaller than one mma.sync.m16n8k" << instr->instrK
           << " (M >= 16, N >= 8, K >= " << instr->instrK << ")";

  auto [warpsM, warpsN] = chooseWarps(m, n, numWarps, isChained(dot));
  MLIRContext *context = dot.getContext();
  auto mma = MmaEncodingAttr::get(context, /*version=*/2, {warpsM, warpsN},
                                  {16, 8}, instr->instrK);
  auto operandA = DotOperandEncodingAttr::get(context, 0, mma, instr->kWidth);
  auto operandB = DotOperandEncodingAttr::get(context, 1, mma, instr->kWidth);

  OpBuilder builder(dot);
  Location loc = dot.getLoc();
  auto convert = [&](OpOperand &operand, Attribute encoding) {
    operand.set(convertTo(builder, loc, operand.get(),
                          withEncoding(operand.get().getType(), encoding)));
  };
  convert(dot.getAMutable(), operandA);
  convert(dot.getBMutable(), operandB);
  convert(dot.getAccMutable(), mma);
  builder.setInsertionPointAfter(dot);
  dot.getResult().setType(
      cast<RankedTensorType>(withEncoding(resultType, mma)));
  auto back = ConvertLayoutOp::create(builder, loc, resultType, dot.getResult());
  dot.getResult().replaceAllUsesExcept(back.getResult(), back);
  return success();
}

struct TileGPUAccelerateMatmulPass
    : flashtile::tilegpu::impl::TileGPUAccelerateMatmulBase<
          TileGPUAccelerateMatmulPass> {
  using TileGPUAccelerateMatmulBase::TileGPUAccelerateMatmulBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int targetArch = arch > 0 ? int(arch) : getTargetArch(module);
    unsigned numWarps = getNumWarps(module);
    bool ok = true;
    module.walk([&](tile::DotOp dot) {
      ok &= succeeded(accelerate(dot, targetArch, numWarps));
    });
    if (!ok)
      signalPassFailure();
  }
};

} // namespace
