// The exchange's people: named accounts (never shared), each with a role, an
// end date, a password (Argon2id) and a mandatory TOTP second factor; and
// their sessions. All state lives in the store (DIR/exchange.db), none in
// process memory, so several server instances can share it later. Times are
// Unix seconds passed in by the caller (the server's clock, injectable).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/secret_buffer.h"
#include "crypto/aead.h"
#include "exchange/db.h"

namespace cordon::exchange {

// kDpo: the data protection officer of an organisation (the controller's):
// sees the orders submitted for that organisation's validation, and nothing
// else of the exchange (exchange/orders.h).
enum class Role { kOperator, kApprover, kRecipient, kAuditor, kAdmin, kDpo };
std::string_view RoleName(Role role);
Result<Role> ParseRole(std::string_view name);

// Where an account is in its life: waiting for its owner to enrol, in use,
// or disabled by an admin. The names are what the database, the JSON API
// and the ledger say.
enum class AccountStatus { kEnrolling, kActive, kDisabled };
std::string_view AccountStatusName(AccountStatus status);  // "enrolling", "active", "disabled"
// kMalformed for any other name (a hand edit, a newer version): an error,
// never an abort.
Result<AccountStatus> ParseAccountStatus(std::string_view name);

// What came of a login attempt, as the login history, the ledger
// ("login_outcome") and the API say it.
enum class LoginOutcome {
  kNone,  // "": not decided (an error came first)
  kOk,
  kWrongCredentials,
  kThrottled,  // slowed down from this address
  kLocked,     // hard-locked after failures in a row
  kExpired,
  kDisabled,
  kNotEnrolled,
  kIdleLocked,
  kIpNotAllowed,
  kCodeReused,       // the TOTP step was spent by a racing login
  kLockedForReason,  // locked by the exchange (break-glass not countersigned)
};
std::string_view LoginOutcomeName(LoginOutcome outcome);

// OWASP ASVS L3 defaults (sessions), NIST SP 800-63B §5.2.2 (rate limiting:
// growing delays, a hard lock only after 100 consecutive failures), the
// hospitals' asks in the seeds (idle accounts locked).
//
// Why delays and not a 5-failure lock: a lock anyone can trigger with five
// wrong passwords is a denial of service against the owner on the night of
// a migration (review F8). Delays (30 s, 60 s, ... 15 min between tries)
// are counted per account *and address* (IPv6 /64): they slow a guesser to
// a crawl and never the owner logging in from elsewhere (review N9); the
// guesser's address is banned by the defender meanwhile. The hard lock
// counts failures in a row from everywhere.
struct AccountPolicy {
  int64_t enrolment_seconds = 72 * 3600;
  int64_t session_idle_seconds = 15 * 60;
  int64_t session_absolute_seconds = 12 * 3600;
  int failures_before_delay = 5;        // consecutive failures before delays start
  int64_t first_delay_seconds = 30;     // doubled for each further failure...
  int64_t max_delay_seconds = 15 * 60;  // ...up to this
  int failures_before_lock = 100;       // then locked until an admin unlocks
  int64_t idle_account_seconds = 90 * 86400;
};

struct Account {
  int64_t id = 0;
  std::string name;
  std::string email;
  Role role = Role::kRecipient;
  AccountStatus status = AccountStatus::kEnrolling;
  int64_t expires_at = 0;
  int64_t locked_until = 0;  // unused since delays are per address (login_delays)
  bool hard_locked = false;  // after failures_before_lock failures in a row, until unlocked
  std::optional<int64_t> last_login_at;
  std::string last_login_ip;
  int64_t last_activity_at = 0;
  std::string allowed_ips;  // comma-separated CIDR blocks; empty: any address
  // The organisation the person works for ("" = the exchange's own, the
  // single-organisation default). Approvers decide only on grants whose
  // subject (a target, a package) is of their organisation; an operator of
  // a non-empty organisation is a vendor's account.
  std::string organisation;
  bool on_call = false;  // may break the glass on a target
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;  // last certificate issued or session started
  int64_t unlocked_at = 0;              // last unlock (dormancy restarts there)
  // Set when the exchange locked the account for a reason only an admin
  // lifts (a break-glass grant not countersigned within 24 h); "" = not.
  std::string locked_reason;
};

// An operator of another organisation: the accounts the dormancy lock
// (90 days without *use*) applies to, and that only an approver re-opens.
bool IsVendorAccount(const Account& a);
// kNotFound "no such account": the one answer an approver gets for an
// e-mail without an account and for an account not theirs to re-open.
Error NoAccountToReopen();
// Whether a vendor account went unused for `idle_seconds` (counted from its
// last use, its creation or its last unlock, whichever is later).
bool Dormant(const Account& a, int64_t now, int64_t idle_seconds);

// "10.1.0.0/16,2001:db8::/32" normalized (each block checked, host bits
// cleared), or kInvalidArgument naming the bad block. An empty list clears.
Result<std::string> NormalizeAllowList(const std::vector<std::string>& blocks);
// Whether `ip` (as the server saw it) falls in one of the list's blocks.
bool AddressAllowed(std::string_view allow_list, std::string_view ip);

// What a login attempt was, for the login history, the ledger and the
// defender: filled in whether or not the login succeeded.
struct LoginAttempt {
  std::optional<int64_t> account_id;  // unset for an unknown e-mail
  LoginOutcome outcome = LoginOutcome::kNone;
  std::string mfa;  // "totp", "recovery_code", "passkey", "ssh_key", or "" when not reached
  int64_t consecutive_failures = 0;  // the account's, after this attempt
  bool delays_started = false;       // this failure started the delays (the owner is told)
  bool locked_now = false;           // this failure hard-locked the account
  bool new_ip = false;  // a success from an IP this account never logged in from before
  // The account's sealed TOTP secret did not open (secrets.key replaced, the
  // row altered or copied from another account): the attempt fails like any
  // wrong code — the answer must not confirm the password — but the operator
  // must hear of it.
  bool second_factor_unreadable = false;
};

// One row of the login history, as recorded. The outcome stays the text
// that was written (LoginOutcomeName of its day): a history is shown as it
// was kept, older versions' words included.
struct LoginRecord {
  int64_t account_id = 0;
  int64_t at = 0;
  std::string ip, outcome, mfa;
};

// How a session was opened (what a sensitive act asks of it: registering a
// second passkey needs a session opened with the first).
struct SessionFacts {
  int64_t created_at = 0;
  std::string mfa;  // as LoginAttempt::mfa; "" for sessions older than schema 6
};

struct Enrolment {
  Account account;
  SecretBuffer totp_secret;  // shown once, as an otpauth:// URI
  std::string otpauth_uri;
};

// Whether two full names are one (ASCII case and spacing aside): accounts
// with one name never decide on each other's grants (one person may hold
// two accounts, review F21).
bool SameName(std::string_view a, std::string_view b);

// Thread-safety: one connection to the store; one thread at a time (each
// server worker opens its own). Several instances, in threads or processes,
// may share one data directory: every change is a transaction.
class Accounts {
 public:
  // Opens (creating) DIR/exchange.db, and DIR/secrets.key: the key TOTP
  // secrets are sealed with, kept out of the database so that a copy of
  // the database (a dump, a backup) gives no one the second factor
  // (exchange/totp_secrets.h).
  static Result<Accounts> Open(const std::string& data_dir, AccountPolicy policy = {});

