#include "exchange/db.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/file.h"
#include "core/strings.h"
#include "exchange/totp_secrets.h"

namespace cordon::exchange {
namespace {

// Accounts and their sessions and login history, grants, packages and their
// uploads, downloads and deletion certificates, review attestations, the
// processor keys packages must be signed with, and the defender's per-IP
// counters: every piece of the server's state, so that nothing lives only
// in a process's memory.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS users(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  role TEXT NOT NULL CHECK (role IN ('operator','approver','recipient','auditor','admin')),
  status TEXT NOT NULL DEFAULT 'enrolling' CHECK (status IN ('enrolling','active','disabled')),
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  password_hash TEXT,
  totp_secret BLOB,
  totp_last_step INTEGER,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  last_login_at INTEGER,
  last_login_ip TEXT NOT NULL DEFAULT '',
  last_activity_at INTEGER NOT NULL,
  allowed_ips TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS enrolments(
  token_hash BLOB PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions(
  token_hash BLOB PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  ip TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recovery_codes(
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash BLOB NOT NULL,
  used_at INTEGER,
  PRIMARY KEY (user_id, code_hash));
CREATE TABLE IF NOT EXISTS grants(
  id INTEGER PRIMARY KEY,
  requester_id INTEGER NOT NULL REFERENCES users(id),
  package TEXT NOT NULL,
  reason TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('requested','approved','denied','revoked')),
  requested_at INTEGER NOT NULL,
  start_at INTEGER,
  duration INTEGER NOT NULL CHECK (duration > 0),
  approver_id INTEGER REFERENCES users(id),
  decided_at INTEGER,
  opens_at INTEGER,
  closes_at INTEGER,
  break_glass INTEGER NOT NULL DEFAULT 0,
  reviewed_by INTEGER REFERENCES users(id),
  reviewed_at INTEGER);
CREATE INDEX IF NOT EXISTS grants_by_requester ON grants(requester_id, package);
CREATE TABLE IF NOT EXISTS packages(
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  uploader_id INTEGER NOT NULL REFERENCES users(id),
  uploaded_at INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  delete_by INTEGER NOT NULL,
  files TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('available','deleting','deleted')),
  deletion_reason TEXT,
  confirmed_by INTEGER REFERENCES users(id),
  deleted_at INTEGER);
CREATE TABLE IF NOT EXISTS review_attestations(
  id INTEGER PRIMARY KEY,
  approver_id INTEGER NOT NULL REFERENCES users(id),
  review_sha256 TEXT NOT NULL,
  attested_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS logins(
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  ip TEXT NOT NULL,
  outcome TEXT NOT NULL,
  mfa TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS logins_by_user ON logins(user_id, at);
CREATE TABLE IF NOT EXISTS ip_failures(
  ip TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  banned_until INTEGER NOT NULL DEFAULT 0,
  bans INTEGER NOT NULL DEFAULT 0,
  last_ban_at INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS uploads(
  id TEXT PRIMARY KEY,
  uploader_id INTEGER NOT NULL REFERENCES users(id),
  staging TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS downloads(
  user_id INTEGER NOT NULL REFERENCES users(id),
  package TEXT NOT NULL,
  at INTEGER NOT NULL,
  bytes INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS downloads_by_user ON downloads(user_id, at);
CREATE TABLE IF NOT EXISTS certificates(
  package TEXT PRIMARY KEY,
  json TEXT NOT NULL,
  signature TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS processor_keys(
  key_id TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  added_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS alert_state(
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  last_at INTEGER NOT NULL,
  PRIMARY KEY (kind, subject));
)sql";

// Each SQL migration takes the schema from version i+1 to i+2 (version 0 is
// an empty database; version 1 is what kSchema creates on one, as the first
// release did). Migrations only ever add: never rewrite one that shipped.
// Migrations past these are code (Migrate below).
constexpr const char* kSqlMigrations[] = {
    // 1 -> 2: the hardening of issue 13.
    R"sql(
ALTER TABLE users ADD COLUMN hard_locked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE packages ADD COLUMN recipients TEXT NOT NULL DEFAULT '[]';
ALTER TABLE packages ADD COLUMN deletion_seq INTEGER;
ALTER TABLE packages ADD COLUMN signer TEXT NOT NULL DEFAULT '';
ALTER TABLE processor_keys ADD COLUMN person TEXT NOT NULL DEFAULT '';
CREATE TABLE IF NOT EXISTS account_recipients(
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  recipient TEXT NOT NULL,
  PRIMARY KEY (user_id, recipient));
CREATE TABLE IF NOT EXISTS login_delays(
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  failures INTEGER NOT NULL,
  until INTEGER NOT NULL,
  PRIMARY KEY (user_id, source));
CREATE TABLE IF NOT EXISTS served_reviews(
  sha256 TEXT NOT NULL,
  account_id INTEGER NOT NULL,
  served_at INTEGER NOT NULL,
  PRIMARY KEY (sha256, account_id));
)sql",
};

// 3 -> 4: vendor remote maintenance (issue 16). Organisations on accounts,
// packages and targets ('' = the single-organisation default: approvers
// there decide as before); SSH targets and grants on them (package column
// "target:<name>", N-of-M approvals in grant_approvals); the SSH
// certificates the exchange issued (serials never reused: INTEGER PRIMARY
// KEY AUTOINCREMENT); the bastions' machine credentials; the recorded
// sessions (remote_sessions: "sessions" are the web sessions); suspended
// organisations; access review campaigns per organisation and their
// decisions. users.last_used_at is the last *use* of a vendor account
// (a certificate issued, a session started), users.unlocked_at the last
// admin unlock (dormancy counts from the later of the two, or from the
// account's creation), users.locked_reason a lock only an admin lifts
// (a break-glass grant not countersigned in time).
// The columns are added only where missing (a database set back to an older
// version by hand, as a test of the 2 -> 3 migration does, still migrates).
struct NewColumn {
  const char* table;
  const char* column;
  const char* definition;
};
constexpr NewColumn kColumns3To4[] = {
    {"users", "organisation", "TEXT NOT NULL DEFAULT ''"},
    {"users", "on_call", "INTEGER NOT NULL DEFAULT 0"},
    {"users", "last_used_at", "INTEGER"},
    {"users", "unlocked_at", "INTEGER NOT NULL DEFAULT 0"},
    {"users", "locked_reason", "TEXT NOT NULL DEFAULT ''"},
    {"packages", "organisation", "TEXT NOT NULL DEFAULT ''"},
    {"grants", "ticket", "TEXT"},
    // When the sweep locked the requester of an uncountersigned break-glass
    // grant: once per grant, so that an admin's unlock holds.
    {"grants", "overdue_locked_at", "INTEGER"},
};
constexpr const char* kMigration3To4 = R"sql(
CREATE TABLE IF NOT EXISTS targets(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  address TEXT NOT NULL,
  principal TEXT NOT NULL,
  organisation TEXT NOT NULL DEFAULT '',
  approvals INTEGER NOT NULL DEFAULT 1 CHECK (approvals >= 1),
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS grant_approvals(
  grant_id INTEGER NOT NULL REFERENCES grants(id),
  approver_id INTEGER NOT NULL REFERENCES users(id),
  at INTEGER NOT NULL,
  PRIMARY KEY (grant_id, approver_id));
CREATE TABLE IF NOT EXISTS organisations(
  name TEXT PRIMARY KEY,
  suspended_at INTEGER,
  suspended_reason TEXT NOT NULL DEFAULT '',
  resume_requested_at INTEGER,
  suspension_alerted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS ssh_certificates(
  serial INTEGER PRIMARY KEY AUTOINCREMENT,
  grant_id INTEGER NOT NULL REFERENCES grants(id),
  account_id INTEGER NOT NULL REFERENCES users(id),
  fingerprint TEXT NOT NULL,
  key_id TEXT NOT NULL,
  valid_after INTEGER NOT NULL,
  valid_before INTEGER NOT NULL,
  issued_at INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('user','egress')),
  revoked_at INTEGER,
  last_login_at INTEGER,
  last_login_machine INTEGER);
CREATE INDEX IF NOT EXISTS ssh_certificates_by_grant ON ssh_certificates(grant_id);
CREATE TABLE IF NOT EXISTS machines(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL DEFAULT 'bastion',
  token_hash BLOB NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER);
CREATE TABLE IF NOT EXISTS remote_sessions(
  id INTEGER PRIMARY KEY,
  grant_id INTEGER NOT NULL REFERENCES grants(id),
  account_id INTEGER NOT NULL REFERENCES users(id),
  target TEXT NOT NULL,
  machine_id INTEGER REFERENCES machines(id),
  certificate_serial INTEGER NOT NULL,
  egress_serial INTEGER,
  client TEXT NOT NULL DEFAULT '',
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  end_reason TEXT,
  exit_status INTEGER,
  chunks INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  head TEXT NOT NULL DEFAULT '',
  header_sha256 TEXT NOT NULL DEFAULT '',
  last_anchor_at INTEGER,
  recording_deleted_at INTEGER);
CREATE INDEX IF NOT EXISTS remote_sessions_by_account ON remote_sessions(account_id);
CREATE TABLE IF NOT EXISTS review_campaigns(
  id INTEGER PRIMARY KEY,
  organisation TEXT NOT NULL,
  opened_by INTEGER NOT NULL REFERENCES users(id),
  opened_at INTEGER NOT NULL,
  deadline INTEGER NOT NULL,
  closed_at INTEGER,
  result TEXT);
CREATE TABLE IF NOT EXISTS campaign_decisions(
  campaign_id INTEGER NOT NULL REFERENCES review_campaigns(id),
  account_id INTEGER NOT NULL REFERENCES users(id),
  decision TEXT NOT NULL CHECK (decision IN ('keep','remove')),
  decided_by INTEGER NOT NULL REFERENCES users(id),
  at INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, account_id));
)sql";

// 4 -> 5: orders travel through the exchange (issue 17): each submission of
// an order (its exact bytes) with its plan (the exact `cordon plan --json`
// bytes), a new version per resubmission of an order id, for the DPOs of
// the controller's organisation (exchange/orders.h).
constexpr const char* kMigration4To5 = R"sql(
CREATE TABLE IF NOT EXISTS orders(
  id INTEGER PRIMARY KEY,
  order_id TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  organisation TEXT NOT NULL,
  submitter_id INTEGER NOT NULL REFERENCES users(id),
  submitter_organisation TEXT NOT NULL,
  submitted_at INTEGER NOT NULL,
  order_sha256 TEXT NOT NULL,
  plan_sha256 TEXT NOT NULL,
  order_toml BLOB NOT NULL,
  plan_json BLOB NOT NULL,
  UNIQUE (order_id, version));
CREATE INDEX IF NOT EXISTS orders_by_organisation ON orders(organisation, order_id);
)sql";

// 5 -> 6: passkeys (issue 17): the accounts' registered credentials, the
// challenges of ceremonies in progress (their SHA-256 only), the DPOs'
// passkey signatures of orders, and how each session was opened (a second passkey is registered
// only from a session opened with the first: exchange/passkeys.h).
constexpr NewColumn kColumns5To6[] = {
    {"sessions", "mfa", "TEXT NOT NULL DEFAULT ''"},
};
constexpr const char* kMigration5To6 = R"sql(
CREATE TABLE IF NOT EXISTS passkeys(
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  credential_id BLOB NOT NULL UNIQUE,
  public_key BLOB NOT NULL UNIQUE,
  sign_counter INTEGER NOT NULL CHECK (sign_counter BETWEEN 0 AND 4294967295),
  label TEXT NOT NULL,
  aaguid TEXT NOT NULL,
  attestation TEXT NOT NULL,
  backup_eligible INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER);
CREATE INDEX IF NOT EXISTS passkeys_by_user ON passkeys(user_id);
CREATE TABLE IF NOT EXISTS webauthn_challenges(
  challenge_sha256 BLOB PRIMARY KEY,
  ceremony TEXT NOT NULL CHECK (ceremony IN ('register','login')),
  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  expires_at INTEGER NOT NULL,
  source TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS webauthn_challenges_by_source ON webauthn_challenges(source);
CREATE TABLE IF NOT EXISTS order_signatures(
  id INTEGER PRIMARY KEY,
  order_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  signer_id INTEGER NOT NULL REFERENCES users(id),
  passkey_id INTEGER NOT NULL REFERENCES passkeys(id),
  signed_at INTEGER NOT NULL,
  sshsig TEXT NOT NULL,
  UNIQUE (order_id, version, signer_id),
  FOREIGN KEY (order_id, version) REFERENCES orders(order_id, version));
)sql";

// 6 -> 7: approvers' decisions on grants as passkey signatures (issue 17;
// exchange/grant_decisions.h): the exact document signed and the armored
// SSHSIG, one per grant, signer and decision.
constexpr const char* kMigration6To7 = R"sql(
CREATE TABLE IF NOT EXISTS grant_signatures(
  id INTEGER PRIMARY KEY,
  grant_id INTEGER NOT NULL REFERENCES grants(id),
  signer_id INTEGER NOT NULL REFERENCES users(id),
  passkey_id INTEGER NOT NULL REFERENCES passkeys(id),
  decision TEXT NOT NULL CHECK (decision IN ('approve','deny','revoke','review')),
  signed_at INTEGER NOT NULL,
  document BLOB NOT NULL,
  sshsig TEXT NOT NULL,
  UNIQUE (grant_id, signer_id, decision));
)sql";

// 7 -> 8: a lost passkey is revoked once two admins approve (issue 17):
// each admin's approval, one per admin and passkey.
constexpr const char* kMigration7To8 = R"sql(
CREATE TABLE IF NOT EXISTS passkey_revocations(
  id INTEGER PRIMARY KEY,
  passkey_id INTEGER NOT NULL REFERENCES passkeys(id),
  admin_id INTEGER NOT NULL REFERENCES users(id),
  reason TEXT NOT NULL,
  approved_at INTEGER NOT NULL,
  UNIQUE (passkey_id, admin_id));
)sql";

// 8 -> 9: an order's report finds its packages by order id (issue 17).
constexpr const char* kMigration8To9 = R"sql(
CREATE INDEX IF NOT EXISTS packages_by_order ON packages(order_id, uploaded_at);
)sql";

// 9 -> 10: SSH signing keys, with which decisions taken from the command
// line are signatures too (issue 17; exchange/ssh_keys.h); a grant's
// signature is then by a passkey or by one of these keys, exactly one.
// grant_signatures is rebuilt (SQLite cannot relax NOT NULL in place);
// nothing references it, so dropping the old table cascades nowhere.
constexpr const char* kMigration9To10 = R"sql(
CREATE TABLE IF NOT EXISTS ssh_signing_keys(
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  public_key BLOB NOT NULL UNIQUE,
  key_material BLOB NOT NULL UNIQUE,
  key_type TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  sign_counter INTEGER NOT NULL CHECK (sign_counter BETWEEN 0 AND 4294967295),
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER);
CREATE INDEX IF NOT EXISTS ssh_signing_keys_by_user ON ssh_signing_keys(user_id, fingerprint);
CREATE TABLE grant_signatures_10(
  id INTEGER PRIMARY KEY,
  grant_id INTEGER NOT NULL REFERENCES grants(id),
  signer_id INTEGER NOT NULL REFERENCES users(id),
  passkey_id INTEGER REFERENCES passkeys(id),
  ssh_key_id INTEGER REFERENCES ssh_signing_keys(id),
  decision TEXT NOT NULL CHECK (decision IN ('approve','deny','revoke','review')),
  signed_at INTEGER NOT NULL,
  document BLOB NOT NULL,
  sshsig TEXT NOT NULL,
  CHECK ((passkey_id IS NULL) <> (ssh_key_id IS NULL)),
  UNIQUE (grant_id, signer_id, decision));
INSERT INTO grant_signatures_10(id, grant_id, signer_id, passkey_id, decision, signed_at, document,
                                sshsig)
  SELECT id, grant_id, signer_id, passkey_id, decision, signed_at, document, sshsig
  FROM grant_signatures;
DROP TABLE grant_signatures;
ALTER TABLE grant_signatures_10 RENAME TO grant_signatures;
)sql";

// 10 -> 11: decisions in access review campaigns as signatures too (issue
// 17; exchange/campaigns.h): the exact document signed and the armored
// SSHSIG beside each decision, by a passkey or an SSH signing key. Columns
// added, so NULL for the decisions taken unsigned before (the code checks
// that a signature names exactly one key: SQLite cannot add a CHECK).
constexpr NewColumn kColumns10To11[] = {
    {"campaign_decisions", "passkey_id", "INTEGER REFERENCES passkeys(id)"},
    {"campaign_decisions", "ssh_key_id", "INTEGER REFERENCES ssh_signing_keys(id)"},
    {"campaign_decisions", "document", "BLOB"},
    {"campaign_decisions", "sshsig", "TEXT"},
};

// 11 -> 12: access review attestations as signatures too (issue 17;
// exchange/review.h), the same four columns: NULL for attestations made
// unsigned before.
constexpr NewColumn kColumns11To12[] = {
    {"review_attestations", "passkey_id", "INTEGER REFERENCES passkeys(id)"},
    {"review_attestations", "ssh_key_id", "INTEGER REFERENCES ssh_signing_keys(id)"},
    {"review_attestations", "document", "BLOB"},
    {"review_attestations", "sshsig", "TEXT"},
};

// 12 -> 13: the exchange's own sealed copy of each recording (issue 17:
// the replay fetches it; docs/remote-maintenance.md, "Recordings"): when
// the bastion sent it and how long it is, and when the exchange deleted it
// at the end of its retention. NULL before a copy exists.
constexpr NewColumn kColumns12To13[] = {
    {"remote_sessions", "copy_stored_at", "INTEGER"},
    {"remote_sessions", "copy_bytes", "INTEGER"},
    {"remote_sessions", "copy_deleted_at", "INTEGER"},
};

// The users table's CHECK on roles admits 'dpo' from schema 5. SQLite
// cannot alter a CHECK, and rebuilding the table would fire the ON DELETE
// CASCADE of sessions, logins... (foreign keys cannot be turned off inside
// the migration's transaction). So the stored definition is widened in
// place, SQLite's documented procedure for relaxing a constraint
// (lang_altertable.html, "making other kinds of table schema changes"):
// every existing row already satisfies the wider CHECK.
Status AllowDpoRole(Db& db) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db.Prepare("PRAGMA schema_version"));
  CORDON_TRY(q.Step());
  const int64_t schema_version = q.Int(0);
  q.Reset();
  CORDON_TRY(db.Exec("PRAGMA writable_schema = ON"));
  Status widened = db.Exec(
      "UPDATE sqlite_master SET sql = replace(sql, '''auditor'',''admin''))', "
      "'''auditor'',''admin'',''dpo''))') WHERE type = 'table' AND name = 'users' AND "
      "instr(sql, '''auditor'',''admin''))') > 0");
  const int64_t changed = db.Changes();
  if (widened.ok()) {
    const std::string bump = "PRAGMA schema_version = " + std::to_string(schema_version + 1);
    widened = db.Exec(bump.c_str());
  }
  Status off = db.Exec("PRAGMA writable_schema = OFF");
  CORDON_TRY(widened);
  CORDON_TRY(off);
  if (changed != 1) {
    // Already widened (a database set back to an older version by hand,
    // as the migration tests do, migrates again).
    CORDON_ASSIGN_OR_RETURN(
        Statement has, db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
                                  "'users' AND instr(sql, '''admin'',''dpo''))') > 0"));
    CORDON_ASSIGN_OR_RETURN(bool widened_before, has.Step());
    has.Reset();
    if (widened_before) return Ok();
    return Error(ErrorCode::kMalformed, "the users table's role check is not the one cordon made",
                 "restore the database from a backup");
  }
  return Ok();
}

