//===- flash-layout.cpp - Print GPU layouts and conversions --------------===//
//
// Prints any named layout of lib/Layout as a thread-ownership grid (each
// element: the warp, lane and register that hold it, duplicates listed) or
// as the elements of each thread, and classifies conversions:
//
//   flash-layout blocked --shape=32,32 --size-per-thread=1,4 \
//       --threads-per-warp=4,8 --warps=2,2 --order=1,0
//   flash-layout mma --shape=32,16 --warps=2,1
//   flash-layout dot-operand --op=0 --shape=32,16 --warps=2,1
//   flash-layout slice --dim=1 --parent=mma --shape=32,16 --warps=2,1
//   flash-layout shared --shape=16,64 --vec=8 --per-phase=1 --max-phase=8
//   flash-layout convert blocked ... --to mma ...
//
//===----------------------------------------------------------------------===//

#include "flashtile/Layout/Layouts.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVectorExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

using namespace flashtile;
using namespace flashtile::layout;
using llvm::ArrayRef;
using llvm::SmallVector;
using llvm::StringRef;
namespace cl = llvm::cl;

static cl::OptionCategory category("flash-layout options");

static cl::opt<std::string>
    kindOpt(cl::Positional, cl::desc("<blocked|mma|dot-operand|slice|shared|"
                                     "convert>"),
            cl::init(""), cl::cat(category));
static cl::list<int64_t> shapeOpt("shape", cl::desc("tensor shape, e.g. 32,32"),
                                  cl::CommaSeparated, cl::cat(category));
static cl::list<unsigned>
    sizePerThreadOpt("size-per-thread",
                     cl::desc("blocked: elements per thread per dimension"),
                     cl::CommaSeparated, cl::cat(category));
static cl::list<unsigned>
    threadsPerWarpOpt("threads-per-warp",
                      cl::desc("blocked: lanes per dimension"),
                      cl::CommaSeparated, cl::cat(category));
static cl::list<unsigned>
    warpsOpt("warps", cl::desc("warps per dimension (blocked, mma)"),
             cl::CommaSeparated, cl::cat(category));
static cl::list<unsigned>
    orderOpt("order", cl::desc("dimensions, fastest first (default: "
                               "row-major, the last dimension fastest)"),
             cl::CommaSeparated, cl::cat(category));
static cl::opt<unsigned> opIdxOpt("op", cl::desc("dot-operand: 0 (A) or 1 (B)"),
                                  cl::init(0), cl::cat(category));
static cl::opt<unsigned>
    kWidthOpt("k-width",
              cl::desc("dot-operand: consecutive K elements per 32-bit "
                       "register (2 for 16-bit types)"),
              cl::init(2), cl::cat(category));
static cl::opt<std::string>
    instrOpt("instr",
             cl::desc("mma instruction: m16n8k16 (Ampere) or m16n8k8 (Turing)"),
             cl::init("m16n8k16"), cl::cat(category));
static cl::opt<unsigned> sliceDimOpt("dim", cl::desc("slice: dimension removed"),
                                     cl::init(0), cl::cat(category));
static cl::opt<std::string>
    parentOpt("parent", cl::desc("slice: parent kind (blocked, mma, "
                                 "dot-operand), described by the other options"),
              cl::init(""), cl::cat(category));
static cl::opt<unsigned> vecOpt("vec", cl::desc("shared: elements per chunk"),
                                cl::init(0), cl::cat(category));
static cl::opt<unsigned> perPhaseOpt("per-phase",
                                     cl::desc("shared: rows per phase"),
                                     cl::init(0), cl::cat(category));
static cl::opt<unsigned> maxPhaseOpt("max-phase",
                                     cl::desc("shared: number of phases"),
                                     cl::init(0), cl::cat(category));
static cl::opt<unsigned>
    bitsOpt("bits",
            cl::desc("element bit width: vector width, and shared swizzle "
                     "when --vec/--per-phase/--max-phase are not given"),
            cl::init(16), cl::cat(category));
static cl::opt<bool>
    perThreadOpt("per-thread",
                 cl::desc("print each thread's elements (for shared layouts: "
                          "each shared-memory row's elements) instead of the "
                          "grid"),
                 cl::init(false), cl::cat(category));
