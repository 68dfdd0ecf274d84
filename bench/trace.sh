#!/usr/bin/env bash
# `cordon trace`: a 10,000-row leak against the provenance of 100 packages
# of a million rows each (2.4 GB of digests), the files made directly by
# bench/trace_provenance.cc and committed in a ledger as extract would; the
# leak is one package's. Cold-ish (first run) and warm (hyperfine, page
# cache) times, and the peak memory. Writes the "trace" section of
# bench/RESULTS.md. The generated data (WORK) is deleted at the end.
# usage: bench/trace.sh [CORDON]
# env: PACKAGES=100 ROWS=1000000 LEAK=10000 RUNS=3 WORK=<dir> RESULTS=bench/RESULTS.md
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_LIB=$top/bench
cordon=$(realpath "${1:-$top/build/cordon}")
packages=${PACKAGES:-100}
rows=${ROWS:-1000000}
leak=${LEAK:-10000}
runs=${RUNS:-3}
results=$(realpath -m "${RESULTS:-$top/bench/RESULTS.md}")
cmake -S "$top" -B "$top/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCORDON_BENCH=ON >/dev/null
cmake --build "$top/build-bench" -j 2 --target trace_provenance >/dev/null
mkdir -p "${WORK:-$top/build-bench}"
work=$(mktemp -d "${WORK:-$top/build-bench}/trace.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export CORDON_LEDGER=$work/ledger
"$cordon" ledger init --dir "$CORDON_LEDGER" --origin bench.example/ledger >/dev/null 2>&1
"$cordon" trace keygen -o trace.key >/dev/null 2>&1
mkdir prov
gen_start=$(date +%s.%N)
"$top/build-bench/bench/trace_provenance" trace.key "$CORDON_LEDGER" prov leak.csv "$packages" "$rows" "$leak"
gen_secs=$(echo "$(date +%s.%N) - $gen_start" | bc)
prov_bytes=$(du -cb prov/*.provenance | tail -1 | cut -f1)

# First run after writing (the files partly in the page cache), with its
# peak memory and result; then hyperfine.
/usr/bin/time -f '%e %M' -o first.time "$cordon" trace leak.csv --trace-key trace.key \
  --provenance prov --json >first.json || [ $? = 5 ] || { echo "trace failed" >&2; exit 1; }
python3 - first.json "$leak" "$packages" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
named = [p for p in r["packages"] if p["named"]]
assert len(named) == 1 and named[0]["order"] == "BENCH-%d" % (int(sys.argv[3]) // 2), named
assert named[0]["rows_matched"] == int(sys.argv[2]), named[0]
assert r["provenance_searched"] == int(sys.argv[3]), r["provenance_searched"]
PY
hyperfine --runs "$runs" -i --export-json times.json \
  "$cordon trace leak.csv --trace-key trace.key --provenance prov" >/dev/null

load=$(cut -d' ' -f1 /proc/loadavg)
python3 - "$packages" "$rows" "$leak" "$runs" "$gen_secs" "$prov_bytes" "$load" >section.md <<'PY'
import json, statistics, sys
sys.path.insert(0, __import__("os").environ["BENCH_LIB"])
import machine
packages, rows, leak, runs, gen, nbytes, load = sys.argv[1:8]
t = json.load(open("times.json"))["results"][0]["times"]
first, rss = open("first.time").read().splitlines()[-1].split()
print(f"""## trace: a leaked file against the provenance of many packages

Command: `bench/trace.sh build/cordon` (PACKAGES={packages}, ROWS={rows}, LEAK={leak}, RUNS={runs}).
Machine: {machine.describe()}; shared (load average {load}).
{packages} provenance files of {int(rows):,} row digests and {2 * int(rows):,} value digests each
({int(nbytes) / 1e9:.2f} GB, made directly by `bench/trace_provenance.cc` in {float(gen):.0f} s and committed
in the ledger as extract commits them); a leak of {int(leak):,} rows (file number, NIR, name, first name,
birth date) that one of them holds. `cordon trace` reads every file, checks its SHA-256 against the ledger
and its own checksum, and looks up the leak's digests (galloping search over the sorted lists).

| run | time | goal |
|---|---|---|
| first, after writing the files | {float(first):.2f} s (peak memory {int(rss) / 1024:.0f} MB) | < 10 s |
| median of {runs} (files in the page cache) | **{statistics.median(t):.2f} s** (min {min(t):.2f}, max {max(t):.2f}) | < 10 s |

The package is named with all {int(leak):,} rows and no other one. Each file is read whole and hashed
twice (the ledger's SHA-256 of the whole file, then the file's own checksum) before its digests are looked
up; how the time divides between these steps was not measured. Files not in the page cache add the disk's
read time of {int(nbytes) / 1e9:.1f} GB.
""")
PY
python3 "$top/bench/update_results.py" "$results" section.md "## trace:"
cat section.md
