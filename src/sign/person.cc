#include "sign/person.h"

#include <string>

namespace cordon::sign {
namespace {

constexpr std::string_view kPersonField = "person:";
constexpr std::string_view kStatementComment = "cordon personal key";

}  // namespace

Result<std::string> CheckPersonName(std::string_view name) {
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidArgument, "--name: " + why,
                 "give the person's name as they sign, e.g. --name \"Olivier Martin\"");
  };
  if (name.size() < 2 || name.size() > kMaxPersonName) {
    return bad("a name is 2 to " + std::to_string(kMaxPersonName) + " bytes");
  }
  bool letter = false;
  for (unsigned char c : name) {
    if (c == '@') return bad("that looks like an e-mail address; cordon records a person's name");
    if (c >= '0' && c <= '9') return bad("a name has no digits");
    if (c < 0x20 || c == 0x7f || c == ':') return bad("no control characters or ':'");
    // Letters: ASCII ones, or any multibyte UTF-8 sequence (é, ø, ł...).
    letter = letter || std::isalpha(c) || c >= 0x80;
  }
  if (!letter) return bad("a name has letters");
  // Must be valid UTF-8: a Signature is text, and the ledger refuses the rest.
  for (size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    const size_t n = c < 0x80           ? 1
                     : (c >> 5) == 0x6  ? 2
                     : (c >> 4) == 0xe  ? 3
                     : (c >> 3) == 0x1e ? 4
                                        : 0;
    if (n == 0 || i + n > name.size()) return bad("not valid UTF-8");
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(name[i + k]) & 0xc0) != 0x80) return bad("not valid UTF-8");
    }
    i += n;
  }
  return std::string(name);
}

std::optional<std::string> PersonInTrustedComment(std::string_view comment) {
  const size_t tab = comment.rfind('\t');
  std::string_view last = tab == std::string_view::npos ? comment : comment.substr(tab + 1);
  if (last.substr(0, kPersonField.size()) != kPersonField) return std::nullopt;
  auto name = CheckPersonName(last.substr(kPersonField.size()));
  if (!name.ok()) return std::nullopt;
  return *name;
}

Result<std::optional<std::string>> VerifiedPerson(const PublicKey& key, const Signature& signature,
                                                  ByteSource& message) {
  CORDON_TRY(Verify(key, signature, message));
  return PersonInTrustedComment(signature.trusted_comment);
}

Result<Signature> SignKeyStatement(const SecretKey& key) {
  if (key.person().empty()) {
    return Error(ErrorCode::kInvalidArgument, "the key names no person");
  }
  const std::string pub = key.public_key().Format();
  MemorySource in(AsBytes(pub));
  // Sign adds "\tperson:NAME" for a personal key.
  return Sign(key, in, kStatementComment, "cordon personal key statement");
}

Result<std::string> PersonOfPublicKey(std::string_view pub_file, std::string_view statement) {
  CORDON_ASSIGN_OR_RETURN(PublicKey key, PublicKey::Parse(pub_file));
  CORDON_ASSIGN_OR_RETURN(Signature sig, Signature::Parse(statement));
  MemorySource in(AsBytes(pub_file));
  CORDON_ASSIGN_OR_RETURN(std::optional<std::string> person, VerifiedPerson(key, sig, in));
  if (!person || sig.trusted_comment.substr(0, kStatementComment.size()) != kStatementComment) {
    return Error(ErrorCode::kMalformed, "the key statement names no person");
  }
  return *person;
}

}  // namespace cordon::sign
