#!/usr/bin/env bash
# `cordon trace` (docs/trace.md): twenty packages of one source to five
# recipients — ten migrations of real data, ten test copies with
# per-recipient pseudonyms — and leaked files made from one package's
# decrypted output, each traced to that package and recipient and no other;
# two packages mixed name both; invented rows name none; an altered
# provenance file is reported, not trusted; --subject finds one person's
# packages without writing the identifier anywhere; --notification drafts
# Art. 33 in French and English.
. "$(dirname "$0")/lib.sh"
LEAKS="python3 $HERE/trace_leaks.py"

$CORDON testdata lis-fr --patients 1300 --seed 19 -o src 2>/dev/null
$CORDON sign-keygen -o ctrl.key >/dev/null
$CORDON sign-keygen -o vendor.key >/dev/null
$CORDON trace keygen -o trace.key >/dev/null 2>&1
$CORDON pseudokey new -o lab.pseudokey >/dev/null 2>&1
pk=$($CORDON pseudokey id lab.pseudokey)
declare -a R
for r in 0 1 2 3 4; do
  age-keygen -o r$r.key 2>/dev/null
  R[$r]=$(age-keygen -y r$r.key)
done

# order I LO HI RECIPIENT TEST: patients LO <= NUM_DOSSIER < HI, and their results.
order() {
  local i=$1 lo=$2 hi=$3 rcp=$4 test=$5 f
  if [ "$test" = 1 ]; then f=(fpe:digits pseudonym:nir synthetic:last_name synthetic:first_name); else f=(keep keep keep keep); fi
  {
    echo '[order]'
    echo "id = \"LAB42-$i\""
    echo 'controller = "Laboratoire Exemple"'
    echo 'processor = "Éditeur Exemple"'
    echo 'purpose = "Migration and test copies"'
    echo 'contract = "DPA 2019-017 (GDPR art. 28)"'
    echo 'not_after = 2099-06-30'
    echo 'retention_days = 30'
    echo "recipients = [\"$rcp\"]"
    if [ "$test" = 1 ]; then
      echo "pseudonym_key_id = \"$pk\""
      echo 'pseudonym_domain = "lab42-test"'
      echo 'pseudonym_scope = "recipients"'
    fi
    echo '[[table]]'
    echo 'name = "patients"'
    echo 'from = "patients"'
    echo "where = \"NUM_DOSSIER >= $lo AND NUM_DOSSIER < $hi\""
    echo '[table.types]'
    echo 'NUM_DOSSIER = "int"'
    echo '[table.columns]'
    echo "NUM_DOSSIER = \"${f[0]}\""
    echo "NIR = \"${f[1]}\""
    echo "NOM = \"${f[2]}\""
    echo "PRENOM = \"${f[3]}\""
    echo 'DATE_NAISSANCE = "keep"'
    echo 'DATE_DERNIERE_VISITE = "keep"'
    echo '[[table]]'
    echo 'name = "resultats"'
    echo 'from = "resultats"'
    echo 'follow = "NUM_DOSSIER -> patients.NUM_DOSSIER"'
    echo '[table.columns]'
    echo "NUM_DOSSIER = \"${f[0]}\""
    echo 'DATE_PRELEVEMENT = "keep"'
    echo 'CODE_ANALYSE = "keep"'
    echo 'RESULTAT = "keep"'
    echo 'UNITE = "keep"'
  } >o$i.toml
  $CORDON order sign o$i.toml -k ctrl.key >/dev/null
}

# Packages 0–9: migrations of patients 100·i+1 … 100·i+100, to recipient i mod 5.
# Packages 10–19: test copies of patients 1–100 (10–14) and 101–200 (15–19),
# to recipients 0–4: the same patients as migrations 0 and 1, pseudonymized.
mkdir -p prov
for i in $(seq 0 19); do
  r=$((i % 5))
  if [ $i -lt 10 ]; then order $i $((100 * i + 1)) $((100 * i + 101)) "${R[$r]}" 0
  elif [ $i -lt 15 ]; then order $i 1 101 "${R[$r]}" 1
  else order $i 101 201 "${R[$r]}" 1; fi
  $CORDON extract --order o$i.toml --source src --controller-key ctrl.key.pub --signing-key vendor.key \
    --pseudonym-key lab.pseudokey --trace-key trace.key --out prov/p$i >/dev/null ||
    fail "extract p$i"
  age -d -i r$r.key prov/p$i/patients.csv.age >p$i.csv
  age -d -i r$r.key prov/p$i/resultats.csv.age >p$i-res.csv
