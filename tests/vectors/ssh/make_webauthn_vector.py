#!/usr/bin/env python3
"""Makes the passkey SSH-signature vector (webauthn_order.*) independently of
cordon's C++: the authenticator and the SSHSIG wrapping written again here
from PROTOCOL.sshsig, PROTOCOL.u2f and WebAuthn §6.1/§7.2, with python3-
cryptography. Run once; the files are committed, and src/ssh/sshsig_test.cc
checks that cordon and `ssh-keygen -Y verify` both accept them. The P-256 key
is derived from a fixed scalar: a test key, public on purpose."""
import base64, hashlib, json, os, struct, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

RP = "cordon.chu-exemple.fr"
ORIGIN = "https://" + RP
NS = "cordon-order@chu-exemple.fr"
MESSAGE = (b'[order]\nid = "MIG-2026-014"\npurpose = "migration of the LIS"\n'
           b'plan_sha256 = "5f1c0e0b9d7e4a3c2b1a09f8e7d6c5b4a392817f6e5d4c3b2a190817f6e5d4c3"\n')
COUNTER = 12

def string(b): return struct.pack(">I", len(b)) + b
def mpint(n):
    b = n.to_bytes((n.bit_length() + 8) // 8, "big")  # room for a sign bit
    while len(b) > 1 and b[0] == 0 and not b[1] & 0x80: b = b[1:]
    return string(b)

key = ec.derive_private_key(0x1D0C0DE5EED, ec.SECP256R1())
point = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
pub = (string(b"sk-ecdsa-sha2-nistp256@openssh.com") + string(b"nistp256") + string(point)
       + string(RP.encode()))
tbs = (b"SSHSIG" + string(NS.encode()) + string(b"") + string(b"sha512")
       + string(hashlib.sha512(MESSAGE).digest()))
challenge = base64.urlsafe_b64encode(tbs).rstrip(b"=").decode()
client = json.dumps({"type": "webauthn.get", "challenge": challenge, "origin": ORIGIN,
                     "crossOrigin": False}, separators=(",", ":")).encode()
flags = 0x01 | 0x04  # UP, UV
auth = hashlib.sha256(RP.encode()).digest() + bytes([flags]) + struct.pack(">I", COUNTER)
der = key.sign(auth + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256()))
r, s = decode_dss_signature(der)
sig = (string(b"webauthn-sk-ecdsa-sha2-nistp256@openssh.com") + string(mpint(r) + mpint(s))
       + bytes([flags]) + struct.pack(">I", COUNTER) + string(ORIGIN.encode()) + string(client)
       + string(b""))
blob = b"SSHSIG" + struct.pack(">I", 1) + string(pub) + string(NS.encode()) + string(b"") \
       + string(b"sha512") + string(sig)
b64 = base64.b64encode(blob).decode()
armored = "-----BEGIN SSH SIGNATURE-----\n" + "".join(
    b64[i:i + 70] + "\n" for i in range(0, len(b64), 70)) + "-----END SSH SIGNATURE-----\n"
out = os.path.dirname(os.path.abspath(__file__))
open(os.path.join(out, "webauthn_order.toml"), "wb").write(MESSAGE)
open(os.path.join(out, "webauthn_order.toml.sig"), "w").write(armored)
open(os.path.join(out, "webauthn_allowed_signers"), "w").write(
    f'dpo@chu-exemple.fr namespaces="{NS}" sk-ecdsa-sha2-nistp256@openssh.com '
    f'{base64.b64encode(pub).decode()}\n')
