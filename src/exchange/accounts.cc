#include "exchange/accounts.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>

#include "age/keys.h"
#include "auth/password.h"
#include "auth/totp.h"
#include "core/encoding.h"
#include "core/file.h"
#include "core/strings.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "exchange/defender.h"
#include "exchange/name_key.h"
#include "exchange/targets.h"
#include "exchange/totp_secrets.h"

namespace cordon::exchange {
namespace {

constexpr const char* kAccountColumns =
    "users.id, users.name, users.email, users.role, users.status, users.expires_at, "
    "users.locked_until, users.last_login_at, users.last_login_ip, users.last_activity_at, "
    "users.allowed_ips, users.hard_locked, users.organisation, users.on_call, "
    "users.created_at, users.last_used_at, users.unlocked_at, users.locked_reason";
constexpr int kAccountColumnCount = 18;

const Role kRoles[] = {Role::kOperator, Role::kApprover, Role::kRecipient,
                       Role::kAuditor,  Role::kAdmin,    Role::kDpo};

// A bearer secret: 32 random bytes as hex; only SHA-256 of it is stored, so
// a copy of the database opens no session.
std::string NewToken() {
  Bytes b(32);
  crypto::RandomBytes(b);
  return HexEncode(b);
}

Bytes TokenHash(std::string_view token) {
  auto h = crypto::Sha256::Hash(AsBytes(token));
  return Bytes(h.begin(), h.end());
}

// The database is the environment, not an invariant: an unknown role (a
// hand edit, a newer version) is an error, never an abort.
Result<Account> ReadAccount(const Statement& s) {
  Account a;
  a.id = s.Int(0);
  a.name = s.Text(1);
  a.email = s.Text(2);
  CORDON_ASSIGN_OR_RETURN(a.role, ParseRole(s.Text(3)));
  CORDON_ASSIGN_OR_RETURN(a.status, ParseAccountStatus(s.Text(4)));
  a.expires_at = s.Int(5);
  a.locked_until = s.Int(6);
  if (!s.IsNull(7)) a.last_login_at = s.Int(7);
  a.last_login_ip = s.Text(8);
  a.last_activity_at = s.Int(9);
  a.allowed_ips = s.Text(10);
  a.hard_locked = s.Int(11) != 0;
  a.organisation = s.Text(12);
  a.on_call = s.Int(13) != 0;
  a.created_at = s.Int(14);
  if (!s.IsNull(15)) a.last_used_at = s.Int(15);
  a.unlocked_at = s.Int(16);
  a.locked_reason = s.Text(17);
  return a;
}

Error WrongCredentials() {
  return Error(ErrorCode::kAuthFailed, "wrong e-mail, password or code",
               "after repeated failures an account's attempts are slowed down: wait a "
               "minute before trying again");
}

}  // namespace

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kOperator:
      return "operator";
    case Role::kApprover:
      return "approver";
    case Role::kRecipient:
      return "recipient";
    case Role::kAuditor:
      return "auditor";
    case Role::kAdmin:
      return "admin";
    case Role::kDpo:
      return "dpo";
  }
  return "recipient";
}

std::string_view AccountStatusName(AccountStatus s) {
  switch (s) {
    case AccountStatus::kEnrolling:
      return "enrolling";
    case AccountStatus::kActive:
      return "active";
    case AccountStatus::kDisabled:
      return "disabled";
  }
  return "disabled";
}

Result<AccountStatus> ParseAccountStatus(std::string_view name) {
  for (AccountStatus s :
       {AccountStatus::kEnrolling, AccountStatus::kActive, AccountStatus::kDisabled}) {
    if (AccountStatusName(s) == name) return s;
  }
  return Error(ErrorCode::kMalformed,
               "an account has the unknown status \"" + std::string(name) + "\"",
               "statuses: enrolling, active, disabled (was the database edited by hand?)");
}

std::string_view LoginOutcomeName(LoginOutcome o) {
  switch (o) {
    case LoginOutcome::kNone:
      return "";
    case LoginOutcome::kOk:
      return "ok";
    case LoginOutcome::kWrongCredentials:
      return "wrong_credentials";
    case LoginOutcome::kThrottled:
      return "throttled";
    case LoginOutcome::kLocked:
      return "locked";
    case LoginOutcome::kExpired:
      return "expired";
    case LoginOutcome::kDisabled:
      return "disabled";
    case LoginOutcome::kNotEnrolled:
      return "not_enrolled";
    case LoginOutcome::kIdleLocked:
      return "idle_locked";
    case LoginOutcome::kIpNotAllowed:
      return "ip_not_allowed";
    case LoginOutcome::kCodeReused:
      return "code_reused";
    case LoginOutcome::kLockedForReason:
      return "locked_for_reason";
  }
  return "";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role r : kRoles) {
    if (RoleName(r) == name) return r;
  }
  return Error(ErrorCode::kInvalidArgument, "no role \"" + std::string(name) + "\"",
               "roles: operator, approver, recipient, auditor, admin, dpo");
}

