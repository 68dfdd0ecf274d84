#!/usr/bin/env bash
# extract --avoid-real (issue 19, item 1): a pseudonymized CPR copy with no
# real identifier in it. Without the option, about 0.3 % of CPR pseudonyms are
# by chance another real citizen's number, and scan --watchlist reports them;
# with it, none, while the same citizen keeps one pseudonym in every table
# (joins), a value the watchlist does not hold is refused (naming the table
# and column, and the remedy), and the key holder reverses the pseudonyms
# with the watchlist.
. "$(dirname "$0")/lib.sh"

# Production: 20,000 citizens, and a second table naming some by CPR.
$CORDON testdata cpr-dk --people 20000 --seed 23 -o prod 2>/dev/null
python3 - prod <<'PY'
import csv, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(f"{d}/borgere.csv", encoding="utf-8", newline=""), delimiter=";"))
with open(f"{d}/kontakt.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, delimiter=";", lineterminator="\r\n")
    w.writerow(["BORGER_ID", "CPR", "KANAL"])
    for i, r in enumerate(rows):
        if i % 3 == 0:
            w.writerow([r["BORGER_ID"], r["CPR"], "brev"])
PY
$CORDON watchlist keygen -o watch.key >/dev/null 2>&1
$CORDON watchlist keygen -o other.key >/dev/null 2>&1
age-keygen -o recipient.key 2>/dev/null
recipient=$(age-keygen -y recipient.key)
$CORDON sign-keygen -o ctrl.key >/dev/null
$CORDON sign-keygen -o vendor.key >/dev/null
key_id=$($CORDON pseudokey new -o lab.pseudokey 2>/dev/null)
cat >order.toml <<TOML
[order]
id = "KOMMUNE-AVOID-REAL-TEST"
controller = "Eksempel Kommune"
processor = "Eksempel Software A/S"
purpose = "Test copy with no real CPR"
contract = "Databehandleraftale 2024-03"
not_after = 2027-06-30
retention_days = 90
recipients = ["$recipient"]
pseudonym_key_id = "$key_id"
pseudonym_domain = "kommune-avoid-real"

[[table]]
name = "borgere"
from = "borgere"
[table.columns]
BORGER_ID = "keep"
CPR = "pseudonym:cpr"

[[table]]
name = "kontakt"
from = "kontakt"
[table.columns]
BORGER_ID = "keep"
CPR = "pseudonym:cpr"
KANAL = "keep"
TOML
$CORDON order sign -k ctrl.key order.toml >/dev/null
expect_code 0 $CORDON watchlist build --source prod --order order.toml --key watch.key -o prod.watchlist

extract() {  # extract OUT [FLAGS...]: extract and decrypt into OUT.csv/
  local out=$1; shift
  expect_code 0 $CORDON extract --order order.toml --source "${SRC:-prod}" --controller-key ctrl.key.pub \
    --signing-key vendor.key --pseudonym-key lab.pseudokey --out "pkg-$out" "$@"
  mkdir -p "$out"
  for t in borgere kontakt; do age -d -i recipient.key "pkg-$out/$t.csv.age" >"$out/$t.csv"; done
}
extract plain
extract avoid --avoid-real prod.watchlist --watch-key watch.key
# Deterministic: the same key and watchlist give the same copy.
extract again --avoid-real prod.watchlist --watch-key watch.key
same avoid/borgere.csv again/borgere.csv
same avoid/kontakt.csv again/kontakt.csv

# Without the option some pseudonyms are real (the rate grows with the number
# of real CPRs: 0.3 % at 100,000 citizens); with it, none.
expect_code 0 $CORDON scan plain --watchlist prod.watchlist --watch-key watch.key --json
cp "$T/.out" plain.json
expect_code 0 $CORDON scan avoid --watchlist prod.watchlist --watch-key watch.key --json --fail-on-real
cp "$T/.out" avoid.json
python3 - plain.json avoid.json <<'PY' || fail "real CPRs in the copy"
import json, sys
p, a = (json.load(open(f))["summary"] for f in sys.argv[1:])
assert p["findings"] == a["findings"] > 26000, (p, a)
assert p["real_counts"]["cpr"] >= 5, p   # about 0.06 %: 22,000 real CPRs in 36.6 million
assert a["real"] == 0 and a["not_in_production"] == a["findings"], a
print(f"avoid_real_test: {p['real_counts']['cpr']} of {p['findings']} CPR pseudonyms real without "
      f"--avoid-real, {a['real']} with it")
PY
pass
expect_code 1 $CORDON scan plain --watchlist prod.watchlist --watch-key watch.key --fail-on-real

# Joins: a citizen has one pseudonym in both tables; pseudonyms are distinct;
# most are the ordinary pseudonym (only the real or taken ones moved).
python3 - prod plain avoid >moved.txt <<'PY' || fail "joins or injectivity"
import csv, sys
prod, plain, avoid = sys.argv[1:]
read = lambda p, sep: list(csv.DictReader(open(p, encoding="utf-8", newline=""), delimiter=sep))
orig = {r["BORGER_ID"]: r["CPR"] for r in read(f"{prod}/borgere.csv", ";")}
b = {r["BORGER_ID"]: r["CPR"] for r in read(f"{avoid}/borgere.csv", ",")}
k = {r["BORGER_ID"]: r["CPR"] for r in read(f"{avoid}/kontakt.csv", ",")}
pl = {r["BORGER_ID"]: r["CPR"] for r in read(f"{plain}/borgere.csv", ",")}
assert len(k) > 6000 and all(b[i] == c for i, c in k.items()), "a join broke"
by_orig = {}
for i, c in b.items():
    by_orig.setdefault(orig[i], set()).add(c)
assert all(len(s) == 1 for s in by_orig.values()), "one CPR, two pseudonyms"
assert len(set(b.values())) == len(by_orig), "two citizens share a pseudonym"
moved = [i for i in b if b[i] != pl[i]]
assert 5 <= len(moved) < len(b) // 20, len(moved)
for i in moved[:5] + [i for i in b if i not in moved][:5]:
    print(i, orig[i], b[i])
PY
pass

# The key holder reverses them with the watchlist (moved ones included);
# without it, a moved pseudonym does not give the citizen back.
while read -r id original pseudonym; do
  expect_code 0 $CORDON pseudonym reverse --key lab.pseudokey --domain kommune-avoid-real --kind cpr \
    --watchlist prod.watchlist --watch-key watch.key "$pseudonym"
  [ "$(cat "$T/.out")" = "$original" ] || fail "reverse of $id"
done <moved.txt
pass
read -r _ original pseudonym <moved.txt
expect_code 0 $CORDON pseudonym reverse --key lab.pseudokey --domain kommune-avoid-real --kind cpr "$pseudonym"
[ "$(cat "$T/.out")" != "$original" ] || fail "a moved pseudonym reversed without the watchlist"
expect_code 3 $CORDON pseudonym reverse --key lab.pseudokey --domain kommune-avoid-real --kind cpr \
  --watchlist prod.watchlist --watch-key watch.key "$original"
expect_stderr "not a pseudonym made with --avoid-real"

# The manifest and the ledger record the option: the watch key id and the
# digest count, never a value.
python3 - pkg-avoid/manifest.json pkg-plain/manifest.json "$(grep -o '[0-9a-f]\{16\}' watch.key | head -1)" <<'PY' || fail "manifest"
import json, sys
a, p = (json.load(open(f)) for f in sys.argv[1:3])
ar = a["pseudonyms"]["avoid_real"]
assert ar["digests"] > 20000 and ar["watch_key_id"] == sys.argv[3], ar
assert "avoid_real" not in p["pseudonyms"], p["pseudonyms"]
PY
pass
$CORDON ledger show >ledger.txt 2>&1 || true
grep -q "avoid_real" ledger.txt || grep -rqa "avoid_real" "$CORDON_LEDGER" || fail "no avoid_real in the ledger"
pass

# A CPR the watchlist does not hold (a citizen added after the snapshot):
# refused, naming the table and column and the remedy; nothing written.
cp -r prod prod2
python3 - prod2 <<'PY'
import sys
with open(f"{sys.argv[1]}/kontakt.csv", "a", encoding="utf-8", newline="") as f:
    f.write("B9999999;010190-0007;brev\r\n")
PY
grep -rq "010190-0007\|0101900007" prod && fail "the added CPR is in production"
expect_code 3 $CORDON extract --order order.toml --source prod2 --controller-key ctrl.key.pub \
  --signing-key vendor.key --pseudonym-key lab.pseudokey --out pkg-refused \
  --avoid-real prod.watchlist --watch-key watch.key
expect_stderr "kontakt"
expect_stderr "CPR"
expect_stderr "watchlist build"
[ ! -e pkg-refused ] || fail "a refused extraction left a package"
grep -q "010190-0007" "$T/.err" && fail "the refusal quotes the value"
pass
# Another watch key, or no key: refused before anything is read.
expect_code 3 $CORDON extract --order order.toml --source prod --controller-key ctrl.key.pub \
  --signing-key vendor.key --pseudonym-key lab.pseudokey --out pkg-x \
  --avoid-real prod.watchlist --watch-key other.key
expect_code 2 $CORDON extract --order order.toml --source prod --controller-key ctrl.key.pub \
  --signing-key vendor.key --pseudonym-key lab.pseudokey --out pkg-y --avoid-real prod.watchlist
done_ok
