// How often one account may do one thing about one order, as a sliding
// window per (account, order id): at most `limit` in `window` seconds.
// Used for the readings of an order's report (each is an event under the
// order, so a reader reloading in a loop would make every later report
// longer: the attack review's F3) and for the notice mails to a DPO (a
// vendor resubmitting in a loop must not flood a mailbox). Thread-safe;
// forgets a pair once its window has passed (checked when the table grows),
// so its size stays bounded by the pairs seen within one window.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cordon::serve {

class RateBudget {
 public:
  RateBudget(size_t limit, int64_t window_seconds) : limit_(limit), window_(window_seconds) {}

  // Takes one at `now` (seconds), or says in how many seconds the oldest
  // one in the window leaves it (nothing is taken then).
  std::optional<int64_t> Take(int64_t account, std::string_view order_id, int64_t now) {
    std::lock_guard lock(mu_);
    if (readings_.size() >= kForgetAbove) Forget(now);
    auto& times = readings_[{account, std::string(order_id)}];
    while (!times.empty() && times.front() <= now - window_) times.pop_front();
    if (times.size() >= limit_) return times.front() + window_ - now;
    times.push_back(now);
    return std::nullopt;
  }

  // Returns the one taken at `now` (a second budget refused what this one
  // allowed: taking both or neither keeps this one's slot for a later try).
  void GiveBack(int64_t account, std::string_view order_id, int64_t now) {
    std::lock_guard lock(mu_);
    auto it = readings_.find({account, std::string(order_id)});
    if (it == readings_.end()) return;
    auto& times = it->second;
    for (auto t = times.rbegin(); t != times.rend(); ++t) {
      if (*t == now) {
        times.erase(std::next(t).base());
        return;
      }
    }
  }

 private:
  // Pairs whose last reading left the window hold nothing worth keeping.
  void Forget(int64_t now) {
    for (auto it = readings_.begin(); it != readings_.end();) {
      it = it->second.empty() || it->second.back() <= now - window_ ? readings_.erase(it)
                                                                    : std::next(it);
    }
  }
  static constexpr size_t kForgetAbove = 4096;
  const size_t limit_;
  const int64_t window_;
  std::mutex mu_;
  std::map<std::pair<int64_t, std::string>, std::deque<int64_t>> readings_;
};

}  // namespace cordon::serve
