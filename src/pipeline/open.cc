// `open`: a recipient checks a package (manifest signature, retention,
// ciphertext hashes) before decrypting anything, then decrypts it atomically.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "age/age.h"
#include "core/encoding.h"
#include "core/file.h"
#include "core/secret_buffer.h"
#include "crypto/hash.h"
#include "pipeline/extract.h"
#include "pipeline/manifest.h"
#include "source/csv_reader.h"

namespace cordon::pipeline {
namespace {

Error Refused(std::string message, std::string hint = {}) {
  return Error(ErrorCode::kRefused, std::move(message), std::move(hint));
}

// DIR/NAME.
std::string InDir(const std::string& dir, const std::string& name) {
  std::string path = dir;
  path += '/';
  path += name;
  return path;
}

// Wipes a buffer when it goes out of scope.
class WipeOnExit {
 public:
  explicit WipeOnExit(Bytes& buf) : buf_(buf) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit() { WipeBytes(buf_); }

 private:
  Bytes& buf_;
};

// The manifest, its signature checked (unless skipped on purpose), parsed.
Result<Manifest> ReadManifest(const OpenRequest& request) {
  std::string manifest_path = request.package_dir + "/manifest.json";
  if (!request.processor_key && !request.skip_manifest_signature) {
    return Error(ErrorCode::kRefused, "no key to verify " + manifest_path + " with",
                 "pass --processor-key (the processor's public key), or "
                 "--skip-manifest-signature to open it unchecked");
  }
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
  return ParseManifest(manifest_bytes);
}

// Every ciphertext has the size and SHA-256 the manifest records.
Status CheckCiphertexts(const std::string& dir, const Manifest& manifest) {
  for (const ManifestTable& t : manifest.tables) {
    std::string path = dir;
    path += "/" + t.file;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Refused(path + " is missing from the package");
    if (static_cast<uint64_t>(st.st_size) != t.ciphertext_size) {
      return Refused(path + " does not have the size the manifest records");
    }
    CORDON_ASSIGN_OR_RETURN(auto f, FileSource::Open(path));
    crypto::HashingSource hashed(*f);
    CORDON_ASSIGN_OR_RETURN(crypto::Sha256::Digest digest, hashed.Finish());
    if (HexEncode(digest) != t.ciphertext_sha256) {
      return Refused(path + " does not match the SHA-256 in the manifest (altered or substituted)");
    }
  }
  return Ok();
}

// Decrypts every table into OUT.partial, then renames it to OUT.
Status DecryptAll(const OpenRequest& request, const Manifest& manifest, OpenResult& result) {
  const std::string& dir = request.package_dir;
  std::string out = request.out_dir;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (PathExists(out)) return Error(ErrorCode::kAlreadyExists, out + " already exists");
  std::string partial = out + ".partial";
  if (PathExists(partial)) {
    // Unlike an interrupted extract's (sealed bytes), an interrupted open's
    // OUT.partial may hold decrypted rows (0600 in a 0700 directory): the
    // person must know to remove it.
    return Error(ErrorCode::kAlreadyExists,
                 partial + " exists: an earlier open was interrupted (kill -9, power loss)",
                 "it may hold decrypted rows: remove it (rm -r " + partial + "), then open again");
  }
  if (::mkdir(partial.c_str(), 0700) != 0) {
    return Error(ErrorCode::kIo, "cannot create " + partial + ": " + std::strerror(errno));
  }
  CleanupGuard dir_guard(partial, true);
  RemoveTreeUnlessDismissed remover(partial);
  // Holds plaintext: wiped however the loop ends.
  Bytes buf(1 << 20);
  WipeOnExit wipe(buf);
  for (const ManifestTable& t : manifest.tables) {
    const std::string out_name = t.name + ".csv";
    CORDON_ASSIGN_OR_RETURN(auto in, FileSource::Open(InDir(dir, t.file)));
    auto dec = age::Decryptor::Open(*in, request.identities);
    if (!dec.ok()) return dec.error().WithContext(t.file);
    CORDON_ASSIGN_OR_RETURN(AtomicFile outf,
                            AtomicFile::Create(InDir(partial, out_name), 0600, Overwrite::kRefuse));
    uint64_t total = 0;
    for (;;) {
      auto n = (*dec)->Read(buf);
      if (!n.ok()) return n.error().WithContext(t.file);
      if (*n == 0) break;
      CORDON_TRY(outf.Write(ByteView(buf).first(*n)));
      total += *n;
    }
    CORDON_TRY(outf.Commit());
    result.files.emplace_back(out_name, total);
  }
  CORDON_TRY(SyncDirectory(partial));
  if (::rename(partial.c_str(), out.c_str()) != 0) {
    return Error(ErrorCode::kIo,
                 "cannot rename " + partial + " to " + out + ": " + std::strerror(errno));
  }
  remover.Dismiss();
  return Ok();
}

// A table's plaintext, decrypted as it is read (never written anywhere).
class DecryptedTable final : public ByteSource {
 public:
  static Result<std::unique_ptr<DecryptedTable>> Open(
      const std::string& path, const std::vector<std::unique_ptr<age::Identity>>& identities) {
    std::unique_ptr<DecryptedTable> t(new DecryptedTable());
    CORDON_ASSIGN_OR_RETURN(t->file_, FileSource::Open(path));
    CORDON_ASSIGN_OR_RETURN(t->decryptor_, age::Decryptor::Open(*t->file_, identities));
    return t;
  }
  Result<size_t> Read(std::span<uint8_t> out) override { return decryptor_->Read(out); }

