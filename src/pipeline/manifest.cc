#include "pipeline/manifest.h"

#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "order/value.h"

namespace cordon::pipeline {
namespace {

Error Bad(const std::string& what) {
  return Error(ErrorCode::kMalformed, "manifest.json: " + what);
}

// The table's "columns": names always (both versions write them); types
// from version 2 on, where each is required.
Status ParseColumns(const nlohmann::json& t, const std::string& table, int version,
                    std::vector<ManifestColumn>& out) {
  auto cols = t.find("columns");
  if (cols == t.end()) {
    if (version >= 2) return Bad("table " + table + ": no columns");
    return Ok();
  }
  if (!cols->is_array()) return Bad("table " + table + ": columns is not a list");
  for (const auto& c : *cols) {
    auto name = c.is_object() ? c.find("name") : c.end();
    if (!c.is_object() || name == c.end() || !name->is_string()) {
      return Bad("table " + table + ": a column has no name");
    }
    ManifestColumn column{name->get<std::string>(), std::nullopt};
    if (version >= 2) {
      auto type = c.find("type");
      if (type == c.end() || !type->is_string()) {
        return Bad("table " + table + ": column " + column.name + " has no type");
      }
      const auto& text = type->get_ref<const std::string&>();
      auto parsed = order::ParseColumnType(text);
      if (!parsed.ok() || parsed->date_format.size() > 32) {
        return Bad("table " + table + ": column " + column.name + " has no valid type");
      }
      column.type = *parsed;
    }
    for (const ManifestColumn& other : out) {
      if (other.name == column.name) return Bad("table " + table + ": column named twice");
    }
    out.push_back(std::move(column));
  }
  return Ok();
}

}  // namespace

std::string FormatColumnType(const order::ColumnType& type) {
  if (type.type == order::ValueType::kDate) return "date:" + type.date_format;
  return std::string(order::ValueTypeName(type.type));
}

bool SafeFileName(std::string_view name) {
  if (name.empty() || name[0] == '.' || name.size() > 200) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

Result<Manifest> ParseManifest(ByteView json) {
  nlohmann::json m = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (m.is_discarded() || !m.is_object()) return Bad("not a JSON object");
  auto str = [&](const nlohmann::json& o, const char* key) -> const std::string* {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  const std::string* format = str(m, "format");
  if (!format || *format != "cordon-manifest") return Bad("not a cordon manifest");
  auto version = m.find("version");
  if (version == m.end() || !version->is_number_integer()) return Bad("no version");
  const int64_t v = version->get<int64_t>();
  if (v < 1 || v > kManifestFormatVersion) {
    return Error(ErrorCode::kUnsupported, "manifest.json: format version not supported",
                 "a newer cordon wrote it: update cordon to open it");
  }
  Manifest out;
  out.version = static_cast<int>(v);
  auto order = m.find("order");
  if (order == m.end() || !order->is_object() || !str(*order, "id")) return Bad("no order id");
  out.order_id = *str(*order, "id");
  if (const std::string* h = str(*order, "sha256")) out.order_sha256 = *h;
  const std::string* delete_by = str(m, "delete_by");
  if (!delete_by) return Bad("no delete_by");
  auto days = order::ParseIsoDate(*delete_by);
  if (!days.ok()) return Bad("delete_by is not a date");
  out.delete_by = *days;
  out.delete_by_text = *delete_by;
  if (auto r = m.find("recipients"); r != m.end() && r->is_array()) {
    for (const auto& x : *r) {
      if (!x.is_string()) return Bad("a recipient is not a string");
      out.recipients.push_back(x.get<std::string>());
    }
  }
  auto tables = m.find("tables");
  if (tables == m.end() || !tables->is_array()) return Bad("no tables");
  for (const auto& t : *tables) {
    if (!t.is_object()) return Bad("a table is not an object");
    const std::string* name = str(t, "name");
    const std::string* file = str(t, "file");
    const std::string* sha = str(t, "ciphertext_sha256");
    auto size = t.find("ciphertext_size");
    if (!name || !file || !SafeFileName(*name) || !SafeFileName(*file)) {
      return Bad("unsafe or missing table file name");
    }
    if (!sha || !IsHex64(*sha)) return Bad("table " + *name + ": no ciphertext_sha256");
    if (size == t.end() || !size->is_number_unsigned()) {
      return Bad("table " + *name + ": no ciphertext_size");
    }
    for (const auto& other : out.tables) {
      if (other.file == *file) return Bad("file " + *file + " named twice");
    }
    ManifestTable table{*name, *file, size->get<uint64_t>(), *sha, {}};
    CORDON_TRY(ParseColumns(t, *name, out.version, table.columns));
    out.tables.push_back(std::move(table));
  }
  return out;
}

}  // namespace cordon::pipeline
