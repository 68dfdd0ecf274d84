// Fuzzes the checkpoint and signed-note parsers and the verifier-key parser.
// A body or key that parses must format back to the same text; verifying
// arbitrary notes must never crash (nor, of course, succeed).
#include <string>

#include "ledger/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cordon::ledger;
  std::string text(reinterpret_cast<const char*>(data), size);
  if (auto c = ParseCheckpointBody(text); c.ok()) {
    if (FormatCheckpointBody(*c) != text) __builtin_trap();
  }
  if (auto v = NoteVerifier::Parse(text); v.ok()) {
    if (NoteVerifier::Parse(v->Format())->key_id != v->key_id) __builtin_trap();
  }
  (void)ParseNote(text);
  static const NoteVerifier verifier = [] {
    cordon::crypto::Ed25519PublicKey k{};
    k[0] = 1;
    return NoteVerifier::For("fuzz.example/log", k);
  }();
  if (OpenCheckpoint(text, verifier).ok()) __builtin_trap();  // no one holds that key
  return 0;
}
