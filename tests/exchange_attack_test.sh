#!/usr/bin/env bash
# The adversarial review's findings tried again against a real server (Python driver).
. "$(dirname "$0")/lib.sh"
python3 "$HERE/exchange_attack.py" "$CORDON" "$T/a"
