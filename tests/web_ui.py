"""The pages in a real browser (issue 17): headless Chromium driven over the
DevTools protocol (through a pipe: no extra package), with a virtual
authenticator that verifies its user, against a real `cordon serve` on
https://localhost whose self-signed certificate Chromium trusts by its key.

A vendor submits an order whose values are hostile (markup in the purpose,
a table name, a column name); the DPO logs in with password and code,
registers a passkey, logs in with it, reads the order — every hostile value
stays text —, signs it, and stock ssh-keygen accepts the signature over the
order's exact bytes; a second version shows what changed since (columns'
fates, rows, the order's lines). The CSP header is on every answer, a cross-site style
POST without the CSRF token is refused, the buttons have accessible names,
the French page renders. Then, on another device, the hospital's approver
logs in the same way, reads a colleague's access request (hostile reason
included) with the requester's context, approves it with the passkey —
ssh-keygen accepts the decision document's signature, and not an altered
one — and is offered nothing to sign on their own request. Screenshots go to SCRATCH/screenshots (and to
$CORDON_UI_SCREENSHOTS when set: docs/ui.md's images).

Usage: web_ui.py CORDON_BINARY SCRATCH_DIR
"""
import base64, datetime, hashlib, json, os, shutil, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.makedirs(sys.argv[2], exist_ok=True)
import exchange_attack as ex  # noqa: E402  (the person helpers, checks, TOTP)
from chromium_cdp import (CHROMIUM, CORDON, T, Browser, first_visit, free_port,  # noqa: E402
                          order_for_plan, spki_sha256_b64, start_exchange, submit_order)

HOSTILE = "</script><img src=x onerror=alert(1)>"


def reopened_report(b, what):
    """Back to the orders and the order again: its report's evidence status,
    "ok …" or "error …" (the class, then the words)."""
    b.click("#back")
    b.wait_for("document.querySelector('button.open-order')", "the orders again")
    b.click("button.open-order")
    b.wait_for("document.getElementById('proof-status')", f"the report's evidence, {what}")
    return b.eval("document.getElementById('proof-status').className + ' ' + "
                  "document.getElementById('proof-status').textContent")


def order_and_plan(second=False):
    """Version 1, or a second version where PRENOM leaves and 10 more rows."""
    kept = [{"name": "NIR", "fate": "pseudonym:nir:keep=sex", "looks_free_text": False},
            {"name": "NOTE" + HOSTILE, "fate": "keep:free-text", "looks_free_text": True}]
    if second:
        kept.append({"name": "PRENOM", "fate": "keep", "looks_free_text": False})
    plan = json.dumps({
        "format": "cordon-plan", "version": 1, "order": {"id": "LAB42-2027"},
        "tables": [{"name": "patients" + HOSTILE, "rows_read": 120,
                    "rows_selected": 110 if second else 100, "columns_kept": kept,
                    "columns_excluded": ["NOM"] if second else ["NOM", "PRENOM"],
                    "sample_masked": [["2****", HOSTILE]]}]}, indent=2) + "\n"
    order = order_for_plan("LAB42-2027", f"Migration {HOSTILE}", plan,
                           {"patients": ["NUM", "PRENOM"] if second else ["NUM"]})
    return order, plan


def keygen_verifies(name, text, sig, email, ns, key, altered):
    """Stock ssh-keygen accepts `sig` by `key` (`email`, namespace `ns`) over
    `text`, and refuses it over `altered`; the files stay in T as NAME,
    NAME.sig, altered.NAME-suffix and allowed_signers."""
    stem, suffix = os.path.splitext(name)
    files = {name: text, name + ".sig": sig, "altered" + suffix: altered,
             "allowed_signers": f'{email} namespaces="{ns}" {key}\n'}
    for f, content in files.items():
        with open(os.path.join(T, f), "w") as out:
            out.write(content)
    verify = ["ssh-keygen", "-Y", "verify", "-f", os.path.join(T, "allowed_signers"), "-I",
              email, "-n", ns, "-s", os.path.join(T, name + ".sig")]
    ok = subprocess.run(verify, stdin=open(os.path.join(T, name)), capture_output=True)
    ex.check(ok.returncode == 0, f"ssh-keygen refused {email}'s signature: " + ok.stderr.decode())
    bad = subprocess.run(verify, stdin=open(os.path.join(T, "altered" + suffix)),
                         capture_output=True)
    ex.check(bad.returncode != 0, f"ssh-keygen accepted {email}'s signature over altered bytes")