Status MigrateTo5(Db& db) {
  CORDON_TRY(db.Exec(kMigration4To5));
  return AllowDpoRole(db);
}

// 2 -> 3: every TOTP secret sealed again with its account's id as associated
// data, so that a sealed secret copied to another row does not open there.
// A secret that does not open with DIR/secrets.key (another key, or none)
// is left as it was: it opened for no login before, and opens for none
// after. The caller's transaction makes this all or nothing.
Status BindTotpSecretsToTheirAccounts(Db& db, const std::string& data_dir) {
  CORDON_ASSIGN_OR_RETURN(std::optional<SecretBuffer> key, LoadSecretsKey(data_dir));
  if (!key) return Ok();  // nothing was ever sealed with a key that is not there
  CORDON_ASSIGN_OR_RETURN(auto sealer, crypto::ChaCha20Poly1305::Create(std::move(*key)));
  std::vector<std::pair<int64_t, Bytes>> rows;
  {
    CORDON_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT id, totp_secret FROM users "
                                                    "WHERE totp_secret IS NOT NULL ORDER BY id"));
    while (true) {
      CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      rows.emplace_back(q.Int(0), q.Blob(1));
    }
  }
  for (const auto& [id, sealed] : rows) {
    auto secret = OpenUnboundTotpSecret(sealer, sealed);
    if (!secret.ok()) continue;
    CORDON_ASSIGN_OR_RETURN(Statement u,
                            db.Prepare("UPDATE users SET totp_secret = ? WHERE id = ?"));
    CORDON_TRY(u.Bind(1, SealTotpSecret(sealer, id, *secret)).Bind(2, id).Run());
  }
  return Ok();
}

