#include "exchange/passkeys.h"

#include "core/encoding.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace cordon::exchange {
namespace {

constexpr const char* kPasskeyColumns =
    "id, user_id, credential_id, public_key, sign_counter, label, aaguid, attestation, "
    "backup_eligible, created_at, last_used_at, revoked_at";

Result<Passkey> ReadPasskey(const Statement& q) {
  Passkey p;
  p.id = q.Int(0);
  p.account_id = q.Int(1);
  p.credential_id = q.Blob(2);
  const Bytes blob = q.Blob(3);
  CORDON_ASSIGN_OR_RETURN(p.key, ssh::SkEcdsaKey::FromBlob(blob));
  p.sign_counter = static_cast<uint32_t>(q.Int(4));
  p.label = q.Text(5);
  p.aaguid_hex = q.Text(6);
  p.attestation = q.Text(7);
  p.backup_eligible = q.Int(8) != 0;
  p.created_at = q.Int(9);
  if (!q.IsNull(10)) p.last_used_at = q.Int(10);
  if (!q.IsNull(11)) p.revoked_at = q.Int(11);
  return p;
}

Status CheckLabel(std::string_view label) {
  bool ok = !label.empty() && label.size() <= kMaxPasskeyLabel;
  for (unsigned char c : label) ok = ok && c >= 0x20 && c < 0x7f;
  if (!ok) {
    return Error(ErrorCode::kInvalidArgument,
                 "a passkey's label is 1 to " + std::to_string(kMaxPasskeyLabel) +
                     " printable ASCII characters",
                 "name it after the device, e.g. \"YubiKey bureau\"");
  }
  return Ok();
}

Error NoSuchChallenge() {
  return Error(ErrorCode::kAuthFailed,
               "this passkey answer is not for a challenge the exchange gave",
               "it expired (5 minutes), was answered already, or was made for another page; "
               "start again");
}

}  // namespace

std::string_view CeremonyName(Ceremony c) {
  return c == Ceremony::kRegister ? "register" : "login";
}

Result<Bytes> Passkeys::NewChallenge(Ceremony ceremony, std::optional<int64_t> account_id,
                                     std::string_view source, int64_t now) {
  // The count and the insert in one write transaction: concurrent begins
  // cannot overshoot the quotas.
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  {
    CORDON_ASSIGN_OR_RETURN(Statement sweep,
                            db_.Prepare("DELETE FROM webauthn_challenges WHERE expires_at <= ?"));
    CORDON_TRY(sweep.Bind(1, now).Run());
  }
  {
    CORDON_ASSIGN_OR_RETURN(Statement n,
                            db_.Prepare("SELECT count(*), coalesce(sum(source = ?), 0) "
                                        "FROM webauthn_challenges"));
    n.Bind(1, source);
    CORDON_TRY(n.Step());
    const int64_t pending = n.Int(0), from_source = n.Int(1);
    n.Reset();
    // Per address first: one client flooding the begins must not lock
    // everyone else out of passkeys (attack review F2).
    if (from_source >= kMaxPendingChallengesPerSource) {
      return Error(ErrorCode::kLimitExceeded, "too many passkey ceremonies begun from your address",
                   "finish or abandon them; each expires after 5 minutes");
    }
    if (pending >= kMaxPendingChallenges) {
      return Error(ErrorCode::kLimitExceeded, "too many passkey ceremonies are waiting",
                   "try again in a few minutes");
    }
  }
  Bytes challenge(kChallengeBytes);
  crypto::RandomBytes(challenge);
  const auto hash = crypto::Sha256::Hash(challenge);
  CORDON_ASSIGN_OR_RETURN(
      Statement ins,
      db_.Prepare("INSERT INTO webauthn_challenges(challenge_sha256, ceremony, user_id, "
                  "expires_at, source) VALUES (?, ?, ?, ?, ?)"));
  ins.Bind(1, ByteView(hash.data(), hash.size())).Bind(2, CeremonyName(ceremony));
  if (account_id) {
    ins.Bind(3, *account_id);
  } else {
    ins.BindNull(3);
  }
  CORDON_TRY(ins.Bind(4, now + kChallengeSeconds).Bind(5, source).Run());
  CORDON_TRY(tx.Commit());
  return challenge;
}

Status Passkeys::SpendChallenge(ByteView challenge, Ceremony ceremony,
                                std::optional<int64_t> account_id, int64_t now) {
  if (challenge.size() != kChallengeBytes) return NoSuchChallenge();
  const auto hash = crypto::Sha256::Hash(challenge);
  // Deleted in the statement that reads it: of two answers racing with one
  // challenge, one finds it gone.
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare("DELETE FROM webauthn_challenges WHERE challenge_sha256 = ? "
                                      "RETURNING ceremony, user_id, expires_at"));
  q.Bind(1, ByteView(hash.data(), hash.size()));
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return NoSuchChallenge();
  const std::string kind = q.Text(0);
  const std::optional<int64_t> owner = q.IsNull(1) ? std::nullopt : std::optional(q.Int(1));
  const int64_t expires_at = q.Int(2);
  CORDON_TRY(q.Run());  // the DELETE completes
  if (kind != CeremonyName(ceremony) || owner != account_id || now >= expires_at) {
    return NoSuchChallenge();
  }
  return Ok();
}

