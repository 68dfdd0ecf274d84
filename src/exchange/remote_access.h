// Vendor remote maintenance, the exchange's side: SSH certificates issued
// only inside an open target grant, the bastions' machine credentials, and
// the checks the bastion asks for at each login and while a session lives
// (the bastion never reads the exchange's data directory: it asks).
//
// A user certificate's key id is exactly "grant-<id> account-<account id>"
// plus " order=<ticket>" when the grant has one; its serial is the
// ssh_certificates row's (never reused). The bastion's login check accepts
// a certificate only when its serial is one this exchange issued for that
// grant and account with that key fingerprint, not revoked, the grant open
// now, the account usable (active, not expired, locked or dormant) and its
// organisation not suspended.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "exchange/accounts.h"
#include "exchange/db.h"
#include "exchange/grants.h"
#include "exchange/targets.h"
#include "ssh/ca_key.h"

namespace cordon::exchange {

struct RemotePolicy {
  std::string bastion_principal = "bastion";  // the user certificates' one principal
  std::string bastion_address;                // HOST:PORT shown to vendors (may be empty)
  // The egress certificates' source-address (the bastion's address as the
  // targets see it, CIDR list); empty: none.
  std::string bastion_source_address;
  // age1... recipients every recording is sealed to; none: no session starts.
  std::vector<std::string> recording_recipients;
  int64_t max_certificate_seconds = 8 * 3600;
  int64_t egress_seconds = 120;
  // How long a recording is kept after its session ended (a PACS or LIS
  // screen shows patients): then the bastion deletes it, with a certificate.
  int64_t recording_retention_seconds = 365 * 86400;
};

// "grant-12 account-7 order=CHG-1" → {12, 7, "CHG-1"}; nullopt otherwise.
struct KeyId {
  int64_t grant = 0, account = 0;
  std::optional<std::string> order;
};
std::optional<KeyId> ParseKeyId(std::string_view key_id);
std::string FormatKeyId(const KeyId& id);

// A bastion (or another machine) that calls the exchange with a bearer
// token of its own; only the token's SHA-256 is stored.
struct Machine {
  int64_t id = 0;
  std::string name, kind;
  int64_t created_at = 0;
  std::optional<int64_t> last_seen_at;
};

// Thread-safety: a view over one connection, used by the thread that owns it.
class Machines {
 public:
  explicit Machines(Db& db) : db_(db) {}
  // The new machine's token (64 hex digits), shown once.
  Result<std::string> Add(std::string_view name, int64_t now);
  Result<std::vector<Machine>> List();
  Status Remove(std::string_view name);
  // kAuthFailed for an unknown token (constant-time: looked up by hash).
  Result<Machine> Authenticate(std::string_view token, int64_t now);

 private:
  Db& db_;
};

struct IssuedCertificate {
  std::string line;  // "ssh-ed25519-cert-v01@openssh.com AAAA… grant-12"
  int64_t serial = 0;
  std::string key_id, fingerprint;
  int64_t valid_after = 0, valid_before = 0;
  int64_t grant_id = 0, account_id = 0;
};

// What a certificate presented at the bastion stands for, once checked.
struct RemoteGrant {
  Grant grant;
  Account account;
  Target target;
  int64_t serial = 0;
};

struct StartedSession {
  int64_t id = 0;
  RemoteGrant remote;
  IssuedCertificate egress;
};

// A live session's standing, polled by the bastion: open=false ends it.
struct SessionState {
  bool open = false;
  int64_t closes_at = 0;
  std::string reason;  // why it is closed ("" while open)
};

struct SessionReport {
  int64_t chunks = 0, bytes = 0;
  std::string head, header_sha256;  // 64 hex digits each
  std::optional<int64_t> duration_seconds, exit_status;
  std::string reason;  // the end's
};

struct RemoteSession {
  int64_t id = 0, grant_id = 0, account_id = 0;
  std::string target, client;
  int64_t certificate_serial = 0;
  std::optional<int64_t> egress_serial;
  int64_t started_at = 0;
  std::optional<int64_t> ended_at, last_anchor_at, exit_status;
  std::string end_reason, head;
  int64_t chunks = 0, bytes = 0;
  std::string header_sha256;  // names the recording (its first anchor's)
  std::optional<int64_t> recording_deleted_at;
  // The exchange's sealed copy: when the bastion sent it, its length, and
  // when the exchange deleted it (its retention passed).
  std::optional<int64_t> copy_stored_at, copy_bytes, copy_deleted_at;
};

// A session whose bastion has not anchored it for this long is over, ended
// or not: a live session anchors at least every 60 s, so its bastion died
// before the end event, and its recording may be copied up to what it holds.
inline constexpr int64_t kSilentSessionSeconds = 600;

// Certificates to revoke (of grants revoked or closed, not yet expired):
// what the bastion builds its KRL from.
struct RevocationList {
  std::vector<std::string> key_ids;
  std::vector<int64_t> serials;
};

// Runs inside the transaction of the change it records (the ledger event):
// an error rolls the change back.
using RemoteEvent = std::function<Status()>;

// Thread-safety: uses one worker's connections (the caller's), one thread
// at a time.
class RemoteAccess {
 public:
  RemoteAccess(Db& db, Accounts& accounts, Grants& grants, const RemotePolicy& policy)
      : db_(db), accounts_(accounts), grants_(grants), policy_(policy) {}

