//===- Driver.cpp - front end, pipeline and executor behind the API -------===//
//
// Everything here runs without exceptions: failures come back as the text
// that the front end, the IR parser, the verifier, the passes or the executor
// reported, formatted as `file:line:col: error: message`, the source line and
// a caret.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"

#include "flashtile/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "flashtile/Executor/Executor.h"
#include "flashtile/Frontend/Frontend.h"
#include "flashtile/InitAll.h"
#include "flashtile/Pipelines/Pipelines.h"
#include "flashtile/Target/PTX/PTX.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

using namespace mlir;

namespace flashtile::api::detail {

namespace {

/// Collects, as text, both kinds of diagnostics a compile produces: those the
/// front end reports through the SourceMgr (SMDiagnostic) and MLIR
/// diagnostics (verifier, passes, parser, executor), which the
/// SourceMgrDiagnosticHandler (a ScopedDiagnosticHandler) formats with the
/// source line and caret of the DSL file.
class DiagnosticCollector {
public:
  DiagnosticCollector(MLIRContext &context, llvm::SourceMgr &sourceMgr)
      : stream(text), handler(sourceMgr, &context, stream) {
    sourceMgr.setDiagHandler(
        [](const llvm::SMDiagnostic &diag, void *self) {
          diag.print(/*ProgName=*/nullptr,
                     static_cast<DiagnosticCollector *>(self)->stream,
                     /*ShowColors=*/false);
        },
        this);
  }

  /// The collected text, or `fallback` if nothing was reported.
  std::string take(llvm::StringRef fallback) {
    std::string result = text.empty() ? fallback.str() : text;
    text.clear();
    while (!result.empty() && result.back() == '\n')
      result.pop_back();
    return result;
  }

private:
  std::string text;
  llvm::raw_string_ostream stream;
  SourceMgrDiagnosticHandler handler;
};

bool envFlag(const char *name) {
  const char *value = std::getenv(name);
  return value && *value && std::strcmp(value, "0") != 0;
}

std::unique_ptr<llvm::SourceMgr> makeSourceMgr(const std::string &text,
                                               const std::string &name) {
  auto sourceMgr = std::make_unique<llvm::SourceMgr>();
  sourceMgr->AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, name),
                                llvm::SMLoc());
  return sourceMgr;
}

std::string kindName(frontend::ParamKind kind) {
  switch (kind) {
  case frontend::ParamKind::Pointer:
    return "pointer";
  case frontend::ParamKind::Int:
    return "int";
  case frontend::ParamKind::Float:
    return "float";
  case frontend::ParamKind::Constexpr:
    return "constexpr";
  case frontend::ParamKind::Untyped:
    return "untyped";
  }
  return "untyped";
}

frontend::Specialization toFrontend(const Specialization &spec) {
  frontend::Specialization result;
  for (const auto &[name, value] : spec.constexprs)
    result.constexprs[name] = frontend::ConstexprValue{value};
  for (const auto &[name, type] : spec.argTypes)
    result.argTypes[name] = type;
  for (const std::string &name : spec.divisibleBy16)
    result.divisibleBy16.insert(name);
  for (const std::string &name : spec.equalTo1)
    result.equalTo1.insert(name);
  return result;
}

/// Prints the IR after every pass of `pm` to stderr.
void enableDump(PassManager &pm) {
  pm.enableIRPrinting(
      /*shouldPrintBeforePass=*/[](Pass *, Operation *) { return false; },
      /*shouldPrintAfterPass=*/[](Pass *, Operation *) { return true; },
      /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
      /*printAfterOnlyOnFailure=*/false, llvm::errs());
}

