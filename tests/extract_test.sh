#!/usr/bin/env bash
# The migration of the CNIL decision, done right, with the real tools: the
# controller signs the order with minisign, cordon extracts exactly what it
# names (checked independently in Python), the recipient opens the package
# with age. Every refusal exits 3 and leaves nothing behind.
. "$(dirname "$0")/lib.sh"
top=$(cd "$HERE/.." && pwd)

$CORDON testdata lis-fr --patients 3000 --seed 11 -o src 2>/dev/null
age-keygen -o recipient.key 2>/dev/null
recipient=$(age-keygen -y recipient.key)
minisign -G -W -p ctrl.pub -s ctrl.key >/dev/null          # the controller uses minisign
$CORDON sign-keygen -o vendor.key >/dev/null                 # the processor uses cordon
sed "s/age1yqyu0hj6q2g5ehl9rq5wzt7tqw4dqwfzq6z7k4a3n3yj0yxw7w6qf3aw5r/$recipient/" "$top/examples/order.toml" >order.toml

# order check: every column's fate; the free-text columns are flagged.
expect_code 0 $CORDON order check order.toml --source src
grep -q "excluded        COMMENTAIRE_P   (free text, by its name)" "$T/.out" || fail "free text not flagged"
# plan writes nothing and agrees with the extraction below.
before=$(find . | wc -l)
expect_code 0 $CORDON plan --order order.toml --source src --json
[ "$(find . | wc -l)" = "$before" ] || fail "plan wrote something"
plan_selected=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tables"][0]["rows_selected"])' "$T/.out")

minisign -S -s ctrl.key -m order.toml -t "order approved by the DPO" >/dev/null
expect_code 0 $CORDON extract --order order.toml --source src --controller-key ctrl.pub --signing-key vendor.key --out pkg
[ -z "$(ls -A pkg | grep -v -E '^(patients|resultats)\.csv\.age$|^manifest\.json(\.minisig)?$')" ] || fail "unexpected files in the package"
minisign -Vq -p vendor.key.pub -m pkg/manifest.json || fail "minisign rejects the manifest signature"
pass
age -d -i recipient.key pkg/patients.csv.age >patients.out
age -d -i recipient.key pkg/resultats.csv.age >resultats.out
python3 "$HERE/check_extract.py" src patients.out resultats.out >/dev/null || fail "package differs from the independent computation"
pass
written=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tables"][0]["rows_written"])' pkg/manifest.json)
[ "$written" = "$plan_selected" ] || fail "plan said $plan_selected rows, extract wrote $written"
pass
grep -q "\"sha256\": \"$(sha256sum order.toml | cut -d' ' -f1)\"" pkg/manifest.json || fail "manifest lacks the order hash"
pass
if grep -aq -e "COMMENTAIRE" -e "MOT_DE_PASSE" patients.out; then fail "an unlisted column left"; fi
pass

# open: signature and hashes checked before decrypting; output identical to age's.
expect_code 0 $CORDON open pkg -i recipient.key --processor-key vendor.key.pub --out imported
same patients.out imported/patients.csv
same resultats.out imported/resultats.csv
cp -r pkg tampered; flip_byte tampered/resultats.csv.age 5000
expect_code 3 $CORDON open tampered -i recipient.key --processor-key vendor.key.pub --out t.out
expect_stderr "does not match the SHA-256"
[ ! -e t.out ] && [ ! -e t.out.partial ] || fail "a refused open left output"
$CORDON sign-keygen -o other.key >/dev/null
expect_code 3 $CORDON open pkg -i recipient.key --processor-key other.key.pub --out t.out
grep -q '"manifest_signed": true' pkg/manifest.json || fail "the manifest does not say it is signed"
pass

# The manifest is signed and checked unless someone says otherwise, loudly.
expect_code 3 $CORDON extract --order order.toml --source src --controller-key ctrl.pub --out nokey
expect_stderr "no key to sign the manifest"
expect_stderr "--unsigned-manifest"
[ ! -e nokey ] && [ ! -e nokey.partial ] || fail "a refused extract left a package"
expect_code 3 $CORDON open pkg -i recipient.key --out t.out
expect_stderr "--skip-manifest-signature"
[ ! -e t.out ] || fail "an unchecked open wrote output"
expect_code 0 $CORDON extract --order order.toml --source src --controller-key ctrl.pub \
  --unsigned-manifest --out unsigned-pkg
