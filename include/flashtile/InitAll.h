//===- InitAll.h - register FlashTile's dialects and passes -----*- C++ -*-===//

#ifndef FLASHTILE_INITALL_H
#define FLASHTILE_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace flashtile {

/// Adds the FlashTile dialects and the upstream dialects FlashTile programs
/// use (func, arith, math, scf) to `registry`.
void registerAllDialects(mlir::DialectRegistry &registry);

/// Registers FlashTile's passes and pass pipelines, and the upstream generic
/// transforms (canonicalize, cse, inline, ...), with the global registry that
/// `flash-opt` reads its command line from.
void registerAllPasses();

} // namespace flashtile

#endif // FLASHTILE_INITALL_H
