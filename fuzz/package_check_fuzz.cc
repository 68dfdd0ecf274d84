// Fuzzes what the exchange reads from an upload before trusting it: the
// manifest parser and the keyless age-file check (header, framing, the
// plaintext sniff). Neither may crash, throw, or accept a file that does
// not start with the age version line.
#include <string_view>

#include "age/header.h"
#include "exchange/package_check.h"
#include "pipeline/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  cordon::ByteView in(data + 1, size - 1);
  if (data[0] & 1) {
    auto m = cordon::pipeline::ParseManifest(in);
    if (m.ok()) {
      for (const auto& t : m->tables) {
        if (!cordon::pipeline::SafeFileName(t.file)) __builtin_trap();
      }
    }
  } else {
    cordon::MemorySource src(in);
    bool plain = false;
    auto ok = cordon::exchange::CheckPackageFile(src, in.size(), &plain);
    const bool starts_age = cordon::AsChars(in).substr(0, cordon::age::kVersionLine.size()) ==
                            cordon::age::kVersionLine;
    if (ok.ok() && !starts_age) __builtin_trap();
    if (plain && starts_age) __builtin_trap();
  }
  return 0;
}
