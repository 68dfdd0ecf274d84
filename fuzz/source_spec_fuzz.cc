// Fuzzes the `--source` / `--into` spec parser: any input parses or fails
// cleanly. Properties: a sqlite: spec has a non-empty path that is exactly
// what followed "sqlite:"; a CSV spec is the input unchanged; the display
// name of a sqlite: spec never holds a '/' (the ledger gets a file name).
#include <cstdlib>
#include <string>

#include "source/source_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto spec = cordon::source::ParseSourceSpec(text);
  if (!spec.ok()) return 0;
  using Kind = cordon::source::SourceSpec::Kind;
  switch (spec->kind) {
    case Kind::kSqlite:
      if (spec->location.empty() || "sqlite:" + spec->location != text) std::abort();
      if (cordon::source::SpecDisplayName(*spec).find('/') != std::string::npos) std::abort();
      break;
    case Kind::kCsv:
      if (spec->location != text) std::abort();
      break;
    case Kind::kPostgresql:
      if (spec->location != text) std::abort();
      break;
  }
  return 0;
}
