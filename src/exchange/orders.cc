#include "exchange/orders.h"

#include "core/bytes.h"
#include "core/encoding.h"
#include "crypto/hash.h"

namespace cordon::exchange {
namespace {

std::string Sha256Hex(std::string_view s) { return HexEncode(crypto::Sha256::Hash(AsBytes(s))); }

constexpr const char* kSummaryColumns =
    "order_id, version, organisation, submitter_id, submitter_organisation, submitted_at, "
    "order_sha256, plan_sha256, length(order_toml), length(plan_json)";

StoredOrder ReadSummary(const Statement& q) {
  StoredOrder o;
  o.order_id = q.Text(0);
  o.version = q.Int(1);
  o.organisation = q.Text(2);
  o.submitter_id = q.Int(3);
  o.submitter_organisation = q.Text(4);
  o.submitted_at = q.Int(5);
  o.order_sha256 = q.Text(6);
  o.plan_sha256 = q.Text(7);
  o.order_bytes = static_cast<uint64_t>(q.Int(8));
  o.plan_bytes = static_cast<uint64_t>(q.Int(9));
  return o;
}

std::string BlobText(const Statement& q, int column) {
  Bytes b = q.Blob(column);
  return std::string(b.begin(), b.end());
}

}  // namespace

Status CheckSubmittedOrderId(std::string_view id) {
  bool ok = !id.empty() && id.size() <= 128 && id.front() != '.' && id.front() != '-';
  for (char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-');
  }
  if (!ok) {
    return Error(ErrorCode::kInvalidArgument,
                 "an order id on the exchange is 1 to 128 letters, digits, '.', '_' or '-' (not "
                 "first)",
                 "rename the order's [order].id, e.g. LAB42-MIGRATION-2027-03");
  }
  return Ok();
}

Result<StoredOrder> Orders::Submit(const OrderSubmission& s, int64_t now,
                                   const std::function<Status(const StoredOrder&)>& record) {
  CORDON_TRY(CheckSubmittedOrderId(s.order_id));
  if (s.organisation.empty()) {
    return Error(ErrorCode::kInvalidArgument, "name the controller's organisation");
  }
  if (s.order_toml.empty() || s.order_toml.size() > kMaxSubmittedOrderBytes) {
    return Error(ErrorCode::kInvalidArgument,
                 "an order is 1 byte to " + std::to_string(kMaxSubmittedOrderBytes >> 10) + " KiB");
  }
  if (s.plan_json.empty() || s.plan_json.size() > kMaxSubmittedPlanBytes) {
    return Error(ErrorCode::kInvalidArgument,
                 "a plan is 1 byte to " + std::to_string(kMaxSubmittedPlanBytes >> 20) + " MiB");
  }
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  int64_t latest = 0;
  {
    CORDON_ASSIGN_OR_RETURN(
        Statement q, db_.Prepare("SELECT version, organisation, submitter_organisation, "
                                 "submitter_id FROM orders WHERE order_id = ? ORDER BY version "
                                 "DESC LIMIT 1"));
    q.Bind(1, s.order_id);
    CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
    if (found) {
      latest = q.Int(0);
      const std::string organisation = q.Text(1), vendor = q.Text(2);
      const int64_t submitter = q.Int(3);
      q.Reset();
      // A version chain is one vendor's order for one controller: another
      // vendor (or the same vendor to another hospital) reusing the id
      // would slip a version into a chain the DPO trusts.
      if (organisation != s.organisation) {
        return Error(ErrorCode::kRefused,
                     "order " + s.order_id + " was submitted for another organisation",
                     "give the order another id");
      }
      if (vendor != s.submitter_organisation || (vendor.empty() && submitter != s.submitter_id)) {
        return Error(ErrorCode::kRefused,
                     "order " + s.order_id + " was submitted by another " +
                         (vendor.empty() ? "account" : "organisation"),
                     "give the order another id");
      }
      if (latest >= kMaxOrderVersions) {
        return Error(ErrorCode::kRefused, "order " + s.order_id + " has " + std::to_string(latest) +
                                              " versions already: give it another id");
      }
    }
  }
  StoredOrder o;
  o.order_id = s.order_id;
  o.version = latest + 1;
  o.organisation = s.organisation;
  o.submitter_id = s.submitter_id;
  o.submitter_organisation = s.submitter_organisation;
  o.submitted_at = now;
  o.order_sha256 = Sha256Hex(s.order_toml);
  o.plan_sha256 = Sha256Hex(s.plan_json);
  o.order_bytes = s.order_toml.size();
  o.plan_bytes = s.plan_json.size();
  CORDON_ASSIGN_OR_RETURN(
      Statement ins,
      db_.Prepare("INSERT INTO orders(order_id, version, organisation, submitter_id, "
                  "submitter_organisation, submitted_at, order_sha256, plan_sha256, order_toml, "
                  "plan_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  CORDON_TRY(ins.Bind(1, o.order_id)
                 .Bind(2, o.version)
                 .Bind(3, o.organisation)
                 .Bind(4, o.submitter_id)
                 .Bind(5, o.submitter_organisation)
                 .Bind(6, now)
                 .Bind(7, o.order_sha256)
                 .Bind(8, o.plan_sha256)
                 .Bind(9, AsBytes(s.order_toml))
                 .Bind(10, AsBytes(s.plan_json))
                 .Run());
  if (record) CORDON_TRY(record(o));
  CORDON_TRY(tx.Commit());
  return o;
}

Result<std::vector<StoredOrder>> Orders::List(const OrderFilter& filter) {
  // Constant SQL: a filter left out binds NULL, which matches every row.
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare(std::string("SELECT ") + kSummaryColumns +
                  " FROM orders WHERE (?1 IS NULL OR organisation = ?1) AND "
                  "(?2 IS NULL OR submitter_id = ?2) ORDER BY order_id, version DESC"));
  if (filter.organisation) {
    q.Bind(1, *filter.organisation);
  } else {
    q.BindNull(1);
  }
  if (filter.submitter_id) {
    q.Bind(2, *filter.submitter_id);
  } else {
    q.BindNull(2);
  }
  std::vector<StoredOrder> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(ReadSummary(q));
  }
}

