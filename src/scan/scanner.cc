#include "scan/scanner.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/mman.h>
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

void ScanFile(FileResult& r, const ScanOptions& o) {
  int fd = ::open(r.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    r.error = std::string("cannot read: ") + std::strerror(errno);
    return;
  }
  UniqueFd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    r.error = "not a regular file";
    return;
  }
  size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) return;
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) {
    r.error = std::string("cannot map: ") + std::strerror(errno);
    return;
  }
  ::madvise(map, size, MADV_SEQUENTIAL);
  FileResult scanned = ScanBuffer(r.path, {static_cast<const char*>(map), size}, o);
  ::munmap(map, size);
  r = std::move(scanned);
}

}  // namespace

uint64_t FileResult::total() const {
  uint64_t t = 0;
  for (uint64_t c : counts) t += c;
  return t;
}

FileResult ScanBuffer(std::string path, std::string_view data, const ScanOptions& o) {
  FileResult r;
  r.path = std::move(path);
  r.bytes = data.size();
  // Binary files (a NUL byte early on) are skipped, as grep does.
  if (std::memchr(data.data(), 0, std::min<size_t>(data.size(), 8192)) != nullptr) {
    r.binary = true;
    return r;
  }
  uint64_t line = 1;
  size_t line_start = 0, counted_to = 0;
  detect::FindIdentifiers(data, o.kinds, [&](const detect::Match& m) {
    ++r.counts[static_cast<size_t>(m.kind)];
    if (r.findings.size() >= o.max_findings_per_file) return;
    // Advance the line count up to the match.
    const char* p = data.data() + counted_to;
    const char* end = data.data() + m.offset;
    while (p < end) {
      const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
      if (nl == nullptr) break;
      ++line;
      p = static_cast<const char*>(nl) + 1;
      line_start = static_cast<size_t>(p - data.data());
    }
    counted_to = m.offset;
    r.findings.push_back({line, m.offset - line_start + 1, m.kind, m.confidence,
                          detect::MaskIdentifier(m.kind, data.substr(m.offset, m.length))});
  });
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
