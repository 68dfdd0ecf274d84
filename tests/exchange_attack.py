#!/usr/bin/env python3
"""The adversarial review's findings (F1-F25), each tried again against a real
`cordon serve` on loopback, with variations: every one must now be refused,
and leave nothing behind.

Usage: exchange_attack.py CORDON_BINARY SCRATCH_DIR
"""
import base64, gzip, zlib, hashlib, hmac, http.client, json, os, shutil, signal, socket, ssl
import struct, subprocess, sys, threading, time
import datetime

# Accounts end within a year (operators may not be given more, issue 16).
ACCOUNT_END = (datetime.date.today() + datetime.timedelta(days=300)).isoformat()

CORDON, T = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
D = os.path.join(T, "D")
PASSWORD = "violet tram seventeen lanterns"
checks = 0


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, what):
    global checks
    if not cond:
        fail(what)
    checks += 1


def run(*args, ok=True, **kw):
    p = subprocess.run([CORDON, *args], capture_output=True, text=True, cwd=T, **kw)
    if ok and p.returncode != 0:
        fail(f"cordon {' '.join(args)}: {p.stderr}")
    return p


def totp(secret, step_offset=0):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int(time.time()) // 30 + step_offset
    mac = hmac.new(key, struct.pack(">Q", counter), "sha1").digest()
    o = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def json_request(c, method, path, token=None, body=None, raw=None, headers=None):
    """One request on connection `c` (then closed): (status, JSON or bytes)."""
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    payload = r.read()
    c.close()
    try:
        return r.status, json.loads(payload) if payload else None
    except ValueError:
        return r.status, payload


