#!/usr/bin/env bash
# cordon scan on a real tree: finds identifiers in clear, masks them, reads
# binary files for the identifiers a checksum proves, skips symlinks out of
# the tree, reports unreadable paths (exit 2)
# and, with --fail-on-findings, exits 1. Its own reports contain nothing it
# would find.
. "$(dirname "$0")/lib.sh"
mkdir -p tree/logs outside
printf 'ok line\nNIR 1 84 12 76 451 089 46 for jean.dupont@orange.fr\n' >tree/logs/app.log
printf 'IBAN FR14 2004 1010 0505 0001 3M02 606\n' >tree/notes.md
printf 'decoys: 1 84 12 76 451 089 47, 4111 1111 1111 1112, GB83WEST12345698765432\n' >tree/decoys.txt
printf 'bin\0ary 184127645108946\n' >tree/blob.bin
printf 'secret 184127645108946\n' >outside/leak.txt
ln -s ../outside tree/link
printf 'skip me 184127645108946\n' >tree/skip.tmp

expect_code 0 $CORDON scan tree --exclude '*.tmp'
grep -q "tree/logs/app.log: 1 nir, 1 email" "$T/.out" || fail "findings per file"
grep -q "tree/logs/app.log:2:5  nir  1 84 12 \*\* \*\*\* \*\*\* \*\*" "$T/.out" || fail "masked location"
grep -q "tree/notes.md: 1 iban" "$T/.out" || fail "iban"
grep -q "tree/blob.bin: 1 nir (in binary content)" "$T/.out" || fail "NIR in binary content"
if grep -q -e decoys -e leak -e skip.tmp "$T/.out"; then fail "decoy, symlink or excluded file reported"; fi
grep -q "3 files with findings out of 4" "$T/.out" || fail "summary"
if grep -q -e "451 089 46" -e "jean.dupont" -e "3M02 606" "$T/.out"; then fail "an identifier appears unmasked"; fi
pass

expect_code 1 $CORDON scan tree --exclude '*.tmp' --fail-on-findings
expect_code 0 $CORDON scan tree/decoys.txt --fail-on-findings
expect_code 0 $CORDON scan tree --json --kinds nir
python3 - "$T/.out" <<'PY' || fail "JSON report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["version"] == 1
kinds = {f["kind"] for f in r["findings"]}
assert kinds == {"nir"}, kinds
f = [x for x in r["findings"] if x["path"].endswith("app.log")][0]
assert (f["line"], f["column"]) == (2, 5), f
assert r["summary"]["counts"]["nir"] == 3 and r["summary"]["errors"] == 0, r["summary"]
blob = [x for x in r["findings"] if x["path"].endswith("blob.bin")]
assert [x.get("content") for x in blob] == ["binary"], blob
assert {f["path"]: f.get("content") for f in r["files"]}["tree/blob.bin"] == "binary", r["files"]
PY
pass
cp "$T/.out" report.json
# The reports themselves hold nothing cordon would report.
expect_code 0 $CORDON scan report.json --fail-on-findings
expect_code 0 $CORDON scan tree --exclude '*.tmp'
cp "$T/.out" report.txt
expect_code 0 $CORDON scan report.txt --fail-on-findings
expect_code 2 $CORDON scan tree/logs missing-path
expect_stderr "missing-path"
grep -q "app.log" "$T/.out" || fail "the scan did not go on after an unreadable path"
expect_code 2 $CORDON scan tree --kinds nir,ssn
expect_code 2 $CORDON scan tree --json --sarif

