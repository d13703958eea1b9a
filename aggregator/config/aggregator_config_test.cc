// Configuration parsing: defaults, a full file, typos and wrong types, the loopback rule.
#include "aggregator/config/aggregator_config.h"

#include <gtest/gtest.h>

namespace ramette::aggregator {
namespace {

TEST(AggregatorConfigTest, EmptyFileKeepsDefaults) {
  auto c = ParseAggregatorConfig("", "agg.toml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->listen, "127.0.0.1:50551");
  EXPECT_EQ(c->database, "ramette.db");
  EXPECT_EQ(c->time_zone, "Europe/Paris");
  EXPECT_FALSE(c->store_titles);
  EXPECT_EQ(c->metrics_listen, "127.0.0.1:9464");
}

TEST(AggregatorConfigTest, FullFile) {
  auto c = ParseAggregatorConfig(R"(
[server]
listen = "127.0.0.1:6000"
[storage]
database = "/var/lib/ramette/ramette.db"
[organisation]
time_zone = "America/Cayenne"
[privacy]
store_titles = true
[log]
level = "debug"
[metrics]
listen = ""
)",
                                 "agg.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->listen, "127.0.0.1:6000");
  EXPECT_EQ(c->database, "/var/lib/ramette/ramette.db");
  EXPECT_EQ(c->time_zone, "America/Cayenne");
  EXPECT_TRUE(c->store_titles);
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->metrics_listen, "");
}

TEST(AggregatorConfigTest, TyposAndTypesAreErrorsWithLine) {
  auto c = ParseAggregatorConfig("[server]\nlisten = \"127.0.0.1:1\"\nlisen = \"x\"\n", "a.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "a.toml:3: unknown key 'server.lisen'");
  c = ParseAggregatorConfig("[privacy]\nstore_titles = \"yes\"\n", "a.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("a.toml:2"), std::string::npos);
  c = ParseAggregatorConfig("[server\n", "a.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("a.toml:1"), std::string::npos);
}

TEST(AggregatorConfigTest, LoopbackRule) {
  EXPECT_TRUE(IsLoopbackListenAddress("127.0.0.1:50551"));
  EXPECT_TRUE(IsLoopbackListenAddress("127.1.2.3:0"));
  EXPECT_TRUE(IsLoopbackListenAddress("localhost:50551"));
  EXPECT_TRUE(IsLoopbackListenAddress("[::1]:50551"));
  EXPECT_FALSE(IsLoopbackListenAddress("0.0.0.0:50551"));
  EXPECT_FALSE(IsLoopbackListenAddress("[::]:50551"));
  EXPECT_FALSE(IsLoopbackListenAddress("192.168.1.10:50551"));
  EXPECT_FALSE(IsLoopbackListenAddress("127.evil.com:50551"));
  Status s = CheckListenAllowed("0.0.0.0:50551");
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("without TLS and agent tokens"), std::string::npos);
  EXPECT_TRUE(CheckListenAllowed("127.0.0.1:0").ok());
}

}  // namespace
}  // namespace ramette::aggregator
