#include "pipeline/extract.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "age/age.h"
#include "core/encoding.h"
#include "core/file.h"
#include "core/utc_time.h"
#include "crypto/hash.h"
#include "pipeline/csv_writer.h"

namespace cordon::pipeline {
namespace {

Error Refused(std::string message, std::string hint = {}) {
  return Error(ErrorCode::kRefused, std::move(message), std::move(hint));
}

bool HasKeyedTransform(const order::Order& o) {
  for (const auto& t : o.tables) {
    for (const auto& c : t.columns) {
      if (c.fate.keyed()) return true;
    }
  }
  return false;
}

// Keyed transforms run only under the key the order names: another key
// would give other pseudonyms (and break joins with earlier extractions).
Status CheckPseudonymKey(const order::Order& o, const pseudo::PseudonymKey* key) {
  if (!HasKeyedTransform(o)) return Ok();
  if (key == nullptr) {
    return Refused("order " + o.id + " pseudonymizes columns: the pseudonym key " +
                       o.pseudonym_key_id + " is needed",
                   "pass the controller's key file with --pseudonym-key FILE");
  }
  if (key->id() != o.pseudonym_key_id) {
    return Refused(
        "the pseudonym key given is " + key->id() + ", the order names " + o.pseudonym_key_id,
        "use the key file whose id the order names (`cordon pseudokey id FILE`)");
  }
  return Ok();
}

std::string Sha256Hex(ByteView data) { return HexEncode(crypto::Sha256::Hash(data)); }

struct PackagedFile {
  uint64_t size = 0;
  std::string sha256;
};

// Passes bytes on to a sink while hashing them.
class HashingSink final : public ByteSink {
 public:
  explicit HashingSink(ByteSink& out) : out_(out) {}
  Status Write(ByteView data) override {
    hash_.Update(data);
    return out_.Write(data);
  }
  crypto::Sha256& hash() { return hash_; }

 private:
  ByteSink& out_;
  crypto::Sha256 hash_;
};

// Writes one table as <dir>/<name>.csv.age. The age header is written last,
// in front of the payload: until the table is complete the file holds no
// wrapped key, so an interrupted run (even SIGKILL) leaves nothing readable.
class PackageSink final : public RowSink {
 public:
  PackageSink(std::string path, const std::vector<std::unique_ptr<age::Recipient>>& recipients,
              std::vector<PackagedFile>& done)
      : path_(std::move(path)), guard_(path_), recipients_(recipients), done_(done) {}

  Status Begin(const std::vector<std::string>& columns) override {
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
      return Error(ErrorCode::kIo, "cannot create " + path_ + ": " + std::strerror(errno));
    fd_ = UniqueFd(fd);
    sink_ = std::make_unique<FdSink>(fd, path_);
    hashing_ = std::make_unique<HashingSink>(*sink_);
    CORDON_ASSIGN_OR_RETURN(encryptor_,
                            age::Encryptor::Create(recipients_, *hashing_, age::Armor::kNo,
                                                   age::HeaderPlacement::kDeferred));
    header_size_ = encryptor_->deferred_header().size();
    // The file's hash covers the header first: it is known now, though
    // written last.
    hashing_->hash().Update(AsBytes(encryptor_->deferred_header()));
    // The payload starts after room for the header, which is written at the end.
    if (::lseek(fd, static_cast<off_t>(header_size_), SEEK_SET) < 0) {
      return Error(ErrorCode::kIo, "cannot seek in " + path_);
    }
    writer_ = std::make_unique<CsvWriter>(*encryptor_);
    std::vector<std::string_view> names(columns.begin(), columns.end());
    return writer_->Row(names);
  }

  Status Row(const std::vector<std::string_view>& values) override { return writer_->Row(values); }

  Status End() override {
    CORDON_TRY(writer_->Flush());
    CORDON_TRY(encryptor_->Close());
    const std::string& header = encryptor_->deferred_header();
    if (::pwrite(fd_.get(), header.data(), header.size(), 0) !=
            static_cast<ssize_t>(header.size()) ||
        ::fsync(fd_.get()) != 0) {
      return Error(ErrorCode::kIo, "cannot finish " + path_ + ": " + std::strerror(errno));
    }
    struct stat st {};
    ::fstat(fd_.get(), &st);
    fd_ = UniqueFd();
    done_.push_back({static_cast<uint64_t>(st.st_size), HexEncode(hashing_->hash().Final())});
    return Ok();
  }

 private:
  std::string path_;
  CleanupGuard guard_;
  const std::vector<std::unique_ptr<age::Recipient>>& recipients_;
  UniqueFd fd_;
  std::unique_ptr<FdSink> sink_;
  std::unique_ptr<HashingSink> hashing_;
  std::unique_ptr<age::Encryptor> encryptor_;
  std::unique_ptr<CsvWriter> writer_;
  std::vector<PackagedFile>& done_;
  size_t header_size_ = 0;
};

}  // namespace

Clock Clock::System() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return Clock{order::DaysFromCivil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday),
               FormatUtc(static_cast<int64_t>(t))};
}