# F25: a NUL does not hide patients. A real age header (cordon encrypt), 16
# NUL bytes, then a CSV of 50 patients in clear: every NIR, IBAN and card of
# the CSV is found, marked as binary content; e-mails and phones are not
# looked for there. 10 MiB of random bytes give nothing.
$CORDON testdata lis-fr --patients 50 --seed 25 -o f25 2>/dev/null
$CORDON keygen -o f25.key >f25.pub
printf 'x' | $CORDON encrypt -r "$(cat f25.pub)" -o f25/real.age
python3 - f25/real.age f25/patients.csv f25/smuggled.age <<'PY'
import sys
real, csv = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
mac = real.index(b"\n--- ") + 1
header = real[:real.index(b"\n", mac) + 1]
open(sys.argv[3], "wb").write(header + b"\0" * 16 + csv)
PY
rm f25/real.age
expect_code 0 $CORDON scan f25/patients.csv --json
cp "$T/.out" f25-plain.json
expect_code 1 $CORDON scan f25/smuggled.age --json --fail-on-findings
python3 - f25-plain.json "$T/.out" <<'PY' || fail "patients behind an age header and NUL bytes"
import json, sys
plain, smuggled = (json.load(open(p)) for p in sys.argv[1:3])
pc, sc = plain["summary"]["counts"], smuggled["summary"]["counts"]
assert pc["nir"] >= 50 and sc["nir"] == pc["nir"], (pc, sc)
for k in ("iban", "card"):
    assert sc[k] == pc[k], (k, pc, sc)
assert sc["email"] == 0 and sc["phone"] == 0, sc
assert all(f.get("content") == "binary" for f in smuggled["findings"]), smuggled["findings"][:3]
assert smuggled["files"][0].get("content") == "binary", smuggled["files"]
PY
expect_code 0 $CORDON scan f25/smuggled.age
grep -q "f25/smuggled.age: .* nir.* (in binary content)" "$T/.out" || fail "text report: binary content"
expect_code 0 $CORDON scan f25/smuggled.age --sarif
grep -q "in clear in binary content at f25/smuggled.age" "$T/.out" || fail "SARIF: binary content"
head -c 10485760 /dev/urandom >noise.bin
expect_code 0 $CORDON scan noise.bin --json --fail-on-findings
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['files'][0].get('content') == 'binary' and r['summary']['bytes'] == 10485760, r['files']" "$T/.out" ||
  fail "random bytes were not scanned as binary content"
pass

