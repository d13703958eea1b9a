// End to end: Capture + CupsClient + SqliteOutbox against a real, private cupsd. Jobs of several
// kinds, a cupsd restart in the middle: every job is in the outbox exactly once with the
// attributes that decide its sheets; queues added and deleted follow.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <stop_token>
#include <thread>
#include <tuple>

#include "agent/capture/capture.h"
#include "agent/capture/cups_client.h"
#include "agent/outbox/sqlite_outbox.h"
#include "tests/cups/private_cupsd.h"

namespace ramette::agent {
namespace {

using ::ramette::testing::PrivateCupsd;
using std::chrono::milliseconds;

// A capture running on its own thread, as in the agent.
class Running {
 public:
  explicit Running(Capture* capture) {
    thread_ = std::jthread([capture](std::stop_token stop) {
      while (!stop.stop_requested()) {
        milliseconds delay = capture->Step();
        for (milliseconds waited{0}; waited < delay && !stop.stop_requested();
             waited += milliseconds(10)) {
          std::this_thread::sleep_for(milliseconds(10));
        }
      }
    });
  }

 private:
  std::jthread thread_;
};

class CaptureCupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = PrivateCupsd::Start();
    ASSERT_TRUE(c.ok()) << c.status().message();
    cupsd_ = std::move(*c);
    ASSERT_TRUE(cupsd_->AddQueue("q1").ok());
    ASSERT_TRUE(cupsd_->AddQueue("q2").ok());
    auto outbox = SqliteOutbox::Open(cupsd_->dir() + "/outbox.db");
    ASSERT_TRUE(outbox.ok()) << outbox.status().message();
    outbox_ = std::move(*outbox);
    CupsClientOptions co;
    co.server = cupsd_->socket_path();
    client_ = std::make_unique<CupsClient>(co);
    CaptureOptions o;
    o.min_poll = milliseconds(100);
    o.max_poll = milliseconds(200);
    o.retry_delay = milliseconds(200);
    o.log = [](LogLevel, const std::string&) {};
    capture_ = std::make_unique<Capture>(client_.get(), outbox_.get(), o);
  }

  std::vector<OutboxItem> Contents() {
    auto all = outbox_->Peek(100000, int64_t{1} << 40);
    EXPECT_TRUE(all.ok());
    std::vector<OutboxItem> out;
    if (all.ok()) {
      for (auto& e : *all) out.push_back(e.item);
    }
    return out;
  }
  std::vector<JobRecord> Jobs() {
    std::vector<JobRecord> out;
    for (auto& item : Contents()) {
      if (auto* j = std::get_if<JobRecord>(&item)) out.push_back(*j);
    }
    return out;
  }
  std::vector<QueueRecord> Queues() {
    std::vector<QueueRecord> out;
    for (auto& item : Contents()) {
      if (auto* q = std::get_if<QueueRecord>(&item)) out.push_back(*q);
    }
    return out;
  }
  // Waits (up to `seconds`) until `done`.
  bool WaitFor(const std::function<bool()>& done, int seconds = 25) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < end) {
      if (done()) return true;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return done();
  }

  std::unique_ptr<PrivateCupsd> cupsd_;
  std::unique_ptr<SqliteOutbox> outbox_;
  std::unique_ptr<CupsClient> client_;
  std::unique_ptr<Capture> capture_;
};

struct Kind {
  int pages;
  std::vector<std::string> options;
  int64_t impressions;
  int32_t copies;
  Sides sides;
};

