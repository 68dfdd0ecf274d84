// Synthetic legacy data: a French laboratory information system's export
// (patients.csv, resultats.csv) written the way old systems write it, with
// realistic identifiers (valid NIR keys, Corsica, overseas departments) and
// free-text comments that hide identifiers. Every person is invented;
// deterministic for a seed.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace cordon::testdata {

struct LisFrOptions {
  uint64_t patients = 1000;
  uint64_t seed = 1;
  bool utf8 = false;  // default Windows-1252
  char separator = ';';
  bool crlf = true;
};

struct LisFrStats {
  uint64_t patients = 0;
  uint64_t results = 0;
  uint64_t bytes = 0;
};

// Writes DIR/patients.csv and DIR/resultats.csv (DIR is created; existing
// files are refused). Files appear atomically.
Result<LisFrStats> WriteLisFr(const std::string& dir, const LisFrOptions& options);

// The NIR key (97 − number mod 97, Corsica 2A→19, 2B→18) of 13 characters.
int NirKey(std::string_view first13);

}  // namespace cordon::testdata
