// Matching a leaked file against packages' provenance digests (docs/trace.md):
// the leak's rows and values are normalized and digested under the trace key
// as extract digested what it sent (provenance.h), once per table name, and
// looked up in each package's sorted digest lists.
//
// What counts as evidence that a package held a leaked row:
//   - the whole row's digest (every column there, in the package's order);
//   - or one of its *strong* values: an identifier a detector validates
//     (NIR, CPR, IBAN, card, e-mail, phone) or a text value with at least six
//     digits (a file or patient number).
// A *weak* value — a surname, a first name, a town — is common to many
// people, and so to many packages: it is counted apart and never makes a
// row match (an invented row "MARTIN, Jean" would otherwise match every
// package of a French hospital).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pipeline/leak_file.h"
#include "pipeline/provenance.h"

namespace cordon::pipeline {

// What one package's provenance holds of the leak.
struct PackageMatch {
  // Leaked rows it held (whole, or by a strong value), each counted only if
  // it brings evidence no earlier row brought: a strong value not counted
  // yet, or a whole row not repeated. Duplicates count once.
  uint64_t rows = 0;
  uint64_t whole_rows = 0;   // of which matched as whole rows
  uint64_t values = 0;       // distinct strong leaked values it held
  uint64_t weak_values = 0;  // distinct weak leaked values it held (never rows)
  // The ids (LeakIndex::value) of the NIR and CPR values it held: in an
  // order with per-recipient pseudonyms, one of them names the recipients.
  std::vector<uint32_t> nir_cpr;
  // The ids of every strong leaked value it held (their kinds describe the
  // breach: NIRs, e-mail addresses, file numbers…).
  std::vector<uint32_t> strong;

  bool any() const { return rows + values + weak_values > 0; }
};

// The leak, digested. Holds the leaked values (they are the leak) and the
// key by reference. Not thread-safe: Match caches digests per table name.
class LeakIndex {
 public:
  LeakIndex(const TraceKey& key, const LeakedFile& leak);

  size_t row_count() const { return row_values_.size(); }
  // Rows of records: row_count() less a header (LeakedFile::header).
  size_t data_row_count() const { return row_values_.size() - header_rows_; }
  size_t value_count() const { return values_.size(); }
  // A leaked value by id: its kind (nullopt: text) and whether it is strong.
  struct Value {
    std::string text;  // as first seen in the leak
    std::optional<detect::Kind> kind;
    bool strong = false;
  };
  const Value& value(uint32_t id) const { return values_[id]; }
  // The rows and values of the leak that `p` holds.
  PackageMatch Match(const Provenance& p);

 private:
  struct TableDigests {
    std::vector<std::pair<uint64_t, uint32_t>> rows;    // (digest, row), sorted
    std::vector<std::pair<uint64_t, uint32_t>> values;  // (digest, value id), sorted
  };
  const TableDigests& Digests(const std::string& table);

  const TraceKey& key_;
  bool whole_rows_;                             // a delimited file: its records are candidate rows
  size_t header_rows_;                          // 1 when the first row is a header
  std::vector<std::vector<std::string>> rows_;  // cells, for the row digests
  std::vector<std::vector<uint32_t>> row_values_;
  std::vector<uint32_t> row_key_;  // rows with the same cells share a key
  std::vector<Value> values_;
  std::map<std::string, TableDigests> by_table_;
};

// A value with at least six ASCII digits: a file or patient number, rare
// enough to be evidence alone.
bool HasSixDigits(std::string_view text);

// The form of a value a report may show (an identifier masked as the
// scanner masks findings, other text as its length only, "[27 characters]"):
// never the value itself.
std::string MaskSubject(std::string_view text);

}  // namespace cordon::pipeline
