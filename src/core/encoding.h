// Text encodings of binary data: hex, base64 (RFC 4648) and bech32 (BIP 173).
// Decoders are strict: they accept only the canonical encoding, because every
// format cordon reads (age, minisign) requires it and leniency hides tampering.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"

namespace cordon {

std::string HexEncode(ByteView data);  // lowercase
// A path as a URI path (RFC 3986): every byte but letters, digits and
// "/-._~" percent-encoded, so that '?', '#', '%' and spaces stay path bytes.
std::string PercentEncodePath(std::string_view path);
Result<Bytes> HexDecode(std::string_view text);  // either case, even length
// A count with thousands separators, as reports print it: "1,234,567".
std::string Thousands(uint64_t n);

enum class Base64Padding { kPadded, kUnpadded };

std::string Base64Encode(ByteView data, Base64Padding padding = Base64Padding::kPadded);
// base64url (RFC 4648 §5) without padding, as WebAuthn writes challenges.
std::string Base64UrlEncode(ByteView data);
// Rejects characters outside the standard alphabet, wrong or missing padding
// (for kPadded), padding (for kUnpadded), and non-zero trailing bits.
Result<Bytes> Base64Decode(std::string_view text, Base64Padding padding = Base64Padding::kPadded);
// base64url without padding (what a browser sends of WebAuthn's byte
// fields); the same strictness as Base64Decode: '+', '/' and '=' refused.
Result<Bytes> Base64UrlDecode(std::string_view text);

// base32 (RFC 4648 §6), uppercase, without padding: TOTP secrets in
// otpauth:// URIs. The decoder accepts either case and no padding.
std::string Base32Encode(ByteView data);
Result<Bytes> Base32Decode(std::string_view text);

// bech32 (not bech32m), as age uses it: no 90-character limit, all lower or
// all upper case. Encode writes lowercase; callers uppercase if they need to.
std::string Bech32Encode(std::string_view hrp, ByteView data);
struct Bech32Decoded {
  std::string hrp;  // lowercase
  Bytes data;
};
Result<Bech32Decoded> Bech32Decode(std::string_view text);

}  // namespace cordon