# Containers made by the real tools: gzip, tar, Python's zipfile and sqlite3.
mkdir box
printf 'ok\nNIR 1 84 12 76 451 089 46\n' >box/app.log && gzip box/app.log
mkdir -p inner && printf 'mail jean.dupont@orange.fr\n' >inner/a.txt && tar czf box/t.tgz inner
python3 - <<'PY'
import sqlite3, zipfile, gzip
with zipfile.ZipFile("box/x.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("export/p.csv", "id;iban\n1;FR14 2004 1010 0505 0001 3M02 606\n")
    z.writestr("old.log.gz", gzip.compress(b"tel 06 12 34 56 78\n"))
db = sqlite3.connect("box/p.sqlite")
db.execute("CREATE TABLE patients(id INTEGER PRIMARY KEY, nir INTEGER, note TEXT)")
db.execute("INSERT INTO patients VALUES (42, 184127645108946, 'rien')")
db.commit()
PY
expect_code 0 $CORDON scan box --json
python3 - "$T/.out" <<'PY' || fail "findings inside containers"
import json, sys
r = json.load(open(sys.argv[1]))
got = sorted((f["path"], f["line"], f["column"], f["kind"]) for f in r["findings"])
want = sorted([("box/app.log.gz", 2, 5, "nir"), ("box/t.tgz:inner/a.txt", 1, 6, "email"),
               ("box/x.zip:export/p.csv", 2, 3, "iban"), ("box/x.zip:old.log.gz", 1, 5, "phone"),
               ("box/p.sqlite:patients:nir:42", 1, 1, "nir")])
assert got == want, got
containers = {f["path"]: f.get("container") for f in r["files"]}
assert containers["box/p.sqlite"] == "sqlite" and containers["box/x.zip"] == "archive", containers
PY
pass

# A file name that is not UTF-8 still gives a valid JSON report.
printf 'a@orange.fr\n' >"box/bad$(printf '\377').txt"
expect_code 0 $CORDON scan box --json
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert any(f['path'] == 'box/bad\ufffd.txt' for f in r['findings']), [f['path'] for f in r['findings']]" "$T/.out" || fail "non-UTF-8 file name in JSON"
pass
rm box/bad*

# SARIF 2.1.0: rules, results with regions, container entries as logical locations.
expect_code 0 $CORDON scan box tree/logs --sarif
cp "$T/.out" report.sarif
python3 - report.sarif <<'PY' || fail "SARIF report"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["version"] == "2.1.0" and len(s["runs"]) == 1
run = s["runs"][0]
rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
assert rules == ["cordon/nir", "cordon/cpr", "cordon/iban", "cordon/card", "cordon/email", "cordon/phone"], rules
res = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"]): r for r in run["results"]}
app = res[("tree/logs/app.log", "cordon/nir")]
assert app["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
assert app["locations"][0]["physicalLocation"]["region"]["startColumn"] == 5
assert rules[app["ruleIndex"]] == app["ruleId"]
db = res[("box/p.sqlite", "cordon/nir")]
assert db["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "patients:nir:42"
assert run["invocations"][0]["executionSuccessful"] is True
PY
pass
expect_code 0 $CORDON scan report.sarif --fail-on-findings

# A zip bomb: 300 MB of text in a small gzip; expansion stops with a warning.
head -c 300000000 /dev/zero | tr '\0' 'x' | gzip -1 >bomb.gz
expect_code 0 $CORDON scan bomb.gz
expect_stderr "a zip bomb?"

# A 40 MB single line: found at the right column, memory stays small.
python3 -c "import sys; sys.stdout.write('x;' * 20000000 + ' jean.dupont@orange.fr\n')" >long.txt
expect_code 0 /usr/bin/time -f "%M" -o rss.txt $CORDON scan long.txt --json
python3 - "$T/.out" <<'PY' || fail "finding at the end of a 40 MB line"
import json, sys
f = json.load(open(sys.argv[1]))["findings"]
assert [(x["line"], x["column"]) for x in f] == [(1, 40000002)], f
PY
# (AddressSanitizer's shadow memory and quarantine make RSS meaningless.)
[ -n "${CORDON_SANITIZED:-}" ] || [ "$(cat rss.txt)" -lt 65536 ] ||
  fail "scanning a 40 MB line took $(cat rss.txt) KiB"
pass

# A file rewritten and truncated while it is scanned: no crash (no mmap, no
# SIGBUS), exit 0; the change is reported when it is seen.
python3 -c "import sys; sys.stdout.write('NIR 1 84 12 76 451 089 46\n' * 800000)" >churn.log
cp churn.log churn.src
( for i in $(seq 1 40); do : >churn.log; cat churn.src >churn.log; done ) &
writer=$!
for i in $(seq 1 15); do expect_code 0 $CORDON scan churn.log; done
wait $writer

# Unreadable files are reported, the scan goes on, exit 2 at the end. Root
# reads everything, so then the scan runs as nobody.
mkdir locked && printf 'a@orange.fr\n' >locked/secret.txt && chmod 000 locked/secret.txt
chmod 755 "$T" locked tree tree/logs && chmod 644 tree/logs/app.log
as_user=()
if [ "$(id -u)" -eq 0 ]; then
  # nobody may not reach the build tree: it runs a copy of the binary.
  cp "$CORDON" ./cordon-copy && chmod 755 ./cordon-copy
  # ...and records the scan in a ledger it may write.
  $CORDON ledger init --dir nobody-ledger --origin test.example/nobody >/dev/null
  chown -R 65534:65534 nobody-ledger
  as_user=(env CORDON_LEDGER="$T/nobody-ledger" setpriv --reuid=65534 --regid=65534 --clear-groups
    "$T/cordon-copy")
else
  as_user=("$CORDON")
fi
expect_code 2 "${as_user[@]}" scan locked tree/logs
expect_stderr "locked/secret.txt: cannot read: Permission denied"
grep -q "tree/logs/app.log: 1 nir, 1 email" "$T/.out" || fail "the scan stopped at the unreadable file"
done_ok
