#include "exchange/uploads.h"

namespace cordon::exchange {
namespace {

constexpr const char* kColumns = "SELECT id, uploader_id, staging, created_at FROM uploads ";

StagedUpload ReadUpload(const Statement& q) {
  return StagedUpload{q.Text(0), q.Int(1), q.Text(2), q.Int(3)};
}

Result<std::vector<StagedUpload>> ReadAll(Statement& q) {
  std::vector<StagedUpload> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(ReadUpload(q));
  }
}

}  // namespace

Status Uploads::Create(const StagedUpload& u) {
  CORDON_ASSIGN_OR_RETURN(
      Statement ins,
      db_.Prepare("INSERT INTO uploads(id, uploader_id, staging, created_at) VALUES (?, ?, ?, ?)"));
  return ins.Bind(1, u.id).Bind(2, u.uploader_id).Bind(3, u.staging).Bind(4, u.created_at).Run();
}

Result<StagedUpload> Uploads::Get(std::string_view id) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string(kColumns) + "WHERE id = ?"));
  q.Bind(1, id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return Error(ErrorCode::kNotFound,
                 "no such upload (finished, abandoned, or the exchange restarted during it)",
                 "start again with POST /api/v1/uploads");
  }
  return ReadUpload(q);
}

Status Uploads::Delete(std::string_view id) {
  CORDON_ASSIGN_OR_RETURN(Statement d, db_.Prepare("DELETE FROM uploads WHERE id = ?"));
  return d.Bind(1, id).Run();
}

Result<std::vector<StagedUpload>> Uploads::ListByUploader(int64_t uploader_id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare(std::string(kColumns) + "WHERE uploader_id = ? ORDER BY created_at, id"));
  q.Bind(1, uploader_id);
  return ReadAll(q);
}

Result<std::vector<StagedUpload>> Uploads::CreatedBy(int64_t created_at) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare(std::string(kColumns) + "WHERE created_at <= ? ORDER BY created_at, id"));
  q.Bind(1, created_at);
  return ReadAll(q);
}

}  // namespace cordon::exchange
