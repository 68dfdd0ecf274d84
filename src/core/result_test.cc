#include "core/result.h"

#include <gtest/gtest.h>

#include "core/diagnostic.h"

namespace cordon {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return Error(ErrorCode::kInvalidArgument, "odd", "give an even number");
  return n / 2;
}

Result<int> Quarter(int n) {
  CORDON_ASSIGN_OR_RETURN(int half, Half(n));
  CORDON_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(Result, ValueOrErrorAndPropagation) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().hint(), "give an even number");
  EXPECT_EQ(r.error().WithContext("step 2").message(), "step 2: odd");
}

TEST(ResultDeathTest, TheWrongAlternativeAborts) {
  // A programming error in every build type, never a silent default: the
  // value of an error, the error of a value, the error of a success.
  EXPECT_DEATH((void)Half(3).value(), "");
  EXPECT_DEATH((void)Half(4).error(), "");
  EXPECT_DEATH((void)Ok().error(), "");
}

TEST(Diagnostic, ExitCodesScriptsRelyOn) {
  EXPECT_EQ(ExitCodeFor(Error(ErrorCode::kInvalidArgument, "")), 2);
  EXPECT_EQ(ExitCodeFor(Error(ErrorCode::kAuthFailed, "")), 3);
  EXPECT_EQ(ExitCodeFor(Error(ErrorCode::kNoMatch, "")), 3);
  EXPECT_EQ(ExitCodeFor(Error(ErrorCode::kRefused, "")), 3);
  EXPECT_EQ(ExitCodeFor(Error(ErrorCode::kAlreadyExists, "")), 4);
  EXPECT_EQ(ExitCodeFor(Error(ErrorCode::kIo, "")), 1);
  EXPECT_EQ(ExitCodeFor(Error(ErrorCode::kMalformed, "")), 1);
  EXPECT_EQ(FormatError(Error(ErrorCode::kIo, "disk full", "free some space")),
            "cordon: error: disk full\ncordon: hint: free some space\n");
}

}  // namespace
}  // namespace cordon
