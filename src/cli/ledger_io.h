// How commands reach the ledger: which one (--ledger DIR, $CORDON_LEDGER, or
// the per-user default under $XDG_DATA_HOME, created with its own key on
// first use), and recording a command as one event with its outcome. A
// command that cannot record refuses to run: no unrecorded work.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"
#include "ledger/ledger.h"
#include "sign/minisign.h"

namespace cordon::cli {

struct LedgerArgs {
  std::string dir;
  // When set, a missing ledger at `dir` is created with this origin and a
  // key of its own (the exchange's ledger in its data directory).
  std::string create_origin;
};

// Adds --ledger DIR to a command.
void AddLedgerOption(CLI::App* command, LedgerArgs& args);

// The directory in use: --ledger, else $CORDON_LEDGER, else
// ${XDG_DATA_HOME:-~/.local/share}/cordon/ledger.
std::string LedgerDir(const LedgerArgs& args);
bool IsDefaultLedger(const LedgerArgs& args);

// Opens the ledger for appending, creating the per-user default (with a new
// signing key, said on stderr) when it does not exist yet. Warnings from
// recovery are printed on stderr.
Result<ledger::Ledger> OpenLedgerForAppend(const LedgerArgs& args);

// Runs `body`, then appends one event — {"action", "actor": {"user","host","person"},
// what the body added, "outcome": "ok"|"refused"|"failed", "error"} — and a
// new checkpoint. The ledger is opened before the body runs. Returns the
// body's status (or the ledger's error when the body succeeded but the event
// could not be recorded).
Status Recorded(const LedgerArgs& args, std::string_view action,
                const std::function<Status(nlohmann::json& event)>& body);

// {"user", "host", "person": null} of whoever runs this process: the Unix
// account says little about who acted, so "person" stays null (shown in red
// by `cordon report`) until a command names one with SetActorPerson.
nlohmann::json ActorJson();

// Names the person acting: the holder of the personal signing key the
// command uses ({"name", "key_id"}; null for a key that names nobody).
void SetActorPerson(nlohmann::json& event, const sign::SecretKey& key);
std::string LocalHostName();

// {"id", "sha256"} of an order file, as far as it can be read and parsed
// (a refused order is still named by its hash).
nlohmann::json OrderJson(const std::string& path);

}  // namespace cordon::cli
