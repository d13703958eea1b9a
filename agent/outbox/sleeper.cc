// SystemSleeper: a condition variable that also wakes on a stop request.
#include "agent/outbox/sleeper.h"

namespace ramette::agent {

void SystemSleeper::Sleep(std::chrono::milliseconds duration, bool wakeable,
                          const std::stop_token& stop) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, stop, duration, [&] { return wakeable && woken_; });
  if (wakeable) woken_ = false;
}

void SystemSleeper::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

}  // namespace ramette::agent
