#include "auth/cbor.h"

#include <gtest/gtest.h>

#include "auth/cbor_writer_for_tests.h"

namespace cordon::auth {
namespace {

using namespace testkit;  // NOLINT: the writer's verbs read as CBOR

Result<CborValue> Parse(const Bytes& b, const CborLimits& limits = {}) {
  return ParseCbor(b, limits);
}
ErrorCode CodeOf(const Bytes& b, const CborLimits& limits = {}) {
  auto r = Parse(b, limits);
  EXPECT_FALSE(r.ok());
  return r.ok() ? ErrorCode::kInternal : r.error().code();
}

TEST(Cbor, ReadsTheSubsetWebauthnUses) {
  const Bytes key = Map({{Int(1), Int(2)},
                         {Int(3), Int(-7)},
                         {Int(-1), Int(1)},
                         {Int(-2), Bstr(Bytes(32, 0xAB))},
                         {Tstr("rk"), Bytes{0xF5}},
                         {Tstr("n"), Bytes{0xF6}},
                         {Tstr("big"), Int(70000)},
                         {Tstr("list"), Array({Int(0), Tstr("é")})}});
  auto v = Parse(key);
  ASSERT_TRUE(v.ok()) << v.error().message();
  ASSERT_TRUE(v->IsMap());
  EXPECT_EQ(v->entries.size(), 8u);
  EXPECT_EQ(v->Find(1)->Int(), 2);
  EXPECT_EQ(v->Find(3)->Int(), -7);
  EXPECT_EQ(v->Find(-1)->Int(), 1);
  EXPECT_EQ(v->Find(-2)->bytes, std::string(32, '\xAB'));
  EXPECT_TRUE(v->Find("rk")->boolean);
  EXPECT_EQ(v->Find("n")->type, CborValue::Type::kNull);
  EXPECT_EQ(v->Find("big")->Int(), 70000);
  EXPECT_EQ(v->Find("list")->items.at(1).bytes, "é");
  EXPECT_EQ(v->Find(2), nullptr);
  EXPECT_EQ(v->Find("x"), nullptr);
  // -1 - (2^64 - 1) does not fit in int64_t: no Int().
  auto huge = Parse(Cat({Bytes{0x3B}, Bytes(8, 0xFF)}));
  ASSERT_TRUE(huge.ok());
  EXPECT_FALSE(huge->Int().has_value());
}

TEST(Cbor, PrefixSaysWhereTheItemEnds) {
  const Bytes item = Map({{Int(1), Int(2)}});
  Bytes data = Cat({item, Map({})});
  auto r = ParseCborPrefix(data);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->second, item.size());
  // ParseCbor wants exactly one item.
  EXPECT_EQ(CodeOf(data), ErrorCode::kMalformed);
  auto trailing = Parse(Cat({item, Bytes{0x00}}));
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(trailing.error().message().find("trailing"), std::string::npos);
}

TEST(Cbor, DuplicateMapKeysAreRefused) {
  for (const Bytes& dup : {Map({{Int(3), Int(-7)}, {Int(3), Int(-8)}}),
                           Map({{Tstr("fmt"), Tstr("none")}, {Tstr("fmt"), Tstr("packed")}}),
                           Map({{Int(-1), Int(1)}, {Int(1), Int(1)}, {Int(-1), Int(1)}})}) {
    auto r = Parse(dup);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("duplicate"), std::string::npos);
  }
  // 1 and "1", or 1 and -2, are different keys.
  EXPECT_TRUE(Parse(Map({{Int(1), Int(0)}, {Tstr("1"), Int(0)}, {Int(-2), Int(0)}})).ok());
  // A duplicate nested one level down is found too.
  EXPECT_EQ(CodeOf(Map({{Int(1), Map({{Int(2), Int(0)}, {Int(2), Int(0)}})}})),
            ErrorCode::kMalformed);
}

TEST(Cbor, IndefiniteLengthsAreRefused) {
  const Bytes cases[] = {
      {0x9F, 0x01, 0xFF},        // [_ 1]
      {0xBF, 0x01, 0x02, 0xFF},  // {_ 1: 2}
      {0x5F, 0x41, 0x00, 0xFF},  // (_ h'00')
      {0x7F, 0x61, 0x61, 0xFF},  // (_ "a")
      {0xA1, 0x01, 0x9F, 0xFF},  // {1: [_ ]}
  };
  for (const Bytes& c : cases) {
    auto r = Parse(c);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("indefinite"), std::string::npos) << r.error().message();
  }
}

