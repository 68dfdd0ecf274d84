#!/usr/bin/env python3
"""The exchange's authorization matrix, against the real server on loopback.

Every endpoint x every role x {valid session, no session, expired session,
locked account, expired account} and, for package data, {open grant, no
grant, someone else's grant, expired grant} -> exactly the expected status.
The server runs under libfaketime with a clock file this test moves (the
injected clock), so sessions, grants and accounts really expire. Also: a
clock moved past a package's deadline deletes exactly that package, and
kill -9 during an upload and during a deletion leaves nothing visible and
no orphan after restart.

Usage: exchange_matrix.py CORDON_BINARY SCRATCH_DIR
"""
import base64, hashlib, hmac, http.client, json, os, shutil, signal, ssl, struct, subprocess
import sys, time
import datetime

# Accounts end within a year (operators may not be given more, issue 16).
ACCOUNT_END = (datetime.date.today() + datetime.timedelta(days=300)).isoformat()

CORDON, T = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exchange_attack import json_request  # noqa: E402  (same arguments: CORDON SCRATCH)
HERE = os.path.dirname(os.path.abspath(__file__))
D = os.path.join(T, "D")
CLOCK = os.path.join(T, "clock")
offset = 0  # seconds the server's clock is ahead of ours
checks = 0


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run(*args, env=None, ok=True):
    p = subprocess.run([CORDON, *args], capture_output=True, text=True, env=env, cwd=T)
    if ok and p.returncode != 0:
        fail(f"cordon {' '.join(args)}: {p.stderr}")
    return p


def set_clock(seconds):
    global offset
    offset = seconds
    with open(CLOCK, "w") as f:
        f.write(f"+{seconds}s\n" if seconds >= 0 else f"{seconds}s\n")


def totp(secret, step_offset=0):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int(time.time() + offset) // 30 + step_offset
    mac = hmac.new(key, struct.pack(">Q", counter), "sha1").digest()
    o = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


class Server:
    def __init__(self):
        self.proc = None
        self.port = 0

    def start(self, extra_env=None):
        ready = os.path.join(T, "ready.json")
        if os.path.exists(ready):
            os.remove(ready)
        env = dict(os.environ, **(extra_env or {}),
                   LD_PRELOAD="/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                   FAKETIME_TIMESTAMP_FILE=CLOCK, FAKETIME_NO_CACHE="1",
                   FAKETIME_DONT_FAKE_MONOTONIC="1")
        self.log = open(os.path.join(T, "serve.log"), "a")
        self.proc = subprocess.Popen(
            [CORDON, "serve", "--data", D, "--listen", f"127.0.0.1:{self.port}", "--ready-file",
             ready, "--no-syslog"], env=env, stderr=self.log)
        for _ in range(200):
            if os.path.exists(ready) and os.path.getsize(ready) > 0:
                break
            time.sleep(0.05)
        else:
            fail("the server did not start: " + open(os.path.join(T, "serve.log")).read())
        info = json.load(open(ready))
        self.port = int(info["url"].rsplit(":", 1)[1])
        self.ctx = ssl.create_default_context(cafile=os.path.join(D, "tls", "cert.pem"))

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)
        self.remove_faketime_files()

    def remove_faketime_files(self):
        # libfaketime keeps a shared-memory segment and a semaphore per process
        # in /dev/shm and removes them only from an exit handler, which a
        # signal (or the server's own quick exit) skips: nothing may be left.
        for name in (f"faketime_shm_{self.proc.pid}", f"sem.faketime_sem_{self.proc.pid}"):
            try:
                os.remove(os.path.join("/dev/shm", name))
            except FileNotFoundError:
                pass

    def request(self, method, path, token=None, body=None, raw=None, headers=None):
        c = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=30)
        return json_request(c, method, path, token, body, raw, headers)


S = Server()
PASSWORD = "violet tram seventeen lanterns"


def expect(status, want, what):
    global checks
    if status != want:
        fail(f"{what}: got {status}, expected {want}")
    checks += 1


