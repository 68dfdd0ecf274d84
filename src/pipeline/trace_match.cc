#include "pipeline/trace_match.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <map>
#include <unordered_map>

#include "detect/matcher.h"
#include "pipeline/extract.h"

namespace cordon::pipeline {
namespace {

// The first index of `v` at or after `from` whose digest is not below `x`:
// exponential then binary search, as the leak's digests are probed in
// increasing order (each probe starts where the last one ended, so a probe
// touches a few cache lines of a list of millions).
size_t GallopLowerBound(const std::vector<uint64_t>& v, size_t from, uint64_t x) {
  size_t bound = 1;
  while (from + bound < v.size() && v[from + bound] < x) bound *= 2;
  auto first = v.begin() + static_cast<ptrdiff_t>(from + bound / 2);
  auto last = v.begin() + static_cast<ptrdiff_t>(std::min(from + bound + 1, v.size()));
  return static_cast<size_t>(std::lower_bound(first, last, x) - v.begin());
}

// Calls hit(id) for every (digest, id) of `probes` (sorted) found in `list`.
template <typename Hit>
void Intersect(const std::vector<std::pair<uint64_t, uint32_t>>& probes,
               const std::vector<uint64_t>& list, Hit hit) {
  size_t pos = 0;
  for (const auto& [digest, id] : probes) {
    if (pos >= list.size()) return;
    pos = GallopLowerBound(list, pos, digest);
    if (pos < list.size() && list[pos] == digest) hit(id);
  }
}

}  // namespace

bool HasSixDigits(std::string_view text) {
  return std::count_if(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) >= 6;
}

std::string MaskSubject(std::string_view text) {
  for (size_t k = 0; k < detect::kKindCount; ++k) {
    auto kind = static_cast<detect::Kind>(k);
    if (detect::Validate(kind, text) != detect::Confidence::kNone)
      return detect::MaskIdentifier(kind, text);
  }
  // Free text (a name, a file number): its length only. A prefix, as the
  // plan's samples keep, can be a whole surname.
  const size_t chars = static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
  return "[" + std::to_string(chars) + " character" + (chars == 1 ? "" : "s") + "]";
}

LeakIndex::LeakIndex(const TraceKey& key, const LeakedFile& leak)
    : key_(key),
      whole_rows_(leak.shape == LeakedFile::Shape::kDelimited),
      header_rows_(leak.header && !leak.rows.empty() ? 1 : 0) {
  std::unordered_map<std::string, uint32_t> ids;  // normalized cell → value id
  // The last row each value was added to: the per-row duplicate check in
  // constant time (a row of 80,000 cells must not cost 80,000² compares).
  std::vector<size_t> last_row;
  // Rows with the same cells (normalized, in order) are one piece of
  // evidence: the same record repeated.
  std::map<std::vector<uint32_t>, uint32_t> row_keys;
  constexpr uint32_t kEmptyCell = UINT32_MAX;
  for (const auto& row : leak.rows) {
    const size_t r = row_values_.size();
    std::vector<uint32_t> mine, cells;
    for (const std::string& cell : row) {
      std::string normal = NormalizeCell(cell);
      if (normal.empty()) {
        cells.push_back(kEmptyCell);
        continue;
      }
      auto [it, fresh] = ids.try_emplace(std::move(normal), static_cast<uint32_t>(values_.size()));
      if (fresh) {
        // The kind does not depend on the table: any name gives it.
        auto traced = key_.Value("", cell);
        Value v{cell, traced ? traced->kind : std::nullopt, false};
        v.strong = v.kind.has_value() || HasSixDigits(cell);
        values_.push_back(std::move(v));
        last_row.push_back(SIZE_MAX);
      }
      cells.push_back(it->second);
      if (last_row[it->second] != r) {
        last_row[it->second] = r;
        mine.push_back(it->second);
      }
    }
    row_values_.push_back(std::move(mine));
    row_key_.push_back(
        row_keys.try_emplace(std::move(cells), static_cast<uint32_t>(row_keys.size()))
            .first->second);
    if (whole_rows_) rows_.push_back(row);
  }
}

const LeakIndex::TableDigests& LeakIndex::Digests(const std::string& table) {
  auto it = by_table_.find(table);
  if (it != by_table_.end()) return it->second;
  TableDigests d;
  for (size_t r = 0; r < rows_.size(); ++r) {
    std::vector<std::string_view> cells(rows_[r].begin(), rows_[r].end());
    d.rows.emplace_back(key_.RowDigest(table, cells), static_cast<uint32_t>(r));
  }
  for (size_t v = 0; v < values_.size(); ++v) {
    if (auto traced = key_.Value(table, values_[v].text))
      d.values.emplace_back(traced->digest, static_cast<uint32_t>(v));
  }
  std::sort(d.rows.begin(), d.rows.end());
  std::sort(d.values.begin(), d.values.end());
  return by_table_.emplace(table, std::move(d)).first->second;
}

PackageMatch LeakIndex::Match(const Provenance& p) {
  std::vector<char> whole(row_values_.size(), 0), held(values_.size(), 0);
  // Leaked values that are one value to this package (a NIR and its spaced
  // form digest alike): each maps to the first of its digest's run.
  std::vector<uint32_t> same(values_.size());
  for (uint32_t v = 0; v < same.size(); ++v) same[v] = v;
  for (const ProvenanceTable& t : p.tables) {
    const TableDigests& d = Digests(t.name);
    Intersect(d.rows, t.rows, [&](uint32_t r) { whole[r] = 1; });
    Intersect(d.values, t.values, [&](uint32_t v) { held[v] = 1; });
    for (size_t i = 1; i < d.values.size(); ++i) {
      if (d.values[i].first != d.values[i - 1].first) continue;
      uint32_t& a = same[d.values[i].second];
      a = std::min(a, same[d.values[i - 1].second]);
    }
  }
  // A row counts only for evidence not counted already (--min-rows counts
  // distinct evidence): a strong value no earlier row brought, or a whole
  // row no earlier row repeated. One person's NIR on three lines is one.
  PackageMatch m;
  std::vector<char> counted_value(values_.size(), 0), counted_row(row_values_.size(), 0);
  for (size_t r = 0; r < row_values_.size(); ++r) {
    bool matched = whole[r] != 0, fresh = false;
    if (whole[r] && !counted_row[row_key_[r]]) {
      counted_row[row_key_[r]] = 1;
      fresh = true;
    }
    for (uint32_t v : row_values_[r]) {
      if (!held[v] || !values_[v].strong) continue;
      matched = true;
      if (!counted_value[same[v]]) {
        counted_value[same[v]] = 1;
        fresh = true;
      }
    }
    if (!matched || !fresh) continue;
    ++m.rows;
    if (whole[r]) ++m.whole_rows;
  }
  for (uint32_t v = 0; v < values_.size(); ++v) {
    if (!held[v]) continue;
    if (!values_[v].strong) {
      ++m.weak_values;
      continue;
    }
    ++m.values;
    m.strong.push_back(v);
    if (values_[v].kind == detect::Kind::kNir || values_[v].kind == detect::Kind::kCpr)
      m.nir_cpr.push_back(v);
  }
  return m;
}

}  // namespace cordon::pipeline