TEST(Cbor, NonCanonicalHeadsAreRefused) {
  const Bytes cases[] = {
      {0x18, 0x05},                    // 5 in two bytes
      {0x19, 0x00, 0x20},              // 32 in three bytes
      {0x38, 0x06},                    // -7 in two bytes
      {0x1A, 0x00, 0x00, 0xFF, 0xFF},  // 65535 in five bytes
      {0x58, 0x01, 0x00},              // a 1-byte string with a two-byte head
      {0xB8, 0x01, 0x01, 0x02},        // a map of 1 with a two-byte head
      {0xF8, 0x14},                    // false as a two-byte simple value
  };
  for (const Bytes& c : cases) EXPECT_EQ(CodeOf(c), ErrorCode::kMalformed) << int(c[0]);
  // A COSE label written long is refused inside a map too.
  EXPECT_EQ(CodeOf(Cat({Head(5, 1), Bytes{0x38, 0x00}, Int(1)})), ErrorCode::kMalformed);
}

TEST(Cbor, WhatWebauthnNeverSendsIsRefused) {
  EXPECT_EQ(CodeOf({0xC0, 0x60}), ErrorCode::kMalformed);        // tag 0
  EXPECT_EQ(CodeOf({0xF9, 0x3C, 0x00}), ErrorCode::kMalformed);  // half float
  EXPECT_EQ(CodeOf({0xFB, 0, 0, 0, 0, 0, 0, 0, 0}), ErrorCode::kMalformed);
  EXPECT_EQ(CodeOf({0xF7}), ErrorCode::kMalformed);                           // undefined
  EXPECT_EQ(CodeOf({0x1C}), ErrorCode::kMalformed);                           // reserved info 28
  EXPECT_EQ(CodeOf({0x62, 0xC3, 0x28}), ErrorCode::kMalformed);               // not UTF-8
  EXPECT_EQ(CodeOf({0x62, 0xC0, 0x80}), ErrorCode::kMalformed);               // overlong NUL
  EXPECT_EQ(CodeOf(Map({{Bstr(Bytes{1}), Int(0)}})), ErrorCode::kMalformed);  // bytes key
  EXPECT_EQ(CodeOf(Map({{Array({}), Int(0)}})), ErrorCode::kMalformed);
}

TEST(Cbor, TruncationAndLimits) {
  EXPECT_EQ(CodeOf({}), ErrorCode::kTruncated);
  EXPECT_EQ(CodeOf({0x19, 0x01}), ErrorCode::kTruncated);
  EXPECT_EQ(CodeOf({0x45, 0x01, 0x02}), ErrorCode::kTruncated);  // 5-byte string, 2 given
  EXPECT_EQ(CodeOf({0xA2, 0x01, 0x02, 0x03}), ErrorCode::kTruncated);
  // A length near 2^64: truncated, never allocated.
  EXPECT_EQ(CodeOf(Cat({Bytes{0x5B}, Bytes(8, 0xFF)})), ErrorCode::kTruncated);
  EXPECT_EQ(CodeOf(Cat({Bytes{0x9B}, Bytes(8, 0xFF)})), ErrorCode::kLimitExceeded);
  EXPECT_EQ(CodeOf(Cat({Bytes{0xBB}, Bytes(8, 0x7F)})), ErrorCode::kLimitExceeded);

  Bytes deep = Int(0);
  for (int i = 0; i < 3; ++i) deep = Array({deep});
  EXPECT_TRUE(Parse(deep, {.max_depth = 3}).ok());
  EXPECT_EQ(CodeOf(deep, {.max_depth = 2}), ErrorCode::kLimitExceeded);
  Bytes nested = Int(0);
  for (int i = 0; i < 100000; ++i) nested.insert(nested.begin(), 0x81);  // [[[…0…]]]
  EXPECT_EQ(CodeOf(nested, {.max_input = 1 << 20}), ErrorCode::kLimitExceeded);

  const Bytes ten = Array(std::vector<Bytes>(10, Int(1)));
  EXPECT_TRUE(Parse(ten, {.max_items = 11}).ok());
  EXPECT_EQ(CodeOf(ten, {.max_items = 10}), ErrorCode::kLimitExceeded);
  const Bytes long_string = Bstr(Bytes(300, 7));
  EXPECT_TRUE(Parse(long_string, {.max_input = 303}).ok());
  EXPECT_EQ(CodeOf(long_string, {.max_input = 302}), ErrorCode::kLimitExceeded);
  auto prefix = ParseCborPrefix(long_string, {.max_input = 100});
  ASSERT_FALSE(prefix.ok());
  EXPECT_EQ(prefix.error().code(), ErrorCode::kLimitExceeded);
}

}  // namespace
}  // namespace cordon::auth
