// What left the exchange: one row per download, kept for the download-volume
// alert (bytes per account and hour) and the audit.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "exchange/db.h"

namespace cordon::exchange {

// Thread-safety: a view over one connection; used by the thread that owns
// the Db (one thread at a time, like the Db itself).
struct Download {
  int64_t account_id = 0;
  int64_t at = 0;
  uint64_t bytes = 0;
};

class Downloads {
 public:
  explicit Downloads(Db& db) : db_(db) {}

  Status Record(int64_t account_id, std::string_view package, int64_t at, uint64_t bytes);
  // The bytes `account_id` downloaded strictly after `after`. A database
  // error is an error, never "nothing was downloaded".
  Result<uint64_t> VolumeSince(int64_t account_id, int64_t after);
  // Every download of one package's files, oldest first (an order's report:
  // who received the patients' data, and when).
  Result<std::vector<Download>> OfPackage(std::string_view package);

 private:
  Db& db_;
};

}  // namespace cordon::exchange
