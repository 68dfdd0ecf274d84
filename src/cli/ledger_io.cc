#include "cli/ledger_io.h"

#include <iostream>

#include "core/diagnostic.h"
#include "core/encoding.h"
#include "core/file.h"
#include "crypto/hash.h"
#include "order/order.h"

namespace cordon::cli {
namespace {

ledger::Notices StderrNotices() {
  return {
      .created =
          [](const std::string& dir, const std::string& origin) {
            std::cerr << FormatNote("created your ledger in " + dir + " (origin " + origin +
                                    ", its own signing key); every data command is recorded "
                                    "there.\n        Give its verifier key (`cordon ledger "
                                    "vkey`) to whoever audits you.");
          },
      .warning = [](std::string_view w) { std::cerr << FormatWarning(w); },
      .error = [](const Error& e) { std::cerr << FormatError(e); },
  };
}

}  // namespace

void AddLedgerOption(CLI::App* command, LedgerArgs& args) {
  command->add_option("--ledger", args.dir,
                      "the ledger that records this command (default: $CORDON_LEDGER, else\n"
                      "~/.local/share/cordon/ledger, created on first use)");
}

Result<ledger::Ledger> OpenLedgerForAppend(const LedgerArgs& args) {
  auto l = ledger::OpenForRecording(args, StderrNotices());
  if (!l.ok()) {
    return l.error().WithHint(l.error().hint().empty()
                                  ? "pass --ledger DIR (or set CORDON_LEDGER) to a ledger made "
                                    "with `cordon ledger init`"
                                  : l.error().hint());
  }
  return l;
}

Status Recorded(const LedgerArgs& args, std::string_view action, const ledger::RecordedBody& body) {
  return ledger::Recorded([&] { return OpenLedgerForAppend(args); }, action, body, StderrNotices());
}

nlohmann::json OrderJson(const std::string& path) {
  nlohmann::json o = nlohmann::json::object();
  auto text = ReadFileLimited(path, 1 << 20);
  if (!text.ok()) return o;
  o["sha256"] = HexEncode(crypto::Sha256::Hash(*text));
  order::LoadedOrder loaded = order::ParseOrder(AsChars(*text), path);
  if (!loaded.order.id.empty()) o["id"] = loaded.order.id;
  return o;
}

}  // namespace cordon::cli
