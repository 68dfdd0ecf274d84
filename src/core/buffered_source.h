// A buffering wrapper over a ByteSource that can read bounded lines and peek
// ahead, for text headers (age, armor) followed by binary payloads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/io.h"

namespace cordon {

class BufferedSource final : public ByteSource {
 public:
  explicit BufferedSource(ByteSource& inner, size_t capacity = 64 * 1024);

  // Reads one line ending in '\n' and returns it without the '\n'. Returns
  // nullopt at end of input with nothing read. A final line without '\n' is
  // returned with *missing_newline set (if given). Fails with kLimitExceeded
  // when no '\n' appears within max_length bytes, so hostile input (a 1 GB
  // "line") costs at most max_length bytes of memory.
  Result<std::optional<std::string>> ReadLine(size_t max_length, bool* missing_newline = nullptr);

  // Returns up to n upcoming bytes without consuming them (fewer only at end
  // of input). n must not exceed the capacity.
  Result<std::string_view> Peek(size_t n);

  Result<size_t> Read(std::span<uint8_t> out) override;

 private:
  Result<bool> Fill();  // false at end of input

  ByteSource& inner_;
  Bytes buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
};

}  // namespace cordon
