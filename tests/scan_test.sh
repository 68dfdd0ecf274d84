#!/usr/bin/env bash
# cordon scan on a real tree: finds identifiers in clear, masks them, skips
# binary files and symlinks out of the tree, reports unreadable paths (exit 2)
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
if grep -q -e decoys -e blob -e leak -e skip.tmp "$T/.out"; then fail "decoy, binary, symlink or excluded file reported"; fi
grep -q "2 files with findings out of 4" "$T/.out" || fail "summary"
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
assert r["summary"]["counts"]["nir"] == 2 and r["summary"]["errors"] == 0, r["summary"]
PY
pass
cp "$T/.out" report.json
# The report itself holds nothing cordon would report.
expect_code 0 $CORDON scan report.json --fail-on-findings
expect_code 2 $CORDON scan tree/logs missing-path
expect_stderr "missing-path"
grep -q "app.log" "$T/.out" || fail "the scan did not go on after an unreadable path"
expect_code 2 $CORDON scan tree --kinds nir,ssn
done_ok
