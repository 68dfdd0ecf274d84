#include "ledger/trace_report.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "core/encoding.h"
#include "core/file.h"
#include "crypto/hash.h"
#include "detect/validators.h"
#include "ledger/json_fields.h"
#include "pipeline/provenance.h"

namespace cordon::ledger {
namespace {

using Json = nlohmann::json;

using json_fields::Num;
using json_fields::Str;

// Who acted, as the controller's report names them: the person by their
// signing key, else the Unix account; the exchange's account by id.
std::string Who(const Json& e) {
  const Json actor = e.value("actor", Json::object());
  if (!actor.is_object()) return {};
  if (actor.contains("account")) {
    return "account " + std::to_string(Num(actor, "account")) +
           (Str(actor, "role").empty() ? "" : " (" + Str(actor, "role") + ")") +
           (Str(actor, "ip").empty() ? "" : " from " + Str(actor, "ip"));
  }
  const Json person = actor.value("person", Json());
  const std::string account = Str(actor, "user") + "@" + Str(actor, "host");
  if (person.is_object() && !Str(person, "name").empty())
    return Str(person, "name") + " (key " + Str(person, "key_id") + "; " + account + ")";
  return actor.contains("user") ? account + " (no personal key)" : "the exchange";
}

// Each entry of `ledger` that is a JSON object, with its index.
template <typename Fn>
Status ForEachEvent(const Ledger& ledger, Fn fn) {
  for (uint64_t i = 0; i < ledger.size(); ++i) {
    CORDON_ASSIGN_OR_RETURN(Bytes entry, ledger.Entry(i));
    Json e = Json::parse(AsChars(entry), nullptr, false);
    if (!e.is_object()) continue;
    fn(i, e);
  }
  return Ok();
}

std::string RecipientSet(const Extraction& x) {
  std::vector<std::string> r = x.recipients;
  std::sort(r.begin(), r.end());
  std::string out;
  for (const auto& s : r) out += s + "\n";
  return out;
}

}  // namespace

bool TraceReport::any_named() const {
  return std::any_of(packages.begin(), packages.end(), [](const auto& p) { return p.named; });
}

Result<std::vector<Extraction>> ReadExtractions(const Ledger& ledger) {
  std::vector<Extraction> out;
  CORDON_TRY(ForEachEvent(ledger, [&](uint64_t seq, const Json& e) {
    if (Str(e, "action") != "extract" || Str(e, "outcome") != "ok") return;
    const Json pkg = e.value("package", Json::object());
    if (Str(pkg, "provenance_sha256").empty()) return;
    Extraction x;
    x.seq = seq;
    x.time = Str(e, "time");
    const Json order = e.value("order", Json::object());
    x.order_id = Str(order, "id");
    x.controller = Str(order, "controller");
    x.processor = Str(order, "processor");
    x.pseudonym_scope = Str(order, "pseudonym_scope");
    x.by = Who(e);
    if (e.contains("recipients") && e["recipients"].is_array()) {
      for (const auto& r : e["recipients"])
        if (r.is_string()) x.recipients.push_back(r.get<std::string>());
    }
    x.package_sha256 = Str(pkg, "manifest_sha256");
    x.provenance_sha256 = Str(pkg, "provenance_sha256");
    x.provenance_delete_by = Str(pkg, "provenance_delete_by");
    x.delete_by = Str(pkg, "delete_by");
    x.trace_key_id = Str(e.value("key_ids", Json::object()), "trace");
    if (e.contains("tables") && e["tables"].is_array()) {
      for (const auto& t : e["tables"]) {
        x.rows += Num(t, "rows_written");
        x.tables.push_back(Str(t, "name"));
      }
    }
    out.push_back(std::move(x));
  }));
  return out;
}

Status CollectPackageEvents(const Ledger& ledger, PackageEvents& out) {
  return ForEachEvent(ledger, [&](uint64_t, const Json& e) {
    const std::string action = Str(e, "action"), outcome = Str(e, "outcome");
    std::string id = Str(e, "package");
    if (e.contains("package") && e["package"].is_object())
      id = Str(e["package"], "manifest_sha256");
    if (id.empty() || action == "extract") return;
    PackageEvent ev{Str(e, "time"), "", Who(e), ""};
    if (action == "open" && outcome == "ok") {
      ev.what = "opened";
      ev.detail = "decrypted with a recipient's key";
    } else if (action == "exchange.upload.commit" && outcome == "ok") {
      ev.what = "uploaded";
      ev.detail = Thousands(Num(e, "bytes")) + " bytes";
    } else if (action == "exchange.download" && outcome == "ok") {
      ev.what = "downloaded";
      ev.detail = Thousands(Num(e, "bytes")) + " bytes, grant " + std::to_string(Num(e, "grant"));
    } else if (action == "exchange.package.deleted") {
      const std::string reason = Str(e, "reason");
      ev.what = reason == "confirmed" ? "confirmed and deleted" : "deleted";
      ev.detail = reason.empty() ? "" : "reason: " + reason;
      if (!Str(e, "deleted_at").empty()) ev.time = Str(e, "deleted_at");
    } else {
      return;
    }
    out[id].push_back(std::move(ev));
  });
}

Result<std::vector<std::string>> ProvenanceFiles(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const std::string& path : paths) {
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      return Error(ErrorCode::kNotFound, "no such provenance file or directory: " + path,
                   "give the directories where `extract --trace-key` wrote PKG.provenance");
    }
    if (!fs::is_directory(status)) {
      // A FIFO or a device named directly would block or never end.
      if (!fs::is_regular_file(status)) {
        return Error(ErrorCode::kIo, path + " is not a regular file (a pipe, a socket or a device)",
                     "give the provenance files or the directories holding them");
      }
      out.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".provenance")
        found.push_back(entry.path().string());
    }
    if (ec) return Error(ErrorCode::kIo, "cannot list " + path + ": " + ec.message());
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

