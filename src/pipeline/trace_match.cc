#include "pipeline/trace_match.h"

#include <algorithm>
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
  return MaskValue(text);  // the plan's samples' mask
}

LeakIndex::LeakIndex(const TraceKey& key, const LeakedFile& leak)
    : key_(key), whole_rows_(leak.shape == LeakedFile::Shape::kDelimited) {
  std::unordered_map<std::string, uint32_t> ids;  // normalized cell → value id
  for (const auto& row : leak.rows) {
    std::vector<uint32_t> mine;
    for (const std::string& cell : row) {
      std::string normal = NormalizeCell(cell);
      if (normal.empty()) continue;
      auto [it, fresh] = ids.try_emplace(std::move(normal), static_cast<uint32_t>(values_.size()));
      if (fresh) {
        // The kind does not depend on the table: any name gives it.
        auto traced = key_.Value("", cell);
        Value v{cell, traced ? traced->kind : std::nullopt, false};
        v.strong = v.kind.has_value() || HasSixDigits(cell);
        values_.push_back(std::move(v));
      }
      if (std::find(mine.begin(), mine.end(), it->second) == mine.end()) mine.push_back(it->second);
    }
    row_values_.push_back(std::move(mine));
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
  for (const ProvenanceTable& t : p.tables) {
    const TableDigests& d = Digests(t.name);
    Intersect(d.rows, t.rows, [&](uint32_t r) { whole[r] = 1; });
    Intersect(d.values, t.values, [&](uint32_t v) { held[v] = 1; });
  }
  PackageMatch m;
  for (size_t r = 0; r < row_values_.size(); ++r) {
    bool strong = std::any_of(row_values_[r].begin(), row_values_[r].end(),
                              [&](uint32_t v) { return held[v] && values_[v].strong; });
    if (whole[r] || strong) ++m.rows;
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
