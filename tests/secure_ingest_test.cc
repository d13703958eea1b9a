// The ingest API secured: the real GrpcUplink against the real service and SqliteStore on
// 127.0.0.1 port 0, with TLS certificates made by tests/tls/make_test_certs.sh (openssl).
// Every refusal is checked for its status, its message and that nothing was stored.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "agent/check_command.h"
#include "agent/uplink/grpc_uplink.h"
#include "aggregator/auth/agent_token.h"
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

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

class SecureIngestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/ramette-tls-XXXXXX";
    certs_ = new std::string(mkdtemp(tmpl));
    const std::string cmd = std::string("bash ") + RAMETTE_TEST_CERTS_SCRIPT + " " + *certs_ +
                            " >" + *certs_ + "/openssl.log 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << Read(*certs_ + "/openssl.log");
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*certs_);
    delete certs_;
  }

  void SetUp() override {
    char tmpl[] = "/tmp/ramette-secure-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto store = aggregator::store::SqliteStore::Open(dir_ + "/r.db");
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    processor_ = std::make_unique<aggregator::ingest::IngestProcessor>(
        store_.get(),
        aggregator::ingest::IngestOptions{TimeZone::Utc(), false, [] { return kNow; }});
  }
  void TearDown() override {
    if (server_.server) server_.server->Shutdown();
    server_ = {};
    processor_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static std::string Cert(const std::string& name) { return *certs_ + "/" + name; }

  // Serves with the server certificate `cert` (of server.key); mTLS when `client_ca` is set.
  void Serve(const std::string& cert, bool require_tokens, const std::string& client_ca = "") {
    aggregator::ingest::IngestTls tls{Cert(cert), Cert("server.key"),
                                      client_ca.empty() ? "" : Cert(client_ca),
                                      /*require_client_cert=*/!require_tokens};
    aggregator::ingest::IngestAuth auth{store_.get(), require_tokens || !client_ca.empty()};
    auto server = aggregator::ingest::StartIngestServer("127.0.0.1:0", processor_.get(), tls, auth);
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(*server);
  }

  // An uplink trusting ca.pem, with `token` and the client certificate `client` when set.
  std::unique_ptr<agent::GrpcUplink> Uplink(const std::string& token,
                                            const std::string& client = "",
                                            const std::string& ca = "ca.pem") {
    agent::UplinkCredentials c;
    c.root_certs_pem = Read(Cert(ca));
    if (!client.empty()) {
      c.client_cert_pem = Read(Cert(client + ".pem"));
      c.client_key_pem = Read(Cert(client + ".key"));
    }
    c.token = token;
    return std::make_unique<agent::GrpcUplink>(
        agent::GrpcUplinkOptions{"127.0.0.1:" + std::to_string(server_.port), 5000, "test", c});
  }

  std::string NewToken(const std::string& server_id) {
    auto token = aggregator::auth::NewAgentToken();
    EXPECT_TRUE(token.ok());
    auto id = store_->AddAgentToken(server_id, aggregator::auth::HashAgentToken(*token), kNow);
    EXPECT_TRUE(id.ok()) << id.status().message();
    return *token;
  }

  int64_t StoredJobs() { return *store_->CountJobs(); }

  // The aggregator line of `ramette-agent check` for server id prn-a, trusting `ca`, with
  // `token` and tls_server_name `server_name` (cupsd is absent: its lines fail, unread here).
  std::string CheckLine(const std::string& token, const std::string& server_name = "",
                        const std::string& ca = "ca.pem", const std::string& target = "",
                        const std::string& client = "") {
    agent::CheckCommand cmd;
    cmd.cups_server = "127.0.0.1:1";
    cmd.cupsd_conf = dir_ + "/no-cupsd.conf";
    cmd.aggregator = target.empty() ? "127.0.0.1:" + std::to_string(server_.port) : target;
    cmd.deadline_seconds = 5;
    cmd.server_id = "prn-a";
    cmd.state_dir = dir_ + "/state";
    cmd.agent_version = "test";
    cmd.credentials.root_certs_pem = Read(Cert(ca));
    cmd.credentials.token = token;
    cmd.credentials.server_name = server_name;
    if (!client.empty()) {
      cmd.credentials.client_cert_pem = Read(Cert(client + ".pem"));
      cmd.credentials.client_key_pem = Read(Cert(client + ".key"));
    }
    std::ostringstream out;
    agent::RunCheckCommand(cmd, out);
    std::istringstream lines(out.str());
    for (std::string line; std::getline(lines, line);) {
      if (line.find("aggregator ") != std::string::npos) return line;
    }
    return "(no aggregator line in: " + out.str() + ")";
  }

  static std::string* certs_;
  std::string dir_;
  std::unique_ptr<aggregator::store::SqliteStore> store_;
  std::unique_ptr<aggregator::ingest::IngestProcessor> processor_;
  aggregator::ingest::RunningIngestServer server_;
};

