// `cordon remote` for vendor remote maintenance: the targets, SSH
// certificates on open grants, `ssh` through the bastion in one step, and
// the hospital's side (a vendor organisation resumed, a vendor account
// re-opened, access-review campaigns).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/common.h"
#include "cli/remote_common.h"
#include "cli/ssh_keygen_sign.h"
#include "client/answer.h"
#include "client/grants.h"
#include "client/remote_access.h"
#include "core/file.h"
#include "core/strings.h"
#include "core/utc_time.h"

namespace cordon::cli {
namespace {

using nlohmann::json;

struct SshArgs {
  RemoteArgs remote;
  int64_t grant = 0;
  std::string identity;  // the public key file
  std::string out;       // where the certificate goes
  std::string target, reason, ticket, bastion;
  std::vector<std::string> ssh_options;  // passed to ssh as -o OPTION
  int64_t hours = 0;
};

// ~/.ssh/id_ed25519.pub: ssh-keygen's default, and the key ssh offers first.
std::string DefaultPublicKey() {
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.ssh/id_ed25519.pub";
}

// OpenSSH's own convention: ssh loads KEY-cert.pub next to KEY by itself.
std::string CertificatePathFor(const std::string& public_key_file) {
  std::string base = public_key_file;
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".pub") == 0)
    base.resize(base.size() - 4);
  return base + "-cert.pub";
}

Result<std::string> ReadPublicKeyLine(const std::string& path) {
  auto bytes = ReadFileLimited(path, 16 * 1024);
  if (!bytes.ok()) {
    return Error(ErrorCode::kNotFound, "cannot read the public key " + path,
                 "pass -i with your Ed25519 public key (ssh-keygen -t ed25519 makes one)");
  }
  std::string line(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.find('\n') != std::string::npos) {
    return Error(ErrorCode::kInvalidArgument, path + " holds more than one line",
                 "give the .pub file of one key");
  }
  return line;
}

Status WriteCertificate(const std::string& path, const std::string& line) {
  CORDON_ASSIGN_OR_RETURN(AtomicFile f, AtomicFile::Create(path, 0644));
  CORDON_TRY(f.Write(AsBytes(line + "\n")));
  return f.Commit();
}

Result<client::SshCertificate> Certify(client::Connection& c, int64_t grant,
                                       const std::string& public_key_file, const std::string& out) {
  CORDON_ASSIGN_OR_RETURN(std::string key, ReadPublicKeyLine(public_key_file));
  CORDON_ASSIGN_OR_RETURN(client::SshCertificate cert, client::IssueSshCertificate(c, grant, key));
  CORDON_TRY(WriteCertificate(out, cert.certificate));
  return cert;
}

void PrintCertificate(const client::SshCertificate& cert, const std::string& out) {
  std::cout << "certificate " << out << "\n  serial " << cert.serial << "\n  key id \""
            << cert.key_id << "\"\n  valid until " << FormatUtc(cert.valid_before) << "\n";
  if (!cert.bastion.empty()) std::cout << "  bastion " << cert.bastion << "\n";
}

Status SshCert(const SshArgs& a) {
  const std::string pub = a.identity.empty() ? DefaultPublicKey() : a.identity;
  const std::string out = a.out.empty() ? CertificatePathFor(pub) : a.out;
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a.remote));
  CORDON_ASSIGN_OR_RETURN(client::SshCertificate cert, Certify(c, a.grant, pub, out));
  Print(a.remote, cert.answer, [&] { PrintCertificate(cert, out); });
  return Ok();
}

Status Sessions(const RemoteArgs& a) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a));
  CORDON_ASSIGN_OR_RETURN(nlohmann::json list, client::ListRemoteSessions(c));
  Print(a, list, [&] {
    for (const auto& s : list.value("sessions", nlohmann::json::array())) {
      const auto text = [&](const char* k) {
        return s.contains(k) && s[k].is_string() ? s[k].get<std::string>() : std::string("-");
      };
      std::cout << "session " << s.value("id", int64_t{0}) << "  " << text("target") << "  "
                << text("account") << "  " << text("started_at") << " .. " << text("ended_at")
                << "  " << s.value("bytes", int64_t{0}) << " B  "
                << (s.contains("copy_stored_at") && s["copy_stored_at"].is_string()
                        ? "copy on the exchange"
                    : s.contains("copy_deleted_at") && s["copy_deleted_at"].is_string()
                        ? "copy deleted"
                        : "on the bastion only")
                << "\n";
    }
  });
  return Ok();
}

