#include "age/keys.h"

#include <cctype>

#include "core/encoding.h"
#include "crypto/random.h"

namespace cordon::age {
namespace {

constexpr std::string_view kRecipientHrp = "age";
constexpr std::string_view kIdentityHrp = "age-secret-key-";

std::string_view TrimLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

}  // namespace

Result<X25519Recipient> X25519Recipient::Parse(std::string_view text) {
  auto decoded = Bech32Decode(text);
  if (!decoded.ok()) {
    std::string message = "\"";
    message.append(text);
    message += "\" is not an age recipient (";
    message += decoded.error().message();
    message += ')';
    return Error(ErrorCode::kInvalidArgument, std::move(message),
                 "a recipient looks like age1… (62 characters); `cordon keygen` prints one");
  }
  if (decoded->hrp != kRecipientHrp || text.substr(0, 4) != "age1") {
    std::string message = "\"";
    message.append(text);
    message += "\" is not an age X25519 recipient (prefix \"";
    message += decoded->hrp;
    message += "\")";
    return Error(ErrorCode::kInvalidArgument, std::move(message),
                 "a recipient looks like age1… (lowercase)");
  }
  if (decoded->data.size() != crypto::kX25519Size) {
    return Error(ErrorCode::kInvalidArgument, "age recipient has the wrong length");
  }
  crypto::X25519Point point{};
  std::copy(decoded->data.begin(), decoded->data.end(), point.begin());
  return X25519Recipient(point);
}

std::string X25519Recipient::Encode() const { return Bech32Encode(kRecipientHrp, point_); }

X25519Identity X25519Identity::Generate() {
  return X25519Identity(crypto::RandomSecret(crypto::kX25519Size));
}

Result<X25519Identity> X25519Identity::Parse(std::string_view text) {
  // Never echo `text`: it is a secret key.
  if (text.substr(0, 16) != "AGE-SECRET-KEY-1") {
    return Error(ErrorCode::kMalformed, "not an age identity (expected AGE-SECRET-KEY-1…)");
  }
  auto decoded = Bech32Decode(text);
  if (!decoded.ok())
    return Error(ErrorCode::kMalformed, "malformed age identity (bad checksum or character)");
  SecretBuffer scalar = SecretBuffer::CopyOf(decoded->data);
  WipeBytes(decoded->data);
  if (decoded->hrp != kIdentityHrp || scalar.size() != crypto::kX25519Size) {
    return Error(ErrorCode::kMalformed, "malformed age identity (wrong type or length)");
  }
  return X25519Identity(std::move(scalar));
}

SecretBuffer X25519Identity::Encode() const {
  std::string text = Bech32Encode(kIdentityHrp, scalar_.RevealBytes());
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  SecretBuffer out = SecretBuffer::CopyOf(AsBytes(text));
  WipeBytes({reinterpret_cast<uint8_t*>(text.data()), text.size()});
  return out;
}

X25519Recipient X25519Identity::Recipient() const {
  return X25519Recipient(crypto::X25519PublicKey(scalar_));
}

SecretBuffer FormatIdentityFile(const X25519Identity& identity, std::string_view created_utc) {
  std::string head = "# created: " + std::string(created_utc) +
                     "\n# public key: " + identity.Recipient().Encode() + "\n";
  SecretBuffer key = identity.Encode();
  SecretBuffer out(head.size() + key.size() + 1);
  auto dst = out.RevealMutable();
  std::copy(head.begin(), head.end(), dst.begin());
  std::copy(key.RevealBytes().begin(), key.RevealBytes().end(), dst.begin() + head.size());
  dst[dst.size() - 1] = '\n';
  return out;
}

Result<std::vector<X25519Identity>> ParseIdentityFile(ByteView text, std::string_view file_name) {
  std::vector<X25519Identity> out;
  std::string_view all = AsChars(text);
  size_t line_no = 0;
  while (!all.empty()) {
    ++line_no;
    size_t nl = all.find('\n');
    std::string_view line = TrimLine(all.substr(0, nl));
    all.remove_prefix(nl == std::string_view::npos ? all.size() : nl + 1);
    if (line.empty() || line.front() == '#') continue;
    auto identity = X25519Identity::Parse(line);
    if (!identity.ok()) {
      return Error(ErrorCode::kMalformed,
                   std::string(file_name) + " line " + std::to_string(line_no) + ": " +
                       identity.error().message(),
                   "an identity file holds AGE-SECRET-KEY-1… lines, as `cordon keygen` or "
                   "`age-keygen` write them");
    }
    out.push_back(std::move(identity).value());
  }
  if (out.empty()) {
    return Error(ErrorCode::kMalformed, std::string(file_name) + ": no identity in this file",
                 "create one with `cordon keygen -o " + std::string(file_name) + "`");
  }
  return out;
}

Result<std::vector<X25519Recipient>> ParseRecipientsFile(std::string_view text,
                                                         std::string_view file_name) {
  std::vector<X25519Recipient> out;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = TrimLine(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line.front() == '#') continue;
    auto recipient = X25519Recipient::Parse(line);
    if (!recipient.ok()) {
      return recipient.error().WithContext(std::string(file_name) + " line " +
                                           std::to_string(line_no));
    }
    out.push_back(*recipient);
  }
  if (out.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(file_name) + ": no recipient in this file");
  }
  return out;
}

}  // namespace cordon::age
