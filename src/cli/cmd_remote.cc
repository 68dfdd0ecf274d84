// `cordon remote`: flags in, the exchange's client (src/client/) called,
// its results out as text or --json, and the person asked on the terminal
// when a key is met for the first time or a password is needed. This file:
// the account, packages, grants, the review and logins; remote maintenance
// and orders are in cmd_remote_maintenance.cc and cmd_remote_orders.cc.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/remote_common.h"
#include "cli/ssh_keygen_sign.h"
#include "client/account.h"
#include "client/answer.h"
#include "client/connection.h"
#include "client/grants.h"
#include "client/packages.h"
#include "core/file.h"
#include "core/strings.h"
#include "core/utc_time.h"

namespace cordon::cli {
namespace {

using nlohmann::json;

// A progress line per file, and the file's name once it is through.
class TransferLines {
 public:
  TransferLines(std::string verb, bool announce_size)
      : verb_(std::move(verb)), announce_size_(announce_size) {}
  client::TransferObserver Observer() {
    client::TransferObserver o;
    o.begin = [this](const std::string& name, std::optional<uint64_t> size) {
      if (announce_size_) std::cerr << "  " << name << " (" << size.value_or(0) << " bytes)\n";
      line_.emplace(verb_ + " " + name, size);
    };
    o.progress = [this](uint64_t n) {
      if (line_) line_->Update(n);
    };
    o.done = [this](const std::string& name) {
      line_.reset();
      if (!announce_size_) std::cerr << "  " << name << "\n";
    };
    return o;
  }

 private:
  std::string verb_;
  bool announce_size_;
  std::optional<ProgressLine> line_;
};

// ---- login, enrolment ----

struct LoginArgs {
  RemoteArgs remote;
  std::string email, code;
  bool password_stdin = false;
  std::string sign_with;  // a registered SSH key (accounts that log in with a passkey)
};

Status Login(const LoginArgs& a) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a.remote));
  CORDON_ASSIGN_OR_RETURN(SecretBuffer pw, ReadSecretLine("password: ", a.password_stdin));
  const std::string code =
      a.code.empty() ? Ask("code from your authenticator app (or a recovery code): ") : a.code;
  CORDON_ASSIGN_OR_RETURN(client::LoginResult r, client::Login(c, a.email, pw, code));
  if (r.key_login) {
    // An account that logs in with its passkey: its registered key signs
    // this login — the exchange's challenge, for the exchange reached only.
    if (a.sign_with.empty()) {
      return Error(ErrorCode::kRefused,
                   "your account logs in with its passkey; from the command line, your "
                   "registered SSH key signs the login",
                   "cordon remote login --email " + a.email +
                       " --sign-with ~/.ssh/id_cordon_sk (the key you added with cordon "
                       "remote ssh-key add)");
    }
    CORDON_TRY(client::CheckKeyLoginOffer(*r.key_login, a.email, client::RpIdOfOrigin(c.url())));
    std::cerr << "cordon remote: signing your login with " << a.sign_with
              << " (touch your security key if it blinks)\n";
    CORDON_ASSIGN_OR_RETURN(std::string sshsig,
                            SignWithSshKeygen(a.sign_with, r.key_login->ns, r.key_login->document));
    CORDON_ASSIGN_OR_RETURN(r, client::FinishKeyLogin(c, a.email, *r.key_login, sshsig));
  }
  std::cerr << "logged in to " << c.url() << " as " << r.email << " (" << r.role
            << "); the session ends after " << r.idle_timeout_seconds / 60 << " minutes idle\n";
  return Ok();
}

Status Logout(const RemoteArgs& a) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a));
  return client::Logout(c);
}

struct EnrolArgs {
  RemoteArgs remote;
  std::string token, code;
  bool password_stdin = false;
};

