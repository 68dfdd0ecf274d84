// `cordon ledger …`: create, append to, read, verify and prove the ledger.
// Reading commands never append: only operations on data are events.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/key_files.h"
#include "cli/ledger_io.h"
#include "core/diagnostic.h"
#include "core/encoding.h"
#include "ledger/append_lines.h"
#include "ledger/merkle.h"
#include "ledger/proofs.h"

namespace cordon::cli {
namespace {

using ledger::Hash;
using ledger::Ledger;

std::string B64(const Hash& h) { return Base64Encode(h); }

Result<Ledger> OpenForReading(const LedgerArgs& args) {
  std::vector<std::string> warnings;
  auto l = Ledger::Open(LedgerDir(args), Ledger::Access::kRead, &warnings);
  for (const auto& w : warnings) std::cerr << FormatWarning(w);
  return l;
}

// A verifier key given as the key text or as a file holding it.
Result<ledger::NoteVerifier> LoadVkey(const std::string& text_or_path) {
  if (text_or_path.find('+') == std::string::npos || PathExists(text_or_path)) {
    CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(text_or_path, 4096));
    return ledger::NoteVerifier::Parse(AsChars(text));
  }
  return ledger::NoteVerifier::Parse(text_or_path);
}

// ---- init, vkey ----

struct InitArgs {
  LedgerArgs ledger;
  std::string origin;
  std::string key;
};

Status Init(const InitArgs& a) {
  if (a.ledger.dir.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no directory given", "pass --dir DIR");
  }
  std::optional<sign::SecretKey> key;
  if (!a.key.empty()) {
    CORDON_ASSIGN_OR_RETURN(sign::SecretKey k, LoadSigningKey(a.key));
    key.emplace(std::move(k));
  } else {
    key.emplace(sign::SecretKey::Generate());
    std::cerr << FormatNote(
        "no -k given: the ledger signs its checkpoints with a new key of its own");
  }
  CORDON_TRY(Ledger::Init(a.ledger.dir, a.origin, *key, ActorJson()));
  CORDON_ASSIGN_OR_RETURN(Ledger l, Ledger::Open(a.ledger.dir, Ledger::Access::kRead));
  std::cout << "ledger " << a.ledger.dir << " created; its verifier key (give it to auditors):\n"
            << l.verifier().Format() << "\n";
  return Ok();
}

Status Vkey(const LedgerArgs& a) {
  CORDON_ASSIGN_OR_RETURN(Ledger l, OpenForReading(a));
  std::cout << l.verifier().Format() << "\n";
  return Ok();
}

// ---- append ----

struct AppendArgs {
  LedgerArgs ledger;
  std::string action;
  std::string json;
  size_t batch = 1000;
};

Status AppendEvents(const AppendArgs& a) {
  if (a.batch == 0) return Error(ErrorCode::kInvalidArgument, "--batch must be at least 1");
  CORDON_ASSIGN_OR_RETURN(Ledger l, OpenLedgerForAppend(a.ledger));
  std::ifstream file;
  std::istream* in = nullptr;
  if (a.json == "-") {
    in = &std::cin;
  } else if (!a.json.empty()) {
    file.open(a.json, std::ios::binary);
    if (!file) return Error(ErrorCode::kNotFound, a.json + ": cannot open");
    in = &file;
  }
  const std::string source = a.json == "-" ? std::string("stdin") : a.json;
  CORDON_ASSIGN_OR_RETURN(ledger::AppendedRange r,
                          ledger::AppendJsonLines(l, in, a.batch, a.action, source));
  std::cout << "appended " << r.count << (r.count == 1 ? " entry" : " entries") << " (seq "
            << r.first
            << (r.count > 1 ? "–" + std::to_string(r.first + r.count - 1) : std::string()) << ")\n";
  return Ok();
}

// ---- show, entry, checkpoint ----

struct ShowArgs {
  LedgerArgs ledger;
  uint64_t since = 0;
  bool json = false;
};

std::string Field(const nlohmann::json& e, const char* a, const char* b = nullptr) {
  const nlohmann::json* v = e.contains(a) ? &e[a] : nullptr;
  if (v && b) v = v->is_object() && v->contains(b) ? &(*v)[b] : nullptr;
  if (!v || v->is_null()) return "-";
  return v->is_string() ? v->get<std::string>() : v->dump();
}

Status Show(const ShowArgs& a) {
  CORDON_ASSIGN_OR_RETURN(Ledger l, OpenForReading(a.ledger));
  for (uint64_t i = a.since; i < l.size(); ++i) {
    CORDON_ASSIGN_OR_RETURN(Bytes entry, l.Entry(i));
    if (a.json) {
      std::cout << AsChars(entry) << "\n";  // JSON Lines, the exact entries
      continue;
    }
    nlohmann::json e = nlohmann::json::parse(AsChars(entry), nullptr, false);
    // The person first when a personal key named one (docs/ledger.md).
    std::string person;
    if (e.is_object() && e.contains("actor") && e["actor"].is_object() &&
        e["actor"].contains("person") && e["actor"]["person"].is_object() &&
        e["actor"]["person"].contains("name") && e["actor"]["person"]["name"].is_string()) {
      person = e["actor"]["person"]["name"].get<std::string>() + " ";
    }
    std::cout << i << "  " << Field(e, "time") << "  " << person << Field(e, "actor", "user") << "@"
              << Field(e, "actor", "host") << "  " << Field(e, "action") << "  "
              << Field(e, "outcome");
    if (e.contains("order")) std::cout << "  order " << Field(e, "order", "id");
    if (e.contains("error")) std::cout << "  (" << Field(e, "error") << ")";
    std::cout << "\n";
  }
  if (!a.json) {
    std::cerr << l.size() << " entries; latest checkpoint covers " << l.checkpointed_size() << "\n";
  }
  return Ok();
}

struct EntryArgs {
  LedgerArgs ledger;
  uint64_t index = 0;
};

Status ShowEntry(const EntryArgs& a) {
  CORDON_ASSIGN_OR_RETURN(Ledger l, OpenForReading(a.ledger));
  CORDON_ASSIGN_OR_RETURN(Bytes entry, l.Entry(a.index));
  FdSink out(1, "stdout");
  return out.Write(entry);
}

Status ShowCheckpoint(const LedgerArgs& a) {
  CORDON_ASSIGN_OR_RETURN(Ledger l, OpenForReading(a));
  if (l.checkpoints().empty()) return Error(ErrorCode::kNotFound, "the ledger has no checkpoint");
  std::cout << l.checkpoints().back();
  return Ok();
}

// ---- verify ----

struct VerifyArgs {
  LedgerArgs ledger;
  std::string vkey;
  bool json = false;
};

Status VerifyCommand(const VerifyArgs& a) {
  std::optional<ledger::NoteVerifier> v;
  if (!a.vkey.empty()) {
    CORDON_ASSIGN_OR_RETURN(v, LoadVkey(a.vkey));
  }
  const std::string dir = LedgerDir(a.ledger);
  auto r = ledger::Verify(dir, v);
  if (a.json) {
    nlohmann::json j = {{"ledger", dir}, {"ok", r.ok()}};
    if (r.ok()) {
      j["entries"] = r->entries;
      j["checkpoints"] = r->checkpoints;
      j["warnings"] = r->warnings;
    } else {
      j["error"] = r.error().message();
    }
    j["vkey"] = v ? "given" : "the ledger's own (vkey file)";
    std::cout << j.dump(2) << "\n";
    return r.ok() ? Status(Ok()) : Status(r.error());
  }
  if (!r.ok()) return r.error().WithContext("ledger " + dir);
  for (const auto& w : r->warnings) std::cerr << FormatWarning(w);
  std::cout << "ledger " << dir << ": " << Thousands(r->entries) << " entries and "
            << Thousands(r->checkpoints) << " checkpoints verify";
  if (!v) {
    std::cout << "\n  (checked against the ledger's own vkey file; pass --vkey with the key you\n"
                 "  were given to rule out a ledger rewritten and re-signed with another key)";
  }
  std::cout << "\n";
  return Ok();
}

// ---- prove, consistency ----

struct ProveArgs {
  LedgerArgs ledger;
  uint64_t index = 0;
  bool json = false;
};

Status Prove(const ProveArgs& a) {
  CORDON_ASSIGN_OR_RETURN(Ledger l, OpenForReading(a.ledger));
  CORDON_ASSIGN_OR_RETURN(ledger::InclusionEvidence e, ledger::ProveInclusion(l, a.index));
  if (a.json) {
    std::cout << e.Json().dump(2) << "\n";
    return Ok();
  }
  std::cout << "entry " << e.index << " is in the tree of size " << e.tree_size << "\n"
            << "  leaf hash  " << B64(e.leaf_hash) << "\n  root       " << B64(e.root) << "\n"
            << "  audit path (RFC 6962, leaf to root):\n";
  for (const auto& h : e.proof) std::cout << "    " << B64(h) << "\n";
  std::cout << "signed checkpoint:\n" << e.checkpoint;
  return Ok();
}

struct ConsistencyArgs {
  LedgerArgs ledger;
  std::string old;
  bool json = false;
};

Status Consistency(const ConsistencyArgs& a) {
  CORDON_ASSIGN_OR_RETURN(Ledger l, OpenForReading(a.ledger));
  CORDON_ASSIGN_OR_RETURN(Bytes old_text, ReadFileLimited(a.old, 16 * 1024));
  CORDON_ASSIGN_OR_RETURN(ledger::ConsistencyEvidence e,
                          ledger::ProveConsistency(l, AsChars(old_text), a.old));
  if (a.json) {
    std::cout << e.Json().dump(2) << "\n";
    return Ok();
  }
  std::cout << "the ledger at size " << e.new_size << " extends your checkpoint of size "
            << e.old_size << " (nothing before it was changed)\n  proof (RFC 6962):\n";
  for (const auto& h : e.proof) std::cout << "    " << B64(h) << "\n";
  std::cout << "signed checkpoint:\n" << e.checkpoint;
  return Ok();
}

}  // namespace

