//===- ParseStmt.cpp - statements and functions of the kernel language ----===//

#include "Diagnostics.h"
#include "Parser.h"

#include "llvm/Support/SourceMgr.h"

using namespace llvm;

namespace flashtile::frontend {

//===----------------------------------------------------------------------===//
// Functions
//===----------------------------------------------------------------------===//

FailureOr<std::unique_ptr<FunctionDef>> Parser::parseSignature(size_t index) {
  pos = index;
  depth = 0;
  auto def = std::make_unique<FunctionDef>();
  if (failed(expect(TokenKind::kw_def)))
    return failure();
  if (!at(TokenKind::identifier))
    return errorExpected("a function name");
  def->name = tok().text;
  def->loc = tok().getLoc();
  consume();
  if (failed(expect(TokenKind::lparen)))
    return failure();
  bool sawDefault = false;
  while (!at(TokenKind::rparen)) {
    if (failed(parseParam(*def, sawDefault)))
      return failure();
    if (!consumeIf(TokenKind::comma))
      break;
  }
  if (failed(expect(TokenKind::rparen)))
    return failure();
  // The return annotation is documentation only.
  if (consumeIf(TokenKind::arrow) && failed(parseTest()))
    return failure();
  if (failed(expect(TokenKind::colon)))
    return failure();
  def->bodyTokenIndex = pos;
  return def;
}

LogicalResult Parser::parseParam(FunctionDef &def, bool &sawDefault) {
  if (at(TokenKind::star) || at(TokenKind::starstar) || at(TokenKind::slash))
    return errorHere("'*args', '**kwargs' and the '*' and '/' parameter "
                     "markers are not supported in FlashTile kernels");
  if (!at(TokenKind::identifier))
    return errorExpected("a parameter name");
  Param param;
  param.name = tok().text;
  param.loc = tok().getLoc();
  for (const Param &other : def.params)
    if (other.name == param.name)
      return errorHere("duplicate parameter '" + param.name + "'");
  consume();
  if (consumeIf(TokenKind::colon)) {
    auto annotation = parseTest();
    if (failed(annotation))
      return failure();
    param.annotation = std::move(*annotation);
  }
  if (consumeIf(TokenKind::equal)) {
    auto value = parseTest();
    if (failed(value))
      return failure();
    param.defaultValue = std::move(*value);
    sawDefault = true;
  } else if (sawDefault) {
    return error(param.loc, "parameter '" + param.name +
                                "' without a default follows a parameter "
                                "with a default");
  }
  def.params.push_back(std::move(param));
  return success();
}

LogicalResult Parser::parseBody(FunctionDef &def) {
  if (def.bodyParsed)
    return success();
  pos = def.bodyTokenIndex;
  depth = 0;
  if (failed(parseBlock(def.body)))
    return failure();
  def.bodyParsed = true;
  return success();
}

//===----------------------------------------------------------------------===//
// Blocks and statements
//===----------------------------------------------------------------------===//

LogicalResult Parser::parseBlock(StmtList &body) {
  DepthGuard guard(*this);
  if (failed(checkDepth()))
    return failure();
  if (!consumeIf(TokenKind::newline))
    return parseSimpleStatements(body);
  if (!at(TokenKind::indent))
    return errorExpected("an indented block");
  consume();
  while (!at(TokenKind::dedent) && !at(TokenKind::eof))
    if (failed(parseStatement(body)))
      return failure();
  consume(); // dedent
  return success();
}

LogicalResult Parser::parseStatement(StmtList &body) {
  FailureOr<StmtPtr> stmt = failure();
  switch (tok().kind) {
  case TokenKind::kw_if:
    stmt = parseIf();
    break;
  case TokenKind::kw_for:
    stmt = parseFor();
    break;
  case TokenKind::kw_while:
    stmt = parseWhile();
    break;
  case TokenKind::indent:
    return errorHere("unexpected indent");
  default:
    if (failed(rejectUnsupportedStatement()))
      return failure();
    return parseSimpleStatements(body);
  }
  if (failed(stmt))
    return failure();
  body.push_back(std::move(*stmt));
  return success();
}

LogicalResult Parser::rejectUnsupportedStatement() {
  StringRef what;
  switch (tok().kind) {
  case TokenKind::kw_def:
    return errorHere("nested function definitions are not supported in "
                     "FlashTile kernels; define the function at module level");
  case TokenKind::kw_class:
    what = "class definitions are";
    break;
  case TokenKind::kw_try:
    what = "'try' statements are";
    break;
  case TokenKind::kw_with:
    what = "'with' statements are";
    break;
  case TokenKind::kw_async:
    what = "'async' statements are";
    break;
  case TokenKind::at:
    what = "decorators are";
    break;
  case TokenKind::kw_global:
  case TokenKind::kw_nonlocal:
  case TokenKind::kw_del:
  case TokenKind::kw_raise:
  case TokenKind::kw_import:
  case TokenKind::kw_from:
  case TokenKind::kw_yield:
  case TokenKind::kw_break:
  case TokenKind::kw_continue:
    return errorHere("'" + tok().text +
                     "' statements are not supported in FlashTile kernels");
  case TokenKind::kw_assert:
    return errorHere("'assert' statements are not supported in FlashTile "
                     "kernels; use fl.static_assert(cond, msg) for "
                     "compile-time checks");
  case TokenKind::kw_else:
  case TokenKind::kw_elif:
  case TokenKind::kw_except:
  case TokenKind::kw_finally:
    return errorHere("'" + tok().text + "' without a matching statement");
  default:
    return success();
  }
  return errorHere(what + " not supported in FlashTile kernels");
}

LogicalResult Parser::parseSimpleStatements(StmtList &body) {
  while (true) {
    if (failed(rejectUnsupportedStatement()))
      return failure();
    auto stmt = parseSmallStatement();
    if (failed(stmt))
      return failure();
    body.push_back(std::move(*stmt));
    if (!consumeIf(TokenKind::semi) || at(TokenKind::newline))
      break;
  }
  return expect(TokenKind::newline);
}

FailureOr<StmtPtr> Parser::parseSmallStatement() {
  SMLoc loc = tok().getLoc();
  switch (tok().kind) {
  case TokenKind::kw_pass:
    consume();
    return StmtPtr(std::make_unique<PassStmt>(loc));
  case TokenKind::kw_return: {
    consume();
    ExprPtr value;
    if (!at(TokenKind::newline) && !at(TokenKind::semi)) {
      auto parsed = parseTestList();
      if (failed(parsed))
        return failure();
      value = std::move(*parsed);
    }
    return StmtPtr(std::make_unique<ReturnStmt>(loc, std::move(value)));
  }
  default:
    return parseExpressionStatement();
  }
}

/// The augmented assignment operator a token spells, if any.
static std::optional<BinaryOp> getAugmentedOp(TokenKind kind) {
  switch (kind) {
  case TokenKind::plusequal:
    return BinaryOp::Add;
  case TokenKind::minusequal:
    return BinaryOp::Sub;
  case TokenKind::starequal:
    return BinaryOp::Mul;
  case TokenKind::slashequal:
    return BinaryOp::Div;
  case TokenKind::slashslashequal:
    return BinaryOp::FloorDiv;
  case TokenKind::percentequal:
    return BinaryOp::Mod;
  case TokenKind::starstarequal:
    return BinaryOp::Pow;
  case TokenKind::atequal:
    return BinaryOp::MatMul;
  case TokenKind::ampequal:
    return BinaryOp::BitAnd;
  case TokenKind::pipeequal:
    return BinaryOp::BitOr;
  case TokenKind::caretequal:
    return BinaryOp::BitXor;
  case TokenKind::lesslessequal:
    return BinaryOp::LShift;
  case TokenKind::greatergreaterequal:
    return BinaryOp::RShift;
  default:
    return std::nullopt;
  }
}

LogicalResult Parser::checkAssignTarget(const Expr &target, bool augmented) {
  switch (target.getKind()) {
  case Expr::Kind::Name:
    return success();
  case Expr::Kind::Tuple:
  case Expr::Kind::List:
    if (augmented)
      return error(target.getLoc(),
                   "illegal target for augmented assignment: only a name "
                   "can be updated with an operator");
    for (const ExprPtr &element : cast<TupleExpr>(target).elements)
      if (failed(checkAssignTarget(*element, augmented)))
        return failure();
    return success();
  case Expr::Kind::Subscript:
    return error(target.getLoc(),
                 "assignment to a subscript is not supported in FlashTile "
                 "kernels: blocks are values; build a new one (e.g. with "
                 "fl.where)");
  case Expr::Kind::Attribute:
    return error(target.getLoc(), "assignment to an attribute is not "
                                  "supported in FlashTile kernels");
  default:
    return error(target.getLoc(), "cannot assign to this expression");
  }
}

FailureOr<StmtPtr> Parser::parseExpressionStatement() {
  SMLoc loc = tok().getLoc();
  auto first = parseTestList();
  if (failed(first))
    return failure();
  if (failed(rejectAfterElement()))
    return failure();

  if (std::optional<BinaryOp> op = getAugmentedOp(tok().kind)) {
    SMLoc opLoc = tok().getLoc();
    if (failed(checkAssignTarget(**first, /*augmented=*/true)))
      return failure();
    consume();
    auto value = parseTestList();
    if (failed(value))
      return failure();
    return StmtPtr(std::make_unique<AugAssignStmt>(
        loc, *op, opLoc, std::move(*first), std::move(*value)));
  }

  if (at(TokenKind::colon)) {
    if (!isa<NameExpr>(**first))
      return error((*first)->getLoc(),
                   "only a single name can be annotated in FlashTile kernels");
    consume();
    auto annotation = parseTest();
    if (failed(annotation))
      return failure();
    ExprPtr value;
    if (consumeIf(TokenKind::equal)) {
      auto parsed = parseTestList();
      if (failed(parsed))
        return failure();
      value = std::move(*parsed);
    }
    return StmtPtr(std::make_unique<AnnAssignStmt>(
        loc, std::move(*first), std::move(*annotation), std::move(value)));
  }

  if (!at(TokenKind::equal))
    return StmtPtr(std::make_unique<ExprStmt>(loc, std::move(*first)));

  std::vector<ExprPtr> targets;
  ExprPtr value = std::move(*first);
  while (consumeIf(TokenKind::equal)) {
    if (failed(checkAssignTarget(*value, /*augmented=*/false)))
      return failure();
    targets.push_back(std::move(value));
    auto next = parseTestList();
    if (failed(next))
      return failure();
    if (failed(rejectAfterElement()))
      return failure();
    value = std::move(*next);
  }
  return StmtPtr(
      std::make_unique<AssignStmt>(loc, std::move(targets), std::move(value)));
}

FailureOr<StmtPtr> Parser::parseIf() {
  SMLoc loc = tok().getLoc();
  consume(); // if / elif
  auto cond = parseTest();
  if (failed(cond) || failed(rejectAfterElement()) ||
      failed(expect(TokenKind::colon)))
    return failure();
  StmtList body, orelse;
  if (failed(parseBlock(body)))
    return failure();
  if (at(TokenKind::kw_elif)) {
    // An elif chain nests; it counts towards the nesting limit.
    DepthGuard guard(*this);
    if (failed(checkDepth()))
      return failure();
    auto nested = parseIf();
    if (failed(nested))
      return failure();
    orelse.push_back(std::move(*nested));
  } else if (consumeIf(TokenKind::kw_else)) {
    if (failed(expect(TokenKind::colon)) || failed(parseBlock(orelse)))
      return failure();
  }
  return StmtPtr(std::make_unique<IfStmt>(loc, std::move(*cond),
                                          std::move(body), std::move(orelse)));
}

FailureOr<StmtPtr> Parser::parseFor() {
  SMLoc loc = tok().getLoc();
  consume(); // for
  auto target = parseTargetList();
  if (failed(target))
    return failure();
  if (failed(checkAssignTarget(**target, /*augmented=*/false)) ||
      failed(expect(TokenKind::kw_in)))
    return failure();
  auto iter = parseTestList();
  if (failed(iter) || failed(rejectAfterElement()) ||
      failed(expect(TokenKind::colon)))
    return failure();
  StmtList body;
  if (failed(parseBlock(body)))
    return failure();
  if (at(TokenKind::kw_else))
    return errorHere("'for ... else' is not supported in FlashTile kernels");
  return StmtPtr(std::make_unique<ForStmt>(loc, std::move(*target),
                                           std::move(*iter), std::move(body)));
}

FailureOr<StmtPtr> Parser::parseWhile() {
  SMLoc loc = tok().getLoc();
  consume(); // while
  auto cond = parseTest();
  if (failed(cond) || failed(rejectAfterElement()) ||
      failed(expect(TokenKind::colon)))
    return failure();
  StmtList body;
  if (failed(parseBlock(body)))
    return failure();
  if (at(TokenKind::kw_else))
    return errorHere("'while ... else' is not supported in FlashTile kernels");
  return StmtPtr(
      std::make_unique<WhileStmt>(loc, std::move(*cond), std::move(body)));
}

} // namespace flashtile::frontend
