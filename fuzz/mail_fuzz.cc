// Fuzzes what reaches the SMTP relay: the relay URL (net::ParseSmtpUrl, from
// an operator's configuration) and the notice mail composed from values an
// admin or a vendor typed (an account's e-mail, an organisation's name).
// Input: one selector byte, then the text; for a mail, the text is split at
// the first two NULs into recipient, subject and body. Whatever is
// composed must keep its shape: CRLF lines (the body's at most 78
// characters, a header's at most RFC 5322's 998), the fixed header names
// only (a value never adds a header or a recipient), and no line that would
// end SMTP's DATA.
#include <string>
#include <string_view>

#include "core/strings.h"
#include "net/smtp_client.h"
#include "serve/mail.h"

namespace {

bool KnownHeader(std::string_view line) {
  for (std::string_view name :
       {"Date: ", "From: ", "To: ", "Message-ID: ", "Subject: ", "Auto-Submitted: ",
        "MIME-Version: ", "Content-Type: ", "Content-Transfer-Encoding: ", " =?UTF-8?B?"}) {
    if (line.starts_with(name)) return true;
  }
  return false;
}

void CheckShape(const std::string& m) {
  bool in_body = false;
  size_t at = 0;
  while (at < m.size()) {
    const size_t eol = m.find("\r\n", at);
    if (eol == std::string::npos) __builtin_trap();  // every line ends in CRLF
    const std::string_view line(m.data() + at, eol - at);
    if (line.size() > (in_body ? 78u : 998u) || line.find('\n') != std::string_view::npos ||
        line.find('\r') != std::string_view::npos) {
      __builtin_trap();
    }
    if (line == ".") __builtin_trap();
    if (!in_body && line.empty()) {
      in_body = true;
    } else if (!in_body && !KnownHeader(line)) {
      __builtin_trap();
    }
    at = eol + 2;
  }
  if (!in_body) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    auto e = cordon::net::ParseSmtpUrl(text);
    if (e.ok() && (e->host.empty() || e->port.empty() || (e->implicit_tls && !e->tls_required))) {
      __builtin_trap();
    }
    return 0;
  }
  const size_t a = text.find('\0');
  const size_t b = a == std::string_view::npos ? a : text.find('\0', a + 1);
  cordon::serve::Mail mail;
  mail.to = std::string(text.substr(0, a));
  if (a != std::string_view::npos) {
    mail.subject = std::string(text.substr(a + 1, b == std::string_view::npos ? b : b - a - 1));
  }
  if (b != std::string_view::npos) mail.body = std::string(text.substr(b + 1));
  auto m = cordon::serve::ComposeMail("cordon@vendor.example", mail, 0, "0f");
  if (m.ok()) {
    if (!cordon::IsMailAddress(mail.to)) __builtin_trap();
    CheckShape(*m);
  }
  // The notice itself, with the value as the organisation's name.
  auto notice = cordon::serve::ComposeMail(
      "cordon@vendor.example",
      cordon::serve::OrderSubmittedMail("dpo@lab.example", "O-1", 1, text, "https://c.example"), 0,
      "0f");
  if (!notice.ok()) __builtin_trap();
  CheckShape(*notice);
  return 0;
}
