#include "ledger/ledger.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <thread>
#include <utility>

#include "core/encoding.h"
#include "core/file.h"
#include "core/utc_time.h"
#include "ledger/entry.h"
#include "ledger/records.h"

namespace cordon::ledger {
namespace {

constexpr size_t kReadChunk = 4 << 20;
constexpr size_t kIndexBuffer = 4 << 20;    // index bytes kept in memory before writing
constexpr size_t kPreallocate = 4 << 20;    // zeros written ahead of the records
constexpr size_t kLargeAppend = 256 << 10;  // appends this large grow the file instead

std::string Join(const std::string& dir, const char* name) { return dir + "/" + name; }

Status WriteAllAt(int fd, ByteView data, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n =
        pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoError(path);
    done += static_cast<size_t>(n);
  }
  return Ok();
}

Status ReadAllAt(int fd, std::span<uint8_t> out, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(path);
    if (n == 0) return Error(ErrorCode::kTruncated, path + ": ends early");
    done += static_cast<size_t>(n);
  }
  return Ok();
}

Result<uint64_t> FileSize(int fd, const std::string& path) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return ErrnoError(path);
  return static_cast<uint64_t>(st.st_size);
}

Status CheckMagic(int fd, std::string_view magic, const std::string& path) {
  std::string head(magic.size(), '\0');
  ssize_t n = pread(fd, head.data(), head.size(), 0);
  if (n != static_cast<ssize_t>(magic.size()) || head != magic) {
    return Error(ErrorCode::kMalformed, path + ": not a cordon ledger file (bad first line)");
  }
  return Ok();
}

// An flock held for one operation: writers lock only while they append, so
// a long-lived writer (the server) never blocks readers or `verify`.
class FileLock {
 public:
  static Result<FileLock> Take(int fd, int op, const std::string& path) {
    while (flock(fd, op) != 0) {
      if (errno != EINTR) return ErrnoError(path);
    }
    return FileLock(fd);
  }
  FileLock(FileLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock() {
    if (fd_ >= 0) flock(fd_, LOCK_UN);
  }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

// Reads records from `fd` starting at `pos`, calling `each(record, offset)`
// for every valid one; returns where the valid records end and how the scan
// stopped (kEnd, or the first bad / incomplete record).
struct ScanEnd {
  uint64_t pos;
  RecordStatus status;
};
Result<ScanEnd> ScanRecords(int fd, uint64_t pos, uint64_t file_size, const std::string& path,
                            const std::function<Status(const RecordView&, uint64_t)>& each,
                            bool check = true) {
  Bytes buf;
  size_t start = 0;        // first unconsumed byte of buf
  uint64_t buf_pos = pos;  // file offset of buf[0]
  while (true) {
    RecordView r = ParseRecord(ByteView(buf).subspan(start), check);
    if (r.status == RecordStatus::kOk) {
      CORDON_TRY(each(r, buf_pos + start));
      start += r.size;
      continue;
    }
    if (r.status == RecordStatus::kBad) return ScanEnd{buf_pos + start, r.status};
    if (r.status == RecordStatus::kEnd && start < buf.size()) {
      return ScanEnd{buf_pos + start, r.status};  // the end marker, before the file's end
    }
    // kEnd or kIncomplete: read more, keeping the unconsumed part.
    uint64_t next = buf_pos + buf.size();
    if (next >= file_size) {
      return ScanEnd{buf_pos + start,
                     start == buf.size() ? RecordStatus::kEnd : RecordStatus::kIncomplete};
    }
    buf.erase(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(start));
    buf_pos += start;
    start = 0;
    size_t want = static_cast<size_t>(std::min<uint64_t>(kReadChunk, file_size - next));
    size_t old = buf.size();
    buf.resize(old + want);
    CORDON_TRY(ReadAllAt(fd, std::span<uint8_t>(buf).subspan(old), next, path));
  }
}

// True when bytes [from, to) of `fd` are all zero: the preallocated space
// after the end marker. Anything else there is what an interrupted append
// left behind.
Result<bool> AllZero(int fd, uint64_t from, uint64_t to, const std::string& path) {
  Bytes buf(1 << 20);
  while (from < to) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), to - from));
    CORDON_TRY(ReadAllAt(fd, std::span<uint8_t>(buf).first(n), from, path));
    // Zero when the first byte is and every byte equals the next (memcmp is
    // vectorized; a byte loop over the 4 MiB ahead cost every open ~4 ms).
    if (buf[0] != 0 || std::memcmp(buf.data(), buf.data() + 1, n - 1) != 0) return false;
    from += n;
  }
  return true;
}

