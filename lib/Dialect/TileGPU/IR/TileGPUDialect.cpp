//===- TileGPUDialect.cpp - tilegpu dialect, encodings and types ----------===//

#include "flashtile/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace flashtile;
using namespace flashtile::tilegpu;

#include "flashtile/Dialect/TileGPU/IR/TileGPUDialect.cpp.inc"
#include "flashtile/Dialect/TileGPU/IR/TileGPUAttrInterfaces.cpp.inc"

//===----------------------------------------------------------------------===//
// Encoding syntax: every encoding prints as `<{key = value, ...}>`.
//===----------------------------------------------------------------------===//

namespace {
/// Reads the `<{...}>` of an encoding and hands out its fields, reporting
/// missing, mistyped and unknown keys at the encoding's location.
class EncodingParser {
public:
  explicit EncodingParser(AsmParser &parser) : parser(parser) {}

  ParseResult parse(ArrayRef<StringRef> keys) {
    loc = parser.getCurrentLocation();
    if (parser.parseLess() || parser.parseAttribute(dict) ||
        parser.parseGreater())
      return failure();
    for (NamedAttribute field : dict)
      if (!llvm::is_contained(keys, field.getName().strref()))
        return parser.emitError(loc, "unknown field '")
               << field.getName().strref() << "'";
    return success();
  }

  ParseResult get(StringRef key, unsigned &out) {
    auto attr = dyn_cast_if_present<IntegerAttr>(dict.get(key));
    if (!attr || attr.getValue().isNegative())
      return parser.emitError(loc, "expected non-negative integer field '")
             << key << "'";
    out = attr.getValue().getZExtValue();
    return success();
  }

  ParseResult get(StringRef key, SmallVectorImpl<unsigned> &out) {
    auto array = dyn_cast_if_present<ArrayAttr>(dict.get(key));
    if (!array)
      return parser.emitError(loc, "expected integer array field '")
             << key << "'";
    for (Attribute element : array) {
      auto attr = dyn_cast<IntegerAttr>(element);
      if (!attr || attr.getValue().isNegative())
        return parser.emitError(loc, "field '")
               << key << "' must hold non-negative integers";
      out.push_back(attr.getValue().getZExtValue());
    }
    return success();
  }

  ParseResult get(StringRef key, Attribute &out) {
    out = dict.get(key);
    if (!out)
      return parser.emitError(loc, "expected field '") << key << "'";
    return success();
  }

