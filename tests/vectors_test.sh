#!/usr/bin/env bash
# cordon's own format vectors (tests/vectors/cordon/) checked by implementations
# that share no code with cordon: tests/check_vectors.py (Python's hashlib,
# HMAC, Ed25519, its own FF1 checked on the NIST samples), the real minisign
# and age on the pinned package and certificate. The C++ side is
# TransformVectors, LedgerVectors, CertificateVectors and ManifestVectors.
. "$(dirname "$0")/lib.sh"
V="$(cd "$(dirname "$0")" && pwd)/vectors"
python3 "$V/../check_vectors.py" "$V" || fail "the vectors do not match their specifications"
pass
minisign -Vq -p "$V/cordon/signing.key.pub" -m "$V/cordon/package/manifest.json" ||
  fail "minisign rejects the pinned manifest's signature"
minisign -Vq -p "$V/cordon/signing.key.pub" -m "$V/cordon/package-v2/manifest.json" ||
  fail "minisign rejects the pinned v2 manifest's signature"
head -c -1 "$V/cordon/deletion-certificate.json" >cert.json
cp "$V/cordon/deletion-certificate.json.minisig" cert.json.minisig
minisign -Vq -p "$V/cordon/signing.key.pub" -m cert.json ||
  fail "minisign rejects the pinned deletion certificate's signature"
sed 's/"confirmed"/"retention"/' cert.json >forged.json && cp cert.json.minisig forged.json.minisig
minisign -Vq -p "$V/cordon/signing.key.pub" -m forged.json 2>/dev/null &&
  fail "minisign accepts an altered certificate (test cannot fail)"
pass
[ "$(age -d -i "$V/cordon/package/recipient.key" "$V/cordon/package/patients.csv.age")" = \
  "$(printf 'NUM,VISITE\r\n1,2021\r')" ] || fail "age does not open the pinned package to its rows (RFC 4180 CRLF)"
[ "$(age -d -i "$V/cordon/package/recipient.key" "$V/cordon/package-v2/patients.csv.age")" = \
  "$(printf 'NUM,NOM,VISITE,POIDS,NAISSANCE\r\n1,M*****,03/02/2021,"72,5",1984\r\n3,P****,28/11/2022,,1979\r')" ] ||
  fail "age does not open the pinned v2 package to its rows"
pass

# A whole pseudonymizing extraction pinned: docs/orders/lis-test-server.toml
# (deadline moved out of the way) over extraction-source/ (made once by
# `testdata lis-fr --patients 300 --seed 5`, committed so that the input
# cannot move), under the vectors' pseudonym key; the SHA-256 of every
# decrypted table must be today's (extraction.sha256), whichever compiler
# built cordon. A refactor that changes a row, its order, a pseudonym or a
# suppression fails here.
recipient=$(grep -o 'age1[0-9a-z]*' "$V/cordon/package/recipient.key" | head -1)
cp -r "$V/cordon/extraction-source" src
$CORDON sign-keygen -o ctrl.key >/dev/null
# A private copy: cordon refuses a pseudonym key others may read, and a
# checkout gives the committed one the umask's mode.
install -m 600 "$V/cordon/pseudonym.key" pseudonym.key
sed -e "s/0000000000000000/$($CORDON pseudokey id pseudonym.key)/" \
  -e "s/not_after = 2027-06-30/not_after = 2099-12-31/" \
  -e "s/age1yqyu0hj6q2g5ehl9rq5wzt7tqw4dqwfzq6z7k4a3n3yj0yxw7w6qf3aw5r/$recipient/" \
  "$HERE/../docs/orders/lis-test-server.toml" >order.toml
$CORDON order sign -k ctrl.key order.toml >/dev/null
$CORDON extract --order order.toml --source src --controller-key ctrl.key.pub --unsigned-manifest \
  --pseudonym-key pseudonym.key --threads 3 --out pkg >/dev/null ||
  fail "the pinned extraction does not run"
for f in pkg/*.csv.age; do
  printf '%s  %s\n' "$(age -d -i "$V/cordon/package/recipient.key" "$f" | sha256sum | cut -d' ' -f1)" \
    "$(basename "$f" .age)"
done >extraction.sha256
if [ "${CORDON_UPDATE_VECTORS:-}" = 1 ]; then cp extraction.sha256 "$V/cordon/extraction.sha256"; fi
[ "$(wc -l <extraction.sha256)" -ge 2 ] || fail "the pinned extraction wrote fewer than two tables"
diff "$V/cordon/extraction.sha256" extraction.sha256 >&2 ||
  fail "a pseudonymizing extraction of fixed data no longer gives today's tables"
pass
