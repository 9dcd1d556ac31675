//===- TileOps.cpp - tile dialect operations ------------------------------===//
//
// Verifiers, folders, canonicalization patterns and custom assembly of the
// tile dialect's operations.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Dialect/Tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace flashtile::tile;

/// A splat constant of `type` when `attr` is a splat constant (or scalar).
static Attribute resplat(Attribute attr, ShapedType type) {
  if (auto splat = dyn_cast_if_present<SplatElementsAttr>(attr))
    return SplatElementsAttr::get(type, splat.getSplatValue<Attribute>());
  return {};
}

//===----------------------------------------------------------------------===//
// MakeRangeOp
//===----------------------------------------------------------------------===//

LogicalResult MakeRangeOp::verify() {
  int64_t start = getStart(), end = getEnd();
  if (end <= start)
    return emitOpError("needs start < end, got [") << start << ", " << end << ")";
  auto type = getResult().getType();
  if (type.getRank() != 1 || type.getDimSize(0) != end - start)
    return emitOpError("result must be tensor<") << end - start << "xi32>, got "
                                                 << type;
  return success();
}

//===----------------------------------------------------------------------===//
// SplatOp
//===----------------------------------------------------------------------===//

OpFoldResult SplatOp::fold(FoldAdaptor adaptor) {
  auto value = adaptor.getSrc();
  if (!value || !isa<IntegerAttr, FloatAttr>(value))
    return {};
  return SplatElementsAttr::get(getResult().getType(), value);
}

//===----------------------------------------------------------------------===//
// BroadcastOp
//===----------------------------------------------------------------------===//

LogicalResult BroadcastOp::verify() {
  auto srcType = getSrc().getType();
  auto resType = getResult().getType();
  if (srcType.getRank() != resType.getRank())
    return emitOpError("source rank ")
           << srcType.getRank() << " differs from result rank "
           << resType.getRank() << "; insert unit dimensions with "
           << "tile.expand_dims first";
  for (auto [i, pair] :
       llvm::enumerate(llvm::zip(srcType.getShape(), resType.getShape()))) {
    auto [src, res] = pair;
    if (src != 1 && src != res)
      return emitOpError("source dimension ")
             << i << " has size " << src << ", which is neither 1 nor "
             << res << " (the result's)";
  }
  return success();
}

OpFoldResult BroadcastOp::fold(FoldAdaptor adaptor) {
  if (getSrc().getType() == getResult().getType())
    return getSrc();
  return resplat(adaptor.getSrc(), getResult().getType());
}

namespace {
/// broadcast(broadcast(x)) -> broadcast(x).
struct BroadcastOfBroadcast : OpRewritePattern<BroadcastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BroadcastOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getSrc().getDefiningOp<BroadcastOp>();
    if (!inner)
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.getSrcMutable().assign(inner.getSrc()); });
    return success();
  }
};

/// broadcast(splat(x)) -> splat(x), and likewise for expand_dims.
template <typename OpTy>
struct ReshapeOfSplat : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    auto splat = op.getSrc().template getDefiningOp<SplatOp>();
    if (!splat)
      return failure();
    rewriter.replaceOpWithNewOp<SplatOp>(op, op.getResult().getType(),
                                         splat.getSrc());
    return success();
  }
};
} // namespace

void BroadcastOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<BroadcastOfBroadcast, ReshapeOfSplat<BroadcastOp>>(context);
}

//===----------------------------------------------------------------------===//
// ExpandDimsOp
//===----------------------------------------------------------------------===//

LogicalResult ExpandDimsOp::verify() {
  auto srcType = getSrc().getType();
  int64_t axis = getAxis();
  if (axis < 0 || axis > srcType.getRank())
    return emitOpError("axis ") << axis << " is out of range [0, "
                                << srcType.getRank() << "]";
  SmallVector<int64_t> expected(srcType.getShape());
  expected.insert(expected.begin() + axis, 1);
  if (getResult().getType().getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result type must be ")
           << srcType.clone(expected) << ", got " << getResult().getType();
  return success();
}

void ExpandDimsOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                               MLIRContext *context) {
  results.add<ReshapeOfSplat<ExpandDimsOp>>(context);
}

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  if (getSrc().getType().getNumElements() !=
      getResult().getType().getNumElements())
    return emitOpError("cannot reshape ")
           << getSrc().getType() << " (" << getSrc().getType().getNumElements()
           << " elements) to " << getResult().getType() << " ("
           << getResult().getType().getNumElements() << " elements)";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getSrc().getType() == getResult().getType())
    return getSrc();
  if (auto inner = getSrc().getDefiningOp<ReshapeOp>()) {
    getSrcMutable().assign(inner.getSrc());
    return getResult();
  }
  return resplat(adaptor.getSrc(), getResult().getType());
}

