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
# sshd runs the bastion's small binary (cordon-bastion, built beside cordon).
CORDON_BASTION = os.environ.get("CORDON_BASTION") or os.path.join(os.path.dirname(CORDON),
                                                                  "cordon-bastion")
# ... and, with the principals agent, its small client beside it.
CORDON_PRINCIPALS = os.path.join(os.path.dirname(CORDON_BASTION), "cordon-principals")
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
        # Nothing of the test may outlive it: any process left under the account.
        cleanups.append(lambda u=user: subprocess.run(["pkill", "-KILL", "-u", u],
                                                       capture_output=True))
        # With UsePAM no, a password field of "!" locks the account even for
        # certificates; "*" is no password at all (remote-maintenance.md §1.5).
        subprocess.run(["usermod", "-p", "*", user], check=True)
    shutil.copy(CORDON, os.path.join(R, "cordon"))
    os.chmod(os.path.join(R, "cordon"), 0o755)
    for binary in (CORDON_BASTION, CORDON_PRINCIPALS):
        shutil.copy(binary, os.path.join(R, os.path.basename(binary)))
        os.chmod(os.path.join(R, os.path.basename(binary)), 0o755)
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
    for tool in ("/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-keygen", "/usr/bin/age",
                 CORDON_BASTION, CORDON_PRINCIPALS):
        if not os.path.exists(tool):
            fail(f"{tool} is missing: run scripts/install-deps")
    os.makedirs(T, exist_ok=True)
    os.chdir(T)
    setup_machine()
    world = setup_world()
    if os.environ.get("CORDON_RM_HOLD"):
        # For an attacker or a benchmark: the world stays up until SIGTERM.
        with open(os.environ["CORDON_RM_HOLD"], "w") as f:
            json.dump({"exchange": EX.url, "fingerprint": EX.fingerprint, "data": D, "root": R,
                       "bastion_port": world.bastion.port, "target_port": world.target.port,
                       "vendor_login": VENDOR_LOGIN, "target_user": TARGET_USER,
                       "config": world.config, "people": people, "scratch": T,
                       "alice_key": world.alice.key, "bob_key": world.bob.key}, f, indent=2)
        signal.pause()
    story(world)
    print(f"remote_maintenance: {checks} checks passed")



# ---- the machines: two sshd on loopback ----

def write(path, text, mode=0o644, owner=None, group=None):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    if owner or group:
        shutil.chown(path, owner, group)


class Sshd:
    def __init__(self, name, port, config):
        self.name, self.port = name, port
        self.conf = os.path.join(R, f"{name}_sshd_config")
        key = os.path.join(R, f"{name}_host_key")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key])
        self.host_key = open(key + ".pub").read().split()[:2]
        write(self.conf, f"Port {port}\nListenAddress 127.0.0.1\nHostKey {key}\nPidFile none\n"
              "UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
              "PubkeyAuthentication yes\nLogLevel VERBOSE\n" + config, 0o600)
        run(["/usr/sbin/sshd", "-t", "-f", self.conf])
        self.log = os.path.join(T, f"{name}_sshd.log")
        self.proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", self.conf],
                                     stderr=open(self.log, "a"))
        cleanups.append(self.stop)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            fail(f"{name} sshd did not start: " + open(self.log).read())

    def known_host(self):
        return f"[127.0.0.1]:{self.port} {self.host_key[0]} {self.host_key[1]}\n"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Engineer:
    """A vendor engineer's laptop: an Ed25519 key, the bastion's host key."""

    def __init__(self, name, bastion):
        self.name = name
        self.dir = os.path.join(T, "laptop-" + name)
        os.makedirs(self.dir, mode=0o700)
        self.key = os.path.join(self.dir, "id_ed25519")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", self.key])
        self.cert = self.key + "-cert.pub"
        self.known = os.path.join(self.dir, "known_hosts")
        write(self.known, bastion.known_host())
        self.bastion = bastion

    def ssh_args(self, *extra, cert=None, port=None, user=VENDOR_LOGIN):
        return ["ssh", "-F", "none", "-i", self.key, "-o", f"CertificateFile={cert or self.cert}",
                "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o",
                f"UserKnownHostsFile={self.known}", "-o", "StrictHostKeyChecking=yes", "-o",
                "BatchMode=yes", "-o", "ConnectTimeout=20", "-p", str(port or self.bastion.port),
                *extra, f"{user}@127.0.0.1"]

    def certify(self, grant, expect=0):
        return remote(self.name, "ssh-cert", "--grant", str(grant), "-i", self.key + ".pub",
                      expect=expect)

    def session(self, typed, expect=0, timeout=90):
        """An interactive session through the bastion; `typed` is what the
        engineer types (the remote side gets a pty: ssh -tt)."""
        return run(self.ssh_args("-tt"), expect=expect, input=typed.encode(), timeout=timeout)

    def live(self):
        """A session left open (stdin kept open) to be cut by the exchange."""
        p = subprocess.Popen(self.ssh_args("-tt"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        cleanups.append(lambda: p.poll() is None and p.kill())
        return p


def wait_gone(proc, seconds, what):
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        ps = subprocess.run(["ps", "-eo", "pid,ppid,user,stat,args", "--forest"],
                            capture_output=True).stdout.decode()
        fail(f"{what}: the live session was still open after {seconds} s\n{ps}")
    ok()


def ledger_events(action):
    """The exchange's ledger entries of one action, as JSON."""
    p = run([CORDON, "ledger", "show", "--ledger", os.path.join(D, "ledger"), "--json"])
    out = []
    for line in p.stdout.decode().splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("action") == action:
            out.append(e)
    return out


def user_list():
    users = json.loads(cordon("admin", "user", "list", "--data", D, "--json").stdout)
    return users if isinstance(users, list) else users.get("users", users.get("accounts", []))


def recordings():
    d = os.path.join(R, "recordings")
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".cast.age"))


