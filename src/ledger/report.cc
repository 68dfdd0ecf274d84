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

// The two languages' words: each sentence is written whole in each, never
// assembled from translated fragments (word order differs).
struct Words {
  bool fr = false;
  // Numbers as each language groups digits: 12,345 and 12 345 (a narrow
  // no-break space: a comma is the French decimal sign).
  std::string Count(int64_t n) const {
    std::string s = Thousands(static_cast<uint64_t>(n < 0 ? 0 : n));
    if (!fr) return s;
    std::string out;
    for (char c : s) out += c == ',' ? std::string("\u202f") : std::string(1, c);
    return out;
  }
};

// Who acted, for the "Who" column. A command run on this machine names the
// person by their personal signing key, beside the Unix account; without
// one, `no_person` is set and the report shows it in red: "root@vm" names
// nobody. The exchange's events name their account in the sentence.
std::string Who(const Json& e, const Words& w, bool& no_person) {
  no_person = false;
  const Json actor = e.value("actor", Json::object());
  if (!actor.is_object() || !actor.contains("user")) return {};
  const std::string account = Str(actor, "user") + "@" + Str(actor, "host");
  const Json person = actor.value("person", Json());
  if (person.is_object() && !Str(person, "name").empty()) {
    return Str(person, "name") + (w.fr ? " (clé " : " (key ") + Str(person, "key_id") + "; " +
           account + ")";
  }
  no_person = true;
  return account + (w.fr ? " — aucune clé personnelle" : " — no personal key");
}

// The exchange's events (cordon serve), by account id; empty when the
// action is not one of them.
std::string ExchangeSentence(const Json& e, const std::string& action, const Words& w) {
  const Json& actor = e.value("actor", Json::object());
  const std::string who =
      !actor.contains("account")
          ? (w.fr ? "L'échange" : "The exchange")
          : (w.fr ? "Le compte " : "Account ") + std::to_string(Num(actor, "account")) + " (" +
                Str(actor, "role") + (w.fr ? ", depuis " : ", from ") + Str(actor, "ip") + ")";
  const std::string pkg = Str(e, "package").substr(0, 16) + "…";
  const std::string grant = (w.fr ? "autorisation " : "grant ") + std::to_string(Num(e, "grant"));
  const std::string hours = std::to_string(Num(e, "hours"));
  const std::string bytes = w.Count(Num(e, "bytes"));
  if (action == "exchange.upload.commit") {
    return w.fr ? who + " a déposé le paquet " + pkg + " (" + bytes +
                      " octets, signé par la clé de sous-traitant " + Str(e, "signer") + ")."
                : who + " uploaded the package " + pkg + " (" + bytes +
                      " bytes, signed by processor key " + Str(e, "signer") + ").";
  }
  if (action == "exchange.package.read") {
    return who + (w.fr ? " a consulté la description du paquet."
                       : " looked at the package's description.");
  }
  if (action == "exchange.grant.request") {
    return w.fr ? who + " a demandé l'accès au paquet pour " + hours + " heures (" + grant + ")."
                : who + " asked for access to the package for " + hours + " hours (" + grant + ").";
  }
  if (action == "exchange.grant.break_glass") {
    return w.fr ? who + " a ouvert un accès d'urgence pour " + hours + " heures (" + grant +
                      "), à revoir."
                : who + " broke the glass: emergency access for " + hours + " hours (" + grant +
                      "), to be reviewed.";
  }
  if (action == "exchange.grant.approve")
    return who + (w.fr ? " a approuvé l'" : " approved ") + grant + ".";
  if (action == "exchange.grant.deny")
    return who + (w.fr ? " a refusé l'" : " denied ") + grant + ".";
  if (action == "exchange.grant.revoke")
    return who + (w.fr ? " a révoqué l'" : " revoked ") + grant + ".";
  if (action == "exchange.grant.review") {
    return w.fr ? who + " a revu l'" + grant + " d'urgence."
                : who + " reviewed the emergency " + grant + ".";
  }
  if (action == "exchange.download") {
    return w.fr ? who + " a téléchargé un fichier du paquet (" + bytes + " octets)."
                : who + " downloaded a file of the package (" + bytes + " bytes).";
  }
  if (action == "exchange.confirm")
    return who + (w.fr ? " a tenté de confirmer l'import." : " tried to confirm the import.");
  if (action == "exchange.package.deleted") {
    return w.fr ? who + " — le paquet a été supprimé de l'échange (" + Str(e, "reason") +
                      ") ; un certificat de suppression signé a été émis."
                : who + " — the package was deleted from the exchange (" + Str(e, "reason") +
                      "); a signed deletion certificate was issued.";
  }
  if (action == "exchange.certificate.read") {
    return who + (w.fr ? " a récupéré le certificat de suppression."
                       : " fetched the deletion certificate.");
  }
  return {};
}

