#!/usr/bin/env bash
# Remote maintenance with real sshd processes on loopback (Python driver):
# a bastion and a target started from Debian's openssh-server, test users
# created and removed, every promise of docs/remote-maintenance.md attacked.
. "$(dirname "$0")/lib.sh"
python3 "$HERE/remote_maintenance.py" "$CORDON" "$T/rm"
