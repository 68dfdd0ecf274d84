// The concurrent hashing streams give the bytes and hashes of their plain
// twins, in order, and pass errors on.
#include "crypto/hash.h"

#include <gtest/gtest.h>

#include "crypto/random.h"

namespace cordon::crypto {
namespace {

Bytes RandomData(size_t n) {
  Bytes b(n);
  RandomBytes(b);
  return b;
}

// Fails every write once `limit` bytes have gone through.
class FailingSink final : public ByteSink {
 public:
  explicit FailingSink(size_t limit) : limit_(limit) {}
  Status Write(ByteView data) override {
    if (written_ + data.size() > limit_) return Error(ErrorCode::kIo, "disk full");
    written_ += data.size();
    return Ok();
  }

 private:
  size_t limit_;
  size_t written_ = 0;
};

// Returns its data, then an error instead of the end.
class FailingSource final : public ByteSource {
 public:
  explicit FailingSource(ByteView data) : data_(data) {}
  Result<size_t> Read(std::span<uint8_t> out) override {
    if (data_.empty()) return Error(ErrorCode::kIo, "read error");
    size_t n = std::min(out.size(), data_.size());
    std::copy_n(data_.begin(), n, out.begin());
    data_ = data_.subspan(n);
    return n;
  }

 private:
  ByteView data_;
};

TEST(ConcurrentHashingSink, WritesAndHashesLikeHashingSink) {
  // Over 4 MiB, in uneven writes: the buffers wrap around several times.
  Bytes data = RandomData(9 * 1024 * 1024 + 12345);
  MemorySink plain_out, concurrent_out;
  HashingSink plain(plain_out);
  ConcurrentHashingSink concurrent(concurrent_out);
  size_t pos = 0, step = 1;
  while (pos < data.size()) {
    size_t n = std::min(step, data.size() - pos);
    ASSERT_TRUE(plain.Write(ByteView(data).subspan(pos, n)).ok());
    ASSERT_TRUE(concurrent.Write(ByteView(data).subspan(pos, n)).ok());
    pos += n;
    step = step * 3 % 3000001 + 1;
  }
  ASSERT_TRUE(concurrent.Finish().ok());
  EXPECT_EQ(concurrent_out.bytes(), data);
  EXPECT_EQ(concurrent.bytes(), data.size());
  EXPECT_EQ(concurrent.Final(), plain.Final());
}

TEST(ConcurrentHashingSink, WithoutHashingOnlyWritesBehind) {
  Bytes data = RandomData(5 * 1024 * 1024 + 3);
  MemorySink out;
  ConcurrentHashingSink sink(out, ConcurrentHashingSink::Hashing::kOff);
  for (size_t pos = 0; pos < data.size(); pos += 65536) {
    ASSERT_TRUE(
        sink.Write(ByteView(data).subspan(pos, std::min<size_t>(65536, data.size() - pos))).ok());
  }
  ASSERT_TRUE(sink.Finish().ok());
  EXPECT_EQ(out.bytes(), data);
}

TEST(ConcurrentHashingSink, ReportsTheWriteErrorOfTheNextSink) {
  FailingSink next(3 * 1024 * 1024);
  ConcurrentHashingSink sink(next);
  Bytes block = RandomData(100 * 1024);
  Status status = Ok();
  for (int i = 0; i < 100 && status.ok(); ++i) status = sink.Write(block);
  if (status.ok()) status = sink.Finish();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(), "disk full");
}

TEST(ConcurrentHashingSink, DropsQueuedDataWhenNotFinished) {
  MemorySink out;
  {
    ConcurrentHashingSink sink(out);
    ASSERT_TRUE(sink.Write(RandomData(3 * 1024 * 1024 + 1)).ok());
  }  // destroyed without Finish() (the caller failed): no hang, no partial buffer written
  EXPECT_LE(out.bytes().size(), size_t{3 * 1024 * 1024});
  EXPECT_EQ(out.bytes().size() % (1024 * 1024), 0u);
}

TEST(ReadAheadHashingSource, ReadsAndHashesLikeHashingSource) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{1} << 20, (size_t{9} << 20) + 777}) {
    Bytes data = RandomData(size);
    MemorySource a(data), b(data);
    HashingSource plain(a);
    ReadAheadHashingSource ahead(b);
    Bytes got;
    uint8_t buf[70001];
    size_t want = 1;
    for (;;) {
      auto n = ahead.Read(std::span(buf, std::min(want, sizeof buf)));
      ASSERT_TRUE(n.ok());
      if (*n == 0) break;
      got.insert(got.end(), buf, buf + *n);
      want = want * 7 % 70001 + 1;
    }
    auto expected = plain.Finish();
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(got, data) << size;
    EXPECT_EQ(ahead.bytes(), size);
    EXPECT_EQ(ahead.Final(), *expected) << size;
  }
}

TEST(ReadAheadHashingSource, ReturnsTheDataBeforeAReadErrorThenTheError) {
  Bytes data = RandomData((5 << 20) + 3);
  FailingSource failing(data);
  ReadAheadHashingSource ahead(failing);
  Bytes got;
  Bytes buf(65536);
  Result<size_t> n = size_t{0};
  for (;;) {
    n = ahead.Read(buf);
    if (!n.ok() || *n == 0) break;
    got.insert(got.end(), buf.begin(), buf.begin() + *n);
  }
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().message(), "read error");
  EXPECT_EQ(got, data);
  EXPECT_FALSE(ahead.Read(buf).ok());  // and stays failed
}

TEST(ReadAheadHashingSource, StopsWhenTheReaderGivesUpEarly) {
  Bytes data = RandomData(20 << 20);
  MemorySource in(data);
  {
    ReadAheadHashingSource ahead(in);
    uint8_t buf[100];
    ASSERT_TRUE(ahead.Read(buf).ok());
  }  // destroyed mid-stream: the worker stops instead of reading on
  auto rest = ReadAll(in, 64 << 20);
  ASSERT_TRUE(rest.ok());
  EXPECT_GT(rest->size(), 0u);
}

}  // namespace
}  // namespace cordon::crypto
