// Fuzzes the archive reader (libarchive: gzip, bzip2, xz, zstd, zip, tar and
// archives nested in them) with a small expansion budget: whatever the input,
// the scan ends, within the budget, without crashing.
#include "scan/containers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cordon::scan::ScanOptions o;
  o.min_expansion_budget = 1 << 20;
  o.max_expansion_ratio = 10;
  cordon::scan::FileResult r;
  cordon::scan::ScanArchiveMemory({reinterpret_cast<const char*>(data), size}, r, o);
  // Counted expansion never passes the budget.
  if (r.bytes > std::max<uint64_t>(o.min_expansion_budget, size * o.max_expansion_ratio))
    __builtin_trap();
  return 0;
}
