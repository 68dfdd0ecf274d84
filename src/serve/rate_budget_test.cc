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

// Two budgets taken together (a DPO's mails per order, and in all): when
// the second refuses, the first's slot is given back, so the order's next
// version is mailed once the DPO's hour allows (re-attack F4).
TEST(RateBudget, GivesBackWhatASecondBudgetRefused) {
  RateBudget per_order(1, 3600);
  RateBudget in_all(1, 3600);
  ASSERT_EQ(in_all.Take(7, "", 0), std::nullopt);  // another order's mail
  ASSERT_EQ(per_order.Take(7, "LIS-9", 1800), std::nullopt);
  ASSERT_NE(in_all.Take(7, "", 1800), std::nullopt);
  per_order.GiveBack(7, "LIS-9", 1800);
  EXPECT_EQ(per_order.Take(7, "LIS-9", 3600), std::nullopt) << "not spent at 1800";
  EXPECT_EQ(in_all.Take(7, "", 3600), std::nullopt);
  // Giving back what was never taken changes nothing.
  per_order.GiveBack(7, "LIS-9", 1234);
  per_order.GiveBack(8, "LIS-1", 3600);
  EXPECT_EQ(per_order.Take(7, "LIS-9", 3601), 3599);
}

}  // namespace
}  // namespace cordon::serve
