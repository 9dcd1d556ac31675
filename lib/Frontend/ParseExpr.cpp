//===- ParseExpr.cpp - expressions of the kernel language -----------------===//
//
// Python's expression grammar from conditional expressions down to atoms,
// one function per precedence level. Left-associative chains count towards
// the nesting limit, since they build trees as deep as they are long.
//
//===----------------------------------------------------------------------===//

#include "Diagnostics.h"
#include "Lexer.h"
#include "Parser.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SourceMgr.h"

using namespace llvm;

namespace flashtile::frontend {

StringRef getSpelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add:
    return "+";
  case BinaryOp::Sub:
    return "-";
  case BinaryOp::Mul:
    return "*";
  case BinaryOp::Div:
    return "/";
  case BinaryOp::FloorDiv:
    return "//";
  case BinaryOp::Mod:
    return "%";
  case BinaryOp::Pow:
    return "**";
  case BinaryOp::MatMul:
    return "@";
  case BinaryOp::BitAnd:
    return "&";
  case BinaryOp::BitOr:
    return "|";
  case BinaryOp::BitXor:
    return "^";
  case BinaryOp::LShift:
    return "<<";
  case BinaryOp::RShift:
    return ">>";
  }
  llvm_unreachable("unknown binary operator");
}

StringRef getSpelling(CompareOp op) {
  switch (op) {
  case CompareOp::Lt:
    return "<";
  case CompareOp::Le:
    return "<=";
  case CompareOp::Gt:
    return ">";
  case CompareOp::Ge:
    return ">=";
  case CompareOp::Eq:
    return "==";
  case CompareOp::Ne:
    return "!=";
  case CompareOp::In:
    return "in";
  case CompareOp::NotIn:
    return "not in";
  case CompareOp::Is:
    return "is";
  case CompareOp::IsNot:
    return "is not";
  }
  llvm_unreachable("unknown comparison");
}

LogicalResult Parser::error(SMLoc loc, const Twine &message) {
  return emitError(sourceMgr, loc, message);
}

LogicalResult Parser::errorExpected(const Twine &what) {
  const Token &t = tok();
  switch (t.kind) {
  case TokenKind::newline:
  case TokenKind::eof:
  case TokenKind::indent:
  case TokenKind::dedent:
    return errorHere("expected " + what + ", got " +
                     getTokenKindSpelling(t.kind));
  default:
    return errorHere("expected " + what + ", got '" + t.text + "'");
  }
}

LogicalResult Parser::expect(TokenKind kind) {
  if (consumeIf(kind))
    return success();
  if (kind == TokenKind::newline || kind == TokenKind::indent)
    return errorExpected(getTokenKindSpelling(kind));
  return errorExpected(Twine("'") + getTokenKindSpelling(kind) + "'");
}

LogicalResult Parser::checkDepth() {
  if (depth > kMaxDepth)
    return errorHere("expression or statement nesting is too deep (more than " +
                     Twine(kMaxDepth) + " levels)");
  return success();
}

LogicalResult Parser::rejectAfterElement() {
  switch (tok().kind) {
  case TokenKind::kw_for:
  case TokenKind::kw_async:
    return errorHere("comprehensions and generator expressions are not "
                     "supported in FlashTile kernels");
  case TokenKind::walrus:
    return errorHere("assignment expressions (':=') are not supported in "
                     "FlashTile kernels");
  default:
    return success();
  }
}

LogicalResult Parser::rejectUnsupportedExpression() {
  switch (tok().kind) {
  case TokenKind::kw_lambda:
    return errorHere("lambda expressions are not supported in FlashTile "
                     "kernels; define a function at module level");
  case TokenKind::kw_yield:
    return errorHere("'yield' is not supported in FlashTile kernels");
  case TokenKind::kw_await:
    return errorHere("'await' is not supported in FlashTile kernels");
  case TokenKind::star:
  case TokenKind::starstar:
    return errorHere("unpacking with '*' or '**' is not supported in "
                     "FlashTile kernels");
  default:
    return success();
  }
}

