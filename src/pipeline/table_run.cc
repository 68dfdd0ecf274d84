#include "pipeline/table_run.h"

#include <algorithm>

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
    auto type = t.types.find(column);
    pseudo::TransformSetup setup{
        o.key,           o.domain,     type == t.types.end() ? order::ColumnType{} : type->second,
        o.reference_day, o.recipients, o.is_real};
    auto made = pseudo::MakeTransform(fate, setup);
    if (!made.ok()) return made.error().WithContext(t.spec->name + "." + column);
    out.push_back(std::move(*made));
  }
  return out;
}

// Identifiers a parent row kept for its children: placeholder \x1F value \x1E …
void UnpackIdentifiers(std::string_view packed, std::vector<pseudo::RowIdentifier>& out) {
  while (!packed.empty()) {
    size_t unit = packed.find('\x1F'), end = packed.find('\x1E');
    out.push_back({packed.substr(unit + 1, end - unit - 1), packed.substr(0, unit)});
    packed.remove_prefix(end + 1);
  }
}

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

Error AtLine(const source::RowReader& reader, uint64_t line, const Error& e) {
  return e.WithContext(reader.Position(line));
}

}  // namespace

// The state of one pass over the table's source.
struct TableRun::Pass {
  bool counting = false;  // only count the classes (k)
  TableStats& stats;
  RowSink* sink = nullptr;               // null when counting
  const ProgressFn* progress = nullptr;  // null when counting
  std::unique_ptr<source::RowReader> reader;
  std::vector<std::string_view> out;  // the row as it leaves
  std::string class_key;
  // Child rows usually come grouped by parent key: the last answer.
  std::string last_key;
  bool have_last = false, last_found = false;
};

TableRun::TableRun(const BoundTable& table, const source::TableSource& source,
                   const Selection* parent, bool report_k_only)
    : t_(table), source_(source), parent_(parent), report_k_only_(report_k_only) {
  for (const order::Fate* f : t_.kept_fates) {
    needs_.subject |= f->kind == order::FateKind::kShiftDate;
    needs_.sex |= f->kind == order::FateKind::kSynthetic && f->synthetic == "first_name";
    needs_.identifiers |= f->kind == order::FateKind::kRedact;
  }
  stats_.name = t_.spec->name;
}

Result<std::unique_ptr<TableRun>> TableRun::Create(const BoundTable& table,
                                                   const source::TableSource& source,
                                                   const TransformOptions& options,
                                                   const Selection* parent) {
  std::unique_ptr<TableRun> run(new TableRun(table, source, parent, options.report_k_only));
  CORDON_ASSIGN_OR_RETURN(auto transforms, MakeTransforms(table, options));
  for (const auto& tr : transforms) run->any_transform_ = run->any_transform_ || tr != nullptr;
  run->threads_ = run->any_transform_ ? std::max<size_t>(1, options.threads) : 1;
  run->per_thread_.push_back(std::move(transforms));
  for (size_t k = 1; k < run->threads_; ++k) {
    CORDON_ASSIGN_OR_RETURN(auto more, MakeTransforms(table, options));
    run->per_thread_.push_back(std::move(more));
  }
  return run;
}

Status TableRun::CountPass() {
  if (t_.quasi_identifiers.empty()) return Ok();
  TableStats counted;
  Pass pass{.counting = true, .stats = counted};
  CORDON_TRY(RunPass(pass));
  const int min_k = t_.spec->min_k;
  stats_.k_smallest = classes_.Smallest();
  stats_.classes = classes_.size();
  stats_.rows_below_k = min_k > 0 ? classes_.RowsBelow(static_cast<uint64_t>(min_k)) : 0;
  if (min_k > 0 && stats_.rows_below_k > 0 && !t_.spec->suppress_below_k && !report_k_only_) {
    return KRefusal();
  }
  return Ok();
}

Error TableRun::KRefusal() const {
  std::string qi;
  for (size_t k : t_.quasi_identifiers) qi += (qi.empty() ? "" : ", ") + t_.header[t_.kept[k]];
  return Error(ErrorCode::kRefused,
               t_.spec->name + ": " + std::to_string(stats_.rows_below_k) +
                   " rows are in groups smaller than min_k = " + std::to_string(t_.spec->min_k) +
                   " on " + qi + " (the smallest group has " + std::to_string(stats_.k_smallest) +
                   " rows)",
               "generalize those columns (generalize:year, generalize:dept, "
               "generalize:age-band:10…), or set on_k_violation = \"suppress\" to leave "
               "those rows out");
}

Status TableRun::WritePass(RowSink& sink, const ProgressFn& progress) {
  std::vector<std::string> names;
  for (size_t i : t_.kept) names.push_back(t_.header[i]);
  CORDON_TRY(sink.Begin(names));
  Pass pass{.counting = false, .stats = stats_, .sink = &sink, .progress = &progress};
  CORDON_TRY(RunPass(pass));
  CORDON_TRY(sink.End());
  if (t_.key_column) selected_.keys.Freeze();
  if (progress) progress(stats_.name, t_.source->size, t_.source->size);
  return Ok();
}

