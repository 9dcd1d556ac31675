//===- Passes.h - tilegpu passes --------------------------------*- C++ -*-===//

#ifndef FLASHTILE_DIALECT_TILEGPU_TRANSFORMS_PASSES_H
#define FLASHTILE_DIALECT_TILEGPU_TRANSFORMS_PASSES_H

#include "flashtile/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Pass/Pass.h"

#include <string>

namespace flashtile::tilegpu {

#define GEN_PASS_DECL
#include "flashtile/Dialect/TileGPU/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "flashtile/Dialect/TileGPU/Transforms/Passes.h.inc"

} // namespace flashtile::tilegpu

#endif // FLASHTILE_DIALECT_TILEGPU_TRANSFORMS_PASSES_H
