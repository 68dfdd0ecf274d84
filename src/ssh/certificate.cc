#include "ssh/certificate.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "core/encoding.h"
#include "crypto/random.h"
#include "ssh/public_key.h"
#include "ssh/wire.h"

namespace cordon::ssh {

// The one user of CaKey's secret: signs the encoded certificate body.
class CertificateSigner {
 public:
  static crypto::Ed25519Signature Sign(const CaKey& ca, ByteView body) { return ca.Sign(body); }
};

namespace {

constexpr size_t kMaxKeyIdSize = 256;
constexpr size_t kMaxPrincipalSize = 256;
constexpr size_t kMinNonceSize = 16;
constexpr size_t kMaxNonceSize = 32;
constexpr size_t kDefaultNonceSize = 32;  // as ssh-keygen
constexpr std::string_view kForceCommand = "force-command";
constexpr std::string_view kSourceAddress = "source-address";

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "certificate: " + std::move(message));
}
Error Malformed(std::string message) {
  return Error(ErrorCode::kMalformed, "certificate: " + std::move(message));
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// The rules a key id and principals follow, shared by the signer and the
// parser (which refuses what cordon would not sign). `fail` builds the error.
template <typename Fail>
Status CheckNames(const CertificateSpec& spec, Fail fail) {
  if (spec.key_id.empty()) return fail("the key id is empty");
  if (spec.key_id.size() > kMaxKeyIdSize) return fail("the key id is longer than 256 bytes");
  if (HasControl(spec.key_id)) return fail("the key id contains control characters");
  if (spec.principals.empty()) {
    return fail("no principals: an empty list means ANY principal, and cordon never issues that");
  }
  std::set<std::string_view> seen;
  for (const std::string& p : spec.principals) {
    if (p.empty()) return fail("an empty principal");
    if (p.size() > kMaxPrincipalSize) return fail("a principal longer than 256 bytes");
    if (HasControl(p)) return fail("a principal contains control characters");
    if (!seen.insert(p).second) return fail("principal \"" + p + "\" is listed twice");
  }
  if (spec.valid_after >= spec.valid_before) {
    return fail("valid_after must be before valid_before (an empty validity window)");
  }
  return Ok();
}

bool IsAddressList(std::string_view list) {
  if (list.empty() || list.front() == ',' || list.back() == ',') return false;
  if (list.find(",,") != std::string_view::npos) return false;
  return std::all_of(list.begin(), list.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '/' ||
           c == ',';
  });
}

// Critical options in name order: force-command < source-address.
std::string EncodeCriticalOptions(const CertificateSpec& spec) {
  WireWriter w;
  auto option = [&w](std::string_view name, const std::string& value) {
    WireWriter data;
    data.String(value);  // a value is a string nested in the data string
    w.String(name);
    w.String(data.bytes());
  };
  if (spec.force_command) option(kForceCommand, *spec.force_command);
  if (spec.source_address) option(kSourceAddress, *spec.source_address);
  return w.Take();
}

std::vector<std::string> SortedUnique(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace

const std::vector<std::string_view>& KnownExtensions() {
  static const std::vector<std::string_view> known = {"no-touch-required",
                                                      "permit-X11-forwarding",
                                                      "permit-agent-forwarding",
                                                      "permit-port-forwarding",
                                                      "permit-pty",
                                                      "permit-user-rc"};
  return known;
}

std::string CertificateSignedPart(const CertificateSpec& spec, uint32_t type, ByteView nonce,
                                  const crypto::Ed25519PublicKey& ca_key) {
  WireWriter w;
  w.String(kEd25519CertificateType);
  w.String(nonce);
  w.String(ByteView(spec.public_key));
  w.U64(spec.serial);
  w.U32(type);
  w.String(spec.key_id);
  WireWriter principals;
  for (const std::string& p : spec.principals) principals.String(p);
  w.String(principals.bytes());
  w.U64(spec.valid_after);
  w.U64(spec.valid_before);
  w.String(EncodeCriticalOptions(spec));
  WireWriter extensions;
  for (const std::string& name : spec.extensions) {
    extensions.String(name);
    extensions.String(std::string_view());  // flag extensions carry no data
  }
  w.String(extensions.bytes());
  w.String(std::string_view());  // reserved
  w.String(KeyBlob(ca_key));
  return w.Take();
}

Result<std::string> SignUserCertificate(const CaKey& ca, const CertificateSpec& spec_in,
                                        ByteView nonce) {
  CertificateSpec spec = spec_in;
  spec.extensions = SortedUnique(std::move(spec.extensions));
  CORDON_TRY(CheckNames(spec, [](std::string m) { return Invalid(std::move(m)); }));
  if (spec.serial == 0) {
    return Invalid("serial 0: OpenSSH cannot revoke it by serial; give each certificate a number");
  }
  const auto& known = KnownExtensions();
  for (const std::string& name : spec.extensions) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return Invalid("unknown extension \"" + OneLineComment(name) + "\"");
    }
  }
  if (spec.force_command && (spec.force_command->empty() || HasControl(*spec.force_command))) {
    return Invalid("force-command is empty or contains control characters");
  }
  if (spec.source_address && !IsAddressList(*spec.source_address)) {
    return Invalid("source-address \"" + OneLineComment(*spec.source_address) +
                   "\" is not a comma-separated list of addresses (CIDR)");
  }
  std::array<uint8_t, kDefaultNonceSize> random_nonce{};
  if (nonce.empty()) {
    crypto::RandomBytes(random_nonce);
    nonce = random_nonce;
  } else if (nonce.size() < kMinNonceSize || nonce.size() > kMaxNonceSize) {
    return Invalid("the nonce must be 16 to 32 bytes");
  }
  std::string blob = CertificateSignedPart(spec, kUserCertificate, nonce, ca.public_key());
  crypto::Ed25519Signature signature = CertificateSigner::Sign(ca, AsBytes(blob));
  WireWriter sig;
  sig.String(kEd25519KeyType);
  sig.String(ByteView(signature));
  WireWriter tail;
  tail.String(sig.bytes());
  return blob + tail.bytes();
}

