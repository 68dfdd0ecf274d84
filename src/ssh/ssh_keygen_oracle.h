// Test-only helpers: ssh-keygen (openssh-client) as the oracle for the ssh
// layer's formats, run in a ScopedTempDir. Header-only; not part of the
// library (ssh-keygen is never run by the product).
#pragma once

#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <string>

namespace cordon::ssh::oracle {

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` with /bin/sh, stderr folded into stdout.
inline RunResult Run(const std::string& command) {
  RunResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed: " << command;
    return result;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) result.output.append(buf, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// A path quoted for the shell (paths here come from mkdtemp: no quotes).
inline std::string Q(const std::string& s) { return "'" + s + "'"; }

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteText(const std::string& path, const std::string& text, mode_t mode = 0644) {
  std::ofstream(path, std::ios::binary) << text;
  ::chmod(path.c_str(), mode);
}

// The first line of a file, without its newline.
inline std::string FirstLine(const std::string& path) {
  std::string text = ReadText(path);
  return text.substr(0, text.find('\n'));
}

inline bool SshKeygenAvailable() { return Run("command -v ssh-keygen").exit_code == 0; }

}  // namespace cordon::ssh::oracle
