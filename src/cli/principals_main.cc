// cordon-principals: sshd's AuthorizedPrincipalsCommand on a bastion that
// runs the principals agent (`cordon-bastion agent`, src/cli/bastion_agent.h):
//
//   AuthorizedPrincipalsCommand /usr/lib/cordon/cordon-principals
//       --socket /run/cordon-bastion/principals.sock
//       --fallback-config /etc/cordon/bastion.toml %u %i %s %f
//
// (one line in sshd_config)
//
// It asks the agent over its Unix socket and prints what the agent allows;
// a refusal prints nothing (sshd refuses the login) and its reason goes to
// stderr, which sshd logs. sshd starts it twice at every login, so it links
// only the C and C++ runtimes: no TLS, no configuration parser. When no agent
// listens (not started, or restarting), `--fallback-config` makes it run
// `cordon-bastion principals` (beside this binary) instead, which asks the
// exchange itself: slower, the same decision. An agent that does not answer
// in time is a refusal, never a fallback (a hung agent must not double every
// login's wait). Exit codes: 0 answered (allowed or refused), 1 error, 2 usage.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "client/principals_wire.h"

namespace {

using cordon::client::PrincipalsQuestion;

// Well within sshd's LoginGraceTime: the agent's own calls to the exchange
// are bounded at 5 s, plus one reconnection.
constexpr int kAnswerTimeoutMs = 12000;
constexpr unsigned kDeadlineSeconds = 15;

void Say(std::string_view text) {
  std::string line = "cordon-principals: " + std::string(text) + "\n";
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

int Usage(std::string_view why) {
  Say(std::string(why) +
      "\nusage: cordon-principals --socket PATH [--fallback-config BASTION.toml] "
      "USER KEY_ID SERIAL FINGERPRINT\n(sshd: AuthorizedPrincipalsCommand .../cordon-principals "
      "--socket PATH --fallback-config CONFIG %u %i %s %f)");
  return 2;
}

// `cordon-bastion principals --config CONFIG …`, from this binary's directory.
int Fallback(const std::string& config, const PrincipalsQuestion& q) {
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    Say("login refused: no agent, and this binary's directory is unknown");
    return 1;
  }
  std::string path(self, static_cast<size_t>(n));
  path = path.substr(0, path.rfind('/') + 1) + "cordon-bastion";
  // "--": the values are sshd's, the key id the certificate's ("-h" must
  // not make cordon-bastion print its help, which sshd would read as
  // principals: attack review F1).
  std::vector<std::string> args = {"cordon-bastion", "principals", "--config", config,       "--",
                                   q.user,           q.key_id,     q.serial,   q.fingerprint};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(path.c_str(), argv.data());
  Say("login refused: no agent, and " + path + " could not be run: " + std::strerror(errno));
  return 1;
}

bool SendAll(int fd, const std::string& text) {
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::send(fd, text.data() + off, text.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// The answer line (LF included), or empty on a timeout, an error or a
// line that never ends.
std::string ReceiveLine(int fd) {
  std::string line;
  char buf[1024];
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(kAnswerTimeoutMs);
  while (line.size() <= cordon::client::kPrincipalsWireMax) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          until - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return {};
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return {};
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return {};
    line.append(buf, static_cast<size_t>(n));
    if (line.find('\n') != std::string::npos) return line;
  }
  return {};
}

int Run(int argc, char** argv) {
  std::string socket_path, fallback;
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if ((a == "--socket" || a == "--fallback-config") && i + 1 < argc) {
      (a == "--socket" ? socket_path : fallback) = argv[++i];
    } else if (a.rfind("--", 0) == 0) {
      return Usage("unknown option " + std::string(a));
    } else {
      rest.emplace_back(a);
    }
  }
  if (socket_path.empty() || rest.size() != 4) return Usage("--socket and four values are needed");
  const PrincipalsQuestion q{rest[0], rest[1], rest[2], rest[3]};
  const auto question = cordon::client::EncodeQuestion(q);
  if (!question) {
    Say("login refused: a value from sshd is empty, too long or holds a control character");
    return 0;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) return Usage("the socket path is too long");
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    Say(std::string("socket: ") + std::strerror(errno));
    return 1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    ::close(fd);
    if (!fallback.empty() && (e == ENOENT || e == ECONNREFUSED)) return Fallback(fallback, q);
    Say("login refused: no agent on " + socket_path + ": " + std::strerror(e));
    return 1;
  }
  // Whoever listens there must be this user (the agent runs as the
  // AuthorizedPrincipalsCommandUser) or root: not a socket someone else
  // left in the agent's place.
  ucred peer{};
  socklen_t len = sizeof peer;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 ||
      (peer.uid != ::geteuid() && peer.uid != 0)) {
    ::close(fd);
    Say("login refused: the process on " + socket_path + " runs as uid " +
        std::to_string(peer.uid) + ", not as this user or root");
    return 1;
  }
  const std::string line = SendAll(fd, *question) ? ReceiveLine(fd) : std::string();
  ::close(fd);
  const auto answer = cordon::client::ParseAnswer(line);
  if (!answer) {
    Say("login refused: the agent on " + socket_path + " gave no answer in time");
    return 1;
  }
  if (!answer->allow) {
    Say("login refused for key id \"" + q.key_id + "\" serial " + q.serial + ": " + answer->text);
    return 0;
  }
  const std::string out = answer->text + "\n";
  return ::write(STDOUT_FILENO, out.data(), out.size()) == static_cast<ssize_t>(out.size()) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // The whole question is bounded too: past it the process dies by
  // SIGALRM, which sshd takes as a no.
  ::alarm(kDeadlineSeconds);
  try {
    return Run(argc, argv);
  } catch (...) {
    Say("login refused: internal error");
    return 1;
  }
}
