#!/usr/bin/env bash
# The ledger end to end: every data command leaves an entry; the controller's
# report and every proof check with an independent verifier (Python, from the
# C2SP and RFC texts); altering, deleting, reordering, re-signing and forking
# are caught; a writer killed mid-append leaves a ledger that verifies; no
# patient data ever reaches it.
. "$(dirname "$0")/lib.sh"
verifier=("python3" "$HERE/ledger_verifier.py")

# A ledger of our own, signed with a key from sign-keygen.
$CORDON sign-keygen -o ledger.key >/dev/null
expect_code 0 $CORDON ledger init --dir L --origin lab42.example/cordon -k ledger.key
export CORDON_LEDGER="$T/L"
vkey=$($CORDON ledger vkey)
grep -qF "$vkey" "$T/.out" || fail "init printed another verifier key"
[[ $vkey == lab42.example/cordon+????????+* ]] || fail "vkey shape: $vkey"
expect_code 4 $CORDON ledger init --dir L --origin lab42.example/cordon   # never twice
$CORDON ledger checkpoint >cp-genesis.txt
"${verifier[@]}" checkpoint cp-genesis.txt "$vkey" >/dev/null || fail "genesis checkpoint"
pass

# The migration of the CNIL decision, recorded step by step.
migration_order 2000 5
expect_code 0 $CORDON order sign order.toml -k ctrl.key
cp -r L L-fork                                   # a copy taken now, rewritten below
expect_code 0 $CORDON plan --order order.toml --source src
expect_code 0 $CORDON extract --order order.toml --source src --controller-key ctrl.key.pub \
  --signing-key vendor.key --out pkg
expect_code 3 $CORDON extract --order order.toml --source src --controller-key vendor.key.pub \
  --signing-key vendor.key --out pkg2            # wrong controller key: refused, recorded
expect_code 0 $CORDON open pkg -i recipient.key --processor-key vendor.key.pub --out imported
expect_code 0 $CORDON scan imported
expect_code 0 $CORDON report --order $order -o report.md
expect_code 0 $CORDON report --order $order -o report.html
actions=$("${verifier[@]}" report report.md "$vkey" $order) || fail "report.md does not verify"
[ "$actions" = "order.sign:ok plan:ok extract:ok extract:refused open:ok report:ok" ] ||
  fail "report.md lists: $actions"
actions=$("${verifier[@]}" report report.html "$vkey" $order) || fail "report.html does not verify"
[[ $actions == *"open:ok report:ok report:ok" ]] || fail "report.html lists: $actions"
grep -q "Extracted and sealed a package. Left: patients: " report.html || fail "report lacks counts"
grep -q "REFUSED: " report.md || fail "report hides the refusal"
manifest_sha=$(sha256sum pkg/manifest.json | cut -d' ' -f1)
grep -q "$manifest_sha" <($CORDON ledger show --json) || fail "manifest hash not in the ledger"
pass

# The HTML report as a browser reads it (headless Chromium): every event a
# row, the evidence intact, and hostile text in an order id or an error
# stays text (no element injected, the evidence script not broken out of).
evil='X</script><img src=x onerror=alert(1)><b>'
printf '{"action":"extract","order":{"id":"%s"},"outcome":"refused","error":"%s"}\n' \
  "$evil" '<i>x</i>' >evil.json
