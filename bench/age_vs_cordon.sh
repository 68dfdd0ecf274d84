#!/usr/bin/env bash
# Side-by-side throughput of `cordon encrypt/decrypt` and the age CLI on the
# same 1 GiB file in one run (ratios, not absolute times: machines are shared),
# peak RSS of each, and a 10 GiB stream through cordon in constant memory.
# Writes bench/RESULTS.md (the "age" section) and prints it.
# usage: bench/age_vs_cordon.sh [CORDON_BINARY]   env: SIZE_MB=1024 STREAM_GB=10 RUNS=5
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_LIB=$top/bench
cordon=$(realpath "${1:-$top/build/cordon}")
size_mb=${SIZE_MB:-1024}
stream_gb=${STREAM_GB:-10}
runs=${RUNS:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/cordon-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

head -c "${size_mb}M" /dev/urandom >plain
"$cordon" keygen -o id.key >id.pub
r=$(cat id.pub)
age -r "$r" -o plain.age plain

hyperfine --style basic --warmup 1 --runs "$runs" --export-json enc.json \
  -n "cordon encrypt" "$cordon encrypt -r $r plain >/dev/null" \
  -n "age encrypt" "age -r $r plain >/dev/null" >/dev/null
hyperfine --style basic --warmup 1 --runs "$runs" --export-json dec.json \
  -n "cordon decrypt" "$cordon decrypt -i id.key plain.age >/dev/null" \
  -n "age decrypt" "age -d -i id.key plain.age >/dev/null" >/dev/null
# To a file: cordon also fsyncs and renames atomically (durability age skips).
hyperfine --style basic --warmup 1 --runs "$runs" --export-json encfile.json \
  -n "cordon encrypt -o" "$cordon encrypt -r $r -o out.c plain" \
  -n "age encrypt -o" "age -r $r -o out.a plain" >/dev/null

rss() { /usr/bin/time -f %M -o rss.txt "$@" >/dev/null; echo "$(( $(cat rss.txt) / 1024 ))"; }
rss_ce=$(rss "$cordon" encrypt -r "$r" plain); rss_ae=$(rss age -r "$r" plain)
rss_cd=$(rss "$cordon" decrypt -i id.key plain.age); rss_ad=$(rss age -d -i id.key plain.age)

# A stream far larger than memory: encrypt | decrypt, RSS of each process.
start=$(date +%s.%N)
head -c "${stream_gb}G" /dev/zero |
  /usr/bin/time -f %M -o rss_se.txt "$cordon" encrypt -r "$r" |
  /usr/bin/time -f %M -o rss_sd.txt "$cordon" decrypt -i id.key | wc -c >stream_bytes.txt
secs=$(echo "$(date +%s.%N) - $start" | bc)
[ "$(cat stream_bytes.txt)" -eq $((stream_gb * 1024 * 1024 * 1024)) ] || { echo "stream lost bytes" >&2; exit 1; }

python3 - "$size_mb" "$stream_gb" "$secs" "$rss_ce" "$rss_ae" "$rss_cd" "$rss_ad" \
  "$(( $(cat rss_se.txt) / 1024 ))" "$(( $(cat rss_sd.txt) / 1024 ))" "$runs" >section.md <<'PY'
import json, sys, platform, subprocess
size, gb, secs, rce, rae, rcd, rad, rse, rsd, runs = sys.argv[1:]
def pair(path):
    r = json.load(open(path))["results"]
    return r[0]["median"], r[1]["median"]
ce, ae = pair("enc.json"); cd, ad = pair("dec.json"); cf, af = pair("encfile.json")
mib = int(size)
age_v = subprocess.run(["age", "--version"], capture_output=True, text=True).stdout.strip()
import os, sys; sys.path.insert(0, os.environ["BENCH_LIB"]); import machine; cpu = machine.describe()
print(f"""## age encryption: cordon vs the age CLI ({age_v}, Debian)

Command: `make bench` (runs `bench/age_vs_cordon.sh build/cordon`; SIZE_MB={size}, RUNS={runs}).
Machine: {cpu}; shared (compare the ratios, not the times).
Median of {runs} runs with hyperfine, 1 warm-up; input {mib} MiB of random bytes, one X25519 recipient.

| operation | cordon | age | cordon/age time (goal ≤ 1.0) | cordon MiB/s |
|---|---|---|---|---|
| encrypt to stdout | {ce:.3f} s | {ae:.3f} s | **{ce/ae:.2f}** | {mib/ce:.0f} |
| decrypt to stdout | {cd:.3f} s | {ad:.3f} s | **{cd/ad:.2f}** | {mib/cd:.0f} |
| encrypt to `-o FILE` (cordon also fsyncs + renames) | {cf:.3f} s | {af:.3f} s | {cf/af:.2f} | {mib/cf:.0f} |

Peak RSS (`/usr/bin/time -f %M`), {mib} MiB file: cordon encrypt {rce} MiB, age encrypt {rae} MiB;
cordon decrypt {rcd} MiB, age decrypt {rad} MiB.

Streaming: {gb} GiB from /dev/zero through `cordon encrypt | cordon decrypt` in {float(secs):.1f} s;
peak RSS encrypt {rse} MiB, decrypt {rsd} MiB (goal < 32 MiB): memory does not grow with the input.
""")
PY

results=$top/bench/RESULTS.md
python3 "$top/bench/update_results.py" "$results" section.md "## age encryption"
cat section.md
