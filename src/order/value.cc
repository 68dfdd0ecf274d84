#include "order/value.h"

#include <charconv>
#include <cstdio>

namespace cordon::order {
namespace {

Error Expected(std::string_view what, std::string_view field) {
  std::string shown(field.substr(0, 40));
  return Error(ErrorCode::kMalformed, "\"" + shown + "\" is not " + std::string(what));
}

// Reads exactly `width` digits (or 1..width when `flexible`).
bool ReadNumber(std::string_view s, size_t& pos, int width, bool flexible, int& out) {
  int value = 0, n = 0;
  while (n < width && pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    value = value * 10 + (s[pos] - '0');
    ++pos, ++n;
  }
  if (n == 0 || (!flexible && n != width)) return false;
  out = value;
  return true;
}

}  // namespace

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kText:
      return "text";
    case ValueType::kInt:
      return "int";
    case ValueType::kDecimal:
      return "decimal";
    case ValueType::kDate:
      return "date";
  }
  return "?";
}

Result<ColumnType> ParseColumnType(std::string_view spec) {
  if (spec == "text") return ColumnType{ValueType::kText, ""};
  if (spec == "int") return ColumnType{ValueType::kInt, ""};
  if (spec == "decimal") return ColumnType{ValueType::kDecimal, ""};
  if (spec.rfind("date:", 0) == 0) {
    std::string format(spec.substr(5));
    bool day = false, month = false, year = false;
    for (size_t i = 0; i < format.size(); ++i) {
      if (format[i] != '%') continue;
      if (i + 1 == format.size())
        return Error(ErrorCode::kInvalidArgument, "date format ends with '%'");
      char d = format[++i];
      if (d == 'd')
        day = true;
      else if (d == 'm')
        month = true;
      else if (d == 'Y' || d == 'y')
        year = true;
      else if (d != 'H' && d != 'M' && d != 'S' && d != '%') {
        return Error(ErrorCode::kInvalidArgument,
                     std::string("date format directive %") + d + " is not supported",
                     "use %d %m %Y %y %H %M %S and literal characters, e.g. date:%d/%m/%Y");
      }
    }
    if (!day || !month || !year) {
      return Error(ErrorCode::kInvalidArgument, "a date format needs %d, %m and %Y (or %y)");
    }
    return ColumnType{ValueType::kDate, format};
  }
  if (spec == "date") {
    return Error(ErrorCode::kInvalidArgument, "\"date\" needs its format",
                 "write date:%d/%m/%Y (or the format the file uses)");
  }
  return Error(ErrorCode::kInvalidArgument, "unknown type \"" + std::string(spec) + "\"",
               "use text, int, decimal or date:<format>");
}

std::string FormatDateLike(const ColumnType& type, std::string_view original, int32_t days) {
  int y = 0, m = 0, d = 0;
  CivilFromDays(days, y, m, d);
  if (type.type != ValueType::kDate) return FormatIsoDate(days);
  // Walk the format as ParseField did, writing the new date and copying the
  // rest (times, literals) from the original.
  std::string out;
  size_t pos = 0;
  const std::string& f = type.date_format;
  auto copy_number = [&](int width, bool flexible) {
    int ignored = 0;
    size_t start = pos;
    ReadNumber(original, pos, width, flexible, ignored);
    out.append(original.substr(start, pos - start));
  };
  char buf[8];
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%' || i + 1 == f.size()) {
      out += f[i];
      ++pos;
      continue;
    }
    int width = 0;
    switch (f[++i]) {
      case 'd':
        (void)std::snprintf(buf, sizeof buf, "%02d", d);
        width = 2;
        break;
      case 'm':
        (void)std::snprintf(buf, sizeof buf, "%02d", m);
        width = 2;
        break;
      case 'Y':
        (void)std::snprintf(buf, sizeof buf, "%04d", y);
        width = 4;
        break;
      case 'y':
        (void)std::snprintf(buf, sizeof buf, "%02d", y % 100);
        width = 2;
        break;
      case '%':
        out += '%';
        ++pos;
        continue;
      default:  // %H %M %S: the time of day does not move
        copy_number(2, true);
        continue;
    }
    out += buf;
    int ignored = 0;
    ReadNumber(original, pos, width, f[i] == 'd' || f[i] == 'm', ignored);
  }
  return out;
}

Result<Value> ParseField(const ColumnType& type, std::string_view field) {
  Value v;
  if (field.empty()) return v;  // NULL
  switch (type.type) {
    case ValueType::kText:
      v.kind = Value::Kind::kText;
      v.text = field;
      return v;
    case ValueType::kInt: {
      std::string_view s = field;
      if (!s.empty() && s[0] == '+') s.remove_prefix(1);
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v.integer);
      if (ec != std::errc() || end != s.data() + s.size()) return Expected("an integer", field);
      v.kind = Value::Kind::kInt;
      return v;
    }
    case ValueType::kDecimal: {
      // Legacy French exports write decimal commas: accept ',' or '.'.
      std::string s(field);
      for (char& c : s) {
        if (c == ',') c = '.';
      }
      if (!s.empty() && s[0] == '+') s.erase(0, 1);
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v.decimal);
      if (ec != std::errc() || end != s.data() + s.size())
        return Expected("a decimal number", field);
      v.kind = Value::Kind::kDecimal;
      return v;
    }
    case ValueType::kDate: {
      int y = -1, m = -1, d = -1, ignored = 0;
      size_t pos = 0;
      const std::string& f = type.date_format;
      for (size_t i = 0; i < f.size(); ++i) {
        if (f[i] != '%') {
          if (pos >= field.size() || field[pos] != f[i])
            return Expected("a date in format " + f, field);
          ++pos;
          continue;
        }
        char dir = f[++i];
        bool ok = true;
        switch (dir) {
          case 'd':
            ok = ReadNumber(field, pos, 2, true, d);
            break;
          case 'm':
            ok = ReadNumber(field, pos, 2, true, m);
            break;
          case 'Y':
            ok = ReadNumber(field, pos, 4, false, y);
            break;
          case 'y':
            ok = ReadNumber(field, pos, 2, false, y);
            y += y < 69 ? 2000 : 1900;  // POSIX pivot
            break;
          case 'H':
          case 'M':
          case 'S':
            ok = ReadNumber(field, pos, 2, true, ignored);
            break;
          case '%':
            ok = pos < field.size() && field[pos++] == '%';
            break;
          default:
            ok = false;
        }
        if (!ok) return Expected("a date in format " + f, field);
      }
      if (pos != field.size()) return Expected("a date in format " + f, field);
      if (!IsValidDate(y, m, d)) return Expected("a real calendar date", field);
      v.kind = Value::Kind::kDate;
      v.days = DaysFromCivil(y, m, d);
      return v;
    }
  }
  return v;
}

}  // namespace cordon::order
