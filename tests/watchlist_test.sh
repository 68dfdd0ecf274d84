#!/usr/bin/env bash
# "Is there a real patient on this test server?" (issue 19, part 1), with the
# real tools: production exports (French LIS and Danish care records), their
# watchlists (keyed digests, no identifier in them), pseudonymized test copies
# (the docs/orders test-server orders, extracted and decrypted with age), then
# 3 real NIRs and 2 real CPRs planted in a CSV, a log line and SQLite cells.
# cordon scan --watchlist reports exactly those as real and every pseudonym
# as valid, not in production; --fail-on-real exits 1; a wrong key is refused.
. "$(dirname "$0")/lib.sh"
top=$(cd "$HERE/.." && pwd)

# Production: 3,000 French patients, 3,000 Danish citizens.
$CORDON testdata lis-fr --patients 3000 --seed 19 -o prod-fr 2>/dev/null
$CORDON testdata cpr-dk --people 3000 --seed 19 -o prod-dk 2>/dev/null

# The controller's watch key and watchlists: one per system, and merged.
watch_id=$($CORDON watchlist keygen -o watch.key 2>/dev/null)
[ "$(stat -c %a watch.key)" = 600 ] || fail "the watch key is readable by others"
pass
age-keygen -o recipient.key 2>/dev/null
recipient=$(age-keygen -y recipient.key)
$CORDON sign-keygen -o ctrl.key >/dev/null
$CORDON sign-keygen -o vendor.key >/dev/null
key_id=$($CORDON pseudokey new -o lab.pseudokey 2>/dev/null)
for o in lis-test-server dk-care-test-server; do
  sed -e "s/0000000000000000/$key_id/" \
    -e "s/age1yqyu0hj6q2g5ehl9rq5wzt7tqw4dqwfzq6z7k4a3n3yj0yxw7w6qf3aw5r/$recipient/" \
    "$top/docs/orders/$o.toml" >"$o.toml"
  $CORDON order sign -k ctrl.key "$o.toml" >/dev/null
done
expect_code 0 $CORDON watchlist build --source prod-fr --order lis-test-server.toml --columns NIR,TEL \
  --key watch.key -o fr.watchlist --json
python3 - "$T/.out" "$watch_id" <<'PY' || fail "build summary"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["key_id"] == sys.argv[2], s
assert s["counts"]["nir"] >= 3000 and s["counts"]["phone"] >= 3000 and s["counts"]["email"] >= 3000, s
assert s["rows"] > 3000 and s["tables"] == 2, s
assert s["bytes"] == 8 * s["digests"] + len(f"cordon-watchlist 2\nkey {s['key_id']}\ndigest aes256-cmac-64\ncount {s['digests']}\n\n") + 32, s
assert s["false_positive_rate"] < 1e-14, s
PY
pass
# The digests are what the format says, computed by OpenSSL's command line
# alone: k2 = HKDF-SHA-256(watch key, "cordon watchlist v2", "digest"), a
# NIR's digest the first 8 bytes of AES-256-CMAC(k2, 0x01 ‖ its 15 digits).
python3 - watch.key fr.watchlist prod-fr/patients.csv <<'PY' || fail "a digest is not the format's"
import base64, csv, subprocess, sys
secret = next(l for l in open(sys.argv[1]) if l.startswith("CORDON-WATCH-KEY-1 ")).split()[1]
k2 = subprocess.run(["openssl", "kdf", "-keylen", "32", "-kdfopt", "digest:SHA256",
                     "-kdfopt", "hexkey:" + base64.b64decode(secret).hex(),
                     "-kdfopt", "salt:cordon watchlist v2", "-kdfopt", "info:digest", "HKDF"],
                    capture_output=True, text=True, check=True).stdout.strip().replace(":", "")
data = open(sys.argv[2], "rb").read()
body = data[data.index(b"\n\n") + 2:-32]
digests = {body[i:i + 8] for i in range(0, len(body), 8)}
rows = csv.DictReader(open(sys.argv[3], encoding="cp1252", newline=""), delimiter=";")
nirs = [r["NIR"].replace(" ", "") for r in rows if r["NIR"].replace(" ", "").isdigit()][:3]
assert len(nirs) == 3, nirs
for nir in nirs:
    mac = subprocess.run(["openssl", "mac", "-cipher", "AES-256-CBC", "-macopt", "hexkey:" + k2,
                          "-in", "/dev/stdin", "CMAC"], input=b"\x01" + nir.encode(),
                         capture_output=True, check=True).stdout.decode().strip()
    assert bytes.fromhex(mac)[:8] in digests, nir