  // A user certificate for `who`'s open target grant: validity [now-60,
  // min(closes_at, now+8h)), principal the bastion's, permit-pty only,
  // source-address = the account's allow-list when it has one. Counts as a
  // use of the account. kNotFound for a grant that is not theirs; kRefused
  // saying why otherwise; kInvalidArgument for a key that is not Ed25519.
  Result<IssuedCertificate> IssueCertificate(
      const ssh::CaKey& ca, const Account& who, int64_t grant_id, std::string_view public_key_line,
      int64_t now, const std::function<Status(const IssuedCertificate&)>& record = {});

  // The login-time check (kRefused with the reason; an unknown or
  // malformed key id is refused too). `fingerprint` ("SHA256:…") is
  // compared when given.
  Result<RemoteGrant> Check(std::string_view key_id, int64_t serial,
                            std::optional<std::string_view> fingerprint, int64_t now);

  // The same checks, then a session row and a 2-minute egress certificate
  // for the grant's target (principal the target's, key id
  // "session-<id> grant-<g>"). Counts as a use. kRefused without recording
  // recipients.
  // The bastion let this certificate in (its principals command was
  // answered yes): a session may start from it on this bastion within two
  // minutes. The machine token alone, without the login of the vendor's
  // certificate (its fingerprint, through this bastion), starts nothing.
  Status NoteLogin(const Machine& bastion, int64_t serial, int64_t now);
  // Whether this bastion noted a login of that certificate in the last
  // `seconds`: sshd asks twice per login (the client's key query, then its
  // signed request), and one login is one ledger event.
  Result<bool> LoggedInWithin(const Machine& bastion, int64_t serial, int64_t now, int64_t seconds);
  Result<StartedSession> StartSession(const ssh::CaKey& egress_ca, const Machine& bastion,
                                      std::string_view key_id, int64_t serial,
                                      std::string_view fingerprint, std::string_view client,
                                      std::string_view egress_key_line, int64_t now,
                                      const std::function<Status(const StartedSession&)>& record);
  // kNotFound for a session another machine started, or none.
  Result<SessionState> State(const Machine& bastion, int64_t session_id, int64_t now);
  Result<SessionState> Anchor(const Machine& bastion, int64_t session_id, const SessionReport& r,
                              int64_t now, const RemoteEvent& record);
  Status End(const Machine& bastion, int64_t session_id, const SessionReport& r, int64_t now,
             const RemoteEvent& record);
  Result<RemoteSession> GetSession(int64_t session_id);
  // The recordings of `bastion`'s sessions past their retention (counted
  // from the end, or from the start of a session that never ended) and not
  // yet deleted: what `cordon bastion sweep` deletes.
  Result<std::vector<RemoteSession>> ExpiredRecordings(const Machine& bastion, int64_t now);
  // The bastion deleted the recording named `header_sha256` of its session:
  // recorded once (kAlreadyExists after), only past its retention
  // (kRefused before), only for the recording the session anchored.
  Result<RemoteSession> RecordingDeleted(const Machine& bastion, int64_t session_id,
                                         std::string_view header_sha256, int64_t now,
                                         const RemoteEvent& record);
  // Whether `bastion` may send the exchange its copy of the session's
  // recording now: a session it started, anchored, over (ended, or silent
  // for kSilentSessionSeconds), whose recording is neither copied nor
  // deleted, within its retention. kNotFound (another bastion's, or none),
  // kAlreadyExists (copied), kRefused saying why otherwise.
  Result<RemoteSession> CopyableRecording(const Machine& bastion, int64_t session_id, int64_t now);
  // The sessions of `bastion` for which CopyableRecording holds: what
  // `cordon bastion sweep` sends.
  Result<std::vector<RemoteSession>> UncopiedRecordings(const Machine& bastion, int64_t now);
  // The copy of `bytes` bytes is in place (checked against the anchors by
  // the caller): recorded once, the checks of CopyableRecording made again
  // inside the transaction.
  Result<RemoteSession> RecordingCopied(const Machine& bastion, int64_t session_id, int64_t bytes,
                                        int64_t now, const RemoteEvent& record);
  // The exchange's copies past their retention and not deleted yet.
  Result<std::vector<RemoteSession>> ExpiredCopies(int64_t now);
  // The exchange deleted its copy: recorded once (kAlreadyExists after).
  Status CopyDeleted(int64_t session_id, int64_t now, const RemoteEvent& record);
  // One account's sessions, or everyone's (the access review).
  Result<std::vector<RemoteSession>> Sessions(std::optional<int64_t> account_id);
  Result<RevocationList> Revoked(int64_t now);

 private:
  // The account, grant and target checks shared by every entry point.
  Result<RemoteGrant> CheckGrant(int64_t grant_id, int64_t account_id, int64_t now);
  Status CheckProgress(int64_t session_id, const SessionReport& r);
  Result<int64_t> NewSerial(int64_t grant_id, int64_t account_id, std::string_view fingerprint,
                            std::string_view key_id, int64_t valid_after, int64_t valid_before,
                            int64_t now, std::string_view kind);
  Db& db_;
  Accounts& accounts_;
  Grants& grants_;
  const RemotePolicy& policy_;
};

}  // namespace cordon::exchange