// The tree size a checkpoint note claims, without checking its signature.
uint64_t NoteSize(std::string_view note) {
  auto n = ParseNote(note);
  if (!n) return 0;
  auto c = ParseCheckpointBody(n->text);
  return c ? c->size : 0;
}

}  // namespace

Status Ledger::Init(const std::string& dir, const std::string& origin, const sign::SecretKey& key,
                    const nlohmann::json& actor) {
  if (!ValidKeyName(origin)) {
    return Error(ErrorCode::kInvalidArgument,
                 "origin \"" + origin + "\": must be non-empty ASCII without spaces or '+'",
                 "use a schema-less URL such as lab.example/cordon-ledger");
  }
  // Parents too: the default per-user ledger lives under ~/.local/share.
  for (size_t p = dir.find('/', 1); p != std::string::npos; p = dir.find('/', p + 1)) {
    mkdir(dir.substr(0, p).c_str(), 0700);
  }
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoError(dir);
  if (PathExists(Join(dir, "ledger.log"))) {
    return Error(ErrorCode::kAlreadyExists, dir + " already holds a ledger");
  }
  SecretBuffer key_text = key.Format();
  CORDON_TRY(WriteSecretFile(Join(dir, "signing.key"), key_text));
  NoteVerifier v = NoteVerifier::For(origin, key.public_key().key);
  CORDON_TRY(WriteFileAtomic(Join(dir, "vkey"), AsBytes(v.Format() + "\n"), 0644));
  CORDON_TRY(WriteFileAtomic(Join(dir, "checkpoints.log"), AsBytes(kCheckpointsMagic), 0644));
  // ledger.log last: its presence is what marks a complete ledger.
  CORDON_TRY(
      WriteFileAtomic(Join(dir, "ledger.log"), AsBytes(kLogMagic), 0644, Overwrite::kRefuse));
  CORDON_ASSIGN_OR_RETURN(Ledger l, Open(dir, Access::kAppend));
  nlohmann::json genesis = {{"action", "ledger.init"},
                            {"origin", origin},
                            {"key_id", sign::KeyIdHex(key.key_id())},
                            {"outcome", "ok"}};
  if (!actor.is_null()) genesis["actor"] = actor;
  CORDON_TRY(l.Append({genesis}));
  CORDON_TRY(l.Checkpoint());
  return Ok();
}

