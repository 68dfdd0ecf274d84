// The recorded pty relay of a maintenance session: runs a command (the
// bastion's `ssh -tt … target`) with a new pty as its stdin and controlling
// terminal and a pipe as its stdout and stderr, relays the caller's terminal
// to and from them, sends every chunk each way to an EventSink, and
// ends the session when the grant's window closes, when a live check says
// so (revocation, lock, suspension), when the client goes away, or when the
// command exits. One poll(2) loop, no threads.
//
//   auto size = TerminalSizeOf(STDIN_FILENO);
//   auto rec = SealedRecording::Create(path, recipients, {size.columns, size.rows, now, term});
//   ledger: start event with (*rec)->TakeAnchor()            // header_sha256 names the session
//   PtyOptions o{.argv = {"ssh", "-tt", …, target}, .sink = rec->get(), .deadline = window_end};
//   o.live_check = [&] { return grant_still_open ? std::nullopt : std::optional("revoked"); };
//   o.on_anchor = [&] { auto a = (*rec)->TakeAnchor(); …append an anchor event…; };
//   auto end = RunInPty(o);
//   auto final_anchor = (*rec)->Finish();                    // end event: reason, bytes, anchor
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "recording/asciicast.h"

namespace cordon::recording {

using WallClock = std::function<std::chrono::system_clock::time_point()>;

struct TerminalSize {
  int columns = 80;
  int rows = 24;
};

// The size of the terminal on `fd`, or 80x24 when it is not a terminal.
TerminalSize TerminalSizeOf(int fd);

struct PtyOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  int in_fd = STDIN_FILENO;       // the user's keystrokes
  int out_fd = STDOUT_FILENO;     // the user's screen (also gets cordon's notices)
  EventSink* sink = nullptr;      // required: every "o", "i" and "r" event
  // When the grant's window closes; the session is hung up then, with
  // reason "window_end". `warn_before` earlier, one line tells the user.
  std::optional<std::chrono::system_clock::time_point> deadline;
  std::chrono::seconds warn_before{300};
  // Called every `check_interval`: a reason ("revoked", "locked", …) ends
  // the session with that reason. It must return promptly (it blocks the
  // relay while it runs).
  std::function<std::optional<std::string>()> live_check;
  std::chrono::milliseconds check_interval{2000};
  // Called every `anchor_interval` (the caller anchors the recording in the
  // ledger); an error ends the session ("recording_failed": fail closed).
  std::function<Status()> on_anchor;
  std::chrono::milliseconds anchor_interval{60000};
  // How long a hung-up command has to exit before SIGKILL.
  std::chrono::milliseconds hangup_grace{2000};
  // The clock for the deadline, timers and event times (tests move it).
  // Poll waits at most a second at a time, so a clock that jumps is seen.
  WallClock clock = [] { return std::chrono::system_clock::now(); };
  // The pty's initial size (default: the size of in_fd's terminal).
  std::optional<TerminalSize> size;
};

struct SessionEnd {
  // "exit" (the command ended), "window_end", the live check's reason,
  // "client_gone" (the user's side closed or failed, or SIGHUP: the SSH
  // connection dropped), "signal" (SIGTERM, SIGINT or SIGQUIT to this
  // process), "recording_failed" (the sink or on_anchor failed: nothing
  // goes unrecorded).
  std::string reason;
  std::string detail;              // the error behind "recording_failed"/"client_gone"
  std::optional<int> exit_status;  // the command's exit code, if it exited
  std::optional<int> killed_by;    // the signal that ended the command, if any
  std::chrono::microseconds duration{0};
  uint64_t output_bytes = 0;
  uint64_t input_bytes = 0;
};

// The command's output does not cross a terminal on the bastion's side: it
// is written to the user as the command wrote it. That suits `ssh -tt`, whose
// remote pty already did the output processing (the second pty of a
// `script`-style relay costs a third of a plain hop's CPU); a local command
// that relies on its terminal turning "\n" into "\r\n" will not get it.
// What it writes to /dev/tty (a password prompt) is relayed and recorded too.
//
// Runs the session to its end. Errors only when it cannot start (no argv or
// sink: kInvalidArgument; the pty or the fork failed: kIo); once the command
// runs, every ending is a SessionEnd and the command has been reaped. The
// user's terminal (if in_fd is one) is in raw mode during the session and
// restored on every way out; SIGTERM/SIGINT/SIGHUP/SIGQUIT end the session
// cleanly (see SessionEnd::reason) instead of killing this process mid-raw-mode.
// The file status flags of in_fd and out_fd are restored too (they are made
// non-blocking during the session so a slow side never stalls the timers).
// Not thread-safe, not reentrant: one session per process at a time (it
// owns SIGWINCH, SIGCHLD-free reaping through a pidfd, and the signals above
// while it runs).
Result<SessionEnd> RunInPty(const PtyOptions& options);

}  // namespace cordon::recording
