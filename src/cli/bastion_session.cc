#include "cli/bastion_session.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <vector>

#include "cli/common.h"
#include "client/bastion.h"
#include "client/bastion_config.h"
#include "core/diagnostic.h"  // ExitCodeFor
#include "core/file.h"
#include "core/utc_time.h"
#include "recording/pty_session.h"
#include "recording/sealed_recording.h"
#include "recording/verify.h"
#include "ssh/ca_key.h"
#include "ssh/certificate.h"
#include "ssh/krl.h"
#include "ssh/public_key.h"

namespace cordon::cli {
namespace {

using Clock = std::chrono::system_clock;

// A session that cannot reach the exchange for this long is ended: a
// revocation must not be outrun by cutting the bastion's network.
constexpr std::chrono::seconds kUnreachableLimit{30};
// A recording up to this size goes to the exchange as the session ends;
// a larger one with the next `cordon bastion sweep` (the engineer's ssh
// waits while it is sent).
constexpr uint64_t kSendAtEndBytes = 64ULL << 20;

// The user sees these lines through ssh; sshd's log gets nothing from here.
void Tell(const std::string& line) { std::cerr << "cordon: " << line << "\r\n" << std::flush; }

// A last word to a user who may no longer read: written without blocking,
// given at most 200 ms, then dropped.
void TellBriefly(const std::string& line) {
  const std::string text = "cordon: " + line + "\r\n";
  const int flags = ::fcntl(STDERR_FILENO, F_GETFL);
  if (flags < 0) return;
  ::fcntl(STDERR_FILENO, F_SETFL, flags | O_NONBLOCK);
  std::string_view rest = text;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  while (!rest.empty() && std::chrono::steady_clock::now() < until) {
    const ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
    if (n > 0) {
      rest.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno == EAGAIN) {
      struct pollfd p {
        STDERR_FILENO, POLLOUT, 0
      };
      ::poll(&p, 1, 50);
    } else if (n < 0 && errno != EINTR) {
      break;
    }
  }
  ::fcntl(STDERR_FILENO, F_SETFL, flags);
}

// From the session's end to the process's: the user's terminal hanging up
// (SIGHUP) or its side of the pipe closing (SIGPIPE) must not kill the
// process before the recording's end is sealed and recorded.
class IgnoreHangUp {
 public:
  IgnoreHangUp() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGHUP, &ignore, &old_hup_);
    ::sigaction(SIGPIPE, &ignore, &old_pipe_);
  }
  ~IgnoreHangUp() {
    ::sigaction(SIGHUP, &old_hup_, nullptr);
    ::sigaction(SIGPIPE, &old_pipe_, nullptr);
  }
  IgnoreHangUp(const IgnoreHangUp&) = delete;
  IgnoreHangUp& operator=(const IgnoreHangUp&) = delete;

 private:
  struct sigaction old_hup_ {};
  struct sigaction old_pipe_ {};
};

// The certificate sshd accepted for this login, from the file ExposeAuthInfo
// names in $SSH_USER_AUTH ("publickey TYPE BASE64" lines). The key id and
// serial come from what sshd verified, never from anything the user sends.
Result<ssh::Certificate> AcceptedCertificate() {
  const char* path = std::getenv("SSH_USER_AUTH");
  if (!path || !*path) {
    return Error(ErrorCode::kRefused, "no $SSH_USER_AUTH: cannot tell which certificate was used",
                 "the bastion's sshd needs `ExposeAuthInfo yes` (docs/remote-maintenance.md)");
  }
  CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(path, 64 * 1024));
  std::string_view all(reinterpret_cast<const char*>(text.data()), text.size());
  constexpr std::string_view kPrefix = "publickey ";
  while (!all.empty()) {
    const size_t end = all.find('\n');
    std::string_view line = all.substr(0, end);
    all = end == std::string_view::npos ? std::string_view() : all.substr(end + 1);
    if (line.substr(0, kPrefix.size()) != kPrefix) continue;
    line.remove_prefix(kPrefix.size());
    if (line.substr(0, 33) != "ssh-ed25519-cert-v01@openssh.com ") continue;
    return ssh::ParseCertificateLine(line);
  }
  return Error(ErrorCode::kRefused, "this login used no cordon certificate",
               "log in with the certificate of `cordon remote ssh-cert`");
}

