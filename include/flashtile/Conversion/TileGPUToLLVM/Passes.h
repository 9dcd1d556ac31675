//===- Passes.h - tilegpu to LLVM + NVVM ------------------------*- C++ -*-===//

#ifndef FLASHTILE_CONVERSION_TILEGPUTOLLVM_PASSES_H
#define FLASHTILE_CONVERSION_TILEGPUTOLLVM_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace flashtile {

#define GEN_PASS_DECL
#include "flashtile/Conversion/TileGPUToLLVM/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "flashtile/Conversion/TileGPUToLLVM/Passes.h.inc"

} // namespace flashtile

#endif // FLASHTILE_CONVERSION_TILEGPUTOLLVM_PASSES_H
