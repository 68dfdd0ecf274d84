#include "order/predicate.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace cordon::order {

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };

struct Literal {
  Value::Kind kind = Value::Kind::kNull;
  std::string text;
  int64_t integer = 0;
  double decimal = 0;
  int32_t days = 0;
  size_t pos = 0;
};

struct Node {
  enum class Kind { kAnd, kOr, kNot, kCompare, kIn, kIsNull, kIsNotNull, kLike } kind;
  Op op = Op::kEq;
  std::string column;
  size_t column_pos = 0;
  size_t slot = 0;  // index into Predicate::values_ once bound
  std::vector<Literal> literals;
  std::unique_ptr<Node> left, right;
};

namespace {

enum class Tri { kFalse, kTrue, kUnknown };

Tri Not(Tri t) { return t == Tri::kUnknown ? t : (t == Tri::kTrue ? Tri::kFalse : Tri::kTrue); }

struct Token {
  enum class Kind { kIdent, kString, kNumber, kDate, kOp, kLParen, kRParen, kComma, kEnd } kind;
  std::string text;
  size_t pos;  // 0-based
};

Error At(size_t pos, const std::string& why, std::string hint = {}) {
  return Error(ErrorCode::kInvalidArgument, "column " + std::to_string(pos + 1) + ": " + why,
               std::move(hint));
}

Result<std::vector<Token>> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    size_t start = i;
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      out.push_back({Token::Kind::kIdent, std::string(s.substr(start, i - start)), start});
    } else if (c == '"') {  // quoted column name
      size_t close = s.find('"', i + 1);
      if (close == std::string_view::npos) return At(start, "column name quote never closed");
      if (close == i + 1) return At(start, "empty column name");
      out.push_back({Token::Kind::kIdent, std::string(s.substr(i + 1, close - i - 1)), start});
      i = close + 1;
    } else if (c == '\'') {
      std::string text;
      ++i;
      for (;;) {
        if (i >= s.size()) return At(start, "string never closed (missing ')");
        if (s[i] == '\'') {
          if (i + 1 < s.size() && s[i + 1] == '\'') {
            text.push_back('\'');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        text.push_back(s[i++]);
      }
      out.push_back({Token::Kind::kString, text, start});
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '-' && i + 1 < s.size() &&
                std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      ++i;
      while (i < s.size() &&
             (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == '-'))
        ++i;
      std::string text(s.substr(start, i - start));
      bool is_date = text.size() == 10 && text[4] == '-' && text[7] == '-' && text[0] != '-';
      out.push_back({is_date ? Token::Kind::kDate : Token::Kind::kNumber, text, start});
    } else if (c == '(' || c == ')' || c == ',') {
      out.push_back({c == '('   ? Token::Kind::kLParen
                     : c == ')' ? Token::Kind::kRParen
                                : Token::Kind::kComma,
                     std::string(1, c), start});
      ++i;
    } else if (c == '=' || c == '!' || c == '<' || c == '>') {
      std::string op(1, c);
      if (i + 1 < s.size() && (s[i + 1] == '=' || (c == '<' && s[i + 1] == '>')))
        op.push_back(s[i + 1]);
      if (op == "!") return At(start, "'!' must be followed by '='");
      out.push_back({Token::Kind::kOp, op, start});
      i += op.size();
    } else {
      return At(start, std::string("unexpected character '") + c + "'");
    }
  }
  out.push_back({Token::Kind::kEnd, "", s.size()});
  return out;
}

