// Tests of the Capture core against the fake cupsd (tests/fakes/fake_cups_source.h) and the
// in-memory outbox: history at first start, exactly-once through events, reconciliations (gaps,
// lost subscriptions, restarts, crashes), unfinished jobs, a full outbox, the queue inventory,
// privacy and the warnings an operator must see.
#include "agent/capture/capture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/outbox/memory_outbox.h"
#include "tests/fakes/fake_cups_source.h"

namespace ramette::agent {
namespace {

using std::chrono::milliseconds;
using FakeCups = ::ramette::testing::FakeCupsSource;
using Op = FakeCups::Op;

CupsPrinter Printer(const std::string& name) {
  CupsPrinter p;
  p.name = name;
  p.uuid = "urn:uuid:" + name;
  p.make_model = "Generic PostScript Printer";
  p.device_uri = "socket://10.0.0.9";
  p.location = "2nd floor";
  p.info = name;
  p.color_supported = true;
  p.sides_supported = {"one-sided", "two-sided-long-edge", "two-sided-short-edge"};
  p.printer_type = 8400972;
  return p;
}

// A fake cupsd, an in-memory outbox, a fake clock and the log lines, around one Capture (which
// can be rebuilt to simulate an agent restart on the same outbox).
class CaptureTest : public ::testing::Test {
 protected:
  CaptureTest() : outbox_(std::make_unique<MemoryOutbox>()) { Rebuild(); }

  CaptureOptions Options() {
    CaptureOptions o;
    o.now_ms = [this] { return now_ms_; };
    o.log = [this](LogLevel level, const std::string& m) { logs_.push_back({level, m}); };
    return o;
  }

  void Rebuild(CaptureOptions options) {
    capture_ = std::make_unique<Capture>(&cups_, outbox_.get(), std::move(options));
  }
  void Rebuild() { Rebuild(Options()); }

  milliseconds Step() {
    now_ms_ += 1000;
    return capture_->Step();
  }

  // Job ids in the outbox, in append order.
  std::vector<int32_t> JobIds() const {
    std::vector<int32_t> ids;
    for (const OutboxEntry& e : outbox_->Contents()) {
      if (auto* j = std::get_if<JobRecord>(&e.item)) ids.push_back(j->cups_job_id);
    }
    return ids;
  }
  std::vector<JobRecord> Jobs() const {
    std::vector<JobRecord> out;
    for (const OutboxEntry& e : outbox_->Contents()) {
      if (auto* j = std::get_if<JobRecord>(&e.item)) out.push_back(*j);
    }
    return out;
  }
  std::vector<QueueRecord> Queues() const {
    std::vector<QueueRecord> out;
    for (const OutboxEntry& e : outbox_->Contents()) {
      if (auto* q = std::get_if<QueueRecord>(&e.item)) out.push_back(*q);
    }
    return out;
  }
  static std::vector<int32_t> Sorted(std::vector<int32_t> v) {
    std::sort(v.begin(), v.end());
    return v;
  }
  static std::vector<int32_t> Range(int32_t from, int32_t to) {
    std::vector<int32_t> v;
    for (int32_t i = from; i <= to; ++i) v.push_back(i);
    return v;
  }
  int CountLogs(LogLevel level, const std::string& needle) const {
    int n = 0;
    for (const auto& [l, m] : logs_) {
      if (l == level && m.find(needle) != std::string::npos) ++n;
    }
    return n;
  }
  void Drain() {
    auto all = outbox_->Peek(1'000'000, int64_t{1} << 40);
    ASSERT_TRUE(all.ok());
    std::vector<int64_t> ids;
    for (const OutboxEntry& e : *all) ids.push_back(e.id);
    ASSERT_TRUE(outbox_->Remove(ids).ok());
  }

