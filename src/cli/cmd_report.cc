// `cordon report --order ID -o FILE.html|FILE.md`: the controller's account
// of everything done under one order, read from the ledger, with the signed
// checkpoint and one inclusion proof per event so that it can be checked
// without cordon (docs/ledger.md, "Checking a report").
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/ledger_io.h"
#include "ledger/report.h"

namespace cordon::cli {
namespace {

struct ReportArgs {
  LedgerArgs ledger;
  std::string order;
  std::string out;
  std::string lang = "en";
};

Status Report(const ReportArgs& a) {
  const bool html = a.out.ends_with(".html") || a.out.ends_with(".htm");
  if (!html && !a.out.ends_with(".md")) {
    return Error(ErrorCode::kInvalidArgument, a.out + ": the report is FILE.html or FILE.md");
  }
  const auto language = ledger::ParseReportLanguage(a.lang);
  if (!language) {
    return Error(ErrorCode::kInvalidArgument, "--lang " + a.lang + ": the report is in en or fr");
  }
  CORDON_ASSIGN_OR_RETURN(ledger::Ledger l, OpenLedgerForAppend(a.ledger));
  // The report is itself an event, so the ledger shows who asked for what.
  CORDON_TRY(l.Append({{{"action", "report"},
                        {"actor", ActorJson()},
                        {"order", {{"id", a.order}}},
                        {"outcome", "ok"}}}));
  CORDON_ASSIGN_OR_RETURN(std::string note, l.Checkpoint());
  CORDON_ASSIGN_OR_RETURN(ledger::OrderReport report,
                          ledger::BuildOrderReport(l, a.order, note, nullptr, *language));
  const std::string doc = html ? ledger::RenderHtml(report) : ledger::RenderMarkdown(report);
  CORDON_TRY(WriteFileAtomic(a.out, AsBytes(doc)));
  std::cout << "report " << a.out << ": " << report.events.size() << " event(s) under order "
            << a.order << ", checkpoint of size " << report.checkpoint_size << "\n";
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
      "  cordon report --order LIS-2026-0042 -o lis-0042.html\n"
      "  cordon report --order LIS-2026-0042 --lang fr -o lis-0042-fr.html");
  AddLedgerOption(report, r->ledger);
  report->add_option("--order", r->order, "the order's id")->required();
  report->add_option("-o,--output", r->out, "FILE.html or FILE.md")->required();
  report->add_option("--lang", r->lang, "the report's language: en (default) or fr");
  report->callback([r, exit_code] { *exit_code = Finish(Report(*r)); });
}

}  // namespace cordon::cli