bool SameVendor(const StoredOrder& o, int64_t account_id, std::string_view organisation) {
  if (o.submitter_organisation.empty()) return account_id == o.submitter_id;
  return organisation == o.submitter_organisation;
}

Result<StoredOrder> Orders::Get(std::string_view order_id, std::optional<int64_t> version) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare(std::string("SELECT ") + kSummaryColumns +
                  ", order_toml, plan_json FROM orders WHERE order_id = ?1 AND (?2 IS NULL OR "
                  "version = ?2) ORDER BY version DESC LIMIT 1"));
  q.Bind(1, order_id);
  if (version) {
    q.Bind(2, *version);
  } else {
    q.BindNull(2);
  }
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return Error(ErrorCode::kNotFound,
                 "no order " + std::string(order_id) +
                     (version ? " version " + std::to_string(*version) : std::string()));
  }
  StoredOrder o = ReadSummary(q);
  o.order_toml = BlobText(q, 10);
  o.plan_json = BlobText(q, 11);
  return o;
}

Status Orders::AddSignature(std::string_view order_id, int64_t version,
                            const OrderSignature& signature,
                            const std::function<Status()>& record) {
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  {
    CORDON_ASSIGN_OR_RETURN(Statement seen,
                            db_.Prepare("SELECT 1 FROM order_signatures WHERE order_id = ? AND "
                                        "version = ? AND signer_id = ?"));
    seen.Bind(1, order_id).Bind(2, version).Bind(3, signature.signer_id);
    CORDON_ASSIGN_OR_RETURN(bool signed_before, seen.Step());
    seen.Reset();
    if (signed_before) {
      return Error(ErrorCode::kAlreadyExists, "you signed this version of the order already");
    }
  }
  CORDON_ASSIGN_OR_RETURN(
      Statement ins,
      db_.Prepare("INSERT INTO order_signatures(order_id, version, signer_id, passkey_id, "
                  "signed_at, sshsig) VALUES (?, ?, ?, ?, ?, ?)"));
  CORDON_TRY(ins.Bind(1, order_id)
                 .Bind(2, version)
                 .Bind(3, signature.signer_id)
                 .Bind(4, signature.passkey_id)
                 .Bind(5, signature.signed_at)
                 .Bind(6, signature.sshsig)
                 .Run());
  if (record) CORDON_TRY(record());
  return tx.Commit();
}

Result<std::vector<OrderSignature>> Orders::Signatures(std::string_view order_id, int64_t version) {
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare("SELECT signer_id, passkey_id, signed_at, sshsig FROM "
                                      "order_signatures WHERE order_id = ? AND version = ? "
                                      "ORDER BY id"));
  q.Bind(1, order_id).Bind(2, version);
  std::vector<OrderSignature> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back({q.Int(0), q.Int(1), q.Int(2), q.Text(3)});
  }
}

Result<std::optional<int64_t>> Orders::LatestSignedVersion(std::string_view order_id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare("SELECT max(version) FROM order_signatures WHERE order_id = ?"));
  q.Bind(1, order_id);
  CORDON_TRY(q.Step());  // an aggregate: always one row, NULL when none
  std::optional<int64_t> version;
  if (!q.IsNull(0)) version = q.Int(0);
  q.Reset();
  return version;
}

}  // namespace cordon::exchange
