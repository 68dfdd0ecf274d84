#include "order/order.h"

#include <algorithm>
#include <set>

#include "age/keys.h"
#include "core/strings.h"
#include "core/toml.h"  // orders reach it as ASCII only (AsciiForParser below)
#include "detect/personal_data.h"
#include "source/text_encoding.h"

namespace cordon::order {
namespace {

SourcePos PosOf(const toml::source_region& r) {
  return {static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

class Loader {
 public:
  explicit Loader(LoadedOrder& out) : out_(out) {}

  void Problem(SourcePos pos, std::string message, std::string hint = {}) {
    out_.problems.push_back({pos, std::move(message), std::move(hint)});
  }

  // Flags keys that the format does not know: a typo ("colums") must never
  // silently drop a rule.
  void OnlyKnownKeys(const toml::table& t, const std::set<std::string>& known,
                     std::string_view where) {
    for (const auto& [key, node] : t) {
      if (!known.count(std::string(key.str()))) {
        Problem(PosOf(node.source()),
                "unknown key \"" + std::string(key.str()) + "\" in " + std::string(where),
                "the keys are listed in docs/order-format.md");
      }
    }
  }

  std::string RequiredString(const toml::table& t, std::string_view key, std::string_view where,
                             SourcePos at) {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
      Problem(at, std::string(where) + "." + std::string(key) + " is missing");
      return {};
    }
    auto v = n->value<std::string>();
    if (!v || v->empty()) {
      Problem(PosOf(n->source()),
              std::string(where) + "." + std::string(key) + " must be a non-empty string");
      return {};
    }
    // These texts reach manifests, reports, terminals and key derivations
    // (pseudonym_domain: HKDF info = domain ‖ 0x00 ‖ transform, where a NUL
    // would let two pairs share a key): no control characters (NUL, ESC,
    // newline...), which TOML escapes such as \u001b could otherwise carry.
    if (std::any_of(v->begin(), v->end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
      Problem(PosOf(n->source()),
              std::string(where) + "." + std::string(key) + " holds a control character",
              "write it in printable characters");
      return {};
    }
    return *v;
  }

  // plan_sha256 and plan_tolerance: the approved plan and how far a live
  // source may move from it. A tolerance without a plan would promise a
  // check that never runs.
  void LoadPlanFields(const toml::table& t) {
    Order& o = out_.order;
    o.plan_pos = PosOf(t.source());
    if (const toml::node* n = t.get("plan_sha256")) {
      o.plan_pos = PosOf(n->source());
      auto v = n->value<std::string>();
      if (!v || !IsHex64(*v)) {
        Problem(o.plan_pos, "order.plan_sha256 must be 64 lowercase hex digits",
                "the SHA-256 of the plan file as `cordon plan --json` wrote it (sha256sum)");
      } else {
        o.plan_sha256 = *v;
      }
    }
    if (const toml::node* n = t.get("plan_tolerance")) {
      auto v = n->value<std::string>();
      auto tolerance = v ? ParsePlanTolerance(*v)
                         : Result<PlanTolerance>(Error(ErrorCode::kInvalidArgument,
                                                       "order.plan_tolerance must be a string"));
      if (!tolerance.ok()) {
        Problem(PosOf(n->source()), tolerance.error().message(), tolerance.error().hint());
      } else {
        o.plan_tolerance = *tolerance;
        o.has_plan_tolerance = true;
      }
      if (!t.get("plan_sha256")) {
        Problem(PosOf(n->source()), "order.plan_tolerance without plan_sha256",
                "a tolerance applies to a signed plan: add plan_sha256, or remove the tolerance");
      }
    }
  }

  void LoadOrderSection(const toml::table& root) {
    Order& o = out_.order;
    const toml::table* t = root["order"].as_table();
    if (t == nullptr) {
      Problem({1, 1}, "the [order] section is missing");
      return;
    }
    SourcePos at = PosOf(t->source());
    OnlyKnownKeys(*t,
                  {"id", "controller", "processor", "purpose", "contract", "not_after",
                   "retention_days", "recipients", "format", "pseudonym_key_id", "pseudonym_domain",
                   "pseudonym_scope", "provenance_retention_days", "plan_sha256", "plan_tolerance"},
                  "[order]");
    o.id = RequiredString(*t, "id", "order", at);
    // The id names the order in every ledger entry, report and package
    // listing: it must never be a person's identifier (review F13).
    if (detect::LooksLikePersonalData(o.id)) {
      Problem(PosOf(t->get("id")->source()),
              "order.id holds what looks like personal data (an e-mail, a phone number...)",
              "name the order by its purpose and date, e.g. LAB42-MIGRATION-2021-03");
    }
    o.controller = RequiredString(*t, "controller", "order", at);
    o.processor = RequiredString(*t, "processor", "order", at);
    o.purpose = RequiredString(*t, "purpose", "order", at);
    o.contract = RequiredString(*t, "contract", "order", at);
    o.pseudonym_pos = at;
    if (const toml::node* n = t->get("pseudonym_key_id")) {
      o.pseudonym_pos = PosOf(n->source());
      auto v = n->value<std::string>();
      bool hex =
          v && v->size() == 16 && v->find_first_not_of("0123456789abcdef") == std::string::npos;
      if (!hex) {
        Problem(o.pseudonym_pos, "order.pseudonym_key_id must be 16 lowercase hex digits",
                "`cordon pseudokey new -o FILE` prints the id of the key it makes");
      } else {
        o.pseudonym_key_id = *v;
      }
    }
    if (t->get("pseudonym_domain")) {
      o.pseudonym_domain = RequiredString(*t, "pseudonym_domain", "order", at);
    }
    if (const toml::node* n = t->get("pseudonym_scope")) {
      auto v = n->value<std::string>();
      if (v && *v == "domain") {
        o.pseudonym_scope = PseudonymScope::kDomain;
      } else if (v && *v == "recipients") {
        o.pseudonym_scope = PseudonymScope::kRecipients;
      } else {
        Problem(PosOf(n->source()), "order.pseudonym_scope must be \"domain\" or \"recipients\"",
                "\"domain\" (the default) shares pseudonyms across the domain's orders; "
                "\"recipients\" gives each set of recipients its own (docs/trace.md)");
      }
    }
    if (const toml::node* n = t->get("provenance_retention_days")) {
      auto v = n->value<int64_t>();
      if (!v || *v < 1 || *v > 3650) {
        Problem(PosOf(n->source()),
                "order.provenance_retention_days must be a whole number of days from 1 to 3650",
                "leaks surface late: the default is 730 (two years)");
      } else {
        o.provenance_retention_days = static_cast<int>(*v);
      }
    }
    LoadPlanFields(*t);
    if (const toml::node* f = t->get("format")) {
      if (f->value<int64_t>().value_or(0) != kOrderFormatVersion) {
        Problem(PosOf(f->source()), "order format " +
                                        std::to_string(f->value<int64_t>().value_or(0)) +
                                        " is not supported (this cordon reads format 1)");
      }
    }
    if (const toml::node* n = t->get("not_after")) {
      if (auto d = n->value<toml::date>()) {
        if (IsValidDate(d->year, d->month, d->day))
          o.not_after = DaysFromCivil(d->year, d->month, d->day);
        else
          Problem(PosOf(n->source()), "order.not_after is not a real date");
      } else {
        Problem(PosOf(n->source()),
                "order.not_after must be a date (not_after = 2027-06-30, no quotes)");
      }
    } else {
      Problem(at, "order.not_after is missing", "every order ends: not_after = 2027-06-30");
    }
    if (const toml::node* n = t->get("retention_days")) {
      auto v = n->value<int64_t>();
      if (!v || *v < 1 || *v > 3650) {
        Problem(PosOf(n->source()),
                "order.retention_days must be a whole number of days from 1 to 3650");
      } else {
        o.retention_days = static_cast<int>(*v);
      }
    } else {
      Problem(at, "order.retention_days is missing",
              "say how long the package may exist: retention_days = 30");
    }
    if (const toml::node* n = t->get("recipients")) {
      o.recipients_pos = PosOf(n->source());
      const toml::array* a = n->as_array();
      if (a == nullptr) {
        Problem(o.recipients_pos, "order.recipients must be a list of age1… keys");
      } else {
        for (const toml::node& r : *a) {
          auto s = r.value<std::string>();
          if (!s || !age::X25519Recipient::Parse(*s).ok()) {
            Problem(PosOf(r.source()), "order.recipients: not an age recipient (age1…)",
                    "each recipient prints with `cordon keygen -y KEYFILE`");
          } else {
            o.recipients.push_back(*s);
          }
        }
      }
    }
    if (o.recipients.empty()) {
      Problem(o.recipients_pos.line ? o.recipients_pos : at, "the order names no recipient",
              "list who may open the package: recipients = [\"age1…\"]");
    }
  }

  void LoadTable(const toml::table& t) {
    TableOrder table;
    table.pos = PosOf(t.source());
    OnlyKnownKeys(t,
                  {"name", "from", "where", "types", "columns", "follow", "subject",
                   "quasi_identifiers", "min_k", "on_k_violation"},
                  "[[table]]");
    if (const toml::node* n = t.get("quasi_identifiers")) {
      table.quasi_identifiers_pos = PosOf(n->source());
      const toml::array* a = n->as_array();
      bool ok = a != nullptr && !a->empty();
      if (ok) {
        for (const toml::node& q : *a) {
          auto v = q.value<std::string>();
          if (!v)
            ok = false;
          else
            table.quasi_identifiers.push_back(*v);
        }
      }
      if (!ok) {
        Problem(table.quasi_identifiers_pos, "quasi_identifiers must be a list of column names",
                "quasi_identifiers = [\"DATE_NAISSANCE\", \"CP\", \"SEXE\"]");
      }
    }
    if (const toml::node* n = t.get("min_k")) {
      auto v = n->value<int64_t>();
      if (!v || *v < 2 || *v > 1000000) {
        Problem(PosOf(n->source()), "min_k must be a whole number from 2 to 1,000,000");
      } else {
        table.min_k = static_cast<int>(*v);
      }
      if (table.quasi_identifiers.empty()) {
        Problem(PosOf(n->source()), "min_k needs quasi_identifiers in the same [[table]]");
      }
    }
    if (const toml::node* n = t.get("on_k_violation")) {
      auto v = n->value<std::string>();
      if (!v || (*v != "refuse" && *v != "suppress")) {
        Problem(PosOf(n->source()), "on_k_violation must be \"refuse\" or \"suppress\"");
      } else {
        table.suppress_below_k = *v == "suppress";
      }
    }
    if (const toml::node* n = t.get("subject")) {
      table.subject_pos = PosOf(n->source());
      table.subject = RequiredString(t, "subject", "table", table.pos);
    }
    table.name = RequiredString(t, "name", "table", table.pos);
    table.from = table.name;
    if (const toml::node* n = t.get("from")) {
      table.from = RequiredString(t, "from", "table", table.pos);
      table.from_pos = PosOf(n->source());
    } else {
      table.from_pos = table.pos;
    }
    for (char c : table.name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
        Problem(table.pos,
                "table name \"" + table.name + "\" may use letters, digits, _ and - only",
                "it becomes a file name in the package");
        break;
      }
    }
    if (const toml::node* n = t.get("where")) {
      table.where_pos = PosOf(n->source());
      auto w = n->value<std::string>();
      if (!w) {
        Problem(table.where_pos, "where must be a string");
      } else {
        table.where = *w;
        auto parsed = Predicate::Parse(*w);
        if (!parsed.ok())
          Problem(WherePos(table, parsed.error()),
                  "where: " + StripColumn(parsed.error().message()), parsed.error().hint());
      }
    }
    if (const toml::node* n = t.get("types")) {
      if (const toml::table* types = n->as_table()) {
        for (const auto& [key, node] : *types) {
          auto spec = node.value<std::string>();
          auto type = spec ? ParseColumnType(*spec)
                           : Result<ColumnType>(
                                 Error(ErrorCode::kInvalidArgument, "a type must be a string"));
          if (!type.ok()) {
            Problem(PosOf(node.source()),
                    "type of " + std::string(key.str()) + ": " + type.error().message(),
                    type.error().hint());
          } else {
            table.types[std::string(key.str())] = *type;
            table.type_pos[std::string(key.str())] = PosOf(node.source());
          }
        }
      } else {
        Problem(PosOf(n->source()), "[table.types] must be a table");
      }
    }
    const toml::node* cols = t.get("columns");
    if (cols == nullptr || cols->as_table() == nullptr || cols->as_table()->empty()) {
      Problem(table.pos, "table " + table.name + " lists no column",
              "name each column that may leave under [table.columns], e.g. NUM_DOSSIER = \"keep\"");
    } else {
      for (const auto& [key, node] : *cols->as_table()) {
        auto text = node.value<std::string>();
        ColumnRule rule{std::string(key.str()), {}, PosOf(node.source())};
        auto fate = text ? ParseFate(*text)
                         : Result<Fate>(Error(ErrorCode::kInvalidArgument, "not a string",
                                              "write \"keep\", \"pseudonym\", \"redact\"…"));
        if (!fate.ok()) {
          Problem(rule.pos, "column " + rule.column + ": " + fate.error().message(),
                  fate.error().hint());
          continue;
        }
        rule.fate = std::move(*fate);
        table.columns.push_back(std::move(rule));
      }
    }
    if (const toml::node* n = t.get("follow")) {
      auto text = n->value<std::string>();
      std::optional<Follow> f;
      if (text) f = ParseFollow(*text);
      if (!f) {
        Problem(PosOf(n->source()), "follow must read \"COLUMN -> parent_table.COLUMN\"");
      } else {
        f->pos = PosOf(n->source());
        table.follow = f;
      }
    }
    out_.order.tables.push_back(std::move(table));
  }

  static std::optional<Follow> ParseFollow(std::string_view s) {
    auto trim = [](std::string_view v) {
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      return v;
    };
    size_t arrow = s.find("->");
    if (arrow == std::string_view::npos) return std::nullopt;
    std::string_view left = trim(s.substr(0, arrow)), right = trim(s.substr(arrow + 2));
    size_t dot = right.find('.');
    if (left.empty() || dot == std::string_view::npos || dot == 0 || dot + 1 == right.size())
      return std::nullopt;
    return Follow{std::string(left),
                  std::string(right.substr(0, dot)),
                  std::string(right.substr(dot + 1)),
                  {}};
  }

  // "column N: …" from the predicate → the file position of that character.
  static SourcePos WherePos(const TableOrder& t, const Error& e) {
    SourcePos p = t.where_pos;
    const std::string& m = e.message();
    if (m.rfind("column ", 0) == 0)
      p.column += 1 + std::atoi(m.c_str() + 7) - 1;  // +1 for the opening quote
    return p;
  }
  static std::string StripColumn(const std::string& m) {
    size_t colon = m.find(": ");
    return m.rfind("column ", 0) == 0 && colon != std::string::npos ? m.substr(colon + 2) : m;
  }

  static bool LineBlankBefore(std::string_view text, size_t i) {
    while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) --i;
    return i == 0 || text[i - 1] == '\n';
  }

  // A quote opens a string only where TOML allows one: at a key's start or
  // where a value starts (after = [ , { or a dotted key's '.').
  static bool OpensString(std::string_view text, size_t i) {
    while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) --i;
    if (i == 0) return true;
    char p = text[i - 1];
    return p == '\n' || p == '=' || p == '[' || p == ',' || p == '{' || p == '.';
  }

