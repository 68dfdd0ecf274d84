// `cordon plan`, `cordon extract` and `cordon open`: the order's dry run,
// the sealed extraction, and the recipient's checked opening.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "age/keys.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/key_files.h"
#include "cli/ledger_io.h"
#include "cli/order_io.h"
#include "core/encoding.h"
#include "crypto/hash.h"
#include "pipeline/extract.h"
#include "pipeline/plan_json.h"
#include "source/postgres_target.h"
#include "source/source_spec.h"
#include "source/sqlite_target.h"
#include "ssh/allowed_signers.h"

namespace cordon::cli {
namespace {

std::string Size(uint64_t bytes) {
  char buf[32];
  if (bytes < 10 * 1024)
    (void)std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else if (bytes < 10 * 1048576)
    (void)std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
  else
    (void)std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / 1048576.0);
  return buf;
}

pipeline::ProgressFn TerminalProgress() {
  if (!::isatty(STDERR_FILENO)) return {};
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  return [last](const std::string& table, uint64_t done, uint64_t total) {
    auto now = std::chrono::steady_clock::now();
    if (done < total && now - *last < std::chrono::milliseconds(300)) return;
    *last = now;
    int pct = total
                  ? static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total))
                  : 100;
    (void)std::fprintf(stderr, "\rcordon: %s %3d%%  %s / %s   ", table.c_str(), pct,
                       Size(done).c_str(), Size(total).c_str());
    if (done >= total) (void)std::fprintf(stderr, "\r\033[K");
  };
}

// One table of the plan, as text.
void PrintPlanTable(const pipeline::PlanTable& pt) {
  const auto& t = *pt.table;
  std::cout << "\ntable " << t.spec->name << " ← " << t.source->name << " (" << t.dialect << ")\n";
  if (!t.statement.empty()) std::cout << "  query    " << t.statement << "\n";
  std::cout << "  rows     " << Thousands(pt.stats.rows_read) << " read, "
            << Thousands(pt.stats.rows_selected) << " selected, "
            << Thousands(pt.stats.rows_excluded_where) << " excluded by where";
  if (t.spec->follow)
    std::cout << ", " << Thousands(pt.stats.rows_excluded_follow) << " excluded by follow";
  std::cout << "\n";
  if (!t.quasi_identifiers.empty()) {
    // The re-identification risk: the smallest group of rows that share
    // their quasi-identifiers, as they would leave.
    std::string qi;
    for (size_t k : t.quasi_identifiers) qi += (qi.empty() ? "" : ", ") + t.header[t.kept[k]];
    std::cout << "  k        " << Thousands(pt.stats.k_smallest) << " (smallest group on " << qi
              << "; " << Thousands(pt.stats.classes) << " groups)";
    if (t.spec->min_k > 0) {
      std::cout << "; " << Thousands(pt.stats.rows_below_k) << " rows in groups below min_k "
                << t.spec->min_k
                << (pt.stats.rows_below_k == 0 ? ""
                    : t.spec->suppress_below_k ? " (extract leaves them out)"
                                               : " (extract refuses)");
    }
    std::cout << "\n";
  }
  std::string kept, excluded;
  for (const auto& c : t.columns) {
    std::string& list = c.excluded() ? excluded : kept;
    // Columns that leave transformed say how: NIR (pseudonym:nir).
    std::string how = c.excluded() || c.fate->kind == order::FateKind::kKeep ? ""
                      : c.fate->kind == order::FateKind::kKeepFreeText       ? " [FREE TEXT]"
                                                                       : " (" + c.fate->text + ")";
    list += (list.empty() ? "" : ", ") + c.column + how;
  }
  std::cout << "  kept     " << kept << "\n  excluded " << (excluded.empty() ? "-" : excluded)
            << "\n";
  std::cout << "  output   " << Size(pt.csv_bytes) << " of CSV, " << Size(pt.package_bytes)
            << " sealed\n";
  std::cout << "  sample (source values masked):\n";
  for (const auto& row : pt.samples) {
    std::string line;
    for (const auto& v : row) line += (line.empty() ? "" : " | ") + v;
    std::cout << "    " << line << "\n";
  }
}

