//===- Parser.h - parser of the kernel language -----------------*- C++ -*-===//
//
// A recursive-descent parser for the Python subset of docs/language.md over
// the token stream of a whole module. It parses on demand: a function's
// signature, a function's body, or the right-hand side of a module constant,
// each starting at a token index found by the module scan. Syntax outside
// the subset (lambda, comprehensions, class, try, ...) is reported with a
// located error naming the construct.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_FRONTEND_PARSER_H
#define FLASHTILE_LIB_FRONTEND_PARSER_H

#include "AST.h"
#include "Token.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/LogicalResult.h"

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace flashtile::frontend {

class Parser {
public:
  /// Nesting limit for expressions and statements together; deeper input is
  /// an error rather than a risk to the native stack.
  static constexpr unsigned kMaxDepth = 200;

  Parser(llvm::SourceMgr &sourceMgr, llvm::ArrayRef<Token> tokens)
      : sourceMgr(sourceMgr), tokens(tokens) {}

  /// Parses the `def` at token `index` up to and including the `:` of its
  /// signature; the body is left for parseBody.
  llvm::FailureOr<std::unique_ptr<FunctionDef>> parseSignature(size_t index);

  /// Parses the body of a function whose signature parseSignature returned.
  llvm::LogicalResult parseBody(FunctionDef &def);

  /// Parses an expression (a tuple if it has commas) that starts at token
  /// `index` and ends its logical line or statement.
  llvm::FailureOr<ExprPtr> parseExpressionLine(size_t index);

private:
  // Token access.
  const Token &tok() const { return tokens[pos]; }
  const Token &peekTok(size_t ahead = 1) const {
    return tokens[std::min(pos + ahead, tokens.size() - 1)];
  }
  bool at(TokenKind kind) const { return tok().is(kind); }
  void consume() {
    if (pos + 1 < tokens.size())
      ++pos;
  }
  bool consumeIf(TokenKind kind) {
    if (!at(kind))
      return false;
    consume();
    return true;
  }
  llvm::LogicalResult error(llvm::SMLoc loc, const llvm::Twine &message);
  llvm::LogicalResult errorHere(const llvm::Twine &message) {
    return error(tok().getLoc(), message);
  }
  /// "expected X" at the current token, describing what was found instead.
  llvm::LogicalResult errorExpected(const llvm::Twine &what);
  llvm::LogicalResult expect(TokenKind kind);

  /// Counts nesting; fails once kMaxDepth is exceeded.
  class DepthGuard {
  public:
    DepthGuard(Parser &parser, unsigned levels = 1)
        : parser(parser), levels(levels) {
      parser.depth += levels;
    }
    ~DepthGuard() { parser.depth -= levels; }
    void add(unsigned more) {
      parser.depth += more;
      levels += more;
    }

  private:
    Parser &parser;
    unsigned levels;
  };
  llvm::LogicalResult checkDepth();

  // Statements (ParseStmt.cpp).
  llvm::LogicalResult parseBlock(StmtList &body);
  llvm::LogicalResult parseStatement(StmtList &body);
  llvm::LogicalResult parseSimpleStatements(StmtList &body);
  llvm::FailureOr<StmtPtr> parseSmallStatement();
  llvm::FailureOr<StmtPtr> parseExpressionStatement();
  llvm::FailureOr<StmtPtr> parseIf();
  llvm::FailureOr<StmtPtr> parseFor();
  llvm::FailureOr<StmtPtr> parseWhile();
  llvm::LogicalResult rejectUnsupportedStatement();
  llvm::LogicalResult checkAssignTarget(const Expr &target, bool augmented);
  llvm::LogicalResult parseParam(FunctionDef &def, bool &sawDefault);

  // Expressions (ParseExpr.cpp).
  /// `test (',' test)* [',']`: a TupleExpr when there is a comma.
  llvm::FailureOr<ExprPtr> parseTestList();
  llvm::FailureOr<ExprPtr> parseTest();
  llvm::FailureOr<ExprPtr> parseOrTest();
  llvm::FailureOr<ExprPtr> parseAndTest();
  llvm::FailureOr<ExprPtr> parseNotTest();
  llvm::FailureOr<ExprPtr> parseComparison();
  llvm::FailureOr<ExprPtr> parseBitOr();
  llvm::FailureOr<ExprPtr> parseBitXor();
  llvm::FailureOr<ExprPtr> parseBitAnd();
  llvm::FailureOr<ExprPtr> parseShift();
  llvm::FailureOr<ExprPtr> parseArith();
  llvm::FailureOr<ExprPtr> parseTerm();
  llvm::FailureOr<ExprPtr> parseFactor();
  llvm::FailureOr<ExprPtr> parsePower();
  llvm::FailureOr<ExprPtr> parsePrimary();
  llvm::FailureOr<ExprPtr> parseAtom();
  llvm::FailureOr<ExprPtr> parseNumber();
  llvm::FailureOr<ExprPtr> parseStrings();
  llvm::FailureOr<ExprPtr> parseParenthesized();
  llvm::FailureOr<ExprPtr> parseList();
  llvm::FailureOr<ExprPtr> parseCall(ExprPtr callee);
  llvm::FailureOr<ExprPtr> parseSubscript(ExprPtr value);
  llvm::FailureOr<ExprPtr> parseSubscriptElement();
  /// `for` target list: primaries separated by commas (a tuple if several).
  llvm::FailureOr<ExprPtr> parseTargetList();
  /// Reports constructs that cannot start an expression in the subset
  /// (lambda, yield, unpacking) if the current token starts one.
  llvm::LogicalResult rejectUnsupportedExpression();
  /// Reports what cannot follow an element (comprehensions, ':=').
  llvm::LogicalResult rejectAfterElement();

  llvm::SourceMgr &sourceMgr;
  llvm::ArrayRef<Token> tokens;
  size_t pos = 0;
  unsigned depth = 0;
};

} // namespace flashtile::frontend

#endif // FLASHTILE_LIB_FRONTEND_PARSER_H