FailureOr<ExprPtr> Parser::parseExpressionLine(size_t index) {
  pos = index;
  depth = 0;
  auto value = parseTestList();
  if (failed(value))
    return failure();
  if (failed(rejectAfterElement()))
    return failure();
  if (!at(TokenKind::newline) && !at(TokenKind::semi))
    return errorExpected("end of line");
  return value;
}

FailureOr<ExprPtr> Parser::parseTestList() {
  SMLoc loc = tok().getLoc();
  auto first = parseTest();
  if (failed(first))
    return failure();
  if (!at(TokenKind::comma))
    return first;
  std::vector<ExprPtr> elements;
  elements.push_back(std::move(*first));
  while (consumeIf(TokenKind::comma)) {
    // A trailing comma ends the tuple.
    if (at(TokenKind::newline) || at(TokenKind::semi) || at(TokenKind::equal) ||
        at(TokenKind::rparen) || at(TokenKind::colon) || at(TokenKind::eof))
      break;
    auto next = parseTest();
    if (failed(next))
      return failure();
    elements.push_back(std::move(*next));
  }
  return ExprPtr(std::make_unique<TupleExpr>(loc, std::move(elements),
                                             /*isList=*/false));
}

FailureOr<ExprPtr> Parser::parseTest() {
  DepthGuard guard(*this);
  if (failed(checkDepth()) || failed(rejectUnsupportedExpression()))
    return failure();
  SMLoc loc = tok().getLoc();
  auto value = parseOrTest();
  if (failed(value))
    return failure();
  if (!at(TokenKind::kw_if))
    return value;
  consume();
  auto cond = parseOrTest();
  if (failed(cond))
    return failure();
  if (failed(expect(TokenKind::kw_else)))
    return failure();
  auto elseValue = parseTest();
  if (failed(elseValue))
    return failure();
  return ExprPtr(std::make_unique<IfExpExpr>(
      loc, std::move(*cond), std::move(*value), std::move(*elseValue)));
}

FailureOr<ExprPtr> Parser::parseOrTest() {
  SMLoc loc = tok().getLoc();
  auto first = parseAndTest();
  if (failed(first) || !at(TokenKind::kw_or))
    return first;
  std::vector<ExprPtr> operands;
  operands.push_back(std::move(*first));
  while (consumeIf(TokenKind::kw_or)) {
    auto next = parseAndTest();
    if (failed(next))
      return failure();
    operands.push_back(std::move(*next));
  }
  return ExprPtr(
      std::make_unique<BoolOpExpr>(loc, /*isAnd=*/false, std::move(operands)));
}

FailureOr<ExprPtr> Parser::parseAndTest() {
  SMLoc loc = tok().getLoc();
  auto first = parseNotTest();
  if (failed(first) || !at(TokenKind::kw_and))
    return first;
  std::vector<ExprPtr> operands;
  operands.push_back(std::move(*first));
  while (consumeIf(TokenKind::kw_and)) {
    auto next = parseNotTest();
    if (failed(next))
      return failure();
    operands.push_back(std::move(*next));
  }
  return ExprPtr(
      std::make_unique<BoolOpExpr>(loc, /*isAnd=*/true, std::move(operands)));
}

FailureOr<ExprPtr> Parser::parseNotTest() {
  if (!at(TokenKind::kw_not))
    return parseComparison();
  DepthGuard guard(*this);
  if (failed(checkDepth()))
    return failure();
  SMLoc loc = tok().getLoc();
  consume();
  auto operand = parseNotTest();
  if (failed(operand))
    return failure();
  return ExprPtr(
      std::make_unique<UnaryExpr>(loc, UnaryOp::Not, std::move(*operand)));
}

