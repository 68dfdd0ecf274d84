#include "exchange/ssh_keys.h"

#include <nlohmann/json.hpp>

namespace cordon::exchange {
namespace {

constexpr const char* kColumns =
    "id, user_id, public_key, sign_counter, created_at, last_used_at, revoked_at";

Result<SshSigningKey> ReadKey(const Statement& q) {
  SshSigningKey k;
  k.id = q.Int(0);
  k.account_id = q.Int(1);
  const Bytes blob = q.Blob(2);
  CORDON_ASSIGN_OR_RETURN(k.key, ssh::SigningKey::FromBlob(blob));
  k.sign_counter = static_cast<uint32_t>(q.Int(3));
  k.created_at = q.Int(4);
  if (!q.IsNull(5)) k.last_used_at = q.Int(5);
  if (!q.IsNull(6)) k.revoked_at = q.Int(6);
  return k;
}

// Whether `sql` (one blob parameter) finds a row.
Result<bool> Exists(Db& db, const char* sql, ByteView blob) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db.Prepare(sql));
  q.Bind(1, blob);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  q.Reset();
  return found;
}

}  // namespace

std::string SshKeyProofDocument(std::string_view account_email, std::string_view origin,
                                const ssh::SigningKey& key) {
  using nlohmann::json;
  // Sorted keys, no whitespace (as grant_decisions.cc): both sides derive
  // the same bytes.
  const json doc = {{"format", "cordon-ssh-key-registration"},
                    {"version", 1},
                    {"exchange", std::string(origin)},
                    {"account", std::string(account_email)},
                    {"key", key.Line()}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string KeyLoginDocument(std::string_view account_email, std::string_view origin,
                             std::string_view challenge) {
  using nlohmann::json;
  const json doc = {{"format", "cordon-key-login"},
                    {"version", 1},
                    {"exchange", std::string(origin)},
                    {"account", std::string(account_email)},
                    {"challenge", std::string(challenge)}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<SshSigningKey> SshSigningKeys::Add(int64_t account_id, const ssh::SigningKey& key,
                                          int64_t now,
                                          const std::function<Status(const SshSigningKey&)>& record,
                                          uint32_t counter) {
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  {
    CORDON_ASSIGN_OR_RETURN(
        Statement q, db_.Prepare("SELECT count(*) FROM ssh_signing_keys WHERE user_id = ? AND "
                                 "revoked_at IS NULL"));
    q.Bind(1, account_id);
    CORDON_TRY(q.Step());
    const int64_t active = q.Int(0);
    q.Reset();
    if (active >= kMaxSshKeysPerAccount) {
      return Error(ErrorCode::kRefused,
                   "this account has " + std::to_string(active) + " SSH keys already",
                   "revoke one you no longer use: cordon remote ssh-key revoke ID");
    }
  }
  const ByteView blob = AsBytes(key.Blob());
  // By the key itself, not its blob: one private key signs as ssh-ed25519
  // and as sk-ssh-ed25519 under any application (attack review of
  // 2026-12-03, F3).
  const std::string material = key.Material();
  CORDON_ASSIGN_OR_RETURN(
      bool taken,
      Exists(db_, "SELECT 1 FROM ssh_signing_keys WHERE key_material = ?", AsBytes(material)));
  if (taken) {
    return Error(ErrorCode::kRefused, "this SSH key is registered already",
                 "each key is registered once, to one account (a revoked key stays retired)");
  }
  // A passkey's blob is SkEcdsaKey::Blob(): string(34) type, string(8)
  // "nistp256", string(65) point, string application — its point starts at
  // byte 55 (SQLite counts from 1), whatever the application.
  CORDON_ASSIGN_OR_RETURN(bool passkey,
                          Exists(db_, "SELECT 1 FROM passkeys WHERE substr(public_key, 55, 65) = ?",
                                 AsBytes(material)));
  if (passkey) {
    return Error(ErrorCode::kRefused, "this key is a passkey's",
                 "register a security key or key file made with ssh-keygen");
  }
  SshSigningKey k;
  k.account_id = account_id;
  k.key = key;
  k.created_at = now;
  // A security key's counter starts where its proof left it: a signature
  // made before the registration, held back, is no newer than the proof
  // (attack review of 2026-12-05).
  k.sign_counter = counter;
  CORDON_ASSIGN_OR_RETURN(
      Statement ins,
      db_.Prepare("INSERT INTO ssh_signing_keys(user_id, public_key, key_material, key_type, "
                  "fingerprint, sign_counter, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  CORDON_TRY(ins.Bind(1, account_id)
                 .Bind(2, blob)
                 .Bind(3, AsBytes(material))
                 .Bind(4, key.TypeName())
                 .Bind(5, key.Fingerprint())
                 .Bind(6, static_cast<int64_t>(counter))
                 .Bind(7, now)
                 .Run());
  k.id = db_.LastInsertId();
  if (record) CORDON_TRY(record(k));
  CORDON_TRY(tx.Commit());
  return k;
}

Result<std::vector<SshSigningKey>> SshSigningKeys::ForAccount(int64_t account_id) {
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare(std::string("SELECT ") + kColumns +
                                      " FROM ssh_signing_keys WHERE user_id = ? ORDER BY id"));
  q.Bind(1, account_id);
  std::vector<SshSigningKey> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    CORDON_ASSIGN_OR_RETURN(SshSigningKey k, ReadKey(q));
    out.push_back(std::move(k));
  }
}

Result<SshSigningKey> SshSigningKeys::FindActive(int64_t account_id, std::string_view fingerprint) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string("SELECT ") + kColumns +
                                                   " FROM ssh_signing_keys WHERE user_id = ? AND "
                                                   "fingerprint = ? AND revoked_at IS NULL"));
  q.Bind(1, account_id).Bind(2, fingerprint);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return Error(ErrorCode::kNotFound, "this SSH key is not registered to your account",
                 "cordon remote ssh-key list shows yours; add one with "
                 "cordon remote ssh-key add KEY.pub");
  }
  auto k = ReadKey(q);
  q.Reset();
  return k;
}

