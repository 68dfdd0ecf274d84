// Fuzzes the SQLite reader with arbitrary database images (read in place,
// read-only, schema distrusted): it reports, warns or fails, never crashes.
// Properties: the same image scans to the same result (no state leaks
// between scans), the counts cover every finding listed, and every finding
// has a position and a length inside its cell.
#include <cstdlib>

#include "scan/containers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view image(reinterpret_cast<const char*>(data), size);
  cordon::scan::FileResult first, second;
  cordon::scan::ScanSqliteMemory(image, first, {});
  cordon::scan::ScanSqliteMemory(image, second, {});
  if (first.total() != second.total() || first.findings.size() != second.findings.size() ||
      first.error != second.error || first.counts != second.counts) {
    std::abort();  // the same image must scan the same way twice
  }
  std::array<uint64_t, cordon::detect::kKindCount> listed{};
  for (const auto& f : first.findings) {
    if (f.line == 0 || f.column == 0 || f.length == 0 || f.part.empty()) std::abort();
    ++listed[static_cast<size_t>(f.kind)];
  }
  for (size_t k = 0; k < listed.size(); ++k) {
    if (listed[k] > first.counts[k]) std::abort();  // a finding the counts do not include
  }
  return 0;
}
