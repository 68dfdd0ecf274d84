#include "core/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace cordon {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cordon-file-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const char* name) { return (dir_ / name).string(); }
  size_t EntryCount() {
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir_), {}));
  }
  std::filesystem::path dir_;
};

TEST_F(FileTest, AtomicWritePublishesContentWithMode) {
  ASSERT_TRUE(WriteFileAtomic(Path("a"), AsBytes("hello"), 0600).ok());
  EXPECT_EQ(AsChars(*ReadFileLimited(Path("a"), 100)), "hello");
  struct stat st {};
  ASSERT_EQ(::stat(Path("a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(EntryCount(), 1u);
}

TEST_F(FileTest, RefusesToOverwriteWhenAsked) {
  ASSERT_TRUE(WriteFileAtomic(Path("k"), AsBytes("first")).ok());
  Status s = WriteFileAtomic(Path("k"), AsBytes("second"), 0600, Overwrite::kRefuse);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(AsChars(*ReadFileLimited(Path("k"), 100)), "first");
  EXPECT_EQ(EntryCount(), 1u);
}

TEST_F(FileTest, UncommittedFileLeavesNothingBehind) {
  {
    auto f = AtomicFile::Create(Path("partial"));
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->Write(AsBytes("half of it")).ok());
  }
  EXPECT_FALSE(PathExists(Path("partial")));
  EXPECT_EQ(EntryCount(), 0u);
}

TEST_F(FileTest, ReadLimitedRefusesLargeFilesAndNamesMissingOnes) {
  ASSERT_TRUE(WriteFileAtomic(Path("big"), Bytes(1000, 'x')).ok());
  auto r = ReadFileLimited(Path("big"), 999);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
  auto missing = ReadFileLimited(Path("nope"), 10);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("nope"), std::string::npos);
}

}  // namespace
}  // namespace cordon