Status Targets(const RemoteArgs& a) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a));
  CORDON_ASSIGN_OR_RETURN(client::TargetList list, client::ListTargets(c));
  Print(a, list.answer, [&] {
    for (const auto& t : list.targets) {
      std::cout << t.name << "  " << t.address << "  principal " << t.principal << "  "
                << (t.organisation.empty() ? "-" : t.organisation) << "  approvals " << t.approvals
                << "\n";
    }
  });
  return Ok();
}

// "[user@]host[:port]" into ssh's arguments.
std::vector<std::string> BastionArgs(const std::string& bastion) {
  std::string user = "cordon", host = bastion, port;
  if (const size_t at = host.find('@'); at != std::string::npos) {
    user = host.substr(0, at);
    host = host.substr(at + 1);
  }
  if (const size_t colon = host.rfind(':'); colon != std::string::npos &&
                                            host.find(']') == std::string::npos &&
                                            host.find(':') == colon) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  std::vector<std::string> args;
  if (!port.empty()) args.insert(args.end(), {"-p", port});
  args.push_back(user + "@" + host);
  return args;
}

// Request-or-reuse, certificate, connect: one step for the engineer. An open
// grant of theirs for the target is reused; without one, a request is made
// when --reason says why, and the engineer comes back once it is approved.
Status Ssh(const SshArgs& a) {
  const std::string pub = a.identity.empty() ? DefaultPublicKey() : a.identity;
  const std::string out = CertificatePathFor(pub);
  std::string private_key = pub;
  if (private_key.size() > 4 && private_key.compare(private_key.size() - 4, 4, ".pub") == 0) {
    private_key.resize(private_key.size() - 4);
  }
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a.remote));
  CORDON_ASSIGN_OR_RETURN(client::GrantList grants, client::ListGrants(c));
  const std::string subject = "target:" + a.target;
  std::optional<client::Grant> open, pending;
  for (const auto& g : grants.grants) {
    if (g.package != subject) continue;
    if (g.open_now) open = g;
    if (g.status == "requested") pending = g;
  }
  if (!open) {
    if (pending) {
      return Error(
          ErrorCode::kRefused,
          "grant " + std::to_string(pending->id) + " for " + a.target + " is waiting for approval",
          "an approver of the target's organisation approves it; run this again then");
    }
    if (a.reason.empty()) {
      return Error(ErrorCode::kRefused, "you have no open grant for " + a.target,
                   "ask for one: add --reason 'why' --hours N [--ticket REF]");
    }
    client::GrantRequest request;
    request.target = a.target;
    request.reason = a.reason;
    request.hours = a.hours > 0 ? a.hours : 4;
    request.ticket = a.ticket;
    CORDON_ASSIGN_OR_RETURN(client::Grant g, client::RequestGrant(c, request));
    if (!g.open_now) {
      return Error(ErrorCode::kRefused,
                   "grant " + std::to_string(g.id) + " for " + a.target + " requested",
                   "an approver of the target's organisation approves it; run this again then");
    }
    open = g;
  }
  CORDON_ASSIGN_OR_RETURN(client::SshCertificate cert, Certify(c, open->id, pub, out));
  const std::string bastion = a.bastion.empty() ? cert.bastion : a.bastion;
  if (bastion.empty()) {
    return Error(ErrorCode::kInvalidArgument, "the exchange names no bastion",
                 "pass --bastion [USER@]HOST[:PORT] (your hospital contact has it); the "
                 "certificate is in " +
                     out);
  }
  std::cerr << "cordon remote ssh: grant " << open->id << ", certificate serial " << cert.serial
            << " valid until " << FormatUtc(cert.valid_before) << "; connecting to " << bastion
            << " (the session is recorded)\n";
  std::vector<std::string> args = {
      "ssh", "-tt", "-i", private_key, "-o", "CertificateFile=" + out, "-o", "IdentitiesOnly=yes"};
  for (const auto& opt : a.ssh_options) args.insert(args.end(), {"-o", opt});
  for (auto& b : BastionArgs(bastion)) args.push_back(std::move(b));
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::cout.flush();
  ::execvp("ssh", argv.data());
  return Error(ErrorCode::kIo, std::string("cannot run ssh: ") + std::strerror(errno),
               "install the OpenSSH client (apt install openssh-client)");
}

}  // namespace

