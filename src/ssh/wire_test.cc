#include "ssh/wire.h"

#include <gtest/gtest.h>

namespace cordon::ssh {
namespace {

TEST(SshWire, WritesBigEndianIntegersAndLengthPrefixedStrings) {
  WireWriter w;
  w.U8(0xab);
  w.U32(0x01020304);
  w.U64(0x0102030405060708ULL);
  w.String(std::string_view("hi"));
  w.String(std::string_view());
  EXPECT_EQ(w.bytes(), std::string("\xab\x01\x02\x03\x04\x01\x02\x03\x04\x05\x06\x07\x08"
                                   "\x00\x00\x00\x02hi\x00\x00\x00\x00",
                                   23));
}

TEST(SshWire, ReadsBackWhatWasWritten) {
  WireWriter w;
  w.U32(7);
  w.U64(UINT64_MAX);
  w.String(std::string_view("ssh-ed25519"));
  WireReader r(w.bytes());
  EXPECT_EQ(*r.U32("a"), 7u);
  EXPECT_EQ(*r.U64("b"), UINT64_MAX);
  EXPECT_EQ(*r.String("c"), "ssh-ed25519");
  EXPECT_TRUE(r.AtEnd());
  EXPECT_TRUE(r.ExpectEnd("x").ok());
}

TEST(SshWire, EveryReadPastTheEndIsTruncatedNotAnOverread) {
  WireWriter w;
  w.U32(100);  // a string length with 3 bytes behind it
  w.Raw(std::string_view("abc"));
  WireReader r(w.bytes());
  auto s = r.String("field");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kTruncated);
  EXPECT_NE(s.error().message().find("field"), std::string::npos);
  EXPECT_EQ(r.offset(), 0u);  // a failed read consumes nothing

  WireReader empty(std::string_view{});
  EXPECT_EQ(empty.U8("u8").error().code(), ErrorCode::kTruncated);
  EXPECT_EQ(empty.U32("u32").error().code(), ErrorCode::kTruncated);
  EXPECT_EQ(empty.U64("u64").error().code(), ErrorCode::kTruncated);
  WireReader three(std::string_view("abc"));
  EXPECT_EQ(three.U32("u32").error().code(), ErrorCode::kTruncated);
  EXPECT_EQ(three.Raw(4, "raw").error().code(), ErrorCode::kTruncated);
}

TEST(SshWire, HugeLengthDoesNotWrapAround) {
  WireReader r(
      std::string_view("\xff\xff\xff\xff"
                       "abcd",
                       8));
  EXPECT_EQ(r.String("s").error().code(), ErrorCode::kTruncated);
}

TEST(SshWire, TrailingBytesAreRefused) {
  WireReader r(std::string_view("\x00\x00\x00\x01x!", 6));
  ASSERT_TRUE(r.String("s").ok());
  EXPECT_FALSE(r.AtEnd());
  auto end = r.ExpectEnd("thing");
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().code(), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace cordon::ssh
