#include "pipeline/runner.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <unordered_map>

#include "pipeline/key_set.h"

namespace cordon::pipeline {

namespace {

// One transform per kept column (null for columns kept as they are).
Result<std::vector<std::unique_ptr<pseudo::Transform>>> MakeTransforms(const BoundTable& t,
                                                                       const TransformOptions& o) {
  std::vector<std::unique_ptr<pseudo::Transform>> out;
  for (size_t k = 0; k < t.kept.size(); ++k) {
    const order::Fate& fate = *t.kept_fates[k];
    if (fate.kept_as_is() || (fate.keyed() && o.key == nullptr && o.skip_keyed)) {
      out.emplace_back();
      continue;
    }
    const std::string& column = t.header[t.kept[k]];
    auto type = t.spec->types.find(column);
    pseudo::TransformSetup setup{o.key, o.domain,
                                 type == t.spec->types.end() ? order::ColumnType{} : type->second,
                                 o.reference_day};
    auto made = pseudo::MakeTransform(fate, setup);
    if (!made.ok()) return made.error().WithContext(t.spec->name + "." + column);
    out.push_back(std::move(*made));
  }
  return out;
}

// Sizes of the equivalence classes on the quasi-identifiers. Classes are
// kept by a 128-bit keyed hash of their values (SipHash-2-4 twice): about
// 40 bytes per distinct class, and no two classes merge in practice.
class ClassCounts {
 public:
  ClassCounts() {
    crypto_shorthash_keygen(k1_.data());
    crypto_shorthash_keygen(k2_.data());
  }
  void Add(std::string_view key) { ++counts_[IdOf(key)]; }
  uint64_t Count(std::string_view key) const {
    auto it = counts_.find(IdOf(key));
    return it == counts_.end() ? 0 : it->second;
  }
  uint64_t Smallest() const {
    uint64_t k = 0;
    for (const auto& [id, n] : counts_) k = k == 0 ? n : std::min<uint64_t>(k, n);
    return k;
  }
  uint64_t RowsBelow(uint64_t min_k) const {
    uint64_t rows = 0;
    for (const auto& [id, n] : counts_) rows += n < min_k ? n : 0;
    return rows;
  }
  uint64_t size() const { return counts_.size(); }

