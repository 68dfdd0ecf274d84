#include "ledger/accountable.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "core/file.h"

namespace cordon::ledger {
namespace {

std::string UserName() {
  if (const passwd* pw = getpwuid(geteuid()); pw != nullptr && pw->pw_name) return pw->pw_name;
  return "uid-" + std::to_string(geteuid());
}

std::optional<std::string> NonEmpty(const GetEnv& env, const char* name) {
  std::optional<std::string> v = env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::string> SystemEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

bool IsDefaultLedger(const LedgerChoice& choice, const GetEnv& env) {
  return choice.dir.empty() && !NonEmpty(env, "CORDON_LEDGER");
}

std::string LedgerDir(const LedgerChoice& choice, const GetEnv& env) {
  if (!choice.dir.empty()) return choice.dir;
  if (auto dir = NonEmpty(env, "CORDON_LEDGER")) return *dir;
  std::string base;
  if (auto xdg = env("XDG_DATA_HOME"); xdg && xdg->starts_with('/')) {
    base = *xdg;
  } else if (auto home = NonEmpty(env, "HOME")) {
    base = *home + "/.local/share";
  } else if (const passwd* pw = getpwuid(geteuid()); pw != nullptr && pw->pw_dir) {
    base = std::string(pw->pw_dir) + "/.local/share";
  } else {
    base = ".";
  }
  return base + "/cordon/ledger";
}

Result<Ledger> OpenForRecording(const LedgerChoice& choice, const Notices& notices,
                                const GetEnv& env) {
  const std::string dir = LedgerDir(choice, env);
  const bool may_create = IsDefaultLedger(choice, env) || !choice.create_origin.empty();
  if (may_create && !PathExists(dir + "/ledger.log")) {
    sign::SecretKey key = sign::SecretKey::Generate();
    const std::string origin = choice.create_origin.empty()
                                   ? LocalHostName() + "/cordon/" + UserName()
                                   : choice.create_origin;
    Status made = Ledger::Init(dir, origin, key, ActorJson());
    if (!made.ok()) return made.error().WithContext("creating your ledger in " + dir);
    if (notices.created) notices.created(dir, origin);
  }
  std::vector<std::string> warnings;
  auto opened = Ledger::Open(dir, Ledger::Access::kAppend, &warnings);
  if (notices.warning) {
    for (const auto& w : warnings) notices.warning(w);
  }
  return opened;
}

std::string_view OutcomeOf(const Status& status) {
  if (status.ok()) return "ok";
  switch (status.error().code()) {
    case ErrorCode::kRefused:
    case ErrorCode::kAuthFailed:
    case ErrorCode::kNoMatch:
      return "refused";
    default:
      return "failed";
  }
}

Status Recorded(const LedgerOpener& open, std::string_view action, const RecordedBody& body,
                const Notices& notices) {
  // Opened first: a command that could not be recorded must not run.
  CORDON_ASSIGN_OR_RETURN(Ledger l, open());
  nlohmann::json event = {{"action", action}, {"actor", ActorJson()}};
  Status result = body(event);
  event["action"] = action;  // the body cannot relabel what it did
  event["outcome"] = OutcomeOf(result);
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
    appended = l.Append({std::move(bare)});
  }
  Status recorded = appended.ok() ? Status(Ok()) : Status(appended.error());
  if (recorded.ok()) {
    auto cp = l.Checkpoint();
    if (!cp.ok()) recorded = cp.error();
  }
  if (recorded.ok()) return result;
  Error e = recorded.error().WithContext("ledger " + l.dir());
  if (result.ok()) return e;
  if (notices.error) notices.error(e);
  return result;
}

nlohmann::json ActorJson() {
  return {{"user", UserName()}, {"host", LocalHostName()}, {"person", nullptr}};
}

void SetActorPerson(nlohmann::json& event, const sign::SecretKey& key) {
  nlohmann::json person = nullptr;
  if (!key.person().empty()) {
    person = {{"name", key.person()}, {"key_id", sign::KeyIdHex(key.key_id())}};
  }
  event["actor"]["person"] = person;
}

std::string LocalHostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

}  // namespace cordon::ledger
