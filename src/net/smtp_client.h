// Sends one composed message (serve/mail.h) through the operator's SMTP
// relay, with libcurl: the protocol (EHLO, STARTTLS, AUTH, dot-stuffing,
// replies) is a well-kept library's, not cordon's. libcurl is loaded on
// first use, like libpq: linked, it and what it pulls in would slow every
// start of `cordon` for the one command that mails.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret_buffer.h"

namespace cordon::net {

// The relay, taken apart: smtp://HOST[:PORT] (default port 25; STARTTLS is
// required, except to a loopback host — a local MTA — where it is used when
// offered) or smtps://HOST[:PORT] (TLS from the start, default port 465).
struct SmtpEndpoint {
  bool implicit_tls = false;
  std::string host;  // lowercased; an IPv6 address without brackets
  std::string port;
  bool tls_required = true;  // false only for smtp:// to a loopback host
  std::string Url() const;   // what libcurl is given
};

// kInvalidArgument on another scheme, a path, user info or a bad port.
Result<SmtpEndpoint> ParseSmtpUrl(std::string_view url);

// Whether `path` is a CA file the relay's certificate can be checked
// against: a regular file whose every PEM block OpenSSL reads as libcurl's
// CA loading does, with at least one certificate. Checked at start: libcurl
// would only say so at the first mail. kInvalidArgument saying what is wrong.
Status CheckCaFile(const std::string& path);

struct SmtpRelay {
  SmtpEndpoint endpoint;
  // PEM file of the CA(s) the relay's certificate is checked against (an
  // internal CA); empty: the system's CAs. The host name is always checked.
  std::string ca_file;
  // AUTH, when the relay asks for it (never over an unencrypted link: a
  // relay that offers no STARTTLS is refused before the password is sent).
  std::string user;
  // With `user`: the password file's text (a final line end is dropped).
  std::optional<SecretBuffer> password;
  std::chrono::seconds timeout{30};
};

// One message (RFC 5322 text, CRLF line ends) from `from` to `to` (both
// plain addresses). kNotFound when libcurl is not installed; kIo with the
// relay's or the network's reason otherwise.
// `stop`, when given, aborts the transfer once it turns true (checked every
// quarter second, whatever the relay is doing); `timeout` bounds the whole.
Status SendMail(const SmtpRelay& relay, std::string_view from, std::string_view to,
                std::string_view message, const std::atomic<bool>* stop = nullptr);

}  // namespace cordon::net
