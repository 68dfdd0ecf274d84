// Reading a package's manifest.json (docs/order-format.md) defensively: a
// manifest arrives from whoever sent the package, so every field is checked
// for presence and type, and table file names for safety, before anything
// trusts it. Used by `cordon open` and by the exchange's upload check;
// writing is manifest_json.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace cordon::pipeline {

inline constexpr int kManifestFormatVersion = 1;

struct ManifestTable {
  std::string name;  // the order's table name
  std::string file;  // "<name>.csv.age", a safe file name
  uint64_t ciphertext_size = 0;
  std::string ciphertext_sha256;  // lowercase hex
};

struct Manifest {
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

// kMalformed (naming the field) or kUnsupported (another format version).
Result<Manifest> ParseManifest(ByteView json);

}  // namespace cordon::pipeline
