#include "recording/sealed_recording.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/file.h"
#include "recording/verify.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::recording {
namespace {

using std::chrono::microseconds;
namespace fs = std::filesystem;

struct Made {
  std::string path;
  std::vector<Anchor> anchors;  // one per sealed chunk, then the end anchor
  std::vector<std::string> lines;
};

// A line of output, about 80 bytes, numbered so that content is unique.
std::string OutputLine(int i) {
  return "line " + std::to_string(i) + ": PACS study list, patient room 1234, accession A" +
         std::to_string(i * 7919) + "\r\n";
}

class SealedRecordingTest : public ::testing::Test {
 protected:
  SealedRecordingTest() : identity_(age::X25519Identity::Generate()) {}

  std::vector<std::string> Recipients() const { return {identity_.Recipient().Encode()}; }

  // Writes `count` output lines, taking an anchor whenever a chunk was
  // sealed; finishes unless `finish` is false (a killed bastion).
  Made Record(const std::string& name, int count, bool finish = true) {
    Made m;
    m.path = dir_ / name;
    auto rec = SealedRecording::Create(
        m.path, Recipients(),
        {.width = 80, .height = 24, .timestamp = 1700000000, .term = "xterm"});
    EXPECT_TRUE(rec.ok()) << rec.error().message();
    if (!rec.ok()) return m;
    auto first = (*rec)->TakeAnchor();
    EXPECT_TRUE(first.ok());
    m.anchors.push_back(*first);
    for (int i = 0; i < count; ++i) {
      m.lines.push_back(OutputLine(i));
      EXPECT_TRUE(
          (*rec)->Event(microseconds(i * 1000), EventType::kOutput, AsBytes(m.lines.back())).ok());
      if (i % 200 != 199) continue;  // an anchor every 200 lines (19 KB): each chunk gets one
      auto a = (*rec)->TakeAnchor();
      EXPECT_TRUE(a.ok());
      if (a->chunks != m.anchors.back().chunks) m.anchors.push_back(*a);
    }
    if (finish) {
      auto end = (*rec)->Finish();
      EXPECT_TRUE(end.ok());
      m.anchors.push_back(*end);
    }
    return m;
  }

  std::string WriteIdentityFile() {
    const std::string path = dir_ / "identity.txt";
    SecretBuffer key = identity_.Encode();
    EXPECT_TRUE(WriteSecretFile(path, key).ok());
    return path;
  }

  test_support::ScopedTempDir dir_;
  age::X25519Identity identity_;
};

uint64_t FileSize(const std::string& path) { return fs::file_size(path); }

void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x01));
}

void Append(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  f << data;
}

