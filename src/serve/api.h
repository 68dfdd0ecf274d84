// The exchange's JSON API under /api/v1 (docs/api.md): who may do what,
// and the ledger event and alert each request produces. Every piece of
// state is in the store (DIR/exchange.db, DIR/packages, DIR/ledger); the
// only things in memory are open database connections and keys.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string_view>
#include <variant>
#include <vector>

#include "exchange/accounts.h"
#include "exchange/campaigns.h"
#include "exchange/defender.h"
#include "exchange/grant_decisions.h"
#include "exchange/grants.h"
#include "exchange/package_store.h"
#include "exchange/passkeys.h"
#include "exchange/remote_access.h"
#include "exchange/ssh_keys.h"
#include "ledger/ledger.h"
#include "ledger/order_index.h"
#include "serve/alerts.h"
#include "serve/http.h"
#include "serve/mail.h"
#include "serve/rate_budget.h"
#include "serve/routes.h"
#include "sign/minisign.h"

namespace cordon::serve {

// Where browsers reach the exchange: WebAuthn binds each passkey to the RP
// ID and each browser answer to the origin. An empty origin: passkeys off.
struct WebPolicy {
  std::string origin;  // "https://cordon.chu.example" (":port" when not 443)
  std::string rp_id;   // the origin's host
  bool on() const { return !origin.empty(); }
};
// https://HOST[:PORT] only, no path, as browsers send it. kInvalidArgument
// saying what is wrong.
Result<WebPolicy> MakeWebPolicy(std::string_view origin);

// The browser's session cookie: __Host- makes browsers refuse it unless
// Secure, Path=/ and without Domain (no sibling site can set or shadow it).
inline constexpr const char* kSessionCookie = "__Host-cordon-session";

// Readings of one order's report one account may make in an hour (F3).
inline constexpr size_t kReportReadingsPerHour = 60;
// Notice mails one DPO receives in an hour about one submitting
// organisation's orders, whatever the orders.
inline constexpr size_t kMailsPerDpoPerHour = 10;

struct ApiOptions {
  std::string data_dir;
  exchange::AccountPolicy accounts;
  exchange::GrantPolicy grants;
  exchange::DefenderPolicy defender;
  exchange::RetentionPolicy retention;
  uint64_t max_file_bytes = 64ULL << 30;    // one uploaded file
  uint64_t max_staged_bytes = 64ULL << 30;  // one operator's uncommitted uploads, together
  uint64_t min_free_bytes = 1ULL << 30;     // uploads stop (507) before the disk gets here
  int max_files_per_upload = 1000;
  uint64_t download_alert_bytes = 10ULL << 30;  // per account and hour
  int64_t upload_lifetime_seconds = 24 * 3600;  // an unfinished upload is dropped after
  // A file among the recordings' copies that no row vouches for (a crash
  // mid-copy) is deleted once unchanged this long (real time: the file's).
  int64_t orphan_copy_grace_seconds = 3600;
  // Vendor remote maintenance: the bastion's principal and address, the
  // recordings' recipients ([remote] in the configuration).
  exchange::RemotePolicy remote;
  WebPolicy web;  // [web]: passkeys
  // The DPOs' notice mails ([mail]); null: the alert channels only. Not
  // owned: it outlives the Api (cordon serve makes both).
  Mailer* mailer = nullptr;
  std::function<int64_t()> clock;  // Unix seconds; default: the system's
  // Where the API says what went wrong on its side (a database error, an
  // event the ledger refused, a watch that failed): the server's log, never
  // the client. Required: Open refuses options without it (serve/ never
  // prints, and these events must reach someone).
  LogSink log;
};

// Thread-safety: Handle, BeginStream and the periodic work may run on many
// threads at once. Each call leases its own database connections (a pool
// of Services); the uploads in flight are behind uploads_mu_, the ledger
// behind its GroupAppender, Argon2id behind a semaphore.
class Api final : public Handler {
 public:
  // `ledger` is the exchange's (DIR/ledger, opened for appending); the
  // certificate key is DIR/exchange.key, created on first use.
  static Result<std::unique_ptr<Api>> Open(ApiOptions options, ledger::Ledger ledger,
                                           Alerts& alerts);
  ~Api() override;

