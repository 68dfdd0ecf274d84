#!/usr/bin/env bash
# Pseudonymization at extraction speed: `cordon extract` with an order that
# transforms five columns (NIR by FF1, NOM and PRENOM synthetic,
# DATE_NAISSANCE shifted per patient, TEL tokenized) against DuckDB computing
# sha256() over the same five columns in one COPY … TO (the cheapest
# hash-based masking a peer offers), followed by `age -e` as cordon's output
# is sealed too. Side by side in one run; plus each transform's values/s.
# Writes the "pseudonymize" section of bench/RESULTS.md.
# usage: bench/pseudonymize_vs_duckdb.sh [CORDON]   env: PATIENTS=1000000 RUNS=3
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_LIB=$top/bench
cordon=$(realpath "${1:-$top/build/cordon}")
patients=${PATIENTS:-1000000}
runs=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/cordon-bench-pseudo.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ ! -d "$top/bench/node_modules/@duckdb/node-api" ]; then
  (cd "$top/bench" && npm install --no-audit --no-fund >/dev/null 2>&1)
fi
cmake -S "$top" -B "$top/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCORDON_BENCH=ON \
  -DCORDON_TESTS=OFF >/dev/null
cmake --build "$top/build-bench" -j 2 --target transforms_throughput >/dev/null
cd "$work"
"$cordon" keygen -o rec.key >rec.pub
r=$(cat rec.pub)
"$cordon" sign-keygen -o ctrl.key >/dev/null
key_id=$("$cordon" pseudokey new -o lab.pseudokey 2>/dev/null)
cat >order.toml <<TOML
[order]
id = "BENCH-PSEUDONYMIZE"
controller = "Laboratoire Exemple"
processor = "Editeur Exemple"
purpose = "benchmark"
contract = "none"
not_after = 2099-12-31
retention_days = 30
recipients = ["$r"]
pseudonym_key_id = "$key_id"
pseudonym_domain = "bench"

[[table]]
name = "patients"
subject = "NUM_DOSSIER"
[table.types]
DATE_NAISSANCE = "date:%d/%m/%Y"
[table.columns]
NUM_DOSSIER = "keep"
NIR = "pseudonym:nir"
NOM = "synthetic:last_name"
PRENOM = "synthetic:first_name"
DATE_NAISSANCE = "shift-date:30"
TEL = "pseudonym"
TOML
"$cordon" order sign order.toml -k ctrl.key >/dev/null
"$cordon" testdata lis-fr --patients "$patients" --seed 1 -o src 2>/dev/null
rm src/resultats.csv
cp "$top/bench/duckdb_hash.mjs" .
ln -s "$top/bench/node_modules" node_modules
cat >duck.sh <<SH
#!/usr/bin/env bash
set -e
rm -rf duck && mkdir duck
node duckdb_hash.mjs src duck
age -r $r -o duck/patients.csv.age duck/patients.csv
rm duck/patients.csv
SH
chmod +x duck.sh
hyperfine --style basic --warmup 1 --runs "$runs" --export-json ex.json --prepare 'rm -rf pkg duck' \
  -n "cordon extract (5 transforms)" \
  "$cordon extract --order order.toml --source src --controller-key ctrl.key.pub --pseudonym-key lab.pseudokey --unsigned-manifest --out pkg" \
  -n "duckdb sha256 x5 + age" "./duck.sh" >/dev/null
"$top/build-bench/bench/transforms_throughput" >throughput.json
python3 - "$patients" "$runs" <<'PY' >section.md
import json, sys
patients, runs = int(sys.argv[1]), sys.argv[2]
r = json.load(open("ex.json"))["results"]
c, d = r[0]["median"], r[1]["median"]
t = json.load(open("throughput.json"))
import os, sys; sys.path.insert(0, os.environ["BENCH_LIB"]); import machine; cpu = machine.describe()
rows = "\n".join(f"| `{k}` | {v / 1e6:.2f} M |" for k, v in t.items())
print(f"""## pseudonymize: cordon vs DuckDB sha256

Command: `make bench` (runs `bench/pseudonymize_vs_duckdb.sh build/cordon`; PATIENTS={patients}, RUNS={runs}).
Machine: {cpu}; shared (compare the ratio). Source: `cordon testdata lis-fr` patients.csv
({patients:,} rows, Windows-1252). cordon: an order transforming NIR (`pseudonym:nir`, FF1), NOM and PRENOM
(`synthetic`), DATE_NAISSANCE (`shift-date:30`) and TEL (`pseudonym`), sealed with age. DuckDB 1.5
(`@duckdb/node-api`, 2 threads): `COPY (SELECT NUM_DOSSIER, sha256(NIR), sha256(NOM), sha256(PRENOM),
sha256(DATE_NAISSANCE), sha256(TEL) FROM read_csv(…)) TO …`, then `age -e` — hashes that keep no format,
no validity and no per-patient date intervals.

| | median time | rows/s |
|---|---|---|
| cordon extract, 5 transforms | {c:.2f} s | {patients / c / 1e6:.2f} M |
| DuckDB sha256 × 5 + age | {d:.2f} s | {patients / d / 1e6:.2f} M |
| **ratio cordon / DuckDB** (goal ≤ 1.0) | **{c / d:.2f}** | |

Each transform alone, one core (`bench/transforms_throughput.cc`, 200,000 realistic values):

| transform | values/s |
|---|---|
{rows}
""")
PY
python3 "$top/bench/update_results.py" "$top/bench/RESULTS.md" section.md "## pseudonymize: cordon vs DuckDB sha256"
cat section.md
