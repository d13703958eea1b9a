// Backfill end to end into the real ingest service and store: gzip'd and plain page_log files in
// any order, spaces in job names, mixed UTC offsets, a malformed line; a second run adds
// nothing; jobs already captured live are not added again.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "agent/backfill_command.h"
#include "agent/uplink/grpc_uplink.h"
#include "aggregator/ingest/grpc_ingest_service.h"
#include "aggregator/store/sqlite_store.h"

namespace ramette {
namespace {

constexpr int64_t kNow = 1546560000;  // 2019-01-04T00:00:00Z

class BackfillIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ramette-backfill-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto store = aggregator::store::SqliteStore::Open(dir_ + "/r.db");
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    processor_ = std::make_unique<aggregator::ingest::IngestProcessor>(
        store_.get(), aggregator::ingest::IngestOptions{*TimeZone::Load("Europe/Paris"), false,
                                                        [] { return kNow; }});
    auto server = aggregator::ingest::StartIngestServer("127.0.0.1:0", processor_.get());
    ASSERT_TRUE(server.ok());
    server_ = std::move(*server);
  }
  void TearDown() override {
    server_.server->Shutdown();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string Address() const { return "127.0.0.1:" + std::to_string(server_.port); }

  std::string dir_;
  std::unique_ptr<aggregator::store::SqliteStore> store_;
  std::unique_ptr<aggregator::ingest::IngestProcessor> processor_;
  aggregator::ingest::RunningIngestServer server_;
};

TEST_F(BackfillIngestTest, FilesInAnyOrderTwiceAndOverlappingLiveCapture) {
  // page_log.1.gz (older) and page_log (newer); given newest first.
  const std::string old_lines =
      "rdc alice 10 [31/Dec/2018:23:59:58 +0100] total 3 - pc-1 Rapport annuel final v2.pdf "
      "iso_a4_210x297mm two-sided-long-edge\n"
      "rdc bob 11 [15/Jul/2018:10:00:00 +0200] total 4 - - - A3 one-sided\n";
  const std::string new_lines =
      "rdc carol 12 [02/Jan/2019:09:00:00 -0500] total 1 - pc-3 note.txt - -\n"
      "this line is not a page_log line\n"
      "rdc alice 13 [02/Jan/2019:10:00:00 +0100] total 5 - pc-1 Compte rendu.docx A4 one-sided\n";
  gzFile gz = gzopen((dir_ + "/page_log.1.gz").c_str(), "wb");
  gzwrite(gz, old_lines.data(), static_cast<unsigned>(old_lines.size()));
  gzclose(gz);
  std::ofstream(dir_ + "/page_log") << new_lines;

  // Job 13 was already captured live, 3 seconds apart from its page_log line.
  agent::GrpcUplink live({Address(), 5000, "test", {}});
  JobRecord j;
  j.queue = "rdc";
  j.cups_job_id = 13;
  j.user = "alice";
  j.completed_at = 1546419600 + 3;  // 2019-01-02T09:00:00Z + 3 s
  j.state = JobState::kCompleted;
  j.copies = 1;
  j.impressions_completed = 5;
  j.source = RecordSource::kLive;
  ASSERT_TRUE(live.SubmitJobs("prn-a", {j}).ok());
  ASSERT_EQ(*store_->CountJobs(), 1);

  agent::BackfillCommand cmd;
  cmd.page_logs = {dir_ + "/page_log", dir_ + "/page_log.1.gz"};
  cmd.server_id = "prn-a";
  cmd.aggregator = Address();
  cmd.agent_version = "test";
  ::testing::internal::CaptureStdout();
  // The malformed line is skipped, the rest stored, and the exit code says so.
  EXPECT_EQ(agent::RunBackfillCommand(cmd), agent::kExitBackfillDataErrors);
  std::string first = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(first.find("read 5 lines (1 malformed)"), std::string::npos) << first;
  EXPECT_NE(first.find("3 accepted, 1 duplicate"), std::string::npos) << first;
  EXPECT_EQ(*store_->CountJobs(), 4);

  ::testing::internal::CaptureStdout();
  EXPECT_EQ(agent::RunBackfillCommand(cmd), agent::kExitBackfillDataErrors);
  std::string second = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(second.find("0 accepted, 4 duplicate"), std::string::npos) << second;
  EXPECT_EQ(*store_->CountJobs(), 4);

  // Job 10 completed at 23:59:58 in Paris on 31 Dec 2018: it belongs to 2018, two-sided 3 pages
  // = 2 sheets; job 11 is 4 A3 sheets.
  int64_t sheets_2018 = 0;
  ASSERT_TRUE(store_
                  ->ForEachMonthlyRow(
                      MonthIndex(2018, 1), MonthIndex(2018, 12),
                      [&](const aggregator::model::RollupRow& r) { sheets_2018 += r.sums.sheets; })
                  .ok());
  EXPECT_EQ(sheets_2018, 2 + 4);
}

}  // namespace
}  // namespace ramette
