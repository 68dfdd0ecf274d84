#include "recording/pty_session.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "core/file.h"

namespace cordon::recording {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::system_clock;
using Steady = std::chrono::steady_clock;

constexpr int kStopSignals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
constexpr size_t kReadSize = 64 * 1024;
// Linux's default fs.pipe-max-size: what an unprivileged process may ask.
constexpr int kOutputPipeSize = 1024 * 1024;
// A read at least this big means the command is streaming (a log, a dump),
// not echoing keystrokes: the relay then lets the pipe fill for kCoalesce
// before reading it again, so that a screenful crosses in one read, one
// event and one write instead of a dozen of ~4 KiB (what the target's pty
// hands its sshd). Output that small — an echo, a prompt — is never delayed.
constexpr size_t kStreaming = 2048;
constexpr auto kCoalesce = std::chrono::milliseconds(1);
// How long Deliver may wait on a slow screen before it queues the rest and
// goes back to the loop (keystrokes, signals, revocation checks).
constexpr auto kScreenBudget = std::chrono::milliseconds(20);

// The write end of the self-pipe: signal handlers only write a byte there,
// the loop does the work.
int g_signal_pipe = -1;
volatile sig_atomic_t g_stop_signal = 0;

void OnSignal(int sig) {
  const int saved = errno;
  if (sig != SIGWINCH) g_stop_signal = sig;
  const char c = static_cast<char>(sig);
  if (g_signal_pipe >= 0) [[maybe_unused]]
    ssize_t n = ::write(g_signal_pipe, &c, 1);
  errno = saved;
}

// Installs the session's handlers (stop signals, SIGWINCH) and ignores
// SIGPIPE (a vanished client is an error from write, not death); restores
// the previous dispositions when it goes.
class SignalGuard {
 public:
  explicit SignalGuard(int write_fd) {
    g_signal_pipe = write_fd;
    g_stop_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < std::size(kStopSignals); ++i) {
      ::sigaction(kStopSignals[i], &sa, &old_stop_[i]);
    }
    ::sigaction(SIGWINCH, &sa, &old_winch_);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, &old_pipe_);
  }
  ~SignalGuard() {
    for (size_t i = 0; i < std::size(kStopSignals); ++i) {
      ::sigaction(kStopSignals[i], &old_stop_[i], nullptr);
    }
    ::sigaction(SIGWINCH, &old_winch_, nullptr);
    ::sigaction(SIGPIPE, &old_pipe_, nullptr);
    g_signal_pipe = -1;
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  struct sigaction old_stop_[std::size(kStopSignals)]{};
  struct sigaction old_winch_ {};
  struct sigaction old_pipe_ {};
};

// Puts a terminal in raw mode (keystrokes, ^C included, go to the remote
// side untouched) and restores it when it goes.
class RawMode {
 public:
  explicit RawMode(int fd) : fd_(fd) {
    if (::tcgetattr(fd, &saved_) != 0) return;
    struct termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(fd, TCSADRAIN, &raw) == 0;
  }
  ~RawMode() {
    if (active_) ::tcsetattr(fd_, TCSADRAIN, &saved_);
  }
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

 private:
  int fd_;
  struct termios saved_ {};
  bool active_ = false;
};

// Makes a descriptor non-blocking for the session and restores its flags.
class NonBlocking {
 public:
  explicit NonBlocking(int fd) : fd_(fd), saved_(::fcntl(fd, F_GETFL)) {
    if (saved_ >= 0) ::fcntl(fd, F_SETFL, saved_ | O_NONBLOCK);
  }
  ~NonBlocking() {
    if (saved_ >= 0) ::fcntl(fd_, F_SETFL, saved_);
  }
  NonBlocking(const NonBlocking&) = delete;
  NonBlocking& operator=(const NonBlocking&) = delete;

 private:
  int fd_;
  int saved_;
};