bool IsKeyword(const Token& t, std::string_view kw) {
  if (t.kind != Token::Kind::kIdent || t.text.size() != kw.size()) return false;
  for (size_t i = 0; i < kw.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(t.text[i])) != kw[i]) return false;
  }
  return true;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<std::unique_ptr<Node>> ParseAll() {
    CORDON_ASSIGN_OR_RETURN(auto node, ParseOr(0));
    if (Peek().kind != Token::Kind::kEnd)
      return At(Peek().pos, "unexpected \"" + Peek().text + "\"",
                "combine conditions with AND / OR");
    return node;
  }

 private:
  const Token& Peek() const { return t_[i_]; }
  const Token& Take() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }

  Result<std::unique_ptr<Node>> Binary(Node::Kind kind, std::unique_ptr<Node> l,
                                       std::unique_ptr<Node> r) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->left = std::move(l);
    n->right = std::move(r);
    return n;
  }

  Result<std::unique_ptr<Node>> ParseOr(int depth) {
    CORDON_ASSIGN_OR_RETURN(auto left, ParseAnd(depth));
    while (IsKeyword(Peek(), "OR")) {
      Take();
      CORDON_ASSIGN_OR_RETURN(auto right, ParseAnd(depth));
      CORDON_ASSIGN_OR_RETURN(left, Binary(Node::Kind::kOr, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<std::unique_ptr<Node>> ParseAnd(int depth) {
    CORDON_ASSIGN_OR_RETURN(auto left, ParseNot(depth));
    while (IsKeyword(Peek(), "AND")) {
      Take();
      CORDON_ASSIGN_OR_RETURN(auto right, ParseNot(depth));
      CORDON_ASSIGN_OR_RETURN(left, Binary(Node::Kind::kAnd, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<std::unique_ptr<Node>> ParseNot(int depth) {
    if (depth > kMaxPredicateDepth) return At(Peek().pos, "expression nested too deeply");
    if (IsKeyword(Peek(), "NOT")) {
      Take();
      CORDON_ASSIGN_OR_RETURN(auto inner, ParseNot(depth + 1));
      auto n = std::make_unique<Node>();
      n->kind = Node::Kind::kNot;
      n->left = std::move(inner);
      return n;
    }
    if (Peek().kind == Token::Kind::kLParen) {
      Take();
      CORDON_ASSIGN_OR_RETURN(auto inner, ParseOr(depth + 1));
      if (Peek().kind != Token::Kind::kRParen) return At(Peek().pos, "missing ')'");
      Take();
      return inner;
    }
    return ParseCondition();
  }

  Result<Literal> ParseLiteral() {
    const Token& t = Take();
    Literal lit;
    lit.pos = t.pos;
    switch (t.kind) {
      case Token::Kind::kString:
        lit.kind = Value::Kind::kText;
        lit.text = t.text;
        return lit;
      case Token::Kind::kDate: {
        auto days = ParseIsoDate(t.text);
        if (!days.ok()) return At(t.pos, days.error().message());
        lit.kind = Value::Kind::kDate;
        lit.days = *days;
        lit.text = t.text;
        return lit;
      }
      case Token::Kind::kNumber: {
        lit.text = t.text;
        const char* b = t.text.data();
        const char* e = b + t.text.size();
        if (t.text.find('.') == std::string::npos) {
          auto [p, ec] = std::from_chars(b, e, lit.integer);
          if (ec == std::errc() && p == e) {
            lit.kind = Value::Kind::kInt;
            lit.decimal = static_cast<double>(lit.integer);
            return lit;
          }
        } else {
          auto [p, ec] = std::from_chars(b, e, lit.decimal);
          if (ec == std::errc() && p == e) {
            lit.kind = Value::Kind::kDecimal;
            return lit;
          }
        }
        return At(t.pos, "\"" + t.text + "\" is not a number or a YYYY-MM-DD date");
      }
      default:
        return At(t.pos,
                  t.kind == Token::Kind::kEnd ? "a value is missing at the end"
                                              : "expected a value, found \"" + t.text + "\"",
                  "strings are quoted with ' ', dates are written YYYY-MM-DD");
    }
  }

  Result<std::unique_ptr<Node>> ParseCondition() {
    const Token& col = Take();
    if (col.kind != Token::Kind::kIdent || IsKeyword(col, "AND") || IsKeyword(col, "OR")) {
      return At(col.pos, col.kind == Token::Kind::kEnd
                             ? "a condition is missing at the end"
                             : "expected a column name, found \"" + col.text + "\"");
    }
    auto n = std::make_unique<Node>();
    n->column = col.text;
    n->column_pos = col.pos;
    if (IsKeyword(Peek(), "IS")) {
      Take();
      bool negated = false;
      if (IsKeyword(Peek(), "NOT")) {
        Take();
        negated = true;
      }
      if (!IsKeyword(Peek(), "NULL")) return At(Peek().pos, "expected NULL after IS");
      Take();
      n->kind = negated ? Node::Kind::kIsNotNull : Node::Kind::kIsNull;
      return n;
    }
    bool negated = false;
    if (IsKeyword(Peek(), "NOT")) {
      Take();
      negated = true;
      if (!IsKeyword(Peek(), "IN") && !IsKeyword(Peek(), "LIKE"))
        return At(Peek().pos, "expected IN or LIKE after NOT");
    }
    if (IsKeyword(Peek(), "IN")) {
      Take();
      if (Peek().kind != Token::Kind::kLParen) return At(Peek().pos, "expected '(' after IN");
      Take();
      for (;;) {
        CORDON_ASSIGN_OR_RETURN(Literal lit, ParseLiteral());
        n->literals.push_back(std::move(lit));
        if (Peek().kind == Token::Kind::kComma) {
          Take();
          continue;
        }
        if (Peek().kind != Token::Kind::kRParen)
          return At(Peek().pos, "expected ',' or ')' in the IN list");
        Take();
        break;
      }
      n->kind = Node::Kind::kIn;
    } else if (IsKeyword(Peek(), "LIKE")) {
      Take();
      CORDON_ASSIGN_OR_RETURN(Literal lit, ParseLiteral());
      if (lit.kind != Value::Kind::kText)
        return At(lit.pos, "LIKE needs a quoted pattern such as 'DU%'");
      n->literals.push_back(std::move(lit));
      n->kind = Node::Kind::kLike;
    } else {
      const Token& op = Take();
      if (op.kind != Token::Kind::kOp) {
        return At(op.pos, "expected an operator (= != < <= > >= IN LIKE IS) after " + col.text);
      }
      n->kind = Node::Kind::kCompare;
      if (op.text == "=")
        n->op = Op::kEq;
      else if (op.text == "!=" || op.text == "<>")
        n->op = Op::kNe;
      else if (op.text == "<")
        n->op = Op::kLt;
      else if (op.text == "<=")
        n->op = Op::kLe;
      else if (op.text == ">")
        n->op = Op::kGt;
      else if (op.text == ">=")
        n->op = Op::kGe;
      else
        return At(op.pos, "unknown operator " + op.text);
      CORDON_ASSIGN_OR_RETURN(Literal lit, ParseLiteral());
      n->literals.push_back(std::move(lit));
    }
    if (!negated) return n;
    auto neg = std::make_unique<Node>();
    neg->kind = Node::Kind::kNot;
    neg->left = std::move(n);
    return neg;
  }

  std::vector<Token> t_;
  size_t i_ = 0;
};

bool LiteralFits(ValueType column, const Literal& lit) {
  switch (column) {
    case ValueType::kText:
      return lit.kind == Value::Kind::kText;
    case ValueType::kInt:
    case ValueType::kDecimal:
      return lit.kind == Value::Kind::kInt || lit.kind == Value::Kind::kDecimal;
    case ValueType::kDate:
      return lit.kind == Value::Kind::kDate;
  }
  return false;
}

template <typename T>
int Compare3(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int CompareValue(const Value& v, const Literal& lit) {
  switch (v.kind) {
    case Value::Kind::kText:
      return v.text.compare(lit.text) < 0 ? -1 : (v.text == lit.text ? 0 : 1);
    case Value::Kind::kInt:
      return lit.kind == Value::Kind::kInt ? Compare3(v.integer, lit.integer)
                                           : Compare3(static_cast<double>(v.integer), lit.decimal);
    case Value::Kind::kDecimal:
      return Compare3(v.decimal, lit.decimal);
    case Value::Kind::kDate:
      return Compare3(v.days, lit.days);
    case Value::Kind::kNull:
      return 0;
  }
  return 0;
}

bool Like(std::string_view text, std::string_view pattern) {
  // Iterative wildcard match with backtracking to the last '%'. '_' matches
  // one byte (ASCII-oriented, like most legacy data).
  size_t t = 0, p = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '_' || pattern[p] == text[t])) {
      ++t, ++p;
    } else if (p < pattern.size() && pattern[p] == '%') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

Tri Eval(const Node& n, const std::vector<Value>& values) {
  switch (n.kind) {
    case Node::Kind::kAnd: {
      Tri l = Eval(*n.left, values);
      if (l == Tri::kFalse) return l;
      Tri r = Eval(*n.right, values);
      if (r == Tri::kFalse) return r;
      return l == Tri::kTrue && r == Tri::kTrue ? Tri::kTrue : Tri::kUnknown;
    }
    case Node::Kind::kOr: {
      Tri l = Eval(*n.left, values);
      if (l == Tri::kTrue) return l;
      Tri r = Eval(*n.right, values);
      if (r == Tri::kTrue) return r;
      return l == Tri::kFalse && r == Tri::kFalse ? Tri::kFalse : Tri::kUnknown;
    }
    case Node::Kind::kNot:
      return Not(Eval(*n.left, values));
    case Node::Kind::kIsNull:
      return values[n.slot].kind == Value::Kind::kNull ? Tri::kTrue : Tri::kFalse;
    case Node::Kind::kIsNotNull:
      return values[n.slot].kind != Value::Kind::kNull ? Tri::kTrue : Tri::kFalse;
    case Node::Kind::kLike: {
      const Value& v = values[n.slot];
      if (v.kind == Value::Kind::kNull) return Tri::kUnknown;
      return Like(v.text, n.literals[0].text) ? Tri::kTrue : Tri::kFalse;
    }
    case Node::Kind::kIn: {
      const Value& v = values[n.slot];
      if (v.kind == Value::Kind::kNull) return Tri::kUnknown;
      for (const Literal& lit : n.literals) {
        if (CompareValue(v, lit) == 0) return Tri::kTrue;
      }
      return Tri::kFalse;
    }
    case Node::Kind::kCompare: {
      const Value& v = values[n.slot];
      if (v.kind == Value::Kind::kNull) return Tri::kUnknown;
      int c = CompareValue(v, n.literals[0]);
      bool r = false;
      switch (n.op) {
        case Op::kEq:
          r = c == 0;
          break;
        case Op::kNe:
          r = c != 0;
          break;
        case Op::kLt:
          r = c < 0;
          break;
        case Op::kLe:
          r = c <= 0;
          break;
        case Op::kGt:
          r = c > 0;
          break;
        case Op::kGe:
          r = c >= 0;
          break;
      }
      return r ? Tri::kTrue : Tri::kFalse;
    }
  }
  return Tri::kUnknown;
}

template <typename Fn>
Status Walk(Node& n, Fn&& fn) {
  CORDON_TRY(fn(n));
  if (n.left) CORDON_TRY(Walk(*n.left, fn));
  if (n.right) CORDON_TRY(Walk(*n.right, fn));
  return Ok();
}

// The SQL of one node, or nullopt when it is not exact (see ToSql).
class SqlTranslator {
 public:
  SqlTranslator(const SqlDialect& dialect, const std::vector<size_t>& columns,
                const std::vector<ColumnType>& types)
      : d_(dialect), columns_(columns), types_(types) {}

  // The dialect's `unsure` conditions for the columns `n` reads, ORed;
  // empty when none (or no such hook).
  std::string Unsure(const Node& n) const {
    if (!d_.unsure) return {};
    std::vector<std::pair<size_t, bool>> seen;  // slot, read by LIKE
    CollectLeaves(n, seen);
    std::string out;
    for (const auto& [slot, like] : seen) {
      std::string u = d_.unsure(columns_[slot], KindOf(slot), like);
      if (!u.empty()) out += (out.empty() ? "" : " OR ") + u;
    }
    return out;
  }

  std::optional<std::string> Translate(const Node& n) const {
    switch (n.kind) {
      case Node::Kind::kAnd:
      case Node::Kind::kOr: {
        auto l = Translate(*n.left);
        auto r = l ? Translate(*n.right) : std::nullopt;
        if (!r) return std::nullopt;
        return "(" + *l + (n.kind == Node::Kind::kAnd ? " AND " : " OR ") + *r + ")";
      }
      case Node::Kind::kNot: {
        auto inner = Translate(*n.left);
        if (!inner) return std::nullopt;
        return "(NOT " + *inner + ")";
      }
      default:
        return Leaf(n);
    }
  }

 private:
  using Compares = SqlDialect::Compares;

  // How the column of `n` compares, if exactly as its cordon type does.
  Compares Kind(const Node& n) const { return KindOf(n.slot); }
  Compares KindOf(size_t slot) const {
    const ColumnType& type = types_[slot];
    Compares c = d_.compares(columns_[slot]);
    if (c == Compares::kAny) {
      c = type.type == ValueType::kText   ? Compares::kText
          : type.type == ValueType::kInt  ? Compares::kInt
          : type.type == ValueType::kDate ? Compares::kDate
                                          : Compares::kNo;
    }
    switch (type.type) {
      case ValueType::kText:
        return c == Compares::kText ? c : Compares::kNo;
      case ValueType::kInt:
        return c == Compares::kInt ? c : Compares::kNo;
      case ValueType::kDate:
        // The database renders dates ISO: only then does cordon parse them
        // as the database compares them.
        return c == Compares::kDate && type.date_format == "%Y-%m-%d" ? c : Compares::kNo;
      case ValueType::kDecimal:
        break;
    }
    return Compares::kNo;
  }

  std::optional<std::string> Literal(Compares kind, const order::Literal& lit) const {
    switch (kind) {
      case Compares::kText:
        if (lit.kind != Value::Kind::kText) return std::nullopt;
        return d_.text_literal(lit.text);
      case Compares::kInt:
        if (lit.kind != Value::Kind::kInt) return std::nullopt;
        if (d_.int_literal) return d_.int_literal(lit.integer);
        return std::to_string(lit.integer);
      case Compares::kDate: {
        if (lit.kind != Value::Kind::kDate) return std::nullopt;
        int y = 0, m = 0, dd = 0;
        CivilFromDays(lit.days, y, m, dd);
        if (y < 1 || y > 9999) return std::nullopt;
        if (d_.date_literal) return d_.date_literal(FormatIsoDate(lit.days));
        return "DATE '" + FormatIsoDate(lit.days) + "'";
      }
      case Compares::kNo:
      case Compares::kAny:
        break;
    }
    return std::nullopt;
  }

  std::optional<std::string> Leaf(const Node& n) const {
    const Compares kind = Kind(n);
    if (kind == Compares::kNo) return std::nullopt;
    const std::string col = d_.column(columns_[n.slot]);
    if (d_.value) return DialectLeaf(n, kind, d_.value(columns_[n.slot], kind));
    // cordon reads an empty text as NULL: so does the translation.
    const std::string value =
        kind == Compares::kText ? "(NULLIF(" + col + ", '') COLLATE \"C\")" : col;
    switch (n.kind) {
      case Node::Kind::kIsNull:
        return kind == Compares::kText ? "(" + col + " IS NULL OR " + col + " = '')"
                                       : "(" + col + " IS NULL)";
      case Node::Kind::kIsNotNull:
        return kind == Compares::kText ? "(" + col + " IS NOT NULL AND " + col + " <> '')"
                                       : "(" + col + " IS NOT NULL)";
      default:
        return Compare(n, kind, value);
    }
  }

  // A leaf through the dialect's `value` (NULL where cordon reads NULL).
  std::optional<std::string> DialectLeaf(const Node& n, Compares kind,
                                         const std::string& value) const {
    switch (n.kind) {
      case Node::Kind::kIsNull:
        return "(" + value + " IS NULL)";
      case Node::Kind::kIsNotNull:
        return "(" + value + " IS NOT NULL)";
      case Node::Kind::kLike:
        if (n.literals[0].text.find('_') != std::string::npos || !d_.like) return std::nullopt;
        return d_.like(value, n.literals[0].text);
      default:
        return Compare(n, kind, value);
    }
  }

  // LIKE, IN and comparisons of `value`.
  std::optional<std::string> Compare(const Node& n, Compares kind, const std::string& value) const {
    switch (n.kind) {
      case Node::Kind::kLike: {
        if (n.literals[0].text.find('_') != std::string::npos) return std::nullopt;
        auto pattern = Literal(kind, n.literals[0]);
        if (!pattern) return std::nullopt;
        return "(" + value + " LIKE " + *pattern + " ESCAPE '')";
      }
      case Node::Kind::kIn: {
        std::string list;
        for (const order::Literal& lit : n.literals) {
          auto l = Literal(kind, lit);
          if (!l) return std::nullopt;
          list += (list.empty() ? "" : ", ") + *l;
        }
        return "(" + value + " IN (" + list + "))";
      }
      case Node::Kind::kCompare: {
        auto l = Literal(kind, n.literals[0]);
        if (!l) return std::nullopt;
        static constexpr const char* kOps[] = {"=", "<>", "<", "<=", ">", ">="};
        return "(" + value + " " + kOps[static_cast<int>(n.op)] + " " + *l + ")";
      }
      default:
        return std::nullopt;
    }
  }

  static void CollectLeaves(const Node& n, std::vector<std::pair<size_t, bool>>& seen) {
    if (n.left) CollectLeaves(*n.left, seen);
    if (n.right) CollectLeaves(*n.right, seen);
    if (n.kind == Node::Kind::kAnd || n.kind == Node::Kind::kOr || n.kind == Node::Kind::kNot)
      return;
    const bool like = n.kind == Node::Kind::kLike;
    for (auto& [slot, l] : seen) {
      if (slot == n.slot) {
        l = l || like;
        return;
      }
    }
    seen.emplace_back(n.slot, like);
  }

  const SqlDialect& d_;
  const std::vector<size_t>& columns_;
  const std::vector<ColumnType>& types_;
};

}  // namespace

Predicate::Predicate() = default;
Predicate::Predicate(Predicate&&) noexcept = default;
Predicate& Predicate::operator=(Predicate&&) noexcept = default;
Predicate::~Predicate() = default;

Result<Predicate> Predicate::Parse(std::string_view text) {
  CORDON_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(text));
  if (tokens.size() == 1) return At(0, "the condition is empty");
  Parser parser(std::move(tokens));
  CORDON_ASSIGN_OR_RETURN(auto root, parser.ParseAll());
  Predicate p;
  p.root_ = std::move(root);
  return p;
}

Status Predicate::Bind(const std::vector<std::string>& header,
                       const std::map<std::string, ColumnType>& types) {
  columns_.clear();
  names_.clear();
  types_.clear();
  Status s = Walk(*root_, [&](Node& n) -> Status {
    if (n.kind == Node::Kind::kAnd || n.kind == Node::Kind::kOr || n.kind == Node::Kind::kNot)
      return Ok();
    auto it = std::find(header.begin(), header.end(), n.column);
    if (it == header.end()) {
      return At(n.column_pos, "unknown column " + n.column,
                "the source's columns are listed by `cordon order check`");
    }
    size_t index = static_cast<size_t>(it - header.begin());
    auto known = std::find(columns_.begin(), columns_.end(), index);
    n.slot = static_cast<size_t>(known - columns_.begin());
    ColumnType type;
    if (auto t = types.find(n.column); t != types.end()) type = t->second;
    if (known == columns_.end()) {
      columns_.push_back(index);
      names_.push_back(n.column);
      types_.push_back(type);
    }
    for (const Literal& lit : n.literals) {
      if (!LiteralFits(type.type, lit)) {
        std::string hint = type.type == ValueType::kText
                               ? "declare the column's type in [table.types] (e.g. " + n.column +
                                     " = \"date:%d/%m/%Y\"), or quote the value as a string"
                               : "compare a " + std::string(ValueTypeName(type.type)) +
                                     " column with a " + std::string(ValueTypeName(type.type)) +
                                     " value";
        return At(lit.pos,
                  "type mismatch: " + n.column + " is " + std::string(ValueTypeName(type.type)) +
                      " but " + lit.text + " is not",
                  hint);
      }
    }
    if (n.kind == Node::Kind::kLike && type.type != ValueType::kText) {
      return At(n.column_pos, "LIKE applies to text columns only");
    }
    return Ok();
  });
  values_.assign(columns_.size(), Value{});
  return s;
}

SqlFilter Predicate::ToSql(const SqlDialect& dialect) const {
  SqlFilter out;
  if (!root_ || !dialect.compares || !dialect.column || !dialect.text_literal) return out;
  const SqlTranslator translator(dialect, columns_, types_);
  // The top-level conjuncts, left to right.
  std::vector<const Node*> conjuncts, stack = {root_.get()};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (n->kind == Node::Kind::kAnd) {
      stack.push_back(n->right.get());
      stack.push_back(n->left.get());
    } else {
      conjuncts.push_back(n);
    }
  }
  out.whole = true;
  for (const Node* c : conjuncts) {
    if (dialect.begin_conjunct) dialect.begin_conjunct();
    auto sql = translator.Translate(*c);
    if (dialect.end_conjunct) dialect.end_conjunct(sql.has_value());
    if (!sql) {
      out.whole = false;
      continue;
    }
    // Rows where a column's SQL value may not be cordon's pass this
    // conjunct: cordon evaluates the whole `where` on them.
    std::string unsure = translator.Unsure(*c);
    if (!unsure.empty()) {
      *sql = "(" + unsure + " OR " + *sql + ")";
      out.unsure += (out.unsure.empty() ? "" : " OR ") + unsure;
    }
    out.sql += (out.sql.empty() ? "" : " AND ") + *sql;
  }
  if (out.sql.empty()) out.whole = false;
  return out;
}

bool Predicate::EvaluateBound() const { return Eval(*root_, values_) == Tri::kTrue; }

}  // namespace cordon::order
