// The ingest use case against the in-memory store: partial batches, derived figures, privacy,
// and no acknowledgement when the commit fails.
#include "aggregator/ingest/ingest_processor.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_job_store.h"

namespace ramette::aggregator::ingest {
namespace {

using Kind = RecordResult::Kind;
constexpr int64_t kNow = 1546300800;  // 2019-01-01T00:00:00Z

JobRecord Job(int id, int64_t completed_at) {
  JobRecord j;
  j.queue = "q1";
  j.cups_job_id = id;
  j.completed_at = completed_at;
  j.state = JobState::kCompleted;
  j.copies = 3;
  j.impressions_completed = 9;
  j.sides = Sides::kTwoSidedLongEdge;
  j.media = "iso_a3_297x420mm";
  j.title = "Budget 2019 confidentiel.pdf";
  return j;
}

class IngestProcessorTest : public ::testing::Test {
 protected:
  IngestProcessorTest()
      : processor_(&store_,
                   IngestOptions{*TimeZone::Load("Europe/Paris"), false, [] { return kNow; }}) {}
  testing::FakeJobStore store_;
  IngestProcessor processor_;
};

TEST_F(IngestProcessorTest, PartialBatchAndDerivedFigures) {
  std::vector<JobRecord> batch = {Job(1, kNow - 1800), Job(2, kNow - 60), Job(3, kNow)};
  batch[1].copies = 0;  // rejected
  auto r = processor_.SubmitJobs("prn-a", "0.1", batch);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].kind, Kind::kAccepted);
  EXPECT_EQ((*r)[1].kind, Kind::kRejected);
  EXPECT_EQ((*r)[1].reason, "copies < 1 (got 0)");
  EXPECT_EQ((*r)[2].kind, Kind::kAccepted);
  ASSERT_EQ(store_.stored().size(), 2u);
  const model::StoredJob& s = store_.stored()[0].job;
  EXPECT_EQ(s.sheets, 6);  // 3 copies x ceil(3/2)
  EXPECT_EQ(s.area_um2, 297000LL * 420000);
  EXPECT_TRUE(s.media_known);
  // 2018-12-31T23:30:00Z is 2019-01-01 00:30 in Paris.
  EXPECT_EQ(s.local_day, DaysFromCivil(2019, 1, 1));
  EXPECT_FALSE(s.record.title.has_value());  // privacy by default
  ASSERT_EQ(store_.quarantine().size(), 1u);
  EXPECT_EQ(store_.quarantine()[0].reason, "copies < 1 (got 0)");
  EXPECT_FALSE(store_.quarantine()[0].record.title.has_value());
}

TEST_F(IngestProcessorTest, UserNamesAreStoredNormalisedAndQuarantinedAsSent) {
  testing::FakeJobStore store;
  IngestOptions options{*TimeZone::Load("Europe/Paris"), false, [] { return kNow; }};
  options.users = {.lower_case = true, .strip_domain = true};
  IngestProcessor processor(&store, options);
  std::vector<JobRecord> batch = {Job(1, kNow), Job(2, kNow), Job(3, kNow), Job(4, kNow)};
  batch[0].user = "EXAMPLE\\JDupont";
  batch[1].user = "jdupont@EXAMPLE.ORG";
  batch[2].user = "JDUPONT";
  batch[3].user = "EXAMPLE\\JDupont";
  batch[3].copies = 0;  // rejected
  ASSERT_TRUE(processor.SubmitJobs("prn-a", "0.1", batch).ok());
  ASSERT_EQ(store.stored().size(), 3u);
  for (const auto& s : store.stored()) EXPECT_EQ(s.job.record.user, "jdupont");
  ASSERT_EQ(store.quarantine().size(), 1u);
  EXPECT_EQ(store.quarantine()[0].record.user, "EXAMPLE\\JDupont");
  // The default rule keeps names as sent.
  ASSERT_TRUE(processor_.SubmitJobs("prn-a", "0.1", {batch[0]}).ok());
  EXPECT_EQ(store_.stored()[0].job.record.user, "EXAMPLE\\JDupont");
}

TEST_F(IngestProcessorTest, ResendIsDuplicate) {
  ASSERT_TRUE(processor_.SubmitJobs("prn-a", "0.1", {Job(1, kNow - 10)}).ok());
  auto r = processor_.SubmitJobs("prn-a", "0.1", {Job(1, kNow - 7), Job(1, kNow - 10)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].kind, Kind::kDuplicate);
  EXPECT_EQ((*r)[1].kind, Kind::kDuplicate);
  EXPECT_EQ(store_.stored().size(), 1u);
}

