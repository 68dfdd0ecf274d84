// `cordon trace`: the controller's trace key, under which `extract
// --trace-key` writes each package's provenance digests, a look at a
// provenance file, and the trace itself — a leaked file, or one person's
// identifier, matched against the provenance the ledger vouches for
// (docs/trace.md). The matching and the report are ledger/trace_report.h;
// this file reads flags and prints.
#include <ctime>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/key_files.h"
#include "cli/ledger_io.h"
#include "core/calendar.h"
#include "core/diagnostic.h"
#include "core/encoding.h"
#include "core/file.h"
#include "core/strings.h"
#include "core/utc_time.h"
#include "crypto/hash.h"
#include "ledger/provenance_deletion.h"
#include "ledger/trace_report.h"
#include "pipeline/leak_file.h"
#include "pipeline/provenance.h"
#include "pipeline/trace_match.h"

namespace cordon::cli {
namespace {

// Exit codes of a trace (docs/trace.md), beside cordon's error codes 1–4.
constexpr int kExitTraceNamed = 5;  // a package named (or, --subject, found)
// 0: nothing named and every provenance file trusted; 3 (kExitVerification):
// nothing named, but a provenance file was not trusted (altered, unknown to
// the ledger, or made under another key): "nothing" is then not conclusive.

struct TraceArgs {
  LedgerArgs ledger;
  std::vector<std::string> exchange_ledgers;
  std::string leak;
  std::string subject;
  std::string trace_key;
  std::vector<std::string> provenance;
  uint64_t min_rows = 3;
  bool json = false;
  bool notification = false;
  std::string output;
};

// Text from a file, a file name or a ledger as the text output prints it:
// control characters escaped, so none can forge a report line or drive the
// terminal (the JSON output escapes by itself).
std::string P(std::string_view text) { return PrintableText(text); }

std::string NowUtc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string ShapeOf(const pipeline::LeakedFile& f) {
  if (f.shape == pipeline::LeakedFile::Shape::kText) return "text lines";
  std::string sep = f.separator == '\t' ? "tab" : std::string("'") + f.separator + "'";
  return "delimited, separator " + sep;
}

nlohmann::ordered_json PackageJson(const ledger::TracedPackage& p) {
  const ledger::Extraction& x = p.extraction;
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  for (const auto& e : p.events)
    events.push_back({{"time", e.time}, {"what", e.what}, {"who", e.who}, {"detail", e.detail}});
  return {{"named", p.named},
          {"package", x.package_sha256},
          {"order", x.order_id},
          {"controller", x.controller},
          {"processor", x.processor},
          {"recipients", x.recipients},
          {"pseudonym_scope", x.pseudonym_scope.empty() ? "domain" : x.pseudonym_scope},
          {"extracted", x.time},
          {"extracted_by", x.by},
          {"ledger_entry", x.seq},
          {"package_rows", x.rows},
          {"delete_by", x.delete_by},
          {"provenance", p.provenance_path},
          {"provenance_delete_by", x.provenance_delete_by},
          {"rows_matched", p.match.rows},
          {"whole_rows_matched", p.match.whole_rows},
          {"identifiers_matched", p.match.values},
          {"weak_values_matched", p.match.weak_values},
          {"recipient_pseudonyms", p.recipient_pseudonyms},
          {"events", events}};
}

nlohmann::ordered_json ReportJson(const ledger::TraceReport& r) {
  nlohmann::ordered_json packages = nlohmann::ordered_json::array(),
                         problems = nlohmann::ordered_json::array(),
                         missing = nlohmann::ordered_json::array();
  for (const auto& p : r.packages) packages.push_back(PackageJson(p));
  for (const auto& p : r.problems) problems.push_back({{"file", p.path}, {"problem", p.problem}});
  for (const auto& x : r.not_searched)
    missing.push_back(
        {{"package", x.package_sha256}, {"order", x.order_id}, {"ledger_entry", x.seq}});
  return {{"rows", r.leak_rows},    {"shape", r.leak_shape}, {"provenance_searched", r.searched},
          {"named", r.any_named()}, {"packages", packages},  {"untrusted_provenance", problems},
          {"not_searched", missing}};
}

void PrintPackage(const ledger::TracedPackage& p, bool subject) {
  const ledger::Extraction& x = p.extraction;
  const char* label = p.named ? (subject ? "HELD   " : "NAMED  ") : "partly ";
  std::cout << label << "package " << x.package_sha256 << "\n         order " << P(x.order_id)
            << "\n";
  const uint64_t held = p.match.values + p.match.weak_values;
  if (subject) {
    std::cout << "         held the identifier (" << Thousands(held) << " value digest"
              << (held == 1 ? "" : "s") << " matched)\n";
  } else {
    std::cout << "         " << Thousands(p.match.rows) << " rows matched ("
              << Thousands(p.match.whole_rows) << " as whole rows), " << Thousands(p.match.values)
              << " identifiers, " << Thousands(p.match.weak_values)
              << " weak values (names, words: not counted)";
    if (p.recipient_pseudonyms) {
      std::cout << "; " << Thousands(p.recipient_pseudonyms)
                << " per-recipient pseudonym(s) held by this set of recipients only";
    }
    std::cout << "\n";
  }
  std::cout << "         controller " << (x.controller.empty() ? "(not recorded)" : P(x.controller))
            << "; processor " << (x.processor.empty() ? "(not recorded)" : P(x.processor)) << "\n";
  for (const auto& r : x.recipients) std::cout << "         recipient " << P(r) << "\n";
  std::cout << "         extracted " << P(x.time) << " by " << P(x.by) << " (ledger entry " << x.seq
            << ", " << Thousands(x.rows) << " rows, pseudonyms "
            << (x.pseudonym_scope == "recipients" ? "per recipient" : "by domain") << ")\n";
  for (const auto& e : p.events) {
    std::cout << "         " << P(e.what) << " " << P(e.time) << " by " << P(e.who)
              << (e.detail.empty() ? "" : " (" + P(e.detail) + ")") << "\n";
  }
  if (p.events.empty()) std::cout << "         (no later event in the ledgers given)\n";
}

void PrintReport(const ledger::TraceReport& r, bool subject) {
  for (const auto& p : r.packages) PrintPackage(p, subject);
  if (r.packages.empty())
    std::cout << (subject ? "no package held it\n" : "no package holds any of it\n");
  for (const auto& p : r.problems)
    std::cout << "NOT TRUSTED " << P(p.path) << ": " << P(p.problem) << "\n";
  if (!r.not_searched.empty()) {
    std::cout << Thousands(r.not_searched.size())
              << " extraction(s) in the ledger committed a provenance file that was not given "
                 "(not compared):";
    for (size_t i = 0; i < r.not_searched.size() && i < 10; ++i)
      std::cout << " " << P(r.not_searched[i].order_id) << "@" << r.not_searched[i].seq;
    std::cout << (r.not_searched.size() > 10 ? " …" : "") << "\n";
  }
}

int ExitFor(const ledger::TraceReport& r) {
  if (r.any_named()) return kExitTraceNamed;
  return r.problems.empty() ? kExitOk : kExitVerification;
}

// Loads what both kinds of trace need: the key, the extractions the ledger
// committed, the later events, the provenance files.
struct Loaded {
  pipeline::TraceKey key;
  std::vector<ledger::Extraction> extractions;
  ledger::PackageEvents events;
  std::vector<std::string> files;
};

// A ledger that cannot be read or verified is a failure (1), never 3: exit
// 3 means "a provenance file not trusted, nothing named", and a script must
// not read a damaged ledger as an inconclusive trace.
Error LedgerFailure(const Error& e) {
  if (ExitCodeFor(e) != kExitVerification) return e;
  return Error(ErrorCode::kMalformed, e.message(), e.hint());
}

Result<Loaded> Load(const TraceArgs& a) {
  CORDON_ASSIGN_OR_RETURN(pipeline::TraceKey key, LoadTraceKey(a.trace_key));
  const std::string dir = LedgerDir(a.ledger);
  auto opened = ledger::Ledger::Open(dir, ledger::Ledger::Access::kRead);
  if (!opened.ok()) return LedgerFailure(opened.error().WithContext("the ledger " + dir));
  auto extractions = ledger::ReadExtractions(*opened);
  if (!extractions.ok()) return LedgerFailure(extractions.error().WithContext("the ledger " + dir));
  ledger::PackageEvents events;
  Status collected = ledger::CollectPackageEvents(*opened, events);
  if (!collected.ok()) return LedgerFailure(collected.error().WithContext("the ledger " + dir));
  for (const std::string& d : a.exchange_ledgers) {
    auto ex = ledger::Ledger::Open(d, ledger::Ledger::Access::kRead);
    if (!ex.ok()) return LedgerFailure(ex.error().WithContext("the ledger " + d));
    collected = ledger::CollectPackageEvents(*ex, events);
    if (!collected.ok()) return LedgerFailure(collected.error().WithContext("the ledger " + d));
  }
  std::vector<std::string> where = a.provenance;
  if (where.empty()) where.push_back(".");
  CORDON_ASSIGN_OR_RETURN(auto files, ledger::ProvenanceFiles(where));
  return Loaded{std::move(key), std::move(*extractions), std::move(events), std::move(files)};
}

// What the ledger records of a trace: counts, hashes and ids, never a value.
void RecordTrace(const ledger::TraceReport& r, const std::string& key_id, nlohmann::json& ev) {
  ev["key_ids"] = {{"trace", key_id}};
  nlohmann::json named = nlohmann::json::array();
  for (const auto& p : r.packages) {
    if (!p.named) continue;
    named.push_back({{"package", p.extraction.package_sha256},
                     {"order", p.extraction.order_id},
                     {"rows_matched", p.match.rows}});
  }
  ev["packages_named"] = named;
  ev["provenance_searched"] = r.searched;
  ev["provenance_untrusted"] = r.problems.size();
}

Result<int> RunTraceLeak(const TraceArgs& a, nlohmann::json& ev) {
  if (a.notification && a.json) {
    return Error(ErrorCode::kInvalidArgument, "--notification and --json do not go together",
                 "draft the notification, then run again with --json for the data");
  }
  // A regular file only: a pipe (`<(zcat …)`) or a FIFO with no writer
  // would block silently, and the leak is hashed for the record anyway.
  auto bytes = ReadRegularFileLimited(a.leak, size_t{1} << 30);
  if (!bytes.ok()) return bytes.error();
  auto leak = pipeline::ReadLeakedFile(*bytes);
  if (!leak.ok()) return leak.error().WithContext(a.leak);
  if (leak->rows.empty()) {
    return Error(ErrorCode::kMalformed, a.leak + ": the leaked file is empty (no row to trace)",
                 "check that the file was copied whole");
  }
  const std::string leak_sha = HexEncode(crypto::Sha256::Hash(*bytes));
  ev["leak"] = {{"sha256", leak_sha}, {"bytes", bytes->size()}, {"rows", leak->data_rows()}};
  auto loaded = Load(a);
  if (!loaded.ok()) return loaded.error();
  pipeline::LeakIndex index(loaded->key, *leak);
  auto report = ledger::TraceLeak(index, loaded->extractions, loaded->files, loaded->events,
                                  {.min_rows = a.min_rows, .trace_key_id = loaded->key.id()});
  if (!report.ok()) return report.error();
  report->leak_shape = ShapeOf(*leak);
  RecordTrace(*report, loaded->key.id(), ev);
  if (a.json) {
    std::cout << ReportJson(*report).dump(2) << "\n";
    return ExitFor(*report);
  }
  if (a.notification) {
    std::string text = ledger::RenderNotification(
        *report, {.now = NowUtc(), .leak_name = "SHA-256 " + leak_sha.substr(0, 16) + "…"});
    if (a.output.empty()) {
      std::cout << text;
      return ExitFor(*report);
    }
    Status written = WriteFileAtomic(a.output, AsBytes(text), 0600, Overwrite::kRefuse);
    if (!written.ok()) return written.error();
    std::cerr << "cordon: wrote the notification draft to " << P(a.output) << "\n";
  }
  std::cout << "leaked file " << P(a.leak) << ": " << Thousands(report->leak_rows) << " rows ("
            << report->leak_shape << "), compared with " << Thousands(report->searched)
            << " provenance file(s); a package is named from " << a.min_rows
            << " rows or one per-recipient pseudonym\n";
  PrintReport(*report, false);
  return ExitFor(*report);
}

Result<int> RunTraceSubject(const TraceArgs& a, nlohmann::json& ev) {
  std::string value = a.subject;
  if (value == "-") {
    std::getline(std::cin, value);
  }
  pipeline::LeakedFile one;
  one.rows.push_back({value});
  auto loaded = Load(a);
  if (!loaded.ok()) return loaded.error();
  pipeline::LeakIndex index(loaded->key, one);
  if (index.value_count() == 0) {
    return Error(ErrorCode::kInvalidArgument, "--subject is empty",
                 "give the person's identifier (a NIR, a file number, an e-mail…)");
  }
  const auto& v = index.value(0);
  auto report =
      ledger::TraceLeak(index, loaded->extractions, loaded->files, loaded->events,
                        {.min_rows = 1, .trace_key_id = loaded->key.id(), .weak_values = true});
  if (!report.ok()) return report.error();
  for (auto& p : report->packages) p.named = p.match.values + p.match.weak_values > 0;
  // Never the value, nor any digest of it (a digest of a NIR can be tested
  // against every NIR): its kind and the packages found.
  ev["subject"] = {{"kind", v.kind ? std::string(detect::KindName(*v.kind)) : "text"}};
  RecordTrace(*report, loaded->key.id(), ev);
  ev["packages_held"] = ev["packages_named"];
  ev.erase("packages_named");
  const std::string masked = pipeline::MaskSubject(value);
  if (a.json) {
    nlohmann::ordered_json j = ReportJson(*report);
    j.erase("rows");
    j.erase("shape");
    j["subject"] = masked;
    std::cout << j.dump(2) << "\n";
    return ExitFor(*report);
  }
  std::cout << "subject " << masked << " ("
            << (v.kind ? std::string(detect::KindName(*v.kind)) : std::string("text"))
            << "), compared with " << Thousands(report->searched) << " provenance file(s)\n";
  PrintReport(*report, true);
  return ExitFor(*report);
}

Status NewKey(const std::string& output) {
  pipeline::TraceKey key = pipeline::TraceKey::Generate();
  CORDON_TRY(WriteSecretFile(output, key.FileText()));
  std::cout << key.id() << "\n";
  std::cerr << "cordon: wrote " << output
            << " (mode 0600). Keep it with the controller: with it, rows and values can be "
               "tested against the provenance files.\n";
  return Ok();
}

// A provenance file's header and counts: no digest, nothing secret.
Status Info(const std::string& path, bool json) {
  // A million rows of one table is 8 MB; 4 GiB allows hundreds of millions.
  CORDON_ASSIGN_OR_RETURN(Bytes bytes, ReadRegularFileLimited(path, size_t{4} << 30));
  auto parsed = pipeline::Provenance::Parse(bytes);
  if (!parsed.ok()) return parsed.error().WithContext(path);
  const pipeline::Provenance& p = *parsed;
  if (json) {
    nlohmann::ordered_json j = {{"format", "cordon-provenance"},
                                {"version", 1},
                                {"package_sha256", p.package_sha256},
                                {"order", p.order_id},
                                {"trace_key_id", p.key_id},
                                {"created", p.created},
                                {"delete_by", p.delete_by}};
    nlohmann::ordered_json tables = nlohmann::ordered_json::array();
    for (const auto& t : p.tables)
      tables.push_back({{"name", t.name}, {"rows", t.rows.size()}, {"values", t.values.size()}});
    j["tables"] = tables;
    std::cout << j.dump(2) << "\n";
    return Ok();
  }
  std::cout << "provenance of package " << p.package_sha256 << "\n  order     " << P(p.order_id)
            << "\n  trace key " << P(p.key_id) << "\n  created   " << P(p.created)
            << "\n  delete by " << P(p.delete_by) << "\n";
  for (const auto& t : p.tables) {
    std::cout << "  table " << P(t.name) << ": " << Thousands(t.rows.size()) << " row digests, "
              << Thousands(t.values.size()) << " value digests\n";
  }
  return Ok();
}

struct DeleteArgs {
  LedgerArgs ledger;
  std::vector<std::string> provenance;
  std::string signing_key;
  std::string as_of;
  bool dry_run = false;
};

// Provenance files past their retention: deleted, each deletion in the
// ledger and certified beside where the file was.
Status RunDelete(const DeleteArgs& a) {
  std::optional<sign::SecretKey> signer;
  if (!a.dry_run) {
    CORDON_ASSIGN_OR_RETURN(sign::SecretKey key, LoadSigningKey(a.signing_key));
    signer.emplace(std::move(key));
  }
  std::vector<std::string> where = a.provenance;
  if (where.empty()) where.push_back(".");
  CORDON_ASSIGN_OR_RETURN(auto files, ledger::ProvenanceFiles(where));
  const std::string now = UtcNowText();
  std::string as_of = a.as_of.empty() ? now.substr(0, 10) : a.as_of;
  // A real date: compared as text, "abcd-ef-gh" would sort after every
  // delete-by and delete every file.
  if (as_of.size() != 10 || as_of[4] != '-' || as_of[7] != '-' || !ParseIsoDate(as_of).ok()) {
    return Error(ErrorCode::kInvalidArgument, "--as-of must be a date, YYYY-MM-DD");
  }
  CORDON_ASSIGN_OR_RETURN(ledger::Ledger l, OpenLedgerForAppend(a.ledger));
  CORDON_ASSIGN_OR_RETURN(auto extractions, ledger::ReadExtractions(l));
  nlohmann::json actor_event = {{"actor", ActorJson()}};
  if (signer) SetActorPerson(actor_event, *signer);
  CORDON_ASSIGN_OR_RETURN(ledger::ProvenanceDeletionRun run,
                          ledger::DeleteExpiredProvenance(l, {.files = files,
                                                              .extractions = std::move(extractions),
                                                              .today = as_of,
                                                              .now = now,
                                                              .actor = actor_event["actor"],
                                                              .signer = signer ? &*signer : nullptr,
                                                              .dry_run = a.dry_run}));
  for (const auto& d : run.deleted) {
    if (a.dry_run) {
      std::cout << "would delete " << P(d.path) << " (order " << P(d.order_id) << ", delete by "
                << P(d.delete_by) << ")\n";
    } else {
      std::cout << "deleted " << P(d.path) << " (order " << P(d.order_id) << ", delete by "
                << P(d.delete_by) << "; ledger entry " << d.ledger_index << "), certificate "
                << P(d.certificate_path) << "\n";
    }
  }
  for (const auto& k : run.kept) std::cout << "kept " << P(k) << " (within its retention)\n";
  for (const auto& [path, why] : run.skipped)
    std::cout << "skipped " << P(path) << ": " << P(why) << "\n";
  return Ok();
}

}  // namespace

void RegisterTraceCommands(CLI::App& app, int* exit_code) {
  CLI::App* t = app.add_subcommand(
      "trace",
      "The controller's trace key and the provenance files `extract --trace-key` writes\n"
      "beside each package (keyed digests of its rows and identifying values, docs/trace.md).\n"
      "  cordon trace keygen -o trace.key\n"
      "  cordon extract ... --trace-key trace.key --out pkg     (writes pkg.provenance)\n"
      "  cordon trace info pkg.provenance\n"
      "  cordon trace leak.csv --trace-key trace.key --ledger DIR --provenance DIR "
      "[--notification]\n"
      "  cordon trace --subject - --trace-key trace.key --ledger DIR --provenance DIR\n"
      "  cordon trace delete --provenance DIR --signing-key me.key   (past their retention)\n"
      "Exit: 0 nothing named, 5 a package named (--subject: holding the person), 3 nothing named\n"
      "but a provenance file not trusted, 1 failure, 2 usage.");
  auto del = std::make_shared<DeleteArgs>();
  CLI::App* d = t->add_subcommand(
      "delete",
      "delete the provenance files past their retention (delete-by), each deletion recorded in\n"
      "the ledger and certified: FILE.deletion.json and its minisign signature, beside it");
  d->add_option("--provenance", del->provenance,
                "provenance files or directories (default: the current directory)");
  d->add_option("--signing-key", del->signing_key,
                "your personal signing key: signs the certificates, names you in the ledger");
  d->add_option("--as-of", del->as_of,
                "delete those due by this date (YYYY-MM-DD; default today): retention is a "
                "maximum, deleting earlier is allowed");
  d->add_flag("--dry-run", del->dry_run, "say what would be deleted; change nothing");
  AddLedgerOption(d, del->ledger);
  d->callback([del, exit_code] {
    if (del->signing_key.empty() && !del->dry_run) {
      *exit_code = Fail(Error(ErrorCode::kInvalidArgument, "trace delete needs --signing-key",
                              "the certificates are signed by the person deleting"));
      return;
    }
    *exit_code = Finish(RunDelete(*del));
  });

  auto a = std::make_shared<TraceArgs>();
  t->require_subcommand(0, 1);
  t->add_option("LEAKED_FILE", a->leak,
                "a leaked file: CSV, TSV or text lines (header missing or renamed, columns and "
                "rows a subset, in any order)");
  t->add_option("--subject", a->subject,
                "instead of a file: one person's identifier (Art. 15 access, erasure follow-up); "
                "'-' reads it from standard input (kept out of the shell's history). Never "
                "written anywhere in clear");
  t->add_option("--trace-key", a->trace_key, "the controller's trace key");
  AddLedgerOption(t, a->ledger);
  t->add_option("--exchange-ledger", a->exchange_ledgers,
                "the exchange's ledger (its data directory's), for uploads, downloads, "
                "confirmations and deletions; repeatable");
  t->add_option("--provenance", a->provenance,
                "provenance files or directories holding them (default: the current directory)");
  t->add_option("--min-rows", a->min_rows, "rows a package must hold to be named (default 3)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
  t->add_flag("--json", a->json, "as JSON");
  t->add_flag("--notification", a->notification,
              "draft the GDPR Art. 33 notification (Markdown, French and English)");
  t->add_option("-o,--output", a->output,
                "with --notification: write the draft here (atomically, never overwritten)");
  t->callback([t, a, exit_code] {
    if (!t->get_subcommands().empty()) return;
    if (a->leak.empty() == a->subject.empty()) {
      *exit_code = Fail(Error(ErrorCode::kInvalidArgument,
                              "trace needs a LEAKED_FILE or --subject VALUE (one of them)",
                              "cordon trace leak.csv --trace-key trace.key --ledger DIR"));
      return;
    }
    if (a->trace_key.empty()) {
      *exit_code = Fail(Error(ErrorCode::kInvalidArgument, "trace needs --trace-key",
                              "the controller's trace key, the one extract was given"));
      return;
    }
    if (a->notification && !a->subject.empty()) {
      *exit_code = Fail(Error(ErrorCode::kInvalidArgument,
                              "--notification goes with a leaked file, not --subject",
                              "an Art. 33 notification is about a breach: trace the leaked file"));
      return;
    }
    if (!a->output.empty() && !a->notification) {
      *exit_code = Fail(Error(ErrorCode::kInvalidArgument, "-o goes with --notification"));
      return;
    }
    int code = kExitOk;
    Status recorded = Recorded(a->ledger, a->subject.empty() ? "trace" : "trace.subject",
                               [&](nlohmann::json& ev) -> Status {
                                 Result<int> r = a->subject.empty() ? RunTraceLeak(*a, ev)
                                                                    : RunTraceSubject(*a, ev);
                                 if (!r.ok()) return r.error();
                                 code = *r;
                                 return Ok();
                               });
    *exit_code = recorded.ok() ? code : Fail(recorded.error());
  });

  auto key_out = std::make_shared<std::string>();
  CLI::App* keygen =
      t->add_subcommand("keygen", "create a trace key file (mode 0600); prints its id");
  keygen->add_option("-o,--output", *key_out, "key file to create (never overwritten)")->required();
  keygen->callback([key_out, exit_code] { *exit_code = Finish(NewKey(*key_out)); });

  auto info = std::make_shared<std::pair<std::string, bool>>();
  CLI::App* inf = t->add_subcommand(
      "info", "a provenance file's package, order, trace key id, retention and counts");
  inf->add_option("FILE", info->first, "provenance file")->required();
  inf->add_flag("--json", info->second, "as JSON");
  inf->callback([info, exit_code] { *exit_code = Finish(Info(info->first, info->second)); });
}

}  // namespace cordon::cli