  bool StreamsBody(const Request& head) const override;
  std::variant<Response, BodySink> BeginStream(const Request& head) override;
  Response Handle(const Request& request) override;

  // Periodic work (the server runs these every minute / hour): deletes
  // packages past their deadline (with certificates) and stale uploads;
  // re-verifies the ledger and alerts if it fails.
  void SweepRetention();
  void CheckLedger();
  // Signs a checkpoint when the ledger grew since the last one (the server
  // runs this every minute and at shutdown): evidence never waits for the
  // next deletion to be signed.
  void CheckpointIfNew();
  // Remote maintenance's periodic work (run by SweepRetention, every
  // minute): locks the accounts whose break-glass grant on a target was not
  // countersigned in time (ledger event, alert), and raises the alert of an
  // organisation an admin suspended (the admin command cannot alert).
  void SweepRemote();

  // The key deletion certificates are signed with (DIR/exchange.pub).
  const sign::PublicKey& certificate_key() const { return certificate_public_; }

  struct Services;
  struct Call;

 private:
  Api(ApiOptions options, ledger::Ledger ledger, Alerts& alerts, sign::SecretKey key);
  class Lease;
  Result<Lease> Acquire();
  int64_t Now() const;

  // Sets call.who and the roles granted now from the bearer session, or
  // returns the 401 that refuses the request.
  std::optional<Response> Authenticate(Call& call);
  Response Route(Call& call);
  Response Login(Call& call);
  // A bearer token's answer to a login (the command line's).
  Response BearerSession(const std::string& token, const exchange::Account& who, int64_t now) const;
  // The command line's login of an account that logs in with its passkey:
  // after its password and code, a signature by a registered SSH key
  // (api_key_login.cc). OfferKeyLogin: the 401 that gives the document to
  // sign, when the account has an active key; KeyLogin: POST /login/ssh-key.
  std::string KeyLoginNamespace() const;  // cordon-login@RP_ID
  std::optional<Response> OfferKeyLogin(Call& call, const exchange::Account& who);
  Response KeyLogin(Call& call);
  // A login whose second factor the caller verified (a passkey, a key's
  // signature): the session, its event (`details`, with the outcome) and
  // the new-address alert; the cookie for a browser, else a bearer token.
  Response OpenVerifiedSession(Call& call, int64_t account_id, std::string_view mfa,
                               nlohmann::json details, bool browser);
  std::optional<Response> RefuseBanned(Call& call);
  void CountFailure(Call& call);
  Response EnrolBegin(Call& call);
  Response EnrolFinish(Call& call);
  Response Me(Call& call);
  // Passkeys (api_passkeys.cc): registration from a session, and logins.
  std::optional<Response> RefusePasskeysOff() const;
  Response PasskeyLoginBegin(Call& call);
  Response PasskeyLoginFinish(Call& call);
  Response PasskeyRegisterBegin(Call& call);
  Response PasskeyRegisterFinish(Call& call);
  Response ListPasskeys(Call& call);
  // POST /passkeys/{id}/revoke: one admin's approval; the second revokes.
  Response RevokePasskey(Call& call, int64_t id);
  std::optional<Response> RefuseRegistration(Call& call, bool has_active);
  // A login's answer to a browser: the session in its cookie, the CSRF token.
  Response BrowserSession(const std::string& token, const exchange::Account& who,
                          int64_t now) const;
  void AlertCounterWentBack(const Call& call, const exchange::Passkey& key, uint32_t counter);
  // A decision signed with the caller's own passkey: the body's assertion
  // over `message` (its challenge the SSHSIG signed data of `ns`) turned
  // into an armored SSH signature, verified as ssh-keygen does plus user
  // verification, origin and counter (stored). A refusal is recorded as
  // `action` with `details` and answered.
  struct PasskeySignature {
    exchange::Passkey passkey;
    std::string sshsig;
  };
  std::variant<PasskeySignature, Response> SignWithPasskey(Call& call, ByteView message,
                                                           std::string_view ns,
                                                           std::string_view action,
                                                           nlohmann::json details);
  // A decision signed from the command line: the body's "sshsig" over
  // `message` under `ns`, by one of the caller's registered SSH keys, its
  // counter advanced for a security key. A refusal is recorded as `action`
  // with `details` and answered; `how` is the command that signs.
  struct SshKeySignature {
    exchange::SshSigningKey key;
    std::string sshsig;
  };
  std::variant<SshKeySignature, Response> SignedWithSshKey(Call& call, ByteView message,
                                                           std::string_view ns,
                                                           std::string_view action,
                                                           nlohmann::json details,
                                                           std::string_view how);
  // A decision signed by the caller, whichever way the body carries it: the
  // passkey's answer (credential_id…: SignWithPasskey) or {"sshsig"} by a
  // registered SSH key (SignedWithSshKey; `how` is the command that signs).
  // `evidence` (the ledger event) gains the key (passkey or ssh_key, its
  // fingerprint, security_key), signed: true and the signature's SHA-256.
  struct CallerSignature {
    std::optional<int64_t> passkey_id, ssh_key_id;
    std::string sshsig;
    std::string key_line;  // the signer's public key, an OpenSSH line
  };
  std::variant<CallerSignature, Response> SignedByCaller(
      Call& call, ByteView message, std::string_view ns, std::string_view action,
      const nlohmann::json& details, nlohmann::json& evidence, std::string_view how);
  // An unsigned decision refused (recorded as `action` with `details`)
  // when the caller has, or had, a passkey or an SSH signing key: then
  // every decision of theirs is a signature. `in_pages` and `cli` say
  // where to sign instead.
  std::optional<Response> RefuseUnsigned(Call& call, std::string_view action,
                                         nlohmann::json details, std::string_view in_pages,
                                         std::string_view cli);
  // The namespace of orders signed on this exchange: cordon-order@RP_ID.
  std::string OrderNamespace() const;
  Response SignOrder(Call& call, const std::string& id);
  Response Logins(Call& call, bool everyone);
  Response Packages(Call& call);
  Response Package(Call& call, const std::string& id);
  Response NewUpload(Call& call);
  // BeginStream's work; BeginStream logs what its responses carry.
  std::variant<Response, BodySink> StartUpload(const Request& head);
  Response CommitUpload(Call& call, const std::string& id);
  Response AbandonUpload(Call& call, const std::string& id);
  Response Download(Call& call, const std::string& id, const std::string& file);
  // Records a download of `bytes` and checks the account's volume: the
  // volume when a download_volume alert is due now, none when not.
  Result<std::optional<uint64_t>> CountDownload(Call& call, const std::string& id, uint64_t bytes);
  std::variant<exchange::Grant, Response> RequireOpenGrant(Call& call, const std::string& id,
                                                           std::string_view action);
  Response Confirm(Call& call, const std::string& id);
  Response GetCertificate(Call& call, const std::string& id);
  Response ListGrants(Call& call);
  Response RequestGrant(Call& call, bool break_glass);
  Response DecideGrant(Call& call, int64_t id, const std::string& verb);
  // A decision signed with the approver's passkey (the body carries its
  // answer) or a registered SSH key (the body's "sshsig"): verified, kept
  // with the grant, recorded, in one transaction.
  Response DecideGrantSigned(Call& call, int64_t id, const std::string& verb);
  // A decision taken, with its signature when signed (kept in the
  // decision's transaction; `signed_details` join its ledger event).
  Response ApplyGrantDecision(Call& call, int64_t id, const std::string& verb,
                              const exchange::GrantSignature* signature,
                              nlohmann::json signed_details);
  // A signed decision (by passkey or SSH key) applied, `evidence` (the key,
  // the document's and the signature's digests: SignedByCaller); the answer
  // is the grant with the signature and the ssh-keygen command that checks
  // it against `key_line`.
  Response ApplySignedGrantDecision(Call& call, const exchange::GrantSignature& kept,
                                    nlohmann::json evidence, std::string_view key_line);
  Response ShowGrant(Call& call, int64_t id);
  // Whether the caller may see grant `g`: auditors and admins all, anyone
  // their own, an approver those of their organisation's accounts and those
  // on its subjects (its targets, its packages, its people's roles).
  // Another organisation's grant is, to them, not there.
  Result<bool> MaySeeGrant(Call& call, const exchange::Grant& g);
  // SSH signing keys and the decisions signed with them (api_ssh_keys.cc).
  std::string SshKeyNamespace() const;
  Response ListSshKeys(Call& call);
  Response AddSshKey(Call& call);
  Response RevokeSshKey(Call& call, int64_t id);
  // The namespace of grant decisions signed on this exchange:
  // cordon-grant@RP_ID.
  std::string GrantNamespace() const;
  Response Review(Call& call);
  Response Attest(Call& call);
  Response Attestations(Call& call);
  // Remote maintenance (api_remote.cc).
  Response RequestTargetGrant(Call& call, bool break_glass);
  Response ListTargets(Call& call);
  Response ListRemoteSessions(Call& call);
  Response ListAlerts(Call& call);  // api_alerts.cc
  Response ResumeOrganisation(Call& call, const std::string& name);
  Response UnlockAccount(Call& call, const std::string& email);
  // Access review campaigns (api_campaigns.cc), each decision signed.
  std::string ReviewNamespace() const;  // cordon-review@RP_ID
  // A campaign as the API answers it; `detailed`: with the accounts under
  // review, each decision's signature, and what the caller can sign now.
  Result<nlohmann::json> CampaignJson(Call& call, const exchange::Campaign& c, bool detailed);
  // Whether the caller may read campaign `c` (approvers: their own
  // organisation's, or any at a hospital; auditors and admins: all).
  Result<bool> MaySeeCampaign(Call& call, const exchange::Campaign& c);
  Response ListCampaigns(Call& call);
  Response OpenCampaign(Call& call);
  Response GetCampaign(Call& call, int64_t id);
  Response DecideInCampaign(Call& call, int64_t id);
  Response IssueSshCertificate(Call& call, int64_t grant_id);
  // Orders submitted for validation (api_orders.cc). The submission's body
  // streams into memory (it exceeds kMaxJsonBody), then goes through Handle.
  std::variant<Response, BodySink> StartOrderSubmission(const Request& head);
  Response SubmitOrder(Call& call);
  Response ListOrders(Call& call);
  Response ShowOrder(Call& call, const std::string& id);
  Response ReportOrder(Call& call, const std::string& id);
  // Sets call.machine from the bearer token, or returns the 401.
  std::optional<Response> AuthenticateMachine(Call& call);
  Response RouteMachine(Call& call, Endpoint endpoint, const std::vector<std::string>& params);
  Response BastionLogin(Call& call);
  Response BastionStartSession(Call& call);
  Response BastionSessionState(Call& call, int64_t id);
  Response BastionAnchor(Call& call, int64_t id);
  Response BastionEndSession(Call& call, int64_t id);
  Response BastionKrl(Call& call);
  std::optional<Response> ReadWindow(const Call& call, bool break_glass, int64_t hours,
                                     std::optional<int64_t>& start) const;
  Response BastionExpiredRecordings(Call& call);
  Response BastionRecordingDeleted(Call& call, int64_t id);
  // The exchange's sealed copies of recordings (api_recordings.cc).
  std::string RecordingCopyPath(int64_t session) const;
  std::variant<Response, BodySink> StartRecordingCopy(const Request& head);
  Response KeepRecordingCopy(const Request& head, int64_t session, int fd, uint64_t bytes);
  Response BastionUncopiedRecordings(Call& call);
  Response FetchRecordingCopy(Call& call, int64_t session);
  void SweepRecordingCopies(Services& s, int64_t now);
  void SweepOrphanCopies(exchange::RemoteAccess& remote);