def recorded_session(srv, data, vendor, ciso):
    """A session as the bastion leaves it: a target, a grant approved by an
    approver of the hospital, a certificate, the bastion's start, anchor and
    end calls, and the recording — an asciicast sealed with the age CLI (the
    same layout as cordon's: header and payload nonce, then 64 KiB chunks)
    to the hospital's key — whose chain the test computes itself."""
    run = lambda *a: subprocess.run([CORDON, *a], check=True, capture_output=True, text=True)
    run("admin", "target", "add", "--data", data, "--name", "pacs01", "--address",
        "127.0.0.1:2222", "--principal", "pacs01", "--organisation", "CHU Exemple")
    token_file = os.path.join(T, "bastion.token")
    run("admin", "bastion", "add", "--data", data, "--name", "bastion01", "-o", token_file)
    machine = open(token_file).read().strip()
    bruno = ex.Person(srv, "bruno", "approver", "--organisation", "CHU Exemple")
    st, g = srv.request("POST", "/api/v1/grants", vendor.token, body={
        "target": "pacs01", "reason": "PACS disk controller", "duration_hours": 2})
    ex.check(st == 201, f"the vendor's request: {st} {g}")
    st, j = srv.request("POST", f"/api/v1/grants/{g['id']}/approve", bruno.token, body={})
    ex.check(st == 200, f"the approval: {st} {j}")
    key = os.path.join(T, "victor_ed25519")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    pub = open(key + ".pub").read().strip()
    st, c = srv.request("POST", f"/api/v1/grants/{g['id']}/ssh-certificate", vendor.token,
                        body={"public_key": pub})
    ex.check(st == 201, f"the certificate: {st} {c}")
    fp = subprocess.run(["ssh-keygen", "-l", "-f", key + ".pub"], check=True, capture_output=True,
                        text=True).stdout.split()[1]
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key + "-egress"], check=True)
    st, j = srv.request("POST", "/api/v1/bastion/login", machine, body={
        "user": "maint", "key_id": c["key_id"], "serial": c["serial"], "fingerprint": fp})
    ex.check(st == 200 and j["allow"], f"the bastion's login check: {st} {j}")
    st, s = srv.request("POST", "/api/v1/bastion/sessions", machine, body={
        "key_id": c["key_id"], "serial": c["serial"], "fingerprint": fp,
        "client": "203.0.113.9 50000 22",
        "egress_public_key": open(key + "-egress.pub").read().strip()})
    ex.check(st == 201, f"the session's start: {st} {s}")
    marker = "END-OF-REPLAY-42"
    events = [[0.1, "i", "uptime\r"], [0.3, "o", "\x1b[1m up 3 days \x1b[0m\r\n"],
              [0.5, "o", HOSTILE + "\r\n"],
              # What a terminal shows after a malformed escape is shown too
              # (an attack review hid patient rows behind ESC SOH).
              [0.6, "o", "\x1b\x017ROW-AFTER-ESC-SOH\r\n"], [0.7, "o", "prompt \x1b"],
              [0.8, "o", "\x01" + "7ROW-AFTER-A-SPLIT-ESCAPE\r\n"],
              # Nor erased where a terminal keeps it (cursor moved away first).
              [0.9, "o", "ROW-KEPT-BY-THE-TERMINAL\r\x1b[B\x1b[K\x1b[A\r\n"]]
    events += [[1 + i / 100, "o", f"line {i:05d} " + "x" * 60 + "\r\n"] for i in range(2500)]
    events.append([30.0, "o", marker + "\r\n"])
    cast = json.dumps({"version": 2, "width": 80, "height": 24, "timestamp": 1764600000}) + "\n"
    cast += "".join(json.dumps(e) + "\n" for e in events)
    paths = {"marker": marker}
    for name, text in (("original", cast), ("other", cast.replace("uptime", "whoami"))):
        with open(os.path.join(T, name + ".cast"), "w") as f:
            f.write(text)
        paths[name] = os.path.join(T, name + ".cast.age")
        subprocess.run(["age", "-r", ciso, "-o", paths[name], os.path.join(T, name + ".cast")],
                       check=True)
        os.remove(os.path.join(T, name + ".cast"))
    sealed = open(paths["original"], "rb").read()
    unit0 = sealed.index(b"\n", sealed.index(b"\n--- ") + 1) + 1 + 16
    units = [sealed[:unit0]] + [sealed[k:k + 65552] for k in range(unit0, len(sealed), 65552)]
    ex.check(len(units) >= 4, f"a recording of several chunks: {len(units)} units")
    head = hashlib.sha256(b"cordon-recording-v1" + hashlib.sha256(units[0]).digest()).digest()
    for u in units[1:]:
        head = hashlib.sha256(head + hashlib.sha256(u).digest()).digest()
    anchor = {"chunks": len(units), "bytes": len(sealed), "head": head.hex()}
    base = f"/api/v1/bastion/sessions/{s['session']}"
    st, j = srv.request("POST", base + "/anchor", machine, body={
        **anchor, "header_sha256": hashlib.sha256(units[0]).hexdigest()})
    ex.check(st == 200, f"the anchor: {st} {j}")
    st, j = srv.request("POST", base + "/end", machine, body={
        **anchor, "duration_seconds": 30, "reason": "client_gone", "exit_status": 0})
    ex.check(st == 200, f"the session's end: {st} {j}")
    # The bastion's copy for the exchange: the page replays it by default.
    st, j = srv.request("PUT", base + "/recording", machine, raw=sealed)
    ex.check(st == 201, f"the exchange's copy of the recording: {st} {j}")
    paths["path"] = paths["original"]
    paths["another"] = paths["other"]
    flipped = bytearray(sealed)
    flipped[unit0 + 70000] ^= 1
    paths["flipped"] = os.path.join(T, "flipped.cast.age")
    paths["cut"] = os.path.join(T, "cut.cast.age")
    open(paths["flipped"], "wb").write(bytes(flipped))
    open(paths["cut"], "wb").write(sealed[:unit0 + 2 * 65552])
    return paths