// The plan as text: the order, then each table.
void PrintPlan(const order::Order& ord, const pipeline::PlanResult& plan) {
  std::cout << "order " << ord.id << ": " << ord.purpose << "\n  " << ord.controller << " → "
            << ord.processor << ", valid until " << order::FormatIsoDate(ord.not_after) << ", "
            << ord.recipients.size() << " recipient(s), retention " << ord.retention_days
            << " days\n";
  if (ord.pseudonym_scope == order::PseudonymScope::kRecipients) {
    std::cout << "  pseudonyms per set of recipients (pseudonym_scope = \"recipients\"): other "
                 "recipients get other pseudonyms\n";
  }
  uint64_t total = 0;
  for (const auto& pt : plan.tables) {
    PrintPlanTable(pt);
    total += pt.package_bytes;
  }
  std::cout << "\nnothing was written; extract would write " << Size(total) << "\n";
}

struct PlanArgs {
  LedgerArgs ledger;
  std::string order;
  SourceArgs source;
  std::string pseudonym_key;
  bool json = false;
};

Status RunPlan(const PlanArgs& a, nlohmann::json& event) {
  event["order"] = OrderJson(a.order);
  CORDON_ASSIGN_OR_RETURN(order::Order ord, LoadOrderFile(a.order));
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<source::TableSource> src, OpenSource(a.source));
  std::optional<pseudo::PseudonymKey> key;
  if (!a.pseudonym_key.empty()) {
    CORDON_ASSIGN_OR_RETURN(pseudo::PseudonymKey k, LoadPseudonymKey(a.pseudonym_key));
    key.emplace(std::move(k));
  }
  auto plan =
      pipeline::Plan(ord, *src, ord.recipients.size(), TerminalProgress(), key ? &*key : nullptr);
  if (!plan.ok()) return Error(ErrorCode::kRefused, plan.error().message(), plan.error().hint());
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& pt : plan->tables) {
    tables.push_back({{"name", pt.table->spec->name},
                      {"rows_read", pt.stats.rows_read},
                      {"rows_selected", pt.stats.rows_selected}});
  }
  event["tables"] = tables;
  if (key) event["pseudonym_key_id"] = key->id();
  if (a.json) {
    std::cout << pipeline::FormatPlanJson(ord, *plan);
    return Ok();
  }
  PrintPlan(ord, *plan);
  return Ok();
}

struct ExtractArgs {
  LedgerArgs ledger;
  std::string order;
  std::string signature;
  SourceArgs source;
  std::string controller_key;
  std::string controller_allowed_signers;
  std::string order_namespace;
  std::string plan;
  std::string signing_key;
  std::string pseudonym_key;
  std::string trace_key;
  std::vector<std::string> avoid_real;  // watchlists
  std::string watch_key;
  std::string out;
  size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  bool unsigned_manifest = false;
  bool json = false;
};

// What left, for the ledger: counts and hashes, never a value.
void RecordPackage(const pipeline::ExtractResult& r, nlohmann::json& event) {
  nlohmann::json tables = nlohmann::json::array(), files = nlohmann::json::array();
  for (const pipeline::PackagedTable& t : r.tables) {
    tables.push_back(
        {{"name", t.stats.name},
         {"rows_read", t.stats.rows_read},
         {"rows_written", t.stats.rows_selected},
         {"rows_excluded", t.stats.rows_excluded_where + t.stats.rows_excluded_follow}});
    files.push_back({{"name", t.file}, {"sha256", t.ciphertext_sha256}});
  }
  event["tables"] = tables;
  event["recipients"] = r.recipients;
  // Who approved the order with a passkey, as the manifest says it.
  if (r.passkey_signature) {
    const pipeline::PasskeyOrderSignature& p = *r.passkey_signature;
    event["order_signature"] = {{"type", pipeline::kPasskeySignatureType}, {"key", p.key}};
    if (!p.principal.empty()) event["order_signature"]["principal"] = p.principal;
    if (!p.principal_sha256.empty())
      event["order_signature"]["principal_sha256"] = p.principal_sha256;
    event["key_ids"]["controller"] = p.key;
  }
  if (!r.plan_sha256.empty()) event["plan"] = {{"sha256", r.plan_sha256}, {"counts", "matched"}};
  event["package"] = {{"bytes", r.package_bytes},
                      {"manifest_sha256", r.manifest_sha256},
                      {"files", files},
                      {"delete_by", r.delete_by}};
  // The provenance digests committed before any leak (docs/trace.md): the
  // file's hash and retention, never its path (it may name a person).
  if (!r.provenance_sha256.empty()) {
    event["package"]["provenance_sha256"] = r.provenance_sha256;
    event["package"]["provenance_delete_by"] = r.provenance_delete_by;
    // What `cordon trace` reports of the package once the package itself
    // is gone: the parties, and whether its pseudonyms name the recipients.
    auto manifest = nlohmann::json::parse(r.manifest, nullptr, false);
    if (manifest.is_object() && manifest.contains("order") && manifest["order"].is_object()) {
      for (const char* party : {"controller", "processor"}) {
        if (manifest["order"].contains(party) && manifest["order"][party].is_string())
          event["order"][party] = manifest["order"][party];
      }
      if (manifest.contains("pseudonyms") && manifest["pseudonyms"].is_object() &&
          manifest["pseudonyms"].value("scope", "") == "recipients")
        event["order"]["pseudonym_scope"] = "recipients";
    }
  }
}

