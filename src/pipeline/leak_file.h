// A leaked file as `cordon trace` reads it: whatever surfaced — a CSV or TSV
// export (any of the legacy dialects and encodings the CSV reader knows),
// with or without its header, or plain text lines (a log, a pasted list) —
// made into rows of cells, nothing assumed about column names or order.
// The first line is kept as a row (a header's cells simply match nothing);
// whether it is a header is guessed only to count the leaked rows right.
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
  // kDelimited: the first row looks like a header (see LooksLikeHeader): the
  // notification counts rows of people, and a header is not one.
  bool header = false;

  // The rows that hold data (a header is not counted).
  size_t data_rows() const { return rows.size() - (header ? 1 : 0); }
};

// Whether the first of `rows` is a column header rather than a record: its
// cells are distinct, none empty, none holding a digit, and in some column
// most later rows do hold a digit (an identifier, a date, an amount) — a
// header names what its column holds. A table of words only (names, towns)
// is not recognised: its first row then counts as data, one row too many,
// never one too few.
bool LooksLikeHeader(const std::vector<std::vector<std::string>>& rows);

struct LeakReadOptions {
  size_t max_rows = 10'000'000;  // more is refused (kLimitExceeded)
};

// Reads `data` as delimited text when the CSV reader accepts all of it with
// at least two columns, else as text lines. Fails on a file that is not
// text (a NUL byte in it: a leak in another format must be exported first)
// and on more rows than allowed. Thread-safe (no shared state).
Result<LeakedFile> ReadLeakedFile(ByteView data, const LeakReadOptions& options = {});

}  // namespace cordon::pipeline