def decrypt(path):
    p = run(["age", "-d", "-i", os.path.join(T, "ciso.key"), path], expect=None)
    return p.returncode, p.stdout.decode(errors="replace")


def data_of(path):
    with open(path, "rb") as f:
        return f.read()


def verify(path, expect=0):
    return run([CORDON, "recording", "verify", path, "--ledger", os.path.join(D, "ledger")],
               expect=expect)


def unit0_size(path):
    data = open(path, "rb").read(4096)
    mac = data.index(b"\n--- ")
    return data.index(b"\n", mac + 1) + 1 + 16  # the header, then the payload nonce


class World:
    """What setup_world() built: the two sshd, the engineers, the bastion's
    configuration and KRL paths (for the story, a benchmark or an attacker)."""


def setup_world():
    run(["age-keygen", "-o", os.path.join(T, "ciso.key")])
    ciso = run(["age-keygen", "-y", os.path.join(T, "ciso.key")]).stdout.decode().strip()
    bport, tport = free_port(), free_port()
    write(os.path.join(T, "serve.toml"),
          "[remote]\n"
          f'bastion_address = "{VENDOR_LOGIN}@127.0.0.1:{bport}"\n'
          'bastion_source_address = "127.0.0.1/32"\n'
          f'recording_recipients = ["{ciso}"]\n'
          "recording_retention_days = 1\n")
    set_clock(0)
    EX.start(faked=not SANITIZED)

    # People: the vendor's engineers, the hospital's approvers, one of the vendor's.
    add_person("alice", "operator", "Vendor SA")
    add_person("bob", "operator", "Vendor SA", ["--on-call"])
    add_person("amelie", "approver", "CHU Exemple")
    add_person("victor", "approver", "Vendor SA")
    cordon("admin", "target", "add", "--data", D, "--name", "pacs01", "--address",
           f"127.0.0.1:{tport}", "--principal", "pacs01", "--organisation", "CHU Exemple")
    cordon("admin", "target", "add", "--data", D, "--name", "lab02", "--address",
           f"127.0.0.1:{tport}", "--principal", "lab02", "--organisation", "CHU Exemple")

    # The bastion's credential, CA keys and configuration, root-owned.
    token = os.path.join(R, "bastion.token")
    cordon("admin", "bastion", "add", "--data", D, "--name", "bastion01", "-o", token)
    shutil.chown(token, "root", GROUP)
    os.chmod(token, 0o640)
    cas, section = {"user": [], "egress": []}, None
    for line in cordon("admin", "ca", "show", "--data", D).stdout.decode().splitlines():
        if line.startswith("#"):
            section = "user" if "user CA" in line else "egress" if "egress CA" in line else None
        elif line.strip() and section:
            cas[section].append(line.strip())
    cas["user"] and cas["egress"] or fail(f"ca show: {cas}")
    write(os.path.join(R, "user-ca.pub"), "\n".join(cas["user"]) + "\n")
    write(os.path.join(R, "egress-ca.pub"), "\n".join(cas["egress"]) + "\n")
    os.makedirs(os.path.join(R, "recordings"), mode=0o700)
    shutil.chown(os.path.join(R, "recordings"), VENDOR_LOGIN, "nogroup")
    os.makedirs(os.path.join(R, "principals"), mode=0o755)
    write(os.path.join(R, "principals", TARGET_USER), "pacs01\n")
    target = Sshd("target", tport,
                  f"AuthorizedKeysFile none\nTrustedUserCAKeys {R}/egress-ca.pub\n"
                  f"AuthorizedPrincipalsFile {R}/principals/%u\nDisableForwarding yes\n"
                  f"PermitTunnel no\nAllowUsers {TARGET_USER}\n")
    write(os.path.join(R, "known_hosts"), target.known_host())
    config = os.path.join(R, "bastion.toml")
    write(config,
          f'server = "{EX.url}"\nfingerprint = "{EX.fingerprint}"\ntoken_file = "{token}"\n'
          f'known_hosts = "{R}/known_hosts"\nrecordings = "{R}/recordings"\n'
          f'target_user = "{TARGET_USER}"\nlogin_user = "{VENDOR_LOGIN}"\n'
          f'user_ca = "{R}/user-ca.pub"\nanchor_seconds = 1\n',
          0o640, "root", GROUP)
    krl = os.path.join(R, "vendor.krl")
    run([CORDON, "bastion", "krl", "--config", config, "-o", krl])
    bastion = Sshd("bastion", bport,
                   f"AuthorizedKeysFile none\nTrustedUserCAKeys {R}/user-ca.pub\n"
                   f"AuthorizedPrincipalsCommand {R}/cordon-bastion principals --config {config}"
                   " %u %i %s %f\n"
                   f"AuthorizedPrincipalsCommandUser {AUTH_USER}\nRevokedKeys {krl}\n"
                   "ExposeAuthInfo yes\n"
                   f"ForceCommand {R}/cordon-bastion session --config {config}\n"
                   "DisableForwarding yes\nAllowTcpForwarding no\nAllowStreamLocalForwarding no\n"
                   "AllowAgentForwarding no\nX11Forwarding no\nPermitTunnel no\nPermitUserRC no\n"
                   f"AllowUsers {VENDOR_LOGIN}\n")
    w = World()
    w.target, w.bastion, w.config, w.krl = target, bastion, config, krl
    w.alice, w.bob = Engineer("alice", bastion), Engineer("bob", bastion)
    return w


