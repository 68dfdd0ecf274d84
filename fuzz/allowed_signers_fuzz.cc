// Fuzzes the allowed_signers reader (ssh/allowed_signers.h) — a file an
// administrator edits by hand, and the patterns of its namespaces. Any input
// gives signers or an error, never a crash; reading is a function of the
// bytes; a passkey line written back as ssh-keygen writes it reads back to
// the same key; pattern matching ends quickly whatever the pattern.
#include <string>

#include "ssh/allowed_signers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cordon::ssh;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto signers = ParseAllowedSigners(text);
  auto again = ParseAllowedSigners(text);
  if (signers.ok() != again.ok()) __builtin_trap();
  if (signers.ok()) {
    if (signers->size() != again->size()) __builtin_trap();
    for (const AllowedSigner& s : *signers) {
      if (!s.passkey) continue;
      auto line = ParseAllowedSigners("p " + s.passkey->Line() + "\n");
      if (!line.ok() || line->size() != 1 || line->front().passkey->Blob() != s.passkey->Blob())
        __builtin_trap();
    }
  }
  // The first line as a value, the rest as a pattern list.
  const size_t nl = text.find('\n');
  if (nl != std::string_view::npos) (void)MatchPatternList(text.substr(0, nl), text.substr(nl + 1));
  (void)OriginFitsRelyingParty(text, "cordon.chu-exemple.fr");
  return 0;
}
