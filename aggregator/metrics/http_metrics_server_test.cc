// The metrics endpoint for real: records submitted over gRPC to the ingest service (SQLite store
// in a temp dir), a heartbeat with a backlog, then GET /metrics through a plain TCP socket.
#include "aggregator/metrics/http_metrics_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "aggregator/ingest/grpc_ingest_service.h"
#include "aggregator/metrics/ingest_metrics.h"
#include "aggregator/store/sqlite_store.h"

namespace ramette::aggregator::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kNow = 1546300800;  // 2019-01-01T00:00:00Z

// Sends `request` to 127.0.0.1:port and returns everything the server answered.
std::string Http(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "connect failed";
  }
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

v1::JobRecord Job(int id) {
  v1::JobRecord j;
  j.set_queue("compta");
  j.set_cups_job_id(id);
  j.set_user("alice");
  j.set_completed_at_unix(kNow - 100 + id);
  j.set_state(v1::JOB_STATE_COMPLETED);
  j.set_copies(1);
  j.set_impressions_completed(2);
  j.set_sides(v1::SIDES_ONE_SIDED);
  j.set_media("iso_a4_210x297mm");
  j.set_source(v1::RECORD_SOURCE_LIVE);
  return j;
}

TEST(HttpMetricsServerTest, ScrapeAfterSubmittedRecords) {
  char tmpl[] = "/tmp/ramette-metrics-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  {
    auto store = store::SqliteStore::Open(dir + "/ramette.db");
    ASSERT_TRUE(store.ok()) << store.status().message();
    IngestMetrics metrics;
    ingest::IngestProcessor processor(
        store->get(), ingest::IngestOptions{TimeZone::Utc(), false, [] { return kNow; }, &metrics});
    auto ingest = ingest::StartIngestServer("127.0.0.1:0", &processor);
    ASSERT_TRUE(ingest.ok()) << ingest.status().message();
    store::SqliteStore* st = store->get();
    auto http = HttpMetricsServer::Start("127.0.0.1:0", [&metrics, st] {
      auto servers = st->ServerStatuses(store::StatusPeriods{}, false);
      return metrics.Render(servers.ok() ? GaugesOf(*servers) : std::vector<ServerGauges>{});
    });
    ASSERT_TRUE(http.ok()) << http.status().message();
    ASSERT_GT((*http)->port(), 0);

    auto stub = v1::Ingest::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(ingest->port),
                                                        grpc::InsecureChannelCredentials()));
    // Call 1: two accepted, one rejected. Call 2: one duplicate, one accepted.
    v1::SubmitJobsRequest first;
    first.set_server_id("prn-a");
    first.set_agent_version("0.1.0");
    *first.add_jobs() = Job(1);
    *first.add_jobs() = Job(2);
    *first.add_jobs() = Job(3);
    first.mutable_jobs(2)->set_copies(0);
    v1::SubmitJobsRequest second = first;
    second.clear_jobs();
    *second.add_jobs() = Job(1);
    *second.add_jobs() = Job(4);
    for (const auto* req : {&first, &second}) {
      grpc::ClientContext ctx;
      v1::SubmitJobsResponse resp;
      ASSERT_TRUE(stub->SubmitJobs(&ctx, *req, &resp).ok());
    }
    v1::ReportStatusRequest hb;
    hb.set_server_id("prn-b");
    hb.set_agent_version("0.1.0");
    hb.set_outbox_records(42);
    hb.set_oldest_record_unix(kNow - 600);
    {
      grpc::ClientContext ctx;
      v1::ReportStatusResponse resp;
      ASSERT_TRUE(stub->ReportStatus(&ctx, hb, &resp).ok());
    }

    std::string answer = Http((*http)->port(), "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n");
    EXPECT_THAT(answer, StartsWith("HTTP/1.0 200 OK\r\n"));
    EXPECT_THAT(answer, HasSubstr("Content-Type: text/plain; version=0.0.4"));
    EXPECT_THAT(answer, HasSubstr("ramette_records_total{outcome=\"accepted\"} 3\n"));
    EXPECT_THAT(answer, HasSubstr("ramette_records_total{outcome=\"duplicate\"} 1\n"));
    EXPECT_THAT(answer, HasSubstr("ramette_records_rejected_total{reason=\"copies < 1\"} 1\n"));
    EXPECT_THAT(answer, HasSubstr("ramette_ingest_duration_seconds_count 2\n"));
    EXPECT_THAT(answer, HasSubstr("ramette_ingest_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
    EXPECT_THAT(answer,
                HasSubstr("ramette_server_last_contact_timestamp_seconds{server=\"prn-a\"}"));
    EXPECT_THAT(answer, HasSubstr("ramette_server_outbox_records{server=\"prn-b\"} 42\n"));
    EXPECT_THAT(answer, HasSubstr("ramette_server_outbox_oldest_record_timestamp_seconds{server="
                                  "\"prn-b\"} " +
                                  std::to_string(kNow - 600) + "\n"));

    EXPECT_THAT(Http((*http)->port(), "GET / HTTP/1.0\r\n\r\n"), StartsWith("HTTP/1.0 404"));
    EXPECT_THAT(Http((*http)->port(), "POST /metrics HTTP/1.0\r\n\r\n"),
                StartsWith("HTTP/1.0 405"));
    ingest->server->Shutdown();
  }
  std::filesystem::remove_all(dir);
}

TEST(HttpMetricsServerTest, RefusesBadAddressesAndBusyPorts) {
  EXPECT_EQ(HttpMetricsServer::Start("nonsense", [] { return ""; }).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(HttpMetricsServer::Start("127.0.0.1:99999", [] { return ""; }).status().code(),
            Status::Code::kInvalidArgument);
  auto first = HttpMetricsServer::Start("127.0.0.1:0", [] { return ""; });
  ASSERT_TRUE(first.ok());
  auto second =
      HttpMetricsServer::Start("127.0.0.1:" + std::to_string((*first)->port()), [] { return ""; });
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable);
}

}  // namespace
}  // namespace ramette::aggregator::metrics