  // A new account, waiting for its owner to enrol; returns the one-time
  // enrolment token (only its hash is stored). An e-mail already in use is
  // kAlreadyExists, and so is a full name already in use (one person, one
  // account: two accounts of one person could approve each other's
  // requests) unless `allow_same_name` (two different people who share a
  // name; they still never decide on each other's grants).
  Result<std::string> AddUser(std::string_view name, std::string_view email, Role role,
                              int64_t expires_at, int64_t now, bool allow_same_name = false);

  // Step 1 of enrolment: the TOTP secret for the authenticator app (a new
  // one each time this is called, until step 2 succeeds).
  Result<Enrolment> BeginEnrolment(std::string_view token, int64_t now);
  // Step 2: the chosen password (SP 800-63B rules) and a first code from the
  // app. Returns 10 recovery codes, shown once. The token is then spent.
  Result<std::vector<std::string>> FinishEnrolment(std::string_view token,
                                                   const SecretBuffer& password,
                                                   std::string_view totp_code, int64_t now);

  // Password and a TOTP code (or a recovery code, spent on use). Returns a
  // session token. Everything short of a correct password *and* code is the
  // same kAuthFailed, after the same Argon2id work, whatever the account's
  // state: an unknown e-mail, a wrong password, an account being enrolled,
  // disabled, expired, locked, slowed down or restricted to other
  // addresses all look alike (review F10). Only with correct credentials
  // does a refusal say why (kRefused). A TOTP step is spent atomically: two
  // logins racing with one code, one wins (F11). Failures never end open
  // sessions (F8). Every attempt on a known account joins its history.
  Result<std::string> Login(std::string_view email, const SecretBuffer& password,
                            std::string_view code, std::string_view ip, int64_t now,
                            LoginAttempt* attempt = nullptr);
  // A login with a passkey the caller verified (exchange/passkeys.h), or
  // with a registered SSH key's signature (mfa "ssh_key": the command line
  // of an account that logs in with its passkey): the same account checks,
  // session and history as Login. kRefused saying why when the account may
  // not log in now.
  Result<std::string> LoginWithPasskey(int64_t account_id, std::string_view ip, int64_t now,
                                       LoginAttempt* attempt = nullptr,
                                       std::string_view mfa = "passkey");
  // Newest first; one person's, or everyone's.
  Result<std::vector<LoginRecord>> LoginHistory(std::optional<int64_t> account_id, int limit);
  // The session's account, refreshing its idle timer; kAuthFailed when the
  // session is unknown, idle or too old, or its account no longer may log in.
  // With `ip`, an account's allow-list applies to the session's every request.
  Result<Account> Session(std::string_view token, int64_t now, std::string_view ip = {},
                          SessionFacts* facts = nullptr);
  Status Logout(std::string_view token);
  // Ends the account's sessions not opened with a passkey, but `keep`'s.
  // Once a DPO's, approver's or admin's passkey is
  // registered their password logs in no more, and a password session
  // opened before (a phished code's) must not go on reading either.
  Status EndPasswordSessions(int64_t account_id, std::string_view keep);

