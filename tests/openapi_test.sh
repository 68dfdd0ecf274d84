#!/usr/bin/env bash
# docs/openapi.yaml against the router's table and a real server (Python driver).
. "$(dirname "$0")/lib.sh"
python3 "$HERE/openapi_test.py" "$CORDON" "$T/o"