  FakeCups cups_;
  std::unique_ptr<MemoryOutbox> outbox_;
  std::unique_ptr<Capture> capture_;
  int64_t now_ms_ = 1'000'000;
  std::vector<std::pair<LogLevel, std::string>> logs_;
};

TEST_F(CaptureTest, FirstStartCapturesTheHistoryAndTheQueues) {
  cups_.SetPrinter(Printer("q1"));
  cups_.SetPrinter(Printer("q2"));
  cups_.PrintJob(3, 1, "one-sided", "q1");
  int32_t canceled = cups_.SubmitJob();
  cups_.SetJobState(canceled, CupsJobState::kCanceled);
  int32_t aborted = cups_.SubmitJob();
  cups_.SetJobState(aborted, CupsJobState::kAborted);

  Step();
  EXPECT_EQ(JobIds(), Range(1, 3));
  ASSERT_EQ(Queues().size(), 2u);
  EXPECT_EQ(Queues()[0].name, "q1");
  EXPECT_TRUE(Queues()[0].duplex_supported);
  const CaptureState& s = capture_->state();
  EXPECT_NE(s.cursor.subscription_id, 0);
  EXPECT_EQ(s.cursor.last_reconciled_job_id, 3);
  EXPECT_EQ(s.cursor.cups_server, "fake-cupsd");
  EXPECT_TRUE(s.pending.empty());
  EXPECT_EQ(Jobs()[1].state, JobState::kCanceled);
  EXPECT_EQ(Jobs()[2].state, JobState::kAborted);

  // Nothing new: nothing appended, and the cursor in the outbox is the capture's.
  size_t before = outbox_->Contents().size();
  for (int i = 0; i < 5; ++i) Step();
  EXPECT_EQ(outbox_->Contents().size(), before);
  auto stored = outbox_->LoadCursor();
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, EncodeCaptureState(capture_->state()));
}

TEST_F(CaptureTest, EventsCaptureEachJobExactlyOnce) {
  Step();
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 5; ++i) cups_.PrintJob(2, 1);
    Step();
  }
  Step();
  EXPECT_EQ(JobIds(), Range(1, 20));
  EXPECT_EQ(capture_->stats().jobs_captured, 20);
  // Events only: after the first step, no full reconciliation was needed.
  EXPECT_EQ(capture_->stats().reconciliations, 1);
}