// Adds the columns a migration brings, skipping those already there (a
// database set back to an older version by hand migrates again).
template <size_t N>
Status AddMissingColumns(Db& db, const NewColumn (&columns)[N]) {
  for (const auto& c : columns) {
    // Constant table names only (never input): PRAGMA takes no parameters.
    CORDON_ASSIGN_OR_RETURN(Statement q,
                            db.Prepare(std::string("SELECT 1 FROM pragma_table_info('") + c.table +
                                       "') WHERE name = ?"));
    q.Bind(1, std::string_view(c.column));
    CORDON_ASSIGN_OR_RETURN(bool present, q.Step());
    q.Reset();
    if (present) continue;
    const std::string add =
        std::string("ALTER TABLE ") + c.table + " ADD COLUMN " + c.column + " " + c.definition;
    CORDON_TRY(db.Exec(add.c_str()));
  }
  return Ok();
}

Status MigrateTo4(Db& db) {
  CORDON_TRY(AddMissingColumns(db, kColumns3To4));
  return db.Exec(kMigration3To4);
}

Status MigrateTo6(Db& db) {
  CORDON_TRY(AddMissingColumns(db, kColumns5To6));
  return db.Exec(kMigration5To6);
}

// Takes the schema from `version` to version + 1 (version >= 1).
Status Migrate(Db& db, int64_t version, const std::string& data_dir) {
  if (version == 2) return BindTotpSecretsToTheirAccounts(db, data_dir);
  if (version == 3) return MigrateTo4(db);
  if (version == 4) return MigrateTo5(db);
  if (version == 5) return MigrateTo6(db);
  if (version == 6) return db.Exec(kMigration6To7);
  if (version == 7) return db.Exec(kMigration7To8);
  if (version == 8) return db.Exec(kMigration8To9);
  if (version == 9) return db.Exec(kMigration9To10);
  if (version == 10) return AddMissingColumns(db, kColumns10To11);
  if (version == 11) return AddMissingColumns(db, kColumns11To12);
  if (version == 12) return AddMissingColumns(db, kColumns12To13);
  return db.Exec(kSqlMigrations[version - 1]);
}