# A NIR tagged as another kind is another digest: not in the list.
mac = subprocess.run(["openssl", "mac", "-cipher", "AES-256-CBC", "-macopt", "hexkey:" + k2,
                      "-in", "/dev/stdin", "CMAC"], input=b"\x02" + nirs[0].encode(),
                     capture_output=True, check=True).stdout.decode().strip()
assert bytes.fromhex(mac)[:8] not in digests
PY
pass
expect_code 0 $CORDON watchlist build --source prod-dk --order dk-care-test-server.toml \
  --key watch.key -o dk.watchlist
grep -q "cpr" "$T/.out" || fail "no CPR in the Danish watchlist"
expect_code 0 $CORDON watchlist merge fr.watchlist dk.watchlist -o all.watchlist
expect_code 0 $CORDON watchlist info all.watchlist --json
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["key_id"]==sys.argv[2] and j["digests"]>12000 and j["version"]==2, j' \
  "$T/.out" "$watch_id" || fail "watchlist info"
pass
# The build is recorded, with counts only.
grep -q "watchlist-build" "$CORDON_LEDGER"/* 2>/dev/null || $CORDON ledger show | grep -q watchlist-build ||
  fail "the build is not in the ledger"
pass

# The watchlists hold no identifier: no production value in them (as text,
# digits only, or as the 8 bytes of the number), and cordon scan finds nothing.
python3 - prod-fr prod-dk fr.watchlist dk.watchlist all.watchlist <<'PY' || fail "an identifier in a watchlist"
import csv, re, struct, sys
fr, dk, *lists = sys.argv[1:]
values = set()
for r in csv.DictReader(open(f"{fr}/patients.csv", encoding="cp1252"), delimiter=";"):
    values |= {r["NIR"], r["TEL"], r["EMAIL"], re.sub(r"\D", "", r["TEL"])}
for r in csv.DictReader(open(f"{dk}/borgere.csv", encoding="utf-8"), delimiter=";"):
    values |= {r["CPR"], r["CPR"].replace("-", ""), r["EMAIL"], re.sub(r"\D", "", r["TELEFON"])}
for path in lists:
    data = open(path, "rb").read()
    for v in values:
        assert v.encode() not in data, (path, "a value in clear")
        if v.isdigit():
            assert struct.pack(">Q", int(v)) not in data and struct.pack("<Q", int(v)) not in data, path
PY
pass
expect_code 0 $CORDON scan fr.watchlist dk.watchlist all.watchlist --fail-on-findings
for f in fr.watchlist dk.watchlist; do
  # The digests after the header: random bytes hold ten digits in a row with
  # probability ~1e-14 per byte. (Not the header: its key id is 16 hex
  # digits, ten of them decimal in a row about once in 16 keys.)
  if ! python3 - "$f" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
body = data[data.index(b"\n\n") + 2:]
sys.exit(1 if re.search(rb"[0-9]{10}|[0-9]{6}-[0-9]{4}", body) else 0)
PY
  then fail "$f holds something like an identifier"; fi
done
pass

# The test server: both exports pseudonymized by their orders, decrypted there.
mkdir -p server/data server/logs
$CORDON extract --order lis-test-server.toml --source prod-fr --controller-key ctrl.key.pub \
  --signing-key vendor.key --pseudonym-key lab.pseudokey --out pkg-fr >/dev/null
$CORDON extract --order dk-care-test-server.toml --source prod-dk --controller-key ctrl.key.pub \
  --signing-key vendor.key --pseudonym-key lab.pseudokey --out pkg-dk >/dev/null
for t in patients resultats; do age -d -i recipient.key "pkg-fr/$t.csv.age" >"server/data/$t.csv"; done
for t in borgere besoeg; do age -d -i recipient.key "pkg-dk/$t.csv.age" >"server/data/$t.csv"; done

# Pseudonyms that are by chance real production values (a valid pseudonym
# can be another person's number): counted independently, they are real too.
# The watchlist holds every NIR and CPR of production, those in free text
# (relatives' numbers in visit notes) too.
collisions=$(python3 - prod-fr prod-dk server/data <<'PY'
import csv, glob, re, sys
fr, dk, out = sys.argv[1:]
text = lambda d, enc: "\n".join(open(p, encoding=enc).read() for p in glob.glob(f"{d}/*.csv"))
nir = r"(?<![\w])[1278] ?\d\d ?\d\d ?(?:\d\d|2[AB]) ?\d\d\d ?\d\d\d ?\d\d(?![\w])"
real_nir = {m.replace(" ", "") for m in re.findall(nir, text(fr, "cp1252"))}
real_cpr = {m.replace("-", "") for m in re.findall(r"(?<!\d)\d{6}-?\d{4}(?!\d)", text(dk, "utf-8"))}
p_nir = [r["NIR"] for r in csv.DictReader(open(f"{out}/patients.csv", encoding="utf-8"))]
p_cpr = [r["CPR"].replace("-", "") for r in csv.DictReader(open(f"{out}/borgere.csv", encoding="utf-8"))]
print(sum(v in real_nir for v in p_nir) + sum(v in real_cpr for v in p_cpr))
PY
)
echo "watchlist_test: $collisions pseudonyms of 6,000 equal a real production NIR or CPR"

# Before anything is planted: every finding is a pseudonym or synthetic value.
expect_code 0 $CORDON scan server --watchlist fr.watchlist --watchlist dk.watchlist \
  --watch-key watch.key --json
python3 - "$T/.out" "$collisions" <<'PY' || fail "a pseudonym reported as real"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["summary"]
assert s["findings"] > 6000, s
assert s["real"] == int(sys.argv[2]), s
assert s["not_in_production"] == s["findings"] - s["real"], s
assert all("real" in f for f in r["findings"]), "a finding without its presence"
PY
pass
if [ "$collisions" = 0 ]; then
  expect_code 0 $CORDON scan server --watchlist all.watchlist --watch-key watch.key --fail-on-real
fi

# Plant 3 real NIRs and 2 real CPRs: a CSV row (NIR grouped as on the carte
# Vitale), a log line (NIR and CPR), SQLite cells (a NIR as an INTEGER, a
# CPR as ten digits, mod 11 right).
python3 - prod-fr prod-dk server <<'PY'
import csv, sqlite3, sys
fr, dk, server = sys.argv[1:]
# Production writes some NIRs grouped ("1 84 12 …"): digits-only ones are
# planted, and the CSV one is grouped again here.
nirs = [r["NIR"] for r in csv.DictReader(open(f"{fr}/patients.csv", encoding="cp1252"), delimiter=";")
        if r["NIR"].isdigit()]
W = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1]
cprs = [r["CPR"] for r in csv.DictReader(open(f"{dk}/borgere.csv", encoding="utf-8"), delimiter=";")
        if sum(int(x) * w for x, w in zip(r["CPR"].replace("-", ""), W)) % 11 == 0]
n1, n2, n3 = nirs[10], nirs[500], nirs[-1]
c1, c2 = cprs[7], cprs[-1]
g = f"{n1[0]} {n1[1:3]} {n1[3:5]} {n1[5:7]} {n1[7:10]} {n1[10:13]} {n1[13:]}"
with open(f"{server}/data/patients.csv", "a", encoding="utf-8") as f:
    f.write(f"tok-planted,{g},X,Y,F,01/01/1970,,75,,,,,,,\n")
with open(f"{server}/logs/app.log", "w") as f:
    f.write("2026-11-30 10:00:01 INFO start\n")
    f.write(f"2026-11-30 10:00:02 ERROR import failed for patient nir={n2} cpr={c1} retrying\n")
db = sqlite3.connect(f"{server}/data/cache.db")
db.execute("CREATE TABLE cache (id INTEGER PRIMARY KEY, patient INTEGER, note TEXT)")
db.execute("INSERT INTO cache (patient, note) VALUES (?, ?)", (int(n3), "ok"))
db.execute("INSERT INTO cache (patient, note) VALUES (?, ?)", (0, "cpr " + c2.replace("-", "")))
db.commit()
PY
lines=$(wc -l <server/data/patients.csv)

expect_code 0 $CORDON scan server --watchlist fr.watchlist --watchlist dk.watchlist \
  --watch-key watch.key --json
python3 - "$T/.out" "$collisions" "$lines" <<'PY' || fail "the planted identifiers are not exactly the real ones"
import json, sys
r = json.load(open(sys.argv[1]))
collisions, lines = int(sys.argv[2]), int(sys.argv[3])
s = r["summary"]
assert s["real"] == 5 + collisions, s
assert s["real_counts"]["nir"] >= 3 and s["real_counts"]["cpr"] >= 2, s
assert s["not_in_production"] == s["findings"] - s["real"], s
real = {(f["path"], f["line"], f["kind"]) for f in r["findings"] if f["real"]}
planted = {("server/data/patients.csv", lines, "nir"), ("server/logs/app.log", 2, "nir"),
           ("server/logs/app.log", 2, "cpr"), ("server/data/cache.db:cache:patient:1", 1, "nir"),
           ("server/data/cache.db:cache:note:2", 1, "cpr")}
assert planted <= real, (planted - real, real)
assert len(real - planted) == collisions, real - planted
PY
pass
# The text report says it too, real ones first, and so does SARIF.
expect_code 0 $CORDON scan server --watchlist all.watchlist --watch-key watch.key
grep -q "server/logs/app.log: 1 nir, 1 cpr (2 real, 0 valid, not in production)" "$T/.out" || fail "text report"
grep -qE "^  server/data/patients.csv:$lines:[0-9]+  nir  .*  real$" "$T/.out" || fail "text report: the real row"
grep -qE "; $((5 + collisions)) real, [0-9,]+ valid, not in production$" "$T/.out" || fail "text summary"
expect_code 0 $CORDON scan server --watchlist all.watchlist --watch-key watch.key --sarif
python3 - "$T/.out" <<'PY' || fail "SARIF report"
import json, sys
res = json.load(open(sys.argv[1]))["runs"][0]["results"]
real = [x for x in res if x["properties"].get("real")]
assert len(real) >= 5 and all(x["level"] == "error" for x in real)
assert all(x["level"] == "note" for x in res if x["properties"].get("real") is False)
PY
pass
# Findings are masked in every report: no planted value in clear.
python3 - prod-fr "$T/.out" <<'PY' || fail "an identifier in clear in the report"
import csv, sys
report = open(sys.argv[2]).read()
for r in csv.DictReader(open(f"{sys.argv[1]}/patients.csv", encoding="cp1252"), delimiter=";"):
    assert r["NIR"] not in report
PY
pass

# The CI gate, and what it refuses.
expect_code 1 $CORDON scan server --watchlist all.watchlist --watch-key watch.key --fail-on-real
expect_code 0 $CORDON scan server/data/resultats.csv --watchlist all.watchlist --watch-key watch.key --fail-on-real
cp watch.key shared.key && chmod 644 shared.key  # a watch key others may read: refused
expect_code 2 $CORDON scan server --watchlist all.watchlist --watch-key shared.key
expect_stderr "accessible by group or others"
rm shared.key
$CORDON watchlist keygen -o other.key >/dev/null 2>&1
expect_code 3 $CORDON scan server --watchlist all.watchlist --watch-key other.key
expect_stderr "made with watch key $watch_id"
expect_code 2 $CORDON scan server --watchlist all.watchlist
expect_code 2 $CORDON scan server --fail-on-real
expect_code 2 $CORDON scan server --watchlist lis-test-server.toml --watch-key watch.key
expect_stderr "not a valid watchlist"
head -c 200 all.watchlist >cut.watchlist
expect_code 2 $CORDON scan server --watchlist cut.watchlist --watch-key watch.key
expect_stderr "truncated"
expect_code 2 $CORDON scan server --watchlist all.watchlist --watch-key lab.pseudokey
expect_stderr "not a cordon watch key file"
# Without a watchlist the report is as it always was.
expect_code 0 $CORDON scan server --json
if grep -q '"real"' "$T/.out"; then fail "a plain scan mentions real"; fi
pass
done_ok
