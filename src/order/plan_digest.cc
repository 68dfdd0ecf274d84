#include "order/plan_digest.h"

#include <vector>

#include "core/bytes.h"
#include "core/encoding.h"
#include "crypto/hash.h"

namespace cordon::order {
namespace {

constexpr std::string_view kKey = "plan_sha256";

bool IsLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool Blank(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && Blank(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view Trim(std::string_view s) {
  s = TrimLeft(s);
  while (!s.empty() && (Blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// One physical line of the order, and what the TOML around it is: a line
// that starts inside a multi-line string is part of a value, never a key or
// a table header.
struct Line {
  size_t begin = 0, end = 0;  // the text, without its terminator
  std::string_view terminator;
  bool starts_in_code = true;
  bool ends_in_code = true;
};

// Splits the order into lines, following TOML's strings and comments far
// enough to know which lines start outside a value.
std::vector<Line> Lines(std::string_view text) {
  enum class In { kCode, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral };
  In in = In::kCode;
  std::vector<Line> out;
  Line line;
  auto starts = [&](size_t i, std::string_view s) { return text.substr(i, s.size()) == s; };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      line.end = (i > line.begin && text[i - 1] == '\r') ? i - 1 : i;
      line.terminator = text.substr(line.end, i + 1 - line.end);
      if (in == In::kComment || in == In::kBasic || in == In::kLiteral) in = In::kCode;
      line.ends_in_code = in == In::kCode;
      out.push_back(line);
      line = Line{};
      line.begin = i + 1;
      line.starts_in_code = in == In::kCode;
      continue;
    }
    switch (in) {
      case In::kCode:
        if (c == '#') {
          in = In::kComment;
        } else if (starts(i, "\"\"\"")) {
          in = In::kMultiBasic, i += 2;
        } else if (starts(i, "'''")) {
          in = In::kMultiLiteral, i += 2;
        } else if (c == '"') {
          in = In::kBasic;
        } else if (c == '\'') {
          in = In::kLiteral;
        }
        break;
      case In::kComment:
        break;
      case In::kBasic:
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in = In::kCode;
        }
        break;
      case In::kLiteral:
        if (c == '\'') in = In::kCode;
        break;
      case In::kMultiBasic:
        if (c == '\\') {
          ++i;
        } else if (starts(i, "\"\"\"")) {
          // Up to two more quotes belong to the string ("""a"""").
          i += 2;
          while (i + 1 < text.size() && text[i + 1] == '"') ++i;
          in = In::kCode;
        }
        break;
      case In::kMultiLiteral:
        if (starts(i, "'''")) {
          i += 2;
          while (i + 1 < text.size() && text[i + 1] == '\'') ++i;
          in = In::kCode;
        }
        break;
    }
  }
  if (line.begin < text.size()) {
    line.end = text.size();
    if (in == In::kComment || in == In::kBasic || in == In::kLiteral) in = In::kCode;
    line.ends_in_code = in == In::kCode;
    out.push_back(line);
  }
  return out;
}

// A table header's name ("[ order ]" -> "order", "[[table]]" -> "[table]"),
// none for a line that is not a header.
std::optional<std::string> HeaderName(std::string_view content) {
  std::string_view s = TrimLeft(content);
  if (s.empty() || s.front() != '[') return std::nullopt;
  if (const size_t hash = s.find('#'); hash != std::string_view::npos) s = s.substr(0, hash);
  s = Trim(s);
  if (s.size() < 2 || s.back() != ']') return std::string("?");
  const bool array = s.size() >= 4 && s.substr(0, 2) == "[[" && s.substr(s.size() - 2) == "]]";
  s = array ? s.substr(2, s.size() - 4) : s.substr(1, s.size() - 2);
  std::string name(Trim(s));
  return array ? "[" + name + "]" : name;
}

// Whether the line is `plan_sha256 = ...` (a bare key).
bool IsDigestLine(std::string_view content) {
  std::string_view s = TrimLeft(content);
  if (s.substr(0, kKey.size()) != kKey) return false;
  s = TrimLeft(s.substr(kKey.size()));
  return !s.empty() && s.front() == '=';
}

// The value of a `plan_sha256 = "…"` line: a one-line string of 64
// lowercase hex digits, then nothing but a comment.
Result<std::string> DigestValue(std::string_view content) {
  std::string_view s = TrimLeft(content);
  s = TrimLeft(s.substr(s.find('=') + 1));
  auto bad = [] {
    return Error(ErrorCode::kInvalidArgument,
                 "order.plan_sha256 must be a one-line string of 64 lowercase hex digits",
                 "`cordon remote order submit` writes it; remove the line to have it written "
                 "again");
  };
  if (s.size() < 66 || (s.front() != '"' && s.front() != '\'') || s[65] != s.front()) return bad();
  std::string value(s.substr(1, 64));
  std::string_view rest = Trim(s.substr(66));
  if (!IsLowerHex64(value) || (!rest.empty() && rest.front() != '#')) return bad();
  return value;
}

// Where the [order] table is, in lines.
struct OrderTable {
  size_t header = 0;            // the [order] line
  size_t last_value = 0;        // the last line of its last key (the header when none)
  std::vector<size_t> digests;  // plan_sha256 lines
};

Result<OrderTable> FindOrderTable(std::string_view text, const std::vector<Line>& lines) {
  std::optional<OrderTable> found;
  bool inside = false;
  for (size_t n = 0; n < lines.size(); ++n) {
    const Line& l = lines[n];
    const std::string_view content = text.substr(l.begin, l.end - l.begin);
    if (l.starts_in_code) {
      if (auto name = HeaderName(content)) {
        inside = *name == "order";
        if (inside) {
          if (found) {
            return Error(ErrorCode::kInvalidArgument, "the order has two [order] tables");
          }
          found = OrderTable{n, n, {}};
        }
        continue;
      }
    }
    if (!inside) continue;
    const std::string_view code = Trim(content);
    const bool part_of_value = !l.starts_in_code || (!code.empty() && code.front() != '#');
    if (part_of_value && l.ends_in_code) found->last_value = n;
    if (l.starts_in_code && IsDigestLine(content)) found->digests.push_back(n);
  }
  if (!found) {
    return Error(ErrorCode::kInvalidArgument, "the order has no [order] table header",
                 "write the order's fields under a line `[order]` (docs/order-format.md)");
  }
  if (found->digests.size() > 1) {
    return Error(ErrorCode::kInvalidArgument, "order.plan_sha256 is written twice",
                 "keep one line (or none: `cordon remote order submit` writes it)");
  }
  return *found;
}

}  // namespace

std::string PlanSha256Hex(std::string_view plan_json) {
  return HexEncode(crypto::Sha256::Hash(AsBytes(plan_json)));
}

Result<std::string> WithPlanDigest(std::string_view order_toml, std::string_view hex) {
  if (!IsLowerHex64(hex)) {
    return Error(ErrorCode::kInvalidArgument, "a plan digest is 64 lowercase hex digits");
  }
  const std::vector<Line> lines = Lines(order_toml);
  CORDON_ASSIGN_OR_RETURN(OrderTable t, FindOrderTable(order_toml, lines));
  const std::string value = std::string(kKey) + " = \"" + std::string(hex) + "\"";
  std::string out;
  out.reserve(order_toml.size() + value.size() + 2);
  if (!t.digests.empty()) {
    const Line& l = lines[t.digests.front()];
    CORDON_TRY(DigestValue(order_toml.substr(l.begin, l.end - l.begin)));
    out.append(order_toml.substr(0, l.begin));
    out.append(value);
    out.append(order_toml.substr(l.end));
  } else {
    const Line& after = lines[t.last_value];
    const std::string_view eol =
        lines[t.header].terminator.empty() ? "\n" : lines[t.header].terminator;
    const size_t at = after.end + after.terminator.size();
    out.append(order_toml.substr(0, at));
    if (after.terminator.empty()) out.append(eol);  // the file ended without one
    out.append(value);
    out.append(eol);
    out.append(order_toml.substr(at));
  }
  // What was written must read back as written (a lexer blind spot would
  // show here, not in a signed order).
  CORDON_ASSIGN_OR_RETURN(auto back, PlanDigestIn(out));
  if (!back || *back != hex) {
    return Error(ErrorCode::kInternal, "the plan digest did not read back from the order");
  }
  return out;
}

Result<std::optional<std::string>> PlanDigestIn(std::string_view order_toml) {
  const std::vector<Line> lines = Lines(order_toml);
  CORDON_ASSIGN_OR_RETURN(OrderTable t, FindOrderTable(order_toml, lines));
  if (t.digests.empty()) return std::optional<std::string>();
  const Line& l = lines[t.digests.front()];
  CORDON_ASSIGN_OR_RETURN(std::string v, DigestValue(order_toml.substr(l.begin, l.end - l.begin)));
  return std::optional<std::string>(std::move(v));
}

}  // namespace cordon::order