FailureOr<ExprPtr> Parser::parseComparison() {
  SMLoc loc = tok().getLoc();
  auto first = parseBitOr();
  if (failed(first))
    return failure();
  std::vector<CompareOp> ops;
  std::vector<SMLoc> opLocs;
  std::vector<ExprPtr> operands;
  operands.push_back(std::move(*first));
  while (true) {
    std::optional<CompareOp> op;
    SMLoc opLoc = tok().getLoc();
    switch (tok().kind) {
    case TokenKind::less:
      op = CompareOp::Lt;
      break;
    case TokenKind::lessequal:
      op = CompareOp::Le;
      break;
    case TokenKind::greater:
      op = CompareOp::Gt;
      break;
    case TokenKind::greaterequal:
      op = CompareOp::Ge;
      break;
    case TokenKind::equalequal:
      op = CompareOp::Eq;
      break;
    case TokenKind::exclaimequal:
      op = CompareOp::Ne;
      break;
    case TokenKind::kw_in:
      op = CompareOp::In;
      break;
    case TokenKind::kw_is:
      op = peekTok().is(TokenKind::kw_not) ? CompareOp::IsNot : CompareOp::Is;
      break;
    case TokenKind::kw_not:
      if (peekTok().is(TokenKind::kw_in))
        op = CompareOp::NotIn;
      break;
    default:
      break;
    }
    if (!op)
      break;
    consume();
    if (*op == CompareOp::IsNot || *op == CompareOp::NotIn)
      consume();
    auto next = parseBitOr();
    if (failed(next))
      return failure();
    ops.push_back(*op);
    opLocs.push_back(opLoc);
    operands.push_back(std::move(*next));
  }
  if (ops.empty())
    return std::move(operands.front());
  return ExprPtr(std::make_unique<CompareExpr>(
      loc, std::move(ops), std::move(opLocs), std::move(operands)));
}

namespace {
/// One binary precedence level: the tokens it accepts and their operators.
struct LevelOp {
  TokenKind token;
  BinaryOp op;
};
} // namespace

/// Parses `next (op next)*` left-associatively for the operators of one
/// precedence level.
#define FLASHTILE_BINARY_LEVEL(NAME, NEXT, ...)                                \
  FailureOr<ExprPtr> Parser::NAME() {                                          \
    static constexpr LevelOp kOps[] = {__VA_ARGS__};                           \
    auto lhs = NEXT();                                                         \
    if (failed(lhs))                                                           \
      return failure();                                                        \
    DepthGuard guard(*this, 0);                                                \
    while (true) {                                                             \
      const LevelOp *match =                                                   \
          llvm::find_if(kOps, [&](const LevelOp &o) { return at(o.token); });  \
      if (match == std::end(kOps))                                             \
        return lhs;                                                            \
      SMLoc opLoc = tok().getLoc();                                            \
      consume();                                                               \
      guard.add(1);                                                            \
      if (failed(checkDepth()))                                                \
        return failure();                                                      \
      auto rhs = NEXT();                                                       \
      if (failed(rhs))                                                         \
        return failure();                                                      \
      lhs = ExprPtr(std::make_unique<BinaryExpr>(                              \
          opLoc, match->op, std::move(*lhs), std::move(*rhs)));                \
    }                                                                          \
  }

FLASHTILE_BINARY_LEVEL(parseBitOr, parseBitXor,
                       {TokenKind::pipe, BinaryOp::BitOr})
FLASHTILE_BINARY_LEVEL(parseBitXor, parseBitAnd,
                       {TokenKind::caret, BinaryOp::BitXor})
FLASHTILE_BINARY_LEVEL(parseBitAnd, parseShift,
                       {TokenKind::amp, BinaryOp::BitAnd})
FLASHTILE_BINARY_LEVEL(parseShift, parseArith,
                       {TokenKind::lessless, BinaryOp::LShift},
                       {TokenKind::greatergreater, BinaryOp::RShift})
FLASHTILE_BINARY_LEVEL(parseArith, parseTerm, {TokenKind::plus, BinaryOp::Add},
                       {TokenKind::minus, BinaryOp::Sub})
