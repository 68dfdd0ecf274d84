#!/usr/bin/env bash
# The exchange's accounts from the admin's side: one named account per
# person, a one-time enrolment token, end dates, disabling; every change in
# the exchange's own ledger, which names accounts by id, never by e-mail.
. "$(dirname "$0")/lib.sh"

expect_code 0 $CORDON admin user add --data D --name "Jeanne Martin" --email jeanne@lab42.example \
  --role approver --expires 2027-06-30
token=$(cat "$T/.out")
[[ $token =~ ^[0-9a-f]{64}$ ]] || fail "enrolment token: $token"
expect_stderr "until 2027-06-30"
expect_stderr "expires in 72 hours"
[ -f D/ledger/ledger.log ] || fail "the exchange's ledger was not created"
grep -q "$token" D/exchange.db D/exchange.db-wal 2>/dev/null && fail "the token is stored in clear"
expect_code 4 $CORDON admin user add --data D --name "Someone Else" --email JEANNE@lab42.example \
  --role admin --expires 2027-06-30                       # one account per person
expect_code 2 $CORDON admin user add --data D --name "X Y" --email x@lab42.example --role root \
  --expires 2027-06-30
expect_code 2 $CORDON admin user add --data D --name "X Y" --email x@lab42.example --role admin \
  --expires 2020-01-01                                    # an end date in the past
expect_code 0 $CORDON admin user list --data D --json
python3 - "$T/.out" <<'PY' || fail "admin user list --json"
import json, sys
users = json.load(open(sys.argv[1]))
assert [u["status"] for u in users] == ["enrolling"], users
assert users[0]["expires"] == "2027-06-30" and users[0]["last_login_at"] is None, users
PY
expect_code 0 $CORDON admin user extend --data D jeanne@lab42.example --expires 2028-01-31
expect_code 0 $CORDON admin user allow-ips --data D jeanne@lab42.example 10.1.2.3/16 192.0.2.7
grep -q "may log in from 10.1.0.0/16,192.0.2.7/32" "$T/.out" || fail "allow-ips: $(cat "$T/.out")"
expect_code 2 $CORDON admin user allow-ips --data D jeanne@lab42.example 10.1.2.3/40
expect_code 0 $CORDON admin user list --data D --json
grep -q '"allowed_ips": "10.1.0.0/16,192.0.2.7/32"' "$T/.out" || fail "list lacks the allow-list"
expect_code 0 $CORDON admin user allow-ips --data D jeanne@lab42.example
grep -q "any address" "$T/.out" || fail "allow-ips without blocks should clear"
expect_code 0 $CORDON admin user disable --data D jeanne@lab42.example
expect_code 0 $CORDON admin user list --data D
grep -q "disabled  until 2028-01-31" "$T/.out" || fail "list: $(cat "$T/.out")"
expect_code 1 $CORDON admin user unlock --data D nobody@lab42.example
# The ledger: every change (the refused ones too), no e-mail or name in it.
expect_code 0 $CORDON ledger show --ledger D/ledger --json
[ "$(grep -c '"action":"admin.user' "$T/.out")" -eq 10 ] || fail "admin changes not all recorded"
grep -qi "jeanne\|martin" D/ledger/ledger.log && fail "a name or e-mail in the ledger"
expect_code 0 $CORDON ledger verify --ledger D/ledger
done_ok