  Result<Account> Find(std::string_view email);
  Result<Account> Get(int64_t id);
  Result<std::vector<Account>> List();
  // Also lifts the idle lock, the dormancy lock and a locked_reason: re-opening
  // an account is an admin's act (cordon admin user unlock) — except a
  // vendor's account (IsVendorAccount), which only an approver re-opens
  // (UnlockVendor): kRefused saying so.
  Status Unlock(std::string_view email, int64_t now);
  // What keeps the account from being used now, in words ("" = nothing):
  // a locked_reason, the failed-login lock, the idle lock, dormancy.
  std::string LockOf(const Account& a, int64_t now) const;
  // Re-opens a locked or dormant vendor account: the CISO's rule that a
  // vendor's access comes back only when the hospital says so. Only an
  // approver of a hospital the account's organisation reaches
  // (VendorReaches: its accounts requested that hospital's targets; never
  // the vendor's own approvers, another vendor's, nor a hospital this
  // vendor never maintained); `record` runs inside the transaction (the
  // ledger first, or nothing changes). Returns what was lifted (LockOf
  // before). kRefused (not an approver; a vendor account of the approver's
  // own organisation); NoAccountToReopen() — the answer an unknown e-mail
  // gets — for an account that is not a vendor's or whose vendor does not
  // reach the approver's organisation; kNotFound (no such id); kAlreadyExists
  // (it is not locked: nothing to lift).
  Result<std::string> UnlockVendor(int64_t account_id, const Account& approver, int64_t now,
                                   const std::function<Status()>& record);
  // The organisation and the on-call flag (cordon admin user add
  // --organisation, --on-call).
  Status SetOrganisation(std::string_view email, std::string_view organisation, bool on_call);
  // A use of the account (an SSH certificate issued, a session started):
  // what the dormancy lock counts from.
  Status MarkUsed(int64_t account_id, int64_t now);
  // Locks the account with a reason (kept if it is locked already) and ends
  // its web sessions.
  Status LockFor(int64_t account_id, std::string_view reason);
  // Whether the account may use remote access now (an SSH certificate, a
  // login at the bastion, a session): active, not expired, not locked, not
  // dormant. kRefused saying why.
  Status MayUseRemotely(const Account& a, int64_t now) const;
  Status Extend(std::string_view email, int64_t expires_at);
  // Ends its sessions and revokes a pending enrolment at once: a disabled
  // account can never come back through an old enrolment token (F1).
  Status Disable(std::string_view email);
  // The age recipients (age1...) whose packages this account may see,
  // request, download and confirm: replaces the list (validated).
  Status SetRecipients(std::string_view email, const std::vector<std::string>& recipients);
  Result<std::vector<std::string>> Recipients(int64_t account_id);
  // Restricts (or, with an empty list, frees) where the account may log in from.
  Status SetAllowList(std::string_view email, const std::vector<std::string>& blocks);

 private:
  // Lifts every lock (failed logins, idle, dormancy, locked_reason).
  Status Reopen(int64_t account_id, int64_t now);
  Accounts(Db db, AccountPolicy policy, crypto::ChaCha20Poly1305 sealer)
      : db_(std::move(db)), policy_(policy), sealer_(std::move(sealer)) {}
  // Whether the account may be used now: its status, end date, idle lock,
  // allow-list; for a new login also the hard lock (a session already open
  // survives strangers' failed logins).
  enum class Use { kNewLogin, kSession };
  Status MayUse(const Account& a, int64_t now, Use use, LoginOutcome* outcome = nullptr,
                std::string_view ip = {}) const;
  Result<std::string> OpenSession(const Account& a, std::optional<uint64_t> step,
                                  std::string_view ip, int64_t now, LoginAttempt& at);
  Result<std::string> Failed(const Account& a, int64_t failures, int64_t source_failures,
                             std::string_view ip, int64_t now, LoginAttempt& at);
  Status RecordLogin(int64_t account_id, int64_t now, std::string_view ip, const LoginAttempt& a);
  Db db_;
  AccountPolicy policy_;
  crypto::ChaCha20Poly1305 sealer_;
};

}  // namespace cordon::exchange
