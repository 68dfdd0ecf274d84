// Worker threads for a table's transforms: the reading thread copies
// selected rows out of the reader into batches, workers transform whole
// batches, and the batches come back in the order they were submitted, so
// the output does not depend on the number of threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/result.h"

namespace cordon::pipeline {

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
inline constexpr size_t kBatchRows = 4096;

struct Batch {
  std::vector<PendingRow> rows;
  size_t count = 0;
  std::optional<std::pair<uint64_t, Error>> failed;  // the first row that failed
  bool done = false;
};

// Batches are reused (their strings keep their capacity). Take, Submit and
// EmitReady are called from one thread (the reader's); `work` runs on the
// workers, one batch at a time each. The destructor stops and joins the
// workers, whatever happened.
class TransformPool {
 public:
  using Work = std::function<void(size_t worker, Batch& batch)>;
  // No workers: nothing is transformed (Take/Submit must not be called).
  TransformPool(size_t workers, Work work);
  ~TransformPool();
  TransformPool(const TransformPool&) = delete;
  TransformPool& operator=(const TransformPool&) = delete;

  // An empty batch to fill.
  Batch* Take();
  // Hands a filled batch to the workers.
  void Submit(Batch* b);
  // Emits finished batches in order; waits while `wait_below` or more are in
  // flight. Stops at the first error `emit` returns.
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
  void Loop(size_t worker);
  void Release(Batch* b);

  Work work_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable todo_cv_, done_cv_;
  std::deque<Batch*> todo_, order_;                   // guarded by mu_
  bool closing_ = false;                              // guarded by mu_
  std::vector<std::unique_ptr<Batch>> free_, owned_;  // the reading thread only
};

}  // namespace cordon::pipeline