// Without transforms each selected row is emitted straight from the reader.
// With them, rows are copied into batches that go to `threads_` workers, a
// whole batch each, while this thread reads the next ones; batches are
// emitted in order as they come back (at most threads + 1 in flight).
Status TableRun::RunPass(Pass& pass) {
  CORDON_ASSIGN_OR_RETURN(pass.reader,
                          source_.ReadFiltered(*t_.source, t_.read_columns, t_.pushed));
  pass.out.resize(t_.kept.size());
  TransformPool pool(any_transform_ ? threads_ : 0,
                     [this](size_t worker, Batch& batch) { TransformBatch(worker, batch); });
  auto emit_batch = [&](Batch& batch) { return EmitBatch(pass, batch); };
  Batch* filling = any_transform_ ? pool.Take() : nullptr;
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(bool more, pass.reader->Next());
    if (!more) break;
    ++pass.stats.rows_read;
    if (pass.progress && *pass.progress && (pass.stats.rows_read & 0xFFFF) == 0)
      (*pass.progress)(pass.stats.name, pass.reader->bytes_consumed(), t_.source->size);
    CORDON_ASSIGN_OR_RETURN(bool selected, Selects(pass));
    if (!selected) continue;
    std::string_view key;
    if (t_.key_column) {
      CORDON_ASSIGN_OR_RETURN(key, pass.reader->Utf8Field(*t_.key_column));
    }
    std::string packed_ids;
    if (t_.keeps_identifiers_for_children && !pass.counting) {
      CORDON_ASSIGN_OR_RETURN(packed_ids, PackIdentifiers(*pass.reader));
    }
    if (!any_transform_) {
      CORDON_TRY(EmitAsIs(pass, key, packed_ids));
      continue;
    }
    if (filling->rows.size() < kBatchRows) filling->rows.resize(kBatchRows);
    CORDON_TRY(CopyOut(pass, filling->rows[filling->count++], key, std::move(packed_ids)));
    if (filling->count == kBatchRows) {
      pool.Submit(filling);
      CORDON_TRY(pool.EmitReady(emit_batch, /*wait_below=*/threads_ + 1));
      filling = pool.Take();
    }
  }
  // Rows the database left out by the pushed `where` count as read and
  // excluded by it, as they would have been here; those its semi-join left
  // out (their `where` true) as excluded by `follow`.
  const uint64_t filtered = pass.reader->rows_filtered();
  const uint64_t by_follow = std::min(filtered, pass.reader->rows_filtered_follow());
  pass.stats.rows_read += filtered;
  pass.stats.rows_excluded_where += filtered - by_follow;
  pass.stats.rows_excluded_follow += by_follow;
  if (!any_transform_) return Ok();
  if (filling->count > 0) pool.Submit(filling);
  return pool.EmitReady(emit_batch, /*wait_below=*/1);
}

// Rows are selected on their source values: `where`, then `follow`.
Result<bool> TableRun::Selects(Pass& pass) {
  source::RowReader& reader = *pass.reader;
  const uint64_t line = reader.line();
  if (t_.where) {
    auto selected = t_.where->Evaluate([&](size_t i) { return reader.Utf8Field(i); });
    if (!selected.ok()) return AtLine(reader, line, selected.error());
    if (!*selected) {
      ++pass.stats.rows_excluded_where;
      return false;
    }
  }
  if (parent_ != nullptr) {
    auto key = reader.Utf8Field(*t_.follow_column);
    if (!key.ok()) return AtLine(reader, line, key.error());
    if (!pass.have_last || *key != pass.last_key) {
      pass.have_last = true;
      pass.last_key.assign(*key);
      pass.last_found = parent_->keys.Contains(*key);
    }
    if (!pass.last_found) {
      ++pass.stats.rows_excluded_follow;
      return false;
    }
  }
  return true;
}

// The row's identifiers, kept for the children that redact text.
Result<std::string> TableRun::PackIdentifiers(source::RowReader& reader) const {
  std::string packed;
  for (const auto& [column, placeholder] : t_.identifier_columns) {
    CORDON_ASSIGN_OR_RETURN(std::string_view id, reader.Utf8Field(column));
    if (!id.empty()) packed.append(placeholder).append(1, '\x1F').append(id).append(1, '\x1E');
  }
  return packed;
}

Status TableRun::EmitAsIs(Pass& pass, std::string_view key, std::string_view packed_ids) {
  for (size_t k = 0; k < t_.kept.size(); ++k) {
    auto v = pass.reader->Utf8Field(t_.kept[k]);
    if (!v.ok()) return AtLine(*pass.reader, pass.reader->line(), v.error());
    pass.out[k] = *v;
  }
  return Emit(pass, key, packed_ids);
}

