// The metrics endpoint for real: records submitted over gRPC to the ingest service (SQLite store
// in a temp dir), a heartbeat with a backlog, then GET /metrics through a plain TCP socket; idle
// clients, a busy port and a client hanging up mid-answer.
#include "aggregator/metrics/http_metrics_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "aggregator/ingest/grpc_ingest_service.h"
#include "aggregator/metrics/ingest_metrics.h"
#include "aggregator/store/sqlite_store.h"

namespace ramette::aggregator::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kNow = 1546300800;  // 2019-01-01T00:00:00Z

// A TCP connection to 127.0.0.1:port, or -1.
int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` to 127.0.0.1:port and returns everything the server answered, or "timed out"
// when it says nothing for `receive_timeout_seconds`.
std::string Http(int port, const std::string& request, int receive_timeout_seconds = 10) {
  int fd = Connect(port);
  if (fd < 0) return "connect failed";
  timeval tv{};
  tv.tv_sec = receive_timeout_seconds;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  const bool timed_out = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  close(fd);
  return timed_out ? "timed out" : out;
}

constexpr const char* kScrape = "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n";

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

    std::string answer = Http((*http)->port(), kScrape);
    EXPECT_THAT(answer, StartsWith("HTTP/1.1 200 OK\r\n"));
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

    EXPECT_THAT(answer, HasSubstr("Connection: close\r\n"));
    EXPECT_THAT(Http((*http)->port(), "GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"),
                StartsWith("HTTP/1.1 200 OK\r\n"));  // one request per connection, even in 1.1
    EXPECT_THAT(Http((*http)->port(), "GET / HTTP/1.0\r\n\r\n"), StartsWith("HTTP/1.1 404"));
    EXPECT_THAT(Http((*http)->port(), "GET /metricsx HTTP/1.0\r\n\r\n"),
                StartsWith("HTTP/1.1 404"));
    EXPECT_THAT(Http((*http)->port(), "POST /metrics HTTP/1.0\r\n\r\n"),
                StartsWith("HTTP/1.1 405"));
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
  const std::string taken = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = HttpMetricsServer::Start(taken, [] { return ""; });
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr("cannot listen for metrics on " + taken));
  EXPECT_THAT(second.status().message(), HasSubstr("Address already in use"));
  // The port is not shared (no SO_REUSEPORT): the first server still gets every scrape.
  for (int i = 0; i < 4; ++i) {
    EXPECT_THAT(Http((*first)->port(), kScrape), StartsWith("HTTP/1.1 200 OK\r\n"));
  }
}

// Twenty clients that connect and send nothing once kept a scrape waiting 65 s: each now holds
// a worker for about a second at most, and the scrape is answered within the client's timeout.
TEST(HttpMetricsServerTest, IdleConnectionsDoNotStarveAScrape) {
  auto server = HttpMetricsServer::Start("127.0.0.1:0", [] { return "ramette_up 1\n"; });
  ASSERT_TRUE(server.ok()) << server.status().message();
  std::vector<int> idle;
  for (int i = 0; i < 20; ++i) {
    const int fd = Connect((*server)->port());
    ASSERT_GE(fd, 0);
    idle.push_back(fd);
  }
  const std::string answer = Http((*server)->port(), kScrape, /*receive_timeout_seconds=*/8);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(answer, HasSubstr("\r\n\r\nramette_up 1\n"));
  server->reset();  // stops while the idle connections are still open
  for (int fd : idle) close(fd);
}

// A client that hangs up before reading a long answer costs its worker a failed write, nothing
// more: the next scrape is answered in full.
TEST(HttpMetricsServerTest, ClientHangingUpMidAnswerIsHarmless) {
  const std::string big(8 << 20, '#');
  auto server = HttpMetricsServer::Start("127.0.0.1:0", [&big] { return big; });
  ASSERT_TRUE(server.ok()) << server.status().message();
  for (int i = 0; i < 3; ++i) {
    const int fd = Connect((*server)->port());
    ASSERT_GE(fd, 0);
    send(fd, kScrape, std::strlen(kScrape), MSG_NOSIGNAL);
    close(fd);
  }
  const std::string answer = Http((*server)->port(), kScrape);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(answer.size() - answer.find("\r\n\r\n") - 4, big.size());
}

}  // namespace
}  // namespace ramette::aggregator::metrics
