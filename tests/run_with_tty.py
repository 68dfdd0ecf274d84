#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and types PASSPHRASE at each passphrase
prompt, as a person would. Used to drive `age -p` and `cordon -p`, which read
passphrases from /dev/tty only. Exit status is the command's.

usage: run_with_tty.py PASSPHRASE CMD [ARGS...]
"""
import os
import pty
import select
import signal
import sys
import time


def main() -> int:
    passphrase, cmd = sys.argv[1].encode(), sys.argv[2:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    seen = b""
    deadline = time.time() + 60
    while True:
        if time.time() > deadline or not select.select([fd], [], [], 1.0)[0]:
            if time.time() > deadline:
                os.kill(pid, signal.SIGKILL)
                sys.stderr.write("run_with_tty: timed out\n")
                break
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        # Answer each prompt once: a prompt ends with ':' or ': '.
        if seen.rstrip().endswith(b":") and b"passphrase" in seen.lower().split(b"\n")[-1]:
            os.write(fd, passphrase + b"\n")
            seen += b"\n"
    _, status = os.waitpid(pid, 0)
    sys.stderr.write(seen.decode(errors="replace"))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
