// `open`: a recipient checks a package (manifest signature, retention,
// ciphertext hashes) before decrypting anything, then decrypts it atomically.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "age/age.h"
#include "core/encoding.h"
#include "core/file.h"
#include "core/secret_buffer.h"
#include "crypto/hash.h"
#include "order/value.h"
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

// How one column of a package is loaded: the type the database is told,
// and how a value is written for it.
struct LoadColumn {
  source::TargetColumn target;
  std::optional<order::ColumnType> type;  // set when values are converted
};

// The database type of a manifest column, and whether its values need
// rewriting: a date in another format than ISO 8601 is rewritten to it (a
// database reads ISO dates whatever its DateStyle); a decimal comma becomes
// a point. A date with a time in another format than ISO stays text: its
// time would otherwise be lost.
LoadColumn ForDatabase(const ManifestColumn& c) {
  using order::ValueType;
  LoadColumn out{{c.name, source::TargetType::kUntyped}, std::nullopt};
  if (!c.type) return out;
  switch (c.type->type) {
    case ValueType::kText:
      out.target.type = source::TargetType::kText;
      break;
    case ValueType::kInt:
      out.target.type = source::TargetType::kInteger;
      break;
    case ValueType::kDecimal:
      out.target.type = source::TargetType::kDecimal;
      out.type = c.type;
      break;
    case ValueType::kDate: {
      const std::string& f = c.type->date_format;
      if (f == "%Y-%m-%d %H:%M:%S" || f == "%Y-%m-%dT%H:%M:%S") {
        out.target.type = source::TargetType::kTimestamp;
      } else if (f.find("%H") != std::string::npos || f.find("%M") != std::string::npos ||
                 f.find("%S") != std::string::npos) {
        out.target.type = source::TargetType::kText;
      } else {
        out.target.type = source::TargetType::kDate;
        if (f != "%Y-%m-%d") out.type = c.type;
      }
      break;
    }
  }
  return out;
}

// `value` as the database reads a `type` (ForDatabase), into `scratch`.
Result<std::string_view> Convert(const order::ColumnType& type, std::string_view value,
                                 std::string& scratch) {
  if (value.empty()) return value;
  if (type.type == order::ValueType::kDecimal) {
    scratch.assign(value);
    for (char& c : scratch) {
      if (c == ',') c = '.';
    }
    return std::string_view(scratch);
  }
  CORDON_ASSIGN_OR_RETURN(order::Value v, order::ParseField(type, value));
  scratch = order::FormatIsoDate(v.days);
  return std::string_view(scratch);
}

// The columns of a table's plaintext header, typed by the manifest (v2).
// A header the manifest does not describe is refused: the manifest is
// signed, the header came out of the decryption.
Result<std::vector<LoadColumn>> Columns(const ManifestTable& t,
                                        const std::vector<std::string>& header) {
  std::vector<LoadColumn> out;
  for (const std::string& name : header) {
    const ManifestColumn* column = nullptr;
    for (const ManifestColumn& c : t.columns) {
      if (c.name == name) column = &c;
    }
    if (column == nullptr && !t.columns.empty()) {
      return Refused(t.file + ": column " + name + " is not in the manifest",
                     "the package was altered or made by hand: ask the processor for it again");
    }
    out.push_back(column != nullptr ? ForDatabase(*column) : ForDatabase({name, std::nullopt}));
  }
  if (!t.columns.empty() && out.size() != t.columns.size()) {
    return Refused(t.file + ": its columns are not the manifest's");
  }
  return out;
}

// Every table into `target`, then one commit.
Status LoadAll(const OpenRequest& request, const Manifest& manifest, source::TableTarget& target,
               OpenResult& result) {
  // The package's tables are what cordon's CsvWriter wrote: UTF-8, ','.
  source::CsvOptions options;
  options.separator = ',';
  options.encoding = source::TextEncoding::kUtf8;
  std::vector<std::string_view> values;
  std::vector<std::string> scratch;  // converted values: plaintext, wiped
  struct Wipe {
    std::vector<std::string>& strings;
    ~Wipe() {
      for (std::string& s : strings) std::fill(s.begin(), s.end(), '\0');
    }
  } wipe{scratch};
  for (const ManifestTable& t : manifest.tables) {
    auto plain = DecryptedTable::Open(InDir(request.package_dir, t.file), request.identities);
    if (!plain.ok()) return plain.error().WithContext(t.file);
    CORDON_ASSIGN_OR_RETURN(auto reader,
                            source::CsvReader::Open(std::move(*plain), t.file, options));
    CORDON_ASSIGN_OR_RETURN(std::vector<LoadColumn> columns, Columns(t, reader->header()));
    std::vector<source::TargetColumn> target_columns;
    for (const LoadColumn& c : columns) target_columns.push_back(c.target);
    CORDON_TRY(target.BeginTable(t.name, target_columns));
    values.resize(columns.size());
    scratch.resize(columns.size());
    uint64_t rows = 0;
    for (;;) {
      CORDON_ASSIGN_OR_RETURN(bool more, reader->Next());
      if (!more) break;
      for (size_t i = 0; i < values.size(); ++i) {
        CORDON_ASSIGN_OR_RETURN(values[i], reader->Utf8Field(i));
        if (!columns[i].type) continue;
        auto converted = Convert(*columns[i].type, values[i], scratch[i]);
        if (!converted.ok()) {
          // The value is not named: it is patient data.
          return Refused(t.file + " row " + std::to_string(rows + 1) + " column " +
                             columns[i].target.name + ": not the manifest's " +
                             FormatColumnType(*columns[i].type),
                         "nothing was loaded: the whole import is rolled back");
        }
        values[i] = *converted;
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
