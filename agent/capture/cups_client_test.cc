// Tests of CupsClient against a real, private cupsd (tests/cups/private_cupsd.h): the job
// attributes the record needs, Get-Jobs paging, the event subscription and what a cupsd restart
// does to it, hidden private values, the queue inventory and cupsd.conf settings.
#include "agent/capture/cups_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "tests/cups/private_cupsd.h"

namespace ramette::agent {
namespace {

using ::ramette::testing::PrivateCupsd;
using ::ramette::testing::PrivateCupsdOptions;

CupsClientOptions To(const PrivateCupsd& c, std::string user = "") {
  CupsClientOptions o;
  o.server = c.server();
  o.user = std::move(user);
  return o;
}

// Waits until cupsd says the job is finished; the last answer.
CupsJob WaitFinished(CupsClient& client, int job_id) {
  CupsJob job;
  for (int i = 0; i < 300; ++i) {
    Result<CupsJob> r = client.GetJob(job_id);
    if (r.ok()) {
      job = *r;
      if (IsFinished(job.state)) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return job;
}

// Reads events from `first` until `done` says enough (or 15 s pass).
std::vector<CupsEvent> ReadEvents(CupsClient& client, int32_t sub, int32_t first,
                                  const std::function<bool(const std::vector<CupsEvent>&)>& done) {
  std::vector<CupsEvent> events;
  for (int i = 0; i < 300; ++i) {
    Result<CupsNotifications> n = client.GetNotifications(sub, first);
    if (n.ok()) {
      events = n->events;
      if (done(events)) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return events;
}

class CupsClientTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(PrivateCupsdOptions options) {
    auto c = PrivateCupsd::Start(options);
    ASSERT_TRUE(c.ok()) << c.status().message();
    cupsd_ = std::move(*c);
    ASSERT_TRUE(cupsd_->AddQueue("q1").ok());
    client_ = std::make_unique<CupsClient>(To(*cupsd_));
  }

  int Print(int pages, const std::vector<std::string>& options = {}, const char* queue = "q1") {
    auto id = cupsd_->Print(queue, cupsd_->WriteDocument(pages), options);
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.ok() ? *id : 0;
  }

  std::unique_ptr<PrivateCupsd> cupsd_;
  std::unique_ptr<CupsClient> client_;
};

TEST_F(CupsClientTest, JobOfThreePagesTwoSidedThreeCopies) {
  const int64_t before = std::time(nullptr);
  int id = Print(3, {"-n", "3", "-o", "sides=two-sided-long-edge"});
  CupsJob j = WaitFinished(*client_, id);
  EXPECT_EQ(j.id, id);
  EXPECT_EQ(j.state, CupsJobState::kCompleted);
  EXPECT_EQ(j.queue, "q1");
  EXPECT_EQ(j.impressions_completed, 9);   // 3 pages x 3 copies
  EXPECT_EQ(j.media_sheets_completed, 4);  // CUPS's own count: 9 / 2
  EXPECT_EQ(j.copies, 3);
  EXPECT_EQ(j.sides, "two-sided-long-edge");
  EXPECT_EQ(j.user, "root");
  EXPECT_EQ(j.host, "localhost");
  EXPECT_TRUE(j.name.has_value());
  EXPECT_EQ(j.uuid.rfind("urn:uuid:", 0), 0u) << j.uuid;
  EXPECT_GE(j.created_at, before - 5);
  EXPECT_GE(j.completed_at, j.created_at);
  EXPECT_EQ(j.number_up, 1);
  EXPECT_EQ(j.media, "");           // cupsd leaves media unset on a job that asked for none
  EXPECT_EQ(j.job_impressions, 0);  // cupsd does not count pages at submission

  // Get-Jobs returns the same attributes.
  auto page = client_->GetJobs(id, 10);
  ASSERT_TRUE(page.ok()) << page.status().message();
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].impressions_completed, 9);
  EXPECT_EQ((*page)[0].sides, "two-sided-long-edge");
  EXPECT_EQ((*page)[0].user, "root");
}

TEST_F(CupsClientTest, MediaFromMediaOrMediaCol) {
  int a4 = Print(1, {"-o", "media=A4"});
  int a3 = Print(1, {"-o", "'media-col={media-size={x-dimension=29700 y-dimension=42000}}'"});
  int a5 = Print(1, {"-o", "'media-col={media-size-name=iso_a5_148x210mm}'"});
  int two_up = Print(5, {"-o", "number-up=2", "-o", "print-color-mode=monochrome"});
  EXPECT_EQ(WaitFinished(*client_, a4).media, "A4");
  EXPECT_EQ(WaitFinished(*client_, a3).media, "iso_a3_297x420mm");
  EXPECT_EQ(WaitFinished(*client_, a5).media, "iso_a5_148x210mm");
  CupsJob j = WaitFinished(*client_, two_up);
  EXPECT_EQ(j.number_up, 2);
  EXPECT_EQ(j.impressions_completed, 3);
  EXPECT_EQ(j.print_color_mode, "monochrome");
}

TEST_F(CupsClientTest, GetJobsPagesInJobIdOrder) {
  std::vector<int> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Print(1));
  WaitFinished(*client_, ids.back());
  std::vector<int> seen;
  int32_t first = 1;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = client_->GetJobs(first, 2);
    ASSERT_TRUE(page.ok()) << page.status().message();
    EXPECT_LE(page->size(), 2u);
    for (const CupsJob& j : *page) {
      seen.push_back(j.id);
      first = j.id + 1;
    }
    if (page->size() < 2) break;
  }
  EXPECT_EQ(seen, ids);
  auto none = client_->GetJobs(ids.back() + 1, 2);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(CupsClientTest, SubscriptionReceivesJobAndPrinterEvents) {
  auto sub =
      client_->CreateSubscription({CupsEventKind::kJobCompleted, CupsEventKind::kPrinterAdded,
                                   CupsEventKind::kPrinterDeleted, CupsEventKind::kServerStarted});
  ASSERT_TRUE(sub.ok()) << sub.status().message();
  int id = Print(2);
  WaitFinished(*client_, id);
  ASSERT_TRUE(cupsd_->AddQueue("q2").ok());
  ASSERT_TRUE(cupsd_->DeleteQueue("q2").ok());

  auto events =
      ReadEvents(*client_, *sub, 1, [](const std::vector<CupsEvent>& e) { return e.size() >= 3; });
  ASSERT_GE(events.size(), 3u);
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].sequence, int32_t(i + 1));
  EXPECT_EQ(events[0].kind, CupsEventKind::kJobCompleted);
  EXPECT_EQ(events[0].job_id, id);
  EXPECT_EQ(events[0].printer_name, "q1");
  EXPECT_GT(events[0].time, 0);
  EXPECT_EQ(events[1].kind, CupsEventKind::kPrinterAdded);
  EXPECT_EQ(events[1].printer_name, "q2");
  EXPECT_EQ(events.back().kind, CupsEventKind::kPrinterDeleted);
  EXPECT_EQ(events.back().printer_name, "q2");

