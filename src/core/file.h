// Files: an owned descriptor, bounded whole-file reads, and atomic writes
// (temp file in the same directory, fsync, rename, fsync of the directory), so
// an interrupted or failed run never leaves a half-written file behind.
// Outputs that are not regular files (devices, FIFOs, /dev/fd/N) are written
// in place: renaming over /dev/null would replace it for the whole machine.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/io.h"
#include "core/result.h"
#include "core/secret_buffer.h"

namespace cordon {

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// Opens a file for reading; errors name the path.
Result<UniqueFd> OpenForReading(const std::string& path);

enum class Symlinks { kFollow, kRefuse };

// Opens a regular file for reading, refusing anything else (a FIFO, a
// device, a directory) with a clear error instead of blocking in open() or
// read(): opened O_NONBLOCK, checked with fstat, then made blocking again.
// kRefuse adds O_NOFOLLOW (a symlink as the last component is refused).
// `st`, when given, receives the fstat of the opened file.
Result<UniqueFd> OpenRegularForReading(const std::string& path,
                                       Symlinks symlinks = Symlinks::kFollow,
                                       struct stat* st = nullptr);

// ReadFileLimited, of a regular file only (OpenRegularForReading).
Result<Bytes> ReadRegularFileLimited(const std::string& path, size_t max_size);

// A file opened for reading that owns its descriptor.
class FileSource final : public ByteSource {
 public:
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path);
  Result<size_t> Read(std::span<uint8_t> out) override { return source_.Read(out); }
  // Size at open time (regular files), for progress and plans.
  uint64_t size() const { return size_; }

 private:
  struct Token {};  // only Open() constructs

 public:
  FileSource(Token, UniqueFd fd, const std::string& path, uint64_t size)
      : fd_(std::move(fd)), source_(fd_.get(), path), size_(size) {}

 private:
  UniqueFd fd_;
  FdSource source_;
  uint64_t size_;
};

// Reads a whole file, refusing files larger than max_size (untrusted input
// must have bounded cost).
Result<Bytes> ReadFileLimited(const std::string& path, size_t max_size);

// Reads a small secret file (a key) straight into locked memory: the key
// text never sits in an ordinary heap buffer.
Result<SecretBuffer> ReadSecretFile(const std::string& path, size_t max_size);
// The same from a descriptor the caller opened (and checked); `path` names it
// in messages.
Result<SecretBuffer> ReadSecretFrom(int fd, const std::string& path, size_t max_size);

enum class Overwrite { kRefuse, kReplace };

// A file being written atomically. Data goes to a temporary file next to
// `path`; Commit() makes it appear at `path` in one step. If the object is
// destroyed without Commit(), or the process is interrupted (see
// InstallInterruptCleanup), the temporary file is removed.
//
// Only regular files and new paths are written that way. When `path` exists
// and is not a regular file (a character or block device, a FIFO, a socket),
// or names an open descriptor (/dev/fd/N, /dev/stdout, /proc/self/fd/N), it
// is opened and written in place: there is nothing to publish, and a rename
// would replace the device node itself. Such writes are not atomic: a failed
// run may have written part of its output to the device or pipe.
class AtomicFile final : public ByteSink {
 public:
  // The file gets `mode` less the process's umask, as open(2) would give.
  static Result<AtomicFile> Create(const std::string& path, mode_t mode = 0644,
                                   Overwrite overwrite = Overwrite::kReplace);
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  ~AtomicFile() override;

