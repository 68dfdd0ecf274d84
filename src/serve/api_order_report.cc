// An order's report on the exchange (issue 17): what the DPO signed against
// what left. For each table of the plan of the latest version a DPO signed, the columns that left
// in a package and those that did not — what §45–46 of the CNIL decision turned on — and for each
// package of the order its recipients, its downloads (who, when), its state and its deletion
// certificate. Read-only, and recorded as a reading (like an order's), since it names who received
// the data.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/encoding.h"
#include "core/utc_time.h"
#include "exchange/downloads.h"
#include "exchange/orders.h"
#include "ledger/report.h"
#include "serve/api_internal.h"

namespace cordon::serve {

using api_internal::Fail;
using api_internal::FilterFor;
using api_internal::HasRole;
using api_internal::json;
using api_internal::Json;
using api_internal::MayRead;
using api_internal::Role;
using api_internal::Unrecorded;

namespace {

// A plan column's name: an excluded column is a name or {"name": …}.
std::string ColumnName(const json& c) {
  if (c.is_string()) return c.get<std::string>();
  if (c.is_object() && c.contains("name") && c["name"].is_string()) return c["name"];
  return {};
}

// The names in plan[key] (a list of columns), in the plan's order.
std::vector<std::string> Names(const json& table, const char* key) {
  std::vector<std::string> out;
  if (!table.contains(key) || !table[key].is_array()) return out;
  for (const json& c : table[key]) {
    if (std::string name = ColumnName(c); !name.empty()) out.push_back(std::move(name));
  }
  return out;
}

json Strings(const std::vector<std::string>& v) {
  json out = json::array();
  for (const auto& s : v) out.push_back(s);
  return out;
}

// The plan's tables against what the packages carried: per table, the
// columns that left, the planned ones no package carried, the excluded ones
// (which did not leave, or are flagged if they did) and any column that left
// without being planned; tables that left without being in the plan.
json ColumnsReport(const json& plan,
                   const std::map<std::string, std::set<std::string>>& left_by_table,
                   bool any_package) {
  json tables = json::array();
  std::set<std::string> planned_tables;
  const json empty = json::array();
  const json& plan_tables =
      plan.contains("tables") && plan["tables"].is_array() ? plan["tables"] : empty;
  for (const json& t : plan_tables) {
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) continue;
    const std::string name = t["name"];
    planned_tables.insert(name);
    const auto kept = Names(t, "columns_kept");
    const auto excluded = Names(t, "columns_excluded");
    const auto it = left_by_table.find(name);
    const std::set<std::string> none;
    const std::set<std::string>& left = it == left_by_table.end() ? none : it->second;
    std::vector<std::string> left_planned, planned_not_left, excluded_not_left, unplanned;
    for (const auto& c : kept) (left.contains(c) ? left_planned : planned_not_left).push_back(c);
    for (const auto& c : excluded) {
      if (!left.contains(c)) excluded_not_left.push_back(c);
    }
    const std::set<std::string> kept_set(kept.begin(), kept.end());
    for (const auto& c : left) {
      if (!kept_set.contains(c)) unplanned.push_back(c);
    }
    json row = {{"table", name},
                {"rows_planned", t.contains("rows_selected") ? t["rows_selected"] : json(nullptr)},
                {"columns_left", Strings(left_planned)},
                {"columns_excluded_not_left", Strings(excluded_not_left)},
                {"columns_left_unplanned", Strings(unplanned)}};
    // Before any package (with its columns), "planned but not carried"
    // says nothing yet.
    row["columns_planned_not_left"] = any_package ? Strings(planned_not_left) : json::array();
    tables.push_back(std::move(row));
  }
  json unplanned_tables = json::array();
  for (const auto& [table, columns] : left_by_table) {
    if (!planned_tables.contains(table)) {
      unplanned_tables.push_back(
          {{"table", table},
           {"columns_left_unplanned", Strings({columns.begin(), columns.end()})}});
    }
  }
  return {{"tables", tables}, {"tables_left_unplanned", unplanned_tables}};
}

}  // namespace

