//===- Diagnostics.h - located front-end errors -----------------*- C++ -*-===//
//
// Every front-end error goes through the SourceMgr, so it prints as
// `file:line:col: error: message`, the source line and a caret, or reaches
// the handler the caller installed.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_FRONTEND_DIAGNOSTICS_H
#define FLASHTILE_LIB_FRONTEND_DIAGNOSTICS_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/LogicalResult.h"
#include "llvm/Support/SourceMgr.h"

namespace flashtile::frontend {

/// Reports `message` at `loc` and returns failure, for `return emitError(...)`.
inline llvm::LogicalResult emitError(llvm::SourceMgr &sourceMgr,
                                     llvm::SMLoc loc,
                                     const llvm::Twine &message) {
  sourceMgr.PrintMessage(loc, llvm::SourceMgr::DK_Error, message);
  return llvm::failure();
}

} // namespace flashtile::frontend

#endif // FLASHTILE_LIB_FRONTEND_DIAGNOSTICS_H
