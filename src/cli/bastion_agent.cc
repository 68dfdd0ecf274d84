#include "cli/bastion_agent.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>

#include "cli/bastion_session.h"
#include "cli/common.h"
#include "core/diagnostic.h"
#include "core/file.h"
#include "core/utc_time.h"

namespace cordon::cli {
namespace {

using Steady = std::chrono::steady_clock;

// Each call to the exchange is bounded, as the principals command's are.
constexpr std::chrono::seconds kExchangeTimeout{5};
// A client that connects and says nothing must not hold the (one-at-a-time)
// agent: it gets this long to send its line (cordon-principals sends it as
// soon as it is connected).
constexpr int kClientTimeoutMs = 1000;
// A failed call is tried again on a new connection only when it failed this
// fast (the exchange closed an idle connection): a slow failure is not
// doubled, so one question takes at most one call's bounds.
constexpr auto kQuickFailure = std::chrono::seconds(1);

// "20261130T190000Z"-style time for sshd's expiry-time option
// (YYYYMMDDHHMMSSZ, sshd.8 AUTHORIZED_KEYS FILE FORMAT).
std::string SshdTime(int64_t unix_seconds) {
  const std::string iso = FormatUtc(unix_seconds);  // YYYY-MM-DDTHH:MM:SSZ
  std::string out;
  for (char c : iso) {
    if (c >= '0' && c <= '9') out += c;
  }
  return out + "Z";
}

Error Sys(const std::string& what) {
  return Error(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

// The socket's directory must be the agent user's alone: anyone who could
// write there could put their own socket in the agent's place.
Status CheckSocketDirectory(const std::string& socket_path) {
  const size_t slash = socket_path.rfind('/');
  if (socket_path.empty() || socket_path[0] != '/' || slash == std::string::npos) {
    return Error(ErrorCode::kInvalidArgument,
                 "agent_socket must be an absolute path (\"" + socket_path + "\")");
  }
  const std::string dir = slash == 0 ? "/" : socket_path.substr(0, slash);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Sys("agent_socket's directory " + dir);
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022) != 0) {
    return Error(ErrorCode::kRefused,
                 "agent_socket's directory " + dir +
                     " must be a directory owned by the agent's user and writable by no one else",
                 "e.g. install -d -m 0700 -o <AuthorizedPrincipalsCommandUser> " + dir);
  }
  if (sizeof(sockaddr_un::sun_path) <= socket_path.size()) {
    return Error(ErrorCode::kInvalidArgument, "agent_socket is too long for a Unix socket");
  }
  return Ok();
}

Result<UniqueFd> Listen(const std::string& path) {
  CORDON_TRY(CheckSocketDirectory(path));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Error(ErrorCode::kAlreadyExists, path + " exists and is not a socket");
    }
    // A socket left by an agent that died, or one that is running.
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (probe.get() >= 0 &&
        ::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      return Error(ErrorCode::kAlreadyExists, "another agent already answers on " + path);
    }
    if (::unlink(path.c_str()) != 0) return Sys("removing the stale socket " + path);
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return Sys("socket");
  const mode_t old = ::umask(077);  // the owner only, from the start: no window for others
  const int bound = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (bound != 0) return Sys("binding " + path);
  if (::listen(fd.get(), 64) != 0) return Sys("listen on " + path);
  return fd;
}

// Reads one line (LF included) within the client's time.
std::optional<std::string> ReadLine(int fd) {
  std::string line;
  char buf[512];
  const auto until = Steady::now() + std::chrono::milliseconds(kClientTimeoutMs);
  while (line.size() <= client::kPrincipalsWireMax) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(until - Steady::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return std::nullopt;
    line.append(buf, static_cast<size_t>(n));
    if (line.find('\n') != std::string::npos) return line;
  }
  return std::nullopt;
}

void WriteAll(int fd, const std::string& text) {
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::send(fd, text.data() + off, text.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client gave up: nothing to tell it
    off += static_cast<size_t>(n);
  }
}

class Agent {
 public:
  Agent(client::BastionConfig config, std::string config_path)
      : config_(std::move(config)), config_path_(std::move(config_path)) {}

  // Answers one client, whoever asks: but only the agent's own user (the
  // AuthorizedPrincipalsCommandUser, as which sshd runs the client) or root.
  void Serve(int fd) {
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 ||
        (peer.uid != ::geteuid() && peer.uid != 0)) {
      std::cerr << "cordon-bastion agent: a process of uid " << peer.uid
                << " was refused (only the agent's user and root may ask)\n";
      return;
    }
    auto line = ReadLine(fd);
    auto q = line ? client::ParseQuestion(*line) : std::nullopt;
    if (!q) {
      WriteAll(fd, client::EncodeAnswer({false, "the agent could not read the question"}));
      return;
    }
    // A client that gave up while earlier questions were answered (sshd
    // refused that login already) is not asked about: no login event for a
    // login that did not happen.
    pollfd gone{fd, POLLRDHUP, 0};
    if (::poll(&gone, 1, 0) > 0 && (gone.revents & (POLLRDHUP | POLLHUP | POLLERR))) return;
    client::PrincipalsAnswer answer;
    try {
      answer = Answer(*q);
    } catch (const std::exception& e) {
      // Whatever a question does, the agent stays up for the next login
      // (a crash would leave every login to the fallback: attack review F2).
      exchange_.reset();
      std::cerr << "cordon-bastion agent: login refused: internal error: " << e.what() << "\n";
      answer = {false, "internal error in the agent"};
    }
    WriteAll(fd, client::EncodeAnswer(answer));
  }