FLASHTILE_BINARY_LEVEL(parseTerm, parseFactor, {TokenKind::star, BinaryOp::Mul},
                       {TokenKind::slash, BinaryOp::Div},
                       {TokenKind::slashslash, BinaryOp::FloorDiv},
                       {TokenKind::percent, BinaryOp::Mod},
                       {TokenKind::at, BinaryOp::MatMul})

#undef FLASHTILE_BINARY_LEVEL

FailureOr<ExprPtr> Parser::parseFactor() {
  std::optional<UnaryOp> op;
  if (at(TokenKind::minus))
    op = UnaryOp::Neg;
  else if (at(TokenKind::plus))
    op = UnaryOp::Pos;
  else if (at(TokenKind::tilde))
    op = UnaryOp::Invert;
  if (!op)
    return parsePower();
  DepthGuard guard(*this);
  if (failed(checkDepth()))
    return failure();
  SMLoc loc = tok().getLoc();
  consume();
  auto operand = parseFactor();
  if (failed(operand))
    return failure();
  return ExprPtr(std::make_unique<UnaryExpr>(loc, *op, std::move(*operand)));
}

FailureOr<ExprPtr> Parser::parsePower() {
  auto base = parsePrimary();
  if (failed(base) || !at(TokenKind::starstar))
    return base;
  SMLoc opLoc = tok().getLoc();
  consume();
  DepthGuard guard(*this);
  if (failed(checkDepth()))
    return failure();
  auto exponent = parseFactor();
  if (failed(exponent))
    return failure();
  return ExprPtr(std::make_unique<BinaryExpr>(
      opLoc, BinaryOp::Pow, std::move(*base), std::move(*exponent)));
}

FailureOr<ExprPtr> Parser::parsePrimary() {
  auto value = parseAtom();
  if (failed(value))
    return failure();
  DepthGuard guard(*this, 0);
  while (at(TokenKind::dot) || at(TokenKind::lparen) ||
         at(TokenKind::lsquare)) {
    guard.add(1);
    if (failed(checkDepth()))
      return failure();
    if (consumeIf(TokenKind::dot)) {
      if (!at(TokenKind::identifier))
        return errorExpected("an attribute name after '.'");
      SMLoc start = (*value)->getLoc();
      value = ExprPtr(std::make_unique<AttributeExpr>(
          start, std::move(*value), tok().text, tok().getLoc()));
      consume();
    } else if (at(TokenKind::lparen)) {
      value = parseCall(std::move(*value));
    } else {
      value = parseSubscript(std::move(*value));
    }
    if (failed(value))
      return failure();
  }
  return value;
}

FailureOr<ExprPtr> Parser::parseAtom() {
  if (failed(rejectUnsupportedExpression()))
    return failure();
  const Token &t = tok();
  SMLoc loc = t.getLoc();
  switch (t.kind) {
  case TokenKind::identifier:
    consume();
    return ExprPtr(std::make_unique<NameExpr>(loc, t.text));
  case TokenKind::integer:
  case TokenKind::floating:
  case TokenKind::imaginary:
    return parseNumber();
  case TokenKind::string:
    return parseStrings();
  case TokenKind::kw_True:
  case TokenKind::kw_False:
    consume();
    return ExprPtr(std::make_unique<BoolExpr>(loc, t.is(TokenKind::kw_True)));
  case TokenKind::kw_None:
    consume();
    return ExprPtr(std::make_unique<NoneExpr>(loc));
  case TokenKind::ellipsis:
    consume();
    return ExprPtr(std::make_unique<EllipsisExpr>(loc));
  case TokenKind::lparen:
    return parseParenthesized();
  case TokenKind::lsquare:
    return parseList();
  case TokenKind::lbrace:
    return errorHere("dict and set literals are not supported in FlashTile "
                     "kernels");
  default:
    if (t.isKeyword())
      return errorHere("expected an expression, got the keyword '" + t.text +
                       "'");
    return errorExpected("an expression");
  }
}