// The summary of an extraction: rows per table, then the package.
void PrintExtract(const pipeline::ExtractResult& r, const std::string& out, double secs) {
  for (const pipeline::PackagedTable& t : r.tables) {
    const pipeline::TableStats& s = t.stats;
    std::cout << s.name << ": " << Thousands(s.rows_selected) << " rows written, "
              << Thousands(s.rows_excluded_where + s.rows_excluded_follow) << " excluded (of "
              << Thousands(s.rows_read) << ")"
              << (s.rows_suppressed_k
                      ? ", " + Thousands(s.rows_suppressed_k) + " left out for k-anonymity"
                      : "")
              << "\n";
  }
  char secs_text[32];
  (void)std::snprintf(secs_text, sizeof secs_text, "%.1f", secs);
  std::cout << "package " << out << ": " << Size(r.package_bytes) << " sealed, manifest.json"
            << (r.manifest_signed ? " (signed)" : " (NOT signed: --unsigned-manifest)") << ", in "
            << secs_text << " s\n";
  if (!r.provenance_path.empty()) {
    std::cout << "provenance " << r.provenance_path << " (beside the package, not in it; keep it "
              << "until " << r.provenance_delete_by << ")\n";
  }
}

// The watchlist as the transforms ask it (thread-safe: WatchChecker is).
class WatchedIdentifiers : public pseudo::RealIdentifiers {
 public:
  explicit WatchedIdentifiers(const scan::WatchChecker& checker) : checker_(checker) {}
  bool IsReal(detect::Kind kind, std::string_view value) const override {
    return checker_.IsReal(kind, value);
  }

 private:
  const scan::WatchChecker& checker_;
};

