// The controller's report on one order (`cordon report`): every event the
// ledger recorded under the order, in sentences a DPO reads, with the
// evidence (format "cordon-report-evidence-v1": the signed checkpoint, each
// entry's bytes and inclusion proof) that lets anyone check it without
// cordon (docs/ledger.md, "Checking a report"). Building reads the ledger;
// rendering returns text (HTML or Markdown) and never touches files.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/order_index.h"

namespace cordon::ledger {

// One event under the order: its ledger entry and proof, and its line in
// the report.
struct ReportEvent {
  uint64_t index = 0;
  std::string entry;         // the entry's exact bytes (canonical JSON)
  Hash leaf{};               // RFC 6962 leaf hash
  std::vector<Hash> proof;   // inclusion in the checkpoint's tree
  std::string time;          // "time" as recorded (UTC)
  std::string who;           // "Ana Martin (key 1A2B…; ana@lab)", "root@vm — no personal key"
  bool no_person = false;    // a local command that names no person: shown in red
  std::string what;          // the event in a sentence
  std::string outcome;       // "ok", "refused", "failed", as recorded
  std::string outcome_text;  // "done", "REFUSED: <error>", …
};

// The language a report is written in: its sentences, headings and
// numbers (the ledger's entries and evidence are the same in both).
enum class ReportLanguage { kEnglish, kFrench };
// "en" or "fr" (what `cordon report --lang` and the pages say); nullopt
// for anything else.
std::optional<ReportLanguage> ParseReportLanguage(std::string_view code);

struct OrderReport {
  ReportLanguage language = ReportLanguage::kEnglish;
  std::string order_id;
  std::string origin;      // the ledger's name
  std::string vkey;        // its note verifier key
  std::string checkpoint;  // the signed note every proof is against
  uint64_t checkpoint_size = 0;
  std::vector<ReportEvent> events;  // in ledger order
};

// Collects every entry of `ledger` whose "order"."id" is `order_id`, up to
// the signed `checkpoint` (a note from ledger.Checkpoint()), each with its
// inclusion proof, checked against the checkpoint's root. Fails with
// kAuthFailed when the checkpoint's signature or a proof does not verify.
// Entries that are not JSON objects are skipped (they name no order).
// With `index`, caught up to the checkpoint first, only the entries it
// lists under the order are read (the same report, without the scan).
// The events are put in words in `language`.
Result<OrderReport> BuildOrderReport(const Ledger& ledger, std::string_view order_id,
                                     std::string_view checkpoint, OrderIndex* index = nullptr,
                                     ReportLanguage language = ReportLanguage::kEnglish);

// The evidence, cordon-report-evidence-v1: {"format", "order_id", "vkey",
// "checkpoint", "entries": [{"index", "entry", "leaf_hash", "proof"}]}, the
// bytes and hashes in base64, indented by one space.
std::string EvidenceJson(const OrderReport& report);
// The same evidence with each hash once (an API answer embeds it; a page
// checks it), format cordon-report-evidence-v2, as compact JSON text:
// {"format", "order_id", "vkey", "checkpoint", "nodes", "entries": [{"index",
// "entry", "proof"}]} where "nodes" is the base64 of distinct 32-byte hashes
// end to end and each "proof" lists, in the proof's order, the numbers
// (from 0) of its hashes in "nodes". No leaf hash: a checker computes it.
std::string CompactEvidenceJson(const OrderReport& report);

// The whole report as one HTML page (UTF-8; every recorded text escaped,
// the evidence also embedded as <script type="application/json">) or as
// Markdown (recorded text escaped for tables), in the report's language.
std::string RenderHtml(const OrderReport& report);
std::string RenderMarkdown(const OrderReport& report);

// Escapes & < > " for HTML text and attribute values.
std::string HtmlEscape(std::string_view s);
// Backslash-escapes the characters that would make a Markdown table cell
// a link, an emphasis, code, inline HTML or a new cell (| * _ ` < [ and the
// backslash itself); a line break becomes a space (it would end the row).
std::string MarkdownEscape(std::string_view s);

}  // namespace cordon::ledger
