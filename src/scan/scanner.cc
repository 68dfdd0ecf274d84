#include "scan/scanner.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/file.h"
#include "scan/containers.h"
#include "scan/text_scanner.h"

namespace cordon::scan {
namespace fs = std::filesystem;
namespace {

bool Excluded(const std::string& path, const ScanOptions& o) {
  std::string name = fs::path(path).filename().string();
  for (const std::string& g : o.excludes) {
    if (fnmatch(g.c_str(), name.c_str(), 0) == 0 || fnmatch(g.c_str(), path.c_str(), 0) == 0)
      return true;
  }
  return false;
}

void Walk(const std::string& arg, const ScanOptions& o, std::vector<FileResult>& out) {
  std::error_code ec;
  auto st = fs::symlink_status(arg, ec);
  if (ec || !fs::exists(st)) {
    FileResult r;
    r.path = arg;
    r.error = "cannot read: " + (ec ? ec.message() : std::string("no such file or directory"));
    out.push_back(std::move(r));
    return;
  }
  if (!fs::is_directory(st)) {
    if (!Excluded(arg, o)) out.push_back(FileResult{arg});
    return;
  }
  // Symlinks are not followed: a scan stays inside the tree it was given.
  fs::recursive_directory_iterator it(arg, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::string path = it->path().string();
    if (it.depth() >= o.max_depth || Excluded(path, o)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
    out.push_back(FileResult{path});
  }
  if (ec) {
    FileResult r;
    r.path = arg;
    r.error = "cannot walk: " + ec.message();
    out.push_back(std::move(r));
  }
}

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

// Reads at most `size` bytes (the size when opened: a log that keeps growing
// does not keep the scan going) in large buffers. No mmap: a file truncated
// while mapped would kill the scan with SIGBUS.
void ScanText(int fd, uint64_t size, FileResult& r, const ScanOptions& o) {
  TextScanner text(o, r);
  uint64_t left = size;
  while (left > 0) {
    std::span<char> room = text.Reserve(std::min<uint64_t>(TextScanner::kPiece, left));
    ssize_t n = ::read(fd, room.data(), room.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r.error = std::string("read failed: ") + std::strerror(errno);
      break;
    }
    if (n == 0) break;  // truncated meanwhile: the change is reported below
    text.Commit(static_cast<size_t>(n));
    left -= static_cast<uint64_t>(n);
  }
  text.Finish();
  r.binary = text.binary();
  r.bytes = text.bytes();
}

}  // namespace

void ScanFile(FileResult& r, const ScanOptions& o) {
  int fd = ::open(r.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    r.error = std::string("cannot read: ") + std::strerror(errno);
    return;
  }
  UniqueFd owned(fd);
  struct stat before {};
  if (::fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) {
    r.error = "not a regular file";
    return;
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  char head[512];
  ssize_t got = ::pread(fd, head, sizeof head, 0);
  Container kind = got > 0 ? Sniff({head, static_cast<size_t>(got)}) : Container::kNone;
  auto size = static_cast<uint64_t>(before.st_size);
  switch (kind) {
    case Container::kSqlite:
      ScanSqliteFile(r.path, r, o);
      break;
    case Container::kArchive:
      ScanArchiveFd(fd, size, r, o);
      break;
    case Container::kNone:
      ScanText(fd, size, r, o);
      break;
  }
  struct stat after {};
  if (r.error.empty() && ::fstat(fd, &after) == 0 && !SameFile(before, after)) {
    r.warnings.push_back("changed while it was scanned; scan it again for a consistent report");
  }
}

uint64_t FileResult::total() const {
  uint64_t t = 0;
  for (uint64_t c : counts) t += c;
  return t;
}

std::string FileResult::Location(const Finding& f) const {
  return f.part.empty() ? path : path + ":" + f.part;
}

FileResult ScanBuffer(std::string path, std::string_view data, const ScanOptions& o) {
  FileResult r;
  r.path = std::move(path);
  TextScanner text(o, r);
  text.Feed(data);
  text.Finish();
  r.binary = text.binary();
  r.bytes = data.size();
  return r;
}

ScanReport Scan(const std::vector<std::string>& paths, const ScanOptions& o,
                const FileCallback& on_file) {
  auto start = std::chrono::steady_clock::now();
  ScanReport report;
  for (const std::string& p : paths) Walk(p, o, report.files);
  const size_t count = report.files.size();
  size_t next = 0;  // guarded by mu
  // Results are handed out in walk order: a worker that finishes file i
  // marks it done, then whoever holds the lock delivers every finished file
  // from `delivered` on. At most a few files' findings wait in memory.
  std::mutex mu;
  std::vector<char> done(count, 0);
  size_t delivered = 0;
  auto deliver = [&] {
    while (delivered < count && done[delivered]) {
      FileResult& f = report.files[delivered];
      if (on_file) {
        on_file(f);
        std::vector<Finding>().swap(f.findings);
      }
      ++delivered;
    }
  };
  // A worker does not run more than `window` files ahead of delivery, so a
  // slow file cannot make the findings of many later files pile up.
  const size_t window = 4 * static_cast<size_t>(std::max(1, o.threads));
  std::condition_variable progressed;
  auto worker = [&] {
    for (;;) {
      size_t i;
      {
        std::unique_lock<std::mutex> lock(mu);
        progressed.wait(lock, [&] { return next >= count || next < delivered + window; });
        if (next >= count) return;
        i = next++;
      }
      if (report.files[i].error.empty()) ScanFile(report.files[i], o);
      std::lock_guard<std::mutex> lock(mu);
      done[i] = 1;
      deliver();
      progressed.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, o.threads); ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  for (const FileResult& f : report.files) {
    report.bytes += f.bytes;
    report.errors += !f.error.empty();
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace cordon::scan
