// ramette-agent's exit status when it cannot start: 78 (EX_CONFIG, systemd does not restart)
// only for what the operator must fix, 75 (EX_TEMPFAIL, restarted) for what may pass, such as
// an I/O error opening the outbox. The real binary, neither cupsd nor an aggregator needed: the
// outbox is opened first.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using ::testing::HasSubstr;

class AgentExitCodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ramette-exit-XXXXXX";
    dir_ = mkdtemp(tmpl);
    state_ = dir_ + "/state";
    std::filesystem::create_directories(state_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs the agent (30 s at most) with `extra` arguments; returns its exit status, *log stderr.
  int RunAgent(const std::string& extra, std::string* log,
               const std::string& aggregator = "127.0.0.1:1") {
    const std::string log_path = dir_ + "/agent.log";
    const std::string cmd = std::string("timeout 30 ") + RAMETTE_AGENT +
                            " --server-id prn-exit --cups-server 127.0.0.1:1 --aggregator " +
                            aggregator + " --state-dir " + state_ + " " + extra + " >/dev/null 2>" +
                            log_path;
    const int status = std::system(cmd.c_str());
    std::ifstream in(log_path);
    std::stringstream ss;
    ss << in.rdbuf();
    *log = ss.str();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string dir_, state_;
};

TEST_F(AgentExitCodeTest, AnIoErrorOnTheOutboxIsTemporary) {
  // The outbox is built as outbox.db.new and moved into place; a folder there (left by a
  // careless hand) cannot be removed: an I/O error, as a full or read-only disk gives.
  std::filesystem::create_directories(state_ + "/outbox.db.new/x");
  std::string log;
  EXPECT_EQ(RunAgent("", &log), 75) << log;
  EXPECT_THAT(log, HasSubstr("outbox.db.new"));
}

TEST_F(AgentExitCodeTest, ADamagedOutboxIsForTheOperator) {
  std::ofstream(state_ + "/outbox.db") << "not an outbox, not a database either";
  std::string log;
  EXPECT_EQ(RunAgent("", &log), 78) << log;
  EXPECT_THAT(log, HasSubstr("outbox"));
}

TEST_F(AgentExitCodeTest, AFolderAsTheOutboxIsForTheOperator) {
  std::filesystem::create_directories(state_ + "/outbox.db");
  std::string log;
  EXPECT_EQ(RunAgent("", &log), 78) << log;
}

TEST_F(AgentExitCodeTest, ConfigurationErrorsExit78) {
  std::string log;
  EXPECT_EQ(RunAgent("--config " + dir_ + "/missing.toml", &log), 78) << log;
  std::ofstream(dir_ + "/bad.toml") << "[aggregator]\ntls_server_name = \"agg.example.test\"\n";
  EXPECT_EQ(RunAgent("--config " + dir_ + "/bad.toml", &log), 78) << log;
  EXPECT_THAT(log, HasSubstr("tls_server_name needs ca_file"));
  // gRPC would take port 99999 modulo 65536 without a word.
  EXPECT_EQ(RunAgent("", &log, "127.0.0.1:99999"), 78) << log;
  EXPECT_THAT(log, HasSubstr("the port must be a number from 1 to 65535"));
  EXPECT_EQ(RunAgent("check", &log, "127.0.0.1:99999"), 78) << log;
}

}  // namespace