done
pass
pkg() { sha256sum prov/p$1/manifest.json | cut -d' ' -f1; }

# trace_to LEAK PKG...: the JSON names exactly these packages (and says
# their recipient and order); exit 5.
trace_to() {
  local leak=$1; shift
  expect_code 5 $CORDON trace "$leak" --trace-key trace.key --provenance prov --json
  local want=""
  for p in "$@"; do want="$want $(pkg $p):LAB42-$p:${R[$((p % 5))]}"; done
  python3 - "$T/.out" "$want" "$leak" <<'PY' || fail "$leak: not traced to$*"
import json, sys
r = json.load(open(sys.argv[1]))
named = sorted("%s:%s:%s" % (p["package"], p["order"], ",".join(p["recipients"]))
               for p in r["packages"] if p["named"])
want = sorted(sys.argv[2].split())
assert named == want, (sys.argv[3], named, want)
assert r["provenance_searched"] == 20 and not r["untrusted_provenance"], r
PY
  pass
}

# A migration's leaks (real data): package 3, recipient 3.
$LEAKS rows10 l-rows10.csv 1 p3.csv;      trace_to l-rows10.csv 3
$LEAKS rows56 l-rows56.csv 2 p3.csv;      trace_to l-rows56.csv 3
$LEAKS nir-only l-nir.csv 3 p3.csv;       trace_to l-nir.csv 3
$LEAKS reshaped l-reshaped.tsv 4 p3.csv;  trace_to l-reshaped.tsv 3
$LEAKS log l-log.txt 5 p3.csv;            trace_to l-log.txt 3
# Results only (no name, no NIR): the file numbers and whole rows.
python3 -c 'import sys,random; l=open(sys.argv[1]).read().splitlines(); r=random.Random(6); print("\n".join(r.sample(l[1:], 15)))' p3-res.csv >l-res.csv
trace_to l-res.csv 3
# The 56-row leak counted right: 56 rows, all of them whole.
$CORDON trace l-rows56.csv --trace-key trace.key --provenance prov --json >out.json || true
python3 -c 'import json,sys; r=json.load(open("out.json")); p=[p for p in r["packages"] if p["named"]][0]; assert p["rows_matched"]==56 and p["whole_rows_matched"]==56 and r["rows"]==56, (p, r["rows"])' ||
  fail "the 56 rows are not all matched as whole rows, or not counted as 56"

# A test copy's leaks: package 17 (patients 101–200 pseudonymized for
# recipient 2) — not migration 1 (the same patients, real), not package 16
# or 18 (the same patients, other recipients' pseudonyms).
$LEAKS rows10 t-rows10.csv 7 p17.csv;      trace_to t-rows10.csv 17
$LEAKS reshaped t-reshaped.tsv 8 p17.csv;  trace_to t-reshaped.tsv 17
# One per-recipient pseudonym alone names its package (below --min-rows).
$LEAKS one-pseudonym t-one.csv 9 p17.csv;  trace_to t-one.csv 17
grep -q '"recipient_pseudonyms": 1' "$T/.out" || fail "the single pseudonym is not reported as such"
# But one real NIR alone does not (it could be anyone's file): below the threshold.
python3 -c 'import csv,sys; r=[r for r in csv.DictReader(open(sys.argv[1],encoding="utf-8")) if r["NIR"]][0]; print(r["NIR"])' p3.csv >l-one.csv
expect_code 0 $CORDON trace l-one.csv --trace-key trace.key --provenance prov
grep -q "partly package $(pkg 3)" "$T/.out" || fail "the single real NIR is not shown as a partial match"
expect_code 5 $CORDON trace l-one.csv --trace-key trace.key --provenance prov --min-rows 1
# Nor does the same NIR repeated: --min-rows counts distinct evidence.
cat l-one.csv l-one.csv l-one.csv >l-one3.csv
expect_code 0 $CORDON trace l-one3.csv --trace-key trace.key --provenance prov
grep -q "partly package $(pkg 3)" "$T/.out" || fail "one NIR repeated three times names a package"