std::string CertificateLine(std::string_view blob, std::string_view comment) {
  std::string line = std::string(kEd25519CertificateType) + " " + Base64Encode(AsBytes(blob));
  if (!comment.empty()) {
    line += ' ';
    line += OneLineComment(comment);
  }
  return line;
}

namespace {

// Reads a list of (name, data) pairs; names strictly increasing (sorted and
// unique, as PROTOCOL.certkeys requires), so one certificate has one
// encoding.
Status ReadOptions(std::string_view list, std::string_view what,
                   std::vector<std::pair<std::string_view, std::string_view>>& out) {
  WireReader r(list);
  while (!r.AtEnd()) {
    CORDON_ASSIGN_OR_RETURN(std::string_view name, r.String(what));
    CORDON_ASSIGN_OR_RETURN(std::string_view data, r.String(what));
    if (!out.empty() && name <= out.back().first) {
      return Malformed(std::string(what) + " are not sorted by name or repeat one");
    }
    out.emplace_back(name, data);
  }
  return Ok();
}

Result<std::string> NestedValue(std::string_view name, std::string_view data) {
  WireReader r(data);
  auto value = r.String("certificate: option " + std::string(name));
  if (!value.ok()) return value.error();
  CORDON_TRY(r.ExpectEnd("certificate: option " + std::string(name)));
  if (value->empty()) return Malformed("option " + std::string(name) + " has an empty value");
  return std::string(*value);
}

}  // namespace

