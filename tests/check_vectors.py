#!/usr/bin/env python3
"""An independent check of cordon's own format vectors (tests/vectors/cordon/),
written from the specifications (docs/order-format.md, docs/ledger.md,
docs/exchange.md, NIST SP 800-38G, RFC 6962, C2SP signed-note, minisign),
sharing no code with cordon. Exits non-zero on any failure.

usage: check_vectors.py [VECTORS_DIR]   (default: tests/vectors)
"""
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ledger_verifier  # noqa: E402  (the independent ledger checks)

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "vectors")
vec = os.path.join(root, "cordon")
fails = []
checked = {}


def fail(what):
    fails.append(what)


def count(kind):
    checked[kind] = checked.get(kind, 0) + 1


# ---- primitives, from their specifications ---------------------------------

def hkdf(ikm, salt, info, n=32):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, t, i = b"", b"", 1
    while len(okm) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        okm += t
        i += 1
    return okm[:n]


def aes_block(key, block):
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(block) + e.finalize()


def num(digits, radix):
    n = 0
    for d in digits:
        n = n * radix + d
    return n


def digits_of(n, radix, m):
    out = [0] * m
    for i in range(m - 1, -1, -1):
        out[i] = n % radix
        n //= radix
    return out


def ff1_encrypt(key, radix, tweak, x):
    """NIST SP 800-38G FF1.Encrypt (Algorithm 7), AES as the block cipher."""
    n, t = len(x), len(tweak)
    u, v = n // 2, n - n // 2
    a, b_ = list(x[:u]), list(x[u:])
    b = ((radix ** v - 1).bit_length() + 7) // 8
    d = 4 * ((b + 3) // 4) + 4
    p = bytes([1, 2, 1]) + radix.to_bytes(3, "big") + bytes([10, u % 256]) + \
        n.to_bytes(4, "big") + t.to_bytes(4, "big")
    for i in range(10):
        q = tweak + bytes((-t - b - 1) % 16) + bytes([i]) + num(b_, radix).to_bytes(b, "big")
        r = bytes(16)
        for k in range(0, len(p + q), 16):  # PRF: CBC-MAC
            r = aes_block(key, bytes(x ^ y for x, y in zip(r, (p + q)[k:k + 16])))
        s = r
        j = 1
        while len(s) < d:
            s += aes_block(key, bytes(x ^ y for x, y in zip(r, j.to_bytes(16, "big"))))
            j += 1
        y = int.from_bytes(s[:d], "big")
        m = u if i % 2 == 0 else v
        c = (num(a, radix) + y) % radix ** m
        a, b_ = b_, digits_of(c, radix, m)
    return a + b_


def check_ff1_samples():
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    for line in open(os.path.join(root, "ff1", "ff1-nist-samples.tsv")):
        if line.startswith("#") or line.startswith("sample"):
            continue
        sample, key, radix, tweak, pt, ct = line.rstrip("\n").split("\t")
        radix = int(radix)
        tweak = b"" if tweak == "-" else bytes.fromhex(tweak)
        got = ff1_encrypt(bytes.fromhex(key), radix, tweak, [alphabet.index(c) for c in pt])
        if "".join(alphabet[g] for g in got) != ct:
            fail(f"this checker's FF1 disagrees with NIST sample {sample}")
        count("NIST FF1 samples (this checker's own FF1)")


# ---- transforms ------------------------------------------------------------

secret = None
for line in open(os.path.join(vec, "pseudonym.key")):
    if line.startswith("CORDON-PSEUDONYM-KEY-1 "):
        secret = base64.b64decode(line.split()[1])
DOMAIN = b"vectors"


def transform_key(name):
    return hkdf(secret, b"cordon pseudonym v1", DOMAIN + b"\0" + name)


def token(v):
    mac = hmac.new(transform_key(b"token"), v.encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:10]).decode().lower()


def nir_valid(n):
    n = n.replace(" ", "")
    body = n[:13].replace("2A", "19").replace("2B", "18")
    return len(n) == 15 and body.isdigit() and n[13:].isdigit() and 97 - int(body) % 97 == int(n[13:])


