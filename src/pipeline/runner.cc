#include "pipeline/runner.h"

#include "pipeline/key_set.h"

namespace cordon::pipeline {

Result<std::vector<TableStats>> Run(const Binding& binding, const source::CsvSource& source,
                                    const SinkFactory& sinks, const ProgressFn& progress) {
  std::vector<TableStats> stats;
  std::vector<KeySet> keys(binding.tables.size());
  for (size_t ti = 0; ti < binding.tables.size(); ++ti) {
    const BoundTable& t = binding.tables[ti];
    TableStats s;
    s.name = t.spec->name;
    CORDON_ASSIGN_OR_RETURN(auto reader, source.Read(*t.source));
    CORDON_ASSIGN_OR_RETURN(std::unique_ptr<RowSink> sink, sinks(t));
    std::vector<std::string> names;
    for (size_t i : t.kept) names.push_back(t.header[i]);
    CORDON_TRY(sink->Begin(names));
    std::vector<std::string_view> values(t.kept.size());
    const KeySet* parent_keys = t.follow_column ? &keys[t.parent] : nullptr;
    KeySet* my_keys = t.key_column ? &keys[ti] : nullptr;
    auto field = [&](size_t i) { return reader->Utf8Field(i); };
    std::string last_key;
    bool last_found = false, have_last = false;
    auto at_row = [&](const Error& e) {
      return e.WithContext(reader->name() + " line " + std::to_string(reader->line()));
    };
    for (;;) {
      CORDON_ASSIGN_OR_RETURN(bool more, reader->Next());
      if (!more) break;
      ++s.rows_read;
      if (progress && (s.rows_read & 0xFFFF) == 0)
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
      if (my_keys != nullptr) {
        auto key = field(*t.key_column);
        if (!key.ok()) return at_row(key.error());
        my_keys->Insert(*key);
      }
      for (size_t k = 0; k < t.kept.size(); ++k) {
        auto v = field(t.kept[k]);
        if (!v.ok()) return at_row(v.error());
        values[k] = *v;
      }
      ++s.rows_selected;
      CORDON_TRY(sink->Row(values));
    }
    CORDON_TRY(sink->End());
    if (my_keys != nullptr) my_keys->Freeze();
    if (progress) progress(s.name, t.source->size, t.source->size);
    stats.push_back(std::move(s));
  }
  return stats;
}

}  // namespace cordon::pipeline