Status RunExtract(const ExtractArgs& a, nlohmann::json& event) {
  event["order"] = OrderJson(a.order);
  auto start = std::chrono::steady_clock::now();
  // The controller's signature: minisign (--controller-key) or a passkey's
  // SSH signature (--controller-allowed-signers); the callback checked that
  // exactly one is given.
  sign::PublicKey pub{};
  std::optional<std::vector<ssh::AllowedSigner>> signers;
  if (!a.controller_key.empty()) {
    CORDON_ASSIGN_OR_RETURN(pub, LoadPublicKey(a.controller_key));
  } else {
    CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(a.controller_allowed_signers, 16 << 20));
    auto parsed = ssh::ParseAllowedSigners(AsChars(text));
    if (!parsed.ok()) return parsed.error().WithContext(a.controller_allowed_signers);
    signers.emplace(std::move(*parsed));
    // The file by its hash: a refusal still says which list was used.
    event["controller_allowed_signers"] = {{"sha256", HexEncode(crypto::Sha256::Hash(text))},
                                           {"lines", signers->size()}};
  }
  std::optional<sign::SecretKey> processor;
  if (!a.signing_key.empty()) {
    CORDON_ASSIGN_OR_RETURN(sign::SecretKey key, LoadSigningKey(a.signing_key));
    processor.emplace(std::move(key));
  }
  std::optional<pseudo::PseudonymKey> pseudonym_key;
  if (!a.pseudonym_key.empty()) {
    CORDON_ASSIGN_OR_RETURN(pseudo::PseudonymKey key, LoadPseudonymKey(a.pseudonym_key));
    pseudonym_key.emplace(std::move(key));
  }
  std::optional<pipeline::TraceKey> trace_key;
  if (!a.trace_key.empty()) {
    CORDON_ASSIGN_OR_RETURN(pipeline::TraceKey key, LoadTraceKey(a.trace_key));
    trace_key.emplace(std::move(key));
  }
  // --avoid-real: the production watchlist, so that no pseudonym is a real
  // identifier (docs/watchlist.md). Counts and the key id only, never a value.
  std::optional<scan::WatchChecker> avoid_real;
  std::optional<WatchedIdentifiers> watched;
  if (!a.avoid_real.empty()) {
    if (a.watch_key.empty()) {
      return Error(ErrorCode::kInvalidArgument, "--avoid-real needs --watch-key",
                   "give the watch key the watchlist was built with");
    }
    CORDON_ASSIGN_OR_RETURN(scan::WatchChecker checker,
                            LoadWatchChecker(a.avoid_real, a.watch_key));
    avoid_real.emplace(std::move(checker));
    watched.emplace(*avoid_real);
  }
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<source::TableSource> src, OpenSource(a.source));
  // A passkey's key is known once its signature is verified (RecordPackage).
  event["key_ids"] = signers ? nlohmann::json::object()
                             : nlohmann::json{{"controller", sign::KeyIdHex(pub.key_id)}};
  if (avoid_real) {
    event["avoid_real"] = {{"watch_key_id", avoid_real->list().key_id()},
                           {"digests", avoid_real->list().size()}};
  }
  if (processor) {
    event["key_ids"]["processor"] = sign::KeyIdHex(processor->key_id());
    SetActorPerson(event, *processor);
  }
  event["manifest_signed"] = processor.has_value();
  if (pseudonym_key) event["key_ids"]["pseudonym"] = pseudonym_key->id();
  if (trace_key) event["key_ids"]["trace"] = trace_key->id();
  CORDON_ASSIGN_OR_RETURN(pipeline::ManifestSigner signer,
                          pipeline::ManifestSigner::Choose(processor, a.unsigned_manifest));
  pipeline::ExtractRequest req{.order_path = a.order,
                               .signature_path = a.signature,
                               .controller_key = pub,
                               .manifest_signer = signer,
                               .pseudonym_key = pseudonym_key ? &*pseudonym_key : nullptr,
                               .threads = a.threads,
                               .out_dir = a.out,
                               .clock = pipeline::Clock::System(),
                               .trace_key = trace_key ? &*trace_key : nullptr};
  req.controller_signers = signers ? &*signers : nullptr;
  req.order_namespace = a.order_namespace;
  req.plan_path = a.plan;
  if (avoid_real) {
    req.avoid_real = &*watched;
    req.avoid_real_facts = {avoid_real->list().key_id(), avoid_real->list().size()};
  }
  CORDON_ASSIGN_OR_RETURN(pipeline::ExtractResult r,
                          pipeline::Extract(req, *src, TerminalProgress()));
  RecordPackage(r, event);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (a.json) {
    std::cout << r.manifest;
    return Ok();
  }
  PrintExtract(r, a.out, secs);
  return Ok();
}

struct OpenArgs {
  LedgerArgs ledger;
  std::string package;
  std::vector<std::string> identities;
  std::string processor_key;
  bool skip_manifest_signature = false;
  std::string signing_key;  // names the person opening (the ledger's actor)
  std::string out;
  std::string into;  // sqlite:PATH or postgresql://…
  bool create_tables = false;
  bool allow_expired = false;
};

// The database `--into` names, opened once the package is checked. The
// ledger's `into.database` becomes the name of the database connected to
// (a PostgreSQL URL may name none: libpq's default applies).
Result<std::unique_ptr<source::TableTarget>> OpenTarget(const source::SourceSpec& spec,
                                                        const OpenArgs& a, nlohmann::json& event) {
  switch (spec.kind) {
    case source::SourceSpec::Kind::kSqlite: {
      CORDON_ASSIGN_OR_RETURN(
          std::unique_ptr<source::SqliteTarget> t,
          source::SqliteTarget::Open(spec.location, {.create_tables = a.create_tables}));
      return std::unique_ptr<source::TableTarget>(std::move(t));
    }
    case source::SourceSpec::Kind::kPostgresql: {
      CORDON_ASSIGN_OR_RETURN(
          std::unique_ptr<source::PostgresTarget> t,
          source::PostgresTarget::Open(spec.location, {.create_tables = a.create_tables}));
      event["into"]["database"] = t->database();
      return std::unique_ptr<source::TableTarget>(std::move(t));
    }
    case source::SourceSpec::Kind::kCsv:
      break;
  }
  return Error(ErrorCode::kInvalidArgument,
               "--into takes a database: sqlite:PATH or postgresql://HOST/DATABASE",
               "to decrypt into files, use --out DIR");
}

