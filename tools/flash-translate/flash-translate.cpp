//===- flash-translate.cpp - FlashTile's DSL compiler driver --------------===//
//
// Compiles one kernel of a DSL module and prints the result:
//
//   flash-translate attn.py --kernel attention_fwd -D BLOCK_M=64 \
//       -T Q=*f16 --divisible-by-16=Q,K,V --emit=tile-opt
//
// `--emit` names the last stage to run; each stage is a registered pipeline,
// so `flash-opt --<pipeline>` reproduces every step. `--list-params` prints
// the kernel's parameters instead. Errors print as file:line:col with the
// source line and exit with status 1.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Conversion/TileGPUToLLVM/Pipeline.h"
#include "flashtile/Frontend/Frontend.h"
#include "flashtile/InitAll.h"
#include "flashtile/Pipelines/Pipelines.h"
#include "flashtile/Target/PTX/PTX.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

using namespace llvm;
using namespace flashtile;

namespace {

/// The last stage `--emit` asks for; later stages extend this list.
enum class EmitKind { Tile, TileOpt, LLVM, PTX };

cl::OptionCategory category("flash-translate options");

cl::opt<std::string> inputFilename(cl::Positional, cl::Required,
                                   cl::desc("<kernel module .py>"),
                                   cl::cat(category));
cl::opt<std::string> kernelName("kernel", cl::desc("The kernel to compile"),
                                cl::value_desc("name"), cl::cat(category));
cl::list<std::string>
    defines("D", cl::Prefix, cl::value_desc("NAME=VALUE"),
            cl::desc("Value of a constexpr parameter: an int, a float, "
                     "True/False, None, a dtype (float16 or fl.float16) or "
                     "a string"),
            cl::cat(category));
cl::list<std::string>
    argTypes("T", cl::Prefix, cl::value_desc("NAME=TYPE"),
             cl::desc("Type of a runtime parameter: *f16, *bf16, *f32, i32, "
                      "i64, f32, ..."),
             cl::cat(category));
cl::list<std::string>
    divisibleBy16("divisible-by-16", cl::CommaSeparated,
                  cl::value_desc("NAME,..."),
                  cl::desc("Integer and pointer parameters known to be "
                           "divisible by 16 (pointers: 16-byte aligned)"),
                  cl::cat(category));
cl::list<std::string>
    equalTo1("equal-to-1", cl::CommaSeparated, cl::value_desc("NAME,..."),
             cl::desc("Integer parameters specialised as the constant 1 (as "
                      "the JIT does for an int argument equal to 1)"),
             cl::cat(category));
cl::opt<EmitKind> emit(
    "emit", cl::desc("What to print"), cl::init(EmitKind::Tile),
    cl::values(clEnumValN(EmitKind::Tile, "tile", "tile IR from the front end"),
               clEnumValN(EmitKind::TileOpt, "tile-opt",
                          "tile IR after the tile-optimize pipeline"),
               clEnumValN(EmitKind::LLVM, "llvm",
                          "LLVM IR for the NVPTX target (--arch)"),
               clEnumValN(EmitKind::PTX, "ptx", "PTX assembly (--arch)")),
    cl::cat(category));
cl::opt<std::string> arch("arch",
                          cl::desc("NVIDIA target of --emit=llvm|ptx: sm_75, "
                                   "sm_80, sm_86, sm_89 or sm_90"),
                          cl::init("sm_80"), cl::cat(category));
cl::opt<int> numWarps("num-warps",
                      cl::desc("Warps per program instance (--emit=llvm|ptx)"),
                      cl::init(4), cl::cat(category));
cl::opt<int> numStages("num-stages",
                       cl::desc("Software-pipelining depth of loads in loops "
                                "(--emit=llvm|ptx; 1: none)"),
                       cl::init(2), cl::cat(category));
cl::opt<bool> listParams("list-params",
                         cl::desc("Print the kernel's parameters (name, kind, "
                                  "type, default), one per line"),
                         cl::cat(category));
cl::opt<std::string> untypedType(
    "untyped-type",
    cl::desc("Type of unannotated parameters not given by -T (Python passes "
             "each argument's own type); empty: such parameters are errors"),
    cl::init("i32"), cl::cat(category));
cl::opt<std::string> pointerType(
    "pointer-type",
    cl::desc("Element type of generic fl.pointer parameters not given by "
             "-T; empty: such parameters are errors"),
    cl::init("f16"), cl::cat(category));
cl::opt<std::string> outputFilename("o", cl::desc("Output file"),
                                    cl::value_desc("file"), cl::init("-"),
                                    cl::cat(category));

int fail(const Twine &message) {
  WithColor::error(errs(), "flash-translate") << message << "\n";
  return EXIT_FAILURE;
}

/// Splits `NAME=VALUE`.
bool splitAssignment(StringRef text, StringRef &name, StringRef &value) {
  std::tie(name, value) = text.split('=');
  return !name.empty() && text.contains('=');
}

frontend::ConstexprValue parseConstexpr(StringRef text) {
  frontend::ConstexprValue value;
  int64_t i = 0;
  double f = 0;
  if (text == "True" || text == "False")
    value.value = text == "True";
  else if (text == "None")
    value.value = std::monostate();
  else if (!text.getAsInteger(0, i))
    value.value = i;
  else if (!text.getAsDouble(f))
    value.value = f;
  else
    value.value = text.str();
  return value;
}

std::string formatConstexpr(const frontend::ConstexprValue &value) {
  if (const auto *b = std::get_if<bool>(&value.value))
    return *b ? "True" : "False";
  if (const auto *i = std::get_if<int64_t>(&value.value))
    return std::to_string(*i);
  if (const auto *f = std::get_if<double>(&value.value)) {
    // Python's repr: the shortest text that reads back as the same double.
    if (std::isnan(*f))
      return "nan";
    if (std::isinf(*f))
      return *f > 0 ? "inf" : "-inf";
    char buffer[64];
    auto result = std::to_chars(buffer, buffer + sizeof(buffer), *f);
    std::string text(buffer, result.ptr);
    if (text.find_first_of(".e") == std::string::npos)
      text += ".0";
    return text;
  }
  if (const auto *s = std::get_if<std::string>(&value.value))
    return *s;
  return "None";
}

StringRef getKindName(frontend::ParamKind kind) {
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
  llvm_unreachable("unknown parameter kind");
}

/// Adds the passes that take front-end output to `emitKind`.
void buildPipeline(EmitKind emitKind, mlir::PassManager &pm,
                   const NvidiaOptions &nvidia) {
  switch (emitKind) {
  case EmitKind::Tile:
    return;
  case EmitKind::TileOpt:
    buildTileOptimizePipeline(pm);
    return;
  case EmitKind::LLVM:
  case EmitKind::PTX: {
    NvidiaPipelineOptions options;
    options.arch = nvidia.arch;
    options.numWarps = nvidia.numWarps;
    options.numStages = numStages;
    buildNvidiaPipeline(pm, options);
    return;
  }
  }
}

/// Reads --arch and --num-warps.
bool parseNvidiaOptions(NvidiaOptions &nvidia, std::string &error) {
  nvidia.numWarps = numWarps;
  StringRef archText = arch;
  if (!archText.consume_front("sm_") ||
      archText.getAsInteger(10, nvidia.arch) || !isSupportedArch(nvidia.arch)) {
    error = "--arch must be sm_75, sm_80, sm_86, sm_89 or sm_90, got '" + arch +
            "'";
    return false;
  }
  if (numWarps < 1 || numWarps > 32 || (numWarps & (numWarps - 1))) {
    error = "--num-warps must be a power of two from 1 to 32";
    return false;
  }
  if (numStages < 1) {
    error = "--num-stages must be at least 1";
    return false;
  }
  return true;
}

/// Prints `module` (the LLVM dialect) as LLVM IR or PTX.
int emitLLVMOrPTX(mlir::ModuleOp module, const NvidiaOptions &nvidia,
                  ToolOutputFile &output) {
  PTXOptions ptxOptions;
  ptxOptions.arch = nvidia.arch;
  auto text = emit == EmitKind::LLVM ? translateToLLVMIR(module, ptxOptions)
                                     : translateToPTX(module, ptxOptions);
  if (failed(text))
    return EXIT_FAILURE;
  output.os() << *text;
  output.keep();
  return EXIT_SUCCESS;
}

/// An .mlir input: tilegpu IR (after the tilegpu transforms) is lowered with
/// buildTileGPUToLLVMPipeline, the LLVM dialect is translated as it is.
int translateMLIRInput(std::unique_ptr<MemoryBuffer> input,
                       ToolOutputFile &output) {
  if (emit != EmitKind::LLVM && emit != EmitKind::PTX)
    return fail("an .mlir input needs --emit=llvm or --emit=ptx");
  NvidiaOptions nvidia;
  std::string error;
  if (!parseNvidiaOptions(nvidia, error))
    return fail(error);
  mlir::DialectRegistry registry;
  registerAllDialects(registry);
  registerPTXTranslations(registry);
  mlir::MLIRContext context(registry);
  SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), SMLoc());
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module)
    return EXIT_FAILURE;
  bool lowered = true;
  module->walk([&](mlir::Operation *op) {
    StringRef dialect = op->getName().getDialectNamespace();
    lowered &= dialect == "builtin" || dialect == "llvm" || dialect == "nvvm";
  });
  if (!lowered) {
    mlir::PassManager pm(&context);
    if (failed(mlir::applyPassManagerCLOptions(pm)))
      return EXIT_FAILURE;
    buildTileGPUToLLVMPipeline(pm, nvidia);
    if (failed(pm.run(*module)))
      return EXIT_FAILURE;
  }
  return emitLLVMOrPTX(*module, nvidia, output);
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  // libLLVM registers hundreds of back-end options: --help shows ours (all
  // options remain usable; --help-hidden lists them).
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "FlashTile DSL compiler: kernel module to IR\n\n"
      "  flash-translate kernels/attention.py --kernel attention_fwd "
      "-D HEAD_DIM=64 --emit=ptx --arch=sm_80\n\n"
      "The IR after every pass: FLASHTILE_DUMP_IR=1 or "
      "--mlir-print-ir-after-all.\n");

  std::string errorMessage;
  if (StringRef(inputFilename).ends_with(".mlir")) {
    std::unique_ptr<MemoryBuffer> input =
        mlir::openInputFile(inputFilename, &errorMessage);
    if (!input)
      return fail(errorMessage);
    std::unique_ptr<ToolOutputFile> output =
        mlir::openOutputFile(outputFilename, &errorMessage);
    if (!output)
      return fail(errorMessage);
    return translateMLIRInput(std::move(input), *output);
  }
  if (kernelName.empty())
    return fail("--kernel is required (the function to compile)");
  std::unique_ptr<MemoryBuffer> input =
      mlir::openInputFile(inputFilename, &errorMessage);
  if (!input)
    return fail(errorMessage);
  SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), SMLoc());

  std::unique_ptr<ToolOutputFile> output =
      mlir::openOutputFile(outputFilename, &errorMessage);
  if (!output)
    return fail(errorMessage);

  if (listParams) {
    auto params = frontend::getKernelParams(sourceMgr, kernelName);
    if (failed(params))
      return EXIT_FAILURE;
    for (const frontend::ParamInfo &param : *params)
      output->os() << param.name << " " << getKindName(param.kind) << " "
                   << (param.type.empty() ? "-" : param.type) << " "
                   << (param.defaultValue ? formatConstexpr(*param.defaultValue)
                                          : "-")
                   << "\n";
    output->keep();
    return EXIT_SUCCESS;
  }

  frontend::Specialization spec;
  for (StringRef define : defines) {
    StringRef name, value;
    if (!splitAssignment(define, name, value))
      return fail("-D expects NAME=VALUE, got '" + define + "'");
    spec.constexprs[name] = parseConstexpr(value);
  }
  for (StringRef argType : argTypes) {
    StringRef name, type;
    if (!splitAssignment(argType, name, type))
      return fail("-T expects NAME=TYPE, got '" + argType + "'");
    spec.argTypes[name] = type.str();
  }
  for (StringRef name : divisibleBy16)
    spec.divisibleBy16.insert(name);
  for (StringRef name : equalTo1)
    spec.equalTo1.insert(name);
  // Parameters whose type comes from the argument get the defaults.
  auto params = frontend::getKernelParams(sourceMgr, kernelName);
  if (failed(params))
    return EXIT_FAILURE;
  for (const frontend::ParamInfo &param : *params) {
    if (spec.argTypes.count(param.name))
      continue;
    if (param.kind == frontend::ParamKind::Untyped && !untypedType.empty())
      spec.argTypes[param.name] = untypedType;
    else if (param.kind == frontend::ParamKind::Pointer && param.type == "*" &&
             !pointerType.empty())
      spec.argTypes[param.name] = "*" + pointerType;
  }

  NvidiaOptions nvidia;
  if (!parseNvidiaOptions(nvidia, errorMessage))
    return fail(errorMessage);

  mlir::DialectRegistry registry;
  registerAllDialects(registry);
  registerPTXTranslations(registry);
  mlir::MLIRContext context(registry);
  // Errors of later stages point into the kernel source as well.
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  auto module = frontend::compileKernel(context, sourceMgr, kernelName, spec);
  if (failed(module))
    return EXIT_FAILURE;

  mlir::PassManager pm(&context);
  if (failed(mlir::applyPassManagerCLOptions(pm)))
    return EXIT_FAILURE;
  if (StringRef(std::getenv("FLASHTILE_DUMP_IR")
                    ? std::getenv("FLASHTILE_DUMP_IR")
                    : "") == "1") {
    context.disableMultithreading();
    pm.enableIRPrinting();
  }
  buildPipeline(emit, pm, nvidia);
  if (failed(pm.run(**module)))
    return EXIT_FAILURE;

  if (emit == EmitKind::LLVM || emit == EmitKind::PTX)
    return emitLLVMOrPTX(**module, nvidia, *output);

  (*module)->print(output->os());
  output->os() << "\n";
  output->keep();
  return EXIT_SUCCESS;
}