Error DbError(sqlite3* db, std::string_view what) {
  return Error(ErrorCode::kIo, std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace

namespace db_internal {

struct Connection {
  explicit Connection(sqlite3* d) : db(d) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    for (auto& [sql, s] : idle) sqlite3_finalize(s);
    sqlite3_close_v2(db);
  }
  // A statement back from its lease: reset (its snapshot released), its
  // bindings cleared (no earlier request's token stays bound), kept for
  // the next Prepare of the same text.
  void Release(sqlite3_stmt* s) {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (idle.size() >= kMaxIdle) {
      sqlite3_finalize(s);
      return;
    }
    idle.emplace(sqlite3_sql(s), s);
  }
  // More distinct statements than the exchange has: a caller that built
  // SQL from varying text would only ever fill the cache, never grow it
  // without bound.
  static constexpr size_t kMaxIdle = 256;
  sqlite3* db;
  std::unordered_multimap<std::string, sqlite3_stmt*, StringViewHash, std::equal_to<>> idle;
  uint64_t prepared = 0;
};

}  // namespace db_internal

namespace {

// SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25... ms between
// tries: a writer that waits behind another (a commit takes well under a
// millisecond here) would sleep many times longer than the lock is held.
// This one retries after 50 µs, doubling up to 5 ms, and gives up after
// about the same 5 s as before.
int BusyRetry(void*, int tries) {
  constexpr int64_t kFirstUs = 50, kMaxUs = 5000, kBudgetUs = 5000000;
  int64_t slept = 0, delay = kFirstUs;
  for (int i = 0; i < tries; ++i) {
    slept += delay;
    delay = std::min(delay * 2, kMaxUs);
  }
  if (slept >= kBudgetUs) return 0;
  usleep(static_cast<useconds_t>(delay));
  return 1;
}

// SQLite counts every allocation under one process-wide mutex unless told
// not to (SQLITE_CONFIG_MEMSTATUS): the server's workers, each on its own
// connection, would all queue on it. The exchange never reads the counts.
// Only possible before SQLite initializes: when something else in the
// process opened a database first, the counts stay on (slower, not wrong).
void TurnOffMemoryStatistics() {
  static const bool done = [] {
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)done;
}

}  // namespace

Result<Db> Db::Open(const std::string& path) {
  TurnOffMemoryStatistics();
  sqlite3* raw = nullptr;
  // Created 0600 whatever the umask (SQLite gives the WAL and -shm files
  // the database's mode). Only a file that does not exist yet is opened
  // here: closing any descriptor of a database file drops every POSIX lock
  // this process holds on it, under SQLite's other connections' feet.
  if (!PathExists(path)) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
      ::close(fd);
    } else if (errno != EEXIST) {
      return Error(ErrorCode::kIo, path + ": " + std::strerror(errno));
    }
  }
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(std::make_shared<db_internal::Connection>(raw));
  if (rc != SQLITE_OK) return DbError(raw, path);
  sqlite3_busy_handler(raw, BusyRetry, nullptr);
  sqlite3_extended_result_codes(raw, 1);
  CORDON_TRY(db.Exec("PRAGMA journal_mode=WAL"));
  CORDON_TRY(db.Exec("PRAGMA synchronous=FULL"));
  CORDON_TRY(db.Exec("PRAGMA foreign_keys=ON"));
  return db;
}

