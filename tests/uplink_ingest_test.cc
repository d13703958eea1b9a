// The agent's GrpcUplink against the aggregator's real ingest service on 127.0.0.1 port 0:
// per-record answers, a down aggregator reported as Unavailable (retry), a refused call as
// InvalidArgument.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "agent/uplink/grpc_uplink.h"
#include "aggregator/ingest/grpc_ingest_service.h"
#include "aggregator/store/sqlite_store.h"

namespace ramette {
namespace {

constexpr int64_t kNow = 1546300800;

JobRecord Job(int id) {
  JobRecord j;
  j.queue = "q";
  j.cups_job_id = id;
  j.user = "alice";
  j.completed_at = kNow - 100;
  j.state = JobState::kCompleted;
  j.copies = 1;
  j.impressions_completed = 2;
  j.source = RecordSource::kLive;
  return j;
}

TEST(UplinkIngestTest, AnswersPerRecordAndReportsADownAggregator) {
  char tmpl[] = "/tmp/ramette-uplink-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  auto store = aggregator::store::SqliteStore::Open(dir + "/r.db");
  ASSERT_TRUE(store.ok());
  aggregator::ingest::IngestProcessor processor(
      store->get(), aggregator::ingest::IngestOptions{TimeZone::Utc(), false, [] { return kNow; }});
  auto server = aggregator::ingest::StartIngestServer("127.0.0.1:0", &processor);
  ASSERT_TRUE(server.ok());
  const int port = server->port;

  agent::GrpcUplink uplink({"127.0.0.1:" + std::to_string(port), 5000, "test", {}});
  std::vector<JobRecord> jobs = {Job(1), Job(2), Job(1)};
  jobs[1].copies = 0;
  auto r = uplink.SubmitJobs("prn-a", jobs);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].kind, agent::SubmitResult::Kind::kAccepted);
  EXPECT_EQ((*r)[1].kind, agent::SubmitResult::Kind::kRejected);
  EXPECT_EQ((*r)[1].reason, "copies < 1 (got 0)");
  EXPECT_EQ((*r)[2].kind, agent::SubmitResult::Kind::kDuplicate);

  QueueRecord q;
  q.name = "q";
  auto qr = uplink.SubmitQueues("prn-a", {q});
  ASSERT_TRUE(qr.ok());
  EXPECT_EQ((*qr)[0].kind, agent::SubmitResult::Kind::kAccepted);

  auto refused = uplink.SubmitJobs("", {Job(3)});
  EXPECT_EQ(refused.status().code(), Status::Code::kInvalidArgument);

  server->server->Shutdown();
  server->server.reset();
  agent::GrpcUplink down({"127.0.0.1:" + std::to_string(port), 1000, "test", {}});
  auto unreachable = down.SubmitJobs("prn-a", {Job(4)});
  EXPECT_EQ(unreachable.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(*(*store)->CountJobs(), 1);
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ramette