// Copied out of the reader: what the transforms may look at (the subject,
// the sex, the row's own identifiers, all source values: a name that does
// not leave must not leave through a comment either). Only what this table's
// transforms use is copied (strings keep their capacity from batch to batch).
Status TableRun::CopyOut(Pass& pass, PendingRow& p, std::string_view key,
                         std::string packed_ids) const {
  source::RowReader& reader = *pass.reader;
  p.line = reader.line();
  p.values.resize(t_.kept.size());
  for (size_t k = 0; k < t_.kept.size(); ++k) {
    auto v = reader.Utf8Field(t_.kept[k]);
    if (!v.ok()) return AtLine(reader, p.line, v.error());
    p.values[k].assign(*v);
  }
  p.subject.clear();
  if (needs_.subject && t_.subject_column) {
    CORDON_ASSIGN_OR_RETURN(std::string_view subject, reader.Utf8Field(*t_.subject_column));
    p.subject.assign(subject);
  }
  p.sex = 0;
  if (needs_.sex && t_.sex_from != BoundTable::SexFrom::kNone) {
    CORDON_ASSIGN_OR_RETURN(std::string_view sex, reader.Utf8Field(t_.sex_column));
    p.sex = SexOf(t_.sex_from, sex);
  }
  size_t ids = 0;
  if (needs_.identifiers) {
    p.id_values.resize(t_.identifier_columns.size());
    p.id_placeholders.resize(t_.identifier_columns.size());
    for (const auto& [column, placeholder] : t_.identifier_columns) {
      CORDON_ASSIGN_OR_RETURN(std::string_view id, reader.Utf8Field(column));
      if (id.empty()) continue;
      p.id_values[ids].assign(id);
      p.id_placeholders[ids++] = placeholder;
    }
  }
  p.id_count = ids;
  p.follow_key.clear();
  if (t_.inherits_identifiers) {
    CORDON_ASSIGN_OR_RETURN(std::string_view fk, reader.Utf8Field(*t_.follow_column));
    p.follow_key.assign(fk);
  }
  p.key.assign(key);
  p.packed_ids = std::move(packed_ids);
  return Ok();
}

// On a worker: transforms a batch in place with this worker's own instances;
// records the first row that fails and stops there.
void TableRun::TransformBatch(size_t worker, Batch& batch) {
  auto& mine = per_thread_[worker];
  pseudo::RowContext row;
  std::string result;
  for (size_t r = 0; r < batch.count; ++r) {
    PendingRow& p = batch.rows[r];
    row.subject = p.subject;
    row.sex = p.sex;
    row.identifiers.clear();
    for (size_t k = 0; k < p.id_count; ++k)
      row.identifiers.push_back({p.id_values[k], p.id_placeholders[k]});
    if (t_.inherits_identifiers) {
      auto it = parent_->identifiers.find(p.follow_key);
      if (it != parent_->identifiers.end()) UnpackIdentifiers(it->second, row.identifiers);
    }
    for (size_t k = 0; k < t_.kept.size(); ++k) {
      if (!mine[k]) continue;
      Status applied = mine[k]->Apply(p.values[k], row, result);
      if (!applied.ok()) {
        batch.failed.emplace(p.line,
                             applied.error().WithContext("column " + t_.header[t_.kept[k]]));
        return;
      }
      p.values[k].swap(result);
    }
  }
}

Status TableRun::EmitBatch(Pass& pass, Batch& batch) {
  if (batch.failed) return AtLine(*pass.reader, batch.failed->first, batch.failed->second);
  for (size_t r = 0; r < batch.count; ++r) {
    for (size_t k = 0; k < t_.kept.size(); ++k) pass.out[k] = batch.rows[r].values[k];
    CORDON_TRY(Emit(pass, batch.rows[r].key, batch.rows[r].packed_ids));
  }
  return Ok();
}

// A row as it leaves (pass.out): counted into its class, or left out for
// k-anonymity, or recorded for the children and written.
Status TableRun::Emit(Pass& pass, std::string_view key, std::string_view packed_ids) {
  if (!t_.quasi_identifiers.empty()) {
    pass.class_key.clear();
    for (size_t k : t_.quasi_identifiers) pass.class_key.append(pass.out[k]).append(1, '\x1F');
    if (pass.counting) {
      classes_.Add(pass.class_key);
      return Ok();
    }
    const int min_k = t_.spec->min_k;
    if (t_.spec->suppress_below_k && min_k > 0 &&
        classes_.Count(pass.class_key) < static_cast<uint64_t>(min_k)) {
      ++pass.stats.rows_suppressed_k;
      return Ok();
    }
  }
  if (t_.key_column) {
    selected_.keys.Insert(key);
    if (t_.keeps_identifiers_for_children) selected_.identifiers[std::string(key)] += packed_ids;
  }
  ++pass.stats.rows_selected;
  return pass.sink->Row(pass.out);
}

}  // namespace cordon::pipeline
