#!/usr/bin/env bash
# Remote maintenance with real sshd processes on loopback (Python driver):
# a bastion and a target started from Debian's openssh-server, test users
# created and removed, every promise of docs/remote-maintenance.md attacked.
# It needs root (test users, sshd): as root it runs; otherwise through
# passwordless sudo; otherwise it says loudly that it did not run.
. "$(dirname "$0")/lib.sh"
driver=(python3 "$HERE/remote_maintenance.py" "$CORDON" "$T/rm")
if [ "$(id -u)" -eq 0 ]; then
  "${driver[@]}"
elif sudo -n true 2>/dev/null; then
  sudo -n env CORDON="$CORDON" CORDON_BASTION="${CORDON_BASTION:-}" \
    CORDON_SANITIZED="${CORDON_SANITIZED:-}" "${driver[@]}"
  sudo -n rm -rf "$T/rm"
else
  echo "remote_maintenance: NOT RUN: it needs root or passwordless sudo (test users, sshd)" >&2
fi
