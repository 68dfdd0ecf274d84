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
import json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.makedirs(sys.argv[2], exist_ok=True)
import exchange_attack as ex  # noqa: E402  (the person helpers, checks, TOTP)
from chromium_cdp import (CHROMIUM, CORDON, T, Browser, dpo_session, free_port,  # noqa: E402
                          order_for_plan, spki_sha256_b64, start_exchange, submit_order)

HOSTILE = "</script><img src=x onerror=alert(1)>"


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
    order = order_for_plan("LAB42-2027", f"Migration {HOSTILE}", plan, {"patients": ["NUM"]})
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
    submit_order(srv, vendor, order, plan)

    b = Browser(spki_sha256_b64(os.path.join(data, "tls", "cert.pem")), T)
    try:
        b.open_tab()
        dpo_session(b, origin, dpo, screenshots=True)
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
