#include "serve/alerts.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <string_view>
#include <vector>

#include "core/utc_time.h"

namespace cordon::serve {

std::string_view AlertKindName(AlertKind kind) {
  switch (kind) {
    case AlertKind::kFailedLoginBurst:
      return "failed_login_burst";
    case AlertKind::kAccountLocked:
      return "account_locked";
    case AlertKind::kNewIpLogin:
      return "new_ip_login";
    case AlertKind::kDownloadVolume:
      return "download_volume";
    case AlertKind::kBreakGlass:
      return "break_glass";
    case AlertKind::kPlaintextUpload:
      return "plaintext_upload";
    case AlertKind::kLedgerVerificationFailed:
      return "ledger_verification_failed";
    case AlertKind::kDiskSpaceLow:
      return "disk_space_low";
    case AlertKind::kMonitoringFailed:
      return "monitoring_failed";
    case AlertKind::kDefenderFailed:
      return "defender_failed";
    case AlertKind::kLedgerGap:
      return "ledger_gap";
    case AlertKind::kSecondFactorUnreadable:
      return "second_factor_unreadable";
    case AlertKind::kOrganisationSuspended:
      return "organisation_suspended";
    case AlertKind::kBreakGlassOverdue:
      return "break_glass_overdue";
    case AlertKind::kVendorAccountReopened:
      return "vendor_account_reopened";
    case AlertKind::kOrderSubmitted:
      return "order_submitted";
    case AlertKind::kPasskeyRegistered:
      return "passkey_registered";
    case AlertKind::kPasskeyCounterWentBack:
      return "passkey_counter_went_back";
    case AlertKind::kPasskeyRevocation:
      return "passkey_revocation";
    case AlertKind::kSshKeyRegistered:
      return "ssh_key_registered";
    case AlertKind::kOrganisationResumed:
      return "organisation_resumed";
    case AlertKind::kReviewCampaignVoid:
      return "review_campaign_void";
  }
  return "unknown";
}

Result<std::unique_ptr<Alerts>> Alerts::Open(const AlertOptions& options) {
  if (!options.log) {
    return Error(ErrorCode::kInvalidArgument, "alerts need a log for their own failures",
                 "set AlertOptions::log (an alert that cannot be written must reach someone)");
  }
  // Read and write: the feed (Recent) reads the file Raise writes to, even
  // after the name was rotated away.
  const int fd = open(options.file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error(ErrorCode::kIo, options.file + ": " + std::strerror(errno));
  if (options.syslog) openlog("cordon-exchange", LOG_PID, LOG_AUTHPRIV);
  return std::unique_ptr<Alerts>(new Alerts(options, UniqueFd(fd)));
}

Alerts::Alerts(AlertOptions options, UniqueFd fd)
    : options_(std::move(options)), fd_(std::move(fd)) {
  if (!options_.webhook.empty()) poster_ = std::thread([this] { PostLoop(); });
}

Alerts::~Alerts() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (poster_.joinable()) poster_.join();
}

void Alerts::Raise(AlertKind kind, nlohmann::json details, int64_t now) {
  nlohmann::json alert = {
      {"time", FormatUtc(now)}, {"kind", AlertKindName(kind)}, {"severity", "warning"}};
  for (auto& [k, v] : details.items()) alert[k] = v;
  const std::string text = alert.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string line = text + "\n";
  std::lock_guard lock(mu_);
  if (::write(fd_.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
      fdatasync(fd_.get()) != 0) {
    options_.log("cannot write the alert file " + options_.file + ": " + std::strerror(errno));
  }
  if (options_.syslog) syslog(LOG_WARNING, "%s", text.c_str());
  if (!options_.webhook.empty() && outbox_.size() < 10000) {
    outbox_.push_back(text);
    cv_.notify_all();
  }
}

namespace {

constexpr size_t kMaxLine = 64 * 1024;
constexpr int kMaxNesting = 8;

// The deepest nesting of arrays and objects in a JSON text (brackets inside
// strings not counted).
int Nesting(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

Result<std::vector<nlohmann::json>> Alerts::Recent(size_t max) const {
  // The descriptor Raise appends to (whole lines, one write each, under the
  // lock): a reader sees complete lines and at worst misses the last.
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0)
    return ErrnoError("cannot read the alert file " + options_.file);
  const off_t size = st.st_size;
  const off_t from =
      size > static_cast<off_t>(kRecentBytes) ? size - static_cast<off_t>(kRecentBytes) : 0;
  std::string tail(static_cast<size_t>(size - from), '\0');
  const ssize_t n = ::pread(fd_.get(), tail.data(), tail.size(), from);
  if (n < 0) return ErrnoError("cannot read the alert file " + options_.file);
  tail.resize(static_cast<size_t>(n));
  // Cut into lines; the first is partial when the read began mid-file.
  std::vector<std::string_view> lines;
  std::string_view rest(tail);
  if (from > 0) {
    const size_t nl = rest.find('\n');
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
  }
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  std::vector<nlohmann::json> out;
  for (auto line = lines.rbegin(); line != lines.rend() && out.size() < max; ++line) {
    // Only lines shaped as Raise writes them: an object with a string time
    // and kind, nested no deeper than its details go. Anything else (a line
    // being written, or one put there by hand) is skipped, never served: a
    // deeply nested value would overflow the stack when serialised.
    if (line->size() > kMaxLine || Nesting(*line) > kMaxNesting) continue;
    auto alert = nlohmann::json::parse(*line, nullptr, false);
    if (!alert.is_object() || !alert.contains("kind") || !alert["kind"].is_string() ||
        !alert.contains("time") || !alert["time"].is_string()) {
      continue;
    }
    out.push_back(std::move(alert));
  }
  return out;
}

void Alerts::PostLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !outbox_.empty(); });
    if (outbox_.empty()) return;  // stopping, nothing left
    std::string body = std::move(outbox_.front());
    outbox_.pop_front();
    lock.unlock();
    Status sent = options_.post ? options_.post(options_.webhook, body)
                                : Status(Error(ErrorCode::kInternal, "no webhook client"));
    if (!sent.ok()) {
      options_.log("the alert webhook failed (" + sent.error().message() + "); the alert is in " +
                   options_.file);
    }
    lock.lock();
  }
}

}  // namespace cordon::serve