Result<Accounts> Accounts::Open(const std::string& data_dir, AccountPolicy policy) {
  CORDON_ASSIGN_OR_RETURN(Db db, OpenExchangeDb(data_dir));
  CORDON_ASSIGN_OR_RETURN(SecretBuffer key, LoadOrCreateSecretsKey(data_dir));
  CORDON_ASSIGN_OR_RETURN(auto sealer, crypto::ChaCha20Poly1305::Create(std::move(key)));
  return Accounts(std::move(db), policy, std::move(sealer));
}

Result<std::string> Accounts::AddUser(std::string_view name, std::string_view email, Role role,
                                      int64_t expires_at, int64_t now, bool allow_same_name) {
  if (name.empty() || email.find('@') == std::string_view::npos) {
    return Error(ErrorCode::kInvalidArgument, "an account needs a person's name and e-mail",
                 "accounts are never shared: one per person");
  }
  // The e-mail is the login name, and where the exchange's notices go
  // (serve/mail.h): a plain address, so that it can name nobody else.
  if (!IsMailAddress(email)) {
    return Error(ErrorCode::kInvalidArgument,
                 "\"" + PrintableText(email) + "\" is not a plain e-mail address",
                 "local-part@domain, ASCII, without a name, quotes, spaces, '%' or '!'");
  }
  if (expires_at <= now) {
    return Error(ErrorCode::kInvalidArgument, "the account's end date is not in the future");
  }
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  if (!allow_same_name) {
    CORDON_ASSIGN_OR_RETURN(Statement same, db_.Prepare("SELECT name FROM users"));
    while (true) {
      CORDON_ASSIGN_OR_RETURN(bool row, same.Step());
      if (!row) break;
      if (NameKey(same.Text(0)) == NameKey(name)) {
        return Error(ErrorCode::kAlreadyExists,
                     "an account for \"" + std::string(name) + "\" already exists",
                     "one person, one account; for a different person of the same name, "
                     "add --allow-same-name");
      }
    }
  }
  CORDON_ASSIGN_OR_RETURN(
      Statement insert,
      db_.Prepare("INSERT INTO users(name, email, role, expires_at, created_at, last_activity_at) "
                  "VALUES (?, ?, ?, ?, ?, ?)"));
  Status added = insert.Bind(1, name)
                     .Bind(2, email)
                     .Bind(3, RoleName(role))
                     .Bind(4, expires_at)
                     .Bind(5, now)
                     .Bind(6, now)
                     .Run();
  if (!added.ok()) {
    if (added.error().code() == ErrorCode::kAlreadyExists) {
      return Error(ErrorCode::kAlreadyExists, std::string(email) + " already has an account");
    }
    return added.error();
  }
  const int64_t id = db_.LastInsertId();
  std::string token = NewToken();
  CORDON_ASSIGN_OR_RETURN(
      Statement enrol,
      db_.Prepare("INSERT INTO enrolments(token_hash, user_id, expires_at) VALUES (?, ?, ?)"));
  CORDON_TRY(
      enrol.Bind(1, TokenHash(token)).Bind(2, id).Bind(3, now + policy_.enrolment_seconds).Run());
  CORDON_TRY(tx.Commit());
  return token;
}

Result<Enrolment> Accounts::BeginEnrolment(std::string_view token, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare(std::string("SELECT ") + kAccountColumns +
                                      " FROM users JOIN enrolments ON users.id = user_id "
                                      "WHERE token_hash = ? AND enrolments.expires_at > ? "
                                      "AND users.status = 'enrolling'"));
  q.Bind(1, TokenHash(token)).Bind(2, now);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return Error(ErrorCode::kAuthFailed, "this enrolment link is unknown, used or expired",
                 "ask an admin for a new one (cordon admin user add)");
  }
  CORDON_ASSIGN_OR_RETURN(Account account, ReadAccount(q));
  Enrolment e{std::move(account), auth::NewTotpSecret(), {}};
  q.Reset();
  CORDON_ASSIGN_OR_RETURN(
      Statement u,
      db_.Prepare("UPDATE users SET totp_secret = ? WHERE id = ? AND status = 'enrolling'"));
  CORDON_TRY(
      u.Bind(1, SealTotpSecret(sealer_, e.account.id, e.totp_secret)).Bind(2, e.account.id).Run());
  if (db_.Changes() != 1) {
    return Error(ErrorCode::kAuthFailed, "this enrolment link is unknown, used or expired");
  }
  e.otpauth_uri = auth::OtpauthUri("cordon exchange", e.account.email, e.totp_secret);
  return e;
}

