#include <cstring>

#include "scan/containers.h"

namespace cordon::scan {

Container Sniff(std::string_view h) {
  auto starts = [&](std::string_view magic) { return h.substr(0, magic.size()) == magic; };
  using std::string_view_literals::operator""sv;
  if (starts("SQLite format 3\0"sv)) return Container::kSqlite;
  if (starts("\x1f\x8b"sv) ||  // gzip
      starts("BZh"sv) ||       // bzip2
      starts("\xfd"
             "7zXZ\0"sv) ||            // xz
      starts("\x28\xb5\x2f\xfd"sv) ||  // zstd
      starts("PK\x03\x04"sv) ||
      starts("PK\x05\x06"sv) ||  // zip (empty ones too)
      (h.size() >= 262 && h.substr(257, 5) == "ustar"sv)) {
    return Container::kArchive;
  }
  return Container::kNone;
}

}  // namespace cordon::scan
