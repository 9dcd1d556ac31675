//===- SourceModule.h - a scanned kernel module -----------------*- C++ -*-===//
//
// The whole module is tokenized once; then only its top-level statements are
// scanned. Imports of flashtile bind aliases, `def`s and simple `NAME = expr`
// assignments are recorded for lazy parsing, everything else (classes,
// `if __name__ == "__main__":`, numpy references, ...) is skipped unparsed.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_FRONTEND_SOURCEMODULE_H
#define FLASHTILE_LIB_FRONTEND_SOURCEMODULE_H

#include "AST.h"
#include "Token.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/LogicalResult.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace flashtile::frontend {

/// A name bound by a top-level statement.
struct GlobalDecl {
  enum class Kind {
    /// `def name(...)`.
    Function,
    /// `name = expr` or `name: annotation = expr`.
    Constant,
    /// `import module [as name]` (member empty) or
    /// `from module import member [as name]`.
    Import,
    /// Bound by a top-level statement the front end does not evaluate
    /// (tuple assignment, augmented assignment).
    Opaque,
  };

  GlobalDecl(Kind kind, llvm::SMLoc loc) : kind(kind), loc(loc) {}

  Kind kind;
  /// Where the name is bound.
  llvm::SMLoc loc;
  /// Function: index of the `def` token; Constant: of the value's first token.
  size_t tokenIndex = 0;
  /// Import: the dotted module name and the imported member, if any.
  std::string module;
  std::string member;

  /// Function: the parsed signature (and body once parsed).
  std::unique_ptr<FunctionDef> function;
  /// Constant: the parsed value.
  ExprPtr value;
};

class SourceModule {
public:
  /// Tokenizes and scans the main buffer of `sourceMgr`. Reports the first
  /// lexical error and fails.
  static llvm::FailureOr<std::unique_ptr<SourceModule>>
  scan(llvm::SourceMgr &sourceMgr);

  llvm::SourceMgr &getSourceMgr() const { return sourceMgr; }
  /// The buffer's name, as used in locations.
  llvm::StringRef getFilename() const { return filename; }

  /// The declaration binding `name` last at top level, or null.
  GlobalDecl *lookup(llvm::StringRef name);
  /// The names of the module's top-level functions, sorted.
  std::vector<std::string> getFunctionNames() const;
  /// Whether `from flashtile.language import *` appears.
  bool importsAllOfLanguage() const { return starImportOfLanguage; }

  /// The function `decl` declares, with its signature parsed.
  llvm::FailureOr<FunctionDef *> getFunction(GlobalDecl &decl);
  /// Parses `def`'s body unless already done.
  llvm::LogicalResult parseBody(FunctionDef &def);
  /// The value expression of constant `decl`.
  llvm::FailureOr<const Expr *> getConstantValue(GlobalDecl &decl);

private:
  explicit SourceModule(llvm::SourceMgr &sourceMgr) : sourceMgr(sourceMgr) {}

  void scanStatements();
  size_t skipStatement(size_t index) const;
  void scanImport(size_t index);
  void scanAssignment(size_t index, size_t end);
  void bind(llvm::StringRef name, GlobalDecl decl);

  llvm::SourceMgr &sourceMgr;
  std::string filename;
  std::vector<Token> tokens;
  llvm::StringMap<GlobalDecl> globals;
  bool starImportOfLanguage = false;
};

} // namespace flashtile::frontend

#endif // FLASHTILE_LIB_FRONTEND_SOURCEMODULE_H
