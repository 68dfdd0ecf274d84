// `extract`: verify the order, build the package in DIR.partial, write the
// manifest, then publish DIR by renaming.
#include "pipeline/extract.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "core/encoding.h"
#include "core/file.h"
#include "core/utc_time.h"
#include "crypto/hash.h"
#include "detect/personal_data.h"
#include "pipeline/package_sink.h"
#include "pipeline/signed_plan.h"

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

// An order exactly as the controller signed it, well formed and current.
struct VerifiedOrder {
  Bytes bytes;                            // the signed bytes
  std::string signature_trusted_comment;  // minisign only
  OrderSigner signer;
  order::LoadedOrder loaded;  // without problems
};

// The minisign signature (--controller-key) over the exact bytes.
Status VerifyMinisign(const ExtractRequest& request, ByteView order_bytes, VerifiedOrder& out) {
  const std::string& order_path = request.order_path;
  std::string sig_path =
      request.signature_path.empty() ? order_path + ".minisig" : request.signature_path;
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
  out.signature_trusted_comment = sig->trusted_comment;
  out.signer.key = sign::KeyIdHex(request.controller_key.key_id);
  return Ok();
}

// The passkey's SSH signature (--controller-allowed-signers) over the exact
// bytes, for an order namespace, by a key the file lists.
Status VerifyPasskey(const ExtractRequest& request, ByteView order_bytes, VerifiedOrder& out) {
  const std::string& order_path = request.order_path;
  std::string sig_path =
      request.signature_path.empty() ? order_path + ".sig" : request.signature_path;
  auto sig_text = ReadFileLimited(sig_path, 64 * 1024);
  if (!sig_text.ok()) {
    return Refused(order_path + " has no passkey signature (" + sig_text.error().message() + ")",
                   "the controller's DPO signs the order with a passkey in `cordon serve`; "
                   "give the signature with --order-signature FILE");
  }
  auto parsed = ssh::ParseSshsig(AsChars(*sig_text));
  if (!parsed.ok()) return Refused(sig_path + ": " + parsed.error().message());
  const std::string& ns = parsed->ns;
  if (request.order_namespace.empty() ? !IsOrderNamespace(ns) : ns != request.order_namespace) {
    return Refused(
        sig_path + ": a signature for the namespace \"" + ns.substr(0, 128) +
            "\", not an order's (" +
            (request.order_namespace.empty()
                 ? std::string(kOrderNamespace) + " or " + std::string(kOrderNamespace) + "@DOMAIN"
                 : request.order_namespace) +
            ")",
        "a signature made for something else is never an approval of an order");
  }
  const std::optional<int64_t> now = ParseUtc(request.clock.now_rfc3339);
  if (!now) return Error(ErrorCode::kInternal, "the clock's time is not RFC 3339");
  auto verified = ssh::VerifyWithAllowedSigners(AsChars(*sig_text), order_bytes,
                                                *request.controller_signers, ns, *now);
  if (!verified.ok()) {
    return Refused(order_path + ": " + verified.error().message(), verified.error().hint());
  }
  out.signer = {.key = verified->fingerprint, .principals = verified->principals, .ns = ns};
  return Ok();
}

// Step 1: the signature over the exact bytes, then the order's form and its
// last day. Every failure is a refusal (the hint says who fixes it).
Result<VerifiedOrder> VerifyOrder(const ExtractRequest& request) {
  const std::string& order_path = request.order_path;
  VerifiedOrder out;
  CORDON_ASSIGN_OR_RETURN(out.bytes, ReadFileLimited(order_path, kMaxOrderBytes));
  CORDON_TRY(request.controller_signers ? VerifyPasskey(request, out.bytes, out)
                                        : VerifyMinisign(request, out.bytes, out));
  out.loaded = order::ParseOrder(AsChars(out.bytes), order_path);
  if (!out.loaded.problems.empty()) {
    Error e = order::ProblemsError(order_path, out.loaded.problems);
    return Refused(e.message(), e.hint());
  }
  const order::Order& ord = out.loaded.order;
  if (request.clock.today > ord.not_after) {
    return Refused("order " + ord.id + " expired on " + order::FormatIsoDate(ord.not_after),
                   "ask the controller for a new signed order");
  }
  return out;
}

