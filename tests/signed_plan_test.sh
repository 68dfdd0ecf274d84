#!/usr/bin/env bash
# "The signed plan is the executed plan" (issue 17, part 3), with the real
# tools: the DPO approves an order that names its plan with a passkey (a
# simulated authenticator, tests/passkey_sign.py, outside cordon); stock
# ssh-keygen accepts the signature; cordon extract runs the order only while
# the source gives the plan's counts (within the signed tolerance). Every
# refusal exits 3 and leaves nothing behind.
. "$(dirname "$0")/lib.sh"
python3 -c "import cryptography" 2>/dev/null || { echo "SKIP: python3-cryptography missing"; exit 0; }
command -v ssh-keygen >/dev/null || { echo "SKIP: ssh-keygen missing"; exit 0; }
NS=cordon-order@chu-exemple.fr
passkey() { python3 "$HERE/passkey_sign.py" "$@"; }

migration_order 400 17
$CORDON plan --order order.toml --source src --json >plan.json
digest=$(sha256sum plan.json | cut -c1-64)
sed -i "s/^\[order\]\$/[order]\nplan_sha256 = \"$digest\"/" order.toml
grep -q "^plan_sha256 = \"$digest\"" order.toml || fail "the plan's digest is not in the order"
passkey line --seed 1 --principal dpo@chu-exemple.fr >allowed_signers
passkey line --seed 3 --principal dpo-backup@chu-exemple.fr >>allowed_signers

# The DPO signs with the passkey; a third party checks with ssh-keygen alone.
passkey sign --seed 1 --counter 12 order.toml >order.toml.sig
ssh-keygen -Y verify -f allowed_signers -I dpo@chu-exemple.fr -n $NS -s order.toml.sig \
  <order.toml >verify.out 2>&1 || { cat verify.out >&2; fail "ssh-keygen refuses the DPO's signature"; }
grep -q "Good \"$NS\" signature for dpo@chu-exemple.fr with ECDSA-SK key" verify.out ||
  fail "ssh-keygen said: $(cat verify.out)"
pass
fingerprint=$(grep -o 'SHA256:[A-Za-z0-9+/]*' verify.out)

extract() {  # extract OUT [args...]: the passkey path with the plan
  local out=$1; shift
  $CORDON extract --order order.toml --source src --controller-allowed-signers allowed_signers \
    --signing-key vendor.key --out "$out" "$@"
}
expect_code 2 $CORDON extract --order order.toml --source src --signing-key vendor.key --out nokey
expect_stderr "--controller-allowed-signers"
expect_code 0 extract pkg --plan plan.json
grep -q "\"plan_sha256\": \"$digest\"" pkg/manifest.json || fail "the manifest does not name the plan"
grep -q "\"key\": \"$fingerprint\"" pkg/manifest.json || fail "the manifest does not name the passkey"
principal_sha=$(printf %s dpo@chu-exemple.fr | sha256sum | cut -c1-64)
grep -q "\"principal_sha256\": \"$principal_sha\"" pkg/manifest.json ||
  fail "the manifest does not name the DPO (by the hash of their address)"
pass
last=$($CORDON ledger show --json | tail -1)
for want in '"action":"extract"' '"outcome":"ok"' "\"controller\":\"$fingerprint\"" \
  "\"principal_sha256\":\"$principal_sha\"" "\"plan\":{\"counts\":\"matched\",\"sha256\":\"$digest\"}"; do
  grep -qF -- "$want" <<<"$last" || fail "the ledger entry lacks $want: $last"
done
pass
# The package opens as any other (the recipient's side is unchanged).
expect_code 0 $CORDON open pkg -i recipient.key --processor-key vendor.key.pub --out opened

# Refusals: exit 3, nothing written, and the reason said.
refused() {  # refused NAME EXPECTED_STDERR [extract args...]
  local name=$1 why=$2; shift 2
  expect_code 3 extract "out-$name" "$@"
  expect_stderr "$why"
  [ ! -e "out-$name" ] && [ ! -e "out-$name.partial" ] || fail "refusal $name left a package"
}
# An altered order byte (the signature is the DPO's, over other bytes).
cp order.toml altered.toml; flip_byte altered.toml 200
expect_code 3 $CORDON extract --order altered.toml --order-signature order.toml.sig --source src \
  --controller-allowed-signers allowed_signers --signing-key vendor.key --plan plan.json --out out-altered
expect_stderr "signature refused"
[ ! -e out-altered ] && [ ! -e out-altered.partial ] || fail "an altered order left a package"
# A passkey the allowed signers file does not list.
passkey sign --seed 2 order.toml >other.sig
refused stranger "does not list" --order-signature other.sig --plan plan.json
# The user verification flag cleared: ssh-keygen accepts it, cordon does not.
passkey sign --seed 1 --flags 1 order.toml >no-uv.sig
ssh-keygen -Y verify -f allowed_signers -I dpo@chu-exemple.fr -n $NS -s no-uv.sig <order.toml \
  >/dev/null 2>&1 || fail "ssh-keygen was expected to accept a signature without UV"
refused no-uv "not verified" --order-signature no-uv.sig --plan plan.json
# The authenticator answered for another site (its RP id hash).
passkey sign --seed 1 --rp-hash-of evil.example order.toml >other-rp.sig
refused other-rp "does not match" --order-signature other-rp.sig --plan plan.json
# A browser on another origin.
passkey sign --seed 1 --origin https://evil.example order.toml >other-origin.sig
refused other-origin "not on https://cordon.chu-exemple.fr" --order-signature other-origin.sig \
  --plan plan.json
# A signature made for something else than an order (another namespace).
passkey sign --seed 1 --ns file order.toml >file-ns.sig
refused namespace "not an order's" --order-signature file-ns.sig --plan plan.json
# No plan, or not the plan the DPO signed (one byte more).
refused no-plan "the plan file is needed"
cp plan.json plan-other.json; echo >>plan-other.json
refused other-plan "not the plan the controller approved" --plan plan-other.json

# The source moved after the plan (a row more): the run does not give the
# signed counts any more. The rows stream before the counts are known: the
# package under construction must be discarded, not published.
sed -n '$p' src/patients.csv >>src/patients.csv
refused moved "no longer gives the counts of the signed plan" --plan plan.json
expect_stderr "patients: 401 rows read, the plan 400"

# A live source: the order states a tolerance and the DPO signs it.
sed -i "s/^plan_sha256 = .*/&\nplan_tolerance = \"2%\"/" order.toml
passkey sign --seed 3 --counter 13 order.toml >order.toml.sig
ssh-keygen -Y verify -f allowed_signers -I dpo-backup@chu-exemple.fr -n $NS -s order.toml.sig \
  <order.toml >/dev/null 2>&1 || fail "ssh-keygen refuses the re-signed order"
pass
expect_code 0 extract pkg-tolerant --plan plan.json
grep -q '"plan_tolerance": "2%"' pkg-tolerant/manifest.json || fail "the manifest lacks the tolerance"
pass
# ...and beyond it: 2% of 400 rows is 8; ten rows more is too many.
for _ in $(seq 10); do sed -n '$p' src/patients.csv >>src/patients.csv; done
refused beyond "tolerance 2%" --plan plan.json
done_ok
