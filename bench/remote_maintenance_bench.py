#!/usr/bin/env python3
"""Remote maintenance, measured on the world of tests/remote_maintenance.py
(imported as a library: its exchange, test users, root-owned tree, target
sshd, engineers), with extra sshd started here on loopback:

1. certificate issuance end to end: `cordon remote ssh-cert --grant G -i
   key.pub`, process start to certificate on disk;
2. login latency added by the principals command: `ssh -T` to an sshd whose
   AuthorizedPrincipalsCommand is cordon's vs an otherwise identical one with
   a static AuthorizedPrincipalsFile, both with ForceCommand /bin/true
   (interleaved), and `cordon-bastion principals` run alone as the
   principals-command user;
3. recording overhead: a session printing ~10 MB through a bastion whose
   ForceCommand is `cordon-bastion session` vs one whose ForceCommand is a
   plain `ssh -tt` to the target with the same options, and, for reference, one
   whose ForceCommand is util-linux `script -q -O FILE -c '<that ssh>'` (a pty
   relay writing a typescript); interleaved, the sshd otherwise identical,
   principals command included. CPU is counted
   two ways: (a) the ForceCommand's process tree, from wait4()'s rusage in a
   small wrapper (cordon's relay, asciicast, age, chain, anchors and its inner
   ssh vs the plain inner ssh: the same processes less cordon); (b) the whole
   bastion side of the connection: each of the two sshd listeners runs in its
   own cpuacct cgroup (v1; created and removed here), whose usage grows with
   every process of a connection (sshd's monitor and session processes, the
   principals command, the ForceCommand tree), less the wrapper's own CPU.

usage: remote_maintenance_bench.py CORDON SCRATCH_DIR OUT_JSON   (as root)
environment: N_ISSUE (30), N_LOGIN (30), N_SESSION (10), OUTPUT_BYTES (10000000),
             PERF_DATA (a path: `perf record -a -g` during one session of PERF_KIND:
             cordon (default), cordon_1s, plain or script)
"""
import importlib.util
import json
import os
import pwd
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.join(HERE, "..", "tests", "remote_maintenance.py")

if len(sys.argv) != 4:
    raise SystemExit(__doc__)
if os.geteuid() != 0:
    raise SystemExit("remote_maintenance_bench.py needs root: it creates test users and runs sshd")
CORDON, SCRATCH, OUT = (os.path.abspath(a) for a in sys.argv[1:4])
for tool in ("/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-keygen", "/usr/bin/age",
             "/usr/bin/script"):
    if not os.path.exists(tool):
        raise SystemExit(f"{tool} is missing: run scripts/install-deps")
if not os.path.isdir("/sys/fs/cgroup/cpuacct"):
    raise SystemExit("no cgroup v1 cpuacct hierarchy at /sys/fs/cgroup/cpuacct")
# The harness reads its CORDON and scratch directory from argv when imported.
sys.argv = [HARNESS, CORDON, SCRATCH]
spec = importlib.util.spec_from_file_location("remote_maintenance", HARNESS)
rm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rm)
# The exchange on the real clock: no libfaketime preloaded into the process
# whose signing is measured (the harness preloads it only for its clock story).
rm.SANITIZED = True

N_ISSUE = int(os.environ.get("N_ISSUE", 30))
N_LOGIN = int(os.environ.get("N_LOGIN", 30))
N_SESSION = int(os.environ.get("N_SESSION", 10))
OUTPUT_BYTES = int(os.environ.get("OUTPUT_BYTES", 10_000_000))
PERF_DATA = os.environ.get("PERF_DATA")  # a profile of one cordon session, with perf
PERF_KIND = os.environ.get("PERF_KIND", "cordon")  # or plain, cordon_1s, script

# Runs a ForceCommand and appends the CPU of its process tree (wait4's rusage:
# the command and every descendant it reaped) and its own CPU, so that the
# listener's figure can be taken without it.
WRAPPER = r"""#!/usr/bin/python3 -IS
import json, os, resource, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execv(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
me = resource.getrusage(resource.RUSAGE_SELF)
with open(out, "a") as f:
    f.write(json.dumps({"user": ru.ru_utime, "sys": ru.ru_stime, "wall": time.monotonic() - t0,
                        "self": me.ru_utime + me.ru_stime,
                        "status": os.waitstatus_to_exitcode(status)}) + "\n")
sys.exit(max(os.waitstatus_to_exitcode(status), 0))
"""


def pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def summary(values):
    return {"median": statistics.median(values), "p90": pct(values, 0.9), "min": min(values),
            "max": max(values), "n": len(values)}


