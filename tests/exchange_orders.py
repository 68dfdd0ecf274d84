#!/usr/bin/env python3
"""Orders travel through the exchange (issue 17) against a real `cordon serve`:
a vendor's operator submits an order with its plan (`cordon remote order
submit`), the plan's digest is written into the order and the order keeps
every other byte; a DPO of the controller's organisation lists it, reads it
byte for byte, and is alerted and mailed (through a STARTTLS relay with
AUTH, tests/smtp_sink.py: ids and a link, nothing of the plan); a DPO of
another organisation sees nothing, no mail either; a recipient cannot submit; a resubmission is version 2; hostile ids, oversize
bodies and a plan that is not JSON are refused.

Usage: exchange_orders.py CORDON_BINARY SCRATCH_DIR
"""
import base64, email, email.policy, hashlib, json, os, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exchange_attack as ex  # noqa: E402  (the server and person helpers)
import ledger_verifier as lv  # noqa: E402  (RFC 9162 proofs, written from the specs)
import smtp_sink  # noqa: E402  (a STARTTLS relay on loopback)

check, run = ex.check, ex.run
RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

ORDER = """# The laboratory's order (kept byte for byte, comments included).
[order]
id = "LAB42-MIGRATION-2027"
controller = "CHU Exemple"
processor = "Vendor SA"
purpose = "Migration of the LIS"   # why
contract = "DPA 2027-01"
not_after = 2099-12-31
retention_days = 30
recipients = ["%s"]

[[table]]
name = "patients"
[table.columns]
NUM = "keep"
""" % RECIPIENT

CSV = "NUM;NOM;VILLE\n100234;Dupont;Lyon\n100235;Martin;Paris\n100236;Durand;Lille\n"


def sha256(b):
    return hashlib.sha256(b).hexdigest()


class Cli:
    """A person using `cordon remote` with a session store of their own."""

    def __init__(self, srv, fingerprint, person):
        self.srv, self.fp, self.person = srv, fingerprint, person
        self.env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(ex.T, "cfg-" + person.email))

    def remote(self, *args, ok=True, input=None):
        p = subprocess.run([ex.CORDON, "remote", "--server", self.srv.url, "--fingerprint", self.fp,
                            *args], capture_output=True, text=True, cwd=ex.T, env=self.env,
                           input=input)
        if ok and p.returncode != 0:
            ex.fail(f"cordon remote {' '.join(args)}: {p.stderr}")
        return p

    def login(self):
        # A TOTP step after the last one used (codes are single use).
        p = self.person
        while True:
            now = int(time.time()) // 30
            offset = next((o for o in (-1, 0, 1) if now + o > p.last), None)
            if offset is not None:
                break
            time.sleep(1)
        p.last = now + offset
        self.remote("login", "--email", p.email, "--password-stdin", "--code",
                    ex.totp(p.secret, offset), input=ex.PASSWORD + "\n")
        return self


