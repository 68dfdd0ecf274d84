// `cordon admin user …`: the exchange's accounts, managed on the server's
// own machine (the data directory). Every change is an entry of the
// exchange's ledger (DIR/ledger), naming the account by id and role: staff
// names and e-mails stay in the accounts database, not in the ledger.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "age/keys.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/key_files.h"
#include "cli/ledger_io.h"
#include "core/file.h"
#include "exchange/accounts.h"
#include "exchange/db.h"
#include "exchange/processor_keys.h"
#include "exchange/remote_access.h"
#include "exchange/ssh_ca.h"
#include "exchange/targets.h"
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

// An operator's account lives a year at most (the CISO's six months to a
// year), from its creation or its last extension: a vendor's access is
// renewed deliberately, never by default.
Status CheckOperatorEnd(exchange::Role role, int64_t expires, const std::string& date,
                        int max_days) {
  if (role == exchange::Role::kOperator &&
      expires > Now() + static_cast<int64_t>(max_days) * 86400 + 86400) {
    return Error(ErrorCode::kRefused,
                 "--expires " + date + ": an operator account lasts at most " +
                     std::to_string(max_days) + " days from now",
                 "choose an earlier date; extend it later (cordon admin user extend)");
  }
  return Ok();
}

struct AddArgs {
  std::string data, name, email, role, expires, organisation;
  std::vector<std::string> recipients;
  bool allow_same_name = false;
  bool on_call = false;
  int max_operator_days = 365;
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
  CORDON_TRY(CheckOperatorEnd(role, expires, a.expires, a.max_operator_days));
  if (role == exchange::Role::kDpo && a.organisation.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a DPO account is bound to the controller's organisation",
                 "add --organisation with the name the orders are submitted for");
  }
  if (a.on_call && role != exchange::Role::kOperator) {
    return Error(ErrorCode::kInvalidArgument, "--on-call flags an operator account",
                 "drop --on-call, or --role operator");
  }
  CORDON_ASSIGN_OR_RETURN(std::string token, accounts.AddUser(a.name, a.email, role, expires, Now(),
                                                              a.allow_same_name));
  if (!a.recipients.empty()) CORDON_TRY(accounts.SetRecipients(a.email, a.recipients));
  if (!a.organisation.empty() || a.on_call) {
    CORDON_TRY(accounts.SetOrganisation(a.email, a.organisation, a.on_call));
  }
  CORDON_ASSIGN_OR_RETURN(exchange::Account acc, accounts.Find(a.email));
  if (role == exchange::Role::kRecipient && a.recipients.empty()) {
    std::cerr << "note: this recipient is bound to no age recipient yet, so it sees no package;\n"
                 "  bind one: cordon admin user recipients --data DIR "
              << a.email << " age1...\n";
  }
  event["account"] = {{"id", acc.id}, {"role", a.role}, {"expires", LastDay(expires)}};
  if (!a.organisation.empty()) event["account"]["organisation"] = a.organisation;
  if (a.on_call) event["account"]["on_call"] = true;
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
  const exchange::AccountPolicy policy;
  for (const auto& acc : all) {
    const bool dormant = exchange::Dormant(acc, Now(), policy.idle_account_seconds);
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
                     {"allowed_ips", acc.allowed_ips},
                     {"organisation", acc.organisation},
                     {"on_call", acc.on_call},
                     {"last_used_at", acc.last_used_at ? nlohmann::json(*acc.last_used_at)
                                                       : nlohmann::json(nullptr)},
                     {"dormant", dormant},
                     {"locked_reason", acc.locked_reason}});
    } else {
      std::cout << acc.id << "  " << acc.email << "  " << acc.name << "  "
                << exchange::RoleName(acc.role) << "  " << exchange::AccountStatusName(acc.status)
                << "  until " << LastDay(acc.expires_at) << "  last login "
                << (acc.last_login_at ? Date(*acc.last_login_at) + " from " + acc.last_login_ip
                                      : std::string("never"))
                << (acc.organisation.empty() ? "" : "  organisation " + acc.organisation)
                << (acc.on_call ? "  on-call" : "") << (dormant ? "  DORMANT" : "")
                << (acc.locked_reason.empty() ? "" : "  LOCKED: " + acc.locked_reason) << "\n";
    }
  }
  if (a.json) std::cout << out.dump(2) << "\n";
  return Ok();
}

