// How commands reach the ledger: the --ledger option, and the accountability
// policy of ledger/accountable.h with its messages shown on stderr. A
// command that cannot record refuses to run: no unrecorded work.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"
#include "ledger/accountable.h"
#include "ledger/ledger.h"

namespace cordon::cli {

// {dir (--ledger), create_origin}: see ledger::LedgerChoice.
using LedgerArgs = ledger::LedgerChoice;

// Adds --ledger DIR to a command.
void AddLedgerOption(CLI::App* command, LedgerArgs& args);

// The directory in use: --ledger, else $CORDON_LEDGER, else
// ${XDG_DATA_HOME:-~/.local/share}/cordon/ledger.
using ledger::IsDefaultLedger;
using ledger::LedgerDir;

// Opens the ledger for appending, creating the per-user default (with a new
// signing key, said on stderr) when it does not exist yet. Warnings from
// recovery are printed on stderr.
Result<ledger::Ledger> OpenLedgerForAppend(const LedgerArgs& args);

// ledger::Recorded on the ledger OpenLedgerForAppend opens: runs `body`,
// then records one event with its outcome. When both the body and the
// recording fail, the ledger's error is printed and the body's returned.
Status Recorded(const LedgerArgs& args, std::string_view action, const ledger::RecordedBody& body);

using ledger::ActorJson;
using ledger::LocalHostName;
using ledger::SetActorPerson;

// {"id", "sha256"} of an order file, as far as it can be read and parsed
// (a refused order is still named by its hash). Here rather than in the
// ledger layer, which does not read orders: the command passes the facts.
nlohmann::json OrderJson(const std::string& path);

}  // namespace cordon::cli