TEST_F(CaptureCupsTest, EveryJobExactlyOnceAcrossACupsdRestart) {
  const std::vector<Kind> kinds = {
      {1, {}, 1, 1, Sides::kOneSided},  // no sides named: the queue's sides-default
      {3, {"-n", "3", "-o", "sides=two-sided-long-edge"}, 9, 3, Sides::kTwoSidedLongEdge},
      {5, {"-o", "number-up=2"}, 3, 1, Sides::kOneSided},
      {2, {"-n", "2", "-o", "media=A4", "-o", "sides=one-sided"}, 4, 2, Sides::kOneSided},
      {4, {"-o", "sides=two-sided-short-edge"}, 4, 1, Sides::kTwoSidedShortEdge},
  };
  std::map<int, std::pair<const Kind*, std::string>> printed;  // job id -> kind, queue
  auto running = std::make_unique<Running>(capture_.get());
  for (int i = 0; i < 20; ++i) {
    if (i == 10) {
      // The jobs before the restart have finished: a job still printing when cupsd stops is
      // printed again when it starts, and its impressions then count both runs.
      ASSERT_TRUE(WaitFor([&] { return Jobs().size() >= 10; })) << Jobs().size() << " jobs";
      ASSERT_TRUE(cupsd_->Restart().ok());
    }
    const Kind& k = kinds[i % kinds.size()];
    const std::string queue = i % 2 ? "q2" : "q1";
    auto id = cupsd_->Print(queue, cupsd_->WriteDocument(k.pages), k.options);
    ASSERT_TRUE(id.ok()) << id.status().message();
    printed[*id] = {&k, queue};
  }
  ASSERT_TRUE(WaitFor([&] { return Jobs().size() >= 20; })) << Jobs().size() << " jobs";
  std::this_thread::sleep_for(milliseconds(600));  // a few more polls: nothing more comes
  running.reset();
  EXPECT_EQ(capture_->stats().jobs_captured, 20);
  EXPECT_GE(capture_->stats().reconciliations, 2);  // at start, and after cupsd's restart

  std::vector<JobRecord> jobs = Jobs();
  ASSERT_EQ(jobs.size(), 20u);
  std::map<int, int> seen;
  for (const JobRecord& j : jobs) {
    ++seen[j.cups_job_id];
    ASSERT_TRUE(printed.contains(j.cups_job_id)) << j.cups_job_id;
    const Kind& k = *printed[j.cups_job_id].first;
    EXPECT_EQ(j.impressions_completed, k.impressions) << "job " << j.cups_job_id;
    EXPECT_EQ(j.copies, k.copies) << "job " << j.cups_job_id;
    EXPECT_EQ(j.sides, k.sides) << "job " << j.cups_job_id;
    EXPECT_EQ(j.state, JobState::kCompleted);
    EXPECT_EQ(j.user, "root");
    EXPECT_EQ(j.source, RecordSource::kLive);
    EXPECT_FALSE(j.title.has_value());
    EXPECT_EQ(j.queue, printed[j.cups_job_id].second);
  }
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_EQ(Queues().size(), 2u);
}

TEST_F(CaptureCupsTest, InventoryFollowsQueuesAddedAndDeleted) {
  Running running(capture_.get());
  ASSERT_TRUE(WaitFor([&] { return Queues().size() == 2; }));
  ASSERT_TRUE(cupsd_->AddQueue("q3", {"-L", "'Room 3'"}).ok());
  ASSERT_TRUE(WaitFor([&] { return Queues().size() == 3; }));
  EXPECT_EQ(Queues()[2].name, "q3");
  EXPECT_EQ(Queues()[2].location, "Room 3");
  ASSERT_TRUE(cupsd_->DeleteQueue("q3").ok());
  ASSERT_TRUE(WaitFor([&] { return Queues().size() == 4; }));
  EXPECT_EQ(Queues()[3].name, "q3");
  EXPECT_TRUE(Queues()[3].deleted);
}

// A job that names no media is printed on its queue's media-default: cupsd leaves `media` off
// the job, and the capture records the queue's size, marked as coming from the queue.
TEST_F(CaptureCupsTest, JobsWithoutMediaTakeTheirQueueDefault) {
  ASSERT_TRUE(cupsd_->AddQueue("a3", {"-o", "PageSize=A3"}).ok());
  ASSERT_TRUE(cupsd_->AddQueue("a4", {"-o", "PageSize=A4"}).ok());
  Running running(capture_.get());
  auto a3_default = cupsd_->Print("a3", cupsd_->WriteDocument(1));
  auto a4_default = cupsd_->Print("a4", cupsd_->WriteDocument(1));
  auto a3_named = cupsd_->Print("a3", cupsd_->WriteDocument(1), {"-o", "media=A4"});
  ASSERT_TRUE(a3_default.ok() && a4_default.ok() && a3_named.ok());
  ASSERT_TRUE(WaitFor([&] { return Jobs().size() == 3; })) << Jobs().size();
  // Jobs finish, and so are captured, in any order: each is looked up by its id.
  std::map<int, std::tuple<std::string, std::string, bool>> by_id;
  for (const JobRecord& j : Jobs()) {
    by_id[j.cups_job_id] = {j.queue, j.media, j.media_from_queue};
  }
  ASSERT_EQ(by_id.size(), 3u);
  EXPECT_EQ(by_id[*a3_default],
            std::make_tuple(std::string("a3"), std::string("iso_a3_297x420mm"), true));
  EXPECT_EQ(by_id[*a4_default],
            std::make_tuple(std::string("a4"), std::string("iso_a4_210x297mm"), true));
  EXPECT_EQ(std::get<0>(by_id[*a3_named]), "a3");
  EXPECT_EQ(std::get<2>(by_id[*a3_named]), false);  // the job named A4 itself
  bool seen_a3 = false;
  for (const QueueRecord& q : Queues()) {
    if (q.name == "a3") {
      seen_a3 = true;
      EXPECT_EQ(q.media_default, "iso_a3_297x420mm");
    }
  }
  EXPECT_TRUE(seen_a3);
}

