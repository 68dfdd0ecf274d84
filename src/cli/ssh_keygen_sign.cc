#include "cli/ssh_keygen_sign.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/file.h"

extern char** environ;

namespace cordon::cli {
namespace {

// An armored signature is well under this; more is not ssh-keygen's answer.
constexpr size_t kMaxSignature = 64 * 1024;

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error(ErrorCode::kIo, std::string("ssh-keygen: ") + std::strerror(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

}  // namespace

Result<std::string> SignWithSshKeygen(const std::string& key_path, std::string_view ns,
                                      std::string_view message) {
  if (key_path.empty() || key_path.front() == '-') {
    return Error(ErrorCode::kInvalidArgument, "--sign-with: give the path of your SSH key",
                 "e.g. ~/.ssh/id_ed25519_sk");
  }
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0)
    return Error(ErrorCode::kIo, "pipe: " + std::string(std::strerror(errno)));
  UniqueFd in_read(in[0]), in_write(in[1]);
  if (::pipe2(out, O_CLOEXEC) != 0)
    return Error(ErrorCode::kIo, "pipe: " + std::string(std::strerror(errno)));
  UniqueFd out_read(out[0]), out_write(out[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_read.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  std::string ns_arg(ns);
  std::string key = key_path;
  std::vector<char*> argv = {const_cast<char*>("ssh-keygen"),
                             const_cast<char*>("-q"),
                             const_cast<char*>("-Y"),
                             const_cast<char*>("sign"),
                             const_cast<char*>("-n"),
                             ns_arg.data(),
                             const_cast<char*>("-f"),
                             key.data(),
                             nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, "ssh-keygen", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return Error(ErrorCode::kIo, std::string("cannot run ssh-keygen: ") + std::strerror(spawned),
                 "install the OpenSSH client (apt install openssh-client)");
  }
  in_read = UniqueFd();
  out_write = UniqueFd();
  // A closed pipe must be an error, not a signal that ends cordon.
  struct sigaction ignore {
  }, before{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &before);
  Status wrote = WriteAll(in_write.get(), message);
  ::sigaction(SIGPIPE, &before, nullptr);
  in_write = UniqueFd();
  std::string signature;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(out_read.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (signature.size() + static_cast<size_t>(n) > kMaxSignature) break;
    signature.append(buf, static_cast<size_t>(n));
  }
  out_read = UniqueFd();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Error(ErrorCode::kIo, "ssh-keygen could not sign with " + key_path,
                 "its message is above; check the key's path, passphrase or PIN, and touch the "
                 "security key when it blinks");
  }
  if (!wrote.ok()) return wrote.error();
  if (signature.find("-----BEGIN SSH SIGNATURE-----") == std::string::npos) {
    return Error(ErrorCode::kIo, "ssh-keygen gave no signature");
  }
  return signature;
}

}  // namespace cordon::cli
