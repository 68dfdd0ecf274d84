// What the exchange accepts from an operator: a package exactly as
// `cordon extract` made it, and nothing else. The exchange never holds a key
// that opens a package; it checks what can be checked without one.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "pipeline/manifest.h"
#include "sign/minisign.h"

namespace cordon::exchange {

struct CheckedPackage {
  pipeline::Manifest manifest;
  std::string manifest_sha256;  // the package's identity
  sign::KeyId signer{};         // which processor key signed it
  uint64_t bytes = 0;           // all files
};

struct PackageCheck {
  // Set when a file is not age at all (a CSV, a text, an archive...): the
  // upload is refused *and* alerted, since plaintext patient data may have
  // just been sent.
  bool plaintext_suspected = false;
  Result<CheckedPackage> result = Error(ErrorCode::kInternal, "not checked");
};

// Checks the files of an uploaded package in `dir` (a staging directory only
// the exchange writes): exactly manifest.json, manifest.json.minisig and the
// files the manifest names; the signature by one of `processor_keys`; every
// file the size and SHA-256 the manifest records, and a well-formed binary
// age file. Refusals are kRefused (or kMalformed) and name the file, never
// its content.
PackageCheck CheckPackage(const std::string& dir,
                          const std::vector<sign::PublicKey>& processor_keys);

// manifest.json is small: a cap stops it from carrying a table in clear.
inline constexpr size_t kMaxManifestBytes = 64 * 1024;

// The manifest's strict schema (no key `cordon extract` does not write) and
// no string in it that the detectors take for personal data; kRefused with
// plaintext_suspected set for the latter and for an oversized manifest.
Status CheckManifestStrict(ByteView bytes, bool* plaintext_suspected);

// The part of the check that needs only a file's bytes, for fuzzing and for
// checking a file while it streams in: an age file sealed to X25519
// recipients only, whose whole payload looks like ciphertext (see
// ciphertext_check.h). kRefused with plaintext_suspected set when it may
// hold data in clear.
Status CheckPackageFile(ByteSource& in, uint64_t size, bool* plaintext_suspected);

}  // namespace cordon::exchange
