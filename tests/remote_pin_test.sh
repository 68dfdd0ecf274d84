#!/usr/bin/env bash
# `cordon remote` trusts an exchange through a pin on its public key, kept
# per host:port; it sends nothing to a key nobody vouched for, and plain
# http:// only to this machine (F17, F24, code review point 5). The
# "exchanges" here are listeners that record every connection and request.
. "$(dirname "$0")/lib.sh"
export XDG_CONFIG_HOME="$T/cfg"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$T"' EXIT
listen() {  # listen NAME [CERT KEY]: a listener logging to NAME.log; sets $port
  rm -f "$1.port"
  python3 "$HERE/listener.py" "$1.port" "$1.log" "${@:2}" &
  pids+=($!)
  for _ in $(seq 50); do [ -s "$1.port" ] && break; sleep 0.1; done
  [ -s "$1.port" ] || fail "listener $1 did not start"
  port=$(cat "$1.port")
  touch "$1.log"
}
stop_listeners() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; pids=(); }
requests() { grep -c '^request' "$1.log" || true; }
spki() { openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1; }
der() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }
selfsigned() {  # selfsigned KEY CERT
  openssl req -x509 -key "$1" -out "$2" -days 30 -subj /CN=exchange \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
}
# Nothing on a terminal: a key met for the first time cannot be confirmed.
no_tty() { setsid -w "$@"; }
# On a terminal, answering $ANSWER to the fingerprint question.
on_tty() {
  ANSWER=$1 python3 - "${@:2}" <<'PY'
import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
seen = b""
while True:
    if not select.select([fd], [], [], 30)[0]:
        break
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    if seen.endswith(b"Type yes to pin it: "):
        os.write(fd, os.environ["ANSWER"].encode() + b"\n")
sys.stderr.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
PY
}
echo "violet tram seventeen lanterns" >pw
# A login with a password and a code: what must never reach the wrong server.
cat >login <<SH
#!/bin/sh
exec "$CORDON" remote --server "\$@" login --email rachel@lab42.example --password-stdin \\
  --code 123456 <"$T/pw"
SH
chmod +x login

