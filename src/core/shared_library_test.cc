#include "core/shared_library.h"

#include <gtest/gtest.h>

#include <cstring>

namespace cordon {
namespace {

TEST(SharedLibrary, BindsAFunctionOfALoadedLibrary) {
  auto libc = SharedLibrary::Open("libc.so.6", "the C library", "reinstall libc6");
  ASSERT_TRUE(libc.ok()) << libc.error().message();
  decltype(&std::strlen) strlen_fn = nullptr;
  ASSERT_TRUE(libc->Bind("strlen", &strlen_fn).ok());
  EXPECT_EQ(strlen_fn("cordon"), 6u);
}

TEST(SharedLibrary, MissingLibraryIsAnErrorWithTheInstallHint) {
  auto lib = SharedLibrary::Open("libcordon-absent.so.0", "a library nobody ships",
                                 "apt install libcordon-absent0");
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(lib.error().message().find("libcordon-absent.so.0 (a library nobody ships)"),
            std::string::npos)
      << lib.error().message();
  EXPECT_EQ(lib.error().hint(), "apt install libcordon-absent0");
}

TEST(SharedLibrary, MissingFunctionIsAnErrorNotANullPointer) {
  auto libc = SharedLibrary::Open("libc.so.6", "the C library", "reinstall libc6");
  ASSERT_TRUE(libc.ok());
  void (*fn)() = nullptr;
  Status bound = libc->Bind("cordon_no_such_function", &fn);
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.error().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(fn, nullptr);
}

}  // namespace
}  // namespace cordon