def story(w):
    alice, bob, config, krl, tport, bport = (w.alice, w.bob, w.config, w.krl, w.target.port,
                                             w.bastion.port)

    # ---- no grant: no certificate, and no way in with another CA's ----
    alice.certify(1, expect=None).returncode != 0 or fail("a certificate without any grant")
    rogue = os.path.join(T, "rogue_ca")
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", rogue])
    run(["ssh-keygen", "-q", "-s", rogue, "-I", "grant-1 account-1", "-n", "bastion", "-V",
         "-5m:+1h", "-z", "1", alice.key + ".pub"])
    alice.session("id\nexit\n", expect=255)

    # ---- a grant: requested by the vendor, approved by the hospital only ----
    g = remote("alice", "grant", "request", "--target", "pacs01", "--reason",
               "ticket 4411: PACS export stuck", "--hours", "2", "--ticket", "T-4411",
               json_out=True)["id"]
    alice.certify(g, expect=None).returncode != 0 or fail("a certificate before approval")
    remote("alice", "grant", "approve", str(g), expect=3)    # not an approver, and the requester
    remote("victor", "grant", "approve", str(g), expect=3)   # the vendor's own approver
    remote("amelie", "grant", "approve", str(g))
    alice.certify(g)
    listing = run(["ssh-keygen", "-L", "-f", alice.cert]).stdout.decode()
    for want in ("Type: ssh-ed25519-cert-v01@openssh.com user certificate",
                 f'Key ID: "grant-{g} account-', 'order=T-4411"', "Principals: \n                bastion",
                 "Extensions: \n                permit-pty"):
        want in listing or fail(f"ssh-keygen -L lacks {want!r}:\n{listing}")
    for banned in ("permit-port-forwarding", "permit-agent-forwarding", "permit-X11-forwarding",
                   "permit-user-rc"):
        banned not in listing or fail(f"the certificate allows {banned}")
    ok()

    # ---- in: the command runs on the target, recorded ----
    p = alice.session("echo $((6*7))-MARK\nseq 1 40000\nexit\n")
    out = p.stdout.decode(errors="replace")
    "42-MARK" in out and "40000" in out or fail("the session did not reach the target:\n" + out
                                                + p.stderr.decode(errors="replace"))
    recs = recordings()
    len(recs) == 1 or fail(f"recordings: {recs}")
    first = recs[0]
    code, cast = decrypt(first)
    code == 0 or fail("age cannot decrypt the recording")
    lines = cast.splitlines()
    header = json.loads(lines[0])
    header.get("version") == 2 or fail(f"not asciicast v2: {lines[0]}")
    events = [json.loads(l) for l in lines[1:]]
    typed = "".join(e[2] for e in events if e[1] == "i")
    shown = "".join(e[2] for e in events if e[1] == "o")
    "echo $((6*7))-MARK" in typed or fail("the recording lacks what was typed")
    "42-MARK" in shown and "40000" in shown or fail("the recording lacks the output")
    os.path.getsize(first) > 3 * 65552 or fail("the recording is smaller than three chunks")
    ok()
    shown = run([CORDON, "recording", "play", first, "-i", os.path.join(T, "ciso.key"), "--no-wait",
                 "--show-input"]).stdout.decode(errors="replace")
    "42-MARK" in shown and "echo $((6*7))-MARK⏎" in shown or fail("play does not show the session")
    verify(first)
    len(ledger_events("exchange.session.start")) == 1 or fail("no session.start in the ledger")
    len(ledger_events("exchange.session.end")) == 1 or fail("no session.end in the ledger")

    # ---- the exchange's sealed copy: sent as the session ended, read by the hospital ----
    sid = int(os.path.basename(first).split("-")[1].split(".")[0])
    copy = os.path.join(D, "recordings", f"session-{sid}.cast.age")
    os.path.exists(copy) or fail("the bastion did not send the exchange its copy")
    open(copy, "rb").read() == data_of(first) or fail("the exchange's copy is not the bastion's file")
    listed = remote("amelie", "sessions", json_out=True)["sessions"]
    [s for s in listed if s["id"] == sid and s["copy_bytes"] == os.path.getsize(first)] or fail(
        f"the sessions list does not show the copy: {listed}")
    got = os.path.join(T, f"fetched-{sid}.cast.age")
    p = remote("amelie", "recording", "get", str(sid), "-o", got)
    b"verified" in p.stderr or fail("recording get does not say it checked the copy: " + p.stderr.decode())
    data_of(got) == data_of(first) or fail("the fetched copy is not the recording")
    decrypt(got)[0] == 0 or fail("the fetched copy does not decrypt with the CISO's key")
    p = remote("victor", "recording", "get", str(sid), "-o", got + ".vendor", expect=None)
    p.returncode != 0 and not os.path.exists(got + ".vendor") or fail(
        "the vendor's approver fetched the hospital's recording")
    remote("amelie", "recording", "get", str(sid), "-o", got, expect=None).returncode != 0 or fail(
        "recording get replaced an existing file")
    len(ledger_events("exchange.session.recording_copied")) == 1 or fail("no recording_copied event")
    len(ledger_events("exchange.session.recording_fetched")) == 1 or fail("no recording_fetched event")
    ok()

    # ---- the engineer's one step: cordon remote ssh (open grant reused) ----
    p = cordon("remote", "--server", EX.url, "--fingerprint", EX.fingerprint, "ssh", "pacs01",
               "-i", alice.key + ".pub", "--ssh-option", f"UserKnownHostsFile={alice.known}",
               "--ssh-option", "BatchMode=yes", who="alice",
               input=b"echo $((6*7))-ONESTEP\nexit\n")
    b"42-ONESTEP" in p.stdout or fail("cordon remote ssh did not reach the target")
    p = cordon("remote", "--server", EX.url, "--fingerprint", EX.fingerprint, "ssh", "lab02",
               "-i", alice.key + ".pub", who="alice", expect=3)
    b"no open grant for lab02" in p.stderr or fail("remote ssh without a grant: " + p.stderr.decode())

    # ---- tampered recordings are refused ----
    u0 = unit0_size(first)
    data = open(first, "rb").read()
    cases = {"boundary": data[:u0 + 65552], "mid-chunk": data[:u0 + 1000],
             "appended": data + b"x", "flipped": data[:u0 + 70000] + bytes([data[u0 + 70000] ^ 1])
             + data[u0 + 70001:]}
    for name, body in cases.items():
        bad = os.path.join(T, f"tampered-{name}.cast.age")
        with open(bad, "wb") as f:
            f.write(body)
        verify(bad, expect=3)

    # ---- the wrong target, a command, scp, sftp, a direct hop, forwarding ----
    p = run(alice.ssh_args("-T") + ["lab02"], expect=None, input=b"")
    p.returncode != 0 and b"refused" in p.stderr or fail("a command reached the bastion")
    write(os.path.join(T, "f.txt"), "data\n")
    p = run(["scp", "-O", "-F", "none", "-i", alice.key, "-o", f"CertificateFile={alice.cert}",
             "-o", f"UserKnownHostsFile={alice.known}", "-o", "BatchMode=yes", "-P", str(bport),
             os.path.join(T, "f.txt"), f"{VENDOR_LOGIN}@127.0.0.1:/tmp/cordon-scp-test"],
            expect=None)
    p.returncode != 0 or fail("scp went through")
    os.path.exists("/tmp/cordon-scp-test") and fail("scp wrote a file on the bastion")
    p = run(["sftp", "-F", "none", "-i", alice.key, "-o", f"CertificateFile={alice.cert}",
             "-o", f"UserKnownHostsFile={alice.known}", "-o", "BatchMode=yes", "-P", str(bport),
             f"{VENDOR_LOGIN}@127.0.0.1"], expect=None, input=b"ls\n")
    p.returncode != 0 or fail("sftp went through")
    run(alice.ssh_args("-T", port=tport, user=TARGET_USER) + ["id"], expect=255)  # only the egress CA
    p = run(alice.ssh_args("-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:22"),
            expect=None, timeout=30)
    p.returncode == 255 or fail("a remote forward was accepted")
    lport = free_port()
    fwd = subprocess.Popen(alice.ssh_args("-N", "-L", f"{lport}:127.0.0.1:{tport}"),
                           stderr=subprocess.DEVNULL)
    cleanups.append(lambda: fwd.poll() is None and fwd.kill())
    banner = b""
    for _ in range(50):
        try:
            s = socket.create_connection(("127.0.0.1", lport), timeout=2)
            s.settimeout(3)
            try:
                banner = s.recv(64)
            except OSError:
                pass
            s.close()
            break
        except OSError:
            time.sleep(0.1)
    fwd.kill()
    fwd.wait()
    not banner.startswith(b"SSH-") or fail("a local forward reached the target")
    ok()
    # A SOCKS proxy (-D) through the bastion: the CONNECT to the target fails.
    dport = free_port()
    socks = subprocess.Popen(alice.ssh_args("-N", "-D", f"127.0.0.1:{dport}"),
                             stderr=subprocess.DEVNULL)
    cleanups.append(lambda: socks.poll() is None and socks.kill())
    answer = b""
    for _ in range(50):
        try:
            s = socket.create_connection(("127.0.0.1", dport), timeout=2)
            s.settimeout(5)
            s.sendall(b"\x05\x01\x00")  # SOCKS5, no authentication
            if s.recv(2) == b"\x05\x00":
                s.sendall(b"\x05\x01\x00\x01\x7f\x00\x00\x01" + struct.pack(">H", tport))
                try:
                    answer = s.recv(64)
                except OSError:
                    pass
            s.close()
            break
        except OSError:
            time.sleep(0.1)
    socks.kill()
    socks.wait()
    not (len(answer) > 1 and answer[1] == 0) or fail("a dynamic forward reached the target")
    ok()
    # An agent offered with -A never reaches the target (nor the bastion).
    agent = subprocess.run(["ssh-agent", "-s", "-a", os.path.join(T, "agent.sock")],
                           capture_output=True, text=True, check=True).stdout
    agent_pid = int(agent.split("SSH_AGENT_PID=")[1].split(";")[0])
    cleanups.append(lambda: os.kill(agent_pid, signal.SIGTERM))
    p = run(alice.ssh_args("-tt", "-o", "ForwardAgent=" + os.path.join(T, "agent.sock")),
            input=b'echo "AGENT=[$SSH_AUTH_SOCK]"\nexit\n',
            env={"SSH_AUTH_SOCK": os.path.join(T, "agent.sock")})
    b"AGENT=[]" in p.stdout or fail("agent forwarding reached the target: " + p.stdout.decode())

    # ---- the principals command: only the serial the exchange issued ----
    cert_listing = listing
    serial = [l.split()[-1] for l in cert_listing.splitlines() if "Serial:" in l][0]
    key_id = [l.split('"')[1] for l in cert_listing.splitlines() if "Key ID:" in l][0]
    fpr = run(["ssh-keygen", "-lf", alice.key + ".pub"]).stdout.decode().split()[1]
    asks = [R + "/cordon", "bastion", "principals", "--config", config, VENDOR_LOGIN, key_id]
    run(asks + [serial, fpr]).stdout.decode().strip().endswith("bastion") or fail(
        "the principals command refused a good certificate")
    run(asks + [str(int(serial) + 1000), fpr]).stdout.strip() == b"" or fail(
        "an unknown serial was accepted")
    run(asks + [serial, "SHA256:" + "A" * 43]).stdout.strip() == b"" or fail(
        "another key's fingerprint was accepted")
    asks[5] = "root"  # %u: another local account than the vendors'
    run(asks + [serial, fpr]).stdout.strip() == b"" or fail("a vendor certificate opened root")

    # ---- no escape character on the bastion's ssh (~C could add forwards) ----
    p = run(alice.ssh_args("-tt", "-e", "none"),
            input=b"echo pre\n~?\necho $((6*7))-ESC\nexit\n", expect=None)
    b"42-ESC" in p.stdout or fail("the escape probe's session did not run: " + p.stderr.decode())
    b"scape sequences" not in p.stdout + p.stderr or fail(
        "the bastion's inner ssh answered ~? (its escape character is on)")
    ok()

    # ---- revocation: the live session is cut, the next login refused ----
    live = alice.live()
    time.sleep(3)
    live.poll() is None or fail("the live session did not open: " + live.stderr.read().decode())
    remote("amelie", "grant", "revoke", str(g))
    wait_gone(live, 20, "revocation")
    alice.session("id\nexit\n", expect=255)
    run([CORDON, "bastion", "krl", "--config", config, "-o", krl])
    b"REVOKED" in run(["ssh-keygen", "-Q", "-f", krl, alice.cert], expect=None).stdout or fail(
        "the KRL does not revoke the revoked grant's certificate")

    # ---- a disabled account: its certificate opens nothing any more ----
    add_person("carol", "operator", "Vendor SA")
    carol = Engineer("carol", w.bastion)
    gc = remote("carol", "grant", "request", "--target", "pacs01", "--reason", "ticket 4500",
                "--hours", "2", json_out=True)["id"]
    remote("amelie", "grant", "approve", str(gc))
    carol.certify(gc)
    b"42-CAROL" in carol.session("echo $((6*7))-CAROL\nexit\n").stdout or fail("carol not in")
    cordon("admin", "user", "disable", "--data", D, people["carol"]["email"])
    carol.session("id\nexit\n", expect=255)

    # ---- a stalled client: the revocation still ends and records the session ----
    g3 = remote("alice", "grant", "request", "--target", "pacs01", "--reason", "ticket 4414",
                "--hours", "2", json_out=True)["id"]
    remote("amelie", "grant", "approve", str(g3))
    alice.certify(g3)
    ends = len(ledger_events("exchange.session.end"))
    live = alice.live()
    live.stdin.write(b"while :; do echo flooding-the-screen-$((6*7)); done\n")
    live.stdin.flush()
    time.sleep(2)
    os.kill(live.pid, signal.SIGSTOP)  # the engineer's ssh stops reading; the screen fills
    time.sleep(1)
    remote("amelie", "grant", "revoke", str(g3))
    until = time.time() + 20
    while len(ledger_events("exchange.session.end")) == ends and time.time() < until:
        time.sleep(0.5)
    len(ledger_events("exchange.session.end")) > ends or fail(
        "a stalled client kept the revoked session's end out of the ledger")
    ok()
    os.kill(live.pid, signal.SIGCONT)
    live.kill()
    live.wait()

    # ---- a killed bastion: the recording verifies up to its last anchor ----
    g2 = remote("alice", "grant", "request", "--target", "pacs01", "--reason", "ticket 4412",
                "--hours", "2", json_out=True)["id"]
    remote("amelie", "grant", "approve", str(g2))
    alice.certify(g2)
    before = set(recordings())
    live = alice.live()
    live.stdin.write(b"seq 1 30000\n")
    live.stdin.flush()
    time.sleep(4)  # several anchors (anchor_seconds = 1)
    pids = run(["pgrep", "-u", VENDOR_LOGIN, "-f", "bastion session"], expect=None).stdout.split()
    pids or fail("no bastion session process to kill")
    for pid in pids:
        os.kill(int(pid), signal.SIGKILL)
    live.kill()  # the engineer gives up on the frozen terminal
    live.wait()
    killed = (set(recordings()) - before).pop()
    p = verify(killed)
    b"anchor" in p.stdout + p.stderr or fail("verify does not say the recording ends at an anchor")
    u0 = unit0_size(killed)
    cut = os.path.join(T, "killed-cut.cast.age")
    with open(cut, "wb") as f:
        f.write(open(killed, "rb").read()[:u0])
    verify(cut, expect=3)

    # ---- emergency cut-off of a whole vendor ----
    live = alice.live()
    time.sleep(3)
    live.poll() is None or fail("the session before suspension did not open")
    cordon("admin", "organisation", "suspend", "--data", D, "Vendor SA", "--reason",
           "vendor compromised")
    wait_gone(live, 20, "suspension")
    alice.session("id\nexit\n", expect=255)
    for _ in range(100):  # the exchange's sweep alerts within seconds
        if "organisation_suspended" in open(os.path.join(D, "alerts.jsonl")).read():
            break
        time.sleep(0.2)
    else:
        fail("no alert for the suspension")
    cordon("admin", "organisation", "resume", "--data", D, "Vendor SA")
    remote("victor", "organisation", "resume", "Vendor SA", expect=3)  # not the vendor's own
    remote("amelie", "organisation", "resume", "Vendor SA")

    agent_story(w)

    # ---- a review campaign of the vendor's accounts, by the hospital ----
    deadline = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset + 86400))
    remote("victor", "campaign", "open", "--organisation", "Vendor SA", "--deadline", deadline,
           expect=3)  # an organisation never reviews itself
    camp = remote("amelie", "campaign", "open", "--organisation", "Vendor SA", "--deadline",
                  deadline, json_out=True)
    ids = {u["email"].split("@")[0]: u["id"] for u in user_list()}
    remote("amelie", "campaign", "decide", str(camp["id"]), "--account", str(ids["alice"]),
           "--decision", "keep")
    shown = remote("amelie", "campaign", "show", str(camp["id"]), json_out=True)
    [d["decision"] for d in shown["decisions"]] == ["keep"] or fail(f"campaign: {shown}")
    w.campaign = camp["id"]

    if SANITIZED:
        return  # libfaketime and AddressSanitizer do not run together
    clock_story(w)


