// Where the exchange keeps packages: content-addressed by the SHA-256 of
// their manifest (which commits to every file), so no path ever comes from
// a user. Uploads stream into a private staging directory and become
// visible in one rename once CheckPackage accepts them; a crash mid-upload
// leaves only staging, which the next start removes. Deletion (confirmed by
// the recipient, or the manifest's retention deadline) removes the files
// and yields a deletion record the server signs into a certificate.
#pragma once

#include <cstdint>
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
  int32_t delete_by = 0;  // days since 1970-01-01 (the manifest's)
  std::string status;     // "available", "deleting", "deleted"
  std::vector<pipeline::ManifestTable> files;
};

struct DeletionRecord {
  PackageInfo package;
  std::string reason;  // "confirmed" (by the recipient) or "retention"
  std::optional<int64_t> confirmed_by;
  int64_t deleted_at = 0;
};

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
  // refuses). An already stored package is kAlreadyExists.
  PackageCheck Publish(const std::string& staging, const std::vector<sign::PublicKey>& keys,
                       int64_t uploader_id, int64_t now);

  Result<PackageInfo> Get(std::string_view id);
  Result<std::vector<PackageInfo>> List();
  // The path of one of an available package's files (a name its manifest lists).
  Result<std::string> FilePath(std::string_view id, std::string_view file);

  Result<DeletionRecord> Delete(std::string_view id, std::string_view reason,
                                std::optional<int64_t> confirmed_by, int64_t now);
  // Deletes every available package whose delete_by day has passed at `now`.
  Result<std::vector<DeletionRecord>> DeleteExpired(int64_t now);

 private:
  PackageStore(std::string dir, Db db) : dir_(std::move(dir)), db_(std::move(db)) {}
  Status RemoveFiles(const std::string& id);
  std::string dir_;
  Db db_;
};

}  // namespace cordon::exchange