// Step 1b: the plan the order names, when it names one: read and checked
// before anything is written.
Result<std::optional<SignedPlan>> ReadPlan(const ExtractRequest& request, const order::Order& ord) {
  if (ord.plan_sha256.empty()) {
    if (request.plan_path.empty()) return std::optional<SignedPlan>();
    return Error(ErrorCode::kInvalidArgument,
                 "--plan: order " + ord.id + " names no plan (no plan_sha256)",
                 "the plan is checked only when the signed order names it by its SHA-256");
  }
  if (request.plan_path.empty()) {
    return Refused("order " + ord.id + " names the plan the controller approved (plan_sha256 " +
                       ord.plan_sha256 + "): the plan file is needed",
                   "give the plan file with --plan FILE");
  }
  auto bytes = ReadFileLimited(request.plan_path, kMaxPlanBytes);
  if (!bytes.ok()) return Refused("--plan: " + bytes.error().message());
  CORDON_ASSIGN_OR_RETURN(SignedPlan plan, ReadSignedPlan(*bytes, ord));
  return std::optional<SignedPlan>(std::move(plan));
}

// DIR.partial while the package is built: its files are removed if a signal
// ends the process, the whole tree if the build fails; Publish renames it
// to DIR. Not thread-safe.
class PartialPackage {
 public:
  // kAlreadyExists when DIR, or a DIR.partial left by an interrupted run, exists.
  static Result<std::unique_ptr<PartialPackage>> Create(std::string out) {
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
    return std::unique_ptr<PartialPackage>(new PartialPackage(std::move(out), partial));
  }
  PartialPackage(const PartialPackage&) = delete;
  PartialPackage& operator=(const PartialPackage&) = delete;

  std::string PathOf(const std::string& name) const { return partial_ + "/" + name; }
  // Removes `name` too if a signal ends the process before Publish.
  void Guard(const std::string& name) { guards_.emplace_back(PathOf(name)); }

  Status Publish() {
    CORDON_TRY(SyncDirectory(partial_));
    if (::rename(partial_.c_str(), out_.c_str()) != 0) {
      return Error(ErrorCode::kIo,
                   "cannot rename " + partial_ + " to " + out_ + ": " + std::strerror(errno));
    }
    remover_.Dismiss();
    std::string parent = std::filesystem::path(out_).parent_path().string();
    return SyncDirectory(parent.empty() ? "." : parent);
  }

 private:
  PartialPackage(std::string out, std::string partial)
      : out_(std::move(out)),
        partial_(std::move(partial)),
        dir_guard_(partial_, /*directory=*/true),
        remover_(partial_) {}

  std::string out_, partial_;
  CleanupGuard dir_guard_;
  RemoveTreeUnlessDismissed remover_;
  std::vector<CleanupGuard> guards_;
};

// Passes a table's rows on to the package, digesting each for the
// provenance file on the way. Not thread-safe, as every sink.
class ProvenanceSink final : public RowSink {
 public:
  ProvenanceSink(std::unique_ptr<RowSink> inner, ProvenanceBuilder builder,
                 std::vector<ProvenanceTable>& done)
      : inner_(std::move(inner)), builder_(std::move(builder)), done_(done) {}
  Status Begin(const std::vector<std::string>& columns) override { return inner_->Begin(columns); }
  Status Row(const std::vector<std::string_view>& values) override {
    builder_.Row(values);
    return inner_->Row(values);
  }
  Status End() override {
    CORDON_TRY(inner_->End());
    done_.push_back(builder_.Finish());
    return Ok();
  }

 private:
  std::unique_ptr<RowSink> inner_;
  ProvenanceBuilder builder_;
  std::vector<ProvenanceTable>& done_;
};

// The columns whose values are digested one by one: those that identify
// the row (by their fate or their name, as "redact" tells them:
// pseudonyms, NIRs, names, phones...), the table's subject, and the join
// keys (its follow column, and the columns other tables follow it by: a
// patient number is the person's identifier within the source).
std::vector<bool> IdentifyingColumns(const order::Order& ord, const BoundTable& t) {
  std::vector<bool> out;
  for (size_t k = 0; k < t.kept.size(); ++k) {
    const std::string& column = t.header[t.kept[k]];
    bool identifying = !pseudo::IdentifierPlaceholder(column, t.kept_fates[k]).empty() ||
                       (t.spec->subject && *t.spec->subject == column) ||
                       (t.spec->follow && t.spec->follow->column == column);
    for (const order::TableOrder& other : ord.tables) {
      identifying = identifying || (other.follow && other.follow->parent_table == t.spec->name &&
                                    other.follow->parent_column == column);
    }
    out.push_back(identifying);
  }
  return out;
}

