// Sliding-window counts of failed logins.
#include "aggregator/web/login_limiter.h"

#include <algorithm>

namespace ramette::aggregator::web {

LoginLimiter::LoginLimiter(LoginLimits limits) : limits_(limits) {}

int64_t LoginLimiter::Wait(std::map<std::string, std::deque<int64_t>>& failures,
                           const std::string& key, int max, int64_t now) {
  auto it = failures.find(key);
  if (it == failures.end()) return 0;
  std::deque<int64_t>& times = it->second;
  while (!times.empty() && now - times.front() >= limits_.window_seconds) times.pop_front();
  if (times.empty()) {
    failures.erase(it);
    return 0;
  }
  if (static_cast<int>(times.size()) < max) return 0;
  // The attempt that would bring the count below max: the oldest of the last `max`.
  const int64_t oldest = times[times.size() - static_cast<size_t>(max)];
  return std::max<int64_t>(1, oldest + limits_.window_seconds - now);
}

void LoginLimiter::Add(std::map<std::string, std::deque<int64_t>>& failures, const std::string& key,
                       int64_t now) {
  if (failures.size() >= limits_.max_tracked_keys && failures.count(key) == 0) {
    auto stalest = failures.begin();
    for (auto it = failures.begin(); it != failures.end(); ++it) {
      if (it->second.empty() ||
          (!stalest->second.empty() && it->second.back() < stalest->second.back())) {
        stalest = it;
      }
    }
    failures.erase(stalest);
  }
  std::deque<int64_t>& times = failures[key];
  times.push_back(now);
  // Only the failures that can still count are kept.
  const size_t keep = static_cast<size_t>(
      std::max(limits_.max_failures_per_address, limits_.max_failures_per_account));
  while (times.size() > keep) times.pop_front();
}

int64_t LoginLimiter::RetryAfter(const std::string& address, const std::string& account,
                                 int64_t now) {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::max(Wait(by_address_, address, limits_.max_failures_per_address, now),
                  Wait(by_account_, account, limits_.max_failures_per_account, now));
}

void LoginLimiter::RecordFailure(const std::string& address, const std::string& account,
                                 int64_t now) {
  std::lock_guard<std::mutex> lock(mutex_);
  Add(by_address_, address, now);
  Add(by_account_, account, now);
}

void LoginLimiter::RecordSuccess(const std::string& account) {
  std::lock_guard<std::mutex> lock(mutex_);
  by_account_.erase(account);
}

}  // namespace ramette::aggregator::web
