// `cordon remote`: flags in, the exchange's client (src/client/) called,
// its results out as text or --json, and the person asked on the terminal
// when a key is met for the first time or a password is needed.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/ledger_io.h"
#include "cli/order_io.h"
#include "client/account.h"
#include "client/answer.h"
#include "client/connection.h"
#include "client/grants.h"
#include "client/orders.h"
#include "client/packages.h"
#include "client/remote_access.h"
#include "core/file.h"
#include "core/utc_time.h"
#include "order/plan_digest.h"
#include "pipeline/extract.h"
#include "pipeline/plan_json.h"

namespace cordon::cli {
namespace {

using nlohmann::json;

struct RemoteArgs {
  std::string server;
  std::string fingerprint;
  bool json = false;
};

// A key seen for the first time in this run is trusted only when a person
// says it is the one `cordon serve` printed: on the terminal (/dev/tty, not
// stdin, which a script may feed), answering "yes". Without a terminal the
// answer is no.
bool ConfirmedOnTerminal(const std::string& url, const std::string& fingerprint) {
  UniqueFd tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (tty.get() < 0) return false;
  const std::string prompt = "cordon remote: first connection to " + url +
                             ". Its key's SHA-256 fingerprint is\n  " + fingerprint +
                             "\nIs it the one `cordon serve` printed (ask the exchange's admin)? "
                             "Type yes to pin it: ";
  if (::write(tty.get(), prompt.data(), prompt.size()) < 0) return false;
  std::string answer;
  char c = 0;
  while (answer.size() < 16 && ::read(tty.get(), &c, 1) == 1 && c != '\n') answer += c;
  return answer == "yes";
}

// Connects to the exchange named by --server or $CORDON_SERVER, asking on
// the terminal about a key seen for the first time, and says what happened
// to the pin.
Result<client::Connection> Connect(const RemoteArgs& a) {
  std::string url = a.server;
  if (url.empty()) {
    const char* env = std::getenv("CORDON_SERVER");
    url = env ? env : "";
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.empty()) {
    return Error(ErrorCode::kInvalidArgument, "which exchange?",
                 "pass --server https://HOST:PORT or set CORDON_SERVER");
  }
  client::ConnectOptions o;
  o.url = url;
  o.fingerprint = a.fingerprint;
  o.first_use = client::FirstUse::kAskPerson;
  o.confirm = ConfirmedOnTerminal;
  CORDON_ASSIGN_OR_RETURN(client::Connection c,
                          client::Connection::Open(o, client::SessionStore::ForCurrentUser()));
  if (c.pin_change() == client::PinChange::kPinnedFirstUse) {
    std::cerr << "cordon remote: " << c.pin_key() << " is now pinned to key " << c.key_fingerprint()
              << "\n";
  } else if (c.pin_change() == client::PinChange::kUpgradedLegacy) {
    std::cerr << "cordon remote: " << c.pin_key()
              << ": the pinned certificate matched; the pin is now its key's:\n  "
              << c.key_fingerprint() << "\n";
  }
  return c;
}

std::string Ask(const char* prompt) {
  std::cerr << prompt << std::flush;
  std::string line;
  std::getline(std::cin, line);
  return line;
}

void Print(const RemoteArgs& a, const json& j, const std::function<void()>& human) {
  if (a.json) {
    std::cout << j.dump(2) << "\n";
  } else {
    human();
  }
}

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
};

Status Login(const LoginArgs& a) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a.remote));
  CORDON_ASSIGN_OR_RETURN(SecretBuffer pw, ReadSecretLine("password: ", a.password_stdin));
  const std::string code =
      a.code.empty() ? Ask("code from your authenticator app (or a recovery code): ") : a.code;
  CORDON_ASSIGN_OR_RETURN(client::LoginResult r, client::Login(c, a.email, pw, code));
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
  CORDON_ASSIGN_OR_RETURN(client::Grant g, client::DecideGrant(c, a.id, verb));
  Print(a.remote, g.answer, [&] { PrintGrant(g); });
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