def recipient_key():
    """The age recipient the test's packages are sealed to."""
    key = os.path.join(T, "rcpt.key")
    if not os.path.exists(key):
        subprocess.run(["age-keygen", "-o", key], capture_output=True, check=True)
    return subprocess.run(["age-keygen", "-y", key], capture_output=True, text=True,
                          check=True).stdout.strip()


class Person:
    def __init__(self, name, role, expires=None):
        self.name, self.role, self.email = name, role, f"{name}@lab42.example"
        # Recipients see the packages sealed to the age recipient bound to them.
        bind = ["--recipient", recipient_key()] if role == "recipient" else []
        token = run("admin", "user", "add", "--data", D, "--name", f"{name.title()} Person",
                    "--email", self.email, "--role", role, "--expires", expires or ACCOUNT_END,
                    *bind).stdout.strip()
        st, j = S.request("POST", "/api/v1/enrol/begin", body={"token": token})
        expect(st, 200, f"enrol begin {name}")
        self.secret = j["secret"]
        st, j = S.request("POST", "/api/v1/enrol/finish",
                          body={"token": token, "password": PASSWORD, "code": totp(self.secret)})
        expect(st, 200, f"enrol finish {name}")
        self.recovery = j["recovery_codes"]
        self.login(1)

    def login(self, step=0):
        # Codes are single use: never reuse a step (the server allows one step ahead).
        now_step = int(time.time() + offset) // 30
        while now_step + step <= getattr(self, "last_step", -1):
            if step < 1:
                step += 1
            else:
                time.sleep(1)
                now_step = int(time.time() + offset) // 30
        self.last_step = now_step + step
        st, j = S.request("POST", "/api/v1/login",
                          body={"email": self.email, "password": PASSWORD,
                                "code": totp(self.secret, step)})
        expect(st, 200, f"login {self.name}")
        self.token = j["token"]
        return self.token


def make_package(name, retention_days):
    """A package signed by the vendor key, deleted `retention_days` after today."""
    src = os.path.join(T, "src")
    if not os.path.exists(src):
        run("testdata", "lis-fr", "--patients", "40", "--seed", "3", "-o", src)
        run("sign-keygen", "-o", os.path.join(T, "ctrl.key"))
        run("sign-keygen", "-o", os.path.join(T, "vendor.key"))
    rcpt = recipient_key()
    text = open(os.path.join(HERE, "..", "examples", "order.toml")).read()
    text = text.replace("age1yqyu0hj6q2g5ehl9rq5wzt7tqw4dqwfzq6z7k4a3n3yj0yxw7w6qf3aw5r", rcpt)
    import re
    text = re.sub(r'retention_days\s*=\s*\d+', f"retention_days = {retention_days}", text, count=1)
    text = re.sub(r'id\s*=\s*"[^"]*"', f'id = "{name}"', text, count=1)
    order = os.path.join(T, f"{name}.toml")
    open(order, "w").write(text)
    run("order", "sign", order, "-k", os.path.join(T, "ctrl.key"))
    out = os.path.join(T, f"pkg-{name}")
    run("extract", "--order", order, "--source", src, "--controller-key",
        os.path.join(T, "ctrl.key.pub"), "--signing-key", os.path.join(T, "vendor.key"),
        "--out", out)
    return out


def upload(operator, pkg_dir):
    st, j = S.request("POST", "/api/v1/uploads", operator.token, {})
    expect(st, 201, "start upload")
    up = j["upload"]
    for name in sorted(os.listdir(pkg_dir)):
        st, _ = S.request("PUT", f"/api/v1/uploads/{up}/files/{name}", operator.token,
                          raw=open(os.path.join(pkg_dir, name), "rb").read())
        expect(st, 201, f"upload {name}")
    st, j = S.request("POST", f"/api/v1/uploads/{up}/commit", operator.token, {})
    expect(st, 201, "commit upload")
    return j["id"]


def deleted_events(package, want):
    """The exchange's ledger holds exactly `want` package.deleted events for it."""
    out = run("ledger", "show", "--ledger", os.path.join(D, "ledger"), "--json").stdout
    n = sum(1 for line in out.splitlines()
            if '"exchange.package.deleted"' in line and package in line)
    if n != want:
        fail(f"{n} package.deleted events for {package[:12]}, expected {want}")


