#include "ledger/checkpoint.h"

#include <charconv>
#include <cstring>

#include "core/encoding.h"
#include "crypto/hash.h"

namespace cordon::ledger {
namespace {

constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // em dash, space
constexpr size_t kMaxNoteSize = 16 * 1024;
constexpr size_t kMaxSignatures = 16;
constexpr uint8_t kEd25519Type = 0x01;

Error Malformed(std::string message) { return Error(ErrorCode::kMalformed, std::move(message)); }

// Splits off the next line (without its newline); false when no newline is left.
bool NextLine(std::string_view& rest, std::string_view& line) {
  size_t nl = rest.find('\n');
  if (nl == std::string_view::npos) return false;
  line = rest.substr(0, nl);
  rest.remove_prefix(nl + 1);
  return true;
}

bool ParseDecimal(std::string_view s, uint64_t& out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;  // canonical only
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

uint32_t ReadBe32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

std::string Hex8(uint32_t v) {
  const uint8_t b[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                        static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
  return HexEncode(b);
}

}  // namespace

std::string FormatCheckpointBody(const Checkpoint& c) {
  std::string out = c.origin;
  out += '\n';
  out += std::to_string(c.size);
  out += '\n';
  out += Base64Encode(c.root);
  out += '\n';
  for (const auto& e : c.extensions) {
    out += e;
    out += '\n';
  }
  return out;
}

Result<Checkpoint> ParseCheckpointBody(std::string_view body) {
  Checkpoint c;
  std::string_view rest = body, line;
  if (!NextLine(rest, line) || line.empty()) return Malformed("checkpoint: no origin line");
  c.origin = std::string(line);
  if (!NextLine(rest, line) || !ParseDecimal(line, c.size)) {
    return Malformed("checkpoint: the second line is not a tree size in decimal");
  }
  if (!NextLine(rest, line)) return Malformed("checkpoint: no root hash line");
  auto root = Base64Decode(line);
  if (!root || root->size() != 32) {
    return Malformed("checkpoint: the third line is not a base64 SHA-256 root hash");
  }
  std::memcpy(c.root.data(), root->data(), 32);
  while (NextLine(rest, line)) {
    if (line.empty()) return Malformed("checkpoint: empty extension line");
    c.extensions.emplace_back(line);
  }
  if (!rest.empty()) return Malformed("checkpoint: the body must end with a newline");
  return c;
}

uint32_t NoteKeyId(std::string_view name, const crypto::Ed25519PublicKey& key) {
  crypto::Sha256 h;
  h.Update(AsBytes(name));
  const uint8_t sep[2] = {'\n', kEd25519Type};
  h.Update(sep);
  h.Update(key);
  return ReadBe32(h.Final().data());
}

bool ValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char ch : name) {
    if (ch <= 0x20 || ch == '+' || ch == 0x7F) return false;
  }
  // Non-ASCII spaces (U+00A0, U+2000–U+200A, U+3000 ...) would need a Unicode
  // table; cordon's own names are ASCII, so it refuses any non-ASCII byte.
  for (unsigned char ch : name) {
    if (ch >= 0x80) return false;
  }
  return true;
}

NoteVerifier NoteVerifier::For(std::string name, const crypto::Ed25519PublicKey& key) {
  NoteVerifier v;
  v.key_id = NoteKeyId(name, key);
  v.name = std::move(name);
  v.key = key;
  return v;
}

Result<NoteVerifier> NoteVerifier::Parse(std::string_view vkey) {
  while (!vkey.empty() && (vkey.back() == '\n' || vkey.back() == '\r')) vkey.remove_suffix(1);
  size_t p1 = vkey.find('+');
  size_t p2 = p1 == std::string_view::npos ? p1 : vkey.find('+', p1 + 1);
  const char* shape = "a verifier key reads <name>+<8 hex digits>+<base64 key>";
  if (p2 == std::string_view::npos) return Malformed(std::string("verifier key: ") + shape);
  std::string_view name = vkey.substr(0, p1), id_hex = vkey.substr(p1 + 1, p2 - p1 - 1);
  if (!ValidKeyName(name)) return Malformed("verifier key: the name is empty or has a space");
  auto id = HexDecode(id_hex);
  if (!id || id->size() != 4) return Malformed(std::string("verifier key: ") + shape);
  auto key = Base64Decode(vkey.substr(p2 + 1));
  if (!key || key->size() != 33 || (*key)[0] != kEd25519Type) {
    return Error(ErrorCode::kUnsupported, "verifier key: not an Ed25519 key (type 0x01, 32 bytes)");
  }
  crypto::Ed25519PublicKey pk{};
  std::memcpy(pk.data(), key->data() + 1, 32);
  NoteVerifier v = For(std::string(name), pk);
  if (v.key_id != ReadBe32(id->data())) {
    return Malformed("verifier key: the key id does not match the name and key");
  }
  return v;
}

std::string NoteVerifier::Format() const {
  Bytes k = {kEd25519Type};
  k.insert(k.end(), key.begin(), key.end());
  return name + "+" + Hex8(key_id) + "+" + Base64Encode(k);
}

std::string SignNote(std::string_view text, std::string_view name, const SecretBuffer& secret_key,
                     const crypto::Ed25519PublicKey& public_key) {
  crypto::Ed25519Signature sig = crypto::Ed25519Sign(secret_key, AsBytes(text));
  const uint32_t id = NoteKeyId(name, public_key);
  Bytes blob = {static_cast<uint8_t>(id >> 24), static_cast<uint8_t>(id >> 16),
                static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)};
  blob.insert(blob.end(), sig.begin(), sig.end());
  std::string out(text);
  out += '\n';
  out += kSignaturePrefix;
  out += name;
  out += ' ';
  out += Base64Encode(blob);
  out += '\n';
  return out;
}

