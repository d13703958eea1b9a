// Backoff: exponential retry delays of calls to the aggregator, with jitter, bounded by a cap.
// Used by the forwarder (full jitter) and the backfill (delays shortened by at most a fraction).
#ifndef RAMETTE_AGENT_UPLINK_BACKOFF_H_
#define RAMETTE_AGENT_UPLINK_BACKOFF_H_

#include <chrono>
#include <functional>

namespace ramette::agent {

// After the n-th failure in a row, the ceiling is min(cap, initial·2^(n−1)) and the delay is
// drawn uniformly in [ceiling·(1 − jitter), ceiling]. With jitter 1, the default ("full
// jitter"), that is [0, ceiling]: retries from many agents spread out instead of arriving
// together; with jitter 0 the delays are the ceilings. Not thread-safe.
class Backoff {
 public:
  // `uniform01` returns numbers in [0, 1] (tests pass a constant; 1 gives the ceilings); null: a
  // seeded PRNG. `jitter` is clamped to [0, 1]. `initial` is at least 1 ms, `cap` at least
  // `initial`.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap,
          std::function<double()> uniform01 = nullptr, double jitter = 1.0);

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
  double jitter_;
  int failures_ = 0;
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_UPLINK_BACKOFF_H_