  // From a sequence number: that event first; past the newest: nothing.
  auto from2 = client_->GetNotifications(*sub, 2);
  ASSERT_TRUE(from2.ok());
  ASSERT_FALSE(from2->events.empty());
  EXPECT_EQ(from2->events.front().sequence, 2);
  EXPECT_EQ(from2->get_interval, 60);  // what cupsd 2.4 asks of a server subscription
  auto past = client_->GetNotifications(*sub, events.back().sequence + 1);
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->events.empty());

  EXPECT_TRUE(client_->CancelSubscription(*sub).ok());
  EXPECT_EQ(client_->GetNotifications(*sub, 1).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(client_->CancelSubscription(*sub).code(), Status::Code::kNotFound);
}

// What cupsd really does on a restart (SIGTERM, as logrotate's): the subscription survives with
// its numbering (subscriptions.conf), its cached events do not, and a server-started event takes
// the next number. Jobs survive too.
TEST_F(CupsClientTest, RestartKeepsTheSubscriptionAndItsNumberingButNotItsEvents) {
  auto sub =
      client_->CreateSubscription({CupsEventKind::kJobCompleted, CupsEventKind::kServerStarted});
  ASSERT_TRUE(sub.ok()) << sub.status().message();
  int id = Print(1);
  WaitFinished(*client_, id);
  auto before = ReadEvents(*client_, *sub, 1, [](const auto& e) { return !e.empty(); });
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].sequence, 1);

  ASSERT_TRUE(cupsd_->Restart().ok());
  auto after = ReadEvents(*client_, *sub, 1, [](const auto& e) { return !e.empty(); });
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].kind, CupsEventKind::kServerStarted);
  EXPECT_EQ(after[0].sequence, 2);
  // Asked from the event already read (1), cupsd answers from what it has: 2.
  auto from1 = client_->GetNotifications(*sub, 1);
  ASSERT_TRUE(from1.ok());
  EXPECT_EQ(from1->events.front().sequence, 2);

  auto job = client_->GetJob(id);
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(job->impressions_completed, 1);
}