void RegisterLedgerCommands(CLI::App& app, int* exit_code) {
  CLI::App* g = app.add_subcommand(
      "ledger",
      "The tamper-evident record of every operation on data (docs/ledger.md): an RFC 6962\n"
      "Merkle log with C2SP signed checkpoints. Data commands append to it by themselves.");
  g->require_subcommand(1);

  auto i = std::make_shared<InitArgs>();
  CLI::App* init = g->add_subcommand(
      "init",
      "Create a ledger whose checkpoints are signed with KEY (from `cordon sign-keygen`;\n"
      "a new one when -k is omitted). Prints its verifier key.\n"
      "  cordon ledger init --dir /var/lib/cordon/ledger --origin lab.example/cordon -k "
      "ledger.key");
  init->add_option("--dir,--ledger", i->ledger.dir, "directory to create it in")->required();
  init->add_option("--origin", i->origin,
                   "the log's name in its checkpoints, a schema-less URL (lab.example/cordon)")
      ->required();
  init->add_option("-k,--key", i->key, "minisign secret key that signs checkpoints");
  init->callback([i, exit_code] { *exit_code = Finish(Init(*i)); });

  auto vk = std::make_shared<LedgerArgs>();
  CLI::App* vkey = g->add_subcommand(
      "vkey", "Print the note verifier key <name>+<key id>+<key> that checks its checkpoints.");
  AddLedgerOption(vkey, *vk);
  vkey->callback([vk, exit_code] { *exit_code = Finish(Vkey(*vk)); });

  auto ap = std::make_shared<AppendArgs>();
  CLI::App* append = g->add_subcommand(
      "append",
      "Append events for scripts and other tools: one JSON object, or JSON Lines (one object\n"
      "per line), durably, in batches of --batch (one fsync each), then sign a checkpoint.\n"
      "v, seq and time are set by the ledger; an event naming a patient identifier is refused.\n"
      "  cordon ledger append --action backup.done --json event.json\n"
      "  tool --events | cordon ledger append --json -");
  AddLedgerOption(append, ap->ledger);
  append->add_option("--action", ap->action, "the action of every event appended");
  append->add_option("--json", ap->json, "the event(s): a file, or - for standard input");
  append->add_option("--batch", ap->batch, "events per durable write (default 1000)");
  append->callback([ap, exit_code] { *exit_code = Finish(AppendEvents(*ap)); });

  auto sh = std::make_shared<ShowArgs>();
  CLI::App* show = g->add_subcommand(
      "show",
      "List the entries: seq, time, who, action, outcome (--json: the exact entries,\n"
      "one per line).");
  AddLedgerOption(show, sh->ledger);
  show->add_option("--since", sh->since, "first entry to show (0-based)");
  show->add_flag("--json", sh->json, "JSON Lines: the entries exactly as hashed");
  show->callback([sh, exit_code] { *exit_code = Finish(Show(*sh)); });

  auto en = std::make_shared<EntryArgs>();
  CLI::App* entry = g->add_subcommand(
      "entry", "Write entry N's exact bytes (what its leaf hash covers) to standard output.");
  AddLedgerOption(entry, en->ledger);
  entry->add_option("N", en->index, "entry index, 0-based")->required();
  entry->callback([en, exit_code] { *exit_code = Finish(ShowEntry(*en)); });

  auto vf = std::make_shared<VerifyArgs>();
  CLI::App* verify = g->add_subcommand(
      "verify",
      "Recompute every leaf and every checkpoint's root, check every checkpoint's signature and\n"
      "that each extends the one before. Exit 0, or 3 naming the first bad entry or checkpoint.\n"
      "  cordon ledger verify --vkey 'lab.example/cordon+1a2b3c4d+AXk…'");
  AddLedgerOption(verify, vf->ledger);
  verify->add_option("--vkey", vf->vkey,
                     "verifier key (text or file) to check signatures with, instead of the\n"
                     "ledger's own vkey file");
  verify->add_flag("--json", vf->json, "machine-readable result");
  verify->callback([vf, exit_code] { *exit_code = Finish(VerifyCommand(*vf)); });

  auto cp = std::make_shared<LedgerArgs>();
  CLI::App* checkpoint =
      g->add_subcommand("checkpoint", "Print the latest signed checkpoint (a C2SP signed note).");
  AddLedgerOption(checkpoint, *cp);
  checkpoint->callback([cp, exit_code] { *exit_code = Finish(ShowCheckpoint(*cp)); });

  auto pr = std::make_shared<ProveArgs>();
  CLI::App* prove = g->add_subcommand(
      "prove",
      "Prove that entry N is in the log: its leaf hash, the RFC 6962 audit path to the root of\n"
      "the latest checkpoint, the signed checkpoint (and the entry, base64).");
  AddLedgerOption(prove, pr->ledger);
  prove->add_option("--index", pr->index, "entry index, 0-based")->required();
  prove->add_flag("--json", pr->json,
                  "{index, tree_size, leaf_hash, root, proof, checkpoint, entry}, hashes base64");
  prove->callback([pr, exit_code] { *exit_code = Finish(Prove(*pr)); });

  auto cs = std::make_shared<ConsistencyArgs>();
  CLI::App* consistency = g->add_subcommand(
      "consistency",
      "Prove that the ledger today extends a checkpoint you kept (nothing before it changed);\n"
      "exit 3 when it does not: the ledger was rewritten.\n"
      "  cordon ledger consistency --old checkpoint-2026-11.txt");
  AddLedgerOption(consistency, cs->ledger);
  consistency->add_option("--old", cs->old, "a signed checkpoint you kept")->required();
  consistency->add_flag("--json", cs->json,
                        "{old_size, new_size, old_root, new_root, proof, checkpoint}");
  consistency->callback([cs, exit_code] { *exit_code = Finish(Consistency(*cs)); });
}

}  // namespace cordon::cli