def cli_login(b, srv, person):
    """Registers an SSH key file to `person` from their passkey session in
    `b`, then logs in with `cordon remote login --sign-with` (and is refused
    without it)."""
    key = os.path.join(T, "cli_login_key")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "cli", "-f", key],
                   check=True)
    line = open(key + ".pub").read().strip()
    # In the page: the public key in, the commands out, run as shown (KEY is
    # the private key file), the signature pasted back.
    b.click("#my-keys")
    b.wait_for("document.getElementById('no-ssh-keys') || document.getElementById('ssh-keys')",
               "the SSH keys page")
    b.eval(f"document.getElementById('ssh-public-key').value = {json.dumps(line)}")
    b.click("#prepare-ssh-key")
    b.wait_for("document.getElementById('ssh-key-commands')", "the document to sign")
    commands = b.eval("document.getElementById('ssh-key-commands').textContent")
    document = b.eval("document.getElementById('ssh-key-document').textContent")
    ex.check(json.loads(document)["format"] == "cordon-ssh-key-registration" and
             "cordon-ssh-key@localhost" in commands, f"the document and commands: {commands}")
    work = os.path.join(T, "key-registration")
    os.makedirs(work, exist_ok=True)
    subprocess.run(["bash", "-euo", "pipefail", "-c", commands.replace(" -f KEY ", f" -f {key} ")],
                   cwd=work, check=True, capture_output=True)
    proof = open(os.path.join(work, "cordon-ssh-key.json.sig")).read()
    b.eval(f"document.getElementById('ssh-key-proof').value = {json.dumps(proof)}")
    b.click("#register-ssh-key")
    b.wait_for("document.getElementById('ssh-key-registered') || document.querySelector('.error')",
               "the key's registration")
    listed = b.eval("(document.getElementById('ssh-keys') || {}).textContent || "
                    "(document.querySelector('.error') || {}).textContent")
    fp = subprocess.run(["ssh-keygen", "-l", "-f", key + ".pub"], check=True, capture_output=True,
                        text=True).stdout.split()[1]
    ex.check(fp in listed, f"the registered key in the page: {listed}")
    b.screenshot("ssh-keys")
    fingerprint = json.load(open(os.path.join(T, "ready.json")))["fingerprint"]
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(T, "cfg-cli-login"))
    remote = [CORDON, "remote", "--server", f"https://localhost:{srv.port}",
              "--fingerprint", fingerprint]

    def login(*extra):
        while int(time.time()) // 30 <= person.last:  # each TOTP step is accepted once
            time.sleep(1)
        code = ex.totp(person.secret)
        person.last = int(time.time()) // 30
        return subprocess.run([*remote, "login", "--email", person.email, "--code", code,
                               "--password-stdin", *extra], input=ex.PASSWORD + "\n",
                              capture_output=True, text=True, env=env, timeout=60)
    bare = login()
    ex.check(bare.returncode == 3 and "--sign-with" in bare.stderr,
             f"a passkey account's password login from the command line: {bare.returncode} "
             f"{bare.stderr}")
    signed = login("--sign-with", key)
    ex.check(signed.returncode == 0 and "logged in" in signed.stderr,
             f"the key-signed login: {signed.returncode} {signed.stderr}")
    listed = subprocess.run([*remote, "--json", "grant", "list"], capture_output=True, text=True,
                            env=env, timeout=60)
    ex.check(listed.returncode == 0 and "grants" in json.loads(listed.stdout),
             f"the key login's session: {listed.returncode} {listed.stderr}")
    ledger = open(os.path.join(srv.data, "ledger", "ledger.log"), "rb").read()
    ex.check(b'"mfa":"ssh_key"' in ledger, "the key login is not in the ledger")


