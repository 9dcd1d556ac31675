//===- Token.h - Python tokens ----------------------------------*- C++ -*-===//
//
// A token of the Python lexical grammar: its kind and its spelling, which
// points into the source buffer (so it also gives the token's location).
// Structural tokens (newline, indent, dedent, eof) have an empty spelling
// placed where they occur.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_FRONTEND_TOKEN_H
#define FLASHTILE_LIB_FRONTEND_TOKEN_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

namespace flashtile::frontend {

enum class TokenKind {
#define TOK(NAME) NAME,
#include "TokenKinds.def"
};

/// The source spelling of a keyword or punctuation kind; a description such
/// as "end of line" for the other kinds.
llvm::StringRef getTokenKindSpelling(TokenKind kind);

struct Token {
  TokenKind kind = TokenKind::eof;
  llvm::StringRef text;

  bool is(TokenKind k) const { return kind == k; }
  template <typename... Kinds> bool isAny(TokenKind k, Kinds... rest) const {
    return is(k) || (is(rest) || ...);
  }
  llvm::SMLoc getLoc() const {
    return llvm::SMLoc::getFromPointer(text.data());
  }
  /// The location just past the token.
  llvm::SMLoc getEndLoc() const {
    return llvm::SMLoc::getFromPointer(text.data() + text.size());
  }
  bool isKeyword() const;
};

} // namespace flashtile::frontend

#endif // FLASHTILE_LIB_FRONTEND_TOKEN_H
