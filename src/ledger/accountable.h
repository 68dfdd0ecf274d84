// The accountability policy: every command that touches data is recorded in
// a ledger as one event, with who ran it and how it ended, and a command that
// cannot be recorded does not run. Which ledger: the one named, else
// $CORDON_LEDGER, else the per-user default, created with its own key on
// first use. The library never prints: what a person should be told goes to
// the caller's Notices.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "ledger/ledger.h"
#include "sign/minisign.h"

namespace cordon::ledger {

// Which ledger records a command.
struct LedgerChoice {
  std::string dir;  // named by the caller (--ledger DIR); empty: see LedgerDir
  // When set, a missing ledger at the chosen directory is created with this
  // origin and a key of its own (the exchange's ledger in its data directory).
  std::string create_origin;
};

// Reads an environment variable (std::getenv by default; tests pass a map).
using GetEnv = std::function<std::optional<std::string>(const char* name)>;
std::optional<std::string> SystemEnv(const char* name);

// The directory in use: `choice.dir`, else $CORDON_LEDGER, else
// ${XDG_DATA_HOME:-~/.local/share}/cordon/ledger (an XDG_DATA_HOME that is
// not absolute is ignored, as the XDG spec says).
std::string LedgerDir(const LedgerChoice& choice, const GetEnv& env = SystemEnv);
// True when neither the caller nor $CORDON_LEDGER names a ledger.
bool IsDefaultLedger(const LedgerChoice& choice, const GetEnv& env = SystemEnv);

// What the library has to tell a person besides its result; the caller
// words and shows it. Each member may be left empty (dropped). Called on
// the caller's thread.
struct Notices {
  // A ledger was created at `dir` under `origin`, with a key of its own.
  std::function<void(const std::string& dir, const std::string& origin)> created;
  std::function<void(std::string_view)> warning;  // e.g. a torn tail dropped
  std::function<void(const Error&)> error;        // an error that is not the one returned
};

// Opens the chosen ledger for appending. The per-user default (or a choice
// with create_origin) is created when missing, with a new signing key
// (notices.created); recovery warnings go to notices.warning. Errors are
// Ledger::Open's (or the creation's, with the directory as context).
Result<Ledger> OpenForRecording(const LedgerChoice& choice, const Notices& notices,
                                const GetEnv& env = SystemEnv);

// The event's "outcome" for a command's status: "ok"; "refused" for a
// verification or policy refusal (kRefused, kAuthFailed, kNoMatch);
// "failed" otherwise.
std::string_view OutcomeOf(const Status& status);

// The body of a recorded command: does the work and adds what it did to
// `event` (counts, hashes, ids; never personal data).
using RecordedBody = std::function<Status(nlohmann::json& event)>;
// Opens the ledger a command is recorded in (OpenForRecording, usually).
using LedgerOpener = std::function<Result<Ledger>()>;

// Opens the ledger, runs `body`, then appends one event and a new
// checkpoint. The event is {"action", "actor": ActorJson(), what the body
// added, "outcome", and "error"/"error_code" when the body failed}; "action"
// and "outcome" are set after the body, so it cannot relabel them. When the
// ledger refuses what the body added (it looked like personal data, say a
// phone number in a path) the bare facts are recorded instead: action,
// actor, outcome, error code. If the ledger cannot be opened the body never
// runs and that error is returned. Otherwise returns the body's status;
// when the body succeeded but the event could not be recorded, the ledger's
// error; when both failed, the body's error (the ledger's goes to
// notices.error).
Status Recorded(const LedgerOpener& open, std::string_view action, const RecordedBody& body,
                const Notices& notices = {});

// {"user", "host", "person": null} of whoever runs this process: the Unix
// account says little about who acted, so "person" stays null (shown in red
// by `cordon report`) until a command names one with SetActorPerson.
nlohmann::json ActorJson();

// Names the person acting in `event["actor"]`: the holder of the personal
// signing key the command uses ({"name", "key_id"}; null for a key that
// names nobody).
void SetActorPerson(nlohmann::json& event, const sign::SecretKey& key);

// This machine's host name ("localhost" when it has none).
std::string LocalHostName();

}  // namespace cordon::ledger