  SMLoc loc;

private:
  AsmParser &parser;
  DictionaryAttr dict;
};

void printArray(AsmPrinter &printer, ArrayRef<unsigned> values) {
  printer << "[";
  llvm::interleaveComma(values, printer);
  printer << "]";
}

/// Verification helpers shared by the encodings.
LogicalResult checkPowersOfTwo(function_ref<InFlightDiagnostic()> emitError,
                               StringRef what, ArrayRef<unsigned> values) {
  for (unsigned v : values)
    if (!llvm::isPowerOf2_32(v))
      return emitError() << what << " must be powers of two, got " << v;
  return success();
}

LogicalResult checkPermutation(function_ref<InFlightDiagnostic()> emitError,
                               ArrayRef<unsigned> order, size_t rank) {
  SmallVector<bool> seen(rank, false);
  if (order.size() != rank)
    return emitError() << "order has " << order.size() << " entries for rank "
                       << rank;
  for (unsigned d : order) {
    if (d >= rank || seen[d])
      return emitError() << "order must be a permutation of [0, " << rank
                         << ")";
    seen[d] = true;
  }
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// BlockedEncodingAttr
//===----------------------------------------------------------------------===//

Attribute BlockedEncodingAttr::parse(AsmParser &parser, Type) {
  EncodingParser p(parser);
  SmallVector<unsigned> sizePerThread, threadsPerWarp, warpsPerCTA, order;
  if (p.parse({"sizePerThread", "threadsPerWarp", "warpsPerCTA", "order"}) ||
      p.get("sizePerThread", sizePerThread) ||
      p.get("threadsPerWarp", threadsPerWarp) ||
      p.get("warpsPerCTA", warpsPerCTA) || p.get("order", order))
    return {};
  return parser.getChecked<BlockedEncodingAttr>(
      p.loc, parser.getContext(), sizePerThread, threadsPerWarp, warpsPerCTA,
      order);
}

void BlockedEncodingAttr::print(AsmPrinter &printer) const {
  printer << "<{sizePerThread = ";
  printArray(printer, getSizePerThread());
  printer << ", threadsPerWarp = ";
  printArray(printer, getThreadsPerWarp());
  printer << ", warpsPerCTA = ";
  printArray(printer, getWarpsPerCTA());
  printer << ", order = ";
  printArray(printer, getOrder());
  printer << "}>";
}

LogicalResult
BlockedEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                            ArrayRef<unsigned> sizePerThread,
                            ArrayRef<unsigned> threadsPerWarp,
                            ArrayRef<unsigned> warpsPerCTA,
                            ArrayRef<unsigned> order) {
  size_t rank = order.size();
  if (sizePerThread.size() != rank || threadsPerWarp.size() != rank ||
      warpsPerCTA.size() != rank)
    return emitError() << "sizePerThread, threadsPerWarp, warpsPerCTA and "
                          "order must have the same rank";
  if (failed(checkPowersOfTwo(emitError, "sizePerThread", sizePerThread)) ||
      failed(checkPowersOfTwo(emitError, "threadsPerWarp", threadsPerWarp)) ||
      failed(checkPowersOfTwo(emitError, "warpsPerCTA", warpsPerCTA)) ||
      failed(checkPermutation(emitError, order, rank)))
    return failure();
  unsigned threads = 1;
  for (unsigned t : threadsPerWarp)
    threads *= t;
  if (threads != TileGPUDialect::kThreadsPerWarp)
    return emitError() << "threadsPerWarp must multiply to "
                       << TileGPUDialect::kThreadsPerWarp << ", got "
                       << threads;
  return success();
}

llvm::Expected<LinearLayout>
BlockedEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape) const {
  return layout::blocked(shape, getSizePerThread(), getThreadsPerWarp(),
                         getWarpsPerCTA(), getOrder());
}

//===----------------------------------------------------------------------===//
// MmaEncodingAttr
//===----------------------------------------------------------------------===//

Attribute MmaEncodingAttr::parse(AsmParser &parser, Type) {
  EncodingParser p(parser);
  unsigned version, instrK;
  SmallVector<unsigned> warpsPerCTA, instrShape;
  if (p.parse({"version", "warpsPerCTA", "instrShape", "instrK"}) ||
      p.get("version", version) || p.get("warpsPerCTA", warpsPerCTA) ||
      p.get("instrShape", instrShape) || p.get("instrK", instrK))
    return {};
  return parser.getChecked<MmaEncodingAttr>(p.loc, parser.getContext(),
                                            version, warpsPerCTA, instrShape,
                                            instrK);
}

void MmaEncodingAttr::print(AsmPrinter &printer) const {
  printer << "<{version = " << getVersion() << ", warpsPerCTA = ";
  printArray(printer, getWarpsPerCTA());
  printer << ", instrShape = ";
  printArray(printer, getInstrShape());
  printer << ", instrK = " << getInstrK() << "}>";
}

LogicalResult
MmaEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        unsigned version, ArrayRef<unsigned> warpsPerCTA,
                        ArrayRef<unsigned> instrShape, unsigned instrK) {
  if (version != 2)
    return emitError() << "only mma version 2 (mma.sync) is supported, got "
                       << version;
  if (warpsPerCTA.size() != 2)
    return emitError() << "warpsPerCTA must have 2 entries";
  if (failed(checkPowersOfTwo(emitError, "warpsPerCTA", warpsPerCTA)))
    return failure();
  if (instrShape.size() != 2 || instrShape[0] != 16 || instrShape[1] != 8)
    return emitError() << "instrShape must be [16, 8]";
  if (instrK != 8 && instrK != 16)
    return emitError() << "instrK must be 8 (m16n8k8) or 16 (m16n8k16), got "
                       << instrK;
  return success();
}

layout::MmaParams MmaEncodingAttr::getParams() const {
  layout::MmaParams params;
  params.warpsPerCTA.assign(getWarpsPerCTA().begin(), getWarpsPerCTA().end());
  params.instrShape.assign(getInstrShape().begin(), getInstrShape().end());
  params.instrK = getInstrK();
  return params;
}

llvm::Expected<LinearLayout>
MmaEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape) const {
  return layout::mma(shape, getParams());
}

