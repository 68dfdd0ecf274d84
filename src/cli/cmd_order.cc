// `cordon order check` and `cordon order sign`: the controller's tools to
// validate an order against the source and to sign it.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/key_files.h"
#include "cli/ledger_io.h"
#include "cli/order_io.h"
#include "core/diagnostic.h"
#include "core/utc_time.h"
#include "pipeline/binding.h"
#include "sign/minisign.h"

namespace cordon::cli {
namespace {

struct CheckArgs {
  std::string order;
  SourceArgs source;
  bool json = false;
};

Status Check(const CheckArgs& a) {
  CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(a.order, 1 << 20));
  order::LoadedOrder loaded = order::ParseOrder(AsChars(text), a.order);
  std::vector<order::Diagnostic> problems = loaded.problems;
  pipeline::Binding binding;  // points into `loaded` and `src`: both outlive it
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<source::TableSource> src, OpenSource(a.source));
  if (problems.empty()) {
    binding = pipeline::Bind(loaded.order, *src);
    problems = binding.problems;
  }
  if (a.json) {
    nlohmann::ordered_json j;
    j["order"] = a.order;
    j["ok"] = problems.empty();
    nlohmann::ordered_json tables = nlohmann::ordered_json::array();
    for (const auto& t : binding.tables) {
      nlohmann::ordered_json cols = nlohmann::ordered_json::array();
      for (const auto& c : t.columns) {
        cols.push_back(
            {{"name", c.column}, {"fate", c.fate_text()}, {"looks_free_text", c.looks_free_text}});
      }
      tables.push_back({{"name", t.spec->name},
                        {"from", t.source->name},
                        {"dialect", t.dialect},
                        {"columns", cols}});
    }
    j["tables"] = tables;
    nlohmann::ordered_json probs = nlohmann::ordered_json::array();
    for (const auto& p : problems) {
      probs.push_back({{"line", p.pos.line},
                       {"column", p.pos.column},
                       {"message", p.message},
                       {"hint", p.hint}});
    }
    j["problems"] = probs;
    std::cout << j.dump(2) << "\n";
  } else {
    for (const auto& t : binding.tables) {
      std::cout << "table " << t.spec->name << " ← " << t.source->name << " (" << t.dialect
                << ")\n";
      for (const auto& c : t.columns) {
        std::cout << "  "
                  << (c.excluded()              ? "  excluded      "
                      : c.fate_text() == "keep" ? "→ keep          "
                                                : "→ keep:free-text")
                  << "  " << c.column;
        if (c.looks_free_text) std::cout << "   (free text, by its " << c.why_free_text << ")";
        std::cout << "\n";
      }
      if (t.spec->where) std::cout << "  where  " << *t.spec->where << "\n";
      if (t.spec->follow) {
        std::cout << "  follow " << t.spec->follow->column << " -> " << t.spec->follow->parent_table
                  << "." << t.spec->follow->parent_column << "\n";
      }
    }
    for (const auto& p : problems) {
      std::cerr << FormatError(
          Error(ErrorCode::kInvalidArgument, order::FormatDiagnostic(a.order, p), p.hint));
    }
  }
  if (!problems.empty()) {
    return Error(ErrorCode::kRefused, a.order + ": " + std::to_string(problems.size()) +
                                          " problem(s); extract would refuse this order");
  }
  if (!a.json) std::cout << a.order << ": fits the source; extract would accept it once signed\n";
  return Ok();
}

struct OrderSignArgs {
  LedgerArgs ledger;
  std::string order;
  std::string key;
};

Status SignOrder(const OrderSignArgs& a, nlohmann::json& event) {
  event["order"] = OrderJson(a.order);
  CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(a.order, 1 << 20));
  order::LoadedOrder loaded = order::ParseOrder(AsChars(text), a.order);
  if (!loaded.problems.empty()) return order::ProblemsError(a.order, loaded.problems);
  CORDON_ASSIGN_OR_RETURN(sign::SecretKey key, LoadSigningKey(a.key));
  event["key_id"] = sign::KeyIdHex(key.key_id());
  SetActorPerson(event, key);
  MemorySource m(text);
  CORDON_ASSIGN_OR_RETURN(
      sign::Signature sig,
      sign::Sign(key, m, "cordon order " + loaded.order.id + " signed " + UtcNowText()));
  CORDON_TRY(WriteFileAtomic(a.order + ".minisig", AsBytes(sig.Format())));
  std::cout << "signed order " << loaded.order.id << " with key " << sign::KeyIdHex(key.key_id())
            << ": " << a.order << ".minisig\n";
  return Ok();
}

}  // namespace

void RegisterOrderCommands(CLI::App& app, int* exit_code) {
  CLI::App* o =
      app.add_subcommand("order", "Check and sign the controller's order (docs/order-format.md).");
  o->require_subcommand(1);
  auto c = std::make_shared<CheckArgs>();
  CLI::App* check = o->add_subcommand(
      "check",
      "Show every source column with its fate, and every problem with file:line:column\n"
      "and a hint. Exit 0 when extract would accept the order (once signed), 3 otherwise.\n"
      "  cordon order check order.toml --source export/");
  check->add_option("ORDER", c->order, "the order (TOML)")->required();
  AddSourceOptions(check, c->source);
  check->add_flag("--json", c->json, "machine-readable report");
  check->callback([c, exit_code] { *exit_code = Finish(Check(*c)); });

  auto s = std::make_shared<OrderSignArgs>();
  CLI::App* sign = o->add_subcommand(
      "sign",
      "Sign an order as the controller: writes ORDER.minisig (minisign format; `minisign -Sm\n"
      "ORDER` does the same).\n"
      "  cordon order sign order.toml -k lab-dpo.key");
  sign->add_option("ORDER", s->order, "the order (TOML)")->required();
  sign->add_option("-k,--key", s->key, "the controller's secret key (cordon sign-keygen)")
      ->required();
  AddLedgerOption(sign, s->ledger);
  sign->callback([s, exit_code] {
    *exit_code = Finish(
        Recorded(s->ledger, "order.sign", [&](nlohmann::json& ev) { return SignOrder(*s, ev); }));
  });
}

}  // namespace cordon::cli