Status Enrol(const EnrolArgs& a) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a.remote));
  if (a.code.empty()) {
    CORDON_ASSIGN_OR_RETURN(client::EnrolmentSecret s, client::BeginEnrolment(c, a.token));
    Print(a.remote, s.answer, [&] {
      std::cout << "add this account to your authenticator app (scan it as a QR code, or type "
                   "the secret):\n  "
                << s.otpauth_uri << "\n  secret: " << s.secret
                << "\nthen finish: cordon remote enrol --token TOKEN --code CODE (asks for your "
                   "new password)\n";
    });
    return Ok();
  }
  CORDON_ASSIGN_OR_RETURN(SecretBuffer pw,
                          ReadSecretLine("new password (12+ characters): ", a.password_stdin));
  CORDON_ASSIGN_OR_RETURN(client::Enrolment e, client::FinishEnrolment(c, a.token, pw, a.code));
  Print(a.remote, e.answer, [&] {
    std::cout << "enrolled. Recovery codes (each works once instead of a code; keep them "
                 "offline):\n";
    for (const auto& code : e.recovery_codes) std::cout << "  " << code << "\n";
  });
  return Ok();
}

// ---- packages ----

Status Push(const RemoteArgs& a, const std::string& dir) {
  CORDON_ASSIGN_OR_RETURN(std::vector<std::string> files, client::PackageFiles(dir));
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a));
  TransferLines lines("sending", true);
  CORDON_ASSIGN_OR_RETURN(client::PushedPackage p, client::Push(c, dir, files, lines.Observer()));
  Print(a, p.answer, [&] {
    std::cout << p.id << "\n";
    std::cerr << "package for order " << p.order_id << " is on the exchange (" << p.bytes
              << " bytes, deleted by " << p.delete_by << " at the latest)\n";
  });
  return Ok();
}

Status List(const RemoteArgs& a, bool all) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a));
  CORDON_ASSIGN_OR_RETURN(client::PackageList list, client::ListPackages(c, all));
  Print(a, list.answer, [&] {
    for (const auto& p : list.packages) {
      std::cout << p.id << "  order " << p.order_id << "  " << p.bytes << " bytes  " << p.status
                << "  delete by " << p.delete_by << "\n";
    }
  });
  return Ok();
}

Status Pull(const RemoteArgs& a, const std::string& id, const std::string& out) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a));
  TransferLines lines("receiving", false);
  CORDON_TRY(client::Pull(c, id, out, lines.Observer()));
  std::cerr << "package " << id << " is in " << out << "; open it with: cordon open " << out
            << " -i YOUR-KEY -o DIR\nthen confirm the import so the exchange deletes it: "
               "cordon remote confirm "
            << id << "\n";
  return Ok();
}

Status Confirm(const RemoteArgs& a, const std::string& id, const std::string& out) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a));
  CORDON_ASSIGN_OR_RETURN(client::DeletionCertificate cert, client::Confirm(c, id));
  if (!out.empty()) CORDON_TRY(client::SaveCertificate(cert, out));
  Print(a, cert.answer, [&] {
    std::cerr << "package " << id << " is deleted from the exchange";
    if (!out.empty()) {
      std::cerr << "; its deletion certificate is in " << out << " (check it: minisign -V -m "
                << out << " -P <the exchange's key>)";
    }
    std::cerr << "\n";
  });
  return Ok();
}

Status Certificate(const RemoteArgs& a, const std::string& id, const std::string& out) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a));
  CORDON_ASSIGN_OR_RETURN(client::DeletionCertificate cert, client::FetchCertificate(c, id));
  CORDON_TRY(client::SaveCertificate(cert, out));
  std::cerr << "deletion certificate of " << id << " in " << out << " and " << out << ".minisig\n";
  return Ok();
}

// ---- grants, review, logins ----

struct GrantArgs {
  RemoteArgs remote;
  client::GrantRequest request;
  int64_t id = 0;
  std::string sign_with;  // an SSH key registered to the account (cordon remote ssh-key)
};

void PrintGrant(const client::Grant& g) {
  const bool whole = g.package.rfind("target:", 0) == 0 || g.package.rfind("role:", 0) == 0;
  std::cout << "grant " << g.id << "  " << g.status << (g.break_glass ? " (break-glass)" : "")
            << "  " << (whole ? g.package : "package " + g.package.substr(0, 12) + "…")
            << "  requester " << g.requester_id << "  "
            << (g.open_now ? "OPEN until " + g.closes_at : "closed") << "\n";
}

Status GrantRequest(const GrantArgs& a, bool break_glass) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a.remote));
  client::GrantRequest request = a.request;
  request.break_glass = break_glass;
  CORDON_ASSIGN_OR_RETURN(client::Grant g, client::RequestGrant(c, request));
  Print(a.remote, g.answer, [&] {
    PrintGrant(g);
    if (!break_glass) std::cerr << "an approver (not you) must approve it\n";
  });
  return Ok();
}

