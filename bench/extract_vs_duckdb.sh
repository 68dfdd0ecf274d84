#!/usr/bin/env bash
# `cordon extract` with examples/order.toml against the same selection done by
# DuckDB (npm @duckdb/node-api, COPY … read_csv … WHERE …) followed by `age -e`
# of its two outputs, in one run on the same `cordon testdata` export.
# Ratio cordon/(duckdb+age) of median wall times; rows/s and MB/s; peak RSS of
# cordon at each size. Writes the "extract" section of bench/RESULTS.md.
# usage: bench/extract_vs_duckdb.sh [CORDON]   env: PATIENTS=1000000 LARGE=10000000 RUNS=3
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_LIB=$top/bench
cordon=$(realpath "${1:-$top/build/cordon}")
patients=${PATIENTS:-1000000}
large=${LARGE:-10000000}
runs=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/cordon-bench-extract.XXXXXX")
trap 'rm -rf "$work"' EXIT

# DuckDB's Node client, installed once into bench/node_modules (not committed).
if [ ! -d "$top/bench/node_modules/@duckdb/node-api" ]; then
  (cd "$top/bench" && npm install --no-audit --no-fund >/dev/null 2>&1)
fi
duck_version=$(node -e "console.log(require('$top/bench/node_modules/@duckdb/node-api/package.json').version)")
cd "$work"

"$cordon" keygen -o rec.key >rec.pub
"$cordon" sign-keygen -o ctrl.key >/dev/null
sed "s/age1yqyu0hj6q2g5ehl9rq5wzt7tqw4dqwfzq6z7k4a3n3yj0yxw7w6qf3aw5r/$(cat rec.pub)/" "$top/examples/order.toml" >order.toml
"$cordon" order sign order.toml -k ctrl.key >/dev/null
r=$(cat rec.pub)

"$cordon" testdata lis-fr --patients "$patients" --seed 1 -o src 2>/dev/null
src_bytes=$(cat src/*.csv | wc -c)
src_rows=$(( $(cat src/*.csv | wc -l) ))
cp "$top/bench/duckdb_extract.mjs" .
ln -s "$top/bench/node_modules" node_modules

cat >duck.sh <<SH
#!/usr/bin/env bash
set -e
rm -rf duck && mkdir duck
node duckdb_extract.mjs src duck
age -r $r -o duck/patients.csv.age duck/patients.csv
age -r $r -o duck/resultats.csv.age duck/resultats.csv
rm duck/patients.csv duck/resultats.csv
SH
chmod +x duck.sh
hyperfine --style basic --warmup 1 --runs "$runs" --export-json ex.json \
  --prepare 'rm -rf pkg duck' \
  -n "cordon extract" "$cordon extract --order order.toml --source src --controller-key ctrl.key.pub --unsigned-manifest --out pkg" \
  -n "duckdb + age" "./duck.sh" >/dev/null
rm -rf pkg duck
"$cordon" extract --order order.toml --source src --controller-key ctrl.key.pub --unsigned-manifest --out pkg >/dev/null
./duck.sh
# Same selection? Compare decrypted outputs (DuckDB writes LF, cordon CRLF; quoting may differ).
"$cordon" decrypt -i rec.key pkg/patients.csv.age | tr -d '\r' | tr -d '"' | sort >c.txt
"$cordon" decrypt -i rec.key duck/patients.csv.age | tr -d '"' | sort >d.txt
cmp -s c.txt d.txt || { echo "cordon and duckdb selected different patients" >&2; exit 1; }

rss() { rm -rf pkg; /usr/bin/time -f %M -o rss.txt "$cordon" extract --order order.toml --source "$1" \
  --controller-key ctrl.key.pub --unsigned-manifest --out pkg >/dev/null; echo $(( $(cat rss.txt) / 1024 )); }
rss_small=$(rss src)
duck_rss=$( /usr/bin/time -f %M -o d.txt node duckdb_extract.mjs src duck >/dev/null 2>&1; echo $(( $(cat d.txt) / 1024 )) )
rm -rf src/ duck/
large_line="(LARGE=0: not measured)"
if [ "$large" -gt 0 ]; then
  "$cordon" testdata lis-fr --patients "$large" --seed 1 -o big 2>/dev/null
  start=$(date +%s.%N)
  rss_large=$(rss big)
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  large_bytes=$(cat big/*.csv | wc -c)
  large_line="$large patients ($(( large_bytes / 1048576 )) MiB of CSV): cordon extract peak RSS **$rss_large MiB** in $(printf %.1f "$secs") s"
  rm -rf big
fi

python3 - "$patients" "$src_bytes" "$src_rows" "$rss_small" "$duck_rss" "$duck_version" "$runs" "$large_line" >section.md <<'PY'
import json, sys
patients, src_bytes, src_rows, rss_small, duck_rss, duck_version, runs, large_line = sys.argv[1:]
r = json.load(open("ex.json"))["results"]
c, d = r[0]["median"], r[1]["median"]
mib = int(src_bytes) / 1048576
import os, sys; sys.path.insert(0, os.environ["BENCH_LIB"]); import machine; cpu = machine.describe()
print(f"""## extract: cordon vs DuckDB + age

Command: `make bench` (runs `bench/extract_vs_duckdb.sh build/cordon`; PATIENTS={patients}, RUNS={runs}).
Machine: {cpu}; shared (compare the ratio, not the times). DuckDB {duck_version} (npm
`@duckdb/node-api`, 2 threads) runs `bench/duckdb_extract.mjs` (the order's selection with `read_csv … WHERE
strptime(…) >= DATE '2017-05-07'` and a semi-join for `follow`), then `age -e` encrypts its two outputs.
Both select the same patients (checked after the run). Source: `cordon testdata lis-fr --patients {int(patients):,}`,
{mib:.0f} MiB of Windows-1252 CSV, {int(src_rows):,} lines.

| | median time | lines/s read | MB/s read |
|---|---|---|---|
| cordon extract (verify, filter, follow, project, seal) | {c:.2f} s | {int(src_rows)/c:,.0f} | {int(src_bytes)/c/1e6:.0f} |
| DuckDB COPY + age -e ×2 | {d:.2f} s | {int(src_rows)/d:,.0f} | {int(src_bytes)/d/1e6:.0f} |
| **ratio cordon / (DuckDB + age)** (goal ≤ 1.0) | **{c/d:.2f}** | | |

Peak RSS at {int(patients):,} patients: cordon {rss_small} MiB, DuckDB {duck_rss} MiB.

{large_line} (goal < 64 MiB). cordon streams rows in constant memory; what grows
is the set of selected parent keys that `follow` keeps (about 10 bytes per selected 8-digit key).
""")
PY
results=$top/bench/RESULTS.md
python3 "$top/bench/update_results.py" "$results" section.md "## extract: cordon vs DuckDB"
cat section.md
