#include "order/order.h"

// Header-only with exceptions off: parse errors come back as values.
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <set>

#include "age/keys.h"

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
  void OnlyKnownKeys(const toml::table& t, const std::set<std::string>& known, std::string_view where) {
    for (const auto& [key, node] : t) {
      if (!known.count(std::string(key.str()))) {
        Problem(PosOf(node.source()), "unknown key \"" + std::string(key.str()) + "\" in " + std::string(where),
                "the keys are listed in docs/order-format.md");
      }
    }
  }

  std::string RequiredString(const toml::table& t, std::string_view key, std::string_view where, SourcePos at) {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
      Problem(at, std::string(where) + "." + std::string(key) + " is missing");
      return {};
    }
    auto v = n->value<std::string>();
    if (!v || v->empty()) {
      Problem(PosOf(n->source()), std::string(where) + "." + std::string(key) + " must be a non-empty string");
      return {};
    }
    return *v;
  }

  void LoadOrderSection(const toml::table& root) {
    Order& o = out_.order;
    const toml::table* t = root["order"].as_table();
    if (t == nullptr) {
      Problem({1, 1}, "the [order] section is missing");
      return;
    }
    SourcePos at = PosOf(t->source());
    OnlyKnownKeys(*t, {"id", "controller", "processor", "purpose", "contract", "not_after", "retention_days",
                       "recipients", "format"},
                  "[order]");
    o.id = RequiredString(*t, "id", "order", at);
    o.controller = RequiredString(*t, "controller", "order", at);
    o.processor = RequiredString(*t, "processor", "order", at);
    o.purpose = RequiredString(*t, "purpose", "order", at);
    o.contract = RequiredString(*t, "contract", "order", at);
    if (const toml::node* f = t->get("format")) {
      if (f->value<int64_t>().value_or(0) != kOrderFormatVersion) {
        Problem(PosOf(f->source()), "order format " + std::to_string(f->value<int64_t>().value_or(0)) +
                                        " is not supported (this cordon reads format 1)");
      }
    }
    if (const toml::node* n = t->get("not_after")) {
      if (auto d = n->value<toml::date>()) {
        if (IsValidDate(d->year, d->month, d->day)) o.not_after = DaysFromCivil(d->year, d->month, d->day);
        else Problem(PosOf(n->source()), "order.not_after is not a real date");
      } else {
        Problem(PosOf(n->source()), "order.not_after must be a date (not_after = 2027-06-30, no quotes)");
      }
    } else {
      Problem(at, "order.not_after is missing", "every order ends: not_after = 2027-06-30");
    }
    if (const toml::node* n = t->get("retention_days")) {
      auto v = n->value<int64_t>();
      if (!v || *v < 1 || *v > 3650) {
        Problem(PosOf(n->source()), "order.retention_days must be a whole number of days from 1 to 3650");
      } else {
        o.retention_days = static_cast<int>(*v);
      }
    } else {
      Problem(at, "order.retention_days is missing", "say how long the package may exist: retention_days = 30");
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
    OnlyKnownKeys(t, {"name", "from", "where", "types", "columns", "follow"}, "[[table]]");
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
        Problem(table.pos, "table name \"" + table.name + "\" may use letters, digits, _ and - only",
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
        if (!parsed.ok()) Problem(WherePos(table, parsed.error()), "where: " + StripColumn(parsed.error().message()),
                                  parsed.error().hint());
      }
    }
    if (const toml::node* n = t.get("types")) {
      if (const toml::table* types = n->as_table()) {
        for (const auto& [key, node] : *types) {
          auto spec = node.value<std::string>();
          auto type = spec ? ParseColumnType(*spec) : Result<ColumnType>(Error(ErrorCode::kInvalidArgument, "a type must be a string"));
          if (!type.ok()) {
            Problem(PosOf(node.source()), "type of " + std::string(key.str()) + ": " + type.error().message(),
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
        auto fate = node.value<std::string>();
        ColumnRule rule{std::string(key.str()), Fate::kKeep, PosOf(node.source())};
        if (fate && *fate == "keep") {
          rule.fate = Fate::kKeep;
        } else if (fate && *fate == "keep:free-text") {
          rule.fate = Fate::kKeepFreeText;
        } else {
          Problem(rule.pos, "column " + rule.column + ": unknown fate \"" + fate.value_or("?") + "\"",
                  "write \"keep\", or \"keep:free-text\" for a free-text column kept on purpose; a column "
                  "that must not leave is simply not listed");
          continue;
        }
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
    if (left.empty() || dot == std::string_view::npos || dot == 0 || dot + 1 == right.size()) return std::nullopt;
    return Follow{std::string(left), std::string(right.substr(0, dot)), std::string(right.substr(dot + 1)), {}};
  }

  // "column N: …" from the predicate → the file position of that character.
  static SourcePos WherePos(const TableOrder& t, const Error& e) {
    SourcePos p = t.where_pos;
    const std::string& m = e.message();
    if (m.rfind("column ", 0) == 0) p.column += 1 + std::atoi(m.c_str() + 7) - 1;  // +1 for the opening quote
    return p;
  }
  static std::string StripColumn(const std::string& m) {
    size_t colon = m.find(": ");
    return m.rfind("column ", 0) == 0 && colon != std::string::npos ? m.substr(colon + 2) : m;
  }

  void Run(std::string_view text) {
    toml::parse_result parsed = toml::parse(text, out_.order.file_name);
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
      Problem({1, 1}, "the order names no table", "add a [[table]] section per table that may leave");
      return;
    }
    std::set<std::string> names;
    for (const toml::node& n : *tables) {
      if (const toml::table* t = n.as_table()) {
        LoadTable(*t);
        const TableOrder& added = out_.order.tables.back();
        if (!names.insert(added.name).second) Problem(added.pos, "table " + added.name + " appears twice");
        if (added.follow && !names.count(added.follow->parent_table)) {
          Problem(added.follow->pos, "follow: table " + added.follow->parent_table +
                                         " must be an earlier [[table]] of this order");
        }
      }
    }
  }

 private:
  LoadedOrder& out_;
};

}  // namespace

std::string_view FateName(Fate f) { return f == Fate::kKeep ? "keep" : "keep:free-text"; }

LoadedOrder ParseOrder(std::string_view text, std::string file_name) {
  LoadedOrder out;
  out.order.file_name = std::move(file_name);
  Loader(out).Run(text);
  return out;
}

std::string FormatDiagnostic(const std::string& file_name, const Diagnostic& d) {
  return file_name + ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " + d.message;
}

Error ProblemsError(const std::string& file_name, const std::vector<Diagnostic>& problems) {
  std::string message = FormatDiagnostic(file_name, problems.front());
  for (size_t i = 1; i < problems.size(); ++i) message += "\ncordon: error: " + FormatDiagnostic(file_name, problems[i]);
  return Error(ErrorCode::kInvalidArgument, message, problems.front().hint);
}

}  // namespace cordon::order
