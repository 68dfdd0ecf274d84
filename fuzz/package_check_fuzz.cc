// Fuzzes what the exchange reads from an upload before trusting it: the
// manifest parsers (the pipeline's and the exchange's strict schema) and
// the keyless age-file check (header, framing, the payload's ciphertext
// test). None may crash or throw; a file the check accepts starts with the
// age version line and is never suspected of plaintext; the ciphertext
// test gives the same verdict whatever pieces its input arrives in.
#include <string_view>

#include "age/header.h"
#include "exchange/ciphertext_check.h"
#include "exchange/package_check.h"
#include "pipeline/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  cordon::ByteView in(data + 1, size - 1);
  if ((data[0] & 3) == 1) {
    auto m = cordon::pipeline::ParseManifest(in);
    if (m.ok()) {
      for (const auto& t : m->tables) {
        if (!cordon::pipeline::SafeFileName(t.file)) __builtin_trap();
      }
    }
    bool suspected = false;
    if (cordon::exchange::CheckManifestStrict(in, &suspected).ok() && suspected) __builtin_trap();
  } else if ((data[0] & 3) == 3) {
    // Whole, and in pieces cut where the first byte says: one verdict.
    cordon::exchange::CiphertextCheck whole(4096), pieces(4096);
    whole.Update(in);
    const size_t step = 1 + data[0] / 4;
    for (size_t at = 0; at < in.size(); at += step) {
      pieces.Update(in.subspan(at, std::min(step, in.size() - at)));
    }
    if (whole.Finish().ok() != pieces.Finish().ok()) __builtin_trap();
  } else {
    cordon::MemorySource src(in);
    bool plain = false;
    auto ok = cordon::exchange::CheckPackageFile(src, in.size(), &plain);
    const bool starts_age = cordon::AsChars(in).substr(0, cordon::age::kVersionLine.size()) ==
                            cordon::age::kVersionLine;
    if (ok.ok() && (!starts_age || plain)) __builtin_trap();
  }
  return 0;
}