def parse_date(fmt, v):
    return datetime.datetime.strptime(v, fmt)


def cpr_date(c):
    c = c.replace("-", "")
    dd, mm, yy, seventh = int(c[0:2]), int(c[2:4]), int(c[4:6]), int(c[6])
    # Danish century rules from the seventh digit.
    if seventh <= 3:
        century = 1900
    elif seventh in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:
        century = 2000 if yy <= 57 else 1800
    return datetime.date(century + yy, mm, dd)


def mod11(c):
    c = c.replace("-", "")
    return sum(int(a) * w for a, w in zip(c, [4, 3, 2, 7, 6, 5, 4, 3, 2, 1])) % 11 == 0


def check_transform(fate, typ, subject, sex, ids, inp, out):
    kind = fate.split(":")[0] if not fate.startswith(("pseudonym:", "generalize:", "synthetic:")) \
        else ":".join(fate.split(":")[:2])
    if fate == "pseudonym":
        ok = out == token(inp)
    elif fate == "fpe:digits":
        ds = [int(c) for c in inp if c.isdigit()]
        enc = iter(ff1_encrypt(transform_key(b"digits"), 10, b"digits", ds))
        ok = out == "".join(str(next(enc)) if c.isdigit() else c for c in inp)
    elif fate.startswith("shift-date:"):
        n = int(fate.split(":")[1])
        mac = hmac.new(transform_key(b"shift-date"), subject.encode(), hashlib.sha256).digest()
        pick = int.from_bytes(mac[:8], "big") % (2 * n)
        offset = pick - n if pick < n else pick - n + 1
        fmt = typ.split(":", 1)[1]
        ok = parse_date(fmt, out) - parse_date(fmt, inp) == datetime.timedelta(days=offset)
    elif fate == "generalize:year":
        ok = out == str(parse_date("%d/%m/%Y", inp).year)
    elif fate == "generalize:month":
        d = parse_date("%d/%m/%Y", inp)
        ok = out == f"{d.year}-{d.month:02d}"
    elif fate == "generalize:dept":
        cp = int(inp)
        want = inp[:3] if inp.startswith("97") else "2A" if 20000 <= cp < 20200 else \
            "2B" if 20200 <= cp < 20700 else inp[:2]
        ok = out == want
    elif fate.startswith("generalize:age-band:"):
        w = int(fate.split(":")[2])
        if typ == "int":
            age = int(inp)
        else:
            b, ref = parse_date("%d/%m/%Y", inp).date(), datetime.date(2027, 6, 30)
            age = ref.year - b.year - ((ref.month, ref.day) < (b.month, b.day))
        lo = age // w * w
        ok = out == f"{lo}-{lo + w - 1}"
    elif fate.startswith("mask"):
        parts = fate.split(":")
        first = int(parts[1]) if len(parts) > 1 else 0
        last = int(parts[2]) if len(parts) > 2 else 0
        ok = len(out) == len(inp) and all(
            o == i if (k < first or k >= len(inp) - last or not i.isalnum()) else o == "*"
            for k, (i, o) in enumerate(zip(inp, out)))
    elif fate == "null":
        ok = out == "-"
    elif fate.startswith("pseudonym:nir"):
        keep = fate.split("keep=")[1].split(",") if "keep=" in fate else ["sex", "year", "month"]
        a, b = inp.replace(" ", ""), out.replace(" ", "")
        ok = nir_valid(out) and b != a and [len(p) for p in out.split(" ")] == \
            [len(p) for p in inp.split(" ")] and \
            ("sex" not in keep or a[0] == b[0]) and ("year" not in keep or a[1:3] == b[1:3]) and \
            ("month" not in keep or a[3:5] == b[3:5]) and (a[5:7] not in ("2A", "2B") or a[5:7] == b[5:7])
    elif fate.startswith("pseudonym:cpr"):
        try:
            cpr_date(out)
            ok = out != inp and len(out) == len(inp) and mod11(out) == mod11(inp) and \
                ("keep=none" in fate or int(out[-1]) % 2 == int(inp[-1]) % 2)
        except ValueError:
            ok = False
    elif fate.startswith("synthetic:"):
        what = fate.split(":")[1]
        da = fate.endswith(":da")
        ok = out != inp and out != "-"
        if what == "phone":
            ok = ok and (out.startswith("+45 0") and sum(c.isdigit() for c in out[3:]) == 8 if da else out.replace(" ", "")[:6] in
                         ("019900", "026191", "035301", "046571", "053649", "063998"))
        if what == "email":
            ok = ok and out.rsplit("@", 1)[1] in ("example.com", "example.org", "example.net")
    elif fate == "redact":
        ok = all(v not in out and p in out for v, p in (x.split("=") for x in ids.split("|"))) and \
            "1 84 01 76 451 089 64" not in out and "j.d@example.fr" not in out
    else:
        fail(f"no check for the fate {fate}")
        return
    count(f"transform {kind}")
    if not ok:
        fail(f"{fate} of a {typ} vector gives {out!r}, not what the specification says")