//===----------------------------------------------------------------------===//
// TransOp
//===----------------------------------------------------------------------===//

LogicalResult HintOp::verify() {
  Type type = getSrc().getType();
  auto tensor = dyn_cast<RankedTensorType>(type);
  int64_t rank = tensor && tensor.getRank() ? tensor.getRank() : 1;
  auto check = [&](std::optional<ArrayRef<int64_t>> values,
                   StringRef name) -> LogicalResult {
    if (!values)
      return success();
    if (static_cast<int64_t>(values->size()) != rank)
      return emitOpError() << name << " has " << values->size()
                           << " entries for a value of rank " << rank;
    for (int64_t value : *values)
      if (value < 1)
        return emitOpError() << name << " entries must be positive, got "
                             << value;
    return success();
  };
  if (!getMultipleOf() && !getMaxContiguous())
    return emitOpError("states no fact (multiple_of or max_contiguous)");
  return failure(failed(check(getMultipleOf(), "multiple_of")) ||
                 failed(check(getMaxContiguous(), "max_contiguous")));
}

LogicalResult TransOp::verify() {
  auto srcType = getSrc().getType();
  ArrayRef<int32_t> order = getOrder();
  if (static_cast<int64_t>(order.size()) != srcType.getRank())
    return emitOpError("order has ")
           << order.size() << " entries for a rank-" << srcType.getRank()
           << " source";
  SmallVector<bool> seen(order.size(), false);
  SmallVector<int64_t> shape;
  for (int32_t d : order) {
    if (d < 0 || d >= static_cast<int32_t>(order.size()) || seen[d])
      return emitOpError("order must be a permutation of [0, ")
             << order.size() << ")";
    seen[d] = true;
    shape.push_back(srcType.getDimSize(d));
  }
  if (getResult().getType().getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("result type must be ")
           << srcType.clone(shape) << ", got " << getResult().getType();
  return success();
}

OpFoldResult TransOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int32_t> order = getOrder();
  auto isIdentity = [](ArrayRef<int32_t> perm) {
    for (auto [i, d] : llvm::enumerate(perm))
      if (static_cast<int32_t>(i) != d)
        return false;
    return true;
  };
  if (isIdentity(order))
    return getSrc();
  if (auto inner = getSrc().getDefiningOp<TransOp>()) {
    SmallVector<int32_t> composed;
    for (int32_t d : order)
      composed.push_back(inner.getOrder()[d]);
    if (isIdentity(composed))
      return inner.getSrc();
  }
  return resplat(adaptor.getSrc(), getResult().getType());
}

//===----------------------------------------------------------------------===//
// AddPtrOp
//===----------------------------------------------------------------------===//

LogicalResult AddPtrOp::verify() {
  auto ptrTensor = dyn_cast<RankedTensorType>(getPtr().getType());
  auto offTensor = dyn_cast<RankedTensorType>(getOffset().getType());
  if (static_cast<bool>(ptrTensor) != static_cast<bool>(offTensor))
    return emitOpError("pointer and offset must both be scalars or both be "
                       "blocks, got ")
           << getPtr().getType() << " and " << getOffset().getType();
  if (ptrTensor && ptrTensor.getShape() != offTensor.getShape())
    return emitOpError("offset shape ")
           << offTensor << " differs from pointer shape " << ptrTensor;
  return success();
}

OpFoldResult AddPtrOp::fold(FoldAdaptor adaptor) {
  if (matchPattern(adaptor.getOffset(), m_Zero()))
    return getPtr();
  return {};
}

//===----------------------------------------------------------------------===//
// LoadOp
//===----------------------------------------------------------------------===//

void LoadOp::build(OpBuilder &builder, OperationState &state, Value ptr,
                   Value mask, Value other) {
  build(builder, state, getPointeeType(ptr.getType()), ptr, mask, other);
}

LogicalResult LoadOp::verify() {
  if (getOther() && !getMask())
    return emitOpError("'other' is only meaningful with a mask");
  return success();
}

//===----------------------------------------------------------------------===//
// AtomicRMWOp
//===----------------------------------------------------------------------===//

LogicalResult AtomicRMWOp::verify() {
  Type elem = getElementTypeOrSelf(getValue().getType());
  if (getKind() == RMWKind::xchg)
    return success();
  if (elem.isInteger(32) || elem.isInteger(64) || elem.isF16() ||
      elem.isBF16() || elem.isF32() || elem.isF64())
    return success();
  return emitOpError("atomic ")
         << stringifyRMWKind(getKind()) << " is not supported on " << elem;
}

//===----------------------------------------------------------------------===//
// DotOp
//===----------------------------------------------------------------------===//

