//===- flash-fuzz-frontend.cpp - libFuzzer target for the front end -------===//
//
// Feeds arbitrary bytes to the front end as a kernel module: lists the
// parameters of kernel `k`, specialises every parameter that needs a value
// (constexprs 16, generic pointers *f32, untyped i32) and compiles it.
// Errors are expected; crashes, sanitizer reports and internal errors (the
// front end producing IR that fails to verify) are findings.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Frontend/Frontend.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace flashtile::frontend;

/// One context for the whole run (compileKernel loads the dialects it
/// needs); it lives until the process exits.
static mlir::MLIRContext &getContext() {
  static auto *context =
      new mlir::MLIRContext(mlir::MLIRContext::Threading::DISABLED);
  return *context;
}

/// Swallows expected errors; an internal error is a bug, so abort.
static void handleDiagnostic(const llvm::SMDiagnostic &diag, void *) {
  if (llvm::StringRef(diag.getMessage()).contains("internal error")) {
    diag.print("flash-fuzz-frontend", llvm::errs());
    std::abort();
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size),
          "fuzz.py"),
      llvm::SMLoc());
  sourceMgr.setDiagHandler(handleDiagnostic);

  Specialization spec;
  auto params = getKernelParams(sourceMgr, "k");
  if (succeeded(params)) {
    for (const ParamInfo &param : *params) {
      if (param.kind == ParamKind::Constexpr && !param.defaultValue)
        spec.constexprs[param.name] = ConstexprValue{int64_t(16)};
      else if (param.kind == ParamKind::Untyped)
        spec.argTypes[param.name] = "i32";
      else if (param.type == "*")
        spec.argTypes[param.name] = "*f32";
    }
  }
  auto module = compileKernel(getContext(), sourceMgr, "k", spec);
  if (succeeded(module)) {
    std::string text;
    llvm::raw_string_ostream os(text);
    (*module)->print(os);
  }
  return 0;
}