Status RunOpen(const OpenArgs& a, nlohmann::json& event) {
  if (!a.signing_key.empty()) {
    CORDON_ASSIGN_OR_RETURN(sign::SecretKey key, LoadSigningKey(a.signing_key));
    SetActorPerson(event, key);
  }
  CORDON_ASSIGN_OR_RETURN(auto ids, LoadIdentities(a.identities));
  std::optional<sign::PublicKey> processor_key;
  if (!a.processor_key.empty()) {
    CORDON_ASSIGN_OR_RETURN(processor_key, LoadPublicKey(a.processor_key));
  }
  const pipeline::OpenRequest req{.package_dir = a.package,
                                  .identities = ids,
                                  .processor_key = processor_key,
                                  .skip_manifest_signature = a.skip_manifest_signature,
                                  .out_dir = a.out,
                                  .allow_expired = a.allow_expired,
                                  .clock = pipeline::Clock::System()};
  event["manifest_signature"] = processor_key ? "verified" : "skipped";
  // Name the package and its order before opening: a refusal is recorded too.
  if (auto text = ReadFileLimited(a.package + "/manifest.json", 1 << 20); text.ok()) {
    event["package"] = {{"manifest_sha256", HexEncode(crypto::Sha256::Hash(*text))}};
    auto m = nlohmann::json::parse(AsChars(*text), nullptr, false);
    if (m.is_object() && m.contains("order") && m["order"].is_object() &&
        m["order"].contains("id") && m["order"]["id"].is_string()) {
      event["order"] = {{"id", m["order"]["id"]}};
    }
  }
  if (a.out.empty() == a.into.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "open needs --out DIR or --into DATABASE (sqlite:PATH, postgresql://…): one");
  }
  std::optional<source::SourceSpec> into;
  if (!a.into.empty()) {
    CORDON_ASSIGN_OR_RETURN(into, source::ParseSourceSpec(a.into));
    // The ledger names the database by its file name or database name
    // only: never a directory path (it may name a person) nor, for
    // servers, a host, a user or credentials.
    const char* kind = into->kind == source::SourceSpec::Kind::kSqlite       ? "sqlite"
                       : into->kind == source::SourceSpec::Kind::kPostgresql ? "postgresql"
                                                                             : "other";
    event["into"] = {{"kind", kind}, {"database", source::SpecDisplayName(*into)}};
  }
  CORDON_ASSIGN_OR_RETURN(
      pipeline::OpenResult r,
      into ? pipeline::OpenPackageInto(req, [&] { return OpenTarget(*into, a, event); })
           : pipeline::OpenPackage(req));
  event["order"] = {{"id", r.order_id}};
  if (into) {
    nlohmann::json tables = nlohmann::json::array();
    for (const auto& [name, rows] : r.rows) tables.push_back({{"name", name}, {"rows", rows}});
    event["tables"] = tables;
  } else {
    event["files"] = r.files.size();
  }
  if (req.processor_key)
    event["key_ids"] = {{"processor", sign::KeyIdHex(req.processor_key->key_id)}};
  for (const auto& [name, bytes] : r.files)
    std::cout << a.out << "/" << name << ": " << Size(bytes) << "\n";
  // A PostgreSQL URL is shown without its user and parameters.
  std::string into_shown = a.into;
  if (into && into->kind == source::SourceSpec::Kind::kPostgresql) {
    if (auto url = source::ParsePgUrl(a.into); url.ok()) into_shown = url->display;
  }
  for (const auto& [name, rows] : r.rows)
    std::cout << into_shown << " table " << name << ": " << Thousands(rows) << " rows loaded\n";
  std::cout << "opened package of order " << r.order_id
            << (req.processor_key ? " (manifest signature verified)"
                                  : " (manifest signature NOT checked: --skip-manifest-signature)")
            << "\n";
  return Ok();
}

