#include "recording/pty_session.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

#include <cerrno>
#include <fstream>
#include <thread>

#include "core/file.h"

namespace cordon::recording {
namespace {

using std::chrono::milliseconds;

struct Captured {
  std::chrono::microseconds time;
  EventType type;
  std::string data;
};

class CaptureSink final : public EventSink {
 public:
  Status Event(std::chrono::microseconds time, EventType type, ByteView data) override {
    if (fail_) return Error(ErrorCode::kIo, "disk full");
    events.push_back({time, type, std::string(AsChars(data))});
    return Ok();
  }
  std::string Text(EventType type) const {
    std::string out;
    for (const auto& e : events) {
      if (e.type == type) out += e.data;
    }
    return out;
  }
  void FailFromNowOn() { fail_ = true; }
  std::vector<Captured> events;

 private:
  bool fail_ = false;
};

// A pipe pair for the user's side: the test writes keystrokes into `in`
// and reads the screen from `out`.
struct UserSide {
  UserSide() {
    int a[2], b[2];
    EXPECT_EQ(::pipe2(a, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(b, O_CLOEXEC), 0);
    in_read = UniqueFd(a[0]);
    in_write = UniqueFd(a[1]);
    out_read = UniqueFd(b[0]);
    out_write = UniqueFd(b[1]);
  }
  void Type(std::string_view s) {
    ASSERT_EQ(::write(in_write.get(), s.data(), s.size()), ssize_t(s.size()));
  }
  std::string Screen() {
    ::fcntl(out_read.get(), F_SETFL, O_NONBLOCK);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(out_read.get(), buf, sizeof buf)) > 0) out.append(buf, size_t(n));
    return out;
  }
  UniqueFd in_read, in_write, out_read, out_write;
};

PtyOptions Options(UserSide& user, CaptureSink& sink, std::vector<std::string> argv) {
  PtyOptions o;
  o.argv = std::move(argv);
  o.in_fd = user.in_read.get();
  o.out_fd = user.out_write.get();
  o.sink = &sink;
  o.hangup_grace = milliseconds(2000);
  return o;
}

// No child is left behind: every one was reaped.
void ExpectNoChildren() {
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

void ExpectTimesNeverDecrease(const CaptureSink& sink) {
  for (size_t i = 1; i < sink.events.size(); ++i) {
    EXPECT_LE(sink.events[i - 1].time, sink.events[i].time);
  }
}

TEST(PtySessionTest, RelaysAndRecordsOutputAndInput) {
  UserSide user;
  CaptureSink sink;
  user.Type("abc\n");  // waits in the pipe until the relay reads it
  auto end = RunInPty(Options(user, sink, {"/bin/sh", "-c", "echo hi; read x; echo got $x"}));
  ASSERT_TRUE(end.ok()) << end.error().message();
  EXPECT_EQ(end->reason, "exit");
  EXPECT_EQ(end->exit_status, 0);
  const std::string output = sink.Text(EventType::kOutput);
  // stdout is a pipe: "hi\n" as written (ssh -tt's remote pty turns line ends
  // into "\r\n"); the pty echoes the typed line, with its own "\r\n".
  EXPECT_NE(output.find("hi\n"), std::string::npos) << output;
  EXPECT_EQ(output.find("hi\r\n"), std::string::npos) << output;
  EXPECT_NE(output.find("abc\r\n"), std::string::npos) << output;
  EXPECT_NE(output.find("got abc"), std::string::npos) << output;
  EXPECT_EQ(sink.Text(EventType::kInput), "abc\n");
  EXPECT_EQ(end->input_bytes, 4u);
  EXPECT_EQ(end->output_bytes, output.size());
  // What was recorded is what the user saw.
  EXPECT_EQ(user.Screen(), output);
  ExpectTimesNeverDecrease(sink);
  ExpectNoChildren();
}

// stdout, stderr and /dev/tty all reach the user and the recording, and the
// command's terminal (its stdin) has the session's size.
TEST(PtySessionTest, RecordsStdoutStderrAndTheTerminalWithItsSize) {
  UserSide user;
  CaptureSink sink;
  PtyOptions o = Options(
      user, sink, {"/bin/sh", "-c", "echo out; echo err >&2; echo tty >/dev/tty; stty size"});
  o.size = TerminalSize{.columns = 100, .rows = 30};
  auto end = RunInPty(o);
  ASSERT_TRUE(end.ok()) << end.error().message();
  EXPECT_EQ(end->exit_status, 0);
  const std::string output = sink.Text(EventType::kOutput);
  EXPECT_NE(output.find("out\n"), std::string::npos) << output;
  EXPECT_NE(output.find("err\n"), std::string::npos) << output;
  EXPECT_NE(output.find("tty\r\n"), std::string::npos) << output;  // through the pty
  EXPECT_NE(output.find("30 100\n"), std::string::npos) << output;
  EXPECT_EQ(user.Screen(), output);
  ExpectNoChildren();
}

// The command's stdout is a roomy pipe (1 MiB): an inner ssh that finds its
// stdout full keeps reading the network into its own buffer, which OpenSSH
// grows by copying (a session of 10 MB paid hundreds of mmap/munmap pairs).
TEST(PtySessionTest, CommandWritesIntoAOneMebibytePipe) {
  std::ifstream max_file("/proc/sys/fs/pipe-max-size");
  long max_size = 0;
  max_file >> max_size;
  if (max_size < 1024 * 1024 && ::geteuid() != 0) GTEST_SKIP() << "fs.pipe-max-size is lowered";
  UserSide user;
  CaptureSink sink;
  // F_GETPIPE_SZ is 1032 on Linux; shell has no way to ask, python3 does.
  auto end = RunInPty(
      Options(user, sink, {"/usr/bin/python3", "-c", "import fcntl; print(fcntl.fcntl(1, 1032))"}));
  ASSERT_TRUE(end.ok()) << end.error().message();
  EXPECT_EQ(end->exit_status, 0);
  EXPECT_EQ(sink.Text(EventType::kOutput), "1048576\n");
  ExpectNoChildren();
}

// Output larger than any pipe's buffer crosses whole, in order, byte for
// byte the same on the screen and in the recording.
TEST(PtySessionTest, LargeOutputArrivesWholeOnTheScreenAndInTheRecording) {
  UserSide user;
  CaptureSink sink;
  std::string screen;
  std::thread reader([&] {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(user.out_read.get(), buf, sizeof buf)) > 0) screen.append(buf, size_t(n));
  });
  auto end = RunInPty(Options(user, sink, {"/bin/sh", "-c", "seq 1 200000"}));
  user.out_write = UniqueFd();  // the reader's end of file
  reader.join();
  ASSERT_TRUE(end.ok()) << end.error().message();
  EXPECT_EQ(end->exit_status, 0);
  std::string expected;
  for (int i = 1; i <= 200000; ++i) expected += std::to_string(i) + "\n";
  EXPECT_EQ(sink.Text(EventType::kOutput), expected);
  EXPECT_EQ(screen, expected);
  EXPECT_EQ(end->output_bytes, expected.size());
  ExpectNoChildren();
}

