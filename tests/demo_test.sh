#!/usr/bin/env bash
# `make run` (scripts/demo) exits 0 after its summary and leaves nothing behind:
# its scratch directory holds an export of patients in clear, the imported
# plaintext, keys and an exchange. Interrupted (Ctrl-C while the exchange
# runs), it exits non-zero, still removes everything and stops its server.
. "$(dirname "$0")/lib.sh"
demo=$HERE/../scripts/demo

# Success: exit 0, the summary printed, the private TMPDIR empty again.
mkdir tmp-ok
code=0
TMPDIR=$T/tmp-ok "$demo" "$CORDON" 2000 >ok.log 2>&1 </dev/null || code=$?
[ "$code" -eq 0 ] || { tail -20 ok.log >&2; fail "scripts/demo exited $code"; }
grep -q "whole story in" ok.log || fail "the demo did not reach its summary"
[ -z "$(ls -A tmp-ok)" ] || fail "scripts/demo left $(ls -A tmp-ok) in TMPDIR"
pass

# Ctrl-C reaches the whole foreground process group: job control (set -m)
# gives the demo one of its own, as a terminal would.
mkdir tmp-int
set -m
TMPDIR=$T/tmp-int "$demo" "$CORDON" 2000 >int.log 2>&1 </dev/null &
demo_pid=$!
set +m
# Wait until the exchange runs, so that the interrupt has a server to stop.
ready=""
for _ in $(seq 600); do
  ready=$(ls tmp-int/*/ready.json 2>/dev/null || true)
  [ -n "$ready" ] && [ -s "$ready" ] && break
  sleep 0.1
done
[ -n "$ready" ] || { kill -TERM -- -"$demo_pid" 2>/dev/null || true; fail "the demo's exchange never started"; }
work=$(dirname "$(realpath "$ready")")
# The servers of this demo: processes running `cordon serve` in its directory.
servers=()
for p in /proc/[0-9]*; do
  [ "$(readlink "$p/cwd" 2>/dev/null)" = "$work" ] || continue
  tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q ' serve ' && servers+=("${p#/proc/}")
done
[ ${#servers[@]} -gt 0 ] || fail "no cordon serve found for the demo (test cannot fail)"
kill -0 "$demo_pid" 2>/dev/null || fail "the demo finished before the interrupt (test cannot fail)"
kill -INT -- -"$demo_pid"
code=0
wait "$demo_pid" || code=$?
[ "$code" -ne 0 ] || fail "an interrupted demo exited 0"
for _ in $(seq 50); do
  alive=0
  for s in "${servers[@]}"; do kill -0 "$s" 2>/dev/null && alive=1; done
  [ "$alive" -eq 0 ] && break
  sleep 0.1
done
[ "$alive" -eq 0 ] || { kill -TERM "${servers[@]}" 2>/dev/null || true; fail "cordon serve survived the interrupt"; }
[ -z "$(ls -A tmp-int)" ] || fail "an interrupted demo left $(ls -A tmp-int) in TMPDIR"
pass
done_ok
