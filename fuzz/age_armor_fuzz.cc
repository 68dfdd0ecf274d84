// Fuzzes the armor decoder: decode must fail cleanly or yield bytes that
// re-armor to a decodable text.
#include "age/armor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cordon::MemorySource mem({data, size});
  cordon::age::ArmorReader reader(mem);
  auto bytes = cordon::ReadAll(reader, 1 << 20);
  if (!bytes.ok()) return 0;
  cordon::MemorySink armored;
  cordon::age::ArmorWriter writer(armored);
  if (!writer.Write(*bytes).ok() || !writer.Close().ok()) __builtin_trap();
  cordon::MemorySource again(armored.bytes());
  cordon::age::ArmorReader reread(again);
  auto back = cordon::ReadAll(reread, 1 << 20);
  if (!back.ok() || *back != *bytes) __builtin_trap();
  return 0;
}
