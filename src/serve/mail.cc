#include "serve/mail.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "core/bytes.h"
#include "core/encoding.h"
#include "core/strings.h"
#include "crypto/random.h"

namespace cordon::serve {
namespace {

// "Thu, 03 Dec 2026 12:13:21 +0000" (RFC 5322 §3.3), whatever the locale.
std::string MailDate(int64_t now) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const time_t t = static_cast<time_t>(now);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char out[40];
  // 31 characters: the buffer always holds them (a failure cannot happen).
  (void)std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                      tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                      tm.tm_sec);
  return out;
}

// The subject as RFC 2047 "B" encoded words of at most 39 bytes of text
// each (a 64-character word, a header line under 78), never splitting a
// UTF-8 sequence (§5: each word holds whole characters), folded onto
// continuation lines.
std::string EncodedWords(std::string_view text) {
  constexpr size_t kChunk = 39;
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = std::min(text.size(), at + kChunk);
    // Back off to the start of a character (not a 10xxxxxx continuation).
    while (end < text.size() && end > at + 1 &&
           (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64Encode(AsBytes(text.substr(at, end - at))) + "?=";
    at = end;
  }
  return out;
}

std::string WrappedBase64(std::string_view text) {
  const std::string b64 = Base64Encode(AsBytes(text));
  std::string out;
  for (size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
  return out;
}

std::string_view DomainOf(std::string_view address) {
  return address.substr(address.rfind('@') + 1);
}

}  // namespace

Result<std::string> ComposeMail(std::string_view from, const Mail& mail, int64_t now,
                                std::string_view message_id) {
  if (!IsMailAddress(from)) {
    return Error(ErrorCode::kInvalidArgument,
                 "the sender \"" + std::string(from) + "\" is not a plain e-mail address",
                 "local-part@domain, ASCII, without a name or quotes");
  }
  if (!IsMailAddress(mail.to)) {
    return Error(ErrorCode::kInvalidArgument,
                 "the recipient \"" + mail.to + "\" is not a plain e-mail address",
                 "correct the account's e-mail (cordon admin account)");
  }
  for (char c : mail.subject) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return Error(ErrorCode::kInvalidArgument, "a mail's subject holds a control character");
  }
  for (char c : message_id) {
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return Error(ErrorCode::kInvalidArgument, "a Message-ID's unique part is hex");
  }
  std::string m;
  m += "Date: " + MailDate(now) + "\r\n";
  m += "From: " + std::string(from) + "\r\n";
  m += "To: " + mail.to + "\r\n";
  m += "Message-ID: <" + std::string(message_id) + "@" + std::string(DomainOf(from)) + ">\r\n";
  m += "Subject: " + EncodedWords(mail.subject) + "\r\n";
  // An automatic notice (RFC 3834): no out-of-office reply back to it.
  m += "Auto-Submitted: auto-generated\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: base64\r\n";
  m += "\r\n";
  std::string body;
  for (char c : mail.body) {
    if (c == '\n')
      body += "\r\n";
    else if (c != '\r')
      body += c;
  }
  m += WrappedBase64(body);
  return m;
}

Mail OrderSubmittedMail(std::string_view to, std::string_view order_id, int64_t version,
                        std::string_view organisation, std::string_view origin) {
  const std::string id(order_id), v = std::to_string(version), org(organisation);
  // The order's page, which shows its latest version: later versions
  // within the hour are not mailed again (SubmitOrder's budget).
  const std::string link = origin.empty()
                               ? std::string()
                               : std::string(origin) + "/ui/#order=" + PercentEncodePath(order_id);
  Mail mail;
  mail.to = std::string(to);
  mail.subject = "Commande " + id + " (version " + v + ") à valider / Order " + id + " (version " +
                 v + ") awaits your validation";
  mail.body =
      "Bonjour,\n\n"
      "La commande d'extraction " +
      id + ", version " + v + ", pour " + org + ", attend votre validation.\n" +
      (link.empty() ? "Ouvrez les pages de l'échange cordon pour la lire et la signer.\n"
                    : "Lisez-la et signez-la (ou non) ici : " + link + "\n") +
      "Rien n'est extrait avant votre signature.\n\n"
      "--\n\n"
      "Hello,\n\n"
      "The extraction order " +
      id + ", version " + v + ", for " + org + ", awaits your validation.\n" +
      (link.empty() ? "Open the cordon exchange's pages to read and sign it.\n"
                    : "Read it and sign it (or not) here: " + link + "\n") +
      "Nothing is extracted before you sign.\n\n"
      "-- cordon (message automatique / automatic message)\n";
  return mail;
}

Result<std::unique_ptr<Mailer>> Mailer::Open(MailOptions options) {
  if (!options.log) {
    return Error(ErrorCode::kInvalidArgument, "the mailer needs a log for its own failures",
                 "set MailOptions::log (a mail that cannot be sent must reach someone)");
  }
  if (!options.deliver) {
    return Error(ErrorCode::kInvalidArgument, "the mailer needs a way to deliver",
                 "set MailOptions::deliver (net::SendMail)");
  }
  if (!IsMailAddress(options.from)) {
    return Error(ErrorCode::kInvalidArgument,
                 "the mail sender \"" + options.from + "\" is not a plain e-mail address",
                 "--mail-from local-part@domain (ASCII, without a name or quotes)");
  }
  if (options.attempts < 1) options.attempts = 1;
  if (!options.clock) options.clock = [] { return static_cast<int64_t>(::time(nullptr)); };
  return std::unique_ptr<Mailer>(new Mailer(std::move(options)));
}

Mailer::Mailer(MailOptions options) : options_(std::move(options)) {
  sender_ = std::thread([this] { SendLoop(); });
}

Mailer::~Mailer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    stop_ = true;
  }
  cv_.notify_all();
  if (sender_.joinable()) sender_.join();
}

void Mailer::Send(Mail mail) {
  if (!IsMailAddress(mail.to)) {
    options_.log("a mail was not sent: \"" + PrintableText(mail.to) +
                 "\" is not a plain e-mail address (correct the account's e-mail)");
    return;
  }
  std::lock_guard lock(mu_);
  if (outbox_.size() >= kMaxQueued) {
    options_.log("a mail to " + mail.to + " was dropped: " + std::to_string(kMaxQueued) +
                 " mails already wait for the relay");
    return;
  }
  outbox_.push_back(std::move(mail));
  cv_.notify_all();
}

void Mailer::SendLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !outbox_.empty(); });
    if (stopping_) {
      if (!outbox_.empty()) {
        options_.log(std::to_string(outbox_.size()) +
                     " queued mails were not sent (the server stopped); the alert file holds "
                     "their notices");
      }
      return;
    }
    Mail mail = std::move(outbox_.front());
    outbox_.pop_front();
    lock.unlock();
    Deliver(mail);
    lock.lock();
  }
}

void Mailer::Deliver(const Mail& mail) {
  uint8_t random[16];
  crypto::RandomBytes(random);
  auto message = ComposeMail(options_.from, mail, options_.clock(), HexEncode(random));
  if (!message.ok()) {
    options_.log("a mail to " + mail.to + " was not sent: " + message.error().message());
    return;
  }
  Status sent = Ok();
  for (int i = 0; i < options_.attempts; ++i) {
    if (i > 0) {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, options_.retry_after, [&] { return stopping_; })) break;
    }
    sent = options_.deliver(options_.from, mail.to, *message, stop_);
    if (sent.ok()) return;
  }
  options_.log("a mail to " + mail.to + " could not be sent (" + sent.error().message() +
               "): the alert file holds the same notice");
}

}  // namespace cordon::serve