TEST(PtySessionTest, PropagatesTheExitStatus) {
  UserSide user;
  CaptureSink sink;
  auto end = RunInPty(Options(user, sink, {"sh", "-c", "exit 7"}));  // found in PATH
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->reason, "exit");
  EXPECT_EQ(end->exit_status, 7);
  ExpectNoChildren();
}

TEST(PtySessionTest, ReportsACommandThatCannotRun) {
  UserSide user;
  CaptureSink sink;
  auto end = RunInPty(Options(user, sink, {"/nonexistent/ssh", "target"}));
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->exit_status, 127);
  EXPECT_NE(sink.Text(EventType::kOutput).find("cannot run /nonexistent/ssh"), std::string::npos);
  ExpectNoChildren();
}

TEST(PtySessionTest, RefusesMissingArguments) {
  CaptureSink sink;
  PtyOptions o;
  o.sink = &sink;
  EXPECT_EQ(RunInPty(o).error().code(), ErrorCode::kInvalidArgument);
  o.argv = {"true"};
  o.sink = nullptr;
  EXPECT_EQ(RunInPty(o).error().code(), ErrorCode::kInvalidArgument);
}

TEST(PtySessionTest, HangsUpAtTheDeadlineWithAWarningFirst) {
  UserSide user;
  CaptureSink sink;
  PtyOptions o = Options(user, sink, {"sleep", "1000"});
  // An injected clock that runs an hour per real second: the window closes
  // two "hours" after the start, the warning comes 5 minutes before.
  const auto fake_start =  // midnight UTC
      std::chrono::system_clock::time_point(std::chrono::hours(24 * 20833));
  const auto real_start = std::chrono::steady_clock::now();
  o.clock = [=] { return fake_start + (std::chrono::steady_clock::now() - real_start) * 3600; };
  o.deadline = fake_start + std::chrono::hours(2);
  auto end = RunInPty(o);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->reason, "window_end");
  EXPECT_FALSE(end->exit_status.has_value());
  EXPECT_EQ(end->killed_by, SIGHUP);
  const std::string screen = user.Screen();
  const size_t warn = screen.find("cordon: this session ends at 02:00 UTC (the grant's window)");
  const size_t ended = screen.find("cordon: session ended: the grant's window closed at 02:00 UTC");
  ASSERT_NE(warn, std::string::npos) << screen;
  ASSERT_NE(ended, std::string::npos) << screen;
  EXPECT_LT(warn, ended);
  // The notices are in the recording too.
  EXPECT_NE(sink.Text(EventType::kOutput).find("session ended"), std::string::npos);
  EXPECT_GE(end->duration, std::chrono::hours(2));
  ExpectNoChildren();
}

