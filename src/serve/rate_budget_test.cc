#include "serve/rate_budget.h"

#include <gtest/gtest.h>

#include <string>

namespace cordon::serve {
namespace {

TEST(RateBudget, AllowsTheLimitPerWindowThenSaysWhenToComeBack) {
  RateBudget budget(3, 3600);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(budget.Take(7, "LIS-1", 1000 + i), std::nullopt);
  EXPECT_EQ(budget.Take(7, "LIS-1", 1010), 3600 - 10) << "the oldest leaves at 4600";
  // Other readers and other orders have budgets of their own.
  EXPECT_EQ(budget.Take(8, "LIS-1", 1010), std::nullopt);
  EXPECT_EQ(budget.Take(7, "LIS-2", 1010), std::nullopt);
  // A refusal takes nothing: once the oldest leaves, one more is allowed.
  EXPECT_EQ(budget.Take(7, "LIS-1", 4600), std::nullopt);
  EXPECT_EQ(budget.Take(7, "LIS-1", 4600), 1) << "the next oldest leaves at 4601";
}

TEST(RateBudget, ForgetsPairsWhoseWindowPassedAndKeepsTheOthers) {
  RateBudget budget(1, 60);
  for (int i = 0; i < 5000; ++i) {
    EXPECT_EQ(budget.Take(i, "LIS-1", 0), std::nullopt);
  }
  EXPECT_EQ(budget.Take(1, "LIS-1", 30), 30) << "still within its window";
  // Long after: the table was pruned, and every reader may read again.
  for (int i = 0; i < 5000; ++i) EXPECT_EQ(budget.Take(i, "LIS-1", 1000), std::nullopt);
  EXPECT_EQ(budget.Take(1, "LIS-1", 1001), 59) << "a pruned pair is counted afresh";
}

}  // namespace
}  // namespace cordon::serve