Status Review(const RemoteArgs& a, bool attest) {
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
  if (attest) {
    CORDON_TRY(client::AttestAccessReview(c, review.sha256));
    std::cerr << "attested: you reviewed this access list (recorded in the exchange's ledger)\n";
  }
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

void AddRemoteOptions(CLI::App* cmd, RemoteArgs& a) {
  cmd->add_option("--server", a.server, "the exchange, https://HOST:PORT (or $CORDON_SERVER)");
  cmd->add_option("--fingerprint", a.fingerprint,
                  "the SHA-256 of the exchange's public key, as `cordon serve` prints it; "
                  "needed at the first connection to a host:port unless you confirm it on "
                  "the terminal");
  cmd->add_flag("--json", a.json, "print the server's JSON");
}

// ---- remote maintenance: targets, SSH certificates, ssh ----

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

// ---- orders submitted for validation (issue 17) ----

struct OrderArgs {
  RemoteArgs remote;
  LedgerArgs ledger;
  std::string file, organisation, id, out;
  SourceArgs source;
  int64_t version = 0;
};

// Runs the plan as `cordon plan --json` does (the same library calls, no
// pseudonym key: keyed columns show as what they are, kept values masked),
// writes its digest into the order (the file is replaced atomically, so the
// vendor keeps the exact bytes the DPO will read), and uploads both.
Status SubmitOrder(const OrderArgs& a, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(Bytes raw, ReadFileLimited(a.file, pipeline::kMaxOrderBytes));
  const std::string text(raw.begin(), raw.end());
  event["order"] = OrderJson(a.file);
  order::LoadedOrder loaded = order::ParseOrder(text, a.file);
  if (!loaded.problems.empty()) return order::ProblemsError(a.file, loaded.problems);
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<source::TableSource> src, OpenSource(a.source));
  auto plan = pipeline::Plan(loaded.order, *src, loaded.order.recipients.size());
  if (!plan.ok()) return Error(ErrorCode::kRefused, plan.error().message(), plan.error().hint());
  const std::string plan_json = pipeline::FormatPlanJson(loaded.order, *plan);
  const std::string digest = order::PlanSha256Hex(plan_json);
  CORDON_ASSIGN_OR_RETURN(std::string updated, order::WithPlanDigest(text, digest));
  // The digest's line changes nothing else: the order must read the same.
  order::LoadedOrder again = order::ParseOrder(updated, a.file);
  if (!again.problems.empty() || again.order.id != loaded.order.id) {
    return Error(ErrorCode::kInternal, a.file + ": the order did not read back after plan_sha256",
                 "write `plan_sha256 = \"" + digest + "\"` under [order] by hand");
  }
  if (updated != text) {
    struct stat st {};
    const mode_t mode = stat(a.file.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
    CORDON_TRY(WriteFileAtomic(a.file, AsBytes(updated), mode));
  }
  event["plan_sha256"] = digest;
  event["order"]["sha256"] = order::PlanSha256Hex(updated);  // what was uploaded
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a.remote));
  CORDON_ASSIGN_OR_RETURN(client::SubmittedOrder o,
                          client::SubmitOrder(c, updated, plan_json, a.organisation));
  event["version"] = o.version;
  Print(a.remote, o.answer, [&] {
    std::cout << o.order_id << " version " << o.version << "\n";
    std::cerr << "order " << o.order_id << " (version " << o.version
              << ") is on the exchange for the validation of " << o.organisation
              << "'s DPOs\n  plan_sha256 " << o.plan_sha256 << " (written into " << a.file
              << ")\n  order_sha256 " << o.order_sha256 << "\n";
  });
  return Ok();
}

Status ListOrders(const RemoteArgs& a) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a));
  CORDON_ASSIGN_OR_RETURN(client::OrderList list, client::ListOrders(c));
  Print(a, list.answer, [&] {
    for (const auto& o : list.orders) {
      std::cout << o.order_id << "  version " << o.version << "  " << o.organisation << "  "
                << o.submitted_at << "  plan " << o.plan_sha256.substr(0, 16) << "…\n";
    }
  });
  return Ok();
}

