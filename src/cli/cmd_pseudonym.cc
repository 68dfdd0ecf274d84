// `cordon pseudokey` (the controller's pseudonymization key) and `cordon
// pseudonym reverse` (re-identification of FF1 pseudonyms by the key holder).
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/key_files.h"
#include "core/diagnostic.h"
#include "crypto/ff1.h"
#include "order/fate.h"
#include "pseudo/avoid_real.h"
#include "pseudo/identifiers.h"
#include "pseudo/key.h"

namespace cordon::cli {
namespace {

Status NewKey(const std::string& output) {
  pseudo::PseudonymKey key = pseudo::PseudonymKey::Generate();
  CORDON_TRY(WriteSecretFile(output, key.FileText()));
  // The id alone on stdout, for scripts: pseudonym_key_id = "$(cordon pseudokey new -o k)".
  std::cout << key.id() << "\n";
  std::cerr << "cordon: wrote " << output
            << " (mode 0600). Keep it with the controller: it re-identifies pseudonyms.\n";
  return Ok();
}

Status PrintId(const std::string& path) {
  CORDON_ASSIGN_OR_RETURN(pseudo::PseudonymKey key, LoadPseudonymKey(path));
  std::cout << key.id() << "\n";
  return Ok();
}

struct ReverseArgs {
  std::string key;
  std::string domain;
  std::string kind = "nir";
  std::string keep;
  std::vector<std::string> recipients;  // pseudonym_scope = "recipients"
  std::vector<std::string> values;
  std::vector<std::string> watchlists;  // packages made with extract --avoid-real
  std::string watch_key;
};

Status Reverse(const ReverseArgs& a) {
  CORDON_ASSIGN_OR_RETURN(pseudo::PseudonymKey key, LoadPseudonymKey(a.key));
  std::string fate_text = a.kind == "digits" ? "fpe:digits" : "pseudonym:" + a.kind;
  if (!a.keep.empty()) fate_text += ":keep=" + a.keep;
  auto fate = order::ParseFate(fate_text);
  if (!fate.ok() || (a.kind != "nir" && a.kind != "cpr" && a.kind != "digits")) {
    return Error(
        ErrorCode::kInvalidArgument,
        "--kind " + a.kind + (a.keep.empty() ? "" : " --keep " + a.keep) + ": cannot reverse this",
        "only FF1 pseudonyms reverse: --kind nir, cpr or digits, with the --keep "
        "the order used (pseudonym:nir keeps sex,year,month by default)");
  }
  const std::vector<std::string> scope = pseudo::CanonicalRecipients(a.recipients);
  std::optional<scan::WatchChecker> watch;
  if (!a.watchlists.empty()) {
    if (a.watch_key.empty() || fate->kind == order::FateKind::kFpeDigits) {
      return Error(ErrorCode::kInvalidArgument,
                   "--watchlist is for NIR and CPR pseudonyms made with extract --avoid-real, "
                   "and needs --watch-key",
                   "give the watchlist and watch key the package was made with");
    }
    CORDON_ASSIGN_OR_RETURN(scan::WatchChecker checker,
                            LoadWatchChecker(a.watchlists, a.watch_key));
    watch.emplace(std::move(checker));
  }
  // Without a watchlist, the ordinary pseudonym; with one, AvoidReal's.
  auto reverse = [&](const pseudo::TweakedPseudonym& p, detect::Kind kind,
                     const std::string& v) -> Result<std::string> {
    if (!watch) return p.Reverse(v, 0);
    pseudo::AvoidReal avoid(p, [&](std::string_view x) { return watch->IsReal(kind, x); });
    return avoid.Reverse(v);
  };
  for (const std::string& v : a.values) {
    Result<std::string> out = Error(ErrorCode::kInternal, "");
    if (fate->kind == order::FateKind::kPseudonymNir) {
      CORDON_ASSIGN_OR_RETURN(
          auto p, pseudo::NirPseudonym::Create(key.Derive(a.domain, "nir", scope), fate->keep));
      out = reverse(p, detect::Kind::kNir, v);
    } else if (fate->kind == order::FateKind::kPseudonymCpr) {
      CORDON_ASSIGN_OR_RETURN(
          auto p, pseudo::CprPseudonym::Create(key.Derive(a.domain, "cpr", scope), fate->keep));
      out = reverse(p, detect::Kind::kCpr, v);
    } else {
      CORDON_ASSIGN_OR_RETURN(auto ff1,
                              crypto::Ff1::Create(key.Derive(a.domain, "digits", scope), 10));
      std::vector<uint8_t> digits;
      for (char c : v) {
        if (c >= '0' && c <= '9') digits.push_back(static_cast<uint8_t>(c - '0'));
      }
      Status s = ff1.Decrypt(digits, AsBytes(std::string_view("digits")));
      if (s.ok()) {
        std::string text = v;
        size_t k = 0;
        for (char& c : text) {
          if (c >= '0' && c <= '9') c = static_cast<char>('0' + digits[k++]);
        }
        out = text;
      } else {
        out = s.error();
      }
    }
    if (!out.ok()) return out.error();
    std::cout << *out << "\n";
  }
  return Ok();
}

}  // namespace

void RegisterPseudonymCommands(CLI::App& app, int* exit_code) {
  CLI::App* pk = app.add_subcommand(
      "pseudokey",
      "The controller's pseudonymization key (32 random bytes). Orders name it by id:\n"
      "  cordon pseudokey new -o lab42.pseudokey     prints the id for pseudonym_key_id\n"
      "  cordon pseudokey id lab42.pseudokey");
  pk->require_subcommand(1);
  auto out = std::make_shared<std::string>();
  CLI::App* fresh = pk->add_subcommand("new", "create a key file (mode 0600); prints its id");
  fresh->add_option("-o,--output", *out, "key file to create (never overwritten)")->required();
  fresh->callback([out, exit_code] { *exit_code = Finish(NewKey(*out)); });
  auto path = std::make_shared<std::string>();
  CLI::App* id = pk->add_subcommand("id", "print the id of a key file");
  id->add_option("FILE", *path, "key file")->required();
  id->callback([path, exit_code] { *exit_code = Finish(PrintId(*path)); });

  auto r = std::make_shared<ReverseArgs>();
  CLI::App* ps = app.add_subcommand("pseudonym", "Work with pseudonyms (key holder only)");
  ps->require_subcommand(1);
  CLI::App* rev = ps->add_subcommand(
      "reverse",
      "Re-identify FF1 pseudonyms (pseudonym:nir, pseudonym:cpr, fpe:digits).\n"
      "  cordon pseudonym reverse --key lab42.pseudokey --domain lab42-test --kind nir "
      "2 68 10 97 411 444 56");
  rev->add_option("--key", r->key, "the pseudonym key file")->required();
  rev->add_option("--domain", r->domain, "the order's pseudonym_domain")->required();
  rev->add_option("--kind", r->kind, "nir, cpr or digits (default nir)");
  rev->add_option("--recipient", r->recipients,
                  "for an order with pseudonym_scope = \"recipients\": each of its recipients "
                  "(repeat; any order)")
      ->allow_extra_args(false);
  rev->add_option("--keep", r->keep,
                  "what the order's fate kept, e.g. sex,year,month (pseudonym:nir's default) or "
                  "none");
  rev->add_option("--watchlist", r->watchlists,
                  "for a package made with extract --avoid-real: its watchlist (repeat for "
                  "several), with --watch-key");
  rev->add_option("--watch-key", r->watch_key, "the watch key of --watchlist");
  rev->add_option("VALUE", r->values, "pseudonyms to reverse")->required();
  rev->callback([r, exit_code] { *exit_code = Finish(Reverse(*r)); });
}

}  // namespace cordon::cli
