// Tests of the Forwarder with the MemoryOutbox fake (and once with SqliteOutbox), the scripted
// FakeUplink (tests/fakes/) and a fake sleeper that records delays instead of waiting:
// exactly-once delivery through failures, backoff bounds and reset, acknowledgements, batch
// bounds, order across kinds.
#include "agent/outbox/forwarder.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>
#include <utility>

#include "agent/outbox/memory_outbox.h"
#include "agent/outbox/outbox_test_util.h"
#include "agent/outbox/record_codec.h"
#include "agent/outbox/sqlite_outbox.h"
#include "tests/fakes/fake_uplink.h"

namespace ramette::agent {
namespace {

using ::ramette::testing::FakeUplink;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::MakeJob;
using testing::MakeQueue;
using CallKind = FakeUplink::Call::Kind;

// The bytes of a call's records as the forwarder estimates them.
int64_t EstimatedBytes(const FakeUplink::Call& call) {
  int64_t bytes = 0;
  for (const JobRecord& j : call.jobs) bytes += EncodedSize(j) + Forwarder::kWireOverheadPerRecord;
  return bytes;
}

// Records each requested delay instead of waiting; `on_sleep` may request a stop.
class FakeSleeper : public Sleeper {
 public:
  struct Nap {
    milliseconds duration;
    bool wakeable;
  };
  void Sleep(milliseconds duration, bool wakeable, const std::stop_token&) override {
    naps.push_back({duration, wakeable});
    if (on_sleep) on_sleep(naps.back());
  }
  void Wake() override { ++wakes; }

  std::vector<Nap> naps;
  std::function<void(const Nap&)> on_sleep;
  int wakes = 0;
};

class ForwarderTest : public ::testing::Test {
 protected:
  ForwarderOptions Options() {
    ForwarderOptions o;
    o.server_id = "printsrv-1";
    o.uniform01 = [] { return 1.0; };  // delays at their ceilings
    o.log = [this](LogLevel level, const std::string& m) { logs_.emplace_back(level, m); };
    return o;
  }

  // Runs until the outbox is found empty (the first idle sleep).
  void RunUntilIdle(Forwarder& forwarder) {
    std::stop_source stop;
    sleeper_.on_sleep = [&](const FakeSleeper::Nap& nap) {
      if (nap.wakeable) stop.request_stop();
    };
    forwarder.Run(stop.get_token());
  }

  std::vector<int64_t> BackoffDelaysMs() const {
    std::vector<int64_t> out;
    for (const auto& n : sleeper_.naps) {
      if (!n.wakeable) out.push_back(n.duration.count());
    }
    return out;
  }

  int CountLogs(LogLevel level) const {
    int n = 0;
    for (const auto& [l, m] : logs_) n += l == level;
    return n;
  }

  // Every call was made as the configured server.
  void TearDown() override {
    for (const FakeUplink::Call& call : uplink_.calls()) EXPECT_EQ(call.server_id, "printsrv-1");
  }

