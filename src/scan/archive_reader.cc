// Archives and compressed files, read with libarchive, scanned entry by entry.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "scan/containers.h"
#include "scan/libarchive_loader.h"
#include "scan/text_scanner.h"

namespace cordon::scan {
namespace {

struct ArchiveFree {
  void operator()(archive* a) const { La().archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

ArchivePtr NewReader() {
  ArchivePtr a(La().archive_read_new());
  La().archive_read_support_filter_all(a.get());
  La().archive_read_support_format_zip(a.get());
  La().archive_read_support_format_tar(a.get());
  // A compressed file that is not an archive (app.log.gz) reads as one entry.
  La().archive_read_support_format_raw(a.get());
  return a;
}

// Bytes that may still be expanded from this file (zip bombs).
struct Budget {
  uint64_t left;
  uint64_t limit;
  bool exhausted = false;
};

std::string Join(const std::string& prefix, const std::string& name) {
  if (prefix.empty()) return name;
  if (name.empty()) return prefix;
  return prefix + ":" + name;
}

std::string Where(const std::string& part) { return part.empty() ? "" : part + ": "; }

std::string ReaderError(archive* a) {
  const char* e = La().archive_error_string(a);
  return e ? e : "unreadable archive";
}

// An archive inside an archive is read straight from its parent's entry.
struct NestedInput {
  archive* parent;
  std::string_view first;  // the bytes already read to recognize it
  Budget* budget;
};

la_ssize_t ReadNested(archive* self, void* data, const void** out) {
  auto* in = static_cast<NestedInput*>(data);
  if (!in->first.empty()) {
    *out = in->first.data();
    auto n = static_cast<la_ssize_t>(in->first.size());
    in->first = {};
    return n;
  }
  if (in->budget->left == 0) {
    in->budget->exhausted = true;
    return 0;
  }
  const void* block = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  int r = La().archive_read_data_block(in->parent, &block, &size, &offset);
  if (r == ARCHIVE_EOF) return 0;
  if (r < ARCHIVE_WARN) {
    La().archive_set_error(self, EIO, "%s", ReaderError(in->parent).c_str());
    return ARCHIVE_FATAL;
  }
  // What a nested archive reads counts too (its skipped entries included).
  in->budget->left -= std::min<uint64_t>(in->budget->left, size);
  *out = block;
  return static_cast<la_ssize_t>(size);
}

void ScanEntries(archive* a, const std::string& prefix, int depth, Budget& budget, FileResult& out,
                 const ScanOptions& o);

// A SQLite database inside an archive is read whole into memory (SQLite
// needs random access); past this size it is scanned as bytes, with a
// warning, like any other entry.
constexpr size_t kMaxSqliteEntry = size_t{256} << 20;

// Scans the current entry of `a`: as a nested archive when it is one (and
// depth allows), as a SQLite database when it is one, as text otherwise.
void ScanEntry(archive* a, const std::string& part, int depth, Budget& budget, FileResult& out,
               const ScanOptions& o) {
  TextScanner text(o, out, part);
  bool first = true;
  bool sqlite = false;
  std::string image;  // the SQLite database, while it is read
  for (;;) {
    // Blocks as the decompressor produces them: when the input turns out to
    // be damaged, everything before the damage has been scanned.
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int r = La().archive_read_data_block(a, &block, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      out.warnings.push_back(Where(part) + ReaderError(a) +
                             "; the rest of this entry was not scanned");
      break;
    }
    std::string_view data(static_cast<const char*>(block), size);
    if (data.size() >= budget.left) {
      data = data.substr(0, budget.left);
      budget.exhausted = true;
    }
    budget.left -= data.size();
    out.bytes += data.size();
    if (first && depth < o.max_archive_depth && Sniff(data) == Container::kArchive) {
      NestedInput in{a, data, &budget};
      ArchivePtr inner = NewReader();
      if (La().archive_read_open(inner.get(), &in, nullptr, ReadNested, nullptr) != ARCHIVE_OK) {
        out.warnings.push_back(Where(part) + "looks like an archive but cannot be opened (" +
                               ReaderError(inner.get()) + "); not scanned");
        return;
      }
      ScanEntries(inner.get(), part, depth + 1, budget, out, o);
      return;
    }
    if (first) sqlite = Sniff(data) == Container::kSqlite;
    first = false;
    if (sqlite && image.size() + data.size() > kMaxSqliteEntry) {
      out.warnings.push_back(Where(part) + "a SQLite database over " +
                             std::to_string(kMaxSqliteEntry >> 20) +
                             " MiB inside an archive: scanned as bytes, not table by table");
      sqlite = false;
      text.Feed(image);
      std::string().swap(image);
    }
    if (sqlite) {
      image.append(data);
    } else {
      text.Feed(data);
    }
    if (budget.exhausted) break;  // a zip bomb: stop expanding
  }
  if (sqlite) {
    out.bytes -= image.size();  // counted again cell by cell
    ScanSqliteMemory(image, out, o, /*in_archive=*/true, part);
    return;
  }
  text.Finish();
  out.binary |= text.binary();
}

void ScanEntries(archive* a, const std::string& prefix, int depth, Budget& budget, FileResult& out,
                 const ScanOptions& o) {
  for (;;) {
    archive_entry* entry = nullptr;
    int r = La().archive_read_next_header(a, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r == ARCHIVE_WARN) {
      out.warnings.push_back(Where(prefix) + ReaderError(a));
    } else if (r != ARCHIVE_OK) {
      out.warnings.push_back(Where(prefix) + ReaderError(a) +
                             "; the rest of the archive was not scanned");
      break;
    }
    if (budget.exhausted) break;
    if (La().archive_entry_filetype(entry) != AE_IFREG) continue;
    // A compressed file that is not an archive has one nameless entry.
    const char* name = La().archive_entry_pathname(entry);
    bool raw = La().archive_format(a) == ARCHIVE_FORMAT_RAW;
    std::string part = Join(prefix, raw || name == nullptr ? "" : name);
    if (La().archive_entry_is_encrypted(entry)) {
      out.warnings.push_back(Where(part) + "encrypted, not scanned");
      continue;
    }
    ScanEntry(a, part, depth, budget, out, o);
    if (budget.exhausted) break;
  }
}

void ScanArchive(archive* a, uint64_t file_size, FileResult& out, const ScanOptions& o,
                 int open_result) {
  if (open_result != ARCHIVE_OK) {
    out.error = "cannot open archive: " + ReaderError(a);
    return;
  }
  out.container = "archive";
  uint64_t limit = std::max(o.min_expansion_budget, file_size * o.max_expansion_ratio);
  Budget budget{limit, limit};
  ScanEntries(a, "", 1, budget, out, o);
  if (budget.exhausted) {
    out.warnings.push_back("expansion stopped after " + std::to_string(limit >> 20) +
                           " MiB from a " + std::to_string(file_size) + "-byte file (more than " +
                           std::to_string(o.max_expansion_ratio) +
                           ":1, a zip bomb?); the rest was not scanned");
  }
}

// Without libarchive an archive is unreadable like any other file: reported
// (with the package to install), and the scan goes on.
bool Loadable(FileResult& out) {
  Status loaded = LoadLibArchiveRead();
  if (loaded.ok()) return true;
  out.error =
      "cannot open archive: " + loaded.error().message() + " (" + loaded.error().hint() + ")";
  return false;
}

}  // namespace

void ScanArchiveFd(int fd, uint64_t file_size, FileResult& out, const ScanOptions& o) {
  if (!Loadable(out)) return;
  ArchivePtr a = NewReader();
  ScanArchive(a.get(), file_size, out, o, La().archive_read_open_fd(a.get(), fd, 1 << 16));
}

void ScanArchiveMemory(std::string_view data, FileResult& out, const ScanOptions& o) {
  if (!Loadable(out)) return;
  ArchivePtr a = NewReader();
  ScanArchive(a.get(), data.size(), out, o,
              La().archive_read_open_memory(a.get(), data.data(), data.size()));
}

}  // namespace cordon::scan
