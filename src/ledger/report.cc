// Building the controller's report: the entries under one order, with their
// proofs, and each event put in words.
#include "ledger/report.h"

#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "ledger/json_fields.h"
#include "ledger/merkle.h"

namespace cordon::ledger {
namespace {

using Json = nlohmann::json;

using json_fields::Num;
using json_fields::Str;

// Who acted, for the "Who" column. A command run on this machine names the
// person by their personal signing key, beside the Unix account; without
// one, `no_person` is set and the report shows it in red: "root@vm" names
// nobody. The exchange's events name their account in the sentence.
std::string Who(const Json& e, bool& no_person) {
  no_person = false;
  const Json actor = e.value("actor", Json::object());
  if (!actor.is_object() || !actor.contains("user")) return {};
  const std::string account = Str(actor, "user") + "@" + Str(actor, "host");
  const Json person = actor.value("person", Json());
  if (person.is_object() && !Str(person, "name").empty()) {
    return Str(person, "name") + " (key " + Str(person, "key_id") + "; " + account + ")";
  }
  no_person = true;
  return account + " — no personal key";
}

// The exchange's events (cordon serve), by account id; empty when the
// action is not one of them.
std::string ExchangeSentence(const Json& e, const std::string& action) {
  const Json& actor = e.value("actor", Json::object());
  const std::string who = actor.contains("account")
                              ? "Account " + std::to_string(Num(actor, "account")) + " (" +
                                    Str(actor, "role") + ", from " + Str(actor, "ip") + ")"
                              : "The exchange";
  const std::string pkg = Str(e, "package").substr(0, 16) + "…";
  const std::string grant = "grant " + std::to_string(Num(e, "grant"));
  if (action == "exchange.upload.commit")
    return who + " uploaded the package " + pkg + " (" + Thousands(Num(e, "bytes")) +
           " bytes, signed by processor key " + Str(e, "signer") + ").";
  if (action == "exchange.package.read") return who + " looked at the package's description.";
  if (action == "exchange.grant.request")
    return who + " asked for access to the package for " + std::to_string(Num(e, "hours")) +
           " hours (" + grant + ").";
  if (action == "exchange.grant.break_glass")
    return who + " broke the glass: emergency access for " + std::to_string(Num(e, "hours")) +
           " hours (" + grant + "), to be reviewed.";
  if (action == "exchange.grant.approve") return who + " approved " + grant + ".";
  if (action == "exchange.grant.deny") return who + " denied " + grant + ".";
  if (action == "exchange.grant.revoke") return who + " revoked " + grant + ".";
  if (action == "exchange.grant.review") return who + " reviewed the emergency " + grant + ".";
  if (action == "exchange.download")
    return who + " downloaded a file of the package (" + Thousands(Num(e, "bytes")) + " bytes).";
  if (action == "exchange.confirm") return who + " tried to confirm the import.";
  if (action == "exchange.package.deleted")
    return who + " — the package was deleted from the exchange (" + Str(e, "reason") +
           "); a signed deletion certificate was issued.";
  if (action == "exchange.certificate.read") return who + " fetched the deletion certificate.";
  return {};
}

// What happened, in a sentence a DPO reads without the format at hand.
std::string Sentence(const Json& e) {
  const std::string action = Str(e, "action");
  const Json& tables = e.contains("tables") ? e["tables"] : Json::array();
  std::string rows;
  for (const auto& t : tables) {
    if (!rows.empty()) rows += "; ";
    rows += Str(t, "name") + ": " + Thousands(Num(t, "rows_written") + Num(t, "rows_selected")) +
            " rows of " + Thousands(Num(t, "rows_read"));
  }
  if (action == "order.sign") return "Signed the order with key " + Str(e, "key_id") + ".";
  if (action == "plan")
    return "Ran a plan (a dry run; nothing was written). Would leave: " + rows + ".";
  if (action == "extract") {
    std::string s = "Extracted and sealed a package. Left: " + rows + ".";
    if (e.contains("package")) {
      s += " Package of " + Thousands(Num(e["package"], "bytes")) + " bytes, manifest SHA-256 " +
           Str(e["package"], "manifest_sha256").substr(0, 16) + "….";
    }
    return s;
  }
  if (action == "open" && e.contains("into") && e["into"].is_object()) {
    std::string loaded;
    for (const auto& t : tables)
      loaded += (loaded.empty() ? "" : "; ") + Str(t, "name") + ": " + Thousands(Num(t, "rows"));
    return "Opened the package (manifest SHA-256 " +
           Str(e.value("package", Json::object()), "manifest_sha256").substr(0, 16) +
           "…) and loaded it into the database " + Str(e["into"], "database") +
           " in one transaction (rows: " + loaded + ").";
  }
  if (action == "open") {
    return "Opened the package (manifest SHA-256 " +
           Str(e.value("package", Json::object()), "manifest_sha256").substr(0, 16) +
           "…) and wrote " + std::to_string(Num(e, "files")) + " file(s).";
  }
  if (action == "report")
    return "Generated a report on this order (this document, or an earlier one).";
  if (action.starts_with("exchange.")) {
    if (std::string s = ExchangeSentence(e, action); !s.empty()) return s;
  }
  return "Action \"" + action + "\".";
}

std::string OutcomeText(const Json& e) {
  std::string o = Str(e, "outcome");
  if (o == "ok") return "done";
  if (o == "refused") return "REFUSED: " + Str(e, "error");
  if (o == "failed") return "FAILED: " + Str(e, "error");
  return o;
}

}  // namespace

Result<OrderReport> BuildOrderReport(const Ledger& ledger, std::string_view order_id,
                                     std::string_view checkpoint, OrderIndex* index) {
  CORDON_ASSIGN_OR_RETURN(Checkpoint cp, OpenCheckpoint(checkpoint, ledger.verifier()));
  OrderReport report;
  report.order_id = std::string(order_id);
  report.origin = ledger.origin();
  report.vkey = ledger.verifier().Format();
  report.checkpoint = std::string(checkpoint);
  report.checkpoint_size = cp.size;

  const std::string needle = "\"id\":" + Json(report.order_id).dump();
  // Entry i, if it is under the order, as the report shows it.
  auto consider = [&](uint64_t i) -> Status {
    CORDON_ASSIGN_OR_RETURN(Bytes bytes, ledger.Entry(i));
    std::string_view text = AsChars(bytes);
    if (text.find(needle) == std::string_view::npos) return Ok();  // cheap filter first
    Json e = Json::parse(text, nullptr, false);
    if (!e.is_object() || !e.contains("order") || Str(e["order"], "id") != order_id) return Ok();
    ReportEvent ev;
    ev.index = i;
    ev.entry = std::string(text);
    // The leaf from the bytes shown, not from the stored tree: the proof
    // below then vouches for these very bytes (and costs no read).
    ev.leaf = LeafHash(bytes);
    ev.time = Str(e, "time");
    ev.who = Who(e, ev.no_person);
    ev.what = Sentence(e);
    ev.outcome = Str(e, "outcome");
    ev.outcome_text = OutcomeText(e);
    report.events.push_back(std::move(ev));
    return Ok();
  };
  if (index) {
    // Only the entries the index found under the order are read; each is
    // still checked as if the whole log were scanned.
    CORDON_TRY(index->CatchUp(ledger, cp.size));
    for (uint64_t i : index->Of(order_id)) {
      if (i < cp.size) CORDON_TRY(consider(i));
    }
  } else {
    for (uint64_t i = 0; i < cp.size; ++i) CORDON_TRY(consider(i));
  }
  // The proofs together: thousands of events share most of their nodes.
  std::vector<uint64_t> indices;
  indices.reserve(report.events.size());
  for (const auto& ev : report.events) indices.push_back(ev.index);
  CORDON_ASSIGN_OR_RETURN(auto proofs, ledger.InclusionProofs(indices, cp.size));
  for (size_t k = 0; k < report.events.size(); ++k) {
    ReportEvent& ev = report.events[k];
    ev.proof = std::move(proofs[k]);
    if (!VerifyInclusion(ev.index, cp.size, ev.leaf, ev.proof, cp.root)) {
      return Error(ErrorCode::kAuthFailed,
                   "entry " + std::to_string(ev.index) + ": its proof does not verify",
                   "run `cordon ledger verify`");
    }
  }
  return report;
}

}  // namespace cordon::ledger