nlohmann::ordered_json KAnonymityReport(const BoundTable& t, const TableStats& s) {
  if (t.quasi_identifiers.empty()) return nullptr;
  nlohmann::ordered_json qi = nlohmann::ordered_json::array();
  for (size_t k : t.quasi_identifiers) qi.push_back(t.header[t.kept[k]]);
  nlohmann::ordered_json j = {
      {"quasi_identifiers", qi}, {"k", s.k_smallest}, {"classes", s.classes}};
  if (t.spec->min_k > 0) {
    j["min_k"] = t.spec->min_k;
    j["rows_below_min_k"] = s.rows_below_k;
    j["on_k_violation"] = t.spec->suppress_below_k ? "suppress" : "refuse";
    j["rows_suppressed"] = s.rows_suppressed_k;
  }
  return j;
}

uint64_t AgeCiphertextSize(uint64_t plaintext, size_t recipients) {
  // Header: version line, per X25519 recipient a 2-line stanza, the MAC line.
  uint64_t header = 22 + recipients * (53 + 44) + 48;
  uint64_t chunks = plaintext == 0 ? 1 : (plaintext + 65535) / 65536;
  return header + 16 + plaintext + chunks * 16;
}

Result<ExtractResult> Extract(const ExtractRequest& request, const source::CsvSource& source,
                              const ProgressFn& progress) {
  namespace fs = std::filesystem;
  if (request.processor_key == nullptr && !request.allow_unsigned_manifest) {
    return Refused("no key to sign the manifest with",
                   "pass --signing-key (the processor's key), or --unsigned-manifest if the "
                   "recipient knows the package will not be signed");
  }
  const std::string& order_path = request.order_path;
  std::string sig_path =
      request.signature_path.empty() ? order_path + ".minisig" : request.signature_path;

  // 1. The order must be exactly what the controller signed.
  CORDON_ASSIGN_OR_RETURN(Bytes order_bytes, ReadFileLimited(order_path, kMaxOrderBytes));
  auto sig_text = ReadFileLimited(sig_path, 8192);
  if (!sig_text.ok()) {
    return Refused(order_path + " has no signature (" + sig_text.error().message() + ")",
                   "the controller signs the order: `cordon order sign " + order_path +
                       " -k KEY` or `minisign -Sm " + order_path + "`");
  }
  auto sig = sign::Signature::Parse(AsChars(*sig_text));
  if (!sig.ok()) return Refused(sig_path + ": " + sig.error().message());
  MemorySource order_source(order_bytes);
  Status verified = sign::Verify(request.controller_key, *sig, order_source);
  if (!verified.ok()) {
    return Refused(order_path + ": " + verified.error().message(), verified.error().hint());
  }

  // 2. The order must be well formed, current, and fit the source.
  order::LoadedOrder loaded = order::ParseOrder(AsChars(order_bytes), order_path);
  if (!loaded.problems.empty()) {
    Error e = order::ProblemsError(order_path, loaded.problems);
    return Refused(e.message(), e.hint());
  }
  const order::Order& ord = loaded.order;
  if (request.clock.today > ord.not_after) {
    return Refused("order " + ord.id + " expired on " + order::FormatIsoDate(ord.not_after),
                   "ask the controller for a new signed order");
  }
  Binding binding = Bind(ord, source);
  if (!binding.problems.empty()) {
    Error e = order::ProblemsError(order_path, binding.problems);
    return Refused("the order does not fit the source: " + e.message(), e.hint());
  }
  CORDON_TRY(CheckPseudonymKey(ord, request.pseudonym_key));

  // 3. The package is built in DIR.partial and renamed when complete.
  std::string out = request.out_dir;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (PathExists(out)) {
    return Error(ErrorCode::kAlreadyExists,
                 out + " already exists; cordon does not overwrite a package");
  }
  std::string partial = out + ".partial";
  if (PathExists(partial)) {
    return Error(
        ErrorCode::kAlreadyExists, partial + " exists: an earlier extraction was interrupted",
        "its files hold no readable data; remove it (rm -r " + partial + ") and run again");
  }
  if (::mkdir(partial.c_str(), 0700) != 0) {
    return Error(ErrorCode::kIo, "cannot create " + partial + ": " + std::strerror(errno));
  }
  CleanupGuard dir_guard(partial, /*directory=*/true);
  RemoveTreeUnlessDismissed remover(partial);

  std::vector<std::unique_ptr<age::Recipient>> recipients;
  for (const std::string& r : ord.recipients) {
    recipients.push_back(age::MakeX25519Recipient(age::X25519Recipient::Parse(r).value()));
  }
  std::vector<PackagedFile> files;
  SinkFactory sinks = [&](const BoundTable& t) -> Result<std::unique_ptr<RowSink>> {
    return std::unique_ptr<RowSink>(std::make_unique<PackageSink>(
        partial + "/" + t.spec->name + ".csv.age", recipients, files));
  };
  TransformOptions transforms{request.pseudonym_key, ord.pseudonym_domain, ord.not_after};
  transforms.threads = request.threads;
  CORDON_ASSIGN_OR_RETURN(std::vector<TableStats> stats,
                          Run(binding, source, sinks, progress, transforms));

  // 4. The manifest: what was extracted, under which order, until when.
  nlohmann::ordered_json m;
  m["format"] = "cordon-manifest";
  m["version"] = kManifestFormatVersion;
  m["cordon_version"] = "0.1.0";
  m["created_at"] = request.clock.now_rfc3339;
  // Said inside the manifest, so an unsigned package is one on purpose.
  m["manifest_signed"] = request.processor_key != nullptr;
  m["order"] = {{"id", ord.id},
                {"file", fs::path(order_path).filename().string()},
                {"sha256", Sha256Hex(order_bytes)},
                {"controller", ord.controller},
                {"processor", ord.processor},
                {"purpose", ord.purpose},
                {"contract", ord.contract},
                {"not_after", order::FormatIsoDate(ord.not_after)},
                {"controller_key_id", sign::KeyIdHex(request.controller_key.key_id)},
                {"signature_trusted_comment", sig->trusted_comment}};
  m["retention_days"] = ord.retention_days;
  m["delete_by"] = order::FormatIsoDate(request.clock.today + ord.retention_days);
  m["recipients"] = ord.recipients;
  if (!ord.pseudonym_key_id.empty()) {
    // The key's id, never the key: the controller alone can re-identify.
    m["pseudonyms"] = {{"key_id", ord.pseudonym_key_id}, {"domain", ord.pseudonym_domain}};
  }
  ExtractResult result;
  nlohmann::ordered_json tables = nlohmann::ordered_json::array();
  for (size_t i = 0; i < binding.tables.size(); ++i) {
    const BoundTable& t = binding.tables[i];
    nlohmann::ordered_json cols = nlohmann::ordered_json::array(),
                           excluded = nlohmann::ordered_json::array();
    for (const ColumnReport& c : t.columns) {
      if (c.fate == "excluded") {
        excluded.push_back(c.column);
      } else {
        cols.push_back({{"name", c.column}, {"fate", c.fate}});
      }
    }
    tables.push_back({{"name", t.spec->name},
                      {"from", t.source->name},
                      {"file", t.spec->name + ".csv.age"},
                      {"columns", cols},
                      {"excluded_columns", excluded},
                      {"rows_read", stats[i].rows_read},
                      {"rows_written", stats[i].rows_selected},
                      {"rows_excluded_by_where", stats[i].rows_excluded_where},
                      {"rows_excluded_by_follow", stats[i].rows_excluded_follow},
                      {"ciphertext_size", files[i].size},
                      {"ciphertext_sha256", files[i].sha256}});
    if (auto k = KAnonymityReport(t, stats[i]); !k.is_null()) tables.back()["k_anonymity"] = k;
    result.package_bytes += files[i].size;
  }
  m["tables"] = tables;
  result.manifest = m.dump(2) + "\n";
  std::string manifest_path = partial + "/manifest.json";
  CleanupGuard manifest_guard(manifest_path);
  CORDON_TRY(WriteFileAtomic(manifest_path, AsBytes(result.manifest), 0644, Overwrite::kRefuse));
  std::optional<CleanupGuard> sig_guard;
  if (request.processor_key != nullptr) {
    sig_guard.emplace(manifest_path + ".minisig");
    MemorySource manifest_source(AsBytes(result.manifest));
    CORDON_ASSIGN_OR_RETURN(
        sign::Signature msig,
        sign::Sign(*request.processor_key, manifest_source,
                   "cordon manifest of order " + ord.id + " created " + request.clock.now_rfc3339));
    CORDON_TRY(WriteFileAtomic(manifest_path + ".minisig", AsBytes(msig.Format()), 0644,
                               Overwrite::kRefuse));
  }
  CORDON_TRY(SyncDirectory(partial));
  if (::rename(partial.c_str(), out.c_str()) != 0) {
    return Error(ErrorCode::kIo,
                 "cannot rename " + partial + " to " + out + ": " + std::strerror(errno));
  }
  remover.Dismiss();
  std::string parent = fs::path(out).parent_path().string();
  CORDON_TRY(SyncDirectory(parent.empty() ? "." : parent));
  result.stats = std::move(stats);
  return result;
}

}  // namespace cordon::pipeline