Result<Certificate> ParseCertificate(ByteView blob) {
  WireReader r(blob);
  Certificate cert;
  CertificateSpec& spec = cert.spec;
  CORDON_ASSIGN_OR_RETURN(std::string_view type, r.String("certificate: type"));
  if (type != kEd25519CertificateType) {
    if (type.ends_with("-cert-v01@openssh.com")) {
      return Error(ErrorCode::kUnsupported,
                   "certificate: a " + OneLineComment(type) +
                       " certificate; cordon reads Ed25519 certificates only");
    }
    return Malformed("not an OpenSSH certificate");
  }
  CORDON_ASSIGN_OR_RETURN(std::string_view nonce, r.String("certificate: nonce"));
  if (nonce.size() < kMinNonceSize || nonce.size() > kMaxNonceSize) {
    return Malformed("a nonce of " + std::to_string(nonce.size()) + " bytes (16 to 32 expected)");
  }
  cert.nonce = std::string(nonce);
  CORDON_ASSIGN_OR_RETURN(std::string_view key, r.String("certificate: public key"));
  if (key.size() != crypto::kEd25519PublicKeySize) return Malformed("the key is not 32 bytes");
  std::copy(key.begin(), key.end(), spec.public_key.begin());
  CORDON_ASSIGN_OR_RETURN(spec.serial, r.U64("certificate: serial"));
  CORDON_ASSIGN_OR_RETURN(cert.type, r.U32("certificate: type"));
  if (cert.type != kUserCertificate && cert.type != kHostCertificate) {
    return Malformed("type " + std::to_string(cert.type) + " is neither user nor host");
  }
  CORDON_ASSIGN_OR_RETURN(std::string_view key_id, r.String("certificate: key id"));
  spec.key_id = std::string(key_id);
  CORDON_ASSIGN_OR_RETURN(std::string_view principals, r.String("certificate: principals"));
  for (WireReader pr(principals); !pr.AtEnd();) {
    CORDON_ASSIGN_OR_RETURN(std::string_view p, pr.String("certificate: principal"));
    spec.principals.emplace_back(p);
  }
  CORDON_ASSIGN_OR_RETURN(spec.valid_after, r.U64("certificate: valid after"));
  CORDON_ASSIGN_OR_RETURN(spec.valid_before, r.U64("certificate: valid before"));
  CORDON_TRY(CheckNames(spec, [](std::string m) { return Malformed(std::move(m)); }));

  CORDON_ASSIGN_OR_RETURN(std::string_view critical, r.String("certificate: critical options"));
  std::vector<std::pair<std::string_view, std::string_view>> options;
  CORDON_TRY(ReadOptions(critical, "critical options", options));
  for (const auto& [name, data] : options) {
    if (name == kForceCommand) {
      CORDON_ASSIGN_OR_RETURN(spec.force_command, NestedValue(name, data));
    } else if (name == kSourceAddress) {
      CORDON_ASSIGN_OR_RETURN(spec.source_address, NestedValue(name, data));
    } else {
      // sshd refuses a certificate with a critical option it does not know;
      // so does cordon (verify-required, …).
      return Error(ErrorCode::kUnsupported, "certificate: critical option \"" +
                                                OneLineComment(name) + "\" is not supported");
    }
  }
  CORDON_ASSIGN_OR_RETURN(std::string_view extensions, r.String("certificate: extensions"));
  std::vector<std::pair<std::string_view, std::string_view>> flags;
  CORDON_TRY(ReadOptions(extensions, "extensions", flags));
  for (const auto& [name, data] : flags) {
    if (!data.empty()) {
      return Error(ErrorCode::kUnsupported,
                   "certificate: extension \"" + OneLineComment(name) +
                       "\" carries data; cordon reads flag extensions only");
    }
    spec.extensions.emplace_back(name);
  }
  CORDON_ASSIGN_OR_RETURN(std::string_view reserved, r.String("certificate: reserved"));
  if (!reserved.empty()) return Malformed("the reserved field is not empty");
  CORDON_ASSIGN_OR_RETURN(std::string_view ca_blob, r.String("certificate: signature key"));
  auto ca_key = ParseKeyBlob(AsBytes(ca_blob));
  if (!ca_key.ok()) {
    if (ca_key.error().code() == ErrorCode::kUnsupported) {
      return Error(ErrorCode::kUnsupported,
                   "certificate: signed by a CA whose " + ca_key.error().message() +
                       "; cordon reads certificates from Ed25519 CAs only");
    }
    return ca_key.error().WithContext("certificate: signature key");
  }
  cert.ca_key = *ca_key;
  const ByteView signed_part = blob.first(r.offset());

  CORDON_ASSIGN_OR_RETURN(std::string_view signature_blob, r.String("certificate: signature"));
  CORDON_TRY(r.ExpectEnd("certificate"));
  WireReader s(signature_blob);
  CORDON_ASSIGN_OR_RETURN(std::string_view sig_type, s.String("certificate: signature type"));
  if (sig_type != kEd25519KeyType) return Malformed("the signature is not ssh-ed25519");
  CORDON_ASSIGN_OR_RETURN(std::string_view sig, s.String("certificate: signature"));
  CORDON_TRY(s.ExpectEnd("certificate: signature"));
  if (sig.size() != crypto::kEd25519SignatureSize)
    return Malformed("the signature is not 64 bytes");
  crypto::Ed25519Signature signature{};
  std::copy(sig.begin(), sig.end(), signature.begin());
  if (!crypto::Ed25519Verify(cert.ca_key, signed_part, signature)) {
    return Error(ErrorCode::kAuthFailed,
                 "certificate: the CA signature does not verify (altered, or not signed by the "
                 "CA it names)");
  }
  return cert;
}

Result<Certificate> ParseCertificateLine(std::string_view line) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t begin = line.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return Malformed("empty line");
  line = line.substr(begin, line.find_last_not_of(kSpace) - begin + 1);
  if (line.find_first_of("\r\n") != std::string_view::npos) return Malformed("more than one line");
  size_t space = line.find_first_of(" \t");
  std::string_view type = line.substr(0, space);
  if (type != kEd25519CertificateType) {
    if (type == kEd25519KeyType) {
      return Error(ErrorCode::kInvalidArgument,
                   "certificate: this is a public key, not a certificate",
                   "give the -cert.pub file");
    }
    return Error(ErrorCode::kUnsupported,
                 "certificate: type \"" + OneLineComment(type.substr(0, 64)) + "\"; cordon reads " +
                     std::string(kEd25519CertificateType) + " only");
  }
  if (space == std::string_view::npos) return Malformed("no base64 after the type");
  std::string_view rest = line.substr(space);
  rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
  std::string_view base64 = rest.substr(0, rest.find_first_of(" \t"));
  auto blob = Base64Decode(base64);
  if (!blob.ok()) return blob.error().WithContext("certificate");
  return ParseCertificate(*blob);
}

}  // namespace cordon::ssh