static cl::opt<bool> basesOpt("bases", cl::desc("also print the linear layout"),
                              cl::init(false), cl::cat(category));

static constexpr const char *overview =
    "flash-layout: prints FlashTile's GPU layouts (all linear layouts) as "
    "ownership grids, and classifies layout conversions.\n\n"
    "  flash-layout <kind> [options]\n"
    "  flash-layout convert <kind> [options] --to <kind> [options]\n";

static llvm::Error error(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

static std::string listToString(ArrayRef<int64_t> values) {
  std::string text = "[";
  for (auto [i, v] : llvm::enumerate(values))
    text += (i ? ", " : "") + std::to_string(v);
  return text + "]";
}

static std::string listToString(ArrayRef<unsigned> values) {
  return listToString(SmallVector<int64_t>(values.begin(), values.end()));
}

/// A layout built from the command line, with what is needed to print it.
struct Spec {
  std::string description;
  LinearLayout layout;
  SmallVector<int64_t> shape;
  bool shared = false;
  /// Shared layouts: the length of a stored row (shape[order[0]]).
  int64_t rowLength = 0;
};

static SmallVector<unsigned> defaultOrder(size_t rank) {
  SmallVector<unsigned> order;
  for (size_t i = rank; i > 0; --i)
    order.push_back(i - 1);
  return order;
}

static SmallVector<unsigned> orderOrDefault(size_t rank) {
  if (orderOpt.empty())
    return defaultOrder(rank);
  return SmallVector<unsigned>(orderOpt.begin(), orderOpt.end());
}

static llvm::Expected<MmaParams> mmaParams() {
  MmaParams params;
  params.warpsPerCTA.assign(warpsOpt.begin(), warpsOpt.end());
  if (params.warpsPerCTA.empty())
    params.warpsPerCTA = {1, 1};
  StringRef instr = instrOpt;
  unsigned k = 0;
  if (!instr.consume_front("m16n8k") || instr.getAsInteger(10, k))
    return error("unsupported mma instruction '" + instrOpt +
                 "': expected m16n8k16 or m16n8k8");
  params.instrK = k;
  return params;
}

/// Builds the distributed layout `kind` from the options.
static llvm::Expected<LinearLayout> buildDistributed(StringRef kind,
                                                     std::string &what) {
  SmallVector<int64_t> shape(shapeOpt.begin(), shapeOpt.end());
  if (kind == "blocked") {
    size_t rank = shape.size();
    if (threadsPerWarpOpt.empty())
      return error("blocked needs --threads-per-warp");
    SmallVector<unsigned> ones(rank, 1);
    SmallVector<unsigned> spt(sizePerThreadOpt.begin(), sizePerThreadOpt.end());
    SmallVector<unsigned> warps(warpsOpt.begin(), warpsOpt.end());
    SmallVector<unsigned> tpw(threadsPerWarpOpt.begin(),
                              threadsPerWarpOpt.end());
    if (spt.empty())
      spt = ones;
    if (warps.empty())
      warps = ones;
    SmallVector<unsigned> order = orderOrDefault(rank);
    what = "blocked, shape " + listToString(shape) + ", size-per-thread " +
           listToString(spt) + ", threads-per-warp " + listToString(tpw) +
           ", warps " + listToString(warps) + ", order " +
           listToString(order);
    return blocked(shape, spt, tpw, warps, order);
  }
  if (kind == "mma" || kind == "dot-operand") {
    llvm::Expected<MmaParams> params = mmaParams();
    if (!params)
      return params.takeError();
    std::string parent = "mma " + instrOpt + ", warps " +
                         listToString(ArrayRef(params->warpsPerCTA));
    if (kind == "mma") {
      what = parent + ", shape " + listToString(shape);
      return mma(shape, *params);
    }
    what = "dot-operand " + std::string(opIdxOpt == 0 ? "A" : "B") +
           " (op " + std::to_string(opIdxOpt) + ", k-width " +
           std::to_string(kWidthOpt) + ") of " + parent + ", shape " +
           listToString(shape);
    return dotOperand(opIdxOpt, shape, *params, kWidthOpt);
  }
  if (kind == "slice") {
    if (parentOpt.empty() || parentOpt == "slice" || parentOpt == "shared")
      return error("slice needs --parent=blocked, mma or dot-operand");
    std::string parentWhat;
    llvm::Expected<LinearLayout> parent =
        buildDistributed(parentOpt, parentWhat);
    if (!parent)
      return parent.takeError();
    what = "slice along dim " + std::to_string(sliceDimOpt) + " of " +
           parentWhat;
    return slice(sliceDimOpt, *parent);
  }
  return error("unknown layout kind '" + kind +
               "' (expected blocked, mma, dot-operand, slice or shared)");
}

static llvm::Expected<Spec> buildSpec() {
  if (kindOpt.empty())
    return error("no layout kind given (blocked, mma, dot-operand, slice, "
                 "shared or convert)");
  if (shapeOpt.empty())
    return error("--shape is required");
  Spec spec;
  if (kindOpt == "shared") {
    spec.shape.assign(shapeOpt.begin(), shapeOpt.end());
    SmallVector<unsigned> order = orderOrDefault(spec.shape.size());
    SwizzleParams swizzle{vecOpt, perPhaseOpt, maxPhaseOpt};
    std::string how;
    if (!vecOpt && !perPhaseOpt && !maxPhaseOpt) {
      llvm::Expected<SwizzleParams> chosen =
          mmaOperandSwizzle(spec.shape, order, bitsOpt);
      if (!chosen)
        return chosen.takeError();
      swizzle = *chosen;
      how = " (chosen for an mma operand of " + std::to_string(bitsOpt) +
            "-bit elements)";
    } else if (!vecOpt || !perPhaseOpt || !maxPhaseOpt) {
      return error("shared needs all of --vec, --per-phase and --max-phase, "
                   "or none of them (then they are chosen from --bits)");
    }
    llvm::Expected<LinearLayout> layout =
        swizzled(spec.shape, swizzle, order);
    if (!layout)
      return layout.takeError();
    spec.layout = std::move(*layout);
    spec.shared = true;
    if (order.size() == spec.shape.size() && !order.empty() &&
        order[0] < spec.shape.size())
      spec.rowLength = spec.shape[order[0]];
    spec.description = "shared, shape " + listToString(spec.shape) +
                       ", vec " + std::to_string(swizzle.vec) +
                       ", per-phase " + std::to_string(swizzle.perPhase) +
                       ", max-phase " + std::to_string(swizzle.maxPhase) +
                       how + ", order " + listToString(order);
    return spec;
  }
  llvm::Expected<LinearLayout> layout =
      buildDistributed(kindOpt, spec.description);
  if (!layout)
    return layout.takeError();
  spec.layout = std::move(*layout);
  for (const LinearLayout::OutDim &out : spec.layout.getOutDims())
    spec.shape.push_back(out.size);
  return spec;
}

//===----------------------------------------------------------------------===//
// Printing
//===----------------------------------------------------------------------===//

static std::string coordToString(ArrayRef<int32_t> coord) {
  std::string text = "(";
  for (auto [i, v] : llvm::enumerate(coord))
    text += (i ? "," : "") + std::to_string(v);
  return text + ")";
}

/// Row-major index of a coordinate.
static int64_t linearIndex(ArrayRef<int64_t> shape, ArrayRef<int32_t> coord) {
  int64_t index = 0;
  for (auto [size, c] : llvm::zip(shape, coord))
    index = index * size + c;
  return index;
}

static void printTable(llvm::raw_ostream &os, ArrayRef<int64_t> shape,
                       ArrayRef<std::string> cells) {
  int64_t rows = shape.size() == 2 ? shape[0] : 1;
  int64_t cols = shape.back();
  size_t width = 1;
  for (const std::string &cell : cells)
    width = std::max(width, cell.size());
  size_t labelWidth = std::to_string(rows - 1).size();
  auto printLine = [&](const std::string &label, auto cell) {
    std::string line;
    llvm::raw_string_ostream ls(line);
    ls << label;
    for (int64_t c = 0; c < cols; ++c)
      ls << ' ' << llvm::left_justify(cell(c), width);
    os << StringRef(line).rtrim() << '\n';
  };
  printLine(std::string(labelWidth + 1, ' '),
            [](int64_t c) { return std::to_string(c); });
  for (int64_t r = 0; r < rows; ++r) {
    std::string label = std::to_string(r);
    printLine(std::string(labelWidth - label.size(), ' ') + label + ":",
              [&](int64_t c) { return cells[r * cols + c]; });
  }
}

static llvm::Error checkPrintable(const Spec &spec) {
  if (spec.shape.size() != 1 && spec.shape.size() != 2)
    return error("can only print 1-D and 2-D layouts (the shape has rank " +
                 llvm::Twine(spec.shape.size()) + ")");
  if (spec.layout.getTotalInDimSize() > (1 << 16) ||
      spec.layout.getTotalOutDimSize() > (1 << 16))
    return error("layout too large to print (at most 65536 elements and "
                 "inputs)");
  return llvm::Error::success();
}

/// Calls fn(warp, lane, register, coordinate) for every input of a
/// distributed layout, warps then lanes then registers.
template <typename Fn>
static void forEachInput(const LinearLayout &l, Fn fn) {
  int32_t warps = l.getInDimSize(kWarp), lanes = l.getInDimSize(kLane),
          regs = l.getInDimSize(kRegister);
  for (int32_t w = 0; w < warps; ++w)
    for (int32_t t = 0; t < lanes; ++t)
      for (int32_t r = 0; r < regs; ++r)
        fn(w, t, r,
           l.apply({{kRegister, r}, {kLane, t}, {kWarp, w}}));
}

static SmallVector<int32_t>
values(ArrayRef<std::pair<std::string, int32_t>> named) {
  return llvm::map_to_vector(named, [](const auto &p) { return p.second; });
}

static std::string threadName(const LinearLayout &l, int32_t w, int32_t t) {
  return (l.getInDimSize(kWarp) > 1 ? "w" + std::to_string(w) : "") + "t" +
         std::to_string(t);
}

static void printDistributed(llvm::raw_ostream &os, const Spec &spec) {
  const LinearLayout &l = spec.layout;
  os << "registers " << l.getInDimSize(kRegister) << ", lanes "
     << l.getInDimSize(kLane) << ", warps " << l.getInDimSize(kWarp);
  if (spec.shape.size() == 2 || spec.shape.size() == 1) {
    unsigned contig = spec.shape.size() - 1;
    os << ", vector width " << getGlobalVectorWidth(l, contig, bitsOpt)
       << " (" << bitsOpt << "-bit, along dim" << contig << ")";
  }
  os << '\n';
  if (perThreadOpt) {
    std::map<std::pair<int32_t, int32_t>, std::string> lines;
    forEachInput(l, [&](int32_t w, int32_t t, int32_t,
                        ArrayRef<std::pair<std::string, int32_t>> out) {
      lines[{w, t}] += " " + coordToString(values(out));
    });
    for (const auto &[thread, line] : lines)
      os << threadName(l, thread.first, thread.second) << ':' << line << '\n';
    return;
  }
  std::vector<std::string> cells(l.getTotalOutDimSize());
  forEachInput(l, [&](int32_t w, int32_t t, int32_t r,
                      ArrayRef<std::pair<std::string, int32_t>> out) {
    std::string &cell = cells[linearIndex(spec.shape, values(out))];
    cell += (cell.empty() ? "" : ",") + threadName(l, w, t) + ":r" +
            std::to_string(r);
  });
  for (std::string &cell : cells)
    if (cell.empty())
      cell = ".";
  printTable(os, spec.shape, cells);
}

static void printShared(llvm::raw_ostream &os, const Spec &spec) {
  const LinearLayout &l = spec.layout;
  int32_t size = l.getInDimSize(kOffset);
  if (perThreadOpt) {
    int64_t row = spec.rowLength ? spec.rowLength : size;
    for (int32_t o = 0; o < size; ++o) {
      if (o % row == 0)
        os << (o ? "\n" : "") << "offset " << o << ':';
      os << ' ' << coordToString(values(l.apply({{kOffset, o}})));
    }
    os << '\n';
    return;
  }
  os << "element offsets in shared memory:\n";
  std::vector<std::string> cells(l.getTotalOutDimSize());
  for (int32_t o = 0; o < size; ++o)
    cells[linearIndex(spec.shape, values(l.apply({{kOffset, o}})))] =
        std::to_string(o);
  printTable(os, spec.shape, cells);
}

static int fail(llvm::Error e) {
  llvm::WithColor::error(llvm::errs(), "flash-layout")
      << llvm::toString(std::move(e)) << '\n';
  return 1;
}

static int printLayout() {
  llvm::Expected<Spec> spec = buildSpec();
  if (!spec)
    return fail(spec.takeError());
  if (llvm::Error e = checkPrintable(*spec))
    return fail(std::move(e));
  llvm::raw_ostream &os = llvm::outs();
  os << spec->description << '\n';
  if (spec->shared)
    printShared(os, *spec);
  else
    printDistributed(os, *spec);
  if (basesOpt)
    os << spec->layout << '\n';
  return 0;
}

//===----------------------------------------------------------------------===//
// convert
//===----------------------------------------------------------------------===//

static StringRef explain(ConversionKind kind) {
  switch (kind) {
  case ConversionKind::NoOp:
    return "the layouts are equivalent";
  case ConversionKind::RegisterPermute:
    return "every thread already holds its elements; registers are renamed";
  case ConversionKind::WarpShuffle:
    return "elements move between lanes of a warp: shuffles suffice";
  case ConversionKind::SharedMemory:
    return "elements move between warps: through shared memory";
  }
  return "";
}

/// Parses one layout of a conversion; nullopt when the option parser
/// rejected the arguments (it has printed why).
static std::optional<llvm::Expected<Spec>>
parseSpec(ArrayRef<const char *> args) {
  cl::ResetAllOptionOccurrences();
  if (!cl::ParseCommandLineOptions(args.size(), args.data(), overview,
                                   &llvm::errs()))
    return std::nullopt;
  return buildSpec();
}

static int convert(ArrayRef<const char *> argv) {
  // argv: program convert <from...> --to <to...>
  const char *const *toArg = llvm::find_if(
      argv, [](const char *a) { return StringRef(a) == "--to"; });
  if (toArg == argv.end())
    return fail(error("convert needs two layouts: convert <kind> [options] "
                      "--to <kind> [options]"));
  SmallVector<const char *> fromArgs{argv[0]};
  fromArgs.append(argv.begin() + 2, toArg);
  SmallVector<const char *> toArgs{argv[0]};
  toArgs.append(toArg + 1, argv.end());
  // The destination reuses the source's shape unless it gives its own.
  bool toHasShape = llvm::any_of(toArgs, [](const char *a) {
    return StringRef(a).starts_with("--shape") ||
           StringRef(a).starts_with("-shape");
  });
  SmallVector<std::string> inherited;
  for (const char *a : fromArgs)
    if (StringRef(a).starts_with("--shape") || StringRef(a).starts_with("-shape"))
      inherited.push_back(a);
  if (!toHasShape)
    for (const std::string &a : inherited)
      toArgs.push_back(a.c_str());

  std::optional<llvm::Expected<Spec>> from = parseSpec(fromArgs);
  if (!from)
    return 1;
  if (!*from)
    return fail(from->takeError());
  std::optional<llvm::Expected<Spec>> to = parseSpec(toArgs);
  if (!to)
    return 1;
  if (!*to)
    return fail(to->takeError());
  Spec &src = **from, &dst = **to;
  if (src.shared || dst.shared)
    return fail(error("convert takes distributed layouts (blocked, mma, "
                      "dot-operand, slice), not shared ones"));
  llvm::Expected<Conversion> conversion =
      computeConversion(src.layout, dst.layout);
  if (!conversion)
    return fail(conversion.takeError());
  llvm::raw_ostream &os = llvm::outs();
  os << "from: " << src.description << '\n';
  os << "to: " << dst.description << '\n';
  os << "conversion: " << stringifyConversionKind(conversion->kind) << " ("
     << explain(conversion->kind) << ")\n";
  os << "map from destination to source (register, lane, warp):\n"
     << conversion->map << '\n';
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  SmallVector<const char *> args(argv, argv + argc);
  if (argc > 1 && StringRef(argv[1]) == "convert")
    return convert(args);
  // Option errors are printed by the parser itself.
  if (!cl::ParseCommandLineOptions(argc, argv, overview, &llvm::errs()))
    return 1;
  return printLayout();
}
