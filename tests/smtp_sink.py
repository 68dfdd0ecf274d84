"""A small SMTP relay for the tests, on loopback: it speaks enough of RFC 5321
(EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for a real
client (libcurl, through `cordon serve`) and keeps what it received. Written
for the tests because Debian's Python has no STARTTLS-capable server
(smtpd is deprecated and has none).

    sink = SmtpSink(cert_pem, key_pem, user="cordon", password="pw").start()
    ... sink.port ... sink.messages  (dicts: from, to, tls, user, data)
    sink.stop()
"""
import base64, datetime, os, socket, socketserver, ssl, threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def make_ca_and_cert(directory, host="localhost"):
    """A CA and a certificate for `host` it signs (PEM files in `directory`);
    returns (ca_pem, cert_pem, key_pem)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test relay CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = [os.path.join(directory, n) for n in ("relay-ca.pem", "relay.pem", "relay.key")]
    open(paths[0], "wb").write(ca.public_bytes(serialization.Encoding.PEM))
    open(paths[1], "wb").write(cert.public_bytes(serialization.Encoding.PEM))
    open(paths[2], "wb").write(key.private_bytes(serialization.Encoding.PEM,
                                                 serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    return paths


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        sink = self.server.sink
        conn = self.request
        conn.settimeout(30)
        reader = conn.makefile("rb")
        tls, user, sender, rcpts = False, None, None, []

        def send(*lines):
            conn.sendall(b"".join(l.encode() + b"\r\n" for l in lines))

        send("220 sink.test ESMTP")
        while True:
            raw = reader.readline(4096)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            sink.commands.append(line if verb != "AUTH" else "AUTH ...")
            if verb in ("EHLO", "HELO"):
                caps = ["250-sink.test"]
                if sink.ctx and not tls:
                    caps.append("250-STARTTLS")
                if sink.user and (tls or not sink.ctx):
                    caps.append("250-AUTH PLAIN")
                send(*caps, "250 8BITMIME")
            elif verb == "STARTTLS" and sink.ctx and not tls:
                send("220 go ahead")
                conn = sink.ctx.wrap_socket(conn, server_side=True)
                reader = conn.makefile("rb")
                tls, user, sender, rcpts = True, None, None, []
            elif verb == "AUTH" and sink.user:
                parts = line.split(" ")
                if len(parts) == 3:
                    response = parts[2]
                else:
                    send("334 ")
                    response = reader.readline(4096).decode().strip()
                try:
                    _, name, password = base64.b64decode(response).decode().split("\0")
                except ValueError:
                    send("501 malformed")
                    continue
                if (name, password) == (sink.user, sink.password):
                    user = name
                    send("235 authenticated")
                else:
                    send("535 bad credentials")
            elif verb == "MAIL":
                if sink.user and not user:
                    send("530 authentication required")
                    continue
                sender, rcpts = line[len("MAIL FROM:"):].split(" ")[0], []
                send("250 ok")
            elif verb == "RCPT":
                rcpts.append(line[len("RCPT TO:"):].split(" ")[0])
                send("250 ok")
            elif verb == "DATA":
                send("354 end with a dot")
                data = b""
                while True:
                    chunk = reader.readline(1 << 20)
                    if not chunk or chunk == b".\r\n":
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                sink.messages.append({"from": sender, "to": rcpts, "tls": tls, "user": user,
                                      "data": data})
                send("250 queued")
            elif verb in ("RSET", "NOOP"):
                send("250 ok")
            elif verb == "QUIT":
                send("221 bye")
                return
            else:
                send("502 not implemented")


class SmtpSink:
    def __init__(self, cert=None, key=None, user=None, password=None):
        self.ctx = None
        if cert:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(cert, key)
        self.user, self.password = user, password
        self.messages, self.commands = [], []

    def start(self):
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
