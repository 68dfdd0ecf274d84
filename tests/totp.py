#!/usr/bin/env python3
"""An authenticator app for tests: the RFC 6238 code (SHA-1, 6 digits, 30 s)
of a base32 secret, `step_offset` steps from now. Written from the RFC, not
from cordon's code."""
import base64, hmac, struct, sys, time

secret = base64.b32decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 8))
offset = int(sys.argv[2]) if len(sys.argv) > 2 else 0
counter = int(time.time()) // 30 + offset
mac = hmac.new(secret, struct.pack(">Q", counter), "sha1").digest()
o = mac[-1] & 0x0F
code = (struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000
print(f"{code:06d}")
