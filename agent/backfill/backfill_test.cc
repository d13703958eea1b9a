// Tests for RunBackfill: batch limits, retries with capped backoff, errors, counts, and whole runs
// from page_log files into the in-memory uplink (twice, and over jobs already captured live).
#include "agent/backfill/backfill.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agent/backfill/page_log_reader.h"
#include "tests/fakes/fake_uplink.h"

namespace ramette::agent {
namespace {

using ::ramette::testing::FakeUplink;
using std::chrono::milliseconds;

// A source over records held in memory.
class VectorSource : public JobRecordSource {
 public:
  explicit VectorSource(std::vector<JobRecord> records, Status error = Status::Ok())
      : records_(std::move(records)), error_(std::move(error)) {}
  Status ReadAll(const JobBatchSink& sink) override {
    if (!error_.ok()) return error_;
    std::vector<JobRecord> copy = records_;
    counts_ = SourceCounts{static_cast<int64_t>(copy.size()), 0, static_cast<int64_t>(copy.size())};
    return copy.empty() ? Status::Ok() : sink(std::move(copy));
  }
  SourceCounts counts() const override { return counts_; }

 private:
  std::vector<JobRecord> records_;
  Status error_;
  SourceCounts counts_;
};

JobRecord Record(int32_t id, int64_t completed_at = 1500000000) {
  JobRecord r;
  r.queue = "LaserJet_2F";
  r.cups_job_id = id;
  r.user = "alice";
  r.completed_at = completed_at;
  r.state = JobState::kCompleted;
  r.impressions_completed = 3;
  r.source = RecordSource::kPageLog;
  return r;
}

std::vector<JobRecord> Records(int n) {
  std::vector<JobRecord> v;
  for (int i = 1; i <= n; ++i) v.push_back(Record(i));
  return v;
}

// Options that never sleep; the delays asked for are recorded.
BackfillOptions TestOptions(std::vector<milliseconds>* sleeps) {
  BackfillOptions o;
  o.jitter = 0;
  o.sleep = [sleeps](milliseconds d) { sleeps->push_back(d); };
  return o;
}

TEST(BackfillTest, SendsAtMost500RecordsPerBatch) {
  FakeUplink uplink;
  VectorSource source(Records(501));
  std::vector<milliseconds> sleeps;
  Result<BackfillCounts> counts = RunBackfill(source, uplink, "srv1", TestOptions(&sleeps));
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(uplink.batch_sizes(), (std::vector<size_t>{500, 1}));
  EXPECT_EQ(counts->records_sent, 501);
  EXPECT_EQ(counts->accepted, 501);
  EXPECT_EQ(counts->batches, 2);
  EXPECT_EQ(counts->jobs_found, 501);
  EXPECT_TRUE(sleeps.empty());
}

TEST(BackfillTest, SeveralBatchesInFlightSendEveryRecordOnce) {
  FakeUplink uplink;
  uplink.FailNextCalls(3);  // some batches retried while others are in flight
  VectorSource source(Records(2600));
  std::vector<milliseconds> sleeps;
  BackfillOptions options = TestOptions(&sleeps);
  options.max_in_flight = 3;
  Result<BackfillCounts> counts = RunBackfill(source, uplink, "srv1", options);
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(counts->records_sent, 2600);
  EXPECT_EQ(counts->accepted, 2600);
  EXPECT_EQ(counts->duplicate, 0);
  EXPECT_EQ(counts->batches, 6);  // 5 x 500 + 100
  EXPECT_EQ(counts->retries, 3);
  EXPECT_EQ(uplink.stored().size(), 2600u);
}

TEST(BackfillTest, BatchesStayUnder256KiB) {
  std::vector<JobRecord> records = Records(600);
  for (JobRecord& r : records) {
    r.title = std::string(1024, 't');
    r.client_host = std::string(1024, 'h');
  }
  const size_t each = EstimateRecordBytes(records[0]);
  ASSERT_GT(each, 2048u);
  const size_t per_batch = (256 * 1024) / each;  // 121 records of ~2.1 KiB
  FakeUplink uplink;
  VectorSource source(records);
  std::vector<milliseconds> sleeps;
  Result<BackfillCounts> counts = RunBackfill(source, uplink, "srv1", TestOptions(&sleeps));
  ASSERT_TRUE(counts.ok());
  std::vector<size_t> expected;
  for (size_t left = 600; left > 0; left -= std::min(left, per_batch)) {
    expected.push_back(std::min(left, per_batch));
  }
  EXPECT_EQ(uplink.batch_sizes(), expected);
  for (size_t n : uplink.batch_sizes()) EXPECT_LE(n * each, 256u * 1024);
  EXPECT_EQ(counts->accepted, 600);
}

TEST(BackfillTest, ARecordLargerThanTheCapGoesAlone) {
  std::vector<JobRecord> records = Records(3);
  records[1].title = std::string(300 * 1024, 't');
  FakeUplink uplink;
  VectorSource source(records);
  std::vector<milliseconds> sleeps;
  ASSERT_TRUE(RunBackfill(source, uplink, "srv1", TestOptions(&sleeps)).ok());
  EXPECT_EQ(uplink.batch_sizes(), (std::vector<size_t>{1, 1, 1}));
}

TEST(BackfillTest, RetriesUnavailableWithCappedExponentialBackoff) {
  FakeUplink uplink;
  uplink.FailNextCalls(6);
  VectorSource source(Records(501));
  std::vector<milliseconds> sleeps;
  BackfillOptions options = TestOptions(&sleeps);
  options.initial_backoff = milliseconds(1000);
  options.max_backoff = milliseconds(5000);
  int retries_seen = 0;
  options.on_retry = [&](const Status& error, int attempt, milliseconds) {
    EXPECT_EQ(error.code(), Status::Code::kUnavailable);
    EXPECT_EQ(attempt, ++retries_seen);
  };
  Result<BackfillCounts> counts = RunBackfill(source, uplink, "srv1", options);
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(sleeps, (std::vector<milliseconds>{milliseconds(1000), milliseconds(2000),
                                               milliseconds(4000), milliseconds(5000),
                                               milliseconds(5000), milliseconds(5000)}));
  EXPECT_EQ(counts->retries, 6);
  EXPECT_EQ(counts->accepted, 501);  // nothing lost, nothing doubled
  EXPECT_EQ(uplink.stored().size(), 501u);
  EXPECT_EQ(uplink.calls().size(), 8u);
}

TEST(BackfillTest, JitterOnlyShortensDelays) {
  FakeUplink uplink;
  uplink.FailNextCalls(20);
  VectorSource source(Records(1));
  std::vector<milliseconds> sleeps;
  BackfillOptions options = TestOptions(&sleeps);
  options.jitter = 0.5;
  options.max_backoff = milliseconds(4000);
  ASSERT_TRUE(RunBackfill(source, uplink, "srv1", options).ok());
  ASSERT_EQ(sleeps.size(), 20u);
  for (size_t i = 0; i < sleeps.size(); ++i) {
    const int64_t base = std::min<int64_t>(1000LL << std::min<size_t>(i, 10), 4000);
    EXPECT_LE(sleeps[i].count(), base);
    EXPECT_GE(sleeps[i].count(), base / 2);
  }
}

TEST(BackfillTest, JitterIsDrawnFromUniform01) {
  FakeUplink uplink;
  uplink.FailNextCalls(4);
  VectorSource source(Records(1));
  std::vector<milliseconds> sleeps;
  BackfillOptions options = TestOptions(&sleeps);
  options.jitter = 0.5;
  options.max_backoff = milliseconds(4000);
  options.uniform01 = [] { return 0.0; };  // the shortest delays: half the ceilings
  ASSERT_TRUE(RunBackfill(source, uplink, "srv1", options).ok());
  EXPECT_EQ(sleeps, (std::vector<milliseconds>{milliseconds(500), milliseconds(1000),
                                               milliseconds(2000), milliseconds(2000)}));
}

TEST(BackfillTest, GivesUpAfterMaxAttempts) {
  FakeUplink uplink;
  uplink.FailNextCalls(10);
  VectorSource source(Records(501));
  std::vector<milliseconds> sleeps;
  BackfillOptions options = TestOptions(&sleeps);
  options.max_attempts = 3;
  Result<BackfillCounts> counts = RunBackfill(source, uplink, "srv1", options);
  EXPECT_EQ(counts.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(counts.status().message().find("after 3 attempts"), std::string::npos)
      << counts.status().message();
  EXPECT_EQ(sleeps.size(), 2u);
}

TEST(BackfillTest, InvalidArgumentStopsWithoutRetryingAndSaysWhatWasSent) {
  FakeUplink uplink;
  VectorSource source(Records(1200));
  std::vector<milliseconds> sleeps;
  BackfillOptions options = TestOptions(&sleeps);
  options.on_batch = [&](const BackfillCounts& so_far) {
    if (so_far.batches == 1) uplink.ScriptFailures({Status::InvalidArgument("unknown agent")});
  };
  Result<BackfillCounts> counts = RunBackfill(source, uplink, "srv1", options);
  EXPECT_EQ(counts.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(counts.status().message(),
            "backfill stopped: unknown agent (500 records acknowledged by the aggregator before "
            "that)");
  EXPECT_TRUE(sleeps.empty());
  EXPECT_EQ(uplink.calls().size(), 2u);
}

TEST(BackfillTest, SourceErrorsSendNothing) {
  FakeUplink uplink;
  VectorSource source(Records(3), Status::IoError("page_log.9.gz: cannot open"));
  std::vector<milliseconds> sleeps;
  Result<BackfillCounts> counts = RunBackfill(source, uplink, "srv1", TestOptions(&sleeps));
  EXPECT_EQ(counts.status().code(), Status::Code::kIoError);
  EXPECT_NE(counts.status().message().find("page_log.9.gz: cannot open"), std::string::npos);
  EXPECT_EQ(uplink.calls().size(), 0u);
}

TEST(BackfillTest, RejectedRecordsAreCountedAndReported) {
  std::vector<JobRecord> records = Records(3);
  records[1].queue.clear();
  FakeUplink uplink;
  VectorSource source(records);
  std::vector<milliseconds> sleeps;
  BackfillOptions options = TestOptions(&sleeps);
  std::vector<std::string> reasons;
  options.on_rejected = [&](const JobRecord& r, const std::string& reason) {
    reasons.push_back(std::to_string(r.cups_job_id) + ": " + reason);
  };
  Result<BackfillCounts> counts = RunBackfill(source, uplink, "srv1", options);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->accepted, 2);
  EXPECT_EQ(counts->rejected, 1);
  EXPECT_EQ(reasons, (std::vector<std::string>{"2: empty queue"}));
}

TEST(BackfillTest, WrongNumberOfResultsIsInternal) {
  FakeUplink uplink;
  uplink.AnswerOneResultShort();
  VectorSource source(Records(2));
  std::vector<milliseconds> sleeps;
  Result<BackfillCounts> counts = RunBackfill(source, uplink, "srv1", TestOptions(&sleeps));
  EXPECT_EQ(counts.status().code(), Status::Code::kInternal);
}

TEST(BackfillTest, FormatsCountsForPeople) {
  BackfillCounts c;
  c.lines_read = 120;
  c.malformed_lines = 1;
  c.jobs_found = 40;
  c.records_sent = 40;
  c.accepted = 38;
  c.duplicate = 2;
  c.batches = 1;
  EXPECT_EQ(FormatBackfillCounts(c),
            "read 120 lines (1 malformed), found 40 jobs; sent 40: 38 accepted, 2 duplicate, "
            "0 rejected (1 batch, 0 retries)");
  c.skipped_lines = 7;
  EXPECT_EQ(FormatBackfillCounts(c),
            "read 120 lines (1 malformed, 7 not page logging), found 40 jobs; sent 40: 38 "
            "accepted, 2 duplicate, 0 rejected (1 batch, 0 retries)");
}

// --- Whole runs from files ---

class BackfillFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "backfill_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    std::string plain, older;
    for (int i = 1; i <= 700; ++i) {
      // 2018 jobs in page_log.1.gz (Paris summer time), 2019 jobs in page_log.
      older += "Couleur_RDC user" + std::to_string(i % 13) + " " + std::to_string(i) + " [1" +
               std::to_string(i % 10) + "/Jun/2018:10:00:00 +0200] total " +
               std::to_string(1 + i % 5) + " - 10.0.0." + std::to_string(i % 200) + " Doc " +
               std::to_string(i) + " A4 two-sided-long-edge\n";
    }
    for (int i = 701; i <= 1000; ++i) {
      plain += "LaserJet_2F - " + std::to_string(i) + " [0" + std::to_string(1 + i % 9) +
               "/Feb/2019:16:30:00 +0100] total 2 - - - iso_a4_210x297mm one-sided\n";
    }
    plain += "LaserJet_2F bob 1001 [bad time] total 2 - - - A4 one-sided\n";
    files_ = {(dir_ / "page_log").string(), (dir_ / "page_log.1.gz").string()};
    std::ofstream(files_[0], std::ios::binary) << plain;
    gzFile gz = gzopen(files_[1].c_str(), "wb");
    ASSERT_NE(gz, nullptr);
    gzwrite(gz, older.data(), static_cast<unsigned>(older.size()));
    gzclose(gz);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<BackfillCounts> Run(FakeUplink& uplink) {
    PageLogReader reader(files_, {}, [this](const std::string& m) { problems_.push_back(m); });
    BackfillOptions options;
    options.jitter = 0;
    options.sleep = [](milliseconds) {};
    return RunBackfill(reader, uplink, "print-srv-01", options);
  }

  std::filesystem::path dir_;
  std::vector<std::string> files_;
  std::vector<std::string> problems_;
};

TEST_F(BackfillFilesTest, RunningTwiceAddsNothing) {
  FakeUplink uplink;
  Result<BackfillCounts> first = Run(uplink);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->lines_read, 1001);
  EXPECT_EQ(first->malformed_lines, 1);
  EXPECT_EQ(first->jobs_found, 1000);
  EXPECT_EQ(first->records_sent, 1000);
  EXPECT_EQ(first->accepted, 1000);
  EXPECT_EQ(first->duplicate, 0);
  EXPECT_EQ(first->batches, 2);
  ASSERT_EQ(problems_.size(), 1u);
  EXPECT_EQ(problems_[0].rfind(files_[0] + ":301: bad time", 0), 0u) << problems_[0];

