// `cordon recording verify|play|cat`: check a recorded maintenance session
// against its anchors (no key needed), and replay or print it (with one of
// the identities it was encrypted to). Plaintext is streamed, never written
// to a file.
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "age/age.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/key_files.h"
#include "core/diagnostic.h"
#include "ledger/ledger.h"
#include "recording/asciicast.h"
#include "recording/replay_filter.h"
#include "recording/verify.h"

namespace cordon::cli {
namespace {

// Anchors files are small: a session anchored every minute for a day has
// 1,440 anchors of about 200 bytes.
constexpr size_t kMaxAnchorsFile = 64 << 20;

struct VerifyArgs {
  std::string file;
  std::string anchors;
  std::string ledger;  // the exchange's ledger directory
  std::string vkey;    // its verifier key (default: the ledger's own vkey file)
  bool json = false;
};

struct PlayArgs {
  std::string file;
  std::vector<std::string> identities;
  double speed = 1.0;
  double max_wait = 0;  // 0: wait as long as the session did
  bool no_wait = false;
  bool show_input = false;
  bool raw = false;
};

// The anchors the exchange's ledger holds for the recording named
// `header_sha256`: the ledger is verified first (every leaf, every signed
// checkpoint), then the session is found by its first anchor (the only
// event that names the header) and every anchor and the end event of that
// session are taken in ledger order.
Result<recording::AnchorSet> AnchorsFromLedger(const VerifyArgs& args,
                                               const std::string& header_sha256) {
  if (header_sha256.empty()) {
    return Error(ErrorCode::kAuthFailed, args.file + " does not start with an age header",
                 "it is not a recording, or its first bytes were destroyed");
  }
  std::optional<ledger::NoteVerifier> verifier;
  if (!args.vkey.empty()) {
    CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(args.vkey, 4096));
    CORDON_ASSIGN_OR_RETURN(ledger::NoteVerifier v, ledger::NoteVerifier::Parse(AsChars(text)));
    verifier = std::move(v);
  }
  if (auto verified = ledger::Verify(args.ledger, verifier); !verified.ok()) {
    return verified.error().WithHint(
        "the ledger itself does not verify: its anchors prove nothing");
  }
  std::vector<std::string> warnings;
  CORDON_ASSIGN_OR_RETURN(
      ledger::Ledger l,
      ledger::Ledger::Open(args.ledger, ledger::Ledger::Access::kRead, &warnings));
  recording::AnchorSet set;
  std::optional<int64_t> session;
  for (uint64_t i = 0; i < l.size(); ++i) {
    CORDON_ASSIGN_OR_RETURN(Bytes entry, l.Entry(i));
    const nlohmann::json e = nlohmann::json::parse(AsChars(entry), nullptr, false);
    if (!e.is_object() || !e.contains("action") || !e["action"].is_string()) continue;
    const std::string& action = e["action"].get_ref<const std::string&>();
    if (action != "exchange.session.anchor" && action != "exchange.session.end") continue;
    if (e.value("outcome", "") != "ok" || !e.contains("session") ||
        !e["session"].is_number_integer()) {
      continue;
    }
    const int64_t id = e["session"].get<int64_t>();
    if (!session) {
      if (action != "exchange.session.anchor" || e.value("header_sha256", "") != header_sha256) {
        continue;
      }
      session = id;
    }
    if (id != *session) continue;
    if (set.ended) {
      return Error(ErrorCode::kAuthFailed,
                   "the ledger has events of session " + std::to_string(id) + " after its end");
    }
    nlohmann::json a = {{"chunks", e.value("chunks", nlohmann::json())},
                        {"bytes", e.value("bytes", nlohmann::json())},
                        {"head", e.value("head", nlohmann::json())}};
    CORDON_ASSIGN_OR_RETURN(recording::Anchor anchor, recording::AnchorFromJson(a));
    set.anchors.push_back(std::move(anchor));
    set.ended = action == "exchange.session.end";
  }
  if (!session) {
    return Error(ErrorCode::kAuthFailed,
                 "the ledger " + args.ledger + " anchors no recording with this header (" +
                     header_sha256.substr(0, 16) + "…)",
                 "check the ledger is the exchange's that ran the bastion, or the file is not "
                 "the recording it claims to be");
  }
  if (!args.json) {
    std::cerr << "cordon recording: session " << *session << ", " << set.anchors.size()
              << " anchors in the ledger" << (set.ended ? ", ended" : ", no end event") << "\n";
  }
  return set;
}

// Where the anchors of the recording named `header_sha256` come from: the
// exchange's ledger (--ledger) or an anchors file (--anchors).
Result<recording::AnchorSet> LoadAnchors(const VerifyArgs& args, const std::string& header_sha256) {
  if (!args.ledger.empty() == !args.anchors.empty()) {
    return Error(ErrorCode::kInvalidArgument, "give --ledger DIR or --anchors FILE (one of them)",
                 "--ledger: the exchange's ledger directory (DATA/ledger), verified first");
  }
  if (!args.ledger.empty()) return AnchorsFromLedger(args, header_sha256);
  CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(args.anchors, kMaxAnchorsFile));
  auto set = recording::ParseAnchorSet(AsChars(text));
  if (!set.ok()) return set.error().WithContext(args.anchors);
  return set;
}