// The command's process: hung up, killed and reaped however the session
// ends (no zombie, no orphan left on the target connection).
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {
    pidfd_ = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  }
  ~Child() {
    if (!reaped_) {
      Signal(SIGKILL);
      Reap(/*block=*/true);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // -1 when the kernel has no pidfd_open (before 5.3): the loop then polls.
  int pidfd() const { return pidfd_.get(); }
  bool reaped() const { return reaped_; }
  int status() const { return status_; }

  // To the whole process group (the command is a session leader on the pty).
  void Signal(int sig) const {
    ::kill(-pid_, sig);
    ::kill(pid_, sig);
  }
  // True once the command has exited and been reaped.
  bool Reap(bool block) {
    if (reaped_) return true;
    for (;;) {
      const pid_t r = ::waitpid(pid_, &status_, block ? 0 : WNOHANG);
      if (r == pid_) return reaped_ = true;
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return reaped_ = true;  // ECHILD: someone else reaped it
      return false;
    }
  }

 private:
  pid_t pid_;
  UniqueFd pidfd_;
  int status_ = 0;
  bool reaped_ = false;
};

std::string HourMinuteUtc(Clock::time_point t) {
  const std::time_t secs = Clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[16];
  (void)std::strftime(buf, sizeof buf, "%H:%M", &tm);
  return buf;
}

// argv[0] as a path: found in PATH now, so that the child only execs.
std::string ResolveExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = ::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  for (;;) {
    const size_t colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    std::filesystem::path candidate(dir.empty() ? std::string_view(".") : dir);
    candidate /= name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    if (colon == std::string_view::npos) return name;  // execv fails; the child says so
    dirs.remove_prefix(colon + 1);
  }
}

// The relay. One instance per RunInPty call.
class Relay {
 public:
  Relay(const PtyOptions& options, int master, int output, Child& child, int signal_read)
      : o_(options), master_(master), output_(output), child_(child), signal_read_(signal_read) {}

  SessionEnd Run();

 private:
  std::chrono::microseconds Since() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(o_.clock() - start_);
  }
  // Sends an event to the sink; a failure ends the session (fail closed).
  bool Record(EventType type, ByteView data);
  // Tells the user (best effort) and records it as output.
  void Notice(const std::string& line);
  void Resize();
  // Hangs the command up and waits `hangup_grace` for it, recording what it
  // still prints; then SIGKILL.
  void HangUp();
  // After the command exited: the output still in the pty, then the screen.
  void Drain(milliseconds budget);
  void FlushToUser(milliseconds budget);
  // Hands output to the user: written at once, or queued behind what waits.
  void Deliver(std::string_view bytes);
  void End(std::string reason, std::string detail = {}) {
    if (end_.reason.empty()) {
      end_.reason = std::move(reason);
      end_.detail = std::move(detail);
    }
  }
  int PollTimeout(Clock::time_point now) const;
  void HandleTimers(Clock::time_point now);
  // Reads what the command printed from `fd` (its stdout/stderr pipe, or
  // the pty for what it writes to /dev/tty); false when `fd` is at its end.
  bool ReadOutput(int fd);
  // One read from each output side that `poll` found ready.
  void ReadReady(const struct pollfd& output, const struct pollfd& tty);
  void ReadUser();
  void WriteMaster();
  void WriteUser();

  const PtyOptions& o_;
  int master_;
  int output_;
  Child& child_;
  int signal_read_;
  Clock::time_point start_;
  Clock::time_point next_check_;
  Clock::time_point next_anchor_;
  bool warned_ = false;
  bool recording_ok_ = true;
  bool user_open_ = true;
  bool master_open_ = true;
  bool output_open_ = true;
  Steady::time_point output_rests_until_{};  // see kCoalesce
  std::string to_child_;
  std::string to_user_;  // what the screen has not taken yet, from to_user_sent_
  size_t to_user_sent_ = 0;
  SessionEnd end_;
};

bool Relay::Record(EventType type, ByteView data) {
  if (!recording_ok_) return false;
  Status s = o_.sink->Event(Since(), type, data);
  if (!s.ok()) {
    recording_ok_ = false;
    End("recording_failed", s.error().message());
    Notice("cordon: session ended: the recording failed");
  }
  return s.ok();
}

