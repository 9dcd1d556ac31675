//===- Lexer.cpp - Python tokenizer ---------------------------------------===//

#include "Lexer.h"

#include "Diagnostics.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/SourceMgr.h"

using namespace llvm;

namespace flashtile::frontend {

StringRef getTokenKindSpelling(TokenKind kind) {
  switch (kind) {
  case TokenKind::eof:
    return "end of file";
  case TokenKind::newline:
    return "end of line";
  case TokenKind::indent:
    return "indent";
  case TokenKind::dedent:
    return "dedent";
  case TokenKind::identifier:
    return "name";
  case TokenKind::integer:
  case TokenKind::floating:
  case TokenKind::imaginary:
    return "number";
  case TokenKind::string:
    return "string";
#define KEYWORD(NAME, SPELLING)                                                \
  case TokenKind::kw_##NAME:                                                   \
    return SPELLING;
#define PUNCT(NAME, SPELLING)                                                  \
  case TokenKind::NAME:                                                        \
    return SPELLING;
#include "TokenKinds.def"
  }
  llvm_unreachable("unknown token kind");
}

bool Token::isKeyword() const {
  switch (kind) {
#define KEYWORD(NAME, SPELLING) case TokenKind::kw_##NAME:
#include "TokenKinds.def"
    return true;
  default:
    return false;
  }
}

namespace {

/// Python's limits: 100 indentation levels, 200 nested brackets.
constexpr unsigned kMaxIndentLevels = 100;
constexpr unsigned kMaxBracketDepth = 200;
constexpr unsigned kTabSize = 8;

bool isIdentifierStart(char c) {
  return isAlpha(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool isIdentifierChar(char c) { return isIdentifierStart(c) || isDigit(c); }

class Lexer {
public:
  Lexer(SourceMgr &sourceMgr, unsigned bufferID, std::vector<Token> &tokens)
      : sourceMgr(sourceMgr), tokens(tokens) {
    StringRef buffer = sourceMgr.getMemoryBuffer(bufferID)->getBuffer();
    // A UTF-8 byte order mark (editors on Windows write one) is not part of
    // the first line, as for Python.
    buffer.consume_front("\xEF\xBB\xBF");
    cur = buffer.begin();
    end = buffer.end();
  }

  LogicalResult run();

private:
  LogicalResult error(const char *at, const Twine &message) {
    return emitError(sourceMgr, SMLoc::getFromPointer(at), message);
  }
  void push(TokenKind kind, const char *start, const char *stop) {
    tokens.push_back({kind, StringRef(start, stop - start)});
  }
  bool atEnd() const { return cur == end; }
  char peek(size_t ahead = 0) const {
    return static_cast<size_t>(end - cur) > ahead ? cur[ahead] : '\0';
  }
  bool lastIs(TokenKind kind) const {
    return !tokens.empty() && tokens.back().is(kind);
  }

  LogicalResult lexIndentation();
  LogicalResult lexNewlineOrSkip();
  LogicalResult lexIdentifierOrString();
  LogicalResult lexNumber();
  LogicalResult lexString(const char *start);
  LogicalResult lexPunctuation();
  LogicalResult finish();

  SourceMgr &sourceMgr;
  std::vector<Token> &tokens;
  const char *cur;
  const char *end;
  bool atLineStart = true;
  /// Indentation columns with tabs to multiples of 8 and with tabs counted
  /// as 1: both must order the same way, or tabs and spaces were mixed
  /// inconsistently.
  SmallVector<unsigned> indents = {0};
  SmallVector<unsigned> altIndents = {0};
  /// Open brackets (the character and where).
  SmallVector<const char *> brackets;
};

} // namespace

LogicalResult Lexer::run() {
  while (true) {
    if (atLineStart && brackets.empty()) {
      if (failed(lexIndentation()))
        return failure();
      if (atLineStart)
        continue; // A blank or comment-only line was skipped.
    }
    if (atEnd())
      return finish();
    char c = *cur;
    switch (c) {
    case ' ':
    case '\t':
    case '\f':
      ++cur;
      continue;
    case '#':
      while (!atEnd() && *cur != '\n' && *cur != '\r')
        ++cur;
      continue;
    case '\\': {
      const char *at = cur++;
      if (peek() == '\r')
        ++cur;
      if (peek() == '\n')
        ++cur;
      else if (cur == at + 1)
        return atEnd() ? error(at, "unexpected end of file after line "
                                   "continuation character")
                       : error(at, "unexpected character after line "
                                   "continuation character");
      continue;
    }
    case '\n':
    case '\r':
      if (failed(lexNewlineOrSkip()))
        return failure();
      continue;
    default:
      break;
    }
    if (isIdentifierStart(c)) {
      if (failed(lexIdentifierOrString()))
        return failure();
    } else if (isDigit(c) || (c == '.' && isDigit(peek(1)))) {
      if (failed(lexNumber()))
        return failure();
    } else if (c == '\'' || c == '"') {
      if (failed(lexString(cur)))
        return failure();
    } else if (failed(lexPunctuation())) {
      return failure();
    }
  }
}

LogicalResult Lexer::lexIndentation() {
  unsigned column = 0, altColumn = 0;
  for (; !atEnd(); ++cur) {
    if (*cur == ' ') {
      ++column;
      ++altColumn;
    } else if (*cur == '\t') {
      column = (column / kTabSize + 1) * kTabSize;
      ++altColumn;
    } else if (*cur == '\f') {
      column = altColumn = 0;
    } else {
      break;
    }
  }
  // Blank lines, comment-only lines and the end of the file do not affect
  // indentation.
  if (atEnd() || *cur == '#' || *cur == '\n' || *cur == '\r') {
    while (!atEnd() && *cur != '\n' && *cur != '\r')
      ++cur;
    if (atEnd()) {
      atLineStart = false;
      return success();
    }
    if (*cur == '\r' && peek(1) == '\n')
      ++cur;
    ++cur;
    return success();
  }
  atLineStart = false;
  auto inconsistent = [&] {
    return error(cur, "inconsistent use of tabs and spaces in indentation");
  };
  if (column > indents.back()) {
    if (altColumn <= altIndents.back())
      return inconsistent();
    if (indents.size() > kMaxIndentLevels)
      return error(cur, "too many levels of indentation");
    indents.push_back(column);
    altIndents.push_back(altColumn);
    push(TokenKind::indent, cur, cur);
    return success();
  }
  while (column < indents.back()) {
    indents.pop_back();
    altIndents.pop_back();
    push(TokenKind::dedent, cur, cur);
  }
  if (column != indents.back())
    return error(cur, "unindent does not match any outer indentation level");
  if (altColumn != altIndents.back())
    return inconsistent();
  return success();
}

LogicalResult Lexer::lexNewlineOrSkip() {
  const char *at = cur;
  if (*cur == '\r' && peek(1) == '\n')
    ++cur;
  ++cur;
  if (!brackets.empty())
    return success(); // Implicit line joining.
  if (!tokens.empty() && !lastIs(TokenKind::newline))
    push(TokenKind::newline, at, at);
  atLineStart = true;
  return success();
}

LogicalResult Lexer::lexIdentifierOrString() {
  const char *start = cur;
  while (!atEnd() && isIdentifierChar(*cur))
    ++cur;
  StringRef word(start, cur - start);
  if (!atEnd() && (*cur == '\'' || *cur == '"') && word.size() <= 2) {
    std::string lower = word.lower();
    bool isPrefix =
        StringSwitch<bool>(lower)
            .Cases({"r", "u", "b", "f", "br", "rb", "fr", "rf"}, true)
            .Default(false);
    if (isPrefix)
      return lexString(start);
  }
  TokenKind kind = StringSwitch<TokenKind>(word)
#define KEYWORD(NAME, SPELLING) .Case(SPELLING, TokenKind::kw_##NAME)
#include "TokenKinds.def"
                       .Default(TokenKind::identifier);
  push(kind, start, cur);
  return success();
}

LogicalResult Lexer::lexNumber() {
  const char *start = cur;
  // Consumes digits accepted by `isValid`, with single underscores between
  // them; fails on a misplaced underscore.
  auto digits = [&](auto isValid) -> LogicalResult {
    bool any = false;
    while (!atEnd()) {
      if (isValid(*cur)) {
        any = true;
        ++cur;
      } else if (*cur == '_' && any && isValid(peek(1))) {
        ++cur;
      } else {
        break;
      }
    }
    if (!atEnd() && *cur == '_')
      return error(cur, "invalid numeric literal: misplaced '_'");
    return success();
  };
  auto isDec = [](char c) { return isDigit(c); };
  auto checkEnd = [&](TokenKind kind) -> LogicalResult {
    if (!atEnd() && isIdentifierChar(*cur))
      return error(cur, Twine("invalid character '") + StringRef(cur, 1) +
                            "' in numeric literal");
    push(kind, start, cur);
    return success();
  };

  if (*cur == '0' && (peek(1) == 'x' || peek(1) == 'X' || peek(1) == 'o' ||
                      peek(1) == 'O' || peek(1) == 'b' || peek(1) == 'B')) {
    char base = toLower(peek(1));
    cur += 2;
    if (!atEnd() && *cur == '_')
      ++cur;
    const char *digitsStart = cur;
    LogicalResult ok =
        base == 'x'   ? digits([](char c) { return isHexDigit(c); })
        : base == 'o' ? digits([](char c) { return c >= '0' && c <= '7'; })
                      : digits([](char c) { return c == '0' || c == '1'; });
    if (failed(ok))
      return failure();
    if (cur == digitsStart) {
      const char *kind = base == 'x'   ? "hexadecimal"
                         : base == 'o' ? "octal"
                                       : "binary";
      return error(start, Twine("invalid ") + kind + " literal");
    }
    return checkEnd(TokenKind::integer);
  }

  TokenKind kind = TokenKind::integer;
  if (failed(digits(isDec)))
    return failure();
  if (!atEnd() && *cur == '.') {
    kind = TokenKind::floating;
    ++cur;
    if (!atEnd() && isDigit(*cur) && failed(digits(isDec)))
      return failure();
  }
  if (!atEnd() && (*cur == 'e' || *cur == 'E')) {
    const char *exponent = cur++;
    if (!atEnd() && (*cur == '+' || *cur == '-'))
      ++cur;
    if (atEnd() || !isDigit(*cur))
      return error(exponent, "invalid float literal: missing exponent digits");
    if (failed(digits(isDec)))
      return failure();
    kind = TokenKind::floating;
  }
  if (!atEnd() && (*cur == 'j' || *cur == 'J')) {
    ++cur;
    kind = TokenKind::imaginary;
  }
  if (kind == TokenKind::integer) {
    StringRef text(start, cur - start);
    if (text.size() > 1 && text[0] == '0' &&
        text.find_first_not_of("0_") != StringRef::npos)
      return error(start, "leading zeros in decimal integer literals are not "
                          "permitted; use an 0o prefix for octal integers");
  }
  return checkEnd(kind);
}

LogicalResult Lexer::lexString(const char *start) {
  // `cur` is at the opening quote; the prefix (if any) starts at `start`.
  char quote = *cur;
  bool triple = peek(1) == quote && peek(2) == quote;
  cur += triple ? 3 : 1;
  while (true) {
    if (atEnd()) {
      return triple ? error(start, "unterminated triple-quoted string literal")
                    : error(start, "unterminated string literal");
    }
    char c = *cur;
    if (c == '\\') {
      cur += 1;
      if (atEnd())
        continue;
      if (*cur == '\r' && peek(1) == '\n')
        ++cur;
      ++cur;
      continue;
    }
    if (!triple && (c == '\n' || c == '\r'))
      return error(start, "unterminated string literal");
    if (c == quote) {
      if (!triple) {
        ++cur;
        break;
      }
      if (peek(1) == quote && peek(2) == quote) {
        cur += 3;
        break;
      }
    }
    ++cur;
  }
  push(TokenKind::string, start, cur);
  return success();
}

LogicalResult Lexer::lexPunctuation() {
  static constexpr struct {
    StringLiteral spelling;
    TokenKind kind;
  } kPunctuation[] = {
#define PUNCT(NAME, SPELLING) {SPELLING, TokenKind::NAME},
#include "TokenKinds.def"
  };
  StringRef rest(cur, end - cur);
  const char *start = cur;
  size_t bestLength = 0;
  TokenKind best = TokenKind::eof;
  for (const auto &punct : kPunctuation) {
    if (punct.spelling.size() > bestLength &&
        rest.starts_with(punct.spelling)) {
      bestLength = punct.spelling.size();
      best = punct.kind;
    }
  }
  if (bestLength == 0) {
    unsigned char c = *cur;
    if (c == 0)
      return error(cur, "invalid character: NUL byte in source");
    if (isPrint(c))
      return error(cur, Twine("invalid character '") + StringRef(cur, 1) +
                            "' in source");
    return error(cur,
                 "invalid character (byte 0x" + utohexstr(c) + ") in source");
  }
  cur += bestLength;
  switch (best) {
  case TokenKind::lparen:
  case TokenKind::lsquare:
  case TokenKind::lbrace:
    if (brackets.size() >= kMaxBracketDepth)
      return error(start, "too many nested parentheses");
    brackets.push_back(start);
    break;
  case TokenKind::rparen:
  case TokenKind::rsquare:
  case TokenKind::rbrace: {
    if (brackets.empty())
      return error(start, Twine("unmatched '") + StringRef(start, 1) + "'");
    char open = *brackets.back();
    char expected = open == '(' ? ')' : open == '[' ? ']' : '}';
    if (*start != expected)
      return error(start, Twine("closing parenthesis '") + StringRef(start, 1) +
                              "' does not match opening parenthesis '" +
                              StringRef(brackets.back(), 1) + "'");
    brackets.pop_back();
    break;
  }
  default:
    break;
  }
  push(best, start, cur);
  return success();
}

LogicalResult Lexer::finish() {
  if (!brackets.empty())
    return error(brackets.back(), Twine("'") + StringRef(brackets.back(), 1) +
                                      "' was never closed");
  if (!tokens.empty() && !lastIs(TokenKind::newline))
    push(TokenKind::newline, end, end);
  while (indents.size() > 1) {
    indents.pop_back();
    push(TokenKind::dedent, end, end);
  }
  push(TokenKind::eof, end, end);
  return success();
}

LogicalResult tokenize(SourceMgr &sourceMgr, unsigned bufferID,
                       std::vector<Token> &tokens) {
  tokens.clear();
  return Lexer(sourceMgr, bufferID, tokens).run();
}

//===----------------------------------------------------------------------===//
// String literal values
//===----------------------------------------------------------------------===//

LogicalResult decodeStringLiteral(SourceMgr &sourceMgr, const Token &token,
                                  std::string &value) {
  StringRef text = token.text;
  size_t quoteAt = text.find_first_of("'\"");
  StringRef prefix = text.take_front(quoteAt);
  bool raw = prefix.contains_insensitive("r");
  size_t quoteLength =
      text.size() >= quoteAt + 6 && text.substr(quoteAt, 3) == "'''"      ? 3
      : text.size() >= quoteAt + 6 && text.substr(quoteAt, 3) == "\"\"\"" ? 3
                                                                          : 1;
  StringRef body =
      text.drop_front(quoteAt + quoteLength).drop_back(quoteLength);
  value.clear();
  if (raw) {
    value = body.str();
    return success();
  }
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 == body.size()) {
      value.push_back(c);
      continue;
    }
    const char *escape = body.data() + i;
    char e = body[++i];
    switch (e) {
    case '\n':
      break;
    case '\r':
      if (i + 1 < body.size() && body[i + 1] == '\n')
        ++i;
      break;
    case '\\':
    case '\'':
    case '"':
      value.push_back(e);
      break;
    case 'a':
      value.push_back('\a');
      break;
    case 'b':
      value.push_back('\b');
      break;
    case 'f':
      value.push_back('\f');
      break;
    case 'n':
      value.push_back('\n');
      break;
    case 'r':
      value.push_back('\r');
      break;
    case 't':
      value.push_back('\t');
      break;
    case 'v':
      value.push_back('\v');
      break;
    case 'x':
    case 'u':
    case 'U': {
      size_t length = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      StringRef hex = body.substr(i + 1, length);
      unsigned code = 0;
      if (hex.size() != length || !llvm::all_of(hex, isHexDigit) ||
          hex.getAsInteger(16, code) || code > 0x10FFFF)
        return emitError(sourceMgr, SMLoc::getFromPointer(escape),
                         Twine("invalid \\") + StringRef(&e, 1) +
                             " escape in string literal");
      i += length;
      char utf8[UNI_MAX_UTF8_BYTES_PER_CODE_POINT];
      char *out = utf8;
      if (!ConvertCodePointToUTF8(code, out))
        return emitError(sourceMgr, SMLoc::getFromPointer(escape),
                         "invalid code point in string literal escape");
      value.append(utf8, out);
      break;
    }
    default:
      if (e >= '0' && e <= '7') {
        unsigned code = e - '0';
        for (int n = 0; n < 2 && i + 1 < body.size() && body[i + 1] >= '0' &&
                        body[i + 1] <= '7';
             ++n)
          code = code * 8 + (body[++i] - '0');
        value.push_back(static_cast<char>(code & 0xFF));
        break;
      }
      // Python keeps unknown escapes as written.
      value.push_back('\\');
      value.push_back(e);
      break;
    }
  }
  return success();
}

} // namespace flashtile::frontend
