#include "core/buffered_source.h"

#include <algorithm>
#include <cstring>

namespace cordon {

BufferedSource::BufferedSource(ByteSource& inner, size_t capacity)
    : inner_(inner), buffer_(capacity) {}

Result<bool> BufferedSource::Fill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) return true;
  CORDON_ASSIGN_OR_RETURN(size_t n, inner_.Read(std::span(buffer_).subspan(end_)));
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

Result<std::optional<std::string>> BufferedSource::ReadLine(size_t max_length,
                                                            bool* missing_newline) {
  if (missing_newline != nullptr) *missing_newline = false;
  std::string line;
  for (;;) {
    const uint8_t* start = buffer_.data() + begin_;
    const void* nl = std::memchr(start, '\n', end_ - begin_);
    size_t take = nl ? static_cast<size_t>(static_cast<const uint8_t*>(nl) - start) : end_ - begin_;
    if (line.size() + take > max_length) {
      return Error(ErrorCode::kLimitExceeded,
                   "line longer than " + std::to_string(max_length) + " bytes");
    }
    line.append(reinterpret_cast<const char*>(start), take);
    begin_ += take;
    if (nl) {
      ++begin_;  // the '\n'
      return std::optional<std::string>(std::move(line));
    }
    CORDON_ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) {
      if (line.empty()) return std::optional<std::string>();
      if (missing_newline != nullptr) *missing_newline = true;
      return std::optional<std::string>(std::move(line));
    }
  }
}

Result<std::string_view> BufferedSource::Peek(size_t n) {
  n = std::min(n, buffer_.size());
  while (end_ - begin_ < n) {
    if (begin_ > 0 && buffer_.size() - begin_ < n) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (eof_) break;
    CORDON_ASSIGN_OR_RETURN(size_t got, inner_.Read(std::span(buffer_).subspan(end_)));
    if (got == 0) eof_ = true;
    end_ += got;
  }
  return std::string_view(reinterpret_cast<const char*>(buffer_.data() + begin_),
                          std::min(n, end_ - begin_));
}

Result<size_t> BufferedSource::Read(std::span<uint8_t> out) {
  if (begin_ == end_) {
    // Large reads bypass the buffer: the payload streams without a copy.
    if (out.size() >= buffer_.size()) return inner_.Read(out);
    begin_ = end_ = 0;
    CORDON_ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) return size_t{0};
  }
  size_t n = std::min(out.size(), end_ - begin_);
  std::memcpy(out.data(), buffer_.data() + begin_, n);
  begin_ += n;
  return n;
}

}  // namespace cordon