def check_transforms():
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(vec, "transforms.tsv"))
            if not l.startswith("#")]
    fates = set()
    for fate, typ, subject, sex, ids, inp, out in rows:
        fates.add(fate.split(":")[0])
        if inp == "-":
            if out != "-":
                fail(f"{fate}: an empty value did not stay empty")
            continue
        check_transform(fate, typ, subject, sex, ids, inp, out)
    for f in ("pseudonym", "fpe", "shift-date", "generalize", "mask", "null", "synthetic", "redact"):
        if f not in fates:
            fail(f"transforms.tsv has no {f} vector (test cannot fail for it)")


# ---- ledger, checkpoint, certificate, manifest -----------------------------

def mth(leaves):
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return ledger_verifier.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def check_ledger():
    leaves = []
    for line in open(os.path.join(vec, "ledger-entries.tsv"), encoding="utf-8"):
        if line.startswith("#"):
            continue
        seq, leaf, entry = line.rstrip("\n").split("\t", 2)
        e = entry.encode()
        obj = json.loads(entry)
        if obj.get("seq") != int(seq) or obj.get("v") != 1 or canonical(obj) != e:
            fail(f"ledger entry {seq} is not the canonical form of its event")
        if ledger_verifier.leaf_hash(e).hex() != leaf:
            fail(f"ledger entry {seq}: its leaf hash is not SHA-256(0x00 ‖ entry)")
        leaves.append(ledger_verifier.leaf_hash(e))
        count("ledger entries")
    tree = dict(l.rstrip("\n").split("\t") for l in open(os.path.join(vec, "ledger-tree.tsv"))
                if not l.startswith("#") and not l.startswith("proof"))
    proof = [bytes.fromhex(l.rstrip("\n").split("\t")[1])
             for l in open(os.path.join(vec, "ledger-tree.tsv")) if l.startswith("proof 1")]
    root_hash = mth(leaves)
    if root_hash.hex() != tree["root"]:
        fail("the ledger root is not the RFC 6962 tree hash of the entries")
    if not ledger_verifier.verify_inclusion(1, len(leaves), leaves[1], proof, root_hash):
        fail("the inclusion proof of entry 1 does not lead to the root")
    count("ledger trees")
    note = open(os.path.join(vec, "checkpoint.txt"), encoding="utf-8").read()
    vkey = open(os.path.join(vec, "checkpoint.vkey")).read()
    size, cp_root = ledger_verifier.open_checkpoint(note, vkey)
    if size != len(leaves) or cp_root != root_hash:
        fail("the checkpoint does not sign the vectors' tree")
    count("checkpoints")
    return leaves, root_hash


def minisign_verify(pub_text, message, sig_text):
    """minisign: "Ed" ‖ key id ‖ public key; signature over BLAKE2b-512(message)
    ("ED", prehashed), global signature over signature ‖ trusted comment."""
    pk = base64.b64decode(pub_text.strip().splitlines()[-1])
    lines = sig_text.splitlines()
    sig = base64.b64decode(lines[1])
    trusted = lines[2][len("trusted comment: "):].encode()
    gsig = base64.b64decode(lines[3])
    if pk[:2] != b"Ed" or sig[:2] != b"ED" or sig[2:10] != pk[2:10]:
        return False
    key = Ed25519PublicKey.from_public_bytes(pk[10:42])
    try:
        key.verify(sig[10:74], hashlib.blake2b(message, digest_size=64).digest())
        key.verify(gsig, sig[10:74] + trusted)
        return True
    except Exception:
        return False