struct ChangeArgs {
  int max_operator_days = 365;
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
    CORDON_TRY(CheckOperatorEnd(acc.role, expires, a.expires, a.max_operator_days));
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

// ---- remote maintenance: targets, CAs, bastions, organisations ----

struct TargetArgs {
  std::string data, name, address, principal, organisation;
  int approvals = 1;
  bool json = false;
};

Status AddTarget(const TargetArgs& a, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(exchange::Db db, exchange::OpenExchangeDb(a.data));
  exchange::Target t;
  t.name = a.name;
  t.address = a.address;
  t.principal = a.principal;
  t.organisation = a.organisation;
  t.approvals = a.approvals;
  CORDON_ASSIGN_OR_RETURN(exchange::Target added, exchange::Targets(db).Add(t, Now()));
  event["target"] = {{"name", added.name},
                     {"address", added.address},
                     {"principal", added.principal},
                     {"organisation", added.organisation},
                     {"approvals", added.approvals}};
  std::cout << "target " << added.name << " (" << added.address << ", login " << added.principal
            << ") registered; grants on it need " << added.approvals << " approval(s)"
            << (added.organisation.empty() ? std::string()
                                           : " by approvers of " + added.organisation)
            << "\n";
  return Ok();
}

Status ListTargets(const TargetArgs& a) {
  CORDON_ASSIGN_OR_RETURN(exchange::Db db, exchange::OpenExchangeDb(a.data));
  CORDON_ASSIGN_OR_RETURN(auto all, exchange::Targets(db).List());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : all) {
    if (a.json) {
      out.push_back({{"name", t.name},
                     {"address", t.address},
                     {"principal", t.principal},
                     {"organisation", t.organisation},
                     {"approvals", t.approvals},
                     {"created_at", t.created_at}});
    } else {
      std::cout << t.name << "  " << t.address << "  login " << t.principal << "  "
                << (t.organisation.empty() ? std::string("(no organisation)") : t.organisation)
                << "  " << t.approvals << " approval(s)\n";
    }
  }
  if (a.json) std::cout << out.dump(2) << "\n";
  return Ok();
}

Status RemoveTarget(const TargetArgs& a, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(exchange::Db db, exchange::OpenExchangeDb(a.data));
  CORDON_TRY(exchange::Targets(db).Remove(a.name, Now()));
  event["target"] = {{"name", a.name}};
  std::cout << "target " << a.name << " removed\n";
  return Ok();
}

struct CaArgs {
  std::string data, which;
  bool retire_old = false;
};

Status ShowCa(const CaArgs& a) {
  CORDON_ASSIGN_OR_RETURN(exchange::Db db, exchange::OpenExchangeDb(a.data));  // makes DIR 0700
  for (auto kind : {exchange::CaKind::kUser, exchange::CaKind::kEgress}) {
    CORDON_ASSIGN_OR_RETURN(auto lines, exchange::TrustedCaLines(a.data, kind));
    std::cout << "# " << exchange::CaKindName(kind)
              << (kind == exchange::CaKind::kUser
                      ? " CA: the bastion's sshd trusts it (TrustedUserCAKeys)"
                      : " CA: only the targets' sshd trust it (TrustedUserCAKeys)")
              << (lines.size() > 1 ? "; rotation under way: trust both lines" : "") << "\n";
    for (const auto& l : lines) std::cout << l << "\n";
  }
  return Ok();
}

