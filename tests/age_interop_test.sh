#!/usr/bin/env bash
# The age CLI reads everything cordon encrypts, and cordon reads everything age
# encrypts: X25519 (one and several recipients, recipients files), scrypt
# passphrases, binary and armored, at chunk-boundary sizes.
. "$(dirname "$0")/lib.sh"
make_inputs

$CORDON keygen -o alice.key >alice.pub
age-keygen -o bob.key 2>/dev/null
age-keygen -y bob.key >bob.pub
[ "$($CORDON keygen -y alice.key)" = "$(cat alice.pub)" ] || fail "keygen -y disagrees"
[ "$(age-keygen -y alice.key)" = "$(cat alice.pub)" ] || fail "age-keygen -y cannot read cordon's key"
[ "$($CORDON keygen -y bob.key)" = "$(cat bob.pub)" ] || fail "cordon cannot read age-keygen's key"
pass
cat alice.pub bob.pub >both.txt

for f in empty.bin one.bin chunk.bin multi.bin; do
  # cordon → age
  $CORDON encrypt -r "$(cat alice.pub)" -o "$f.c.age" "$f"
  # (age -o creates no file for empty output, so use stdout)
  age -d -i alice.key "$f.c.age" >"$f.c.out"; same "$f" "$f.c.out"
  $CORDON encrypt -a -R both.txt "$f" >"$f.c.asc"
  head -1 "$f.c.asc" | grep -q -- "-----BEGIN AGE ENCRYPTED FILE-----" || fail "no armor"
  age -d -i bob.key "$f.c.asc" >"$f.c.asc.out"; same "$f" "$f.c.asc.out"
  age -d -i alice.key <"$f.c.asc" >"$f.c.asc.out2"; same "$f" "$f.c.asc.out2"
  # age → cordon
  age -r "$(cat alice.pub)" -r "$(cat bob.pub)" -o "$f.a.age" "$f"
  $CORDON decrypt -i bob.key -o "$f.a.out" "$f.a.age"; same "$f" "$f.a.out"
  age -a -R both.txt <"$f" >"$f.a.asc"
  $CORDON decrypt -i alice.key <"$f.a.asc" >"$f.a.asc.out"; same "$f" "$f.a.asc.out"
done

# scrypt passphrases, both ways, typed at a terminal prompt.
with_tty 'correct horse battery' $CORDON encrypt -p -o multi.c.scrypt multi.bin
grep -aq '^-> scrypt ' multi.c.scrypt || fail "no scrypt stanza"
with_tty 'correct horse battery' age -d -o multi.c.scrypt.out multi.c.scrypt
same multi.bin multi.c.scrypt.out
with_tty 'correct horse battery' age -p -a -o one.a.scrypt one.bin
with_tty 'correct horse battery' $CORDON decrypt -p -o one.a.scrypt.out one.a.scrypt
same one.bin one.a.scrypt.out
printf 'correct horse battery\n' >pass.txt
$CORDON decrypt --passphrase-file pass.txt -o one.a.scrypt.out2 one.a.scrypt
same one.bin one.a.scrypt.out2
printf 'wrong\n' >wrong.txt
expect_code 3 $CORDON decrypt --passphrase-file wrong.txt -o nope.out one.a.scrypt
[ ! -e nope.out ] || fail "a failed decryption left an output file"
pass

# Modes: the umask narrows what cordon writes, as it does for age; decrypted
# plaintext is the owner's only, whatever the umask (it is patient data).
mode_of() { stat -c %a "$1"; }
(umask 077 && $CORDON encrypt -r "$(cat alice.pub)" -o umask.c.age one.bin)
[ "$(mode_of umask.c.age)" = 600 ] || fail "encrypt -o ignored umask 077: $(mode_of umask.c.age)"
(umask 022 && $CORDON encrypt -r "$(cat alice.pub)" -o umask22.c.age one.bin)
[ "$(mode_of umask22.c.age)" = 644 ] || fail "encrypt -o under umask 022: $(mode_of umask22.c.age)"
(umask 022 && $CORDON decrypt -i alice.key -o umask.out umask22.c.age)
[ "$(mode_of umask.out)" = 600 ] || fail "decrypted plaintext is $(mode_of umask.out), not 600"
pass

# age's error for cordon's files is the same as for its own: another key.
age-keygen -o carol.key 2>/dev/null
if age -d -i carol.key multi.bin.c.age >/dev/null 2>&1; then fail "age decrypted with the wrong key"; fi
pass
done_ok
