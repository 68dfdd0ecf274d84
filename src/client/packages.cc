#include "client/packages.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "client/answer.h"
#include "core/file.h"
#include "pipeline/manifest.h"

namespace cordon::client {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

DeletionCertificate CertificateFrom(json j) {
  DeletionCertificate c;
  c.certificate = TextField(j, "certificate");
  c.signature = TextField(j, "signature");
  c.answer = std::move(j);
  return c;
}

}  // namespace

Result<std::vector<std::string>> PackageFiles(const std::string& dir) {
  // Only what the manifest names leaves this machine: a key file or anything
  // else lying in the directory is never sent (the server would refuse it,
  // but only once its bytes had left; the attacker's review, L5).
  auto manifest_text = ReadFileLimited(dir + "/manifest.json", 64 * 1024);
  if (!manifest_text.ok()) {
    if (manifest_text.error().code() != ErrorCode::kNotFound) return manifest_text.error();
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return Error(ErrorCode::kIo, dir + ": not a directory");
    return Error(ErrorCode::kInvalidArgument, dir + " holds no manifest.json",
                 "push the directory `cordon extract` wrote");
  }
  CORDON_ASSIGN_OR_RETURN(pipeline::Manifest manifest, pipeline::ParseManifest(*manifest_text));
  std::vector<std::string> files = {"manifest.json"};
  if (PathExists(dir + "/manifest.json.minisig")) files.push_back("manifest.json.minisig");
  for (const auto& t : manifest.tables) files.push_back(t.file);
  std::sort(files.begin(), files.end());
  for (const auto& name : files) {
    struct stat st;
    const std::string path = dir + "/" + name;
    if (::lstat(path.c_str(), &st) != 0) return ErrnoError(path);
    if (!S_ISREG(st.st_mode)) {
      return Error(ErrorCode::kInvalidArgument, path + ": not a regular file",
                   "a package holds the files `cordon extract` wrote, not links to others");
    }
  }
  return files;
}

Result<PushedPackage> Push(Connection& connection, const std::string& dir,
                           const std::vector<std::string>& files,
                           const TransferObserver& observer) {
  CORDON_ASSIGN_OR_RETURN(json upload, connection.Call("POST", "/api/v1/uploads", {201}, "{}"));
  const std::string id = TextField(upload, "upload");
  for (const auto& name : files) {
    const std::string path = dir + "/" + name;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    struct stat st;
    if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
      return Error(ErrorCode::kIo, path + ": " + std::strerror(errno));
    }
    const auto size = static_cast<uint64_t>(st.st_size);
    if (observer.begin) observer.begin(name, size);
    CORDON_TRY(
        ExpectJson(connection.http().SendFile("PUT", "/api/v1/uploads/" + id + "/files/" + name,
                                              connection.Auth(), fd.get(), size, observer.progress),
                   {201}));
    if (observer.done) observer.done(name);
  }
  CORDON_ASSIGN_OR_RETURN(
      json p, connection.Call("POST", "/api/v1/uploads/" + id + "/commit", {201}, "{}"));
  PushedPackage r;
  r.id = TextField(p, "id");
  r.order_id = TextField(p, "order_id");
  r.delete_by = TextField(p, "delete_by");
  r.bytes = static_cast<uint64_t>(IntField(p, "bytes", 0));
  r.answer = std::move(p);
  return r;
}

Result<PackageList> ListPackages(Connection& connection, bool include_deleted) {
  CORDON_ASSIGN_OR_RETURN(
      json j, connection.Call(
                  "GET", include_deleted ? "/api/v1/packages?all=1" : "/api/v1/packages", {200}));
  PackageList r;
  for (const json& p : ArrayField(j, "packages")) {
    r.packages.push_back({TextField(p, "id"), TextField(p, "order_id"), TextField(p, "status"),
                          TextField(p, "delete_by"),
                          static_cast<uint64_t>(IntField(p, "bytes", 0))});
  }
  r.answer = std::move(j);
  return r;
}

Result<std::vector<std::string>> Pull(Connection& connection, const std::string& id,
                                      const std::string& out_dir,
                                      const TransferObserver& observer) {
  CORDON_ASSIGN_OR_RETURN(json p, connection.Call("GET", "/api/v1/packages/" + id, {200}));
  if (TextField(p, "status") != "available") {
    return Error(ErrorCode::kNotFound, "package " + id + " was deleted from the exchange",
                 "its deletion certificate: cordon remote certificate " + id + " -o FILE");
  }
  std::vector<std::string> names = {"manifest.json", "manifest.json.minisig"};
  std::map<std::string, uint64_t> sizes;  // for progress
  for (const json& f : ArrayField(p, "files")) {
    names.push_back(TextField(f, "file"));
    sizes[names.back()] = static_cast<uint64_t>(IntField(f, "size", 0));
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return Error(ErrorCode::kIo, out_dir + ": " + ec.message());
  for (const auto& name : names) {
    // A name from the server never leaves the directory, nor hides in it.
    if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') {
      return Error(ErrorCode::kMalformed, "the exchange named a file \"" + name + "\"");
    }
    CORDON_ASSIGN_OR_RETURN(AtomicFile file,
                            AtomicFile::Create(out_dir + "/" + name, 0600, Overwrite::kRefuse));
    if (observer.begin) {
      auto size = sizes.find(name);
      observer.begin(name,
                     size == sizes.end() ? std::nullopt : std::optional<uint64_t>(size->second));
    }
    CORDON_ASSIGN_OR_RETURN(net::ClientResponse answer,
                            connection.http().Fetch("/api/v1/packages/" + id + "/files/" + name,
                                                    connection.Auth(), file, observer.progress));
    if (answer.status != 200) {
      return ErrorFromAnswer(answer.status,
                             answer.body);  // the file is discarded, never half-written
    }
    CORDON_TRY(file.Commit());
    if (observer.done) observer.done(name);
  }
  return names;
}

Result<DeletionCertificate> Confirm(Connection& connection, const std::string& id) {
  CORDON_ASSIGN_OR_RETURN(
      json c, connection.Call("POST", "/api/v1/packages/" + id + "/confirm", {200}, "{}"));
  return CertificateFrom(std::move(c));
}

Result<DeletionCertificate> FetchCertificate(Connection& connection, const std::string& id) {
  CORDON_ASSIGN_OR_RETURN(json c,
                          connection.Call("GET", "/api/v1/packages/" + id + "/certificate", {200}));
  return CertificateFrom(std::move(c));
}

Status SaveCertificate(const DeletionCertificate& c, const std::string& path) {
  CORDON_TRY(WriteFileAtomic(path, AsBytes(c.certificate), 0644));
  return WriteFileAtomic(path + ".minisig", AsBytes(c.signature), 0644);
}

}  // namespace cordon::client
