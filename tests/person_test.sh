#!/usr/bin/env bash
# Every event names a person, not a Unix account: personal signing keys
# (`sign-keygen --name`) put their holder's name in every signature's trusted
# comment, which minisign verifies; the ledger's actor is that person with
# the key id; a command without a personal key says so (person: null), and
# the DPO's report shows it in red.
. "$(dirname "$0")/lib.sh"

# ---- a personal key, and what is refused as a name ----
for bad in "olivier@vendor.example" "Olivier Martin 0612345678" "x"; do
  expect_code 2 $CORDON sign-keygen --name "$bad" -o bad.key
  [ ! -e bad.key ] && [ ! -e bad.key.pub ] || fail "a refused name left a key"
done
expect_code 2 $CORDON sign-keygen --name "rachel@lab42.example" -o bad.key
expect_stderr "looks like an e-mail address"
expect_code 0 $CORDON sign-keygen --name "Olivier Martin" -o olivier.key
grep -q "person: Olivier Martin" "$T/.out" || fail "keygen does not say whose key it is"
# The key's own signed statement of the name, checked by minisign.
minisign -Vm olivier.key.pub -p olivier.key.pub -x olivier.key.pub.minisig >statement.out ||
  fail "minisign rejects the key statement"
grep -q "person:Olivier Martin" statement.out || fail "statement: $(cat statement.out)"
# The secret key stays a minisign key: minisign signs with it.
echo hello >hello.txt
minisign -S -s olivier.key -m hello.txt -t "signed by minisign" >/dev/null 2>&1 ||
  fail "minisign cannot use a personal key"
pass

# ---- the migration, by named people ----
migration_order 300 3             # ctrl.key, vendor.key (anonymous ones), order.toml
rm -f ctrl.key ctrl.key.pub vendor.key vendor.key.pub vendor.key.pub.minisig
$CORDON sign-keygen --name "Claire Dubois" -o ctrl.key >/dev/null      # the DPO
$CORDON sign-keygen --name "Olivier Martin" -o vendor.key >/dev/null   # the processor
$CORDON sign-keygen --name "Rachel Petit" -o rachel.key >/dev/null     # the recipient
expect_code 0 $CORDON order sign order.toml -k ctrl.key
minisign -Vm order.toml -p ctrl.key.pub >verified.out || fail "minisign rejects the order signature"
grep -q "person:Claire Dubois" verified.out || fail "the order signature does not name the DPO"
expect_code 0 $CORDON plan --order order.toml --source src
expect_code 0 $CORDON extract --order order.toml --source src --controller-key ctrl.key.pub \
  --signing-key vendor.key --out pkg
minisign -Vm pkg/manifest.json -p vendor.key.pub >verified.out || fail "minisign rejects the manifest"
grep -q "person:Olivier Martin" verified.out || fail "the manifest signature does not name the processor"
expect_code 0 $CORDON open pkg -i recipient.key --processor-key vendor.key.pub --out anonymous
expect_code 0 $CORDON open pkg -i recipient.key --processor-key vendor.key.pub \
  --signing-key rachel.key --out named
pass

# The ledger: each actor is a person with a key id, or null — never an e-mail.
$CORDON ledger show --json >entries.jsonl
python3 - entries.jsonl "$(sed -n 2p ctrl.key.pub)" <<'PY' || fail "ledger actors"
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
def actor(action, n=0):
    return [e["actor"] for e in entries if e.get("action") == action][n]
for e in entries[1:]:
    a = e["actor"]
    assert "user" in a and "host" in a and "person" in a, e
assert actor("order.sign")["person"]["name"] == "Claire Dubois", actor("order.sign")
assert len(actor("order.sign")["person"]["key_id"]) == 16
assert actor("extract")["person"]["name"] == "Olivier Martin", actor("extract")
assert actor("plan")["person"] is None, actor("plan")
assert actor("open", 0)["person"] is None
assert actor("open", 1)["person"]["name"] == "Rachel Petit", actor("open", 1)
PY
pass

# The DPO's report: names, and the commands run without a personal key in red.
expect_code 0 $CORDON report --order "$order" -o report.html
expect_code 0 $CORDON report --order "$order" -o report.md
grep -q "Olivier Martin (key " report.html || fail "the report does not name the processor"
grep -q '<td class="noperson">[^<]*no personal key</td><td>Ran a plan' report.html ||
  fail "the plan without a personal key is not shown in red"
grep -q 'color:#a00">\*\*[^|]*no personal key\*\*</span> | Ran a plan' report.md ||
  fail "report.md does not mark the plan without a personal key"
grep -q "Rachel Petit" report.md || fail "report.md does not name the recipient"
pass
done_ok