Result<std::vector<std::string>> Accounts::FinishEnrolment(std::string_view token,
                                                           const SecretBuffer& password,
                                                           std::string_view totp_code,
                                                           int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare("SELECT users.id, name, email, totp_secret FROM users JOIN "
                                      "enrolments ON users.id = user_id WHERE token_hash = ? AND "
                                      "enrolments.expires_at > ? AND totp_secret IS NOT NULL "
                                      "AND users.status = 'enrolling'"));
  q.Bind(1, TokenHash(token)).Bind(2, now);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return Error(ErrorCode::kAuthFailed, "this enrolment link is unknown, used or expired");
  }
  const int64_t id = q.Int(0);
  const std::string name = q.Text(1), email = q.Text(2);
  const Bytes sealed = q.Blob(3);
  q.Reset();
  CORDON_ASSIGN_OR_RETURN(SecretBuffer secret, OpenTotpSecret(sealer_, id, sealed));
  CORDON_TRY(auth::CheckPassword(password, name, email));
  auto step = auth::VerifyTotp(secret, totp_code, now, std::nullopt);
  if (!step) {
    return Error(ErrorCode::kAuthFailed, "the code from the authenticator app does not match",
                 "check the phone's clock, and that the app scanned this account's code");
  }
  CORDON_ASSIGN_OR_RETURN(std::string hash, auth::HashPassword(password));
  std::vector<std::string> codes;
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  // Only an account still waiting for its owner becomes active: one that
  // was disabled meanwhile stays disabled (F1).
  CORDON_ASSIGN_OR_RETURN(Statement u,
                          db_.Prepare("UPDATE users SET password_hash = ?, totp_last_step = ?, "
                                      "status = 'active', last_activity_at = ? WHERE id = ? AND "
                                      "status = 'enrolling'"));
  CORDON_TRY(u.Bind(1, hash).Bind(2, static_cast<int64_t>(*step)).Bind(3, now).Bind(4, id).Run());
  if (db_.Changes() != 1) {
    return Error(ErrorCode::kAuthFailed, "this enrolment link is unknown, used or expired");
  }
  for (int i = 0; i < 10; ++i) {
    Bytes raw(10);  // 80 bits: a fast hash is enough to store them
    crypto::RandomBytes(raw);
    std::string code = Base32Encode(raw);  // 16 characters
    code.insert(8, "-");
    CORDON_ASSIGN_OR_RETURN(
        Statement r, db_.Prepare("INSERT INTO recovery_codes(user_id, code_hash) VALUES (?, ?)"));
    CORDON_TRY(r.Bind(1, id).Bind(2, TokenHash(code)).Run());
    codes.push_back(std::move(code));
  }
  CORDON_ASSIGN_OR_RETURN(Statement d, db_.Prepare("DELETE FROM enrolments WHERE user_id = ?"));
  CORDON_TRY(d.Bind(1, id).Run());
  CORDON_TRY(tx.Commit());
  return codes;
}

namespace {

// Who lifts a lock: an approver for a vendor's account (UnlockVendor), an
// admin for every other.
std::string UnlockHint(const Account& a) {
  return IsVendorAccount(a)
             ? "ask an approver of the hospital to re-open it (cordon remote account unlock)"
             : "ask an admin to unlock it (cordon admin user unlock)";
}

}  // namespace

Status Accounts::MayUse(const Account& a, int64_t now, Use use, LoginOutcome* outcome,
                        std::string_view ip) const {
  auto refuse = [&](LoginOutcome why, std::string message, std::string hint) {
    if (outcome) *outcome = why;
    return Error(ErrorCode::kRefused, std::move(message), std::move(hint));
  };
  if (a.status != AccountStatus::kActive) {
    const bool disabled = a.status == AccountStatus::kDisabled;
    return refuse(disabled ? LoginOutcome::kDisabled : LoginOutcome::kNotEnrolled,
                  "this account is " + std::string(AccountStatusName(a.status)),
                  disabled ? "an admin can re-enable it" : "finish the enrolment first");
  }
  if (now >= a.expires_at) {
    return refuse(LoginOutcome::kExpired, "this account has expired", "an admin can extend it");
  }
  if (!a.locked_reason.empty()) {
    return refuse(LoginOutcome::kLockedForReason, "this account is locked: " + a.locked_reason,
                  UnlockHint(a));
  }
  if (use == Use::kNewLogin && a.hard_locked) {
    return refuse(LoginOutcome::kLocked,
                  "this account is locked after too many failed logins in a row", UnlockHint(a));
  }
  if (now - a.last_activity_at >= policy_.idle_account_seconds) {
    return refuse(LoginOutcome::kIdleLocked, "this account was locked after 90 days without use",
                  UnlockHint(a));
  }
  if (!ip.empty() && !AddressAllowed(a.allowed_ips, ip)) {
    return refuse(LoginOutcome::kIpNotAllowed, "this account may not be used from this address",
                  "an admin sets its addresses (cordon admin user allow-ips)");
  }
  return Ok();
}