def agent_story(w):
    """The principals agent (`cordon-bastion agent`) and its small client
    `cordon-principals`: the same decisions as `cordon-bastion principals`,
    over one connection to the exchange; no answer remembered (a revocation
    refuses the very next login); without the agent, the fallback."""
    alice = w.alice
    as_auth = dict(user=AUTH_USER, group="nogroup", extra_groups=[GROUP])
    sock_dir = os.path.join(R, "agent")
    os.makedirs(sock_dir, mode=0o700)
    shutil.chown(sock_dir, AUTH_USER, "nogroup")
    sock = os.path.join(sock_dir, "principals.sock")
    config = os.path.join(R, "bastion-agent.toml")
    write(config, open(w.config).read() + f'agent_socket = "{sock}"\n', 0o640, "root", GROUP)
    agent_log = os.path.join(T, "agent.log")

    def start_agent(cfg):
        p = subprocess.Popen([f"{R}/cordon-bastion", "agent", "--config", cfg],
                             stderr=open(agent_log, "a"), **as_auth)
        cleanups.append(lambda: p.poll() is None and p.kill())
        for _ in range(200):
            if os.path.exists(sock) or p.poll() is not None:
                break
            time.sleep(0.05)
        return p

    agent = start_agent(config)
    os.path.exists(sock) or fail("the agent does not listen: " + open(agent_log).read())
    (os.stat(sock).st_mode & 0o077) == 0 or fail("the agent's socket is open to others")
    second = subprocess.run([f"{R}/cordon-bastion", "agent", "--config", config],
                            capture_output=True, timeout=20, **as_auth)
    second.returncode != 0 and b"another agent already answers" in second.stderr or fail(
        "a second agent took the socket: " + second.stderr.decode(errors="replace"))
    # A directory others may write to: anyone could put a socket in its place.
    loose = os.path.join(R, "agent-loose")
    os.makedirs(loose)
    os.chmod(loose, 0o777)
    loose_config = os.path.join(R, "bastion-loose.toml")
    write(loose_config, open(w.config).read() + f'agent_socket = "{loose}/p.sock"\n', 0o640,
          "root", GROUP)
    p = subprocess.run([f"{R}/cordon-bastion", "agent", "--config", loose_config],
                       capture_output=True, timeout=20, **as_auth)
    p.returncode != 0 and b"writable by no one else" in p.stderr or fail(
        "the agent listened in a directory others may write to")
    ok()

    port = free_port()
    bastion = Sshd("bastion_agent", port,
                   f"AuthorizedKeysFile none\nTrustedUserCAKeys {R}/user-ca.pub\n"
                   f"AuthorizedPrincipalsCommand {R}/cordon-principals --socket {sock}"
                   f" --fallback-config {config} %u %i %s %f\n"
                   f"AuthorizedPrincipalsCommandUser {AUTH_USER}\nRevokedKeys {w.krl}\n"
                   "ExposeAuthInfo yes\n"
                   f"ForceCommand {R}/cordon-bastion session --config {config}\n"
                   "DisableForwarding yes\nAllowTcpForwarding no\nAllowStreamLocalForwarding no\n"
                   "AllowAgentForwarding no\nX11Forwarding no\nPermitTunnel no\nPermitUserRC no\n"
                   f"AllowUsers {VENDOR_LOGIN}\n")
    with open(alice.known, "a") as f:
        f.write(bastion.known_host())
    g = remote("alice", "grant", "request", "--target", "pacs01", "--reason", "ticket 4420",
               "--hours", "2", json_out=True)["id"]
    remote("amelie", "grant", "approve", str(g))
    alice.certify(g)

    # In through the agent: one login, one ledger event (sshd asked twice).
    logins = len(ledger_events("exchange.bastion.login"))
    p = run(alice.ssh_args("-tt", port=port), input=b"echo $((6*7))-AGENT\nexit\n", timeout=90)
    b"42-AGENT" in p.stdout or fail("no session through the agent: " +
                                    p.stderr.decode(errors="replace"))
    len(ledger_events("exchange.bastion.login")) == logins + 1 or fail(
        "a login through the agent is not one ledger event")

    # Values sshd would never send, and anyone but the agent's user: refused.
    client = [f"{R}/cordon-principals", "--socket", sock]
    p = subprocess.run(client + [VENDOR_LOGIN, "grant-1\tallow", "1", "SHA256:x"],
                       capture_output=True, timeout=20, **as_auth)
    p.returncode == 0 and p.stdout == b"" or fail("a key id with a tab got an answer")
    p = subprocess.run(client + ["--fallback-config", config, VENDOR_LOGIN, "k", "1", "SHA256:x"],
                       capture_output=True, timeout=20, user=TARGET_USER, group="nogroup")
    p.returncode == 1 and p.stdout == b"" and b"Permission denied" in p.stderr or fail(
        "another user reached the agent, or fell back: " + p.stderr.decode(errors="replace"))
    p = subprocess.run(client + [TARGET_USER, "k", "1", "SHA256:x"], capture_output=True,
                       timeout=20, **as_auth)
    p.returncode == 0 and p.stdout == b"" and b"not the vendors' account" in p.stderr or fail(
        "the agent let a certificate open another account")
    # A rogue CA chooses the key id: not valid UTF-8 (the agent once died on
    # it), or an option (-h once printed the help, which sshd reads as
    # principals), on each path: the agent, the fallback, the plain command.
    p = subprocess.run(client + [VENDOR_LOGIN, b"grant-\xff", "1", "SHA256:x"],
                       capture_output=True, timeout=20, **as_auth)
    p.stdout == b"" and agent.poll() is None and os.path.exists(sock) or fail(
        "a key id that is not UTF-8 got an answer or stopped the agent")
    for key_id in ("-h", "--help", "--version", f"--config={config}"):
        for args in (client + [VENDOR_LOGIN, key_id, "1", "SHA256:x"],
                     [f"{R}/cordon-bastion", "principals", "--config", config, VENDOR_LOGIN,
                      key_id, "1", "SHA256:x"],
                     [f"{R}/cordon", "bastion", "principals", "--config", config, VENDOR_LOGIN,
                      key_id, "1", "SHA256:x"]):
            p = subprocess.run(args, capture_output=True, timeout=20, **as_auth)
            p.stdout == b"" or fail(f"key id {key_id!r} printed {p.stdout[:200]!r} for sshd")
    ok()

    # No agent (stopped: its socket goes with it): the fallback asks the exchange itself.
    agent.terminate()
    agent.wait(timeout=20)
    not os.path.exists(sock) or fail("the stopped agent left its socket")
    p = run(alice.ssh_args("-tt", port=port), input=b"echo $((6*7))-FALLBACK\nexit\n",
            timeout=90)
    b"42-FALLBACK" in p.stdout or fail("no fallback without the agent")
    p = subprocess.run(client + [VENDOR_LOGIN, "k", "1", "SHA256:x"], capture_output=True,
                       timeout=20, **as_auth)
    p.returncode == 1 and b"no agent" in p.stderr or fail("no agent and no fallback, yet an answer")
    for key_id in ("-h", "--version"):  # the fallback's command line too
        p = subprocess.run(client + ["--fallback-config", config, VENDOR_LOGIN, key_id, "1",
                                     "SHA256:x"], capture_output=True, timeout=20, **as_auth)
        p.stdout == b"" or fail(f"the fallback printed {p.stdout[:200]!r} for key id {key_id!r}")

    # Revoked: the very next login through the agent is refused.
    agent = start_agent(config)
    run(alice.ssh_args("-tt", port=port), input=b"id\nexit\n", timeout=90)
    remote("amelie", "grant", "revoke", str(g))
    run(alice.ssh_args("-tt", port=port), input=b"id\nexit\n", expect=255, timeout=90)
    agent.terminate()
    agent.wait(timeout=20)
    bastion.stop()
    ok()


