#include "core/buffered_source.h"

#include <gtest/gtest.h>

#include <cstring>

namespace cordon {
namespace {

// An endless stream of one byte value, counting what was pulled from it.
class EndlessSource final : public ByteSource {
 public:
  explicit EndlessSource(uint8_t value) : value_(value) {}
  Result<size_t> Read(std::span<uint8_t> out) override {
    std::memset(out.data(), value_, out.size());
    pulled_ += out.size();
    return out.size();
  }
  size_t pulled() const { return pulled_; }

 private:
  uint8_t value_;
  size_t pulled_ = 0;
};

TEST(BufferedSource, ReadsLinesThenRawBytes) {
  std::string text = "first\nsecond\nrest";
  MemorySource mem(AsBytes(text));
  BufferedSource in(mem, 8);
  EXPECT_EQ(**in.ReadLine(100), "first");
  EXPECT_EQ(**in.ReadLine(100), "second");
  uint8_t buf[16];
  auto n = ReadFull(in, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), *n), "rest");
}

TEST(BufferedSource, ReportsFinalLineWithoutNewline) {
  MemorySource mem(AsBytes("abc"));
  BufferedSource in(mem);
  bool missing = false;
  EXPECT_EQ(**in.ReadLine(10, &missing), "abc");
  EXPECT_TRUE(missing);
  EXPECT_FALSE(in.ReadLine(10)->has_value());
}

TEST(BufferedSource, RefusesAHugeLineWithBoundedReads) {
  EndlessSource endless('a');  // a "1 GB line" that never ends
  BufferedSource in(endless, 4096);
  auto line = in.ReadLine(16 * 1024);
  ASSERT_FALSE(line.ok());
  EXPECT_EQ(line.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_LT(endless.pulled(), 64u * 1024);
}

TEST(BufferedSource, PeekDoesNotConsume) {
  MemorySource mem(AsBytes("hello world"));
  BufferedSource in(mem, 4);
  EXPECT_EQ(*in.Peek(4), "hell");
  EXPECT_EQ(**in.ReadLine(100), "hello world");
}

}  // namespace
}  // namespace cordon
