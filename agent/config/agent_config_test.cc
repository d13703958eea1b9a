// Agent configuration: defaults, a full file, typos, types and ranges, an absent default file.
#include "agent/config/agent_config.h"

#include <gtest/gtest.h>

namespace ramette::agent {
namespace {

TEST(AgentConfigTest, Defaults) {
  auto c = ParseAgentConfig("", "agent.toml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->aggregator, "127.0.0.1:50551");
  EXPECT_EQ(c->state_dir, "ramette-agent-state");
  EXPECT_TRUE(c->server_id.empty());
  EXPECT_FALSE(c->send_titles);
  EXPECT_EQ(c->deadline_seconds, 10);
}

TEST(AgentConfigTest, FullFile) {
  auto c = ParseAgentConfig(R"(
[agent]
server_id = "prn-siege"
state_dir = "/var/lib/ramette/agent"
[cups]
server = "/run/cups/cups.sock"
send_titles = true
max_poll_seconds = 2
[aggregator]
address = "aggregator.example.org:50551"
deadline_seconds = 20
[outbox]
max_records = 50000
max_mb = 64
[log]
level = "debug"
)",
                            "agent.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->server_id, "prn-siege");
  EXPECT_EQ(c->state_dir, "/var/lib/ramette/agent");
  EXPECT_EQ(c->cups_server, "/run/cups/cups.sock");
  EXPECT_TRUE(c->send_titles);
  EXPECT_EQ(c->max_poll_seconds, 2);
  EXPECT_EQ(c->aggregator, "aggregator.example.org:50551");
  EXPECT_EQ(c->deadline_seconds, 20);
  EXPECT_EQ(c->outbox_max_records, 50000);
  EXPECT_EQ(c->outbox_max_mb, 64);
  EXPECT_EQ(c->log_level, "debug");
}

TEST(AgentConfigTest, Errors) {
  auto c = ParseAgentConfig("[cups]\nsend_title = true\n", "a.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "a.toml:2: unknown key 'cups.send_title'");
  c = ParseAgentConfig("[aggregator]\ndeadline_seconds = \"10\"\n", "a.toml");
  EXPECT_EQ(c.status().message(), "a.toml:2: 'aggregator.deadline_seconds' must be an integer");
  c = ParseAgentConfig("[cups]\nmax_poll_seconds = 0\n", "a.toml");
  EXPECT_EQ(c.status().message(), "a.toml:2: 'cups.max_poll_seconds' must be between 1 and 60");
}

TEST(AgentConfigTest, AbsentDefaultFileMeansDefaults) {
  auto c = LoadAgentConfig("/nonexistent/agent.toml", false);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->aggregator, "127.0.0.1:50551");
  EXPECT_FALSE(LoadAgentConfig("/nonexistent/agent.toml", true).ok());
  EXPECT_FALSE(HostName().empty());
}

TEST(AgentConfigTest, SecurityKeysAndThePlaintextRule) {
  auto c = ParseAgentConfig(R"(
[aggregator]
address = "aggregator.example.org:50551"
ca_file = "/etc/ramette/tls/ca.pem"
token_file = "/etc/ramette/agent.token"
cert_file = "/etc/ramette/tls/prn-a.pem"
key_file = "/etc/ramette/tls/prn-a.key"
tls_server_name = "agg.example.test"
)",
                            "a.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->tls_server_name, "agg.example.test");
  EXPECT_EQ(c->ca_file, "/etc/ramette/tls/ca.pem");
  EXPECT_EQ(c->token_file, "/etc/ramette/agent.token");
  EXPECT_EQ(c->cert_file, "/etc/ramette/tls/prn-a.pem");
  EXPECT_EQ(c->key_file, "/etc/ramette/tls/prn-a.key");
  EXPECT_TRUE(CheckAggregatorAddress(*c).ok());
  c->ca_file.clear();
  Status s = CheckAggregatorAddress(*c);
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("ca_file"), std::string::npos);
  for (const char* loopback : {"127.0.0.1:50551", "127.1.2.3:1", "localhost:50551", "[::1]:1"}) {
    c->aggregator = loopback;
    EXPECT_TRUE(CheckAggregatorAddress(*c).ok()) << loopback;
  }
  c->aggregator = "127.evil.com:50551";
  EXPECT_FALSE(CheckAggregatorAddress(*c).ok());
}

TEST(AgentConfigTest, TheAggregatorAddressIsHostAndPort) {
  AgentConfig c;
  for (const char* good : {"127.0.0.1:50551", "localhost:1", "[::1]:65535"}) {
    c.aggregator = good;
    EXPECT_TRUE(CheckAggregatorAddress(c).ok()) << good;
  }
  c.ca_file = "/etc/ramette/tls/ca.pem";
  c.aggregator = "dns:///agg.example.org:50551";  // a gRPC target URI is gRPC's to parse
  EXPECT_TRUE(CheckAggregatorAddress(c).ok());
  for (const char* bad : {"127.0.0.1:99999", "127.0.0.1:65536", "127.0.0.1:0", "127.0.0.1:",
                          "127.0.0.1", ":50551", "agg.example.org:http", "::1:50551"}) {
    c.aggregator = bad;
    Status s = CheckAggregatorAddress(c);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("expected HOST:PORT"), std::string::npos) << s.message();
  }
  c.aggregator = "10.0.0.5:50551";
  c.tls_server_name = "agg.example.test";
  EXPECT_TRUE(CheckAggregatorAddress(c).ok());
  for (const char* bad : {"agg.example.test:50551", "agg example", "agg\nforged"}) {
    c.tls_server_name = bad;
    EXPECT_EQ(CheckAggregatorAddress(c).code(), Status::Code::kInvalidArgument) << bad;
  }
}

TEST(AgentConfigTest, ADirectoryIsNotAConfigurationFile) {
  for (bool required : {true, false}) {
    auto c = LoadAgentConfig("/tmp", required);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().message(), "configuration file /tmp is a directory");
  }
}

TEST(AgentConfigTest, ServerIdIsCheckedAtStartAndDefaultsToTheHostName) {
  bool defaulted = true;
  auto id = ResolveServerId("prn-rdc", &defaulted);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "prn-rdc");
  EXPECT_FALSE(defaulted);
  id = ResolveServerId("", &defaulted);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, HostName());
  EXPECT_TRUE(defaulted);
  // A control character would make every call fail at the aggregator: refused at start.
  id = ResolveServerId("prn\nrdc", &defaulted);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().message(), "server id 'prn\\x0ardc': control character in server id");
  EXPECT_FALSE(ResolveServerId(std::string(256, 'a'), &defaulted).ok());
  EXPECT_FALSE(ResolveServerId("bad\xff", &defaulted).ok());
}

}  // namespace
}  // namespace ramette::agent