Result<TraceReport> TraceLeak(pipeline::LeakIndex& leak, const std::vector<Extraction>& extractions,
                              const std::vector<std::string>& files, const PackageEvents& events,
                              const TraceOptions& options) {
  TraceReport report;
  report.leak_rows = leak.data_row_count();
  std::map<std::string, const Extraction*> by_provenance, by_package;
  for (const Extraction& x : extractions) {
    by_provenance[x.provenance_sha256] = &x;
    by_package[x.package_sha256] = &x;
  }
  std::set<std::string> searched;
  for (const std::string& path : files) {
    auto bytes = ReadRegularFileLimited(path, options.max_file_bytes);
    if (!bytes.ok()) {
      report.problems.push_back({path, "unreadable: " + bytes.error().message()});
      continue;
    }
    const std::string sha = HexEncode(crypto::Sha256::Hash(*bytes));
    auto parsed = pipeline::Provenance::Parse(*bytes);
    auto vouched = by_provenance.find(sha);
    if (vouched == by_provenance.end()) {
      std::string problem;
      if (!parsed.ok()) {
        problem = parsed.error().message();
      } else if (auto x = by_package.find(parsed->package_sha256); x != by_package.end()) {
        problem = "its SHA-256 (" + sha.substr(0, 16) +
                  "…) is not the one the ledger committed when package " +
                  parsed->package_sha256.substr(0, 16) + "… was extracted (entry " +
                  std::to_string(x->second->seq) + ", " +
                  x->second->provenance_sha256.substr(0, 16) + "…): altered since, not trusted";
      } else {
        problem = "no extraction in the ledger committed it (package " +
                  parsed->package_sha256.substr(0, 16) + "…): not trusted";
      }
      report.problems.push_back({path, problem});
      continue;
    }
    if (!parsed.ok()) {  // the ledger's own file, yet unreadable: a bug or a collision
      report.problems.push_back({path, parsed.error().message()});
      continue;
    }
    if (!searched.insert(sha).second) continue;  // the same file twice
    if (parsed->key_id != options.trace_key_id) {
      report.problems.push_back({path, "made under trace key " + parsed->key_id +
                                           ", not the one given (" + options.trace_key_id +
                                           "): not compared"});
      continue;
    }
    ++report.searched;
    pipeline::PackageMatch m = leak.Match(*parsed);
    if (options.weak_values ? !m.any() : m.rows + m.values == 0) continue;
    TracedPackage t;
    t.extraction = *vouched->second;
    t.provenance_path = path;
    t.match = std::move(m);
    if (auto ev = events.find(t.extraction.package_sha256); ev != events.end())
      t.events = ev->second;
    report.packages.push_back(std::move(t));
  }
  for (const Extraction& x : extractions) {
    if (!searched.contains(x.provenance_sha256)) report.not_searched.push_back(x);
  }
  // Per-recipient pseudonyms: a NIR or CPR held only by packages of one set
  // of recipients, in an order whose pseudonyms depend on the recipients.
  std::map<uint32_t, std::set<std::string>> holders;  // value id → recipient sets
  for (const TracedPackage& t : report.packages) {
    for (uint32_t v : t.match.nir_cpr) holders[v].insert(RecipientSet(t.extraction));
  }
  std::set<uint32_t> strong_held;
  for (TracedPackage& t : report.packages) {
    if (t.extraction.pseudonym_scope == "recipients") {
      for (uint32_t v : t.match.nir_cpr) t.recipient_pseudonyms += holders[v].size() == 1;
    }
    t.named = t.match.rows >= options.min_rows || t.recipient_pseudonyms > 0;
    if (t.named) {
      for (uint32_t v : t.match.strong) strong_held.insert(v);
    }
  }
  for (uint32_t v : strong_held) {
    const auto& value = leak.value(v);
    ++report.kinds[value.kind ? std::string(detect::KindName(*value.kind)) : "number"];
  }
  std::stable_sort(report.packages.begin(), report.packages.end(),
                   [](const TracedPackage& a, const TracedPackage& b) {
                     if (a.named != b.named) return a.named;
                     return a.match.rows > b.match.rows;
                   });
  return report;
}

}  // namespace cordon::ledger