/// The launch ABI name of a parameter type of the lowered kernel, or "" if
/// a launch cannot pass it.
std::string abiTypeName(Type type) {
  if (auto ptr = dyn_cast<LLVM::LLVMPointerType>(type))
    return ptr.getAddressSpace() == 1 || ptr.getAddressSpace() == 0 ? "ptr" : "";
  if (auto integer = dyn_cast<IntegerType>(type)) {
    unsigned width = integer.getWidth();
    if (width == 1 || width == 8 || width == 16 || width == 32 || width == 64)
      return "i" + std::to_string(width);
    return "";
  }
  if (type.isF32())
    return "f32";
  if (type.isF64())
    return "f64";
  return "";
}

/// Runs buildNvidiaPipeline on `gpu`, the front end's output (so that
/// `flash-opt --tile-to-nvvm` on `flash-translate --emit=tile` output
/// reproduces it exactly), and translates the result to PTX. Errors are
/// emitted on the IR (and so collected with their DSL locations).
LogicalResult compileForCuda(OwningOpRef<ModuleOp> gpu, llvm::StringRef kernel,
                             const CompileOptions &options, bool dumpIR,
                             CudaBinary &cuda) {
  PassManager pm(gpu->getContext());
  pm.enableVerifier(true);
  if (dumpIR) {
    llvm::errs() << "// -----// tile-to-nvvm{arch=" << options.arch
                 << " num-warps=" << options.numWarps
                 << " num-stages=" << options.numStages << "} on the front end's "
                 << "output (" << kernel << ") //----- //\n";
    enableDump(pm);
  }
  NvidiaPipelineOptions nvidia;
  nvidia.arch = options.arch;
  nvidia.numWarps = options.numWarps;
  nvidia.numStages = options.numStages;
  buildNvidiaPipeline(pm, nvidia);
  if (failed(pm.run(*gpu)))
    return failure();

  auto func = gpu->lookupSymbol<LLVM::LLVMFuncOp>(kernel);
  if (!func)
    return gpu->emitError() << "the NVIDIA pipeline left no llvm.func named '"
                            << kernel << "'";
  cuda.paramTypes.clear();
  for (auto [i, type] :
       llvm::enumerate(func.getFunctionType().getParams())) {
    std::string name = abiTypeName(type);
    if (name.empty())
      return func.emitError() << "parameter #" << i << " of kernel '" << kernel
                              << "' has type " << type
                              << ", which a CUDA launch cannot pass (only "
                                 "pointers, i1..i64, f32 and f64)";
    cuda.paramTypes.push_back(std::move(name));
  }
  cuda.sharedBytes = 0;
  if (auto shared = (*gpu)->getAttrOfType<IntegerAttr>(
          tilegpu::TileGPUDialect::kSharedAttrName))
    cuda.sharedBytes = static_cast<int>(shared.getInt());
  cuda.arch = options.arch;
  cuda.numWarps = options.numWarps;
  cuda.numStages = options.numStages;

  PTXOptions ptxOptions;
  ptxOptions.arch = options.arch;
  FailureOr<std::string> ptx = translateToPTX(*gpu, ptxOptions);
  if (failed(ptx))
    return failure();
  cuda.ptx = std::move(*ptx);
  if (dumpIR)
    llvm::errs() << "// -----// PTX (" << kernel << ", sm_" << options.arch
                 << ") //----- //\n"
                 << cuda.ptx << "\n";
  return success();
}

std::string printWithLocations(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  OpPrintingFlags flags;
  flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  module.print(os, flags);
  return text;
}

} // namespace

bool listParams(const std::string &source, const std::string &filename,
                const std::string &kernel, std::vector<Param> &params,
                std::string &error) {
  MLIRContext context(MLIRContext::Threading::DISABLED);
  auto sourceMgr = makeSourceMgr(source, filename);
  DiagnosticCollector diagnostics(context, *sourceMgr);
  FailureOr<std::vector<frontend::ParamInfo>> infos =
      frontend::getKernelParams(*sourceMgr, kernel);
  if (failed(infos)) {
    error = diagnostics.take("cannot read the parameters of kernel '" +
                             kernel + "' in " + filename);
    return false;
  }
  params.clear();
  for (const frontend::ParamInfo &info : *infos) {
    Param param{info.name, kindName(info.kind), info.type, std::nullopt};
    if (info.defaultValue)
      param.defaultValue = info.defaultValue->value;
    params.push_back(std::move(param));
  }
  return true;
}