expect_code 0 $CORDON ledger append --json evil.json
for pair in "$order:report.html" "$evil:evil.html"; do
  id=${pair%:*} file=${pair##*:}
  expect_code 0 $CORDON report --order "$id" -o "$file"
  # Its profile, caches and crash reports stay in the scratch (none in ~).
  HOME="$T/chromium" XDG_CONFIG_HOME="$T/chromium" XDG_CACHE_HOME="$T/chromium" TMPDIR="$T" \
    chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$T/chromium/profile" \
    --dump-dom "file://$T/$file" 2>/dev/null >"$file.dom" || fail "chromium could not load $file"
  python3 - "$file.dom" "$id" <<'PY' || fail "$file as Chromium reads it"
import json, sys
from html.parser import HTMLParser
class Page(HTMLParser):
    def __init__(self):
        super().__init__(); self.tags = []; self.script = None; self.evidence = ""
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "script": self.script = dict(attrs).get("id")
    def handle_endtag(self, tag):
        if tag == "script": self.script = None
    def handle_data(self, data):
        if self.script == "cordon-evidence": self.evidence += data
page = Page(); page.feed(open(sys.argv[1]).read())
ev = json.loads(page.evidence)
assert ev["order_id"] == sys.argv[2], "evidence is about another order"
rows = page.tags.count("tr") - 1  # minus the header row
assert rows == len(ev["entries"]) > 0, f"{rows} rows for {len(ev['entries'])} events"
for t in ("img", "b", "i"):
    assert t not in page.tags, f"<{t}> injected into the page"
PY
done
pass

# Every entry's inclusion proof, and consistency with the first checkpoint.
size=$($CORDON ledger show --json | wc -l)
for i in $(seq 0 $((size - 1))); do
  $CORDON ledger prove --index "$i" --json >proof.json
  "${verifier[@]}" prove proof.json "$vkey" >/dev/null || fail "proof of entry $i"
done
$CORDON ledger consistency --old cp-genesis.txt --json >consistency.json
"${verifier[@]}" consistency consistency.json cp-genesis.txt "$vkey" >/dev/null || fail "consistency"
$CORDON ledger checkpoint >cp-now.txt
expect_code 0 $CORDON ledger verify --vkey "$vkey"
pass

# No patient data in the ledger: the detectors find nothing in it, nor do
# the source's names, NIRs or phone numbers appear.
expect_code 0 $CORDON scan L --fail-on-findings
python3 - src/patients.csv L/ledger.log <<'PY' || fail "source values in the ledger"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="latin-1", newline=""), delimiter=";"))[1:300]
log = open(sys.argv[2], "rb").read()
for r in rows:
    for v in (r[1], r[2], r[9], r[10]):  # NIR, NOM, TEL, EMAIL
        if len(v) > 3 and v.encode("utf-8") in log:
            sys.exit(f"{v[:2]}… found")
PY
n=$($CORDON ledger show --json | wc -l)
expect_code 3 $CORDON ledger append --action note --json <(echo '{"who":"2 68 10 97 411 444 56"}')
[ "$($CORDON ledger show --json | wc -l)" -eq "$n" ] || fail "a refused event was appended"
expect_code 2 $CORDON ledger append --action note --json <(echo '{"seq":1}')
pass

# Tampering with copies: each is caught, naming what is wrong.
tamper() {  # tamper NAME PYTHON-EDIT: edits copy NAME's ledger.log
  rm -rf "$1" && cp -r L "$1"
  python3 - "$1/ledger.log" "$2" <<'PY'
import struct, sys
path, how = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
magic = b"cordon-ledger v1\n"
recs, pos = [], len(magic)
while pos < len(data):
    n = struct.unpack("<I", data[pos:pos + 4])[0]
    if n == 0:          # the end marker; zeros follow
        break
    recs.append(bytearray(data[pos:pos + 4 + n + 32])); pos += 4 + n + 32
if how == "alter":      # one character of entry 3, checksum left as it was
    recs[3][20] ^= 1
elif how == "rehash":   # entry 3 altered and its checksum recomputed
    import hashlib
    n = struct.unpack("<I", recs[3][:4])[0]
    recs[3][4 + 10] ^= 1
    recs[3][4 + n:] = hashlib.sha256(b"\0" + bytes(recs[3][4:4 + n])).digest()
elif how == "delete":
    del recs[4]
elif how == "reorder":
    recs[2], recs[3] = recs[3], recs[2]
open(path, "wb").write(magic + b"".join(bytes(r) for r in recs))
PY
}
for how in alter rehash delete reorder; do
  tamper "T-$how" $how
  expect_code 3 $CORDON ledger verify --ledger "T-$how" --vkey "$vkey"