TEST(PtySessionTest, DeadlineOneSecondAheadEndsTheSession) {
  UserSide user;
  CaptureSink sink;
  PtyOptions o = Options(user, sink, {"sleep", "1000"});
  o.deadline = std::chrono::system_clock::now() + std::chrono::seconds(1);
  auto end = RunInPty(o);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->reason, "window_end");
  ExpectNoChildren();
}

TEST(PtySessionTest, KillsACommandThatIgnoresTheHangUp) {
  UserSide user;
  CaptureSink sink;
  PtyOptions o = Options(user, sink, {"/bin/sh", "-c", "trap '' HUP; echo ready; sleep 1000"});
  o.hangup_grace = milliseconds(200);
  o.check_interval = milliseconds(20);
  o.live_check = [&]() -> std::optional<std::string> {
    if (sink.Text(EventType::kOutput).find("ready") != std::string::npos) return "locked";
    return std::nullopt;
  };
  auto end = RunInPty(o);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->reason, "locked");
  EXPECT_EQ(end->killed_by, SIGKILL);
  ExpectNoChildren();
}

TEST(PtySessionTest, LiveCheckEndsTheSessionWithItsReason) {
  UserSide user;
  CaptureSink sink;
  PtyOptions o = Options(user, sink, {"sleep", "1000"});
  o.check_interval = milliseconds(20);
  int calls = 0;
  o.live_check = [&]() -> std::optional<std::string> {
    if (++calls < 3) return std::nullopt;
    return "revoked";
  };
  auto end = RunInPty(o);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->reason, "revoked");
  EXPECT_EQ(calls, 3);
  EXPECT_NE(user.Screen().find("cordon: session ended: revoked"), std::string::npos);
  ExpectNoChildren();
}

TEST(PtySessionTest, ClientGoneEndsTheSession) {
  UserSide user;
  CaptureSink sink;
  user.in_write = UniqueFd();  // the SSH connection dropped
  auto end = RunInPty(Options(user, sink, {"sleep", "1000"}));
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->reason, "client_gone");
  ExpectNoChildren();
}

