// `cordon remote order`: orders travel through the exchange for the
// controller's DPO to validate — submitted with their plan, listed, shown
// and saved (with the DPO's signature) exactly as uploaded.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "cli/ledger_io.h"
#include "cli/order_io.h"
#include "cli/remote_common.h"
#include "client/orders.h"
#include "core/file.h"
#include "order/plan_digest.h"
#include "pipeline/extract.h"
#include "pipeline/plan_json.h"

namespace cordon::cli {
namespace {

struct OrderArgs {
  RemoteArgs remote;
  LedgerArgs ledger;
  std::string file, organisation, id, out;
  SourceArgs source;
  int64_t version = 0;
};

// Runs the plan as `cordon plan --json` does (the same library calls, no
// pseudonym key: keyed columns show as what they are, kept values masked),
// writes its digest into the order (the file is replaced atomically, so the
// vendor keeps the exact bytes the DPO will read), and uploads both.
Status SubmitOrder(const OrderArgs& a, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(Bytes raw, ReadFileLimited(a.file, pipeline::kMaxOrderBytes));
  const std::string text(raw.begin(), raw.end());
  event["order"] = OrderJson(a.file);
  order::LoadedOrder loaded = order::ParseOrder(text, a.file);
  if (!loaded.problems.empty()) return order::ProblemsError(a.file, loaded.problems);
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<source::TableSource> src, OpenSource(a.source));
  auto plan = pipeline::Plan(loaded.order, *src, loaded.order.recipients.size());
  if (!plan.ok()) return Error(ErrorCode::kRefused, plan.error().message(), plan.error().hint());
  const std::string plan_json = pipeline::FormatPlanJson(loaded.order, *plan);
  const std::string digest = order::PlanSha256Hex(plan_json);
  CORDON_ASSIGN_OR_RETURN(std::string updated, order::WithPlanDigest(text, digest));
  // The digest's line changes nothing else: the order must read the same.
  order::LoadedOrder again = order::ParseOrder(updated, a.file);
  if (!again.problems.empty() || again.order.id != loaded.order.id) {
    return Error(ErrorCode::kInternal, a.file + ": the order did not read back after plan_sha256",
                 "write `plan_sha256 = \"" + digest + "\"` under [order] by hand");
  }
  if (updated != text) {
    struct stat st {};
    const mode_t mode = stat(a.file.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
    CORDON_TRY(WriteFileAtomic(a.file, AsBytes(updated), mode));
  }
  event["plan_sha256"] = digest;
  event["order"]["sha256"] = order::PlanSha256Hex(updated);  // what was uploaded
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a.remote));
  CORDON_ASSIGN_OR_RETURN(client::SubmittedOrder o,
                          client::SubmitOrder(c, updated, plan_json, a.organisation));
  event["version"] = o.version;
  Print(a.remote, o.answer, [&] {
    std::cout << o.order_id << " version " << o.version << "\n";
    std::cerr << "order " << o.order_id << " (version " << o.version
              << ") is on the exchange for the validation of " << o.organisation
              << "'s DPOs\n  plan_sha256 " << o.plan_sha256 << " (written into " << a.file
              << ")\n  order_sha256 " << o.order_sha256 << "\n";
  });
  return Ok();
}

Status ListOrders(const RemoteArgs& a) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a));
  CORDON_ASSIGN_OR_RETURN(client::OrderList list, client::ListOrders(c));
  Print(a, list.answer, [&] {
    for (const auto& o : list.orders) {
      std::cout << o.order_id << "  version " << o.version << "  " << o.organisation << "  "
                << o.submitted_at << "  plan " << o.plan_sha256.substr(0, 16) << "…\n";
    }
  });
  return Ok();
}

Status ShowOrder(const OrderArgs& a) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a.remote));
  std::optional<int64_t> version;
  if (a.version > 0) version = a.version;
  CORDON_ASSIGN_OR_RETURN(client::SubmittedOrder o, client::FetchOrder(c, a.id, version));
  if (!a.out.empty()) CORDON_TRY(client::SaveOrder(o, a.out));
  Print(a.remote, o.answer, [&] {
    std::cout << "order " << o.order_id << " version " << o.version << " for " << o.organisation
              << ", submitted " << o.submitted_at << " by account " << o.submitter_id
              << "\n  order_sha256 " << o.order_sha256 << " (" << o.order_bytes << " bytes)"
              << "\n  plan_sha256  " << o.plan_sha256 << " (" << o.plan_bytes << " bytes)\n"
              << "  " << o.signatures.size() << " DPO signature(s) (passkey, SSH signature)\n";
    if (!a.out.empty()) {
      std::cerr << "written: " << a.out << "/order.toml and " << a.out
                << "/plan.json, exactly as uploaded (digests checked)"
                << (o.signatures.empty() ? "" : ", and the newest signature in order.toml.sig")
                << "\n";
    } else {
      std::cout << "\n" << o.order_toml;
    }
  });
  return Ok();
}

}  // namespace

void RegisterRemoteOrderCommands(CLI::App* remote, const std::shared_ptr<RemoteArgs>& ra,
                                 int* exit_code) {
  auto oa = std::make_shared<OrderArgs>();
  CLI::App* orders = remote->add_subcommand(
      "order",
      "Orders travel through the exchange for the controller's DPO to validate\n"
      "(docs/exchange.md, \"Orders for validation\"). An operator submits the order with its\n"
      "plan; the DPOs of the controller's organisation list and read them.\n"
      "  cordon remote order submit order.toml --source export/ --organisation \"CHU Exemple\"\n"
      "  cordon remote order list\n"
      "  cordon remote order show LAB42-2027 --version 2 -o review/");
  orders->require_subcommand(1);
  CLI::App* osubmit = orders->add_subcommand(
      "submit",
      "Run the order's plan on the source (as `cordon plan --json`: counts and masked\n"
      "samples, never a row of data), write its SHA-256 into the order's [order] table\n"
      "(plan_sha256; the file is rewritten, every other byte unchanged) and upload the order\n"
      "and the plan (operators). Each submission of an order id is a new version.");
  osubmit->add_option("ORDER", oa->file, "the order (TOML); plan_sha256 is written into it")
      ->required();
  AddSourceOptions(osubmit, oa->source);
  osubmit->add_option("--organisation", oa->organisation,
                      "the controller's organisation on the exchange, whose DPOs validate "
                      "(default: the order's controller)");
  AddLedgerOption(osubmit, oa->ledger);
  osubmit->callback([ra, oa, exit_code] {
    oa->remote = *ra;
    *exit_code = Finish(Recorded(oa->ledger, "remote.order.submit",
                                 [&](nlohmann::json& ev) { return SubmitOrder(*oa, ev); }));
  });
  orders
      ->add_subcommand("list",
                       "Orders on the exchange: your submissions (operators), your "
                       "organisation's (DPOs), all (auditors).")
      ->callback([ra, exit_code] { *exit_code = Finish(ListOrders(*ra)); });
  CLI::App* oshow = orders->add_subcommand(
      "show", "One order's version (the latest by default), its digests checked.");
  oshow->add_option("ID", oa->id, "the order id")->required();
  oshow->add_option("--version", oa->version, "a version (1, 2...)")->check(CLI::PositiveNumber);
  oshow->add_option("-o,--out", oa->out,
                    "write DIR/order.toml and DIR/plan.json exactly as uploaded");
  oshow->callback([ra, oa, exit_code] {
    oa->remote = *ra;
    *exit_code = Finish(ShowOrder(*oa));
  });
}

}  // namespace cordon::cli
