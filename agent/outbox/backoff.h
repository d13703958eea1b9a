// Backoff: exponential retry delays with full jitter, bounded by a cap, for the forwarder.
#ifndef RAMETTE_AGENT_OUTBOX_BACKOFF_H_
#define RAMETTE_AGENT_OUTBOX_BACKOFF_H_

#include <chrono>
#include <functional>

namespace ramette::agent {

// After the n-th failure in a row, the delay is uniformly random in [0, min(cap, initial·2^(n−1))]
// ("full jitter"): retries from many agents spread out instead of arriving together. Not
// thread-safe.
class Backoff {
 public:
  // `uniform01` returns numbers in [0, 1] (tests pass a constant); null: a seeded PRNG.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap,
          std::function<double()> uniform01 = nullptr);

  // Counts one more failure and returns how long to wait before the next attempt.
  std::chrono::milliseconds NextDelay();
  // After a success: the next failure starts again from `initial`.
  void Reset() { failures_ = 0; }

  // Failures counted since the last Reset.
  int failures() const { return failures_; }
  // The upper bound of the delay the next NextDelay() draws: initial·2^failures(), capped.
  std::chrono::milliseconds Ceiling() const;

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds cap_;
  std::function<double()> uniform01_;
  int failures_ = 0;
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_OUTBOX_BACKOFF_H_
