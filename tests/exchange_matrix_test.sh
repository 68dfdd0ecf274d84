#!/usr/bin/env bash
# The exchange's authorization matrix, clock and crash tests (Python driver).
. "$(dirname "$0")/lib.sh"
python3 "$HERE/exchange_matrix.py" "$CORDON" "$T/m"
