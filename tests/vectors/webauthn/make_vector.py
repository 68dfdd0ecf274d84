#!/usr/bin/env python3
"""Makes the WebAuthn vectors (registration.json, assertion.json)
independently of cordon's C++: an authenticator and a browser written again
here from WebAuthn Level 3 (§5.8.1 client data, §6.1 authenticator data,
§6.5 attestation object, §8.2 "packed" self attestation, §7.2 assertions),
RFC 8949 CBOR, RFC 9053 COSE and PROTOCOL.u2f, with python3-cryptography.
Run once; the files are committed, and src/auth/webauthn_login_test.cc checks
that cordon accepts them and derives the SSH key written here. The P-256 key
is derived from a fixed scalar: a test key, public on purpose."""
import base64, hashlib, json, os, struct
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

RP = "cordon.chu-exemple.fr"
ORIGIN = "https://" + RP
REG_CHALLENGE = hashlib.sha256(b"cordon webauthn vector: registration").digest()
GET_CHALLENGE = hashlib.sha256(b"cordon webauthn vector: login").digest()
CREDENTIAL_ID = hashlib.sha256(b"cordon webauthn vector: credential").digest()[:24]
AAGUID = bytes.fromhex("ea9b8d664d011d213ce4b6b48cb575d4")  # an example model
REG_COUNTER, GET_COUNTER = 1, 2
UP, UV, AT = 0x01, 0x04, 0x40

# CBOR (RFC 8949 §3, §4.2.1: shortest heads, definite lengths).
def head(major, n):
    if n < 24: return bytes([major << 5 | n])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | info]) + struct.pack(fmt, n)
def cbor(v):
    if isinstance(v, int): return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, bytes): return head(2, len(v)) + v
    if isinstance(v, str): return head(3, len(v.encode())) + v.encode()
    if isinstance(v, dict):
        return head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(v)
def string(b): return struct.pack(">I", len(b)) + b
def b64url(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

key = ec.derive_private_key(0xC0D0_5EA1_0F_DA7A, ec.SECP256R1())
point = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
cose = cbor({1: 2, 3: -7, -1: 1, -2: point[1:33], -3: point[33:65]})
rp_hash = hashlib.sha256(RP.encode()).digest()

# Registration: navigator.credentials.create() with attestation "direct"
# from an authenticator that self-attests ("packed" without x5c).
reg_client = json.dumps({"type": "webauthn.create", "challenge": b64url(REG_CHALLENGE),
                         "origin": ORIGIN, "crossOrigin": False},
                        separators=(",", ":")).encode()
reg_auth = (rp_hash + bytes([UP | UV | AT]) + struct.pack(">I", REG_COUNTER) + AAGUID
            + struct.pack(">H", len(CREDENTIAL_ID)) + CREDENTIAL_ID + cose)
att_sig = key.sign(reg_auth + hashlib.sha256(reg_client).digest(), ec.ECDSA(hashes.SHA256()))
attestation_object = cbor({"fmt": "packed", "attStmt": {"alg": -7, "sig": att_sig},
                           "authData": reg_auth})
ssh_blob = (string(b"sk-ecdsa-sha2-nistp256@openssh.com") + string(b"nistp256") + string(point)
            + string(RP.encode()))

# Login: navigator.credentials.get() with the server's nonce.
get_client = json.dumps({"type": "webauthn.get", "challenge": b64url(GET_CHALLENGE),
                         "origin": ORIGIN, "crossOrigin": False},
                        separators=(",", ":")).encode()
get_auth = rp_hash + bytes([UP | UV]) + struct.pack(">I", GET_COUNTER)
get_sig = key.sign(get_auth + hashlib.sha256(get_client).digest(), ec.ECDSA(hashes.SHA256()))

out = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(out, "registration.json"), "w") as f:
    json.dump({
        "rp_id": RP, "origin": ORIGIN, "challenge_hex": REG_CHALLENGE.hex(),
        "client_data_json": reg_client.decode(),
        "attestation_object_hex": attestation_object.hex(),
        "credential_id_hex": CREDENTIAL_ID.hex(), "aaguid_hex": AAGUID.hex(),
        "sign_counter": REG_COUNTER,
        "ssh_public_key": "sk-ecdsa-sha2-nistp256@openssh.com " + base64.b64encode(ssh_blob).decode(),
        "ssh_fingerprint": "SHA256:" + base64.b64encode(
            hashlib.sha256(ssh_blob).digest()).decode().rstrip("="),
    }, f, indent=2)
    f.write("\n")
with open(os.path.join(out, "assertion.json"), "w") as f:
    json.dump({
        "rp_id": RP, "origin": ORIGIN, "challenge_hex": GET_CHALLENGE.hex(),
        "credential_id_hex": CREDENTIAL_ID.hex(),
        "client_data_json": get_client.decode(),
        "authenticator_data_hex": get_auth.hex(), "signature_hex": get_sig.hex(),
        "sign_counter": GET_COUNTER,
    }, f, indent=2)
    f.write("\n")