struct Module::State {
  State() : context(makeRegistry(), MLIRContext::Threading::DISABLED) {
    context.loadAllAvailableDialects();
    // Errors point at the DSL line with a caret; the generic form of the op
    // ("see current operation: ...") would only bury that.
    context.printOpOnDiagnostic(false);
  }

  static DialectRegistry makeRegistry() {
    DialectRegistry registry;
    registerAllDialects(registry);
    registerPTXTranslations(registry);
    return registry;
  }

  /// Finds the kernel function in `module` and takes ownership of the module.
  LogicalResult adopt(OwningOpRef<ModuleOp> owned, llvm::StringRef name) {
    module = std::move(owned);
    kernel = module->lookupSymbol<func::FuncOp>(name);
    if (!kernel)
      return module->emitError() << "no function named '" << name << "'";
    if (!kernel->hasAttr("tile.kernel"))
      return kernel.emitError() << "'" << name
                                << "' is not a tile kernel (no tile.kernel)";
    ir = printWithLocations(*module);
    return success();
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  func::FuncOp kernel;
  std::string ir;
};

Module::Module(std::unique_ptr<State> state) : state(std::move(state)) {}
Module::~Module() = default;

const std::string &Module::ir() const { return state->ir; }

std::unique_ptr<Module> Module::compile(const std::string &source,
                                        const std::string &filename,
                                        const std::string &kernel,
                                        const Specialization &spec,
                                        const CompileOptions &options,
                                        CudaBinary *cuda, std::string &error) {
  auto state = std::make_unique<State>();
  MLIRContext &context = state->context;
  auto sourceMgr = makeSourceMgr(source, filename);
  DiagnosticCollector diagnostics(context, *sourceMgr);
  std::string failure = "failed to compile kernel '" + kernel + "'";

  FailureOr<OwningOpRef<ModuleOp>> module =
      frontend::compileKernel(context, *sourceMgr, kernel, toFrontend(spec));
  if (failed(module)) {
    error = diagnostics.take(failure);
    return nullptr;
  }

  bool dumpIR = options.dumpIR || envFlag("FLASHTILE_DUMP_IR");
  OwningOpRef<ModuleOp> gpu;
  if (cuda)
    gpu = (*module)->clone();
  if (dumpIR) {
    llvm::errs() << "// -----// IR from the front end (" << kernel
                 << ") //----- //\n";
    (*module)->print(llvm::errs());
    llvm::errs() << "\n";
  }

  // Verification after every pass is the PassManager's default; keep it on.
  PassManager pm(&context);
  pm.enableVerifier(true);
  if (dumpIR)
    enableDump(pm);
  buildTileOptimizePipeline(pm);
  if (failed(pm.run(**module))) {
    error = diagnostics.take(failure + " in the tile-optimize pipeline");
    return nullptr;
  }
  if (failed(state->adopt(std::move(*module), kernel))) {
    error = diagnostics.take(failure);
    return nullptr;
  }
  if (cuda && failed(compileForCuda(std::move(gpu), kernel, options, dumpIR,
                                    *cuda))) {
    error = diagnostics.take(failure + " for sm_" +
                             std::to_string(options.arch));
    return nullptr;
  }
  return std::unique_ptr<Module>(new Module(std::move(state)));
}

/// The deepest nesting of brackets in `ir`, outside string literals: MLIR's
/// parser recurses once per level, so a damaged or hostile cache entry
/// nested deeply enough would overflow the stack of the process.
static size_t bracketDepth(llvm::StringRef ir) {
  size_t depth = 0, deepest = 0;
  bool quoted = false;
  for (size_t i = 0; i < ir.size(); ++i) {
    char c = ir[i];
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '{' || c == '(' || c == '[' || c == '<') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == '}' || c == ')' || c == ']' || c == '>') && depth > 0) {
      // '>' also ends '->': it may close nothing, and never goes below 0.
      --depth;
    }
  }
  return deepest;
}

