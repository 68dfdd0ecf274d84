// Fuzzes the provenance file parser (a file the processor keeps for years
// and a later `cordon trace` reads): it accepts or refuses, never crashes or
// allocates past what the input holds. Property: the format is canonical
// (what parses serializes back to the same bytes).
#include <cstdlib>
#include <cstring>

#include "pipeline/provenance.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = cordon::pipeline::Provenance::Parse(cordon::ByteView(data, size));
  if (!p.ok()) return 0;
  cordon::Bytes again = p->Serialize();
  if (again.size() != size || std::memcmp(again.data(), data, size) != 0) std::abort();
  return 0;
}
