#include "core/file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

namespace cordon {
namespace {

Error IoError(std::string_view what, const std::string& path) {
  return ErrnoError(std::string(what) + " " + path);
}

// The process's umask, read without changing it: umask(2) can only be read
// by setting it, which would race with files other threads create. Linux
// shows it in /proc/self/status (since 4.7); without it, the common 022.
mode_t ProcessUmask() {
  static const mode_t mask = [] {
    mode_t m = 022;
    if (FILE* f = std::fopen("/proc/self/status", "re")) {
      char line[256];
      while (std::fgets(line, sizeof line, f)) {
        unsigned v = 0;
        if (std::sscanf(line, "Umask: %o", &v) == 1) {
          m = static_cast<mode_t>(v & 0777);
          break;
        }
      }
      std::fclose(f);
    }
    return m;
  }();
  return mask;
}

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Temporary files to remove if a signal ends the process. Plain arrays and
// atomics only: the signal handler may touch nothing else. A slot is
// claimed (kWriting), written, then published (kLive, release order): the
// handler only ever reads a slot whose path is whole, never the half-copied
// path of a new file or the previous one's.
constexpr int kCleanupSlots = 64;
constexpr size_t kMaxPath = 4096;
enum SlotState : int { kFree = 0, kWriting = 1, kLive = 2 };
std::array<std::array<char, kMaxPath>, kCleanupSlots> g_cleanup_paths;
std::array<std::atomic<int>, kCleanupSlots> g_cleanup_state;
std::array<bool, kCleanupSlots> g_cleanup_is_dir;

int RegisterCleanup(const std::string& path, bool directory = false) {
  if (path.size() < kMaxPath) {
    for (int i = 0; i < kCleanupSlots; ++i) {
      int expected = kFree;
      if (g_cleanup_state[i].compare_exchange_strong(expected, kWriting,
                                                     std::memory_order_acquire)) {
        std::memcpy(g_cleanup_paths[i].data(), path.c_str(), path.size() + 1);
        g_cleanup_is_dir[i] = directory;
        g_cleanup_state[i].store(kLive, std::memory_order_release);
        return i;
      }
    }
  }
  // Said, never silent: this file would outlive an interrupted run.
  const std::string warning =
      "cordon: warning: " + path.substr(0, 256) + " is not removed if the run is interrupted (" +
      (path.size() >= kMaxPath ? "path too long" : "64 files at once") + ")\n";
  (void)!::write(2, warning.data(), warning.size());
  return -1;
}

void UnregisterCleanup(int slot) {
  if (slot >= 0) g_cleanup_state[slot].store(kFree, std::memory_order_release);
}

extern "C" void CleanupOnSignal(int sig) {
  for (int i = 0; i < kCleanupSlots; ++i) {
    if (g_cleanup_state[i].load(std::memory_order_acquire) == kLive && !g_cleanup_is_dir[i]) {
      ::unlink(g_cleanup_paths[i].data());
    }
  }
  for (int i = 0; i < kCleanupSlots; ++i) {
    if (g_cleanup_state[i].load(std::memory_order_acquire) == kLive && g_cleanup_is_dir[i]) {
      ::rmdir(g_cleanup_paths[i].data());
    }
  }
  (void)::signal(sig, SIG_DFL);
  (void)::raise(sig);
}

// The descriptor a path names when it is an alias of one already open
// (/dev/stdout, /dev/fd/N, /proc/self/fd/N), or -1. Such a path is written
// through a duplicate of that descriptor: reopening it would start at offset
// 0 of a file the shell opened for appending, and truncating would lose what
// is already there.
int DescriptorAlias(const std::string& path) {
  if (path == "/dev/stdout") return STDOUT_FILENO;
  if (path == "/dev/stderr") return STDERR_FILENO;
  std::string_view rest;
  for (std::string_view prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    if (std::string_view(path).starts_with(prefix))
      rest = std::string_view(path).substr(prefix.size());
  }
  if (rest.empty() || rest.size() > 9) return -1;
  int fd = 0;
  for (char c : rest) {
    if (c < '0' || c > '9') return -1;
    fd = fd * 10 + (c - '0');
  }
  return fd;
}

// Opens an output that is written in place (see AtomicFile): a descriptor
// alias, or an existing path that is neither a regular file nor a directory.
// Returns an invalid descriptor when `path` is to be written atomically.
Result<UniqueFd> OpenInPlace(const std::string& path) {
  if (int alias = DescriptorAlias(path); alias >= 0) {
    int fd = ::fcntl(alias, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return IoError("cannot write to", path);
    return UniqueFd(fd);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
    return UniqueFd();
  }
  // A device or FIFO: no O_CREAT (it exists), no O_TRUNC (meaningless there);
  // O_NOCTTY so that a terminal never becomes our controlling one.
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return IoError("cannot open", path);
  return UniqueFd(fd);
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<UniqueFd> OpenForReading(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open", path);
  return UniqueFd(fd);
}

Result<UniqueFd> OpenRegularForReading(const std::string& path, Symlinks symlinks,
                                       struct stat* st_out) {
  const int nofollow = symlinks == Symlinks::kRefuse ? O_NOFOLLOW : 0;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | nofollow);
  if (fd < 0) {
    if (errno == ELOOP && symlinks == Symlinks::kRefuse) {
      return Error(ErrorCode::kRefused, path + " is a symbolic link, not followed",
                   "name the file itself");
    }
    return IoError("cannot open", path);
  }
  UniqueFd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return IoError("cannot stat", path);
  if (!S_ISREG(st.st_mode)) {
    return Error(ErrorCode::kIo,
                 path + " is not a regular file (" +
                     (S_ISDIR(st.st_mode)    ? "a directory"
                      : S_ISFIFO(st.st_mode) ? "a pipe"
                      : S_ISSOCK(st.st_mode) ? "a socket"
                                             : "a device") +
                     ")",
                 "give a file (a pipe or device could block or never end)");
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
    return IoError("cannot set blocking mode on", path);
  if (st_out != nullptr) *st_out = st;
  return owned;
}

Result<Bytes> ReadRegularFileLimited(const std::string& path, size_t max_size) {
  CORDON_ASSIGN_OR_RETURN(UniqueFd fd, OpenRegularForReading(path));
  FdSource source(fd.get(), path);
  auto data = ReadAll(source, max_size);
  if (!data.ok()) return data.error().WithContext(path);
  return data;
}

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path) {
  CORDON_ASSIGN_OR_RETURN(UniqueFd fd, OpenForReading(path));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return IoError("cannot stat", path);
  if (S_ISDIR(st.st_mode)) {
    return Error(ErrorCode::kInvalidArgument, path + " is a directory, not a file");
  }
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  uint64_t size = S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
  return std::make_unique<FileSource>(Token{}, std::move(fd), path, size);
}

Result<Bytes> ReadFileLimited(const std::string& path, size_t max_size) {
  CORDON_ASSIGN_OR_RETURN(UniqueFd fd, OpenForReading(path));
  FdSource source(fd.get(), path);
  auto data = ReadAll(source, max_size);
  if (!data.ok()) return data.error().WithContext(path);
  return data;
}

Result<SecretBuffer> ReadSecretFile(const std::string& path, size_t max_size) {
  CORDON_ASSIGN_OR_RETURN(UniqueFd fd, OpenForReading(path));
  return ReadSecretFrom(fd.get(), path, max_size);
}

Result<SecretBuffer> ReadSecretFrom(int fd, const std::string& path, size_t max_size) {
  FdSource source(fd, path);
  SecretBuffer buf(max_size + 1);
  auto n = ReadFull(source, buf.RevealMutable());
  if (!n.ok()) return n.error().WithContext(path);
  if (*n > max_size) {
    return Error(ErrorCode::kLimitExceeded,
                 path + ": larger than " + std::to_string(max_size) + " bytes; not a key file");
  }
  return SecretBuffer::CopyOf(buf.RevealBytes().first(*n));
}

Result<AtomicFile> AtomicFile::Create(const std::string& path, mode_t mode, Overwrite overwrite) {
  if (overwrite == Overwrite::kRefuse && PathExists(path)) {
    return Error(ErrorCode::kAlreadyExists, path + " already exists; cordon does not overwrite it",
                 "choose another name, or remove the file first if you mean to replace it");
  }
  CORDON_ASSIGN_OR_RETURN(UniqueFd in_place, OpenInPlace(path));
  if (in_place.get() >= 0) return AtomicFile(path, "", std::move(in_place), overwrite, -1);
  std::string dir = DirectoryOf(path);
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  std::string temp = dir + "/." + base + ".tmp-XXXXXX";
  int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return IoError("cannot create a temporary file in", dir);
  UniqueFd owned(fd);
  int slot = RegisterCleanup(temp);
  // mkostemp made it 0600; the mode asked for, less the umask, as open(2)
  // would give (a user with umask 077 means what they say).
  if (::fchmod(fd, mode & ~ProcessUmask()) != 0) {
    UnregisterCleanup(slot);
    ::unlink(temp.c_str());
    return IoError("cannot set the mode of", temp);
  }
  return AtomicFile(path, temp, std::move(owned), overwrite, slot);
}

AtomicFile::AtomicFile(std::string path, std::string temp_path, UniqueFd fd, Overwrite overwrite,
                       int slot)
    : path_(std::move(path)),
      temp_path_(std::move(temp_path)),
      fd_(std::move(fd)),
      overwrite_(overwrite),
      cleanup_slot_(slot) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::move(other.fd_)),
      overwrite_(other.overwrite_),
      cleanup_slot_(other.cleanup_slot_),
      done_(other.done_),
      direct_(other.direct_),
      write_behind_(other.write_behind_),
      written_(other.written_),
      started_(other.started_),
      waited_(other.waited_) {
  other.done_ = true;
  other.cleanup_slot_ = -1;
}

AtomicFile::~AtomicFile() { Discard(); }

void AtomicFile::Discard() {
  if (done_) return;
  done_ = true;
  fd_ = UniqueFd();
  if (in_place()) return;  // a device or pipe: nothing of ours to remove
  ::unlink(temp_path_.c_str());
  UnregisterCleanup(cleanup_slot_);
}

Status AtomicFile::Write(ByteView data) {
  if (done_) return Error(ErrorCode::kInternal, "write after commit to " + path_);
  if (direct_) data = WriteDirect(data);
  if (data.empty()) return Ok();
  FdSink sink(fd_.get(), in_place() ? path_ : temp_path_);
  Status s = sink.Write(data);
  if (!s.ok()) return s.error().WithContext(path_);
  if (write_behind_ && !in_place()) {
    WriteBehind(data.size());
  } else {
    written_ += data.size();
  }
  return Ok();
}

namespace {
constexpr size_t kDirectAlign = 4096;
bool DirectAligned(uint64_t n) { return n % kDirectAlign == 0; }
}  // namespace

void AtomicFile::EnableDirectWrites() {
  if (in_place() || done_ || !DirectAligned(written_)) return;
  int flags = ::fcntl(fd_.get(), F_GETFL);
  direct_ = flags >= 0 && ::fcntl(fd_.get(), F_SETFL, flags | O_DIRECT) == 0;
}

void AtomicFile::StopDirect() {
  direct_ = false;
  int flags = ::fcntl(fd_.get(), F_GETFL);
  if (flags >= 0) ::fcntl(fd_.get(), F_SETFL, flags & ~O_DIRECT);
  // What was written so far is on its way to the disk already.
  started_ = waited_ = written_;
}

ByteView AtomicFile::WriteDirect(ByteView data) {
  if (!DirectAligned(reinterpret_cast<uintptr_t>(data.data())) || !DirectAligned(data.size())) {
    StopDirect();
    return data;
  }
  while (!data.empty()) {
    ssize_t n = ::write(fd_.get(), data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || !DirectAligned(static_cast<uint64_t>(n))) {
      // Refused (EINVAL: no O_DIRECT here) or cut short: the ordinary path
      // writes the rest, and reports a real error the usual way.
      if (n > 0) {
        written_ += static_cast<uint64_t>(n);
        data = data.subspan(static_cast<size_t>(n));
      }
      StopDirect();
      return data;
    }
    written_ += static_cast<uint64_t>(n);
    data = data.subspan(static_cast<size_t>(n));
  }
  return data;
}

void AtomicFile::WriteBehind(size_t just_written) {
  constexpr uint64_t kWindow = 8 << 20;
  written_ += just_written;
  if (written_ - started_ < kWindow) return;
  // Best effort, errors ignored: Commit()'s fsync reports any failure.
  ::sync_file_range(fd_.get(), static_cast<off_t>(started_),
                    static_cast<off_t>(written_ - started_), SYNC_FILE_RANGE_WRITE);
  if (started_ > waited_) {
    ::sync_file_range(
        fd_.get(), static_cast<off_t>(waited_), static_cast<off_t>(started_ - waited_),
        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
  }
  waited_ = started_;
  started_ = written_;
}

Status AtomicFile::Commit() {
  if (done_) return Error(ErrorCode::kInternal, "commit twice of " + path_);
  if (in_place()) {
    done_ = true;
    // Devices and pipes cannot be flushed (EINVAL); a regular file behind a
    // descriptor alias can, and must be before we say it is written.
    if (::fsync(fd_.get()) != 0 && errno != EINVAL && errno != EROFS && errno != ENOTSUP) {
      Error e = IoError("cannot flush", path_);
      fd_ = UniqueFd();
      return e;
    }
    if (::close(fd_.release()) != 0 && errno != EINTR) return IoError("cannot close", path_);
    return Ok();
  }
  if (::fsync(fd_.get()) != 0) {
    Error e = IoError("cannot flush", temp_path_);
    Discard();
    return e;
  }
  fd_ = UniqueFd();
  if (overwrite_ == Overwrite::kRefuse) {
    // link() fails with EEXIST instead of replacing: no window where an
    // existing file (a key!) could be clobbered.
    if (::link(temp_path_.c_str(), path_.c_str()) != 0) {
      Error e = IoError("cannot create", path_);
      Discard();
      return e;
    }
    ::unlink(temp_path_.c_str());
  } else if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    Error e = IoError("cannot rename into", path_);
    Discard();
    return e;
  }
  done_ = true;
  UnregisterCleanup(cleanup_slot_);
  UniqueFd dir(::open(DirectoryOf(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());  // best effort: some filesystems refuse
  return Ok();
}

Status WriteFileAtomic(const std::string& path, ByteView data, mode_t mode, Overwrite overwrite) {
  CORDON_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(path, mode, overwrite));
  CORDON_TRY(file.Write(data));
  return file.Commit();
}

Error ErrnoError(std::string_view what) {
  const int err = errno;
  ErrorCode code = ErrorCode::kIo;
  if (err == ENOENT) code = ErrorCode::kNotFound;
  if (err == EEXIST) code = ErrorCode::kAlreadyExists;
  return Error(code, std::string(what) + ": " + std::strerror(err));
}

Status WriteSecretFile(const std::string& path, const SecretBuffer& secret) {
  return WriteFileAtomic(path, secret.RevealBytes(), 0600, Overwrite::kRefuse);
}

void InstallInterruptCleanup() {
  struct sigaction sa {};
  sa.sa_handler = CleanupOnSignal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::sigaction(sig, &sa, nullptr);
}

CleanupGuard::CleanupGuard(const std::string& path, bool directory)
    : slot_(RegisterCleanup(path, directory)) {}

CleanupGuard::~CleanupGuard() { UnregisterCleanup(slot_); }

RemoveTreeUnlessDismissed::~RemoveTreeUnlessDismissed() {
  if (dismissed_) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);  // best effort: nothing to report to
}

Status SyncDirectory(const std::string& path) {
  UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return IoError("cannot open directory", path);
  if (::fsync(dir.get()) != 0 && errno != EINVAL) return IoError("cannot flush directory", path);
  return Ok();
}

bool PathExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace cordon