Result<Passkey> Passkeys::Add(int64_t account_id, const auth::RegisteredCredential& credential,
                              std::string_view label, int64_t now,
                              const std::function<Status(const Passkey&)>& record) {
  CORDON_TRY(CheckLabel(label));
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(int64_t active, CountActive(account_id));
  if (active >= kMaxPasskeysPerAccount) {
    return Error(ErrorCode::kRefused,
                 "this account has " + std::to_string(active) + " passkeys already",
                 "ten is the most one account keeps");
  }
  {
    CORDON_ASSIGN_OR_RETURN(Statement seen,
                            db_.Prepare("SELECT 1 FROM passkeys WHERE credential_id = ?"));
    seen.Bind(1, ByteView(credential.credential_id));
    CORDON_ASSIGN_OR_RETURN(bool taken, seen.Step());
    seen.Reset();
    // Also a revoked one: a credential id comes back only if its key does.
    if (taken) {
      return Error(ErrorCode::kRefused, "this passkey is registered already",
                   "each passkey is registered once, to one account");
    }
  }
  {
    // One key, one credential, one person — revoked ones included. With a
    // "none" attestation nothing proves the registrant holds the private
    // key: registering a colleague's public key (it is in every signature
    // they make) under a made-up credential id would turn their signatures
    // into this account's (attack review F1).
    const std::string blob = credential.key.Blob();
    CORDON_ASSIGN_OR_RETURN(Statement same_key,
                            db_.Prepare("SELECT 1 FROM passkeys WHERE public_key = ?"));
    same_key.Bind(1, AsBytes(blob));
    CORDON_ASSIGN_OR_RETURN(bool taken, same_key.Step());
    same_key.Reset();
    if (taken) {
      return Error(ErrorCode::kRefused, "this passkey's key is registered already",
                   "each key is registered once, to one account");
    }
    // Nor as someone's SSH signing key (exchange/ssh_keys.h), by its point.
    CORDON_ASSIGN_OR_RETURN(Statement ssh_key,
                            db_.Prepare("SELECT 1 FROM ssh_signing_keys WHERE key_material = ?"));
    ssh_key.Bind(1, ByteView(credential.key.point));
    CORDON_ASSIGN_OR_RETURN(bool as_ssh_key, ssh_key.Step());
    ssh_key.Reset();
    if (as_ssh_key) {
      return Error(ErrorCode::kRefused, "this passkey's key is registered already, as an SSH key",
                   "each key is registered once, to one account");
    }
  }
  Passkey p;
  p.account_id = account_id;
  p.credential_id = credential.credential_id;
  p.key = credential.key;
  p.sign_counter = credential.sign_counter;
  p.label = std::string(label);
  p.aaguid_hex = HexEncode(credential.aaguid);
  p.attestation = credential.attestation_format;
  p.backup_eligible = credential.backup_eligible;
  p.created_at = now;
  const std::string blob = p.key.Blob();
  CORDON_ASSIGN_OR_RETURN(
      Statement ins,
      db_.Prepare("INSERT INTO passkeys(user_id, credential_id, public_key, sign_counter, label, "
                  "aaguid, attestation, backup_eligible, created_at) VALUES "
                  "(?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  CORDON_TRY(ins.Bind(1, account_id)
                 .Bind(2, ByteView(p.credential_id))
                 .Bind(3, AsBytes(blob))
                 .Bind(4, static_cast<int64_t>(p.sign_counter))
                 .Bind(5, p.label)
                 .Bind(6, p.aaguid_hex)
                 .Bind(7, p.attestation)
                 .Bind(8, int64_t{p.backup_eligible ? 1 : 0})
                 .Bind(9, now)
                 .Run());
  p.id = db_.LastInsertId();
  if (record) CORDON_TRY(record(p));
  CORDON_TRY(tx.Commit());
  return p;
}

Result<std::vector<Passkey>> Passkeys::ForAccount(int64_t account_id) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string("SELECT ") + kPasskeyColumns +
                                                   " FROM passkeys WHERE user_id = ? ORDER BY id"));
  q.Bind(1, account_id);
  std::vector<Passkey> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    CORDON_ASSIGN_OR_RETURN(Passkey p, ReadPasskey(q));
    out.push_back(std::move(p));
  }
}

Result<Passkey> Passkeys::FindActive(ByteView credential_id) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string("SELECT ") + kPasskeyColumns +
                                                   " FROM passkeys WHERE credential_id = ? AND "
                                                   "revoked_at IS NULL"));
  q.Bind(1, credential_id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return Error(ErrorCode::kNotFound, "this passkey is not registered on the exchange",
                 "log in with the passkey you registered, or ask an admin");
  }
  auto p = ReadPasskey(q);
  q.Reset();
  return p;
}

