#!/usr/bin/env bash
# The ledger's two costs, each beside its peer in one run (ratios, not
# absolute times: machines are shared):
#  1. durable appends through `cordon ledger append` (JSON parsed,
#     canonicalized, checked for personal data, hashed into the tree, one
#     fdatasync per batch, a signed checkpoint at the end) vs SQLite in WAL
#     mode with synchronous=FULL inserting the same events in the same
#     batches (bench/sqlite_append.cc);
#  2. `cordon ledger verify` over 1,000,000 entries vs `sha256sum` over the
#     same bytes (the least any check of every byte costs).
# Writes the "ledger" section of bench/RESULTS.md.
# usage: bench/ledger_vs_sqlite.sh [CORDON]  env: EVENTS=100000 VERIFY_ENTRIES=1000000 RUNS=5
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_LIB=$top/bench
cordon=$(realpath "${1:-$top/build/cordon}")
events=${EVENTS:-100000}
verify_entries=${VERIFY_ENTRIES:-1000000}
runs=${RUNS:-5}
cmake -S "$top" -B "$top/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCORDON_BENCH=ON \
  -DCORDON_TESTS=OFF >/dev/null
cmake --build "$top/build-bench" -j 2 --target sqlite_append >/dev/null
sqlite_append=$top/build-bench/bench/sqlite_append
# On the disk under test, not a tmpfs: durability is what is measured.
work=$(mktemp -d "${BENCH_DIR:-$top/build-bench}/ledger.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

# Events as the exchange will write them: who, what, which package, outcome.
python3 - "$verify_entries" <<'PY'
import hashlib, sys
n = int(sys.argv[1])
with open("events.jsonl", "w") as f:
    for i in range(n):
        h = hashlib.sha256(str(i).encode()).hexdigest()
        f.write('{"action":"package.download","actor":{"host":"exchange-1","ip":"10.1.%d.%d","user":"op%d"},'
                '"bytes":%d,"outcome":"ok","package":{"sha256":"%s"}}\n' % (i % 200, i % 250, i % 50, i * 977, h))
PY
head -n "$events" events.jsonl >append.jsonl

fresh_ledger="rm -rf L && $cordon ledger init --dir L --origin bench.example/ledger >/dev/null 2>&1"
for batch in 1000 100 10; do
  hyperfine --style basic --runs "$runs" --export-json "append-$batch.json" \
    --prepare "$fresh_ledger" -n "cordon ledger append --batch $batch" \
    "CORDON_LEDGER=L $cordon ledger append --json append.jsonl --batch $batch >/dev/null" \
    --prepare "rm -f db db-wal db-shm" -n "sqlite WAL synchronous=FULL, $batch per commit" \
    "$sqlite_append db append.jsonl $batch >/dev/null" >/dev/null
done

# A ledger of a million entries, then verify vs sha256sum of the same log.
eval "$fresh_ledger"
start=$(date +%s.%N)
CORDON_LEDGER=L "$cordon" ledger append --json events.jsonl --batch 10000 >/dev/null
build_secs=$(echo "$(date +%s.%N) - $start" | bc)
log_bytes=$(stat -c %s L/ledger.log)
hyperfine --style basic --warmup 1 --runs "$runs" --export-json verify.json \
  -n "cordon ledger verify" "$cordon ledger verify --ledger L >/dev/null" \
  -n "sha256sum" "sha256sum L/ledger.log >/dev/null" >/dev/null
/usr/bin/time -f %M -o rss.txt "$cordon" ledger verify --ledger L >/dev/null
/usr/bin/time -f %M -o rss_prove.txt "$cordon" ledger prove --ledger L --index $((verify_entries / 3)) >/dev/null
prove_ms=$( { /usr/bin/time -f %e "$cordon" ledger prove --ledger L --index $((verify_entries / 3)) >/dev/null; } 2>&1 )

python3 - "$events" "$verify_entries" "$runs" "$build_secs" "$log_bytes" "$(cat rss.txt)" \
  "$prove_ms" >section.md <<'PY'
import json, sys
events, entries, runs, build, log_bytes, rss, prove = sys.argv[1:]
events, entries = int(events), int(entries)
import os, sys; sys.path.insert(0, os.environ["BENCH_LIB"]); import machine; cpu = machine.describe()
def pair(path):
    r = json.load(open(path))["results"]
    return r[0], r[1]
print(f"""## ledger: durable appends vs SQLite, verify vs sha256sum

Command: `make bench` (runs `bench/ledger_vs_sqlite.sh build/cordon`; EVENTS={events}, VERIFY_ENTRIES={entries}, RUNS={runs}).
Machine: {cpu}; ext4 on a virtual disk, shared (compare the ratios). Events: JSON objects of
~200 bytes as the exchange writes them. cordon parses, canonicalizes (RFC 8785), runs the personal-data
detectors on, hashes (RFC 6962 leaf and tree levels) and appends each event, one `fdatasync` per batch,
and signs a checkpoint at the end; SQLite 3.40 (WAL, `synchronous=FULL`, one prepared INSERT, one
transaction per batch) stores the same lines. Medians of {runs} runs, each on a fresh ledger / database.

| batch | cordon ledger append | SQLite WAL FULL | ratio cordon/SQLite |
|---|---|---|---|""")
for b in (1000, 100, 10):
    c, s = pair(f"append-{b}.json")
    print(f"| {b} | {c['median']:.2f} s ({events / c['median']:,.0f} events/s) | "
          f"{s['median']:.2f} s ({events / s['median']:,.0f} events/s) | **{c['median'] / s['median']:.2f}** |")
v, h = pair("verify.json")
print(f"""
`cordon ledger verify` over {entries:,} entries ({int(log_bytes) / 1e6:.0f} MB of log, built in {float(build):.1f} s
with `--batch 10000`) recomputes every leaf hash, checks every record's checksum and seq, rebuilds the
root at every checkpoint and checks its Ed25519 signature:

| | median | ratio to sha256sum |
|---|---|---|
| cordon ledger verify | {v['median']:.2f} s | **{v['median'] / h['median']:.2f}** |
| sha256sum ledger.log | {h['median']:.2f} s | 1.00 |

Peak RSS of verify: {int(rss) // 1024} MiB (it streams). `cordon ledger prove` of an entry in the middle of the
million-entry ledger: {float(prove):.2f} s (O(log n) reads of the stored subtree levels).
""")
PY
python3 "$top/bench/update_results.py" "$top/bench/RESULTS.md" section.md "## ledger:"
cat section.md
