#include "core/utc_time.h"

#include <gtest/gtest.h>

namespace cordon {
namespace {

TEST(UtcTime, ParsesExactlyWhatItFormats) {
  EXPECT_EQ(ParseUtc("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseUtc("2027-01-15T21:00:00Z"), 1800046800);  // date -u -d
  for (int64_t t : {int64_t{0}, int64_t{951782400} /* 2000-02-29 */, int64_t{4102444799}}) {
    EXPECT_EQ(ParseUtc(FormatUtc(t)), t);
  }
}

TEST(UtcTime, RefusesEverythingElse) {
  for (const char* bad :
       {"", "2027-01-15", "2027-01-15T21:00:00", "2027-01-15 21:00:00Z", "2027-1-15T21:00:00Z",
        "2027-02-30T00:00:00Z", "2027-01-15T25:00:00Z", "2027-01-15T21:00:00+01:00",
        " 2027-01-15T21:00:00Z", "２027-01-15T21:00:00Z"}) {
    EXPECT_FALSE(ParseUtc(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace cordon