class Server:
    def __init__(self, data, *flags):
        self.data, self.flags = data, flags

    def start(self):
        ready = os.path.join(T, "ready.json")
        if os.path.exists(ready):
            os.remove(ready)
        self.log = open(os.path.join(T, "serve.log"), "a")
        self.proc = subprocess.Popen(
            [CORDON, "serve", "--data", self.data, "--listen", "127.0.0.1:0", "--ready-file", ready,
             "--no-syslog", *self.flags], stderr=self.log)
        for _ in range(200):
            if os.path.exists(ready) and os.path.getsize(ready) > 0:
                break
            time.sleep(0.05)
        else:
            fail("the server did not start: " + open(os.path.join(T, "serve.log")).read())
        servers.append(self.proc)
        self.url = json.load(open(ready))["url"]
        self.port = int(self.url.rsplit(":", 1)[1])
        self.tls = self.url.startswith("https")
        if self.tls:
            self.ctx = ssl.create_default_context(cafile=os.path.join(self.data, "tls", "cert.pem"))
        return self

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)

    def connect(self, source="127.0.0.1"):
        if self.tls:
            return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx,
                                               timeout=30, source_address=(source, 0))
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                          source_address=(source, 0))

    def request(self, method, path, token=None, body=None, raw=None, headers=None,
                source="127.0.0.1"):
        return json_request(self.connect(source), method, path, token, body, raw, headers)

    def raw(self, data, source="127.0.0.1"):
        """Sends bytes as they are; returns everything the server answered."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10,
                                     source_address=(source, 0))
        if self.tls:
            s = self.ctx.wrap_socket(s, server_hostname="127.0.0.1")
        s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except (socket.timeout, ConnectionResetError, ssl.SSLError):
            pass
        s.close()
        return out


class Person:
    def __init__(self, srv, name, role, *extra, log_in=True):
        self.srv, self.email = srv, f"{name}@lab42.example"
        token = run("admin", "user", "add", "--data", srv.data, "--name", f"{name.title()} Tester",
                    "--email", self.email, "--role", role, "--expires", ACCOUNT_END,
                    *extra).stdout.strip()
        st, j = srv.request("POST", "/api/v1/enrol/begin", body={"token": token})
        check(st == 200, f"enrol begin {name}: {st} {j}")
        self.secret = j["secret"]
        st, j = srv.request("POST", "/api/v1/enrol/finish",
                            body={"token": token, "password": PASSWORD, "code": totp(self.secret)})
        check(st == 200, f"enrol finish {name}: {st} {j}")
        self.last = int(time.time()) // 30  # the enrolment's step
        if log_in:
            self.login()

    def login(self):
        # Codes are single use: a step later than the last one used, within
        # the server's window of one step either side (waiting if need be).
        while True:
            now = int(time.time()) // 30
            offset = next((o for o in (-1, 0, 1) if now + o > self.last), None)
            if offset is not None:
                break
            time.sleep(1)
        self.last = now + offset
        st, j = self.srv.request("POST", "/api/v1/login", body={
            "email": self.email, "password": PASSWORD, "code": totp(self.secret, offset)})
        check(st == 200, f"login {self.email}: {st} {j}")
        self.token = j["token"]


def alerts(data, kind):
    path = os.path.join(data, "alerts.jsonl")
    if not os.path.exists(path):
        return 0
    return sum(1 for line in open(path) if f'"kind":"{kind}"' in line)


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def resign(pkg, edit_manifest=None, files=None):
    """A copy of package `pkg` with files replaced and the manifest edited,
    re-signed with the registered processor key (as an operator holding it
    would make it). Returns the new package directory."""
    global variant
    variant += 1
    out = os.path.join(T, f"variant-{variant}")
    shutil.copytree(pkg, out)
    m = json.load(open(os.path.join(out, "manifest.json")))
    for name, content in (files or {}).items():
        open(os.path.join(out, name), "wb").write(content)
        for t in m["tables"]:
            if t["file"] == name:
                t["ciphertext_size"] = len(content)
                t["ciphertext_sha256"] = hashlib.sha256(content).hexdigest()
    if edit_manifest:
        edit_manifest(m)
    text = m if isinstance(m, (bytes, str)) else json.dumps(m, indent=2) + "\n"
    open(os.path.join(out, "manifest.json"), "w").write(text)
    os.remove(os.path.join(out, "manifest.json.minisig"))
    subprocess.run(["minisign", "-S", "-s", os.path.join(T, "vendor.key"), "-m",
                    os.path.join(out, "manifest.json")], capture_output=True, check=True)
    return out


variant = 0


def upload(srv, who, pkg, expect_commit):
    st, j = srv.request("POST", "/api/v1/uploads", who.token, {})
    check(st == 201, f"start upload: {st}")
    up = j["upload"]
    for name in sorted(os.listdir(pkg)):
        st, _ = srv.request("PUT", f"/api/v1/uploads/{up}/files/{name}", who.token,
                            raw=open(os.path.join(pkg, name), "rb").read())
        check(st == 201, f"put {name}: {st}")
    st, j = srv.request("POST", f"/api/v1/uploads/{up}/commit", who.token, {})
    check(st == expect_commit, f"commit of {os.path.basename(pkg)}: {st} {j}")
    check("code" in (j or {}) or st == 201, f"an error answer without a code: {j}")
    return j


servers = []


def last_checkpoint_size(ledger):
    """The tree size of the newest signed checkpoint (docs/ledger.md: records
    of u32 LE length, a signed note, its 32-byte leaf hash; zero length ends)."""
    data = open(os.path.join(ledger, "checkpoints.log"), "rb").read()
    at = data.index(b"\n") + 1
    size = None
    while at + 4 <= len(data):
        n = struct.unpack("<I", data[at:at + 4])[0]
        if n == 0:
            break
        note = data[at + 4:at + 4 + n].decode()
        size = int(note.split("\n")[1])
        at += 4 + n + 32
    return size


def main():
    os.makedirs(T, exist_ok=True)
    os.environ["CORDON_LEDGER"] = os.path.join(T, "ledger")
    run("ledger", "init", "--dir", os.environ["CORDON_LEDGER"], "--origin", "test.example/l")
    # A package as `cordon extract` makes it, sealed to rachel's age recipient.
    run("testdata", "lis-fr", "--patients", "200", "--seed", "5", "-o", "src")
    csv = open(os.path.join(T, "src", "patients.csv"), "rb").read()
    for k in ("ctrl", "vendor"):
        run("sign-keygen", "-o", os.path.join(T, f"{k}.key"))
    recipients = {}
    for who in ("rachel", "bob"):
        key = os.path.join(T, f"{who}.agekey")
        subprocess.run(["age-keygen", "-o", key], capture_output=True, check=True)
        recipients[who] = subprocess.run(["age-keygen", "-y", key], capture_output=True,
                                         text=True, check=True).stdout.strip()
    order = open(os.path.join(HERE, "..", "examples", "order.toml")).read().replace(
        "age1yqyu0hj6q2g5ehl9rq5wzt7tqw4dqwfzq6z7k4a3n3yj0yxw7w6qf3aw5r", recipients["rachel"])
    open(os.path.join(T, "order.toml"), "w").write(order)
    run("order", "sign", "order.toml", "-k", "ctrl.key")
    run("extract", "--order", "order.toml", "--source", "src", "--controller-key", "ctrl.key.pub",
        "--signing-key", "vendor.key", "--out", "pkg")
    pkg = os.path.join(T, "pkg")
    real = open(os.path.join(pkg, "patients.csv.age"), "rb").read()
    header = real[:real.index(b"\n--- ") + 49]  # the age header, up to its MAC line

    # F13: an order id that looks like personal data never gets to a package.
    bad_order = order.replace('id = "LAB42-MIGRATION-2021-03"', 'id = "LAB42 dpo@lab42.example"')
    check(bad_order != order, "the example order's id moved")
    open(os.path.join(T, "bad-id.toml"), "w").write(bad_order)
    p = run("order", "check", "bad-id.toml", "--source", "src", ok=False)
    check(p.returncode != 0 and "personal data" in p.stderr, f"order check of a bad id: {p.stderr}")

    # F20: a data directory made 0755 by hand is tightened.
    os.makedirs(D, mode=0o755)
    os.chmod(D, 0o755)
    open(os.path.join(T, "x.toml"), "w").write(
        "[uploads]\nmax_staged_mib = 1\nmin_free_mib = 0\n[connections]\nper_address = 8\n")
    srv = Server(D, "--config", os.path.join(T, "x.toml")).start()
    check(os.stat(D).st_mode & 0o777 == 0o700, "data directory not 0700")
    for f in ("exchange.db", "exchange.db-wal", "exchange.db-shm"):
        path = os.path.join(D, f)
        check(not os.path.exists(path) or os.stat(path).st_mode & 0o777 == 0o600, f"{f} not 0600")
    run("admin", "processor-key", "add", "--data", D, "--person", "Olivier Tester",
        os.path.join(T, "vendor.key.pub"))
    olivier = Person(srv, "olivier", "operator")
    rachel = Person(srv, "rachel", "recipient", "--recipient", recipients["rachel"])
    bob = Person(srv, "bob", "recipient", "--recipient", recipients["bob"])
    amelie = Person(srv, "amelie", "approver")
    aude = Person(srv, "aude", "auditor")

    # ---- F1: a disabled account never comes back through its enrolment ----
    token = run("admin", "user", "add", "--data", D, "--name", "Eve Leaver", "--email",
                "eve@vendor.example", "--role", "operator", "--expires", ACCOUNT_END).stdout.strip()
    st, j = srv.request("POST", "/api/v1/enrol/begin", body={"token": token})
    check(st == 200, "enrol begin before disable")
    run("admin", "user", "disable", "--data", D, "eve@vendor.example")
    st, _ = srv.request("POST", "/api/v1/enrol/finish",
                        body={"token": token, "password": PASSWORD, "code": totp(j["secret"])})
    check(st == 401, f"F1: enrol finish after disable answered {st}")
    st, _ = srv.request("POST", "/api/v1/enrol/begin", body={"token": token})
    check(st == 401, f"F1: enrol begin after disable answered {st}")

    # ---- F2: nothing but ciphertext behind an age header ----
    nul_csv = header + b"\0" * 16 + csv
    chunk = 65536 + 16
    big = os.path.join(T, "big.bin")
    open(big, "wb").write(os.urandom(3 * 65536 + 200))
    subprocess.run(["age", "-r", recipients["rachel"], "-o", big + ".age", big], check=True)
    sealed = bytearray(open(big + ".age", "rb").read())
    hlen = sealed.index(b"\n--- ") + 49
    short_tail = bytearray(sealed)
    short_tail[-216:] = (csv * 2)[:216]  # plaintext only in the short last chunk
    inside = bytearray(sealed)
    for i in range(3):  # 1 KiB of text inside each full chunk
        at = hlen + 16 + i * chunk + 30000
        inside[at:at + 1024] = csv[i * 1024:(i + 1) * 1024]
    scrypt = os.path.join(T, "pp.age")
    open(os.path.join(T, "pp"), "w").write("1234\n")
    run("encrypt", "--passphrase-file", os.path.join(T, "pp"), "-o", scrypt,
        os.path.join(T, "src", "patients.csv"))
    # The second review's variations (N1-N4): data in the header, compression
    # off the window's start, text balanced to pass χ², a renamed stanza.
    mac_at = real.index(b"\n--- ")
    stanza = b"-> X25519 " + b"A" * 43 + b"\n" + b"\n".join(
        base64.b64encode(csv[i:i + 48]).rstrip(b"=") for i in range(0, 30010, 48)) + b"\n"
    in_header = real[:mac_at + 1] + stanza + real[mac_at + 1:]
    text = csv.decode("cp1252").encode("ascii", "replace")
    balanced = bytearray()
    need = list(range(256))
    for i in range(0, len(text), 60):  # every byte value as often as any other
        balanced += text[i:i + 60] + bytes([need[(i // 60) % 256]])
    counts = [balanced.count(bytes([b])) for b in range(256)]
    top = max(counts)
    for b in range(256):
        balanced += bytes([b]) * (top - counts[b])
    pp = open(scrypt, "rb").read()
    renamed = pp.replace(b"-> scrypt ", b"-> X25519 ", 1)
    attacks = {
        "header + NULs + CSV": nul_csv,
        "CSV as the body of an extra stanza": in_header,
        "header + zlib CSV": header + zlib.compress(csv),
        "header + 17 random bytes + gzipped CSV": header + os.urandom(17) + gzip.compress(csv),
        "header + text balanced to an even histogram": header + bytes(balanced[:65552 * 2]),
        "a passphrase stanza renamed X25519": renamed,
        "header + base64 CSV": header + base64.b64encode(csv),
        "header + UTF-16 CSV": header + csv.decode("cp1252").encode("utf-16-le"),
        "text only in the short last chunk": bytes(short_tail),
        "1 KiB of text inside each chunk": bytes(inside),
        "header + gzipped CSV": header + gzip.compress(csv),
        "header + zeros": header + b"\0" * 70000,
        "passphrase (scrypt)": open(scrypt, "rb").read(),
    }
    for what, content in attacks.items():
        before = alerts(D, "plaintext_upload")
        j = upload(srv, olivier, resign(pkg, files={"patients.csv.age": content}), 422)
        check("patients.csv.age" in j.get("error", ""), f"F2 {what}: {j}")
        # Refused and alerted; a header age itself cannot read is refused
        # before anything could be suspected.
        check(alerts(D, "plaintext_upload") == before + 1 or "header:" in j["error"],
              f"F2 {what}: not alerted ({j})")
    check(not os.listdir(os.path.join(D, "staging")), "F2: refused uploads left staging files")
    check(not os.listdir(os.path.join(D, "packages")), "F2: a refused upload was published")

    # ---- F3: the manifest carries nothing in clear ----
    nir = "1 84 12 75 123 456 78"
    first_nir = csv.decode("cp1252").splitlines()[1].split(";")[1]
    manifests = {
        "an unknown field": lambda m: m.update(notes=csv.decode("cp1252")),
        "an unknown table field": lambda m: m["tables"][0].update(comment="x"),
        "an identifier in the purpose": lambda m: m["order"].update(purpose="patient " + first_nir),
        "an e-mail in a column name": lambda m: m["tables"][0]["columns"][0].update(
            name="contact dpo@lab42.example"),
        "70 KiB of excluded columns": lambda m: m["tables"][0].update(
            excluded_columns=["C%05d" % i for i in range(9000)]),
        "30 KB of base64 in the purpose": lambda m: m["order"].update(
            purpose=base64.b64encode(csv[:22000]).decode()),
    }
    del nir
    before = alerts(D, "plaintext_upload")
    for what, edit in manifests.items():
        j = upload(srv, olivier, resign(pkg, edit_manifest=edit), 422)
        check("manifest" in j.get("error", ""), f"F3 {what}: {j}")
    check(alerts(D, "plaintext_upload") == before + len(manifests),
          "F3: a manifest refusal was not alerted")
    # N7: a refusal never copies what the uploader chose into the ledger.
    j = upload(srv, olivier, resign(pkg, edit_manifest=lambda m: m.update(
        {"GIRARD_Anais_16102014": 1})), 422)
    ledger_text = run("ledger", "show", "--ledger", os.path.join(D, "ledger"), "--json").stdout
    check("GIRARD" not in ledger_text, "N7: an unknown field's name reached the ledger")

    # ---- F16: retention bounded by the exchange ----
    for when in ("2099-12-31", "2020-01-01"):
        j = upload(srv, olivier, resign(pkg, edit_manifest=lambda m: m.update(delete_by=when)), 422)
        check("delete_by" in j.get("error", ""), f"F16 {when}: {j}")

    # The genuine package still goes through.
    good = upload(srv, olivier, pkg, 201)
    pid = good["id"]
    check(sha256(os.path.join(D, "packages", pid, "patients.csv.age")) == sha256(
        os.path.join(pkg, "patients.csv.age")), "the published file is not the uploaded one")

    # ---- F4: no commit while a PUT is in flight; F14: one commit wins ----
    other_pkg = resign(pkg, edit_manifest=lambda m: m.update(cordon_version="0.1.0 (copy)"))
    st, j = srv.request("POST", "/api/v1/uploads", olivier.token, {})
    up = j["upload"]
    for name in ("manifest.json", "manifest.json.minisig", "resultats.csv.age"):
        srv.request("PUT", f"/api/v1/uploads/{up}/files/{name}", olivier.token,
                    raw=open(os.path.join(other_pkg, name), "rb").read())
    body = open(os.path.join(other_pkg, "patients.csv.age"), "rb").read()
    c = srv.connect()
    c.putrequest("PUT", f"/api/v1/uploads/{up}/files/patients.csv.age")
    c.putheader("Authorization", "Bearer " + olivier.token)
    c.putheader("Content-Length", str(len(body) + len(csv)))
    c.endheaders()
    c.send(body[:len(body) // 2])
    time.sleep(0.3)
    st, j = srv.request("POST", f"/api/v1/uploads/{up}/commit", olivier.token, {})
    check(st == 409, f"F4: commit during a PUT answered {st} {j}")
    st, j = srv.request("DELETE", f"/api/v1/uploads/{up}", olivier.token)
    check(st == 409, f"N17: abandon during a PUT answered {st} {j}")
    c.send(body[len(body) // 2:] + csv)  # ...then plaintext appended: a wrong size
    r = c.getresponse()
    r.read()
    c.close()
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        srv.request("POST", f"/api/v1/uploads/{up}/commit", olivier.token, {})[0]))
        for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(sorted(results) in ([404, 422], [409, 422], [404, 422]), f"F4/F14: commits {results}")
    check(not os.listdir(os.path.join(D, "staging")), "F4: staging left after the commits")
    # Two commits of a whole upload: one wins, the other is refused; files intact.
    st, j = srv.request("POST", "/api/v1/uploads", olivier.token, {})
    up = j["upload"]
    for name in sorted(os.listdir(other_pkg)):
        srv.request("PUT", f"/api/v1/uploads/{up}/files/{name}", olivier.token,
                    raw=open(os.path.join(other_pkg, name), "rb").read())
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        srv.request("POST", f"/api/v1/uploads/{up}/commit", olivier.token, {})))
        for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(st for st, _ in results)
    check(codes[0] == 201 and codes[1] in (404, 409), f"F14: two commits {codes}")
    won = [j for st, j in results if st == 201][0]["id"]
    check(len(os.listdir(os.path.join(D, "packages", won))) == 4, "F14: the winner lost its files")

    # ---- F5: packages belong to their recipients ----
    listed = [p["id"] for p in srv.request("GET", "/api/v1/packages", bob.token)[1]["packages"]]
    check(pid not in listed, "F5: bob lists rachel's package")
    check(pid in [p["id"] for p in srv.request("GET", "/api/v1/packages", rachel.token)[1]
                  ["packages"]], "rachel does not list her package")
    check(srv.request("GET", f"/api/v1/packages/{pid}", bob.token)[0] == 404, "F5: bob reads it")
    for path in ("/api/v1/grants", "/api/v1/grants/break-glass"):
        st, _ = srv.request("POST", path, bob.token,
                            {"package": pid, "reason": "an emergency, honestly", "duration_hours": 1})
        check(st == 404, f"F5: bob asks {path}: {st}")
    check(srv.request("GET", f"/api/v1/packages/{pid}/files/manifest.json", bob.token)[0] == 404,
          "F5: bob downloads")
    check(srv.request("POST", f"/api/v1/packages/{pid}/confirm", bob.token, {})[0] == 404,
          "F5: bob confirms")
    st, bg = srv.request("POST", "/api/v1/grants/break-glass", rachel.token,
                         {"package": pid, "reason": "LIS import failed at 3 am", "duration_hours": 1})
    check(st == 201, f"rachel's break-glass: {st}")
    check(srv.request("GET", f"/api/v1/packages/{pid}/files/manifest.json", rachel.token)[0] == 200,
          "break-glass does not read")
    st, j = srv.request("POST", f"/api/v1/packages/{pid}/confirm", rachel.token, {})
    check(st == 403 and "break-glass" in j["error"], f"F5: confirm on break-glass: {st} {j}")
    check(os.path.exists(os.path.join(D, "packages", pid)), "F5: deleted on break-glass")
    st, g = srv.request("POST", "/api/v1/grants", rachel.token,
                        {"package": pid, "reason": "import and confirm", "duration_hours": 2})
    check(st == 201, "grant request")
    check(srv.request("POST", f"/api/v1/grants/{g['id']}/approve", amelie.token, {})[0] == 200,
          "approval")
    st, cert = srv.request("POST", f"/api/v1/packages/{pid}/confirm", rachel.token, {})
    check(st == 200 and not os.path.exists(os.path.join(D, "packages", pid)), f"confirm: {st}")

    # ---- F15: a deleted package never comes back, nor do its grants ----
    j = upload(srv, olivier, pkg, 409)
    check("certificate" in j.get("hint", ""), f"F15: re-upload answer {j}")
    check(srv.request("GET", f"/api/v1/packages/{pid}/files/manifest.json", rachel.token)[0] in
          (403, 404), "F15: an old grant still opens the deleted package")

    # ---- F22: only a served review can be attested ----
    st, _ = srv.request("POST", "/api/v1/reviews/access/attest", amelie.token, {"sha256": "0" * 64})
    check(st == 404, f"F22: attest of a review never served: {st}")
    st, review = srv.request("GET", "/api/v1/reviews/access", amelie.token)
    paul = Person(srv, "paul", "approver")
    st, _ = srv.request("POST", "/api/v1/reviews/access/attest", paul.token,
                        {"sha256": review["sha256"]})
    check(st == 404, f"N20: attest of a review served to someone else: {st}")
    st, _ = srv.request("POST", "/api/v1/reviews/access/attest", amelie.token,
                        {"sha256": review["sha256"]})
    check(st == 200, f"attest of a served review: {st}")

    # ---- F9: an operator's uncommitted bytes are bounded (1 MiB here) ----
    st, j = srv.request("POST", "/api/v1/uploads", olivier.token, {})
    up = j["upload"]
    # Refused from its head, before a byte of the body is read.
    out = srv.raw((f"PUT /api/v1/uploads/{up}/files/big.age HTTP/1.1\r\nHost: x\r\n"
                   f"Authorization: Bearer {olivier.token}\r\nContent-Length: {2 << 20}\r\n"
                   "Expect: 100-continue\r\n\r\n").encode())
    check(out.startswith(b"HTTP/1.1 507"), f"F9: 2 MiB past a 1 MiB quota answered {out[:40]!r}")
    c = srv.connect()  # chunked: no length announced, cut at the quota
    c.putrequest("PUT", f"/api/v1/uploads/{up}/files/chunked.age")
    c.putheader("Authorization", "Bearer " + olivier.token)
    c.putheader("Transfer-Encoding", "chunked")
    c.endheaders()
    try:
        for _ in range(40):
            piece = os.urandom(65536)
            c.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
        c.send(b"0\r\n\r\n")
        st = c.getresponse().status
    except OSError:
        st = 413
    c.close()
    check(st in (413, 507), f"F9: a chunked upload past the quota answered {st}")
    check(not any(os.listdir(os.path.join(D, "staging", d))
                  for d in os.listdir(os.path.join(D, "staging"))), "F9: partial files kept")
    srv.request("DELETE", f"/api/v1/uploads/{up}", olivier.token)

    # ---- F10: without the right password and code, every state looks alike ----
    unknown = srv.request("POST", "/api/v1/login", body={
        "email": "nobody@lab42.example", "password": "a wrong one, surely", "code": "000000"},
        source="127.0.0.40")
    for email in ("eve@vendor.example", rachel.email):  # disabled; active
        got = srv.request("POST", "/api/v1/login", body={
            "email": email, "password": "a wrong one, surely", "code": "000000"},
            source="127.0.0.40")
        check(got == unknown, f"F10: {email} answers {got}, unknown answers {unknown}")

    # ---- F8: a stranger's failures never end the owner's session; the
    # stranger's address is banned ----
    codes = []
    for i in range(12):
        codes.append(srv.request("POST", "/api/v1/login", body={
            "email": bob.email, "password": f"guess number {i}", "code": "000000"},
            source="127.0.0.30")[0])
    check(codes[:10] == [401] * 10 and codes[-1] == 429, f"F8: the attacker's answers {codes}")
    check(srv.request("GET", "/api/v1/me", bob.token)[0] == 200, "F8: the owner's session ended")
    # N9: the delays slow the guessing address only; the owner logs in.
    bob.login()
    check(alerts(D, "failed_login_burst") >= 2, "F8: no alert naming the account")

    # ---- F11: one TOTP code, one login ----
    # Enrolled on this step; the next step's code is valid once.
    zoe = Person(srv, "zoe", "auditor", log_in=False)
    code = totp(zoe.secret, 1)
    results = []
    threads = [threading.Thread(target=lambda src=src: results.append(srv.request(
        "POST", "/api/v1/login", body={"email": zoe.email, "password": PASSWORD, "code": code},
        source=src)[0])) for src in ("127.0.0.51", "127.0.0.52", "127.0.0.53")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(sorted(results) == [200, 401, 401], f"F11: one code, logins {results}")

    # ---- F7: one address cannot take every connection ----
    idle = []
    for _ in range(8):
        idle.append(socket.create_connection(("127.0.0.1", srv.port), source_address=("127.0.0.9", 0)))
    extra = socket.create_connection(("127.0.0.1", srv.port), source_address=("127.0.0.9", 0))
    extra.settimeout(5)
    try:
        cut = extra.recv(1) == b""
    except (ConnectionResetError, socket.timeout):
        cut = True
    check(cut, "F7: the address's 9th connection was not closed")
    st, _ = srv.request("GET", "/api/v1/health", source="127.0.0.10")
    check(st == 200, f"F7: another address refused while one holds its share: {st}")
    for s in idle + [extra]:
        s.close()

    # ---- F18: a transfer coding other than a final "chunked" ----
    for te in ("chunked, identity", "identity", "gzip", "xchunked"):
        out = srv.raw((f"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: {te}\r\n"
                       "Content-Length: 2\r\n\r\n{}GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
                      .encode())
        check(out.startswith(b"HTTP/1.1 400") and out.count(b"HTTP/1.1") == 1,
              f"F18: TE {te!r}: {out[:80]!r}")

    # ---- F23: HEAD has no body; a malformed chunked body is a 400 ----
    out = srv.raw(b"HEAD /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    check(out.startswith(b"HTTP/1.1 200") and out.endswith(b"\r\n\r\n"), f"F23: HEAD: {out!r}")
    st, j = srv.request("POST", "/api/v1/uploads", olivier.token, {})
    out = srv.raw((f"PUT /api/v1/uploads/{j['upload']}/files/x.age HTTP/1.1\r\nHost: x\r\n"
                   f"Authorization: Bearer {olivier.token}\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "-5\r\nhello\r\n0\r\n\r\n").encode())
    check(out.startswith(b"HTTP/1.1 400"), f"F23: a malformed chunk answered {out[:40]!r}")

    # ---- item 13: without a session, every path but the public ones is 401 ----
    for path in ("/api/v1/no-such-thing", "/nothing", "/api/v2/packages", "/api/v1/packages/x"):
        st, j = srv.request("GET", path)
        check(st == 401 and j.get("code") == "unauthenticated", f"{path} without a session: {st}")
    st, j = srv.request("POST", "/api/v1/grants/01/approve", amelie.token, {})
    check(st == 400 and j.get("code") == "invalid", f"a malformed grant id: {st} {j}")
    st, j = srv.request("GET", "/api/v1/packages?all=0", aude.token)
    check(all(p["status"] == "available" for p in j["packages"]), "?all=0 listed deleted packages")

    # ---- item 11: a checkpoint covers every entry after a SIGTERM ----
    srv.stop()
    size = len(run("ledger", "show", "--ledger", os.path.join(D, "ledger"), "--json")
               .stdout.splitlines())
    check(last_checkpoint_size(os.path.join(D, "ledger")) == size,
          f"item 11: the last checkpoint does not cover all {size} entries")
    p = run("scan", "--fail-on-findings", os.path.join(D, "ledger"), os.path.join(D, "alerts.jsonl"),
            ok=False)
    check(p.returncode == 0, f"personal data in the exchange's ledger or alerts: {p.stdout}")

    # ---- F19: X-Forwarded-For only from a trusted proxy, only addresses ----
    P = os.path.join(T, "P")
    srv = Server(P, "--insecure-http").start()
    codes = [srv.request("POST", "/api/v1/login", headers={"X-Forwarded-For": f"10.0.0.{i}"},
                         body={"email": "x@lab42.example", "password": "not it at all", "code": "1"},
                         source="127.0.0.60")[0] for i in range(11)]
    check(codes[-1] == 429, f"F19: a rotating X-Forwarded-For escaped the ban: {codes}")
    srv.stop()
    srv = Server(P, "--insecure-http", "--trusted-proxy", "127.0.0.61").start()
    st, _ = srv.request("GET", "/api/v1/health", headers={"X-Forwarded-For": "dpo@lab42.example"},
                        source="127.0.0.61")
    check(st == 400, f"F19: a forwarded address that is not one answered {st}")
    srv.stop()
    print(f"exchange_attack: {checks} checks passed")


if __name__ == "__main__":
    try:
        main()
    finally:
        for proc in servers:  # whatever happened, no server outlives the test
            if proc.poll() is None:
                proc.kill()
                proc.wait()
