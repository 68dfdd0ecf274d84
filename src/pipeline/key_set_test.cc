#include "pipeline/key_set.h"

#include <gtest/gtest.h>

#include <set>

namespace cordon::pipeline {
namespace {

TEST(PipelineKeySet, BehavesLikeASetAcrossGrowth) {
  KeySet keys;
  std::set<std::string> reference;
  for (int i = 0; i < 50000; i += 3) {
    std::string k = std::to_string(i * 7919 % 100003);
    keys.Insert(k);
    reference.insert(k);
  }
  keys.Insert("");  // the empty key is a key too
  reference.insert("");
  for (std::string k : std::vector<std::string>{"007", "7", "0070", "A-12", std::string(300, 'x'),
                                                std::string(130, '5')}) {
    keys.Insert(k);
    reference.insert(k);
  }
  keys.Insert("007");  // duplicates count once
  keys.Freeze();
  EXPECT_EQ(keys.size(), reference.size());
  for (int i = 0; i < 100003; ++i) {
    std::string k = std::to_string(i);
    EXPECT_EQ(keys.Contains(k), reference.count(k) == 1) << k;
  }
  EXPECT_TRUE(keys.Contains(""));
  EXPECT_TRUE(keys.Contains(std::string(300, 'x')));
  EXPECT_FALSE(keys.Contains(std::string(299, 'x')));
  EXPECT_TRUE(keys.Contains(std::string(130, '5')));
  EXPECT_FALSE(keys.Contains("07"));
  EXPECT_FALSE(keys.Contains("A-13"));
  KeySet empty;
  empty.Freeze();
  EXPECT_FALSE(empty.Contains("x"));
}

}  // namespace
}  // namespace cordon::pipeline