/// Kernels FlashTile writes nest far less than this.
constexpr size_t kMaxIRDepth = 512;

std::unique_ptr<Module> Module::parse(const std::string &ir,
                                      const std::string &kernel,
                                      std::string &error) {
  if (size_t depth = bracketDepth(ir); depth > kMaxIRDepth) {
    error = "cannot load the tile IR of kernel '" + kernel + "': it nests " +
            std::to_string(depth) + " levels deep (more than " +
            std::to_string(kMaxIRDepth) + "), so it is not IR FlashTile wrote";
    return nullptr;
  }
  auto state = std::make_unique<State>();
  MLIRContext &context = state->context;
  auto sourceMgr = makeSourceMgr(ir, "<tile IR>");
  DiagnosticCollector diagnostics(context, *sourceMgr);
  std::string failure = "cannot load the tile IR of kernel '" + kernel + "'";
  // Parsing verifies the module.
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(*sourceMgr, ParserConfig(&context));
  if (!module || failed(state->adopt(std::move(module), kernel))) {
    error = diagnostics.take(failure);
    return nullptr;
  }
  return std::unique_ptr<Module>(new Module(std::move(state)));
}

bool Module::runOnCpu(std::array<int64_t, 3> grid,
                      const std::vector<CpuArg> &args,
                      const std::vector<std::string> &argNames,
                      std::string &error,
                      const std::function<bool()> &interrupted,
                      uint64_t stepLimit) const {
  func::FuncOp kernel = state->kernel;
  std::string name = kernel.getSymName().str();
  if (args.size() != kernel.getNumArguments()) {
    error = "kernel '" + name + "' takes " +
            std::to_string(kernel.getNumArguments()) + " arguments, got " +
            std::to_string(args.size());
    return false;
  }
  for (int64_t size : grid) {
    if (size < 0) {
      error = "kernel '" + name + "': negative grid size " +
              std::to_string(size);
      return false;
    }
  }

  std::vector<exec::KernelArg> kernelArgs;
  std::vector<exec::HostBuffer> buffers;
  for (size_t i = 0; i < args.size(); ++i) {
    const CpuArg &arg = args[i];
    std::string argName =
        i < argNames.size() ? argNames[i] : "argument #" + std::to_string(i);
    switch (arg.kind) {
    case CpuArg::Kind::Buffer:
      kernelArgs.push_back(
          exec::KernelArg::ofBuffer(static_cast<int64_t>(buffers.size())));
      buffers.push_back({arg.data, arg.sizeBytes, argName, arg.writable});
      break;
    case CpuArg::Kind::Int:
      kernelArgs.push_back(exec::KernelArg::ofInt(arg.intValue));
      break;
    case CpuArg::Kind::Float:
      kernelArgs.push_back(exec::KernelArg::ofFloat(arg.floatValue));
      break;
    }
  }

  // Diagnostics the executor emits on the IR's locations come out with the
  // DSL source line (the SourceMgr loads the kernel file on demand).
  llvm::SourceMgr sourceMgr;
  DiagnosticCollector diagnostics(state->context, sourceMgr);
  if (llvm::Error err =
          exec::runKernel(kernel, grid, kernelArgs, buffers,
                          exec::RunControl{interrupted, stepLimit})) {
    std::string message = llvm::toString(std::move(err));
    std::string emitted = diagnostics.take("");
    error = emitted.empty() ? message : message + "\n" + emitted;
    return false;
  }
  return true;
}

} // namespace flashtile::api::detail