Result<SignedNote> ParseNote(std::string_view note) {
  if (note.size() > kMaxNoteSize) {
    return Error(ErrorCode::kLimitExceeded, "signed note: larger than 16 KiB");
  }
  for (unsigned char ch : note) {
    if (ch < 0x20 && ch != '\n') return Malformed("signed note: control character");
  }
  // The text ends at the last blank line ("\n\n"); signatures follow it.
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos)
    return Malformed("signed note: no blank line before the signatures");
  SignedNote n;
  n.text = std::string(note.substr(0, split + 1));
  std::string_view rest = note.substr(split + 2), line;
  if (rest.empty()) return Malformed("signed note: no signature");
  while (!rest.empty()) {
    if (!NextLine(rest, line))
      return Malformed("signed note: the last signature line has no newline");
    if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
      return Malformed("signed note: a signature line must start with an em dash and a space");
    }
    line.remove_prefix(kSignaturePrefix.size());
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos)
      return Malformed("signed note: signature line without a name");
    NoteSignature s;
    s.name = std::string(line.substr(0, sp));
    if (s.name.empty()) return Malformed("signed note: empty key name");
    auto blob = Base64Decode(line.substr(sp + 1));
    if (!blob || blob->size() < 5)
      return Malformed("signed note: signature is not base64 of id ‖ signature");
    s.key_id = ReadBe32(blob->data());
    s.signature.assign(blob->begin() + 4, blob->end());
    if (n.signatures.size() == kMaxSignatures) {
      return Error(ErrorCode::kLimitExceeded, "signed note: more than 16 signatures");
    }
    n.signatures.push_back(std::move(s));
  }
  return n;
}

Result<std::string> VerifyNote(std::string_view note, const NoteVerifier& verifier) {
  CORDON_ASSIGN_OR_RETURN(SignedNote n, ParseNote(note));
  for (const auto& s : n.signatures) {
    if (s.name != verifier.name || s.key_id != verifier.key_id) continue;  // another key's
    crypto::Ed25519Signature sig{};
    if (s.signature.size() != sig.size() ||
        (std::memcpy(sig.data(), s.signature.data(), sig.size()),
         !crypto::Ed25519Verify(verifier.key, AsBytes(n.text), sig))) {
      return Error(ErrorCode::kAuthFailed,
                   "signed note: the signature of " + verifier.name + " does not verify");
    }
    return n.text;
  }
  return Error(ErrorCode::kAuthFailed,
               "signed note: not signed by " + verifier.name + "+" + Hex8(verifier.key_id),
               "check that you pass the ledger's verifier key (cordon ledger vkey)");
}

Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifier& verifier) {
  CORDON_ASSIGN_OR_RETURN(std::string text, VerifyNote(note, verifier));
  CORDON_ASSIGN_OR_RETURN(Checkpoint c, ParseCheckpointBody(text));
  if (c.origin != verifier.name) {
    return Error(ErrorCode::kAuthFailed, "checkpoint: origin \"" + c.origin +
                                             "\" is not the verifier key's name \"" +
                                             verifier.name + "\"");
  }
  return c;
}

}  // namespace cordon::ledger