  MemoryOutbox outbox_;
  FakeUplink uplink_;
  FakeSleeper sleeper_;
  std::vector<std::pair<LogLevel, std::string>> logs_;
};

TEST_F(ForwarderTest, EmptyOutboxSendsNothing) {
  Forwarder forwarder(&outbox_, &uplink_, &sleeper_, Options());
  auto step = forwarder.ForwardOnce();
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(step->sent, 0);
  EXPECT_TRUE(uplink_.calls().empty());
}

TEST_F(ForwarderTest, DeliversEverythingExactlyOnceThroughFailures) {
  std::vector<OutboxItem> items;
  for (int i = 1; i <= 1234; ++i) items.push_back(MakeJob(i));
  ASSERT_TRUE(outbox_.Append(items, nullptr).ok());
  for (int i = 0; i < 11; ++i) uplink_.ScriptFailures({Status::Unavailable("connection refused")});
  // While calls fail, every record stays in the outbox.
  uplink_.SetOnCall([&] {
    if (uplink_.failures_left() > 0) {
      EXPECT_EQ(outbox_.Stats()->depth, 1234);
    }
  });
  Forwarder forwarder(&outbox_, &uplink_, &sleeper_, Options());
  RunUntilIdle(forwarder);

  const std::vector<JobRecord> stored = uplink_.stored();
  ASSERT_EQ(stored.size(), 1234u);
  for (int i = 0; i < 1234; ++i) EXPECT_EQ(stored[i].cups_job_id, i + 1);
  EXPECT_TRUE(outbox_.Contents().empty());
  EXPECT_EQ(BackoffDelaysMs(), (std::vector<int64_t>{1000, 2000, 4000, 8000, 16000, 32000, 64000,
                                                     120000, 120000, 120000, 120000}));
  EXPECT_EQ(forwarder.backoff().failures(), 0);  // reset by the success
  EXPECT_EQ(CountLogs(LogLevel::kWarn), 11);     // one per failed attempt
  EXPECT_EQ(CountLogs(LogLevel::kInfo), 1);      // "resumed"
  // 11 failed calls, then 500 + 500 + 234.
  const std::vector<FakeUplink::Call> calls = uplink_.calls();
  ASSERT_EQ(calls.size(), 14u);
  EXPECT_EQ(calls[11].records, 500u);
  EXPECT_EQ(calls[12].records, 500u);
  EXPECT_EQ(calls[13].records, 234u);
}

TEST_F(ForwarderTest, BackoffResetsAfterASuccess) {
  Forwarder forwarder(&outbox_, &uplink_, &sleeper_, Options());
  ASSERT_TRUE(outbox_.Append({MakeJob(1)}, nullptr).ok());
  for (int i = 0; i < 3; ++i) uplink_.ScriptFailures({Status::Unavailable("down")});
  RunUntilIdle(forwarder);
  ASSERT_TRUE(outbox_.Append({MakeJob(2)}, nullptr).ok());
  for (int i = 0; i < 2; ++i) uplink_.ScriptFailures({Status::Unavailable("down")});
  RunUntilIdle(forwarder);
  EXPECT_EQ(BackoffDelaysMs(), (std::vector<int64_t>{1000, 2000, 4000, 1000, 2000}));
  EXPECT_EQ(uplink_.stored().size(), 2u);
}

TEST_F(ForwarderTest, JitteredDelaysStayUnderTheCap) {
  ForwarderOptions o = Options();
  o.uniform01 = nullptr;  // real randomness
  Forwarder forwarder(&outbox_, &uplink_, &sleeper_, o);
  ASSERT_TRUE(outbox_.Append({MakeJob(1)}, nullptr).ok());
  for (int i = 0; i < 200; ++i) uplink_.ScriptFailures({Status::Unavailable("down")});
  RunUntilIdle(forwarder);
  const std::vector<int64_t> delays = BackoffDelaysMs();
  ASSERT_EQ(delays.size(), 200u);
  int64_t bound = 1000;
  for (int64_t d : delays) {
    EXPECT_GE(d, 0);
    EXPECT_LE(d, bound);
    bound = std::min<int64_t>(bound * 2, 120000);
  }
  EXPECT_EQ(uplink_.stored().size(), 1u);
}

TEST_F(ForwarderTest, FailedCallRemovesNothing) {
  ASSERT_TRUE(outbox_.Append({MakeJob(1), MakeJob(2)}, nullptr).ok());
  Forwarder forwarder(&outbox_, &uplink_, &sleeper_, Options());
  uplink_.ScriptFailures({Status::Unavailable("deadline exceeded")});
  auto step = forwarder.ForwardOnce();
  EXPECT_EQ(step.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(outbox_.Contents().size(), 2u);
  uplink_.ScriptFailures({Status::InvalidArgument("unknown server id")});
  EXPECT_EQ(forwarder.ForwardOnce().status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(outbox_.Contents().size(), 2u);
  ASSERT_TRUE(forwarder.ForwardOnce().ok());
  EXPECT_TRUE(outbox_.Contents().empty());
}

TEST_F(ForwarderTest, ARefusedCallIsLoggedAsAnErrorAndRetried) {
  ASSERT_TRUE(outbox_.Append({MakeJob(1)}, nullptr).ok());
  uplink_.ScriptFailures({Status::InvalidArgument("unknown server id")});
  Forwarder forwarder(&outbox_, &uplink_, &sleeper_, Options());
  RunUntilIdle(forwarder);
  EXPECT_EQ(CountLogs(LogLevel::kError), 1);
  EXPECT_EQ(uplink_.stored().size(), 1u);
}

TEST_F(ForwarderTest, ARefusedTokenKeepsTheRecordsAndBacksOffUntilAGoodOne) {
  ASSERT_TRUE(outbox_.Append({MakeJob(1), MakeJob(2)}, nullptr).ok());
  for (int i = 0; i < 3; ++i) {
    uplink_.ScriptFailures({Status::Unauthenticated(
        "the aggregator refused this agent's token (missing, revoked or unknown)")});
  }
  uplink_.ScriptFailures({Status::PermissionDenied("token for another server id")});
  Forwarder forwarder(&outbox_, &uplink_, &sleeper_, Options());
  EXPECT_EQ(forwarder.ForwardOnce().status().code(), Status::Code::kUnauthenticated);
  EXPECT_EQ(outbox_.Contents().size(), 2u);
  // Run: backs off after each refusal (logged as errors), then sends once the token is good.
  RunUntilIdle(forwarder);
  EXPECT_EQ(BackoffDelaysMs().size(), 3u);
  EXPECT_EQ(CountLogs(LogLevel::kError), 3);
  EXPECT_EQ(uplink_.stored().size(), 2u);
  EXPECT_TRUE(outbox_.Contents().empty());
}

TEST_F(ForwarderTest, RejectedAndDuplicateRecordsAreRemovedTooRejectedOnesWithAWarning) {
  ASSERT_TRUE(outbox_.Append({MakeJob(1), MakeJob(2), MakeJob(3), MakeJob(4)}, nullptr).ok());
  ASSERT_TRUE(uplink_.Preload("printsrv-1", MakeJob(2)));  // job 2 arrived earlier (a backfill)
  uplink_.SetJudge([](const JobRecord& j) {
    SubmitResult r;
    if (j.cups_job_id == 3) {
      r.kind = SubmitResult::Kind::kRejected;
      r.reason = "completed_at is in the future";
    }
    return r;
  });
  Forwarder forwarder(&outbox_, &uplink_, &sleeper_, Options());
  auto step = forwarder.ForwardOnce();
  ASSERT_TRUE(step.ok()) << step.status().ToString();
  EXPECT_EQ(step->sent, 4);
  EXPECT_EQ(step->accepted, 2);
  EXPECT_EQ(step->duplicates, 1);
  EXPECT_EQ(step->rejected, 1);
  EXPECT_TRUE(outbox_.Contents().empty());
  ASSERT_EQ(logs_.size(), 1u);
  EXPECT_EQ(logs_[0].first, LogLevel::kWarn);
  EXPECT_NE(logs_[0].second.find("job 3"), std::string::npos) << logs_[0].second;
  EXPECT_NE(logs_[0].second.find("completed_at is in the future"), std::string::npos);
}

TEST_F(ForwarderTest, AnAnswerThatDoesNotMatchTheBatchRemovesNothing) {
  ASSERT_TRUE(outbox_.Append({MakeJob(1), MakeJob(2)}, nullptr).ok());
  uplink_.AnswerOneResultShort();
  Forwarder forwarder(&outbox_, &uplink_, &sleeper_, Options());
  EXPECT_EQ(forwarder.ForwardOnce().status().code(), Status::Code::kInternal);
  EXPECT_EQ(outbox_.Contents().size(), 2u);
}

TEST_F(ForwarderTest, AFailedRemoveMeansASecondSendThatTheAggregatorDeduplicates) {
  ASSERT_TRUE(outbox_.Append({MakeJob(1), MakeJob(2)}, nullptr).ok());
  outbox_.FailNext(MemoryOutbox::Op::kRemove, Status::IoError("disk error"));
  Forwarder forwarder(&outbox_, &uplink_, &sleeper_, Options());
  RunUntilIdle(forwarder);
  EXPECT_EQ(uplink_.stored().size(), 2u);  // stored once; the resend was answered "duplicate"
  EXPECT_EQ(uplink_.calls().size(), 2u);
  EXPECT_TRUE(outbox_.Contents().empty());
  EXPECT_EQ(BackoffDelaysMs(), (std::vector<int64_t>{1000}));
}

TEST_F(ForwarderTest, AFailedPeekIsRetried) {
  ASSERT_TRUE(outbox_.Append({MakeJob(1)}, nullptr).ok());
  outbox_.FailNext(MemoryOutbox::Op::kPeek, Status::IoError("disk error"), 2);
  Forwarder forwarder(&outbox_, &uplink_, &sleeper_, Options());
  RunUntilIdle(forwarder);
  EXPECT_EQ(uplink_.stored().size(), 1u);
  EXPECT_EQ(BackoffDelaysMs(), (std::vector<int64_t>{1000, 2000}));
}

TEST_F(ForwarderTest, BatchesRespect500RecordsAnd256KiB) {
  // Small records: the record bound applies.
  std::vector<OutboxItem> items;
  for (int i = 1; i <= 1001; ++i) items.push_back(MakeJob(i));
  // Large records (a 3000-byte title): the byte bound applies.
  for (int i = 2001; i <= 2400; ++i) {
    JobRecord j = MakeJob(i);
    j.title = std::string(3000, 't');
    items.push_back(j);
  }
  // One record larger than a whole batch still goes, alone.
  JobRecord huge = MakeJob(9999);
  huge.title = std::string(300 * 1024, 'h');
  items.push_back(huge);
  items.push_back(MakeJob(10000));
  ASSERT_TRUE(outbox_.Append(items, nullptr).ok());

  Forwarder forwarder(&outbox_, &uplink_, &sleeper_, Options());
  RunUntilIdle(forwarder);
  const std::vector<JobRecord> stored = uplink_.stored();
  ASSERT_EQ(stored.size(), items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(stored[i].cups_job_id, std::get<JobRecord>(items[i]).cups_job_id);
  }
  const std::vector<FakeUplink::Call> calls = uplink_.calls();
  size_t big_batches = 0;
  for (const auto& call : calls) {
    EXPECT_LE(call.records, 500u);
    if (call.records > 1) {
      EXPECT_LE(EstimatedBytes(call), 256 * 1024);
    }
    if (EstimatedBytes(call) > 200 * 1024) ++big_batches;
  }
  EXPECT_EQ(calls[0].records, 500u);
  EXPECT_EQ(calls[1].records, 500u);
  EXPECT_GE(big_batches, 4u);  // the 3000-byte records fill batches by bytes (~85 each)
  bool huge_alone = false;
  for (const auto& call : calls) {
    huge_alone |= call.records == 1 && EstimatedBytes(call) > 256 * 1024;
  }
  EXPECT_TRUE(huge_alone);
}

TEST_F(ForwarderTest, KindsAreSentInOrderOneRunPerCall) {
  ASSERT_TRUE(outbox_
                  .Append({MakeQueue("a"), MakeJob(1), MakeJob(2), MakeQueue("b"), MakeQueue("c"),
                           MakeJob(3)},
                          nullptr)
                  .ok());
  Forwarder forwarder(&outbox_, &uplink_, &sleeper_, Options());
  RunUntilIdle(forwarder);
  const std::vector<FakeUplink::Call> calls = uplink_.calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].kind, CallKind::kQueues);
  EXPECT_EQ(calls[0].records, 1u);
  EXPECT_EQ(calls[1].kind, CallKind::kJobs);
  EXPECT_EQ(calls[1].records, 2u);
  EXPECT_EQ(calls[2].kind, CallKind::kQueues);
  EXPECT_EQ(calls[2].records, 2u);
  EXPECT_EQ(calls[3].kind, CallKind::kJobs);
  ASSERT_EQ(uplink_.queues().size(), 3u);
  EXPECT_EQ(uplink_.queues()[1].name, "b");
  EXPECT_TRUE(outbox_.Contents().empty());
}

TEST_F(ForwarderTest, RunWaitsIdlePollWhenEmptyAndWakeIsPassedOn) {
  ForwarderOptions o = Options();
  o.idle_poll = milliseconds(750);
  Forwarder forwarder(&outbox_, &uplink_, &sleeper_, o);
  RunUntilIdle(forwarder);
  ASSERT_EQ(sleeper_.naps.size(), 1u);
  EXPECT_EQ(sleeper_.naps[0].duration, milliseconds(750));
  forwarder.Wake();
  EXPECT_EQ(sleeper_.wakes, 1);
}

// Real time: a Wake ends the idle wait at once, and a stop request ends Run promptly.
TEST(ForwarderRealTimeTest, WakeAndStopAreHonoured) {
  MemoryOutbox outbox;
  FakeUplink uplink;
  SystemSleeper sleeper;
  ForwarderOptions o;
  o.server_id = "printsrv-1";
  o.idle_poll = std::chrono::hours(1);
  o.log = [](LogLevel, const std::string&) {};
  Forwarder forwarder(&outbox, &uplink, &sleeper, o);
  std::jthread runner([&](std::stop_token stop) { forwarder.Run(stop); });

  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(outbox.Append({MakeJob(1)}, nullptr).ok());
  forwarder.Wake();
  while (outbox.Stats()->depth > 0 && std::chrono::steady_clock::now() - start < seconds(10)) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_EQ(outbox.Stats()->depth, 0);
  runner.request_stop();
  runner.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(10));
}

// The real outbox behind the forwarder: what was acknowledged is gone from the file.
TEST(ForwarderSqliteTest, DrainsARealOutbox) {
  testing::TempDir dir;
  const std::string path = dir.File(SqliteOutbox::kFileName);
  auto outbox = SqliteOutbox::Open(path);
  ASSERT_TRUE(outbox.ok()) << outbox.status().ToString();
  std::vector<OutboxItem> items;
  for (int i = 1; i <= 700; ++i) items.push_back(MakeJob(i));
  ASSERT_TRUE((*outbox)->Append(items, nullptr).ok());
  FakeUplink uplink;
  uplink.FailNextCalls(1);
  FakeSleeper sleeper;
  ForwarderOptions o;
  o.server_id = "printsrv-1";
  o.log = [](LogLevel, const std::string&) {};
  Forwarder forwarder(outbox->get(), &uplink, &sleeper, o);
  EXPECT_FALSE(forwarder.ForwardOnce().ok());
  EXPECT_EQ((*outbox)->Stats()->depth, 700);
  auto step = forwarder.ForwardOnce();
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(step->sent, 500);
  outbox->reset();
  auto reopened = SqliteOutbox::Open(path);
  ASSERT_TRUE(reopened.ok());
  auto rest = (*reopened)->Peek(1000, 1 << 20);
  ASSERT_EQ(rest->size(), 200u);
  EXPECT_EQ(std::get<JobRecord>(rest->front().item).cups_job_id, 501);
}

}  // namespace
}  // namespace ramette::agent
