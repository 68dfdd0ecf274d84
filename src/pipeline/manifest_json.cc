#include "pipeline/manifest_json.h"

#include "core/version.h"

namespace cordon::pipeline {
namespace {

// The type of a column's values as they leave: the source's (the order's
// [table.types], else the catalog's) when the fate keeps the value or
// moves a date within its format; text for every other transform (a
// pseudonym, a mask, a year, an age band are written as text).
order::ColumnType OutputType(const BoundTable& t, const ColumnReport& c) {
  using order::FateKind;
  const FateKind kind = c.fate->kind;
  const bool same_type =
      c.fate->kept_as_is() || kind == FateKind::kShiftDate || kind == FateKind::kNull;
  auto it = t.types.find(c.column);
  if (!same_type || it == t.types.end()) return order::ColumnType{};
  if (kind == FateKind::kShiftDate && it->second.type != order::ValueType::kDate) return {};
  return it->second;
}

nlohmann::ordered_json TableJson(const BoundTable& t, const PackagedTable& p) {
  nlohmann::ordered_json cols = nlohmann::ordered_json::array(),
                         excluded = nlohmann::ordered_json::array();
  for (const ColumnReport& c : t.columns) {
    if (c.excluded()) {
      excluded.push_back(c.column);
    } else {
      cols.push_back({{"name", c.column},
                      {"fate", c.fate_text()},
                      {"type", FormatColumnType(OutputType(t, c))}});
    }
  }
  const TableStats& s = p.stats;
  nlohmann::ordered_json j = {{"name", t.spec->name},
                              {"from", t.source->name},
                              {"file", p.file},
                              {"columns", cols},
                              {"excluded_columns", excluded},
                              {"rows_read", s.rows_read},
                              {"rows_written", s.rows_selected},
                              {"rows_excluded_by_where", s.rows_excluded_where},
                              {"rows_excluded_by_follow", s.rows_excluded_follow},
                              {"ciphertext_size", p.ciphertext_size},
                              {"ciphertext_sha256", p.ciphertext_sha256}};
  if (auto k = KAnonymityReport(t, s); !k.is_null()) j["k_anonymity"] = k;
  return j;
}

}  // namespace

std::string FormatManifest(const ManifestFacts& f) {
  const order::Order& ord = f.order;
  nlohmann::ordered_json m;
  m["format"] = "cordon-manifest";
  m["version"] = kManifestFormatVersion;
  m["cordon_version"] = kVersion;
  m["created_at"] = f.created_at;
  // Said inside the manifest, so an unsigned package is one on purpose.
  m["manifest_signed"] = f.manifest_signed;
  m["order"] = {{"id", ord.id},
                {"file", f.order_file},
                {"sha256", f.order_sha256},
                {"controller", ord.controller},
                {"processor", ord.processor},
                {"purpose", ord.purpose},
                {"contract", ord.contract},
                {"not_after", order::FormatIsoDate(ord.not_after)}};
  if (f.passkey) {
    const PasskeyOrderSignature& p = *f.passkey;
    m["order"]["signature"] = {{"type", kPasskeySignatureType}, {"key", p.key}};
    if (!p.principal.empty()) m["order"]["signature"]["principal"] = p.principal;
    if (!p.principal_sha256.empty())
      m["order"]["signature"]["principal_sha256"] = p.principal_sha256;
  } else {
    m["order"]["controller_key_id"] = f.controller_key_id;
    m["order"]["signature_trusted_comment"] = f.signature_trusted_comment;
  }
  // The plan the controller approved and the run matched (only when the
  // order names one: other manifests stay as they were).
  if (!ord.plan_sha256.empty()) {
    m["order"]["plan_sha256"] = ord.plan_sha256;
    if (ord.has_plan_tolerance) m["order"]["plan_tolerance"] = ord.plan_tolerance.Text();
  }
  m["retention_days"] = ord.retention_days;
  m["delete_by"] = f.delete_by;
  m["recipients"] = ord.recipients;
  if (!ord.pseudonym_key_id.empty()) {
    // The key's id, never the key: the controller alone can re-identify.
    m["pseudonyms"] = {{"key_id", ord.pseudonym_key_id}, {"domain", ord.pseudonym_domain}};
    // Only when not the default: manifests of domain-scoped orders stay as
    // they were. The recipients are the manifest's own "recipients".
    if (ord.pseudonym_scope == order::PseudonymScope::kRecipients)
      m["pseudonyms"]["scope"] = order::PseudonymScopeName(ord.pseudonym_scope);
    // extract --avoid-real: no pseudonym is a value of this watchlist.
    if (!f.avoid_real.watch_key_id.empty()) {
      m["pseudonyms"]["avoid_real"] = {{"watch_key_id", f.avoid_real.watch_key_id},
                                       {"digests", f.avoid_real.digests}};
    }
  }
  nlohmann::ordered_json tables = nlohmann::ordered_json::array();
  for (size_t i = 0; i < f.binding.tables.size(); ++i) {
    tables.push_back(TableJson(f.binding.tables[i], f.tables[i]));
  }
  m["tables"] = tables;
  return m.dump(2) + "\n";
}

nlohmann::ordered_json KAnonymityReport(const BoundTable& t, const TableStats& s) {
  if (t.quasi_identifiers.empty()) return nullptr;
  nlohmann::ordered_json qi = nlohmann::ordered_json::array();
  for (size_t k : t.quasi_identifiers) qi.push_back(t.header[t.kept[k]]);
  nlohmann::ordered_json j = {
      {"quasi_identifiers", qi}, {"k", s.k_smallest}, {"classes", s.classes}};
  if (t.spec->min_k > 0) {
    j["min_k"] = t.spec->min_k;
    j["rows_below_min_k"] = s.rows_below_k;
    j["on_k_violation"] = t.spec->suppress_below_k ? "suppress" : "refuse";
    j["rows_suppressed"] = s.rows_suppressed_k;
  }
  return j;
}

}  // namespace cordon::pipeline