// A job restarted in cupsd: the same id and uuid, a new completion time, and CUPS's cumulative
// impressions. Each run is stored with its own impressions and sheets; resends stay duplicates.
TEST_F(IngestProcessorTest, ReprintsAreRunsWithTheirOwnImpressions) {
  auto run = [](int id, int64_t completed, int64_t cumulative) {
    JobRecord j = Job(id, completed);
    j.job_uuid = "urn:uuid:job-" + std::to_string(id);
    j.source = RecordSource::kLive;
    j.copies = 1;
    j.impressions_completed = cumulative;  // 3 pages two-sided per run
    return j;
  };
  const int64_t t = kNow - 3600;
  ASSERT_TRUE(processor_.SubmitJobs("prn-a", "0.1", {run(5, t, 3)}).ok());
  auto r = processor_.SubmitJobs("prn-a", "0.1", {run(5, t + 20, 6)});  // inside 300 s
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].kind, Kind::kAccepted);
  // Resends of either run, and a page_log copy of the job, are duplicates.
  JobRecord logged = Job(5, t + 21);
  logged.source = RecordSource::kPageLog;
  logged.copies = 1;
  logged.impressions_completed = 6;
  r = processor_.SubmitJobs("prn-a", "0.1", {run(5, t + 20, 6), run(5, t, 3), logged});
  ASSERT_TRUE(r.ok());
  for (const RecordResult& one : *r) EXPECT_EQ(one.kind, Kind::kDuplicate);
  // Two runs in one batch, and a third run a day later.
  r = processor_.SubmitJobs("prn-a", "0.1",
                            {run(6, t, 3), run(6, t + 30, 6), run(5, t + 86400, 10)});
  ASSERT_TRUE(r.ok());
  for (const RecordResult& one : *r) EXPECT_EQ(one.kind, Kind::kAccepted);
  ASSERT_EQ(store_.stored().size(), 5u);
  struct Want {
    int id;
    int32_t run;
    int64_t impressions, sheets;
  };
  const Want want[] = {{5, 0, 3, 2}, {5, 1, 3, 2}, {6, 0, 3, 2}, {6, 1, 3, 2}, {5, 2, 4, 2}};
  for (size_t i = 0; i < 5; ++i) {
    const model::StoredJob& s = store_.stored()[i].job;
    EXPECT_EQ(s.record.cups_job_id, want[i].id) << i;
    EXPECT_EQ(s.run, want[i].run) << i;
    EXPECT_EQ(s.record.impressions_completed, want[i].impressions) << i;
    EXPECT_EQ(s.sheets, want[i].sheets) << i;
  }
}

TEST_F(IngestProcessorTest, FailedCommitAcknowledgesNothing) {
  store_.FailNextCommit();
  auto r = processor_.SubmitJobs("prn-a", "0.1", {Job(1, kNow - 10)});
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(store_.stored().empty());
}

TEST_F(IngestProcessorTest, BadServerIdRejectsTheCall) {
  auto r = processor_.SubmitJobs("", "0.1", {Job(1, kNow - 10)});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(store_.stored().empty());
}

TEST_F(IngestProcessorTest, TitlesKeptOnlyWhenConfigured) {
  testing::FakeJobStore store;
  IngestProcessor p(&store, IngestOptions{TimeZone::Utc(), true, [] { return kNow; }});
  ASSERT_TRUE(p.SubmitJobs("prn-a", "0.1", {Job(1, kNow - 10)}).ok());
  ASSERT_EQ(store.stored().size(), 1u);
  EXPECT_EQ(store.stored()[0].job.record.title.value_or(""), "Budget 2019 confidentiel.pdf");
  EXPECT_EQ(store.stored()[0].job.local_day, DaysFromCivil(2018, 12, 31));  // UTC
}

TEST_F(IngestProcessorTest, Queues) {
  QueueRecord good;
  good.name = "rdc";
  QueueRecord bad;
  auto r = processor_.SubmitQueues("prn-a", "0.1", {good, bad});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].kind, Kind::kAccepted);
  EXPECT_EQ((*r)[1].kind, Kind::kRejected);
  ASSERT_EQ(store_.queues().size(), 1u);
  EXPECT_EQ(store_.queues()[0].second.name, "rdc");
}

}  // namespace
}  // namespace ramette::aggregator::ingest