bool IsVendorAccount(const Account& a) {
  return a.role == Role::kOperator && !a.organisation.empty();
}

bool Dormant(const Account& a, int64_t now, int64_t idle_seconds) {
  if (!IsVendorAccount(a)) return false;
  const int64_t since = std::max({a.last_used_at.value_or(0), a.created_at, a.unlocked_at});
  return now - since >= idle_seconds;
}

Status Accounts::MayUseRemotely(const Account& a, int64_t now) const {
  auto refuse = [](std::string message, std::string hint) {
    return Error(ErrorCode::kRefused, std::move(message), std::move(hint));
  };
  if (a.status != AccountStatus::kActive) {
    return refuse("the account is " + std::string(AccountStatusName(a.status)),
                  "an admin can re-enable it");
  }
  if (now >= a.expires_at) return refuse("the account has expired", "an admin can extend it");
  const std::string who = UnlockHint(a);
  if (!a.locked_reason.empty()) return refuse("the account is locked: " + a.locked_reason, who);
  if (a.hard_locked) {
    return refuse("the account is locked after too many failed logins in a row", who);
  }
  if (Dormant(a, now, policy_.idle_account_seconds)) {
    return refuse("the account is dormant: unused for " +
                      std::to_string(policy_.idle_account_seconds / 86400) + " days",
                  who);
  }
  return Ok();
}

Status Accounts::SetOrganisation(std::string_view email, std::string_view organisation,
                                 bool on_call) {
  if (organisation.size() > 128) {
    return Error(ErrorCode::kInvalidArgument, "an organisation name has at most 128 characters");
  }
  for (char c : organisation) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return Error(ErrorCode::kInvalidArgument, "an organisation name is printable text");
    }
  }
  CORDON_ASSIGN_OR_RETURN(Account a, Find(email));
  CORDON_ASSIGN_OR_RETURN(
      Statement u, db_.Prepare("UPDATE users SET organisation = ?, on_call = ? WHERE id = ?"));
  return u.Bind(1, organisation).Bind(2, on_call ? 1 : 0).Bind(3, a.id).Run();
}

Status Accounts::MarkUsed(int64_t account_id, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(
      Statement u, db_.Prepare("UPDATE users SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) "
                               "WHERE id = ?"));
  return u.Bind(1, now).Bind(2, account_id).Run();
}

Status Accounts::LockFor(int64_t account_id, std::string_view reason) {
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(Statement u,
                          db_.Prepare("UPDATE users SET locked_reason = ? WHERE id = ? AND "
                                      "locked_reason = ''"));
  CORDON_TRY(u.Bind(1, reason).Bind(2, account_id).Run());
  CORDON_ASSIGN_OR_RETURN(Statement d, db_.Prepare("DELETE FROM sessions WHERE user_id = ?"));
  CORDON_TRY(d.Bind(1, account_id).Run());
  return tx.Commit();
}

Status Accounts::RecordLogin(int64_t account_id, int64_t now, std::string_view ip,
                             const LoginAttempt& a) {
  CORDON_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("INSERT INTO logins(user_id, at, ip, outcome, mfa) VALUES (?, ?, ?, ?, ?)"));
  return s.Bind(1, account_id)
      .Bind(2, now)
      .Bind(3, ip)
      .Bind(4, LoginOutcomeName(a.outcome))
      .Bind(5, a.mfa)
      .Run();
}

Result<std::vector<LoginRecord>> Accounts::LoginHistory(std::optional<int64_t> account_id,
                                                        int limit) {
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare("SELECT user_id, at, ip, outcome, mfa FROM logins "
                                      "WHERE ? IS NULL OR user_id = ? ORDER BY id DESC LIMIT ?"));
  if (account_id) {
    q.Bind(1, *account_id).Bind(2, *account_id);
  } else {
    q.BindNull(1).BindNull(2);
  }
  q.Bind(3, static_cast<int64_t>(limit));
  std::vector<LoginRecord> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back({q.Int(0), q.Int(1), q.Text(2), q.Text(3), q.Text(4)});
  }
}

