// `cordon admin user …`: the exchange's accounts, managed on the server's
// own machine (the data directory). Every change is an entry of the
// exchange's ledger (DIR/ledger), naming the account by id and role: staff
// names and e-mails stay in the accounts database, not in the ledger.
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "age/keys.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/key_files.h"
#include "cli/ledger_io.h"
#include "exchange/accounts.h"
#include "exchange/db.h"
#include "exchange/processor_keys.h"
#include "ledger/entry.h"
#include "order/value.h"

namespace cordon::cli {
namespace {

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

LedgerArgs ExchangeLedger(const std::string& data) {
  return {data + "/ledger", LocalHostName() + "/cordon-exchange"};
}

// "2027-06-30" → the end of that day, UTC.
Result<int64_t> EndOfDay(const std::string& date) {
  auto days = order::ParseIsoDate(date);
  if (!days.ok()) {
    return Error(ErrorCode::kInvalidArgument, "--expires " + date + ": not a date (YYYY-MM-DD)");
  }
  return (static_cast<int64_t>(*days) + 1) * 86400;
}

std::string Date(int64_t t) { return order::FormatIsoDate(static_cast<int32_t>(t / 86400)); }
// An end date is the end of its day: the last second belongs to that day.
std::string LastDay(int64_t end) { return Date(end - 1); }

struct AddArgs {
  std::string data, name, email, role, expires;
  std::vector<std::string> recipients;
  bool allow_same_name = false;
};

Status Add(const AddArgs& a, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(exchange::Role role, exchange::ParseRole(a.role));
  CORDON_ASSIGN_OR_RETURN(int64_t expires, EndOfDay(a.expires));
  CORDON_ASSIGN_OR_RETURN(exchange::Accounts accounts, exchange::Accounts::Open(a.data));
  if (!a.recipients.empty() && role != exchange::Role::kRecipient) {
    return Error(ErrorCode::kInvalidArgument, "--recipient binds a recipient account",
                 "drop --recipient, or --role recipient");
  }
  for (const auto& r : a.recipients) {
    if (!age::X25519Recipient::Parse(r).ok()) {
      return Error(ErrorCode::kInvalidArgument, "--recipient " + r + ": not an age recipient",
                   "an age1... public key, as in the order's recipients");
    }
  }
  CORDON_ASSIGN_OR_RETURN(std::string token, accounts.AddUser(a.name, a.email, role, expires, Now(),
                                                              a.allow_same_name));
  if (!a.recipients.empty()) CORDON_TRY(accounts.SetRecipients(a.email, a.recipients));
  CORDON_ASSIGN_OR_RETURN(exchange::Account acc, accounts.Find(a.email));
  if (role == exchange::Role::kRecipient && a.recipients.empty()) {
    std::cerr << "note: this recipient is bound to no age recipient yet, so it sees no package;\n"
                 "  bind one: cordon admin user recipients --data DIR "
              << a.email << " age1...\n";
  }
  event["account"] = {{"id", acc.id}, {"role", a.role}, {"expires", LastDay(expires)}};
  std::cerr << "account " << acc.id << " (" << a.role << ", until " << LastDay(expires)
            << ") waits for its owner to enrol. Give them this one-time enrolment token\n"
               "over a channel only they read; it expires in 72 hours:\n";
  std::cout << token << "\n";
  return Ok();
}

struct ListArgs {
  std::string data;
  bool json = false;
};

Status List(const ListArgs& a) {
  CORDON_ASSIGN_OR_RETURN(exchange::Accounts accounts, exchange::Accounts::Open(a.data));
  CORDON_ASSIGN_OR_RETURN(auto all, accounts.List());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& acc : all) {
    if (a.json) {
      out.push_back({{"id", acc.id},
                     {"name", acc.name},
                     {"email", acc.email},
                     {"role", exchange::RoleName(acc.role)},
                     {"status", exchange::AccountStatusName(acc.status)},
                     {"expires", LastDay(acc.expires_at)},
                     {"last_login_at", acc.last_login_at ? nlohmann::json(*acc.last_login_at)
                                                         : nlohmann::json(nullptr)},
                     {"last_login_ip", acc.last_login_ip},
                     {"allowed_ips", acc.allowed_ips}});
    } else {
      std::cout << acc.id << "  " << acc.email << "  " << acc.name << "  "
                << exchange::RoleName(acc.role) << "  " << exchange::AccountStatusName(acc.status)
                << "  until " << LastDay(acc.expires_at) << "  last login "
                << (acc.last_login_at ? Date(*acc.last_login_at) + " from " + acc.last_login_ip
                                      : std::string("never"))
                << "\n";
    }
  }
  if (a.json) std::cout << out.dump(2) << "\n";
  return Ok();
}

struct ChangeArgs {
  std::string data, email, expires;
  std::vector<std::string> blocks;  // allow-ips: CIDR blocks; recipients: age1... keys
};

Status Change(const ChangeArgs& a, std::string_view what, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(exchange::Accounts accounts, exchange::Accounts::Open(a.data));
  CORDON_ASSIGN_OR_RETURN(exchange::Account acc, accounts.Find(a.email));
  event["account"] = {{"id", acc.id}, {"role", exchange::RoleName(acc.role)}};
  if (what == "unlock") {
    CORDON_TRY(accounts.Unlock(a.email, Now()));
  } else if (what == "disable") {
    CORDON_TRY(accounts.Disable(a.email));
  } else if (what == "recipients") {
    CORDON_TRY(accounts.SetRecipients(a.email, a.blocks));
    event["account"]["recipients"] = a.blocks.size();
    std::cout << "account " << acc.id << ": "
              << (a.blocks.empty() ? std::string("bound to no age recipient (sees no package)")
                                   : "sees packages sealed to " + std::to_string(a.blocks.size()) +
                                         " age recipient(s)")
              << "\n";
    return Ok();
  } else if (what == "allow-ips") {
    CORDON_TRY(accounts.SetAllowList(a.email, a.blocks));
    CORDON_ASSIGN_OR_RETURN(std::string list, exchange::NormalizeAllowList(a.blocks));
    event["account"]["allowed_ips"] = list;
    std::cout << "account " << acc.id << ": "
              << (list.empty() ? "may log in from any address" : "may log in from " + list) << "\n";
    return Ok();
  } else {
    CORDON_ASSIGN_OR_RETURN(int64_t expires, EndOfDay(a.expires));
    CORDON_TRY(accounts.Extend(a.email, expires));
    event["account"]["expires"] = LastDay(expires);
  }
  std::cout << "account " << acc.id << ": " << what << (what == "disable" ? "d" : "ed")
            << (what == "disable" ? " (its sessions and any pending enrolment ended)" : "") << "\n";
  return Ok();
}

struct KeyArgs {
  std::string data, file, person;
};

// A processor key packages must be signed with (the vendor's `cordon
// sign-keygen` public key): the exchange accepts no package without one.
Status AddProcessorKey(const KeyArgs& a, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(sign::PublicKey key, LoadPublicKey(a.file));
  if (a.person.empty() || ledger::LooksLikePersonalData(a.person)) {
    return Error(ErrorCode::kInvalidArgument,
                 "--person: the full name of the person who holds this key (not an e-mail)",
                 "a manifest signed with it is then shown as signed by that person");
  }
  CORDON_ASSIGN_OR_RETURN(exchange::Db db, exchange::OpenExchangeDb(a.data));
  CORDON_TRY(
      exchange::ProcessorKeys(db).Add({sign::KeyIdHex(key.key_id), key.Format(), Now(), a.person}));
  event["key_id"] = sign::KeyIdHex(key.key_id);
  std::cout << "processor key " << sign::KeyIdHex(key.key_id) << " registered to " << a.person
            << ": packages it signs can be uploaded\n";
  return Ok();
}

}  // namespace

