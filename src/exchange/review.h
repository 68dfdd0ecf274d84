// The periodic access review a hospital CISO asks for: every account with
// its role, end date, last login and IP, and its active and past grants;
// and an approver's attestation that the review was done, bound to the
// exact review it saw (its SHA-256).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "core/result.h"
#include "exchange/accounts.h"
#include "exchange/db.h"
#include "exchange/grants.h"

namespace cordon::exchange {

// What one review shows. The whole exchange for auditors and admins; for an
// approver, their organisation: its accounts with all their grants, and the
// accounts of the vendors that reach it (VendorsReaching: those it reviews
// in campaigns) with only their grants and sessions on its targets —
// nothing of other organisations, nor of what a vendor does elsewhere.
struct ReviewScope {
  std::optional<std::string> organisation;  // nullopt: the whole exchange
};

// The review as of `now` (JSON: generated_at, scope, accounts[...with grants],
// break_glass_to_review, attestations; and for remote maintenance:
// each account's organisation, last use, remote sessions and whether it is
// dormant or locked, each break-glass grant on a target "overdue" (red)
// once not countersigned within `countersign_seconds`, and one section per
// organisation with its accounts, open grants and suspension), as far as
// `scope` reaches; attestations by approvers of the scope's organisation.
Result<nlohmann::ordered_json> AccessReview(const std::string& data_dir, int64_t now,
                                            const ReviewScope& scope = {},
                                            int64_t countersign_seconds = 24 * 3600,
                                            int64_t idle_account_seconds = 90 * 86400);

// The SHA-256 (hex) that names a review: over its canonical text — keys
// sorted, no whitespace, bytes that are not UTF-8 replaced by U+FFFD — which
// anyone re-derives from the JSON the exchange served (the command line
// does, before it attests).
std::string ReviewSha256(const nlohmann::json& review);

// What an approver signs to attest a review (issue 17: no approval is a
// bare row): canonical JSON (sorted keys, no whitespace) — format
// `cordon-review-attestation`, version 1, the exchange's origin, the
// review's SHA-256 and the approver (id, e-mail, name, organisation) —
// signed in the namespace of reviews (cordon-review@RP_ID) like a
// campaign's decisions, whose format differs.
std::string AttestationDocument(std::string_view review_sha256, const Account& approver,
                                std::string_view origin);

// An attestation's signature: by a passkey or a registered SSH key (one),
// over AttestationDocument's bytes (the caller verified it).
struct AttestationSignature {
  std::optional<int64_t> passkey_id, ssh_key_id;
  std::string document, sshsig;
};

// Records that `approver` reviewed the review whose canonical text hashes to
// `review_sha256`, with its signature when signed. Only approvers attest,
// once per review (kAlreadyExists).
Status AttestReview(const std::string& data_dir, const Account& approver,
                    std::string_view review_sha256, int64_t now,
                    const AttestationSignature* signature = nullptr);

// Whether `approver_id` attested the review hashing to `review_sha256`
// already: an attestation is made once — a second copy, e.g. an old
// signature replayed by whoever holds the approver's session, would only
// make a stale review look freshly attested (attack review of 2026-12-05).
Result<bool> AlreadyAttested(Db& db, int64_t approver_id, std::string_view review_sha256);

// One attestation as stored.
struct Attestation {
  int64_t id = 0, approver_id = 0, attested_at = 0;
  std::string review_sha256;
  std::optional<AttestationSignature> signature;
};
// The `limit` most recent attestations, newest first; by approvers of
// `organisation` only when given.
Result<std::vector<Attestation>> RecentAttestations(
    Db& db, int limit, const std::optional<std::string>& organisation = std::nullopt);

// The reviews the exchange served, and to whom: only a review served to the
// approver who attests it can be attested (F22; review N20: not one served
// to someone else).
// Thread-safety: a view over one connection; used by the thread that owns
// the Db (one thread at a time, like the Db itself).
class ServedReviews {
 public:
  explicit ServedReviews(Db& db) : db_(db) {}

  // Serving one review twice to one account is one row (the first time).
  Status Record(std::string_view review_sha256, int64_t account_id, int64_t at);
  Result<bool> WasServed(std::string_view review_sha256, int64_t account_id);

 private:
  Db& db_;
};

}  // namespace cordon::exchange
