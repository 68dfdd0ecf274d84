// Reading a package's manifest.json (docs/order-format.md) defensively: a
// manifest arrives from whoever sent the package, so every field is checked
// for presence and type, and table file names for safety, before anything
// trusts it. Used by `cordon open` and by the exchange's upload check;
// writing is manifest_json.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "order/value.h"

namespace cordon::pipeline {

// The version written. Version 2 added each column's "type"; version 1
// packages are still read (their columns untyped).
inline constexpr int kManifestFormatVersion = 2;

// A column of a table as it leaves: its name and, from version 2, the type
// of its values ("text", "int", "decimal", "date:<format>", the order's
// [table.types] notation; a pseudonym or a mask is text).
struct ManifestColumn {
  std::string name;
  std::optional<order::ColumnType> type;  // none in a version 1 manifest
};

struct ManifestTable {
  std::string name;  // the order's table name
  std::string file;  // "<name>.csv.age", a safe file name
  uint64_t ciphertext_size = 0;
  std::string ciphertext_sha256;        // lowercase hex
  std::vector<ManifestColumn> columns;  // in the table's column order
};

struct Manifest {
  int version = kManifestFormatVersion;
  std::string order_id;
  std::string order_sha256;
  int32_t delete_by = 0;  // days since 1970-01-01
  std::string delete_by_text;
  std::vector<std::string> recipients;
  std::vector<ManifestTable> tables;
};

// A name that can only ever name a file inside the package directory: ASCII
// letters, digits, '_', '-', '.', not starting with '.', at most 200 bytes.
bool SafeFileName(std::string_view name);

// A column type as the manifest writes it: "text", "int", "decimal",
// "date:%Y-%m-%d" (ParseColumnType reads it back).
std::string FormatColumnType(const order::ColumnType& type);

// kMalformed (naming the field) or kUnsupported (another format version).
// Version 2 requires every column's type, and a date format of at most 32
// characters (a type is no place for data).
Result<Manifest> ParseManifest(ByteView json);

}  // namespace cordon::pipeline
