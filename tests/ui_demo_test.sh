#!/usr/bin/env bash
# `make ui-demo` (scripts/ui-demo): the exchange it starts answers the pages,
# its DPO logs in and finds the order waiting, its approver the request;
# Ctrl-C stops it with exit 0 and leaves nothing behind (no scratch
# directory, no server on the port).
. "$(dirname "$0")/lib.sh"
python3 - "$HERE/../scripts/ui-demo" "$CORDON" "$T" <<'PY'
import json, os, signal, socket, ssl, subprocess, sys, time, urllib.request
script, cordon, T = sys.argv[1:4]
def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
ready = os.path.join(T, "ready.json")
scratch = os.path.join(T, "tmp")
os.makedirs(scratch)
env = dict(os.environ, UI_PORT=str(port), UI_DEMO_READY=ready, TMPDIR=scratch)
demo = subprocess.Popen(["bash", script, cordon], env=env, stdout=subprocess.PIPE, text=True)
try:
    for _ in range(1200):
        if os.path.exists(ready) and os.path.getsize(ready) > 0 or demo.poll() is not None:
            break
        time.sleep(0.1)
    if demo.poll() is not None or not os.path.exists(ready):
        fail(f"ui-demo did not get ready (exit {demo.poll()})")
    accounts = json.load(open(ready))
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # the demo's own certificate
    def call(method, path, token=None, body=None):
        req = urllib.request.Request(f"https://127.0.0.1:{port}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
        try:
            with urllib.request.urlopen(req, context=ctx) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
    st, page = call("GET", "/ui/")
    if st != 200 or b"/ui/app.js" not in page:
        fail(f"the pages: {st}")
    def login(name, offset=1):
        code = subprocess.run(["python3", os.path.join(os.path.dirname(script), "..", "tests", "totp.py"),
                               accounts[name], str(offset)], capture_output=True, text=True).stdout.strip()
        st, body = call("POST", "/api/v1/login", body={"email": f"{name}@chu-exemple.example",
                        "password": "violet tram seventeen lanterns", "code": code})
        if st != 200:
            fail(f"{name} cannot log in with what the demo printed: {st} {body}")
        return json.loads(body)["token"]
    st, orders = call("GET", "/api/v1/orders", login("dora"))
    if st != 200 or b"LAB42-MIGRATION-2021-03" not in orders:
        fail(f"the DPO's orders: {st} {orders[:300]}")
    st, grants = call("GET", "/api/v1/grants", login("anne"))
    if st != 200 or b"pacs01" not in grants:
        fail(f"the approver's requests: {st} {grants[:300]}")
    printed = ""
    while "Ctrl-C stops" not in printed:  # the last line it prints before serving
        line = demo.stdout.readline()
        if not line:
            break
        printed += line
    if f"https://localhost:{port}/ui/" not in printed or "--ignore-certificate-errors-spki-list=" not in printed:
        fail(f"what the demo printed: {printed}")
finally:
    if demo.poll() is None:
        demo.send_signal(signal.SIGINT)
    try:
        status = demo.wait(timeout=30)
    except subprocess.TimeoutExpired:
        demo.kill()
        fail("ui-demo did not stop on Ctrl-C")
if status != 0:
    fail(f"ui-demo exited {status} on Ctrl-C")
if os.listdir(scratch):
    fail(f"ui-demo left {os.listdir(scratch)}")
with socket.socket() as s:
    if s.connect_ex(("127.0.0.1", port)) == 0:
        fail("the demo's exchange still listens")
print("ui_demo_test: 7 checks passed")
PY
