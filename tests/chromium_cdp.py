"""Headless Chromium driven over the DevTools protocol through a pipe
(--remote-debugging-pipe: no package beyond Python's own), with a virtual
authenticator, against a real `cordon serve` on https://localhost whose
self-signed certificate Chromium trusts by its key. Shared by
tests/web_ui.py and bench/web_ui_render.py.

The caller imports exchange_attack first (its argv: CORDON_BINARY SCRATCH).
"""
import base64, hashlib, json, os, select, shutil, socket, subprocess, sys, time

import exchange_attack as ex

from cryptography import x509
from cryptography.hazmat.primitives import serialization

CORDON, T = ex.CORDON, ex.T
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
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
        self.authenticator = None
        self.new_authenticator()

    def new_authenticator(self):
        """A platform passkey that verifies its user (PIN or biometrics), in
        place of the one before: another person's device."""
        if self.authenticator:
            self.send("WebAuthn.removeVirtualAuthenticator",
                      {"authenticatorId": self.authenticator})
        self.authenticator = self.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
            "hasUserVerification": True, "isUserVerified": True,
            "automaticPresenceSimulation": True}})["authenticatorId"]

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

    def press(self, key):
        """A key pressed on the focused element, as a keyboard does (Enter
        activates a focused button: the pages work without a mouse)."""
        codes = {"Enter": (13, "\r"), "Tab": (9, ""), "Space": (32, " ")}
        vk, text = codes[key]
        for kind in ("keyDown", "keyUp"):
            event = {"type": kind, "key": " " if key == "Space" else key, "code": key,
                     "windowsVirtualKeyCode": vk}
            if kind == "keyDown" and text:
                event["text"] = text
            self.send("Input.dispatchKeyEvent", event)

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


def start_exchange(data, port, extra_config=""):
    config = os.path.join(T, "serve.toml")
    with open(config, "w") as f:
        f.write(f'[web]\norigin = "https://localhost:{port}"\n{extra_config}')
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




def first_visit(b, origin, person, landing="orders", screenshots=False):
    """The first visit of `person` (an ex.Person enrolled, not logged in):
    password and code, a passkey registered, then a login with it; returns
    when their first page shows (the table with id `landing`: a DPO's
    orders, an approver's grants)."""
    b.send("Page.navigate", {"url": origin + "/"})
    b.wait_for("document.getElementById('passkey-login')", "the login page")
    if screenshots:
        b.screenshot("login")
    while int(time.time()) // 30 <= person.last:  # each TOTP step is accepted once
        time.sleep(1)
    code = ex.totp(person.secret)
    person.last = int(time.time()) // 30
    b.eval("document.getElementById('email').value = " + json.dumps(person.email) + ";"
           "document.getElementById('password').value = " + json.dumps(ex.PASSWORD) + ";"
           "document.getElementById('code').value = " + json.dumps(code) + ";"
           "document.getElementById('password-login').click()")
    b.wait_for("document.getElementById('register')", "the passkey registration page")
    if screenshots:
        b.screenshot("register-passkey")
    b.click("#register")
    b.wait_for("document.getElementById('registered')", "the registration's success")
    # Log in with the passkey: a browser session in an HttpOnly cookie.
    b.click("#passkey-login")
    b.wait_for(f"document.getElementById('{landing}')", f"the {landing} page")


def order_for_plan(order_id, purpose, plan, tables):
    """An order (TOML) from CHU Exemple to Vendor SA whose plan_sha256 is
    the digest of `plan` (its exact text); `tables`: {name: [columns kept]}."""
    order = (f'[order]\nid = "{order_id}"\ncontroller = "CHU Exemple"\nprocessor = "Vendor SA"\n'
             f'purpose = "{purpose}"\ncontract = "DPA 1"\nnot_after = 2027-06-30\n'
             'retention_days = 30\nrecipients = '
             '["age1fh5kqu9qpe3htgpkh0v0ujkyf7dsx5hmxn3n5qfpjunlx3wptd4qsyhmlh"]\n'
             f'plan_sha256 = "{hashlib.sha256(plan.encode()).hexdigest()}"\n')
    for name, columns in tables.items():
        order += f'\n[[table]]\nname = "{name}"\n[table.columns]\n'
        order += "".join(f'{c} = "keep"\n' for c in columns)
    return order


def submit_order(srv, vendor, order, plan):
    """The vendor's operator uploads the order and its plan."""
    st, j = srv.request("POST", "/api/v1/orders", vendor.token, body={
        "order_base64": base64.b64encode(order.encode()).decode(),
        "plan_base64": base64.b64encode(plan.encode()).decode()})
    ex.check(st == 201, f"the vendor's order: {st} {j}")
