#include "ssh/wire.h"

#include <algorithm>
#include <cstdlib>

namespace cordon::ssh {

void WireWriter::U8(uint8_t v) { bytes_.push_back(static_cast<char>(v)); }

void WireWriter::U32(uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) bytes_.push_back(static_cast<char>(v >> shift));
}

void WireWriter::U64(uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) bytes_.push_back(static_cast<char>(v >> shift));
}

void WireWriter::String(ByteView data) {
  // A length that does not fit a uint32 cannot be encoded: a caller bug
  // (every field cordon writes is a few KiB at most).
  if (data.size() > UINT32_MAX) std::abort();
  U32(static_cast<uint32_t>(data.size()));
  Raw(data);
}

void WireWriter::Raw(ByteView data) { bytes_.append(AsChars(data)); }

namespace {
Error Truncated(std::string_view what) {
  return Error(ErrorCode::kTruncated, std::string(what) + ": the data ends too early");
}
}  // namespace

Result<uint8_t> WireReader::U8(std::string_view what) {
  if (remaining() < 1) return Truncated(what);
  return data_[offset_++];
}

Result<uint32_t> WireReader::U32(std::string_view what) {
  if (remaining() < 4) return Truncated(what);
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | data_[offset_ + i];
  offset_ += 4;
  return v;
}

Result<uint64_t> WireReader::U64(std::string_view what) {
  if (remaining() < 8) return Truncated(what);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | data_[offset_ + i];
  offset_ += 8;
  return v;
}

Result<std::string_view> WireReader::String(std::string_view what) {
  CORDON_ASSIGN_OR_RETURN(uint32_t length, U32(what));
  if (remaining() < length) {
    offset_ -= 4;  // leave the reader where it was
    return Truncated(what);
  }
  return Raw(length, what);
}

Result<std::string_view> WireReader::Raw(size_t n, std::string_view what) {
  if (remaining() < n) return Truncated(what);
  std::string_view out = AsChars(data_.subspan(offset_, n));
  offset_ += n;
  return out;
}

Status WireReader::ExpectEnd(std::string_view what) const {
  if (AtEnd()) return Ok();
  return Error(ErrorCode::kMalformed, std::string(what) + ": " + std::to_string(remaining()) +
                                          " unexpected trailing bytes");
}

void WriteMpint(WireWriter& w, ByteView magnitude) {
  size_t skip = 0;
  while (skip < magnitude.size() && magnitude[skip] == 0) ++skip;
  std::string bytes;
  if (skip < magnitude.size() && (magnitude[skip] & 0x80)) bytes.push_back('\0');
  bytes.append(reinterpret_cast<const char*>(magnitude.data() + skip), magnitude.size() - skip);
  w.String(bytes);
}

Result<std::array<uint8_t, 32>> ReadMpint256(WireReader& r, std::string_view what) {
  CORDON_ASSIGN_OR_RETURN(std::string_view v, r.String(what));
  auto bad = [&] {
    return Error(ErrorCode::kMalformed, std::string(what) + ": not a minimal positive mpint");
  };
  if (!v.empty() && (static_cast<uint8_t>(v[0]) & 0x80)) return bad();
  if (v.size() >= 2 && v[0] == 0 && !(static_cast<uint8_t>(v[1]) & 0x80)) return bad();
  if (v.size() == 1 && v[0] == 0) return bad();
  if (!v.empty() && v[0] == 0) v.remove_prefix(1);
  if (v.size() > 32) return bad();
  std::array<uint8_t, 32> out{};
  std::copy(v.begin(), v.end(), out.begin() + static_cast<std::ptrdiff_t>(32 - v.size()));
  return out;
}

}  // namespace cordon::ssh