Response Api::ReportOrder(Call& call, const std::string& id) {
  // The tree size of the last checkpoint this reader saw (their browser
  // keeps it): the answer proves the ledger grew from it, never rewrote it.
  std::optional<uint64_t> since;
  if (auto q = call.request.query.find("since"); q != call.request.query.end()) {
    auto n = api_internal::ParseId(q->second);
    if (!n) return Fail(400, "since: the tree size of a checkpoint you saw (a positive integer)");
    since = static_cast<uint64_t>(*n);
  }
  // A value of the reader's choosing, recorded with this reading: finding it
  // among the proven entries shows the checkpoint was signed after the
  // reading, not replayed from before.
  std::string nonce;
  if (auto q = call.request.query.find("nonce"); q != call.request.query.end()) {
    nonce = q->second;
    const bool ok = nonce.size() >= 16 && nonce.size() <= 64 &&
                    std::all_of(nonce.begin(), nonce.end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
                    });
    if (!ok) return Fail(400, "nonce: 16 to 64 characters of base64url");
  }
  // The language of the ledger's sentences (the page's), and whether the
  // answer is the report as a file — the same HTML `cordon report` writes,
  // evidence included — for the reader to keep or send.
  auto language = ledger::ReportLanguage::kEnglish;
  if (auto q = call.request.query.find("lang"); q != call.request.query.end()) {
    auto parsed = ledger::ParseReportLanguage(q->second);
    if (!parsed) return Fail(400, "lang: en or fr");
    language = *parsed;
  }
  bool as_file = false;
  if (auto q = call.request.query.find("format"); q != call.request.query.end()) {
    if (q->second != "html" && q->second != "json") return Fail(400, "format: json or html");
    as_file = q->second == "html";
  }
  if (Status s = exchange::CheckSubmittedOrderId(id); !s.ok()) return Fail(404, "no such order");
  exchange::Orders orders(call.s.db);
  auto o = orders.Get(id, std::nullopt);
  // Who may read the order may read its report; to anyone else it does not
  // exist (as GET /orders/{id} answers).
  if ((!o.ok() && o.error().code() == ErrorCode::kNotFound) ||
      (o.ok() && !MayRead(FilterFor(call), *o))) {
    return Fail(404, "no such order", "GET /api/v1/orders lists the ones you may read");
  }
  if (!o.ok()) return Fail(o.error());
  // Each reading grows the order's report by one event: a reader reloading
  // in a loop is stopped here (not recorded: it would grow the report too).
  if (auto wait = report_readings_.Take(call.who->id, o->order_id, call.now)) {
    Response r = Fail(429,
                      "you read this order's report " + std::to_string(kReportReadingsPerHour) +
                          " times in the last hour",
                      "try again in " + std::to_string((*wait + 59) / 60) + " minute(s)");
    r.headers["Retry-After"] = std::to_string(*wait);
    return r;
  }
  // What left is compared with the plan a DPO signed: the latest signed
  // version (a vendor's newer, unsigned version must not turn a column that
  // left against the signed plan green); the latest when none is signed.
  const int64_t latest_version = o->version;
  auto signed_version = orders.LatestSignedVersion(o->order_id);
  if (!signed_version.ok()) return Fail(signed_version.error());
  if (*signed_version && **signed_version != o->version) {
    o = orders.Get(o->order_id, **signed_version);
    if (!o.ok()) return Fail(o.error());
  }
  const json plan = json::parse(o->plan_json, nullptr, /*allow_exceptions=*/false);

  auto people = call.s.accounts.List();
  if (!people.ok()) return Fail(people.error());
  std::map<int64_t, const exchange::Account*> by_id;
  for (const auto& a : *people) by_id[a.id] = &a;
  auto person = [&](int64_t account) -> json {
    auto it = by_id.find(account);
    if (it == by_id.end()) return {{"id", account}};
    return {{"id", account},
            {"name", it->second->name},
            {"email", it->second->email},
            {"organisation", it->second->organisation}};
  };

  // The order's packages: those naming it, uploaded by the vendor that
  // submitted it (a package of another organisation naming the same id is
  // not theirs to show).
  auto named = call.s.store.OfOrder(o->order_id);
  if (!named.ok()) return Fail(named.error());
  exchange::Downloads downloads(call.s.db);
  std::map<std::string, std::set<std::string>> left_by_table;
  bool any_columns = false;
  json packages = json::array();
  for (const auto& p : *named) {
    auto uploader = by_id.find(p.uploader_id);
    if (uploader == by_id.end() ||
        !exchange::SameVendor(*o, p.uploader_id, uploader->second->organisation)) {
      continue;
    }
    json tables = json::array();
    bool columns_recorded = false;
    for (const auto& f : p.files) columns_recorded = columns_recorded || !f.columns.empty();
    any_columns = any_columns || columns_recorded;
    for (const auto& f : p.files) {
      json columns = json::array();
      for (const auto& c : f.columns) {
        columns.push_back(c.name);
        left_by_table[f.name].insert(c.name);
      }
      tables.push_back({{"table", f.name}, {"file", f.file}, {"columns", columns}});
    }
    auto got = downloads.OfPackage(p.id);
    if (!got.ok()) return Fail(got.error());
    json received = json::array();
    for (const auto& d : *got) {
      received.push_back(
          {{"by", person(d.account_id)}, {"at", FormatUtc(d.at)}, {"bytes", d.bytes}});
    }
    json pkg = {{"id", p.id},
                {"uploaded_at", FormatUtc(p.uploaded_at)},
                {"uploaded_by", person(p.uploader_id)},
                {"bytes", p.bytes},
                {"status", p.status},
                {"delete_by", FormatUtc(static_cast<int64_t>(p.delete_by) * 86400)},
                {"recipients", Strings(p.recipients)},
                {"tables", tables},
                // A package published before the exchange kept column names.
                {"columns_recorded", columns_recorded},
                {"downloads", received},
                {"deletion", nullptr}};
    if (p.status == "deleted") {
      json deletion = {{"reason", p.deletion_reason},
                       {"deleted_at", FormatUtc(p.deleted_at)},
                       {"confirmed_by", p.confirmed_by ? person(*p.confirmed_by) : json(nullptr)},
                       {"ledger_seq", p.deletion_seq ? json(*p.deletion_seq) : json(nullptr)},
                       {"certificate", nullptr}};
      // The certificate itself: the DPO keeps the proof of deletion.
      if (auto cert = call.s.store.Certificate(p.id); cert.ok()) {
        deletion["certificate"] = {{"json", cert->first}, {"signature", cert->second}};
      } else if (cert.error().code() != ErrorCode::kNotFound) {
        return Fail(cert.error());
      }
      pkg["deletion"] = std::move(deletion);
    }
    packages.push_back(std::move(pkg));
  }

  json reading = {
      {"order", {{"id", o->order_id}}}, {"version", o->version}, {"packages", packages.size()}};
  if (!nonce.empty()) reading["nonce"] = nonce;
  // The file is the ledger's account (below): for those who read it.
  if (as_file && !(HasRole(call, {Role::kAuditor}) || call.who->role == Role::kDpo)) {
    return Fail(403,
                "the report file is the ledger's account, for the controller's DPOs and "
                "auditors",
                "GET it without format=html for the order's state");
  }
  // It names who received the data: no report without its reading recorded.
  if (auto seq = Record(call, "order.report", "ok", reading); !seq.ok()) return Unrecorded();
  json out = {{"order_id", o->order_id},
              {"version", o->version},
              {"version_signed", signed_version->has_value()},
              {"latest_version", latest_version},
              {"organisation", o->organisation},
              {"submitter_organisation", o->submitter_organisation},
              {"plan_sha256", o->plan_sha256},
              {"order_sha256", o->order_sha256},
              {"packages", packages}};
  // The ledger's account of the order: each event under it with its
  // inclusion proof in a checkpoint signed now (the reading just recorded
  // included), and the consistency proof from the reader's last one.
  json events = json::array();
  std::string evidence = "null";
  json consistency = nullptr;
  // The ledger's entries name people of both organisations with their
  // addresses: the controller's DPOs and auditors read them; the vendor
  // reads its own report without them.
  const bool with_events = HasRole(call, {Role::kAuditor}) || call.who->role == Role::kDpo;
  std::string file;
  Status proven = !with_events ? Ok() : appender_.Exclusive([&](ledger::Ledger& l) -> Status {
    CORDON_ASSIGN_OR_RETURN(std::string note, l.Checkpoint());
    CORDON_ASSIGN_OR_RETURN(
        ledger::OrderReport r,
        ledger::BuildOrderReport(l, o->order_id, note, &order_index_, language));
    if (as_file) {
      file = ledger::RenderHtml(r);
      return Ok();
    }
    evidence = ledger::CompactEvidenceJson(r);
    for (const auto& ev : r.events) {
      events.push_back({{"index", ev.index},
                        {"time", ev.time},
                        {"who", ev.who},
                        {"no_person", ev.no_person},
                        {"what", ev.what},
                        {"outcome", ev.outcome},
                        {"outcome_text", ev.outcome_text}});
    }
    if (since) {
      if (*since > r.checkpoint_size) {
        // A ledger smaller than one the reader saw: rolled back, or another.
        consistency = {{"old_size", *since}, {"new_size", r.checkpoint_size}, {"proof", nullptr}};
        return Ok();
      }
      CORDON_ASSIGN_OR_RETURN(ledger::Hash old_root, l.Root(*since));
      CORDON_ASSIGN_OR_RETURN(std::vector<ledger::Hash> proof,
                              l.ConsistencyProof(*since, r.checkpoint_size));
      json hashes = json::array();
      for (const auto& h : proof) hashes.push_back(Base64Encode(h));
      consistency = {{"old_size", *since},
                     {"new_size", r.checkpoint_size},
                     {"old_root", Base64Encode(old_root)},
                     {"proof", hashes}};
    }
    return Ok();
  });
  if (!proven.ok()) return Fail(proven.error());
  if (as_file) {
    Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::move(file);
    // The id is checked (CheckSubmittedOrderId): safe in a quoted file name.
    r.headers["Content-Disposition"] = "attachment; filename=\"report-" + o->order_id + "-" +
                                       (language == ledger::ReportLanguage::kFrench ? "fr" : "en") +
                                       ".html\"";
    return r;
  }
  out["events"] = with_events ? std::move(events) : json(nullptr);
  out["consistency"] = std::move(consistency);
  if (plan.is_discarded()) {
    out["columns"] = nullptr;  // stored plans are checked JSON; this is defence only
  } else {
    out["columns"] = ColumnsReport(plan, left_by_table, any_columns);
  }
  return Json(200, out, "evidence", evidence);
}

}  // namespace cordon::serve
