// The ingest service in-process over gRPC on 127.0.0.1 port 0, with the real SQLite store in a
// temporary directory: accepted, duplicate and rejected records, partial batches, queues.
#include "aggregator/ingest/grpc_ingest_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>

#include "aggregator/store/sqlite_store.h"

namespace ramette::aggregator::ingest {
namespace {

constexpr int64_t kNow = 1546300800;  // 2019-01-01T00:00:00Z

v1::JobRecord Job(int id, int64_t completed_at) {
  v1::JobRecord j;
  j.set_queue("compta");
  j.set_cups_job_id(id);
  j.set_user("élodie.lefèvre");
  j.set_completed_at_unix(completed_at);
  j.set_state(v1::JOB_STATE_COMPLETED);
  j.set_copies(1);
  j.set_impressions_completed(3);
  j.set_sides(v1::SIDES_TWO_SIDED_LONG_EDGE);
  j.set_media("iso_a4_210x297mm");
  j.set_source(v1::RECORD_SOURCE_LIVE);
  return j;
}

class GrpcIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ramette-grpc-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto store = store::SqliteStore::Open(dir_ + "/ramette.db");
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    processor_ = std::make_unique<IngestProcessor>(
        store_.get(), IngestOptions{TimeZone::Utc(), false, [] { return kNow; }});
    auto server = StartIngestServer("127.0.0.1:0", processor_.get());
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(*server);
    ASSERT_GT(server_.port, 0);
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_.port),
                                       grpc::InsecureChannelCredentials());
    stub_ = v1::Ingest::NewStub(channel);
  }
  void TearDown() override {
    if (server_.server) server_.server->Shutdown();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  grpc::Status Submit(const v1::SubmitJobsRequest& req, v1::SubmitJobsResponse* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->SubmitJobs(&ctx, req, resp);
  }

  std::string dir_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<IngestProcessor> processor_;
  RunningIngestServer server_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
};

TEST_F(GrpcIngestTest, PartialBatchDuplicatesAndRejections) {
  v1::SubmitJobsRequest req;
  req.set_server_id("prn-a");
  req.set_agent_version("0.1.0");
  *req.add_jobs() = Job(1, kNow - 100);
  *req.add_jobs() = Job(2, kNow - 90);
  auto* bad_copies = req.add_jobs();
  *bad_copies = Job(3, kNow - 80);
  bad_copies->set_copies(0);
  auto* bad_utf8 = req.add_jobs();
  *bad_utf8 = Job(4, kNow - 70);
  bad_utf8->set_user("bad\xC3(");
  *req.add_jobs() = Job(1, kNow - 97);  // same job again within the batch, 3 s later
  auto* future = req.add_jobs();
  *future = Job(5, kNow + 2 * 86400);

  v1::SubmitJobsResponse resp;
  grpc::Status st = Submit(req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(resp.results_size(), 6);
  EXPECT_EQ(resp.results(0).status(), v1::RECORD_STATUS_ACCEPTED);
  EXPECT_EQ(resp.results(1).status(), v1::RECORD_STATUS_ACCEPTED);
  EXPECT_EQ(resp.results(2).status(), v1::RECORD_STATUS_REJECTED);
  EXPECT_EQ(resp.results(2).reason(), "copies < 1 (got 0)");
  EXPECT_EQ(resp.results(3).status(), v1::RECORD_STATUS_REJECTED);
  EXPECT_EQ(resp.results(3).reason(), "invalid UTF-8 in user");
  EXPECT_EQ(resp.results(4).status(), v1::RECORD_STATUS_DUPLICATE);
  EXPECT_EQ(resp.results(5).status(), v1::RECORD_STATUS_REJECTED);
  EXPECT_EQ(*store_->CountJobs(), 2);
  EXPECT_EQ(*store_->CountQuarantined(), 3);

  // The agent crashed before it saw the answer and replays the whole batch.
  v1::SubmitJobsResponse again;
  ASSERT_TRUE(Submit(req, &again).ok());
  EXPECT_EQ(again.results(0).status(), v1::RECORD_STATUS_DUPLICATE);
  EXPECT_EQ(again.results(1).status(), v1::RECORD_STATUS_DUPLICATE);
  EXPECT_EQ(again.results(2).status(), v1::RECORD_STATUS_REJECTED);
  EXPECT_EQ(*store_->CountJobs(), 2);

  // The same job id from another server is another job.
  v1::SubmitJobsRequest other;
  other.set_server_id("prn-b");
  *other.add_jobs() = Job(1, kNow - 100);
  v1::SubmitJobsResponse other_resp;
  ASSERT_TRUE(Submit(other, &other_resp).ok());
  EXPECT_EQ(other_resp.results(0).status(), v1::RECORD_STATUS_ACCEPTED);
  EXPECT_EQ(*store_->CountJobs(), 3);
}

// A second server on a port already in use fails to listen (no SO_REUSEPORT sharing).
TEST_F(GrpcIngestTest, APortInUseIsRefused) {
  auto second = StartIngestServer("127.0.0.1:" + std::to_string(server_.port), processor_.get());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(second.status().message().find("address in use"), std::string::npos)
      << second.status().message();
}

// A server id from the network cannot forge a log line: its newline is logged escaped.
TEST_F(GrpcIngestTest, ServerIdIsEscapedInTheLog) {
  auto lines = std::make_shared<std::ostringstream>();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*lines);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  v1::SubmitJobsRequest req;
  req.set_server_id("prn\n2026-12-02 [critical] forged");
  *req.add_jobs() = Job(1, kNow);
  v1::SubmitJobsResponse resp;
  EXPECT_EQ(Submit(req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  spdlog::set_default_logger(previous);
  const std::string log = lines->str();
  EXPECT_NE(log.find("prn\\x0a2026-12-02 [critical] forged"), std::string::npos) << log;
  EXPECT_EQ(log.find("prn\n"), std::string::npos) << log;
}

TEST_F(GrpcIngestTest, BadServerIdIsInvalidArgument) {
  v1::SubmitJobsRequest req;
  *req.add_jobs() = Job(1, kNow - 100);
  v1::SubmitJobsResponse resp;
  grpc::Status st = Submit(req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(*store_->CountJobs(), 0);
}

TEST_F(GrpcIngestTest, QueuesBecomeDevices) {
  v1::SubmitQueuesRequest req;
  req.set_server_id("prn-a");
  auto* q = req.add_queues();
  q->set_name("rdc-couleur");
  q->set_make_model("HP Color LaserJet");
  q->set_color_supported(true);
  req.add_queues();  // empty name: rejected
  v1::SubmitQueuesResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->SubmitQueues(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.results_size(), 2);
  EXPECT_EQ(resp.results(0).status(), v1::RECORD_STATUS_ACCEPTED);
  EXPECT_EQ(resp.results(1).status(), v1::RECORD_STATUS_REJECTED);
  auto inv = store_->LoadInventory();
  ASSERT_TRUE(inv.ok());
  ASSERT_EQ(inv->devices.size(), 1u);
  EXPECT_EQ(inv->devices[0].server, "prn-a");
  EXPECT_EQ(inv->devices[0].queue, "rdc-couleur");
  EXPECT_FALSE(inv->devices[0].classified);
}

}  // namespace
}  // namespace ramette::aggregator::ingest
