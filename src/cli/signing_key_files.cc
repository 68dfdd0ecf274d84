#include "cli/signing_key_files.h"

#include "core/file.h"

namespace cordon::cli {

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

}  // namespace cordon::cli
