#!/usr/bin/env bash
# `cordon scan --threads 2` against ripgrep `-j 2` running an equivalent set of
# regular expressions (ripgrep validates nothing: a lower bound on the work),
# side by side in one run on a generated labelled corpus, plus cordon's peak
# RSS and its recall/precision on that corpus. Writes the "scan" section of
# bench/RESULTS.md. usage: bench/scan_vs_ripgrep.sh [CORDON]  env: SIZE_MB=1024 RUNS=3
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_LIB=$top/bench
cordon=$(realpath "${1:-$top/build/cordon}")
size_mb=${SIZE_MB:-1024}
runs=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/cordon-bench-scan.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
"$cordon" testdata corpus --size-mb "$size_mb" --seed 7 -o corpus 2>/dev/null
mv corpus/truth.tsv truth.tsv
# ripgrep reads neither archives nor SQLite files: the side-by-side runs on
# the text files, and cordon's run on the whole corpus is reported apart.
containers=(--exclude '*.gz' --exclude '*.zip' --exclude '*.sqlite' --exclude '*.bin')
rg_containers=(-g '!*.gz' -g '!*.zip' -g '!*.sqlite' -g '!*.bin')
bytes=$(find corpus -type f ! -name '*.gz' ! -name '*.zip' ! -name '*.sqlite' ! -name '*.bin' -printf '%s\n' | awk '{s+=$1} END {print s}')
patterns=(
  -e '\b[1278] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b'
  -e '\b\d{6}-?\d{4}\b'
  -e '\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b'
  -e '\b(?:\d{4}[ -]?){3}\d{1,4}\b'
  -e '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}'
  -e '(?:\b0\d(?:[ .-]?\d{2}){4}\b|\+\d{2}(?:[ .-]?\d){8,12})'
)
printf '%q ' rg -j 2 --no-ignore --count-matches "${rg_containers[@]}" "${patterns[@]}" corpus >rg.sh
printf '%q ' "$cordon" scan --threads 2 "${containers[@]}" corpus >cordon.sh
hyperfine --style basic --warmup 1 --runs "$runs" --export-json scan.json \
  -n "cordon scan --threads 2" "bash cordon.sh" \
  -n "ripgrep -j 2 (6 regexes)" "bash rg.sh" >/dev/null
# The whole corpus, containers opened: time, expanded bytes, RSS, recall.
/usr/bin/time -f "%M %e" -o rss.txt "$cordon" scan --threads 2 --json corpus >report.json
read -r rss_kib full_s <rss.txt
# Recall and precision with sort/comm, in bounded memory (the report of a
# large corpus holds millions of findings): one "path line column kind" row
# per seeded identifier and per finding (one finding per line in the report).
tail -n +2 truth.tsv | awk -F'\t' '{print "corpus/" $1 "\t" $2 "\t" $3 "\t" $4}' | LC_ALL=C sort >truth.rows
python3 - <<'PY' | LC_ALL=C sort >found.rows
import json
with open("report.json") as f:
    for line in f:
        line = line.strip().rstrip(",")
        if line.startswith('{"path"'):
            x = json.loads(line)
            print(f'{x["path"]}\t{x["line"]}\t{x["column"]}\t{x["kind"]}')
        elif line.startswith('"summary"'):
            open("summary.json", "w").write(line[len('"summary": '):])
PY
LC_ALL=C comm -12 truth.rows found.rows | cut -f4 | sort | uniq -c >correct.counts
cut -f4 truth.rows | sort | uniq -c >seeded.counts
cut -f4 found.rows | sort | uniq -c >found.counts
python3 - "$bytes" "$size_mb" "$runs" "$(( rss_kib / 1024 ))" "$full_s" <<'PY' >section.md
import csv, json, sys
bytes_, size_mb, runs, rss, full_s = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
r = json.load(open("scan.json"))["results"]
c, g = r[0]["median"], r[1]["median"]
def counts(name):
    return {k: int(n) for n, k in (l.split() for l in open(name))}
seeded, found, correct = counts("seeded.counts"), counts("found.counts"), counts("correct.counts")
full_bytes = json.load(open("summary.json"))["bytes"]
rows = []
for k in sorted(seeded):
    ok = correct.get(k, 0)
    rows.append(f"| {k} | {seeded[k]:,} | {ok / seeded[k] * 100:.2f} % | {ok / max(1, found.get(k, 0)) * 100:.2f} % |")
import os, sys; sys.path.insert(0, os.environ["BENCH_LIB"]); import machine; cpu = machine.describe()
print(f"""## scan: cordon vs ripgrep

Command: `make bench` (runs `bench/scan_vs_ripgrep.sh build/cordon`; SIZE_MB={size_mb}, RUNS={runs}).
Machine: {cpu}; shared (compare the ratio). Corpus: `cordon testdata corpus --size-mb {size_mb}`.
Side by side on its text files ({bytes_ / 1e9:.2f} GB of logs, CSV, JSON, Markdown and code with seeded
identifiers and decoys; both tools exclude the gzip, zip, SQLite and binary files, which ripgrep does not read).
ripgrep 13 runs six regular expressions equivalent to cordon's candidates (`bench/scan_vs_ripgrep.sh`) and
validates nothing; cordon validates every candidate (keys, checksums, dates, ranges).

| | median time | GB/s |
|---|---|---|
| cordon scan --threads 2 | {c:.2f} s | {bytes_ / c / 1e9:.2f} |
| ripgrep -j 2, 6 regexes, --count-matches | {g:.2f} s | {bytes_ / g / 1e9:.2f} |
| **ratio cordon / ripgrep** (goal ≤ 1.0) | **{c / g:.2f}** | |

The whole corpus, archives and SQLite files opened: {full_bytes / 1e9:.2f} GB of text (expanded) in
{full_s:.2f} s with `--json` ({full_bytes / full_s / 1e9:.2f} GB/s; decompression, SQLite reads and a JSON report of
every finding — {sum(found.values()):,} of them — included); peak RSS
{rss} MiB (goal < 128 MiB). Recall and precision on that run, against `truth.tsv`:

| kind | seeded | recall | precision |
|---|---|---|---|
""" + "\n".join(rows) + "\n")
PY
results=$top/bench/RESULTS.md
python3 "$top/bench/update_results.py" "$results" section.md "## scan: cordon vs ripgrep"
cat section.md