def main():
    if not CHROMIUM:
        ex.fail("chromium is not installed (scripts/install-deps installs it)")
    data, port = os.path.join(T, "D"), free_port()
    # The hospital's recording key (the CISO's age identity): the bastion
    # seals recordings to it, and only the replay page, given it, opens them.
    ciso_key = os.path.join(T, "ciso.key")
    subprocess.run(["age-keygen", "-o", ciso_key], check=True, capture_output=True)
    ciso = subprocess.run(["age-keygen", "-y", ciso_key], check=True, capture_output=True,
                          text=True).stdout.strip()
    srv = start_exchange(data, port, '[remote]\nbastion_address = "bastion.chu.example:22"\n'
                         'bastion_source_address = "127.0.0.1/32"\n'
                         f'recording_recipients = ["{ciso}"]\n')
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
    approver = ex.Person(srv, "anne", "approver", "--organisation", "CHU Exemple", log_in=False)
    admin = ex.Person(srv, "adele", "admin", log_in=False)
    vendor = ex.Person(srv, "victor", "operator", "--organisation", "Vendor SA")
    colleague = ex.Person(srv, "rita", "recipient", "--organisation", "CHU Exemple")
    st, j = srv.request("POST", "/api/v1/grants", colleague.token, body={
        "role": "operator", "reason": "audit " + HOSTILE, "duration_hours": 8})
    ex.check(st == 201, f"the colleague's request: {st} {j}")
    grant = j["id"]
    order, plan = order_and_plan()
    submit_order(srv, vendor, order, plan)

    b = Browser(spki_sha256_b64(os.path.join(data, "tls", "cert.pem")), T)
    try:
        b.open_tab()
        first_visit(b, origin, dpo, screenshots=True)
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
        ex.check("replaced by a valid NIR that is no one\u2019s (keyed pseudonym), keeping sex "
                 "pseudonym:nir:keep=sex" in text and "free text kept by decision" in text and
                 "PRENOM" in text, f"the plan's columns and their fate in words: {text}")
        # The order's report: nothing has left yet; the excluded columns did not.
        b.wait_for("document.getElementById('report')", "the order's report")
        report = b.eval("document.getElementById('report').textContent")
        ex.check("No package has left under this order yet." in report and
                 "Columns that did not leave" in report and "PRENOM" in report and
                 b.eval("document.querySelectorAll('#report ul.left').length") == 0,
                 f"the order's report before any package: {report}")
        b.wait_for("document.getElementById('proof-status')", "the report's evidence checked")
        proof = b.eval("document.getElementById('proof-status').className + ' ' + "
                       "document.getElementById('proof-status').textContent")
        ex.check(proof.startswith("ok ") and "each proven included" in proof and
                 "This browser keeps that checkpoint" in proof,
                 f"the events proven in the browser, the checkpoint kept: {proof}")
        # The report as a file, in the page's language: the same HTML
        # `cordon report` writes, fetched with the page's own session.
        href = b.eval("document.getElementById('report-file').getAttribute('href')")
        ex.check(href == "/api/v1/orders/LAB42-2027/report?format=html&lang=en",
                 f"the report file's link: {href}")
        got = b.eval("fetch(document.getElementById('report-file').href)"
                     ".then(r => r.status + ' ' + r.headers.get('Content-Disposition') + ' ' +"
                     " r.headers.get('Content-Security-Policy')).then(x => x)")
        ex.check(got.startswith('200 attachment; filename="report-LAB42-2027-en.html"') and
                 "default-src" in got, f"the report file: {got}")
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

        # A second version: the DPO sees what changed since the one signed.
        order2, plan2 = order_and_plan(second=True)
        submit_order(srv, vendor, order2, plan2)
        b.click("#back")
        b.wait_for("document.querySelector('button.open-order')", "the orders again")
        b.click("button.open-order")
        b.wait_for("document.getElementById('order-diff')", "the changes since version 1")
        ex.check(b.eval("document.querySelectorAll('img, script:not([src])').length") == 0,
                 "hostile values in the changes became elements")
        changes = b.eval("document.getElementById('plan-changes').textContent")
        ex.check(f"patients{HOSTILE}.PRENOM: does not leave \u2192 kept as is" in changes and
                 "100 \u2192 110" in changes, f"the plan's changes: {changes}")
        diff = b.eval("document.getElementById('order-diff').textContent")
        b.wait_for("document.getElementById('report-version')", "the report again")
        against = b.eval("document.getElementById('report-version').textContent")
        ex.check("version 1 of the order, signed by a DPO" in against,
                 f"the report compares with the signed version, not the newer one: {against}")
        ex.check('+ PRENOM = "keep"' in diff and "- plan_sha256" in diff and
                 "+ plan_sha256" in diff and "purpose" not in diff and "null" not in diff,
                 f"the order's line diff: {diff}")
        b.eval("document.getElementById('changes').scrollIntoView()")
        b.screenshot("order-changes")
        # The report again: the ledger must have grown from the checkpoint kept.
        b.wait_for("document.getElementById('proof-status')", "the report's evidence again")
        proof = b.eval("document.getElementById('proof-status').className + ' ' + "
                       "document.getElementById('proof-status').textContent")
        ex.check(proof.startswith("ok ") and "The ledger grew from the checkpoint" in proof,
                 f"consistent with the checkpoint this browser saw: {proof}")
        # A history rewritten since (as the browser would see it: its kept
        # root differs from the ledger's at that size) is shown in red, and
        # the checkpoint kept as evidence is not replaced.
        kept = b.eval("localStorage.getItem('cordon-checkpoint')")
        forged = json.loads(kept)
        forged["root"] = base64.b64encode(bytes(32)).decode()
        b.eval(f"localStorage.setItem('cordon-checkpoint', {json.dumps(json.dumps(forged))})")
        proof = reopened_report(b, "forged root")
        ex.check(proof.startswith("error ") and "may have been rewritten" in proof,
                 f"a rewritten history shows: {proof}")
        ex.check(json.loads(b.eval("localStorage.getItem('cordon-checkpoint')")) == forged,
                 "the kept checkpoint was replaced after a failed check")
        b.eval(f"localStorage.setItem('cordon-checkpoint', {json.dumps(kept)})")
        # A server that lies about what it recorded: an event altered (its
        # inclusion proof no longer holds), the checkpoint's size changed (its
        # signature no longer verifies), an entry given twice, an earlier
        # answer replayed (its checkpoint lacks this reading's nonce). Each
        # is shown in red.
        b.eval("window.realFetch = window.fetch")
        # An earlier answer, to be replayed: proven, but not this reading's.
        b.eval("window.realFetch('/api/v1/orders/LAB42-2027/report?nonce=earlier-reading-0001')"
               ".then((r) => r.json()).then((j) => { window.earlierReport = j; return 0; })")
        for change, expected in (
                ("j.evidence.entries[0].entry = btoa('{\"action\":\"nothing happened\"}')",
                 "not proven included"),
                ("j.evidence.checkpoint = j.evidence.checkpoint.replace(/\\n(\\d+)\\n/,"
                 " (_, n) => '\\n' + (Number(n) + 1) + '\\n')",
                 "signature does not verify"),
                ("j.evidence.entries.push(j.evidence.entries[0]); j.events.push(j.events[0])",
                 "not proven included"),
                # A hash of the proofs changed (the first 30 bytes of the first).
                ("j.evidence.nodes = btoa(String.fromCharCode(0).repeat(30))"
                 " + j.evidence.nodes.slice(40)", "not proven included"),
                ("j.evidence.entries[0].proof[0] = 1e9", "a proof names no hash"),
                ("Object.assign(j, window.earlierReport)", "replayed or stale")):
            b.eval("window.fetch = async (url, opts) => {"
                   "  const r = await window.realFetch(url, opts);"
                   "  if (!String(url).includes('/report')) return r;"
                   "  const j = await r.json();"
                   f"  {change};"
                   "  return new Response(JSON.stringify(j), {status: r.status, headers: r.headers});"
                   "}")
            proof = reopened_report(b, "altered")
            ex.check(proof.startswith("error ") and expected in proof,
                     f"a report altered by {change} shows: {proof}")
        b.eval("window.fetch = window.realFetch")

        # French.
        b.click("#lang")
        b.wait_for("document.querySelector('h1') && "
                   "document.querySelector('h1').textContent.startsWith('Ordres')",
                   "the French orders page")
        ex.check(b.eval("document.documentElement.lang") == "fr", "the page says it is French")
        b.screenshot("orders-fr")
        b.click("#lang")
        b.wait_for("document.documentElement.lang === 'en'", "the English page again")

        # The link of the DPO's notice mail opens that version of the order
        # (the session's cookie still holds), and only once.
        b.send("Page.navigate", {"url": "about:blank"})
        b.send("Page.navigate", {"url": origin + "/ui/#order=LAB42-2027&version=1"})
        b.wait_for("document.getElementById('order-text')", "the order the mail's link names")
        ex.check(b.eval("document.querySelector('h1').textContent") == "Order LAB42-2027" and
                 b.eval("document.querySelector('dl dd').textContent") == "1" and
                 b.eval("location.hash") == "",
                 "the mail's link shows version 1 of the order, then leaves the address")
        b.wait_for("document.getElementById('back')", "the order page's back button (after its report)")
        b.click("#back")
        b.wait_for("document.querySelector('button.open-order')", "the orders after the link")

        # The approver, on their own device.
        b.click("#logout")
        b.wait_for("document.getElementById('passkey-login')", "the login page after logout")
        b.new_authenticator()
        first_visit(b, origin, approver, landing="grants")
        b.screenshot("grants")
        b.click(f'button.open-grant[data-grant="{grant}"]')
        b.wait_for("document.getElementById('decide-approve')", "the grant's approve button")
        ex.check(b.eval("document.querySelectorAll('img, script:not([src])').length") == 0,
                 "a hostile reason became elements")
        text = b.eval("document.getElementById('main').textContent")
        ex.check("audit " + HOSTILE in text, "the reason is shown as text")
        shown = b.eval("Array.from(document.querySelector('#main section').childNodes)"
                       ".filter(n => !(n.classList && n.classList.contains('decision')))"
                       ".map(n => n.textContent).join(' ')")
        ex.check("null" not in shown and "undefined" not in shown, f"the page says: {shown}")
        ex.check(colleague.email in text and b.eval("!!document.getElementById('recent-logins')"),
                 "the requester and their last logins are shown")
        document = b.eval("document.querySelector('pre.document[data-decision=approve]')"
                          ".textContent")
        ex.check(json.loads(document)["decision"] == "approve", f"the document: {document}")
        b.screenshot("grant")
        b.click("#decide-approve")
        b.wait_for("document.getElementById('decided')", "the signed decision's success")
        b.screenshot("grant-approved")
        decision_sig = b.eval("document.getElementById('sshsig').textContent")
        ex.check(b.eval("document.getElementById('decision-document').textContent") == document,
                 "the page signed another document than it showed")
        approver_key = b.eval("fetch('/api/v1/passkeys').then(r => r.json())"
                              ".then(j => j.passkeys[0].ssh_public_key)")
        st, j = srv.request("GET", f"/api/v1/grants/{grant}", colleague.token)
        ex.check(st == 200 and j["status"] == "approved", f"the colleague's grant: {st} {j}")

        # Their own request: nothing to sign, said in words.
        own = b.eval("fetch('/api/v1/grants', {method: 'POST', headers: {'Content-Type': "
                     "'application/json', 'X-CSRF-Token': state.csrf}, body: JSON.stringify("
                     "{role: 'operator', reason: 'my own yearly review', duration_hours: 2})})"
                     ".then(r => r.json()).then(j => j.id)")
        ex.check(isinstance(own, int), f"the approver's own request: {own}")
        b.eval(f"grantView({own})")
        b.wait_for("document.getElementById('own-request')", "the own-request notice")
        ex.check(not b.eval("document.querySelector('button[id^=decide-]')"),
                 "a decision offered on one's own request")

        # The review of accounts: read, then attested by its hash.
        b.click("#back")
        b.wait_for("document.getElementById('nav-review')", "the requests' link to the review")
        b.click("#nav-review")
        b.wait_for("document.getElementById('review')", "the review of accounts")
        review = b.eval("document.getElementById('review').textContent")
        # Scoped to the hospital: its people; Vendor SA only once it reaches
        # the hospital (a request on one of its targets, below).
        ex.check(colleague.email in review and vendor.email not in review,
                 f"the review lists the hospital's accounts only: {review}")
        scope = b.eval("document.getElementById('review-scope').textContent")
        ex.check("CHU Exemple" in scope, f"the review says what it covers: {scope}")
        b.screenshot("review")
        b.click("#attest")
        b.wait_for("document.getElementById('attested')", "the attestation")
        attested = b.eval("fetch('/api/v1/reviews/access').then(r => r.json())"
                          ".then(j => j.review.attestations)")
        ex.check(len(attested) == 1 and attested[0]["review_sha256"] in
                 b.eval("document.getElementById('attested').textContent"),
                 f"the attestation names the review shown: {attested}")
        # Signed with the passkey: the attestation is a signature over the
        # review's SHA-256, not a row (checked offline below).
        ex.check(attested[0]["signed"] is True, f"the attestation is not signed: {attested}")
        attestation_doc = b.eval("document.getElementById('attestation-document').textContent")
        attestation_sig = b.eval("document.getElementById('attestation-sshsig').textContent")
        ex.check(json.loads(attestation_doc)["review_sha256"] == attested[0]["review_sha256"],
                 f"the attestation signed another review: {attestation_doc}")

        # The hospital's target and the vendor's grant on it (Vendor SA then
        # reaches CHU Exemple, whose approvers review its accounts) and a
        # session on it, recorded, for the sessions page below.
        recording = recorded_session(srv, data, vendor, ciso)
        reviewed = b.eval("fetch('/api/v1/reviews/access').then(r => r.json())"
                          ".then(j => j.review.accounts.map(a => a.email))")
        ex.check(vendor.email in reviewed, f"the vendor that reaches the hospital: {reviewed}")

        # A review campaign of the vendor's accounts, opened in the page; the
        # approver keeps the vendor's engineer with a passkey signature.
        deadline = (datetime.datetime.now(datetime.timezone.utc) +
                    datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
        b.wait_for("document.getElementById('open-campaign')", "the form that opens a campaign")
        b.eval("document.getElementById('campaign-organisation').value = 'Vendor SA'")
        b.eval("document.getElementById('campaign-deadline').value = " + json.dumps(deadline))
        b.click("#open-campaign-button")
        b.wait_for("document.getElementById('reviewed')", "the campaign's accounts")
        keep = b.eval("Array.from(document.querySelectorAll('#reviewed tbody tr')).find(r => "
                      "r.textContent.includes(" + json.dumps(vendor.email) + "))"
                      ".querySelector('button[id^=keep-]').id")
        ex.check(b.eval(f"document.getElementById('{keep}').getAttribute('aria-label')")
                 .endswith(f"<{vendor.email}>"), "the keep button names its account")
        b.screenshot("campaign")
        b.click("#" + keep)
        b.wait_for("document.getElementById('campaign-decided')", "the signed campaign decision")
        review_doc = b.eval("document.getElementById('decision-document').textContent")
        review_sig = b.eval("document.getElementById('sshsig').textContent")
        ex.check(json.loads(review_doc)["decision"] == "keep" and
                 json.loads(review_doc)["account"]["email"] == vendor.email,
                 f"the campaign decision signed: {review_doc}")
        decided = b.eval("Array.from(document.querySelectorAll('#reviewed tbody tr')).find(r => "
                         "r.textContent.includes(" + json.dumps(vendor.email) + "))"
                         ".querySelector('td.decision').textContent")
        ex.check(approver.email in decided, f"the decision names its signer: {decided}")
        b.screenshot("campaign-decided")

        # A remote-maintenance session, recorded: replayed in the page from
        # local files, its chain checked against the ledger's anchor first.
        b.click("#nav-sessions")
        b.wait_for("document.querySelector('button.replay')", "the sessions and their replay")
        listed = b.eval("document.getElementById('sessions').textContent")
        ex.check("pacs01" in listed and vendor.email in listed, f"the sessions page: {listed}")
        b.screenshot("sessions")
        b.click("button.replay")
        b.wait_for("document.getElementById('open-recording')", "the replay page")

        def open_recording(path, identity=ciso_key):
            """`path` None: the exchange's sealed copy, the page's default."""
            b.click("#source-exchange" if path is None else "#source-file")
            for input_id, f in (("recording-file", path), ("identity-file", identity)):
                if f is None:
                    continue
                node = b.send("Runtime.evaluate", {
                    "expression": f"document.getElementById('{input_id}')"})["result"]["objectId"]
                b.send("DOM.setFileInputFiles", {"files": [f], "objectId": node})
            b.click("#open-recording")
            b.wait_for("document.getElementById('chain-ok') || "
                       "document.getElementById('replay-refused') || document.querySelector('.error')",
                       "the recording's check")
            return b.eval("(document.getElementById('replay-refused') || {}).dataset?.code || "
                          "(document.querySelector('.error') || {}).textContent || 'ok'")

        ex.check("on the exchange" in listed, f"the sessions page shows the copy: {listed}")
        ex.check(open_recording(None) == "ok", "the exchange's copy did not open")
        b.click("#to-end")
        screen = b.eval("document.getElementById('screen').textContent")
        ex.check(recording["marker"] in screen and "\x1b" not in screen and HOSTILE in screen and
                 "ROW-AFTER-ESC-SOH" in screen and "ROW-AFTER-A-SPLIT-ESCAPE" in screen and
                 "ROW-KEPT-BY-THE-TERMINAL" in screen,
                 f"the replayed screen: {screen[-300:]!r}")
        ex.check(b.eval("document.querySelectorAll('#main img, #main script').length") == 0,
                 "a recording's bytes became elements")
        ex.check("uptime" in b.eval("document.getElementById('typed').textContent"),
                 "what was typed is shown")
        b.screenshot("replay")
        # Altered, cut, another session's, another person's key: refused, nothing shown.
        other_key = os.path.join(T, "other.key")
        subprocess.run(["age-keygen", "-o", other_key], check=True, capture_output=True)
        for name, code, identity in (("flipped", "altered", ciso_key), ("cut", "truncated", ciso_key),
                                     ("another", "not_this_session", ciso_key),
                                     ("original", "not_for_you", other_key)):
            got = open_recording(recording[name], identity)
            ex.check(got == code, f"the {name} recording: {got}, expected {code}")
            ex.check(not b.eval("document.getElementById('screen')"), f"the {name} one was shown")
        ex.check(open_recording(recording["path"]) == "ok", "the bastion's file did not open")

        # The alerts feed: those about the hospital, in words (a DPO told of
        # the order, the approver's own passkey), newest first.
        b.click("#nav-alerts")
        b.wait_for("document.getElementById('alerts') || document.getElementById('no-alerts')",
                   "the alerts feed")
        feed = b.eval("Array.from(document.querySelectorAll('#alerts tbody tr'))"
                      ".map(r => r.dataset.kind + ' ' + r.textContent)")
        ex.check(any(f.startswith("passkey_registered") and "a passkey was registered" in f and
                     approver.email in f for f in feed) and
                 any(f.startswith("order_submitted") and "an order awaits the DPO" in f for f in feed),
                 f"the alerts feed: {feed}")
        b.screenshot("alerts")

        # The approver's command line: with a passkey on the account, the
        # password and code alone open no session; an SSH key registered
        # from the passkey session signs the login (cordon-login@localhost).
        cli_login(b, srv, approver)

        # An admin, on their own device: the approver's passkey is lost. One
        # admin's approval is taken by the page; it is revoked only at a
        # second admin's (not shown here).
        b.click("#logout")
        b.wait_for("document.getElementById('passkey-login')", "the login page after logout")
        b.new_authenticator()
        first_visit(b, origin, admin, landing="passkey-admin")
        b.eval("document.getElementById('passkey-email').value = " + json.dumps(approver.email))
        b.click("#find-passkeys")
        b.wait_for("document.querySelector('button.revoke-passkey')", "the approver's passkeys")
        shown = b.eval("document.getElementById('passkey-list').textContent")
        ex.check("SHA256:" in shown and "active" in shown,
                 f"the approver's passkey, by its fingerprint: {shown[:300]}")
        tree = b.send("Accessibility.getFullAXTree")["nodes"]
        named = {n.get("name", {}).get("value") for n in tree
                 if n.get("role", {}).get("value") in ("textbox", "button")}
        ex.check({"E-mail", "Reason for revoking", "Approve the revocation"} <= named,
                 f"the admin page's labels for a screen reader: {sorted(n for n in named if n)}")
        b.eval("document.querySelector('input.revoke-reason').value = "
               "'lost on a train, ticket SEC-12'")
        b.eval("document.querySelector('button.revoke-passkey').focus()")
        b.press("Enter")
        b.wait_for("document.getElementById('revocation-result')", "the revocation's answer")
        said = b.eval("document.getElementById('revocation-result').textContent")
        ex.check("a second admin must approve" in said, f"one admin's approval: {said}")
        b.screenshot("passkey-admin")
    finally:
        b.close()
    # One approval, recorded; the passkey is still the approver's.
    st, j = srv.request("GET", "/api/v1/passkeys?email=" + approver.email.replace("@", "%40"),
                        ex.Person(srv, "adam", "admin").token)
    ex.check(st == 200 and j["passkeys"][0]["revoked_at"] is None,
             f"one admin revoked a passkey alone: {st} {j}")

    # Offline, stock OpenSSH: each signature is its signer's over the exact
    # bytes, and over nothing else.
    keygen_verifies("order.toml", order, sshsig, dpo.email, "cordon-order@localhost", key,
                    order.replace("DPA 1", "DPA 2"))
    keygen_verifies("review.json", review_doc, review_sig, approver.email,
                    "cordon-review@localhost", approver_key,
                    review_doc.replace('"keep"', '"remove"'))
    keygen_verifies("attestation.json", attestation_doc, attestation_sig, approver.email,
                    "cordon-review@localhost", approver_key,
                    attestation_doc.replace(attested[0]["review_sha256"], "0" * 64))
    ns = "cordon-grant@localhost"
    keygen_verifies("grant.json", document, decision_sig, approver.email, ns, approver_key,
                    document.replace('"approve"', '"deny"'))

    # cordon verify gives ssh-keygen's answers on the same files (and
    # requires user verification besides).
    # So does the auditors' binary, cordon-verify (src/cli/verify_main.cc).
    for verifier in ([CORDON, "verify"], [os.path.join(os.path.dirname(CORDON), "cordon-verify")]):
        def cordon_verify(doc, identity=approver.email, *extra):
            return subprocess.run([*verifier, "--allowed-signers",
                                   os.path.join(T, "allowed_signers"), "-I", identity, "-n", ns,
                                   "-x", os.path.join(T, "grant.json.sig"), *extra, doc],
                                  capture_output=True, text=True)
        good = cordon_verify(os.path.join(T, "grant.json"), approver.email, "--json")
        ex.check(good.returncode == 0 and json.loads(good.stdout)["verified"] is True,
                 f"{verifier} refused what ssh-keygen accepted: {good.stdout} {good.stderr}")
        ex.check(cordon_verify(os.path.join(T, "altered.json")).returncode == 3,
                 f"{verifier} accepted the decision over altered bytes")
        ex.check(cordon_verify(os.path.join(T, "grant.json"), dpo.email).returncode == 3,
                 f"{verifier} accepted the approver's signature as the DPO's")
    shutil.copy(os.path.join(T, "grant.json.sig"), os.path.join(T, "altered.json.sig"))
    both = subprocess.run([CORDON, "verify", "--allowed-signers", os.path.join(T, "allowed_signers"),
                           "-I", approver.email, "-n", ns, os.path.join(T, "grant.json"),
                           os.path.join(T, "altered.json")], capture_output=True, text=True)
    ex.check(both.returncode == 3 and both.stdout.count("Good") == 1 and "altered.json" in both.stderr,
             f"several files in one run: {both.returncode} {both.stdout} {both.stderr}")
    srv.stop()
    print(f"web_ui.py: {ex.checks} checks passed")


try:
    main()
finally:
    for p in ex.servers:
        if p.poll() is None:
            p.kill()
            p.wait()
