#include "cli/remote_common.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "core/file.h"

namespace cordon::cli {
namespace {

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

}  // namespace

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

void Print(const RemoteArgs& a, const nlohmann::json& j, const std::function<void()>& human) {
  if (a.json) {
    std::cout << j.dump(2) << "\n";
  } else {
    human();
  }
}

void AddRemoteOptions(CLI::App* cmd, RemoteArgs& a) {
  cmd->add_option("--server", a.server, "the exchange, https://HOST:PORT (or $CORDON_SERVER)");
  cmd->add_option("--fingerprint", a.fingerprint,
                  "the SHA-256 of the exchange's public key, as `cordon serve` prints it; "
                  "needed at the first connection to a host:port unless you confirm it on "
                  "the terminal");
  cmd->add_flag("--json", a.json, "print the server's JSON");
}

}  // namespace cordon::cli