  Result<BackfillCounts> second = Run(uplink);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->records_sent, 1000);
  EXPECT_EQ(second->accepted, 0);
  EXPECT_EQ(second->duplicate, 1000);
  EXPECT_EQ(uplink.stored().size(), 1000u);
}

TEST_F(BackfillFilesTest, JobsAlreadyCapturedLiveAreDuplicates) {
  FakeUplink uplink;
  // Job 800 was captured live; CUPS logged it 2 s after the live completion time:
  // [0$((1 + 800 % 9))/Feb/2019:16:30:00 +0100] = 2019-02-09T15:30:00Z.
  JobRecord live = Record(800, 1549726200 - 2);
  ASSERT_TRUE(uplink.Preload("print-srv-01", live));
  Result<BackfillCounts> counts = Run(uplink);
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(counts->accepted, 999);
  EXPECT_EQ(counts->duplicate, 1);
  EXPECT_EQ(uplink.stored().size(), 1000u);
}

TEST_F(BackfillFilesTest, ResumesAfterTheAggregatorWasDown) {
  FakeUplink uplink;
  uplink.FailNextCalls(3);
  Result<BackfillCounts> counts = Run(uplink);
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(counts->retries, 3);
  EXPECT_EQ(counts->accepted, 1000);
  EXPECT_EQ(uplink.stored().size(), 1000u);
}

}  // namespace
}  // namespace ramette::agent
