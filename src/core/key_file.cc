#include "core/key_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "core/encoding.h"
#include "core/file.h"
#include "core/io.h"

namespace cordon {

Result<SecretBuffer> ParseKeyFile(ByteView file_text, std::string_view prefix, size_t size,
                                  const Error& bad) {
  std::string_view text = AsChars(file_text);
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    if (!line.starts_with(prefix)) return bad;
    auto raw = Base64Decode(line.substr(prefix.size()));
    if (!raw.ok() || raw->size() != size) {
      if (raw.ok()) WipeBytes(*raw);
      return bad;
    }
    SecretBuffer secret = SecretBuffer::CopyOf(*raw);
    WipeBytes(*raw);
    return secret;
  }
  return bad;
}

SecretBuffer FormatKeyFile(std::string_view comment, std::string_view prefix,
                           const SecretBuffer& secret) {
  std::string b64 = Base64Encode(secret.RevealBytes());
  WipeOnExit wipe(b64);
  SecretBuffer out(comment.size() + prefix.size() + b64.size() + 1);
  auto o = out.RevealMutable();
  auto at = std::copy(comment.begin(), comment.end(), o.begin());
  at = std::copy(prefix.begin(), prefix.end(), at);
  at = std::copy(b64.begin(), b64.end(), at);
  *at = '\n';
  return out;
}

Result<SecretBuffer> ReadPrivateKeyFile(const std::string& path, size_t max_size,
                                        std::string_view what) {
  struct stat st {};
  CORDON_ASSIGN_OR_RETURN(UniqueFd fd, OpenRegularForReading(path, Symlinks::kFollow, &st));
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    (void)std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error(ErrorCode::kRefused,
                 path + ": " + std::string(what) + " is accessible by group or others (mode " +
                     mode + "); it must be readable by its owner only",
                 "chmod 600 " + path);
  }
  return ReadSecretFrom(fd.get(), path, max_size);
}

}  // namespace cordon
