#include "exchange/ssh_ca.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/file.h"
#include "ssh/public_key.h"

namespace cordon::exchange {
namespace {

std::string KeyPath(const std::string& dir, CaKind kind) {
  return dir + "/ssh-" + std::string(CaKindName(kind)) + "-ca.key";
}
std::string OldPubPath(const std::string& dir, CaKind kind) {
  return dir + "/ssh-" + std::string(CaKindName(kind)) + "-ca.old.pub";
}
std::string Comment(CaKind kind) { return "cordon-" + std::string(CaKindName(kind)) + "-ca"; }

}  // namespace

std::string_view CaKindName(CaKind kind) { return kind == CaKind::kUser ? "user" : "egress"; }

Result<CaKind> ParseCaKind(std::string_view name) {
  if (name == "user") return CaKind::kUser;
  if (name == "egress") return CaKind::kEgress;
  return Error(ErrorCode::kInvalidArgument, "--which " + std::string(name) + ": user or egress");
}

Result<ssh::CaKey> LoadOrCreateCa(const std::string& data_dir, CaKind kind) {
  const std::string path = KeyPath(data_dir, kind);
  if (!PathExists(path)) {
    Status saved = ssh::CaKey::Generate().Save(path, Comment(kind));
    // Another process made it meanwhile: theirs is the key.
    if (!saved.ok() && saved.error().code() != ErrorCode::kAlreadyExists) return saved.error();
  }
  return ssh::CaKey::Load(path);
}

Result<std::vector<std::string>> TrustedCaLines(const std::string& data_dir, CaKind kind) {
  CORDON_ASSIGN_OR_RETURN(ssh::CaKey key, LoadOrCreateCa(data_dir, kind));
  std::vector<std::string> out = {key.PublicKeyLine(Comment(kind))};
  const std::string old = OldPubPath(data_dir, kind);
  if (PathExists(old)) {
    CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(old, 4096));
    std::string line(AsChars(text));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (auto k = ssh::ParsePublicKeyLine(line); !k.ok()) return k.error().WithContext(old);
    out.push_back(line);
  }
  return out;
}

Status RotateCa(const std::string& data_dir, CaKind kind) {
  const std::string old = OldPubPath(data_dir, kind);
  if (PathExists(old)) {
    return Error(ErrorCode::kRefused,
                 "a rotation of the " + std::string(CaKindName(kind)) +
                     " CA is under way: its old key is still trusted",
                 "once certificates of the old key expired (8 hours at most), run "
                 "cordon admin ca rotate --retire-old, then rotate again");
  }
  CORDON_ASSIGN_OR_RETURN(ssh::CaKey current, LoadOrCreateCa(data_dir, kind));
  const std::string path = KeyPath(data_dir, kind);
  const std::string next = path + ".new";
  ::unlink(next.c_str());  // a rotation that died before its rename
  CORDON_TRY(ssh::CaKey::Generate().Save(next, Comment(kind)));
  // The old public key is listed before the new key signs anything.
  CORDON_TRY(
      WriteFileAtomic(old, AsBytes(current.PublicKeyLine(Comment(kind) + "-old") + "\n"), 0644));
  if (::rename(next.c_str(), path.c_str()) != 0) {
    return Error(ErrorCode::kIo, path + ": cannot replace: " + std::strerror(errno));
  }
  return Ok();
}

Status RetireOldCa(const std::string& data_dir, CaKind kind) {
  const std::string old = OldPubPath(data_dir, kind);
  if (!PathExists(old)) {
    return Error(ErrorCode::kNotFound,
                 "no old " + std::string(CaKindName(kind)) + " CA key is listed");
  }
  if (::unlink(old.c_str()) != 0) {
    return Error(ErrorCode::kIo, old + ": cannot remove: " + std::strerror(errno));
  }
  return Ok();
}

}  // namespace cordon::exchange