void RegisterPlan(CLI::App& app, int* exit_code) {
  auto p = std::make_shared<PlanArgs>();
  CLI::App* plan = app.add_subcommand(
      "plan",
      "Dry run of an extraction: rows selected and excluded, columns kept and excluded,\n"
      "output size and masked samples (and, from a database, the statement it would run).\n"
      "Writes nothing; needs no signature.\n"
      "  cordon plan --order order.toml --source export/\n"
      "  cordon plan --order order.toml --source sqlite:lis.db\n"
      "  cordon plan --order order.toml --source postgresql://db.lab.local/lis");
  plan->add_option("--order", p->order, "the order (TOML)")->required();
  plan->add_option("--pseudonym-key", p->pseudonym_key,
                   "show samples of pseudonymized columns as they would leave");
  AddSourceOptions(plan, p->source);
  plan->add_flag("--json", p->json, "stable machine-readable plan (docs/order-format.md)");
  AddLedgerOption(plan, p->ledger);
  plan->callback([p, exit_code] {
    *exit_code =
        Finish(Recorded(p->ledger, "plan", [&](nlohmann::json& ev) { return RunPlan(*p, ev); }));
  });
}

void RegisterExtract(CLI::App& app, int* exit_code) {
  auto e = std::make_shared<ExtractArgs>();
  CLI::App* extract = app.add_subcommand(
      "extract",
      "Extract exactly what a signed order names, sealed with age to its recipients:\n"
      "DIR/<table>.csv.age, DIR/manifest.json and its signature (--signing-key). Refuses\n"
      "(exit 3, nothing written) an unsigned, altered, expired or ill-fitting order, and\n"
      "runs without --signing-key only with --unsigned-manifest. An order approved with a\n"
      "passkey (an SSH signature, ORDER.sig) is checked against the controller's allowed\n"
      "signers with the user verification flag required; an order that names its plan\n"
      "(plan_sha256) needs that plan (--plan), and the run must give its counts.\n"
      "  cordon extract --order order.toml --source export/ --controller-key lab.pub \\\n"
      "      --signing-key vendor.key --out pkg\n"
      "  cordon extract --order order.toml --plan plan.json --source export/ \\\n"
      "      --controller-allowed-signers allowed_signers --signing-key vendor.key --out pkg");
  extract->add_option("--order", e->order, "the order (TOML), signed by the controller")
      ->required();
  extract->add_option("--signature,--order-signature", e->signature,
                      "the order's signature (default: ORDER.minisig, or ORDER.sig with "
                      "--controller-allowed-signers)");
  AddSourceOptions(extract, e->source);
  auto* minisign_key = extract->add_option("--controller-key", e->controller_key,
                                           "the controller's minisign public key (.pub)");
  extract
      ->add_option("--controller-allowed-signers", e->controller_allowed_signers,
                   "instead of --controller-key: the controller's OpenSSH allowed_signers file; "
                   "the order's signature is a passkey's (webauthn-sk-ecdsa SSH signature, "
                   "checked as `ssh-keygen -Y verify` does, and with the user verification flag "
                   "required); the ledger and the manifest name the signer (docs/order-format.md)")
      ->excludes(minisign_key);
  extract->add_option("--order-namespace", e->order_namespace,
                      "with --controller-allowed-signers: the namespace the signature must be "
                      "for (default: cordon-order or cordon-order@DOMAIN)");
  extract->add_option("--plan", e->plan,
                      "the plan the order names by its plan_sha256 (`cordon plan --json` "
                      "output, byte for byte): the run refuses, writing nothing, if the source "
                      "no longer gives its counts (within the order's plan_tolerance)");
  extract->add_option("--signing-key", e->signing_key,
                      "the processor's secret key: signs manifest.json (required unless "
                      "--unsigned-manifest)");
  extract
      ->add_flag("--unsigned-manifest", e->unsigned_manifest,
                 "write the package without signing its manifest (it says "
                 "\"manifest_signed\": false); the recipient cannot tell it from a forgery")
      ->excludes("--signing-key");
  extract->add_option("--pseudonym-key", e->pseudonym_key,
                      "the controller's pseudonym key, for orders that pseudonymize (its id "
                      "must be the order's pseudonym_key_id)");
  extract->add_option("--trace-key", e->trace_key,
                      "the controller's trace key (cordon trace keygen): also write keyed "
                      "digests of every row and identifying value to OUT.provenance, beside the "
                      "package, and record its SHA-256 in the ledger (docs/trace.md)");
  extract->add_option("--avoid-real", e->avoid_real,
                      "the production watchlist (cordon watchlist build, from the same "
                      "snapshot): no NIR or CPR pseudonym will be a real one; a value it does "
                      "not hold is refused (docs/watchlist.md); with --watch-key");
  extract->add_option("--watch-key", e->watch_key, "the watch key of --avoid-real");
  extract->add_option("--out", e->out, "package directory to create")->required();
  extract
      ->add_option("--threads", e->threads,
                   "threads for column transforms (default: the cores, at most 8); the "
                   "package does not depend on it")
      ->check(CLI::Range(1, 64));
  extract->add_flag("--json", e->json, "print the manifest instead of a summary");
  AddLedgerOption(extract, e->ledger);
  extract->callback([e, exit_code] {
    // A usage error, like a missing required option: before the ledger.
    if (e->controller_key.empty() && e->controller_allowed_signers.empty()) {
      *exit_code = Finish(Error(
          ErrorCode::kInvalidArgument,
          "extract needs --controller-key FILE or --controller-allowed-signers FILE",
          "--controller-key for an order signed with minisign, --controller-allowed-signers for "
          "one signed with a passkey"));
      return;
    }
    *exit_code = Finish(
        Recorded(e->ledger, "extract", [&](nlohmann::json& ev) { return RunExtract(*e, ev); }));
  });
}

