// `cordon watchlist`: the controller's watch key and the watchlists of real
// identifiers that `cordon scan --watchlist` checks findings against
// (docs/watchlist.md). A watchlist holds keyed digests only, never a value.
#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/key_files.h"
#include "cli/ledger_io.h"
#include "cli/order_io.h"
#include "core/diagnostic.h"
#include "core/encoding.h"
#include "crypto/hash.h"
#include "scan/watchlist.h"
#include "scan/watchlist_source.h"

namespace cordon::cli {
namespace {

// The chance that one value not in production matches one of `n` digests
// of 64 bits: n / 2^64.
double FalsePositiveRate(uint64_t n) { return std::ldexp(static_cast<double>(n), -64); }

nlohmann::json KindCountsJson(const std::array<uint64_t, detect::kKindCount>& counts) {
  nlohmann::json j = nlohmann::json::object();
  for (size_t k = 0; k < counts.size(); ++k) {
    j[std::string(detect::KindName(static_cast<detect::Kind>(k)))] = counts[k];
  }
  return j;
}

// Writes the watchlist atomically: a reader never sees half a file, and a
// failed build leaves the previous snapshot in place.
Result<std::string> WriteWatchlist(const scan::Watchlist& list, const std::string& path) {
  Bytes data = list.Serialize();
  CORDON_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(path, 0644));
  CORDON_TRY(file.Write(data));
  CORDON_TRY(file.Commit());
  auto sum = crypto::Sha256::Hash(data);
  return HexEncode(sum);
}

Status NewKey(const std::string& output) {
  scan::WatchKey key = scan::WatchKey::Generate();
  CORDON_TRY(WriteSecretFile(output, key.FileText()));
  std::cout << key.id() << "\n";
  std::cerr << "cordon: wrote " << output
            << " (mode 0600). Keep it with the controller: with it, numbers can be tested "
               "against the watchlists.\n";
  return Ok();
}

struct BuildArgs {
  LedgerArgs ledger;
  SourceArgs source;
  std::string order;
  std::string columns;
  std::string key;
  std::string output;
  bool json = false;
};

// Fates that replace an identifying value: their columns hold identifiers.
bool Replaces(order::FateKind kind) {
  switch (kind) {
    case order::FateKind::kPseudonym:
    case order::FateKind::kPseudonymNir:
    case order::FateKind::kPseudonymCpr:
    case order::FateKind::kFpeDigits:
    case order::FateKind::kSynthetic:
    case order::FateKind::kMask:
    case order::FateKind::kNull:
      return true;
    default:
      return false;
  }
}

Result<std::vector<scan::ColumnPick>> PickColumns(const BuildArgs& a) {
  std::vector<scan::ColumnPick> picks;
  std::string_view list = a.columns;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty()) {
      return Error(ErrorCode::kInvalidArgument, "--columns: an empty column name",
                   "write --columns NIR,TEL (comma-separated, no empty entries)");
    }
    picks.push_back({"", std::string(name)});
  }
  if (!a.order.empty()) {
    CORDON_ASSIGN_OR_RETURN(order::Order o, LoadOrderFile(a.order));
    for (const order::TableOrder& t : o.tables) {
      for (const order::ColumnRule& rule : t.columns) {
        if (Replaces(rule.fate.kind)) picks.push_back({t.from, rule.column});
      }
    }
  }
  return picks;
}

Status Build(const BuildArgs& a, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(scan::WatchKey key, LoadWatchKey(a.key));
  CORDON_ASSIGN_OR_RETURN(std::vector<scan::ColumnPick> picks, PickColumns(a));
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<source::TableSource> src, OpenSource(a.source));
  uint64_t total = 0;
  for (const auto& t : src->tables()) total += t.size;
  scan::WatchlistBuilder builder(key);
  scan::WatchSourceStats stats;
  {
    ProgressLine progress("reading", total);
    CORDON_ASSIGN_OR_RETURN(stats, scan::AddTableSource(*src, picks, builder, [&](const auto& s) {
                              progress.Update(s.bytes);
                            }));
  }
  for (const std::string& m : stats.missing) {
    std::cerr << FormatWarning("column " + m + " is in no table of the source; left out");
  }
  const auto counts = builder.DistinctCounts();
  scan::Watchlist list = builder.Finish();
  CORDON_ASSIGN_OR_RETURN(std::string sha256, WriteWatchlist(list, a.output));
  const uint64_t bytes = scan::Watchlist::FileSize(list.size());
  nlohmann::json summary = {{"output", a.output},
                            {"key_id", key.id()},
                            {"tables", stats.tables},
                            {"rows", stats.rows},
                            {"counts", KindCountsJson(counts)},
                            {"digests", list.size()},
                            {"bytes", bytes},
                            {"sha256", sha256},
                            {"false_positive_rate", FalsePositiveRate(list.size())}};
  event["watchlist"] = {{"key_id", key.id()},     {"tables", stats.tables},
                        {"rows", stats.rows},     {"counts", KindCountsJson(counts)},
                        {"digests", list.size()}, {"bytes", bytes},
                        {"sha256", sha256}};
  if (!a.order.empty()) event["order"] = OrderJson(a.order);
  if (a.json) {
    std::cout << summary.dump(2) << "\n";
  } else {
    std::string kinds;
    for (size_t k = 0; k < counts.size(); ++k) {
      if (counts[k] == 0) continue;
      kinds += (kinds.empty() ? "" : ", ") + Thousands(counts[k]) + " " +
               std::string(detect::KindName(static_cast<detect::Kind>(k)));
    }
    std::cout << "wrote " << a.output << ": " << Thousands(list.size()) << " digests ("
              << (kinds.empty() ? "no identifier found" : kinds) << ") from "
              << Thousands(stats.rows) << " rows, " << Thousands(bytes) << " bytes, watch key "
              << key.id() << "\n";
  }
  return Ok();
}