def check_certificate(leaves, root_hash):
    pub = open(os.path.join(vec, "signing.key.pub")).read()
    text = open(os.path.join(vec, "deletion-certificate.json"), "rb").read()
    body = text[:-1] if text.endswith(b"\n") else text
    sig = open(os.path.join(vec, "deletion-certificate.json.minisig")).read()
    if not minisign_verify(pub, body, sig):
        fail("the deletion certificate's signature does not verify")
    if minisign_verify(pub, body.replace(b"confirmed", b"retention"), sig):
        fail("an altered certificate verifies (test cannot fail)")
    c = json.loads(body)
    if canonical(c) != body or c["format"] != "cordon-deletion-certificate" or c["version"] != 1:
        fail("the deletion certificate is not canonical or not format v1")
    ev = c["ledger"]
    leaf = base64.b64decode(ev["leaf_hash"])
    proof = [base64.b64decode(p) for p in ev["proof"]]
    if leaf != leaves[ev["index"]] or \
            not ledger_verifier.verify_inclusion(ev["index"], ev["tree_size"], leaf, proof, root_hash):
        fail("the certificate's ledger evidence does not lead to the checkpoint's root")
    count("deletion certificates")


def check_package(name="package", version=1):
    """package/ (manifest v1) and package-v2/ (v2: each column's type): a
    real extraction's manifest, signed with the vectors' key, its order
    signed by the controller, its table sealed to package/recipient.key."""
    pkg = os.path.join(vec, name)
    pub = open(os.path.join(vec, "signing.key.pub")).read()
    body = open(os.path.join(pkg, "manifest.json"), "rb").read()
    if not minisign_verify(pub, body, open(os.path.join(pkg, "manifest.json.minisig")).read()):
        fail("the manifest's signature does not verify")
    order = open(os.path.join(pkg, "order.toml"), "rb").read()
    if not minisign_verify(open(os.path.join(pkg, "controller.key.pub")).read(), order,
                           open(os.path.join(pkg, "order.toml.minisig")).read()):
        fail("the order's signature does not verify")
    m = json.loads(body)
    for k in ("format", "version", "order", "tables", "recipients", "delete_by", "manifest_signed"):
        if k not in m:
            fail(f"the manifest has no {k}")
    if m.get("format") != "cordon-manifest" or m.get("version") != version or m.get("manifest_signed") is not True:
        fail(f"the manifest is not a signed cordon-manifest v{version}")
    for t in m["tables"]:
        for c in t["columns"]:
            if version >= 2 and not re.fullmatch(r"text|int|decimal|date:[%dmYyHMS/\-.: T]{1,32}", c.get("type", "")):
                fail(f"table {t['name']}: column {c['name']} has no valid type")
    if m["order"]["sha256"] != hashlib.sha256(order).hexdigest():
        fail("the manifest does not name the order's SHA-256")
    for t in m["tables"]:
        data = open(os.path.join(pkg, t["file"]), "rb").read()
        if len(data) != t["ciphertext_size"] or hashlib.sha256(data).hexdigest() != t["ciphertext_sha256"]:
            fail(f"table {t['name']}: the ciphertext is not the one the manifest names")
        if not data.startswith(b"age-encryption.org/v1\n"):
            fail(f"table {t['name']}: not an age file")
    count("packages")


check_ff1_samples()
check_transforms()
leaves, root_hash = check_ledger()
check_certificate(leaves, root_hash)
check_package()
check_package("package-v2", 2)
for f in fails:
    print("FAIL:", f)
print("checked " + ", ".join(f"{n} {k}" for k, n in sorted(checked.items())))
sys.exit(1 if fails else 0)
