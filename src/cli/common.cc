#include "cli/common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "cli/commands.h"
#include "core/aligned_buffer.h"
#include "core/diagnostic.h"

namespace cordon::cli {

Result<Input> Input::Open(const std::string& path) {
  Input in;
  if (path.empty() || path == "-") {
    in.source_ = std::make_unique<FdSource>(STDIN_FILENO, "standard input");
    in.name_ = "standard input";
    return in;
  }
  CORDON_ASSIGN_OR_RETURN(in.fd_, OpenForReading(path));
  struct stat st {};
  if (::fstat(in.fd_.get(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      return Error(ErrorCode::kInvalidArgument, path + " is a directory, not a file");
    }
    if (S_ISREG(st.st_mode)) in.size_ = static_cast<uint64_t>(st.st_size);
  }
  ::posix_fadvise(in.fd_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  in.source_ = std::make_unique<FdSource>(in.fd_.get(), path);
  in.name_ = path;
  return in;
}

Result<Output> Output::Open(const std::string& path, mode_t mode, Overwrite overwrite) {
  Output out;
  if (path.empty() || path == "-") {
    out.stdout_ = std::make_unique<FdSink>(STDOUT_FILENO, "standard output");
    return out;
  }
  CORDON_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(path, mode, overwrite));
  out.file_.emplace(std::move(file));
  return out;
}

bool Output::is_terminal() const {
  return file_ ? file_->is_terminal() : ::isatty(STDOUT_FILENO) != 0;
}

Status Output::Commit() {
  if (file_) return file_->Commit();
  return Ok();
}

namespace {

Result<SecretBuffer> PromptNoEcho(int tty, const std::string& prompt) {
  // Echo goes off before the prompt appears and without flushing input
  // (TCSANOW, not TCSAFLUSH): a fast typist (or a script) answering the
  // prompt at once must not lose keystrokes.
  termios old{};
  bool restore = ::tcgetattr(tty, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(tty, TCSANOW, &quiet);
  }
  (void)!::write(tty, prompt.data(), prompt.size());
  SecretBuffer buf(1024);
  size_t len = 0;
  auto dst = buf.RevealMutable();
  char c;
  while (::read(tty, &c, 1) == 1 && c != '\n' && c != '\r') {
    if (len < dst.size()) dst[len++] = static_cast<uint8_t>(c);
  }
  if (restore) ::tcsetattr(tty, TCSANOW, &old);
  (void)!::write(tty, "\n", 1);
  return SecretBuffer::CopyOf(ByteView(buf.RevealBytes()).first(len));
}

}  // namespace

Result<SecretBuffer> ReadPassphrase(const std::string& file, bool confirm) {
  if (!file.empty()) {
    CORDON_ASSIGN_OR_RETURN(Bytes raw, ReadFileLimited(file, 4096));
    size_t len = 0;
    while (len < raw.size() && raw[len] != '\n' && raw[len] != '\r') ++len;
    SecretBuffer out = SecretBuffer::CopyOf(ByteView(raw).first(len));
    WipeBytes(raw);
    if (out.size() == 0)
      return Error(ErrorCode::kInvalidArgument, file + ": the passphrase is empty");
    return out;
  }
  UniqueFd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC));
  if (tty.get() < 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "a passphrase is needed but there is no terminal to ask",
                 "run from a terminal, or pass --passphrase-file FILE (mode 0600)");
  }
  CORDON_ASSIGN_OR_RETURN(SecretBuffer first, PromptNoEcho(tty.get(), "Enter passphrase: "));
  if (first.size() == 0) return Error(ErrorCode::kInvalidArgument, "the passphrase is empty");
  if (confirm) {
    CORDON_ASSIGN_OR_RETURN(SecretBuffer again, PromptNoEcho(tty.get(), "Confirm passphrase: "));
    if (!first.Equals(again))
      return Error(ErrorCode::kInvalidArgument, "the passphrases do not match");
  }
  return first;
}