void Relay::Notice(const std::string& line) {
  const std::string text = "\r\n" + line + "\r\n";
  Record(EventType::kOutput, AsBytes(text));
  to_user_ += text;
  FlushToUser(milliseconds(200));
}

void Relay::Resize() {
  struct winsize ws {};
  if (::ioctl(o_.in_fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0) return;
  ::ioctl(master_, TIOCSWINSZ, &ws);  // the kernel sends SIGWINCH to the command
  Record(EventType::kResize, AsBytes(std::to_string(ws.ws_col) + "x" + std::to_string(ws.ws_row)));
}

int Relay::PollTimeout(Clock::time_point now) const {
  // At most a second, so that a clock moved by a test (or NTP) is seen;
  // a tenth without a pidfd, since exits are then found by waitpid.
  Clock::time_point next = now + (child_.pidfd() >= 0 ? milliseconds(1000) : milliseconds(100));
  if (o_.deadline) {
    next = std::min(next, *o_.deadline);
    if (!warned_) next = std::min(next, *o_.deadline - o_.warn_before);
  }
  if (o_.live_check) next = std::min(next, next_check_);
  if (o_.on_anchor) next = std::min(next, next_anchor_);
  const auto ms = std::chrono::ceil<milliseconds>(next - now).count();
  return static_cast<int>(std::clamp<int64_t>(ms, 0, 1000));
}

void Relay::HandleTimers(Clock::time_point now) {
  if (o_.deadline && !warned_ && now >= *o_.deadline - o_.warn_before) {
    warned_ = true;
    Notice("cordon: this session ends at " + HourMinuteUtc(*o_.deadline) +
           " UTC (the grant's window)");
  }
  if (o_.deadline && now >= *o_.deadline) {
    End("window_end");
    Notice("cordon: session ended: the grant's window closed at " + HourMinuteUtc(*o_.deadline) +
           " UTC");
    return;
  }
  if (o_.live_check && now >= next_check_) {
    next_check_ = now + o_.check_interval;
    if (std::optional<std::string> stop = o_.live_check()) {
      End(*stop);
      Notice("cordon: session ended: " + *stop);
      return;
    }
  }
  if (o_.on_anchor && now >= next_anchor_) {
    next_anchor_ = now + o_.anchor_interval;
    if (Status s = o_.on_anchor(); !s.ok()) {
      End("recording_failed", s.error().message());
      Notice("cordon: session ended: the recording could not be anchored");
    }
  }
}

bool Relay::ReadOutput(int fd) {
  uint8_t buf[kReadSize];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) {
    end_.output_bytes += static_cast<uint64_t>(n);
    if (Record(EventType::kOutput, ByteView(buf, static_cast<size_t>(n)))) {
      Deliver(std::string_view(reinterpret_cast<const char*>(buf), static_cast<size_t>(n)));
    }
    return true;
  }
  // 0 on the pipe: every writer closed it; EIO on the pty: every holder of
  // its other side closed it. Either way the command has ended or is ending.
  return n < 0 && (errno == EAGAIN || errno == EINTR);
}

void Relay::ReadUser() {
  uint8_t buf[kReadSize];
  const ssize_t n = ::read(o_.in_fd, buf, sizeof buf);
  if (n > 0) {
    end_.input_bytes += static_cast<uint64_t>(n);
    if (!Record(EventType::kInput, ByteView(buf, static_cast<size_t>(n)))) return;
    to_child_.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  user_open_ = false;
  End("client_gone", n == 0 ? "end of input" : std::strerror(errno));
}

void Relay::WriteMaster() {
  const ssize_t n = ::write(master_, to_child_.data(), to_child_.size());
  if (n > 0) to_child_.erase(0, static_cast<size_t>(n));
  if (n < 0 && errno != EAGAIN && errno != EINTR) to_child_.clear();  // the command is going
}

void Relay::WriteUser() {
  const ssize_t n =
      ::write(o_.out_fd, to_user_.data() + to_user_sent_, to_user_.size() - to_user_sent_);
  if (n > 0) {
    // An offset, not an erase: a pty takes some 10 KiB per write, and moving
    // the rest of a 64 KiB read down after each would copy it many times.
    to_user_sent_ += static_cast<size_t>(n);
    if (to_user_sent_ == to_user_.size()) {
      to_user_.clear();
      to_user_sent_ = 0;
    }
  } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
    to_user_.clear();
    to_user_sent_ = 0;
    user_open_ = false;
    End("client_gone", std::strerror(errno));
  }
}