Status Info(const std::string& path, bool json) {
  CORDON_ASSIGN_OR_RETURN(scan::Watchlist list, LoadWatchlist(path));
  const uint64_t bytes = scan::Watchlist::FileSize(list.size());
  const int version = static_cast<int>(list.scheme());
  if (json) {
    std::cout << nlohmann::json({{"path", path},
                                 {"version", version},
                                 {"key_id", list.key_id()},
                                 {"digests", list.size()},
                                 {"bytes", bytes},
                                 {"false_positive_rate", FalsePositiveRate(list.size())}})
                     .dump(2)
              << "\n";
  } else {
    char rate[32];
    (void)std::snprintf(rate, sizeof rate, "%.1e", FalsePositiveRate(list.size()));
    std::cout << path << ": cordon-watchlist " << version << ", watch key " << list.key_id() << ", "
              << Thousands(list.size()) << " digests, " << Thousands(bytes)
              << " bytes; false-positive rate " << rate << " per value looked up\n";
  }
  return Ok();
}

Status Merge(const std::vector<std::string>& inputs, const std::string& output) {
  std::vector<scan::Watchlist> lists;
  for (const std::string& path : inputs) {
    CORDON_ASSIGN_OR_RETURN(scan::Watchlist list, LoadWatchlist(path));
    if (!lists.empty() && list.key_id() != lists.front().key_id()) {
      return Error(ErrorCode::kInvalidArgument,
                   path + " was made with watch key " + list.key_id() + ", " + inputs.front() +
                       " with " + lists.front().key_id(),
                   "merge only watchlists built with the same --key");
    }
    lists.push_back(std::move(list));
  }
  CORDON_ASSIGN_OR_RETURN(scan::Watchlist merged, scan::Watchlist::Merge(std::move(lists)));
  CORDON_ASSIGN_OR_RETURN(std::string sha256, WriteWatchlist(merged, output));
  (void)sha256;
  std::cout << "wrote " << output << ": " << Thousands(merged.size()) << " digests, watch key "
            << merged.key_id() << "\n";
  return Ok();
}

}  // namespace

void RegisterWatchlistCommands(CLI::App& app, int* exit_code) {
  CLI::App* w = app.add_subcommand(
      "watchlist",
      "Watchlists of real identifiers that hold no identifier: keyed 64-bit digests of the\n"
      "production source's NIR, CPR, IBAN, card numbers, e-mails and phones, for\n"
      "`cordon scan --watchlist` to tell real patients from pseudonyms (docs/watchlist.md).\n"
      "  cordon watchlist keygen -o watch.key\n"
      "  cordon watchlist build --source export/ --order order.toml --key watch.key -o "
      "prod.watchlist\n"
      "  cordon scan /srv/test --watchlist prod.watchlist --watch-key watch.key --fail-on-real");
  w->require_subcommand(1);

  auto key_out = std::make_shared<std::string>();
  CLI::App* keygen =
      w->add_subcommand("keygen", "create a watch key file (mode 0600); prints its id");
  keygen->add_option("-o,--output", *key_out, "key file to create (never overwritten)")->required();
  keygen->callback([key_out, exit_code] { *exit_code = Finish(NewKey(*key_out)); });

  auto b = std::make_shared<BuildArgs>();
  CLI::App* build = w->add_subcommand(
      "build",
      "Read a production source and write the digests of its identifiers: every\n"
      "identifier the detectors find in any cell, and the values of the named columns\n"
      "(--columns, and those the --order transforms). Rebuild for a newer snapshot; the\n"
      "file is replaced atomically.");
  AddSourceOptions(build, b->source);
  build->add_option("--order", b->order, "an order whose transformed columns hold identifiers");
  build->add_option("--columns", b->columns, "comma-separated columns holding identifiers");
  build->add_option("--key", b->key, "the watch key (cordon watchlist keygen)")->required();
  build->add_option("-o,--output", b->output, "the watchlist to write")->required();
  build->add_flag("--json", b->json, "a JSON summary: counts per kind, digests, bytes");
  AddLedgerOption(build, b->ledger);
  build->callback([b, exit_code] {
    Status recorded =
        Recorded(b->ledger, "watchlist-build", [&](nlohmann::json& ev) { return Build(*b, ev); });
    *exit_code = Finish(recorded);
  });

  auto info = std::make_shared<std::pair<std::string, bool>>();
  CLI::App* inf = w->add_subcommand("info", "the key id and size of a watchlist");
  inf->add_option("FILE", info->first, "watchlist")->required();
  inf->add_flag("--json", info->second, "as JSON");
  inf->callback([info, exit_code] { *exit_code = Finish(Info(info->first, info->second)); });

  auto merge = std::make_shared<std::pair<std::vector<std::string>, std::string>>();
  CLI::App* mer = w->add_subcommand(
      "merge", "one watchlist from several made with the same key (e.g. two systems)");
  mer->add_option("FILE", merge->first, "watchlists")->required();
  mer->add_option("-o,--output", merge->second, "the watchlist to write")->required();
  mer->callback([merge, exit_code] { *exit_code = Finish(Merge(merge->first, merge->second)); });
}

}  // namespace cordon::cli