  // Records one event and returns its sequence number. A string the
  // detectors take for personal data (an order id, a forwarded address) is
  // recorded withheld, never dropped with the event; an event the ledger
  // cannot take (I/O) is an error every caller acts on: state changes are
  // rolled back and answered 503 (nothing changes without its evidence).
  [[nodiscard]] Result<uint64_t> Record(const Call& call, std::string_view action,
                                        std::string_view outcome,
                                        nlohmann::json details = nlohmann::json::object());
  // For refusals and failures (nothing changed): an event the ledger cannot
  // take is logged, and the refusal still answered.
  void RecordRefusal(const Call& call, std::string_view action, std::string_view outcome,
                     nlohmann::json details);
  void Alert(AlertKind kind, nlohmann::json details);
  void Log(std::string_view message) const;
  // Hands a response's server-side detail to the log, and returns it.
  Response Logged(Response response) const;
  // Deletes a package and issues its certificate: the event first (in the
  // transaction that marks the package), then the files, then the
  // certificate. Also finishes a deletion a crash interrupted.
  Result<nlohmann::json> DeleteWithCertificate(Services& s, const std::string& id,
                                               std::string_view reason,
                                               std::optional<int64_t> confirmed_by,
                                               const Call* call);
  Result<nlohmann::json> FinishDeletion(Services& s, const std::string& id);
  Status RecoverDeletions();
  Status RecordPendingDeletion(Services& s, const std::string& id);
  // Whether the caller may see (list, read, request, download, confirm) a
  // package: approvers, auditors and admins see all; an operator the
  // packages they uploaded; a recipient those sealed to an age recipient
  // bound to their account (F5).
  Result<bool> MaySee(const Call& call, const exchange::PackageInfo& p);
  Result<bool> BoundToRecipient(const Call& call, const exchange::PackageInfo& p);

