// OpenSSH Ed25519 public keys: the key blob (RFC 4251 string "ssh-ed25519",
// string key), the one-line form of id_ed25519.pub and authorized_keys, and
// the SHA-256 fingerprint exactly as `ssh-keygen -l` prints it. cordon
// accepts Ed25519 keys only: one algorithm, no parameters to get wrong.
// Functions only; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/ed25519.h"

namespace cordon::ssh {

inline constexpr std::string_view kEd25519KeyType = "ssh-ed25519";

// The key blob: string "ssh-ed25519", string key (51 bytes).
std::string KeyBlob(const crypto::Ed25519PublicKey& key);
// Parses a key blob strictly (no trailing bytes). Another algorithm is
// kUnsupported, naming it; a broken blob kMalformed or kTruncated.
Result<crypto::Ed25519PublicKey> ParseKeyBlob(ByteView blob);

// Parses "ssh-ed25519 AAAA… [comment]" (one line; surrounding whitespace and
// a final newline are ignored). RSA, ECDSA, security-key keys and
// certificates are refused (kUnsupported) with a hint to make an Ed25519
// key; a damaged line is kMalformed.
Result<crypto::Ed25519PublicKey> ParsePublicKeyLine(std::string_view line);

// "ssh-ed25519 AAAA…" then " comment" when there is one. Control characters
// in the comment become '?', so the result is always one line.
std::string PublicKeyLine(const crypto::Ed25519PublicKey& key, std::string_view comment = {});

// "SHA256:" then the unpadded base64 of SHA-256(KeyBlob(key)), as
// `ssh-keygen -l` and sshd's logs print it.
std::string Fingerprint(const crypto::Ed25519PublicKey& key);

// Internal to the ssh layer: a comment made safe for one line (see above);
// an untrusted type name made printable and bounded for a message; a key
// line without its surrounding whitespace.
std::string OneLineComment(std::string_view comment);
std::string PrintableTypeName(std::string_view type);
std::string_view TrimKeyLine(std::string_view line);

}  // namespace cordon::ssh