TEST_F(CaptureTest, RecordCarriesTheJobAttributes) {
  CupsJob j;
  j.queue = "office";
  j.copies = 3;
  j.sides = "two-sided-long-edge";
  j.media = "iso_a4_210x297mm";
  j.print_color_mode = "monochrome";
  j.number_up = 2;
  j.impressions_completed = 9;
  j.job_impressions = 3;
  j.media_sheets_completed = 4;
  j.user = "bob";
  j.host = "10.1.2.3";
  int32_t id = cups_.SubmitJob(j);
  cups_.set_now(1'700'000'100);
  cups_.SetJobState(id, CupsJobState::kCompleted);
  Step();
  const std::vector<JobRecord> jobs = Jobs();
  ASSERT_EQ(jobs.size(), 1u);
  const JobRecord& r = jobs[0];
  EXPECT_EQ(r.queue, "office");
  EXPECT_EQ(r.cups_job_id, id);
  EXPECT_EQ(r.job_uuid, "urn:uuid:fake-1");
  EXPECT_EQ(r.user, "bob");
  EXPECT_EQ(r.client_host, "10.1.2.3");
  EXPECT_EQ(r.created_at, 1'700'000'000);
  EXPECT_EQ(r.completed_at, 1'700'000'100);
  EXPECT_EQ(r.state, JobState::kCompleted);
  EXPECT_EQ(r.copies, 3);
  EXPECT_EQ(r.sides, Sides::kTwoSidedLongEdge);
  EXPECT_EQ(r.media, "iso_a4_210x297mm");
  EXPECT_EQ(r.color_mode, ColorMode::kMonochrome);
  EXPECT_EQ(r.number_up, 2);
  EXPECT_EQ(r.impressions_completed, 9);
  EXPECT_EQ(r.job_impressions, 3);
  EXPECT_EQ(r.cups_media_sheets_completed, 4);
  EXPECT_EQ(r.source, RecordSource::kLive);
  EXPECT_FALSE(r.title.has_value());  // titles are off by default
}

TEST_F(CaptureTest, TitlesOnlyWhenConfigured) {
  CaptureOptions o = Options();
  o.include_titles = true;
  Rebuild(o);
  cups_.PrintJob();
  Step();
  ASSERT_EQ(Jobs().size(), 1u);
  ASSERT_TRUE(Jobs()[0].title.has_value());
  EXPECT_EQ(*Jobs()[0].title, "report.pdf");
}

TEST_F(CaptureTest, UnfinishedJobIsNeitherSkippedNorCapturedTwice) {
  cups_.PrintJob();                  // 1
  int32_t held = cups_.SubmitJob();  // 2: held for a long time
  cups_.SetJobState(held, CupsJobState::kHeld);
  cups_.PrintJob();  // 3
  Step();
  EXPECT_EQ(JobIds(), (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(capture_->state().pending, (std::set<int32_t>{2}));
  EXPECT_EQ(capture_->state().cursor.last_reconciled_job_id, 3);

  // Later jobs go on being captured while job 2 waits.
  cups_.PrintJob();                      // 4
  int32_t printing = cups_.SubmitJob();  // 5
  cups_.SetJobState(printing, CupsJobState::kProcessing);
  cups_.PrintJob();  // 6
  Step();
  EXPECT_EQ(JobIds(), (std::vector<int32_t>{1, 3, 4, 6}));
  EXPECT_EQ(capture_->state().pending, (std::set<int32_t>{2, 5}));

  // The agent restarts: what is pending is in the cursor.
  Rebuild();
  Step();
  EXPECT_EQ(capture_->state().pending, (std::set<int32_t>{2, 5}));
  cups_.SetJobState(printing, CupsJobState::kCompleted);
  cups_.SetJobState(held, CupsJobState::kCanceled);
  Step();
  Step();
  EXPECT_EQ(JobIds(), (std::vector<int32_t>{1, 3, 4, 6, 5, 2}));
  EXPECT_TRUE(capture_->state().pending.empty());
}

TEST_F(CaptureTest, CompletionAnnouncedBeforeTheJobReadsFinishedIsReadAgainNextStep) {
  int32_t id = cups_.SubmitJob();
  cups_.SetJobState(id, CupsJobState::kProcessing);
  Step();  // seen unfinished by the start-up reconciliation: pending
  ASSERT_EQ(capture_->state().pending, (std::set<int32_t>{id}));
  // The job-completed event arrives while Get-Job-Attributes still says processing.
  cups_.SetJobState(id, CupsJobState::kCompleted);
  cups_.job(id).state = CupsJobState::kProcessing;
  Step();
  EXPECT_TRUE(JobIds().empty());
  // It reads finished a moment later, with no further event: the next step captures it, without
  // waiting for the periodic reconciliation.
  cups_.job(id).state = CupsJobState::kCompleted;
  const int64_t reconciliations = capture_->stats().reconciliations;
  Step();
  EXPECT_EQ(JobIds(), (std::vector<int32_t>{id}));
  EXPECT_TRUE(capture_->state().pending.empty());
  EXPECT_EQ(capture_->stats().reconciliations, reconciliations);
  Step();
  EXPECT_EQ(JobIds(), (std::vector<int32_t>{id}));
}

TEST_F(CaptureTest, JobsThatNameNoSidesTakeTheirQueueDefault) {
  CupsPrinter duplex = Printer("duplex");
  duplex.sides_default = "two-sided-long-edge";
  duplex.media_default = "iso_a4_210x297mm";
  cups_.SetPrinter(duplex);
  cups_.SetPrinter(Printer("plain"));  // no defaults reported
  cups_.PrintJob(3, 1, "", "duplex");
  cups_.PrintJob(3, 1, "one-sided", "duplex");
  cups_.PrintJob(3, 1, "", "plain");
  Step();
  ASSERT_EQ(Jobs().size(), 3u);
  EXPECT_EQ(Jobs()[0].sides, Sides::kTwoSidedLongEdge);
  EXPECT_EQ(Jobs()[0].media, "iso_a4_210x297mm");  // printed on the queue's media-default
  EXPECT_TRUE(Jobs()[0].media_from_queue);
  EXPECT_EQ(Jobs()[1].sides, Sides::kOneSided);
  EXPECT_EQ(Jobs()[2].sides, Sides::kUnknown);
  EXPECT_EQ(Jobs()[2].media, "");  // neither the job nor its queue: unknown (A4, flagged)
  EXPECT_FALSE(Jobs()[2].media_from_queue);
  // The queue's default changes: later jobs follow it (caught through the printer event).
  cups_.ModifyPrinter("duplex", [](CupsPrinter& p) { p.sides_default = "one-sided"; });
  cups_.PrintJob(3, 1, "", "duplex");
  Step();
  ASSERT_EQ(Jobs().size(), 4u);
  EXPECT_EQ(Jobs()[3].sides, Sides::kOneSided);
}

TEST_F(CaptureTest, JobsSentToAClassCountOnTheMemberThatPrintedThem) {
  CupsPrinter m1 = Printer("m1"), m2 = Printer("m2");
  m1.media_default = "iso_a4_210x297mm";
  m2.media_default = "iso_a3_297x420mm";
  CupsPrinter floor2 = Printer("floor2");  // a class of m1 and m2
  floor2.printer_type = 0x0001 | 0x0004;   // CUPS_PTYPE_CLASS | CUPS_PTYPE_BW
  floor2.media_default = "na_letter_8.5x11in";
  cups_.SetPrinter(m1);
  cups_.SetPrinter(m2);
  cups_.SetPrinter(floor2);
  CupsJob on_m2;
  on_m2.queue = "floor2";
  on_m2.printer = "m2";  // job-printer-uri-actual
  on_m2.impressions_completed = 2;
  cups_.SetJobState(cups_.SubmitJob(on_m2), CupsJobState::kCompleted);
  CupsJob unknown_member;  // a remote class: cupsd does not say which member printed it
  unknown_member.queue = "floor2";
  unknown_member.impressions_completed = 1;
  cups_.SetJobState(cups_.SubmitJob(unknown_member), CupsJobState::kCompleted);
  Step();
  ASSERT_EQ(Jobs().size(), 2u);
  EXPECT_EQ(Jobs()[0].queue, "m2");
  EXPECT_EQ(Jobs()[0].media, "iso_a3_297x420mm");  // the member's media-default
  EXPECT_TRUE(Jobs()[0].media_from_queue);
  EXPECT_EQ(Jobs()[1].queue, "floor2");
  EXPECT_EQ(Jobs()[1].media, "na_letter_8.5x11in");
  // The class is not a device of the inventory; its members are.
  std::vector<std::string> queues;
  for (const QueueRecord& q : Queues()) queues.push_back(q.name);
  std::sort(queues.begin(), queues.end());
  EXPECT_EQ(queues, (std::vector<std::string>{"m1", "m2"}));
}

TEST_F(CaptureTest, RestartedJobIsRecordedAgainWithItsNewCompletion) {
  cups_.PrintJob(3);
  int32_t id = cups_.PrintJob(3);  // the events of both are read with the scan that captures them
  Step();
  Step();
  ASSERT_EQ(JobIds(), (std::vector<int32_t>{1, 2}));
  const int64_t first = Jobs()[1].completed_at;
  // Restarted (lp -i 2 -H restart): printing again, then completed at a new time; CUPS's
  // job-impressions-completed counts both runs.
  cups_.set_now(cups_.now() + 40);
  cups_.SetJobState(id, CupsJobState::kProcessing);
  cups_.job(id).impressions_completed = 6;
  cups_.SetJobState(id, CupsJobState::kCompleted);
  Step();
  ASSERT_EQ(JobIds(), (std::vector<int32_t>{1, 2, 2}));
  EXPECT_EQ(Jobs()[2].completed_at, first + 40);
  EXPECT_EQ(Jobs()[2].impressions_completed, 6);  // the aggregator takes the stored run off
  EXPECT_EQ(capture_->stats().reprints, 1);
  EXPECT_EQ(capture_->stats().numbering_restarts, 0);
  Step();
  EXPECT_EQ(JobIds().size(), 3u);
  // A job restarted and still printing when its earlier completion's event is read waits in
  // pending, and is recorded once when it completes.
  cups_.set_now(cups_.now() + 40);
  cups_.SetJobState(1, CupsJobState::kCompleted);   // an event for job 1...
  cups_.SetJobState(1, CupsJobState::kProcessing);  // ...which prints again meanwhile
  Step();
  EXPECT_EQ(JobIds().size(), 3u);
  EXPECT_TRUE(capture_->state().pending.contains(1));
  cups_.set_now(cups_.now() + 10);
  cups_.SetJobState(1, CupsJobState::kCompleted);
  Step();
  ASSERT_EQ(JobIds(), (std::vector<int32_t>{1, 2, 2, 1}));
  EXPECT_EQ(Jobs()[3].completed_at, cups_.now());
  Step();
  EXPECT_EQ(JobIds().size(), 4u);
}

TEST_F(CaptureTest, ReconcilesFromTheCursorAfterTheAgentWasStopped) {
  Step();
  cups_.PrintJob();
  Step();
  EXPECT_EQ(JobIds(), Range(1, 1));
  capture_.reset();  // the agent stops; 7 jobs finish meanwhile
  for (int i = 0; i < 7; ++i) cups_.PrintJob();
  CaptureOptions o = Options();
  o.page_size = 3;  // several Get-Jobs pages, each committed with the cursor
  Rebuild(o);
  Step();
  EXPECT_EQ(JobIds(), Range(1, 8));
  EXPECT_EQ(capture_->state().cursor.last_reconciled_job_id, 8);
  EXPECT_GE(cups_.calls(Op::kGetJobs), 3);
  Step();
  EXPECT_EQ(JobIds(), Range(1, 8));
}

TEST_F(CaptureTest, FailureInTheMiddleOfAReconciliationRepeatsNothing) {
  Step();
  for (int i = 0; i < 10; ++i) cups_.PrintJob();
  CaptureOptions o = Options();
  o.page_size = 4;
  Rebuild(o);
  // The first page commits, the second fails: the next step goes on from the first.
  outbox_->FailNext(MemoryOutbox::Op::kAppend, Status::IoError("disk"), 1);
  Step();  // load + page commit fails
  Step();
  Step();
  EXPECT_EQ(JobIds(), Range(1, 10));
}

TEST_F(CaptureTest, DroppedEventsTriggerAReconciliation) {
  cups_.set_max_events(3);
  Step();
  cups_.PrintJob();
  Step();
  int64_t reconciliations = capture_->stats().reconciliations;
  for (int i = 0; i < 10; ++i) cups_.PrintJob();  // cupsd keeps only the last 3 events
  Step();
  EXPECT_EQ(JobIds(), Range(1, 11));
  EXPECT_EQ(capture_->stats().reconciliations, reconciliations + 1);
  EXPECT_EQ(CountLogs(LogLevel::kInfo, "dropped events"), 1);
}

TEST_F(CaptureTest, LostSubscriptionIsReplacedAndJobsReconciled) {
  Step();
  int32_t first = static_cast<int32_t>(capture_->state().cursor.subscription_id);
  cups_.ExpireSubscription(first);
  for (int i = 0; i < 3; ++i) cups_.PrintJob();
  Step();
  EXPECT_NE(capture_->state().cursor.subscription_id, first);
  EXPECT_EQ(JobIds(), Range(1, 3));
  cups_.PrintJob();
  Step();
  EXPECT_EQ(JobIds(), Range(1, 4));
  EXPECT_EQ(capture_->stats().subscriptions_created, 2);
}

TEST_F(CaptureTest, CupsdRestartLosesNothing) {
  Step();
  cups_.PrintJob();
  cups_.PrintJob();
  cups_.Restart();  // the events of jobs 1 and 2 are gone with it
  cups_.PrintJob();
  Step();
  EXPECT_EQ(JobIds(), Range(1, 3));
  EXPECT_EQ(capture_->state().cursor.subscription_id, 1);  // persisted by cupsd
  EXPECT_EQ(capture_->state().cursor.cupsd_started_at, cups_.now());
  cups_.PrintJob();
  Step();
  EXPECT_EQ(JobIds(), Range(1, 4));
}

TEST_F(CaptureTest, CupsdCrashThatTurnsNumberingBackIsDetected) {
  Step();
  cups_.SaveSubscriptions();  // cupsd wrote subscriptions.conf with NextEventId 1
  for (int i = 0; i < 5; ++i) {
    cups_.PrintJob();
    Step();
  }
  EXPECT_EQ(capture_->state().cursor.next_sequence, 6);
  cups_.Crash();  // back to NextEventId 1: the next events reuse numbers 1, 2, ...
  cups_.PrintJob();
  cups_.PrintJob();
  Step();
  EXPECT_EQ(JobIds(), Range(1, 7));
  EXPECT_EQ(CountLogs(LogLevel::kWarn, "went back"), 1);
  EXPECT_EQ(cups_.subscription_count(), 1u);  // the old one was cancelled
  cups_.PrintJob();
  Step();
  EXPECT_EQ(JobIds(), Range(1, 8));
}

TEST_F(CaptureTest, UnreachableCupsdIsRetriedAndNothingIsLost) {
  Step();
  cups_.SetUnavailable(true);
  CaptureOptions defaults;
  EXPECT_EQ(Step(), defaults.retry_delay);
  cups_.PrintJob();
  cups_.PrintJob();
  for (int i = 0; i < 5; ++i) Step();
  EXPECT_TRUE(JobIds().empty());
  EXPECT_EQ(CountLogs(LogLevel::kWarn, "not reachable"), 1);  // rate-limited
  cups_.SetUnavailable(false);
  Step();
  EXPECT_EQ(JobIds(), Range(1, 2));
}

TEST_F(CaptureTest, FullOutboxStopsTheCursorUntilThereIsRoom) {
  OutboxLimits limits;
  limits.max_records = 3;
  outbox_ = std::make_unique<MemoryOutbox>(limits);
  Rebuild();
  cups_.SetPrinter(Printer("q1"));
  cups_.PrintJob();
  cups_.PrintJob();
  Step();  // 1 queue + 2 jobs: the outbox is at its limit
  ASSERT_EQ(outbox_->Contents().size(), 3u);
  const CaptureState before = capture_->state();

  for (int i = 0; i < 3; ++i) cups_.PrintJob();
  CaptureOptions defaults;
  EXPECT_EQ(Step(), defaults.retry_delay);
  EXPECT_EQ(capture_->state(), before);  // nothing advanced
  EXPECT_EQ(outbox_->LoadCursor()->next_sequence, before.cursor.next_sequence);
  EXPECT_EQ(CountLogs(LogLevel::kError, "outbox is full"), 1);
  Step();
  Step();
  EXPECT_EQ(CountLogs(LogLevel::kError, "outbox is full"), 1);  // at most once a minute
  now_ms_ += 61'000;
  Step();
  EXPECT_EQ(CountLogs(LogLevel::kError, "outbox is full"), 2);
  EXPECT_GE(capture_->stats().outbox_full, 4);

  Drain();  // the forwarder sent them
  Step();
  EXPECT_EQ(JobIds(), Range(3, 5));
  EXPECT_EQ(capture_->stats().jobs_captured, 5);
}

TEST_F(CaptureTest, QueueInventoryFollowsCupsd) {
  cups_.SetPrinter(Printer("q1"));
  Step();
  ASSERT_EQ(Queues().size(), 1u);

  cups_.AddPrinter(Printer("q2"));
  Step();
  ASSERT_EQ(Queues().size(), 2u);
  EXPECT_EQ(Queues()[1].name, "q2");
  EXPECT_FALSE(Queues()[1].deleted);

  cups_.ModifyPrinter("q2", [](CupsPrinter& p) { p.location = "3rd floor"; });
  Step();
  ASSERT_EQ(Queues().size(), 3u);
  EXPECT_EQ(Queues()[2].location, "3rd floor");

  cups_.ModifyPrinter("q2", [](CupsPrinter&) {});  // an event, but nothing the record carries
  Step();
  EXPECT_EQ(Queues().size(), 3u);

  cups_.DeletePrinter("q1");
  Step();
  ASSERT_EQ(Queues().size(), 4u);
  EXPECT_EQ(Queues()[3].name, "q1");
  EXPECT_TRUE(Queues()[3].deleted);

  // Deleted while the agent was stopped: said at the next start.
  capture_.reset();
  cups_.DeletePrinter("q2");
  cups_.SaveSubscriptions();
  Rebuild();
  Step();
  ASSERT_EQ(Queues().size(), 5u);
  EXPECT_EQ(Queues()[4].name, "q2");
  EXPECT_TRUE(Queues()[4].deleted);
  Step();
  EXPECT_EQ(Queues().size(), 5u);
}

TEST_F(CaptureTest, DeviceUriCredentialsAreNotSent) {
  CupsPrinter p = Printer("smb");
  p.device_uri = "smb://DOMAIN%5Cprint:s3cret@fileserver/hp";
  cups_.SetPrinter(p);
  Step();
  ASSERT_EQ(Queues().size(), 1u);
  EXPECT_EQ(Queues()[0].device_uri, "smb://fileserver/hp");
}

TEST_F(CaptureTest, HiddenNamesAreWarnedAboutOnceLoudly) {
  cups_.SetHidePrivateValues(true);
  cups_.PrintJob();
  cups_.PrintJob();
  Step();
  cups_.PrintJob();
  Step();
  ASSERT_EQ(Jobs().size(), 3u);
  EXPECT_EQ(Jobs()[0].user, "");
  EXPECT_EQ(Jobs()[0].client_host, "");
  EXPECT_EQ(CountLogs(LogLevel::kError, "JobPrivateAccess @OWNER @SYSTEM root"), 1);
}

TEST_F(CaptureTest, PurgedPendingJobIsDropped) {
  int32_t id = cups_.SubmitJob();
  Step();
  EXPECT_EQ(capture_->state().pending, (std::set<int32_t>{id}));
  cups_.PurgeJob(id);
  now_ms_ += 10 * 60 * 1000;  // the periodic reconciliation looks at pending jobs
  Step();
  EXPECT_TRUE(capture_->state().pending.empty());
  EXPECT_TRUE(JobIds().empty());
  EXPECT_EQ(CountLogs(LogLevel::kWarn, "disappeared"), 1);
}

TEST_F(CaptureTest, WarnsAboutSettingsThatLoseJobs) {
  CupsServerSettings s;
  s.max_jobs = 50;
  s.preserve_job_history = 0;
  cups_.set_settings(s);
  Step();
  Step();
  EXPECT_EQ(CountLogs(LogLevel::kWarn, "MaxJobs 50"), 1);
  EXPECT_EQ(CountLogs(LogLevel::kError, "PreserveJobHistory No"), 1);
}

TEST_F(CaptureTest, DefaultSettingsAreNotWarnedAbout) {
  Step();
  for (const auto& [level, m] : logs_) EXPECT_EQ(level, LogLevel::kInfo) << m;
}

TEST_F(CaptureTest, PollDelayIsCupsdIntervalClamped) {
  CaptureOptions o = Options();
  o.min_poll = milliseconds(1000);
  o.max_poll = milliseconds(3000);
  Rebuild(o);
  EXPECT_EQ(Step(), milliseconds(3000));  // cupsd asks for 60 s
  cups_.set_get_interval(2);
  EXPECT_EQ(Step(), milliseconds(2000));
  cups_.set_get_interval(0);  // not given
  EXPECT_EQ(Step(), milliseconds(3000));
}

TEST_F(CaptureTest, CursorOfAnotherServerIsNotApplied) {
  CaptureCursor other;
  other.cups_server = "otherhost:631";
  other.subscription_id = 42;
  other.next_sequence = 900;
  other.last_reconciled_job_id = 5000;
  ASSERT_TRUE(outbox_->Append({}, &other).ok());
  cups_.PrintJob();
  Step();
  EXPECT_EQ(JobIds(), Range(1, 1));
  EXPECT_EQ(capture_->state().cursor.cups_server, "fake-cupsd");
  EXPECT_EQ(CountLogs(LogLevel::kWarn, "belongs to cupsd 'otherhost:631'"), 1);
}

TEST_F(CaptureTest, UnreadableCursorRecapturesRatherThanLoses) {
  cups_.PrintJob();
  Step();
  CaptureCursor bad = *outbox_->LoadCursor();
  bad.opaque = "garbage";
  ASSERT_TRUE(outbox_->Append({}, &bad).ok());
  Rebuild();
  Step();
  EXPECT_EQ(JobIds(), (std::vector<int32_t>{1, 1}));
  EXPECT_EQ(CountLogs(LogLevel::kError, "not readable"), 1);
}

TEST_F(CaptureTest, SubscriptionThatCannotBeStoredIsCancelled) {
  outbox_->FailNext(MemoryOutbox::Op::kAppend, Status::IoError("disk"));
  CaptureOptions defaults;
  EXPECT_EQ(Step(), defaults.retry_delay);
  EXPECT_EQ(cups_.calls(Op::kCreateSubscription), 1);
  EXPECT_EQ(cups_.subscription_count(), 0u);  // not left behind in cupsd
  cups_.PrintJob();
  Step();
  EXPECT_EQ(cups_.subscription_count(), 1u);
  EXPECT_EQ(JobIds(), Range(1, 1));
}

TEST_F(CaptureTest, LostCursorCancelsTheSubscriptionsAnEarlierAgentLeft) {
  cups_.PrintJob();
  Step();
  const int32_t old_sub = static_cast<int32_t>(capture_->state().cursor.subscription_id);
  ASSERT_TRUE(cups_.HasSubscription(old_sub));
  // Another program's subscription, and one of another user with the agent's tag: not ours.
  const int32_t other_program = cups_.AddOtherSubscription(cups_.user(), "");
  const int32_t other_user = cups_.AddOtherSubscription("alice", kSubscriptionTag);

  outbox_ = std::make_unique<MemoryOutbox>();  // the outbox, and its cursor, are lost
  Rebuild();
  Step();
  EXPECT_FALSE(cups_.HasSubscription(old_sub));
  EXPECT_TRUE(cups_.HasSubscription(other_program));
  EXPECT_TRUE(cups_.HasSubscription(other_user));
  const int32_t new_sub = static_cast<int32_t>(capture_->state().cursor.subscription_id);
  EXPECT_TRUE(cups_.HasSubscription(new_sub));
  EXPECT_EQ(cups_.subscription_count(), 3u);
  EXPECT_EQ(capture_->stats().subscriptions_cancelled, 1);
  EXPECT_EQ(CountLogs(LogLevel::kInfo,
                      "cancelled the cupsd subscriptions an earlier agent left "
                      "behind (" +
                          std::to_string(old_sub) + ")"),
            1);
  EXPECT_EQ(JobIds(), Range(1, 1));  // recaptured into the new outbox

  // A restart that finds its cursor cancels nothing.
  Rebuild();
  Step();
  EXPECT_TRUE(cups_.HasSubscription(new_sub));
  EXPECT_EQ(cups_.calls(Op::kGetSubscriptions), 2);  // at the first start, and the lost cursor
}

TEST_F(CaptureTest, JobIdsStartingAgainAreCapturedNotSkipped) {
  for (int i = 0; i < 5; ++i) cups_.PrintJob();
  Step();
  ASSERT_EQ(JobIds(), Range(1, 5));
  cups_.set_now(cups_.now() + 3600);
  cups_.WipeSpoolAndRestart();  // the new jobs 1 and 2 are below the cursor's 5
  cups_.PrintJob();
  cups_.PrintJob();
  Step();
  EXPECT_EQ(JobIds(), (std::vector<int32_t>{1, 2, 3, 4, 5, 1, 2}));
  EXPECT_EQ(capture_->stats().numbering_restarts, 1);
  EXPECT_EQ(CountLogs(LogLevel::kWarn, "job ids started again at 1"), 1);
  EXPECT_EQ(capture_->state().cursor.last_reconciled_job_id, 2);
  // The new numbering passes the old cursor: nothing more is taken for a restart.
  for (int i = 0; i < 5; ++i) cups_.PrintJob();
  cups_.Restart();
  Step();
  EXPECT_EQ(JobIds().size(), 12u);
  EXPECT_EQ(capture_->stats().numbering_restarts, 1);
}

TEST_F(CaptureTest, JobIdReusedAtTheCursorIsANewNumbering) {
  for (int i = 0; i < 3; ++i) cups_.PrintJob();
  Step();
  cups_.set_now(cups_.now() + 60);
  cups_.WipeSpoolAndRestart();
  for (int i = 0; i < 3; ++i) cups_.PrintJob();  // job 3 again, created later
  Step();
  EXPECT_EQ(JobIds(), (std::vector<int32_t>{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(capture_->stats().numbering_restarts, 1);
}

TEST_F(CaptureTest, PurgedHistoryIsNotANewNumbering) {
  for (int i = 0; i < 4; ++i) cups_.PrintJob();
  Step();
  for (int id = 1; id <= 4; ++id) cups_.PurgeJob(id);  // MaxJobs, or cancel -x
  cups_.Restart();
  cups_.PrintJob();
  Step();
  EXPECT_EQ(JobIds(), Range(1, 5));
  EXPECT_EQ(capture_->stats().numbering_restarts, 0);
}

TEST_F(CaptureTest, UnreadableOutboxIsRetried) {
  outbox_->FailNext(MemoryOutbox::Op::kLoadCursor, Status::IoError("disk"));
  cups_.PrintJob();
  CaptureOptions defaults;
  EXPECT_EQ(Step(), defaults.retry_delay);
  EXPECT_EQ(cups_.calls(Op::kCreateSubscription), 0);
  Step();
  EXPECT_EQ(JobIds(), Range(1, 1));
}

TEST_F(CaptureTest, CommittedCallbackIsToldOfRecords) {
  int64_t told = 0;
  CaptureOptions o = Options();
  o.on_committed = [&](int64_t n) { told += n; };
  Rebuild(o);
  cups_.SetPrinter(Printer("q1"));
  cups_.PrintJob();
  Step();
  Step();
  EXPECT_EQ(told, 2);
}

TEST(CaptureStateTest, RoundTrip) {
  CaptureState s;
  s.cursor.subscription_id = 7;
  s.cursor.next_sequence = 19;
  s.cursor.last_reconciled_job_id = 1200;
  s.cursor.cupsd_started_at = 1'700'000'000;
  s.cursor.cups_server = "/run/cups/cups.sock";
  s.pending = {1100, 1190};
  s.last_created_at = 1'699'999'000;
  s.queues = {{"office-2f", 0x0123456789abcdefULL}, {"étage_3", 42}};
  CaptureCursor c = EncodeCaptureState(s);
  EXPECT_FALSE(c.opaque.empty());
  auto back = DecodeCaptureState(c);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, s);

  CaptureCursor empty;
  ASSERT_TRUE(DecodeCaptureState(empty).ok());
  c.opaque = "ramette-capture 1\npending 12 x\n";
  EXPECT_EQ(DecodeCaptureState(c).status().code(), Status::Code::kCorruption);
  c.opaque = "ramette-capture 1\ncreated soon\n";
  EXPECT_EQ(DecodeCaptureState(c).status().code(), Status::Code::kCorruption);
  c.opaque = "ramette-capture 2\n";
  EXPECT_EQ(DecodeCaptureState(c).status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace ramette::agent
