#include "pipeline/transform_pool.h"

namespace cordon::pipeline {

TransformPool::TransformPool(size_t workers, Work work) : work_(std::move(work)) {
  for (size_t k = 0; k < workers; ++k) threads_.emplace_back([this, k] { Loop(k); });
}

TransformPool::~TransformPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  todo_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

Batch* TransformPool::Take() {
  if (free_.empty()) free_.push_back(std::make_unique<Batch>());
  Batch* b = free_.back().get();
  owned_.push_back(std::move(free_.back()));
  free_.pop_back();
  b->count = 0;
  b->failed.reset();
  b->done = false;
  return b;
}

void TransformPool::Submit(Batch* b) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    order_.push_back(b);
    todo_.push_back(b);
  }
  todo_cv_.notify_one();
}

void TransformPool::Loop(size_t worker) {
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

void TransformPool::Release(Batch* b) {
  for (auto it = owned_.begin(); it != owned_.end(); ++it) {
    if (it->get() == b) {
      free_.push_back(std::move(*it));
      owned_.erase(it);
      return;
    }
  }
}

}  // namespace cordon::pipeline