void RegisterAdminCommands(CLI::App& app, int* exit_code) {
  CLI::App* admin = app.add_subcommand(
      "admin",
      "Manage the exchange's accounts and processor keys (on the server, with its data\n"
      "directory).");
  admin->require_subcommand(1);
  CLI::App* user = admin->add_subcommand("user", "Named accounts: one per person, never shared.");
  user->require_subcommand(1);

  auto a = std::make_shared<AddArgs>();
  CLI::App* add = user->add_subcommand(
      "add",
      "Create an account and print its one-time enrolment token (72 h). Its owner sets a\n"
      "password (12+ characters) and a TOTP authenticator at enrolment.\n"
      "  cordon admin user add --data /var/lib/cordon --name 'Jeanne Martin' \\\n"
      "      --email jeanne@lab42.example --role approver --expires 2027-06-30\n"
      "A recipient sees only packages sealed to an age recipient bound to the account:\n"
      "  ... --role recipient --recipient age1...");
  add->add_option("--data", a->data, "the exchange's data directory")->required();
  add->add_option("--name", a->name, "the person's full name")->required();
  add->add_option("--email", a->email, "their e-mail (unique)")->required();
  add->add_option("--role", a->role, "operator, approver, recipient, auditor or admin")->required();
  add->add_option("--expires", a->expires, "last day of the account (YYYY-MM-DD)")->required();
  add->add_option("--recipient", a->recipients,
                  "an age recipient (age1...) whose packages this recipient account may see, "
                  "request, download and confirm; repeatable");
  add->add_flag("--allow-same-name", a->allow_same_name,
                "another person with the same full name as an existing account (the two never "
                "decide on each other's grants)");
  add->callback([a, exit_code] {
    *exit_code = Finish(Recorded(ExchangeLedger(a->data), "admin.user.add",
                                 [&](nlohmann::json& ev) { return Add(*a, ev); }));
  });

  auto k = std::make_shared<KeyArgs>();
  CLI::App* keys =
      admin->add_subcommand("processor-key", "The keys uploaded packages must be signed with.");
  keys->require_subcommand(1);
  CLI::App* key_add = keys->add_subcommand(
      "add",
      "Register a processor's public signing key (minisign format, from `cordon sign-keygen`).\n"
      "  cordon admin processor-key add --data /var/lib/cordon --person 'Olivier Martin' \\\n"
      "      olivier-signing.pub");
  key_add->add_option("--data", k->data, "the exchange's data directory")->required();
  key_add->add_option("--person", k->person, "the full name of the person who holds the key")
      ->required();
  key_add->add_option("KEY", k->file, "the public key file")->required()->check(CLI::ExistingFile);
  key_add->callback([k, exit_code] {
    *exit_code = Finish(Recorded(ExchangeLedger(k->data), "admin.processor_key.add",
                                 [&](nlohmann::json& ev) { return AddProcessorKey(*k, ev); }));
  });

  auto l = std::make_shared<ListArgs>();
  CLI::App* list =
      user->add_subcommand("list", "Every account: role, status, end date, last login.");
  list->add_option("--data", l->data, "the exchange's data directory")->required();
  list->add_flag("--json", l->json, "machine-readable");
  list->callback([l, exit_code] { *exit_code = Finish(List(*l)); });

  for (const char* what : {"unlock", "disable", "extend", "allow-ips", "recipients"}) {
    auto c = std::make_shared<ChangeArgs>();
    const std::string w = what;
    CLI::App* cmd = user->add_subcommand(
        what, w == "unlock"    ? "Lift a lock (failed logins, 90 days unused)."
              : w == "disable" ? "Disable an account and end its sessions."
              : w == "extend"  ? "Move an account's end date."
              : w == "recipients"
                  ? "The age recipients whose packages a recipient account may see (replaces\n"
                    "the list; none: no package).\n"
                    "  cordon admin user recipients --data DIR rachel@lab42.example age1..."
                  : "Where the account may log in from (CIDR blocks; none: anywhere).\n"
                    "  cordon admin user allow-ips --data DIR olivier@vendor.example "
                    "203.0.113.0/24");
    cmd->add_option("--data", c->data, "the exchange's data directory")->required();
    cmd->add_option("EMAIL", c->email, "the account")->required();
    if (w == "extend") {
      cmd->add_option("--expires", c->expires, "new last day (YYYY-MM-DD)")->required();
    }
    if (w == "allow-ips") cmd->add_option("BLOCKS", c->blocks, "address blocks, e.g. 10.1.0.0/16");
    if (w == "recipients") cmd->add_option("RECIPIENTS", c->blocks, "age recipients (age1...)");
    cmd->callback([c, exit_code, what] {
      *exit_code = Finish(Recorded(ExchangeLedger(c->data), std::string("admin.user.") + what,
                                   [&](nlohmann::json& ev) { return Change(*c, what, ev); }));
    });
  }
}

}  // namespace cordon::cli
