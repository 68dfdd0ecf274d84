"""The pages in a real browser (issue 17): headless Chromium driven over the
DevTools protocol (through a pipe: no extra package), with a virtual
authenticator that verifies its user, against a real `cordon serve` on
https://localhost whose self-signed certificate Chromium trusts by its key.

A vendor submits an order whose values are hostile (markup in the purpose,
a table name, a column name); the DPO logs in with password and code,
registers a passkey, logs in with it, reads the order — every hostile value
stays text —, signs it, and stock ssh-keygen accepts the signature over the
order's exact bytes. The CSP header is on every answer, a cross-site style
POST without the CSRF token is refused, the buttons have accessible names,
the French page renders. Screenshots go to SCRATCH/screenshots (and to
$CORDON_UI_SCREENSHOTS when set: docs/ui.md's images).

Usage: web_ui.py CORDON_BINARY SCRATCH_DIR
"""
import base64, hashlib, json, os, select, shutil, socket, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import exchange_attack as ex  # noqa: E402  (the person helpers, checks, TOTP)

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

CORDON, T = sys.argv[1], sys.argv[2]
os.makedirs(T, exist_ok=True)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = "</script><img src=x onerror=alert(1)>"
SHOTS = [os.path.join(T, "screenshots")] + (
    [os.environ["CORDON_UI_SCREENSHOTS"]] if os.environ.get("CORDON_UI_SCREENSHOTS") else [])