Result<std::string> Accounts::Login(std::string_view email, const SecretBuffer& password,
                                    std::string_view code, std::string_view ip, int64_t now,
                                    LoginAttempt* attempt) {
  LoginAttempt local;
  LoginAttempt& at = attempt ? *attempt : local;
  at = LoginAttempt{};
  // The same Argon2id work whatever happens before it: timing tells nothing
  // about whether the account exists or what state it is in.
  static const std::string dummy = auth::HashPassword(SecretBuffer::CopyOf(AsBytes("x"))).value();
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string("SELECT ") + kAccountColumns +
                                                   ", password_hash, totp_secret, totp_last_step, "
                                                   "failed_logins FROM users WHERE email = ?"));
  q.Bind(1, email);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    (void)auth::VerifyPassword(dummy, password);
    at.outcome = LoginOutcome::kWrongCredentials;
    return WrongCredentials();
  }
  CORDON_ASSIGN_OR_RETURN(Account a, ReadAccount(q));
  at.account_id = a.id;
  constexpr int c = kAccountColumnCount;
  const std::string hash = q.Text(c);
  const Bytes sealed_secret = q.Blob(c + 1);
  std::optional<uint64_t> last_step;
  if (!q.IsNull(c + 2)) last_step = static_cast<uint64_t>(q.Int(c + 2));
  const int64_t failures = q.Int(c + 3);
  q.Reset();

  // Slowed down, from this address (or IPv6 /64) only: the guess is not
  // even looked at (else the delay would not slow guessing), with the same
  // work and the same answer as a wrong one. The owner, elsewhere, is not
  // slowed by a stranger's failures (review N9).
  const std::string source = BanKey(ip);
  int64_t source_failures = 0;
  {
    CORDON_ASSIGN_OR_RETURN(
        Statement d,
        db_.Prepare("SELECT failures, until FROM login_delays WHERE user_id = ? AND source = ?"));
    d.Bind(1, a.id).Bind(2, source);
    CORDON_ASSIGN_OR_RETURN(bool delayed, d.Step());
    if (delayed) {
      source_failures = d.Int(0);
      if (now < d.Int(1)) {
        d.Reset();
        (void)auth::VerifyPassword(dummy, password);
        at.outcome = LoginOutcome::kThrottled;
        at.consecutive_failures = failures;
        CORDON_TRY(RecordLogin(a.id, now, ip, at));
        return WrongCredentials();
      }
    }
  }
  // An account still enrolling has no password: the dummy's work instead.
  bool ok = auth::VerifyPassword(hash.empty() ? dummy : hash, password) && !hash.empty() &&
            !sealed_secret.empty();
  std::optional<uint64_t> step;
  bool recovery = false;
  if (ok) {
    // A secret moved here from another account's row does not open (its
    // associated data is the account id it was sealed for). Then no code
    // matches (a recovery code still may), and the answer is the generic
    // one: a distinct refusal would tell a guesser the password was right.
    auto secret = OpenTotpSecret(sealer_, a.id, sealed_secret);
    if (secret.ok()) {
      step = auth::VerifyTotp(*secret, code, now, last_step);
    } else {
      at.second_factor_unreadable = true;
    }
    if (!step) {
      // A recovery code instead (XXXXXXXX-XXXXXXXX), spent on use.
      CORDON_ASSIGN_OR_RETURN(Statement r,
                              db_.Prepare("UPDATE recovery_codes SET used_at = ? WHERE user_id = ? "
                                          "AND code_hash = ? AND used_at IS NULL"));
      CORDON_TRY(r.Bind(1, now).Bind(2, a.id).Bind(3, TokenHash(code)).Run());
      recovery = db_.Changes() == 1;
    }
    ok = step.has_value() || recovery;
    at.mfa = step ? "totp" : recovery ? "recovery_code" : "";
  }
  if (!ok) return Failed(a, failures, source_failures, ip, now, at);

  // Correct credentials: only now may the answer say what stands in the way.
  if (Status may = MayUse(a, now, Use::kNewLogin, &at.outcome, ip); !may.ok()) {
    CORDON_TRY(RecordLogin(a.id, now, ip, at));
    return may.error();
  }
  return OpenSession(a, step, ip, now, at);
}

Result<std::string> Accounts::LoginWithPasskey(int64_t account_id, std::string_view ip, int64_t now,
                                               LoginAttempt* attempt, std::string_view mfa) {
  LoginAttempt local;
  LoginAttempt& at = attempt ? *attempt : local;
  at = LoginAttempt{};
  at.account_id = account_id;
  at.mfa = std::string(mfa);
  CORDON_ASSIGN_OR_RETURN(Account a, Get(account_id));
  // The passkey proved who is there: only now may the answer say what
  // stands in the way, as after a correct password and code.
  if (Status may = MayUse(a, now, Use::kNewLogin, &at.outcome, ip); !may.ok()) {
    CORDON_TRY(RecordLogin(a.id, now, ip, at));
    return may.error();
  }
  return OpenSession(a, std::nullopt, ip, now, at);
}