Status Db::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(conn_->db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "?";
    sqlite3_free(err);
    return Error(ErrorCode::kIo, "database: " + message);
  }
  return Ok();
}

Result<Statement> Db::Prepare(std::string_view sql) {
  if (auto it = conn_->idle.find(sql); it != conn_->idle.end()) {
    sqlite3_stmt* s = it->second;
    conn_->idle.erase(it);
    return Statement(conn_, s);
  }
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(conn_->db, sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    return DbError(conn_->db, "database: preparing a statement");
  }
  ++conn_->prepared;
  return Statement(conn_, s);
}

int64_t Db::Changes() const { return sqlite3_changes64(conn_->db); }
int64_t Db::LastInsertId() const { return sqlite3_last_insert_rowid(conn_->db); }
uint64_t Db::prepared_count() const { return conn_->prepared; }

Statement::~Statement() {
  if (stmt_ != nullptr) conn_->Release(stmt_);
}

sqlite3* Statement::db() const { return conn_->db; }

Statement& Statement::Bind(int i, int64_t v) {
  if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) bind_error_ = DbError(db(), "bind");
  return *this;
}
Statement& Statement::Bind(int i, std::string_view t) {
  if (sqlite3_bind_text(stmt_, i, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    bind_error_ = DbError(db(), "bind");
  }
  return *this;
}
Statement& Statement::Bind(int i, ByteView b) {
  if (sqlite3_bind_blob(stmt_, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    bind_error_ = DbError(db(), "bind");
  }
  return *this;
}
Statement& Statement::BindNull(int i) {
  if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) bind_error_ = DbError(db(), "bind");
  return *this;
}

Result<bool> Statement::Step() {
  CORDON_TRY(bind_error_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // A duplicate key is an answer callers word for people ("already has an
  // account"); its SQLite text (table and column names) is not. Every other
  // failure — CHECK, FOREIGN KEY, a trigger — is the exchange's own: an I/O
  // error whose details go to the operator's log, never to a client.
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Error(ErrorCode::kAlreadyExists, "database: a row with this key exists already");
  }
  return DbError(db(), "database");
}

Status Statement::Run() {
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Ok();
  }
}