void RegisterOpen(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<OpenArgs>();
  CLI::App* open = app.add_subcommand(
      "open",
      "Open a package as a recipient: checks the manifest signature, the retention deadline\n"
      "and every ciphertext hash before decrypting, then decrypts to OUTDIR atomically, or\n"
      "loads every table into a database in one transaction (no plaintext file).\n"
      "  cordon open pkg -i recipient.key --processor-key vendor.pub --out imported\n"
      "  cordon open pkg -i recipient.key --processor-key vendor.pub --into sqlite:lab.db\n"
      "  cordon open pkg -i recipient.key --processor-key vendor.pub \\\n"
      "      --into postgresql://db.lab.local/lis?sslmode=verify-full");
  open->add_option("PACKAGE", o->package, "the package directory")->required();
  open->add_option("-i,--identity", o->identities, "identity file (repeatable)")
      ->required()
      ->allow_extra_args(false);
  auto* pk = open->add_option("--processor-key", o->processor_key,
                              "verify manifest.json.minisig with this public key (required "
                              "unless --skip-manifest-signature)");
  open->add_flag("--skip-manifest-signature", o->skip_manifest_signature,
                 "open without checking who made the manifest")
      ->excludes(pk);
  auto* out = open->add_option("--out", o->out, "directory to create with the decrypted tables");
  auto* into =
      open->add_option("--into", o->into,
                       "load the tables into a database instead: sqlite:PATH or "
                       "postgresql://HOST/DATABASE (no password in the URL), into existing "
                       "tables (columns matched by name), all in one transaction "
                       "(docs/databases.md)")
          ->excludes(out);
  open->add_flag("--create-tables", o->create_tables,
                 "with --into: create the tables (and a SQLite database file), every column TEXT; "
                 "refuses a table that exists")
      ->needs(into);
  open->add_flag("--allow-expired", o->allow_expired, "open even after the retention deadline");
  open->add_option("--signing-key", o->signing_key,
                   "your personal signing key (cordon sign-keygen --name): the ledger records "
                   "you, by name, as the person who opened the package");
  AddLedgerOption(open, o->ledger);
  open->callback([o, exit_code] {
    *exit_code =
        Finish(Recorded(o->ledger, "open", [&](nlohmann::json& ev) { return RunOpen(*o, ev); }));
  });
}

}  // namespace

void RegisterExtractCommands(CLI::App& app, int* exit_code) {
  RegisterPlan(app, exit_code);
  RegisterExtract(app, exit_code);
  RegisterOpen(app, exit_code);
}

}  // namespace cordon::cli
