#!/usr/bin/env python3
"""An independent verifier of cordon's ledger evidence, written from the
specifications alone (C2SP signed-note and tlog-checkpoint, RFC 6962 /
RFC 9162 §2.1), sharing no code with cordon. Exits non-zero on any failure.

  ledger_verifier.py checkpoint NOTE_FILE VKEY
  ledger_verifier.py prove PROVE_JSON VKEY
  ledger_verifier.py consistency CONSISTENCY_JSON OLD_NOTE_FILE VKEY
  ledger_verifier.py report REPORT.(md|html) VKEY ORDER_ID
"""
import base64
import hashlib
import json
import re
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def b64(s):
    return base64.b64decode(s, validate=True)


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def parse_vkey(vkey):
    name, key_id, key = vkey.strip().split("+", 2)
    key = b64(key)
    if key[0] != 1 or len(key) != 33:
        fail("vkey: not an Ed25519 key")
    expected = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    if bytes.fromhex(key_id) != expected:
        fail("vkey: key id does not match")
    return name, expected, Ed25519PublicKey.from_public_bytes(key[1:])


def open_checkpoint(note, vkey):
    """signed-note: text, a blank line, signature lines; then the checkpoint body."""
    name, key_id, public_key = parse_vkey(vkey)
    split = note.rfind("\n\n")
    if split < 0:
        fail("note: no blank line")
    text, sigs = note[: split + 1], note[split + 2 :]
    verified = False
    for line in sigs.splitlines():
        if not line.startswith("\u2014 "):
            fail("note: bad signature line")
        sig_name, sig = line[2:].split(" ")
        sig = b64(sig)
        if sig_name != name or sig[:4] != key_id:
            continue  # another key's signature: ignored, as the spec says
        public_key.verify(sig[4:], text.encode())  # raises InvalidSignature
        verified = True
    if not verified:
        fail("note: no signature by the verifier key")
    lines = text.split("\n")
    origin, size, root = lines[0], int(lines[1]), b64(lines[2])
    if origin != name:
        fail("checkpoint: origin is not the key's name")
    return size, root


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:  # a negative index would act as one counted from the end
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(size1, size2, root1, root2, proof):
    """RFC 9162 §2.1.4.2."""
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0 or size1 > size2 or not proof:
        return False
    if size1 & (size1 - 1) == 0:
        proof = [root1] + proof
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root1 and sr == root2 and sn == 0


def evidence_entries(evidence):
    """A report's evidence as [(index, entry bytes, proof hashes)]: format
    v1 (each proof's hashes in base64) or v2 (the exchange's answer: each
    distinct hash once in "nodes", each proof as their numbers there)."""
    if evidence["format"] == "cordon-report-evidence-v1":
        return [(e["index"], b64(e["entry"]), [b64(h) for h in e["proof"]])
                for e in evidence["entries"]]
    if evidence["format"] != "cordon-report-evidence-v2":
        fail(f"unknown evidence format {evidence['format']!r}")
    nodes = b64(evidence["nodes"])
    if len(nodes) % 32:
        fail("the nodes are not 32-byte hashes")
    hashes = [nodes[k:k + 32] for k in range(0, len(nodes), 32)]
    if len(set(hashes)) != len(hashes):
        fail("a hash is given twice among the nodes")
    def node(n):
        if type(n) is not int or not 0 <= n < len(hashes):
            fail(f"a proof names no hash: {n!r}")
        return hashes[n]
    return [(e["index"], b64(e["entry"]), [node(n) for n in e["proof"]])
            for e in evidence["entries"]]


def main():
    cmd = sys.argv[1]
    if cmd == "checkpoint":
        size, _ = open_checkpoint(open(sys.argv[2]).read(), sys.argv[3])
        print(f"checkpoint of size {size} verifies")
    elif cmd == "prove":
        p = json.load(open(sys.argv[2]))
        size, root = open_checkpoint(p["checkpoint"], sys.argv[3])
        entry = b64(p["entry"])
        if leaf_hash(entry) != b64(p["leaf_hash"]):
            fail("leaf hash is not SHA-256(0x00 || entry)")
        if size != p["tree_size"] or root != b64(p["root"]):
            fail("proof is not about the signed checkpoint")
        if json.loads(entry)["seq"] != p["index"]:
            fail("the entry's seq is not its index")
        if not verify_inclusion(p["index"], size, leaf_hash(entry), [b64(h) for h in p["proof"]], root):
            fail("inclusion proof does not verify")
        print(f"entry {p['index']} is in the signed tree of size {size}")
    elif cmd == "consistency":
        c = json.load(open(sys.argv[2]))
        old_size, old_root = open_checkpoint(open(sys.argv[3]).read(), sys.argv[4])
        new_size, new_root = open_checkpoint(c["checkpoint"], sys.argv[4])
        if (old_size, old_root, new_size, new_root) != (
            c["old_size"], b64(c["old_root"]), c["new_size"], b64(c["new_root"])):
            fail("proof is not about the two signed checkpoints")
        if not verify_consistency(old_size, new_size, old_root, new_root, [b64(h) for h in c["proof"]]):
            fail("consistency proof does not verify")
        print(f"tree of size {new_size} extends tree of size {old_size}")
    elif cmd == "report":
        text = open(sys.argv[2], encoding="utf-8").read()
        m = re.search(r'<script type="application/json" id="cordon-evidence">\n(.*?)\n</script>', text, re.S) \
            or re.search(r"```json\n(.*?)\n```", text, re.S)
        if not m:
            fail("report: no evidence block")
        ev = json.loads(m.group(1))
        if ev["vkey"] != sys.argv[3]:
            fail("report: made with another ledger key than the one given")
        size, root = open_checkpoint(ev["checkpoint"], sys.argv[3])
        actions = []
        for e in ev["entries"]:
            entry = b64(e["entry"])
            if leaf_hash(entry) != b64(e["leaf_hash"]):
                fail(f"entry {e['index']}: leaf hash")
            if not verify_inclusion(e["index"], size, leaf_hash(entry), [b64(h) for h in e["proof"]], root):
                fail(f"entry {e['index']}: inclusion proof")
            j = json.loads(entry)
            if j["order"]["id"] != sys.argv[4] or j["seq"] != e["index"]:
                fail(f"entry {e['index']}: not about order {sys.argv[4]}")
            actions.append(f"{j['action']}:{j['outcome']}")
        print(" ".join(actions))
    elif cmd == "certificate":
        # A deletion certificate's ledger evidence: the leaf it names is in
        # the tree its signed checkpoint commits to.
        c = json.load(open(sys.argv[2]))["ledger"]
        size, root = open_checkpoint(c["checkpoint"], sys.argv[3])
        if size != c["tree_size"]:
            fail("certificate: proof is not about its checkpoint")
        if not verify_inclusion(c["index"], size, b64(c["leaf_hash"]), [b64(h) for h in c["proof"]], root):
            fail("certificate: inclusion proof does not verify")
        print(f"deletion recorded as entry {c['index']} of the signed tree of size {size}")
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