Status ShowOrder(const OrderArgs& a) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a.remote));
  std::optional<int64_t> version;
  if (a.version > 0) version = a.version;
  CORDON_ASSIGN_OR_RETURN(client::SubmittedOrder o, client::FetchOrder(c, a.id, version));
  if (!a.out.empty()) CORDON_TRY(client::SaveOrder(o, a.out));
  Print(a.remote, o.answer, [&] {
    std::cout << "order " << o.order_id << " version " << o.version << " for " << o.organisation
              << ", submitted " << o.submitted_at << " by account " << o.submitter_id
              << "\n  order_sha256 " << o.order_sha256 << " (" << o.order_bytes << " bytes)"
              << "\n  plan_sha256  " << o.plan_sha256 << " (" << o.plan_bytes << " bytes)\n"
              << "  " << o.signatures.size() << " DPO signature(s) (passkey, SSH signature)\n";
    if (!a.out.empty()) {
      std::cerr << "written: " << a.out << "/order.toml and " << a.out
                << "/plan.json, exactly as uploaded (digests checked)"
                << (o.signatures.empty() ? "" : ", and the newest signature in order.toml.sig")
                << "\n";
    } else {
      std::cout << "\n" << o.order_toml;
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
  CLI::App* login = remote->add_subcommand("login", "Log in (password + authenticator code).");
  login->add_option("--email", l->email, "your account")->required();
  login->add_option("--code", l->code, "the code from your app (asked when missing)");
  login->add_flag("--password-stdin", l->password_stdin, "read the password from stdin");
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
    c->callback([ra, g, verb, exit_code] {
      g->remote = *ra;
      *exit_code = Finish(GrantDecide(*g, verb));
    });
  }
  grant->add_subcommand("list", "Your grants (approvers and auditors: everyone's).")
      ->callback([ra, exit_code] { *exit_code = Finish(GrantList(*ra)); });

  auto attest = std::make_shared<bool>(false);
  CLI::App* review = remote->add_subcommand(
      "review", "The access review: every account, role, end date, last login, grants.");
  review->add_flag("--attest", *attest, "record that you (an approver) reviewed it");
  review->callback([ra, attest, exit_code] { *exit_code = Finish(Review(*ra, *attest)); });

  auto everyone = std::make_shared<bool>(false);
  CLI::App* logins = remote->add_subcommand("logins", "Your login history.");
  logins->add_flag("--all", *everyone, "everyone's (auditors)");
  logins->callback([ra, everyone, exit_code] { *exit_code = Finish(Logins(*ra, *everyone)); });

  auto sa = std::make_shared<SshArgs>();
  remote->add_subcommand("targets", "The systems you may ask SSH access to (remote maintenance).")
      ->callback([ra, exit_code] { *exit_code = Finish(Targets(*ra)); });
  auto org = std::make_shared<std::string>();
  CLI::App* organisation = remote->add_subcommand(
      "organisation", "Organisations (remote maintenance): lift a vendor's suspension.");
  organisation->require_subcommand(1);
  CLI::App* resume = organisation->add_subcommand(
      "resume", "Lift a suspension an admin asked to resume (approvers of another organisation).");
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
      "countersigned, failed logins): approvers of another organisation than the vendor's,\n"
      "with a reason the ledger keeps.\n"
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
  struct CampaignArgs {
    std::string organisation, deadline, decision;
    int64_t id = 0, account = 0;
  };
  auto ca = std::make_shared<CampaignArgs>();
  CLI::App* campaign = remote->add_subcommand(
      "campaign",
      "Access review campaigns of one organisation's accounts (e.g. a vendor's): approvers of\n"
      "another organisation keep or remove each account; at the deadline every account not\n"
      "kept is disabled.\n"
      "  cordon remote campaign open --organisation \"Vendor SA\" --deadline 2027-01-31T17:00:00Z");
  campaign->require_subcommand(1);
  CLI::App* copen = campaign->add_subcommand("open", "Open a campaign (approvers).");
  copen->add_option("--organisation", ca->organisation, "whose accounts")->required();
  copen->add_option("--deadline", ca->deadline, "YYYY-MM-DDTHH:MM:SSZ")->required();
  CLI::App* cshow = campaign->add_subcommand("show", "A campaign: accounts and decisions.");
  cshow->add_option("ID", ca->id, "the campaign id")->required();
  CLI::App* cdecide = campaign->add_subcommand("decide", "Keep or remove one account.");
  cdecide->add_option("ID", ca->id, "the campaign id")->required();
  cdecide->add_option("--account", ca->account, "the account id")->required();
  cdecide->add_option("--decision", ca->decision, "keep or remove")
      ->required()
      ->check(CLI::IsMember({"keep", "remove"}));
  auto print_campaign = [](const RemoteArgs& a, const json& j) {
    Print(a, j, [&] {
      std::cout << "campaign " << client::IntField(j, "id") << "  "
                << client::TextField(j, "organisation") << "  deadline "
                << client::TextField(j, "deadline")
                << (j.contains("closed_at") && !j["closed_at"].is_null() ? "  closed" : "  open")
                << "\n";
      for (const auto& d : client::ArrayField(j, "decisions")) {
        std::cout << "  account " << client::IntField(d, "account") << ": "
                  << client::TextField(d, "decision") << "\n";
      }
    });
  };
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
      CORDON_ASSIGN_OR_RETURN(json j,
                              client::DecideInCampaign(c, ca->id, ca->account, ca->decision));
      print_campaign(*ra, j);
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
  auto oa = std::make_shared<OrderArgs>();
  CLI::App* orders = remote->add_subcommand(
      "order",
      "Orders travel through the exchange for the controller's DPO to validate\n"
      "(docs/exchange.md, \"Orders for validation\"). An operator submits the order with its\n"
      "plan; the DPOs of the controller's organisation list and read them.\n"
      "  cordon remote order submit order.toml --source export/ --organisation \"CHU Exemple\"\n"
      "  cordon remote order list\n"
      "  cordon remote order show LAB42-2027 --version 2 -o review/");
  orders->require_subcommand(1);
  CLI::App* osubmit = orders->add_subcommand(
      "submit",
      "Run the order's plan on the source (as `cordon plan --json`: counts and masked\n"
      "samples, never a row of data), write its SHA-256 into the order's [order] table\n"
      "(plan_sha256; the file is rewritten, every other byte unchanged) and upload the order\n"
      "and the plan (operators). Each submission of an order id is a new version.");
  osubmit->add_option("ORDER", oa->file, "the order (TOML); plan_sha256 is written into it")
      ->required();
  AddSourceOptions(osubmit, oa->source);
  osubmit->add_option("--organisation", oa->organisation,
                      "the controller's organisation on the exchange, whose DPOs validate "
                      "(default: the order's controller)");
  AddLedgerOption(osubmit, oa->ledger);
  osubmit->callback([ra, oa, exit_code] {
    oa->remote = *ra;
    *exit_code = Finish(Recorded(oa->ledger, "remote.order.submit",
                                 [&](nlohmann::json& ev) { return SubmitOrder(*oa, ev); }));
  });
  orders
      ->add_subcommand("list",
                       "Orders on the exchange: your submissions (operators), your "
                       "organisation's (DPOs), all (auditors).")
      ->callback([ra, exit_code] { *exit_code = Finish(ListOrders(*ra)); });
  CLI::App* oshow = orders->add_subcommand(
      "show", "One order's version (the latest by default), its digests checked.");
  oshow->add_option("ID", oa->id, "the order id")->required();
  oshow->add_option("--version", oa->version, "a version (1, 2...)")->check(CLI::PositiveNumber);
  oshow->add_option("-o,--out", oa->out,
                    "write DIR/order.toml and DIR/plan.json exactly as uploaded");
  oshow->callback([ra, oa, exit_code] {
    oa->remote = *ra;
    *exit_code = Finish(ShowOrder(*oa));
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
