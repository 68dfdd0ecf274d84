// Shared plumbing of the subcommands: inputs and outputs named on the command
// line, passphrases, progress, and turning a Status into an exit code.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/file.h"
#include "core/io.h"
#include "core/result.h"
#include "core/secret_buffer.h"

namespace cordon::cli {

// An input named on the command line ("-" or empty = stdin).
class Input {
 public:
  static Result<Input> Open(const std::string& path);
  ByteSource& source() { return *source_; }
  const std::string& name() const { return name_; }
  // Size in bytes when known (regular files), for progress.
  std::optional<uint64_t> size() const { return size_; }

 private:
  UniqueFd fd_;
  std::unique_ptr<FdSource> source_;
  std::string name_;
  std::optional<uint64_t> size_;
};

// An output named on the command line: an AtomicFile (published on Commit,
// removed otherwise) or stdout ("-" or empty).
class Output {
 public:
  static Result<Output> Open(const std::string& path, mode_t mode = 0644,
                             Overwrite overwrite = Overwrite::kReplace);
  ByteSink& sink() { return file_ ? static_cast<ByteSink&>(*file_) : *stdout_; }
  bool is_terminal() const;
  // For large outputs to a file: see AtomicFile::EnableDirectWrites and
  // EnableWriteBehind (standard output is left as it is).
  void EnableLargeWrites() {
    if (file_) {
      file_->EnableDirectWrites();
      file_->EnableWriteBehind();
    }
  }
  Status Commit();

 private:
  std::optional<AtomicFile> file_;
  std::unique_ptr<FdSink> stdout_;
};

// Reads a passphrase: from `file` when given (first line), otherwise from the
// terminal without echo (twice when `confirm`). Fails with a hint when there
// is no terminal.
Result<SecretBuffer> ReadPassphrase(const std::string& file, bool confirm);

// Reads one secret line (a password): from standard input when
// `from_stdin` or when standard input is no terminal (scripts; up to the
// first newline), otherwise typed on /dev/tty without echo after `prompt`.
// Straight into a SecretBuffer, never a std::string. kInvalidArgument when
// it is empty or longer than 4 KiB, or when there is no terminal to ask.
Result<SecretBuffer> ReadSecretLine(const std::string& prompt, bool from_stdin);

// A progress line on stderr, redrawn at most twice a second, only when
// stderr is a terminal; cleared when done.
class ProgressLine {
 public:
  ProgressLine(std::string verb, std::optional<uint64_t> total);
  ~ProgressLine();
  void Update(uint64_t done);

 private:
  std::string verb_;
  std::optional<uint64_t> total_;
  bool show_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_;
};

// Copies `in` to `out`, showing progress on stderr when it is a terminal.
// Its buffer is page-aligned, for outputs with direct writes.
Status Pump(ByteSource& in, ByteSink& out, std::optional<uint64_t> total, std::string_view verb);

// Prints an error the cordon way and returns its exit code.
int Fail(const Error& error);
int Finish(const Status& status);

}  // namespace cordon::cli
