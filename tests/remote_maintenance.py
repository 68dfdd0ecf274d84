#!/usr/bin/env python3
"""Remote maintenance with real OpenSSH on loopback: an exchange (`cordon
serve`), a bastion sshd whose AuthorizedPrincipalsCommand and ForceCommand are
cordon's, and a target sshd that trusts only the exchange's egress CA, all
started here from Debian's openssh-server with configurations in a private
directory; test users created and removed here. Driven from outside with the
real `ssh`, `scp`, `sftp` clients, `ssh-keygen` and `age`.

Each promise of docs/remote-maintenance.md gets the attack that tries to break
it: no grant, another CA, an unknown serial, the wrong target, a command
instead of a session, scp and sftp, port/agent forwarding, a revoked grant
(next login refused, live session cut), a suspended organisation, and — on a
clock moved with libfaketime, which AddressSanitizer cannot run under — an
expired window cut in a live session, a dormant account and a break-glass
grant never countersigned. The recordings decrypt with age into asciicast v2
holding what was typed, and `cordon recording verify` refuses truncated and
edited ones while accepting a killed bastion's up to its last anchor.

usage: remote_maintenance.py CORDON SCRATCH_DIR   (as root; cleans up after itself)
"""
import base64
import hmac
import json
import os
import pwd
import grp
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

CORDON = os.path.abspath(sys.argv[1])
T = os.path.abspath(sys.argv[2])
SANITIZED = os.environ.get("CORDON_SANITIZED") == "1"
PID = os.getpid()
# Test users and the root-owned tree sshd insists on (StrictModes: no
# directory on the path of the principals command may be writable by others).
VENDOR_LOGIN = f"cdv{PID}"   # vendors log in to the bastion as this account
AUTH_USER = f"cda{PID}"      # runs the principals command
TARGET_USER = f"cdt{PID}"    # the account on the target
GROUP = f"cdg{PID}"          # may read the bastion's configuration and credential
R = f"/usr/local/lib/cordon-test-{PID}"
D = os.path.join(T, "exchange")
CLOCK = os.path.join(T, "clock")
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

checks = 0
cleanups = []
offset = 0


def fail(message):
    raise SystemExit("FAIL: " + message)


def ok():
    global checks
    checks += 1