Result<int64_t> Passkeys::CountActive(int64_t account_id) {
  return Count(account_id,
               "SELECT count(*) FROM passkeys WHERE user_id = ? AND revoked_at IS NULL");
}

Result<int64_t> Passkeys::CountEver(int64_t account_id) {
  return Count(account_id, "SELECT count(*) FROM passkeys WHERE user_id = ?");
}

Result<int64_t> Passkeys::Count(int64_t account_id, const char* sql) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(sql));
  q.Bind(1, account_id);
  CORDON_TRY(q.Step());
  const int64_t n = q.Int(0);
  q.Reset();
  return n;
}

Status Passkeys::RecordUse(int64_t passkey_id, uint32_t seen, uint32_t counter, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Statement u, db_.Prepare("UPDATE passkeys SET sign_counter = ?, "
                                                   "last_used_at = ? WHERE id = ? AND "
                                                   "sign_counter = ? AND revoked_at IS NULL"));
  CORDON_TRY(u.Bind(1, static_cast<int64_t>(counter))
                 .Bind(2, now)
                 .Bind(3, passkey_id)
                 .Bind(4, static_cast<int64_t>(seen))
                 .Run());
  if (db_.Changes() != 1) {
    return Error(ErrorCode::kAuthFailed, "this passkey was used by another login at the same time",
                 "log in again; if it happens again, the passkey may have been copied");
  }
  return Ok();
}

Result<Passkeys::Revocation> Passkeys::ApproveRevocation(
    int64_t passkey_id, const Account& admin, std::string_view reason, int64_t now,
    const std::function<Status(const Revocation&)>& record) {
  const auto refused = [](std::string m, std::string hint = {}) {
    return Error(ErrorCode::kRefused, std::move(m), std::move(hint));
  };
  if (admin.role != Role::kAdmin) return refused("only admins revoke passkeys");
  if (reason.empty() || reason.size() > 200) {
    return Error(ErrorCode::kInvalidArgument, "say why, in at most 200 characters",
                 "e.g. \"lost on 2027-01-15, reported by phone\"");
  }
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare("SELECT p.user_id, p.revoked_at IS NOT NULL, u.name FROM passkeys "
                               "p JOIN users u ON u.id = p.user_id WHERE p.id = ?"));
  q.Bind(1, passkey_id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return Error(ErrorCode::kNotFound, "no passkey " + std::to_string(passkey_id));
  Revocation r;
  r.passkey_id = passkey_id;
  r.account_id = q.Int(0);
  if (q.Int(1) != 0)
    return refused("passkey " + std::to_string(passkey_id) + " is revoked already");
  if (r.account_id == admin.id || SameName(q.Text(2), admin.name)) {
    return refused("nobody approves the revocation of their own passkey",
                   "two other admins must approve it");
  }
  q.Reset();
  // One person counts once, whatever their accounts: a second admin
  // account of the same name approves nothing more.
  CORDON_ASSIGN_OR_RETURN(
      Statement earlier,
      db_.Prepare("SELECT u.name FROM passkey_revocations r JOIN users u ON "
                  "u.id = r.admin_id WHERE r.passkey_id = ? AND r.admin_id <> ?"));
  earlier.Bind(1, passkey_id).Bind(2, admin.id);
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, earlier.Step());
    if (!row) break;
    if (SameName(earlier.Text(0), admin.name)) {
      return refused(
          "an admin with your name approved this revocation already: one person "
          "counts once",
          "another admin must approve it");
    }
  }
  CORDON_ASSIGN_OR_RETURN(
      Statement add, db_.Prepare("INSERT OR IGNORE INTO passkey_revocations(passkey_id, admin_id, "
                                 "reason, approved_at) VALUES (?, ?, ?, ?)"));
  CORDON_TRY(add.Bind(1, passkey_id).Bind(2, admin.id).Bind(3, reason).Bind(4, now).Run());
  if (db_.Changes() != 1) {
    return refused("you approved this revocation already", "a second admin must approve it");
  }
  CORDON_ASSIGN_OR_RETURN(Statement who,
                          db_.Prepare("SELECT admin_id FROM passkey_revocations WHERE "
                                      "passkey_id = ? ORDER BY id"));
  who.Bind(1, passkey_id);
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, who.Step());
    if (!row) break;
    r.approvals.push_back(who.Int(0));
  }
  if (r.approvals.size() >= 2) {
    CORDON_ASSIGN_OR_RETURN(Statement revoke,
                            db_.Prepare("UPDATE passkeys SET revoked_at = ? WHERE id = ?"));
    CORDON_TRY(revoke.Bind(1, now).Bind(2, passkey_id).Run());
    CORDON_ASSIGN_OR_RETURN(Statement end, db_.Prepare("DELETE FROM sessions WHERE user_id = ?"));
    CORDON_TRY(end.Bind(1, r.account_id).Run());
    r.revoked = true;
  }
  if (record) CORDON_TRY(record(r));
  CORDON_TRY(tx.Commit());
  return r;
}

}  // namespace cordon::exchange