std::string* SecureIngestTest::certs_ = nullptr;

TEST_F(SecureIngestTest, TokensAreCheckedBeforeAnyWork) {
  Serve("server.pem", /*require_tokens=*/true);
  const std::string token_a = NewToken("prn-a");
  const std::string token_b = NewToken("prn-b");

  // Unauthenticated: no token, on each of the three calls.
  auto none = Uplink("");
  auto r = none->SubmitJobs("prn-a", {Job(1)});
  EXPECT_EQ(r.status().code(), Status::Code::kUnauthenticated);
  EXPECT_TRUE(Contains(r.status().message(), "ramette token create --server-id prn-a"));
  QueueRecord q;
  q.name = "q";
  EXPECT_EQ(none->SubmitQueues("prn-a", {q}).status().code(), Status::Code::kUnauthenticated);
  EXPECT_EQ(none->ReportStatus("prn-a", {3, kNow}).code(), Status::Code::kUnauthenticated);

  // A wrong token.
  auto wrong = Uplink("rmt_0000000000000000000000000000000000000000000000000000000000000000");
  r = wrong->SubmitJobs("prn-a", {Job(1)});
  EXPECT_EQ(r.status().code(), Status::Code::kUnauthenticated);
  EXPECT_TRUE(Contains(r.status().message(), "unknown agent token"));

  // A token for another server: prn-b's token sending prn-a's records.
  auto b = Uplink(token_b);
  r = b->SubmitJobs("prn-a", {Job(1)});
  EXPECT_EQ(r.status().code(), Status::Code::kPermissionDenied);
  EXPECT_TRUE(Contains(r.status().message(), "bound to server id 'prn-b', not to 'prn-a'"));
  EXPECT_EQ(b->ReportStatus("prn-a", {3, kNow}).code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(StoredJobs(), 0);
  auto servers = store_->ServerStatuses(aggregator::store::StatusPeriods{}, true);
  ASSERT_TRUE(servers.ok());
  EXPECT_TRUE(servers->empty());  // not even a contact was recorded

  // The right token.
  auto a = Uplink(token_a);
  r = a->SubmitJobs("prn-a", {Job(1), Job(2)});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].kind, agent::SubmitResult::Kind::kAccepted);
  EXPECT_TRUE(a->SubmitQueues("prn-a", {q}).ok());
  EXPECT_TRUE(a->ReportStatus("prn-a", {0, 0}).ok());
  EXPECT_EQ(StoredJobs(), 2);

  // Revoked: the very next call of the same connection is refused.
  ASSERT_EQ(
      *store_->RevokeAgentTokens(
          aggregator::auth::PublicTokenId(aggregator::auth::HashAgentToken(token_a)), "", kNow),
      1);
  r = a->SubmitJobs("prn-a", {Job(3)});
  EXPECT_EQ(r.status().code(), Status::Code::kUnauthenticated);
  EXPECT_TRUE(Contains(r.status().message(), "revoked"));
  EXPECT_FALSE(Contains(r.status().message(), token_a));
  EXPECT_EQ(StoredJobs(), 2);
}

TEST_F(SecureIngestTest, AnExpiredServerCertificateIsRefusedByTheAgent) {
  Serve("expired.pem", /*require_tokens=*/true);
  auto a = Uplink(NewToken("prn-a"));
  auto r = a->SubmitJobs("prn-a", {Job(1)});
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(StoredJobs(), 0);
}

TEST_F(SecureIngestTest, AnUntrustedServerCertificateIsRefusedByTheAgent) {
  Serve("untrusted.pem", /*require_tokens=*/true);
  auto a = Uplink(NewToken("prn-a"));
  auto r = a->SubmitJobs("prn-a", {Job(1)});
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(StoredJobs(), 0);
  // The same server is fine for an agent that trusts its CA.
  auto trusting = Uplink(NewToken("prn-a"), "", "other-ca.pem");
  EXPECT_TRUE(trusting->SubmitJobs("prn-a", {Job(1)}).ok());
}

