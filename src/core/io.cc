#include "core/io.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace cordon {

Result<size_t> ReadFull(ByteSource& source, std::span<uint8_t> out) {
  size_t filled = 0;
  while (filled < out.size()) {
    CORDON_ASSIGN_OR_RETURN(size_t n, source.Read(out.subspan(filled)));
    if (n == 0) break;
    filled += n;
  }
  return filled;
}

Result<Bytes> ReadAll(ByteSource& source, size_t max_size) {
  Bytes out;
  uint8_t buf[65536];
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(size_t n, source.Read(buf));
    if (n == 0) return out;
    if (out.size() + n > max_size) {
      return Error(ErrorCode::kLimitExceeded,
                   "input is larger than " + std::to_string(max_size) + " bytes");
    }
    out.insert(out.end(), buf, buf + n);
  }
}

Result<size_t> FdSource::Read(std::span<uint8_t> out) {
  for (;;) {
    ssize_t n = ::read(fd_, out.data(), out.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    return Error(ErrorCode::kIo, "reading " + name_ + ": " + std::strerror(errno));
  }
}

Status FdSink::Write(ByteView data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(ErrorCode::kIo, "writing " + name_ + ": " + std::strerror(errno));
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return Ok();
}

Result<size_t> MemorySource::Read(std::span<uint8_t> out) {
  size_t n = std::min(out.size(), data_.size());
  if (n > 0) std::memcpy(out.data(), data_.data(), n);
  data_ = data_.subspan(n);
  return n;
}

}  // namespace cordon