  // Uploads in progress in this process: PUTs in flight, commits under
  // way, and the bytes each operator's PUTs may still write.
  struct UploadState {
    int in_flight = 0;
    bool committing = false;
  };
  class PutGuard;
  std::mutex uploads_mu_;
  // Keeping a recording's copy (its rename and its row) and the sweep of
  // copies no row vouches for (its check and its unlink) exclude each
  // other: else the sweep could take a copy renamed over an orphan for one
  // that still has no row, and delete it just before its row says it is kept.
  std::mutex copies_mu_;
  std::map<std::string, UploadState> uploads_;
  std::map<int64_t, uint64_t> reserved_bytes_;  // per operator, PUTs in flight
  uint64_t reserved_total_ = 0;

  ApiOptions options_;
  ledger::Ledger ledger_;
  ledger::GroupAppender appender_;
  // Where each order's events are in the ledger (reports); used only
  // inside appender_.Exclusive.
  ledger::OrderIndex order_index_;
  // How often one account may read one order's report (each reading is an
  // event under the order: F3).
  RateBudget report_readings_{kReportReadingsPerHour, 3600};
  // Notice mails: one per DPO and order an hour (later versions within it
  // are on the order's page the mail links to), a few per DPO in all.
  RateBudget order_mails_{1, 3600};
  RateBudget dpo_mails_{kMailsPerDpoPerHour, 3600};
  Alerts& alerts_;
  sign::SecretKey certificate_key_;
  sign::PublicKey certificate_public_;
  // Argon2id takes 64 MiB and ~0.1 s a hash: at most this many at once,
  // whatever the number of workers (a login burst cannot exhaust memory).
  std::counting_semaphore<64> hashing_{2};
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Services>> pool_;
};

}  // namespace cordon::serve