// The spool wiped while cupsd was stopped: its job ids start again at 1, below the cursor. The
// new jobs are captured (not taken for jobs already seen), the earlier records stay.
TEST_F(CaptureCupsTest, JobIdResetIsDetected) {
  auto running = std::make_unique<Running>(capture_.get());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(cupsd_->Print("q1", cupsd_->WriteDocument(1)).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return Jobs().size() == 3; })) << Jobs().size();
  running.reset();
  std::this_thread::sleep_for(milliseconds(1100));  // the new jobs are created a second later
  ASSERT_TRUE(cupsd_->WipeJobsAndRestart().ok());
  running = std::make_unique<Running>(capture_.get());
  std::vector<int> ids;
  for (int i = 0; i < 2; ++i) {
    auto id = cupsd_->Print("q2", cupsd_->WriteDocument(2));
    ASSERT_TRUE(id.ok()) << id.status().message();
    ids.push_back(*id);
  }
  EXPECT_EQ(ids, (std::vector<int>{1, 2}));
  ASSERT_TRUE(WaitFor([&] { return Jobs().size() == 5; })) << Jobs().size();
  std::this_thread::sleep_for(milliseconds(600));
  running.reset();
  std::vector<int32_t> captured;
  for (const JobRecord& j : Jobs()) captured.push_back(j.cups_job_id);
  // Before the wipe: 1, 2, 3 (in the order their events came); after it: 1 and 2 again, on q2.
  ASSERT_EQ(captured.size(), 5u);
  std::sort(captured.begin(), captured.begin() + 3);
  std::sort(captured.begin() + 3, captured.end());
  EXPECT_EQ(captured, (std::vector<int32_t>{1, 2, 3, 1, 2}));
  EXPECT_EQ(Jobs()[3].queue, "q2");
  EXPECT_EQ(Jobs()[4].queue, "q2");
  EXPECT_EQ(capture_->stats().numbering_restarts, 1);
}

// An agent whose outbox (and so its cursor) was lost: the subscription the earlier run left in
// cupsd is cancelled, not leaked towards MaxSubscriptions; another program's stays.
TEST_F(CaptureCupsTest, LostCursorCancelsTheEarlierSubscription) {
  {
    Running running(capture_.get());
    ASSERT_TRUE(WaitFor([&] { return Queues().size() == 2; }));
  }
  const int32_t old_sub = static_cast<int32_t>(capture_->state().cursor.subscription_id);
  ASSERT_GT(old_sub, 0);
  auto before = client_->GetSubscriptions();
  ASSERT_TRUE(before.ok()) << before.status().message();
  ASSERT_EQ(before->size(), 1u);
  EXPECT_EQ((*before)[0].id, old_sub);
  EXPECT_EQ((*before)[0].user_data, kSubscriptionTag);
  EXPECT_EQ((*before)[0].pull_method, "ippget");

  auto fresh = SqliteOutbox::Open(cupsd_->dir() + "/outbox2.db");
  ASSERT_TRUE(fresh.ok()) << fresh.status().message();
  CaptureOptions o;
  o.log = [](LogLevel, const std::string&) {};
  Capture again(client_.get(), fresh->get(), o);
  again.Step();
  const int32_t new_sub = static_cast<int32_t>(again.state().cursor.subscription_id);
  auto after = client_->GetSubscriptions();
  ASSERT_TRUE(after.ok()) << after.status().message();
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].id, new_sub);
  EXPECT_NE(new_sub, old_sub);
  EXPECT_EQ(again.stats().subscriptions_cancelled, 1);
}

}  // namespace
}  // namespace ramette::agent