Result<int64_t> SshSigningKeys::CountEver(int64_t account_id) {
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare("SELECT count(*) FROM ssh_signing_keys WHERE user_id = ?"));
  q.Bind(1, account_id);
  CORDON_TRY(q.Step());
  const int64_t n = q.Int(0);
  q.Reset();
  return n;
}

Status SshSigningKeys::RecordUse(int64_t key_id, uint32_t seen, uint32_t counter, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Statement u, db_.Prepare("UPDATE ssh_signing_keys SET sign_counter = ?, "
                                                   "last_used_at = ? WHERE id = ? AND "
                                                   "sign_counter = ? AND revoked_at IS NULL"));
  CORDON_TRY(u.Bind(1, static_cast<int64_t>(counter))
                 .Bind(2, now)
                 .Bind(3, key_id)
                 .Bind(4, static_cast<int64_t>(seen))
                 .Run());
  if (db_.Changes() != 1) {
    return Error(ErrorCode::kAuthFailed, "this SSH key signed another decision at the same time",
                 "sign again; if it happens again, the key may have been copied");
  }
  return Ok();
}

Status SshSigningKeys::Revoke(int64_t account_id, int64_t key_id, int64_t now,
                              const std::function<Status()>& record) {
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(Statement u,
                          db_.Prepare("UPDATE ssh_signing_keys SET revoked_at = ? WHERE id = ? "
                                      "AND user_id = ? AND revoked_at IS NULL"));
  CORDON_TRY(u.Bind(1, now).Bind(2, key_id).Bind(3, account_id).Run());
  if (db_.Changes() != 1) {
    return Error(ErrorCode::kNotFound, "no active SSH key " + std::to_string(key_id) + " of yours",
                 "cordon remote ssh-key list shows yours");
  }
  if (record) CORDON_TRY(record());
  return tx.Commit();
}

}  // namespace cordon::exchange