def main():
    os.makedirs(ex.T, exist_ok=True)
    os.environ["CORDON_LEDGER"] = os.path.join(ex.T, "ledger")
    run("ledger", "init", "--dir", os.environ["CORDON_LEDGER"], "--origin", "test.example/l")
    # The relay the DPOs' notices go through: STARTTLS with a private CA's
    # certificate for "localhost", AUTH PLAIN required.
    ca_pem, relay_cert, relay_key = smtp_sink.make_ca_and_cert(ex.T)
    sink = smtp_sink.SmtpSink(relay_cert, relay_key, user="cordon",
                              password="relay pass phrase").start()
    password_file = os.path.join(ex.T, "relay.password")
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b"relay pass phrase\n")
    os.close(fd)
    config = os.path.join(ex.T, "serve.toml")
    open(config, "w").write(
        "[mail]\n"
        f'relay = "smtp://localhost:{sink.port}"\n'
        'from = "cordon@vendor.example"\n'
        f'ca_file = "{ca_pem}"\n'
        'user = "cordon"\n'
        f'password_file = "{password_file}"\n')
    srv = ex.Server(ex.D, "--config", config).start()
    fp = json.load(open(os.path.join(ex.T, "ready.json")))["fingerprint"]
    victor = ex.Person(srv, "victor", "operator", "--organisation", "Vendor SA", log_in=False)
    dora = ex.Person(srv, "dora", "dpo", "--organisation", "CHU Exemple", log_in=False)
    otto = ex.Person(srv, "otto", "dpo", "--organisation", "Hopital Autre")
    rita = ex.Person(srv, "rita", "recipient", "--organisation", "CHU Exemple")
    audrey = ex.Person(srv, "audrey", "auditor")
    # A DPO is bound to an organisation.
    p = run("admin", "user", "add", "--data", ex.D, "--name", "Nobody Dpo", "--email",
            "nodpo@lab42.example", "--role", "dpo", "--expires", ex.ACCOUNT_END, ok=False)
    check(p.returncode != 0 and "organisation" in p.stderr, f"a dpo without organisation: {p}")
    vendor = Cli(srv, fp, victor).login()
    dpo = Cli(srv, fp, dora).login()

    src = os.path.join(ex.T, "export")
    os.makedirs(src, exist_ok=True)
    open(os.path.join(src, "patients.csv"), "w").write(CSV)
    order_file = os.path.join(ex.T, "order.toml")
    open(order_file, "w").write(ORDER)
    plan_ref = run("plan", "--order", order_file, "--source", src, "--json").stdout

    # ---- submit: the digest is written into the order, nothing else changes ----
    out = vendor.remote("--json", "order", "submit", order_file, "--source", src,
                        "--organisation", "CHU Exemple")
    answer = json.loads(out.stdout)
    check(answer["order_id"] == "LAB42-MIGRATION-2027" and answer["version"] == 1, str(answer))
    check(answer["plan_sha256"] == sha256(plan_ref.encode()),
          "plan_sha256 is the SHA-256 of `cordon plan --json`'s exact bytes")
    submitted = open(order_file, "rb").read()
    digest_line = f'plan_sha256 = "{answer["plan_sha256"]}"\n'.encode()
    check(submitted == ORDER.replace('recipients = ["%s"]\n' % RECIPIENT,
                                     'recipients = ["%s"]\n' % RECIPIENT +
                                     digest_line.decode()).encode(),
          "the order gained one line and kept every other byte:\n" + submitted.decode())
    check(answer["order_sha256"] == sha256(submitted), "the uploaded order is the file's bytes")
    run("order", "check", order_file, "--source", src)  # the parser takes plan_sha256
    # The plan leaves no source value: names are masked, excluded columns absent.
    for value in ("Dupont", "Martin", "Durand", "Lyon", "Paris", "100234"):
        check(value not in plan_ref, f"{value} in the plan")

    # ---- the DPO of the controller's organisation: list, show, bytes identical ----
    listed = json.loads(dpo.remote("--json", "order", "list").stdout)["orders"]
    check([(o["order_id"], o["version"]) for o in listed] == [("LAB42-MIGRATION-2027", 1)],
          f"dpo list: {listed}")
    review = os.path.join(ex.T, "review")
    dpo.remote("order", "show", "LAB42-MIGRATION-2027", "-o", review)
    check(open(os.path.join(review, "order.toml"), "rb").read() == submitted,
          "the DPO reads the order byte for byte")
    plan_seen = open(os.path.join(review, "plan.json"), "rb").read()
    check(plan_seen == plan_ref.encode(), "the DPO reads the plan byte for byte")
    check(f'plan_sha256 = "{sha256(plan_seen)}"'.encode() in submitted,
          "the order's digest is the plan's")
    check(ex.alerts(ex.D, "order_submitted") == 1, "one order_submitted alert")
    alert = [json.loads(l) for l in open(os.path.join(ex.D, "alerts.jsonl"))
             if '"order_submitted"' in l][0]
    check(alert.get("organisation") == "CHU Exemple" and len(alert.get("dpos", [])) == 1 and
          "order submitted for validation" in alert.get("message", ""), f"alert: {alert}")

    # ---- the DPO's mailbox: one notice, over TLS, authenticated ----
    for _ in range(200):
        if sink.messages:
            break
        time.sleep(0.05)
    check(len(sink.messages) == 1, f"one mail for one submission: {sink.messages}")
    mail = sink.messages[0]
    check(mail["to"] == ["<dora@lab42.example>"] and mail["from"] == "<cordon@vendor.example>",
          f"the envelope names the DPO alone: {mail['from']} -> {mail['to']}")
    check(mail["tls"] and mail["user"] == "cordon", "sent after STARTTLS, with AUTH")
    commands = [c.split(" ")[0].upper() for c in sink.commands]
    check(commands.index("STARTTLS") < commands.index("AUTH"),
          f"no credential before TLS: {commands}")
    parsed = email.message_from_bytes(mail["data"], policy=email.policy.default)
    check(parsed["To"] == "dora@lab42.example" and parsed["Auto-Submitted"] == "auto-generated",
          f"headers: {dict(parsed.items())}")
    check("LAB42-MIGRATION-2027 (version 1)" in parsed["Subject"], f"subject: {parsed['Subject']}")
    text = parsed.get_content()
    check("CHU Exemple" in text and "attend votre validation" in text and
          "awaits your validation" in text, f"body: {text}")
    for value in ("Dupont", "Martin", "Lyon", "100234", "NOM", "patients", answer["plan_sha256"]):
        check(value not in text and value not in parsed["Subject"], f"{value} in the DPO's mail")

    # ---- another organisation's DPO sees nothing; a recipient cannot submit ----
    st, j = srv.request("GET", "/api/v1/orders", otto.token)
    check(st == 200 and j["orders"] == [], f"the other DPO's list: {st} {j}")
    st, j = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027", otto.token)
    check(st == 404, f"the other DPO's show: {st} {j}")
    body = {"order_base64": base64.b64encode(submitted).decode(),
            "plan_base64": base64.b64encode(plan_ref.encode()).decode()}
    st, j = srv.request("POST", "/api/v1/orders", rita.token, body)
    check(st == 403, f"a recipient submits: {st} {j}")
    st, j = srv.request("GET", "/api/v1/orders", audrey.token)
    check(st == 200 and len(j["orders"]) == 1, f"the auditor sees all: {st} {j}")
    st, j = srv.request("GET", "/api/v1/orders", rita.token)
    check(st == 403, f"a recipient lists: {st}")

    # ---- resubmission: version 2, version 1 kept ----
    open(os.path.join(src, "patients.csv"), "a").write("100237;Petit;Nice\n")
    answer2 = json.loads(vendor.remote("--json", "order", "submit", order_file, "--source", src,
                                       "--organisation", "CHU Exemple").stdout)
    check(answer2["version"] == 2 and answer2["plan_sha256"] != answer["plan_sha256"],
          f"resubmission: {answer2}")
    resubmitted = open(order_file, "rb").read()
    check(resubmitted == submitted.replace(answer["plan_sha256"].encode(),
                                           answer2["plan_sha256"].encode()),
          "the digest line was replaced in place")
    v1 = os.path.join(ex.T, "v1")
    dpo.remote("order", "show", "LAB42-MIGRATION-2027", "--version", "1", "-o", v1)
    check(open(os.path.join(v1, "order.toml"), "rb").read() == submitted, "version 1 is kept")
    latest = json.loads(dpo.remote("--json", "order", "show", "LAB42-MIGRATION-2027").stdout)
    check(latest["version"] == 2 and latest["plan_sha256"] == answer2["plan_sha256"], str(latest))
    p = dpo.remote("order", "show", "LAB42-MIGRATION-2027", "--version", "3", ok=False)
    check(p.returncode != 0, "no version 3")

    # ---- the order's report: what the DPO signed against what left ----
    dora.login()
    st, rep = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report", dora.token)
    check(st == 200 and rep["packages"] == [] and rep["version"] == 2, f"report before: {st} {rep}")
    table = rep["columns"]["tables"][0]
    check(table["table"] == "patients" and table["columns_left"] == [] and
          table["columns_planned_not_left"] == [] and
          sorted(table["columns_excluded_not_left"]) == ["NOM", "VILLE"],
          f"before any package nothing left: {table}")
    for k in ("ctrl", "vendor"):
        run("sign-keygen", "-o", os.path.join(ex.T, f"{k}.key"))
    run("order", "sign", order_file, "-k", os.path.join(ex.T, "ctrl.key"))
    pkg, v2 = os.path.join(ex.T, "pkg"), os.path.join(ex.T, "v2")
    dpo.remote("order", "show", "LAB42-MIGRATION-2027", "-o", v2)  # the plan signed
    run("extract", "--order", order_file, "--plan", os.path.join(v2, "plan.json"), "--source", src,
        "--controller-key", os.path.join(ex.T, "ctrl.key.pub"), "--signing-key",
        os.path.join(ex.T, "vendor.key"), "--out", pkg)
    run("admin", "processor-key", "add", "--data", ex.D, "--person", "Victor Vendor",
        os.path.join(ex.T, "vendor.key.pub"))
    victor.login()
    ex.upload(srv, victor, pkg, 201)
    st, rep = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report", dora.token)
    check(st == 200 and len(rep["packages"]) == 1, f"report after the upload: {st} {rep}")
    package = rep["packages"][0]
    table = rep["columns"]["tables"][0]
    check(table["columns_left"] == ["NUM"] and table["columns_planned_not_left"] == [] and
          sorted(table["columns_excluded_not_left"]) == ["NOM", "VILLE"] and
          table["columns_left_unplanned"] == [] and table["rows_planned"] == 4,
          f"the columns that left and those that did not: {table}")
    check(package["status"] == "available" and package["recipients"] == [RECIPIENT] and
          package["tables"][0]["columns"] == ["NUM"] and package["downloads"] == [] and
          package["deletion"] is None and package["uploaded_by"]["email"] == victor.email,
          f"the package in the report: {package}")
    # The recipient downloads, then confirms: the report names who, when,
    # and holds the deletion certificate.
    rosa = ex.Person(srv, "rosa", "recipient", "--organisation", "CHU Exemple", "--recipient",
                     RECIPIENT)
    amir = ex.Person(srv, "amir", "approver", "--organisation", "Vendor SA")  # the package's
    pid = package["id"]
    st, g = srv.request("POST", "/api/v1/grants", rosa.token,
                        {"package": pid, "reason": "import into the new LIS", "duration_hours": 2})
    check(st == 201, f"rosa's grant request: {st} {g}")
    st, j = srv.request("POST", f"/api/v1/grants/{g['id']}/approve", amir.token, {})
    check(st == 200, f"the approval: {st} {j}")
    st, _ = srv.request("GET", f"/api/v1/packages/{pid}/files/manifest.json", rosa.token)
    check(st == 200, f"rosa downloads the manifest: {st}")
    st, j = srv.request("POST", f"/api/v1/packages/{pid}/confirm", rosa.token, {})
    check(st == 200, f"rosa confirms: {st} {j}")
    st, rep = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report", dora.token)
    package = rep["packages"][0]
    downloads, deletion = package["downloads"], package["deletion"]
    check(len(downloads) == 1 and downloads[0]["by"]["email"] == rosa.email and
          downloads[0]["bytes"] > 0, f"the download in the report: {downloads}")
    check(package["status"] == "deleted" and deletion["reason"] == "confirmed" and
          deletion["confirmed_by"]["email"] == rosa.email and
          json.loads(deletion["certificate"]["json"])["package"] == pid and
          "untrusted comment" in deletion["certificate"]["signature"],
          f"the deletion and its certificate in the report: {deletion}")
    check(rep["columns"]["tables"][0]["columns_left"] == ["NUM"], "a deleted package still left")

    # The ledger's account: every event under the order, each proven
    # included in the checkpoint signed for this answer (checked here by the
    # independent verifier), and consistent with the last checkpoint seen.
    vkey = run("ledger", "vkey", "--ledger", os.path.join(ex.D, "ledger")).stdout.strip()
    evidence = rep["evidence"]
    size, root = lv.open_checkpoint(evidence["checkpoint"], vkey)
    # Each hash once: the proofs of an order's events share their upper nodes.
    check(evidence["format"] == "cordon-report-evidence-v2", f"evidence {evidence['format']}")
    entries = lv.evidence_entries(evidence)
    check(len(entries) == len(rep["events"]) and
          [index for index, _, _ in entries] == [e["index"] for e in rep["events"]],
          "one proof per event shown")
    for index, entry, proof in entries:
        check(lv.verify_inclusion(index, size, lv.leaf_hash(entry), proof, root),
              f"event {index} is not proven included")
    actions = [json.loads(entry)["action"] for _, entry, _ in entries]
    for action in ("exchange.order.submit", "exchange.upload.commit", "exchange.order.report"):
        check(action in actions, f"{action} in the report's events: {actions}")
    check(rep["consistency"] is None, "no consistency proof without ?since")
    st, rep2 = srv.request("GET", f"/api/v1/orders/LAB42-MIGRATION-2027/report?since={size}",
                           dora.token)
    size2, root2 = lv.open_checkpoint(rep2["evidence"]["checkpoint"], vkey)
    c = rep2["consistency"]
    check(st == 200 and size2 > size and c["old_size"] == size and lv.b64(c["old_root"]) == root and
          lv.verify_consistency(size, size2, root, root2, [lv.b64(h) for h in c["proof"]]),
          f"the ledger grew from the checkpoint seen: {c}")
    st, rep3 = srv.request("GET", f"/api/v1/orders/LAB42-MIGRATION-2027/report?since={size2 + 1000}",
                           dora.token)
    check(st == 200 and rep3["consistency"]["proof"] is None,
          f"a checkpoint seen past the ledger's size: {rep3['consistency']}")
    st, _ = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report?since=x", dora.token)
    check(st == 400, f"a malformed since: {st}")
    st, rep4 = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report?nonce=" + "n" * 22,
                           dora.token)
    last = json.loads(lv.b64(rep4["evidence"]["entries"][-1]["entry"]))
    check(st == 200 and last["action"] == "exchange.order.report" and last["nonce"] == "n" * 22,
          f"the reading is recorded with the reader's nonce, under the checkpoint: {last}")
    st, _ = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report?nonce=short",
                        dora.token)
    check(st == 400, f"a malformed nonce: {st}")
    # The vendor reads its report without the ledger's entries (they name
    # the controller's people and their addresses).
    st, rep5 = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report", victor.token)
    check(st == 200 and rep5["events"] is None and rep5["evidence"] is None and
          len(rep5["packages"]) == 1, f"the vendor's report: {st} {rep5.get('events')}")
    # In French, and as a file: the ledger's sentences in the reader's
    # language; the HTML `cordon report` writes, whose evidence the
    # independent verifier checks; not for the vendor.
    st, fr = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report?lang=fr", dora.token)
    whats = [e["what"] for e in fr["events"]]
    check(st == 200 and any(w.startswith("Le compte ") and " a déposé le paquet " in w
                            for w in whats), f"the events in French: {whats}")
    st, _ = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report?lang=de", dora.token)
    check(st == 400, f"a language the report is not written in: {st}")
    c = srv.connect()
    c.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report?format=html&lang=fr",
              headers={"Authorization": "Bearer " + dora.token})
    r = c.getresponse()
    page = r.read().decode()
    c.close()
    check(r.status == 200 and r.getheader("Content-Type").startswith("text/html") and
          'attachment; filename="report-LAB42-MIGRATION-2027-fr.html"' ==
          r.getheader("Content-Disposition") and '<html lang="fr">' in page and
          "Ce qui a été fait sous l'ordre LAB42-MIGRATION-2027" in page,
          f"the report file: {r.status} {r.getheader('Content-Disposition')} {page[:200]}")
    start = page.index('<script type="application/json" id="cordon-evidence">') + 53
    file_evidence = json.loads(page[start:page.index("</script>", start)].replace("<\\/", "</"))
    fsize, froot = lv.open_checkpoint(file_evidence["checkpoint"], vkey)
    check(file_evidence["format"] == "cordon-report-evidence-v1", "the file's evidence format")
    file_entries = lv.evidence_entries(file_evidence)
    for index, entry, proof in file_entries:
        check(lv.verify_inclusion(index, fsize, lv.leaf_hash(entry), proof, froot),
              f"the file's event {index} is not proven included")
    check(len(file_entries) >= len(rep["events"]), "the file has the order's events")
    st, _ = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report?format=html",
                        victor.token)
    check(st == 403, f"the report file is not the vendor's: {st}")
    # Another vendor's package naming this order is refused: it would enter
    # the order's report as one of its own.
    carl = ex.Person(srv, "carl", "operator", "--organisation", "Other SA")
    pkg2 = os.path.join(ex.T, "pkg2")
    run("extract", "--order", order_file, "--plan", os.path.join(v2, "plan.json"), "--source", src,
        "--controller-key", os.path.join(ex.T, "ctrl.key.pub"), "--signing-key",
        os.path.join(ex.T, "vendor.key"), "--out", pkg2)
    j = ex.upload(srv, carl, pkg2, 422)
    check("another organisation" in j.get("error", ""), f"another vendor's package: {j}")
    st, _ = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report", otto.token)
    check(st == 404, f"another organisation's DPO reads the report: {st}")
    st, _ = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report", rita.token)
    check(st == 403, f"a recipient reads the report: {st}")
    st, rep = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report", audrey.token)
    check(st == 200 and len(rep["packages"]) == 1, f"the auditor reads the report: {st}")
    st, _ = srv.request("GET", "/api/v1/orders/NO-SUCH/report", dora.token)
    check(st == 404, f"the report of no order: {st}")
    # A reader reloading in a loop: each reading is an event under the order,
    # so one account gets 60 an hour; the refusals are not recorded (the
    # report stops growing), and other readers are not held back.
    def report_readings():
        shown = run("ledger", "show", "--ledger", os.path.join(ex.D, "ledger"), "--json").stdout
        return sum(1 for line in shown.splitlines()
                   if json.loads(line).get("action") == "exchange.order.report")
    before, answers = report_readings(), []
    for _ in range(70):
        st, j = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report", dora.token)
        answers.append(st)
        if st == 429:
            break
    check(answers[-1] == 429 and "last hour" in j["error"] and set(answers[:-1]) == {200},
          f"a report read in a loop: {answers[-3:]} {j}")
    check(report_readings() == before + len(answers) - 1,
          "a refused reading was recorded, or a served one was not")
    st, j = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report", dora.token)
    check(st == 429, f"still refused: {st}")
    st, _ = srv.request("GET", "/api/v1/orders/LAB42-MIGRATION-2027/report", audrey.token)
    check(st == 200, f"another reader of the same order: {st}")
    looped_readings = len(answers) - 1 + 1  # dora's served ones, and audrey's

    # ---- attacks ----
    def post(order_bytes, plan_bytes, **extra):
        b = {"order_base64": base64.b64encode(order_bytes).decode(),
             "plan_base64": base64.b64encode(plan_bytes).decode(), **extra}
        return srv.request("POST", "/api/v1/orders", victor_token, b)

    victor_token = victor.token  # logged in for the upload above
    hostile = submitted.replace(b'id = "LAB42-MIGRATION-2027"',
                                b'id = "</script><img src=x onerror=alert(1)>"')
    st, j = post(hostile, plan_ref.encode())
    check(st == 400, f"a hostile order id: {st} {j}")
    for bad_id in (b"../../etc/passwd", b"a b", b"-rf"):
        st, j = post(submitted.replace(b"LAB42-MIGRATION-2027", bad_id), plan_ref.encode())
        check(st == 400, f"order id {bad_id}: {st} {j}")
    not_json = b"this is { not json"
    order_nj = submitted.replace(answer["plan_sha256"].encode(), sha256(not_json).encode())
    st, j = post(order_nj, not_json)
    check(st == 400 and "plan" in j["error"], f"a plan that is not JSON: {st} {j}")
    st, j = post(submitted, plan_ref.encode() + b" ")
    check(st == 400 and "plan_sha256" in j["error"], f"another plan than the digest's: {st} {j}")
    st, j = post(submitted, plan_ref.encode(), organisation="Nobody Inc")
    check(st == 400, f"an unknown organisation: {st} {j}")
    # Oversize: a plan past 8 MiB, and a body past the submission's bound.
    big = b'{"format": "cordon-plan", "pad": "' + b"x" * (8 << 20) + b'"}'
    st, j = post(submitted.replace(answer["plan_sha256"].encode(), sha256(big).encode()), big)
    check(st == 413, f"an oversize plan: {st}")
    # (the head only: the server answers before reading a byte of the body)
    answer413 = srv.raw(b"POST /api/v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                        victor_token.encode() + b"\r\nContent-Type: application/json\r\n"
                        b"Content-Length: " + str(13 << 20).encode() + b"\r\n\r\n{")
    check(answer413.startswith(b"HTTP/1.1 413"), f"an oversize body: {answer413[:200]}")
    st, j = srv.request("POST", "/api/v1/orders", None, body)
    check(st == 401, f"no session: {st}")
    st, j = srv.request("GET", "/api/v1/orders", audrey.token)
    check(len(j["orders"]) == 2, f"nothing stored by the attacks: {j}")

    # ---- the ledger: digests and ids, never the plan's content ----
    srv.stop()
    ledger = run("ledger", "show", "--ledger", os.path.join(ex.D, "ledger"), "--json").stdout
    check(ledger.count('"action":"exchange.order.submit"') >= 2, "order.submit in the ledger")
    check(ledger.count('"action":"exchange.order.report"') == 10 + looped_readings,
          "each reading of a report")
    check(answer["plan_sha256"] in ledger and answer2["plan_sha256"] in ledger, "digests recorded")
    for value in ("Migration of the LIS", "DPA 2027-01", "NUM", "Dupont"):
        check(value not in ledger, f"{value} in the exchange's ledger")
    run("ledger", "verify", "--ledger", os.path.join(ex.D, "ledger"))
    local = run("ledger", "show", "--ledger", os.environ["CORDON_LEDGER"], "--json").stdout
    check('"action":"remote.order.submit"' in local, "the submission is in the vendor's ledger")
    # Every notice went to the controller's DPO: one per order an hour,
    # however many versions were submitted (each is alerted).
    submitted = [json.loads(l) for l in open(os.path.join(ex.D, "alerts.jsonl"))
                 if '"order_submitted"' in l]
    orders = {a["order"] for a in submitted if a["organisation"] == "CHU Exemple"}
    check(len(submitted) > len(orders), f"several versions were submitted: {submitted}")
    time.sleep(1)  # a mail too many would have arrived by now
    check(len(sink.messages) == len(orders) and
          all(m["to"] == ["<dora@lab42.example>"] for m in sink.messages),
          f"mails: {[(m['to']) for m in sink.messages]} for orders {orders}")
    sink.stop()
    print(f"exchange_orders: {ex.checks} checks passed")


if __name__ == "__main__":
    try:
        main()
    finally:
        for proc in ex.servers:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