  // Decodes one UTF-8 code point at text[i]; 0 on invalid UTF-8.
  static uint32_t DecodeUtf8(std::string_view text, size_t& i) {
    auto b = static_cast<unsigned char>(text[i]);
    int len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
    if (len == 0 || i + static_cast<size_t>(len) > text.size() ||
        !source::IsValidUtf8(text.substr(i, static_cast<size_t>(len)))) {
      return 0;
    }
    uint32_t cp = b & (0xFF >> (len + 1));
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    i += static_cast<size_t>(len) - 1;
    return cp;
  }

  // toml++ 3.3 has undefined behaviour on some non-ASCII input and on table
  // headers without a key (found by fuzz/order_fuzz.cc). So the parser only
  // ever sees ASCII: accented text inside "…" strings becomes \uXXXX escapes
  // (the same TOML value), non-ASCII in comments becomes '?', and anything
  // else non-ASCII, any control character, or an empty table header is
  // refused here with a position. The signed bytes are not changed; only the
  // parser's copy is.
  std::optional<std::string> AsciiForParser(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 64);
    int line = 1, column = 0;
    enum class In { kCode, kComment, kBasic, kMultiBasic, kLiteral, kMultiLiteral } in = In::kCode;
    auto fail = [&](std::string message, std::string hint = {}) {
      Problem({line, column}, std::move(message), std::move(hint));
      return std::nullopt;
    };
    for (size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      auto b = static_cast<unsigned char>(c);
      ++column;
      if ((b < 0x20 && c != '\t' && c != '\n' && c != '\r') || b == 0x7F) {
        return fail("control character (byte " + std::to_string(b) + ") in the order",
                    "an order is plain text; was a binary file given?");
      }
      if (c == '\n') {
        ++line, column = 0;
        if (in == In::kComment || in == In::kBasic || in == In::kLiteral) in = In::kCode;
        out.push_back(c);
        continue;
      }
      if (b >= 0x80) {
        if (in == In::kComment) {
          out.push_back('?');
          continue;
        }
        if (in != In::kBasic && in != In::kMultiBasic) {
          return fail(in == In::kCode ? "non-ASCII character outside a string"
                                      : "accented text in a '…' string",
                      "write accented text in a \"…\" string (keys too: \"NOM_É\" = \"keep\")");
        }
        uint32_t cp = DecodeUtf8(text, i);
        if (cp == 0) return fail("invalid UTF-8 in a string", "save the order as UTF-8");
        char esc[16];
        (void)std::snprintf(esc, sizeof esc, cp > 0xFFFF ? "\\U%08X" : "\\u%04X", cp);
        out += esc;
        continue;
      }
      switch (in) {
        case In::kComment:
          break;
        case In::kCode:
          if (c == '#') {
            in = In::kComment;
          } else if ((c == '"' || c == '\'') && OpensString(text, i)) {
            bool multi = text.substr(i, 3) == std::string(3, c);
            in = c == '"' ? (multi ? In::kMultiBasic : In::kBasic)
                          : (multi ? In::kMultiLiteral : In::kLiteral);
            if (multi) {
              out.append(2, c);
              i += 2, column += 2;
            }
          } else if (c == '[' && (LineBlankBefore(text, i) || (i > 0 && text[i - 1] == '['))) {
            size_t j = i + 1;
            if (j < text.size() && text[j] == '[') ++j;
            while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
            if (j >= text.size() ||
                !(std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_' ||
                  text[j] == '-' || text[j] == '"' || text[j] == '\'')) {
              return fail("a table header must name a table, like [order] or [[table]]");
            }
          }
          break;
        case In::kBasic:
        case In::kMultiBasic:
          if (c == '\\') {
            out.push_back(c);
            if (i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80) {
              return fail("invalid escape sequence in a string",
                          "write accents as they are, or as \\u00E9");
            }
            if (i + 1 < text.size() && text[i + 1] != '\n') {
              out.push_back(text[++i]);
              ++column;
            }
            continue;
          }
          if (c == '"' && (in == In::kBasic || text.substr(i, 3) == "\"\"\"")) {
            if (in == In::kMultiBasic) {
              out.append(2, c);
              i += 2, column += 2;
            }
            in = In::kCode;
          }
          break;
        case In::kLiteral:
        case In::kMultiLiteral:
          if (c == '\'' && (in == In::kLiteral || text.substr(i, 3) == "\'\'\'")) {
            if (in == In::kMultiLiteral) {
              out.append(2, c);
              i += 2, column += 2;
            }
            in = In::kCode;
          }
          break;
      }
      out.push_back(c);
    }
    return out;
  }

