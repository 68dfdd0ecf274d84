#!/usr/bin/env bash
# Test data for a test server, with the real tools: the controller's key and
# order (docs/orders/lis-test-server.toml), extraction, age -d, and an
# independent Python check that no real identifier is left; byte-identical
# output on two runs; another domain gives other pseudonyms; the source cut
# in 4 parts gives exactly the rows of one run; cordon scan finds nothing real.
. "$(dirname "$0")/lib.sh"
top=$(cd "$HERE/.." && pwd)

$CORDON testdata lis-fr --patients 3000 --seed 5 -o src 2>/dev/null
age-keygen -o recipient.key 2>/dev/null
recipient=$(age-keygen -y recipient.key)
$CORDON sign-keygen -o ctrl.key >/dev/null
$CORDON sign-keygen -o vendor.key >/dev/null   # the processor signs each manifest
key_id=$($CORDON pseudokey new -o lab.pseudokey 2>/dev/null)
[ "$(stat -c %a lab.pseudokey)" = 600 ] || fail "the pseudonym key is readable by others"
[ "$($CORDON pseudokey id lab.pseudokey)" = "$key_id" ] || fail "pseudokey id"
pass
make_order() {  # DOMAIN OUT
  sed -e "s/0000000000000000/$key_id/" -e "s/lab42-test-server/$1/" \
    -e "s/age1yqyu0hj6q2g5ehl9rq5wzt7tqw4dqwfzq6z7k4a3n3yj0yxw7w6qf3aw5r/$recipient/" \
    "$top/docs/orders/lis-test-server.toml" >"$2"
  $CORDON order sign -k ctrl.key "$2" >/dev/null
}
extract() {  # ORDER SOURCE OUT
  $CORDON extract --order "$1" --source "$2" --controller-key ctrl.key.pub --signing-key vendor.key --pseudonym-key lab.pseudokey --out "$3" >/dev/null
  mkdir -p "$3.plain"
  for t in patients resultats; do age -d -i recipient.key "$3/$t.csv.age" >"$3.plain/$t.csv"; done
}
make_order lab42-test order.toml
expect_code 0 $CORDON order check order.toml --source src

# Without the key, or with another one: refused (exit 3), nothing written.
expect_code 3 $CORDON extract --order order.toml --source src --controller-key ctrl.key.pub --signing-key vendor.key --out nokey
expect_stderr "--pseudonym-key"
# A pseudonym key others may read is refused, as a trace key is.
cp lab.pseudokey shared.pseudokey && chmod 644 shared.pseudokey
expect_code 3 $CORDON pseudokey id shared.pseudokey
expect_stderr "accessible by group or others"
rm shared.pseudokey
$CORDON pseudokey new -o other.pseudokey >/dev/null 2>&1
expect_code 3 $CORDON extract --order order.toml --source src --controller-key ctrl.key.pub --signing-key vendor.key --pseudonym-key other.pseudokey --out wrong
expect_stderr "the order names $key_id"
[ ! -e nokey ] && [ ! -e wrong ] && [ ! -e wrong.partial ] || fail "a refused extraction left files"
pass

extract order.toml src pkg
python3 "$HERE/check_pseudonyms.py" src pkg.plain lab.pseudokey lab42-test || fail "independent check"
pass
if grep -q "$(sed -n 's/^CORDON-PSEUDONYM-KEY-1 //p' lab.pseudokey)" pkg/manifest.json; then fail "the key is in the manifest"; fi
grep -q "\"key_id\": \"$key_id\"" pkg/manifest.json || fail "manifest lacks the key id"
pass

# Same key, same order: byte-identical tables, on one thread or several.
extract order.toml src again
same pkg.plain/patients.csv again.plain/patients.csv
same pkg.plain/resultats.csv again.plain/resultats.csv
$CORDON extract --order order.toml --source src --controller-key ctrl.key.pub --signing-key vendor.key --pseudonym-key lab.pseudokey --threads 1 --out one >/dev/null
$CORDON extract --order order.toml --source src --controller-key ctrl.key.pub --signing-key vendor.key --pseudonym-key lab.pseudokey --threads 5 --out five >/dev/null
age -d -i recipient.key one/patients.csv.age >one.csv
age -d -i recipient.key five/patients.csv.age >five.csv
same one.csv pkg.plain/patients.csv
same five.csv pkg.plain/patients.csv

# Another domain: other pseudonyms (no NIR, no token in common).
make_order lab42-other other.toml
extract other.toml src other
python3 - pkg.plain/patients.csv other.plain/patients.csv <<'PY' || fail "another domain gave the same pseudonyms"
import csv, sys
a, b = (list(csv.DictReader(open(p, encoding="utf-8"))) for p in sys.argv[1:3])
assert not {r["NIR"] for r in a} & {r["NIR"] for r in b}
assert not {r["NUM_DOSSIER"] for r in a} & {r["NUM_DOSSIER"] for r in b}
PY
pass

