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
pass
