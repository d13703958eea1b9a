// Tests of Backoff: doubling ceilings up to the cap, full or partial jitter below them, reset.
#include "agent/uplink/backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace ramette::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(BackoffTest, CeilingsDoubleFromOneSecondToTheTwoMinuteCap) {
  Backoff backoff(seconds(1), seconds(120), [] { return 1.0; });
  std::vector<int64_t> delays;
  for (int i = 0; i < 12; ++i) delays.push_back(backoff.NextDelay().count());
  EXPECT_EQ(delays, (std::vector<int64_t>{1000, 2000, 4000, 8000, 16000, 32000, 64000, 120000,
                                          120000, 120000, 120000, 120000}));
  EXPECT_EQ(backoff.failures(), 12);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(backoff.NextDelay(), seconds(120));  // no overflow
  backoff.Reset();
  EXPECT_EQ(backoff.failures(), 0);
  EXPECT_EQ(backoff.Ceiling(), seconds(1));
  EXPECT_EQ(backoff.NextDelay(), seconds(1));
}

TEST(BackoffTest, FullJitterDrawsBelowTheCeiling) {
  Backoff half(seconds(1), seconds(120), [] { return 0.5; });
  EXPECT_EQ(half.NextDelay(), milliseconds(500));
  EXPECT_EQ(half.NextDelay(), milliseconds(1000));
  Backoff zero(seconds(1), seconds(120), [] { return 0.0; });
  EXPECT_EQ(zero.NextDelay(), milliseconds(0));

  Backoff real(seconds(1), seconds(120));  // the default random source
  int64_t sum = 0;
  for (int i = 0; i < 2000; ++i) {
    const milliseconds ceiling = real.Ceiling();
    const milliseconds d = real.NextDelay();
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d, ceiling);
    EXPECT_LE(d, seconds(120));
    if (i >= 10) sum += d.count();
  }
  const double mean = static_cast<double>(sum) / 1990;
  EXPECT_GT(mean, 45000);  // uniform over [0, 120 s]: the mean is near 60 s
  EXPECT_LT(mean, 75000);
}

TEST(BackoffTest, PartialJitterOnlyShortensDelaysByItsFraction) {
  Backoff low(
      seconds(1), seconds(4), [] { return 0.0; }, 0.2);
  EXPECT_EQ(low.NextDelay(), milliseconds(800));
  EXPECT_EQ(low.NextDelay(), milliseconds(1600));
  Backoff high(
      seconds(1), seconds(4), [] { return 1.0; }, 0.2);
  EXPECT_EQ(high.NextDelay(), milliseconds(1000));
  Backoff exact(
      seconds(1), seconds(4), [] { return 0.3; }, 0.0);
  std::vector<int64_t> delays;
  for (int i = 0; i < 4; ++i) delays.push_back(exact.NextDelay().count());
  EXPECT_EQ(delays, (std::vector<int64_t>{1000, 2000, 4000, 4000}));

  Backoff real(seconds(1), seconds(120), nullptr, 0.5);
  for (int i = 0; i < 200; ++i) {
    const milliseconds ceiling = real.Ceiling();
    const milliseconds d = real.NextDelay();
    EXPECT_GE(d.count() * 2, ceiling.count());
    EXPECT_LE(d, ceiling);
  }
}

}  // namespace
}  // namespace ramette::agent