// Runs a shell command; returns its standard output and exit status.
std::pair<std::string, int> RunShell(const std::string& command) {
  FILE* p = ::popen(command.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

TEST_F(SealedRecordingTest, RealAgeDecryptsAFinishedRecordingToValidAsciicast) {
  if (!fs::exists("/usr/bin/age")) GTEST_SKIP() << "the age CLI is not installed";
  // ~240 KB of output: several full chunks and a short last one.
  Made m = Record("session.age", 3000);
  ASSERT_GT(m.anchors.back().chunks, 3u);
  const std::string id = WriteIdentityFile();
  auto [plain, status] = RunShell("age -d -i " + id + " " + m.path + " 2>&1");
  ASSERT_EQ(status, 0) << plain;
  MemorySource src(AsBytes(plain));
  auto reader = AsciicastReader::Open(src);
  ASSERT_TRUE(reader.ok()) << reader.error().message();
  EXPECT_EQ((*reader)->header().timestamp, 1700000000);
  EXPECT_EQ((*reader)->header().term, "xterm");
  size_t i = 0;
  for (;;) {
    auto e = (*reader)->Next();
    ASSERT_TRUE(e.ok()) << e.error().message();
    if (!*e) break;
    ASSERT_LT(i, m.lines.size());
    EXPECT_EQ((*e)->type, EventType::kOutput);
    EXPECT_EQ((*e)->time, microseconds(i * 1000));
    EXPECT_EQ((*e)->data, m.lines[i]);
    ++i;
  }
  EXPECT_EQ(i, m.lines.size());
}

TEST_F(SealedRecordingTest, RealAgeDecryptsInputResizeAndNonUtf8Events) {
  if (!fs::exists("/usr/bin/age")) GTEST_SKIP() << "the age CLI is not installed";
  const std::string path = dir_ / "mixed.age";
  auto rec = SealedRecording::Create(
      path, Recipients(),
      {.width = 132, .height = 43, .timestamp = 42, .term = "screen", .title = "pacs01"});
  ASSERT_TRUE(rec.ok());
  ASSERT_TRUE((*rec)->Event(microseconds(10), EventType::kOutput, AsBytes("caf\xC3")).ok());
  ASSERT_TRUE((*rec)->Event(microseconds(20), EventType::kInput, AsBytes("ls -l\r")).ok());
  ASSERT_TRUE(
      (*rec)->Event(microseconds(30), EventType::kOutput, AsBytes("\xA9 \xFF\x1b[0m")).ok());
  ASSERT_TRUE((*rec)->Event(microseconds(40), EventType::kResize, AsBytes("100x30")).ok());
  ASSERT_TRUE((*rec)->Finish().ok());
  auto [plain, status] = RunShell("age -d -i " + WriteIdentityFile() + " " + path + " 2>&1");
  ASSERT_EQ(status, 0) << plain;
  MemorySource src(AsBytes(plain));
  auto reader = AsciicastReader::Open(src);
  ASSERT_TRUE(reader.ok()) << reader.error().message();
  EXPECT_EQ((*reader)->header().width, 132);
  EXPECT_EQ((*reader)->header().title, "pacs01");
  struct Want {
    int64_t us;
    EventType type;
    std::string data;
  };
  const std::vector<Want> want = {{10, EventType::kOutput, "caf"},
                                  {20, EventType::kInput, "ls -l\r"},
                                  {30, EventType::kOutput, "\xC3\xA9 \xEF\xBF\xBD\x1b[0m"},
                                  {40, EventType::kResize, "100x30"}};
  for (const Want& w : want) {
    auto e = (*reader)->Next();
    ASSERT_TRUE(e.ok() && e->has_value());
    EXPECT_EQ((*e)->time, microseconds(w.us));
    EXPECT_EQ((*e)->type, w.type);
    EXPECT_EQ((*e)->data, w.data);
  }
  auto last = (*reader)->Next();
  ASSERT_TRUE(last.ok());
  EXPECT_FALSE(last->has_value());
}

TEST_F(SealedRecordingTest, FileIsNewAndPrivateAndHoldsNoPlaintext) {
  Made m = Record("session.age", 10);
  struct stat st {};
  ASSERT_EQ(::stat(m.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto bytes = ReadFileLimited(m.path, 1 << 20);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(std::string(AsChars(*bytes)).find("PACS"), std::string::npos);
  // A recording is never overwritten.
  auto again = SealedRecording::Create(m.path, Recipients(), {});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(FileSize(m.path), m.anchors.back().bytes);
}

TEST_F(SealedRecordingTest, RefusesBadRecipients) {
  auto none = SealedRecording::Create(dir_ / "a", {}, {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), ErrorCode::kInvalidArgument);
  auto bad = SealedRecording::Create(dir_ / "b", {"age1notakey"}, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("age1notakey"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "a"));
  EXPECT_FALSE(fs::exists(dir_ / "b"));
}

TEST_F(SealedRecordingTest, AnchorCoversOnlySealedChunksOnDisk) {
  const std::string path = dir_ / "s.age";
  auto rec = SealedRecording::Create(path, Recipients(), {});
  ASSERT_TRUE(rec.ok());
  auto a0 = (*rec)->TakeAnchor();
  ASSERT_TRUE(a0.ok());
  EXPECT_EQ(a0->chunks, 1u);  // the header unit
  EXPECT_EQ(a0->bytes, FileSize(path));
  EXPECT_EQ(a0->header_sha256, (*rec)->header_sha256());
  // Less than a chunk of plaintext: nothing new is sealed, nothing anchored.
  ASSERT_TRUE(
      (*rec)->Event(microseconds(1), EventType::kOutput, AsBytes(std::string(30000, 'x'))).ok());
  auto a1 = (*rec)->TakeAnchor();
  ASSERT_TRUE(a1.ok());
  EXPECT_EQ(*a1, *a0);
  EXPECT_EQ(FileSize(path), a0->bytes);
  // Past 64 KiB one chunk is sealed; the anchor counts exactly it.
  ASSERT_TRUE(
      (*rec)->Event(microseconds(2), EventType::kOutput, AsBytes(std::string(40000, 'y'))).ok());
  auto a2 = (*rec)->TakeAnchor();
  ASSERT_TRUE(a2.ok());
  EXPECT_EQ(a2->chunks, 2u);
  EXPECT_EQ(a2->bytes, a0->bytes + kUnitSize);
  EXPECT_EQ(FileSize(path), a2->bytes);
  auto end = (*rec)->Finish();
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->chunks, 3u);
  EXPECT_EQ(end->bytes, FileSize(path));
  EXPECT_FALSE((*rec)->Event(microseconds(3), EventType::kOutput, AsBytes("late")).ok());
}

TEST_F(SealedRecordingTest, HeaderShaNamesTheRecording) {
  Made a = Record("a.age", 1);
  Made b = Record("b.age", 1);
  auto ha = HeaderSha256(a.path);
  auto hb = HeaderSha256(b.path);
  ASSERT_TRUE(ha.ok());
  ASSERT_TRUE(hb.ok());
  EXPECT_EQ(*ha, a.anchors.back().header_sha256);
  EXPECT_NE(*ha, *hb);
  Append(dir_ / "plain.txt", "not an age file\n");
  EXPECT_FALSE(HeaderSha256(dir_ / "plain.txt").ok());
}

// --- verification ---------------------------------------------------------

class VerifyTest : public SealedRecordingTest {
 protected:
  void SetUp() override {
    m_ = Record("session.age", 4000);  // about 320 KB: 5 chunks and a short one
    ASSERT_GE(m_.anchors.size(), 5u);
  }
  Result<VerifyReport> Verify(bool ended = true) {
    return VerifyRecording(m_.path, m_.anchors, ended);
  }
  void ExpectRefused(const std::string& what, bool ended = true) {
    auto r = Verify(ended);
    ASSERT_FALSE(r.ok()) << "accepted: " << r->Summary();
    EXPECT_EQ(r.error().code(), ErrorCode::kAuthFailed);
    EXPECT_NE(r.error().message().find(what), std::string::npos) << r.error().message();
  }
  Made m_;
};

TEST_F(VerifyTest, AcceptsAnIntactRecording) {
  auto r = Verify();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->file_bytes, FileSize(m_.path));
  EXPECT_EQ(r->anchors, m_.anchors.size());
  EXPECT_EQ(r->unanchored_bytes, 0u);
  EXPECT_NE(r->Summary().find("complete and unchanged"), std::string::npos);
  // The end anchor alone suffices.
  EXPECT_TRUE(VerifyRecording(m_.path, {m_.anchors.back()}, true).ok());
}

TEST_F(VerifyTest, RefusesTruncationAtAChunkBoundary) {
  fs::resize_file(m_.path, m_.anchors[3].bytes);
  ExpectRefused("truncated at a chunk boundary, after chunk 3");
}

TEST_F(VerifyTest, RefusesTruncationInsideAChunk) {
  fs::resize_file(m_.path, m_.anchors[3].bytes + 1000);
  ExpectRefused("truncated inside chunk 4");
}

TEST_F(VerifyTest, RefusesTruncationInsideTheLastChunk) {
  fs::resize_file(m_.path, FileSize(m_.path) - 1);
  ExpectRefused("truncated inside chunk");
}

TEST_F(VerifyTest, RefusesAChangedByteInTheHeader) {
  FlipByte(m_.path, 40);  // inside the X25519 stanza
  auto r = Verify();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kAuthFailed);
  EXPECT_NE(r.error().message().find("chunk 0"), std::string::npos) << r.error().message();
}

TEST_F(VerifyTest, RefusesAChangedByteInAMiddleChunk) {
  FlipByte(m_.path, m_.anchors[2].bytes + 12345);  // in chunk 3
  ExpectRefused("anchor 4 of");
  ExpectRefused("content changed in chunks 3–3");
}

TEST_F(VerifyTest, RefusesAChangedByteInTheLastChunkWithOnlyTheEndAnchor) {
  FlipByte(m_.path, FileSize(m_.path) - 3);
  m_.anchors = {m_.anchors.back()};
  ExpectRefused("content changed in chunks 0–");
}

TEST_F(VerifyTest, RefusesExtraBytes) {
  Append(m_.path, "x");
  ExpectRefused("1 bytes after the recording's end");
  Append(m_.path, std::string(kUnitSize, 'y'));
  ExpectRefused("bytes after the recording's end");
}

TEST_F(VerifyTest, RefusesAnotherRecordingsAnchors) {
  Made other = Record("other.age", 4000);
  auto r = VerifyRecording(m_.path, other.anchors, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kAuthFailed);
  EXPECT_NE(r.error().message().find("chunk 0 (the age header) was changed or replaced"),
            std::string::npos)
      << r.error().message();
}

TEST_F(VerifyTest, RefusesAnchorsOutOfOrder) {
  std::swap(m_.anchors[1], m_.anchors[2]);
  auto r = Verify();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(VerifyRecording(m_.path, {}, true).ok());
}

TEST_F(SealedRecordingTest, AcceptsAKilledRecordingUpToItsLastAnchor) {
  Made m = Record("killed.age", 2400, /*finish=*/false);  // the object is gone: no Finish()
  ASSERT_GE(m.anchors.size(), 3u);
  const uint64_t size = FileSize(m.path);
  EXPECT_EQ(size, m.anchors.back().bytes);  // what was sealed is exactly what was anchored
  // A write in progress when the bastion died: half a chunk after the anchor.
  Append(m.path, std::string(kUnitSize / 2, 'z'));
  auto r = VerifyRecording(m.path, m.anchors, /*ended=*/false);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->unanchored_bytes, kUnitSize / 2);
  EXPECT_NE(r->Summary().find("verified up to anchor " + std::to_string(m.anchors.size())),
            std::string::npos)
      << r->Summary();
  // Claimed complete, it is not.
  auto as_ended = VerifyRecording(m.path, m.anchors, /*ended=*/true);
  EXPECT_FALSE(as_ended.ok());
  // `age -d` decrypts what was sealed and then reports the truncation.
  if (fs::exists("/usr/bin/age")) {
    fs::resize_file(m.path, size);
    auto [plain, status] = RunShell("age -d -i " + WriteIdentityFile() + " " + m.path + " 2>&1");
    EXPECT_NE(status, 0);
    EXPECT_NE(plain.find("\"line 0: PACS"), std::string::npos) << plain.substr(0, 300);
  }
}

