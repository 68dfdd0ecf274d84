// Byte streams: the small interfaces every streaming codec (age, minisign
// hashing) reads from and writes to, with file-descriptor and memory
// implementations. Not thread-safe; one user at a time.
#pragma once

#include <cstddef>
#include <string>

#include "core/bytes.h"
#include "core/result.h"

namespace cordon {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to out.size() bytes; returns 0 only at end of input.
  virtual Result<size_t> Read(std::span<uint8_t> out) = 0;
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Writes all of `data` or fails.
  virtual Status Write(ByteView data) = 0;
};

// Reads until `out` is full or the input ends; returns the count read.
Result<size_t> ReadFull(ByteSource& source, std::span<uint8_t> out);

// Reads a whole source into memory, failing with kLimitExceeded past max_size.
Result<Bytes> ReadAll(ByteSource& source, size_t max_size);

// A source over a file descriptor it does not own (stdin, or a File's fd).
class FdSource final : public ByteSource {
 public:
  explicit FdSource(int fd, std::string name = "input") : fd_(fd), name_(std::move(name)) {}
  Result<size_t> Read(std::span<uint8_t> out) override;

 private:
  int fd_;
  std::string name_;
};

// A sink over a file descriptor it does not own (stdout, or a File's fd).
class FdSink final : public ByteSink {
 public:
  explicit FdSink(int fd, std::string name = "output") : fd_(fd), name_(std::move(name)) {}
  Status Write(ByteView data) override;

 private:
  int fd_;
  std::string name_;
};

// A source over memory it does not own.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(ByteView data) : data_(data) {}
  Result<size_t> Read(std::span<uint8_t> out) override;

 private:
  ByteView data_;
};

// A sink that appends to a byte vector (tests, small outputs).
class MemorySink final : public ByteSink {
 public:
  Status Write(ByteView data) override {
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    return Ok();
  }
  const Bytes& bytes() const { return bytes_; }
  std::string str() const { return std::string(AsChars(bytes_)); }

 private:
  Bytes bytes_;
};

}  // namespace cordon
