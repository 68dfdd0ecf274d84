// Fuzzes the age header parser: any input must parse or fail cleanly.
#include "age/header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cordon::MemorySource mem({data, size});
  cordon::BufferedSource in(mem);
  auto header = cordon::age::ReadHeader(in);
  if (header.ok()) {
    // What parsed must re-encode to the same MAC input.
    std::string again = cordon::age::EncodeHeaderWithoutMac(header->stanzas);
    if (again != header->mac_input) __builtin_trap();
  }
  return 0;
}
