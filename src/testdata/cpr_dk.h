// Synthetic Danish municipal care records (hjemmepleje): citizens with CPR
// numbers (real dates, century digits per the official table, mod 11 for
// numbers issued before 2007 and not always after), names with æ, ø, å,
// addresses, phones, e-mails, and visit notes in free text that mention
// relatives' CPR numbers, phones and names. UTF-8, ';', CRLF, as Danish
// spreadsheets export them. Every person is invented; deterministic for a seed.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace cordon::testdata {

struct CprDkOptions {
  uint64_t people = 1000;
  uint64_t seed = 1;
};

struct CprDkStats {
  uint64_t people = 0;
  uint64_t visits = 0;
  uint64_t bytes = 0;
};

// Writes DIR/borgere.csv and DIR/besoeg.csv (DIR is created; existing files
// are refused). Files appear atomically.
Result<CprDkStats> WriteCprDk(const std::string& dir, const CprDkOptions& options);

}  // namespace cordon::testdata
