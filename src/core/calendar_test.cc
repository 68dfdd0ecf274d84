#include "core/calendar.h"

#include <gtest/gtest.h>

namespace cordon {
namespace {

TEST(Calendar, RoundTripsEveryDayOfFourCenturies) {
  // 1900-01-01 .. 2299-12-31: every day formats and parses back, and days
  // are consecutive (leap years and century rules included).
  int32_t first = DaysFromCivil(1900, 1, 1);
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  for (int32_t d = first; d < DaysFromCivil(2300, 1, 1); ++d) {
    auto back = ParseIsoDate(FormatIsoDate(d));
    ASSERT_TRUE(back.ok()) << FormatIsoDate(d);
    ASSERT_EQ(*back, d);
  }
  EXPECT_EQ(FormatIsoDate(DaysFromCivil(2000, 2, 29)), "2000-02-29");
}

TEST(Calendar, RefusesWhatIsNotADate) {
  for (const char* bad : {"2027-02-29", "1900-02-29", "2027-13-01", "2027-00-10", "2027-6-30",
                          "27-06-30", "2027-06-30 ", "2027/06/30", "", "0000-01-01"}) {
    auto r = ParseIsoDate(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
    }
  }
  EXPECT_TRUE(ParseIsoDate("2024-02-29").ok());
}

}  // namespace
}  // namespace cordon