int64_t Statement::Int(int c) const { return sqlite3_column_int64(stmt_, c); }
bool Statement::IsNull(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
std::string Statement::Text(int c) const {
  const auto* p = sqlite3_column_text(stmt_, c);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(stmt_, c)))
           : std::string();
}
Bytes Statement::Blob(int c) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, c));
  return p ? Bytes(p, p + sqlite3_column_bytes(stmt_, c)) : Bytes();
}

Result<Transaction> Transaction::Begin(Db& db) {
  CORDON_TRY(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
  if (db_ == nullptr) return Error(ErrorCode::kInternal, "database: transaction already ended");
  Status s = db_->Exec("COMMIT");
  if (s.ok()) db_ = nullptr;  // otherwise the destructor rolls back
  return s;
}

Result<int64_t> Db::UserVersion() {
  CORDON_ASSIGN_OR_RETURN(Statement q, Prepare("PRAGMA user_version"));
  CORDON_TRY(q.Step());
  return q.Int(0);
}

Result<Db> OpenExchangeDb(const std::string& data_dir) {
  if (mkdir(data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Error(ErrorCode::kIo, data_dir + ": cannot create: " + std::strerror(errno));
  }
  // An existing directory is tightened too (the review found one made 0755
  // by hand, and the database in it 0644 under umask 022).
  if (chmod(data_dir.c_str(), 0700) != 0) {
    return Error(ErrorCode::kIo,
                 data_dir + ": cannot restrict to its owner: " + std::strerror(errno));
  }
  const std::string path = data_dir + "/exchange.db";
  CORDON_ASSIGN_OR_RETURN(Db db, Db::Open(path));
  CORDON_ASSIGN_OR_RETURN(int64_t version, db.UserVersion());
  if (version < 0) {
    return Error(ErrorCode::kMalformed,
                 path + ": schema version " + std::to_string(version) + " is not one cordon made",
                 "restore the database from a backup");
  }
  if (version < kSchemaVersion) {
    CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    CORDON_ASSIGN_OR_RETURN(version, db.UserVersion());  // another process may have migrated
    if (version < 0 || version > kSchemaVersion) {
      return Error(ErrorCode::kMalformed, path + ": schema version " + std::to_string(version) +
                                              " changed under this process");
    }
    if (version == 0) {
      CORDON_TRY(db.Exec(kSchema));
      version = 1;
    }
    for (; version < kSchemaVersion; ++version) {
      if (Status m = Migrate(db, version, data_dir); !m.ok()) {
        return m.error().WithContext(path + ": migrating from schema " + std::to_string(version));
      }
    }
    const std::string set = "PRAGMA user_version = " + std::to_string(kSchemaVersion);
    CORDON_TRY(db.Exec(set.c_str()));
    CORDON_TRY(tx.Commit());
  } else if (version > kSchemaVersion) {
    return Error(ErrorCode::kUnsupported,
                 path + " was made by a newer cordon (schema " + std::to_string(version) + ")",
                 "run the cordon version that made it, or a newer one");
  }
  // The database, its WAL and shared-memory files: the owner's only.
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string f = path + suffix;
    if (chmod(f.c_str(), 0600) != 0 && errno != ENOENT) {
      return Error(ErrorCode::kIo, f + ": cannot restrict to its owner: " + std::strerror(errno));
    }
  }
  return db;
}

}  // namespace cordon::exchange
