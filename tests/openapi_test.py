#!/usr/bin/env python3
"""docs/openapi.yaml is what the server does.

Statically, against the router's own table (`cordon serve --print-routes`):
every operation of the spec exists in the router and the reverse, with the
same roles (x-roles) and the same public ones (security: []). Live, against a
real server: every operation answers, for no session and for each role, only
status codes the spec lists for it, every error with a `code` the spec's
Error schema names.

Usage: openapi_test.py CORDON_BINARY SCRATCH_DIR
"""
import json, os, subprocess, sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exchange_attack as ex  # noqa: E402  (the server and person helpers)

HERE = os.path.dirname(os.path.abspath(__file__))
spec = yaml.safe_load(open(os.path.join(HERE, "..", "docs", "openapi.yaml")))
routes = json.loads(subprocess.run([ex.CORDON, "serve", "--print-routes"], capture_output=True,
                                   text=True, check=True).stdout)
METHODS = ("get", "post", "put", "delete", "patch")

operations = {}
for path, item in spec["paths"].items():
    for method, op in item.items():
        if method in METHODS:
            operations[(method.upper(), path)] = op
router = {(r["method"], r["path"]): r for r in routes}

ex.check(set(operations) == set(router),
         f"spec and router differ: only in the spec {sorted(set(operations) - set(router))}, "
         f"only in the router {sorted(set(router) - set(operations))}")
codes_named = set(spec["components"]["schemas"]["Error"]["properties"]["code"]["enum"])
for key, op in operations.items():
    r = router[key]
    public = op.get("security") == []
    ex.check(public == r["public"], f"{key}: public in the spec {public}, in the router {r['public']}")
    ex.check(sorted(op.get("x-roles", [])) == sorted(r["roles"]),
             f"{key}: x-roles {op.get('x-roles')} but the router allows {r['roles']}")
    listed = {str(c) for c in op.get("responses", {})}
    ex.check("default" not in listed and listed, f"{key}: list its status codes, not a default")
    if not public:
        ex.check("401" in listed, f"{key}: a session is needed, 401 is not listed")
    if not public and len(r["roles"]) < 5:
        ex.check("403" in listed, f"{key}: some roles are refused, 403 is not listed")


def call(srv, method, path, token):
    body, raw = ({}, None) if method in ("POST",) else (None, None)
    if method == "PUT":
        raw = b"age-encryption.org/v1\n"
    full = "/api/v1" + path.replace("{id}", "0" * 64).replace("{upload}", "0" * 32) \
        .replace("{name}", "manifest.json").replace("{decision}", "approve")
    if path.startswith("/grants/{id}"):
        full = "/api/v1" + path.replace("{id}", "999999").replace("{decision}", "approve")
    return srv.request(method, full, token, body=body, raw=raw)


os.makedirs(ex.T, exist_ok=True)
os.environ["CORDON_LEDGER"] = os.path.join(ex.T, "ledger")
ex.run("ledger", "init", "--dir", os.environ["CORDON_LEDGER"], "--origin", "test.example/l")
srv = ex.Server(ex.D).start()
ex.servers.append(srv.proc)
try:
    people = {role: ex.Person(srv, name, role, *extra) for name, role, *extra in [
        ("olivier", "operator"), ("amelie", "approver"), ("rachel", "recipient"),
        ("aude", "auditor"), ("adam", "admin"), ("dora", "dpo", "--organisation", "CHU")]}
    for (method, path), op in sorted(operations.items()):
        if path == "/logout":
            continue  # it would end the session the other calls use; probed last
        listed = {str(c) for c in op["responses"]}
        for who, token in [("no session", None)] + [(r, p.token) for r, p in people.items()]:
            st, j = call(srv, method, path, token)
            ex.check(str(st) in listed, f"{method} {path} as {who}: {st}, the spec lists {listed}")
            if st >= 400:
                ex.check(isinstance(j, dict) and j.get("code") in codes_named,
                         f"{method} {path} as {who}: error without a named code: {j}")
    for role, p in people.items():
        st, _ = srv.request("POST", "/api/v1/logout", p.token, {})
        ex.check(str(st) in {str(c) for c in operations[("POST", "/logout")]["responses"]},
                 f"logout as {role}: {st}")
    srv.stop()
finally:
    for proc in ex.servers:
        if proc.poll() is None:
            proc.kill()
print(f"openapi_test: {len(operations)} operations, {ex.checks} checks passed")