TEST(PtySessionTest, AnchorsPeriodicallyAndFailsClosed) {
  UserSide user;
  CaptureSink sink;
  PtyOptions o = Options(user, sink, {"sleep", "1000"});
  o.anchor_interval = milliseconds(20);
  int anchors = 0;
  o.on_anchor = [&]() -> Status {
    if (++anchors < 3) return Ok();
    return Error(ErrorCode::kIo, "ledger unreachable");
  };
  auto end = RunInPty(o);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(anchors, 3);
  EXPECT_EQ(end->reason, "recording_failed");
  EXPECT_NE(end->detail.find("ledger unreachable"), std::string::npos);
  ExpectNoChildren();
}

TEST(PtySessionTest, RecordingFailureEndsTheSession) {
  UserSide user;
  CaptureSink sink;
  sink.FailFromNowOn();
  auto end = RunInPty(Options(user, sink, {"/bin/sh", "-c", "echo hi; sleep 1000"}));
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->reason, "recording_failed");
  EXPECT_EQ(end->detail, "disk full");
  // Nothing unrecorded reached the user.
  EXPECT_EQ(user.Screen().find("hi"), std::string::npos);
  ExpectNoChildren();
}

TEST(PtySessionTest, TerminationSignalEndsCleanlyAndRestoresHandlers) {
  UserSide user;
  CaptureSink sink;
  PtyOptions o = Options(user, sink, {"sleep", "1000"});
  o.check_interval = milliseconds(20);
  o.live_check = [] {
    ::raise(SIGTERM);  // would kill the test without the session's handler
    return std::optional<std::string>();
  };
  auto end = RunInPty(o);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->reason, "signal");
  struct sigaction now {};
  ::sigaction(SIGTERM, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
  ExpectNoChildren();
}

TEST(PtySessionTest, HangUpOfTheUsersTerminalIsClientGone) {
  UserSide user;
  CaptureSink sink;
  PtyOptions o = Options(user, sink, {"sleep", "1000"});
  o.check_interval = milliseconds(20);
  o.live_check = [] {
    ::raise(SIGHUP);  // what the kernel sends when sshd closes the session's pty
    return std::optional<std::string>();
  };
  auto end = RunInPty(o);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->reason, "client_gone");
  ExpectNoChildren();
}

TEST(PtySessionTest, UserTerminalIsRawDuringTheSessionAndRestoredAfter) {
  int master = -1, slave = -1;
  struct winsize ws {};
  ws.ws_col = 90;
  ws.ws_row = 30;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, &ws), 0);
  UniqueFd m(master), s(slave);
  struct termios before {};
  ASSERT_EQ(::tcgetattr(slave, &before), 0);
  ASSERT_TRUE(before.c_lflag & ICANON);
  const int flags_before = ::fcntl(slave, F_GETFL);

  CaptureSink sink;
  PtyOptions o;
  o.argv = {"sleep", "1000"};
  o.in_fd = slave;
  o.out_fd = slave;
  o.sink = &sink;
  o.check_interval = milliseconds(20);
  bool was_raw = false;
  int calls = 0;
  o.live_check = [&]() -> std::optional<std::string> {
    ++calls;
    if (calls == 1) {
      struct termios during {};
      ::tcgetattr(slave, &during);
      was_raw = !(during.c_lflag & (ICANON | ECHO));
      // The user resizes the window.
      struct winsize bigger {};
      bigger.ws_col = 120;
      bigger.ws_row = 40;
      ::ioctl(master, TIOCSWINSZ, &bigger);
      ::raise(SIGWINCH);
    }
    if (calls < 5) return std::nullopt;
    return "suspended";
  };
  auto end = RunInPty(o);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->reason, "suspended");
  EXPECT_TRUE(was_raw);
  struct termios after {};
  ASSERT_EQ(::tcgetattr(slave, &after), 0);
  EXPECT_EQ(after.c_lflag, before.c_lflag);
  EXPECT_EQ(after.c_iflag, before.c_iflag);
  EXPECT_EQ(after.c_oflag, before.c_oflag);
  EXPECT_EQ(::fcntl(slave, F_GETFL), flags_before);
  EXPECT_EQ(sink.Text(EventType::kResize), "120x40");
  ExpectNoChildren();
}

}  // namespace
}  // namespace cordon::recording
