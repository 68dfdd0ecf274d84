#!/usr/bin/env python3
"""Helpers for bench/exchange_vs_nginx.sh, talking to a running exchange.

  setup URL CA DATA_DIR CORDON PKG_DIR   -> JSON {operator, recipient, package} (tokens, id)
  idle URL CA N TOKEN PACKAGE PID        -> holds N idle TLS connections, then times one
                                            request and reads the server's RSS
"""
import base64, hmac, http.client, json, os, socket, ssl, struct, subprocess, sys, time

PASSWORD = "violet tram seventeen lanterns"


def totp(secret, step=0):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30 + step), "sha1").digest()
    o = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def request(url, ctx, method, path, token=None, body=None, raw=None):
    host, port = url.split("://")[1].rsplit(":", 1)
    c = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=600)
    h = {"Authorization": "Bearer " + token} if token else {}
    c.request(method, path, body=raw if raw is not None else json.dumps(body or {}), headers=h)
    r = c.getresponse()
    data = r.read()
    if r.status >= 300:
        sys.exit(f"{method} {path}: {r.status} {data[:300]}")
    return json.loads(data)


def setup(url, ca, data, cordon, pkg):
    ctx = ssl.create_default_context(cafile=ca)
    tokens = {}
    # The recipient sees the package: bound to the age recipient it is sealed to.
    sealed_to = json.load(open(os.path.join(pkg, "manifest.json")))["recipients"][0]
    for name, role in [("olivier", "operator"), ("rachel", "recipient"), ("amelie", "approver")]:
        bind = ["--recipient", sealed_to] if role == "recipient" else []
        enrol = subprocess.run([cordon, "admin", "user", "add", "--data", data, "--name",
                                name.title() + " Bench", "--email", f"{name}@lab42.example",
                                "--role", role, "--expires", time.strftime("%Y-%m-%d", time.gmtime(time.time() + 300 * 86400)), *bind],
                               capture_output=True, text=True, check=True).stdout.strip()
        secret = request(url, ctx, "POST", "/api/v1/enrol/begin", body={"token": enrol})["secret"]
        request(url, ctx, "POST", "/api/v1/enrol/finish",
                body={"token": enrol, "password": PASSWORD, "code": totp(secret)})
        tokens[role] = request(url, ctx, "POST", "/api/v1/login",
                               body={"email": f"{name}@lab42.example", "password": PASSWORD,
                                     "code": totp(secret, 1)})["token"]
    up = request(url, ctx, "POST", "/api/v1/uploads", tokens["operator"])["upload"]
    for name in sorted(os.listdir(pkg)):
        host, port = url.split("://")[1].rsplit(":", 1)
        c = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=600)
        path = os.path.join(pkg, name)
        with open(path, "rb") as f:
            c.request("PUT", f"/api/v1/uploads/{up}/files/{name}", body=f,
                      headers={"Authorization": "Bearer " + tokens["operator"],
                               "Content-Length": str(os.path.getsize(path))})
            r = c.getresponse()
            r.read()
            if r.status != 201:
                sys.exit(f"upload {name}: {r.status}")
    package = request(url, ctx, "POST", f"/api/v1/uploads/{up}/commit", tokens["operator"])["id"]
    grant = request(url, ctx, "POST", "/api/v1/grants", tokens["recipient"],
                    {"package": package, "reason": "benchmark download", "duration_hours": 24})
    request(url, ctx, "POST", f"/api/v1/grants/{grant['id']}/approve", tokens["approver"])
    print(json.dumps({"operator": tokens["operator"], "recipient": tokens["recipient"],
                      "package": package}))


def rss_kib(pid, field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def idle(url, ca, n, token, package, pid):
    ctx = ssl.create_default_context(cafile=ca)
    host, port = url.split("://")[1].rsplit(":", 1)
    held = []
    t0 = time.monotonic()
    for _ in range(n):
        s = socket.create_connection((host, int(port)), timeout=30)
        held.append(ctx.wrap_socket(s, server_hostname=host))  # handshake done, then silence
    opened = time.monotonic() - t0
    t1 = time.monotonic()
    request(url, ctx, "GET", f"/api/v1/packages/{package}", token)
    latency = time.monotonic() - t1
    rss = rss_kib(pid, "VmRSS")
    # Still open? (each must answer a request: the server kept them)
    alive = 0
    for s in held[:50]:
        s.sendall(f"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        alive += s.recv(12).startswith(b"HTTP/1.1 200")
    for s in held:
        s.close()
    print(json.dumps({"connections": n, "open_seconds": round(opened, 2),
                      "request_ms_while_held": round(latency * 1000, 1),
                      "rss_kib_while_held": rss, "sampled_alive": f"{alive}/50"}))


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(*sys.argv[2:7])
    elif sys.argv[1] == "idle":
        idle(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6], int(sys.argv[7]))
