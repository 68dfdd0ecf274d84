#!/usr/bin/env bash
# minisign verifies what cordon signs; cordon verifies what minisign signs
# (prehashed and legacy) and rejects altered files, altered trusted comments
# and other keys' signatures with exit code 3.
. "$(dirname "$0")/lib.sh"
make_inputs
printf '[order]\nid = "LAB42"\n' >order.toml

# cordon signs → minisign verifies (and requires prehashing, -H).
$CORDON sign-keygen -o ctrl.key >/dev/null
[ "$(stat -c %a ctrl.key)" = 600 ] || fail "secret key is not mode 0600"
pass
$CORDON sign -k ctrl.key -t "order LAB42 approved by the DPO" order.toml
minisign -V -H -p ctrl.key.pub -m order.toml | grep -q "Trusted comment: order LAB42 approved by the DPO" ||
  fail "minisign did not verify cordon's signature"
pass
for f in empty.bin multi.bin; do
  $CORDON sign -k ctrl.key "$f"
  minisign -Vq -p ctrl.key.pub -m "$f" || fail "minisign rejected cordon's signature of $f"
  pass
done
# minisign signs with a cordon key too (same secret key format).
minisign -S -s ctrl.key -m one.bin -x one.bin.by-minisign -t "signed by minisign with a cordon key" >/dev/null
$CORDON verify -p ctrl.key.pub -x one.bin.by-minisign one.bin | grep -q "signed by minisign with a cordon key" ||
  fail "cordon did not verify minisign's signature"
pass

# minisign signs → cordon verifies, prehashed (default) and legacy (-l).
minisign -G -W -p m.pub -s m.key >/dev/null
$CORDON sign -k m.key -x chunk.bin.cordon-sig chunk.bin  # cordon reads minisign's key
minisign -Vq -p m.pub -x chunk.bin.cordon-sig -m chunk.bin || fail "cordon signed badly with a minisign key"
pass
minisign -S -s m.key -m multi.bin -t "prehashed by minisign" >/dev/null
expect_code 0 $CORDON verify -p m.pub multi.bin
grep -q "trusted comment: prehashed by minisign" "$T/.out" || fail "trusted comment not printed"
minisign -S -l -s m.key -m chunk.bin -x chunk.bin.legacy -t "legacy by minisign" >/dev/null
expect_code 0 $CORDON verify -P "$(tail -1 m.pub)" -x chunk.bin.legacy chunk.bin
$CORDON verify --json -p m.pub multi.bin | grep -q '"verified":true' || fail "--json"
pass

# Tampering: the file, the trusted comment, another key. Each exits 3.
cp multi.bin altered.bin; flip_byte altered.bin 1000
expect_code 3 $CORDON verify -p m.pub -x multi.bin.minisig altered.bin
expect_stderr "does not match the file"
sed 's/^trusted comment: .*/trusted comment: approved by nobody/' multi.bin.minisig >forged.minisig
expect_code 3 $CORDON verify -p m.pub -x forged.minisig multi.bin
expect_stderr "trusted comment was altered"
expect_code 3 $CORDON verify -p ctrl.key.pub multi.bin
expect_stderr "not by key"
# The auditors' binary answers the same (`cordon-verify` is `cordon verify`).
expect_code 0 $CORDON_VERIFY -p m.pub multi.bin
expect_code 0 $CORDON_VERIFY verify -p m.pub multi.bin
expect_code 3 $CORDON_VERIFY -p m.pub -x multi.bin.minisig altered.bin
expect_stderr "does not match the file"
expect_code 3 $CORDON_VERIFY -p ctrl.key.pub multi.bin
minisign -Vq -p m.pub -x forged.minisig -m multi.bin 2>/dev/null && fail "minisign accepted a forged comment"
expect_code 3 $CORDON verify -p ctrl.key.pub -x order.toml.minisig altered.bin
# Malformed signature files are refused with exit 1 and a line-level reason.
head -2 multi.bin.minisig >truncated.minisig
expect_code 1 $CORDON verify -p m.pub -x truncated.minisig multi.bin
expect_stderr "expected 4 lines"
done_ok
