#!/usr/bin/env bash
# The command line as a person and a script meet it: help that teaches, exit
# codes scripts can rely on, keys that are never overwritten, and no output
# file (not even a partial one) when decryption fails or a run is interrupted.
. "$(dirname "$0")/lib.sh"
make_inputs

expect_code 0 $CORDON --help
grep -q "encrypt" "$T/.out" || fail "--help does not list encrypt"
expect_code 0 $CORDON encrypt --help
grep -q "cordon encrypt -r age1" "$T/.out" || fail "encrypt --help has no example"
expect_code 2 $CORDON
expect_code 2 $CORDON frobnicate
expect_stderr "cordon: error:"

# keygen: 0600, refuses to overwrite (exit 4), the file is untouched.
$CORDON keygen -o id.key >id.pub
[ "$(stat -c %a id.key)" = 600 ] || fail "identity is not mode 0600"
grep -q '^# public key: age1' id.key || fail "identity file lacks the public key comment"
cp id.key id.key.orig
expect_code 4 $CORDON keygen -o id.key
expect_stderr "already exists"
same id.key id.key.orig
expect_code 4 $CORDON sign-keygen -o id.key

# Bad recipients and missing identities: usage errors with hints.
expect_code 2 $CORDON encrypt -r age1notarecipient -o x.age one.bin
expect_stderr "cordon: hint:"
[ ! -e x.age ] || fail "output created for a refused encryption"
expect_code 2 $CORDON decrypt -o x.out one.bin
expect_code 1 $CORDON decrypt -i missing.key one.bin
expect_stderr "missing.key"
expect_code 1 $CORDON keygen -y missing.key

# A failed decryption leaves no output file and says why.
$CORDON encrypt -r "$(cat id.pub)" -o multi.age multi.bin
$CORDON keygen -o other.key >/dev/null
expect_code 3 $CORDON decrypt -i other.key -o out.bin multi.age
expect_stderr "no identity matches"
[ ! -e out.bin ] || fail "no-match left an output file"
head -c 100000 multi.age >cut.age
expect_code 3 $CORDON decrypt -i id.key -o out.bin cut.age
expect_stderr "payload"
[ ! -e out.bin ] || fail "truncated input left an output file"
cp multi.age flipped.age; flip_byte flipped.age 250000
expect_code 3 $CORDON decrypt -i id.key -o out.bin flipped.age
expect_stderr "does not authenticate"
[ ! -e out.bin ] || fail "altered input left an output file"
[ -z "$(ls -A | grep '\.tmp-')" ] || fail "temporary files left behind"
pass
# An existing output survives a failed decryption unchanged.
cp one.bin out.bin
expect_code 3 $CORDON decrypt -i id.key -o out.bin flipped.age
same one.bin out.bin

# Binary ciphertext is never sprayed on a terminal (exit 2 with a hint).
if python3 "$HERE/run_with_tty.py" unused $CORDON encrypt -r "$(cat id.pub)" one.bin 2>/dev/null; then
  fail "binary output to a terminal was accepted"
fi
pass

# An interrupted encryption leaves neither the output nor a temporary file.
mkfifo slow.fifo
$CORDON encrypt -r "$(cat id.pub)" -o interrupted.age slow.fifo &
pid=$!
exec 3>slow.fifo
head -c 100000 /dev/urandom >&3
for _ in $(seq 50); do ls -A | grep -q '\.tmp-' && break; sleep 0.1; done
ls -A | grep -q '\.tmp-' || fail "the encryption in flight has no temporary file (test cannot fail)"
kill -TERM "$pid"; wait "$pid" || true
exec 3>&-
[ ! -e interrupted.age ] || fail "interrupted run left its output"
[ -z "$(ls -A | grep '\.tmp-')" ] || fail "interrupted run left a temporary file"
pass

# -o to something that is not a regular file writes it in place: a rename
# would replace a device node (run as root, `-o /dev/null` turned the machine's
# /dev/null into a regular file). A private null device and a FIFO stand in.
if mknod null.dev c 1 3 2>/dev/null; then
  expect_code 0 $CORDON encrypt -r "$(cat id.pub)" -o null.dev multi.bin
  expect_code 0 $CORDON decrypt -i id.key -o null.dev multi.age
  [ -c null.dev ] || fail "encrypt/decrypt -o replaced a character device with a regular file"
  [ "$(stat -c %t:%T null.dev)" = 1:3 ] || fail "the device node changed"
  pass
else
  echo "cli_test: mknod not permitted; the device case is covered by the FIFO one" >&2
fi
mkfifo out.fifo
cat out.fifo >from-fifo.age &
reader=$!
expect_code 0 $CORDON encrypt -r "$(cat id.pub)" -o out.fifo multi.bin
# (Checked before waiting: a reader of a replaced FIFO would wait for ever.)
[ -p out.fifo ] || { kill "$reader"; fail "encrypt -o replaced a FIFO with a regular file"; }
wait "$reader"
$CORDON decrypt -i id.key -o from-fifo.bin from-fifo.age && same multi.bin from-fifo.bin
# /dev/fd/N is the descriptor the shell opened (here for appending).
echo kept >appended.txt
$CORDON decrypt -i id.key -o /dev/fd/3 multi.age 3>>appended.txt
{ echo kept; cat multi.bin; } >expected.txt
same expected.txt appended.txt
[ -z "$(ls -A | grep '\.tmp-')" ] || fail "an in-place write left a temporary file"
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
pass

# Errors and output never contain secret key material.
secret=$(grep AGE-SECRET-KEY id.key)
# Change one character of the key (to another one: the test must not pass by luck).
python3 -c 'import sys; t = open(sys.argv[1]).read(); i = t.index("AGE-SECRET-KEY-1") + 16; print(t[:i] + ("Q" if t[i] != "Q" else "P") + t[i + 1:], end="")' id.key >damaged.key
cmp -s id.key damaged.key && fail "the key was not damaged"
expect_code 1 $CORDON decrypt -i damaged.key multi.age
if grep -q "${secret:20:20}" "$T/.err" "$T/.out"; then fail "a secret key appeared in an error"; fi
pass
done_ok