def clock_story(w):
    alice, bob = w.alice, w.bob
    # (Certificates are made on the exchange's clock and checked by sshd on
    # the real one: every certificate here is issued before the clock moves.)
    # ---- break-glass: in at once, alerted, locked without countersignature ----
    g = remote("bob", "grant", "break-glass", "--target", "pacs01", "--reason",
               "PACS down at 3 am", "--hours", "1", json_out=True)["id"]
    bob.certify(g)
    p = bob.session("echo $((6*7))-GLASS\nexit\n")
    b"42-GLASS" in p.stdout or fail("break-glass did not reach the target")
    "break_glass" in open(os.path.join(D, "alerts.jsonl")).read() or fail("no break-glass alert")
    # ---- the window's end cuts a live session ----
    g = remote("alice", "grant", "request", "--target", "pacs01", "--reason", "ticket 4413",
               "--hours", "1", json_out=True)["id"]
    remote("amelie", "grant", "approve", str(g))
    alice.certify(g)
    live = alice.live()
    time.sleep(3)
    live.poll() is None or fail("the session before the window's end did not open")
    set_clock(3700)
    wait_gone(live, 20, "window end")
    alice.session("id\nexit\n", expect=255)

    EX.stop()
    set_clock(3700 + 25 * 3600)
    EX.start(faked=True)  # the sweep runs at start
    # The campaign's deadline passed: every vendor account not kept is disabled.
    users = user_list()
    status = {u["email"].split("@")[0]: u["status"] for u in users}
    status["alice"] == "active" and status["bob"] == "disabled" and status["victor"] == "disabled" \
        or fail(f"after the campaign's deadline: {status}")
    ok()
    bobs = [u for u in users if u.get("email", "").startswith("bob@")]
    bobs and "countersigned" in bobs[0].get("locked_reason", "") or fail(
        f"bob is not locked after an uncountersigned break-glass: {bobs}")
    ok()

    # ---- recordings past their retention: deleted, each with a certificate ----
    kept = recordings()
    len(kept) >= 5 or fail(f"recordings before the sweep: {kept}")
    p = run([CORDON, "bastion", "sweep", "--config", w.config])
    recordings() == [] or fail(f"recordings left after their retention: {recordings()}")
    certs = sorted(f for f in os.listdir(os.path.join(R, "recordings", "deleted"))
                   if f.endswith(".deletion.json"))
    len(certs) == len(kept) or fail(f"deletion certificates: {certs} for {kept}")
    for c in certs:
        path = os.path.join(R, "recordings", "deleted", c)
        run(["minisign", "-Vm", path, "-p", os.path.join(D, "exchange.pub")])
        cert = json.load(open(path))
        cert["format"] == "cordon-recording-deletion-certificate" or fail(f"certificate {cert}")
    len(ledger_events("exchange.session.recording_deleted")) == len(kept) or fail(
        "the deletions are not all in the ledger")
    run([CORDON, "bastion", "sweep", "--config", w.config])  # nothing left to do: no error
    # The exchange's copies went at the same retention (its sweep ran at start).
    copies = [f for f in os.listdir(os.path.join(D, "recordings")) if f.endswith(".cast.age")]
    copies == [] or fail(f"the exchange kept copies past their retention: {copies}")
    copied = len(ledger_events("exchange.session.recording_copied"))
    copied >= 3 or fail(f"only {copied} sessions sent their copy")
    len(ledger_events("exchange.session.recording_copy_deleted")) == copied or fail(
        "the copies' deletions are not all in the ledger")

    # ---- a dormant vendor account: logins alone do not keep it alive ----
    base = 3700 + 25 * 3600
    for days in (45, 91):  # logging in every 45 days keeps the login lock away
        set_clock(base + days * 86400)
        login("alice")
        login("amelie")
    g = remote("alice", "grant", "request", "--target", "pacs01", "--reason", "ticket 5000",
               "--hours", "1", json_out=True)["id"]
    remote("amelie", "grant", "approve", str(g))
    p = alice.certify(g, expect=None)
    p.returncode != 0 and b"dormant" in p.stderr or fail(
        "a vendor account unused for 91 days got a certificate: " + p.stderr.decode())
    ok()
    # ---- only the hospital's approver re-opens it, with a reason ----
    p = cordon("admin", "user", "unlock", "--data", D, people["alice"]["email"], expect=None)
    p.returncode != 0 and b"cordon remote account unlock" in p.stderr or fail(
        "an admin re-opened a vendor's account: " + p.stderr.decode())
    remote("amelie", "account", "unlock", people["alice"]["email"], "--reason",
           "PACS upgrade planned, ticket CHG-5000", json_out=True)["lifted"].startswith(
        "dormant") or fail("the approver's unlock did not lift dormancy")
    # (A session would need sshd on the faked clock too: the certificate is
    # the exchange's yes, which the earlier parts show sshd honours.)
    alice.certify(g)
    any("CHG-5000" in json.dumps(e) for e in ledger_events("exchange.account.unlock")) or fail(
        "the unlock and its reason are not in the ledger")
    ok()

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
