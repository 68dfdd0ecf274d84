// Provenance digests of a package (docs/trace.md): keyed, truncated digests
// of every row and of every identifying value an extraction sent, written
// beside the package (never inside it), so that a leaked file can later be
// matched to the package it came from without the data being kept. The
// file's SHA-256 goes into the extraction's ledger event: the digests are
// committed before any leak.
//
// A row digest is the first 64 bits of HMAC-SHA-256(k_rows, L(table) ‖
// u32(cells) ‖ L(cell)…), each cell in its generic normal form (trimmed,
// runs of white space made one space, ASCII lower case: a re-cased,
// re-spaced leak still matches); a value digest is the first 64 bits of
// HMAC-SHA-256(k_values, L(table) ‖ L(kind) ‖ L(normal form)), the kind that
// of the first detector that validates the value ("nir", "cpr", "iban",
// "card", "email", "phone", in that order; its normal form is
// detect/normalize.h's) or "text" (the generic form). L(x) = u32(|x|) ‖ x,
// u32 big-endian; k_rows and k_values are HKDF-SHA-256 of the trace key
// (salt "cordon provenance v1", info "rows" / "values"): rows and values,
// and tables, are separate domains.
//
// The file format, version 1 (docs/formats.md):
//   cordon-provenance 1\n
//   package <the package's manifest.json SHA-256: 64 lowercase hex digits>\n
//   order <the order's id>\n
//   key <the trace key's id: 16 lowercase hex digits>\n
//   created <RFC 3339 UTC time of the extraction>\n
//   delete-by <YYYY-MM-DD: the provenance retention deadline>\n
//   digest hmac-sha256-64\n
//   tables <T, decimal>\n
//   T lines: table <name> rows <R> values <V>\n
//   \n
//   per table, in that order: R row digests then V value digests, 8 bytes
//   each, big-endian, each list strictly increasing (distinct rows and
//   values: two identical rows are one digest)
//   SHA-256 of every byte before it (32 bytes; detects corruption, not
//   forgery: the ledger holds the SHA-256 of the whole file)
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secret_buffer.h"
#include "crypto/kdf.h"
#include "detect/validators.h"

namespace cordon::pipeline {

// The controller's trace key: 32 random bytes in a file
// ("CORDON-TRACE-KEY-1 <base64>"), named by a 64-bit id that reveals nothing
// of it. With it, anyone holding the provenance files can test candidate
// rows and values against them: the controller keeps it, the processor
// keeps the provenance files. Immutable once made: the digests are const
// and thread-safe.
class TraceKey {
 public:
  static TraceKey Generate();
  // Parses a key file (comment lines allowed); the id is recomputed.
  static Result<TraceKey> Parse(ByteView file_text);

  const std::string& id() const { return id_; }
  // The key file's text, in a wiped buffer.
  SecretBuffer FileText() const;
  // The digest of a row of `table`, its cells in column order.
  uint64_t RowDigest(std::string_view table, std::span<const std::string_view> cells) const;
  // The digest of an identifying value of `table`; nullopt when it is empty
  // once normalized.
  std::optional<uint64_t> ValueDigest(std::string_view table, std::string_view value) const;
  // The same digest, with the kind it was made under: the detector that
  // validated the value, or nullopt for the generic ("text") form. The
  // trace weighs evidence by it (a NIR names a person, a first name does not).
  struct TracedValue {
    uint64_t digest = 0;
    std::optional<detect::Kind> kind;
  };
  std::optional<TracedValue> Value(std::string_view table, std::string_view value) const;

 private:
  explicit TraceKey(SecretBuffer secret);
  SecretBuffer secret_;
  std::string id_;
  crypto::HmacSha256Prf rows_, values_;
};

// The generic normal form of a cell: trimmed, each run of white space one
// space, ASCII letters in lower case (other bytes as they are).
std::string NormalizeCell(std::string_view cell);

struct ProvenanceTable {
  std::string name;              // the order's table name
  std::vector<uint64_t> rows;    // strictly increasing
  std::vector<uint64_t> values;  // strictly increasing
};

// A provenance file, parsed or to be written. Plain data: not thread-safe to
// modify, safe to read from several threads.
struct Provenance {
  std::string package_sha256;  // of the package's manifest.json
  std::string order_id;
  std::string key_id;     // the trace key's
  std::string created;    // RFC 3339
  std::string delete_by;  // YYYY-MM-DD
  std::vector<ProvenanceTable> tables;

  // The file's bytes. Sorts and deduplicates nothing: the lists must be
  // strictly increasing (ProvenanceBuilder makes them so).
  Bytes Serialize() const;
  // Every defect (another magic or version, a truncated or corrupted file,
  // unsorted digests, a header field out of form) is a clear error.
  static Result<Provenance> Parse(ByteView file);
};

// Collects one table's digests as its rows leave. Not thread-safe: one
// builder per table, fed by the thread that writes the table.
class ProvenanceBuilder {
 public:
  // `identifying[i]`: the i-th column's values are digested one by one too.
  ProvenanceBuilder(const TraceKey& key, std::string table, std::vector<bool> identifying);
  void Row(std::span<const std::string_view> cells);
  // The table's digests, sorted and deduplicated.
  ProvenanceTable Finish();

 private:
  const TraceKey& key_;
  std::string table_;
  std::vector<bool> identifying_;
  std::vector<uint64_t> rows_, values_;
};

// Where extract writes the provenance of the package at `package_dir`:
// beside it, "<package_dir>.provenance" (trailing slashes dropped).
std::string ProvenancePath(std::string_view package_dir);

}  // namespace cordon::pipeline
