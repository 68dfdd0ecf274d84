// Fuzzes the leaked-file reader and the matcher behind `cordon trace`: a
// leaked file is whatever surfaced, so any bytes must be read as delimited
// rows or text lines, or refused, never crash. Property: every row has at
// least one cell, and digesting the leak and matching it against a small
// provenance never fails.
#include <cstdlib>

#include "pipeline/leak_file.h"
#include "pipeline/trace_match.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cordon;
  auto leak = pipeline::ReadLeakedFile(ByteView(data, size), {.max_rows = 4096});
  if (!leak.ok()) return 0;
  for (const auto& row : leak->rows) {
    if (row.empty()) std::abort();
  }
  static const pipeline::TraceKey key = pipeline::TraceKey::Generate();
  pipeline::LeakIndex index(key, *leak);
  pipeline::Provenance p;
  p.tables.push_back({"t", {1, 2, 3}, {4, 5, 6}});
  pipeline::PackageMatch m = index.Match(p);
  if (m.rows > index.row_count() || m.whole_rows > m.rows) std::abort();
  return 0;
}