void RegisterRemoteMaintenanceCommands(CLI::App* remote, const std::shared_ptr<RemoteArgs>& ra,
                                       int* exit_code) {
  auto sa = std::make_shared<SshArgs>();
  remote->add_subcommand("targets", "The systems you may ask SSH access to (remote maintenance).")
      ->callback([ra, exit_code] { *exit_code = Finish(Targets(*ra)); });
  remote
      ->add_subcommand("sessions",
                       "Recorded remote-maintenance sessions you may see (approvers: your\n"
                       "organisation's targets; auditors, admins: all), newest first.")
      ->callback([ra, exit_code] { *exit_code = Finish(Sessions(*ra)); });
  struct RecordingArgs {
    int64_t session = 0;
    std::string out;
  };
  auto rg = std::make_shared<RecordingArgs>();
  CLI::App* recording = remote->add_subcommand(
      "recording",
      "A session's recording, as the exchange keeps it: sealed to the hospital's keys.");
  recording->require_subcommand(1);
  CLI::App* get = recording->add_subcommand(
      "get",
      "Fetch the exchange's sealed copy of a session's recording, checked against the\n"
      "session's last anchor before it is kept. Then decrypt it on your own machine:\n"
      "  cordon remote recording get 17 -o session-17.cast.age\n"
      "  cordon recording play session-17.cast.age -i ciso.key");
  get->add_option("SESSION", rg->session, "the session's number (cordon remote sessions)")
      ->required();
  get->add_option("-o,--output", rg->out,
                  "where to write it (default session-N.cast.age; never replaced)");
  get->callback([ra, rg, exit_code] {
    *exit_code = Finish([&]() -> Status {
      const std::string out =
          rg->out.empty() ? "session-" + std::to_string(rg->session) + ".cast.age" : rg->out;
      CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(*ra));
      CORDON_ASSIGN_OR_RETURN(client::FetchedRecording r,
                              client::FetchRecording(c, rg->session, out));
      if (ra->json) {
        std::cout << nlohmann::json{{"session", rg->session},
                                    {"file", out},
                                    {"bytes", r.bytes},
                                    {"verified", r.verified}}
                         .dump(2)
                  << "\n";
      } else {
        std::cerr << "cordon remote: " << out << " (" << r.bytes << " bytes) " << r.verified
                  << "\n";
      }
      return Ok();
    }());
  });
  auto org = std::make_shared<std::string>();
  CLI::App* organisation = remote->add_subcommand(
      "organisation", "Organisations (remote maintenance): lift a vendor's suspension.");
  organisation->require_subcommand(1);
  CLI::App* resume = organisation->add_subcommand(
      "resume",
      "Lift a suspension an admin asked to resume (approvers of a hospital the vendor reaches).");
  resume->add_option("NAME", *org, "the organisation, e.g. \"Vendor SA\"")->required();
  resume->callback([ra, org, exit_code] {
    *exit_code = Finish([&]() -> Status {
      CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(*ra));
      CORDON_TRY(client::ResumeOrganisation(c, *org));
      std::cerr << "cordon remote: " << *org << " resumed\n";
      return Ok();
    }());
  });
  struct UnlockArgs {
    std::string email, reason;
  };
  auto ua = std::make_shared<UnlockArgs>();
  CLI::App* account = remote->add_subcommand(
      "account", "Vendors' accounts (remote maintenance): re-open a locked or dormant one.");
  account->require_subcommand(1);
  CLI::App* unlock = account->add_subcommand(
      "unlock",
      "Re-open a vendor's account locked or dormant (90 days unused, a break-glass not\n"
      "countersigned, failed logins): approvers of a hospital whose targets the vendor's\n"
      "accounts requested, with a reason the ledger keeps.\n"
      "  cordon remote account unlock olivier@vendor.example --reason 'PACS upgrade, ticket "
      "CHG-1234'");
  unlock->add_option("EMAIL", ua->email, "the vendor's account")->required();
  unlock->add_option("--reason", ua->reason, "why it comes back (10+ characters, no personal data)")
      ->required();
  unlock->callback([ra, ua, exit_code] {
    *exit_code = Finish([&]() -> Status {
      CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(*ra));
      CORDON_ASSIGN_OR_RETURN(nlohmann::json r, client::UnlockAccount(c, ua->email, ua->reason));
      if (ra->json) {
        std::cout << r.dump(2) << "\n";
      } else {
        std::cout << "account " << r.value("account", int64_t{0}) << " re-opened (was "
                  << r.value("lifted", std::string()) << ")\n";
      }
      return Ok();
    }());
  });
  struct PasskeyArgs {
    std::string email, reason;
    int64_t id = 0;
  };
  auto pa = std::make_shared<PasskeyArgs>();
  CLI::App* passkey = remote->add_subcommand(
      "passkey",
      "Passkeys of other accounts (admins): find a lost one, and revoke it with a second\n"
      "admin — never alone, never one's own.\n"
      "  cordon remote passkey list dora@chu.example\n"
      "  cordon remote passkey revoke 12 --reason 'lost on 2027-01-15, ticket SEC-12'");
  passkey->require_subcommand(1);
  CLI::App* plist =
      passkey->add_subcommand("list", "An account's passkeys, revoked ones included.");
  plist->add_option("EMAIL", pa->email, "the account")->required();
  plist->callback([ra, pa, exit_code] {
    *exit_code = Finish([&]() -> Status {
      CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(*ra));
      CORDON_ASSIGN_OR_RETURN(nlohmann::json r, client::ListPasskeys(c, pa->email));
      if (ra->json) {
        std::cout << r.dump(2) << "\n";
        return Ok();
      }
      for (const auto& p : r.value("passkeys", nlohmann::json::array())) {
        std::cout << p.value("id", int64_t{0}) << "  " << p.value("label", std::string()) << "  "
                  << p.value("fingerprint", std::string()) << "  "
                  << (p.value("revoked_at", nlohmann::json()).is_null() ? "active" : "revoked")
                  << "\n";
      }
      return Ok();
    }());
  });
  CLI::App* prevoke = passkey->add_subcommand(
      "revoke",
      "Approve the revocation of a lost or stolen passkey; the second admin's approval revokes\n"
      "it and ends its owner's sessions (they re-enrol with password and code).");
  prevoke->add_option("ID", pa->id, "the passkey's id (`cordon remote passkey list EMAIL`)")
      ->required();
  prevoke->add_option("--reason", pa->reason, "why (one line, no personal data: name the ticket)")
      ->required();
  prevoke->callback([ra, pa, exit_code] {
    *exit_code = Finish([&]() -> Status {
      CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(*ra));
      CORDON_ASSIGN_OR_RETURN(nlohmann::json r, client::RevokePasskey(c, pa->id, pa->reason));
      if (ra->json) {
        std::cout << r.dump(2) << "\n";
      } else {
        std::cout << "passkey " << pa->id
                  << (r.value("revoked", false) ? " revoked" : " revocation approved") << ": "
                  << r.value("next", std::string()) << "\n";
      }
      return Ok();
    }());
  });
  struct CampaignArgs {
    std::string organisation, deadline, decision;
    std::string sign_with;  // an SSH key registered to the account (cordon remote ssh-key)
    int64_t id = 0, account = 0;
  };
  auto ca = std::make_shared<CampaignArgs>();
  CLI::App* campaign = remote->add_subcommand(
      "campaign",
      "Access review campaigns of a vendor's accounts: approvers of a hospital whose targets\n"
      "the vendor's accounts requested keep or remove each account; at the deadline every\n"
      "account not kept is disabled. Each decision is a signature anyone checks offline: in the "
      "pages\n"
      "with a passkey, here with an SSH key registered to you (cordon remote ssh-key add).\n"
      "  cordon remote campaign open --organisation \"Vendor SA\" --deadline 2027-01-31T17:00:00Z\n"
      "  cordon remote campaign show 3\n"
      "  cordon remote campaign decide 3 --account 12 --decision keep --sign-with "
      "~/.ssh/id_cordon_sk");
  campaign->require_subcommand(1);
  CLI::App* clist = campaign->add_subcommand("list", "The most recent campaigns.");
  CLI::App* copen = campaign->add_subcommand("open", "Open a campaign (approvers).");
  copen->add_option("--organisation", ca->organisation, "whose accounts")->required();
  copen->add_option("--deadline", ca->deadline, "YYYY-MM-DDTHH:MM:SSZ")->required();
  CLI::App* cshow = campaign->add_subcommand(
      "show", "A campaign: the accounts under review and the decisions, signed or not.");
  cshow->add_option("ID", ca->id, "the campaign id")->required();
  CLI::App* cdecide = campaign->add_subcommand(
      "decide", "Keep or remove one account (signed with --sign-with once you have a key).");
  cdecide->add_option("ID", ca->id, "the campaign id")->required();
  cdecide->add_option("--account", ca->account, "the account id")->required();
  cdecide->add_option("--decision", ca->decision, "keep or remove")
      ->required()
      ->check(CLI::IsMember({"keep", "remove"}));
  cdecide->add_option("--sign-with", ca->sign_with,
                      "your SSH key's private file (registered with cordon remote ssh-key add); "
                      "ssh-keygen signs the exchange's decision document with it");
  auto print_campaign = [](const RemoteArgs& a, const json& j) {
    Print(a, j, [&] {
      // Every value as text: a name must not move the cursor over a line.
      std::cout << "campaign " << client::IntField(j, "id") << "  "
                << PrintableText(client::TextField(j, "organisation")) << "  deadline "
                << client::TextField(j, "deadline")
                << (client::BoolField(j, "open") ? "  open" : "  closed") << "\n";
      const json& reviewed = client::ArrayField(j, "reviewed");
      for (const auto& r : reviewed) {
        std::cout << "  account " << client::IntField(r, "id") << "  "
                  << PrintableText(client::TextField(r, "name")) << " <"
                  << PrintableText(client::TextField(r, "email")) << ">  "
                  << client::TextField(r, "role") << "  last login "
                  << (r.contains("last_login_at") && r["last_login_at"].is_string()
                          ? r["last_login_at"].get<std::string>()
                          : std::string("never"))
                  << "\n";
      }
      for (const auto& d : client::ArrayField(j, "decisions")) {
        std::cout << "  account " << client::IntField(d, "account") << ": "
                  << client::TextField(d, "decision")
                  << (client::BoolField(d, "signed")
                          ? "  signed by " + PrintableText(client::TextField(d, "signer_email"))
                          : std::string("  unsigned"))
                  << "\n";
      }
    });
  };
  clist->callback([ra, exit_code] {
    *exit_code = Finish([&]() -> Status {
      CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(*ra));
      CORDON_ASSIGN_OR_RETURN(json j, client::ListCampaigns(c));
      Print(*ra, j, [&] {
        for (const auto& k : client::ArrayField(j, "campaigns")) {
          std::cout << "campaign " << client::IntField(k, "id") << "  "
                    << PrintableText(client::TextField(k, "organisation")) << "  deadline "
                    << client::TextField(k, "deadline")
                    << (client::BoolField(k, "open") ? "  open" : "  closed") << "  "
                    << client::ArrayField(k, "decisions").size() << " decision(s)\n";
        }
      });
      return Ok();
    }());
  });
  copen->callback([ra, ca, exit_code, print_campaign] {
    *exit_code = Finish([&]() -> Status {
      CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(*ra));
      CORDON_ASSIGN_OR_RETURN(json j, client::OpenCampaign(c, ca->organisation, ca->deadline));
      print_campaign(*ra, j);
      return Ok();
    }());
  });
  cshow->callback([ra, ca, exit_code, print_campaign] {
    *exit_code = Finish([&]() -> Status {
      CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(*ra));
      CORDON_ASSIGN_OR_RETURN(json j, client::GetCampaign(c, ca->id));
      print_campaign(*ra, j);
      return Ok();
    }());
  });
  cdecide->callback([ra, ca, exit_code, print_campaign] {
    *exit_code = Finish([&]() -> Status {
      CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(*ra));
      if (ca->sign_with.empty()) {
        CORDON_ASSIGN_OR_RETURN(json j,
                                client::DecideInCampaign(c, ca->id, ca->account, ca->decision));
        print_campaign(*ra, j);
        return Ok();
      }
      // Signed: the exchange's document for this decision, checked to be
      // the one typed, signed by ssh-keygen with the person's key.
      CORDON_ASSIGN_OR_RETURN(
          client::DecisionToSign doc,
          client::FetchCampaignDecisionToSign(c, ca->id, ca->account, ca->decision));
      const json d = json::parse(doc.document, nullptr, false);
      const json& who = client::ObjectField(d, "account");
      std::cerr << "cordon remote: signing \"" << ca->decision << "\" on account " << ca->account
                << " (" << PrintableText(client::TextField(who, "name")) << " <"
                << PrintableText(client::TextField(who, "email")) << ">, "
                << PrintableText(client::TextField(who, "organisation")) << ") in campaign "
                << ca->id << " on " << PrintableText(client::TextField(d, "exchange")) << " with "
                << ca->sign_with << " (touch your security key if it blinks)\n";
      CORDON_ASSIGN_OR_RETURN(std::string sshsig,
                              SignWithSshKeygen(ca->sign_with, doc.ns, doc.document));
      CORDON_ASSIGN_OR_RETURN(
          json j, client::DecideInCampaignSigned(c, ca->id, ca->account, ca->decision, sshsig));
      print_campaign(*ra, j);
      if (!ra->json) {
        for (const auto& e : client::ArrayField(j, "decisions")) {
          if (client::IntField(e, "account") != ca->account) continue;
          std::cout << "signed: " << doc.ns << "\n"
                    << "anyone checks it offline with: " << client::TextField(e, "verify") << "\n";
        }
      }
      return Ok();
    }());
  });

  CLI::App* ssh_cert = remote->add_subcommand(
      "ssh-cert",
      "An SSH certificate for an open grant on a target: the exchange signs your public key\n"
      "for the bastion, valid until the grant's window ends (8 hours at most).\n"
      "Example:\n  cordon remote ssh-cert --grant 42 -i ~/.ssh/id_ed25519.pub\n"
      "  (writes ~/.ssh/id_ed25519-cert.pub, which ssh then offers by itself)");
  ssh_cert->add_option("--grant", sa->grant, "the open grant")->required();
  ssh_cert->add_option("-i,--identity", sa->identity,
                       "your Ed25519 public key (default ~/.ssh/id_ed25519.pub)");
  ssh_cert->add_option("-o,--out", sa->out, "the certificate file (default KEY-cert.pub)");
  ssh_cert->callback([ra, sa, exit_code] {
    sa->remote = *ra;
    *exit_code = Finish(SshCert(*sa));
  });
  CLI::App* ssh = remote->add_subcommand(
      "ssh",
      "Reach a target through the bastion in one step: reuses your open grant for it (or\n"
      "requests one with --reason), gets a certificate and runs ssh. The session is recorded.\n"
      "Example:\n  cordon remote ssh pacs01 --reason 'ticket 4411: PACS export stuck' --hours 2");
  ssh->add_option("TARGET", sa->target, "the target's name (cordon remote targets)")->required();
  ssh->add_option("-i,--identity", sa->identity,
                  "your Ed25519 public key (default ~/.ssh/id_ed25519.pub)");
  ssh->add_option("--reason", sa->reason, "without an open grant: request one, saying why");
  ssh->add_option("--hours", sa->hours, "the requested window's length (default 4)");
  ssh->add_option("--ticket", sa->ticket, "the ticket or order reference");
  ssh->add_option("--bastion", sa->bastion, "[USER@]HOST[:PORT] (default: what the exchange says)");
  ssh->add_option("--ssh-option", sa->ssh_options,
                  "an option for ssh, as -o OPTION (repeatable), e.g. UserKnownHostsFile=FILE");
  ssh->callback([ra, sa, exit_code] {
    sa->remote = *ra;
    *exit_code = Finish(Ssh(*sa));
  });
}

}  // namespace cordon::cli
