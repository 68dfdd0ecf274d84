// A leaked file as `cordon trace` reads it: whatever surfaced — a CSV or TSV
// export (any of the legacy dialects and encodings the CSV reader knows),
// with or without its header, or plain text lines (a log, a pasted list) —
// made into rows of cells, nothing assumed about column names or order.
// The first line is kept as a row: whether it is a header or data is not
// known, and a header's cells simply match nothing.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace cordon::pipeline {

struct LeakedFile {
  enum class Shape { kDelimited, kText };
  Shape shape = Shape::kText;
  char separator = 0;  // kDelimited: the separator found
  // kDelimited: each record's fields as UTF-8. kText: per non-blank line,
  // the line itself (trimmed), then its words (split at white space and at
  // , ; | and tab), then every identifier the detectors find in it (a NIR
  // written with spaces spans several words).
  std::vector<std::vector<std::string>> rows;
};

struct LeakReadOptions {
  size_t max_rows = 10'000'000;  // more is refused (kLimitExceeded)
};

// Reads `data` as delimited text when the CSV reader accepts all of it with
// at least two columns, else as text lines. Fails on a file that is not
// text (a NUL byte in it: a leak in another format must be exported first)
// and on more rows than allowed. Thread-safe (no shared state).
Result<LeakedFile> ReadLeakedFile(ByteView data, const LeakReadOptions& options = {});

}  // namespace cordon::pipeline