// The real thing: a recorder process killed with SIGKILL mid-session. The
// anchors it handed out (as it would to the ledger) verify the file it left.
TEST_F(SealedRecordingTest, AcceptsTheRecordingOfAProcessKilledMidSession) {
  const std::string path = dir_ / "sigkill.age";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto rec = SealedRecording::Create(path, Recipients(), {});
    if (!rec.ok()) ::_exit(1);
    for (int i = 0; i < 3000; ++i) {
      if (!(*rec)->Event(microseconds(i), EventType::kOutput, AsBytes(OutputLine(i))).ok()) {
        ::_exit(1);
      }
      if (i % 200 == 199) {
        auto a = (*rec)->TakeAnchor();
        if (!a.ok()) ::_exit(1);
        const std::string line = AnchorToJson(*a).dump() + "\n";
        if (::write(fds[1], line.data(), line.size()) != ssize_t(line.size())) ::_exit(1);
      }
    }
    const std::string done = "done\n";
    (void)!::write(fds[1], done.data(), done.size());
    ::pause();  // killed here, before Finish()
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string text;
  char buf[4096];
  while (text.find("done\n") == std::string::npos) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, size_t(n));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status));
  std::vector<Anchor> anchors;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line) && line != "done") {
    auto a = AnchorFromJson(nlohmann::json::parse(line));
    ASSERT_TRUE(a.ok());
    anchors.push_back(*a);
  }
  ASSERT_GE(anchors.size(), 10u);
  auto r = VerifyRecording(path, anchors, /*ended=*/false);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->last.chunks, anchors.back().chunks);
  // A half-written chunk after the last anchor (the kill came mid-write)
  // is reported, not refused.
  Append(path, std::string(1000, 'w'));
  auto r2 = VerifyRecording(path, anchors, /*ended=*/false);
  ASSERT_TRUE(r2.ok()) << r2.error().message();
  EXPECT_EQ(r2->unanchored_bytes, r->unanchored_bytes + 1000);
}