Status GrantDecide(const GrantArgs& a, client::GrantVerb verb) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a.remote));
  if (a.sign_with.empty()) {
    CORDON_ASSIGN_OR_RETURN(client::Grant g, client::DecideGrant(c, a.id, verb));
    Print(a.remote, g.answer, [&] { PrintGrant(g); });
    return Ok();
  }
  // Signed: the exchange's document for this decision, signed by
  // ssh-keygen with the person's key, checked and kept by the exchange.
  CORDON_ASSIGN_OR_RETURN(client::DecisionToSign doc, client::FetchDecisionToSign(c, a.id, verb));
  // What is signed, in words, before the security key is touched.
  const nlohmann::json d = nlohmann::json::parse(doc.document, nullptr, false);
  const nlohmann::json& grant = client::ObjectField(d, "grant");
  const nlohmann::json& requester = client::ObjectField(grant, "requester");
  // Every value as text: a reason must not move the cursor over this line.
  const auto text = [](const nlohmann::json& j, const char* key) {
    return PrintableText(client::TextField(j, key));
  };
  std::cerr << "cordon remote: signing \"" << client::GrantVerbName(verb) << "\" on grant " << a.id
            << " (" << text(grant, "subject") << ", asked by " << text(requester, "name") << " <"
            << text(requester, "email") << ">: " << text(grant, "reason") << ") on "
            << text(d, "exchange") << " with " << a.sign_with
            << " (touch your security key if it blinks)\n";
  CORDON_ASSIGN_OR_RETURN(std::string sshsig, SignWithSshKeygen(a.sign_with, doc.ns, doc.document));
  CORDON_ASSIGN_OR_RETURN(client::Grant g, client::DecideGrantSigned(c, a.id, verb, sshsig));
  Print(a.remote, g.answer, [&] {
    PrintGrant(g);
    const nlohmann::json& sig = client::ObjectField(g.answer, "signature");
    std::cout << "signed: " << client::TextField(sig, "namespace") << "\n"
              << "anyone checks it offline with: " << client::TextField(sig, "verify") << "\n";
  });
  return Ok();
}

Status GrantList(const RemoteArgs& a) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a));
  CORDON_ASSIGN_OR_RETURN(client::GrantList list, client::ListGrants(c));
  Print(a, list.answer, [&] {
    for (const auto& g : list.grants) PrintGrant(g);
  });
  return Ok();
}

struct ReviewArgs {
  bool attest = false;
  std::string sign_with;  // an SSH key registered to the account (cordon remote ssh-key)
};

Status Review(const RemoteArgs& a, const ReviewArgs& r) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a));
  CORDON_ASSIGN_OR_RETURN(client::AccessReview review, client::FetchAccessReview(c));
  Print(a, review.answer, [&] {
    for (const auto& acc : review.accounts) {
      std::cout << acc.id << "  " << acc.email << "  " << acc.role << "  " << acc.status
                << (acc.expired ? " EXPIRED" : "") << (acc.locked ? " LOCKED" : "")
                << "  last login " << acc.last_login_ip << "  grants " << acc.grants << " ("
                << acc.open_grants << " open)\n";
    }
    std::cout << "break-glass grants to review: " << review.break_glass_to_review
              << "\nreview sha256 " << review.sha256 << "\n";
  });
  if (!r.attest) return Ok();
  if (r.sign_with.empty()) {
    CORDON_TRY(client::AttestAccessReview(c, review.sha256));
    std::cerr << "attested: you reviewed this access list (recorded in the exchange's ledger)\n";
    return Ok();
  }
  // Signed: the exchange's attestation of exactly the review shown above,
  // checked, then signed by ssh-keygen with the person's key.
  CORDON_ASSIGN_OR_RETURN(client::DecisionToSign doc,
                          client::AttestationToSign(review, client::RpIdOfOrigin(c.url())));
  std::cerr << "cordon remote: signing your attestation of review " << review.sha256 << " with "
            << r.sign_with << " (touch your security key if it blinks)\n";
  CORDON_ASSIGN_OR_RETURN(std::string sshsig, SignWithSshKeygen(r.sign_with, doc.ns, doc.document));
  CORDON_ASSIGN_OR_RETURN(nlohmann::json answer,
                          client::AttestAccessReviewSigned(c, review.sha256, sshsig));
  const nlohmann::json& sig = client::ObjectField(answer, "signature");
  std::cerr << "attested and signed (" << client::TextField(sig, "namespace")
            << "); anyone checks it offline with: " << client::TextField(sig, "verify") << "\n";
  return Ok();
}

