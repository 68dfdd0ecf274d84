#include "cli/key_files.h"

#include "core/file.h"

namespace cordon::cli {

Result<std::vector<std::unique_ptr<age::Identity>>> LoadIdentities(
    const std::vector<std::string>& paths) {
  std::vector<std::unique_ptr<age::Identity>> identities;
  for (const std::string& path : paths) {
    CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(path, 1 << 20));
    auto parsed = age::ParseIdentityFile(text, path);
    WipeBytes(text);
    if (!parsed.ok()) return parsed.error();
    for (auto& id : *parsed) identities.push_back(age::MakeX25519Identity(std::move(id)));
  }
  return identities;
}

Result<sign::SecretKey> LoadSigningKey(const std::string& path) {
  CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(path, 4096));
  auto key = sign::SecretKey::Parse(text);
  WipeBytes(text);
  if (!key.ok()) return key.error().WithContext(path);
  return key;
}

Result<sign::PublicKey> LoadPublicKey(const std::string& path) {
  CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(path, 4096));
  auto key = sign::PublicKey::Parse(AsChars(text));
  if (!key.ok()) return key.error().WithContext(path);
  return key;
}

Result<pseudo::PseudonymKey> LoadPseudonymKey(const std::string& path) {
  CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(path, 4096));
  auto key = pseudo::PseudonymKey::Parse(text);
  WipeBytes(text);
  if (!key.ok()) return key.error().WithContext(path);
  return key;
}

}  // namespace cordon::cli
