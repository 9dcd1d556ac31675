//===- Lexer.h - Python tokenizer -------------------------------*- C++ -*-===//
//
// Tokenizes a whole Python source buffer following the language reference's
// lexical rules: comments, explicit (backslash) and implicit (inside
// brackets) line joining, INDENT/DEDENT from indentation, string literals
// with any prefix including triple-quoted ones, and all numeric literal forms.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_FRONTEND_LEXER_H
#define FLASHTILE_LIB_FRONTEND_LEXER_H

#include "Token.h"

#include "llvm/Support/LogicalResult.h"

#include <string>
#include <vector>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace flashtile::frontend {

/// Tokenizes buffer `bufferID` of `sourceMgr` into `tokens`, which then ends
/// with a newline (unless empty), the closing dedents and eof. Reports the
/// first lexical error through `sourceMgr` and fails.
llvm::LogicalResult tokenize(llvm::SourceMgr &sourceMgr, unsigned bufferID,
                             std::vector<Token> &tokens);

/// Decodes the spelling of one string literal token (prefix, quotes,
/// escapes) into its value. Fails (after reporting) on malformed escapes.
llvm::LogicalResult decodeStringLiteral(llvm::SourceMgr &sourceMgr,
                                        const Token &token, std::string &value);

} // namespace flashtile::frontend

#endif // FLASHTILE_LIB_FRONTEND_LEXER_H
