# Helpers for scenario tests: each test script sources this, gets $CORDON
# (the binary under test) and a private scratch directory $T, removed on exit.
set -euo pipefail
CORDON=${CORDON:?set CORDON to the cordon binary}
# The auditors' binary, built beside it (src/cli/verify_main.cc).
CORDON_VERIFY=${CORDON_VERIFY:-$(dirname "$CORDON")/cordon-verify}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
checks=0
# Every data command records itself in a ledger: the test's own, never the
# user's default one.
export CORDON_LEDGER="$T/ledger"
"$CORDON" ledger init --dir "$CORDON_LEDGER" --origin test.example/ledger >/dev/null 2>&1 ||
  { echo "FAIL: cordon ledger init" >&2; exit 1; }

pass() { checks=$((checks + 1)); }
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_code N CMD...: runs CMD and fails unless it exits with N.
expect_code() {
  local want=$1; shift
  local got=0
  "$@" >"$T/.out" 2>"$T/.err" || got=$?
  [ "$got" -eq "$want" ] || { cat "$T/.err" >&2; fail "$* exited $got, expected $want"; }
  pass
}
# expect_stderr TEXT: the last expect_code's stderr contains TEXT.
expect_stderr() { grep -qF -- "$1" "$T/.err" || { cat "$T/.err" >&2; fail "stderr lacks: $1"; }; pass; }
same() { cmp -s "$1" "$2" || fail "$1 and $2 differ"; pass; }
# flip_byte FILE OFFSET: changes the byte at OFFSET (XOR 1). Writing a fixed
# byte instead leaves random data (ciphertext) unchanged once in 256 runs.
flip_byte() {
  python3 -c 'import sys; f = open(sys.argv[1], "r+b"); o = int(sys.argv[2]); f.seek(o); b = f.read(1)[0]; f.seek(o); f.write(bytes([b ^ 1]))' "$1" "$2"
}
with_tty() { python3 "$HERE/run_with_tty.py" "$@" 2>/dev/null; }
done_ok() { echo "$(basename "$0"): $checks checks passed"; }
# Test inputs: empty, tiny, exactly one chunk, several chunks plus a tail.
make_inputs() {
  : >empty.bin
  printf 'x' >one.bin
  head -c 65536 /dev/urandom >chunk.bin
  head -c 300001 /dev/urandom >multi.bin
}
# migration_order PATIENTS SEED: the CNIL migration, ready to sign — src/ (a
# generated legacy export), recipient.key, ctrl.key (the controller), vendor.key
# (the processor) and order.toml (examples/order.toml for that recipient);
# sets $recipient and $order.
migration_order() {
  "$CORDON" testdata lis-fr --patients "$1" --seed "$2" -o src 2>/dev/null
  age-keygen -o recipient.key 2>/dev/null
  recipient=$(age-keygen -y recipient.key)
  "$CORDON" sign-keygen -o ctrl.key >/dev/null
  "$CORDON" sign-keygen -o vendor.key >/dev/null
  sed "s/age1yqyu0hj6q2g5ehl9rq5wzt7tqw4dqwfzq6z7k4a3n3yj0yxw7w6qf3aw5r/$recipient/" \
    "$HERE/../examples/order.toml" >order.toml
  order=LAB42-MIGRATION-2021-03
}
