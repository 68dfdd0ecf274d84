#include "pipeline/runner.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
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

// A selected row copied out of the reader, so that transforms can run on
// other threads while the reader moves on.
struct PendingRow {
  uint64_t line = 0;
  std::vector<std::string> values;  // kept columns: source values, then as they leave
  std::string subject;
  char sex = 0;
  std::vector<std::string> id_values;  // the row's direct identifiers (redact)
  std::vector<std::string_view> id_placeholders;
  size_t id_count = 0;     // how many of id_values are this row's
  std::string follow_key;  // to find the parent row's identifiers
  std::string key;         // the value children follow
  std::string packed_ids;  // identifiers kept for the children
};
constexpr size_t kBatchRows = 4096;

struct Batch {
  std::vector<PendingRow> rows;
  size_t count = 0;
  std::optional<std::pair<uint64_t, Error>> failed;  // the first row that failed
  bool done = false;
};

// Worker threads that transform whole batches; batches come back in the
// order they were submitted. Batches are reused (their strings keep their
// capacity). The destructor stops and joins the workers, whatever happened.
class TransformPool {
 public:
  using Work = std::function<void(size_t worker, Batch& batch)>;
  TransformPool(size_t workers, Work work) : work_(std::move(work)) {
    for (size_t k = 0; k < workers; ++k) threads_.emplace_back([this, k] { Loop(k); });
  }
  ~TransformPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
    }
    todo_cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  Batch* Take() {
    if (free_.empty()) free_.push_back(std::make_unique<Batch>());
    Batch* b = free_.back().get();
    owned_.push_back(std::move(free_.back()));
    free_.pop_back();
    b->count = 0;
    b->failed.reset();
    b->done = false;
    return b;
  }
  void Submit(Batch* b) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      order_.push_back(b);
      todo_.push_back(b);
    }
    todo_cv_.notify_one();
  }
  // Emits finished batches in order; waits while `wait_below` or more are in flight.
  template <typename Emit>
  Status EmitReady(Emit&& emit, size_t wait_below) {
    for (;;) {
      Batch* front = nullptr;
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (order_.empty()) return Ok();
        done_cv_.wait(lock, [&] { return order_.front()->done || order_.size() < wait_below; });
        if (!order_.front()->done) return Ok();
        front = order_.front();
        order_.pop_front();
      }
      Status s = emit(*front);
      Release(front);
      if (!s.ok()) return s;
    }
  }

 private:
  void Loop(size_t worker) {
    for (;;) {
      Batch* b = nullptr;
      {
        std::unique_lock<std::mutex> lock(mu_);
        todo_cv_.wait(lock, [&] { return closing_ || !todo_.empty(); });
        if (closing_) return;
        b = todo_.front();
        todo_.pop_front();
      }
      work_(worker, *b);
      {
        std::lock_guard<std::mutex> lock(mu_);
        b->done = true;
      }
      done_cv_.notify_all();
    }
  }
  void Release(Batch* b) {
    for (auto it = owned_.begin(); it != owned_.end(); ++it) {
      if (it->get() == b) {
        free_.push_back(std::move(*it));
        owned_.erase(it);
        return;
      }
    }
  }

  Work work_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable todo_cv_, done_cv_;
  std::deque<Batch*> todo_, order_;                   // guarded by mu_
  bool closing_ = false;                              // guarded by mu_
  std::vector<std::unique_ptr<Batch>> free_, owned_;  // this thread only
};

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
    // What the table's transforms look at beyond their own value.
    struct {
      bool subject = false, sex = false, identifiers = false;
    } needs;
    for (const order::Fate* f : t.kept_fates) {
      needs.subject |= f->kind == order::FateKind::kShiftDate;
      needs.sex |= f->kind == order::FateKind::kSynthetic && f->synthetic == "first_name";
      needs.identifiers |= f->kind == order::FateKind::kRedact;
    }
    const KeySet* parent_keys = t.follow_column ? &keys[t.parent] : nullptr;
    KeySet* my_keys = t.key_column ? &keys[ti] : nullptr;
    // Equivalence classes on the quasi-identifiers, as they leave.
    ClassCounts classes;
    const bool anonymity = !t.quasi_identifiers.empty();
    const int min_k = t.spec->min_k;
    const bool suppress = t.spec->suppress_below_k;

    // Transforms run on `threads` threads, each with its own instances
    // (an FF1 context is not shared); rows are copied out of the reader in
    // batches and written back in their order.
    const size_t threads = any_transform ? std::max<size_t>(1, transform_options.threads) : 1;
    std::vector<std::vector<std::unique_ptr<pseudo::Transform>>> per_thread;
    per_thread.push_back(std::move(transforms));
    for (size_t k = 1; k < threads; ++k) {
      CORDON_ASSIGN_OR_RETURN(auto more, MakeTransforms(t, transform_options));
      per_thread.push_back(std::move(more));
    }

    // One pass over the table: `counting` only counts the classes (k), the
    // other pass writes (suppressing rows in small classes if asked).
    auto pass = [&](bool counting, TableStats& s, RowSink* sink) -> Status {
      CORDON_ASSIGN_OR_RETURN(auto reader, source.Read(*t.source));
      auto field = [&](size_t i) { return reader->Utf8Field(i); };
      std::string last_key, class_key;
      bool last_found = false, have_last = false;
      auto at_line = [&](uint64_t line, const Error& e) {
        return e.WithContext(reader->name() + " line " + std::to_string(line));
      };

      // After transforms: k, the keys children follow, the sink.
      std::vector<std::string_view> out(t.kept.size());
      auto emit = [&](std::string_view key, std::string_view packed_ids) -> Status {
        if (anonymity) {
          class_key.clear();
          for (size_t k : t.quasi_identifiers) class_key.append(out[k]).append(1, '\x1F');
          if (counting) {
            classes.Add(class_key);
            return Ok();
          }
          if (suppress && min_k > 0 && classes.Count(class_key) < static_cast<uint64_t>(min_k)) {
            ++s.rows_suppressed_k;
            return Ok();
          }
        }
        if (my_keys != nullptr) {
          my_keys->Insert(key);
          if (t.keeps_identifiers_for_children) inherited[ti][std::string(key)] += packed_ids;
        }
        ++s.rows_selected;
        return sink->Row(out);
      };

      // Batches of rows go to `threads` workers, a whole batch each, while
      // this thread reads the next ones; batches are emitted in order as
      // they come back (at most threads + 1 in flight).
      TransformPool pool(any_transform ? threads : 0, [&](size_t worker, Batch& batch) {
        auto& mine = per_thread[worker];  // this worker's own instances
        pseudo::RowContext row;
        std::string result;
        for (size_t r = 0; r < batch.count; ++r) {
          PendingRow& p = batch.rows[r];
          row.subject = p.subject;
          row.sex = p.sex;
          row.identifiers.clear();
          for (size_t k = 0; k < p.id_count; ++k)
            row.identifiers.push_back({p.id_values[k], p.id_placeholders[k]});
          if (t.inherits_identifiers) {
            auto it = inherited[t.parent].find(p.follow_key);
            if (it != inherited[t.parent].end()) UnpackIdentifiers(it->second, row.identifiers);
          }
          for (size_t k = 0; k < t.kept.size(); ++k) {
            if (!mine[k]) continue;
            Status applied = mine[k]->Apply(p.values[k], row, result);
            if (!applied.ok()) {
              batch.failed.emplace(p.line,
                                   applied.error().WithContext("column " + t.header[t.kept[k]]));
              return;
            }
            p.values[k].swap(result);
          }
        }
      });
      auto emit_batch = [&](Batch& batch) -> Status {
        if (batch.failed) return at_line(batch.failed->first, batch.failed->second);
        for (size_t r = 0; r < batch.count; ++r) {
          for (size_t k = 0; k < t.kept.size(); ++k) out[k] = batch.rows[r].values[k];
          CORDON_TRY(emit(batch.rows[r].key, batch.rows[r].packed_ids));
        }
        return Ok();
      };
      Batch* filling = any_transform ? pool.Take() : nullptr;
      auto flush = [&]() -> Status {
        pool.Submit(filling);
        CORDON_TRY(pool.EmitReady(emit_batch, /*wait_below=*/threads + 1));
        filling = pool.Take();
        return Ok();
      };

      for (;;) {
        CORDON_ASSIGN_OR_RETURN(bool more, reader->Next());
        if (!more) break;
        ++s.rows_read;
        const uint64_t line = reader->line();
        if (progress && !counting && (s.rows_read & 0xFFFF) == 0)
          progress(s.name, reader->bytes_consumed(), t.source->size);
        if (t.where) {
          auto selected = t.where->Evaluate(field);
          if (!selected.ok()) return at_line(line, selected.error());
          if (!*selected) {
            ++s.rows_excluded_where;
            continue;
          }
        }
        if (parent_keys != nullptr) {
          auto key = field(*t.follow_column);
          if (!key.ok()) return at_line(line, key.error());
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
        std::string_view key;
        if (my_keys != nullptr) {
          CORDON_ASSIGN_OR_RETURN(key, field(*t.key_column));
        }
        // Identifiers kept for the children that redact text.
        std::string packed_ids;
        if (t.keeps_identifiers_for_children && !counting) {
          for (const auto& [column, placeholder] : t.identifier_columns) {
            CORDON_ASSIGN_OR_RETURN(std::string_view id, field(column));
            if (!id.empty())
              packed_ids.append(placeholder).append(1, '\x1F').append(id).append(1, '\x1E');
          }
        }
        if (!any_transform) {
          for (size_t k = 0; k < t.kept.size(); ++k) {
            auto v = field(t.kept[k]);
            if (!v.ok()) return at_line(line, v.error());
            out[k] = *v;
          }
          CORDON_TRY(emit(key, packed_ids));
          continue;
        }
        // Copied out of the reader: what the transforms may look at (the
        // subject, the sex, the row's own identifiers, all source values: a
        // name that does not leave must not leave through a comment either).
        if (filling->rows.size() < kBatchRows) filling->rows.resize(kBatchRows);
        PendingRow& p = filling->rows[filling->count++];
        p.line = line;
        p.values.resize(t.kept.size());
        for (size_t k = 0; k < t.kept.size(); ++k) {
          auto v = field(t.kept[k]);
          if (!v.ok()) return at_line(line, v.error());
          p.values[k].assign(*v);
        }
        // Only what this table's transforms use is copied (strings keep
        // their capacity from batch to batch).
        p.subject.clear();
        if (needs.subject && t.subject_column) {
          CORDON_ASSIGN_OR_RETURN(std::string_view subject, field(*t.subject_column));
          p.subject.assign(subject);
        }
        p.sex = 0;
        if (needs.sex && t.sex_from != BoundTable::SexFrom::kNone) {
          CORDON_ASSIGN_OR_RETURN(std::string_view sex, field(t.sex_column));
          p.sex = SexOf(t.sex_from, sex);
        }
        size_t ids = 0;
        if (needs.identifiers) {
          p.id_values.resize(t.identifier_columns.size());
          p.id_placeholders.resize(t.identifier_columns.size());
          for (const auto& [column, placeholder] : t.identifier_columns) {
            CORDON_ASSIGN_OR_RETURN(std::string_view id, field(column));
            if (id.empty()) continue;
            p.id_values[ids].assign(id);
            p.id_placeholders[ids++] = placeholder;
          }
        }
        p.id_count = ids;
        p.follow_key.clear();
        if (t.inherits_identifiers) {
          CORDON_ASSIGN_OR_RETURN(std::string_view fk, field(*t.follow_column));
          p.follow_key.assign(fk);
        }
        p.key.assign(key);
        p.packed_ids = std::move(packed_ids);
        if (filling->count == kBatchRows) CORDON_TRY(flush());
      }
      if (!any_transform) return Ok();
      if (filling->count > 0) pool.Submit(filling);
      return pool.EmitReady(emit_batch, /*wait_below=*/1);
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
