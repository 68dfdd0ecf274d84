// How the synthetic legacy exports are written: delimited text the way old
// systems write it (a chosen separator, CRLF, Windows-1252 or UTF-8, quotes
// only where needed), in memory, flushed to an atomic file now and then.
#pragma once

#include <string>
#include <string_view>

#include "core/file.h"
#include "core/result.h"

namespace cordon::testdata {

struct CsvDialect {
  char separator = ';';
  bool crlf = true;
  bool utf8 = false;  // false: Windows-1252
};

class CsvOut {
 public:
  explicit CsvOut(CsvDialect d) : d_(d) {}
  void Field(std::string_view utf8);
  void End();
  // Writes what is buffered to `file` once more than `threshold` bytes wait.
  Status FlushTo(AtomicFile& file, uint64_t& bytes, size_t threshold = 0);

 private:
  CsvDialect d_;
  std::string text_;
  bool first_ = true;
};

}  // namespace cordon::testdata