void Relay::Deliver(std::string_view bytes) {
  // Straight to the screen when nothing waits before it. A pty takes some
  // 10 KiB per write, so a screenful of streaming output needs a few: they
  // are written here, waiting on the screen alone (one descriptor to poll,
  // no copy), for at most kScreenBudget; only what it has not taken by then
  // is queued, and the main loop's checks and timers come first again.
  if (to_user_.empty() && user_open_) {
    const auto until = Steady::now() + kScreenBudget;
    while (!bytes.empty()) {
      const ssize_t n = ::write(o_.out_fd, bytes.data(), bytes.size());
      if (n > 0) {
        bytes.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN) {
        user_open_ = false;
        End("client_gone", std::strerror(errno));
        return;
      }
      const auto left = std::chrono::ceil<milliseconds>(until - Steady::now()).count();
      if (left <= 0 || g_stop_signal != 0) break;
      struct pollfd p {
        o_.out_fd, POLLOUT, 0
      };
      if (::poll(&p, 1, static_cast<int>(left)) <= 0 || (p.revents & (POLLERR | POLLNVAL))) break;
    }
  }
  if (user_open_) to_user_.append(bytes);
}

void Relay::FlushToUser(milliseconds budget) {
  const auto until = Steady::now() + budget;
  while (user_open_ && !to_user_.empty()) {
    const auto left = std::chrono::ceil<milliseconds>(until - Steady::now()).count();
    if (left <= 0) break;
    struct pollfd p {
      o_.out_fd, POLLOUT, 0
    };
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    if (p.revents & (POLLERR | POLLNVAL)) break;
    WriteUser();
  }
}

void Relay::ReadReady(const struct pollfd& output, const struct pollfd& tty) {
  constexpr short kReadable = POLLIN | POLLHUP | POLLERR;
  if (output_open_ && (output.revents & kReadable)) {
    const uint64_t before = end_.output_bytes;
    output_open_ = ReadOutput(output_);
    if (end_.output_bytes - before >= kStreaming) output_rests_until_ = Steady::now() + kCoalesce;
  }
  if (master_open_ && (tty.revents & kReadable)) master_open_ = ReadOutput(master_);
}

void Relay::Drain(milliseconds budget) {
  const auto until = Steady::now() + budget;
  while (output_open_ || master_open_) {
    const auto left = std::chrono::ceil<milliseconds>(until - Steady::now()).count();
    if (left <= 0) break;
    struct pollfd p[2] = {{output_open_ ? output_ : -1, POLLIN, 0},
                          {master_open_ ? master_ : -1, POLLIN, 0}};
    // The pipe holds everything the command wrote before it exited; the pty
    // hands data over asynchronously: wait a little for what is still on its
    // way, then stop at the first quiet moment.
    const int r = ::poll(p, 2, static_cast<int>(std::min<int64_t>(left, 100)));
    if (r == 0) break;
    if (r < 0) continue;
    ReadReady(p[0], p[1]);
    FlushToUser(milliseconds(500));
  }
}

void Relay::HangUp() {
  child_.Signal(SIGHUP);
  const auto until = Steady::now() + o_.hangup_grace;
  while (!child_.Reap(false)) {
    const auto left = std::chrono::ceil<milliseconds>(until - Steady::now()).count();
    if (left <= 0) break;
    struct pollfd p[3] = {{output_open_ ? output_ : -1, POLLIN, 0},
                          {master_open_ ? master_ : -1, POLLIN, 0},
                          {child_.pidfd(), POLLIN, 0}};
    const int timeout = child_.pidfd() >= 0 ? static_cast<int>(left) : 50;
    if (::poll(p, 3, std::min(timeout, static_cast<int>(left))) > 0) {
      ReadReady(p[0], p[1]);  // the command's last words are recorded too
      // Bounded: at most one read (64 KiB) per 100 ms waits in memory.
      FlushToUser(milliseconds(100));
    }
  }
  if (!child_.reaped()) {
    child_.Signal(SIGKILL);
    child_.Reap(/*block=*/true);
  }
  FlushToUser(milliseconds(200));
}

