#include "exchange/downloads.h"

#include <algorithm>

namespace cordon::exchange {

Status Downloads::Record(int64_t account_id, std::string_view package, int64_t at, uint64_t bytes) {
  CORDON_ASSIGN_OR_RETURN(
      Statement ins,
      db_.Prepare("INSERT INTO downloads(user_id, package, at, bytes) VALUES (?, ?, ?, ?)"));
  return ins.Bind(1, account_id)
      .Bind(2, package)
      .Bind(3, at)
      .Bind(4, static_cast<int64_t>(bytes))
      .Run();
}

Result<uint64_t> Downloads::VolumeSince(int64_t account_id, int64_t after) {
  CORDON_ASSIGN_OR_RETURN(
      Statement sum,
      db_.Prepare("SELECT COALESCE(SUM(bytes), 0) FROM downloads WHERE user_id = ? AND at > ?"));
  sum.Bind(1, account_id).Bind(2, after);
  CORDON_ASSIGN_OR_RETURN(bool row, sum.Step());
  if (!row) return Error(ErrorCode::kInternal, "database: an aggregate returned no row");
  const int64_t volume = sum.Int(0);
  sum.Reset();  // the read's snapshot ends here
  return static_cast<uint64_t>(volume < 0 ? 0 : volume);
}

Result<std::vector<Download>> Downloads::OfPackage(std::string_view package) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare("SELECT user_id, at, bytes FROM downloads WHERE package = ? ORDER BY at, rowid"));
  q.Bind(1, package);
  std::vector<Download> out;
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back({q.Int(0), q.Int(1), static_cast<uint64_t>(std::max<int64_t>(0, q.Int(2)))});
  }
  return out;
}

}  // namespace cordon::exchange