# A FF1 pseudonym reverses with the key alone.
pseudo_nir=$(python3 -c 'import csv,sys; print(next(csv.DictReader(open(sys.argv[1], encoding="utf-8")))["NIR"])' pkg.plain/patients.csv)
real_nir=$(python3 -c 'import csv,sys; print(next(csv.DictReader(open(sys.argv[1], encoding="cp1252"), delimiter=";"))["NIR"])' src/patients.csv)
expect_code 0 $CORDON pseudonym reverse --key lab.pseudokey --domain lab42-test --kind nir --keep sex "$pseudo_nir"
[ "$(cat "$T/.out")" = "$real_nir" ] || fail "pseudonym reverse"
pass

# Partition invariance: the source cut in 4 (by patient) gives exactly the rows of one run.
python3 - src <<'PY'
import csv, os, sys
src = sys.argv[1]
for t in ("patients", "resultats"):
    rows = list(csv.reader(open(f"{src}/{t}.csv", encoding="cp1252", newline=""), delimiter=";"))
    for part in range(4):
        os.makedirs(f"part{part}", exist_ok=True)
        with open(f"part{part}/{t}.csv", "w", encoding="cp1252", newline="") as f:
            w = csv.writer(f, delimiter=";", lineterminator="\r\n")
            w.writerow(rows[0])
            w.writerows(r for r in rows[1:] if int(r[0]) % 4 == part)
PY
for part in 0 1 2 3; do extract order.toml "part$part" "out$part"; done
for t in patients resultats; do
  tail -q -n +2 out0.plain/$t.csv out1.plain/$t.csv out2.plain/$t.csv out3.plain/$t.csv | LC_ALL=C sort >parts.$t
  tail -n +2 pkg.plain/$t.csv | LC_ALL=C sort >single.$t
  same parts.$t single.$t
done

# cordon scan of the output: what it finds (valid pseudonym NIRs, fiction
# phone numbers) is never a source identifier.
expect_code 0 $CORDON scan pkg.plain --json
python3 - "$T/.out" src <<'PY' || fail "cordon scan found a real identifier in the output"
import csv, json, re, sys
report, src = json.load(open(sys.argv[1])), sys.argv[2]
real = set()
for r in csv.DictReader(open(f"{src}/patients.csv", encoding="cp1252"), delimiter=";"):
    real |= {r["NIR"], r["TEL"], r["EMAIL"]}
    real |= {re.sub(r"\D", "", x) for x in (r["NIR"], r["TEL"])}
lines = {}
assert report["findings"], "the scan found nothing at all (synthetic phones should be found)"
for f in report["findings"]:
    path = f["path"]
    if path not in lines:
        lines[path] = open(path, encoding="utf-8").read().split("\n")
    line = lines[path][f["line"] - 1].encode()
    rest = line[f["column"] - 1:].decode(errors="replace")
    token = re.match(r"[\w.@+ -]+", rest).group().strip()
    for v in real:
        assert not rest.startswith(v), f"{f['kind']} at {path}:{f['line']}"
PY
pass

# Re-identification risk: k on the quasi-identifiers as they leave.
python3 - order.toml <<'PY'
import sys
s = open(sys.argv[1]).read()
s = s.replace('subject = "NUM_DOSSIER"\n[table.types]\nDATE_NAISSANCE',
              'subject = "NUM_DOSSIER"\nquasi_identifiers = ["DATE_NAISSANCE", "CP", "SEXE"]\nmin_k = 5\n[table.types]\nDATE_NAISSANCE', 1)
open("k-refuse.toml", "w").write(s)
s = s.replace('DATE_NAISSANCE = "shift-date:30"', 'DATE_NAISSANCE = "generalize:year"')
s = s.replace('min_k = 5\n', 'min_k = 5\non_k_violation = "suppress"\n')
open("k-suppress.toml", "w").write(s)
PY
grep -q 'quasi_identifiers' k-refuse.toml || fail "k order not written"
$CORDON order sign -k ctrl.key k-refuse.toml >/dev/null
$CORDON order sign -k ctrl.key k-suppress.toml >/dev/null
expect_code 0 $CORDON plan --order k-refuse.toml --source src --pseudonym-key lab.pseudokey
grep -q "k        1 (smallest group on DATE_NAISSANCE, CP, SEXE" "$T/.out" || fail "plan does not report k"
grep -q "(extract refuses)" "$T/.out" || fail "plan does not say extract refuses"
expect_code 3 $CORDON extract --order k-refuse.toml --source src --controller-key ctrl.key.pub --signing-key vendor.key --pseudonym-key lab.pseudokey --out kref
expect_stderr "rows are in groups smaller than min_k = 5"
[ ! -e kref ] || fail "a refused extraction left a package"
extract k-suppress.toml src ksup
python3 - ksup ksup.plain <<'PY' || fail "k-anonymity suppression"
import collections, csv, json, sys
m = json.load(open(f"{sys.argv[1]}/manifest.json"))["tables"][0]
k = m["k_anonymity"]
rows = list(csv.DictReader(open(f"{sys.argv[2]}/patients.csv", encoding="utf-8")))
classes = collections.Counter((r["DATE_NAISSANCE"], r["CP"], r["SEXE"]) for r in rows)
assert min(classes.values()) >= 5, "a group below min_k left"
assert k["rows_suppressed"] > 0 and k["rows_suppressed"] + len(rows) == m["rows_read"], k
assert m["rows_written"] == len(rows) and k["min_k"] == 5 and k["on_k_violation"] == "suppress"
PY
pass

