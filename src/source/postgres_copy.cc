#include "source/postgres_copy.h"

#include <charconv>

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

uint32_t Load32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} << 24 | uint32_t{u[1]} << 16 | uint32_t{u[2]} << 8 | u[3];
}

uint16_t Load16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] << 8 | u[1]);
}

uint64_t Load64(const char* p) { return uint64_t{Load32(p)} << 32 | Load32(p + 4); }

template <typename T>
void AppendDecimal(std::string& out, T value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

// Appends `value` with at least `width` digits, zeros in front (what
// PostgreSQL's pg_ultostr_zeropad writes for a year, a month, a day).
void AppendZeroPadded(std::string& out, int64_t value, size_t width) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  const auto n = static_cast<size_t>(end - digits);
  if (n < width) out.append(width - n, '0');
  out.append(digits, end);
}

// A date of the binary format (days since 2000-01-01, proleptic Gregorian
// calendar as PostgreSQL's j2date) as date_out writes it with DateStyle ISO:
// YYYY-MM-DD with at least four year digits, a year <= 0 as "(1 - year) BC",
// and the two infinities. The civil-from-days algorithm is H. Hinnant's
// ("chrono-Compatible Low-Level Date Algorithms").
void AppendIsoDate(std::string& out, int32_t days) {
  if (days == INT32_MIN) {
    out += "-infinity";
    return;
  }
  if (days == INT32_MAX) {
    out += "infinity";
    return;
  }
  const int64_t z = int64_t{days} + 10957 + 719468;  // days since 0000-03-01
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<int64_t>(z - era * 146097);
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  AppendZeroPadded(out, year > 0 ? year : 1 - year, 4);
  out += '-';
  AppendZeroPadded(out, month, 2);
  out += '-';
  AppendZeroPadded(out, day, 2);
  if (year <= 0) out += " BC";
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

std::optional<PgBinaryType> PgBinaryTypeOf(std::string_view t) {
  if (t == "text" || t == "varchar" || t == "bpchar") return PgBinaryType::kText;
  if (t == "int2") return PgBinaryType::kInt2;
  if (t == "int4") return PgBinaryType::kInt4;
  if (t == "int8") return PgBinaryType::kInt8;
  if (t == "date") return PgBinaryType::kDate;
  if (t == "bool") return PgBinaryType::kBool;
  return std::nullopt;
}

Status AppendPgBinaryValue(PgBinaryType type, std::string_view bytes, std::string& out) {
  // The sizes each fixed-width type is sent in.
  auto sized = [&](size_t n, const char* name) -> Status {
    if (bytes.size() == n) return Ok();
    return Malformed(std::string("a ") + name + " of " + std::to_string(bytes.size()) + " bytes");
  };
  switch (type) {
    case PgBinaryType::kText:
      out.append(bytes);
      return Ok();
    case PgBinaryType::kInt2:
      CORDON_TRY(sized(2, "smallint"));
      AppendDecimal(out, static_cast<int16_t>(Load16(bytes.data())));
      return Ok();
    case PgBinaryType::kInt4:
      CORDON_TRY(sized(4, "integer"));
      AppendDecimal(out, static_cast<int32_t>(Load32(bytes.data())));
      return Ok();
    case PgBinaryType::kInt8:
      CORDON_TRY(sized(8, "bigint"));
      AppendDecimal(out, static_cast<int64_t>(Load64(bytes.data())));
      return Ok();
    case PgBinaryType::kDate:
      CORDON_TRY(sized(4, "date"));
      AppendIsoDate(out, static_cast<int32_t>(Load32(bytes.data())));
      return Ok();
    case PgBinaryType::kBool:
      CORDON_TRY(sized(1, "boolean"));
      out += bytes[0] != 0 ? 't' : 'f';
      return Ok();
  }
  return Malformed("a value of an unknown type");
}

std::string PgBuiltinTypeName(unsigned oid) {
  switch (oid) {
    case 16:
      return "bool";
    case 20:
      return "int8";
    case 21:
      return "int2";
    case 23:
      return "int4";
    case 25:
      return "text";
    case 1042:
      return "bpchar";
    case 1043:
      return "varchar";
    case 1082:
      return "date";
    default:
      return "";
  }
}

Result<CopyBinaryRows::Got> CopyBinaryRows::Parse(std::string_view m,
                                                  std::vector<std::string_view>& fields) {
  if (ended_) return Malformed("data after the end of the binary COPY");
  if (!header_seen_) {
    static constexpr std::string_view kSignature("PGCOPY\n\377\r\n\0", 11);
    if (m.size() < 19 || m.substr(0, 11) != kSignature) {
      return Malformed("the binary COPY does not begin with its signature");
    }
    // Bits 16 to 31 are critical: one this reader does not know (16: rows
    // carry OIDs) means it cannot read the rows.
    if ((Load32(m.data() + 11) & 0xFFFF0000u) != 0) {
      return Malformed("the binary COPY header has flags this reader does not know");
    }
    const uint32_t extension = Load32(m.data() + 15);
    if (m.size() - 19 < extension) return Malformed("the binary COPY header is cut");
    m.remove_prefix(19 + extension);
    header_seen_ = true;
    if (m.empty()) return Got::kHeaderOnly;  // the protocol allows it, PostgreSQL 15 does not
  }
  if (m.size() < 2) return Malformed("a row is cut before its field count");
  const auto count = static_cast<int16_t>(Load16(m.data()));
  if (count == -1) {
    if (m.size() != 2) return Malformed("bytes after the end of the binary COPY");
    ended_ = true;
    return Got::kEnd;
  }
  const size_t n = types_.size();
  if (count < 0 || static_cast<size_t>(count) != n) {
    return Malformed(std::to_string(count) + " fields, " + std::to_string(n) + " expected");
  }
  if (fields.size() < n) fields.resize(n);
  if (rendered_.size() < n) rendered_.resize(n);
  size_t at = 2;
  for (size_t i = 0; i < n; ++i) {
    if (m.size() - at < 4) return Malformed("a field is cut before its length");
    const auto length = static_cast<int32_t>(Load32(m.data() + at));
    at += 4;
    fields[i] = {};
    if (length == -1) continue;  // NULL: the empty field
    if (length < 0 || m.size() - at < static_cast<size_t>(length)) {
      return Malformed("a field is cut (length " + std::to_string(length) + ")");
    }
    const std::string_view bytes = m.substr(at, static_cast<size_t>(length));
    at += static_cast<size_t>(length);
    if (types_[i] == PgBinaryType::kText) {
      fields[i] = bytes;
      continue;
    }
    std::string& out = rendered_[i];
    out.clear();
    CORDON_TRY(AppendPgBinaryValue(types_[i], bytes, out));
    fields[i] = out;
  }
  if (at != m.size()) return Malformed("bytes after a row's last field");
  return Got::kRow;
}

}  // namespace cordon::source
