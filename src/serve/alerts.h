// Alerts for the people who watch the exchange: one JSON object per line in
// a file (fsynced: an alert survives a crash), to syslog (LOG_AUTHPRIV), and
// optionally POSTed to a webhook from a background thread (a slow or dead
// webhook never slows a request). Alerts name accounts by id and carry IP
// addresses, never package contents or personal data of patients.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/file.h"
#include "core/result.h"

namespace cordon::serve {

// What an alert is about. The names (AlertKindName) are what the alert
// file, syslog, the webhook and the ledger say (docs/api.md, Alerts).
enum class AlertKind {
  kFailedLoginBurst,          // "failed_login_burst"
  kAccountLocked,             // "account_locked"
  kNewIpLogin,                // "new_ip_login"
  kDownloadVolume,            // "download_volume"
  kBreakGlass,                // "break_glass"
  kPlaintextUpload,           // "plaintext_upload"
  kLedgerVerificationFailed,  // "ledger_verification_failed"
  kDiskSpaceLow,              // "disk_space_low"
  kMonitoringFailed,          // "monitoring_failed"
  kDefenderFailed,            // "defender_failed"
  kLedgerGap,                 // "ledger_gap"
  kSecondFactorUnreadable,    // "second_factor_unreadable"
  kOrganisationSuspended,     // "organisation_suspended"
  kBreakGlassOverdue,         // "break_glass_overdue": not countersigned in time, account locked
  kVendorAccountReopened,     // "vendor_account_reopened": an approver lifted a vendor's lock
  kOrderSubmitted,            // "order_submitted": an order awaits its organisation's DPOs
  kPasskeyRegistered,         // "passkey_registered": the owner hears of every new passkey
  kPasskeyCounterWentBack,    // "passkey_counter_went_back": a cloned authenticator?
  kPasskeyRevocation,         // "passkey_revocation": an admin approved or made a revocation
  kSshKeyRegistered,          // "ssh_key_registered": the owner hears of every new signing key
  kOrganisationResumed,       // "organisation_resumed": a hospital's approver lifted a suspension
  kReviewCampaignVoid,        // "review_campaign_void": a campaign closed deciding nothing
};
std::string_view AlertKindName(AlertKind kind);

// Where the server says what went wrong on its side. Required wherever one
// is asked for: security events (an alert that could not be written, a
// ledger that refused an event) must reach someone, and this layer never
// prints; `cordon serve` passes one that writes to stderr, tests one they
// read.
using LogSink = std::function<void(std::string_view message)>;

struct AlertOptions {
  std::string file;  // JSON lines
  bool syslog = true;
  std::string webhook;  // https://… (system CAs) or http://… ; empty: none
  // How a webhook alert is sent (the network layer's client, given by the
  // caller so that this layer needs no HTTP library).
  std::function<Status(const std::string& url, const std::string& json)> post;
  // Where an alert that could not be written or posted is reported.
  // Required: Open refuses options without it. Called with the alerts' lock
  // held: it must not raise an alert itself.
  LogSink log;
};

// Thread-safety: Raise may be called from any thread (the file, syslog and
// the outbox are behind one mutex); the webhook is posted from one
// background thread, joined on destruction.
class Alerts {
 public:
  static Result<std::unique_ptr<Alerts>> Open(const AlertOptions& options);
  ~Alerts();
  void Raise(AlertKind kind, nlohmann::json details, int64_t now);
  // The last alerts of the file, newest first: at most `max` of those in
  // its last kRecentBytes (the pages' feed; the file itself is the record).
  Result<std::vector<nlohmann::json>> Recent(size_t max) const;
  static constexpr size_t kRecentBytes = 512 * 1024;

 private:
  Alerts(AlertOptions options, UniqueFd fd);
  void PostLoop();
  AlertOptions options_;
  UniqueFd fd_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> outbox_;
  bool stopping_ = false;
  std::thread poster_;
};

}  // namespace cordon::serve
