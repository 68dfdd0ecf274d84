#!/usr/bin/env bash
# Remote maintenance with real OpenSSH on loopback (issue 16's bench): the
# world of tests/remote_maintenance.py (an exchange, test users, a target
# sshd), driven by bench/remote_maintenance_bench.py with extra sshd of its
# own. Three figures, side by side in one run:
#   1. certificate issuance end to end: `cordon remote ssh-cert`, process
#      start to certificate on disk (N_ISSUE, default 30);
#   2. login latency added by cordon's AuthorizedPrincipalsCommand over a
#      static AuthorizedPrincipalsFile, both sshd with ForceCommand /bin/true,
#      interleaved (N_LOGIN each, default 30), and the command alone;
#   3. recording overhead: a session printing 10 MB through `cordon bastion
#      session` (shipped configuration, and anchors every second) vs a
#      plain `ssh -tt` hop, and util-linux script(1) for
#      reference (N_SESSION each, default 10): CPU of the ForceCommand's
#      process tree and of the whole bastion side (a cpuacct cgroup per sshd).
# The signer alone against ssh-keygen is bench/ssh_sign_vs_ssh_keygen.sh.
# Runs as root (test users, sshd, cgroups); removes everything it made.
# usage: bench/remote_maintenance.sh [CORDON_BINARY]
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "remote_maintenance.sh: needs root (it creates test users, runs sshd and a cpuacct" \
    "cgroup, as tests/remote_maintenance.py does); run it as root" >&2
  exit 1
