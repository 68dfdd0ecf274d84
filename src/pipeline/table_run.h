// One table of a run: reader → where → follow → transforms → k-anonymity →
// sink, in one or two streaming passes (the first only counts the
// k-anonymity classes). `Run` (runner.h) drives one TableRun per table,
// parents before the tables that follow them.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "pipeline/binding.h"
#include "pipeline/class_counts.h"
#include "pipeline/key_set.h"
#include "pipeline/runner.h"
#include "pipeline/transform_pool.h"
#include "pseudo/transforms.h"

namespace cordon::pipeline {

// What a table leaves for the tables that follow it: its selected keys and,
// when a child redacts text, each selected key's row identifiers, packed as
// placeholder \x1F value \x1E … (memory: about the size of those values).
struct Selection {
  KeySet keys;
  std::unordered_map<std::string, std::string> identifiers;
};

// Owns a table's transforms (one set per worker thread: an FF1 context is
// not shared), its class counts and its selection. Not thread-safe: one
// thread drives it; during a pass its workers only read the parent's
// selection and use their own transforms.
class TableRun {
 public:
  // `parent` (the followed table's selection, frozen) must outlive the run;
  // required when the table follows another. Fails when a transform cannot
  // be made (naming table.column).
  static Result<std::unique_ptr<TableRun>> Create(const BoundTable& table,
                                                  const source::TableSource& source,
                                                  const TransformOptions& options,
                                                  const Selection* parent);

  // With quasi_identifiers: a pass that counts the classes as rows would
  // leave, and fills the k fields of stats(). kRefused when rows are in
  // classes below min_k and the order neither suppresses them nor only
  // reports k. Without quasi_identifiers: nothing.
  Status CountPass();
  // Writes the selected rows to `sink` (Begin, Row…, End), leaving out the
  // rows of classes below min_k when the order suppresses them, and records
  // the keys the following tables read. Call once, after CountPass.
  Status WritePass(RowSink& sink, const ProgressFn& progress);

  const TableStats& stats() const { return stats_; }
  // The selection, once WritePass is done.
  Selection TakeSelection() { return std::move(selected_); }

 private:
  struct Pass;
  // What the table's transforms look at beyond their own value.
  struct Needs {
    bool subject = false, sex = false, identifiers = false;
  };

  TableRun(const BoundTable& table, const source::TableSource& source, const Selection* parent,
           bool report_k_only);

  Status RunPass(Pass& pass);
  Result<bool> Selects(Pass& pass);
  Result<std::string> PackIdentifiers(source::RowReader& reader) const;
  Status EmitAsIs(Pass& pass, std::string_view key, std::string_view packed_ids);
  Status CopyOut(Pass& pass, PendingRow& row, std::string_view key, std::string packed_ids) const;
  void TransformBatch(size_t worker, Batch& batch);
  Status EmitBatch(Pass& pass, Batch& batch);
  Status Emit(Pass& pass, std::string_view key, std::string_view packed_ids);
  Error KRefusal() const;

  const BoundTable& t_;
  const source::TableSource& source_;
  const Selection* parent_;  // null unless the table follows another
  const bool report_k_only_;
  Needs needs_;
  std::vector<std::vector<std::unique_ptr<pseudo::Transform>>> per_thread_;
  bool any_transform_ = false;
  size_t threads_ = 1;
  ClassCounts classes_;
  TableStats stats_;
  Selection selected_;
};

}  // namespace cordon::pipeline