grep -q "NOT signed" "$T/.out" || fail "an unsigned package without a word"
grep -q '"manifest_signed": false' unsigned-pkg/manifest.json || fail "the manifest hides it is unsigned"
[ ! -e unsigned-pkg/manifest.json.minisig ] || fail "an unsigned package has a signature"
expect_code 3 $CORDON open unsigned-pkg -i recipient.key --processor-key vendor.key.pub --out t.out
expect_stderr "is not signed"
expect_code 0 $CORDON open unsigned-pkg -i recipient.key --skip-manifest-signature --out unchecked
grep -q "NOT checked" "$T/.out" || fail "an unchecked open without a word"
same patients.out unchecked/patients.csv

# Refusals: exit 3, nothing written.
refused() {  # refused NAME EXPECTED_STDERR [extract args...]
  local name=$1 why=$2; shift 2
  expect_code 3 $CORDON extract --source src --controller-key ctrl.pub --signing-key vendor.key \
    --out "out-$name" "$@"
  expect_stderr "$why"
  [ ! -e "out-$name" ] && [ ! -e "out-$name.partial" ] || fail "refusal $name left a package"
}
resign() { minisign -S -s ctrl.key -m "$1" >/dev/null; }
cp order.toml unsigned.toml
refused unsigned "has no signature" --order unsigned.toml
cp order.toml altered.toml; cp order.toml.minisig altered.toml.minisig
sed -i 's/2017-05-07/2009-01-01/' altered.toml
refused altered "signature does not match the file" --order altered.toml
minisign -G -W -p intruder.pub -s intruder.key >/dev/null
cp order.toml intruder.toml; minisign -S -s intruder.key -m intruder.toml >/dev/null
refused other-key "not by key" --order intruder.toml
sed 's/not_after = 2027-06-30/not_after = 2020-01-01/' order.toml >expired.toml; resign expired.toml
refused expired "expired on 2020-01-01" --order expired.toml
sed 's/^recipients = .*/recipients = []/' order.toml >norecipient.toml; resign norecipient.toml
refused no-recipient "names no recipient" --order norecipient.toml
sed 's/^NOM = "keep"/NOM_PATIENT = "keep"/' order.toml >nofit.toml; resign nofit.toml
refused no-fit "unknown column NOM_PATIENT" --order nofit.toml
sed 's/^NOM = "keep"/NOM = "keep"\nCOMMENTAIRE_P = "keep"/' order.toml >freetext.toml; resign freetext.toml
refused free-text "looks like free text" --order freetext.toml
sed 's/^NOM = "keep"/NOM = "keep"\nCOMMENTAIRE_P = "keep:free-text"/' order.toml >freetext-ok.toml; resign freetext-ok.toml
expect_code 0 $CORDON extract --order freetext-ok.toml --source src --controller-key ctrl.pub \
  --signing-key vendor.key --out pkg-ft
grep -q '"fate": "keep:free-text"' pkg-ft/manifest.json || fail "the manifest does not show the free-text decision"
expect_code 4 $CORDON extract --order order.toml --source src --controller-key ctrl.pub \
  --signing-key vendor.key --out pkg

# Interrupted runs: SIGTERM removes everything; SIGKILL leaves no DIR and
# nothing anyone can open (the age header is written last).
$CORDON testdata lis-fr --patients 400000 --seed 2 -o big 2>/dev/null
for sig in TERM KILL; do
  $CORDON extract --order order.toml --source big --controller-key ctrl.pub --signing-key vendor.key \
    --out "killed-$sig" &
  pid=$!
  for _ in $(seq 500); do [ -s "killed-$sig.partial/patients.csv.age" ] && break; sleep 0.01; done
  [ -e "killed-$sig.partial" ] || fail "could not catch extract mid-run (test cannot fail)"
  kill -$sig $pid; wait $pid || true
  [ ! -e "killed-$sig" ] || fail "an interrupted extract left its package"
  if [ $sig = TERM ]; then
    [ ! -e "killed-$sig.partial" ] || fail "SIGTERM left killed-$sig.partial"
  else
    for f in killed-$sig.partial/*; do
      if age -d -i recipient.key "$f" >/dev/null 2>&1; then fail "$f is readable after SIGKILL"; fi
      if head -c 21 "$f" | grep -q "age-encryption.org"; then fail "$f has an age header after SIGKILL"; fi
    done
    expect_code 4 $CORDON extract --order order.toml --source big --controller-key ctrl.pub \
      --signing-key vendor.key --out "killed-$sig"
    expect_stderr "interrupted"
  fi
  pass
done
done_ok