Status RotateCa(const CaArgs& a, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(exchange::CaKind kind, exchange::ParseCaKind(a.which));
  CORDON_ASSIGN_OR_RETURN(exchange::Db db, exchange::OpenExchangeDb(a.data));
  event["ca"] = {{"which", a.which}, {"retire_old", a.retire_old}};
  if (a.retire_old) {
    CORDON_TRY(exchange::RetireOldCa(a.data, kind));
    std::cout << "the old " << a.which
              << " CA key is no longer listed: remove its line from TrustedUserCAKeys\n";
    return Ok();
  }
  CORDON_TRY(exchange::RotateCa(a.data, kind));
  CORDON_ASSIGN_OR_RETURN(auto lines, exchange::TrustedCaLines(a.data, kind));
  std::cerr << "the " << a.which
            << " CA signs with a new key from now on. Trust both lines below until the old\n"
               "key's certificates expired (8 hours at most), then run\n"
               "  cordon admin ca rotate --data DIR --which "
            << a.which << " --retire-old\n";
  for (const auto& l : lines) std::cout << l << "\n";
  return Ok();
}

struct BastionArgs {
  std::string data, name, token_file;
  bool json = false;
};

Status AddBastion(const BastionArgs& a, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(exchange::Db db, exchange::OpenExchangeDb(a.data));
  // The file first (0600, never over an existing one): a token that cannot
  // be written is never registered.
  const int fd =
      ::open(a.token_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return Error(ErrorCode::kIo, a.token_file + ": cannot create: " + std::strerror(errno),
                 "name a new file (it is never overwritten)");
  }
  UniqueFd file(fd);
  auto token = exchange::Machines(db).Add(a.name, Now());
  if (!token.ok()) {
    ::unlink(a.token_file.c_str());
    return token.error();
  }
  const std::string line = *token + "\n";
  if (::write(file.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
      ::fsync(file.get()) != 0) {
    (void)exchange::Machines(db).Remove(a.name);
    ::unlink(a.token_file.c_str());
    return Error(ErrorCode::kIo, a.token_file + ": cannot write the token");
  }
  event["machine"] = {{"name", a.name}, {"kind", "bastion"}};
  std::cout << "bastion " << a.name << ": its machine token is in " << a.token_file
            << " (0600); copy it to the bastion over a channel only you read, then delete it "
               "here\n";
  return Ok();
}

Status ListBastions(const BastionArgs& a) {
  CORDON_ASSIGN_OR_RETURN(exchange::Db db, exchange::OpenExchangeDb(a.data));
  CORDON_ASSIGN_OR_RETURN(auto all, exchange::Machines(db).List());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : all) {
    if (a.json) {
      out.push_back({{"name", m.name},
                     {"kind", m.kind},
                     {"created_at", m.created_at},
                     {"last_seen_at",
                      m.last_seen_at ? nlohmann::json(*m.last_seen_at) : nlohmann::json(nullptr)}});
    } else {
      std::cout << m.name << "  " << m.kind << "  since " << Date(m.created_at) << "  last seen "
                << (m.last_seen_at ? Date(*m.last_seen_at) : std::string("never")) << "\n";
    }
  }
  if (a.json) std::cout << out.dump(2) << "\n";
  return Ok();
}

Status RemoveBastion(const BastionArgs& a, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(exchange::Db db, exchange::OpenExchangeDb(a.data));
  CORDON_TRY(exchange::Machines(db).Remove(a.name));
  event["machine"] = {{"name", a.name}};
  std::cout << "bastion " << a.name << " removed: its token opens nothing any more\n";
  return Ok();
}

struct OrganisationArgs {
  std::string data, name, reason;
  bool json = false;
};