def timed(args, **kw):
    t0 = time.perf_counter()
    p = subprocess.run(args, capture_output=True, **kw)
    return time.perf_counter() - t0, p


def must(p, what):
    if p.returncode != 0:
        raise SystemExit(f"{what} exited {p.returncode}: {p.stderr.decode(errors='replace')[-2000:]}")


CGROUP_ROOT = "/sys/fs/cgroup/cpuacct"


def cgroup_for(sshd):
    """A cpuacct cgroup holding an sshd listener and so every process of its
    connections: CPU is charged as it runs, whoever reaps the process (sshd's
    monitor exits without reaping its session child, so the listener's
    cutime misses part of it)."""
    path = os.path.join(CGROUP_ROOT, f"cordon-bench-{os.getpid()}-{sshd.name}")
    os.mkdir(path)

    def remove():
        for _ in range(100):
            try:
                os.rmdir(path)
                return
            except OSError:
                for pid in open(os.path.join(path, "cgroup.procs")).read().split():
                    with open(os.path.join(CGROUP_ROOT, "cgroup.procs"), "w") as f:
                        f.write(pid)
                time.sleep(0.05)
    rm.cleanups.append(remove)
    with open(os.path.join(path, "cgroup.procs"), "w") as f:
        f.write(str(sshd.proc.pid))
    return path


def connection_cpu(sshd, cgroup):
    """The CPU of everything sshd ran so far, in seconds, once no connection is left."""
    pid = sshd.proc.pid
    for _ in range(200):
        children = open(f"/proc/{pid}/task/{pid}/children").read().split()
        if not children:
            break
        time.sleep(0.025)
    else:
        raise SystemExit(f"sshd {pid} still has children {children}")
    return int(open(os.path.join(cgroup, "cpuacct.usage")).read()) / 1e9


def bench_sshd(name, principals, force_command):
    """An sshd like the harness's bastion, with its own principals source and
    ForceCommand."""
    w = WORLD
    if principals == "agent":
        # The recommended set-up: the small client asking `cordon-bastion agent`.
        auth = (f"AuthorizedPrincipalsCommand {rm.R}/cordon-principals --socket {AGENT_SOCKET}"
                f" --fallback-config {w.config} %u %i %s %f\n"
                f"AuthorizedPrincipalsCommandUser {rm.AUTH_USER}\n")
    elif principals == "echo":
        # The floor: any AuthorizedPrincipalsCommand at all (sshd forks,
        # drops to the user, execs and reads), here one that only prints.
        auth = (f"AuthorizedPrincipalsCommand /bin/echo bastion\n"
                f"AuthorizedPrincipalsCommandUser {rm.AUTH_USER}\n")
    elif principals == "command":
        auth = (f"AuthorizedPrincipalsCommand {rm.R}/cordon-bastion principals --config {w.config}"
                f" %u %i %s %f\nAuthorizedPrincipalsCommandUser {rm.AUTH_USER}\n")
    else:
        auth = f"AuthorizedPrincipalsFile {rm.R}/bench-principals/%u\n"
    s = rm.Sshd(name, rm.free_port(),
                f"AuthorizedKeysFile none\nTrustedUserCAKeys {rm.R}/user-ca.pub\n{auth}"
                f"RevokedKeys {w.krl}\nExposeAuthInfo yes\nForceCommand {force_command}\n"
                "DisableForwarding yes\nAllowTcpForwarding no\nAllowStreamLocalForwarding no\n"
                "AllowAgentForwarding no\nX11Forwarding no\nPermitTunnel no\nPermitUserRC no\n"
                f"AllowUsers {rm.VENDOR_LOGIN}\n")
    with open(w.alice.known, "a") as f:
        f.write(s.known_host())
    return s


def issuance(alice, grant):
    args = [CORDON, "remote", "--server", rm.EX.url, "--fingerprint", rm.EX.fingerprint,
            "ssh-cert", "--grant", str(grant), "-i", alice.key + ".pub"]
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(rm.T, "cfg-alice"))
    times = []
    for i in range(N_ISSUE + 2):
        if os.path.exists(alice.cert):
            os.remove(alice.cert)
        dt, p = timed(args, env=env)
        must(p, "cordon remote ssh-cert")
        os.path.getsize(alice.cert) > 0 or sys.exit("ssh-cert wrote no certificate")
        if i >= 2:  # two warm-up runs
            times.append(dt)
    listing = subprocess.run(["ssh-keygen", "-L", "-f", alice.cert], capture_output=True,
                             check=True).stdout.decode()
    return summary(times), listing


