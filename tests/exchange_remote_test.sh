#!/usr/bin/env bash
# Vendor remote maintenance against a real server (Python driver; ssh-keygen
# reads the certificates).
. "$(dirname "$0")/lib.sh"
python3 "$HERE/exchange_remote.py" "$CORDON" "$T/r"
