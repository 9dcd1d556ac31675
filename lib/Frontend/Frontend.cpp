//===- Frontend.cpp - DSL source to tile IR -------------------------------===//

#include "flashtile/Frontend/Frontend.h"

#include "CodeGen.h"
#include "SourceModule.h"

#include "mlir/IR/MLIRContext.h"

using namespace mlir;

namespace flashtile::frontend {

FailureOr<std::vector<ParamInfo>> getKernelParams(llvm::SourceMgr &sourceMgr,
                                                  llvm::StringRef kernel) {
  auto module = SourceModule::scan(sourceMgr);
  if (failed(module))
    return failure();
  // Annotations and defaults are evaluated like any compile-time
  // expression, which needs a context for dtypes.
  MLIRContext context(MLIRContext::Threading::DISABLED);
  CodeGen codegen(context, **module);
  return codegen.getKernelParams(kernel);
}

FailureOr<OwningOpRef<ModuleOp>> compileKernel(MLIRContext &context,
                                               llvm::SourceMgr &sourceMgr,
                                               llvm::StringRef kernel,
                                               const Specialization &spec) {
  auto module = SourceModule::scan(sourceMgr);
  if (failed(module))
    return failure();
  CodeGen codegen(context, **module);
  return codegen.compileKernel(kernel, spec);
}

} // namespace flashtile::frontend