SessionEnd Relay::Run() {
  start_ = o_.clock();
  next_check_ = start_ + o_.check_interval;
  next_anchor_ = start_ + o_.anchor_interval;
  while (end_.reason.empty()) {
    const Clock::time_point now = o_.clock();
    if (g_stop_signal != 0) {
      // SIGHUP is the user's terminal hanging up (sshd closed it: the
      // connection dropped); the others are someone stopping the bastion.
      End(g_stop_signal == SIGHUP ? "client_gone" : "signal", ::strsignal(g_stop_signal));
      break;
    }
    HandleTimers(now);
    if (!end_.reason.empty()) break;

    enum { kSignal, kChild, kUser, kOutput, kMaster, kScreen, kCount };
    struct pollfd p[kCount] = {};
    p[kSignal] = {signal_read_, POLLIN, 0};
    p[kChild] = {child_.pidfd(), POLLIN, 0};
    // Back-pressure: read a side only when what it gave before is delivered.
    p[kUser] = {to_child_.empty() && user_open_ ? o_.in_fd : -1, POLLIN, 0};
    const bool resting = Steady::now() < output_rests_until_;
    p[kOutput] = {to_user_.empty() && output_open_ && !resting ? output_ : -1, POLLIN, 0};
    p[kMaster] = {
        master_open_ ? master_ : -1,
        static_cast<short>((to_user_.empty() ? POLLIN : 0) | (to_child_.empty() ? 0 : POLLOUT)), 0};
    p[kScreen] = {!to_user_.empty() && user_open_ ? o_.out_fd : -1, POLLOUT, 0};
    const int r = ::poll(p, kCount, resting ? std::min(PollTimeout(now), 1) : PollTimeout(now));
    if (r < 0 && errno != EINTR) {
      End("client_gone", std::string("poll: ") + std::strerror(errno));
      break;
    }
    if (r > 0) {
      if (p[kSignal].revents & POLLIN) {
        char sigs[64];
        const ssize_t n = ::read(signal_read_, sigs, sizeof sigs);
        for (ssize_t i = 0; i < n; ++i) {
          if (sigs[i] == SIGWINCH) Resize();
        }
      }
      ReadReady(p[kOutput], p[kMaster]);  // delivered at once (Deliver)
      if (p[kMaster].revents & POLLOUT) WriteMaster();
      if (p[kScreen].revents & (POLLOUT | POLLERR | POLLHUP)) WriteUser();
      if (p[kUser].revents & (POLLIN | POLLHUP | POLLERR)) ReadUser();
    }
    const bool exited =
        (r > 0 && (p[kChild].revents & POLLIN)) || (child_.pidfd() < 0 && child_.Reap(false));
    if (exited || !output_open_) {
      // The command ended, or closed its output and is ending: give it the
      // grace to exit. One that lingers is hung up below.
      if (!exited && child_.pidfd() >= 0) {
        struct pollfd c {
          child_.pidfd(), POLLIN, 0
        };
        ::poll(&c, 1, static_cast<int>(o_.hangup_grace.count()));
      }
      if (child_.Reap(false)) {
        Drain(milliseconds(1000));
        FlushToUser(milliseconds(1000));
      }
      End("exit");
    }
  }
  if (!child_.reaped()) HangUp();
  const int status = child_.status();
  if (WIFEXITED(status)) end_.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) end_.killed_by = WTERMSIG(status);
  end_.duration = std::max(Since(), std::chrono::microseconds(0));
  return end_;
}

}  // namespace

TerminalSize TerminalSizeOf(int fd) {
  struct winsize ws {};
  if (::isatty(fd) && ::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    return {ws.ws_col, ws.ws_row};
  }
  return {};
}

