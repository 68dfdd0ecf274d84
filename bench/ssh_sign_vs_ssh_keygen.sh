#!/usr/bin/env bash
# SSH user certificates: cordon's native signer against `ssh-keygen -s`, the
# way a CA script runs it (one process per certificate). Three figures, N
# certificates each (default 200), same CA key (made by ssh-keygen, read by
# both), same vendor key, same fields (key id, one principal, window,
# force-command, permit-pty):
#   1. ssh-keygen -s, one process per certificate (fork, exec, load the
#      key, sign, write -cert.pub);
#   2. cordon's signer, one process per certificate (bench/ssh_sign with N=1:
#      the same steps, so the per-process figures compare like for like);
#   3. cordon's signer in-process, N certificates in one process (how
#      `cordon serve` signs: the CA key loaded once).
# Every certificate of figures 1 and 2 is checked by `ssh-keygen -L`.
# usage: bench/ssh_sign_vs_ssh_keygen.sh [CORDON_BINARY]   (N=200)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_LIB=$top/bench
n=${N:-200}
cmake -S "$top" -B "$top/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCORDON_BENCH=ON \
  -DCORDON_TESTS=OFF >/dev/null
cmake --build "$top/build-bench" -j 2 --target ssh_sign >/dev/null
signer="$top/build-bench/bench/ssh_sign"
mkdir -p "$top/build-bench"
work=$(mktemp -d "$top/build-bench/ssh-sign.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
ssh-keygen -q -t ed25519 -N '' -C 'bench CA' -f ca
ssh-keygen -q -t ed25519 -N '' -C 'alice@vendor' -f id
fields=(-I 'grant-42 alice@vendor.example order=O-117' -n maint -V 0x6B0E0A00:0x6B0E7C00
        -O clear -O permit-pty -O force-command=/usr/lib/cordon/session)

# Warm the page cache and the dynamic loader for both.
ssh-keygen -q -s ca "${fields[@]}" -z 1 id.pub
"$signer" ca id.pub 1 warm-cert.pub >/dev/null

s0=$(date +%s.%N)
for i in $(seq "$n"); do ssh-keygen -q -s ca "${fields[@]}" -z "$i" id.pub; done
s1=$(date +%s.%N)
ssh-keygen -L -f id-cert.pub >/dev/null

c0=$(date +%s.%N)
for i in $(seq "$n"); do "$signer" ca id.pub 1 cordon-cert.pub >/dev/null; done
c1=$(date +%s.%N)
ssh-keygen -L -f cordon-cert.pub >/dev/null

inproc=$("$signer" ca id.pub "$n")
python3 - "$n" "$s0" "$s1" "$c0" "$c1" "$inproc" "$(ssh -V 2>&1)" <<'PY' >section.md
import json, os, sys
sys.path.insert(0, os.environ["BENCH_LIB"]); import machine
n = int(sys.argv[1])
keygen = (float(sys.argv[3]) - float(sys.argv[2])) / n
proc = (float(sys.argv[5]) - float(sys.argv[4])) / n
inproc = json.loads(sys.argv[6])
per = inproc["sign_seconds"] / inproc["n"]
print(f"""## ssh certificates: cordon's signer vs ssh-keygen -s

Command: `bench/ssh_sign_vs_ssh_keygen.sh build/cordon` (N={n}). Machine: {machine.describe()},
shared (compare the ratios). {sys.argv[7].split(",")[0]}. Each certificate: an Ed25519 user
certificate for one vendor key (key id, one principal, an 8-hour window, force-command,
permit-pty), signed by the same Ed25519 CA key (made by ssh-keygen, read by both); the bytes are
the same for the same nonce (`SshCertificate.ByteIdenticalToSshKeygenWithItsNonce`).

| signer | how it runs | time per certificate | certificates/s | vs ssh-keygen |
|---|---|---|---|---|
| `ssh-keygen -s` | one process per certificate, as a CA script runs it | {keygen * 1e3:.2f} ms | {1 / keygen:,.0f} | 1.0× |
| cordon's signer (`bench/ssh_sign`, N=1) | one process per certificate: start, load the key, sign, write -cert.pub | {proc * 1e3:.2f} ms | {1 / proc:,.0f} | {keygen / proc:.1f}× |
| cordon's signer, in-process | N={inproc["n"]} in one process, key loaded once ({inproc["load_seconds"] * 1e3:.2f} ms): how `cordon serve` signs | {per * 1e6:.1f} µs | {1 / per:,.0f} | {keygen / per:,.0f}× |

The per-process rows compare like for like (each pays process start-up, key load and a file write);
the in-process row is the cost a grant's certificate adds to a request in `cordon serve`.
""")
PY
python3 "$top/bench/update_results.py" "$top/bench/RESULTS.md" section.md "## ssh certificates: cordon's signer vs ssh-keygen -s"
cat section.md
