// Failed-login rate limiting, per client address and per account name: after `max_failures`
// failures within `window_seconds`, further attempts wait until the oldest of them leaves the
// window. Core: no HTTP, the clock is the caller's.
#ifndef RAMETTE_AGGREGATOR_WEB_LOGIN_LIMITER_H_
#define RAMETTE_AGGREGATOR_WEB_LOGIN_LIMITER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace ramette::aggregator::web {

struct LoginLimits {
  int max_failures_per_address = 10;
  int max_failures_per_account = 5;
  int64_t window_seconds = 15 * 60;
  size_t max_tracked_keys = 20000;  // memory bound: the stalest keys are forgotten beyond it
};

// Thread-safe (one mutex).
class LoginLimiter {
 public:
  explicit LoginLimiter(LoginLimits limits = {});

  // Seconds before an attempt from `address` for `account` may be checked (0: now). Names the
  // account as typed, known or not, so that the answer does not tell which accounts exist.
  int64_t RetryAfter(const std::string& address, const std::string& account, int64_t now);
  // A wrong name or password from `address` for `account` at `now`.
  void RecordFailure(const std::string& address, const std::string& account, int64_t now);
  // A successful login: the account's failures are forgotten (the address's stay).
  void RecordSuccess(const std::string& account);

 private:
  int64_t Wait(std::map<std::string, std::deque<int64_t>>& failures, const std::string& key,
               int max, int64_t now);
  void Add(std::map<std::string, std::deque<int64_t>>& failures, const std::string& key,
           int64_t now);

  const LoginLimits limits_;
  std::mutex mutex_;
  std::map<std::string, std::deque<int64_t>> by_address_;
  std::map<std::string, std::deque<int64_t>> by_account_;
};

}  // namespace ramette::aggregator::web

#endif  // RAMETTE_AGGREGATOR_WEB_LOGIN_LIMITER_H_