Status Logins(const RemoteArgs& a, bool everyone) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a));
  CORDON_ASSIGN_OR_RETURN(client::LoginHistory history, client::ListLogins(c, everyone));
  Print(a, history.answer, [&] {
    for (const auto& l : history.logins) {
      std::cout << l.at << "  account " << l.account << "  " << l.ip << "  " << l.outcome << "  "
                << l.mfa << "\n";
    }
  });
  return Ok();
}

}  // namespace

void RegisterRemoteCommands(CLI::App& app, int* exit_code) {
  CLI::App* remote = app.add_subcommand(
      "remote",
      "Use an exchange (`cordon serve`): log in, push and pull packages, grants, review.\n"
      "  cordon remote --server https://exchange:8443 login --email you@lab.example\n"
      "  cordon remote push out/             (operator)\n"
      "  cordon remote grant request --package ID --reason 'migration' --hours 8\n"
      "  cordon remote pull ID -o in/ && cordon remote confirm ID -o deleted.json\n"
      "  cordon remote order submit order.toml --source export/   (operator, for the DPO)");
  remote->require_subcommand(1);
  auto ra = std::make_shared<RemoteArgs>();
  AddRemoteOptions(remote, *ra);

  auto l = std::make_shared<LoginArgs>();
  CLI::App* login = remote->add_subcommand(
      "login",
      "Log in (password + authenticator code; with a passkey on your account, also\n"
      "--sign-with your registered SSH key).");
  login->add_option("--email", l->email, "your account")->required();
  login->add_option("--code", l->code, "the code from your app (asked when missing)");
  login->add_flag("--password-stdin", l->password_stdin, "read the password from stdin");
  login->add_option("--sign-with", l->sign_with,
                    "an SSH key registered to your account (cordon remote ssh-key add): it signs "
                    "the login of an account that logs in with its passkey in the pages (DPOs, "
                    "approvers, admins); a security key (sk-) is recommended");
  login->callback([l, ra, exit_code] {
    l->remote = *ra;
    *exit_code = Finish(Login(*l));
  });
  remote->add_subcommand("logout", "End your session.")->callback([ra, exit_code] {
    *exit_code = Finish(Logout(*ra));
  });

  auto e = std::make_shared<EnrolArgs>();
  CLI::App* enrol = remote->add_subcommand(
      "enrol",
      "Set up your account from the one-time token your admin gave you: first without\n"
      "--code (shows the authenticator secret), then with --code (sets your password).");
  enrol->add_option("--token", e->token, "the enrolment token")->required();
  enrol->add_option("--code", e->code, "a code from your authenticator app");
  enrol->add_flag("--password-stdin", e->password_stdin, "read the new password from stdin");
  enrol->callback([e, ra, exit_code] {
    e->remote = *ra;
    *exit_code = Finish(Enrol(*e));
  });

  auto dir = std::make_shared<std::string>();
  CLI::App* push = remote->add_subcommand("push", "Upload a package made by `cordon extract`.");
  push->add_option("DIR", *dir, "the package directory")->required();
  push->callback([ra, dir, exit_code] { *exit_code = Finish(Push(*ra, *dir)); });

  auto all = std::make_shared<bool>(false);
  CLI::App* list = remote->add_subcommand("list", "Packages on the exchange.");
  list->add_flag("--all", *all, "also deleted ones");
  list->callback([ra, all, exit_code] { *exit_code = Finish(List(*ra, *all)); });

  auto id = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  CLI::App* pull = remote->add_subcommand("pull", "Download a package (needs an open grant).");
  pull->add_option("ID", *id, "the package id")->required();
  pull->add_option("-o,--out", *out, "directory to write it to")->required();
  pull->callback([ra, id, out, exit_code] { *exit_code = Finish(Pull(*ra, *id, *out)); });

  CLI::App* confirm = remote->add_subcommand(
      "confirm", "Confirm the import: the exchange deletes the package and signs a certificate.");
  confirm->add_option("ID", *id, "the package id")->required();
  confirm->add_option("-o,--out", *out, "write the deletion certificate here (and .minisig)");
  confirm->callback([ra, id, out, exit_code] { *exit_code = Finish(Confirm(*ra, *id, *out)); });

  CLI::App* cert = remote->add_subcommand("certificate", "Fetch a package's deletion certificate.");
  cert->add_option("ID", *id, "the package id")->required();
  cert->add_option("-o,--out", *out, "file to write (and .minisig)")->required();
  cert->callback([ra, id, out, exit_code] { *exit_code = Finish(Certificate(*ra, *id, *out)); });

  CLI::App* grant = remote->add_subcommand("grant", "Time-boxed access to a package.");
  grant->require_subcommand(1);
  auto g = std::make_shared<GrantArgs>();
  for (const char* kind : {"request", "break-glass"}) {
    const bool bg = std::string(kind) == "break-glass";
    CLI::App* c = grant->add_subcommand(
        kind, bg ? "Emergency access, open at once; alerts, and must be reviewed by an approver."
                 : "Ask for access to a package (or for a role, for a while); another person\n"
                   "with the approver role approves it.");
    c->add_option("--package", g->request.package, "the package id");
    c->add_option("--target", g->request.target,
                  "instead of a package: SSH access to a registered target (remote maintenance;\n"
                  "break-glass only for on-call accounts)");
    if (!bg) {
      c->add_option("--role", g->request.role,
                    "instead of a package: a role for a while (operator, recipient, auditor)");
      c->add_option("--ticket", g->request.ticket,
                    "with --target: the ticket or order reference (named in the certificate)");
    }
    c->add_option("--reason", g->request.reason, "why (recorded)")->required();
    c->add_option("--hours", g->request.hours, "how long the grant stays open")->required();
    if (!bg) c->add_option("--start", g->request.start, "a later opening, YYYY-MM-DDTHH:MM:SSZ");
    c->callback([ra, g, bg, exit_code] {
      g->remote = *ra;
      *exit_code = Finish(GrantRequest(*g, bg));
    });
  }
  for (client::GrantVerb verb : {client::GrantVerb::kApprove, client::GrantVerb::kDeny,
                                 client::GrantVerb::kRevoke, client::GrantVerb::kReview}) {
    const std::string name = client::GrantVerbName(verb);
    CLI::App* c = grant->add_subcommand(name, name + " a grant (approver)");
    c->add_option("ID", g->id, "the grant id")->required();
    c->add_option("--sign-with", g->sign_with,
                  "sign the decision with this SSH key, registered to you (cordon remote "
                  "ssh-key add); required once you have one");
    c->callback([ra, g, verb, exit_code] {
      g->remote = *ra;
      *exit_code = Finish(GrantDecide(*g, verb));
    });
  }
  grant->add_subcommand("list", "Your grants (approvers and auditors: everyone's).")
      ->callback([ra, exit_code] { *exit_code = Finish(GrantList(*ra)); });

  auto rv = std::make_shared<ReviewArgs>();
  CLI::App* review = remote->add_subcommand(
      "review",
      "The access review: every account, role, end date, last login, grants. An approver\n"
      "attests it with --attest: a signature over the review's SHA-256 once they have a\n"
      "passkey or an SSH key (cordon remote ssh-key add), anyone checks it offline.\n"
      "  cordon remote review --attest --sign-with ~/.ssh/id_cordon_sk");
  review->add_flag("--attest", rv->attest, "record that you (an approver) reviewed it");
  review
      ->add_option("--sign-with", rv->sign_with,
                   "sign the attestation with this SSH key (its private file), registered to you")
      ->needs(review->get_option("--attest"));
  review->callback([ra, rv, exit_code] { *exit_code = Finish(Review(*ra, *rv)); });

  auto everyone = std::make_shared<bool>(false);
  CLI::App* logins = remote->add_subcommand("logins", "Your login history.");
  logins->add_flag("--all", *everyone, "everyone's (auditors)");
  logins->callback([ra, everyone, exit_code] { *exit_code = Finish(Logins(*ra, *everyone)); });

  RegisterRemoteMaintenanceCommands(remote, ra, exit_code);
  RegisterRemoteOrderCommands(remote, ra, exit_code);
  RegisterRemoteSshKeyCommands(remote, ra, exit_code);
}

}  // namespace cordon::cli