Result<Ledger> Ledger::Open(const std::string& dir, Access access,
                            std::vector<std::string>* warnings) {
  Ledger l;
  l.dir_ = dir;
  l.access_ = access;
  l.now_ = UtcNowText;
  const std::string log_path = Join(dir, "ledger.log");
  bool writable = true;
  int fd = open(log_path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0 && (errno == EACCES || errno == EROFS) && access == Access::kRead) {
    writable = false;
    fd = open(log_path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) {
    if (errno == ENOENT) {
      return Error(ErrorCode::kNotFound, dir + ": no ledger here",
                   "create one with `cordon ledger init --dir " + dir + " --origin NAME`");
    }
    return ErrnoError(log_path);
  }
  l.log_ = UniqueFd(fd);
  // Exclusive while recovering (shared on a read-only copy), released on return.
  CORDON_ASSIGN_OR_RETURN(FileLock lock,
                          FileLock::Take(fd, writable ? LOCK_EX : LOCK_SH, log_path));
  CORDON_TRY(CheckMagic(fd, kLogMagic, log_path));
  CORDON_ASSIGN_OR_RETURN(Bytes vkey, ReadFileLimited(Join(dir, "vkey"), 4096));
  CORDON_ASSIGN_OR_RETURN(l.verifier_, NoteVerifier::Parse(AsChars(vkey)));
  if (access == Access::kAppend) {
    CORDON_ASSIGN_OR_RETURN(SecretBuffer secret, ReadSecretFile(Join(dir, "signing.key"), 4096));
    CORDON_ASSIGN_OR_RETURN(sign::SecretKey key, sign::SecretKey::Parse(secret));
    if (NoteVerifier::For(l.verifier_.name, key.public_key().key).key_id != l.verifier_.key_id) {
      return Error(ErrorCode::kAuthFailed, dir + ": signing.key is not the key of vkey");
    }
    l.key_ = std::move(key);
  }
  const int cp_flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
  int cfd = open(Join(dir, "checkpoints.log").c_str(), cp_flags);
  if (cfd < 0) return ErrnoError(Join(dir, "checkpoints.log"));
  l.checkpoints_fd_ = UniqueFd(cfd);
  CORDON_TRY(CheckMagic(cfd, kCheckpointsMagic, Join(dir, "checkpoints.log")));
  CORDON_TRY(l.LoadCheckpoints(writable ? warnings : nullptr));
  int ofd = open(Join(dir, "offsets").c_str(), (writable ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC,
                 0600);
  if (ofd < 0) return ErrnoError(Join(dir, "offsets"));
  l.offsets_ = UniqueFd(ofd);
  CORDON_ASSIGN_OR_RETURN(l.levels_, HashLevels::Open(Join(dir, "tree"), writable));
  if (writable) {
    CORDON_TRY(l.Recover(warnings));
  } else {
    CORDON_ASSIGN_OR_RETURN(uint64_t off_bytes, FileSize(ofd, Join(dir, "offsets")));
    l.size_ = off_bytes / 8;
    if (!l.levels_.Consistent() || l.levels_.leaves() != l.size_) {
      return Error(ErrorCode::kRefused,
                   dir + ": the ledger's index is behind its log and the directory is read-only",
                   "run `cordon ledger verify` (it reads the log alone), or open the ledger "
                   "once with write access");
    }
  }
  return l;
}

Status Ledger::LoadCheckpoints(std::vector<std::string>* warnings) {
  const std::string path = Join(dir_, "checkpoints.log");
  CORDON_ASSIGN_OR_RETURN(uint64_t file_size, FileSize(checkpoints_fd_.get(), path));
  checkpoints_.clear();
  CORDON_ASSIGN_OR_RETURN(
      ScanEnd end, ScanRecords(checkpoints_fd_.get(), kCheckpointsMagic.size(), file_size, path,
                               [&](const RecordView& r, uint64_t) {
                                 checkpoints_.emplace_back(AsChars(r.payload));
                                 return Ok();
                               }));
  checkpoints_bytes_ = end.pos;
  checkpointed_size_ = checkpoints_.empty() ? 0 : NoteSize(checkpoints_.back());
  if ((end.status != RecordStatus::kEnd || end.pos != file_size) && warnings != nullptr) {
    // Only the last checkpoint write can be torn; drop its remains.
    if (ftruncate(checkpoints_fd_.get(), static_cast<off_t>(end.pos)) != 0 ||
        fdatasync(checkpoints_fd_.get()) != 0) {
      return ErrnoError(path);
    }
    warnings->push_back(path + ": dropped " + std::to_string(file_size - end.pos) +
                        " bytes of a checkpoint whose write was interrupted");
  }
  return Ok();
}

Status Ledger::Recover(std::vector<std::string>* warnings) {
  const std::string log_path = Join(dir_, "ledger.log");
  const std::string off_path = Join(dir_, "offsets");
  CORDON_ASSIGN_OR_RETURN(uint64_t log_size, FileSize(log_.get(), log_path));
  CORDON_ASSIGN_OR_RETURN(uint64_t off_bytes, FileSize(offsets_.get(), off_path));
  uint64_t n = off_bytes / 8;
  if (!levels_.Consistent()) n = 0;
  n = std::min(n, levels_.leaves());
  uint64_t pos = kLogMagic.size();
  if (n > 0) {
    // Trust the index only if its last entry is a valid record of the log.
    uint8_t raw[8];
    CORDON_TRY(ReadAllAt(offsets_.get(), raw, (n - 1) * 8, off_path));
    uint64_t off = 0;
    for (int i = 7; i >= 0; --i) off = off << 8 | raw[i];
    bool good = false;
    if (off >= kLogMagic.size() && off + kRecordOverhead <= log_size) {
      uint8_t len[4];
      CORDON_TRY(ReadAllAt(log_.get(), len, off, log_path));
      uint64_t payload = uint64_t{len[0]} | uint64_t{len[1]} << 8 | uint64_t{len[2]} << 16 |
                         uint64_t{len[3]} << 24;
      if (payload <= kMaxRecordPayload && off + kRecordOverhead + payload <= log_size) {
        Bytes rec(kRecordOverhead + payload);
        CORDON_TRY(ReadAllAt(log_.get(), rec, off, log_path));
        RecordView r = ParseRecord(rec);
        auto leaf = levels_.Leaf(n - 1);
        if (r.status == RecordStatus::kOk && leaf && *leaf == r.leaf) {
          good = true;
          pos = off + r.size;
        }
      }
    }
    if (!good) n = 0, pos = kLogMagic.size();
  }
  if (n * 8 != off_bytes && ftruncate(offsets_.get(), static_cast<off_t>(n * 8)) != 0) {
    return ErrnoError(off_path);
  }
  CORDON_TRY(levels_.Truncate(n));
  // Index whatever the log holds beyond the index.
  Bytes offsets;
  CORDON_ASSIGN_OR_RETURN(
      ScanEnd end,
      ScanRecords(log_.get(), pos, log_size, log_path, [&](const RecordView& r, uint64_t at) {
        for (int i = 0; i < 8; ++i) {
          offsets.push_back(static_cast<uint8_t>(at >> (8 * i)));
        }
        ++n;
        return levels_.Push(r.leaf);
      }));
  bool torn = end.status != RecordStatus::kEnd;
  if (!torn && end.pos < log_size) {
    CORDON_ASSIGN_OR_RETURN(bool zeros, AllZero(log_.get(), end.pos, log_size, log_path));
    torn = !zeros;
  }
  if (torn) {
    if (n < checkpointed_size_) {
      return Error(ErrorCode::kAuthFailed,
                   log_path + ": entry " + std::to_string(n) +
                       " is damaged although a signed checkpoint covers it (size " +
                       std::to_string(checkpointed_size_) + "); this is not an interrupted append",
                   "run `cordon ledger verify` and treat the ledger as tampered with");
    }
    if (ftruncate(log_.get(), static_cast<off_t>(end.pos)) != 0 || fdatasync(log_.get()) != 0) {
      return ErrnoError(log_path);
    }
    if (warnings) {
      warnings->push_back(log_path + ": dropped " + std::to_string(log_size - end.pos) +
                          " bytes after entry " + std::to_string(n) +
                          ": an append was interrupted (crash or kill); every entry before it "
                          "is intact");
    }
    log_size = end.pos;
  }
  CORDON_TRY(WriteAllAt(offsets_.get(), offsets, (n - offsets.size() / 8) * 8, off_path));
  CORDON_TRY(levels_.Flush());
  size_ = n;
  offsets_flushed_ = n;
  pending_offsets_.clear();
  log_bytes_ = end.pos;
  log_alloc_ = log_size;
  return Ok();
}

Status Ledger::FlushIndex() {
  if (!pending_offsets_.empty()) {
    CORDON_TRY(
        WriteAllAt(offsets_.get(), pending_offsets_, offsets_flushed_ * 8, Join(dir_, "offsets")));
    offsets_flushed_ += pending_offsets_.size() / 8;
    pending_offsets_.clear();
  }
  return levels_.Flush();
}

Ledger::~Ledger() {
  if (log_.get() < 0 || pending_offsets_.empty()) return;
  // The index is derived (Recover rebuilds it), so a failure here loses nothing.
  if (auto lock = FileLock::Take(log_.get(), LOCK_EX, dir_); lock.ok()) (void)FlushIndex();
}

Status Ledger::CatchUp() {
  const std::string log_path = Join(dir_, "ledger.log");
  // Another process appended since we looked when our end marker is gone:
  // its first record now sits where our zeros were. The marker is read, the
  // log is not stat'ed: since Linux 6.13 a stat marks the file's timestamps
  // as seen, so the next write stores a fine-grained mtime, which dirties the
  // inode, and ext4 without a journal then writes the inode at every
  // fdatasync (a third wait per batch, measured: ~30 % of a 10-event batch).
  uint8_t marker[4] = {};
  ssize_t got = pread(log_.get(), marker, 4, static_cast<off_t>(log_bytes_));
  if (got < 0) return ErrnoError(log_path);
  bool moved = (marker[0] | marker[1] | marker[2] | marker[3]) != 0;
  if (got < 4) {
    // No zeros ahead (a large append ended the file at its last record, or
    // the file was cut): only the size tells.
    CORDON_ASSIGN_OR_RETURN(uint64_t log_size, FileSize(log_.get(), log_path));
    moved = log_size != log_bytes_;
    if (!moved) log_alloc_ = log_size;
  }
  if (moved) {
    CORDON_TRY(FlushIndex());  // our own entries first: the files then match our view
    CORDON_ASSIGN_OR_RETURN(levels_, HashLevels::Open(Join(dir_, "tree"), true));
    CORDON_TRY(Recover(nullptr));
  }
  CORDON_ASSIGN_OR_RETURN(uint64_t cp_size,
                          FileSize(checkpoints_fd_.get(), Join(dir_, "checkpoints.log")));
  if (cp_size != checkpoints_bytes_) CORDON_TRY(LoadCheckpoints(nullptr));
  return Ok();
}

// Runs make(i, seq, entry) for i in [0, n) on up to two threads (entries
// are independent: canonical JSON and checks are the bulk of an append);
// the first error by index wins.
Status Ledger::Prepare(size_t n, uint64_t first, const PrepareFn& make,
                       std::vector<std::string>& entries, std::vector<Hash>& leaves) {
  entries.assign(n, {});
  leaves.assign(n, {});
  auto run = [&](size_t from, size_t to, int worker) -> Status {
    for (size_t i = from; i < to; ++i) {
      auto e = make(i, first + i, worker);
      if (!e.ok()) return e.error().WithContext("event " + std::to_string(i + 1));
      entries[i] = std::move(*e);
      leaves[i] = LeafHash(AsBytes(entries[i]));
    }
    return Ok();
  };
  // Below this a thread's start costs more than it saves. Measured on a
  // 2-core Xeon: batches of 100 took 9 % less time split in two than on
  // one thread (the threshold was 128).
  if (n < 48) return run(0, n, 0);
  const size_t half = n / 2;
  Status second = Ok();
  std::thread helper([&] { second = run(half, n, 1); });
  Status first_half = run(0, half, 0);
  helper.join();
  CORDON_TRY(first_half);
  return second;
}

Result<uint64_t> Ledger::Append(std::vector<nlohmann::json> events) {
  return AppendWith(events.size(), [&](size_t i, uint64_t seq, int) -> Result<std::string> {
    nlohmann::json& e = events[i];
    if (!e.is_object()) {
      return Error(ErrorCode::kInvalidArgument, "a ledger event is a JSON object");
    }
    e["v"] = kEntryVersion;
    e["seq"] = seq;
    e["time"] = stamp_time_;
    return CanonicalEntry(e);
  });
}

Result<uint64_t> Ledger::AppendText(const std::vector<std::string>& events,
                                    std::string_view action) {
  return AppendWith(events.size(), [&](size_t i, uint64_t seq, int worker) {
    return canonicalizers_[worker]->Canonical(events[i], {seq, stamp_time_, action});
  });
}

Result<uint64_t> Ledger::AppendWith(size_t n, const PrepareFn& make) {
  if (access_ != Access::kAppend) {
    return Error(ErrorCode::kInternal, "ledger opened for reading, not appending");
  }
  const std::string log_path = Join(dir_, "ledger.log");
  CORDON_ASSIGN_OR_RETURN(FileLock lock, FileLock::Take(log_.get(), LOCK_EX, log_path));
  CORDON_TRY(CatchUp());
  const uint64_t first = size_;
  stamp_time_ = now_();
  for (auto& c : canonicalizers_) {
    if (!c) c = std::make_unique<EntryCanonicalizer>();
  }
  std::vector<std::string> entries;
  std::vector<Hash> leaves;
  CORDON_TRY(Prepare(n, first, make, entries, leaves));
  Bytes records;
  Bytes offsets;
  offsets.reserve(n * 8);
  size_t total = 0;
  for (const auto& e : entries) total += e.size() + kRecordOverhead;
  records.reserve(total);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t at = log_bytes_ + records.size();
    for (int b = 0; b < 8; ++b) offsets.push_back(static_cast<uint8_t>(at >> (8 * b)));
    AppendRecord(records, AsBytes(entries[i]), leaves[i]);
  }
  // Zeros ahead of small appends (written, not a hole: filling a hole or an
  // unwritten extent changes metadata, which every fdatasync would then
  // wait for); the end marker stays after the last record. A large append
  // pays one metadata commit for many events: it just grows the file.
  Status written = Ok();
  const uint64_t need = log_bytes_ + records.size() + 4;
  if (need > log_alloc_ && records.size() >= kLargeAppend) {
    log_alloc_ = log_bytes_ + records.size();  // EOF ends the records
  } else if (need > log_alloc_) {
    static const Bytes zeros(kPreallocate, 0);
    const uint64_t target = need + kPreallocate;
    for (uint64_t at = log_alloc_; written.ok() && at < target; at += zeros.size()) {
      const size_t len = static_cast<size_t>(std::min<uint64_t>(zeros.size(), target - at));
      written = WriteAllAt(log_.get(), ByteView(zeros).first(len), at, log_path);
    }
    if (written.ok()) log_alloc_ = target;
  }
  if (written.ok()) written = WriteAllAt(log_.get(), records, log_bytes_, log_path);
  if (written.ok() && fdatasync(log_.get()) != 0) written = ErrnoError(log_path);
  if (!written.ok()) {
    // Nothing half-appended stays behind for the next append to build on.
    if (ftruncate(log_.get(), static_cast<off_t>(log_bytes_)) == 0) log_alloc_ = log_bytes_;
    return written.error();
  }
  for (const Hash& leaf : leaves) CORDON_TRY(levels_.Push(leaf));
  log_bytes_ += records.size();
  size_ += n;
  // The index is derived: written lazily in large pieces, never fsynced
  // (Recover rebuilds whatever a crash lost).
  pending_offsets_.insert(pending_offsets_.end(), offsets.begin(), offsets.end());
  if (pending_offsets_.size() + levels_.pending_bytes() > kIndexBuffer) CORDON_TRY(FlushIndex());
  return first;
}

Result<std::string> Ledger::Checkpoint() {
  if (access_ != Access::kAppend) {
    return Error(ErrorCode::kInternal, "ledger opened for reading, not appending");
  }
  CORDON_ASSIGN_OR_RETURN(FileLock lock,
                          FileLock::Take(log_.get(), LOCK_EX, Join(dir_, "ledger.log")));
  CORDON_TRY(CatchUp());
  if (!checkpoints_.empty() && checkpointed_size_ == size_) return checkpoints_.back();
  if (!key_) return Error(ErrorCode::kInternal, "ledger opened without its signing key");
  ledger::Checkpoint c;
  c.origin = verifier_.name;
  c.size = size_;
  CORDON_ASSIGN_OR_RETURN(c.root, levels_.Root(size_));
  std::string note =
      SignNote(FormatCheckpointBody(c), c.origin, key_->ed25519_secret(), verifier_.key);
  Bytes record;
  AppendRecord(record, AsBytes(note), LeafHash(AsBytes(note)));
  const std::string path = Join(dir_, "checkpoints.log");
  CORDON_TRY(WriteAllAt(checkpoints_fd_.get(), record, checkpoints_bytes_, path));
  if (fdatasync(checkpoints_fd_.get()) != 0) return ErrnoError(path);
  checkpoints_bytes_ += record.size();
  checkpoints_.push_back(note);
  checkpointed_size_ = size_;
  CORDON_TRY(FlushIndex());
  return note;
}

Result<Bytes> Ledger::Entry(uint64_t index) const {
  if (index >= size_) {
    return Error(ErrorCode::kNotFound, "entry " + std::to_string(index) + ": the ledger has " +
                                           std::to_string(size_) + " entries (0-based)");
  }
  const std::string log_path = Join(dir_, "ledger.log");
  uint8_t raw[8];
  if (index >= offsets_flushed_) {
    std::memcpy(raw, pending_offsets_.data() + (index - offsets_flushed_) * 8, 8);
  } else {
    CORDON_TRY(ReadAllAt(offsets_.get(), raw, index * 8, Join(dir_, "offsets")));
  }
  uint64_t off = 0;
  for (int i = 7; i >= 0; --i) off = off << 8 | raw[i];
  uint8_t len[4];
  CORDON_TRY(ReadAllAt(log_.get(), len, off, log_path));
  uint32_t n =
      uint32_t{len[0]} | uint32_t{len[1]} << 8 | uint32_t{len[2]} << 16 | uint32_t{len[3]} << 24;
  if (n > kMaxRecordPayload) return Error(ErrorCode::kMalformed, log_path + ": damaged record");
  Bytes rec(kRecordOverhead + n);
  CORDON_TRY(ReadAllAt(log_.get(), rec, off, log_path));
  RecordView r = ParseRecord(rec);
  auto leaf = levels_.Leaf(index);
  if (r.status != RecordStatus::kOk || !leaf || *leaf != r.leaf) {
    return Error(ErrorCode::kAuthFailed, "entry " + std::to_string(index) + " is damaged",
                 "run `cordon ledger verify`");
  }
  return Bytes(r.payload.begin(), r.payload.end());
}

Result<Hash> Ledger::Root(uint64_t tree_size) const {
  if (tree_size > size_) return Error(ErrorCode::kInvalidArgument, "tree size beyond the ledger");
  return levels_.Root(tree_size);
}

// Runs a proof builder over the stored levels; the first read error, if
// any, replaces the (then meaningless) proof.
Result<std::vector<Hash>> Ledger::ProveWith(
    const std::function<std::vector<Hash>(const SubtreeHashFn&)>& build) const {
  std::optional<Error> failed;
  auto subtree = [&](uint64_t start, uint64_t n) {
    auto h = levels_.Subtree(start, n);
    if (!h) {
      if (!failed) failed = h.error();
      return Hash{};
    }
    return *h;
  };
  std::vector<Hash> proof = build(subtree);
  if (failed) return *failed;
  return proof;
}

Result<std::vector<Hash>> Ledger::InclusionProof(uint64_t index, uint64_t tree_size) const {
  if (tree_size > size_ || index >= tree_size) {
    return Error(ErrorCode::kInvalidArgument, "entry " + std::to_string(index) +
                                                  " is not in a tree of size " +
                                                  std::to_string(tree_size));
  }
  return ProveWith([&](const SubtreeHashFn& subtree) {
    return ledger::InclusionProof(subtree, tree_size, index);
  });
}

Result<std::vector<std::vector<Hash>>> Ledger::InclusionProofs(const std::vector<uint64_t>& indices,
                                                               uint64_t tree_size) const {
  for (uint64_t index : indices) {
    if (tree_size > size_ || index >= tree_size) {
      return Error(ErrorCode::kInvalidArgument, "entry " + std::to_string(index) +
                                                    " is not in a tree of size " +
                                                    std::to_string(tree_size));
    }
  }
  std::map<std::pair<uint64_t, uint64_t>, Hash> known;  // (start, size) -> subtree hash
  std::optional<Error> failed;
  auto subtree = [&](uint64_t start, uint64_t n) {
    if (auto it = known.find({start, n}); it != known.end()) return it->second;
    auto h = levels_.Subtree(start, n);
    if (!h) {
      if (!failed) failed = h.error();
      return Hash{};
    }
    known.emplace(std::make_pair(start, n), *h);
    return *h;
  };
  std::vector<std::vector<Hash>> proofs;
  proofs.reserve(indices.size());
  for (uint64_t index : indices) {
    proofs.push_back(ledger::InclusionProof(subtree, tree_size, index));
    if (failed) return *failed;
  }
  return proofs;
}

Result<std::vector<Hash>> Ledger::ConsistencyProof(uint64_t old_size, uint64_t tree_size) const {
  if (tree_size > size_ || old_size > tree_size) {
    return Error(ErrorCode::kInvalidArgument, "sizes out of range for a consistency proof");
  }
  return ProveWith([&](const SubtreeHashFn& subtree) {
    return ledger::ConsistencyProof(subtree, tree_size, old_size);
  });
}

namespace {

Error Bad(std::string what) { return Error(ErrorCode::kAuthFailed, std::move(what)); }

// Every checkpoint of checkpoints.log, each signed by `verifier`, sizes never
// shrinking. An interrupted write at the end is a warning in `report`.
Result<std::vector<Checkpoint>> VerifyCheckpoints(const std::string& cp_path,
                                                  const NoteVerifier& verifier,
                                                  VerifyReport& report) {
  int cfd = open(cp_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (cfd < 0) return ErrnoError(cp_path);
  UniqueFd c(cfd);
  CORDON_TRY(CheckMagic(cfd, kCheckpointsMagic, cp_path));
  CORDON_ASSIGN_OR_RETURN(uint64_t cp_size, FileSize(cfd, cp_path));
  std::vector<Checkpoint> cps;
  CORDON_ASSIGN_OR_RETURN(
      ScanEnd end, ScanRecords(cfd, kCheckpointsMagic.size(), cp_size, cp_path,
                               [&](const RecordView& r, uint64_t) -> Status {
                                 const std::string name =
                                     "checkpoint " + std::to_string(cps.size());
                                 auto cp = OpenCheckpoint(AsChars(r.payload), verifier);
                                 if (!cp) return Bad(name + ": " + cp.error().message());
                                 if (!cps.empty() && cp->size < cps.back().size) {
                                   return Bad(name + " (size " + std::to_string(cp->size) +
                                              ") is smaller than the checkpoint before it (size " +
                                              std::to_string(cps.back().size) + ")");
                                 }
                                 cps.push_back(*cp);
                                 return Ok();
                               }));
  if (end.status == RecordStatus::kBad) {
    return Bad("checkpoint " + std::to_string(cps.size()) + ": damaged record in " + cp_path);
  }
  if (end.status == RecordStatus::kIncomplete) {
    report.warnings.push_back(cp_path +
                              ": an interrupted checkpoint write at the end (dropped "
                              "the next time the ledger is written)");
  }
  return cps;
}

// Every entry of the log (open as `fd`): its checksum (= leaf hash)
// recomputed, its seq in place; the root at each checkpoint's size
// recomputed from a compact range and compared with the signed one. Counts
// the entries in `report`, with a warning for a torn tail outside what the
// checkpoints cover and for entries no checkpoint covers yet.
Status VerifyEntries(int fd, const std::string& log_path, const std::vector<Checkpoint>& cps,
                     VerifyReport& report) {
  struct Node {
    Hash hash;
    uint64_t size;
  };
  std::vector<Node> range;
  auto root = [&]() {
    if (range.empty()) return RootOf({});
    Hash r = range.back().hash;
    for (size_t i = range.size() - 1; i-- > 0;) r = NodeHash(range[i].hash, r);
    return r;
  };
  uint64_t index = 0;
  size_t next_cp = 0;
  auto check_checkpoints = [&]() -> Status {
    while (next_cp < cps.size() && cps[next_cp].size == index) {
      if (root() != cps[next_cp].root) {
        return Bad("checkpoint " + std::to_string(next_cp) + " (size " + std::to_string(index) +
                   "): its root does not match the entries: an entry before " +
                   std::to_string(index) + " was altered, removed or reordered");
      }
      ++next_cp;
    }
    return Ok();
  };
  CORDON_TRY(check_checkpoints());
  CORDON_ASSIGN_OR_RETURN(uint64_t log_size, FileSize(fd, log_path));
  CORDON_ASSIGN_OR_RETURN(
      ScanEnd end,
      ScanRecords(fd, kLogMagic.size(), log_size, log_path,
                  [&](const RecordView& r, uint64_t) -> Status {
                    auto seq = EntrySeq(AsChars(r.payload));
                    if (!seq || *seq != index) {
                      return Bad("entry " + std::to_string(index) + ": its seq field is " +
                                 (seq ? std::to_string(*seq) : "missing") +
                                 " (entries were reordered or spliced)");
                    }
                    range.push_back({r.leaf, 1});
                    while (range.size() > 1 && range[range.size() - 2].size == range.back().size) {
                      Node right = range.back();
                      range.pop_back();
                      range.back().hash = NodeHash(range.back().hash, right.hash);
                      range.back().size *= 2;
                    }
                    ++index;
                    return check_checkpoints();
                  }));
  report.entries = index;
  const uint64_t covered = cps.empty() ? 0 : cps.back().size;
  bool torn = end.status != RecordStatus::kEnd;
  if (!torn && end.pos < log_size) {
    CORDON_ASSIGN_OR_RETURN(bool zeros, AllZero(fd, end.pos, log_size, log_path));
    torn = !zeros;
  }
  if (torn) {
    if (index < covered) {
      return Bad("entry " + std::to_string(index) +
                 ": damaged record (its checksum or length is wrong) inside what checkpoint " +
                 std::to_string(cps.size() - 1) + " covers");
    }
    report.warnings.push_back(log_path + ": " + std::to_string(log_size - end.pos) +
                              " bytes after entry " + std::to_string(index) +
                              " do not form a record: an interrupted append, dropped the next "
                              "time the ledger is written");
  }
  if (next_cp < cps.size()) {
    return Bad("checkpoint " + std::to_string(next_cp) + " covers " +
               std::to_string(cps[next_cp].size) + " entries but the log holds " +
               std::to_string(index) + ": entries were deleted");
  }
  if (index > covered) {
    report.warnings.push_back("entries " + std::to_string(covered) + "–" +
                              std::to_string(index - 1) +
                              " are not yet covered by a checkpoint (the next command that "
                              "writes the ledger signs one)");
  }
  return Ok();
}

}  // namespace

Result<VerifyReport> Verify(const std::string& dir, const std::optional<NoteVerifier>& given) {
  const std::string log_path = Join(dir, "ledger.log");
  const std::string cp_path = Join(dir, "checkpoints.log");
  int fd = open(log_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Error(ErrorCode::kNotFound, dir + ": no ledger here");
    return ErrnoError(log_path);
  }
  UniqueFd log(fd);
  // Writers wait while the log is read (they lock only to append).
  CORDON_ASSIGN_OR_RETURN(FileLock lock, FileLock::Take(fd, LOCK_SH, log_path));
  CORDON_TRY(CheckMagic(fd, kLogMagic, log_path));
  NoteVerifier verifier;
  if (given) {
    verifier = *given;
  } else {
    CORDON_ASSIGN_OR_RETURN(Bytes vkey, ReadFileLimited(Join(dir, "vkey"), 4096));
    CORDON_ASSIGN_OR_RETURN(verifier, NoteVerifier::Parse(AsChars(vkey)));
  }
  VerifyReport report;
  CORDON_ASSIGN_OR_RETURN(std::vector<Checkpoint> cps,
                          VerifyCheckpoints(cp_path, verifier, report));
  report.checkpoints = cps.size();
  CORDON_TRY(VerifyEntries(fd, log_path, cps, report));
  if (cps.empty()) return Bad(cp_path + ": no checkpoint at all");
  return report;
}

Result<uint64_t> GroupAppender::Append(nlohmann::json event) {
  std::unique_lock lock(mu_);
  if (!open_) open_ = std::make_shared<Batch>();
  std::shared_ptr<Batch> mine = open_;
  const size_t my_index = mine->events.size();
  mine->events.push_back(std::move(event));
  // Wait while another batch is being written; the first waiter of the next
  // batch becomes its writer.
  cv_.wait(lock, [&] { return mine->done || !writing_; });
  if (!mine->done) {
    writing_ = true;
    open_.reset();  // later arrivals start the next batch
    lock.unlock();
    Result<uint64_t> first = ledger_.Append(std::move(mine->events));
    lock.lock();
    mine->first = std::move(first);
    mine->done = true;
    writing_ = false;
    cv_.notify_all();
  }
  if (!mine->first->ok()) return mine->first->error();
  return **mine->first + my_index;
}

}  // namespace cordon::ledger
