#!/usr/bin/env bash
# Vendor remote maintenance from the admin's side: organisations on accounts,
# a year at most for operators, SSH targets, the two CAs (ssh-keygen reads
# their public lines) and their rotation, bastion machine tokens, and the
# emergency cut-off of an organisation; every change in the exchange's ledger.
. "$(dirname "$0")/lib.sh"

soon=$(date -u -d '+200 days' +%F)
late=$(date -u -d '+400 days' +%F)
expect_code 3 $CORDON admin user add --data D --name "Victor Vendor" --email v@vendor.example \
  --role operator --organisation "Vendor SA" --expires "$late"        # more than a year
expect_stderr "at most 365 days"
expect_code 3 $CORDON admin user add --data D --name "Victor Vendor" --email v@vendor.example \
  --role operator --organisation "Vendor SA" --expires "$soon" --max-operator-days 30
expect_code 2 $CORDON admin user add --data D --name "Anne Approver" --email a@chu.example \
  --role approver --organisation "CHU Exemple" --expires "$soon" --on-call  # operators only
expect_code 0 $CORDON admin user add --data D --name "Victor Vendor" --email v@vendor.example \
  --role operator --organisation "Vendor SA" --on-call --expires "$soon"
expect_code 0 $CORDON admin user add --data D --name "Anne Approver" --email a@chu.example \
  --role approver --organisation "CHU Exemple" --expires "$late"      # not an operator
expect_code 3 $CORDON admin user extend --data D v@vendor.example --expires "$late"  # nor by extension
expect_code 0 $CORDON admin user extend --data D a@chu.example --expires "$late"
expect_code 0 $CORDON admin user list --data D --json
python3 - "$T/.out" <<'PY' || fail "admin user list --json"
import json, sys
users = {u["email"]: u for u in json.load(open(sys.argv[1]))}
v = users["v@vendor.example"]
assert v["organisation"] == "Vendor SA" and v["on_call"] is True, v
assert v["last_used_at"] is None and v["dormant"] is False and v["locked_reason"] == "", v
assert users["a@chu.example"]["on_call"] is False, users
PY

# Targets.
expect_code 0 $CORDON admin target add --data D --name pacs01 --address 10.1.2.3:22 \
  --principal pacs01 --organisation "CHU Exemple" --approvals 2
expect_code 4 $CORDON admin target add --data D --name pacs01 --address 10.1.2.3:22 \
  --principal pacs01
expect_code 2 $CORDON admin target add --data D --name lis --address 10.1.2.4 --principal lis
expect_code 2 $CORDON admin target add --data D --name lis --address 10.1.2.4:22 \
  --principal "-oProxyCommand=x"
expect_code 0 $CORDON admin target list --data D --json
python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); assert [x["name"] for x in t]==["pacs01"] and t[0]["approvals"]==2, t' \
  "$T/.out" || fail "target list"

# The CAs: two different keys, lines ssh-keygen reads; a rotation lists both.
expect_code 0 $CORDON admin ca show --data D
grep '^ssh-ed25519 ' "$T/.out" >cas.txt
[ "$(wc -l <cas.txt)" -eq 2 ] || fail "ca show: $(cat "$T/.out")"
[ "$(cut -d' ' -f2 cas.txt | sort -u | wc -l)" -eq 2 ] || fail "the user and egress CAs are one key"
head -1 cas.txt >user.pub
ssh-keygen -l -f user.pub >/dev/null || fail "ssh-keygen does not read the user CA line"
[ "$(stat -c %a D/ssh-user-ca.key)" = 600 ] || fail "the CA key is not private"
ssh-keygen -y -f D/ssh-user-ca.key | cut -d' ' -f2 | grep -qx "$(cut -d' ' -f2 user.pub)" ||
  fail "ssh-keygen does not read the CA key as the line it shows"
expect_code 0 $CORDON admin ca rotate --data D --which user
expect_code 0 $CORDON admin ca show --data D
[ "$(grep -c '^ssh-ed25519 ' "$T/.out")" -eq 3 ] || fail "the old user CA is not listed during rotation"
grep -q "$(cut -d' ' -f2 user.pub)" "$T/.out" || fail "the old key is gone"
expect_code 3 $CORDON admin ca rotate --data D --which user   # one rotation at a time
expect_code 0 $CORDON admin ca rotate --data D --which user --retire-old
expect_code 0 $CORDON admin ca show --data D
grep -q "$(cut -d' ' -f2 user.pub)" "$T/.out" && fail "the retired key is still listed"
expect_code 2 $CORDON admin ca rotate --data D --which root

# Bastions: the token file is 0600, only its hash is kept.
expect_code 0 $CORDON admin bastion add --data D --name bastion01 -o b.token
[ "$(stat -c %a b.token)" = 600 ] || fail "the token file is not private"
token=$(cat b.token)
[[ $token =~ ^[0-9a-f]{64}$ ]] || fail "machine token: $token"
grep -q "$token" D/exchange.db D/exchange.db-wal 2>/dev/null && fail "the token is stored in clear"
expect_code 1 $CORDON admin bastion add --data D --name bastion02 -o b.token  # never overwritten
expect_code 0 $CORDON admin bastion list --data D
grep -q "bastion01" "$T/.out" || fail "bastion list"
grep -q "bastion02" "$T/.out" && fail "a bastion whose token could not be written was registered"

# The emergency cut-off, then its end (requested here, lifted by an approver).
expect_code 0 $CORDON admin organisation suspend --data D "Vendor SA" --reason "vendor breached"
grep -q "1 account(s)" "$T/.out" || fail "suspend: $(cat "$T/.out")"
expect_code 3 $CORDON admin organisation suspend --data D "Vendor SA"
expect_code 0 $CORDON admin organisation list --data D --json
python3 -c 'import json,sys; o={x["name"]:x for x in json.load(open(sys.argv[1]))}; assert o["Vendor SA"]["suspended"] and not o["CHU Exemple"]["suspended"], o' \
  "$T/.out" || fail "organisation list"
expect_code 0 $CORDON admin organisation resume --data D "Vendor SA"
expect_code 3 $CORDON admin organisation resume --data D "CHU Exemple"   # not suspended
expect_code 0 $CORDON admin target remove --data D pacs01
expect_code 0 $CORDON admin bastion remove --data D bastion01

expect_code 0 $CORDON ledger show --ledger D/ledger --json
for action in admin.target.add admin.ca.rotate admin.bastion.add admin.organisation.suspend \
  admin.organisation.resume_requested admin.target.remove admin.bastion.remove; do
  grep -q "\"action\":\"$action\"" "$T/.out" || fail "$action not recorded"
done
grep -q "$token" D/ledger/ledger.log && fail "the machine token is in the ledger"
expect_code 0 $CORDON ledger verify --ledger D/ledger
done_ok