FailureOr<ExprPtr> Parser::parseNumber() {
  const Token &t = tok();
  SMLoc loc = t.getLoc();
  if (t.is(TokenKind::imaginary))
    return errorHere("complex numbers are not supported in FlashTile kernels");
  std::string digits;
  for (char c : t.text)
    if (c != '_')
      digits.push_back(c);
  consume();
  StringRef text(digits);
  if (t.is(TokenKind::floating)) {
    double value = 0;
    if (text.getAsDouble(value, /*AllowInexact=*/true))
      return error(loc, "invalid float literal");
    return ExprPtr(std::make_unique<FloatExpr>(loc, value));
  }
  unsigned radix = 10;
  if (text.size() > 1 && text[0] == '0' && isAlpha(text[1])) {
    char base = toLower(text[1]);
    radix = base == 'x' ? 16 : base == 'o' ? 8 : 2;
    text = text.drop_front(2);
  }
  uint64_t value = 0;
  std::optional<int64_t> result;
  if (!text.getAsInteger(radix, value) &&
      value <= static_cast<uint64_t>(INT64_MAX))
    result = static_cast<int64_t>(value);
  return ExprPtr(std::make_unique<IntExpr>(loc, result));
}

FailureOr<ExprPtr> Parser::parseStrings() {
  SMLoc loc = tok().getLoc();
  std::string value;
  while (at(TokenKind::string)) {
    StringRef text = tok().text;
    StringRef prefix =
        text.take_until([](char c) { return c == '\'' || c == '"'; });
    if (prefix.contains_insensitive("f"))
      return errorHere("f-strings are not supported in FlashTile kernels");
    if (prefix.contains_insensitive("b"))
      return errorHere("bytes literals are not supported in FlashTile kernels");
    std::string part;
    if (failed(decodeStringLiteral(sourceMgr, tok(), part)))
      return failure();
    value += part;
    consume();
  }
  return ExprPtr(std::make_unique<StrExpr>(loc, std::move(value)));
}

FailureOr<ExprPtr> Parser::parseParenthesized() {
  SMLoc loc = tok().getLoc();
  consume(); // (
  if (consumeIf(TokenKind::rparen))
    return ExprPtr(std::make_unique<TupleExpr>(loc, std::vector<ExprPtr>(),
                                               /*isList=*/false));
  auto first = parseTest();
  if (failed(first))
    return failure();
  if (failed(rejectAfterElement()))
    return failure();
  if (consumeIf(TokenKind::rparen))
    return first;
  std::vector<ExprPtr> elements;
  elements.push_back(std::move(*first));
  while (consumeIf(TokenKind::comma)) {
    if (at(TokenKind::rparen))
      break;
    auto next = parseTest();
    if (failed(next))
      return failure();
    elements.push_back(std::move(*next));
  }
  if (failed(rejectAfterElement()) || failed(expect(TokenKind::rparen)))
    return failure();
  return ExprPtr(
      std::make_unique<TupleExpr>(loc, std::move(elements), /*isList=*/false));
}

FailureOr<ExprPtr> Parser::parseList() {
  SMLoc loc = tok().getLoc();
  consume(); // [
  std::vector<ExprPtr> elements;
  while (!at(TokenKind::rsquare)) {
    auto next = parseTest();
    if (failed(next))
      return failure();
    elements.push_back(std::move(*next));
    if (failed(rejectAfterElement()))
      return failure();
    if (!consumeIf(TokenKind::comma))
      break;
  }
  if (failed(expect(TokenKind::rsquare)))
    return failure();
  return ExprPtr(
      std::make_unique<TupleExpr>(loc, std::move(elements), /*isList=*/true));
}