 private:
  DecryptedTable() = default;
  std::unique_ptr<FileSource> file_;
  std::unique_ptr<age::Decryptor> decryptor_;
};

// Every table into `target`, then one commit.
Status LoadAll(const OpenRequest& request, const Manifest& manifest, source::TableTarget& target,
               OpenResult& result) {
  // The package's tables are what cordon's CsvWriter wrote: UTF-8, ','.
  source::CsvOptions options;
  options.separator = ',';
  options.encoding = source::TextEncoding::kUtf8;
  std::vector<std::string_view> values;
  for (const ManifestTable& t : manifest.tables) {
    auto plain = DecryptedTable::Open(InDir(request.package_dir, t.file), request.identities);
    if (!plain.ok()) return plain.error().WithContext(t.file);
    CORDON_ASSIGN_OR_RETURN(auto reader,
                            source::CsvReader::Open(std::move(*plain), t.file, options));
    CORDON_TRY(target.BeginTable(t.name, reader->header()));
    values.resize(reader->header().size());
    uint64_t rows = 0;
    for (;;) {
      CORDON_ASSIGN_OR_RETURN(bool more, reader->Next());
      if (!more) break;
      for (size_t i = 0; i < values.size(); ++i) {
        CORDON_ASSIGN_OR_RETURN(values[i], reader->Utf8Field(i));
      }
      CORDON_TRY(target.Row(values));
      ++rows;
    }
    CORDON_TRY(target.EndTable());
    result.rows.emplace_back(t.name, rows);
  }
  return target.Commit();
}

// The manifest (signature, retention) and every ciphertext, checked
// before any plaintext is produced.
Result<Manifest> CheckPackage(const OpenRequest& request, OpenResult& result) {
  CORDON_ASSIGN_OR_RETURN(Manifest manifest, ReadManifest(request));
  result.order_id = manifest.order_id;
  if (request.clock.today > manifest.delete_by && !request.allow_expired) {
    return Refused(
        "package of order " + result.order_id + " was to be deleted by " + manifest.delete_by_text +
            " (retention over)",
        "delete it; --allow-expired opens it anyway, and the controller should know why");
  }
  CORDON_TRY(CheckCiphertexts(request.package_dir, manifest));
  return manifest;
}

}  // namespace

Result<OpenResult> OpenPackage(const OpenRequest& request) {
  OpenResult result;
  CORDON_ASSIGN_OR_RETURN(Manifest manifest, CheckPackage(request, result));
  CORDON_TRY(DecryptAll(request, manifest, result));
  return result;
}

Result<OpenResult> OpenPackageInto(const OpenRequest& request, const TargetOpener& open_target) {
  OpenResult result;
  CORDON_ASSIGN_OR_RETURN(Manifest manifest, CheckPackage(request, result));
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<source::TableTarget> target, open_target());
  CORDON_TRY(LoadAll(request, manifest, *target, result));
  return result;
}

}  // namespace cordon::pipeline