// $SSH_CLIENT is "ADDRESS PORT LOCALPORT".
std::string ClientAddress() {
  const char* c = std::getenv("SSH_CLIENT");
  std::string s = c ? c : "";
  return s.substr(0, s.find(' '));
}

struct HostPort {
  std::string host, port = "22";
};
HostPort SplitAddress(const std::string& address) {
  HostPort hp{address};
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    if (close != std::string::npos) {
      hp.host = address.substr(1, close - 1);
      if (close + 1 < address.size() && address[close + 1] == ':') {
        hp.port = address.substr(close + 2);
      }
    }
  } else if (const size_t colon = address.rfind(':');
             colon != std::string::npos && address.find(':') == colon) {
    hp.host = address.substr(0, colon);
    hp.port = address.substr(colon + 1);
  }
  return hp;
}

// The ephemeral key and its two-minute certificate, for the ssh client
// alone: a private directory removed when the session ends (the key was
// never anywhere else, and its certificate is dead two minutes after it was
// made, so a leftover after a kill opens nothing).
class EgressKeyDir {
 public:
  static Result<EgressKeyDir> Create(const std::string& parent) {
    std::string pattern = parent + "/.egress-XXXXXX";
    if (!::mkdtemp(pattern.data())) {
      return Error(ErrorCode::kIo, "cannot create a private directory in " + parent,
                   "the recordings directory must be writable by the bastion's login account");
    }
    return EgressKeyDir(pattern);
  }
  EgressKeyDir(EgressKeyDir&& o) noexcept : dir_(std::move(o.dir_)) { o.dir_.clear(); }
  EgressKeyDir& operator=(EgressKeyDir&&) = delete;
  ~EgressKeyDir() {
    if (dir_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string key() const { return dir_ + "/id_ed25519"; }
  std::string certificate() const { return dir_ + "/id_ed25519-cert.pub"; }

 private:
  explicit EgressKeyDir(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

Status WriteText(const std::string& path, const std::string& text, mode_t mode) {
  CORDON_ASSIGN_OR_RETURN(AtomicFile f, AtomicFile::Create(path, mode, Overwrite::kRefuse));
  CORDON_TRY(f.Write(AsBytes(text)));
  return f.Commit();
}

// unlink(2), then the directory made durable: a deletion certified to the
// exchange must not come back after a crash.
Status RemoveDurably(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Error(ErrorCode::kIo, "cannot delete " + path + ": " + std::strerror(errno));
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  UniqueFd d(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() < 0 || ::fsync(d.get()) != 0) {
    return Error(ErrorCode::kIo, "cannot make the deletion in " + dir + " durable");
  }
  return Ok();
}

client::AnchorPoint PointOf(const recording::Anchor& a) {
  return {a.chunks, a.bytes, a.head, a.header_sha256};
}

int Refuse(const Error& e) {
  Tell(e.message() + (e.hint().empty() ? "" : " (" + e.hint() + ")"));
  return ExitCodeFor(e);
}

// A live session's calls block its relay while they run: short, and a
// stalled exchange is retried on a new connection at the next check.
Result<client::Connection> ConnectMachine(const client::BastionConfig& config) {
  return ConnectBastion(config, std::chrono::seconds(5));
}

}  // namespace

Result<client::Connection> ConnectBastion(const client::BastionConfig& config,
                                          std::chrono::seconds timeout) {
  CORDON_ASSIGN_OR_RETURN(SecretBuffer secret, ReadSecretFile(config.token_file, 4096));
  const auto bytes = secret.RevealBytes();
  std::string token(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  client::ConnectOptions o;
  o.url = config.server;
  o.fingerprint = config.fingerprint;
  o.timeout = timeout;
  return client::Connection::OpenMachine(o, std::move(token));
}

int RunBastionSession(const BastionSessionArgs& args) {
  // A command instead of a session: scp, sftp, `ssh bastion cmd`. Files go
  // through the exchange as sealed packages; a target is named by the grant.
  if (const char* original = std::getenv("SSH_ORIGINAL_COMMAND"); original && *original) {
    return Refuse(Error(ErrorCode::kRefused,
                        "commands, scp and sftp are refused here: only an interactive session "
                        "to the grant's target",
                        "files travel through the exchange as sealed packages (cordon remote "
                        "push/pull); the target is the one your grant names"));
  }
  auto config = client::LoadBastionConfig(args.config);
  if (!config.ok()) return Refuse(config.error());
  auto cert = AcceptedCertificate();
  if (!cert.ok()) return Refuse(cert.error());
  auto c = ConnectMachine(*config);
  if (!c.ok()) return Refuse(c.error());

  // The egress key lives in this process and one private file for ssh.
  const ssh::CaKey egress_key = ssh::CaKey::Generate();
  auto start = client::StartSession(*c, cert->spec.key_id, cert->spec.serial,
                                    ssh::Fingerprint(cert->spec.public_key), ClientAddress(),
                                    egress_key.PublicKeyLine("cordon-bastion-egress"));
  if (!start.ok()) return Refuse(start.error());
  auto dir = EgressKeyDir::Create(config->recordings);
  if (!dir.ok()) return Refuse(dir.error());
  if (Status s = egress_key.Save(dir->key(), "cordon-bastion-egress"); !s.ok()) {
    return Refuse(s.error());
  }
  if (Status s = WriteText(dir->certificate(), start->egress_certificate + "\n", 0600); !s.ok()) {
    return Refuse(s.error());
  }

  // The recording exists, sealed and anchored, before the first byte flows.
  const recording::TerminalSize size = recording::TerminalSizeOf(STDIN_FILENO);
  recording::AsciicastHeader header;
  header.width = size.columns;
  header.height = size.rows;
  header.timestamp =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
  if (const char* term = std::getenv("TERM")) header.term = term;
  header.title = "session " + std::to_string(start->session) + " grant " +
                 std::to_string(start->grant) + " target " + start->target.name;
  const std::string path =
      config->recordings + "/session-" + std::to_string(start->session) + ".cast.age";
  auto rec = recording::SealedRecording::Create(path, start->recipients, header);
  if (!rec.ok()) return Refuse(rec.error());
  auto first = (*rec)->TakeAnchor();
  if (!first.ok()) return Refuse(first.error());
  if (auto a = client::AnchorSession(*c, start->session, PointOf(*first)); !a.ok()) {
    return Refuse(a.error());
  }

  const HostPort target = SplitAddress(start->target.address);
  recording::PtyOptions o;
  // clang-format off
  o.argv = {config->ssh,
            "-F", "none",  // the bastion account's own configuration plays no part
            "-tt",
            // No escape character: `~C` would let the vendor add forwards on
            // an OpenSSH before 9.2, `~.` and `~B` act on the bastion's ssh.
            "-e", "none",
            "-i", dir->key(),
            "-o", "CertificateFile=" + dir->certificate(),
            "-o", "IdentitiesOnly=yes",
            "-o", "IdentityAgent=none",
            "-o", "UserKnownHostsFile=" + config->known_hosts,
            "-o", "GlobalKnownHostsFile=none",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes",
            "-o", "ForwardAgent=no",
            "-o", "ForwardX11=no",
            "-o", "ClearAllForwardings=yes",
            "-o", "LogLevel=ERROR",
            "-p", target.port,
            "-l", config->target_user,
            target.host};
  // clang-format on
  o.sink = rec->get();
  o.deadline = Clock::from_time_t(start->closes_at);
  o.anchor_interval = std::chrono::seconds(config->anchor_seconds);
  auto last_reached = Clock::now();
  std::optional<client::Connection> link(std::move(*c));
  // A failed call leaves its connection dead (timed out, reset): the next
  // call makes a new one.
  auto call = [&](const auto& f) -> decltype(f(*link)) {
    if (!link) {
      auto fresh = ConnectMachine(*config);
      if (!fresh.ok()) return fresh.error();
      link.emplace(std::move(*fresh));
    }
    auto r = f(*link);
    if (!r.ok()) link.reset();
    return r;
  };
  o.live_check = [&]() -> std::optional<std::string> {
    auto state =
        call([&](client::Connection& x) { return client::PollSession(x, start->session); });
    if (!state.ok()) {
      if (Clock::now() - last_reached > kUnreachableLimit) return "exchange_unreachable";
      return std::nullopt;
    }
    last_reached = Clock::now();
    if (!state->open) return state->reason.empty() ? "closed" : state->reason;
    return std::nullopt;
  };
  o.on_anchor = [&]() -> Status {
    CORDON_ASSIGN_OR_RETURN(recording::Anchor a, (*rec)->TakeAnchor());
    // A failed anchor call is retried at the next one; a recording that
    // cannot be made durable ends the session (TakeAnchor's error).
    (void)call([&](client::Connection& x) {
      return client::AnchorSession(x, start->session, PointOf(a));
    });
    return Ok();
  };
  Tell("session " + std::to_string(start->session) + " to " + start->target.name +
       " (recorded), until " + FormatUtc(start->closes_at));
  // The recording is sealed and its end recorded before anything else is
  // said: the user's side may be gone (SIGHUP) or stalled (a stopped client:
  // a write that blocks for ever), and neither may leave the end unanchored.
  // (RunInPty handles the hang-up itself while it runs, and restores this.)
  IgnoreHangUp ignore_hang_up;
  auto end = recording::RunInPty(o);
  if (!end.ok()) return Refuse(end.error());

  client::SessionEnd e;
  auto last = (*rec)->Finish();
  if (last.ok()) e.last = PointOf(*last);
  e.duration_seconds = std::chrono::duration_cast<std::chrono::seconds>(end->duration).count();
  e.reason = end->reason;
  e.exit_status = end->exit_status.value_or(-1);
  Status ended =
      call([&](client::Connection& x) { return client::EndSession(x, start->session, e); });
  if (!ended.ok())
    ended = call([&](client::Connection& x) {  // once more, on a new connection
      return client::EndSession(x, start->session, e);
    });
  if (end->reason != "exit") TellBriefly("session ended: " + end->reason);
  if (Status s = ended; !s.ok()) {
    TellBriefly("the end of the session could not be recorded: " + s.error().message());
  } else if (last.ok() && last->bytes <= kSendAtEndBytes) {
    // The exchange's copy, at once for a recording of usual size (the
    // engineer's ssh waits for it); a larger one, or one the exchange did
    // not take now, goes with the next `cordon bastion sweep`.
    (void)call([&](client::Connection& x) {
      return client::SendRecording(x, start->session, path, last->bytes);
    });
  }
  if (!last.ok()) return Refuse(last.error());
  if (end->exit_status) return *end->exit_status;
  return end->reason == "exit" ? 0 : 255;
}

namespace {

// Sends the exchange the recordings it has no copy of yet (sessions over,
// within their retention), each only if it is the file the exchange
// anchored. A refusal leaves the file here and is said; the next sweep
// tries again.
Status SendUncopiedRecordings(const client::BastionConfig& config, client::Connection& c) {
  CORDON_ASSIGN_OR_RETURN(std::vector<client::UncopiedRecording> uncopied,
                          client::FetchUncopiedRecordings(c));
  size_t sent = 0, failed = 0;
  for (const auto& u : uncopied) {
    const std::string path =
        config.recordings + "/session-" + std::to_string(u.session) + ".cast.age";
    auto header = recording::HeaderSha256(path);
    if (!header.ok() || *header != u.header_sha256) {
      std::cerr << "cordon bastion sweep: " << path
                << (header.ok() ? " is not the recording the exchange anchored"
                                : ": " + header.error().message())
                << "; not sent\n";
      ++failed;
      continue;
    }
    Status s = client::SendRecording(c, u.session, path, static_cast<uint64_t>(u.bytes));
    if (!s.ok() && s.error().code() != ErrorCode::kAlreadyExists) {
      std::cerr << "cordon bastion sweep: " << path << " not sent: " << s.error().message() << "\n";
      ++failed;
      continue;
    }
    ++sent;
  }
  std::cerr << "cordon bastion sweep: " << sent << " recording(s) sent to the exchange"
            << (failed ? ", " + std::to_string(failed) + " not (see above)" : "") << "\n";
  return Ok();
}

}  // namespace

Status SweepBastionRecordings(const std::string& config_path) {
  CORDON_ASSIGN_OR_RETURN(client::BastionConfig config, client::LoadBastionConfig(config_path));
  CORDON_ASSIGN_OR_RETURN(client::Connection c, ConnectMachine(config));
  CORDON_TRY(SendUncopiedRecordings(config, c));
  CORDON_ASSIGN_OR_RETURN(std::vector<client::ExpiredRecording> expired,
                          client::FetchExpiredRecordings(c));
  const std::string kept = config.recordings + "/deleted";
  if (!expired.empty() && ::mkdir(kept.c_str(), 0700) != 0 && errno != EEXIST) {
    return Error(ErrorCode::kIo, "cannot create " + kept + ": " + std::strerror(errno));
  }
  size_t deleted = 0, skipped = 0;
  for (const auto& e : expired) {
    const std::string name = "session-" + std::to_string(e.session) + ".cast.age";
    const std::string path = config.recordings + "/" + name;
    // Only the file the exchange names: its header hash must match (a file
    // put there under that name is left alone, and said).
    if (PathExists(path)) {
      auto header = recording::HeaderSha256(path);
      if (!header.ok() || *header != e.header_sha256) {
        std::cerr << "cordon bastion sweep: " << path
                  << " is not the recording the exchange anchored; left in place\n";
        ++skipped;
        continue;
      }
      CORDON_TRY(RemoveDurably(path));
    }
    CORDON_ASSIGN_OR_RETURN(client::RecordingDeletionCertificate cert,
                            client::ReportRecordingDeleted(c, e.session, e.header_sha256));
    const std::string out = kept + "/session-" + std::to_string(e.session) + ".deletion.json";
    CORDON_TRY(WriteText(out, cert.json, 0600));  // exactly the signed bytes
    CORDON_TRY(WriteText(out + ".minisig", cert.signature, 0600));
    std::cerr << "cordon bastion sweep: deleted " << name << " (retention passed); certificate "
              << out << "\n";
    ++deleted;
  }
  std::cerr << "cordon bastion sweep: " << deleted << " recording(s) deleted"
            << (skipped ? ", " + std::to_string(skipped) + " left (see above)" : "") << "\n";
  return Ok();
}

Status WriteBastionKrl(const std::string& config_path, const std::string& out) {
  CORDON_ASSIGN_OR_RETURN(client::BastionConfig config, client::LoadBastionConfig(config_path));
  if (config.user_ca.empty()) {
    return Error(ErrorCode::kInvalidArgument, config_path + ": user_ca is missing",
                 "point user_ca at the vendor CA's public key (`cordon admin ca show`)");
  }
  // The file sshd's TrustedUserCAKeys reads: one CA, or two during a
  // rotation — every one of them gets the revocations.
  CORDON_ASSIGN_OR_RETURN(Bytes ca_text, ReadFileLimited(config.user_ca, 64 * 1024));
  std::vector<crypto::Ed25519PublicKey> cas;
  std::string_view rest = AsChars(ca_text);
  int line_no = 0;
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto key = ssh::ParsePublicKeyLine(line);
    if (!key.ok())
      return key.error().WithContext(config.user_ca + " line " + std::to_string(line_no));
    cas.push_back(*key);
  }
  if (cas.empty()) {
    return Error(ErrorCode::kInvalidArgument, config.user_ca + " holds no CA key",
                 "put the vendor CA's public key there (`cordon admin ca show`)");
  }
  CORDON_ASSIGN_OR_RETURN(client::Connection c, ConnectMachine(config));
  CORDON_ASSIGN_OR_RETURN(client::RevokedList list, client::FetchRevoked(c));
  ssh::KrlSpec spec;
  spec.ca_key = cas.front();
  spec.more_ca_keys.assign(cas.begin() + 1, cas.end());
  spec.serials = list.serials;
  spec.key_ids = list.key_ids;
  const auto now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count());
  spec.version = now;
  spec.generated_at = now;
  spec.comment = "cordon bastion krl";
  CORDON_ASSIGN_OR_RETURN(AtomicFile f, AtomicFile::Create(out, 0644));
  CORDON_TRY(f.Write(AsBytes(ssh::WriteKrl(spec))));
  CORDON_TRY(f.Commit());
  std::cerr << "cordon bastion krl: " << out << ": " << list.key_ids.size() << " key ids, "
            << list.serials.size() << " serials revoked\n";
  return Ok();
}

}  // namespace cordon::cli