  void Run(std::string_view text) {
    std::optional<std::string> ascii = AsciiForParser(text);
    if (!ascii) return;
    toml::parse_result parsed = toml::parse(*ascii, out_.order.file_name);
    if (!parsed) {
      const toml::parse_error& err = parsed.error();
      Problem(PosOf(err.source()), "not valid TOML: " + std::string(err.description()));
      return;
    }
    const toml::table& root = parsed.table();
    OnlyKnownKeys(root, {"order", "table"}, "the order");
    LoadOrderSection(root);
    const toml::array* tables = root["table"].as_array();
    if (tables == nullptr || tables->empty()) {
      Problem({1, 1}, "the order names no table",
              "add a [[table]] section per table that may leave");
      return;
    }
    std::set<std::string> names;
    for (const toml::node& n : *tables) {
      if (const toml::table* t = n.as_table()) {
        LoadTable(*t);
        const TableOrder& added = out_.order.tables.back();
        if (!names.insert(added.name).second)
          Problem(added.pos, "table " + added.name + " appears twice");
        if (added.follow && !names.count(added.follow->parent_table)) {
          Problem(added.follow->pos, "follow: table " + added.follow->parent_table +
                                         " must be an earlier [[table]] of this order");
        }
      }
    }
    CheckKeyedTransforms();
  }

