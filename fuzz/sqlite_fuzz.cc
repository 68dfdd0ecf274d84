// Fuzzes the SQLite reader with arbitrary database images (read in place,
// read-only, schema distrusted): it reports, warns or fails, never crashes.
#include "scan/containers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cordon::scan::FileResult r;
  cordon::scan::ScanSqliteMemory({reinterpret_cast<const char*>(data), size}, r, {});
  return 0;
}
