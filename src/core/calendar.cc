#include "core/calendar.h"

#include <cstdio>

namespace cordon {

bool IsValidDate(int year, int month, int day) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || year < 1 || year > 9999) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

// Howard Hinnant's days_from_civil / civil_from_days.
int32_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int32_t z, int& y, int& m, int& d) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y = yoe + era * 400 + (m <= 2);
}

std::string FormatIsoDate(int32_t z) {
  int y = 0, m = 0, d = 0;
  CivilFromDays(z, y, m, d);
  char buf[40];  // room for any int, though civil years are 4 digits
  (void)std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

Result<int32_t> ParseIsoDate(std::string_view text) {
  auto expected = [&](const char* what) {
    return Error(ErrorCode::kMalformed,
                 "\"" + std::string(text.substr(0, 40)) + "\" is not " + what);
  };
  auto digits = [&](size_t at, size_t n, int& out) {
    out = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(0, 4, y) ||
      !digits(5, 2, m) || !digits(8, 2, d)) {
    return expected("a date in YYYY-MM-DD form");
  }
  if (!IsValidDate(y, m, d)) return expected("a real calendar date");
  return DaysFromCivil(y, m, d);
}

}  // namespace cordon