def slowloris():
    """Clients that send their request head a byte at a time (or never
    finish it) are cut after the head deadline, and never stop others."""
    import socket
    slow = []
    for i in range(200):
        # From four addresses, 50 each: below the per-address cap (64), so
        # this tests the head deadline, not the cap.
        raw = socket.create_connection(("127.0.0.1", S.port), timeout=30,
                                       source_address=(f"127.0.0.{2 + i % 4}", 0))
        t = S.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        t.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
        slow.append(t)
    start = time.monotonic()
    cut = 0
    while time.monotonic() - start < 14 and cut < len(slow):
        t0 = time.monotonic()
        st, _ = S.request("GET", "/api/v1/health")
        expect(st, 200, "health while 200 slow clients hold connections")
        if time.monotonic() - t0 > 2:
            fail("slow clients delayed a normal request")
        cut = 0
        for t in slow:
            try:
                t.sendall(b"X")  # one more byte of a header that never ends
            except OSError:
                cut += 1
        time.sleep(1)
    if cut < len(slow):
        fail(f"only {cut} of {len(slow)} slow clients were cut after the head deadline")
    for t in slow:
        t.close()


def main():
    os.makedirs(T, exist_ok=True)
    os.environ["CORDON_LEDGER"] = os.path.join(T, "ledger")
    run("ledger", "init", "--dir", os.environ["CORDON_LEDGER"], "--origin", "test.example/l")
    set_clock(0)
    S.start()
    run("sign-keygen", "-o", os.path.join(T, "probe.key"))  # (keys for packages come below)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    people = {r: Person(n, r) for n, r in [("olivier", "operator"), ("amelie", "approver"),
                                            ("rachel", "recipient"), ("aude", "auditor"),
                                            ("adam", "admin")]}
    other = Person("romain", "recipient")       # holds a grant
    bystander = Person("nadia", "recipient")    # holds none (rachel breaks the glass below)
    locked = Person("lucie", "recipient")
    expiring = Person("elise", "recipient", expires=today)
    pkg_dir = make_package("MATRIX-1", 30)
    run("admin", "processor-key", "add", "--data", D, "--person", "Olivier Person",
        os.path.join(T, "vendor.key.pub"))
    pkg = upload(people["operator"], pkg_dir)

    # romain: an approved grant; rachel: none.
    st, g = S.request("POST", "/api/v1/grants", other.token,
                      {"package": pkg, "reason": "support case 4411", "duration_hours": 1})
    expect(st, 201, "grant request")
    st, _ = S.request("POST", f"/api/v1/grants/{g['id']}/approve", people["approver"].token, {})
    expect(st, 200, "grant approve")
    st, _ = S.request("POST", f"/api/v1/grants/{g['id']}/approve", other.token, {})
    expect(st, 403, "a recipient approving")

    fake = "0" * 64
    ops, rcp, apr, aud, adm = "operator", "recipient", "approver", "auditor", "admin"
    everyone = [ops, rcp, apr, aud, adm]

    def only(*roles, ok=200, other=403):
        return {r: (ok if r in roles else other) for r in everyone}

    # (method, path, body, {role: status}) for a valid session; the package
    # data endpoints are checked with grants below.
    endpoints = [
        ("GET", "/api/v1/me", None, only(*everyone)),
        ("GET", "/api/v1/me/logins", None, only(*everyone)),
        ("GET", "/api/v1/logins", None, only(aud, adm)),
        ("GET", "/api/v1/packages", None, only(*everyone)),
        ("GET", f"/api/v1/packages/{pkg}", None, only(*everyone)),
        ("GET", f"/api/v1/packages/{fake}", None, only(*everyone, ok=404)),
        ("GET", f"/api/v1/packages/{pkg}/files/manifest.json", None, only()),
        ("POST", f"/api/v1/packages/{pkg}/confirm", {}, only()),
        ("GET", f"/api/v1/packages/{pkg}/certificate", None, only(apr, aud, adm, rcp, ok=404)),
        ("POST", "/api/v1/uploads", {}, only(ops, ok=201)),
        ("POST", f"/api/v1/uploads/{fake[:32]}/commit", {}, only(ops, ok=404)),
        ("DELETE", f"/api/v1/uploads/{fake[:32]}", None, only(ops, ok=404)),
        ("PUT", f"/api/v1/uploads/{fake[:32]}/files/x.age", b"x", only(ops, ok=404)),
        ("GET", "/api/v1/grants", None, only(*everyone)),
        ("POST", "/api/v1/grants", {"package": pkg, "reason": "matrix access check", "duration_hours": 1},
         only(rcp, ok=201)),
        ("POST", "/api/v1/grants/break-glass",
         {"package": pkg, "reason": "matrix emergency", "duration_hours": 1}, only(rcp, ok=201)),
        ("POST", "/api/v1/grants/999999/approve", {}, only(apr, ok=404)),
        ("POST", "/api/v1/grants/999999/deny", {}, only(apr, ok=404)),
        ("POST", "/api/v1/grants/999999/revoke", {}, only(apr, ok=404)),
        ("POST", "/api/v1/grants/999999/review", {}, only(apr, ok=404)),
        ("GET", "/api/v1/reviews/access", None, only(apr, aud, adm)),
        # Only a review the exchange served can be attested (F22).
        ("POST", "/api/v1/reviews/access/attest", {"sha256": fake}, only(apr, ok=404)),
        ("GET", "/api/v1/no-such-thing", None, only(*everyone, ok=404)),
    ]

    def call(method, path, token, body):
        if isinstance(body, bytes):
            return S.request(method, path, token, raw=body)[0]
        return S.request(method, path, token, body)[0]

    for method, path, body, want in endpoints:
        for role in everyone:
            st = call(method, path, people[role].token, body)
            expect(st, want[role], f"{method} {path} as {role}")

    # Package data: only a recipient with an open grant of their own.
    data = f"/api/v1/packages/{pkg}/files/manifest.json"
    expect(S.request("GET", data, other.token)[0], 200, "download with an open grant")
    expect(S.request("GET", data, bystander.token)[0], 403, "download with someone else's grant")
    expect(S.request("POST", f"/api/v1/packages/{pkg}/confirm", bystander.token, {})[0], 403,
           "confirm with someone else's grant")
    expect(S.request("GET", data, people[rcp].token)[0], 200, "download with break-glass")
    expect(S.request("GET", f"/api/v1/packages/{pkg}/files/..%2Fexchange.db", other.token)[0], 404,
           "traversal in a file name")

    # A role for a while: the operator asks for the recipient role (a support
    # case), an approver grants it; then, and only then, a package grant (for
    # a package sealed to a recipient an admin bound to the operator too).
    op = people[ops]
    run("admin", "user", "recipients", "--data", D, op.email, recipient_key())
    body = {"package": pkg, "reason": "support case 4411", "duration_hours": 1}
    expect(S.request("POST", "/api/v1/grants", op.token, body)[0], 403, "operator asks for a package")
    for bad in ["approver", "admin", "operator"]:
        st, _ = S.request("POST", "/api/v1/grants", op.token,
                          {"role": bad, "reason": "support case 4411", "duration_hours": 1})
        expect(st, 403, f"role grant of {bad}")
    st, rg = S.request("POST", "/api/v1/grants", op.token,
                       {"role": "recipient", "reason": "support case 4411", "duration_hours": 1})
    expect(st, 201, "role grant request")
    expect(S.request("POST", f"/api/v1/grants/{rg['id']}/approve", op.token, {})[0], 403,
           "approving one's own role grant")
    expect(S.request("POST", f"/api/v1/grants/{rg['id']}/approve", people[apr].token, {})[0], 200,
           "role grant approved")
    st, me = S.request("GET", "/api/v1/me", op.token)
    if me.get("granted_roles") != ["recipient"]:
        fail(f"granted roles: {me}")
    st, pg = S.request("POST", "/api/v1/grants", op.token, body)
    expect(st, 201, "package grant with a granted role")
    expect(S.request("POST", f"/api/v1/grants/{pg['id']}/approve", people[apr].token, {})[0], 200,
           "package grant approved")
    expect(S.request("GET", data, op.token)[0], 200, "download with a granted role and a grant")

    # Health and login (and enrolment) are the only endpoints without a session.
    bad_tokens = {"no session": None, "unknown session": "ab" * 32}
    # A stranger's wrong passwords slow the account's logins down (the right
    # password is not even looked at meanwhile) but never end its owner's
    # session (F8); disabling the account ends it at once.
    for i in range(5):
        st, _ = S.request("POST", "/api/v1/login",
                          body={"email": locked.email, "password": f"not it {i} at all",
                                "code": "000000"})
        expect(st, 401, "wrong password")
    expect(S.request("GET", "/api/v1/me", locked.token)[0], 200,
           "the owner's session after a stranger's failed logins")
    st, _ = S.request("POST", "/api/v1/login", body={"email": locked.email, "password": PASSWORD,
                                                     "code": totp(locked.secret, 2)})
    expect(st, 401, "login within the delay, right password")
    run("admin", "user", "disable", "--data", D, locked.email)
    bad_tokens["disabled account"] = locked.token

    def all_refused(token, state):
        expect(S.request("GET", "/api/v1/health", token)[0], 200, f"health, {state}")
        for method, path, body, _ in endpoints + [("GET", data, None, None)]:
            expect(call(method, path, token, body), 401, f"{method} {path}, {state}")
        expect(call("POST", "/api/v1/logout", token, {}), 401, f"logout, {state}")

    for state, token in bad_tokens.items():
        all_refused(token, state)

    # 20 minutes later (15 min idle): every session has expired.
    set_clock(20 * 60)
    for role in everyone:
        all_refused(people[role].token, f"expired session ({role})")

    # Two hours later: romain's 1-hour grant has closed, and the operator's
    # role grant with it.
    set_clock(2 * 3600)
    other.login()
    expect(S.request("GET", data, other.token)[0], 403, "download with an expired grant")
    op.login()
    expect(S.request("GET", data, op.token)[0], 403, "download after the role grant closed")
    st, me = S.request("GET", "/api/v1/me", op.token)
    if me.get("granted_roles") != []:
        fail(f"granted roles after expiry: {me}")

    # Tomorrow: elise's account has expired (its last day was today).
    set_clock(26 * 3600)
    all_refused(expiring.token, "expired account")
    st, _ = S.request("POST", "/api/v1/login", body={"email": expiring.email, "password": PASSWORD,
                                                     "code": totp(expiring.secret)})
    expect(st, 403, "login to an expired account")

    # ---- the injected clock and retention: exactly the expired packages go ----
    op = people[ops]
    op.login()
    pkg_soon = upload(op, make_package("RETAIN-SOON", 3))
    pkg_later = upload(op, make_package("RETAIN-LATER", 20))
    S.stop()
    set_clock(6 * 86400)        # past the 3-day deadline, before the 20- and 30-day ones
    S.start()
    for p, gone in [(pkg_soon, True), (pkg_later, False), (pkg, False)]:
        on_disk = os.path.exists(os.path.join(D, "packages", p))
        if on_disk == gone:
            fail(f"retention: package {p[:12]} {'still' if on_disk else 'not'} on disk")
    db = subprocess.run(["python3", "-c", f"""
import sqlite3; c = sqlite3.connect('{D}/exchange.db')
print(c.execute("SELECT deletion_reason FROM packages WHERE id = ?", ('{pkg_soon}',)).fetchone()[0])
print(c.execute("SELECT count(*) FROM certificates WHERE package = ?", ('{pkg_soon}',)).fetchone()[0])
"""], capture_output=True, text=True).stdout.split()
    if db != ["retention", "1"]:
        fail(f"retention deletion record: {db}")

    # ---- kill -9 during an upload: nothing visible, no orphan ----
    op.login()
    st, j = S.request("POST", "/api/v1/uploads", op.token, {})
    up = j["upload"]
    import socket
    raw = socket.create_connection(("127.0.0.1", S.port))
    tls = S.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    tls.sendall((f"PUT /api/v1/uploads/{up}/files/patients.csv.age HTTP/1.1\r\nHost: x\r\n"
                 f"Authorization: Bearer {op.token}\r\nContent-Length: 100000000\r\n\r\n").encode())
    tls.sendall(b"age-encryption.org/v1\n" + os.urandom(500000))
    time.sleep(0.5)
    if not os.listdir(os.path.join(D, "staging")):
        fail("the upload did not start streaming to staging")
    S.stop(signal.SIGKILL)
    tls.close()
    S.start()
    if os.listdir(os.path.join(D, "staging")):
        fail("kill -9 during an upload left staging files")
    op.login()
    st, _ = S.request("POST", f"/api/v1/uploads/{up}/commit", op.token, {})
    expect(st, 404, "commit of an upload cut by a crash")
    listed = {p["id"] for p in S.request("GET", "/api/v1/packages", op.token)[1]["packages"]}
    if listed != {pkg, pkg_later}:
        fail(f"packages after the crash: {listed}")

    # ---- kill -9 during a deletion: finished at the next start, with its
    # ledger event and its certificate (F6) ----
    # The state a kill leaves before the event was written (marked only)...
    S.stop(signal.SIGKILL)
    subprocess.run(["python3", "-c", f"""
import sqlite3; c = sqlite3.connect('{D}/exchange.db')
c.execute("UPDATE packages SET status = 'deleting', deletion_reason = 'confirmed' WHERE id = ?",
          ('{pkg_later}',)); c.commit()
"""], check=True)
    S.start()
    if os.path.exists(os.path.join(D, "packages", pkg_later)):
        fail("a deletion cut by a crash was not finished at restart")
    deleted_events(pkg_later, 1)
    aud_ = people[aud]
    aud_.login()
    expect(S.request("GET", f"/api/v1/packages/{pkg_later}/certificate", aud_.token)[0], 200,
           "certificate of a deletion finished at restart")
    # ...and the real process killed at each step of a confirmed deletion.
    for step in ["deletion.recorded", "deletion.files_removed"]:
        S.stop()
        S.start({"CORDON_TEST_PAUSE": step})
        op.login()
        victim = upload(op, make_package(f"KILL-{step.split('.')[1].upper()}", 10))
        r = people[rcp]
        r.login()
        st, g = S.request("POST", "/api/v1/grants", r.token,
                          {"package": victim, "reason": "import then confirm", "duration_hours": 1})
        expect(st, 201, "grant request before the kill")
        people[apr].login()
        expect(S.request("POST", f"/api/v1/grants/{g['id']}/approve", people[apr].token, {})[0],
               200, "approval before the kill")
        import threading
        def confirm():
            try:
                S.request("POST", f"/api/v1/packages/{victim}/confirm", r.token, {})
            except OSError:
                pass  # the server is killed mid-request: that is the point
        threading.Thread(target=confirm, daemon=True).start()
        marker = os.path.join(D, "paused-at-" + step)
        for _ in range(200):
            if os.path.exists(marker):
                break
            time.sleep(0.05)
        else:
            fail(f"the deletion never reached {step}")
        S.stop(signal.SIGKILL)
        os.remove(marker)
        S.start()
        if os.path.exists(os.path.join(D, "packages", victim)):
            fail(f"kill -9 at {step}: files still on disk after restart")
        deleted_events(victim, 1)
        aud_.login()
        st, cert = S.request("GET", f"/api/v1/packages/{victim}/certificate", aud_.token)
        expect(st, 200, f"certificate after kill -9 at {step}")
        if json.loads(cert["certificate"])["reason"] != "confirmed":
            fail(f"certificate after kill -9 at {step}: {cert}")
    slowloris()
    S.stop()
    p = run("ledger", "verify", "--ledger", os.path.join(D, "ledger"))
    print(f"exchange_matrix: {checks} checks passed")


if __name__ == "__main__":
    try:
        main()
    finally:
        if S.proc and S.proc.poll() is None:
            S.proc.kill()
            S.proc.wait()
        if S.proc:
            S.remove_faketime_files()
