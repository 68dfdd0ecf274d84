// RFC 4251 §5 data types as OpenSSH writes them: uint32 and uint64
// big-endian, string = uint32 length then the bytes. The writer appends to a
// byte string; the reader is strict: every read checks the bounds and
// returns an error instead of reading past the end (its input is untrusted:
// certificates, key files, KRLs).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"

namespace cordon::ssh {

// Builds a message field by field. Not thread-safe (a plain value).
class WireWriter {
 public:
  void U8(uint8_t v);
  void U32(uint32_t v);
  void U64(uint64_t v);
  // uint32 length, then the bytes.
  void String(ByteView data);
  void String(std::string_view data) { String(AsBytes(data)); }
  // Bytes appended as they are, without a length (a magic, padding).
  void Raw(ByteView data);
  void Raw(std::string_view data) { Raw(AsBytes(data)); }

  const std::string& bytes() const { return bytes_; }
  std::string Take() { return std::move(bytes_); }
  size_t size() const { return bytes_.size(); }

 private:
  std::string bytes_;
};

// Reads fields from a view it does not own (the caller keeps the bytes
// alive while the reader and the views it returned are used). Errors are
// kTruncated when the input ends inside a field; `what` names the field in
// the message ("certificate: key id: ..."). Not thread-safe.
class WireReader {
 public:
  explicit WireReader(ByteView data) : data_(data) {}
  explicit WireReader(std::string_view data) : data_(AsBytes(data)) {}

  Result<uint8_t> U8(std::string_view what);
  Result<uint32_t> U32(std::string_view what);
  Result<uint64_t> U64(std::string_view what);
  // A string's bytes, as a view into the input.
  Result<std::string_view> String(std::string_view what);
  // `n` bytes without a length prefix (a magic).
  Result<std::string_view> Raw(size_t n, std::string_view what);

  bool AtEnd() const { return offset_ == data_.size(); }
  size_t remaining() const { return data_.size() - offset_; }
  size_t offset() const { return offset_; }
  // Fails with kMalformed unless every byte was read: trailing bytes are
  // refused, a signed message must mean exactly one thing.
  Status ExpectEnd(std::string_view what) const;

 private:
  ByteView data_;
  size_t offset_ = 0;
};

// RFC 4251 mpint of a positive big-endian magnitude (an ECDSA r or s):
// leading zeros dropped, one 0x00 added when the top bit is set (else it
// would read as negative).
void WriteMpint(WireWriter& w, ByteView magnitude);
// The reverse, strictly: minimal, positive, at most 32 bytes of magnitude,
// returned left-padded to 32. Anything else is kMalformed naming `what`.
Result<std::array<uint8_t, 32>> ReadMpint256(WireReader& r, std::string_view what);

}  // namespace cordon::ssh
