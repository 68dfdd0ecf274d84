#include "core/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
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

// A rename over a device node replaces it: run as root, `-o /dev/null` would
// turn the machine's /dev/null into a regular file. A private null device in
// the scratch directory stands in for it.
TEST_F(FileTest, WritesADeviceInPlaceWithoutReplacingIt) {
  if (::mknod(Path("null").c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "mknod needs root: " << std::strerror(errno);
  }
  ASSERT_TRUE(WriteFileAtomic(Path("null"), AsBytes("discarded")).ok());
  auto f = AtomicFile::Create(Path("null"));
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->in_place());
  ASSERT_TRUE(f->Write(AsBytes("also discarded")).ok());
  ASSERT_TRUE(f->Commit().ok());
  struct stat st {};
  ASSERT_EQ(::stat(Path("null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  EXPECT_EQ(EntryCount(), 1u);  // no temporary left beside it
}

TEST_F(FileTest, WritesAFifoInPlaceForItsReader) {
  ASSERT_EQ(::mkfifo(Path("fifo").c_str(), 0600), 0);
  // The reader is open before the write (non-blocking open, then blocking
  // reads): the writer need not wait for it, and if the FIFO were replaced
  // instead of written, the read would see end of file, not hang.
  UniqueFd reader(::open(Path("fifo").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  ASSERT_GE(reader.get(), 0);
  ASSERT_EQ(::fcntl(reader.get(), F_SETFL, 0), 0);
  Status s = WriteFileAtomic(Path("fifo"), AsBytes("through the pipe"));
  ASSERT_TRUE(s.ok()) << s.error().message();
  std::string got;
  char buf[64];
  ssize_t n;
  while ((n = ::read(reader.get(), buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
  EXPECT_EQ(got, "through the pipe");
  struct stat st {};
  ASSERT_EQ(::stat(Path("fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(EntryCount(), 1u);
}

// /dev/fd/N is written through the open descriptor: appended where the shell
// opened it with >>, the file itself kept (same inode, nothing truncated).
TEST_F(FileTest, WritesADescriptorAliasThroughTheDescriptor) {
  ASSERT_TRUE(WriteFileAtomic(Path("log"), AsBytes("kept\n")).ok());
  UniqueFd fd(::open(Path("log").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  ASSERT_GE(fd.get(), 0);
  struct stat before {};
  ASSERT_EQ(::stat(Path("log").c_str(), &before), 0);
  ASSERT_TRUE(WriteFileAtomic("/dev/fd/" + std::to_string(fd.get()), AsBytes("added\n")).ok());
  EXPECT_EQ(AsChars(*ReadFileLimited(Path("log"), 100)), "kept\nadded\n");
  struct stat after {};
  ASSERT_EQ(::stat(Path("log").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(EntryCount(), 1u);
  EXPECT_FALSE(WriteFileAtomic("/dev/fd/999", AsBytes("x")).ok());  // not open: an error
}

TEST_F(FileTest, KeysAreNeverWrittenOverADevice) {
  ASSERT_EQ(::mkfifo(Path("fifo").c_str(), 0600), 0);
  Status s = WriteFileAtomic(Path("fifo"), AsBytes("secret"), 0600, Overwrite::kRefuse);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kAlreadyExists);
}

}  // namespace
}  // namespace cordon
