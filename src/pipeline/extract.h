// `extract`, `plan` and `open`: the signed order turned into a sealed package
// (DIR/<table>.csv.age + manifest.json [+ .minisig]), its dry run, and its
// opening by a recipient. The manifest format is in docs/order-format.md.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "age/recipients.h"
#include "pipeline/manifest_json.h"
#include "pipeline/provenance.h"
#include "pipeline/runner.h"
#include "sign/minisign.h"
#include "source/table_target.h"
#include "ssh/allowed_signers.h"

namespace cordon::pipeline {

inline constexpr size_t kMaxOrderBytes = 1 << 20;

// The clock, injectable for tests. There is no default: a forgotten clock
// would be 1970-01-01 and pass every expiry and retention check, so each
// request names its clock (Clock::System() outside tests).
struct Clock {
  Clock(int32_t today_days, std::string now) : today(today_days), now_rfc3339(std::move(now)) {}
  static Clock System();

  int32_t today;            // days since 1970-01-01, UTC
  std::string now_rfc3339;  // "2026-11-22T18:00:00Z"
};

// Who signs manifest.json: the processor, or nobody on purpose. There is no
// default, so a request cannot leave it out: a package whose manifest nobody
// signed cannot be told from one someone rewrote. Copyable; the key is
// borrowed and must outlive the requests made with it.
class ManifestSigner {
 public:
  static ManifestSigner Processor(const sign::SecretKey& key) { return ManifestSigner(&key); }
  // `--unsigned-manifest`: the manifest says "manifest_signed": false.
  static ManifestSigner NobodyOnPurpose() { return ManifestSigner(nullptr); }
  // From the command line: the key when there is one, nobody when
  // `allow_unsigned`, else kRefused (the hint names both flags).
  static Result<ManifestSigner> Choose(const std::optional<sign::SecretKey>& key,
                                       bool allow_unsigned);

  // Null when nobody signs.
  const sign::SecretKey* key() const { return key_; }

