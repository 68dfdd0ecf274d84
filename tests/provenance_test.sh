#!/usr/bin/env bash
# Provenance digests (docs/trace.md): `extract --trace-key` writes
# PKG.provenance beside the package, never inside it; the ledger's extract
# event holds its SHA-256; the file holds no value of the package; without
# a trace key nothing of the kind is written. And per-recipient pseudonyms:
# two recipients get other pseudonyms, one recipient's deliveries join.
. "$(dirname "$0")/lib.sh"

migration_order 400 21
expect_code 0 $CORDON trace keygen -o trace.key
trace_id=$(cat "$T/.out")
[ "$(stat -c %a trace.key)" = 600 ] || fail "the trace key is not mode 0600"
expect_code 4 $CORDON trace keygen -o trace.key   # never overwritten
$CORDON order sign order.toml -k ctrl.key >/dev/null

# With a trace key: the file beside the package, named after it.
expect_code 0 $CORDON extract --order order.toml --source src --controller-key ctrl.key.pub \
  --signing-key vendor.key --trace-key trace.key --out pkg
grep -q "provenance pkg.provenance" "$T/.out" || fail "extract does not name the provenance file"
[ -f pkg.provenance ] || fail "no pkg.provenance"
[ -z "$(ls -A pkg | grep -v -E '^(patients|resultats)\.csv\.age$|^manifest\.json(\.minisig)?$')" ] ||
  fail "unexpected files in the package"
grep -q provenance pkg/manifest.json && fail "the manifest mentions the provenance file"
pass

# Its header names the package, the order, the key and the retention.
expect_code 0 $CORDON trace info pkg.provenance --json
python3 - "$T/.out" "$trace_id" pkg/manifest.json <<'PY' || fail "trace info disagrees with the package"
import datetime, hashlib, json, sys
info = json.load(open(sys.argv[1]))
manifest = open(sys.argv[3], "rb").read()
assert info["format"] == "cordon-provenance" and info["version"] == 1, info
assert info["package_sha256"] == hashlib.sha256(manifest).hexdigest(), info
assert info["order"] == "LAB42-MIGRATION-2021-03", info
assert info["trace_key_id"] == sys.argv[2], info
m = json.loads(manifest)
rows = {t["name"]: t["rows_written"] for t in m["tables"]}
for t in info["tables"]:
    assert 0 < t["rows"] <= rows[t["name"]], (t, rows)
assert all(t["values"] > 0 for t in info["tables"]), info  # the join key NUM_DOSSIER too
today = datetime.datetime.strptime(info["created"][:10], "%Y-%m-%d").date()
assert info["delete_by"] == str(today + datetime.timedelta(days=730)), info
PY
pass

# The ledger's extract event holds the file's SHA-256 (and the key's id).
sha=$(sha256sum pkg.provenance | cut -d' ' -f1)
$CORDON ledger show --json >events.jsonl
python3 - events.jsonl "$sha" "$trace_id" <<'PY' || fail "the extract event lacks the provenance hash"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
ex = [e for e in events if e.get("action") == "extract"]
assert ex, "no extract event"
e = ex[-1]
assert e["package"]["provenance_sha256"] == sys.argv[2], e
assert e["key_ids"]["trace"] == sys.argv[3], e
PY
pass

# No value of the package is in the file, in any case.
age -d -i recipient.key pkg/patients.csv.age >patients.out
python3 - patients.out pkg.provenance <<'PY' || fail "a value of the package is in the provenance file"
import csv, sys
data = open(sys.argv[2], "rb").read().lower()
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
checked = 0
for row in rows[1:]:
    for v in row:
        if len(v) >= 6:
            assert v.lower().encode() not in data, v
            checked += 1
assert checked > 300, checked
PY
pass

# Without a trace key: nothing written beside the package, nothing in the ledger.
expect_code 0 $CORDON extract --order order.toml --source src --controller-key ctrl.key.pub \
  --signing-key vendor.key --out plain
[ ! -e plain.provenance ] || fail "a provenance file without --trace-key"
$CORDON ledger show --json | tail -1 | grep -q provenance && fail "provenance in a keyless extract's event"
pass
# An existing provenance file is never replaced, and nothing is extracted.
echo keep >again.provenance
expect_code 4 $CORDON extract --order order.toml --source src --controller-key ctrl.key.pub \
  --signing-key vendor.key --trace-key trace.key --out again
expect_stderr "already exists"
[ ! -e again ] && [ "$(cat again.provenance)" = keep ] || fail "an existing provenance file was touched"
# A corrupted provenance file is refused by its reader.
cp pkg.provenance bad.provenance; flip_byte bad.provenance 400
expect_code 1 $CORDON trace info bad.provenance
expect_stderr "checksum"

# Per-recipient pseudonyms: the NIR pseudonymized, scope "recipients".
age-keygen -o other.key 2>/dev/null
other=$(age-keygen -y other.key)
$CORDON pseudokey new -o lab.pseudokey >/dev/null
pk=$($CORDON pseudokey id lab.pseudokey)
scoped() {  # scoped RECIPIENT OUT
  sed -e "s/^NIR = \"keep\"/NIR = \"pseudonym:nir\"/" -e "s/$recipient/$1/" \
    -e "s/^retention_days = 30/retention_days = 30\npseudonym_key_id = \"$pk\"\npseudonym_domain = \"lab42\"\npseudonym_scope = \"recipients\"/" \
    order.toml >"$2.toml"
  $CORDON order sign "$2.toml" -k ctrl.key >/dev/null
  $CORDON extract --order "$2.toml" --source src --controller-key ctrl.key.pub --signing-key vendor.key \
    --pseudonym-key lab.pseudokey --out "$2" >/dev/null || fail "extract $2"
}
scoped "$recipient" a1; scoped "$other" b1; scoped "$recipient" a2
grep -q '"scope": "recipients"' a1/manifest.json || fail "the manifest does not say the scope"
expect_code 0 $CORDON plan --order a1.toml --source src --json
grep -q '"pseudonym_scope": "recipients"' "$T/.out" || fail "the plan does not say the scope"
age -d -i recipient.key a1/patients.csv.age >a1.csv
age -d -i other.key b1/patients.csv.age >b1.csv
age -d -i recipient.key a2/patients.csv.age >a2.csv
same a1.csv a2.csv   # one recipient's deliveries join
python3 - a1.csv b1.csv <<'PY' || fail "two recipients share pseudonyms"
import csv, sys
a = {r["NUM_DOSSIER"]: r["NIR"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
b = {r["NUM_DOSSIER"]: r["NIR"] for r in csv.DictReader(open(sys.argv[2], encoding="utf-8"))}
assert a.keys() == b.keys() and len(a) > 100
assert all(a[k] != b[k] for k in a if a[k]), "a pseudonym is the same for both recipients"
PY
pass
# The key holder reverses a pseudonym with the order's recipients.
nir_a=$(python3 -c 'import csv,sys; r=next(r for r in csv.DictReader(open(sys.argv[1],encoding="utf-8")) if r["NIR"]); print(r["NIR"])' a1.csv)
expect_code 0 $CORDON pseudonym reverse --key lab.pseudokey --domain lab42 --recipient "$recipient" "$nir_a"
real=$(cat "$T/.out")
age -d -i recipient.key pkg/patients.csv.age | grep -q "$real" || fail "the reversed NIR is not the patient's"
pass
done_ok