TEST_F(SecureIngestTest, ClientCertificatesAuthoriseTheServerIdTheyName) {
  Serve("server.pem", /*require_tokens=*/false, "ca.pem");
  // prn-b's certificate sending prn-a's records.
  auto b = Uplink("", "prn-b");
  auto r = b->SubmitJobs("prn-a", {Job(1)});
  EXPECT_EQ(r.status().code(), Status::Code::kPermissionDenied);
  EXPECT_TRUE(Contains(r.status().message(), "names server id 'prn-b', not 'prn-a'"));
  // No client certificate, or one from another CA: the handshake fails.
  EXPECT_EQ(Uplink("")->SubmitJobs("prn-a", {Job(1)}).status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(Uplink("", "rogue-prn-a")->SubmitJobs("prn-a", {Job(1)}).status().code(),
            Status::Code::kUnavailable);
  EXPECT_EQ(StoredJobs(), 0);

  auto a = Uplink("", "prn-a");
  r = a->SubmitJobs("prn-a", {Job(1)});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(StoredJobs(), 1);
}

TEST_F(SecureIngestTest, WithTokensAndClientCertificatesEveryCredentialMustAgree) {
  Serve("server.pem", /*require_tokens=*/true, "ca.pem");
  const std::string token_a = NewToken("prn-a");
  // Either credential alone is enough...
  EXPECT_TRUE(Uplink(token_a)->SubmitJobs("prn-a", {Job(1)}).ok());
  EXPECT_TRUE(Uplink("", "prn-a")->SubmitJobs("prn-a", {Job(2)}).ok());
  // ...none is not, and a certificate for prn-b does not go with prn-a's token.
  EXPECT_EQ(Uplink("")->SubmitJobs("prn-a", {Job(3)}).status().code(),
            Status::Code::kUnauthenticated);
  EXPECT_EQ(Uplink(token_a, "prn-b")->SubmitJobs("prn-a", {Job(3)}).status().code(),
            Status::Code::kPermissionDenied);
  EXPECT_EQ(StoredJobs(), 2);
}

TEST_F(SecureIngestTest, AgentCredentialFilesAreReadAndChecked) {
  const std::string token_file = dir_ + "/agent.token";
  { std::ofstream(token_file) << "  rmt_abc\n"; }
  auto c = agent::LoadUplinkCredentials(Cert("ca.pem"), token_file, Cert("prn-a.pem"),
                                        Cert("prn-a.key"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->token, "rmt_abc");
  EXPECT_EQ(c->root_certs_pem, Read(Cert("ca.pem")));
  EXPECT_FALSE(c->client_key_pem.empty());

  { std::ofstream(token_file) << "\n"; }
  EXPECT_EQ(agent::LoadUplinkCredentials("", token_file, "", "").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(agent::LoadUplinkCredentials("", dir_ + "/missing", "", "").status().code(),
            Status::Code::kIoError);
  EXPECT_EQ(agent::LoadUplinkCredentials(Cert("ca.pem"), "", Cert("prn-a.pem"), "").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(
      agent::LoadUplinkCredentials("", "", Cert("prn-a.pem"), Cert("prn-a.key")).status().code(),
      Status::Code::kInvalidArgument);
}

TEST_F(SecureIngestTest, PlaintextLoopbackWithoutTokensStillWorks) {
  auto server = aggregator::ingest::StartIngestServer("127.0.0.1:0", processor_.get());
  ASSERT_TRUE(server.ok());
  server_ = std::move(*server);
  agent::GrpcUplink plain({"127.0.0.1:" + std::to_string(server_.port), 5000, "test", {}});
  EXPECT_TRUE(plain.SubmitJobs("prn-a", {Job(1)}).ok());
  EXPECT_EQ(StoredJobs(), 1);
}

}  // namespace
}  // namespace ramette

namespace ramette {
namespace {

// `ramette-agent check` says why TLS or the token fails, beyond gRPC's "failed to connect".
TEST_F(SecureIngestTest, CheckNamesAnUnknownIssuer) {
  Serve("untrusted.pem", /*require_tokens=*/true);
  const std::string line = CheckLine(NewToken("prn-a"));
  EXPECT_TRUE(Contains(line, "fail: aggregator 127.0.0.1:")) << line;
  EXPECT_TRUE(Contains(line, "issued by 'ramette test other-ca'")) << line;
  EXPECT_TRUE(Contains(line, "ca_file does not hold (it holds 'ramette test ca')")) << line;
}

TEST_F(SecureIngestTest, CheckNamesAnExpiredCertificate) {
  Serve("expired.pem", /*require_tokens=*/true);
  const std::string line = CheckLine(NewToken("prn-a"));
  EXPECT_TRUE(Contains(line,
                       "certificate (for 'localhost', '127.0.0.1') expired on Jan  2 "
                       "00:00:00 2020 GMT"))
      << line;
}

TEST_F(SecureIngestTest, CheckNamesAHostnameMismatchAndTlsServerNameCuresIt) {
  Serve("named.pem", /*require_tokens=*/true);
  const std::string token = NewToken("prn-a");
  std::string line = CheckLine(token);
  EXPECT_TRUE(Contains(line,
                       "the aggregator's certificate is for 'agg.example.test', not for "
                       "'127.0.0.1'"))
      << line;
  EXPECT_TRUE(Contains(line, "tls_server_name")) << line;
  line = CheckLine(token, "agg.example.test");
  EXPECT_TRUE(Contains(line, "ok: aggregator 127.0.0.1:")) << line;
  EXPECT_TRUE(Contains(line, "accepts server id 'prn-a'")) << line;
  // The name overridden is the one checked: another one is named in the failure.
  line = CheckLine(token, "other.example.test");
  EXPECT_TRUE(Contains(line, "not for 'other.example.test' ([aggregator] tls_server_name)"))
      << line;
  // The uplink the daemon and backfill use takes the same setting.
  agent::UplinkCredentials c;
  c.root_certs_pem = Read(Cert("ca.pem"));
  c.token = token;
  c.server_name = "agg.example.test";
  agent::GrpcUplink uplink({"127.0.0.1:" + std::to_string(server_.port), 5000, "test", c});
  EXPECT_TRUE(uplink.SubmitJobs("prn-a", {Job(1)}).ok());
  EXPECT_EQ(StoredJobs(), 1);
}

TEST_F(SecureIngestTest, CheckNamesARevokedUnknownOrMisboundToken) {
  Serve("server.pem", /*require_tokens=*/true);
  const std::string token = NewToken("prn-a");
  EXPECT_TRUE(Contains(CheckLine(token), "ok: aggregator"));
  ASSERT_EQ(*store_->RevokeAgentTokens(
                aggregator::auth::PublicTokenId(aggregator::auth::HashAgentToken(token)), "", kNow),
            1);
  std::string line = CheckLine(token);
  EXPECT_TRUE(Contains(line, "answers but refuses this agent")) << line;
  EXPECT_TRUE(Contains(line, "was revoked")) << line;
  EXPECT_TRUE(Contains(line, "ramette token create --server-id prn-a")) << line;
  EXPECT_FALSE(Contains(line, token));
  line = CheckLine("rmt_notatokenthisserverknows");
  EXPECT_TRUE(Contains(line, "answers but refuses this agent")) << line;
  line = CheckLine(NewToken("prn-b"));
  EXPECT_TRUE(Contains(line, "answers but refuses this agent")) << line;
  EXPECT_TRUE(Contains(line, "bound to server id 'prn-b', not to 'prn-a'")) << line;
}

TEST_F(SecureIngestTest, CheckNamesAPlaintextAggregatorOrNoneAtAll) {
  aggregator::ingest::IngestAuth auth{store_.get(), false};
  auto server = aggregator::ingest::StartIngestServer("127.0.0.1:0", processor_.get(), {}, auth);
  ASSERT_TRUE(server.ok()) << server.status().message();
  server_ = std::move(*server);
  std::string line = CheckLine("");
  EXPECT_TRUE(Contains(line, "does not answer in TLS")) << line;
  const int port = server_.port;
  server_.server->Shutdown();
  server_ = {};
  line = CheckLine("", "", "ca.pem", "127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(Contains(line, "cannot connect to 127.0.0.1:")) << line;
  EXPECT_TRUE(Contains(line, "Connection refused")) << line;
}

TEST_F(SecureIngestTest, CheckNamesAMissingOrRefusedClientCertificate) {
  Serve("server.pem", /*require_tokens=*/false, "ca.pem");
  EXPECT_TRUE(Contains(CheckLine("", "", "ca.pem", "", "prn-a"), "ok: aggregator"));
  std::string line = CheckLine("");
  EXPECT_TRUE(Contains(line, "requires a client certificate")) << line;
  line = CheckLine("", "", "ca.pem", "", "rogue-prn-a");
  EXPECT_TRUE(Contains(line, "refused this agent's client certificate")) << line;
}

}  // namespace
}  // namespace ramette
