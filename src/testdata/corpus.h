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

struct CorpusOptions {
  uint64_t size_mb = 4;
  uint64_t seed = 1;
};

struct CorpusStats {
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t identifiers = 0;
  uint64_t decoys = 0;
};

Result<CorpusStats> WriteCorpus(const std::string& dir, const CorpusOptions& options);

}  // namespace cordon::testdata
