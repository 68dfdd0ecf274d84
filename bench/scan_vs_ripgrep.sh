#!/usr/bin/env bash
# `cordon scan --threads 2` against ripgrep `-j 2` running an equivalent set of
# regular expressions (ripgrep validates nothing: a lower bound on the work),
# side by side in one run on a generated labelled corpus, plus cordon's peak
# RSS and its recall/precision on that corpus. Writes the "scan" section of
# bench/RESULTS.md. usage: bench/scan_vs_ripgrep.sh [CORDON]  env: SIZE_MB=1024 RUNS=3
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cordon=$(realpath "${1:-$top/build/cordon}")
size_mb=${SIZE_MB:-1024}
runs=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/cordon-bench-scan.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
"$cordon" testdata corpus --size-mb "$size_mb" --seed 7 -o corpus 2>/dev/null
mv corpus/truth.tsv truth.tsv
bytes=$(du -sb corpus | cut -f1)
patterns=(
  -e '\b[1278] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b'
  -e '\b\d{6}-?\d{4}\b'
  -e '\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b'
  -e '\b(?:\d{4}[ -]?){3}\d{1,4}\b'
  -e '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}'
  -e '(?:\b0\d(?:[ .-]?\d{2}){4}\b|\+\d{2}(?:[ .-]?\d){8,12})'
)
printf '%q ' rg -j 2 --no-ignore --count-matches "${patterns[@]}" corpus >rg.sh
hyperfine --style basic --warmup 1 --runs "$runs" --export-json scan.json \
  -n "cordon scan --threads 2" "$cordon scan --threads 2 corpus" \
  -n "ripgrep -j 2 (6 regexes)" "bash rg.sh" >/dev/null
/usr/bin/time -f %M -o rss.txt "$cordon" scan --threads 2 --json corpus >report.json
python3 - "$bytes" "$size_mb" "$runs" "$(( $(cat rss.txt) / 1024 ))" <<'PY' >section.md
import csv, json, sys
bytes_, size_mb, runs, rss = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
r = json.load(open("scan.json"))["results"]
c, g = r[0]["median"], r[1]["median"]
truth = {}
for row in csv.DictReader(open("truth.tsv"), delimiter="\t"):
    truth[("corpus/" + row["path"], int(row["line"]), int(row["column"]))] = row["kind"]
rep = json.load(open("report.json"))
found = {(f["path"], f["line"], f["column"]): f["kind"] for f in rep["findings"]}
kinds = sorted(set(truth.values()))
rows = []
for k in kinds:
    seeded = [key for key, v in truth.items() if v == k]
    reported = [key for key, v in found.items() if v == k]
    correct = sum(1 for key in reported if truth.get(key) == k)
    rows.append(f"| {k} | {len(seeded):,} | {correct / len(seeded) * 100:.2f} % | {correct / max(1, len(reported)) * 100:.2f} % |")
cpu = [l.split(":")[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]
print(f"""## scan: cordon vs ripgrep

Command: `make bench` (runs `bench/scan_vs_ripgrep.sh build/cordon`; SIZE_MB={size_mb}, RUNS={runs}).
Machine: {cpu}, 2 cores, shared (compare the ratio). Corpus: `cordon testdata corpus --size-mb {size_mb}`
({bytes_ / 1e9:.2f} GB of logs, CSV, JSON, Markdown and code with seeded identifiers and decoys).
ripgrep 13 runs six regular expressions equivalent to cordon's candidates (`bench/scan_vs_ripgrep.sh`) and
validates nothing; cordon validates every candidate (keys, checksums, dates, ranges).

| | median time | GB/s |
|---|---|---|
| cordon scan --threads 2 | {c:.2f} s | {bytes_ / c / 1e9:.2f} |
| ripgrep -j 2, 6 regexes, --count-matches | {g:.2f} s | {bytes_ / g / 1e9:.2f} |
| **ratio cordon / ripgrep** (goal ≤ 1.0) | **{c / g:.2f}** | |

Peak RSS of cordon scan: {rss} MiB (goal < 128 MiB).

| kind | seeded | recall | precision |
|---|---|---|---|
""" + "\n".join(rows) + "\n")
PY
results=$top/bench/RESULTS.md
python3 "$top/bench/update_results.py" "$results" section.md "## scan: cordon vs ripgrep"
cat section.md