done
grep -q "entry 2" "$T/.err" || { cat "$T/.err"; fail "reorder not located"; }
# Re-signed with another key (the attacker rewrote checkpoints.log and vkey).
rm -rf T-resign && cp -r L T-resign
$CORDON sign-keygen -o evil.key >/dev/null
rm T-resign/ledger.log T-resign/checkpoints.log T-resign/offsets T-resign/signing.key T-resign/vkey
rm -rf T-resign/tree
$CORDON ledger init --dir T-resign --origin lab42.example/cordon -k evil.key >/dev/null
expect_code 3 $CORDON ledger verify --ledger T-resign --vkey "$vkey"
expect_stderr "not signed by lab42.example/cordon"
# A fork: the copy taken after signing, extended otherwise, no longer
# extends the checkpoint the controller kept.
expect_code 3 $CORDON ledger consistency --ledger L-fork --old cp-now.txt
for i in $(seq 1 12); do $CORDON ledger append --ledger L-fork --action filler >/dev/null; done
expect_code 3 $CORDON ledger consistency --ledger L-fork --old cp-now.txt
expect_stderr "the ledger was rewritten"
pass

# A writer killed with SIGKILL mid-append, and a torn tail: the ledger still
# verifies, the torn entry is dropped with a warning, the rest stays.
python3 -c 'import sys
for i in range(200000): print("{\"action\":\"bulk\",\"i\":%d}" % i)' >bulk.jsonl
before=$($CORDON ledger show --json | wc -l)
$CORDON ledger append --json bulk.jsonl --batch 1 >/dev/null 2>&1 &
writer=$!
sleep 0.7
kill -9 $writer; wait $writer 2>/dev/null || true
after=$($CORDON ledger show --json | wc -l)
[ "$after" -gt "$before" ] || fail "nothing was appended before the kill"
python3 - L/ledger.log <<'PY'                     # the last record torn
import struct, sys
data = open(sys.argv[1], "rb").read()
pos = len(b"cordon-ledger v1\n")
while pos + 4 <= len(data) and struct.unpack("<I", data[pos:pos + 4])[0]:
    pos += 4 + struct.unpack("<I", data[pos:pos + 4])[0] + 32
open(sys.argv[1], "r+b").truncate(pos - 7)
PY
expect_code 0 $CORDON ledger verify --vkey "$vkey"
expect_stderr "interrupted append"
expect_code 0 $CORDON ledger append --action after-crash
expect_stderr "dropped"
expect_code 0 $CORDON ledger verify --vkey "$vkey"
[ ! -s "$T/.err" ] || { cat "$T/.err"; fail "warnings after recovery"; }
[ "$($CORDON ledger show --json | wc -l)" -eq "$after" ] || fail "entries lost beyond the torn one"
pass

# Two processes appending at once are serialized: nothing lost or mixed.
before=$($CORDON ledger show --json | wc -l)
head -3000 bulk.jsonl >a.jsonl && head -3000 bulk.jsonl | sed 's/bulk/other/' >b.jsonl
$CORDON ledger append --json a.jsonl --batch 7 >/dev/null & p1=$!
$CORDON ledger append --json b.jsonl --batch 11 >/dev/null & p2=$!
wait $p1 && wait $p2 || fail "a concurrent writer failed"
[ "$($CORDON ledger show --json | wc -l)" -eq $((before + 6000)) ] || fail "concurrent appends lost"
expect_code 0 $CORDON ledger verify --vkey "$vkey"
pass

# The per-user default ledger is created on first use, with its own key;
# a command whose ledger cannot be opened does nothing.
echo hello >plain.txt
expect_code 0 env -u CORDON_LEDGER HOME="$T/home" XDG_DATA_HOME= $CORDON encrypt -r "$recipient" -o plain.age plain.txt
expect_stderr "created your ledger in $T/home/.local/share/cordon/ledger"
expect_code 0 env -u CORDON_LEDGER HOME="$T/home" XDG_DATA_HOME= $CORDON ledger verify
expect_code 0 env -u CORDON_LEDGER XDG_DATA_HOME="$T/xdg" $CORDON decrypt -i recipient.key -o plain.out plain.age
[ -f "$T/xdg/cordon/ledger/ledger.log" ] || fail "XDG_DATA_HOME not used"
expect_code 1 env CORDON_LEDGER="$T/nowhere" $CORDON encrypt -r "$recipient" -o never.age plain.txt
[ ! -e never.age ] || fail "a command ran without its ledger"
done_ok