// What happened, in a sentence a DPO reads without the format at hand.
std::string Sentence(const Json& e, const Words& w) {
  const std::string action = Str(e, "action");
  const Json& tables = e.contains("tables") ? e["tables"] : Json::array();
  std::string rows;
  for (const auto& t : tables) {
    if (!rows.empty()) rows += "; ";
    rows += Str(t, "name") + (w.fr ? " : " : ": ") +
            w.Count(Num(t, "rows_written") + Num(t, "rows_selected")) +
            (w.fr ? " lignes sur " : " rows of ") + w.Count(Num(t, "rows_read"));
  }
  const std::string manifest =
      Str(e.value("package", Json::object()), "manifest_sha256").substr(0, 16) + "…";
  if (action == "order.sign") {
    return (w.fr ? "A signé l'ordre avec la clé " : "Signed the order with key ") +
           Str(e, "key_id") + ".";
  }
  if (action == "plan") {
    return w.fr ? "A exécuté un plan (à blanc ; rien n'a été écrit). Sortirait : " + rows + "."
                : "Ran a plan (a dry run; nothing was written). Would leave: " + rows + ".";
  }
  if (action == "extract") {
    std::string s = w.fr ? "A extrait et scellé un paquet. Sorti : " + rows + "."
                         : "Extracted and sealed a package. Left: " + rows + ".";
    if (e.contains("package")) {
      const std::string bytes = w.Count(Num(e["package"], "bytes"));
      s += w.fr ? " Paquet de " + bytes + " octets, SHA-256 du manifeste " + manifest + "."
                : " Package of " + bytes + " bytes, manifest SHA-256 " + manifest + ".";
    }
    return s;
  }
  if (action == "open" && e.contains("into") && e["into"].is_object()) {
    std::string loaded;
    for (const auto& t : tables)
      loaded += (loaded.empty() ? "" : "; ") + Str(t, "name") + (w.fr ? " : " : ": ") +
                w.Count(Num(t, "rows"));
    return w.fr ? "A ouvert le paquet (SHA-256 du manifeste " + manifest +
                      ") et l'a chargé dans la base " + Str(e["into"], "database") +
                      " en une transaction (lignes : " + loaded + ")."
                : "Opened the package (manifest SHA-256 " + manifest +
                      ") and loaded it into the database " + Str(e["into"], "database") +
                      " in one transaction (rows: " + loaded + ").";
  }
  if (action == "open") {
    const std::string files = std::to_string(Num(e, "files"));
    return w.fr ? "A ouvert le paquet (SHA-256 du manifeste " + manifest + ") et écrit " + files +
                      " fichier(s)."
                : "Opened the package (manifest SHA-256 " + manifest + ") and wrote " + files +
                      " file(s).";
  }
  if (action == "report") {
    return w.fr ? "A produit un rapport sur cet ordre (ce document, ou un précédent)."
                : "Generated a report on this order (this document, or an earlier one).";
  }
  if (action.starts_with("exchange.")) {
    if (std::string s = ExchangeSentence(e, action, w); !s.empty()) return s;
  }
  return w.fr ? "Action « " + action + " »." : "Action \"" + action + "\".";
}

std::string OutcomeText(const Json& e, const Words& w) {
  std::string o = Str(e, "outcome");
  if (o == "ok") return w.fr ? "fait" : "done";
  if (o == "refused") return (w.fr ? "REFUSÉ : " : "REFUSED: ") + Str(e, "error");
  if (o == "failed") return (w.fr ? "ÉCHEC : " : "FAILED: ") + Str(e, "error");
  return o;
}

}  // namespace

std::optional<ReportLanguage> ParseReportLanguage(std::string_view code) {
  if (code == "en") return ReportLanguage::kEnglish;
  if (code == "fr") return ReportLanguage::kFrench;
  return std::nullopt;
}

Result<OrderReport> BuildOrderReport(const Ledger& ledger, std::string_view order_id,
                                     std::string_view checkpoint, OrderIndex* index,
                                     ReportLanguage language) {
  CORDON_ASSIGN_OR_RETURN(Checkpoint cp, OpenCheckpoint(checkpoint, ledger.verifier()));
  const Words words{language == ReportLanguage::kFrench};
  OrderReport report;
  report.language = language;
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
    ev.who = Who(e, words, ev.no_person);
    ev.what = Sentence(e, words);
    ev.outcome = Str(e, "outcome");
    ev.outcome_text = OutcomeText(e, words);
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
