#include "core/utc_time.h"

#include <ctime>

namespace cordon {

std::string FormatUtc(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  (void)std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<int64_t> ParseUtc(std::string_view text) {
  // The shape first: strptime alone accepts missing zeros and spaces.
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (text.size() != kShape.size()) return std::nullopt;
  for (size_t i = 0; i < kShape.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return std::nullopt;
  }
  const std::string s(text);
  std::tm tm{};
  const char* end = ::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end != '\0') return std::nullopt;
  const int64_t t = static_cast<int64_t>(::timegm(&tm));
  if (FormatUtc(t) != s) return std::nullopt;  // 2026-02-30 and 25:00:00 normalize away
  return t;
}

std::string UtcNowText() { return FormatUtc(static_cast<int64_t>(std::time(nullptr))); }

}  // namespace cordon
