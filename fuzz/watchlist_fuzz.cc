// Fuzzes the watchlist parser (a file copied between machines, read by
// `cordon scan --watchlist`): it accepts or refuses, never crashes or
// allocates past what the input holds. Properties: the format is canonical
// (what parses serializes back to the same bytes), and the batched look-up
// answers as Contains does.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "scan/watchlist.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto list = cordon::scan::Watchlist::Parse(cordon::ByteView(data, size));
  if (!list.ok()) return 0;
  cordon::Bytes again = list->Serialize();
  if (again.size() != size || std::memcmp(again.data(), data, size) != 0) std::abort();
  // Look up every aligned 8 bytes of the input (the listed digests among them).
  std::vector<uint64_t> digests;
  for (size_t i = 0; i + 8 <= size; i += 8) {
    uint64_t d = 0;
    for (size_t j = 0; j < 8; ++j) d = d << 8 | data[i + j];
    digests.push_back(d);
  }
  std::vector<uint8_t> real(digests.size());
  list->ContainsMany(digests, real);
  for (size_t i = 0; i < digests.size(); ++i) {
    if ((real[i] != 0) != list->Contains(digests[i])) std::abort();
  }
  return 0;
}