FailureOr<ExprPtr> Parser::parseCall(ExprPtr callee) {
  SMLoc loc = callee->getLoc();
  consume(); // (
  std::vector<ExprPtr> args;
  std::vector<KeywordArg> keywords;
  while (!at(TokenKind::rparen)) {
    if (at(TokenKind::star) || at(TokenKind::starstar))
      return errorHere("argument unpacking ('*args', '**kwargs') is not "
                       "supported in FlashTile kernels");
    if (at(TokenKind::identifier) && peekTok().is(TokenKind::equal)) {
      KeywordArg keyword{tok().text, tok().getLoc(), nullptr};
      for (const KeywordArg &other : keywords)
        if (other.name == keyword.name)
          return errorHere("keyword argument '" + keyword.name +
                           "' is repeated");
      consume();
      consume();
      auto value = parseTest();
      if (failed(value))
        return failure();
      keyword.value = std::move(*value);
      keywords.push_back(std::move(keyword));
    } else {
      SMLoc argLoc = tok().getLoc();
      auto value = parseTest();
      if (failed(value))
        return failure();
      if (!keywords.empty())
        return error(argLoc, "positional argument follows keyword argument");
      args.push_back(std::move(*value));
    }
    if (failed(rejectAfterElement()))
      return failure();
    if (!consumeIf(TokenKind::comma))
      break;
  }
  if (failed(expect(TokenKind::rparen)))
    return failure();
  return ExprPtr(std::make_unique<CallExpr>(
      loc, std::move(callee), std::move(args), std::move(keywords)));
}

FailureOr<ExprPtr> Parser::parseSubscriptElement() {
  SMLoc loc = tok().getLoc();
  ExprPtr lower, upper, step;
  auto endsPart = [&] {
    return at(TokenKind::colon) || at(TokenKind::comma) ||
           at(TokenKind::rsquare);
  };
  if (!endsPart()) {
    auto value = parseTest();
    if (failed(value))
      return failure();
    lower = std::move(*value);
  }
  if (!at(TokenKind::colon)) {
    if (!lower)
      return errorExpected("an index");
    return lower;
  }
  consume();
  if (!endsPart()) {
    auto value = parseTest();
    if (failed(value))
      return failure();
    upper = std::move(*value);
  }
  if (consumeIf(TokenKind::colon) && !endsPart()) {
    auto value = parseTest();
    if (failed(value))
      return failure();
    step = std::move(*value);
  }
  return ExprPtr(std::make_unique<SliceExpr>(
      loc, std::move(lower), std::move(upper), std::move(step)));
}

FailureOr<ExprPtr> Parser::parseSubscript(ExprPtr value) {
  SMLoc loc = value->getLoc();
  SMLoc indexLoc = peekTok().getLoc();
  consume(); // [
  std::vector<ExprPtr> elements;
  bool sawComma = false;
  while (!at(TokenKind::rsquare)) {
    auto element = parseSubscriptElement();
    if (failed(element))
      return failure();
    elements.push_back(std::move(*element));
    if (failed(rejectAfterElement()))
      return failure();
    if (!consumeIf(TokenKind::comma))
      break;
    sawComma = true;
  }
  if (elements.empty())
    return errorExpected("an index");
  if (failed(expect(TokenKind::rsquare)))
    return failure();
  ExprPtr index = sawComma ? ExprPtr(std::make_unique<TupleExpr>(
                                 indexLoc, std::move(elements), false))
                           : std::move(elements.front());
  return ExprPtr(
      std::make_unique<SubscriptExpr>(loc, std::move(value), std::move(index)));
}

FailureOr<ExprPtr> Parser::parseTargetList() {
  SMLoc loc = tok().getLoc();
  std::vector<ExprPtr> targets;
  do {
    if (at(TokenKind::kw_in))
      break;
    if (failed(rejectUnsupportedExpression()))
      return failure();
    auto target = parseBitOr();
    if (failed(target))
      return failure();
    targets.push_back(std::move(*target));
  } while (consumeIf(TokenKind::comma));
  if (targets.empty())
    return errorExpected("a loop variable");
  if (targets.size() == 1 && !tokens[pos - 1].is(TokenKind::comma))
    return std::move(targets.front());
  return ExprPtr(
      std::make_unique<TupleExpr>(loc, std::move(targets), /*isList=*/false));
}

} // namespace flashtile::frontend