// The session of a login whose credentials were all checked; `step` is the
// TOTP step to spend (none for a recovery code or a passkey).
Result<std::string> Accounts::OpenSession(const Account& a, std::optional<uint64_t> step,
                                          std::string_view ip, int64_t now, LoginAttempt& at) {
  at.outcome = LoginOutcome::kOk;
  {
    CORDON_ASSIGN_OR_RETURN(Statement seen, db_.Prepare("SELECT count(*), sum(ip = ?) FROM logins "
                                                        "WHERE user_id = ? AND outcome = 'ok'"));
    seen.Bind(1, ip).Bind(2, a.id);
    CORDON_TRY(seen.Step());
    at.new_ip = seen.Int(0) > 0 && seen.Int(1) == 0;
  }
  std::string token = NewToken();
  std::optional<Transaction> tx;
  {
    CORDON_ASSIGN_OR_RETURN(Transaction begun, Transaction::Begin(db_));
    tx.emplace(std::move(begun));
  }
  // The TOTP step is spent here, atomically: of two logins racing with one
  // code, the second finds the step already taken (F11).
  CORDON_ASSIGN_OR_RETURN(
      Statement u,
      db_.Prepare("UPDATE users SET failed_logins = 0, locked_until = 0, "
                  "totp_last_step = COALESCE(?1, totp_last_step), last_login_at = ?2, "
                  "last_login_ip = ?3, last_activity_at = ?2 WHERE id = ?4 AND (?1 IS NULL OR "
                  "totp_last_step IS NULL OR totp_last_step < ?1)"));
  if (step) {
    u.Bind(1, static_cast<int64_t>(*step));
  } else {
    u.BindNull(1);
  }
  CORDON_TRY(u.Bind(2, now).Bind(3, ip).Bind(4, a.id).Run());
  if (db_.Changes() != 1) {
    tx.reset();  // rolled back: the code was just spent by another login
    at.outcome = LoginOutcome::kCodeReused;
    at.mfa.clear();
    CORDON_TRY(RecordLogin(a.id, now, ip, at));
    return WrongCredentials();
  }
  CORDON_ASSIGN_OR_RETURN(Statement ins,
                          db_.Prepare("INSERT INTO sessions(token_hash, user_id, created_at, "
                                      "last_seen_at, ip, mfa) VALUES (?, ?, ?, ?, ?, ?)"));
  CORDON_TRY(ins.Bind(1, TokenHash(token))
                 .Bind(2, a.id)
                 .Bind(3, now)
                 .Bind(4, now)
                 .Bind(5, ip)
                 .Bind(6, at.mfa)
                 .Run());
  CORDON_TRY(RecordLogin(a.id, now, ip, at));
  CORDON_TRY(tx->Commit());
  return token;
}

// A failed attempt: one more consecutive failure, delays from the 5th, a
// hard lock at the 100th (NIST SP 800-63B §5.2.2).
Result<std::string> Accounts::Failed(const Account& a, int64_t failures, int64_t source_failures,
                                     std::string_view ip, int64_t now, LoginAttempt& at) {
  at.outcome = LoginOutcome::kWrongCredentials;
  const int64_t n = failures + 1;            // in a row, from anywhere: the hard lock's count
  const int64_t here = source_failures + 1;  // from this address: the delays' count
  at.consecutive_failures = n;
  int64_t delay_until = 0;
  if (here >= policy_.failures_before_delay) {
    const int64_t doublings = std::min<int64_t>(here - policy_.failures_before_delay, 20);
    delay_until =
        now + std::min(policy_.max_delay_seconds, policy_.first_delay_seconds << doublings);
    at.delays_started = here == policy_.failures_before_delay;
  }
  const bool lock = n >= policy_.failures_before_lock && !a.hard_locked;
  at.locked_now = lock;
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(Statement f,
                          db_.Prepare("UPDATE users SET failed_logins = ?, "
                                      "hard_locked = MAX(hard_locked, ?) WHERE id = ?"));
  CORDON_TRY(f.Bind(1, n).Bind(2, lock ? 1 : 0).Bind(3, a.id).Run());
  CORDON_ASSIGN_OR_RETURN(
      Statement d,
      db_.Prepare("INSERT INTO login_delays(user_id, source, failures, until) VALUES (?1, ?2, "
                  "?3, ?4) ON CONFLICT(user_id, source) DO UPDATE SET failures = ?3, until = ?4"));
  CORDON_TRY(d.Bind(1, a.id).Bind(2, BanKey(ip)).Bind(3, here).Bind(4, delay_until).Run());
  CORDON_TRY(RecordLogin(a.id, now, ip, at));
  CORDON_TRY(tx.Commit());
  return WrongCredentials();
}