Result<SessionEnd> RunInPty(const PtyOptions& options) {
  if (options.argv.empty()) return Error(ErrorCode::kInvalidArgument, "pty: no command to run");
  if (options.sink == nullptr) return Error(ErrorCode::kInvalidArgument, "pty: no event sink");
  if (!options.clock) return Error(ErrorCode::kInvalidArgument, "pty: no clock");

  // Everything the child needs is prepared before the fork: between fork
  // and exec it only calls async-signal-safe functions.
  const std::string path = ResolveExecutable(options.argv[0]);
  std::vector<char*> argv;
  for (const std::string& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string exec_failed = "cordon: cannot run " + options.argv[0] + "\r\n";

  const TerminalSize size = options.size.value_or(TerminalSizeOf(options.in_fd));
  struct winsize ws {};
  ws.ws_col = static_cast<unsigned short>(size.columns);
  ws.ws_row = static_cast<unsigned short>(size.rows);
  struct termios user_termios {};
  const bool user_tty = ::isatty(options.in_fd) && ::tcgetattr(options.in_fd, &user_termios) == 0;

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) return ErrnoError("pty: pipe");
  UniqueFd signal_read(pipe_fds[0]), signal_write(pipe_fds[1]);
  // The command's stdout and stderr are a pipe, its stdin the pty: the
  // screenful of output crosses one pipe instead of a second terminal's line
  // discipline, in reads of up to 64 KiB instead of the pty's ~4 KiB — the
  // recording's overhead over a plain ssh hop (bench/RESULTS.md). The pty
  // still gives the command its terminal: raw mode, the window size and
  // SIGWINCH (ssh -tt reads both from its stdin), and /dev/tty for prompts,
  // whose output is relayed and recorded too. The write end is blocking: a
  // command does not expect EAGAIN on its stdout.
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return ErrnoError("pty: pipe");
  UniqueFd output_read(pipe_fds[0]), output_write(pipe_fds[1]);
  // A roomy pipe, so that the inner ssh never finds it full while the relay
  // lets output coalesce or waits on a slow screen: ssh then keeps reading
  // the network into its own channel buffer, which grows past 128 KiB, and
  // OpenSSH grows a buffer by allocating a larger one, copying and zeroing
  // the old (recallocarray): a session printing 10 MB paid some 400
  // mmap/munmap pairs and their page faults for it (bench/RESULTS.md). Best
  // effort: a smaller pipe (a lowered fs.pipe-max-size) only costs CPU.
  ::fcntl(output_write.get(), F_SETPIPE_SZ, kOutputPipeSize);
  SignalGuard signals(signal_write.get());

  // Signals are blocked across the fork: one that reaches the child before
  // it has reset its handlers (a hang-up at once) must not run our handler
  // there and be lost; it stays pending and takes effect at the unblock.
  sigset_t all, old_mask;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old_mask);
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, user_tty ? &user_termios : nullptr, &ws);
  if (pid == 0) {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig : kStopSignals) ::sigaction(sig, &dfl, nullptr);
    ::sigaction(SIGWINCH, &dfl, nullptr);
    ::sigaction(SIGPIPE, &dfl, nullptr);
    ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    if (::dup2(output_write.get(), STDOUT_FILENO) < 0 ||
        ::dup2(output_write.get(), STDERR_FILENO) < 0) {
      ::_exit(127);
    }
    ::execv(path.c_str(), argv.data());
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, exec_failed.data(), exec_failed.size());
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (pid < 0) {
    errno = fork_errno;
    return ErrnoError("pty: forkpty");
  }
  UniqueFd master_fd(master);
  ::fcntl(master, F_SETFD, FD_CLOEXEC);
  output_write = UniqueFd();  // the command holds the only write end: its exit is our end of file
  Child child(pid);
  NonBlocking master_nb(master);
  NonBlocking output_nb(output_read.get());
  std::optional<RawMode> raw;
  if (user_tty) raw.emplace(options.in_fd);
  NonBlocking in_nb(options.in_fd);
  NonBlocking out_nb(options.out_fd);
  Relay relay(options, master, output_read.get(), child, signal_read.get());
  return relay.Run();
}

}  // namespace cordon::recording