TEST_F(CupsClientTest, MissingThingsAreNotFound) {
  EXPECT_EQ(client_->GetNotifications(4242, 1).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(client_->GetJob(4242).status().code(), Status::Code::kNotFound);
}

TEST_F(CupsClientTest, PrivateValuesAreHiddenFromOtherUsers) {
  int id = Print(1);
  WaitFinished(*client_, id);
  CupsClient other(To(*cupsd_, "nobody"));
  EXPECT_EQ(other.user(), "nobody");
  auto j = other.GetJob(id);
  ASSERT_TRUE(j.ok()) << j.status().message();
  EXPECT_FALSE(j->user.has_value());
  EXPECT_FALSE(j->host.has_value());
  EXPECT_FALSE(j->name.has_value());
  EXPECT_EQ(j->impressions_completed, 1);  // the counts are not private
  auto mine = client_->GetJob(id);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->user, "root");
}

TEST_F(CupsClientTest, PrintersWithTheirInventoryAttributes) {
  ASSERT_TRUE(cupsd_->AddQueue("q2", {"-L", "'Room 12'", "-D", "'Copier'"}).ok());
  auto printers = client_->GetPrinters();
  ASSERT_TRUE(printers.ok()) << printers.status().message();
  ASSERT_EQ(printers->size(), 2u);
  const CupsPrinter& q2 = (*printers)[1];
  EXPECT_EQ(q2.name, "q2");
  EXPECT_EQ(q2.uuid.rfind("urn:uuid:", 0), 0u);
  EXPECT_EQ(q2.make_model, "Generic PostScript Printer");
  EXPECT_EQ(q2.device_uri, "file:///dev/null");
  EXPECT_EQ(q2.location, "Room 12");
  EXPECT_EQ(q2.info, "Copier");
  EXPECT_TRUE(q2.color_supported);
  EXPECT_EQ(q2.sides_supported, std::vector<std::string>{"one-sided"});  // no duplexer installed
  EXPECT_NE(q2.printer_type, 0);
  EXPECT_FALSE(q2.media_default.empty());
  EXPECT_EQ(q2.sides_default, "one-sided");
}

TEST_F(CupsClientTest, ReachesCupsdThroughItsLocalSocket) {
  CupsClientOptions o;
  o.server = cupsd_->socket_path();
  CupsClient local(o);
  EXPECT_EQ(local.server(), cupsd_->socket_path());
  auto printers = local.GetPrinters();
  ASSERT_TRUE(printers.ok()) << printers.status().message();
  EXPECT_EQ(printers->size(), 1u);
}

TEST_F(CupsClientTest, ServerSettings) {
  PrivateCupsdOptions o;
  o.max_jobs = 50;
  Start(o);
  auto s = client_->GetServerSettings();
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->max_jobs, 50);
  EXPECT_EQ(s->preserve_job_history, -1);  // PreserveJobHistory Yes
  EXPECT_EQ(s->max_events, 100);           // not set: cupsd's default
}

TEST_F(CupsClientTest, UnreachableCupsdIsUnavailableAndComesBack) {
  CupsClientOptions o;
  o.server = "127.0.0.1:1";
  o.connect_timeout = std::chrono::milliseconds(500);
  CupsClient nowhere(o);
  EXPECT_EQ(nowhere.GetJobs(1, 10).status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(nowhere.GetNotifications(1, 1).status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(nowhere.GetPrinters().status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(nowhere.GetServerSettings().status().code(), Status::Code::kUnavailable);

  // The same client across a cupsd restart.
  ASSERT_TRUE(client_->GetPrinters().ok());
  ASSERT_TRUE(cupsd_->Restart().ok());
  auto again = client_->GetPrinters();
  EXPECT_TRUE(again.ok()) << again.status().message();
}

TEST(ParseCupsdDurationTest, Values) {
  EXPECT_EQ(*ParseCupsdDuration("Yes"), -1);
  EXPECT_EQ(*ParseCupsdDuration("off"), 0);
  EXPECT_EQ(*ParseCupsdDuration("3600"), 3600);
  EXPECT_EQ(*ParseCupsdDuration("2h"), 7200);
  EXPECT_EQ(*ParseCupsdDuration("1d"), 86400);
  EXPECT_EQ(*ParseCupsdDuration("1w"), 604800);
  EXPECT_FALSE(ParseCupsdDuration("soon").ok());
  EXPECT_FALSE(ParseCupsdDuration("5y").ok());
}

}  // namespace
}  // namespace ramette::agent
