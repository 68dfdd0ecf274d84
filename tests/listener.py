#!/usr/bin/env python3
"""A stand-in for an exchange (or an impostor) that records what reaches it.

usage: [LISTEN_PORT=N] listener.py PORT_FILE LOG_FILE [CERT KEY]

Listens on 127.0.0.1 (port $LISTEN_PORT, else any free port; written to PORT_FILE), over TLS when
CERT and KEY are given. Appends "connect" to LOG_FILE for each connection
and "request METHOD PATH BODY" for each request, then answers 200 with a
JSON body that fits any `cordon remote` command. Tests read LOG_FILE to
prove that nothing (or nothing secret) was sent.
"""
import http.server
import os
import json
import socketserver
import ssl
import sys

port_file, log_file = sys.argv[1], sys.argv[2]


def log(line):
    with open(log_file, "a") as f:
        f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode(errors="replace")
        log("request %s %s %s" % (self.command, self.path, body))
        out = json.dumps({"packages": [], "grants": [], "logins": [], "token": "t",
                          "account": {"email": "x@lab42.example", "role": "recipient"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = answer

    def log_message(self, *a):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def get_request(self):
        sock, addr = self.socket.accept()
        log("connect")
        if len(sys.argv) > 4:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(sys.argv[3], sys.argv[4])
            sock = ctx.wrap_socket(sock, server_side=True)
        return sock, addr

    def handle_error(self, request, client_address):
        pass  # a client that drops the handshake is what some tests expect


s = Server(("127.0.0.1", int(os.environ.get("LISTEN_PORT", "0"))), Handler)
open(port_file + ".tmp", "w").write(str(s.server_address[1]))
os.rename(port_file + ".tmp", port_file)
s.serve_forever()
