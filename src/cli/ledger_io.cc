#include "cli/ledger_io.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "core/diagnostic.h"
#include "core/encoding.h"
#include "core/file.h"
#include "crypto/hash.h"
#include "order/order.h"

namespace cordon::cli {
namespace {

std::string UserName() {
  if (const passwd* pw = getpwuid(geteuid()); pw != nullptr && pw->pw_name) return pw->pw_name;
  return "uid-" + std::to_string(geteuid());
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

std::string_view Outcome(const Status& s) {
  if (s.ok()) return "ok";
  switch (s.error().code()) {
    case ErrorCode::kRefused:
    case ErrorCode::kAuthFailed:
    case ErrorCode::kNoMatch:
      return "refused";
    default:
      return "failed";
  }
}

}  // namespace

void AddLedgerOption(CLI::App* command, LedgerArgs& args) {
  command->add_option("--ledger", args.dir,
                      "the ledger that records this command (default: $CORDON_LEDGER, else\n"
                      "~/.local/share/cordon/ledger, created on first use)");
}

bool IsDefaultLedger(const LedgerArgs& args) {
  const char* env = std::getenv("CORDON_LEDGER");
  return args.dir.empty() && (env == nullptr || *env == '\0');
}

std::string LedgerDir(const LedgerArgs& args) {
  if (!args.dir.empty()) return args.dir;
  if (const char* env = std::getenv("CORDON_LEDGER"); env != nullptr && *env != '\0') return env;
  std::string base;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg == '/') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    base = std::string(home) + "/.local/share";
  } else if (const passwd* pw = getpwuid(geteuid()); pw != nullptr && pw->pw_dir) {
    base = std::string(pw->pw_dir) + "/.local/share";
  } else {
    base = ".";
  }
  return base + "/cordon/ledger";
}

Result<ledger::Ledger> OpenLedgerForAppend(const LedgerArgs& args) {
  const std::string dir = LedgerDir(args);
  if ((IsDefaultLedger(args) || !args.create_origin.empty()) && !PathExists(dir + "/ledger.log")) {
    sign::SecretKey key = sign::SecretKey::Generate();
    const std::string origin =
        args.create_origin.empty() ? HostName() + "/cordon/" + UserName() : args.create_origin;
    Status made = ledger::Ledger::Init(dir, origin, key, ActorJson());
    if (!made.ok()) return made.error().WithContext("creating your ledger in " + dir);
    std::cerr << "cordon: created your ledger in " << dir << " (origin " << origin
              << ", its own signing key); every data command is recorded there.\n"
              << "        Give its verifier key (`cordon ledger vkey`) to whoever audits you.\n";
  }
  std::vector<std::string> warnings;
  auto l = ledger::Ledger::Open(dir, ledger::Ledger::Access::kAppend, &warnings);
  for (const auto& w : warnings) std::cerr << "cordon: warning: " << w << "\n";
  if (!l.ok()) {
    return l.error().WithHint(l.error().hint().empty()
                                  ? "pass --ledger DIR (or set CORDON_LEDGER) to a ledger made "
                                    "with `cordon ledger init`"
                                  : l.error().hint());
  }
  return l;
}

Status Recorded(const LedgerArgs& args, std::string_view action,
                const std::function<Status(nlohmann::json& event)>& body) {
  CORDON_ASSIGN_OR_RETURN(ledger::Ledger l, OpenLedgerForAppend(args));
  nlohmann::json event = {{"action", action}, {"actor", ActorJson()}};
  Status result = body(event);
  event["action"] = action;  // the body cannot relabel what it did
  event["outcome"] = Outcome(result);
  if (!result.ok()) {
    event["error"] = result.error().message();
    event["error_code"] = ErrorCodeName(result.error().code());
  }
  auto appended = l.Append({event});
  if (!appended.ok() && appended.error().code() == ErrorCode::kRefused) {
    // Something the body added looked like personal data (a path with a
    // phone number in it...): record the bare facts rather than nothing.
    nlohmann::json bare = {{"action", action},
                           {"actor", event["actor"]},
                           {"outcome", event["outcome"]},
                           {"withheld", "details left out: they looked like personal data"}};
    if (event.contains("error_code")) bare["error_code"] = event["error_code"];
    event = std::move(bare);
    appended = l.Append({event});
  }
  Status recorded = appended.ok() ? Status(Ok()) : Status(appended.error());
  if (recorded.ok()) {
    auto cp = l.Checkpoint();
    if (!cp.ok()) recorded = cp.error();
  }
  if (!recorded.ok()) {
    Error e = recorded.error().WithContext("ledger " + l.dir());
    if (!result.ok()) {
      std::cerr << FormatError(e);
      return result;
    }
    return e;
  }
  return result;
}

nlohmann::json ActorJson() {
  return {{"user", UserName()}, {"host", HostName()}, {"person", nullptr}};
}

void SetActorPerson(nlohmann::json& event, const sign::SecretKey& key) {
  nlohmann::json person = nullptr;
  if (!key.person().empty()) {
    person = {{"name", key.person()}, {"key_id", sign::KeyIdHex(key.key_id())}};
  }
  event["actor"]["person"] = person;
}

std::string LocalHostName() { return HostName(); }

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
