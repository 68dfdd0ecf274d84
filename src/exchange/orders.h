// Orders submitted for validation (issue 17): a vendor's operator uploads an
// order's exact bytes with the exact plan JSON it was made with
// (`cordon remote order submit`); the DPOs of the controller's organisation
// read them. Each submission of an order id is a new version: nothing is
// ever overwritten, so a DPO can compare what changed. The exchange keeps
// the bytes as they came (a signature will be over them) and their SHA-256.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "exchange/db.h"

namespace cordon::exchange {

// An order on the exchange is at most this large (cordon's own limit on
// orders, pipeline::kMaxOrderBytes), its plan at most this: 30 tables of
// 50 columns with their masked samples are a few hundred KiB.
inline constexpr size_t kMaxSubmittedOrderBytes = 1 << 20;
inline constexpr size_t kMaxSubmittedPlanBytes = 8 << 20;
// Versions of one order id: a loop resubmitting forever stops here.
inline constexpr int kMaxOrderVersions = 1000;

// kInvalidArgument unless the id is 1 to 128 letters, digits, '.', '_' or
// '-', not starting with '.' or '-': it is a URL path segment on the
// exchange, and printed to DPOs.
Status CheckSubmittedOrderId(std::string_view id);

struct OrderSubmission {
  std::string order_id;      // the order's [order].id
  std::string organisation;  // the controller's (whose DPOs validate)
  int64_t submitter_id = 0;
  std::string submitter_organisation;  // the vendor's ("" = the exchange's own)
  std::string order_toml;              // exact bytes
  std::string plan_json;               // exact bytes
};

struct StoredOrder {
  std::string order_id;
  int64_t version = 0;
  std::string organisation;
  int64_t submitter_id = 0;
  std::string submitter_organisation;
  int64_t submitted_at = 0;
  std::string order_sha256, plan_sha256;  // lowercase hex of the bytes below
  uint64_t order_bytes = 0, plan_bytes = 0;
  // The bytes themselves: filled by Get only (List leaves them empty).
  std::string order_toml, plan_json;
};

// Who is asking for a list, and what they may see.
struct OrderFilter {
  std::optional<std::string> organisation;  // a DPO: their organisation's
  std::optional<int64_t> submitter_id;      // an operator: their own
};

// A DPO's approval of one version: an SSH signature (PROTOCOL.sshsig, of
// type webauthn-sk-ecdsa-sha2-nistp256) over the version's exact bytes,
// made with the signer's registered passkey and verified before it was
// kept. It is the evidence itself: anyone checks it with ssh-keygen.
struct OrderSignature {
  int64_t signer_id = 0;
  int64_t passkey_id = 0;
  int64_t signed_at = 0;
  std::string sshsig;  // armored, "-----BEGIN SSH SIGNATURE-----"…
};

// Whether an account of `organisation` (id `account_id`) acts for the vendor
// that submitted `o`: an account of its organisation, or, for the
// exchange's own accounts (organisation ""), the submitter alone — as a
// version chain belongs to one submitter. Packages naming the order are its
// vendor's only (an order's report shows them).
bool SameVendor(const StoredOrder& o, int64_t account_id, std::string_view organisation);

// Thread-safety: a view over one connection, used by the thread that owns it.
class Orders {
 public:
  explicit Orders(Db& db) : db_(db) {}
  // Stores the submission as the order id's next version (1 for a new id),
  // in one transaction with `record` (its ledger event: no submission
  // without its evidence). kInvalidArgument (id, sizes), kRefused (an id
  // already submitted for another organisation, or by another vendor —
  // or, for the exchange's own accounts, another account: a version chain
  // belongs to one submitter; too many versions).
  Result<StoredOrder> Submit(const OrderSubmission& s, int64_t now,
                             const std::function<Status(const StoredOrder&)>& record = {});
  // Newest first (by order id, then version).
  Result<std::vector<StoredOrder>> List(const OrderFilter& filter);
  // One version with its bytes; the latest without `version`. kNotFound.
  Result<StoredOrder> Get(std::string_view order_id, std::optional<int64_t> version);
  // Keeps a verified signature of one version, in one transaction with
  // `record`. kAlreadyExists: this person signed this version already.
  Status AddSignature(std::string_view order_id, int64_t version, const OrderSignature& signature,
                      const std::function<Status()>& record = {});
  // The signatures of one version, oldest first.
  Result<std::vector<OrderSignature>> Signatures(std::string_view order_id, int64_t version);
  // The newest version of the order that holds a signature, or none.
  Result<std::optional<int64_t>> LatestSignedVersion(std::string_view order_id);

 private:
  Db& db_;
};

}  // namespace cordon::exchange