Status SuspendOrganisation(const OrganisationArgs& a, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(exchange::Db db, exchange::OpenExchangeDb(a.data));
  CORDON_ASSIGN_OR_RETURN(exchange::Suspension s,
                          exchange::Organisations(db).Suspend(a.name, a.reason, Now()));
  event["organisation"] = {{"name", a.name},
                           {"reason", a.reason},
                           {"accounts", s.accounts},
                           {"revoked_grants", s.revoked_grants}};
  std::cout << "organisation " << a.name << " suspended: " << s.revoked_grants.size()
            << " grant(s) revoked, " << s.accounts.size()
            << " account(s) refused at the bastion and for certificates; live sessions end "
               "within seconds. The server raises the alert within a minute.\n";
  if (s.accounts.empty()) {
    std::cerr << "note: no account belongs to \"" << a.name
              << "\" (check the spelling: cordon admin user list)\n";
  }
  return Ok();
}

Status RequestResume(const OrganisationArgs& a, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(exchange::Db db, exchange::OpenExchangeDb(a.data));
  CORDON_TRY(exchange::Organisations(db).RequestResume(a.name, Now()));
  event["organisation"] = {{"name", a.name}};
  std::cout << "resumption of " << a.name
            << " requested: an approver of another organisation lifts the suspension\n"
               "  (POST /api/v1/organisations/{name}/resume)\n";
  return Ok();
}