//===----------------------------------------------------------------------===//
// DotOperandEncodingAttr
//===----------------------------------------------------------------------===//

Attribute DotOperandEncodingAttr::parse(AsmParser &parser, Type) {
  EncodingParser p(parser);
  unsigned opIdx, kWidth;
  Attribute parent;
  if (p.parse({"opIdx", "parent", "kWidth"}) || p.get("opIdx", opIdx) ||
      p.get("parent", parent) || p.get("kWidth", kWidth))
    return {};
  return parser.getChecked<DotOperandEncodingAttr>(
      p.loc, parser.getContext(), opIdx, parent, kWidth);
}

void DotOperandEncodingAttr::print(AsmPrinter &printer) const {
  printer << "<{opIdx = " << getOpIdx() << ", parent = " << getParent()
          << ", kWidth = " << getKWidth() << "}>";
}

LogicalResult
DotOperandEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               unsigned opIdx, Attribute parent,
                               unsigned kWidth) {
  if (opIdx > 1)
    return emitError() << "opIdx must be 0 (A) or 1 (B), got " << opIdx;
  if (!isa<MmaEncodingAttr>(parent))
    return emitError() << "parent must be an mma encoding, got " << parent;
  if (kWidth != 1 && kWidth != 2 && kWidth != 4)
    return emitError() << "kWidth must be 1, 2 or 4, got " << kWidth;
  return success();
}

llvm::Expected<LinearLayout>
DotOperandEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape) const {
  return layout::dotOperand(getOpIdx(), shape,
                            cast<MmaEncodingAttr>(getParent()).getParams(),
                            getKWidth());
}

//===----------------------------------------------------------------------===//
// SliceEncodingAttr
//===----------------------------------------------------------------------===//

Attribute SliceEncodingAttr::parse(AsmParser &parser, Type) {
  EncodingParser p(parser);
  unsigned dim;
  Attribute parent;
  if (p.parse({"dim", "parent"}) || p.get("dim", dim) ||
      p.get("parent", parent))
    return {};
  return parser.getChecked<SliceEncodingAttr>(p.loc, parser.getContext(), dim,
                                              parent);
}

void SliceEncodingAttr::print(AsmPrinter &printer) const {
  printer << "<{dim = " << getDim() << ", parent = " << getParent() << "}>";
}

LogicalResult
SliceEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                          unsigned dim, Attribute parent) {
  auto encoding = dyn_cast<LayoutEncodingAttr>(parent);
  if (!encoding || !encoding.isDistributed())
    return emitError() << "parent must be a distributed layout, got "
                       << parent;
  return success();
}

llvm::Expected<LinearLayout>
SliceEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape) const {
  // The parent lays out the tensor before the reduction, with the reduced
  // dimension of size 1: its threads along that dimension hold duplicates.
  SmallVector<int64_t> parentShape(shape);
  if (getDim() > parentShape.size())
    return llvm::createStringError("slice dimension %u is out of range for a "
                                   "rank-%zu tensor",
                                   getDim(), shape.size());
  parentShape.insert(parentShape.begin() + getDim(), 1);
  auto parent = cast<LayoutEncodingAttr>(getParent()).toLinearLayout(parentShape);
  if (!parent)
    return parent.takeError();
  return layout::slice(getDim(), *parent);
}

//===----------------------------------------------------------------------===//
// SharedEncodingAttr
//===----------------------------------------------------------------------===//

Attribute SharedEncodingAttr::parse(AsmParser &parser, Type) {
  EncodingParser p(parser);
  unsigned vec, perPhase, maxPhase;
  SmallVector<unsigned> order;
  if (p.parse({"vec", "perPhase", "maxPhase", "order"}) ||
      p.get("vec", vec) || p.get("perPhase", perPhase) ||
      p.get("maxPhase", maxPhase) || p.get("order", order))
    return {};
  return parser.getChecked<SharedEncodingAttr>(p.loc, parser.getContext(), vec,
                                               perPhase, maxPhase, order);
}

void SharedEncodingAttr::print(AsmPrinter &printer) const {
  printer << "<{vec = " << getVec() << ", perPhase = " << getPerPhase()
          << ", maxPhase = " << getMaxPhase() << ", order = ";
  printArray(printer, getOrder());
  printer << "}>";
}

