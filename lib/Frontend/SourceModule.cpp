//===- SourceModule.cpp - a scanned kernel module -------------------------===//

#include "SourceModule.h"

#include "Lexer.h"
#include "Parser.h"

#include "llvm/Support/SourceMgr.h"

using namespace llvm;

namespace flashtile::frontend {

FailureOr<std::unique_ptr<SourceModule>>
SourceModule::scan(SourceMgr &sourceMgr) {
  std::unique_ptr<SourceModule> module(new SourceModule(sourceMgr));
  unsigned bufferID = sourceMgr.getMainFileID();
  module->filename =
      sourceMgr.getMemoryBuffer(bufferID)->getBufferIdentifier().str();
  if (failed(tokenize(sourceMgr, bufferID, module->tokens)))
    return failure();
  module->scanStatements();
  return module;
}

GlobalDecl *SourceModule::lookup(StringRef name) {
  auto it = globals.find(name);
  return it == globals.end() ? nullptr : &it->second;
}

std::vector<std::string> SourceModule::getFunctionNames() const {
  std::vector<std::string> names;
  for (const auto &entry : globals)
    if (entry.getValue().kind == GlobalDecl::Kind::Function)
      names.push_back(entry.getKey().str());
  llvm::sort(names);
  return names;
}

void SourceModule::bind(StringRef name, GlobalDecl decl) {
  globals.insert_or_assign(name, std::move(decl));
}

/// Returns the index just past the statement starting at `index`: past its
/// logical line and, for a compound statement, past its indented block.
size_t SourceModule::skipStatement(size_t index) const {
  size_t last = tokens.size() - 1; // eof
  if (tokens[index].is(TokenKind::indent)) {
    // A stray indented block: skip it whole.
    unsigned level = 0;
    for (; index < last; ++index) {
      if (tokens[index].is(TokenKind::indent))
        ++level;
      else if (tokens[index].is(TokenKind::dedent) && --level == 0)
        return index + 1;
    }
    return last;
  }
  while (index < last && !tokens[index].is(TokenKind::newline))
    ++index;
  if (index < last)
    ++index;
  if (index < last && tokens[index].is(TokenKind::indent))
    return skipStatement(index);
  return index;
}

void SourceModule::scanStatements() {
  size_t index = 0, last = tokens.size() - 1;
  while (index < last) {
    const Token &first = tokens[index];
    switch (first.kind) {
    case TokenKind::newline:
    case TokenKind::dedent:
      ++index;
      continue;
    case TokenKind::kw_def:
      if (tokens[index + 1].is(TokenKind::identifier)) {
        GlobalDecl decl(GlobalDecl::Kind::Function, tokens[index + 1].getLoc());
        decl.tokenIndex = index;
        bind(tokens[index + 1].text, std::move(decl));
      }
      break;
    case TokenKind::kw_import:
    case TokenKind::kw_from:
      scanImport(index);
      break;
    case TokenKind::identifier: {
      size_t end = index;
      while (end < last &&
             !tokens[end].isAny(TokenKind::newline, TokenKind::semi))
        ++end;
      scanAssignment(index, end);
      break;
    }
    default:
      break;
    }
    index = skipStatement(index);
  }
}

void SourceModule::scanImport(size_t index) {
  size_t i = index;
  // Reads a dotted name (possibly with leading dots for relative imports).
  auto dottedName = [&](std::string &name) {
    name.clear();
    while (tokens[i].isAny(TokenKind::dot, TokenKind::ellipsis)) {
      name += tokens[i].text;
      ++i;
    }
    while (tokens[i].is(TokenKind::identifier)) {
      name += tokens[i].text;
      ++i;
      if (!tokens[i].is(TokenKind::dot) ||
          !tokens[i + 1].is(TokenKind::identifier))
        break;
      name += '.';
      ++i;
    }
    return !name.empty();
  };
  // Reads `as NAME` if present.
  auto alias = [&](const Token *&name) {
    if (tokens[i].is(TokenKind::kw_as) &&
        tokens[i + 1].is(TokenKind::identifier)) {
      name = &tokens[i + 1];
      i += 2;
    }
  };

  if (tokens[i].is(TokenKind::kw_import)) {
    ++i;
    while (true) {
      size_t nameStart = i;
      std::string module;
      if (!dottedName(module))
        return;
      const Token *name = nullptr;
      alias(name);
      GlobalDecl decl(GlobalDecl::Kind::Import, SMLoc());
      if (name) {
        decl.loc = name->getLoc();
        decl.module = module;
        bind(name->text, std::move(decl));
      } else {
        // `import a.b` binds `a` to the top-level package.
        const Token &root = tokens[nameStart];
        decl.loc = root.getLoc();
        decl.module = root.text.str();
        bind(root.text, std::move(decl));
      }
      if (!tokens[i].is(TokenKind::comma))
        return;
      ++i;
    }
  }

  ++i; // from
  std::string module;
  if (!dottedName(module) || !tokens[i].is(TokenKind::kw_import))
    return;
  ++i;
  if (tokens[i].is(TokenKind::star)) {
    if (module == "flashtile.language")
      starImportOfLanguage = true;
    return;
  }
  bool parenthesized = tokens[i].is(TokenKind::lparen);
  if (parenthesized)
    ++i;
  while (tokens[i].is(TokenKind::identifier)) {
    const Token *member = &tokens[i++];
    const Token *name = member;
    alias(name);
    GlobalDecl decl(GlobalDecl::Kind::Import, name->getLoc());
    decl.module = module;
    decl.member = member->text.str();
    bind(name->text, std::move(decl));
    if (!tokens[i].is(TokenKind::comma))
      return;
    ++i;
  }
}

void SourceModule::scanAssignment(size_t index, size_t end) {
  // Split the statement at the `=` signs outside brackets (up to a lambda,
  // whose defaults also use `=`).
  SmallVector<size_t> equals;
  int depth = 0;
  for (size_t i = index; i < end; ++i) {
    const Token &t = tokens[i];
    if (t.isAny(TokenKind::lparen, TokenKind::lsquare, TokenKind::lbrace))
      ++depth;
    else if (t.isAny(TokenKind::rparen, TokenKind::rsquare, TokenKind::rbrace))
      --depth;
    else if (t.is(TokenKind::kw_lambda))
      break;
    else if (depth == 0 && t.is(TokenKind::equal))
      equals.push_back(i);
  }

  auto markOpaque = [&](const Token &name) {
    bind(name.text, GlobalDecl(GlobalDecl::Kind::Opaque, name.getLoc()));
  };

  if (equals.empty()) {
    // `NAME op= value` rebinds NAME to something we do not evaluate.
    if (end > index + 1) {
      TokenKind op = tokens[index + 1].kind;
      bool augmented =
          op != TokenKind::colon && op != TokenKind::dot &&
          op != TokenKind::lparen && op != TokenKind::lsquare &&
          StringRef(getTokenKindSpelling(op)).ends_with("=") &&
          op != TokenKind::equalequal && op != TokenKind::exclaimequal &&
          op != TokenKind::lessequal && op != TokenKind::greaterequal;
      if (augmented)
        markOpaque(tokens[index]);
    }
    return;
  }

  size_t valueIndex = equals.back() + 1;
  size_t partStart = index;
  for (size_t eq : equals) {
    // `NAME = ...` or `NAME: annotation = ...`.
    if (tokens[partStart].is(TokenKind::identifier) &&
        (eq == partStart + 1 || tokens[partStart + 1].is(TokenKind::colon))) {
      GlobalDecl decl(GlobalDecl::Kind::Constant, tokens[partStart].getLoc());
      decl.tokenIndex = valueIndex;
      bind(tokens[partStart].text, std::move(decl));
    } else {
      // A target list of plain names binds each of them opaquely.
      bool onlyNames = true;
      for (size_t i = partStart; i < eq; ++i)
        onlyNames &= tokens[i].isAny(TokenKind::identifier, TokenKind::comma,
                                     TokenKind::lparen, TokenKind::rparen,
                                     TokenKind::lsquare, TokenKind::rsquare);
      if (onlyNames)
        for (size_t i = partStart; i < eq; ++i)
          if (tokens[i].is(TokenKind::identifier))
            markOpaque(tokens[i]);
    }
    partStart = eq + 1;
  }
}

FailureOr<FunctionDef *> SourceModule::getFunction(GlobalDecl &decl) {
  if (!decl.function) {
    Parser parser(sourceMgr, tokens);
    auto def = parser.parseSignature(decl.tokenIndex);
    if (failed(def))
      return failure();
    decl.function = std::move(*def);
  }
  return decl.function.get();
}

LogicalResult SourceModule::parseBody(FunctionDef &def) {
  if (def.bodyParsed)
    return success();
  Parser parser(sourceMgr, tokens);
  return parser.parseBody(def);
}

FailureOr<const Expr *> SourceModule::getConstantValue(GlobalDecl &decl) {
  if (!decl.value) {
    Parser parser(sourceMgr, tokens);
    auto value = parser.parseExpressionLine(decl.tokenIndex);
    if (failed(value))
      return failure();
    decl.value = std::move(*value);
  }
  return static_cast<const Expr *>(decl.value.get());
}

} // namespace flashtile::frontend