# Danish care records for a test server (docs/orders/dk-care-test-server.toml).
$CORDON testdata cpr-dk --people 3000 --seed 3 -o dk 2>/dev/null
sed -e "s/0000000000000000/$key_id/" \
  -e "s/age1yqyu0hj6q2g5ehl9rq5wzt7tqw4dqwfzq6z7k4a3n3yj0yxw7w6qf3aw5r/$recipient/" \
  "$top/docs/orders/dk-care-test-server.toml" >dk.toml
$CORDON order sign -k ctrl.key dk.toml >/dev/null
$CORDON extract --order dk.toml --source dk --controller-key ctrl.key.pub --signing-key vendor.key --pseudonym-key lab.pseudokey --out dkpkg >/dev/null
mkdir dk.plain
for t in borgere besoeg; do age -d -i recipient.key "dkpkg/$t.csv.age" >"dk.plain/$t.csv"; done
python3 - dk dk.plain <<'PY' || fail "Danish test data"
import csv, datetime, re, sys
src, out = sys.argv[1:3]
read = lambda p, sep: list(csv.DictReader(open(p, encoding="utf-8", newline=""), delimiter=sep))
sb, sv = read(f"{src}/borgere.csv", ";"), read(f"{src}/besoeg.csv", ";")
ob, ov = read(f"{out}/borgere.csv", ","), read(f"{out}/besoeg.csv", ",")
text = open(f"{out}/borgere.csv", encoding="utf-8").read() + open(f"{out}/besoeg.csv", encoding="utf-8").read()
W = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1]
def cpr_ok(c):
    d = c.replace("-", "")
    if len(d) != 10 or not d.isdigit():
        return None
    yy, s7 = int(d[4:6]), int(d[6])
    year = 1900 + yy if s7 <= 3 else (2000 + yy if yy <= 36 else 1900 + yy) if s7 in (4, 9) else (2000 + yy if yy <= 57 else 1800 + yy)
    try:
        datetime.date(year, int(d[2:4]), int(d[0:2]))
    except ValueError:
        return None
    return sum(int(x) * w for x, w in zip(d, W)) % 11 == 0
notes = " ".join(r["NOTAT"] for r in sv)
# A valid CPR pseudonym may by chance be another person's real number (it
# carries none of that person's data): the CPR column is checked row by row
# below, every other place for any source identifier.
text = "\n".join(",".join(v for k, v in r.items() if k != "CPR") for r in ob) + "\n".join(r["NOTAT"] for r in ov)
secrets = {r[k] for r in sb for k in ("CPR", "TELEFON", "EMAIL", "ADRESSE")}
secrets |= set(re.findall(r"\d{6}-\d{4}", notes)) | set(re.findall(r"\+45(?: \d\d){4}", notes))
secrets |= {r["FORNAVN"] + " " + r["EFTERNAVN"] for r in sb}
left = [s for s in secrets if s and s in text]
assert not left, f"{len(left)} Danish identifiers left"
assert len(ob) == len(sb) and len(ov) == len(sv)
for o, s in zip(ob, sb):
    c_in, c_out = cpr_ok(s["CPR"]), cpr_ok(o["CPR"])
    assert c_out is not None, "an output CPR has no real date"
    assert c_out == c_in, "mod 11 not kept"
    assert o["CPR"] != s["CPR"], "a citizen kept their CPR"
    assert int(o["CPR"][-1]) % 2 == int(s["CPR"][-1]) % 2, "sex not kept"
    assert o["TELEFON"].startswith("+45 0"), "a synthetic phone can reach someone"
    assert o["EFTERNAVN"] != s["EFTERNAVN"], "a citizen kept their surname"
assert {r["BORGER_ID"] for r in ov} <= {r["BORGER_ID"] for r in ob}, "visits lost their citizen"
assert "[CPR]" in text and "[PHONE]" in text and "[NAME]" in text, "the notes were not redacted"
PY
pass
done_ok