  // Keyed transforms need the key and the domain; date shifts need a subject.
  void CheckKeyedTransforms() {
    const Order& o = out_.order;
    for (const TableOrder& t : o.tables) {
      for (const ColumnRule& c : t.columns) {
        if (c.fate.keyed() && (o.pseudonym_key_id.empty() || o.pseudonym_domain.empty())) {
          Problem(c.pos,
                  "column " + c.column + ": \"" + c.fate.text +
                      "\" needs a pseudonym key and domain in [order]",
                  "add pseudonym_key_id = \"…\" (printed by `cordon pseudokey new`) and "
                  "pseudonym_domain = \"…\" (e.g. \"lab42-test\") to [order]");
          return;  // once is enough
        }
        if (c.fate.kind == FateKind::kShiftDate && !t.subject) {
          Problem(c.pos, "column " + c.column + ": shift-date needs the table's subject",
                  "name the column that identifies the person in the [[table]], e.g. subject = "
                  "\"NUM_DOSSIER\", so that one person's dates all move together");
        }
      }
    }
  }

 private:
  LoadedOrder& out_;
};

}  // namespace

bool PlanTolerance::Allows(uint64_t planned, uint64_t actual) const {
  const uint64_t diff = planned > actual ? planned - actual : actual - planned;
  switch (kind) {
    case Kind::kExact:
      return diff == 0;
    case Kind::kRows:
      return diff <= rows;
    case Kind::kPercent:
      // diff / planned <= bp / 10000, in integers (no rounding, no overflow).
      return static_cast<unsigned __int128>(diff) * 10000 <=
             static_cast<unsigned __int128>(planned) * basis_points;
  }
  return false;
}

