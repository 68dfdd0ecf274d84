// `cordon report --order ID -o FILE.html|FILE.md`: the controller's account
// of everything done under one order, read from the ledger, with the signed
// checkpoint and one inclusion proof per event so that it can be checked
// without cordon (docs/ledger.md, "Checking a report").
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/ledger_io.h"
#include "core/encoding.h"
#include "ledger/merkle.h"

namespace cordon::cli {
namespace {

using ledger::Hash;

struct ReportArgs {
  LedgerArgs ledger;
  std::string order;
  std::string out;
};

struct Event {
  uint64_t index;
  std::string bytes;
  nlohmann::json json;
  Hash leaf;
  std::vector<Hash> proof;
};

std::string Str(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return {};
  const auto& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.is_null() ? std::string() : v.dump();
}

uint64_t Num(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number_unsigned() ? j[key].get<uint64_t>()
                                                                         : 0;
}

// Who acted, for the "Who" column. A command run on this machine names the
// person by their personal signing key, beside the Unix account; without
// one, `no_person` is set and the report shows it in red: "root@vm" names
// nobody. The exchange's events name their account in the sentence.
std::string Who(const nlohmann::json& e, bool& no_person) {
  no_person = false;
  const nlohmann::json actor = e.value("actor", nlohmann::json::object());
  if (!actor.is_object() || !actor.contains("user")) return {};
  const std::string account = Str(actor, "user") + "@" + Str(actor, "host");
  const nlohmann::json person = actor.value("person", nlohmann::json());
  if (person.is_object() && !Str(person, "name").empty()) {
    return Str(person, "name") + " (key " + Str(person, "key_id") + "; " + account + ")";
  }
  no_person = true;
  return account + " — no personal key";
}

// What happened, in a sentence a DPO reads without the format at hand.
std::string Sentence(const nlohmann::json& e) {
  const std::string action = Str(e, "action");
  const nlohmann::json& tables = e.contains("tables") ? e["tables"] : nlohmann::json::array();
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
  if (action == "open") {
    return "Opened the package (manifest SHA-256 " +
           Str(e.value("package", nlohmann::json::object()), "manifest_sha256").substr(0, 16) +
           "…) and wrote " + std::to_string(Num(e, "files")) + " file(s).";
  }
  if (action == "report")
    return "Generated a report on this order (this document, or an earlier one).";
  // The exchange's events (cordon serve), by account id.
  if (action.rfind("exchange.", 0) == 0) {
    const nlohmann::json& actor = e.value("actor", nlohmann::json::object());
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
  }
  return "Action \"" + action + "\".";
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MdEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|' || c == '*' || c == '_' || c == '`' || c == '<' || c == '[') out += '\\';
    out += c;
  }
  return out;
}

std::string Outcome(const nlohmann::json& e) {
  std::string o = Str(e, "outcome");
  if (o == "ok") return "done";
  if (o == "refused") return "REFUSED: " + Str(e, "error");
  if (o == "failed") return "FAILED: " + Str(e, "error");
  return o;
}

Status Report(const ReportArgs& a) {
  const bool html = a.out.ends_with(".html") || a.out.ends_with(".htm");
  if (!html && !a.out.ends_with(".md")) {
    return Error(ErrorCode::kInvalidArgument, a.out + ": the report is FILE.html or FILE.md");
  }
  CORDON_ASSIGN_OR_RETURN(ledger::Ledger l, OpenLedgerForAppend(a.ledger));
  // The report is itself an event, so the ledger shows who asked for what.
  CORDON_TRY(l.Append({{{"action", "report"},
                        {"actor", ActorJson()},
                        {"order", {{"id", a.order}}},
                        {"outcome", "ok"}}}));
  CORDON_ASSIGN_OR_RETURN(std::string note, l.Checkpoint());
  CORDON_ASSIGN_OR_RETURN(ledger::Checkpoint cp, ledger::OpenCheckpoint(note, l.verifier()));

  const std::string needle = "\"id\":" + nlohmann::json(a.order).dump();
  std::vector<Event> events;
  for (uint64_t i = 0; i < cp.size; ++i) {
    CORDON_ASSIGN_OR_RETURN(Bytes bytes, l.Entry(i));
    std::string_view text = AsChars(bytes);
    if (text.find(needle) == std::string_view::npos) continue;  // cheap filter first
    nlohmann::json e = nlohmann::json::parse(text, nullptr, false);
    if (!e.is_object() || !e.contains("order") || Str(e["order"], "id") != a.order) continue;
    Event ev{i, std::string(text), std::move(e), {}, {}};
    CORDON_ASSIGN_OR_RETURN(ev.leaf, l.LeafHashAt(i));
    CORDON_ASSIGN_OR_RETURN(ev.proof, l.InclusionProof(i, cp.size));
    if (!ledger::VerifyInclusion(i, cp.size, ev.leaf, ev.proof, cp.root)) {
      return Error(ErrorCode::kAuthFailed,
                   "entry " + std::to_string(i) + ": its proof does not verify",
                   "run `cordon ledger verify`");
    }
    events.push_back(std::move(ev));
  }

  // The evidence: everything a verifier needs, machine-readable.
  nlohmann::ordered_json evidence;
  evidence["format"] = "cordon-report-evidence-v1";
  evidence["order_id"] = a.order;
  evidence["vkey"] = l.verifier().Format();
  evidence["checkpoint"] = note;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& ev : events) {
    nlohmann::ordered_json proof = nlohmann::ordered_json::array();
    for (const auto& h : ev.proof) proof.push_back(Base64Encode(h));
    list.push_back({{"index", ev.index},
                    {"entry", Base64Encode(AsBytes(ev.bytes))},
                    {"leaf_hash", Base64Encode(ev.leaf)},
                    {"proof", proof}});
  }
  evidence["entries"] = list;
  const std::string evidence_text = evidence.dump(1);

  std::string doc;
  const std::string title = "What was done under order " + a.order;
  const std::string intro =
      "This report lists every operation cordon recorded under this order, in the order they "
      "happened. Each line is an entry of a tamper-evident ledger (" +
      l.origin() +
      "): the evidence at the end lets anyone check, without trusting the vendor or cordon, "
      "that these entries are exactly those the ledger signed, and that none was altered. "
      "Keep the checkpoint: a later report must extend it (`cordon ledger consistency`).";
  if (html) {
    doc =
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" +
        HtmlEscape(title) +
        "</title>\n<style>body{font:15px/1.5 system-ui,sans-serif;max-width:70em;margin:2em "
        "auto;padding:0 1em;color:#222}table{border-collapse:collapse;width:100%}td,th{border:"
        "1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}th{background:#f3f3f3}"
        ".refused,.failed,.noperson{color:#a00;font-weight:600}pre{background:#f6f6f6;padding:1em;"
        "overflow-x:auto;font-size:12px}</style>\n</head><body>\n<h1>" +
        HtmlEscape(title) + "</h1>\n<p>" + HtmlEscape(intro) + "</p>\n";
    doc +=
        "<table id=\"events\"><thead><tr><th>#</th><th>When (UTC)</th><th>Who</th><th>What</th>"
        "<th>Outcome</th></tr></thead><tbody>\n";
    for (const auto& ev : events) {
      const auto& e = ev.json;
      const std::string outcome = Str(e, "outcome");
      bool no_person = false;
      const std::string who = Who(e, no_person);
      doc += "<tr><td>" + std::to_string(ev.index) + "</td><td>" + HtmlEscape(Str(e, "time")) +
             "</td><td" + (no_person ? " class=\"noperson\"" : "") + ">" + HtmlEscape(who) +
             "</td><td>" + HtmlEscape(Sentence(e)) + "</td><td class=\"" + HtmlEscape(outcome) +
             "\">" + HtmlEscape(Outcome(e)) + "</td></tr>\n";
    }
    doc += "</tbody></table>\n";
    if (events.empty())
      doc += "<p><strong>No operation is recorded under this order.</strong></p>\n";
    doc +=
        "<h2>How to check this report</h2>\n<p>The ledger's verifier key is <code>" +
        HtmlEscape(l.verifier().Format()) +
        "</code>. Compare it with the one you were given. The evidence below holds the signed "
        "checkpoint (a C2SP signed note), each entry's exact bytes (base64) and its RFC 6962 "
        "inclusion proof; docs/ledger.md explains the check step by step.</p>\n<h3>Signed "
        "checkpoint</h3>\n<pre id=\"checkpoint\">" +
        HtmlEscape(note) +
        "</pre>\n<h3>Evidence</h3>\n<script type=\"application/json\" id=\"cordon-evidence\">\n" +
        // "</" cannot end the script element early: JSON escapes '/' as "\/".
        [&] {
          std::string t = evidence_text;
          for (size_t p = 0; (p = t.find("</", p)) != std::string::npos; p += 3) {
            t.replace(p, 2, "<\\/");
          }
          return t;
        }() +
        "\n</script>\n<pre>" + HtmlEscape(evidence_text) + "</pre>\n</body></html>\n";
  } else {
    doc = "# " + MdEscape(title) + "\n\n" + intro + "\n\n";  // our own text: no escaping
    doc += "| # | When (UTC) | Who | What | Outcome |\n|---|---|---|---|---|\n";
    for (const auto& ev : events) {
      const auto& e = ev.json;
      bool no_person = false;
      const std::string who = MdEscape(Who(e, no_person));
      doc += "| " + std::to_string(ev.index) + " | " + MdEscape(Str(e, "time")) + " | " +
             (no_person ? "<span style=\"color:#a00\">**" + who + "**</span>" : who) + " | " +
             MdEscape(Sentence(e)) + " | " + MdEscape(Outcome(e)) + " |\n";
    }
    if (events.empty()) doc += "\n**No operation is recorded under this order.**\n";
    doc += "\n## How to check this report\n\nThe ledger's verifier key is `" +
           l.verifier().Format() +
           "`. Compare it with the one you were given. The evidence below holds the signed "
           "checkpoint (a C2SP signed note), each entry's exact bytes (base64) and its RFC 6962 "
           "inclusion proof; docs/ledger.md explains the check step by step.\n\n"
           "### Signed checkpoint\n\n```\n" +
           note + "```\n\n### Evidence\n\n```json\n" + evidence_text + "\n```\n";
  }
  CORDON_TRY(WriteFileAtomic(a.out, AsBytes(doc)));
  std::cout << "report " << a.out << ": " << events.size() << " event(s) under order " << a.order
            << ", checkpoint of size " << cp.size << "\n";
  return Ok();
}

}  // namespace

void RegisterReportCommands(CLI::App& app, int* exit_code) {
  auto r = std::make_shared<ReportArgs>();
  CLI::App* report = app.add_subcommand(
      "report",
      "The controller's report on one order: every operation recorded under it (signed, planned,\n"
      "extracted, opened, ...), readable by a DPO, with the signed checkpoint and inclusion\n"
      "proofs that let anyone verify it without cordon (docs/ledger.md).\n"
      "  cordon report --order LIS-2026-0042 -o lis-0042.html");
  AddLedgerOption(report, r->ledger);
  report->add_option("--order", r->order, "the order's id")->required();
  report->add_option("-o,--output", r->out, "FILE.html or FILE.md")->required();
  report->callback([r, exit_code] { *exit_code = Finish(Report(*r)); });
}

}  // namespace cordon::cli
