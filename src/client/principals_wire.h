// The bastion's principals agent and its client speak one line each way
// over a Unix socket (docs/remote-maintenance.md, "Login latency"):
//
//   question: "cordon-principals/1" TAB user TAB key_id TAB serial TAB fingerprint LF
//   answer:   "allow" TAB <the line sshd reads> LF   (expiry-time="…" principal)
//             "refuse" TAB <reason> LF               (sshd gets no principal)
//
// sshd's values (%u %i %s %f) never hold a tab or a line end in a certificate
// cordon issued; a question that would is refused before it is sent, so a
// key id cannot smuggle a field or a second answer line. Plain C++ and the
// standard library only: the client that sshd starts at every login links
// nothing else (it starts in a fraction of a millisecond). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cordon::client {

inline constexpr std::string_view kPrincipalsWireVersion = "cordon-principals/1";
// A question or an answer longer than this is refused (sshd's values are
// short: a key id of cordon's is under 100 bytes).
inline constexpr size_t kPrincipalsWireMax = 4096;

struct PrincipalsQuestion {
  std::string user, key_id, serial, fingerprint;
  bool operator==(const PrincipalsQuestion&) const = default;
};

struct PrincipalsAnswer {
  bool allow = false;
  std::string text;  // allow: the line for sshd (no LF); refuse: the reason
  bool operator==(const PrincipalsAnswer&) const = default;
};

// nullopt when a field is empty or holds anything but printable ASCII (a
// tab, a line end, NUL, a byte past 0x7E…), or the line would exceed
// kPrincipalsWireMax.
std::optional<std::string> EncodeQuestion(const PrincipalsQuestion& q);
// Parses one line (its LF included or not). nullopt on another version,
// a wrong field count, an empty field, a byte that is not printable ASCII
// or an oversize line.
std::optional<PrincipalsQuestion> ParseQuestion(std::string_view line);

// Bytes that are not printable ASCII are replaced by spaces (a reason
// comes from the exchange: it must not end the line early).
std::string EncodeAnswer(const PrincipalsAnswer& a);
std::optional<PrincipalsAnswer> ParseAnswer(std::string_view line);

}  // namespace cordon::client