Status Verify(const VerifyArgs& args) {
  // The header hash names the session; a file whose header is destroyed
  // has none, and is then checked (and refused) against the anchors given.
  auto header_sha256 = recording::HeaderSha256(args.file);
  if (!header_sha256.ok() && header_sha256.error().code() != ErrorCode::kMalformed &&
      header_sha256.error().code() != ErrorCode::kTruncated) {
    return header_sha256.error();
  }
  CORDON_ASSIGN_OR_RETURN(recording::AnchorSet set,
                          LoadAnchors(args, header_sha256.ok() ? *header_sha256 : ""));
  auto report = recording::VerifyRecording(args.file, set.anchors, set.ended);
  if (args.json) {
    nlohmann::json j = {{"file", args.file},
                        {"header_sha256", header_sha256.ok() ? nlohmann::json(*header_sha256)
                                                             : nlohmann::json(nullptr)},
                        {"ended", set.ended},
                        {"verified", report.ok()}};
    if (report.ok()) {
      j["anchors"] = report->anchors;
      j["last_anchor"] = recording::AnchorToJson(report->last);
      j["file_bytes"] = report->file_bytes;
      j["unanchored_bytes"] = report->unanchored_bytes;
    } else {
      j["error"] = report.error().message();
    }
    std::cout << j.dump() << "\n";
  }
  if (!report.ok()) {
    return report.error().WithHint(
        "the file differs from what the ledger anchored while the session ran: keep it as "
        "evidence and compare it with the bastion's backups");
  }
  if (!args.json) std::cout << report->Summary() << "\n";
  return Ok();
}

// Opens the recording and its decryption; the reader and decryptor keep
// references to `file`.
struct Opened {
  std::unique_ptr<FileSource> file;
  std::unique_ptr<age::Decryptor> plain;
};

Result<Opened> OpenRecording(const PlayArgs& args) {
  if (args.identities.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no identity given",
                 "pass -i FILE: an age identity the recording was encrypted to (the CISO's key)");
  }
  CORDON_ASSIGN_OR_RETURN(auto identities, LoadIdentities(args.identities));
  Opened o;
  CORDON_ASSIGN_OR_RETURN(o.file, FileSource::Open(args.file));
  auto dec = age::Decryptor::Open(*o.file, identities, age::ArmorDetection::kBinary);
  if (!dec.ok()) return dec.error().WithContext(args.file);
  o.plain = std::move(*dec);
  return o;
}

Status Cat(const PlayArgs& args) {
  CORDON_ASSIGN_OR_RETURN(Opened o, OpenRecording(args));
  FdSink out(STDOUT_FILENO, "standard output");
  Status s = Pump(*o.plain, out, std::nullopt, "decrypted");
  if (!s.ok()) return s.error().WithContext(args.file);
  return Ok();
}

Status Play(const PlayArgs& args) {
  if (!(args.speed > 0) || args.speed > 1000) {
    return Error(ErrorCode::kInvalidArgument, "--speed must be above 0 and at most 1000");
  }
  if (args.max_wait < 0) return Error(ErrorCode::kInvalidArgument, "--max-wait must be >= 0");
  CORDON_ASSIGN_OR_RETURN(Opened o, OpenRecording(args));
  auto reader = recording::AsciicastReader::Open(*o.plain);
  if (!reader.ok()) return reader.error().WithContext(args.file);
  FdSink out(STDOUT_FILENO, "standard output");
  recording::ReplayFilter filter;
  std::chrono::microseconds previous{0};
  for (;;) {
    auto event = (*reader)->Next();
    if (!event.ok()) return event.error().WithContext(args.file);
    if (!*event) break;
    // What the screen showed is replayed (input was echoed by the remote
    // side, unless echo was off: --show-input shows every keystroke too);
    // resizes cannot be applied to this terminal.
    const bool input = (*event)->type == recording::EventType::kInput;
    if (!((*event)->type == recording::EventType::kOutput || (input && args.show_input))) {
      continue;
    }
    if (!args.no_wait) {
      double wait = std::chrono::duration<double>((*event)->time - previous).count() / args.speed;
      if (args.max_wait > 0) wait = std::min(wait, args.max_wait);
      if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    }
    previous = (*event)->time;
    if (input) {
      // Reverse video, control bytes as ^X: never interpreted.
      CORDON_TRY(
          out.Write(AsBytes("\x1b[7m" + recording::VisibleInput((*event)->data) + "\x1b[0m")));
    } else {
      CORDON_TRY(out.Write(AsBytes(args.raw ? (*event)->data : filter.Feed((*event)->data))));
    }
  }
  return Ok();
}

}  // namespace