# ---- F17: plain http:// only to exactly localhost, 127.0.0.0/8 and [::1] ----
listen plain
if unshare -m true 2>/dev/null; then
  # A private /etc/hosts sends the look-alike names to the listener.
  printf '127.0.0.1 localhost.attacker.example 127.0.0.1.attacker.example\n' >hosts
  with_hosts() { unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$T/hosts" "$@"; }
  with_hosts curl -s -o /dev/null "http://localhost.attacker.example:$port/probe" ||
    fail "the private /etc/hosts does not work"
  grep -q '^request GET /probe' plain.log || fail "the look-alike name does not reach the listener"
  : >plain.log
  for host in localhost.attacker.example 127.0.0.1.attacker.example; do
    expect_code 3 with_hosts $CORDON remote --server "http://$host:$port" login \
      --email rachel@lab42.example --password-stdin --code 123456 <pw
    expect_stderr "reached over https:// only"
  done
  [ -s plain.log ] && fail "a connection reached the look-alike host: $(cat plain.log)"
  pass
else
  echo "remote_pin_test: no mount namespace here; the look-alike host names are checked by net_test" >&2
fi
expect_code 2 $CORDON remote --server "http://localhost@127.0.0.1:$port" list
expect_code 3 $CORDON remote --server "http://127.1:$port" list
[ -s plain.log ] && fail "a connection arrived: $(cat plain.log)"
expect_code 0 ./login "http://LOCALHOST:$port"   # loopback, by name: allowed
[ "$(requests plain)" = 1 ] || fail "the loopback login did not arrive"
pass

# ---- a first-seen key: nothing is sent unless someone vouches for it ----
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out a.key 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out b.key 2>/dev/null
selfsigned a.key a1.pem
selfsigned a.key a2.pem   # a renewal: same key, another certificate
selfsigned b.key b.pem    # an impostor
[ "$(der a1.pem)" != "$(der a2.pem)" ] || fail "the renewal is the same certificate"
fa=$(spki a1.pem)
listen tls a1.pem a.key
P=$port
expect_code 3 no_tty ./login "https://127.0.0.1:$P"
expect_stderr "--fingerprint"
expect_stderr "nothing was sent"
[ "$(requests tls)" = 0 ] || fail "credentials went to an unconfirmed key: $(cat tls.log)"
grep -q "$fa" cfg/cordon/remote.json 2>/dev/null && fail "an unconfirmed key was pinned"
expect_code 3 on_tty no $CORDON remote --server "https://127.0.0.1:$P" list
[ "$(requests tls)" = 0 ] || fail "a request went to a key the person did not confirm"
# Vouched for with --fingerprint (what `cordon serve` prints): pinned, sent.
expect_code 0 ./login "https://127.0.0.1:$P" --fingerprint "$fa"
[ "$(requests tls)" = 1 ] || fail "the login did not arrive"
python3 - "$fa" "127.0.0.1:$P" <<'PY' || fail "pin not stored on the host:port and key"
import json, os, sys
s = json.load(open(os.environ["XDG_CONFIG_HOME"] + "/cordon/remote.json"))
assert s["pins"][sys.argv[2]] == {"key_sha256": sys.argv[1]}, s
PY
expect_code 0 $CORDON remote --server "https://127.0.0.1:$P/" list   # the pin, no flag
pass

# F24: https://localhost:P is another host: its pin is not 127.0.0.1's.
n=$(requests tls)
expect_code 3 no_tty $CORDON remote --server "https://localhost:$P" list
expect_stderr "first connection to localhost:$P"
[ "$(requests tls)" = "$n" ] || fail "a new host name was trusted on first use"
# A person on a terminal confirms it.
expect_code 0 on_tty yes $CORDON remote --server "https://localhost:$P" list
grep -q "localhost:$P" cfg/cordon/remote.json || fail "the confirmed key was not pinned"
expect_code 0 no_tty $CORDON remote --server "https://localhost:$P" list
pass

# The same key in a renewed certificate, on the same port: accepted.
stop_listeners
LISTEN_PORT=$P listen tls a2.pem a.key
n=$(requests tls)
expect_code 0 $CORDON remote --server "https://127.0.0.1:$P" list
[ "$(requests tls)" = $((n + 1)) ] || fail "the renewed certificate was not used"
# Another key on the pinned host:port: refused before any request.
stop_listeners
LISTEN_PORT=$P listen tls b.pem b.key
n=$(requests tls)
expect_code 3 ./login "https://127.0.0.1:$P"
expect_stderr "not the pinned"
expect_code 3 ./login "https://localhost:$P"
[ "$(requests tls)" = "$n" ] || fail "the impostor got a request: $(cat tls.log)"
pass

# A pin stored by an older cordon (the certificate's SHA-256, per URL) is
# upgraded to the key's on the next connection that matches it.
stop_listeners
LISTEN_PORT=$P listen tls a2.pem a.key
export XDG_CONFIG_HOME="$T/old"
mkdir -p old/cordon
printf '{"servers":{"https://127.0.0.1:%s":{"fingerprint":"%s","token":"t"}}}\n' "$P" "$(der a2.pem)" \
  >old/cordon/remote.json
expect_code 0 no_tty $CORDON remote --server "https://127.0.0.1:$P" list
expect_stderr "the pin is now its key's"
python3 - "$fa" "127.0.0.1:$P" "https://127.0.0.1:$P" <<'PY' || fail "legacy pin not upgraded"
import json, os, sys
s = json.load(open(os.environ["XDG_CONFIG_HOME"] + "/cordon/remote.json"))
assert s["pins"][sys.argv[2]] == {"key_sha256": sys.argv[1]}, s
assert s["servers"][sys.argv[3]] == {"token": "t"}, s
PY
# An old pin of another certificate is refused, as before.
printf '{"servers":{"https://127.0.0.1:%s":{"fingerprint":"%s"}}}\n' "$P" "$(der a1.pem)" \
  >old/cordon/remote.json
expect_code 3 no_tty $CORDON remote --server "https://127.0.0.1:$P" list
expect_stderr "not the pinned"
stop_listeners
done_ok