 private:
  using Id = std::pair<uint64_t, uint64_t>;
  struct IdHash {
    size_t operator()(const Id& id) const { return id.first; }
  };
  Id IdOf(std::string_view key) const {
    uint64_t a = 0, b = 0;
    auto* in = reinterpret_cast<const unsigned char*>(key.data());
    crypto_shorthash(reinterpret_cast<unsigned char*>(&a), in, key.size(), k1_.data());
    crypto_shorthash(reinterpret_cast<unsigned char*>(&b), in, key.size(), k2_.data());
    return {a, b};
  }
  std::array<unsigned char, crypto_shorthash_KEYBYTES> k1_, k2_;
  std::unordered_map<Id, uint32_t, IdHash> counts_;
};

char SexOf(BoundTable::SexFrom from, std::string_view v) {
  if (v.empty()) return 0;
  switch (from) {
    case BoundTable::SexFrom::kNir:
      return v[0] == '1' || v[0] == '7' ? 'M' : v[0] == '2' || v[0] == '8' ? 'F' : 0;
    case BoundTable::SexFrom::kCpr: {
      char last = v.back();
      return last >= '0' && last <= '9' ? ((last - '0') % 2 ? 'M' : 'F') : 0;
    }
    case BoundTable::SexFrom::kLetter:
      return v[0] == 'M' || v[0] == 'H' || v[0] == 'm' || v[0] == 'h'   ? 'M'
             : v[0] == 'F' || v[0] == 'K' || v[0] == 'f' || v[0] == 'k' ? 'F'
                                                                        : 0;
    case BoundTable::SexFrom::kNone:
      break;
  }
  return 0;
}

}  // namespace

Result<std::vector<TableStats>> Run(const Binding& binding, const source::CsvSource& source,
                                    const SinkFactory& sinks, const ProgressFn& progress,
                                    const TransformOptions& transform_options) {
  std::vector<TableStats> stats;
  std::vector<KeySet> keys(binding.tables.size());
  // Per parent table: key → its row's identifiers, packed as
  // placeholder \x1F value \x1E … (only when a child redacts text).
  std::vector<std::unordered_map<std::string, std::string>> inherited(binding.tables.size());
  for (size_t ti = 0; ti < binding.tables.size(); ++ti) {
    const BoundTable& t = binding.tables[ti];
    CORDON_ASSIGN_OR_RETURN(auto transforms, MakeTransforms(t, transform_options));
    bool any_transform = false;
    for (const auto& tr : transforms) any_transform = any_transform || tr != nullptr;
    const KeySet* parent_keys = t.follow_column ? &keys[t.parent] : nullptr;
    KeySet* my_keys = t.key_column ? &keys[ti] : nullptr;
    // Equivalence classes on the quasi-identifiers, as they leave.
    ClassCounts classes;
    const bool anonymity = !t.quasi_identifiers.empty();
    const int min_k = t.spec->min_k;
    const bool suppress = t.spec->suppress_below_k;

    // One pass over the table: `counting` only counts the classes (k), the
    // other pass writes (suppressing rows in small classes if asked).
    auto pass = [&](bool counting, TableStats& s, RowSink* sink) -> Status {
      CORDON_ASSIGN_OR_RETURN(auto reader, source.Read(*t.source));
      std::vector<std::string_view> values(t.kept.size());
      std::vector<std::string> transformed(t.kept.size());
      pseudo::RowContext row;
      auto field = [&](size_t i) { return reader->Utf8Field(i); };
      std::string last_key, class_key;
      bool last_found = false, have_last = false;
      auto at_row = [&](const Error& e) {
        return e.WithContext(reader->name() + " line " + std::to_string(reader->line()));
      };
      for (;;) {
        CORDON_ASSIGN_OR_RETURN(bool more, reader->Next());
        if (!more) break;
        ++s.rows_read;
        if (progress && !counting && (s.rows_read & 0xFFFF) == 0)
          progress(s.name, reader->bytes_consumed(), t.source->size);
        if (t.where) {
          auto selected = t.where->Evaluate(field);
          if (!selected.ok()) return at_row(selected.error());
          if (!*selected) {
            ++s.rows_excluded_where;
            continue;
          }
        }
        if (parent_keys != nullptr) {
          auto key = field(*t.follow_column);
          if (!key.ok()) return at_row(key.error());
          // Child rows usually come grouped by parent key: remember the last answer.
          if (!have_last || *key != last_key) {
            have_last = true;
            last_key.assign(*key);
            last_found = parent_keys->Contains(*key);
          }
          if (!last_found) {
            ++s.rows_excluded_follow;
            continue;
          }
        }
        for (size_t k = 0; k < t.kept.size(); ++k) {
          auto v = field(t.kept[k]);
          if (!v.ok()) return at_row(v.error());
          values[k] = *v;
        }
        if (any_transform) {
          // What transforms may look at: the subject, the sex, the row's own
          // identifiers (all source values: a name that does not leave must
          // not leave through a comment either).
          row.subject = {};
          if (t.subject_column) {
            CORDON_ASSIGN_OR_RETURN(row.subject, field(*t.subject_column));
          }
          row.sex = 0;
          if (t.sex_from != BoundTable::SexFrom::kNone) {
            CORDON_ASSIGN_OR_RETURN(std::string_view sex, field(t.sex_column));
            row.sex = SexOf(t.sex_from, sex);
          }
          row.identifiers.clear();
          for (const auto& [column, placeholder] : t.identifier_columns) {
            CORDON_ASSIGN_OR_RETURN(std::string_view id, field(column));
            if (!id.empty()) row.identifiers.push_back({id, placeholder});
          }
          if (t.inherits_identifiers) {
            CORDON_ASSIGN_OR_RETURN(std::string_view key, field(*t.follow_column));
            auto it = inherited[t.parent].find(std::string(key));
            if (it != inherited[t.parent].end()) {
              std::string_view packed = it->second;
              while (!packed.empty()) {
                size_t unit = packed.find('\x1F'), end = packed.find('\x1E');
                row.identifiers.push_back(
                    {packed.substr(unit + 1, end - unit - 1), packed.substr(0, unit)});
                packed.remove_prefix(end + 1);
              }
            }
          }
          for (size_t k = 0; k < t.kept.size(); ++k) {
            if (!transforms[k]) continue;
            Status applied = transforms[k]->Apply(values[k], row, transformed[k]);
            if (!applied.ok()) {
              return at_row(applied.error().WithContext("column " + t.header[t.kept[k]]));
            }
            values[k] = transformed[k];
          }
        }
        if (anonymity) {
          class_key.clear();
          for (size_t k : t.quasi_identifiers) class_key.append(values[k]).append(1, '\x1F');
          if (counting) {
            classes.Add(class_key);
            continue;
          }
          if (suppress && min_k > 0 && classes.Count(class_key) < static_cast<uint64_t>(min_k)) {
            ++s.rows_suppressed_k;
            continue;
          }
        }
        if (my_keys != nullptr) {
          auto key = field(*t.key_column);
          if (!key.ok()) return at_row(key.error());
          my_keys->Insert(*key);
          if (t.keeps_identifiers_for_children) {
            std::string packed;
            for (const auto& [column, placeholder] : t.identifier_columns) {
              CORDON_ASSIGN_OR_RETURN(std::string_view id, field(column));
              if (!id.empty())
                packed.append(placeholder).append(1, '\x1F').append(id).append(1, '\x1E');
            }
            inherited[ti][std::string(*key)] += packed;
          }
        }
        ++s.rows_selected;
        CORDON_TRY(sink->Row(values));
      }
      return Ok();
    };

    TableStats s;
    s.name = t.spec->name;
    if (anonymity) {
      TableStats counted;
      CORDON_TRY(pass(true, counted, nullptr));
      s.k_smallest = classes.Smallest();
      s.classes = classes.size();
      s.rows_below_k = min_k > 0 ? classes.RowsBelow(static_cast<uint64_t>(min_k)) : 0;
      if (min_k > 0 && s.rows_below_k > 0 && !suppress && !transform_options.report_k_only) {
        std::string qi;
        for (size_t k : t.quasi_identifiers) qi += (qi.empty() ? "" : ", ") + t.header[t.kept[k]];
        return Error(ErrorCode::kRefused,
                     t.spec->name + ": " + std::to_string(s.rows_below_k) +
                         " rows are in groups smaller than min_k = " + std::to_string(min_k) +
                         " on " + qi + " (the smallest group has " + std::to_string(s.k_smallest) +
                         " rows)",
                     "generalize those columns (generalize:year, generalize:dept, "
                     "generalize:age-band:10…), or set on_k_violation = \"suppress\" to leave "
                     "those rows out");
      }
    }
    CORDON_ASSIGN_OR_RETURN(std::unique_ptr<RowSink> sink, sinks(t));
    std::vector<std::string> names;
    for (size_t i : t.kept) names.push_back(t.header[i]);
    CORDON_TRY(sink->Begin(names));
    CORDON_TRY(pass(false, s, sink.get()));
    CORDON_TRY(sink->End());
    if (my_keys != nullptr) my_keys->Freeze();
    if (progress) progress(s.name, t.source->size, t.source->size);
    stats.push_back(std::move(s));
  }
  return stats;
}

}  // namespace cordon::pipeline