AGENT_SOCKET = os.path.join(rm.R, "agent", "principals.sock")


def start_agent():
    """`cordon-bastion agent` as the principals user, on AGENT_SOCKET."""
    os.makedirs(os.path.dirname(AGENT_SOCKET), mode=0o700)
    shutil.chown(os.path.dirname(AGENT_SOCKET), rm.AUTH_USER, "nogroup")
    config = os.path.join(rm.R, "bastion-agent.toml")
    st = os.stat(WORLD.config)
    rm.write(config, open(WORLD.config).read() + f'agent_socket = "{AGENT_SOCKET}"\n',
             st.st_mode & 0o7777)
    os.chown(config, st.st_uid, st.st_gid)
    p = subprocess.Popen([rm.R + "/cordon-bastion", "agent", "--config", config],
                         stderr=subprocess.DEVNULL, user=rm.AUTH_USER, group="nogroup",
                         extra_groups=[rm.GROUP])
    rm.cleanups.append(lambda: p.poll() is None and (p.terminate(), p.wait()))
    for _ in range(200):
        if os.path.exists(AGENT_SOCKET):
            return p
        time.sleep(0.05)
    raise SystemExit("cordon-bastion agent did not start")


def login_latency(alice, listing):
    start_agent()
    cmd = bench_sshd("auth_cmd", "command", "/bin/true")
    agent = bench_sshd("auth_agent", "agent", "/bin/true")
    static = bench_sshd("auth_file", "file", "/bin/true")
    echo = bench_sshd("auth_echo", "echo", "/bin/true")
    times = {"command": [], "file": [], "echo": [], "agent": []}
    kinds = [("file", static), ("command", cmd), ("echo", echo), ("agent", agent)]
    for i in range(N_LOGIN + 2):
        for kind, s in kinds[i % 4:] + kinds[:i % 4]:  # each goes first in turn
            dt, p = timed(alice.ssh_args("-T", port=s.port))
            must(p, f"ssh to the {kind} sshd")
            if i >= 2:
                times[kind].append(dt)
    diffs = [c - f for c, f in zip(times["command"], times["file"])]
    floor = [e - f for e, f in zip(times["echo"], times["file"])]
    agent_diffs = [a - f for a, f in zip(times["agent"], times["file"])]
    # sshd checks a key twice per login (the client's query, then the signed
    # request: auth2-pubkey.c), logging each accepted certificate (VERBOSE).
    checks = open(cmd.log).read().count("Accepted certificate ID")
    # The principals command alone, as sshd runs it: as its own user, one process.
    serial = [l.split()[-1] for l in listing.splitlines() if "Serial:" in l][0]
    key_id = [l.split('"')[1] for l in listing.splitlines() if "Key ID:" in l][0]
    fpr = subprocess.run(["ssh-keygen", "-lf", alice.key + ".pub"], capture_output=True,
                         check=True).stdout.decode().split()[1]
    ask = [rm.R + "/cordon-bastion", "principals", "--config", WORLD.config, rm.VENDOR_LOGIN,
           key_id, serial, fpr]
    ask_agent = [rm.R + "/cordon-principals", "--socket", AGENT_SOCKET, rm.VENDOR_LOGIN, key_id,
                 serial, fpr]
    alone, start, agent_alone = [], [], []
    as_user = dict(user=rm.AUTH_USER, group="nogroup", extra_groups=[rm.GROUP], cwd="/")
    for i in range(N_LOGIN + 2):
        dt, p = timed(ask, **as_user)
        must(p, "cordon bastion principals")
        p.stdout.decode().strip().endswith("bastion") or sys.exit("principals refused the cert")
        # The binary's start alone, for the share of the rest (configuration,
        # credential, the call to the exchange).
        dv, v = timed([rm.R + "/cordon-bastion", "--version"], **as_user)
        must(v, "cordon-bastion --version")
        da, a = timed(ask_agent, **as_user)
        must(a, "cordon-principals")
        a.stdout.decode().strip().endswith("bastion") or sys.exit("the agent refused the cert")
        if i >= 2:
            alone.append(dt)
            start.append(dv)
            agent_alone.append(da)
    return {"command": summary(times["command"]), "file": summary(times["file"]),
            "difference": summary(diffs), "echo": summary(times["echo"]),
            "floor": summary(floor), "agent": summary(times["agent"]),
            "agent_difference": summary(agent_diffs), "agent_alone": summary(agent_alone),
            "principals_alone": summary(alone),
            "process_start": summary(start),
            "checks_per_login": checks / (N_LOGIN + 2)}


