// Where the exchange keeps packages: content-addressed by the SHA-256 of
// their manifest (which commits to every file), so no path ever comes from
// a user. Uploads stream into a private staging directory and become
// visible in one rename once CheckPackage accepts them; a crash mid-upload
// leaves only staging, which the next start removes. Deletion (confirmed by
// the recipient, or the manifest's retention deadline) removes the files
// and yields a deletion record the server signs into a certificate.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "exchange/db.h"
#include "exchange/package_check.h"

namespace cordon::exchange {

struct PackageInfo {
  std::string id;  // manifest SHA-256, lowercase hex
  std::string order_id;
  int64_t uploader_id = 0;
  int64_t uploaded_at = 0;
  uint64_t bytes = 0;
  int32_t delete_by = 0;                       // days since 1970-01-01 (the manifest's)
  std::string status;                          // "available", "deleting", "deleted"
  std::vector<pipeline::ManifestTable> files;  // columns: names only (none in rows before 2026-12)
  std::vector<std::string> recipients;         // the manifest's age recipients
  std::string signer;                    // the processor key id (hex) that signed its manifest
  std::optional<uint64_t> deletion_seq;  // the ledger entry of its deletion
  std::string deletion_reason;
  std::optional<int64_t> confirmed_by;
  int64_t deleted_at = 0;
  // Its uploader's at upload: whose approvers decide on grants to it and
  // see it.
  std::string organisation;
};

struct DeletionRecord {
  PackageInfo package;
  std::string reason;  // "confirmed" (by the recipient) or "retention"
  std::optional<int64_t> confirmed_by;
  int64_t deleted_at = 0;
  uint64_t ledger_seq = 0;  // the package.deleted event
};

// Appends a ledger event inside the store's transaction and returns its
// sequence number: when it fails, the change it records is rolled back
// (nothing changes on the exchange without its evidence).
using RecordEvent = std::function<Result<uint64_t>()>;

// The ledger event of a publication, given what was checked (its id, order,
// signer), appended before the package becomes visible.
using PublishEvent = std::function<Result<uint64_t>(const CheckedPackage&)>;

// What the exchange allows a manifest's delete_by to be.
struct RetentionPolicy {
  int32_t max_days = 90;  // from the upload
};

// The packages on the exchange: their files under DIR/packages and their
// rows. Thread-safety: one connection to the store; one thread at a time
// (each server worker opens its own); publishing and deleting are
// transactions, safe across instances sharing a data directory.
class PackageStore {
 public:
  // Opens DIR/packages and DIR/staging. With `recover` (once, when the
  // server starts, before any upload can be in flight) it also removes
  // staging leftovers and finishes deletions a crash interrupted.
  enum class Recover { kYes, kNo };
  static Result<PackageStore> Open(const std::string& data_dir, Recover recover = Recover::kYes);

  // A fresh private staging directory for one upload.
  Result<std::string> NewStaging();
  // Checks the staged package and publishes it (or removes the staging and
  // refuses). A package id ever stored — on the exchange, or deleted — is
  // kAlreadyExists: a deleted package never comes back (its certificate
  // stays true). A delete_by in the past or beyond the policy is refused.
  // `record` runs once the package is in place and before it is visible.
  PackageCheck Publish(const std::string& staging, const std::vector<sign::PublicKey>& keys,
                       int64_t uploader_id, int64_t now, const RetentionPolicy& retention,
                       const PublishEvent& record);

  Result<PackageInfo> Get(std::string_view id);
  Result<std::vector<PackageInfo>> List();
  // The packages that name `order_id`, oldest first (whoever uploaded them).
  Result<std::vector<PackageInfo>> OfOrder(std::string_view order_id);
  // The path of one of an available package's files (a name its manifest lists).
  Result<std::string> FilePath(std::string_view id, std::string_view file);

  // Deletion is a state machine that always finishes with its evidence:
  //   available --BeginDeletion--> deleting (the ledger event written in the
  //   same transaction) --FinishDeletion--> deleted (files gone, its grants
  //   closed) --StoreCertificate--> certified.
  // A crash at any point is finished at the next start (Pending()).
  // BeginDeletion of a package already deleting or deleted returns its
  // record as it stands, without recording again.
  Result<DeletionRecord> BeginDeletion(std::string_view id, std::string_view reason,
                                       std::optional<int64_t> confirmed_by, int64_t now,
                                       const RecordEvent& record);
  // Records the event of a deletion that a crash left without one.
  Status RecordPendingDeletion(std::string_view id, const RecordEvent& record);
  Result<DeletionRecord> FinishDeletion(std::string_view id);
  Status StoreCertificate(std::string_view id, std::string_view json, std::string_view signature);
  // The certificate's JSON and signature, or kNotFound.
  Result<std::pair<std::string, std::string>> Certificate(std::string_view id);
  // Packages whose deletion is not finished: deleting, or deleted without
  // a certificate.
  Result<std::vector<PackageInfo>> Unfinished();

 private:
  PackageStore(std::string dir, Db db) : dir_(std::move(dir)), db_(std::move(db)) {}
  Status RemoveFiles(const std::string& id);
  Result<DeletionRecord> Record(std::string_view id);
  // Every package row matching `where_and_order` (constant SQL only; its
  // one parameter, if any, is `bound`).
  Result<std::vector<PackageInfo>> Select(std::string_view where_and_order,
                                          std::optional<std::string_view> bound = std::nullopt);
  std::string dir_;
  Db db_;
};

}  // namespace cordon::exchange
