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
#include <thread>

#include "core/file.h"
#include "core/result.h"

namespace cordon::serve {

struct AlertOptions {
  std::string file;  // JSON lines
  bool syslog = true;
  std::string webhook;  // https://… (system CAs) or http://… ; empty: none
  // How a webhook alert is sent (the network layer's client, given by the
  // caller so that this layer needs no HTTP library).
  std::function<Status(const std::string& url, const std::string& json)> post;
};

class Alerts {
 public:
  static Result<std::unique_ptr<Alerts>> Open(const AlertOptions& options);
  ~Alerts();
  // kind: "failed_login_burst", "new_ip_login", "download_volume", "break_glass",
  // "plaintext_upload", "ledger_verification_failed".
  void Raise(std::string_view kind, nlohmann::json details, int64_t now);

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