Status ListOrganisations(const OrganisationArgs& a) {
  CORDON_ASSIGN_OR_RETURN(exchange::Db db, exchange::OpenExchangeDb(a.data));
  CORDON_ASSIGN_OR_RETURN(auto all, exchange::Organisations(db).List());
  nlohmann::json out = nlohmann::json::array();
  auto opt = [](const std::optional<int64_t>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  for (const auto& o : all) {
    if (a.json) {
      out.push_back({{"name", o.name},
                     {"suspended", o.suspended()},
                     {"suspended_at", opt(o.suspended_at)},
                     {"suspended_reason", o.suspended_reason},
                     {"resume_requested_at", opt(o.resume_requested_at)}});
    } else {
      std::cout << o.name << "  "
                << (o.suspended()
                        ? "SUSPENDED since " + Date(*o.suspended_at) +
                              (o.suspended_reason.empty() ? "" : ": " + o.suspended_reason) +
                              (o.resume_requested_at ? " (resume requested)" : "")
                        : std::string("active"))
                << "\n";
    }
  }
  if (a.json) std::cout << out.dump(2) << "\n";
  return Ok();
}

void RegisterRemoteAdminCommands(CLI::App* admin, int* exit_code) {
  // Targets.
  CLI::App* target =
      admin->add_subcommand("target", "SSH targets vendors maintain through the bastion.");
  target->require_subcommand(1);
  auto ta = std::make_shared<TargetArgs>();
  CLI::App* tadd = target->add_subcommand(
      "add",
      "Register a target.\n"
      "  cordon admin target add --data DIR --name pacs01 --address 10.1.2.3:22 \\\n"
      "      --principal pacs01 --organisation 'CHU Exemple' --approvals 2");
  tadd->add_option("--data", ta->data, "the exchange's data directory")->required();
  tadd->add_option("--name", ta->name, "the target's name (letters, digits, . _ -)")->required();
  tadd->add_option("--address", ta->address, "HOST:PORT the bastion connects to")->required();
  tadd->add_option("--principal", ta->principal,
                   "the login on the target (its AuthorizedPrincipalsFile names it)")
      ->required();
  tadd->add_option("--organisation", ta->organisation,
                   "the organisation that owns it: its approvers decide on grants");
  tadd->add_option("--approvals", ta->approvals, "distinct approvals a grant needs (default 1)");
  tadd->callback([ta, exit_code] {
    *exit_code = Finish(Recorded(ExchangeLedger(ta->data), "admin.target.add",
                                 [&](nlohmann::json& ev) { return AddTarget(*ta, ev); }));
  });
  auto tl = std::make_shared<TargetArgs>();
  CLI::App* tlist = target->add_subcommand("list", "Every target.");
  tlist->add_option("--data", tl->data, "the exchange's data directory")->required();
  tlist->add_flag("--json", tl->json, "machine-readable");
  tlist->callback([tl, exit_code] { *exit_code = Finish(ListTargets(*tl)); });
  auto tr = std::make_shared<TargetArgs>();
  CLI::App* trm = target->add_subcommand(
      "remove", "Remove a target (no grant on it may be requested or open).");
  trm->add_option("--data", tr->data, "the exchange's data directory")->required();
  trm->add_option("NAME", tr->name, "the target")->required();
  trm->callback([tr, exit_code] {
    *exit_code = Finish(Recorded(ExchangeLedger(tr->data), "admin.target.remove",
                                 [&](nlohmann::json& ev) { return RemoveTarget(*tr, ev); }));
  });

  // Certificate authorities.
  CLI::App* ca = admin->add_subcommand("ca", "The SSH certificate authorities (user and egress).");
  ca->require_subcommand(1);
  auto cs = std::make_shared<CaArgs>();
  CLI::App* cshow = ca->add_subcommand(
      "show",
      "Print both CAs' public key lines (made on first need): the user CA's for the bastion's\n"
      "TrustedUserCAKeys, the egress CA's for the targets'.");
  cshow->add_option("--data", cs->data, "the exchange's data directory")->required();
  cshow->callback([cs, exit_code] { *exit_code = Finish(ShowCa(*cs)); });
  auto cr = std::make_shared<CaArgs>();
  CLI::App* crot = ca->add_subcommand(
      "rotate",
      "Sign with a new key; the old public key stays listed (trust both) until --retire-old.");
  crot->add_option("--data", cr->data, "the exchange's data directory")->required();
  crot->add_option("--which", cr->which, "user or egress")->required();
  crot->add_flag("--retire-old", cr->retire_old,
                 "stop listing the old key (after its certificates expired)");
  crot->callback([cr, exit_code] {
    *exit_code = Finish(Recorded(ExchangeLedger(cr->data), "admin.ca.rotate",
                                 [&](nlohmann::json& ev) { return RotateCa(*cr, ev); }));
  });

  // Bastions.
  CLI::App* bastion =
      admin->add_subcommand("bastion", "Bastions: machine credentials for the /bastion API.");
  bastion->require_subcommand(1);
  auto ba = std::make_shared<BastionArgs>();
  CLI::App* badd = bastion->add_subcommand(
      "add",
      "Make a bastion's machine token (32 random bytes; only its SHA-256 is kept).\n"
      "  cordon admin bastion add --data DIR --name bastion01 -o bastion01.token");
  badd->add_option("--data", ba->data, "the exchange's data directory")->required();
  badd->add_option("--name", ba->name, "the bastion's name")->required();
  badd->add_option("-o,--output", ba->token_file, "the token file to create (0600)")->required();
  badd->callback([ba, exit_code] {
    *exit_code = Finish(Recorded(ExchangeLedger(ba->data), "admin.bastion.add",
                                 [&](nlohmann::json& ev) { return AddBastion(*ba, ev); }));
  });
  auto bl = std::make_shared<BastionArgs>();
  CLI::App* blist = bastion->add_subcommand("list", "Every bastion.");
  blist->add_option("--data", bl->data, "the exchange's data directory")->required();
  blist->add_flag("--json", bl->json, "machine-readable");
  blist->callback([bl, exit_code] { *exit_code = Finish(ListBastions(*bl)); });
  auto br = std::make_shared<BastionArgs>();
  CLI::App* brm = bastion->add_subcommand("remove", "Remove a bastion: its token stops working.");
  brm->add_option("--data", br->data, "the exchange's data directory")->required();
  brm->add_option("NAME", br->name, "the bastion")->required();
  brm->callback([br, exit_code] {
    *exit_code = Finish(Recorded(ExchangeLedger(br->data), "admin.bastion.remove",
                                 [&](nlohmann::json& ev) { return RemoveBastion(*br, ev); }));
  });

  // Organisations.
  CLI::App* org = admin->add_subcommand(
      "organisation", "Organisations: the emergency cut-off of a vendor, and its end.");
  org->require_subcommand(1);
  auto os = std::make_shared<OrganisationArgs>();
  CLI::App* osus = org->add_subcommand(
      "suspend",
      "Cut a vendor off at once: revokes every requested or open grant of its accounts,\n"
      "refuses their logins at the bastion and their certificates, ends their live sessions.\n"
      "  cordon admin organisation suspend --data DIR 'Vendor SA' --reason 'vendor breached'");
  osus->add_option("--data", os->data, "the exchange's data directory")->required();
  osus->add_option("NAME", os->name, "the organisation")->required();
  osus->add_option("--reason", os->reason, "why (recorded, alerted)");
  osus->callback([os, exit_code] {
    *exit_code = Finish(Recorded(ExchangeLedger(os->data), "admin.organisation.suspend",
                                 [&](nlohmann::json& ev) { return SuspendOrganisation(*os, ev); }));
  });
  auto orr = std::make_shared<OrganisationArgs>();
  CLI::App* ores = org->add_subcommand(
      "resume",
      "Ask for a suspension to end; an approver of a hospital the vendor reaches lifts it\n"
      "(POST /api/v1/organisations/{name}/resume).");
  ores->add_option("--data", orr->data, "the exchange's data directory")->required();
  ores->add_option("NAME", orr->name, "the organisation")->required();
  ores->callback([orr, exit_code] {
    *exit_code = Finish(Recorded(ExchangeLedger(orr->data), "admin.organisation.resume_requested",
                                 [&](nlohmann::json& ev) { return RequestResume(*orr, ev); }));
  });
  auto ol = std::make_shared<OrganisationArgs>();
  CLI::App* olist = org->add_subcommand("list", "Every organisation and whether it is suspended.");
  olist->add_option("--data", ol->data, "the exchange's data directory")->required();
  olist->add_flag("--json", ol->json, "machine-readable");
  olist->callback([ol, exit_code] { *exit_code = Finish(ListOrganisations(*ol)); });
}

}  // namespace

