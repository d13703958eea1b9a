// The failed-login limits per address and per account, and their window.
#include "aggregator/web/login_limiter.h"

#include <gtest/gtest.h>

namespace ramette::aggregator::web {
namespace {

LoginLimits Limits() {
  LoginLimits l;
  l.max_failures_per_address = 4;
  l.max_failures_per_account = 3;
  l.window_seconds = 100;
  return l;
}

TEST(LoginLimiterTest, PerAccountFromAnyAddress) {
  LoginLimiter limiter(Limits());
  limiter.RecordFailure("10.0.0.1", "alice", 0);
  limiter.RecordFailure("10.0.0.2", "alice", 10);
  EXPECT_EQ(limiter.RetryAfter("10.0.0.3", "alice", 20), 0);
  limiter.RecordFailure("10.0.0.3", "alice", 20);
  // Third failure within the window: wait until the first leaves it (0 + 100).
  EXPECT_EQ(limiter.RetryAfter("10.0.0.4", "alice", 30), 70);
  EXPECT_EQ(limiter.RetryAfter("10.0.0.4", "bob", 30), 0);  // other accounts are not touched
  EXPECT_EQ(limiter.RetryAfter("10.0.0.4", "alice", 100), 0);
}

TEST(LoginLimiterTest, PerAddressWhateverTheNames) {
  LoginLimiter limiter(Limits());
  for (int i = 0; i < 4; ++i) limiter.RecordFailure("10.0.0.9", "user" + std::to_string(i), i);
  EXPECT_EQ(limiter.RetryAfter("10.0.0.9", "someone", 10), 90);
  EXPECT_EQ(limiter.RetryAfter("10.0.0.8", "someone", 10), 0);
  EXPECT_EQ(limiter.RetryAfter("10.0.0.9", "someone", 99), 1);
  EXPECT_EQ(limiter.RetryAfter("10.0.0.9", "someone", 100), 0);
}

TEST(LoginLimiterTest, SuccessClearsTheAccountNotTheAddress) {
  LoginLimiter limiter(Limits());
  for (int i = 0; i < 3; ++i) limiter.RecordFailure("10.0.0.1", "alice", i);
  EXPECT_GT(limiter.RetryAfter("10.0.0.2", "alice", 5), 0);
  limiter.RecordSuccess("alice");
  EXPECT_EQ(limiter.RetryAfter("10.0.0.2", "alice", 5), 0);
  limiter.RecordFailure("10.0.0.1", "bob", 6);  // the address's 4th
  EXPECT_GT(limiter.RetryAfter("10.0.0.1", "carol", 7), 0);
}

TEST(LoginLimiterTest, MemoryIsBounded) {
  LoginLimits l = Limits();
  l.max_tracked_keys = 10;
  LoginLimiter limiter(l);
  for (int i = 0; i < 1000; ++i) {
    limiter.RecordFailure("10.0." + std::to_string(i), "u" + std::to_string(i), i);
  }
  // Still answers, and the latest failures are still counted.
  for (int i = 0; i < 3; ++i) limiter.RecordFailure("10.1.1.1", "alice", 1000 + i);
  EXPECT_GT(limiter.RetryAfter("10.9.9.9", "alice", 1003), 0);
}

}  // namespace
}  // namespace ramette::aggregator::web