LogicalResult
SharedEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                           unsigned vec, unsigned perPhase, unsigned maxPhase,
                           ArrayRef<unsigned> order) {
  if (failed(checkPowersOfTwo(emitError, "vec, perPhase and maxPhase",
                              {vec, perPhase, maxPhase})))
    return failure();
  return checkPermutation(emitError, order, order.size());
}

llvm::Expected<LinearLayout>
SharedEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape) const {
  layout::SwizzleParams params;
  params.vec = getVec();
  params.perPhase = getPerPhase();
  params.maxPhase = getMaxPhase();
  return layout::swizzled(shape, params, getOrder());
}

bool SharedEncodingAttr::isDistributed() const { return false; }

//===----------------------------------------------------------------------===//
// MemDescType
//===----------------------------------------------------------------------===//

static ParseResult parseShape(AsmParser &parser, SmallVector<int64_t> &shape,
                              Type &elementType) {
  if (parser.parseDimensionList(shape, /*allowDynamic=*/false,
                                /*withTrailingX=*/true) ||
      parser.parseType(elementType))
    return failure();
  return success();
}

static void printShape(AsmPrinter &printer, ArrayRef<int64_t> shape,
                       Type elementType) {
  for (int64_t d : shape)
    printer << d << "x";
  printer << elementType;
}

LogicalResult
MemDescType::verify(function_ref<InFlightDiagnostic()> emitError,
                    ArrayRef<int64_t> shape, Type elementType,
                    Attribute encoding) {
  auto shared = dyn_cast<SharedEncodingAttr>(encoding);
  if (!shared)
    return emitError() << "memdesc needs a shared encoding, got " << encoding;
  if (!elementType.isIntOrFloat())
    return emitError() << "memdesc elements must be integers or floats";
  // A leading dimension beyond the encoding's rank counts pipeline stages.
  size_t rank = shared.getOrder().size();
  if (shape.size() != rank && shape.size() != rank + 1)
    return emitError() << "memdesc of rank " << shape.size()
                       << " does not match its encoding's rank " << rank;
  return success();
}

int64_t MemDescType::getSizeInBytes() const {
  int64_t elements = 1;
  for (int64_t d : getShape())
    elements *= d;
  return elements * llvm::divideCeil(getElementType().getIntOrFloatBitWidth(), 8);
}

#define GET_ATTRDEF_CLASSES
#include "flashtile/Dialect/TileGPU/IR/TileGPUAttrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "flashtile/Dialect/TileGPU/IR/TileGPUTypes.cpp.inc"

//===----------------------------------------------------------------------===//
// Dialect
//===----------------------------------------------------------------------===//

namespace {
/// Prints encodings as `#blocked`, `#mma`, `#dot_op`, `#slice`, `#shared`
/// aliases at the top of the module, as layouts are long.
struct TileGPUOpAsmInterface : OpAsmDialectInterface {
  using OpAsmDialectInterface::OpAsmDialectInterface;
  AliasResult getAlias(Attribute attr, raw_ostream &os) const override {
    StringRef name = llvm::TypeSwitch<Attribute, StringRef>(attr)
                         .Case<BlockedEncodingAttr>([](auto) { return "blocked"; })
                         .Case<MmaEncodingAttr>([](auto) { return "mma"; })
                         .Case<DotOperandEncodingAttr>([](auto) { return "dot_op"; })
                         .Case<SliceEncodingAttr>([](auto) { return "slice"; })
                         .Case<SharedEncodingAttr>([](auto) { return "shared"; })
                         .Default([](Attribute) { return StringRef(); });
    if (name.empty())
      return AliasResult::NoAlias;
    os << name;
    return AliasResult::FinalAlias;
  }
};
} // namespace

void TileGPUDialect::initialize() {
  addInterfaces<TileGPUOpAsmInterface>();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "flashtile/Dialect/TileGPU/IR/TileGPUAttrs.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "flashtile/Dialect/TileGPU/IR/TileGPUTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "flashtile/Dialect/TileGPU/IR/TileGPUOps.cpp.inc"
      >();
}