void RegisterAdminCommands(CLI::App& app, int* exit_code) {
  CLI::App* admin = app.add_subcommand(
      "admin",
      "Manage the exchange's accounts and processor keys (on the server, with its data\n"
      "directory).");
  admin->require_subcommand(1);
  RegisterRemoteAdminCommands(admin, exit_code);
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
  add->add_option("--role", a->role,
                  "operator, approver, recipient, auditor, admin, or dpo (with --organisation: "
                  "reads the orders submitted for that organisation)")
      ->required();
  add->add_option("--expires", a->expires, "last day of the account (YYYY-MM-DD)")->required();
  add->add_option("--recipient", a->recipients,
                  "an age recipient (age1...) whose packages this recipient account may see, "
                  "request, download and confirm; repeatable");
  add->add_option("--organisation", a->organisation,
                  "the organisation the person works for (a vendor's name; default: the "
                  "exchange's own)");
  add->add_flag("--on-call", a->on_call,
                "an operator who may break the glass on a target (countersigned within 24 h)");
  add->add_option("--max-operator-days", a->max_operator_days,
                  "the longest an operator account may last (default 365)")
      ->check(CLI::Range(1, 365));
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
        what, w == "unlock"    ? "Lift a lock (failed logins, 90 days unused, a lock with a\n"
                                 "reason): an admin's act — except on a vendor's account, which an\n"
                                 "approver re-opens (cordon remote account unlock)."
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
      cmd->add_option("--max-operator-days", c->max_operator_days,
                      "an operator account lasts at most this from now (default 365)")
          ->check(CLI::Range(1, 365));
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
