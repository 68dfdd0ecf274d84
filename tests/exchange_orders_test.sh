#!/usr/bin/env bash
# Orders submitted for a DPO's validation through a real server (Python driver).
. "$(dirname "$0")/lib.sh"
python3 "$HERE/exchange_orders.py" "$CORDON" "$T/o"