  Status Write(ByteView data) override;
  // Direct I/O for large outputs (O_DIRECT): writes whose buffer, size and
  // file offset are multiples of 4 KiB go straight from the caller's memory
  // to the disk, without the copy into the page cache or the flush of it
  // all at Commit(), which still fsyncs (the disk's cache, the metadata).
  // The first write that does not fit (the tail), or a file system that
  // refuses O_DIRECT, turns it off for the rest of the file: from there
  // writes are ordinary ones (with write-behind, below). Off by default.
  void EnableDirectWrites();
  // Write-behind for large outputs: as each few MiB are written, the kernel
  // is asked to start writing them to disk (sync_file_range), and to finish
  // the few MiB before, so the flush overlaps the work that produces the
  // data and Commit()'s fsync has little left to do. Dirty pages stay
  // bounded too. Commit()'s fsync remains the one durability guarantee.
  // Off by default: small files gain nothing, and a slow disk then paces
  // the writer instead of the end of the run.
  void EnableWriteBehind() { write_behind_ = true; }
  // Flushes to disk and publishes the file. With Overwrite::kRefuse, fails
  // with kAlreadyExists if `path` appeared meanwhile.
  Status Commit();
  const std::string& path() const { return path_; }
  // True when `path` is written in place (not a regular file; see above).
  bool in_place() const { return temp_path_.empty(); }
  // True when written in place to a terminal (-o /dev/tty, /dev/stdout).
  bool is_terminal() const { return in_place() && fd_.get() >= 0 && ::isatty(fd_.get()); }

 private:
  AtomicFile(std::string path, std::string temp_path, UniqueFd fd, Overwrite overwrite, int slot);
  void Discard();
  void WriteBehind(size_t just_written);
  ByteView WriteDirect(ByteView data);  // returns what is left to write
  void StopDirect();

  std::string path_;
  std::string temp_path_;
  UniqueFd fd_;
  Overwrite overwrite_;
  int cleanup_slot_;
  bool done_ = false;
  bool direct_ = false;
  bool write_behind_ = false;
  uint64_t written_ = 0;  // with write-behind: bytes written so far,
  uint64_t started_ = 0;  // up to where write-out was started,
  uint64_t waited_ = 0;   // and up to where it was waited for
};

// Writes `data` to `path` atomically.
Status WriteFileAtomic(const std::string& path, ByteView data, mode_t mode = 0644,
                       Overwrite overwrite = Overwrite::kReplace);

// The error of a failed system call, from errno (read at once):
// "<what>: <strerror>", with kNotFound for ENOENT, kAlreadyExists for
// EEXIST and kIo otherwise, so the same failure has the same code (and exit
// code) in every layer.
Error ErrnoError(std::string_view what);

// Writes key material to a new file, mode 0600, atomically; never replaces
// an existing file (a key overwritten by accident is a key lost). The one
// way secrets reach a disk, so no caller has to reveal one to save it.
Status WriteSecretFile(const std::string& path, const SecretBuffer& secret);

// Installs SIGINT/SIGTERM/SIGHUP handlers that remove every pending
// AtomicFile temporary before the process dies. Call once from main().
void InstallInterruptCleanup();

bool PathExists(const std::string& path);

// Removes `path` (a file, or an empty directory) if a signal ends the process
// while the guard lives. Directories are removed after files.
class CleanupGuard {
 public:
  explicit CleanupGuard(const std::string& path, bool directory = false);
  CleanupGuard(CleanupGuard&& other) noexcept : slot_(other.slot_) { other.slot_ = -1; }
  CleanupGuard& operator=(CleanupGuard&&) = delete;
  CleanupGuard(const CleanupGuard&) = delete;
  ~CleanupGuard();
  // False when the registry was full (the path would outlive an
  // interrupted run; a warning was printed).
  bool armed() const { return slot_ >= 0; }

 private:
  int slot_;
};

// Removes a directory tree when it goes out of scope, unless dismissed: the
// work-in-progress directory of a run that failed halfway.
class RemoveTreeUnlessDismissed {
 public:
  explicit RemoveTreeUnlessDismissed(std::string path) : path_(std::move(path)) {}
  RemoveTreeUnlessDismissed(const RemoveTreeUnlessDismissed&) = delete;
  RemoveTreeUnlessDismissed& operator=(const RemoveTreeUnlessDismissed&) = delete;
  ~RemoveTreeUnlessDismissed();
  void Dismiss() { dismissed_ = true; }

 private:
  std::string path_;
  bool dismissed_ = false;
};

// Flushes a directory's entries to disk (after creating or renaming in it).
Status SyncDirectory(const std::string& path);

}  // namespace cordon
