// E-mail to the people who must act: an order submitted for validation
// reaches its organisation's DPOs in their mailbox, not only in the alert
// channels the CISO watches. Composed here as RFC 5322 text; sent through
// the operator's SMTP relay by the network layer's client (given by the
// caller, as for the alert webhook), from one background thread: a slow or
// dead relay never slows a request. A mail carries an order's id, version,
// organisation and a link, never a plan's content or anything of a patient.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/result.h"
#include "core/strings.h"
#include "serve/alerts.h"

namespace cordon::serve {

// Addresses are core/strings.h's IsMailAddress.

struct Mail {
  std::string to;       // IsMailAddress
  std::string subject;  // UTF-8, one line
  std::string body;     // UTF-8 text, "\n" line ends
};

// The message as the relay receives it after DATA: CRLF line ends, the
// subject as RFC 2047 encoded words (any text becomes inert base64, split
// on character boundaries), the body base64 (no line of it can start with
// "." or be too long, whatever the text). `message_id` is its unique part
// (hex). kInvalidArgument when an address is not IsMailAddress or the
// subject holds a control character.
Result<std::string> ComposeMail(std::string_view from, const Mail& mail, int64_t now,
                                std::string_view message_id);

// The mail a DPO receives when an order awaits validation, in French then
// English (a mailbox has no browser language). `origin` is the pages'
// address ([web] origin); empty, the mail says to open the exchange's pages.
Mail OrderSubmittedMail(std::string_view to, std::string_view order_id, int64_t version,
                        std::string_view organisation, std::string_view origin);

struct MailOptions {
  std::string from;  // the envelope and header sender (IsMailAddress)
  // Hands one composed message to the relay (net::SendMail); given by the
  // caller so that this layer needs no SMTP library.
  // `stop` turns true when the server stops: a delivery in progress gives
  // up then (a slow relay must not hold the server's shutdown).
  std::function<Status(const std::string& from, const std::string& to, const std::string& message,
                       const std::atomic<bool>& stop)>
      deliver;
  // Where a mail that could not be sent is reported. Required.
  LogSink log;
  // Attempts per mail, and the wait between two (a relay restarting).
  int attempts = 3;
  std::chrono::milliseconds retry_after{5000};
  std::function<int64_t()> clock;  // Unix seconds (Date:); default: the system's
};

// Thread-safety: Send may be called from any thread; the mails are sent in
// order by one background thread, joined on destruction. Destruction does
// not wait for the relay: the delivery in progress is aborted and the mails
// still queued are logged as not sent (the alert file keeps every notice),
// so stopping the server takes about a second whatever the relay does.
class Mailer {
 public:
  static Result<std::unique_ptr<Mailer>> Open(MailOptions options);
  ~Mailer();
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;

  // Queues `mail` (at most kMaxQueued waiting; beyond, it is dropped and
  // logged). An address that is not IsMailAddress is logged, not sent.
  void Send(Mail mail);
  static constexpr size_t kMaxQueued = 1000;

 private:
  explicit Mailer(MailOptions options);
  void SendLoop();
  void Deliver(const Mail& mail);

  MailOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Mail> outbox_;
  bool stopping_ = false;
  std::atomic<bool> stop_{false};  // stopping_, for the delivery in progress
  std::thread sender_;
};

}  // namespace cordon::serve