void RegisterRecordingCommands(CLI::App& app, int* exit_code) {
  CLI::App* g = app.add_subcommand(
      "recording",
      "Recorded maintenance sessions (docs/formats.md, \"Session recordings\"): asciicast v2,\n"
      "encrypted with age to the hospital's recording keys as the session runs, its ciphertext\n"
      "hash-chained and anchored in the ledger at the start, every minute and at the end.");
  g->require_subcommand(1);

  auto v = std::make_shared<VerifyArgs>();
  CLI::App* verify = g->add_subcommand(
      "verify",
      "Check a recording against the anchors the ledger recorded for it, without any key.\n"
      "A session with an end event must match its end anchor exactly; a session whose bastion\n"
      "died before the end is accepted up to its last anchor (what follows is reported).\n"
      "Exit 0: verified; 3: truncated, changed or extended (the message says where).\n"
      "  cordon recording verify session-42.cast.age --ledger /var/lib/cordon/ledger\n"
      "  cordon recording verify session-42.cast.age --anchors session-42.anchors.json\n"
      "Anchors file: {\"ended\": true, \"anchors\": [{\"chunks\": 1, \"bytes\": 236, \"head\": "
      "\"…\"}, …]}");
  verify->add_option("FILE", v->file, "the recording (.age)")->required();
  verify->add_option("--ledger", v->ledger,
                     "the exchange's ledger (DATA/ledger): verified, then searched for the "
                     "recording's anchors");
  verify->add_option("--vkey", v->vkey, "with --ledger: the ledger's verifier key file");
  verify->add_option("--anchors", v->anchors, "the session's anchors, in the order taken (JSON)");
  verify->add_flag("--json", v->json, "print the result as one JSON object");
  verify->callback([v, exit_code] { *exit_code = Finish(Verify(*v)); });

  auto p = std::make_shared<PlayArgs>();
  CLI::App* play = g->add_subcommand(
      "play",
      "Replay a recording's screen in this terminal, with its timing. Decrypts as it goes;\n"
      "no plaintext reaches the disk. Only authenticated bytes are shown: a recording cut\n"
      "short plays up to the cut, then fails.\n"
      "  cordon recording play session-42.age -i ciso.key --speed 4 --max-wait 2");
  play->add_option("FILE", p->file, "the recording (.age)")->required();
  play->add_option("-i,--identity", p->identities, "age identity file (repeatable)")->required();
  play->add_option("--speed", p->speed, "play X times faster (default 1)");
  play->add_option("--max-wait", p->max_wait,
                   "never pause longer than S seconds (idle time skipped; default: no limit)");
  play->add_flag("--no-wait", p->no_wait, "print the screen output at once, without pauses");
  play->add_flag("--show-input", p->show_input,
                 "also show every keystroke (reverse video, control bytes as ^X): what was typed\n"
                 "with echo off too");
  play->add_flag("--raw", p->raw,
                 "replay the output exactly, control strings included (by default OSC, DCS,\n"
                 "APC, PM and SOS strings are removed: titles, clipboard writes, hyperlinks)");
  play->callback([p, exit_code] { *exit_code = Finish(Play(*p)); });

  auto c = std::make_shared<PlayArgs>();
  CLI::App* cat = g->add_subcommand(
      "cat",
      "Decrypt a recording to standard output: the asciicast v2 text, for asciinema and\n"
      "scripts. Input events (what the vendor typed) are in it, as \"i\" events.\n"
      "  cordon recording cat session-42.age -i ciso.key | asciinema play -");
  cat->add_option("FILE", c->file, "the recording (.age)")->required();
  cat->add_option("-i,--identity", c->identities, "age identity file (repeatable)")->required();
  cat->callback([c, exit_code] { *exit_code = Finish(Cat(*c)); });
}

}  // namespace cordon::cli