namespace flashtile::tilegpu {

LayoutEncodingAttr getLayoutEncoding(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return dyn_cast_if_present<LayoutEncodingAttr>(tensor.getEncoding());
  if (auto memdesc = dyn_cast<MemDescType>(type))
    return cast<LayoutEncodingAttr>(memdesc.getEncoding());
  return {};
}

llvm::Expected<LinearLayout> getLinearLayout(Type type) {
  LayoutEncodingAttr encoding = getLayoutEncoding(type);
  if (!encoding) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "type " << type << " has no layout encoding";
    return llvm::createStringError(text);
  }
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return encoding.toLinearLayout(tensor.getShape());
  auto memdesc = cast<MemDescType>(type);
  ArrayRef<int64_t> shape = memdesc.getShape();
  size_t rank = cast<SharedEncodingAttr>(encoding).getOrder().size();
  return encoding.toLinearLayout(shape.take_back(rank));
}

int64_t getElementBytes(Type type) {
  Type element = tile::getElementTypeOrSelf(type);
  if (auto memdesc = dyn_cast<MemDescType>(type))
    element = memdesc.getElementType();
  if (isa<tile::PointerType>(element))
    return 8;
  return std::max<int64_t>(1, element.getIntOrFloatBitWidth() / 8);
}

llvm::Expected<int64_t> getScratchBytes(Operation *op) {
  if (auto convert = dyn_cast<ConvertLayoutOp>(op)) {
    auto src = getLinearLayout(convert.getSrc().getType());
    if (!src)
      return src.takeError();
    auto dst = getLinearLayout(convert.getResult().getType());
    if (!dst)
      return dst.takeError();
    auto conversion = layout::computeConversion(*src, *dst);
    if (!conversion)
      return conversion.takeError();
    if (conversion->kind != layout::ConversionKind::SharedMemory)
      return 0;
    auto type = convert.getSrc().getType();
    return type.getNumElements() * getElementBytes(type);
  }
  if (auto reduce = dyn_cast<tile::ReduceOp>(op)) {
    auto srcType = reduce.getSrc().getType();
    if (!getLayoutEncoding(srcType))
      return 0;
    auto src = getLinearLayout(srcType);
    if (!src)
      return src.takeError();
    std::string axis = layout::dimName(reduce.getAxis());
    int64_t warpsAlongAxis = 1;
    for (unsigned bit = 0, e = src->getInDimSizeLog2(layout::kWarp); bit < e;
         ++bit)
      if (src->getBasis(layout::kWarp, bit, axis) != 0)
        warpsAlongAxis *= 2;
    if (warpsAlongAxis == 1)
      return 0;
    int64_t resultElements = 1;
    if (auto tensor = dyn_cast<RankedTensorType>(reduce.getResult().getType()))
      resultElements = tensor.getNumElements();
    return resultElements * warpsAlongAxis * getElementBytes(srcType);
  }
  return 0;
}

LogicalResult TileGPUDialect::verifyOperationAttribute(Operation *op,
                                                       NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  auto integer = dyn_cast<IntegerAttr>(attr.getValue());
  if (name == kNumWarpsAttrName) {
    // Passes divide by it and size layouts with it: 1 to 32 warps (1024
    // threads), a power of two.
    if (!integer || !integer.getType().isInteger(32) || integer.getInt() < 1 ||
        integer.getInt() > 32 || !llvm::isPowerOf2_64(integer.getInt()))
      return op->emitOpError()
             << "'" << name
             << "' must be an i32 power of two from 1 to 32, got "
             << attr.getValue();
    return success();
  }
  if (name == kSharedAttrName) {
    if (!integer || !integer.getType().isInteger(32) || integer.getInt() < 0)
      return op->emitOpError() << "'" << name
                               << "' must be a non-negative i32, got "
                               << attr.getValue();
    return success();
  }
  if (name == kTargetAttrName) {
    auto target = dyn_cast<StringAttr>(attr.getValue());
    if (!target || !target.getValue().starts_with("cuda:"))
      return op->emitOpError() << "'" << name
                               << "' must be a string \"cuda:<arch>\", got "
                               << attr.getValue();
    return success();
  }
  return success();
}

int getNumWarps(ModuleOp module) {
  if (auto attr = module->getAttrOfType<IntegerAttr>(
          TileGPUDialect::kNumWarpsAttrName))
    return attr.getInt();
  return 4;
}

int getNumThreads(ModuleOp module) {
  return getNumWarps(module) * TileGPUDialect::kThreadsPerWarp;
}

} // namespace flashtile::tilegpu
