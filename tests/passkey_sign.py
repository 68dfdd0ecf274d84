#!/usr/bin/env python3
"""Test-only: a passkey simulated outside cordon, to sign orders in scenario
tests as a DPO's browser would (tests/vectors/ssh/make_webauthn_vector.py's
recipe, with the authenticator's answer as parameters: flags, counter, the
site whose RP id hash it signs, the origin the browser reports). The P-256
key is derived from --seed: test keys, public on purpose.

  passkey_sign.py line --seed 1 --principal dpo@chu-exemple.fr   > allowed_signers
  passkey_sign.py sign --seed 1 order.toml                        > order.toml.sig
  passkey_sign.py sign --seed 1 --flags 1 order.toml   (UP without UV)
  passkey_sign.py sign --seed 1 --rp-hash-of evil.example order.toml
"""
import argparse, base64, hashlib, json, struct, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def string(b): return struct.pack(">I", len(b)) + b


def mpint(n):
    b = n.to_bytes((n.bit_length() + 8) // 8, "big")  # room for a sign bit
    while len(b) > 1 and b[0] == 0 and not b[1] & 0x80:
        b = b[1:]
    return string(b)


p = argparse.ArgumentParser()
p.add_argument("mode", choices=["line", "sign"])
p.add_argument("file", nargs="?")
p.add_argument("--seed", type=int, required=True)
p.add_argument("--rp", default="cordon.chu-exemple.fr")
p.add_argument("--ns", default="cordon-order@chu-exemple.fr")
p.add_argument("--principal", default="dpo@chu-exemple.fr")
p.add_argument("--origin")
p.add_argument("--flags", type=int, default=0x05)  # UP | UV
p.add_argument("--counter", type=int, default=1)
p.add_argument("--rp-hash-of", help="the site the authenticator answers for (default --rp)")
a = p.parse_intermixed_args()

key = ec.derive_private_key(0xC0D0 + a.seed, ec.SECP256R1())
point = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
pub = (string(b"sk-ecdsa-sha2-nistp256@openssh.com") + string(b"nistp256") + string(point)
       + string(a.rp.encode()))
if a.mode == "line":
    print(f'{a.principal} namespaces="{a.ns}" sk-ecdsa-sha2-nistp256@openssh.com '
          f'{base64.b64encode(pub).decode()}')
    sys.exit(0)

message = open(a.file, "rb").read()
origin = a.origin or "https://" + a.rp
tbs = (b"SSHSIG" + string(a.ns.encode()) + string(b"") + string(b"sha512")
       + string(hashlib.sha512(message).digest()))
challenge = base64.urlsafe_b64encode(tbs).rstrip(b"=").decode()
client = json.dumps({"type": "webauthn.get", "challenge": challenge, "origin": origin,
                     "crossOrigin": False}, separators=(",", ":")).encode()
auth = (hashlib.sha256((a.rp_hash_of or a.rp).encode()).digest() + bytes([a.flags])
        + struct.pack(">I", a.counter))
r, s = decode_dss_signature(
    key.sign(auth + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256())))
sig = (string(b"webauthn-sk-ecdsa-sha2-nistp256@openssh.com") + string(mpint(r) + mpint(s))
       + bytes([a.flags]) + struct.pack(">I", a.counter) + string(origin.encode())
       + string(client) + string(b""))
blob = (b"SSHSIG" + struct.pack(">I", 1) + string(pub) + string(a.ns.encode()) + string(b"")
        + string(b"sha512") + string(sig))
b64 = base64.b64encode(blob).decode()
sys.stdout.write("-----BEGIN SSH SIGNATURE-----\n" + "".join(
    b64[i:i + 70] + "\n" for i in range(0, len(b64), 70)) + "-----END SSH SIGNATURE-----\n")