def recording_overhead(alice):
    R = rm.R
    # The baseline's inner hop: a key and certificate of a bench CA, trusted by
    # a second target sshd configured like the harness's (target-side CPU is
    # not counted).
    plain = os.path.join(R, "plain")
    os.makedirs(plain, mode=0o755)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", plain + "/ca"], check=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", plain + "/id"], check=True)
    subprocess.run(["ssh-keygen", "-q", "-s", plain + "/ca", "-I", "bench", "-n", "pacs01", "-V",
                    "-5m:+4h", plain + "/id.pub"], check=True)
    for f in ("id", "id-cert.pub"):
        shutil.chown(os.path.join(plain, f), rm.VENDOR_LOGIN, "nogroup")
    target = rm.Sshd("target_plain", rm.free_port(),
                     f"AuthorizedKeysFile none\nTrustedUserCAKeys {plain}/ca.pub\n"
                     f"AuthorizedPrincipalsFile {R}/principals/%u\nDisableForwarding yes\n"
                     f"PermitTunnel no\nAllowUsers {rm.TARGET_USER}\n")
    rm.write(plain + "/known_hosts", target.known_host())
    cpu = os.path.join(R, "cpu")
    os.makedirs(cpu, mode=0o755)
    shutil.chown(cpu, rm.VENDOR_LOGIN, "nogroup")
    rm.write(R + "/cpu-wrap", WRAPPER, 0o755)
    # The same options as cordon's inner ssh (src/cli/bastion_session.cc).
    inner = (f"/usr/bin/ssh -F none -tt -i {plain}/id -o CertificateFile={plain}/id-cert.pub "
             "-o IdentitiesOnly=yes -o IdentityAgent=none "
             f"-o UserKnownHostsFile={plain}/known_hosts -o GlobalKnownHostsFile=none "
             "-o StrictHostKeyChecking=yes -o BatchMode=yes -o ForwardAgent=no -o ForwardX11=no "
             "-o ClearAllForwardings=yes -o LogLevel=ERROR "
             f"-p {target.port} -l {rm.TARGET_USER} 127.0.0.1")
    # The shipped configuration (anchor_seconds left at its default, 60),
    # and the scenario's (anchor_seconds = 1: fdatasync and a call to the
    # exchange every second, the worst case the configuration allows).
    default_config = os.path.join(R, "bastion-default-anchors.toml")
    st = os.stat(WORLD.config)
    rm.write(default_config,
             "".join(line for line in open(WORLD.config).read().splitlines(True)
                     if not line.startswith("anchor_seconds")),
             st.st_mode & 0o7777)
    os.chown(default_config, st.st_uid, st.st_gid)
    sshd = {
        "cordon": bench_sshd("rec_cordon", "command",
                             f"{R}/cpu-wrap {cpu}/cordon.jsonl {R}/cordon-bastion session "
                             f"--config {default_config}"),
        "cordon_1s": bench_sshd("rec_cordon_1s", "command",
                                f"{R}/cpu-wrap {cpu}/cordon_1s.jsonl {R}/cordon-bastion session "
                                f"--config {WORLD.config}"),
        "plain": bench_sshd("rec_plain", "command", f"{R}/cpu-wrap {cpu}/plain.jsonl {inner}"),
        # A reference pty recorder: util-linux script(1) relaying through its
        # own pty and writing the raw output to a file (no JSON, no cipher).
        "script": bench_sshd("rec_script", "command",
                             f"{R}/cpu-wrap {cpu}/script.jsonl /usr/bin/script -q -O "
                             f"{cpu}/typescript -c '{inner}'"),
    }
    kinds = list(sshd)
    # base64 of k bytes, 76 columns: 4k/3 characters and a newline per 76.
    k = OUTPUT_BYTES * 3 * 76 // (4 * 77)
    k -= k % 57
    typed = f"head -c {k} /dev/zero | base64; echo END-$((6*7))\nexit\n".encode()
    out_path = os.path.join(rm.T, "session.out")
    cgroups = {kind: cgroup_for(s) for kind, s in sshd.items()}
    rows = {kind: [] for kind in kinds}
    for i in range(N_SESSION + 1):
        for kind in kinds[i % len(kinds):] + kinds[:i % len(kinds)]:  # each goes first in turn
            s = sshd[kind]
            before_recs = set(rm.recordings())
            c0 = connection_cpu(s, cgroups[kind])
            perf = None
            if PERF_DATA and kind == PERF_KIND and i == 1:
                # A profile of the bastion side of one cordon session (perf report --comm cordon).
                perf = subprocess.Popen(["perf", "record", "-q", "-F", "10000", "-a", "-g", "-o", PERF_DATA],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                rm.cleanups.append(lambda p=perf: p.poll() is None and p.kill())
                time.sleep(1)
            with open(out_path, "wb") as out:
                t0 = time.perf_counter()
                p = subprocess.run(alice.ssh_args("-tt", port=s.port), input=typed, stdout=out,
                                   stderr=subprocess.PIPE, timeout=300)
                wall = time.perf_counter() - t0
            if perf:
                perf.send_signal(signal.SIGINT)
                perf.wait()
            must(p, f"the {kind} session")
            c1 = connection_cpu(s, cgroups[kind])
            size = os.path.getsize(out_path)
            with open(out_path, "rb") as f:
                f.seek(max(0, size - 4096))
                b"END-42" in f.read() or sys.exit(f"the {kind} session's output did not end")
            lines = open(os.path.join(cpu, kind + ".jsonl")).read().splitlines()
            tree = json.loads(lines[-1])
            row = {"wall": wall, "tree_cpu": tree["user"] + tree["sys"], "tree_user": tree["user"],
                   "tree_sys": tree["sys"], "bastion_cpu": c1 - c0 - tree["self"],
                   "output_bytes": size}
            if kind.startswith("cordon"):
                new = set(rm.recordings()) - before_recs
                len(new) == 1 or sys.exit(f"recordings made by one session: {new}")
                row["recording"] = new.pop()
                row["recording_bytes"] = os.path.getsize(row["recording"])
            if kind == "script":
                os.remove(os.path.join(cpu, "typescript"))
            if i >= 1:  # one warm-up each
                rows[kind].append(row)
    last = rows["cordon"][-1]["recording"]
    v = subprocess.run([CORDON, "recording", "verify", last, "--ledger",
                        os.path.join(rm.D, "ledger")], capture_output=True)
    must(v, "cordon recording verify")
    cast = subprocess.run(["age", "-d", "-i", os.path.join(rm.T, "ciso.key"), last],
                          capture_output=True, check=True).stdout
    events = [json.loads(line) for line in cast.splitlines()[1:]]
    output = [e for e in events if e[1] == "o"]
    result = {}
    for kind, rs in rows.items():
        result[kind] = {key: summary([r[key] for r in rs]) for key in
                        ("wall", "tree_cpu", "tree_user", "tree_sys", "bastion_cpu",
                         "output_bytes")}
    for kind in ("cordon", "cordon_1s"):
        result[kind]["recording_bytes"] = summary([r["recording_bytes"] for r in rows[kind]])
    result["cordon"]["output_events"] = len(output)
    result["cordon"]["asciicast_bytes"] = len(cast)
    # Paired (interleaved) overheads over the plain hop, in %.
    for kind in ("cordon", "cordon_1s", "script"):
        for key in ("tree_cpu", "bastion_cpu", "wall"):
            ov = [100 * (c[key] - p[key]) / p[key] for c, p in zip(rows[kind], rows["plain"])]
            result[f"{kind}_overhead_{key}_pct"] = summary(ov)
    result["session_input"] = typed.decode()
    result["raw"] = rows
    return result


def main():
    global WORLD
    os.makedirs(rm.T, exist_ok=True)
    os.chdir(rm.T)
    rm.setup_machine()
    WORLD = rm.setup_world()
    os.makedirs(os.path.join(rm.R, "bench-principals"), mode=0o755)
    rm.write(os.path.join(rm.R, "bench-principals", rm.VENDOR_LOGIN), "bastion\n")
    g = rm.remote("alice", "grant", "request", "--target", "pacs01", "--reason",
                  "bench: remote maintenance", "--hours", "2", json_out=True)["id"]
    rm.remote("amelie", "grant", "approve", str(g))
    result = {"n_issue": N_ISSUE, "n_login": N_LOGIN, "n_session": N_SESSION,
              "ssh": subprocess.run(["ssh", "-V"], capture_output=True).stderr.decode().strip()}
    result["issuance"], listing = issuance(WORLD.alice, g)
    result["login"] = login_latency(WORLD.alice, listing)
    result["recording"] = recording_overhead(WORLD.alice)
    with open(OUT, "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    def on_signal(signum, frame):
        raise SystemExit(f"interrupted by signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        main()
    finally:
        rm.EX.stop()
        rm.cleanup()
        shutil.rmtree(rm.T, ignore_errors=True)