Result<Account> Accounts::Session(std::string_view token, int64_t now, std::string_view ip,
                                  SessionFacts* facts) {
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare(std::string("SELECT ") + kAccountColumns +
                                      ", sessions.created_at, sessions.last_seen_at, "
                                      "sessions.mfa FROM sessions "
                                      "JOIN users ON users.id = user_id WHERE token_hash = ?"));
  const Bytes token_hash = TokenHash(token);
  q.Bind(1, token_hash);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return Error(ErrorCode::kAuthFailed, "no session, or it has ended", "log in again");
  }
  CORDON_ASSIGN_OR_RETURN(Account a, ReadAccount(q));
  const int64_t created = q.Int(kAccountColumnCount), seen = q.Int(kAccountColumnCount + 1);
  if (facts) *facts = SessionFacts{created, q.Text(kAccountColumnCount + 2)};
  q.Reset();
  // Strangers' failed logins (delays, the hard lock) never end the owner's
  // open session; a disabled, expired or out-of-bounds account ends it.
  if (now - seen >= policy_.session_idle_seconds ||
      now - created >= policy_.session_absolute_seconds ||
      !MayUse(a, now, Use::kSession, nullptr, ip).ok()) {
    (void)Logout(token);
    return Error(ErrorCode::kAuthFailed, "no session, or it has ended", "log in again");
  }
  if (seen == now) return a;  // already refreshed this second: no write (and no fsync)
  // Both rows in one transaction (one commit, one fsync, not two). The
  // requests of one session that arrive in the same second all get here;
  // the first refreshes, the others find the row already at `now` and
  // commit nothing (no WAL frame, no fsync).
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(
      Statement u, db_.Prepare("UPDATE sessions SET last_seen_at = ?1 WHERE token_hash = ?2 AND "
                               "last_seen_at <> ?1"));
  CORDON_TRY(u.Bind(1, now).Bind(2, token_hash).Run());
  if (db_.Changes() > 0) {
    CORDON_ASSIGN_OR_RETURN(Statement v,
                            db_.Prepare("UPDATE users SET last_activity_at = ? WHERE id = ?"));
    CORDON_TRY(v.Bind(1, now).Bind(2, a.id).Run());
  }
  CORDON_TRY(tx.Commit());
  a.last_activity_at = now;
  return a;
}

Status Accounts::Logout(std::string_view token) {
  CORDON_ASSIGN_OR_RETURN(Statement d, db_.Prepare("DELETE FROM sessions WHERE token_hash = ?"));
  return d.Bind(1, TokenHash(token)).Run();
}

Status Accounts::EndPasswordSessions(int64_t account_id, std::string_view keep) {
  CORDON_ASSIGN_OR_RETURN(Statement d,
                          db_.Prepare("DELETE FROM sessions WHERE user_id = ? AND mfa != 'passkey' "
                                      "AND token_hash != ?"));
  return d.Bind(1, account_id).Bind(2, TokenHash(keep)).Run();
}

Result<Account> Accounts::Find(std::string_view email) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string("SELECT ") + kAccountColumns +
                                                   " FROM users WHERE email = ?"));
  q.Bind(1, email);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return Error(ErrorCode::kNotFound, "no account for " + std::string(email));
  return ReadAccount(q);
}

Result<Account> Accounts::Get(int64_t id) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string("SELECT ") + kAccountColumns +
                                                   " FROM users WHERE id = ?"));
  q.Bind(1, id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return Error(ErrorCode::kNotFound, "no account " + std::to_string(id));
  return ReadAccount(q);
}

Result<std::vector<Account>> Accounts::List() {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string("SELECT ") + kAccountColumns +
                                                   " FROM users ORDER BY id"));
  std::vector<Account> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    CORDON_ASSIGN_OR_RETURN(Account a, ReadAccount(q));
    out.push_back(std::move(a));
  }
}

Status Accounts::Reopen(int64_t account_id, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Statement u,
                          db_.Prepare("UPDATE users SET failed_logins = 0, locked_until = 0, "
                                      "hard_locked = 0, locked_reason = '', last_activity_at = ?1, "
                                      "unlocked_at = ?1 WHERE id = ?2"));
  CORDON_TRY(u.Bind(1, now).Bind(2, account_id).Run());
  CORDON_ASSIGN_OR_RETURN(Statement d, db_.Prepare("DELETE FROM login_delays WHERE user_id = ?"));
  return d.Bind(1, account_id).Run();
}

Status Accounts::Unlock(std::string_view email, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Account a, Find(email));
  if (IsVendorAccount(a)) {
    return Error(ErrorCode::kRefused,
                 "account " + std::to_string(a.id) + " is a vendor's (" + a.organisation +
                     "): an approver of a hospital it maintains re-opens it, not an admin",
                 "an approver runs: cordon remote account unlock " + a.email + " --reason …");
  }
  return Reopen(a.id, now);
}

std::string Accounts::LockOf(const Account& a, int64_t now) const {
  if (!a.locked_reason.empty()) return "locked: " + a.locked_reason;
  if (a.hard_locked) return "locked after too many failed logins in a row";
  const std::string days = std::to_string(policy_.idle_account_seconds / 86400);
  if (now - a.last_activity_at >= policy_.idle_account_seconds) {
    return "locked after " + days + " days without a login";
  }
  if (Dormant(a, now, policy_.idle_account_seconds)) return "dormant: unused for " + days + " days";
  return {};
}

