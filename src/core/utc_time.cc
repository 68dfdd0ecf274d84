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

std::string UtcNowText() { return FormatUtc(static_cast<int64_t>(std::time(nullptr))); }

}  // namespace cordon
