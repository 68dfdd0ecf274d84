#include "source/postgres_copy.h"

namespace cordon::source {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

Error Malformed(const std::string& what) {
  return Error(ErrorCode::kMalformed, "COPY row: " + what);
}

}  // namespace

std::string PgQuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

Status ParseCopyTextRow(std::string_view line, size_t expected, std::vector<std::string>& fields) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (fields.size() < expected) fields.resize(expected);
  size_t n = 0;  // fields started
  size_t i = 0;
  for (;;) {
    if (n == expected) return Malformed("more than " + std::to_string(expected) + " fields");
    std::string& out = fields[n++];
    out.clear();
    // \N alone is NULL: the empty field.
    if (line.substr(i, 2) == "\\N" && (i + 2 == line.size() || line[i + 2] == '\t')) {
      i += 2;
    } else {
      while (i < line.size() && line[i] != '\t') {
        char c = line[i++];
        if (c == '\0') return Malformed("a byte 0");
        if (c != '\\') {
          out += c;
          continue;
        }
        if (i == line.size()) return Malformed("ends inside an escape");
        char e = line[i++];
        int value = -1;
        switch (e) {
          case 'b':
            value = '\b';
            break;
          case 'f':
            value = '\f';
            break;
          case 'n':
            value = '\n';
            break;
          case 'r':
            value = '\r';
            break;
          case 't':
            value = '\t';
            break;
          case 'v':
            value = '\v';
            break;
          case 'x':
            if (i < line.size() && HexValue(line[i]) >= 0) {
              value = HexValue(line[i++]);
              if (i < line.size() && HexValue(line[i]) >= 0)
                value = value * 16 + HexValue(line[i++]);
            } else {
              value = 'x';  // "\x" without digits is a plain x
            }
            break;
          default:
            if (IsOctal(e)) {
              value = e - '0';
              for (int k = 0; k < 2 && i < line.size() && IsOctal(line[i]); ++k)
                value = value * 8 + (line[i++] - '0');
              value &= 0xFF;  // PostgreSQL keeps the low byte of \777
            } else {
              value = static_cast<unsigned char>(e);
            }
        }
        if (value == 0) return Malformed("a byte 0");
        out += static_cast<char>(value);
      }
    }
    if (i == line.size()) break;
    ++i;  // the tab
  }
  if (n != expected) {
    return Malformed(std::to_string(n) + " fields, " + std::to_string(expected) + " expected");
  }
  return Ok();
}

void AppendCopyTextField(std::string& out, std::string_view value) {
  if (value.empty()) {
    out += "\\N";
    return;
  }
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        out += c;
    }
  }
}

std::string PgTypeNotion(std::string_view t) {
  if (t == "date") return "DATE";
  if (t == "timestamp") return "TIMESTAMP";
  if (t == "int2" || t == "int4" || t == "int8") return "INTEGER";
  if (t == "numeric" || t == "float4" || t == "float8") return "NUMERIC";
  return "";
}

bool PgTypeIsBinary(std::string_view typname) { return typname == "bytea"; }

}  // namespace cordon::source
