#include "core/secret_buffer.h"

#include <gtest/gtest.h>

#include <type_traits>

namespace cordon {
namespace {

static_assert(!std::is_copy_constructible_v<SecretBuffer>, "secrets must not be copied silently");
static_assert(!std::is_convertible_v<SecretBuffer, std::string>, "secrets must not become strings");

TEST(SecretBuffer, StartsZeroedAndCopiesInput) {
  SecretBuffer zero(16);
  for (uint8_t b : zero.RevealBytes()) EXPECT_EQ(b, 0);
  SecretBuffer copy = SecretBuffer::CopyOf(AsBytes("key material"));
  EXPECT_EQ(AsChars(copy.RevealBytes()), "key material");
}

TEST(SecretBuffer, ComparesByContent) {
  SecretBuffer a = SecretBuffer::CopyOf(AsBytes("abc"));
  SecretBuffer b = SecretBuffer::CopyOf(AsBytes("abc"));
  SecretBuffer c = SecretBuffer::CopyOf(AsBytes("abd"));
  SecretBuffer d = SecretBuffer::CopyOf(AsBytes("abcd"));
  EXPECT_TRUE(a.Equals(b));
  EXPECT_FALSE(a.Equals(c));
  EXPECT_FALSE(a.Equals(d));
}

TEST(SecretBuffer, MovesOwnership) {
  SecretBuffer a = SecretBuffer::CopyOf(AsBytes("abc"));
  SecretBuffer b = std::move(a);
  EXPECT_EQ(AsChars(b.RevealBytes()), "abc");
}

TEST(WipeBytes, ZeroesMemory) {
  Bytes data = ToBytes("secret");
  WipeBytes(data);
  for (uint8_t b : data) EXPECT_EQ(b, 0);
}

}  // namespace
}  // namespace cordon