std::string PlanTolerance::Text() const {
  switch (kind) {
    case Kind::kExact:
      return "0";
    case Kind::kRows:
      return std::to_string(rows);
    case Kind::kPercent: {
      std::string text = std::to_string(basis_points / 100);
      if (const uint32_t frac = basis_points % 100; frac != 0)
        text += frac % 10 == 0 ? "." + std::to_string(frac / 10)
                               : (frac < 10 ? ".0" : ".") + std::to_string(frac);
      return text + "%";
    }
  }
  return "0";
}

Result<PlanTolerance> ParsePlanTolerance(std::string_view text) {
  const Error bad(ErrorCode::kInvalidArgument,
                  "order.plan_tolerance must be \"0\", a number of rows (\"150\") or a "
                  "percentage of each planned count from 0 to 100 with at most two decimals "
                  "(\"2%\", \"0.5%\")",
                  "\"0\" (or no plan_tolerance) when the source must give exactly the plan's "
                  "counts, as in a migration with a cut-off");
  auto digits = [](std::string_view s) {
    return !s.empty() && s.size() <= 15 && s.find_first_not_of("0123456789") == s.npos &&
           (s.size() == 1 || s[0] != '0');
  };
  PlanTolerance t;
  if (!text.empty() && text.back() == '%') {
    std::string_view number = text.substr(0, text.size() - 1);
    std::string_view whole = number.substr(0, number.find('.'));
    std::string_view frac =
        number.find('.') == number.npos ? std::string_view() : number.substr(whole.size() + 1);
    if (!digits(whole) || whole.size() > 3 || frac.size() > 2 ||
        (number.find('.') != number.npos && frac.empty()) ||
        frac.find_first_not_of("0123456789") != frac.npos) {
      return bad;
    }
    uint64_t bp = std::stoull(std::string(whole)) * 100;
    if (!frac.empty()) bp += std::stoull(std::string(frac)) * (frac.size() == 1 ? 10 : 1);
    if (bp > 10000) return bad;
    if (bp > 0) {
      t.kind = PlanTolerance::Kind::kPercent;
      t.basis_points = static_cast<uint32_t>(bp);
    }
    return t;
  }
  if (!digits(text)) return bad;
  t.rows = std::stoull(std::string(text));
  if (t.rows > 0) t.kind = PlanTolerance::Kind::kRows;
  return t;
}

std::string_view PseudonymScopeName(PseudonymScope scope) {
  return scope == PseudonymScope::kRecipients ? "recipients" : "domain";
}

LoadedOrder ParseOrder(std::string_view text, std::string file_name) {
  LoadedOrder out;
  out.order.file_name = std::move(file_name);
  Loader(out).Run(text);
  return out;
}

std::string FormatDiagnostic(const std::string& file_name, const Diagnostic& d) {
  return file_name + ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " +
         d.message;
}

Error ProblemsError(const std::string& file_name, const std::vector<Diagnostic>& problems) {
  std::string message = FormatDiagnostic(file_name, problems.front());
  for (size_t i = 1; i < problems.size(); ++i)
    message += "\ncordon: error: " + FormatDiagnostic(file_name, problems[i]);
  return Error(ErrorCode::kInvalidArgument, message, problems.front().hint);
}

}  // namespace cordon::order