Result<SecretBuffer> ReadSecretLine(const std::string& prompt, bool from_stdin) {
  constexpr size_t kMax = 4096;
  if (from_stdin || !::isatty(STDIN_FILENO)) {
    // Byte by byte: nothing after the newline is taken from the stream (a
    // code may follow on the next line), and nothing passes through stdio.
    SecretBuffer buf(kMax + 1);
    auto dst = buf.RevealMutable();
    size_t len = 0;
    char c;
    while (len < dst.size() && ::read(STDIN_FILENO, &c, 1) == 1 && c != '\n') {
      dst[len++] = static_cast<uint8_t>(c);
    }
    if (len > kMax) return Error(ErrorCode::kInvalidArgument, "the password is over 4 KiB");
    if (len == 0) return Error(ErrorCode::kInvalidArgument, "no password given");
    return SecretBuffer::CopyOf(ByteView(buf.RevealBytes()).first(len));
  }
  UniqueFd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC));
  if (tty.get() < 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "a password is needed but there is no terminal to ask",
                 "run from a terminal, or pass --password-stdin");
  }
  CORDON_ASSIGN_OR_RETURN(SecretBuffer line, PromptNoEcho(tty.get(), prompt));
  if (line.size() == 0) return Error(ErrorCode::kInvalidArgument, "no password given");
  return line;
}

ProgressLine::ProgressLine(std::string verb, std::optional<uint64_t> total)
    : verb_(std::move(verb)),
      total_(total),
      show_(::isatty(STDERR_FILENO)),
      last_(std::chrono::steady_clock::now()) {}

ProgressLine::~ProgressLine() {
  if (drawn_) (void)std::fprintf(stderr, "\r\033[K");
}

void ProgressLine::Update(uint64_t done) {
  if (!show_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(500)) return;
  last_ = now;
  drawn_ = true;
  if (total_ && *total_ > 0) {
    (void)std::fprintf(stderr, "\rcordon: %s %.1f / %.1f MiB (%d%%)  ", verb_.c_str(),
                       done / 1048576.0, *total_ / 1048576.0,
                       static_cast<int>(100.0 * done / *total_));
  } else {
    (void)std::fprintf(stderr, "\rcordon: %s %.1f MiB  ", verb_.c_str(), done / 1048576.0);
  }
}

Status Pump(ByteSource& in, ByteSink& out, std::optional<uint64_t> total, std::string_view verb) {
  ProgressLine progress(std::string(verb), total);
  AlignedBuffer storage(256 * 1024);  // may hold plaintext: wiped when freed
  std::span<uint8_t> buf = storage.span();
  uint64_t done = 0;
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(size_t n, in.Read(buf));
    if (n == 0) break;
    CORDON_TRY(out.Write(ByteView(buf).first(n)));
    done += n;
    progress.Update(done);
  }
  return Ok();
}

int Fail(const Error& error) {
  std::cerr << FormatError(error);
  return ExitCodeFor(error);
}

int Finish(const Status& status) { return status.ok() ? kExitOk : Fail(status.error()); }

std::optional<int> ParseCommandLine(CLI::App& app, std::vector<std::string>& args,
                                    std::string_view hint) {
  std::vector<char*> argv;
  argv.reserve(args.size());
  for (auto& a : args) argv.push_back(a.data());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << FormatError(Error(ErrorCode::kInvalidArgument, e.what(), std::string(hint)));
    return kExitUsage;
  }
  return std::nullopt;
}

int GuardedMain(int (*run)(int argc, char** argv), int argc, char** argv) {
  InstallInterruptCleanup();
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // a library threw: a bug, reported as one
    std::cerr << FormatError(Error(ErrorCode::kInternal, e.what()));
    return kExitFailure;
  } catch (...) {
    return kExitFailure;
  }
}

}  // namespace cordon::cli
