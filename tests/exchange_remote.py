#!/usr/bin/env python3
"""Vendor remote maintenance against a real `cordon serve`: an operator of a
vendor asks for a target, the hospital's two approvers open it (N of M), the
certificate the exchange signs reads as specified with ssh-keygen -L, the
bastion's machine token (and only it) reaches the login check and the
session calls, and a suspension cuts everything at once.

Usage: exchange_remote.py CORDON_BINARY SCRATCH_DIR
"""
import json, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exchange_attack as ex  # noqa: E402  (the server and person helpers)

check, run = ex.check, ex.run
RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"


def keygen(name):
    path = os.path.join(ex.T, name)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path],
                   check=True)
    return open(path + ".pub").read().strip()


def cert_fields(line, name):
    path = os.path.join(ex.T, name + "-cert.pub")
    open(path, "w").write(line + "\n")
    out = subprocess.run(["ssh-keygen", "-L", "-f", path], capture_output=True, text=True)
    check(out.returncode == 0, f"ssh-keygen -L does not read {name}: {out.stderr}")
    return out.stdout


def main():
    os.makedirs(ex.T, exist_ok=True)
    os.environ["CORDON_LEDGER"] = os.path.join(ex.T, "ledger")
    run("ledger", "init", "--dir", os.environ["CORDON_LEDGER"], "--origin", "test.example/l")
    config = os.path.join(ex.T, "serve.toml")
    open(config, "w").write(f'[remote]\nbastion_address = "bastion.chu.example:22"\n'
                            f'bastion_source_address = "10.1.0.5"\n'
                            f'recording_recipients = ["{RECIPIENT}"]\n')
    srv = ex.Server(ex.D, "--config", config).start()
    victor = ex.Person(srv, "victor", "operator", "--organisation", "Vendor SA", "--on-call")
    anne = ex.Person(srv, "anne", "approver", "--organisation", "CHU Exemple")
    bruno = ex.Person(srv, "bruno", "approver", "--organisation", "CHU Exemple")
    vera = ex.Person(srv, "vera", "approver", "--organisation", "Vendor SA")
    run("admin", "target", "add", "--data", ex.D, "--name", "pacs01", "--address", "10.1.2.3:22",
        "--principal", "pacs01", "--organisation", "CHU Exemple", "--approvals", "2")
    token_file = os.path.join(ex.T, "bastion.token")
    run("admin", "bastion", "add", "--data", ex.D, "--name", "bastion01", "-o", token_file)
    machine = open(token_file).read().strip()
    cas = [l for l in run("admin", "ca", "show", "--data", ex.D).stdout.splitlines()
           if l.startswith("ssh-ed25519 ")]
    check(len(cas) == 2, f"ca show: {cas}")
    user_ca_fp = subprocess.run(["ssh-keygen", "-l", "-f", "/dev/stdin"], input=cas[0],
                                capture_output=True, text=True).stdout.split()[1]
    egress_ca_fp = subprocess.run(["ssh-keygen", "-l", "-f", "/dev/stdin"], input=cas[1],
                                  capture_output=True, text=True).stdout.split()[1]

    # The request, and N of M approvals by the target's organisation only.
    st, g = srv.request("POST", "/api/v1/grants", victor.token,
                        {"target": "pacs01", "reason": "replace the PACS disk controller",
                         "duration_hours": 2, "ticket": "CHG-2027-0117"})
    check(st == 201 and g["status"] == "requested", f"target grant: {st} {g}")
    gid = g["id"]
    st, j = srv.request("POST", f"/api/v1/grants/{gid}/approve", vera.token, {})
    check(st == 403 and "CHU Exemple" in j["error"], f"the vendor's approver: {st} {j}")
    st, j = srv.request("POST", f"/api/v1/grants/{gid}/approve", anne.token, {})
    check(st == 200 and j["status"] == "requested" and j["approvals"] == [j["approver_id"]],
          f"first of two approvals: {st} {j}")
    st, j = srv.request("POST", f"/api/v1/grants/{gid}/approve", anne.token, {})
    check(st == 403, f"the same approver twice: {st} {j}")
    st, j = srv.request("POST", f"/api/v1/grants/{gid}/approve", bruno.token, {})
    check(st == 200 and j["status"] == "approved" and j["open_now"], f"second approval: {st} {j}")

    # The certificate, read by ssh-keygen.
    pub = keygen("victor")
    st, c = srv.request("POST", f"/api/v1/grants/{gid}/ssh-certificate", anne.token,
                        {"public_key": pub})
    check(st == 403, f"a certificate for an approver: {st}")
    st, c = srv.request("POST", f"/api/v1/grants/{gid}/ssh-certificate", victor.token,
                        {"public_key": pub})
    check(st == 201, f"certificate: {st} {c}")
    me = srv.request("GET", "/api/v1/me", victor.token)[1]
    key_id = f"grant-{gid} account-{me['id']} order=CHG-2027-0117"
    check(c["key_id"] == key_id and c["bastion"] == "bastion.chu.example:22", f"answer: {c}")
    fields = cert_fields(c["certificate"], "victor")
    check(f'Key ID: "{key_id}"' in fields, fields)
    check(f"Serial: {c['serial']}" in fields, fields)
    check(f"Signing CA: ED25519 {user_ca_fp}" in fields, f"signed by the user CA: {fields}")
    after_principals = fields.split("Principals:")[1]
    check(after_principals.split("Critical Options:")[0].split() == ["bastion"], fields)
    check(after_principals.split("Critical Options:")[1].split("Extensions:")[0].split() ==
          ["(none)"], f"no critical option without an allow-list: {fields}")
    check(fields.split("Extensions:")[1].split() == ["permit-pty"], f"extensions: {fields}")
    st, c2 = srv.request("POST", f"/api/v1/grants/{gid}/ssh-certificate", victor.token,
                         {"public_key": pub})
    check(st == 201 and c2["serial"] != c["serial"], "serials are unique")

    # The bastion: its token, never a person's; a person's routes never for it.
    fp = subprocess.run(["ssh-keygen", "-l", "-f", os.path.join(ex.T, "victor.pub")],
                        capture_output=True, text=True).stdout.split()[1]
    login = {"user": "maint", "key_id": key_id, "serial": c["serial"], "fingerprint": fp}
    st, _ = srv.request("POST", "/api/v1/bastion/login", victor.token, login)
    check(st == 401, f"a person's session on the bastion's route: {st}")
    st, _ = srv.request("GET", "/api/v1/grants", machine)
    check(st == 401, f"a machine token on a person's route: {st}")
    st, j = srv.request("POST", "/api/v1/bastion/login", machine, login)
    check(st == 200 and j["allow"] is True and j["principal"] == "bastion", f"login: {st} {j}")
    st, j = srv.request("POST", "/api/v1/bastion/login", machine, dict(login, serial=c["serial"] + 100))
    check(st == 200 and j["allow"] is False, f"an unknown serial: {st} {j}")

    egress_pub = keygen("egress")
    st, s = srv.request("POST", "/api/v1/bastion/sessions", machine,
                        {"key_id": key_id, "serial": c["serial"], "fingerprint": fp,
                         "client": "203.0.113.9 5022 22", "egress_public_key": egress_pub})
    check(st == 201 and s["recipients"] == [RECIPIENT] and s["target"]["address"] == "10.1.2.3:22",
          f"session: {st} {s}")
    fields = cert_fields(s["egress_certificate"], "egress")
    check(f"Signing CA: ED25519 {egress_ca_fp}" in fields, f"signed by the egress CA: {fields}")
    check(fields.split("Principals:")[1].split("Critical Options:")[0].split() == ["pacs01"], fields)
    check("source-address 10.1.0.5/32" in fields, f"source-address: {fields}")
    sid = s["session"]
    st, j = srv.request("GET", f"/api/v1/bastion/sessions/{sid}", machine)
    check(st == 200 and j["open"] is True, f"live session: {st} {j}")

    # The emergency cut-off: the live session closes, the next login is refused.
    run("admin", "organisation", "suspend", "--data", ex.D, "Vendor SA", "--reason", "breach")
    st, j = srv.request("GET", f"/api/v1/bastion/sessions/{sid}", machine)
    check(st == 200 and j["open"] is False and "revoked" in j["reason"], f"after suspend: {j}")
    st, j = srv.request("POST", "/api/v1/bastion/login", machine, login)
    check(j["allow"] is False, f"login after suspend: {j}")
    st, j = srv.request("POST", f"/api/v1/bastion/sessions/{sid}/end", machine,
                        {"chunks": 1, "bytes": 10, "head": "a" * 64, "duration_seconds": 3,
                         "reason": "grant revoked", "exit_status": 0})
    check(st == 200, f"end: {st} {j}")
    st, krl = srv.request("GET", "/api/v1/bastion/krl", machine)
    check(st == 200 and sorted(krl["serials"]) == sorted([c["serial"], c2["serial"]]),
          f"krl: {krl}")
    # The alert comes from the server's sweep (run at start, then every minute).
    srv.stop()
    srv = ex.Server(ex.D, "--config", config).start()
    check(ex.alerts(ex.D, "organisation_suspended") == 1, "one organisation_suspended alert")
    # (Sessions are in the database: they outlive the restart.)
    st, j = srv.request("POST", "/api/v1/organisations/Vendor%20SA/resume", vera.token, {})
    check(st == 403, f"a vendor lifting its own suspension: {st} {j}")
    st, j = srv.request("POST", "/api/v1/organisations/Vendor%20SA/resume", anne.token, {})
    check(st == 403, f"a resume before the exchange's admin asked for it: {st} {j}")
    run("admin", "organisation", "resume", "--data", ex.D, "Vendor SA")
    st, j = srv.request("POST", "/api/v1/organisations/Vendor%20SA/resume", anne.token, {})
    check(st == 200, f"resume: {st} {j}")
    srv.stop()
    ledger = run("ledger", "show", "--ledger", os.path.join(ex.D, "ledger"), "--json").stdout
    for action in ("exchange.grant.approve", "exchange.ssh.certificate", "exchange.bastion.login",
                   "exchange.session.start", "exchange.session.end", "admin.organisation.suspend",
                   "exchange.organisation.resume"):
        check(f'"action":"{action}"' in ledger, f"{action} not in the ledger")
    check(pub.split()[1] not in ledger, "a public key in the ledger")
    check(machine not in ledger, "the machine token in the ledger")
    run("ledger", "verify", "--ledger", os.path.join(ex.D, "ledger"))
    print(f"exchange_remote: {ex.checks} checks passed")


if __name__ == "__main__":
    try:
        main()
    finally:
        for proc in ex.servers:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
