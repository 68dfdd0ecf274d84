// `open`: a recipient checks a package (manifest signature, retention,
// ciphertext hashes) before decrypting anything, then decrypts it atomically.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "age/age.h"
#include "core/encoding.h"
#include "core/file.h"
#include "crypto/hash.h"
#include "pipeline/extract.h"

namespace cordon::pipeline {
namespace {

Error Refused(std::string message, std::string hint = {}) {
  return Error(ErrorCode::kRefused, std::move(message), std::move(hint));
}

bool SafeFileName(const std::string& name) {
  if (name.empty() || name[0] == '.' || name.size() > 200) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
      return false;
  }
  return true;
}

}  // namespace

Result<OpenResult> OpenPackage(const OpenRequest& request) {
  namespace fs = std::filesystem;
  const std::string& dir = request.package_dir;
  std::string manifest_path = dir + "/manifest.json";
  CORDON_ASSIGN_OR_RETURN(Bytes manifest_bytes, ReadFileLimited(manifest_path, 16 << 20));
  if (request.processor_key) {
    auto sig_text = ReadFileLimited(manifest_path + ".minisig", 8192);
    if (!sig_text.ok())
      return Refused(manifest_path + " is not signed", "the processor signs it with --signing-key");
    auto sig = sign::Signature::Parse(AsChars(*sig_text));
    if (!sig.ok()) return Refused(manifest_path + ".minisig: " + sig.error().message());
    MemorySource m(manifest_bytes);
    Status v = sign::Verify(*request.processor_key, *sig, m);
    if (!v.ok()) return Refused(manifest_path + ": " + v.error().message(), v.error().hint());
  }
  nlohmann::json manifest =
      nlohmann::json::parse(manifest_bytes.begin(), manifest_bytes.end(), nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object() ||
      manifest.value("format", "") != "cordon-manifest" || !manifest.contains("tables") ||
      !manifest["tables"].is_array()) {
    return Error(ErrorCode::kMalformed, manifest_path + " is not a cordon manifest");
  }
  if (manifest.value("version", 0) != kManifestFormatVersion) {
    return Error(ErrorCode::kUnsupported, manifest_path + ": manifest version not supported");
  }
  OpenResult result;
  result.order_id = manifest["order"].value("id", "");
  auto delete_by = order::ParseIsoDate(manifest.value("delete_by", ""));
  if (!delete_by.ok()) return Error(ErrorCode::kMalformed, manifest_path + ": bad delete_by date");
  if (request.clock.today > *delete_by && !request.allow_expired) {
    return Refused(
        "package of order " + result.order_id + " was to be deleted by " +
            manifest.value("delete_by", "") + " (retention over)",
        "delete it; --allow-expired opens it anyway, and the controller should know why");
  }
  // Every ciphertext is checked before any plaintext is produced.
  struct Entry {
    std::string file, out_name;
  };
  std::vector<Entry> entries;
  for (const auto& t : manifest["tables"]) {
    std::string file = t.value("file", "");
    std::string name = t.value("name", "");
    if (!SafeFileName(file) || !SafeFileName(name)) {
      return Error(ErrorCode::kMalformed, manifest_path + ": unsafe file name in the manifest");
    }
    std::string path = dir;
    path += "/" + file;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Refused(path + " is missing from the package");
    if (static_cast<uint64_t>(st.st_size) != t.value("ciphertext_size", uint64_t{0})) {
      return Refused(path + " does not have the size the manifest records");
    }
    CORDON_ASSIGN_OR_RETURN(auto f, FileSource::Open(path));
    crypto::Sha256 h;
    Bytes buf(1 << 20);
    for (;;) {
      CORDON_ASSIGN_OR_RETURN(size_t n, f->Read(buf));
      if (n == 0) break;
      h.Update(ByteView(buf).first(n));
    }
    if (HexEncode(h.Final()) != t.value("ciphertext_sha256", "")) {
      return Refused(path + " does not match the SHA-256 in the manifest (altered or substituted)");
    }
    entries.push_back({file, name + ".csv"});
  }
  std::string out = request.out_dir;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (PathExists(out)) return Error(ErrorCode::kAlreadyExists, out + " already exists");
  std::string partial = out + ".partial";
  if (::mkdir(partial.c_str(), 0700) != 0) {
    return Error(ErrorCode::kIo, "cannot create " + partial + ": " + std::strerror(errno));
  }
  CleanupGuard dir_guard(partial, true);
  RemoveTreeUnlessDismissed remover(partial);
  for (const Entry& e : entries) {
    CORDON_ASSIGN_OR_RETURN(auto in, FileSource::Open(dir + "/" + e.file));
    auto dec = age::Decryptor::Open(*in, *request.identities);
    if (!dec.ok()) return dec.error().WithContext(e.file);
    CORDON_ASSIGN_OR_RETURN(
        AtomicFile outf, AtomicFile::Create(partial + "/" + e.out_name, 0600, Overwrite::kRefuse));
    Bytes buf(1 << 20);
    uint64_t total = 0;
    for (;;) {
      auto n = (*dec)->Read(buf);
      if (!n.ok()) return n.error().WithContext(e.file);
      if (*n == 0) break;
      CORDON_TRY(outf.Write(ByteView(buf).first(*n)));
      total += *n;
    }
    CORDON_TRY(outf.Commit());
    result.files.emplace_back(e.out_name, total);
  }
  CORDON_TRY(SyncDirectory(partial));
  if (::rename(partial.c_str(), out.c_str()) != 0) {
    return Error(ErrorCode::kIo,
                 "cannot rename " + partial + " to " + out + ": " + std::strerror(errno));
  }
  remover.Dismiss();
  return result;
}

}  // namespace cordon::pipeline
