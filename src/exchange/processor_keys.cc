#include "exchange/processor_keys.h"

namespace cordon::exchange {
namespace {

constexpr const char* kColumns = "SELECT key_id, public_key, added_at, person FROM processor_keys ";

ProcessorKey ReadKey(const Statement& q) {
  return ProcessorKey{q.Text(0), q.Text(1), q.Int(2), q.Text(3)};
}

}  // namespace

Status ProcessorKeys::Add(const ProcessorKey& k) {
  CORDON_ASSIGN_OR_RETURN(Statement ins,
                          db_.Prepare("INSERT INTO processor_keys(key_id, public_key, added_at, "
                                      "person) VALUES (?, ?, ?, ?)"));
  Status added =
      ins.Bind(1, k.key_id).Bind(2, k.public_key).Bind(3, k.added_at).Bind(4, k.person).Run();
  if (!added.ok() && added.error().code() == ErrorCode::kAlreadyExists) {
    return Error(ErrorCode::kAlreadyExists, "processor key " + k.key_id + " is registered already");
  }
  return added;
}

Result<std::optional<ProcessorKey>> ProcessorKeys::Find(std::string_view key_id) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string(kColumns) + "WHERE key_id = ?"));
  q.Bind(1, key_id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return std::optional<ProcessorKey>();
  return std::optional<ProcessorKey>(ReadKey(q));
}

Result<std::vector<ProcessorKey>> ProcessorKeys::List() {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string(kColumns) + "ORDER BY rowid"));
  std::vector<ProcessorKey> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(ReadKey(q));
  }
}

}  // namespace cordon::exchange
