// Checkpoints as C2SP specifies them: a tlog-checkpoint body (origin line,
// decimal tree size, base64 root hash, optional extension lines) carried in a
// signed-note with Ed25519 signatures (https://c2sp.org/tlog-checkpoint,
// https://c2sp.org/signed-note). Verifier keys are written the way Go's
// golang.org/x/mod/sumdb/note writes them: "<name>+<hex key id>+<base64(0x01 ‖ key)>".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/secret_buffer.h"
#include "crypto/ed25519.h"
#include "ledger/merkle.h"

namespace cordon::ledger {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // extra body lines, kept verbatim
};

std::string FormatCheckpointBody(const Checkpoint& checkpoint);
Result<Checkpoint> ParseCheckpointBody(std::string_view body);

// key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], big-endian.
uint32_t NoteKeyId(std::string_view name, const crypto::Ed25519PublicKey& key);

struct NoteVerifier {
  std::string name;
  uint32_t key_id = 0;
  crypto::Ed25519PublicKey key{};

  static NoteVerifier For(std::string name, const crypto::Ed25519PublicKey& key);
  // Parses "<name>+<8 hex digits>+<base64>"; checks the id against the key.
  static Result<NoteVerifier> Parse(std::string_view vkey);
  std::string Format() const;
};

struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  Bytes signature;  // without the key id
};

struct SignedNote {
  std::string text;  // ends with a newline
  std::vector<NoteSignature> signatures;
};

// Key names: non-empty, no spaces, no '+', printable (C2SP).
bool ValidKeyName(std::string_view name);

// Signs `text` (which must end with a newline and hold no control
// characters but newlines) and returns the whole signed note.
std::string SignNote(std::string_view text, std::string_view name, const SecretBuffer& secret_key,
                     const crypto::Ed25519PublicKey& public_key);

// Parses a signed note (at most 16 KiB, at most 16 signatures).
Result<SignedNote> ParseNote(std::string_view note);

// The note's text once a signature by `verifier` verifies; kAuthFailed when
// the key's signature is missing or wrong. Signatures of other keys are
// ignored, as the spec requires.
Result<std::string> VerifyNote(std::string_view note, const NoteVerifier& verifier);

// Parses, verifies and decodes a signed checkpoint; its origin must be the
// verifier's name.
Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifier& verifier);

}  // namespace cordon::ledger