LogicalResult DotOp::verify() {
  auto aType = getA().getType(), bType = getB().getType();
  auto cType = getAcc().getType();
  if (aType.getRank() != 2 || bType.getRank() != 2 || cType.getRank() != 2)
    return emitOpError("operands must be 2-D blocks, got ")
           << aType << ", " << bType << " and " << cType;
  int64_t m = aType.getDimSize(0), k = aType.getDimSize(1);
  int64_t n = bType.getDimSize(1);
  if (bType.getDimSize(0) != k)
    return emitOpError("inner dimensions differ: a is ")
           << m << "x" << k << ", b is " << bType.getDimSize(0) << "x" << n;
  if (cType.getDimSize(0) != m || cType.getDimSize(1) != n)
    return emitOpError("accumulator must be ")
           << m << "x" << n << ", got " << cType.getDimSize(0) << "x"
           << cType.getDimSize(1);
  Type a = aType.getElementType(), b = bType.getElementType();
  Type c = cType.getElementType();
  if (a != b)
    return emitOpError("operand element types differ: ") << a << " and " << b;
  bool ok = ((a.isF16() || a.isBF16()) && c.isF32()) ||
            (a.isF16() && c.isF16()) || (a.isF32() && c.isF32()) ||
            (a.isInteger(8) && c.isInteger(32));
  if (!ok)
    return emitOpError("unsupported element types: ")
           << a << " operands with a " << c << " accumulator";
  if (getInputPrecision() != InputPrecision::tf32 && !a.isF32())
    return emitOpError("input_precision applies to f32 operands only");
  return success();
}

//===----------------------------------------------------------------------===//
// ReduceOp
//===----------------------------------------------------------------------===//

/// The canonical combiner op for `kind` on element type `elem`.
static Operation *createCombiner(OpBuilder &b, Location loc, ReduceKind kind,
                                 Value lhs, Value rhs) {
  bool isFloat = isa<FloatType>(lhs.getType());
  switch (kind) {
  case ReduceKind::Sum:
    return isFloat ? arith::AddFOp::create(b, loc, lhs, rhs).getOperation()
                   : arith::AddIOp::create(b, loc, lhs, rhs).getOperation();
  case ReduceKind::Max:
    return isFloat ? arith::MaxNumFOp::create(b, loc, lhs, rhs).getOperation()
                   : arith::MaxSIOp::create(b, loc, lhs, rhs).getOperation();
  case ReduceKind::Min:
    return isFloat ? arith::MinNumFOp::create(b, loc, lhs, rhs).getOperation()
                   : arith::MinSIOp::create(b, loc, lhs, rhs).getOperation();
  }
  llvm_unreachable("unknown reduce kind");
}

static Type reducedType(RankedTensorType src, int64_t axis) {
  if (src.getRank() == 1)
    return src.getElementType();
  SmallVector<int64_t> shape(src.getShape());
  shape.erase(shape.begin() + axis);
  return src.clone(shape);
}

static void buildCombinerRegion(OpBuilder &builder, Location loc,
                                Region &region, Type elem, ReduceKind kind) {
  OpBuilder::InsertionGuard guard(builder);
  Block *block = builder.createBlock(&region, {}, {elem, elem}, {loc, loc});
  Operation *combiner = createCombiner(builder, loc, kind, block->getArgument(0),
                                       block->getArgument(1));
  ReduceReturnOp::create(builder, loc, combiner->getResult(0));
}

void ReduceOp::build(OpBuilder &builder, OperationState &state, Value src,
                     int axis, ReduceKind kind) {
  auto srcType = cast<RankedTensorType>(src.getType());
  state.addOperands(src);
  state.addAttribute(getAxisAttrName(state.name),
                     builder.getI32IntegerAttr(axis));
  state.addTypes(reducedType(srcType, axis));
  buildCombinerRegion(builder, state.location, *state.addRegion(),
                      srcType.getElementType(), kind);
}

