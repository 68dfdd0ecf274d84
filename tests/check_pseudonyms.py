#!/usr/bin/env python3
"""Independent check of a test-data extraction (docs/orders/lis-test-server.toml).

usage: check_pseudonyms.py SOURCE_DIR OUT_DIR KEY_FILE DOMAIN

Recomputes the NUM_DOSSIER tokens from the key file with Python's own HKDF
and HMAC (the spec in docs/order-format.md), joins every output row to its
source row, and checks that no source identifier (NIR, phone, e-mail,
address, name; identifiers inside free text too) is left anywhere in the
output, that every output NIR is valid, that each patient's dates moved by
one offset, and that results still join their patients.
"""
import base64, csv, hashlib, hmac, re, sys

src, out, key_file, domain = sys.argv[1:5]


def hkdf(ikm, salt, info, n=32):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, t, i = b"", b"", 1
    while len(okm) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        okm += t
        i += 1
    return okm[:n]


secret = None
for line in open(key_file):
    if line.startswith("CORDON-PSEUDONYM-KEY-1 "):
        secret = base64.b64decode(line.split()[1])
token_key = hkdf(secret, b"cordon pseudonym v1", domain.encode() + b"\0token")


def token(v):
    mac = hmac.new(token_key, v.encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:10]).decode().lower()


def read(path, encoding, delimiter):
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


def nir_ok(n):
    n = n.replace(" ", "")
    if len(n) != 15:
        return False
    body = n[:13].replace("2A", "19").replace("2B", "18")
    return body.isdigit() and n[13:].isdigit() and 97 - int(body) % 97 == int(n[13:])


src_p = read(f"{src}/patients.csv", "cp1252", ";")
src_r = read(f"{src}/resultats.csv", "cp1252", ";")
out_p = read(f"{out}/patients.csv", "utf-8", ",")
out_r = read(f"{out}/resultats.csv", "utf-8", ",")
# A valid NIR pseudonym may by chance be another person's real number (it
# carries none of that person's data): the NIR column is checked row by row
# below, every other place for any source identifier.
text = "\n".join(",".join(v for k, v in r.items() if k != "NIR") for r in out_p) + "\n" + \
    open(f"{out}/resultats.csv", encoding="utf-8").read()
fails = []

# Every identifier of the source, typed into free text included.
free = " ".join(r["COMMENTAIRE_P"] + " " + r["COMMENTAIRE_D"] for r in src_p) + " ".join(r["COMMENTAIRE"] for r in src_r)
secrets = set()
for r in src_p:
    secrets |= {r["NIR"], r["TEL"], r["EMAIL"], r["ADRESSE"], r["NOM"] + " " + r["PRENOM"], r["PRENOM"] + " " + r["NOM"]}
    nir = r["NIR"]
    secrets.add(" ".join([nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]]))
for m in re.finditer(r"\b[12] ?\d\d ?\d\d ?(?:\d\d|2[AB]) ?\d{3} ?\d{3} ?\d\d\b", free):
    if nir_ok(m.group()):
        secrets.add(m.group())
secrets |= set(re.findall(r"\b0\d(?: \d\d){4}\b", free)) | set(re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", free))
secrets.discard("")
left = sorted(s for s in secrets if s in text)
if left:
    fails.append(f"{len(left)} source identifiers left in the output, e.g. a {len(left[0])}-character one")

by_token = {token(r["NUM_DOSSIER"]): r for r in src_p}
if len(out_p) != len(src_p):
    fails.append(f"{len(out_p)} patients out, {len(src_p)} in")
offsets = {}
for o in out_p:
    s = by_token.get(o["NUM_DOSSIER"])
    if s is None:
        fails.append("an output NUM_DOSSIER is not the token of any source one")
        break
    if o["NOM"].lower() == s["NOM"].lower() or o["PRENOM"].lower() == s["PRENOM"].lower() and o["NOM"].lower() == s["NOM"].lower():
        fails.append("a row kept its real name")
    if not nir_ok(o["NIR"]) or o["NIR"] == s["NIR"] or o["NIR"][0] != s["NIR"][0]:
        fails.append("an output NIR is invalid, real, or of the other sex")

    def days(d):
        dd, mm, yy = map(int, d.split("/"))
        import datetime
        return datetime.date(yy, mm, dd).toordinal()

    shift = days(o["DATE_NAISSANCE"]) - days(s["DATE_NAISSANCE"])
    if not (1 <= abs(shift) <= 30):
        fails.append(f"a birth date moved by {shift} days")
    if s["DATE_DERNIERE_VISITE"] and days(o["DATE_DERNIERE_VISITE"]) - days(s["DATE_DERNIERE_VISITE"]) != shift:
        fails.append("one patient's dates moved by different offsets")
    offsets[s["NUM_DOSSIER"]] = shift
    if not o["EMAIL"].endswith(("@example.com", "@example.org", "@example.net")):
        fails.append("a synthetic e-mail can reach someone")

tokens = set(by_token)
if len(out_r) != len(src_r):
    fails.append(f"{len(out_r)} results out, {len(src_r)} in")
for o, s in zip(out_r, src_r):
    if o["NUM_DOSSIER"] not in tokens or o["NUM_DOSSIER"] != token(s["NUM_DOSSIER"]):
        fails.append("a result lost its patient (the pseudonyms do not join)")
        break
    import datetime
    dd, mm, yy = map(int, s["DATE_PRELEVEMENT"].split("/"))
    od, om, oy = map(int, o["DATE_PRELEVEMENT"].split("/"))
    if datetime.date(oy, om, od).toordinal() - datetime.date(yy, mm, dd).toordinal() != offsets[s["NUM_DOSSIER"]]:
        fails.append("a result date moved by another offset than its patient's")
        break

for f in sorted(set(fails)):
    print("FAIL:", f)
print(f"checked {len(out_p)} patients, {len(out_r)} results, {len(secrets)} source identifiers")
sys.exit(1 if fails else 0)