Error NoAccountToReopen() {
  return Error(ErrorCode::kNotFound, "no such account",
               "the access review lists the vendors' accounts");
}

Result<std::string> Accounts::UnlockVendor(int64_t account_id, const Account& approver, int64_t now,
                                           const std::function<Status()>& record) {
  CORDON_ASSIGN_OR_RETURN(Account a, Get(account_id));
  if (approver.role != Role::kApprover) {
    return Error(ErrorCode::kRefused, "only an approver re-opens a vendor's account");
  }
  // Not a vendor's account: not there, as an unknown e-mail is not — the
  // exchange's own staff are not told apart by probing (third review).
  if (!IsVendorAccount(a)) return NoAccountToReopen();
  if (approver.organisation == a.organisation) {
    return Error(ErrorCode::kRefused,
                 "a vendor's account is re-opened by an approver of a hospital the vendor "
                 "maintains, not by one of its own organisation",
                 "an approver of the hospital decides, never the vendor's own");
  }
  // A hospital the vendor reaches: one whose targets the vendor's accounts
  // requested (exchange/targets.h) — not another vendor's approver, nor a
  // hospital this vendor never maintained (second attack review of
  // 2026-12-05, N1). To anyone else the account is not there, as an
  // unknown e-mail is not: the answer does not tell which addresses have
  // accounts, nor their organisation (third review).
  CORDON_ASSIGN_OR_RETURN(bool reached, VendorReaches(db_, a.organisation, approver.organisation));
  if (!reached) return NoAccountToReopen();
  std::string lifted = LockOf(a, now);
  if (lifted.empty()) {
    return Error(ErrorCode::kAlreadyExists,
                 "account " + std::to_string(a.id) + " is not locked: nothing to re-open");
  }
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_TRY(Reopen(a.id, now));
  if (record) CORDON_TRY(record());
  CORDON_TRY(tx.Commit());
  return lifted;
}

Status Accounts::Extend(std::string_view email, int64_t expires_at) {
  CORDON_ASSIGN_OR_RETURN(Account a, Find(email));
  CORDON_ASSIGN_OR_RETURN(Statement u, db_.Prepare("UPDATE users SET expires_at = ? WHERE id = ?"));
  return u.Bind(1, expires_at).Bind(2, a.id).Run();
}

Status Accounts::SetAllowList(std::string_view email, const std::vector<std::string>& blocks) {
  CORDON_ASSIGN_OR_RETURN(std::string list, NormalizeAllowList(blocks));
  CORDON_ASSIGN_OR_RETURN(Account a, Find(email));
  CORDON_ASSIGN_OR_RETURN(Statement u,
                          db_.Prepare("UPDATE users SET allowed_ips = ? WHERE id = ?"));
  return u.Bind(1, list).Bind(2, a.id).Run();
}

Status Accounts::Disable(std::string_view email) {
  CORDON_ASSIGN_OR_RETURN(Account a, Find(email));
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(Statement u,
                          db_.Prepare("UPDATE users SET status = 'disabled' WHERE id = ?"));
  CORDON_TRY(u.Bind(1, a.id).Run());
  // Its sessions end now, and an enrolment token it never used dies with it.
  for (const char* sql :
       {"DELETE FROM sessions WHERE user_id = ?", "DELETE FROM enrolments WHERE user_id = ?"}) {
    CORDON_ASSIGN_OR_RETURN(Statement d, db_.Prepare(sql));
    CORDON_TRY(d.Bind(1, a.id).Run());
  }
  return tx.Commit();
}

Status Accounts::SetRecipients(std::string_view email, const std::vector<std::string>& recipients) {
  for (const auto& r : recipients) {
    if (!age::X25519Recipient::Parse(r).ok()) {
      return Error(ErrorCode::kInvalidArgument, "\"" + r + "\" is not an age recipient",
                   "an age1... public key, as in the order's recipients");
    }
  }
  CORDON_ASSIGN_OR_RETURN(Account a, Find(email));
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(Statement d,
                          db_.Prepare("DELETE FROM account_recipients WHERE user_id = ?"));
  CORDON_TRY(d.Bind(1, a.id).Run());
  for (const auto& r : recipients) {
    CORDON_ASSIGN_OR_RETURN(
        Statement ins,
        db_.Prepare("INSERT OR IGNORE INTO account_recipients(user_id, recipient) VALUES (?, ?)"));
    CORDON_TRY(ins.Bind(1, a.id).Bind(2, r).Run());
  }
  return tx.Commit();
}

Result<std::vector<std::string>> Accounts::Recipients(int64_t account_id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare("SELECT recipient FROM account_recipients WHERE user_id = ? ORDER BY recipient"));
  q.Bind(1, account_id);
  std::vector<std::string> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(q.Text(0));
  }
}

bool SameName(std::string_view a, std::string_view b) { return NameKey(a) == NameKey(b); }

}  // namespace cordon::exchange