# Hostile files: a provenance file's name or content cannot forge report
# lines or drive the terminal (control characters escaped); a FIFO as the
# leak, a provenance file or the key is refused, not waited on; a trace key
# readable by others is refused.
mkdir evil; cp prov/*.provenance evil/
echo junk >"evil/$(printf 'zz\nNAMED  package 1111\nzz.provenance')"
printf 'cordon-provenance 2\033[1A\033[2K\rNAMED  x\n' >evil/esc.provenance
expect_code 3 $CORDON trace l-one.csv --trace-key trace.key --provenance evil
! grep -q "^NAMED  package 1111" "$T/.out" || fail "a file name forged a report line"
! grep -q "$(printf '\033')" "$T/.out" || fail "a provenance file sent an escape sequence"
grep -qF 'NOT TRUSTED evil/zz\x0aNAMED' "$T/.out" || fail "the hostile name is not shown escaped"
mkfifo evil.fifo
expect_code 1 timeout 10 $CORDON trace evil.fifo --trace-key trace.key --provenance prov
grep -q "not a regular file (a pipe)" "$T/.err" || fail "a FIFO leak not refused"
expect_code 1 timeout 10 $CORDON trace l-one.csv --trace-key trace.key --provenance evil.fifo
expect_code 1 timeout 10 $CORDON trace delete --provenance evil.fifo --dry-run
expect_code 1 timeout 10 $CORDON trace l-one.csv --trace-key evil.fifo --provenance prov
cp trace.key shared.key; chmod 644 shared.key
expect_code 3 $CORDON trace l-one.csv --trace-key shared.key --provenance prov
grep -q "accessible by group or others" "$T/.err" || fail "a trace key readable by others accepted"
rm -rf evil evil.fifo shared.key
pass

# Two packages mixed: both named.
$LEAKS mixed l-mixed.csv 10 p3.csv p12.csv; trace_to l-mixed.csv 3 12
# Invented rows (valid NIRs, common names): nothing named, exit 0.
$LEAKS invented l-invented.csv 11 p3.csv
expect_code 0 $CORDON trace l-invented.csv --trace-key trace.key --provenance prov --json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert not r["named"] and not [p for p in r["packages"] if p["rows_matched"]], r' "$T/.out" ||
  fail "invented rows matched a package"

# The text report names the controller, processor, recipient and extraction.
expect_code 5 $CORDON trace l-rows10.csv --trace-key trace.key --provenance prov
for s in "NAMED  package $(pkg 3)" "order LAB42-3" "controller Laboratoire Exemple" \
  "processor Éditeur Exemple" "recipient ${R[3]}" "extracted 20"; do
  grep -qF "$s" "$T/.out" || { cat "$T/.out"; fail "the report lacks: $s"; }
done
[ "$(grep -c '^NAMED' "$T/.out")" = 1 ] || fail "more than one package named"
# Each trace is in the ledger: counts and ids, never a value.
$CORDON ledger show --json | grep '"action":"trace"' | tail -1 >ev.json
python3 - ev.json "$(pkg 3)" <<'PY' || fail "the trace's ledger event"
import json, sys
e = json.loads(open(sys.argv[1]).read())
assert e["packages_named"][0]["package"] == sys.argv[2], e
# Ten rows under a header: ten rows of people (the header is not one).
assert e["provenance_searched"] == 20 and e["leak"]["rows"] == 10, e
PY
pass

# An altered provenance file is reported and not trusted: exit 3 when
# nothing else is named, 5 when something is; the others still match.
cp prov/p3.provenance saved.provenance
# A forger who knows the format: a digest changed, the file's own checksum
# recomputed. Only the ledger's SHA-256 catches it.
python3 - prov/p3.provenance <<'PY'
import hashlib, sys
b = bytearray(open(sys.argv[1], "rb").read()[:-32])
b[-5] ^= 1
open(sys.argv[1], "wb").write(bytes(b) + hashlib.sha256(b).digest())
PY
expect_code 3 $CORDON trace l-invented.csv --trace-key trace.key --provenance prov
grep -q "NOT TRUSTED prov/p3.provenance" "$T/.out" || fail "the altered file is not reported"
expect_code 3 $CORDON trace l-rows10.csv --trace-key trace.key --provenance prov --json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert not r["named"] and "not the one the ledger committed" in r["untrusted_provenance"][0]["problem"], r' "$T/.out" ||
  fail "the altered provenance was trusted"
# A corrupted one (its checksum wrong): reported as such.
cp saved.provenance prov/p3.provenance; flip_byte prov/p3.provenance 300
expect_code 3 $CORDON trace l-rows10.csv --trace-key trace.key --provenance prov
grep -q "NOT TRUSTED prov/p3.provenance: not a valid provenance file: its checksum" "$T/.out" ||
  fail "the corrupted file is not reported"
cp saved.provenance prov/p3.provenance
# A provenance file the ledger never committed (another ledger's): reported.
$CORDON ledger init --dir other-ledger --origin test.example/other >/dev/null 2>&1
expect_code 3 $CORDON trace l-rows10.csv --trace-key trace.key --provenance prov --ledger other-ledger
grep -q "no extraction in the ledger committed it" "$T/.out" || fail "an uncommitted file is not reported"
# Another trace key: nothing compared.
$CORDON trace keygen -o other.key >/dev/null 2>&1
expect_code 3 $CORDON trace l-rows10.csv --trace-key other.key --provenance prov
grep -q "made under trace key" "$T/.out" || fail "another key's files are not reported"
# Unreadable inputs: exit 1; no leak nor subject: usage, 2.
expect_code 1 $CORDON trace missing.csv --trace-key trace.key --provenance prov
expect_code 1 $CORDON trace l-rows10.csv --trace-key missing.key --provenance prov
expect_code 1 $CORDON trace l-rows10.csv --trace-key trace.key --provenance no-such-dir
expect_code 2 $CORDON trace --trace-key trace.key --provenance prov
# A ledger that does not verify (a recipient edited in place) is a failure,
# 1, never 3 ("not trusted, nothing named" would read as inconclusive).
cp -r "$CORDON_LEDGER" damaged-ledger
python3 - damaged-ledger/ledger.log <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
j = b.index(b"age1") + 10
open(sys.argv[1], "wb").write(b[:j] + (b"x" if b[j:j + 1] != b"x" else b"y") + b[j + 1:])
PY
expect_code 1 $CORDON trace l-rows10.csv --trace-key trace.key --provenance prov --ledger damaged-ledger
grep -q "is damaged" "$T/.err" || fail "a damaged ledger is not reported as such"
rm -rf damaged-ledger

# --subject: one person's packages (patient 150: migration 1 — real data —
# and, under pseudonyms, nothing else: their NIR is in no test copy).
nir=$(python3 -c 'import csv,sys; print([r for r in csv.DictReader(open(sys.argv[1],encoding="utf-8")) if int(r["NUM_DOSSIER"])==150][0]["NIR"])' p1.csv)
[ -n "$nir" ] || fail "patient 150 has no NIR"
expect_code 5 $CORDON trace --subject "$nir" --trace-key trace.key --provenance prov --json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert [p["package"] for p in r["packages"] if p["named"]]==[sys.argv[2]], r' "$T/.out" "$(pkg 1)" ||
  fail "--subject did not find exactly package 1"
grep -qF "$nir" "$T/.out" && fail "--subject printed the identifier in clear"
echo "$nir" | $CORDON trace --subject - --trace-key trace.key --provenance prov >out.txt && fail "exit 0"
grep -q "HELD   package $(pkg 1)" out.txt || fail "--subject - did not find package 1"
grep -qF "$nir" out.txt && fail "--subject printed the identifier in clear"
pass
# Re-spaced as on the carte Vitale: the same person.
spaced=$(python3 -c 'import sys; v=sys.argv[1]; print(" ".join([v[0],v[1:3],v[3:5],v[5:7],v[7:10],v[10:13],v[13:15]]))' "$nir")
expect_code 5 $CORDON trace --subject "$spaced" --trace-key trace.key --provenance prov
# A pseudonym of a test copy: that copy only.
pseudo=$(python3 -c 'import csv,sys; print([r for r in csv.DictReader(open(sys.argv[1],encoding="utf-8")) if r["NIR"]][5]["NIR"])' p13.csv)
expect_code 5 $CORDON trace --subject "$pseudo" --trace-key trace.key --provenance prov --json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert [p["package"] for p in r["packages"] if p["named"]]==[sys.argv[2]], r' "$T/.out" "$(pkg 13)" ||
  fail "--subject of a pseudonym did not find exactly package 13"
# Nobody's NIR: none, exit 0.
expect_code 0 $CORDON trace --subject "2 55 08 35 238 149 15" --trace-key trace.key --provenance prov
# The identifier is nowhere in the ledger, in any layout.
$CORDON ledger show --json >ledger.jsonl
# Free text is shown as its length only (a prefix can be a whole surname);
# --subject with --notification is a usage error, not silently ignored.
$CORDON trace --subject "DUPONT Jean-Pierre 12345678" --trace-key trace.key --provenance prov >out.txt || true
grep -q '^subject \[27 characters\] (text)' out.txt && ! grep -q DUPONT out.txt ||
  fail "a free-text subject is not masked to its length"
expect_code 2 $CORDON trace --subject "$nir" --notification --trace-key trace.key --provenance prov
# An empty leaked file says so.
: >empty.csv
expect_code 1 $CORDON trace empty.csv --trace-key trace.key --provenance prov
grep -q "is empty" "$T/.err" || fail "an empty leaked file is not said to be empty"
grep -c '"action":"trace.subject"' ledger.jsonl >/dev/null || fail "--subject is not recorded"
grep -qF "$nir" ledger.jsonl && fail "the subject's NIR is in the ledger"
grep -qF "$spaced" ledger.jsonl && fail "the subject's NIR is in the ledger"
grep -qF "$pseudo" ledger.jsonl && fail "the subject's pseudonym is in the ledger"
pass

# --notification: French and English, the counts, the parties, the timeline.
expect_code 5 $CORDON trace l-rows56.csv --trace-key trace.key --provenance prov --notification -o art33.md
expect_code 4 $CORDON trace l-rows56.csv --trace-key trace.key --provenance prov --notification -o art33.md
for s in "Notification de violation de données personnelles (RGPD, art. 33)" \
  "Personal data breach notification (GDPR Art. 33)" "Nature de la violation" "Nature of the breach" \
  "56 lignes" "56 rows" "Personnes concernées (approximatif): ~56" "Data subjects (approximate): ~56" \
  "Enregistrements du fichier attribués aux paquets: 56 / 56" "nir 56" \
  "Responsable du traitement: Laboratoire Exemple" "Processor: Éditeur Exemple" "${R[3]}" \
  "LAB42-3" "[à compléter]" "[to complete]" "package extracted"; do
  grep -qF -- "$s" art33.md || { cat art33.md; fail "the notification lacks: $s"; }
done
python3 - art33.md p3.csv <<'PY' || fail "a value of the leak is in the notification"
import csv, sys
text = open(sys.argv[1], encoding="utf-8").read()
for r in csv.DictReader(open(sys.argv[2], encoding="utf-8")):
    for k in ("NIR", "NOM", "NUM_DOSSIER"):
        assert not r[k] or r[k] not in text, (k, r[k])
PY
pass
# Retention: `trace delete` removes the provenance files past their
# delete-by, records each deletion and certifies it (signed, with the
# ledger's proof); files within their retention stay.
mkdir old; cp prov/p5.provenance prov/p6.provenance old/
sha5=$(sha256sum old/p5.provenance | cut -d' ' -f1)
expect_code 2 $CORDON trace delete --provenance old
expect_code 0 $CORDON trace delete --provenance old --signing-key vendor.key
[ "$(grep -c '^kept old/' "$T/.out")" = 2 ] || fail "files within their retention not kept"
expect_code 0 $CORDON trace delete --provenance old --as-of 2099-01-01 --dry-run
grep -q "would delete old/p5.provenance" "$T/.out" && [ -e old/p5.provenance ] || fail "--dry-run"
expect_code 0 $CORDON trace delete --provenance old/p5.provenance --signing-key vendor.key --as-of 2099-01-01
[ ! -e old/p5.provenance ] && [ -e old/p6.provenance ] || fail "the wrong files deleted"
grep -q "deleted old/p5.provenance (order LAB42-5" "$T/.out" || fail "the deletion is not reported"
minisign -Vm old/p5.provenance.deletion.json -p vendor.key.pub >/dev/null ||
  fail "minisign rejects the provenance deletion certificate"
python3 "$HERE/ledger_verifier.py" certificate old/p5.provenance.deletion.json \
  "$($CORDON ledger vkey --ledger "$CORDON_LEDGER")" >/dev/null || fail "the certificate's ledger proof"
python3 - old/p5.provenance.deletion.json "$sha5" "$(pkg 5)" <<'PY' || fail "the certificate's content"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["format"] == "cordon-provenance-deletion-certificate" and c["version"] == 1, c
assert c["provenance_sha256"] == sys.argv[2] and c["package"] == sys.argv[3], c
assert c["order_id"] == "LAB42-5" and c["deleted_at"] and c["delete_by"], c
PY
$CORDON ledger entry "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ledger"]["index"])' old/p5.provenance.deletion.json)" |
  grep -q '"action":"trace.provenance.deleted"' || fail "the deletion is not in the ledger"
# Its certificate is never replaced.
cp prov/p5.provenance old/
expect_code 4 $CORDON trace delete --provenance old --signing-key vendor.key --as-of 2099-01-01
# --as-of must be a real date (compared as text, "abcd-ef-gh" would pass every delete-by).
expect_code 2 $CORDON trace delete --provenance old --as-of abcd-ef-gh --dry-run
expect_code 2 $CORDON trace delete --provenance old --as-of 2026-13-45 --dry-run
# A deletion it did not make is never certified: a symlink to a provenance
# file, or a second hard link to one, is skipped and the data stays; a
# file no extract event committed (forged: it claims a package, an
# expired delete-by) is skipped as not committed.
mkdir links keep forged; cp prov/p7.provenance keep/
ln -s ../keep/p7.provenance links/s7.provenance; ln keep/p7.provenance links/h7.provenance
expect_code 0 $CORDON trace delete --provenance links --signing-key vendor.key --as-of 2099-01-01
grep -q "^skipped links/s7.provenance: .*symbolic link" "$T/.out" || fail "a symlink not skipped"
grep -q "^skipped links/h7.provenance: has 2 hard links" "$T/.out" || fail "a hard link not skipped"
[ -e keep/p7.provenance ] && [ -z "$(ls links | grep deletion)" ] || fail "a deletion certified for data still there"
python3 - "$(pkg 2)" forged/f.provenance <<'PY'
import hashlib, sys
h = ("cordon-provenance 1\npackage %s\norder LAB42-2\nkey 0000000000000000\ncreated 2020-01-01T00:00:00Z\n"
     "delete-by 2000-01-01\ndigest hmac-sha256-64\ntables 0\n\n" % sys.argv[1]).encode()
open(sys.argv[2], "wb").write(h + hashlib.sha256(h).digest())
PY
expect_code 0 $CORDON trace delete --provenance forged --signing-key vendor.key
grep -q "^skipped forged/f.provenance: not committed" "$T/.out" || fail "a forged provenance file not skipped"
[ -e forged/f.provenance ] && [ ! -e forged/f.provenance.deletion.json ] || fail "a forged file certified"
pass
done_ok