class Browser:
    """Chromium over --remote-debugging-pipe: JSON messages ending in NUL on
    its fds 3 (commands) and 4 (answers and events)."""

    def __init__(self, spki_sha256_b64, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # Its temporary files, caches, settings and crash reports stay in
        # the scratch: nothing in ~ or /tmp.
        env = dict(os.environ, TMPDIR=profile, HOME=profile, XDG_CONFIG_HOME=profile,
                   XDG_CACHE_HOME=profile)
        self.log = open(os.path.join(T, "chromium.log"), "w")
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}', CHROMIUM,
             "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
             "--window-size=1100,900",
             "--user-data-dir=" + os.path.join(profile, "profile"),
             "--ignore-certificate-errors-spki-list=" + spki_sha256_b64, "--lang=en-US",
             "about:blank"],
            pass_fds=(to_chrome_r, from_chrome_w), stdout=self.log, stderr=self.log, env=env)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf, self.next_id, self.session = b"", 0, None

    def _read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.from_chrome], [], [], left)[0]:
                ex.fail("Chromium did not answer in time (chromium.log in the scratch)")
            chunk = os.read(self.from_chrome, 1 << 16)
            if not chunk:
                ex.fail("Chromium exited: " + open(os.path.join(T, "chromium.log")).read()[-2000:])
            self.buf += chunk
        message, _, self.buf = self.buf.partition(b"\0")
        return json.loads(message)

    def send(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    ex.fail(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def open_tab(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        self.session = self.send("Target.attachToTarget",
                                 {"targetId": target["targetId"], "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime", "WebAuthn"):
            self.send(domain + ".enable")
        # A platform passkey that verifies its user (PIN or biometrics).
        self.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
            "hasUserVerification": True, "isUserVerified": True,
            "automaticPresenceSimulation": True}})

    def eval(self, expression):
        r = self.send("Runtime.evaluate",
                      {"expression": expression, "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in r:
            ex.fail(f"page script failed: {expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expression, what, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.eval(f"!!({expression})"):
                return
            time.sleep(0.1)
        error = self.eval("(document.querySelector('.error') || {}).textContent || ''")
        ex.fail(f"the page never showed {what}" + (f"; it says: {error}" if error else ""))

    def click(self, selector):
        self.eval(f"document.querySelector({json.dumps(selector)}).click()")

    def screenshot(self, name):
        png = base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"])
        for d in SHOTS:
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, name + ".png"), "wb") as f:
                f.write(png)

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=5)
        except SystemExit:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_exchange(data, port):
    config = os.path.join(T, "serve.toml")
    with open(config, "w") as f:
        f.write(f'[web]\norigin = "https://localhost:{port}"\n')
    ready = os.path.join(T, "ready.json")
    log = open(os.path.join(T, "serve.log"), "a")
    proc = subprocess.Popen([CORDON, "serve", "--data", data, "--config", config, "--listen",
                             f"127.0.0.1:{port}", "--ready-file", ready, "--no-syslog"],
                            stderr=log)
    ex.servers.append(proc)
    for _ in range(200):
        if os.path.exists(ready) and os.path.getsize(ready) > 0:
            break
        time.sleep(0.05)
    else:
        ex.fail("the exchange did not start: " + open(os.path.join(T, "serve.log")).read())
    srv = ex.Server(data)
    srv.proc, srv.url, srv.port, srv.tls = proc, json.load(open(ready))["url"], port, True
    srv.ctx = ex.ssl.create_default_context(cafile=os.path.join(data, "tls", "cert.pem"))
    srv.ctx.check_hostname = False  # the certificate names localhost; we dial 127.0.0.1
    return srv


def spki_sha256_b64(cert_pem):
    cert = x509.load_pem_x509_certificate(open(cert_pem, "rb").read())
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def order_and_plan():
    plan = json.dumps({
        "format": "cordon-plan", "version": 1, "order": {"id": "LAB42-2027"},
        "tables": [{"name": "patients" + HOSTILE, "rows_read": 120, "rows_selected": 100,
                    "columns_kept": [{"name": "NIR", "fate": "pseudonymized (nir, keyed)",
                                      "looks_free_text": False},
                                     {"name": "NOTE" + HOSTILE, "fate": "kept",
                                      "looks_free_text": True}],
                    "columns_excluded": ["NOM", "PRENOM"],
                    "sample_masked": [["2****", HOSTILE]]}]}, indent=2) + "\n"
    digest = hashlib.sha256(plan.encode()).hexdigest()
    order = ('[order]\nid = "LAB42-2027"\ncontroller = "CHU Exemple"\nprocessor = "Vendor SA"\n'
             f'purpose = "Migration {HOSTILE}"\ncontract = "DPA 1"\nnot_after = 2027-06-30\n'
             'retention_days = 30\nrecipients = '
             '["age1fh5kqu9qpe3htgpkh0v0ujkyf7dsx5hmxn3n5qfpjunlx3wptd4qsyhmlh"]\n'
             f'plan_sha256 = "{digest}"\n\n[[table]]\nname = "patients"\n[table.columns]\n'
             'NUM = "keep"\n')
    return order, plan


def main():
    if not CHROMIUM:
        ex.fail("chromium is not installed (scripts/install-deps installs it)")
    data, port = os.path.join(T, "D"), free_port()
    srv = start_exchange(data, port)
    origin = f"https://localhost:{port}"

    # The CSP is on every answer: pages (their own script only) and API.
    for path in ("/ui/", "/ui/app.js", "/api/v1/health"):
        c = srv.connect()
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        csp = r.getheader("Content-Security-Policy") or ""
        ex.check(r.status == 200 and "default-src 'none'" in csp and "unsafe" not in csp,
                 f"{path}: {r.status}, CSP {csp!r}")

    dpo = ex.Person(srv, "dora", "dpo", "--organisation", "CHU Exemple", log_in=False)
    vendor = ex.Person(srv, "victor", "operator", "--organisation", "Vendor SA")
    order, plan = order_and_plan()
    st, j = srv.request("POST", "/api/v1/orders", vendor.token, body={
        "order_base64": base64.b64encode(order.encode()).decode(),
        "plan_base64": base64.b64encode(plan.encode()).decode()})
    ex.check(st == 201, f"the vendor's order: {st} {j}")

    b = Browser(spki_sha256_b64(os.path.join(data, "tls", "cert.pem")), T)
    try:
        b.open_tab()
        b.send("Page.navigate", {"url": origin + "/"})
        b.wait_for("document.getElementById('passkey-login')", "the login page")
        b.screenshot("login")

        # First time: password and code, then a passkey.
        while int(time.time()) // 30 <= dpo.last:
            time.sleep(1)
        code = ex.totp(dpo.secret)
        dpo.last = int(time.time()) // 30
        b.eval("document.getElementById('email').value = " + json.dumps(dpo.email) + ";"
               "document.getElementById('password').value = " + json.dumps(ex.PASSWORD) + ";"
               "document.getElementById('code').value = " + json.dumps(code) + ";"
               "document.getElementById('password-login').click()")
        b.wait_for("document.getElementById('register')", "the passkey registration page")
        b.screenshot("register-passkey")
        b.click("#register")
        b.wait_for("document.getElementById('registered')", "the registration's success")
        # Log in with the passkey: a browser session in an HttpOnly cookie.
        b.click("#passkey-login")
        b.wait_for("document.getElementById('orders')", "the orders of the DPO")
        ex.check(b.eval("document.cookie") == "", "the session cookie is HttpOnly")
        b.screenshot("orders")
        # Another site's page cannot change anything: without the CSRF token
        # the cookie alone is refused.
        status = b.eval("fetch('/api/v1/logout', {method: 'POST', credentials: 'include'})"
                        ".then(r => r.status)")
        ex.check(status == 403, f"a POST without the CSRF token: {status}")

        b.click("button.open-order")
        b.wait_for("document.getElementById('order-text')", "the order page")
        ex.check(b.eval("document.querySelectorAll('img, script:not([src])').length") == 0,
                 "hostile values became elements")
        text = b.eval("document.getElementById('main').textContent")
        ex.check(text.count(HOSTILE) >= 4, "hostile values are shown as text")
        ex.check("pseudonymized (nir, keyed)" in text and "PRENOM" in text,
                 "the plan's columns and their fate are shown")
        b.screenshot("order")

        # Keyboard and screen readers: every button has an accessible name.
        tree = b.send("Accessibility.getFullAXTree")["nodes"]
        buttons = [n for n in tree if n.get("role", {}).get("value") == "button"]
        ex.check(buttons and all(n.get("name", {}).get("value") for n in buttons),
                 "a button without an accessible name")
        ex.check(any(n["name"]["value"] == "Sign this version with my passkey" for n in buttons),
                 "the sign button is not in the accessibility tree")
        b.eval("document.getElementById('sign').focus()")
        ex.check(b.eval("document.activeElement.id") == "sign", "the sign button takes focus")

        b.click("#sign")
        b.wait_for("document.getElementById('signed')", "the signature's success")
        b.screenshot("signed")
        sshsig = b.eval("document.getElementById('sshsig').textContent")
        key = b.eval("fetch('/api/v1/passkeys').then(r => r.json())"
                     ".then(j => j.passkeys[0].ssh_public_key)")

        # French.
        b.click("#lang")
        b.wait_for("document.querySelector('h1') && "
                   "document.querySelector('h1').textContent.startsWith('Ordres')",
                   "the French orders page")
        ex.check(b.eval("document.documentElement.lang") == "fr", "the page says it is French")
        b.screenshot("orders-fr")
    finally:
        b.close()

    # Offline, stock OpenSSH: the signature is the DPO's over the exact bytes.
    ns = "cordon-order@localhost"
    with open(os.path.join(T, "order.toml"), "w") as f:
        f.write(order)
    with open(os.path.join(T, "order.toml.sig"), "w") as f:
        f.write(sshsig)
    with open(os.path.join(T, "allowed_signers"), "w") as f:
        f.write(f'{dpo.email} namespaces="{ns}" {key}\n')
    verify = ["ssh-keygen", "-Y", "verify", "-f", os.path.join(T, "allowed_signers"), "-I",
              dpo.email, "-n", ns, "-s", os.path.join(T, "order.toml.sig")]
    ok = subprocess.run(verify, stdin=open(os.path.join(T, "order.toml")), capture_output=True)
    ex.check(ok.returncode == 0, "ssh-keygen refused the DPO's signature: " + ok.stderr.decode())
    with open(os.path.join(T, "altered.toml"), "w") as f:
        f.write(order.replace("DPA 1", "DPA 2"))
    bad = subprocess.run(verify, stdin=open(os.path.join(T, "altered.toml")), capture_output=True)
    ex.check(bad.returncode != 0, "ssh-keygen accepted the signature over altered bytes")
    srv.stop()
    print(f"web_ui.py: {ex.checks} checks passed")


try:
    main()
finally:
    for p in ex.servers:
        if p.poll() is None:
            p.kill()
            p.wait()