// Step 2: every table run through its transforms and sealed to the order's
// recipients, in the order's order; with a trace key, each table's
// provenance digests in `provenance`.
Result<std::vector<PackagedTable>> BuildPackage(const order::Order& ord, const Binding& binding,
                                                const ExtractRequest& request,
                                                const source::TableSource& source,
                                                const ProgressFn& progress, PartialPackage& dir,
                                                std::vector<ProvenanceTable>& provenance,
                                                const std::optional<SignedPlan>& plan) {
  std::vector<std::unique_ptr<age::Recipient>> recipients;
  for (const std::string& r : ord.recipients) {
    // The order's recipients were checked when it was parsed.
    recipients.push_back(age::MakeX25519Recipient(age::X25519Recipient::Parse(r).value()));
  }
  std::vector<SealedFile> files;
  SinkFactory sinks = [&](const BoundTable& t) -> Result<std::unique_ptr<RowSink>> {
    auto sealed =
        std::make_unique<PackageSink>(dir.PathOf(t.spec->name + ".csv.age"), recipients, files);
    if (request.trace_key == nullptr) return std::unique_ptr<RowSink>(std::move(sealed));
    return std::unique_ptr<RowSink>(std::make_unique<ProvenanceSink>(
        std::move(sealed),
        ProvenanceBuilder(*request.trace_key, t.spec->name, IdentifyingColumns(ord, t)),
        provenance));
  };
  TransformOptions transforms{request.pseudonym_key, ord.pseudonym_domain, ord.not_after};
  transforms.threads = request.threads;
  transforms.recipients = pseudo::ScopeRecipients(ord);
  transforms.is_real = request.avoid_real;
  CORDON_ASSIGN_OR_RETURN(std::vector<TableStats> stats,
                          Run(binding, source, sinks, progress, transforms));
  // The counts are known once the rows have streamed: a run that is not
  // the signed plan fails here, and the caller's DIR.partial goes with it.
  if (plan) CORDON_TRY(CheckPlanCounts(*plan, stats, ord.plan_tolerance));
  std::vector<PackagedTable> tables;
  for (size_t i = 0; i < stats.size(); ++i) {
    tables.push_back({binding.tables[i].spec->name + ".csv.age", std::move(stats[i]), files[i].size,
                      std::move(files[i].sha256)});
  }
  return tables;
}

// Step 3: manifest.json and, with the processor's key, its signature.
Status WriteManifest(const std::string& manifest, const ExtractRequest& request,
                     const order::Order& ord, PartialPackage& dir) {
  dir.Guard("manifest.json");
  CORDON_TRY(
      WriteFileAtomic(dir.PathOf("manifest.json"), AsBytes(manifest), 0644, Overwrite::kRefuse));
  const sign::SecretKey* key = request.manifest_signer.key();
  if (key == nullptr) return Ok();
  dir.Guard("manifest.json.minisig");
  MemorySource manifest_source(AsBytes(manifest));
  CORDON_ASSIGN_OR_RETURN(
      sign::Signature msig,
      sign::Sign(*key, manifest_source,
                 "cordon manifest of order " + ord.id + " created " + request.clock.now_rfc3339));
  return WriteFileAtomic(dir.PathOf("manifest.json.minisig"), AsBytes(msig.Format()), 0644,
                         Overwrite::kRefuse);
}

// Step 4 (with a trace key): the provenance file, beside the package.
Result<std::string> WriteProvenance(const ExtractRequest& request, const ExtractResult& result,
                                    std::vector<ProvenanceTable> tables) {
  Provenance p{.package_sha256 = result.manifest_sha256,
               .order_id = result.order_id,
               .key_id = request.trace_key->id(),
               .created = request.clock.now_rfc3339,
               .delete_by = result.provenance_delete_by,
               .tables = std::move(tables)};
  Bytes bytes = p.Serialize();
  // Keyed pseudonymous data: readable by the processor's account only.
  CORDON_TRY(WriteFileAtomic(result.provenance_path, bytes, 0600, Overwrite::kRefuse));
  return Sha256Hex(bytes);
}

// What the manifest says of a passkey signature: the principal by name
// unless the name looks like personal data (an e-mail address: a package
// and the ledger never carry one), then by its SHA-256, which the allowed
// signers file resolves.
std::optional<PasskeyOrderSignature> PasskeyFacts(const OrderSigner& signer) {
  if (!signer.passkey()) return std::nullopt;
  PasskeyOrderSignature facts{.key = signer.key};
  std::string principals;
  for (const std::string& p : signer.principals) principals += (principals.empty() ? "" : ",") + p;
  if (detect::LooksLikePersonalData(principals)) {
    facts.principal_sha256 = Sha256Hex(AsBytes(principals));
  } else {
    facts.principal = principals;
  }
  return facts;
}

}  // namespace

