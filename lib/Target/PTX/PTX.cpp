//===- PTX.cpp - LLVM dialect to LLVM IR and PTX
//---------------------------===//

#include "flashtile/Target/PTX/PTX.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/OptimizationLevel.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

#include <memory>
#include <mutex>

using namespace mlir;
using namespace flashtile;

static constexpr llvm::StringLiteral kTriple = "nvptx64-nvidia-cuda";

int flashtile::getDefaultPTXVersion(int arch) {
  (void)arch;
  return 78;
}

bool flashtile::isSupportedArch(int arch) {
  return llvm::is_contained({75, 80, 86, 89, 90}, arch);
}

void flashtile::registerPTXTranslations(DialectRegistry &registry) {
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
}

/// The NVPTX target machine for `options`, or null with `error` set.
static std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const PTXOptions &options, std::string &error) {
  static std::once_flag initialized;
  std::call_once(initialized, [] {
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTarget();
    LLVMInitializeNVPTXTargetMC();
    LLVMInitializeNVPTXAsmPrinter();
    // 32-bit pointers to shared (and local, const) memory: half the
    // registers for the addresses of ldmatrix, ld/st.shared and cp.async,
    // which a kernel keeps live across its main loop.
    auto &registered =
        llvm::cl::getRegisteredOptions();
    auto it = registered.find("nvptx-short-ptr");
    if (it != registered.end())
      static_cast<llvm::cl::opt<bool> *>(it->second)->setValue(true);
  });
  llvm::Triple triple(kTriple);
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  int ptx = options.ptxVersion ? options.ptxVersion
                               : getDefaultPTXVersion(options.arch);
  std::string cpu = "sm_" + std::to_string(options.arch);
  std::string features = "+ptx" + std::to_string(ptx);
  llvm::CodeGenOptLevel level =
      options.optLevel >= 3   ? llvm::CodeGenOptLevel::Aggressive
      : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
      : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
                              : llvm::CodeGenOptLevel::None;
  llvm::TargetOptions targetOptions;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, targetOptions, std::nullopt, std::nullopt, level));
  if (!machine)
    error = "cannot create the NVPTX target machine for " + cpu;
  return machine;
}

/// Translates and optimizes; the module is ready for code generation.
static std::unique_ptr<llvm::Module>
buildLLVMModule(ModuleOp module, const PTXOptions &options,
                llvm::LLVMContext &context,
                std::unique_ptr<llvm::TargetMachine> &machine) {
  if (!isSupportedArch(options.arch)) {
    module.emitError() << "unsupported NVIDIA architecture sm_" << options.arch
                       << " (expected 75, 80, 86, 89 or 90)";
    return nullptr;
  }
  std::string error;
  machine = createTargetMachine(options, error);
  if (!machine) {
    module.emitError() << error;
    return nullptr;
  }
  DialectRegistry registry;
  registerPTXTranslations(registry);
  module->getContext()->appendDialectRegistry(registry);
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context, "flashtile");
  if (!llvmModule) {
    module.emitError("cannot translate the module to LLVM IR (is it fully "
                     "lowered to the LLVM dialect?)");
    return nullptr;
  }
  llvmModule->setTargetTriple(machine->getTargetTriple());
  llvmModule->setDataLayout(machine->createDataLayout());
  std::string verifierErrors;
  llvm::raw_string_ostream verifierStream(verifierErrors);
  if (llvm::verifyModule(*llvmModule, &verifierStream)) {
    module.emitError() << "invalid LLVM IR: " << verifierErrors;
    return nullptr;
  }
  if (options.optLevel > 0) {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder builder(machine.get());
    builder.registerModuleAnalyses(mam);
    builder.registerCGSCCAnalyses(cgam);
    builder.registerFunctionAnalyses(fam);
    builder.registerLoopAnalyses(lam);
    builder.crossRegisterProxies(lam, fam, cgam, mam);
    llvm::OptimizationLevel level =
        options.optLevel >= 3   ? llvm::OptimizationLevel::O3
        : options.optLevel == 2 ? llvm::OptimizationLevel::O2
                                : llvm::OptimizationLevel::O1;
    llvm::ModulePassManager passes =
        builder.buildPerModuleDefaultPipeline(level);
    passes.run(*llvmModule, mam);
  }
  return llvmModule;
}

FailureOr<std::string> flashtile::translateToLLVMIR(ModuleOp module,
                                                    const PTXOptions &options) {
  llvm::LLVMContext context;
  std::unique_ptr<llvm::TargetMachine> machine;
  std::unique_ptr<llvm::Module> llvmModule =
      buildLLVMModule(module, options, context, machine);
  if (!llvmModule)
    return failure();
  std::string text;
  llvm::raw_string_ostream os(text);
  llvmModule->print(os, nullptr);
  return text;
}

FailureOr<std::string> flashtile::translateToPTX(ModuleOp module,
                                                 const PTXOptions &options) {
  llvm::LLVMContext context;
  std::unique_ptr<llvm::TargetMachine> machine;
  std::unique_ptr<llvm::Module> llvmModule =
      buildLLVMModule(module, options, context, machine);
  if (!llvmModule)
    return failure();
  llvm::SmallString<0> ptx;
  {
    llvm::raw_svector_ostream os(ptx);
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, os, nullptr,
                                     llvm::CodeGenFileType::AssemblyFile)) {
      module.emitError("the NVPTX back end cannot emit assembly");
      return failure();
    }
    codegen.run(*llvmModule);
  }
  return std::string(ptx.str());
}