 private:
  // Every question goes to the exchange: an answer kept even for a second
  // would let a login in after its grant was revoked (sshd's second question
  // about a login is answered by the exchange without a ledger event).
  client::PrincipalsAnswer Answer(const client::PrincipalsQuestion& wire) {
    const client::LoginQuestion q{wire.user, wire.key_id, wire.serial, wire.fingerprint};
    auto answer = AskExchange(q);
    if (!answer.ok()) {
      std::cerr << "cordon-bastion agent: login refused: " << answer.error().message() << "\n";
      return {false, "the exchange could not be asked: " + answer.error().message()};
    }
    if (!answer->allow) {
      std::cerr << "cordon-bastion agent: login refused for key id \"" << q.key_id << "\" serial "
                << q.serial << ": " << answer->text << "\n";
    }
    return *answer;
  }

  // One try on the open connection; a second on a new one when the first
  // failed (the exchange closes idle connections). A question asked twice
  // is one login to the exchange (it notes logins per certificate).
  Result<client::PrincipalsAnswer> AskExchange(const client::LoginQuestion& q) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = exchange_.has_value();
      const auto start = Steady::now();
      if (!exchange_) {
        auto c = ConnectBastion(config_, kExchangeTimeout);
        if (!c.ok()) return c.error();
        exchange_.emplace(std::move(*c));
      }
      auto a = DecideLogin(config_, config_path_, *exchange_, q);
      if (a.ok()) return a;
      exchange_.reset();
      if (!reused || Steady::now() - start > kQuickFailure) return a;
    }
    return Error(ErrorCode::kInternal, "unreachable");
  }

  client::BastionConfig config_;
  std::string config_path_;
  std::optional<client::Connection> exchange_;
};

}  // namespace

Result<client::PrincipalsAnswer> DecideLogin(const client::BastionConfig& config,
                                             const std::string& config_path,
                                             client::Connection& exchange,
                                             const client::LoginQuestion& q) {
  // sshd passes what the certificate holds: a key id of bytes that are not
  // printable ASCII is none cordon wrote (and would not encode as JSON).
  for (const std::string* v : {&q.user, &q.key_id, &q.serial, &q.fingerprint}) {
    for (char c : *v) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) {
        return client::PrincipalsAnswer{false,
                                        "a value from sshd is not printable ASCII: not a "
                                        "certificate cordon issued"};
      }
    }
  }
  if (q.user != config.login_user) {
    return client::PrincipalsAnswer{false, "\"" + q.user + "\" is not the vendors' account \"" +
                                               config.login_user + "\" (login_user in " +
                                               config_path + ")"};
  }
  CORDON_ASSIGN_OR_RETURN(client::LoginDecision d, client::CheckLogin(exchange, q));
  if (!d.allow) return client::PrincipalsAnswer{false, d.reason};
  return client::PrincipalsAnswer{
      true, (d.valid_before > 0 ? "expiry-time=\"" + SshdTime(d.valid_before) + "\" " : "") +
                d.principal};
}

int RunPrincipalsAgent(const std::string& config_path) {
  auto config = client::LoadBastionConfig(config_path);
  if (!config.ok()) return Fail(config.error());
  if (config->agent_socket.empty()) {
    return Fail(Error(ErrorCode::kInvalidArgument, "no agent_socket in " + config_path,
                      "add agent_socket = \"/run/cordon-bastion/principals.sock\" (a directory "
                      "of the AuthorizedPrincipalsCommandUser's, mode 0700)"));
  }
  // The stop signals arrive through a descriptor the loop polls, so that the
  // socket is removed on the way out, never in a handler.
  sigset_t stop;
  sigemptyset(&stop);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&stop, sig);
  ::sigprocmask(SIG_BLOCK, &stop, nullptr);
  UniqueFd signals(::signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK));
  if (signals.get() < 0) return Fail(Sys("signalfd"));
  ::signal(SIGPIPE, SIG_IGN);
  auto listener = Listen(config->agent_socket);
  if (!listener.ok()) return Fail(listener.error());
  // The socket goes with the agent on every way out (an exception included).
  struct RemoveSocket {
    std::string path;
    ~RemoveSocket() { ::unlink(path.c_str()); }
  } remove_socket{config->agent_socket};
  std::cerr << "cordon-bastion agent: answering on " << config->agent_socket << "\n";
  Agent agent(*config, config_path);
  while (true) {
    pollfd p[2] = {{listener->get(), POLLIN, 0}, {signals.get(), POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[1].revents) break;
    if (!(p[0].revents & POLLIN)) continue;
    UniqueFd client(::accept4(listener->get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (client.get() >= 0) agent.Serve(client.get());
  }
  std::cerr << "cordon-bastion agent: stopped\n";
  return cordon::kExitOk;
}

}  // namespace cordon::cli
