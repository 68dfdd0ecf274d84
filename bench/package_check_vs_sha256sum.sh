#!/usr/bin/env bash
# The exchange's package check (every byte hashed and judged: χ², runs,
# compressed streams) against `sha256sum` of the same files, side by side in
# one run; and its false-positive rate on real age ciphertext: GIB files of
# 1 GiB each (default 10), sealed by the age CLI to a fresh recipient, one
# at a time (a few GiB of disk at most). Every one must pass.
# usage: bench/package_check_vs_sha256sum.sh [CORDON_BINARY]   (GIB=10)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_LIB=$top/bench
gib=${GIB:-10}
cmake -S "$top" -B "$top/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCORDON_BENCH=ON \
  -DCORDON_TESTS=OFF >/dev/null
cmake --build "$top/build-bench" -j 2 --target package_check >/dev/null
check="$top/build-bench/bench/package_check"
mkdir -p "$top/build-bench"
work=$(mktemp -d "$top/build-bench/package-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
age-keygen -o r.key 2>/dev/null
r=$(age-keygen -y r.key)
: >times.txt
for i in $(seq "$gib"); do
  # Plaintext of every kind gives the same uniform ciphertext; half zeros,
  # half random keeps the generation fast.
  { head -c 536870912 /dev/zero; head -c 536870912 /dev/urandom; } | age -r "$r" >f.age
  sync f.age
  cat f.age >/dev/null  # both tools read from the page cache
  s0=$(date +%s.%N); sha256sum f.age >/dev/null; s1=$(date +%s.%N)
  line=$("$check" f.age) || { echo "FALSE POSITIVE on file $i: $line" >&2; exit 1; }
  echo "$(echo "$s1 - $s0" | bc) $line" >>times.txt
  rm f.age
done
python3 - times.txt "$gib" <<'PY' >section.md
import json, statistics, sys
rows = [l.split(" ", 1) for l in open(sys.argv[1])]
sha = [float(s) for s, _ in rows]
chk = [json.loads(j) for _, j in rows]
size = chk[0]["bytes"]
import os, sys; sys.path.insert(0, os.environ["BENCH_LIB"]); import machine; cpu = machine.describe()
ms, mc = statistics.median(sha), statistics.median(c["seconds"] for c in chk)
print(f"""## package check: cordon vs sha256sum

Command: `bench/package_check_vs_sha256sum.sh build/cordon` (GIB={sys.argv[2]}). Machine: {cpu},
shared (compare the ratios). Each of {len(chk)} files: {size / 2**30:.2f} GiB of age ciphertext (the `age` CLI,
X25519), read from the page cache; median of the files.

| tool | median time per file | MB/s | ratio to sha256sum |
|---|---|---|---|
| `sha256sum` | {ms:.2f} s | {size / ms / 1e6:.0f} | 1.00 |
| cordon's package check (SHA-256 + χ² + runs + compressed streams, one read) | {mc:.2f} s | {size / mc / 1e6:.0f} | {ms / mc:.2f} |

False positives: **{sum(not c["ok"] for c in chk)} of {len(chk)} files** ({sum(c["bytes"] for c in chk) / 2**30:.0f} GiB of real
ciphertext, {sum(c["bytes"] for c in chk) // 65552:,} windows judged). Goal: ≥ 0.5× sha256sum, no false positive.
""")
PY
python3 "$top/bench/update_results.py" "$top/bench/RESULTS.md" section.md "## package check: cordon vs sha256sum"
cat section.md
