#!/usr/bin/env python3
"""Passkey SSH signatures for the verification bench: a P-256 authenticator
simulated exactly (WebAuthn §6.1, §7.2: authenticatorData = SHA-256(rpId) ‖
flags ‖ counter; an ES256 signature over authenticatorData ‖
SHA-256(clientDataJSON)) answering challenges that are SSHSIG signed data
(PROTOCOL.sshsig), written as the armored `webauthn-sk-ecdsa-sha2-nistp256`
signatures (PROTOCOL.u2f) the exchange stores for a DPO's order or an
approver's grant decision.

Writes into DIR: allowed_signers (one line for IDENTITY, namespace NS) and N
pairs doc-I.json / doc-I.json.sig, each a distinct decision document.

Usage: passkey_signatures.py DIR N IDENTITY NS
"""
import base64, hashlib, json, os, struct, sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

RP = "cordon.bench.example"
ORIGIN = "https://" + RP
KEY_TYPE = b"sk-ecdsa-sha2-nistp256@openssh.com"
SIG_TYPE = b"webauthn-sk-ecdsa-sha2-nistp256@openssh.com"


def string(b):
    return struct.pack(">I", len(b)) + b


def mpint(n):
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return string(b"\0" + raw if raw and raw[0] & 0x80 else raw)  # positive: no top bit


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def main():
    out, n, identity, ns = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    os.makedirs(out, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    blob = string(KEY_TYPE) + string(b"nistp256") + string(point) + string(RP.encode())
    with open(os.path.join(out, "allowed_signers"), "w") as f:
        f.write(f'{identity} namespaces="{ns}" {KEY_TYPE.decode()} '
                f'{base64.b64encode(blob).decode()}\n')
    rp_hash = hashlib.sha256(RP.encode()).digest()
    for i in range(n):
        doc = json.dumps({"decision": "approve", "format": "cordon-grant-decision",
                          "grant": {"id": i + 1, "reason": f"maintenance window {i}"},
                          "version": 1}, sort_keys=True, separators=(",", ":")).encode()
        signed = (b"SSHSIG" + string(ns.encode()) + string(b"") + string(b"sha512") +
                  string(hashlib.sha512(doc).digest()))
        client = (f'{{"type":"webauthn.get","challenge":"{b64url(signed)}",'
                  f'"origin":"{ORIGIN}","crossOrigin":false}}').encode()
        flags, counter = 0x05, i + 1  # user present and verified
        auth = rp_hash + bytes([flags]) + struct.pack(">I", counter)
        r, s = decode_dss_signature(key.sign(auth + hashlib.sha256(client).digest(),
                                             ec.ECDSA(hashes.SHA256())))
        sig = (string(SIG_TYPE) + string(mpint(r) + mpint(s)) + bytes([flags]) +
               struct.pack(">I", counter) + string(ORIGIN.encode()) + string(client) + string(b""))
        whole = (b"SSHSIG" + struct.pack(">I", 1) + string(blob) + string(ns.encode()) +
                 string(b"") + string(b"sha512") + string(sig))
        text = base64.b64encode(whole).decode()
        armored = ("-----BEGIN SSH SIGNATURE-----\n" +
                   "\n".join(text[j:j + 70] for j in range(0, len(text), 70)) +
                   "\n-----END SSH SIGNATURE-----\n")
        with open(os.path.join(out, f"doc-{i}.json"), "wb") as f:
            f.write(doc)
        with open(os.path.join(out, f"doc-{i}.json.sig"), "w") as f:
            f.write(armored)


main()