bool IsOrderNamespace(std::string_view ns) {
  if (ns == kOrderNamespace) return true;
  return ns.size() > kOrderNamespace.size() + 1 && ns.rfind(kOrderNamespace, 0) == 0 &&
         ns[kOrderNamespace.size()] == '@' &&
         ns.find_first_of("@\"", kOrderNamespace.size() + 1) == std::string_view::npos;
}

Result<ManifestSigner> ManifestSigner::Choose(const std::optional<sign::SecretKey>& key,
                                              bool allow_unsigned) {
  if (key) return Processor(*key);
  if (allow_unsigned) return NobodyOnPurpose();
  return Refused("no key to sign the manifest with",
                 "pass --signing-key (the processor's key), or --unsigned-manifest if the "
                 "recipient knows the package will not be signed");
}

Clock Clock::System() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return Clock{order::DaysFromCivil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday),
               FormatUtc(static_cast<int64_t>(t))};
}

uint64_t AgeCiphertextSize(uint64_t plaintext, size_t recipients) {
  // Header: version line, per X25519 recipient a 2-line stanza, the MAC line.
  uint64_t header = 22 + recipients * (53 + 44) + 48;
  uint64_t chunks = plaintext == 0 ? 1 : (plaintext + 65535) / 65536;
  return header + 16 + plaintext + chunks * 16;
}

Result<ExtractResult> Extract(const ExtractRequest& request, const source::TableSource& source,
                              const ProgressFn& progress) {
  CORDON_ASSIGN_OR_RETURN(VerifiedOrder verified, VerifyOrder(request));
  const order::Order& ord = verified.loaded.order;
  Binding binding = Bind(ord, source);  // points into `verified`, which outlives it
  if (!binding.problems.empty()) {
    Error e = order::ProblemsError(request.order_path, binding.problems);
    return Refused("the order does not fit the source: " + e.message(), e.hint());
  }
  CORDON_TRY(CheckPseudonymKey(ord, request.pseudonym_key));
  CORDON_ASSIGN_OR_RETURN(std::optional<SignedPlan> plan, ReadPlan(request, ord));

  ExtractResult result;
  if (request.trace_key != nullptr) {
    result.provenance_path = ProvenancePath(request.out_dir);
    if (PathExists(result.provenance_path)) {
      return Error(
          ErrorCode::kAlreadyExists,
          result.provenance_path + " already exists; cordon does not overwrite a provenance file",
          "choose another --out (the provenance file is named after the package)");
    }
  }
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<PartialPackage> dir,
                          PartialPackage::Create(request.out_dir));
  std::vector<ProvenanceTable> provenance;
  CORDON_ASSIGN_OR_RETURN(
      result.tables, BuildPackage(ord, binding, request, source, progress, *dir, provenance, plan));
  result.order_id = ord.id;
  result.recipients = ord.recipients;
  result.delete_by = order::FormatIsoDate(request.clock.today + ord.retention_days);
  result.manifest_signed = request.manifest_signer.key() != nullptr;
  result.signer = verified.signer;
  result.passkey_signature = PasskeyFacts(verified.signer);
  if (plan) result.plan_sha256 = plan->sha256;
  for (const PackagedTable& t : result.tables) result.package_bytes += t.ciphertext_size;
  result.manifest = FormatManifest({
      .order = ord,
      .order_file = std::filesystem::path(request.order_path).filename().string(),
      .order_sha256 = Sha256Hex(verified.bytes),
      .controller_key_id = verified.signer.passkey() ? "" : verified.signer.key,
      .signature_trusted_comment = verified.signature_trusted_comment,
      .created_at = request.clock.now_rfc3339,
      .delete_by = result.delete_by,
      .manifest_signed = result.manifest_signed,
      .binding = binding,
      .tables = result.tables,
      .avoid_real = request.avoid_real_facts,
      .passkey = result.passkey_signature,
  });
  result.manifest_sha256 = Sha256Hex(AsBytes(result.manifest));
  CORDON_TRY(WriteManifest(result.manifest, request, ord, *dir));
  if (request.trace_key == nullptr) {
    CORDON_TRY(dir->Publish());
    return result;
  }
  // The digests are on disk before the package is: a published package
  // always has its provenance.
  result.provenance_delete_by =
      order::FormatIsoDate(request.clock.today + ord.provenance_retention_days);
  CORDON_ASSIGN_OR_RETURN(result.provenance_sha256,
                          WriteProvenance(request, result, std::move(provenance)));
  if (Status published = dir->Publish(); !published.ok()) {
    (void)std::remove(result.provenance_path.c_str());
    return published.error();
  }
  return result;
}

}  // namespace cordon::pipeline
