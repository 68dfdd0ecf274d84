#!/usr/bin/env bash
# The web pages in headless Chromium with a virtual authenticator (Python
# driver over the DevTools protocol's pipe): passkey login, an order read
# and signed, ssh-keygen accepting the signature.
. "$(dirname "$0")/lib.sh"
python3 "$HERE/web_ui.py" "$CORDON" "$T/w"
