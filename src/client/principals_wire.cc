#include "client/principals_wire.h"

#include <algorithm>
#include <array>

namespace cordon::client {
namespace {

// Printable ASCII only: sshd's values for a certificate cordon issued are
// (a key id "grant-N account-M", a decimal serial, "SHA256:" and base64),
// and a byte past 0x7E is not valid JSON text on its own (the exchange's
// request would fail to encode: attack review, a key id of "\xff").
bool IsControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u > 0x7E;
}

bool CleanField(std::string_view s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), IsControl);
}

std::string_view WithoutLineEnd(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  return line;
}

}  // namespace

std::optional<std::string> EncodeQuestion(const PrincipalsQuestion& q) {
  for (std::string_view f : {std::string_view(q.user), std::string_view(q.key_id),
                             std::string_view(q.serial), std::string_view(q.fingerprint)}) {
    if (!CleanField(f)) return std::nullopt;
  }
  std::string line = std::string(kPrincipalsWireVersion) + '\t' + q.user + '\t' + q.key_id + '\t' +
                     q.serial + '\t' + q.fingerprint + '\n';
  if (line.size() > kPrincipalsWireMax) return std::nullopt;
  return line;
}

std::optional<PrincipalsQuestion> ParseQuestion(std::string_view line) {
  if (line.size() > kPrincipalsWireMax) return std::nullopt;
  line = WithoutLineEnd(line);
  std::array<std::string_view, 5> f;
  size_t n = 0;
  while (true) {
    const size_t tab = line.find('\t');
    if (n == f.size()) return std::nullopt;  // a sixth field
    f[n++] = line.substr(0, tab);
    if (tab == std::string_view::npos) break;
    line.remove_prefix(tab + 1);
  }
  if (n != f.size() || f[0] != kPrincipalsWireVersion) return std::nullopt;
  for (size_t i = 1; i < f.size(); ++i) {
    if (!CleanField(f[i])) return std::nullopt;
  }
  return PrincipalsQuestion{std::string(f[1]), std::string(f[2]), std::string(f[3]),
                            std::string(f[4])};
}

std::string EncodeAnswer(const PrincipalsAnswer& a) {
  std::string text = a.text.substr(0, kPrincipalsWireMax - 16);
  std::replace_if(text.begin(), text.end(), IsControl, ' ');
  return std::string(a.allow ? "allow" : "refuse") + '\t' + text + '\n';
}

std::optional<PrincipalsAnswer> ParseAnswer(std::string_view line) {
  if (line.size() > kPrincipalsWireMax || line.empty() || line.back() != '\n') return std::nullopt;
  line.remove_suffix(1);
  const size_t tab = line.find('\t');
  if (tab == std::string_view::npos) return std::nullopt;
  const std::string_view verdict = line.substr(0, tab), text = line.substr(tab + 1);
  if (std::any_of(text.begin(), text.end(), IsControl)) return std::nullopt;
  if (verdict == "allow" && !text.empty()) return PrincipalsAnswer{true, std::string(text)};
  if (verdict == "refuse") return PrincipalsAnswer{false, std::string(text)};
  return std::nullopt;
}

}  // namespace cordon::client