 private:
  explicit ManifestSigner(const sign::SecretKey* key) : key_(key) {}
  const sign::SecretKey* key_;
};

// Build it with designated initializers; `manifest_signer` and `clock` have
// no default, so a request without them does not compile.
struct ExtractRequest {
  std::string order_path;
  std::string signature_path;  // default: order_path + ".minisig"
  sign::PublicKey controller_key;
  ManifestSigner manifest_signer;
  // Borrowed. Required when the order has keyed transforms (null: none
  // given), and its id must be the order's: Extract refuses otherwise.
  const pseudo::PseudonymKey* pseudonym_key = nullptr;
  size_t threads = 2;  // for transforms; the output does not depend on it
  std::string out_dir;
  Clock clock;
  // Borrowed. With it, extract also writes the package's provenance
  // digests (provenance.h) to ProvenancePath(out_dir), beside the package;
  // without it, nothing of the kind is written.
  const TraceKey* trace_key = nullptr;
  // Borrowed. `--avoid-real`: whether an identifier is in the production
  // watchlist (pseudo::TransformSetup::is_real). Null: not used.
  const pseudo::RealIdentifiers* avoid_real = nullptr;
  // What the manifest says of it (with avoid_real).
  AvoidRealFacts avoid_real_facts;
  // Borrowed. Set: the order's signature is an SSH signature made with a
  // passkey (signature_path, default order_path + ".sig"), checked against
  // this allowed signers file (ssh/allowed_signers.h) with user
  // verification required; controller_key is then not used.
  const std::vector<ssh::AllowedSigner>* controller_signers = nullptr;
  // The namespace that signature must be for; empty: "cordon-order" or
  // "cordon-order@" and a domain (kOrderNamespace).
  std::string order_namespace;
  // The plan file the order's plan_sha256 names (`cordon plan --json`):
  // required when the order names one, refused when it does not.
  std::string plan_path;
};

// The SSH signature namespace of orders: "cordon-order", or
// "cordon-order@chu-exemple.fr" to tell one site's orders from another's.
inline constexpr std::string_view kOrderNamespace = "cordon-order";
bool IsOrderNamespace(std::string_view ns);

// Who signed the order, for the ledger and the caller.
struct OrderSigner {
  // The minisign key id (hex), or the passkey's "SHA256:…" fingerprint.
  std::string key;
  // Passkey only: the allowed signers' principals of that key, and the
  // signature's namespace.
  std::vector<std::string> principals;
  std::string ns;
  bool passkey() const { return !ns.empty(); }
};

// What extract did, for the caller to report (counts and hashes, never a
// value of the source).
struct ExtractResult {
  std::string order_id;
  std::vector<PackagedTable> tables;  // in the order's order
  std::vector<std::string> recipients;
  std::string delete_by;  // ISO date
  uint64_t package_bytes = 0;
  bool manifest_signed = false;
  std::string manifest;         // the exact manifest.json written
  std::string manifest_sha256;  // its SHA-256, lowercase hex
  // With a trace key: the provenance file written beside the package, and
  // its SHA-256 (lowercase hex) for the ledger; empty without one.
  std::string provenance_path;
  std::string provenance_sha256;
  std::string provenance_delete_by;  // ISO date
  OrderSigner signer;
  // A passkey signature as the manifest records it (none: minisign).
  std::optional<PasskeyOrderSignature> passkey_signature;
  // The order's plan_sha256, whose counts the run matched; empty: none.
  std::string plan_sha256;
};

// Verifies, binds and runs the order, writing the package atomically.
// Refusals (kRefused or kAuthFailed, exit 3) write nothing: a bad or
// missing signature, an altered
// order, an expired order, no recipients, an order that does not fit the
// source, a plan file that is not the one the order names, counts that
// moved from the plan's beyond the order's plan_tolerance. An existing out_dir (or, with a trace
// key, provenance file) is kAlreadyExists. The provenance file is written before the package is
// published, and removed again if publishing fails.
Result<ExtractResult> Extract(const ExtractRequest& request, const source::TableSource& source,
                              const ProgressFn& progress = {});

struct PlanTable {
  const BoundTable* table = nullptr;
  TableStats stats;
  uint64_t csv_bytes = 0;                         // plaintext CSV that would be written
  uint64_t package_bytes = 0;                     // its age ciphertext size
  std::vector<std::vector<std::string>> samples;  // masked
};

struct PlanResult {
  Binding binding;
  std::vector<PlanTable> tables;
};

// Dry run: what extract would do, writing nothing. Fails like extract on an
// order that does not fit (with every problem listed), but needs no signature.
// With the pseudonym key, samples show pseudonyms as they would leave.
Result<PlanResult> Plan(const order::Order& order, const source::TableSource& source,
                        size_t recipients, const ProgressFn& progress = {},
                        const pseudo::PseudonymKey* key = nullptr);

// Masks a value for display: the first quarter of its characters stay,
// letters and digits after them become '*'.
std::string MaskValue(std::string_view value);

// Size of an age file holding `plaintext` bytes for `recipients` X25519 recipients.
uint64_t AgeCiphertextSize(uint64_t plaintext, size_t recipients);

// Build it with designated initializers: `identities` (borrowed for the
// call) and `clock` have no default.
struct OpenRequest {
  std::string package_dir;
  const std::vector<std::unique_ptr<age::Identity>>& identities;
  // Verifies manifest.json.minisig. Required unless skip_manifest_signature.
  std::optional<sign::PublicKey> processor_key;
  bool skip_manifest_signature = false;  // `--skip-manifest-signature`
  std::string out_dir;
  bool allow_expired = false;
  Clock clock;
};

struct OpenResult {
  std::string order_id;
  std::vector<std::pair<std::string, uint64_t>> files;  // name, plaintext bytes
  std::vector<std::pair<std::string, uint64_t>> rows;   // OpenPackageInto: table, rows loaded
};

// Checks the manifest signature (refusing without a key unless
// skip_manifest_signature), the package's retention deadline, and every
// ciphertext's size and SHA-256 before decrypting anything; then decrypts
// every table to out_dir atomically.
Result<OpenResult> OpenPackage(const OpenRequest& request);

// Opens the database `open --into` loads into, once the package is checked.
using TargetOpener = std::function<Result<std::unique_ptr<source::TableTarget>>()>;

// The same checks, then (only then) `open_target`, and every table
// decrypted and parsed in memory and loaded into the target (its columns
// matched by name), committed once all are loaded: no plaintext file is
// written (out_dir is not used), and on any failure nothing is committed
// (the target rolls back when destroyed).
Result<OpenResult> OpenPackageInto(const OpenRequest& request, const TargetOpener& open_target);

}  // namespace cordon::pipeline