fi
top=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_LIB=$top/bench
cordon=$(realpath "${1:-$top/build/cordon}")
mkdir -p "$top/build-bench"
work=$(mktemp -d "$top/build-bench/remote-maintenance.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 "$top/bench/remote_maintenance_bench.py" "$cordon" "$work/world" "$work/result.json"

python3 - "$work/result.json" <<'PY' >"$work/section.md"
import json, os, sys
sys.path.insert(0, os.environ["BENCH_LIB"]); import machine
r = json.load(open(sys.argv[1]))
ms = lambda s: f"{s * 1e3:.1f} ms"
iss, lg, rec = r["issuance"], r["login"], r["recording"]
def ok(met): return "met" if met else "**not met**"
def row(kind, name):
    k = rec[kind]
    cells = f"| {name} | {ms(k['wall']['median'])} | {ms(k['tree_cpu']['median'])} " \
            f"({ms(k['tree_user']['median'])} user, {ms(k['tree_sys']['median'])} sys) | "
    if kind == "plain":
        return cells + f"— | {ms(k['bastion_cpu']['median'])} | — |"
    return cells + (f"+{rec[kind + '_overhead_tree_cpu_pct']['median']:.0f} % | "
                    f"{ms(k['bastion_cpu']['median'])} | "
                    f"+{rec[kind + '_overhead_bastion_cpu_pct']['median']:.0f} % |")
c, p, s = rec["cordon"], rec["plain"], rec["script"]
out_mb = c["output_bytes"]["median"] / 1e6
print(f"""## remote maintenance: certificate issuance, login latency, recording overhead

Command: `bench/remote_maintenance.sh build/cordon` (as root; N={r["n_issue"]} certificates,
N={r["n_login"]} logins per sshd, N={r["n_session"]} sessions per variant, interleaved). Machine:
{machine.describe()}, shared (compare the ratios). {r["ssh"].split(",")[0]}, all on loopback: the
exchange (`cordon serve`, real clock), a target sshd and the test users of
tests/remote_maintenance.py, plus sshd started by the bench with their own configurations.
The signer alone is in "ssh certificates: cordon's signer vs ssh-keygen -s".

**1. Certificate issuance end to end** — `cordon remote ssh-cert --grant G -i key.pub`, process
start to `key-cert.pub` on disk (start, TLS to the exchange, the grant checked, the certificate
signed and ledgered, the file written):

| | median | p90 | goal |
|---|---|---|---|
| `cordon remote ssh-cert` | {ms(iss["median"])} | {ms(iss["p90"])} | < 100 ms (p90): {ok(iss["p90"] < 0.1)} |

**2. Login latency added by the principals command** — `ssh -T -o BatchMode=yes` with the
grant's certificate to four sshd alike but for where the principals come from, all with
`ForceCommand /bin/true` so that only authentication differs (interleaved):

| bastion sshd | login median | p90 |
|---|---|---|
| `AuthorizedPrincipalsFile` (a static file) | {ms(lg["file"]["median"])} | {ms(lg["file"]["p90"])} |
| `AuthorizedPrincipalsCommand cordon-bastion principals …` | {ms(lg["command"]["median"])} | {ms(lg["command"]["p90"])} |
| **added by the command** (paired difference) | **{ms(lg["difference"]["median"])}** | {ms(lg["difference"]["p90"])} |
| `AuthorizedPrincipalsCommand /bin/echo bastion` (any command at all) | {ms(lg["echo"]["median"])} | {ms(lg["echo"]["p90"])} |
| added by a command that only prints (sshd's floor, paired difference) | {ms(lg["floor"]["median"])} | {ms(lg["floor"]["p90"])} |
| `cordon-bastion principals` alone, as its user | {ms(lg["principals_alone"]["median"])} | {ms(lg["principals_alone"]["p90"])} |
| `cordon-bastion --version`, as that user (the process start in it) | {ms(lg["process_start"]["median"])} | {ms(lg["process_start"]["p90"])} |
| `AuthorizedPrincipalsCommand cordon-principals --socket …` (the agent, `cordon-bastion agent`) | {ms(lg["agent"]["median"])} | {ms(lg["agent"]["p90"])} |
| **added by the agent's client** (paired difference) | **{ms(lg["agent_difference"]["median"])}** | {ms(lg["agent_difference"]["p90"])} |
| `cordon-principals` alone, as that user | {ms(lg["agent_alone"]["median"])} | {ms(lg["agent_alone"]["p90"])} |

Goal < 20 ms: with the agent {ok(lg["agent_difference"]["median"] < 0.02)}; with
`cordon-bastion principals` alone {ok(lg["difference"]["median"] < 0.02)}. sshd checks the key
{lg["checks_per_login"]:.1f} times per login (the client's query, then the signed request;
`Accepted certificate ID` lines in its log), so the command runs that many times per login,
each time as a new process under its own user: of the command's
{ms(lg["principals_alone"]["median"])}, {ms(lg["process_start"]["median"])} is the binary's start
(dynamic loading and static initialisation, as `cordon-bastion --version` shows) and the rest the
configuration, the machine credential and one call to the exchange. Run alone, the command
repeats one certificate, so the exchange answers as it does sshd's second check (the login is
already noted); the first check of each login also notes it — a database update and a ledger
event, durable before the answer: 2–5 ms more than the second check when measured alone. The
agent (`cordon-bastion agent`, docs/remote-maintenance.md) keeps one TLS connection to the
exchange for every question: its small client starts in about a millisecond, so what it adds
is close to what sshd pays to run any command at all (the `/bin/echo` row).

**3. Recording overhead** — a session typing `head -c … /dev/zero | base64` on the target,
{out_mb:.2f} MB of output reaching the engineer's `ssh -tt` through the bastion. The bastion's
ForceCommand is `cordon-bastion session` (its inner ssh with the pty as stdin and a pipe as
stdout, the relay, asciicast, age, the chunk chain, anchors), with the shipped configuration
(`anchor_seconds` at its default, 60: anchors at the start and the end of a session this short)
and with the scenario's `anchor_seconds = 1` (fdatasync and a call to the exchange every second,
the most the configuration allows); or the plain `ssh -tt` to the target with the same options;
or util-linux `script -q -O FILE -c '<that ssh>'` (a relay through a second pty writing the raw
output to a file: what a pty recorder pays). CPU (user+sys), medians:
"ForceCommand tree" is `wait4()`'s rusage of the ForceCommand (it and every descendant it reaped:
cordon and its inner ssh, or the ssh alone), taken by a small wrapper; "bastion side" is the
CPU of everything the sshd ran for the connection (its own processes, the principals command,
the ForceCommand tree), from a cpuacct cgroup holding that sshd, less the wrapper's own.
Overheads are the medians of the paired (interleaved) ratios over the plain hop.

| bastion ForceCommand | session wall | CPU, ForceCommand tree | vs plain | CPU, bastion side | vs plain |
|---|---|---|---|---|---|
{row("plain", "plain `ssh -tt` to the target")}
{row("script", "`script -q -O FILE` around it (reference pty recorder)")}
{row("cordon", "`cordon-bastion session`, shipped configuration")}
{row("cordon_1s", "`cordon-bastion session`, `anchor_seconds = 1`")}

Goal < 10 % CPU over a plain ssh (bastion side): {ok(rec["cordon_overhead_bastion_cpu_pct"]["median"] < 10)}
with the shipped configuration (+{rec["cordon_overhead_bastion_cpu_pct"]["median"]:.0f} %; ForceCommand
tree +{rec["cordon_overhead_tree_cpu_pct"]["median"]:.0f} %; wall
+{rec["cordon_overhead_wall_pct"]["median"]:.0f} %), {ok(rec["cordon_1s_overhead_bastion_cpu_pct"]["median"] < 10)}
with an anchor every second (+{rec["cordon_1s_overhead_bastion_cpu_pct"]["median"]:.0f} %); script(1)
pays +{rec["script_overhead_bastion_cpu_pct"]["median"]:.0f} % for its second pty alone.
The inner ssh writes to a pipe, not to a second pty: no second line discipline, and
while output streams the relay lets the pipe fill for a millisecond (reads of 2 KiB or more
only; an echo or a prompt is never delayed), so {out_mb:.1f} MB cross in
{c["output_events"]:,} reads of about {c["output_bytes"]["median"] / c["output_events"] / 1024:.1f} KiB
(each one asciicast event, one write to the screen) instead of some 2,300 of ~4 KiB.
What cordon adds over the plain hop is then mostly the recording itself — JSON escaping and
UTF-8 checking, age's ChaCha20-Poly1305 and the chain's SHA-256 over {out_mb:.1f} MB, the file's
writes — and a fixed part per session (the process, TLS to the exchange, the age header, the
egress certificate, the start and end events).
The recording: {c["recording_bytes"]["median"] / 1e6:.2f} MB sealed
({c["recording_bytes"]["median"] / c["output_bytes"]["median"]:.3f}× the output; asciicast
{c["asciicast_bytes"] / 1e6:.2f} MB before age: each line end escaped as `\\r\\n`), and
`cordon recording verify` accepts it.
""")
PY
python3 "$top/bench/update_results.py" "$top/bench/RESULTS.md" "$work/section.md" \
  "## remote maintenance: certificate issuance, login latency, recording overhead"
cat "$work/section.md"