TEST_F(SealedRecordingTest, RefusesAKilledRecordingTruncatedBeforeItsLastAnchor) {
  Made m = Record("killed.age", 2400, /*finish=*/false);
  fs::resize_file(m.path, m.anchors.back().bytes - 1);
  auto r = VerifyRecording(m.path, m.anchors, /*ended=*/false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kAuthFailed);
  EXPECT_NE(r.error().message().find("truncated inside chunk"), std::string::npos)
      << r.error().message();
  // A changed byte before the last anchor is refused too.
  Made k = Record("killed2.age", 2400, /*finish=*/false);
  FlipByte(k.path, k.anchors[1].bytes + 5);
  auto r2 = VerifyRecording(k.path, k.anchors, /*ended=*/false);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message().find("content changed"), std::string::npos)
      << r2.error().message();
}

TEST(AnchorJsonTest, RoundTripsAndRefusesMalformed) {
  Anchor a{.chunks = 3,
           .bytes = 131300,
           .head = std::string(64, 'a'),
           .header_sha256 = std::string(64, 'b')};
  auto back = AnchorFromJson(AnchorToJson(a));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, a);
  auto set =
      ParseAnchorSet(R"({"ended": false, "anchors": [{"chunks": 1, "bytes": 200, "head": ")" +
                     std::string(64, 'C') + R"("}]})");
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_FALSE(set->ended);
  EXPECT_EQ(set->anchors[0].head, std::string(64, 'c'));
  for (const char* bad :
       {"[]", R"({"anchors": []})", R"({"ended": true})",
        R"({"ended": true, "anchors": [{"chunks": -1, "bytes": 1, "head": ""}]})",
        R"({"ended": true, "anchors": [{"chunks": 1, "bytes": 1, "head": "zz"}]})"}) {
    auto r = ParseAnchorSet(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
  }
}

}  // namespace
}  // namespace cordon::recording