std::optional<ReduceKind> ReduceOp::getKind() {
  Block &block = getCombiner().front();
  if (block.getNumArguments() != 2 || !llvm::hasNItems(block, 2))
    return std::nullopt;
  Operation &op = block.front();
  auto ret = dyn_cast<ReduceReturnOp>(block.getTerminator());
  if (!ret || op.getNumOperands() != 2 || op.getNumResults() != 1 ||
      ret.getResult() != op.getResult(0))
    return std::nullopt;
  Value a = block.getArgument(0), b = block.getArgument(1);
  bool usesArgs = (op.getOperand(0) == a && op.getOperand(1) == b) ||
                  (op.getOperand(0) == b && op.getOperand(1) == a);
  // Only the canonical form with default attributes prints in short form, so
  // that the short form round-trips to exactly the same IR.
  if (!usesArgs || !op.getDiscardableAttrDictionary().empty())
    return std::nullopt;
  if (auto fm = dyn_cast<arith::ArithFastMathInterface>(op))
    if (fm.getFastMathFlagsAttr() &&
        fm.getFastMathFlagsAttr().getValue() != arith::FastMathFlags::none)
      return std::nullopt;
  if (isa<arith::AddFOp>(op) ||
      (isa<arith::AddIOp>(op) &&
       cast<arith::AddIOp>(op).getOverflowFlags() ==
           arith::IntegerOverflowFlags::none))
    return ReduceKind::Sum;
  if (isa<arith::MaxNumFOp, arith::MaxSIOp>(op))
    return ReduceKind::Max;
  if (isa<arith::MinNumFOp, arith::MinSIOp>(op))
    return ReduceKind::Min;
  return std::nullopt;
}

LogicalResult ReduceOp::verify() {
  auto srcType = getSrc().getType();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= srcType.getRank())
    return emitOpError("axis ") << axis << " is out of range [0, "
                                << srcType.getRank() << ")";
  // Layout encodings (GPU stages) may differ: the result of a reduction has
  // a slice layout of the source's.
  Type expected = reducedType(srcType, axis);
  Type result = getResult().getType();
  auto expectedTensor = dyn_cast<RankedTensorType>(expected);
  auto resultTensor = dyn_cast<RankedTensorType>(result);
  bool matches = expectedTensor && resultTensor
                     ? expectedTensor.getShape() == resultTensor.getShape() &&
                           expectedTensor.getElementType() ==
                               resultTensor.getElementType()
                     : expected == result;
  if (!matches)
    return emitOpError("result type must be ")
           << expected << ", got " << result;
  return success();
}

LogicalResult ReduceOp::verifyRegions() {
  Type elem = getSrc().getType().getElementType();
  Region &region = getCombiner();
  if (region.empty())
    return emitOpError("needs a combiner region");
  Block &block = region.front();
  if (block.getNumArguments() != 2 ||
      llvm::any_of(block.getArgumentTypes(),
                   [&](Type t) { return t != elem; }))
    return emitOpError("combiner must take two ")
           << elem << " arguments";
  auto ret = dyn_cast<ReduceReturnOp>(block.getTerminator());
  if (!ret)
    return emitOpError("combiner must end with tile.reduce_return");
  if (ret.getResult().getType() != elem)
    return ret.emitOpError("must return ")
           << elem << ", the element type being reduced";
  return success();
}

// Short form:  tile.reduce max %x {axis = 1 : i32} : T -> R
// Long form:   tile.reduce %x {axis = 1 : i32} : T -> R { combiner }
ParseResult ReduceOp::parse(OpAsmParser &parser, OperationState &result) {
  StringRef keyword;
  std::optional<ReduceKind> kind;
  SMLoc kindLoc = parser.getCurrentLocation();
  if (succeeded(parser.parseOptionalKeyword(&keyword))) {
    kind = symbolizeReduceKind(keyword);
    if (!kind)
      return parser.emitError(kindLoc, "expected 'sum', 'max' or 'min', got '")
             << keyword << "'";
  }
  OpAsmParser::UnresolvedOperand src;
  Type srcType, resultType;
  if (parser.parseOperand(src) || parser.parseOptionalAttrDict(result.attributes) ||
      parser.parseColonType(srcType) || parser.parseArrow() ||
      parser.parseType(resultType) ||
      parser.resolveOperand(src, srcType, result.operands))
    return failure();
  result.addTypes(resultType);
  Region *region = result.addRegion();
  if (kind) {
    auto tensor = dyn_cast<RankedTensorType>(srcType);
    if (!tensor)
      return parser.emitError(kindLoc, "expected a tensor to reduce");
    OpBuilder builder(parser.getContext());
    buildCombinerRegion(builder, result.location, *region,
                        tensor.getElementType(), *kind);
    return success();
  }
  return parser.parseRegion(*region, /*arguments=*/{});
}

void ReduceOp::print(OpAsmPrinter &p) {
  std::optional<ReduceKind> kind = getKind();
  if (kind)
    p << " " << stringifyReduceKind(*kind);
  p << " " << getSrc();
  p.printOptionalAttrDict((*this)->getAttrs());
  p << " : " << getSrc().getType() << " -> " << getResult().getType();
  if (!kind) {
    p << " ";
    p.printRegion(getCombiner(), /*printEntryBlockArgs=*/true);
  }
}

#define GET_OP_CLASSES
#include "flashtile/Dialect/Tile/IR/TileOps.cpp.inc"
