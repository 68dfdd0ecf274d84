// Writing a package's manifest.json (format "cordon-manifest", version 2,
// docs/order-format.md "manifest.json"), and the k-anonymity report that the
// manifest and the plan JSON (plan_json.h) share. Reading is manifest.h.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "order/order.h"
#include "pipeline/binding.h"
#include "pipeline/manifest.h"
#include "pipeline/runner.h"

namespace cordon::pipeline {

// A table as it was sealed into the package.
struct PackagedTable {
  std::string file;  // "<name>.csv.age", in the package directory
  TableStats stats;  // stats.name is the order's table name
  uint64_t ciphertext_size = 0;
  std::string ciphertext_sha256;  // lowercase hex
};

// `extract --avoid-real`: the watchlist the pseudonyms avoid, by its watch
// key's id and size (never a digest). Empty watch_key_id: not used.
struct AvoidRealFacts {
  std::string watch_key_id;
  uint64_t digests = 0;
};

// A passkey's SSH signature over the order (extract
// --controller-allowed-signers): written as order.signature instead of
// controller_key_id and signature_trusted_comment. Not its namespace
// ("cordon-order@chu-exemple.fr" reads as an e-mail address): the signature
// file carries it.
struct PasskeyOrderSignature {
  std::string key;  // "SHA256:…", as ssh-keygen -l prints it
  // The allowed signers' principals of that key (comma-separated), or,
  // when they look like personal data (an e-mail address), their SHA-256.
  std::string principal;
  std::string principal_sha256;
};

// The signature type of passkey signatures, as the manifest and the ledger
// name it: SSHSIG (PROTOCOL.sshsig) of type
// webauthn-sk-ecdsa-sha2-nistp256@openssh.com — a name neither may carry,
// since it reads as an e-mail address to their personal-data detectors.
inline constexpr std::string_view kPasskeySignatureType = "sshsig-webauthn-sk-ecdsa";

// What the manifest records beyond the order itself. Borrowed for the call.
struct ManifestFacts {
  const order::Order& order;
  std::string order_file;                 // the order's file name, without directories
  std::string order_sha256;               // of the exact signed bytes
  std::string controller_key_id;          // minisign key id, hex
  std::string signature_trusted_comment;  // of the order's signature
  std::string created_at;                 // RFC 3339, UTC
  std::string delete_by;                  // ISO date
  bool manifest_signed = false;
  const Binding& binding;
  const std::vector<PackagedTable>& tables;      // parallel to binding.tables
  AvoidRealFacts avoid_real;                     // "pseudonyms": {"avoid_real": …} when used
  std::optional<PasskeyOrderSignature> passkey;  // none: a minisign signature
};

// The manifest's exact text (2-space indented JSON and a newline): what is
// written, signed, hashed and printed. Never holds a value of the source.
std::string FormatManifest(const ManifestFacts& facts);

// The re-identification risk of a table with quasi_identifiers:
// {"quasi_identifiers", "k", "classes"} and, with min_k, {"min_k",
// "rows_below_min_k", "on_k_violation", "rows_suppressed"}; null without
// quasi_identifiers.
nlohmann::ordered_json KAnonymityReport(const BoundTable& table, const TableStats& stats);

}  // namespace cordon::pipeline
