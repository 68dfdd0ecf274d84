// A labelled corpus for `cordon scan`: a tree of mixed text files (logs, CSV,
// JSON, Markdown, source code) with seeded identifiers of every kind and
// look-alike decoys that must not be reported (NIR with a wrong key, CPR with
// an impossible date, IBAN with wrong check digits, Luhn-failing card
// numbers, long order numbers, identifiers inside longer digit runs), plus
// truth.tsv listing every seeded identifier: path, line, column, kind, value.
// Deterministic for a seed. Archives and SQLite files come with their readers.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace cordon::testdata {

// kSparse: a mixed tree (logs, CSV, JSON, Markdown, code, archives, SQLite,
// binary) where about one word in twenty is an identifier or a decoy.
// kDense: CSV/TSV table exports and logs (plain text, UTF-8) where every
// line carries identifiers and decoys: a dump of a patient table.
enum class CorpusLayout { kSparse, kDense };

struct CorpusOptions {
  uint64_t size_mb = 4;
  uint64_t seed = 1;
  CorpusLayout layout = CorpusLayout::kSparse;
};

struct CorpusStats {
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t identifiers = 0;
  uint64_t decoys = 0;
};

Result<CorpusStats> WriteCorpus(const std::string& dir, const CorpusOptions& options);
// The kDense layout (WriteCorpus calls it for that layout).
Result<CorpusStats> WriteDenseCorpus(const std::string& dir, const CorpusOptions& options);

}  // namespace cordon::testdata
