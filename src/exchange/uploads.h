// Uploads in progress: an operator's staged upload, from POST /uploads until
// it is committed, abandoned, or dropped once its lifetime is over. Rows
// only: the staging directories themselves are the caller's to remove.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "exchange/db.h"

namespace cordon::exchange {

struct StagedUpload {
  std::string id;  // random, 32 hex digits
  int64_t uploader_id = 0;
  std::string staging;  // the directory its files are received in
  int64_t created_at = 0;
};

// Thread-safety: a view over one connection; used by the thread that owns
// the Db (one thread at a time, like the Db itself).
class Uploads {
 public:
  explicit Uploads(Db& db) : db_(db) {}

  // kAlreadyExists if the id is taken.
  Status Create(const StagedUpload& upload);
  // kNotFound (with the hint a client needs) when there is no such upload.
  Result<StagedUpload> Get(std::string_view id);
  // Deleting an upload that is not there is not an error (it is gone).
  Status Delete(std::string_view id);
  // One operator's uploads, oldest first.
  Result<std::vector<StagedUpload>> ListByUploader(int64_t uploader_id);
  // Uploads created at or before `created_at` (the stale-upload sweep).
  Result<std::vector<StagedUpload>> CreatedBy(int64_t created_at);

 private:
  Db& db_;
};

}  // namespace cordon::exchange