def run(args, expect=0, input=None, env=None, timeout=60, user_env=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run(args, input=input, capture_output=True, env=e, timeout=timeout)
    if expect is not None and p.returncode != expect:
        fail(f"{' '.join(map(str, args))} exited {p.returncode}, expected {expect}\n"
             f"stdout: {p.stdout.decode(errors='replace')[-2000:]}\n"
             f"stderr: {p.stderr.decode(errors='replace')[-2000:]}")
    ok()
    return p


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def set_clock(seconds):
    global offset
    offset = seconds
    with open(CLOCK, "w") as f:
        f.write(f"+{seconds}s\n")


def totp(secret, step_offset=0):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int(time.time() + offset) // 30 + step_offset
    mac = hmac.new(key, struct.pack(">Q", counter), "sha1").digest()
    o = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


# ---- the machine: users, the root-owned tree, cleanup ----

def setup_machine():
    cleanups.append(lambda: shutil.rmtree(R, ignore_errors=True))
    os.makedirs(R, mode=0o755)
    os.chmod(R, 0o755)
    subprocess.run(["groupadd", GROUP], check=True)
    cleanups.append(lambda: subprocess.run(["groupdel", GROUP], capture_output=True))
    for user, groups in ((VENDOR_LOGIN, GROUP), (AUTH_USER, GROUP), (TARGET_USER, None)):
        args = ["useradd", "-M", "-d", "/", "-s", "/bin/sh", "-N", "-g", "nogroup"]
        if groups:
            args += ["-G", groups]
        subprocess.run(args + [user], check=True)
        cleanups.append(lambda u=user: subprocess.run(["userdel", u], capture_output=True))
        # With UsePAM no, a password field of "!" locks the account even for
        # certificates; "*" is no password at all (remote-maintenance.md §1.5).
        subprocess.run(["usermod", "-p", "*", user], check=True)
    shutil.copy(CORDON, os.path.join(R, "cordon"))
    os.chmod(os.path.join(R, "cordon"), 0o755)
    if not os.path.isdir("/run/sshd"):  # sshd's privilege separation directory
        os.makedirs("/run/sshd", mode=0o755)
        cleanups.append(lambda: shutil.rmtree("/run/sshd", ignore_errors=True))


def cleanup():
    while cleanups:
        try:
            cleanups.pop()()
        except Exception as e:  # keep cleaning: each step is independent
            print(f"cleanup: {e}", file=sys.stderr)


# ---- the exchange ----

class Exchange:
    def __init__(self):
        self.proc = None
        self.port = 0
        self.faked = False

    def start(self, faked=False):
        ready = os.path.join(T, "ready.json")
        if os.path.exists(ready):
            os.remove(ready)
        env = dict(os.environ)
        self.faked = faked
        if faked:
            env.update(LD_PRELOAD=FAKETIME, FAKETIME_TIMESTAMP_FILE=CLOCK, FAKETIME_NO_CACHE="1",
                       FAKETIME_DONT_FAKE_MONOTONIC="1")
        log = open(os.path.join(T, "serve.log"), "a")
        self.proc = subprocess.Popen(
            [CORDON, "serve", "--data", D, "--listen", f"127.0.0.1:{self.port}", "--ready-file",
             ready, "--no-syslog", "--config", os.path.join(T, "serve.toml")],
            env=env, stderr=log)
        for _ in range(300):
            if os.path.exists(ready) and os.path.getsize(ready) > 0:
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        else:
            fail("the exchange did not start")
        if self.proc.poll() is not None:
            fail("the exchange exited: " + open(os.path.join(T, "serve.log")).read()[-3000:])
        info = json.load(open(ready))
        self.url = info["url"]
        self.fingerprint = info["fingerprint"]
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.faked:
            for name in (f"faketime_shm_{self.proc.pid}", f"sem.faketime_sem_{self.proc.pid}"):
                try:
                    os.remove(os.path.join("/dev/shm", name))
                except FileNotFoundError:
                    pass


EX = Exchange()
people = {}  # name -> {"email", "secret"}


def cordon(*args, expect=0, who=None, input=None, timeout=60):
    env = {"XDG_CONFIG_HOME": os.path.join(T, "cfg-" + who)} if who else None
    return run([CORDON] + list(args), expect=expect, input=input, env=env, timeout=timeout)


def remote(who, *args, expect=0, json_out=False, input=None):
    extra = ["--json"] if json_out else []
    p = cordon("remote", "--server", EX.url, "--fingerprint", EX.fingerprint, *extra, *args,
               expect=expect, who=who, input=input)
    if json_out and expect == 0:
        return json.loads(p.stdout)
    return p


def add_person(name, role, organisation, extra=()):
    email = f"{name}@{organisation.split()[0].lower()}.example"
    token = cordon("admin", "user", "add", "--data", D, "--name", f"{name.title()} Person",
                   "--email", email, "--role", role, "--expires",
                   time.strftime("%Y-%m-%d", time.gmtime(time.time() + 200 * 86400)),
                   "--organisation", organisation, *extra).stdout.decode().strip()
    j = remote(name, "enrol", "--token", token, json_out=True)
    secret = j["secret"]
    pw = b"violet tram seventeen lanterns\n"
    remote(name, "enrol", "--token", token, "--password-stdin", "--code", totp(secret), input=pw)
    people[name] = {"email": email, "secret": secret}
    login(name, 1)


def login(name, step=0):
    p = people[name]
    remote(name, "login", "--email", p["email"], "--password-stdin", "--code",
           totp(p["secret"], step), input=b"violet tram seventeen lanterns\n")


def main():
    if os.geteuid() != 0:
        fail("needs root: it creates test users and runs sshd (CI runs as root)")
    for tool in ("/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-keygen", "/usr/bin/age"):
        if not os.path.exists(tool):
            fail(f"{tool} is missing: run scripts/install-deps")
    os.makedirs(T, exist_ok=True)
    os.chdir(T)
    setup_machine()
    story()
    print(f"remote_maintenance: {checks} checks passed")


def story():
    pass  # filled in below


if __name__ == "__main__":
    def on_signal(signum, frame):
        raise SystemExit(f"interrupted by signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        main()
    finally:
        EX.stop()
        cleanup()
