#!/usr/bin/env bash
# `cordon scan --threads 2` against ripgrep `-j 2` running an equivalent set of
# regular expressions (ripgrep validates nothing: a lower bound on the work),
# side by side in one run on two generated labelled corpora: sparse (a mixed
# tree of logs, CSV, JSON, Markdown and code, an identifier now and then) and
# dense (table exports and logs, identifiers on every line). ripgrep runs in
# its best mode, `--no-unicode` (ASCII \b and \d, like cordon's candidates),
# counting lines (-c, it may stop at a line's first match) and counting every
# match (--count-matches, the same task as cordon's); its Unicode default is
# measured beside it on a sample. Then cordon's peak RSS and its recall and
# precision on each corpus. Writes the "scan" section of bench/RESULTS.md.
# usage: bench/scan_vs_ripgrep.sh [CORDON]
# env: SIZE_MB=512 (each corpus) RUNS=3 UNICODE_MB=32 (the sample for ripgrep's Unicode mode)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_LIB=$top/bench
cordon=$(realpath "${1:-$top/build/cordon}")
size_mb=${SIZE_MB:-512}
runs=${RUNS:-3}
unicode_mb=${UNICODE_MB:-32}
work=$(mktemp -d "${TMPDIR:-/tmp}/cordon-bench-scan.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
for layout in sparse dense; do
  "$cordon" testdata corpus --layout "$layout" --size-mb "$size_mb" --seed 7 -o "$layout" 2>/dev/null
  mv "$layout/truth.tsv" "$layout.truth.tsv"
done
# ripgrep reads neither archives nor SQLite files: the side-by-side runs on
# the text files, and cordon's run on the whole corpus is reported apart.
containers=(--exclude '*.gz' --exclude '*.zip' --exclude '*.sqlite' --exclude '*.bin')
rg_containers=(-g '!*.gz' -g '!*.zip' -g '!*.sqlite' -g '!*.bin')
text_bytes() {
  find "$1" -type f ! -name '*.gz' ! -name '*.zip' ! -name '*.sqlite' ! -name '*.bin' -printf '%s\n' |
    awk '{s+=$1} END {print s}'
}
patterns=(
  -e '\b[1278] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b'
  -e '\b\d{6}-?\d{4}\b'
  -e '\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b'
  -e '\b(?:\d{4}[ -]?){3}\d{1,4}\b'
  -e '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}'
  -e '(?:\b0\d(?:[ .-]?\d{2}){4}\b|\+\d{2}(?:[ .-]?\d){8,12})'
)
bench=()
for layout in sparse dense; do
  printf '%q ' "$cordon" scan --threads 2 "${containers[@]}" "$layout" >"cordon-$layout.sh"
  printf '%q ' rg -j 2 --no-ignore --no-unicode -c "${rg_containers[@]}" "${patterns[@]}" "$layout" \
    >"rg-lines-$layout.sh"
  printf '%q ' rg -j 2 --no-ignore --no-unicode --count-matches "${rg_containers[@]}" "${patterns[@]}" \
    "$layout" >"rg-matches-$layout.sh"
  bench+=(-n "cordon $layout" "bash cordon-$layout.sh" -n "rg -c $layout" "bash rg-lines-$layout.sh"
    -n "rg --count-matches $layout" "bash rg-matches-$layout.sh")
done
load_before=$(cut -d' ' -f1 /proc/loadavg)
hyperfine --style basic --warmup 1 --runs "$runs" --export-json scan.json "${bench[@]}" >/dev/null
load_after=$(cut -d' ' -f1 /proc/loadavg)
# ripgrep's Unicode default (\b and \d over all of Unicode) on a sample of the
# dense corpus (accented names): far slower, so not on the whole corpus.
mkdir sample
# (awk reads to the end: an early exit would kill sort with SIGPIPE, and pipefail the script.)
find dense -type f -printf '%s %p\n' | sort -k2 | awk -v max=$((unicode_mb << 20)) \
  '!full && s + $1 <= max { s += $1; print $2; next } { full = 1 }' | while read -r f; do cp "$f" sample/; done
printf '%q ' "$cordon" scan --threads 2 sample >cordon-sample.sh
printf '%q ' rg -j 2 --no-ignore -c "${patterns[@]}" sample >rg-unicode-sample.sh
printf '%q ' rg -j 2 --no-ignore --no-unicode -c "${patterns[@]}" sample >rg-ascii-sample.sh
hyperfine --style basic --warmup 1 --runs "$runs" --export-json sample.json \
  -n "cordon sample" "bash cordon-sample.sh" -n "rg unicode sample" "bash rg-unicode-sample.sh" \
  -n "rg ascii sample" "bash rg-ascii-sample.sh" >/dev/null
# Each whole corpus, containers opened: time, expanded bytes, RSS, recall.
# Recall and precision with sort/comm, in bounded memory (a report holds
# millions of findings): one "path line column kind" row per seeded
# identifier and per finding (one finding per line in the report; the
# corpus paths need no JSON escaping).
for layout in sparse dense; do
  /usr/bin/time -f "%M %e" -o "rss-$layout.txt" "$cordon" scan --threads 2 --json "$layout" \
    >"report-$layout.json"
  tail -n +2 "$layout.truth.tsv" | awk -F'\t' -v d="$layout" '{print d "/" $1 "\t" $2 "\t" $3 "\t" $4}' |
    LC_ALL=C sort >"truth-$layout.rows"
  sed -n 's/^ *{"path":"\([^"]*\)","line":\([0-9]*\),"column":\([0-9]*\),"kind":"\([a-z]*\)".*/\1\t\2\t\3\t\4/p' \
    "report-$layout.json" | LC_ALL=C sort >"found-$layout.rows"
  sed -n 's/^ *"summary": //p' "report-$layout.json" >"summary-$layout.json"
  LC_ALL=C comm -12 "truth-$layout.rows" "found-$layout.rows" | cut -f4 | sort | uniq -c >"correct-$layout.counts"
  cut -f4 "truth-$layout.rows" | sort | uniq -c >"seeded-$layout.counts"
  cut -f4 "found-$layout.rows" | sort | uniq -c >"found-$layout.counts"
  rm "report-$layout.json"
done
python3 - "$(text_bytes sparse)" "$(text_bytes dense)" "$(du -sb sample | cut -f1)" "$size_mb" "$runs" \
  "$unicode_mb" "$load_before" "$load_after" <<'PY' >section.md
import json, os, sys
sys.path.insert(0, os.environ["BENCH_LIB"])
import machine
sparse_bytes, dense_bytes, sample_bytes = (int(x) for x in sys.argv[1:4])
size_mb, runs, unicode_mb, load_before, load_after = sys.argv[4:9]
med = {r["command"]: r["median"] for r in json.load(open("scan.json"))["results"]}
smp = {r["command"]: r["median"] for r in json.load(open("sample.json"))["results"]}
nbytes = {"sparse": sparse_bytes, "dense": dense_bytes}
def counts(name):
    return {k: int(n) for n, k in (l.split() for l in open(name))}
rows = []
for layout in ("sparse", "dense"):
    c, lines, matches = med[f"cordon {layout}"], med[f"rg -c {layout}"], med[f"rg --count-matches {layout}"]
    b = nbytes[layout]
    rows.append(f"| {layout} | {b / 1e9:.2f} GB | {c:.2f} s ({b / c / 1e9:.2f} GB/s) | "
                f"{lines:.2f} s ({b / lines / 1e9:.2f} GB/s) | {matches:.2f} s ({b / matches / 1e9:.2f} GB/s) | "
                f"**{c / lines:.2f}** | **{c / matches:.2f}** |")
quality = []
for layout in ("sparse", "dense"):
    seeded, found, correct = (counts(f"{x}-{layout}.counts") for x in ("seeded", "found", "correct"))
    rss_kib, secs = open(f"rss-{layout}.txt").read().split()
    summary = json.load(open(f"summary-{layout}.json"))
    recall = min(correct.get(k, 0) / seeded[k] for k in seeded)
    precision = min(correct.get(k, 0) / max(1, found.get(k, 0)) for k in seeded)
    quality.append(f"| {layout} | {summary['bytes'] / 1e9:.2f} GB | {float(secs):.2f} s | "
                   f"{sum(found.values()):,} | {int(rss_kib) // 1024} MiB | {len(seeded)} | "
                   f"{recall * 100:.2f} % | {precision * 100:.2f} % |")
cs, us, asc = smp["cordon sample"], smp["rg unicode sample"], smp["rg ascii sample"]
print(f"""## scan: cordon vs ripgrep

Command: `make bench` (runs `bench/scan_vs_ripgrep.sh build/cordon`; SIZE_MB={size_mb}, RUNS={runs}, UNICODE_MB={unicode_mb}).
Machine: {machine.describe()}; shared (compare the ratios). Corpora: `cordon testdata corpus --size-mb {size_mb}
--layout sparse|dense --seed 7`. **sparse**: logs, CSV, JSON, Markdown and code with an identifier or a decoy
now and then (both tools skip its gzip, zip, SQLite and binary files, which ripgrep does not read); **dense**:
CSV/TSV patient-table exports and application logs, identifiers and decoys on every line, accented names.
ripgrep 13 runs six regular expressions equivalent to cordon's candidates (`bench/scan_vs_ripgrep.sh`) in its
best mode, `--no-unicode` (ASCII `\\b` and `\\d`, as cordon's candidates are), and validates nothing; cordon
validates every candidate (keys, checksums, dates, ranges) and counts every identifier. `rg -c` counts
matching lines (it may stop at a line's first match: less work than cordon's on dense data);
`rg --count-matches` finds every match, as cordon does. Medians of {runs} runs, side by side in one hyperfine run
(load average {load_before} before it, {load_after} after: the other engineers' work shares the 2 cores, and
hyperfine runs each command's runs in a row, so a busy spell can fall on one command).

| corpus | text | cordon scan --threads 2 | rg -j 2 --no-unicode -c | rg -j 2 --no-unicode --count-matches | **cordon / rg -c** (goal ≤ 1.0) | **cordon / rg --count-matches** |
|---|---|---|---|---|---|---|
""" + "\n".join(rows) + f"""

ripgrep's default Unicode mode (`\\b` and `\\d` over all of Unicode) on a {sample_bytes / 1e6:.0f} MB sample of the
dense corpus: rg -c {us:.2f} s, rg -c --no-unicode {asc:.2f} s ({us / asc:.1f}× faster), cordon {cs:.2f} s —
cordon / rg Unicode **{cs / us:.2f}**, cordon / rg --no-unicode **{cs / asc:.2f}**.

Each whole corpus, containers opened, with a JSON report of every finding (`cordon scan --threads 2 --json`):
time, findings, peak RSS (goal < 128 MiB), and recall and precision against `truth.tsv` (the lowest over
the kinds seeded):

| corpus | text (expanded) | time | findings | peak RSS | kinds | recall | precision |
|---|---|---|---|---|---|---|---|
""" + "\n".join(quality) + """

How the matcher got here (`src/detect/matcher.cc`), and what did not help: CPU time of `cordon scan
--threads 1` on a 64 MiB dense corpus, measured step by step with `perf` on the machine above (AMD EPYC,
shared; rg -c --no-unicode -j 1 on the same files: 70 ms; differences under ~5 % are noise there):

- Before: 440 ms. `perf`: 38 % in the byte-at-a-time loop, 45 % in the validators (every prefix of a run
  ending at a separator, times 5 validators, most rejecting on the length), 2 % in `std::function`.
- Candidates under 9 bytes not proposed, each validator called only when its own first test (length,
  first characters) passes, SSE2 skip to the next candidate byte: 270 ms. Longest prefix first (the whole
  run is usually the identifier): 260 ms.
- 64-byte blocks classified with SSE2 into bit masks (digits and capitals, separators joining them, word
  bytes, `@`, `+`): run ends by count of trailing zeros: 200 ms. No other kind asked after a kHigh at the
  same length, no line counting once no more findings are kept: 194 ms. Digits and capitals inside words
  never visited (the next event from the masks): 184 ms.
- IBAN lengths by table and mod 97 folded in 64 bits, CPR validated on the stack: the IBAN validator went
  from 12.6 % to 7.5 % of the profile, the total did not move measurably (197–202 ms). E-mail labels
  checked with ASCII tests instead of a libc `isalnum` call per character: 180 → 174 ms.
- `--json` (1.36 M findings in 64 MiB): the quoted path once per file, numbers through `to_chars`, plain
  ASCII copied a stretch at once in the report: 694 → 468 ms, the same bytes.
- Did not help, reverted: dropping the events of a capital or digit followed by a small letter ("Martin",
  "4th"): 182 vs 178 ms; the next separator of a run from the block masks instead of a byte walk when a
  group fails: 182 vs 175 ms. Not tried for lack of time: AVX2 blocks (the classification is ~5 % of the
  profile), a match callback without `std::function` (~2 %).
- What was left then on dense data: ~45 % in the event loop (one branchy step per candidate start: a CSV
  row has a dozen), ~25 % in the validators (every identifier is validated in full), ~10 % reading the files.

Issue 15, part 1 (dense data), on AMD EPYC family 26 (AVX-512, 2 cores, shared and very noisy that day:
the same binary's `--threads 1` time moved 180–250 ms between runs, so each step was also counted with
`valgrind --tool=cachegrind --branch-sim=yes`, deterministic: instructions and simulated mispredictions of
`cordon scan --threads 1` on the 64 MiB dense corpus, and of the matcher alone in memory):

- Before: cordon 2.04 G instructions, 18.9 M mispredicted branches; task-clock min/median 185–219 / 238–252 ms
  (rg -c -j 1: 66–83 ms). `perf`: matcher loop 47 %, validators 30 %, read() and page faults ~10 %, process
  start ~8 % (`cordon --version` alone takes 12 ms: 42 shared libraries bound at load). Events per 64 MiB:
  4 M before filtering, 2.5 M visited, 1.74 M validator calls for 1.36 M identifiers.
- Pre-pass in its own file (`detect/blocks.{h,cc}`), AVX2 chosen at start-up with `__builtin_cpu_supports`
  (SSE2 otherwise): classification is 6.7 ms of the 64 MiB. Runs shorter than 9 bytes (numbers, dates with
  '/', short references) dropped from the masks: an event is kept only when its 9 bytes are all in a run,
  with the next block's first bytes; candidate lengths and the next group from a separator mask instead of
  a test per length. Matcher alone (with 0.19 G of loading the files): 2.12 G -> 2.07 G instructions,
  19.5 M -> 15.1 M simulated mispredictions; next step 2.07 G -> 1.89 G.
- Events taken block by block from the mask's bits, the run's end and its separators from a two-block
  window (one hard-to-predict branch per block, not two searches per event): the event loop alone
  (NextEvent + RunEnd over 64 MiB) cost 53 ms before, the matcher went from ~135–150 to ~123–130 ms.
- Validators on the stack (NIR and phone numbers built no std::string; Ungroup gone), Luhn from a table,
  card prefixes from one number: 1.89 G -> 1.72 G instructions, ~117–125 ms. Checked against the previous
  validators on 120 M mutated and random candidates (3.4 M valid): no difference.
- After: cordon 1.67 G instructions (-18 %), 15.3 M mispredicted branches (-19 %); task-clock min/median
  190–208 / 211 ms against 211–219 / 252–257 ms for the old binary in the same interleaved runs.
  `--threads 2` on the 512 MiB dense corpus, hyperfine side by side: 0.77 s before, 0.66 s after, rg -c
  0.27 s (2.84 -> 2.43). Goal ≤ 1.0 not reached.
- Did not help, reverted: the e-mail walks (local part back, domain forward) through 256-entry tables
  instead of compare chains: 1.72 -> 1.69 G instructions but more simulated mispredictions, time within
  the noise (116–135 vs 117–125 ms).
- What is left: ~15 M mispredicted branches for 2.5 M events, most in the validators' per-character loops
  (card 2.6 M, IBAN 1.6 M, phone 1.0 M, e-mail 0.9 M: a branch on digit or separator per character) and
  in BestPrefix's choice of validators; classification and window ~17 % of the instructions; the
  collector's `std::function` call per finding ~3 %; process start-up (12 ms) and ledger (~6 ms) per run.
  Next: validators over the window's digit and separator masks (the shape of a candidate known before
  any byte loop), a validator table by first byte and length instead of five tests, AVX-512BW masks.

The same script on the AMD EPYC (family 26, model 2), 2026-12-02: cordon / rg -c 0.75 (sparse) and 2.71
(dense); cordon / rg --count-matches 0.32 and 0.61.

Then on an Intel Xeon (family 6, model 207; AVX-512BW), December 2026, where the dense ratio measured
2.40 before (0.92 s against 0.38 s): `perf record` of `--threads 1` on the 512 MiB dense corpus put
FindIdentifiers (the event loop, BestPrefix and the e-mail walks inlined) at 36 %, the classification
(AVX2) at 9.1 % and the window's masks (Blocks::Load) at 7.5 %, ValidateCard 9.8 %, ValidateIban 8.9 %.
- Blocks classified with AVX-512BW where the CPU has it (one 64-byte load, each class a compare straight
  into a 64-bit mask; a range is a subtract and an unsigned compare): classification 9.1 % -> 4.3 %.
- 16-digit card numbers, bare or 4 4 4 4 (most printed ones), checked as two 8-byte words (high
  nibbles 3, no low nibble above 9) instead of a branch per character; the general path is kept for
  other shapes and the two are compared in a test: ValidateCard 9.8 % -> 3.1 %.
- Same findings before and after (the `--json` reports of a 64 MiB dense corpus identical but for the
  time). Times, on a host that was then very noisy: `--threads 1` on 64 MiB, 15 interleaved runs,
  task-clock min / median 223 / 260 ms before, 216 / 240 ms after; `--threads 2` on 512 MiB, hyperfine
  side by side, 0.85 -> 0.74 s in one run (rg -c 0.33 s) and 1.09 -> 1.07 s in another (rg -c 0.44 s).
  Goal ≤ 1.0 not reached: what is left is the event loop itself and the other validators' byte loops.
""")
PY
results=$top/bench/RESULTS.md
python3 "$top/bench/update_results.py" "$results" section.md "## scan: cordon vs ripgrep"
cat section.md
