// `ramette-agent check`, the real binary, against a private cupsd: without an aggregator (exit 1,
// the aggregator line fails, no outbox yet), then with a running aggregator and an outbox the
// daemon made (exit 0, every line ok), and the aggregator's `ramette status` sees the agent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "tests/cups/private_cupsd.h"

namespace ramette {
namespace {

using ::ramette::testing::Slurp;
using ::testing::HasSubstr;
using ::testing::Not;

// Runs `command` through the shell; returns its exit status and stdout.
int RunShell(const std::string& command, std::string* out) {
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  out->clear();
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class AgentCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::PrivateCupsdOptions options;
    options.page_log = true;
    auto cupsd = testing::PrivateCupsd::Start(options);
    ASSERT_TRUE(cupsd.ok()) << cupsd.status().message();
    cupsd_ = std::move(*cupsd);
    ASSERT_TRUE(cupsd_->AddQueue("q1").ok());
    dir_ = cupsd_->dir() + "/check";
    std::filesystem::create_directories(dir_);
    listen_ = "127.0.0.1:" + std::to_string(testing::FreePort());
  }
  void TearDown() override {
    testing::StopProcess(agent_, SIGTERM);
    testing::StopProcess(aggregator_, SIGTERM);
  }
  std::string Check(int* rc) {
    std::string out;
    *rc = RunShell(std::string(RAMETTE_AGENT) + " check --server-id prn-check --cups-server " +
                       cupsd_->socket_path() + " --aggregator " + listen_ + " --state-dir " + dir_ +
                       "/state --cupsd-conf " + cupsd_->dir() + "/cupsd.conf 2>/dev/null",
                   &out);
    return out;
  }

  // `ramette status --format json` of `db`, once it counts a job today (or after 60 s).
  static std::string StatusOnceAJobIsStored(const std::string& db) {
    std::string status;
    for (int i = 0; i < 120; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      RunShell(std::string(RAMETTE_CLI) + " --db " + db + " status --format json 2>/dev/null",
               &status);
      if (status.find("\"jobs_today\":1") != std::string::npos) break;
    }
    return status;
  }

  std::unique_ptr<testing::PrivateCupsd> cupsd_;
  std::string dir_, listen_;
  pid_t aggregator_ = -1, agent_ = -1;
};

TEST_F(AgentCheckTest, WithoutThenWithAnAggregator) {
  auto job = cupsd_->Print("q1", cupsd_->WriteDocument(1));
  ASSERT_TRUE(job.ok()) << job.status().message();

  int rc = 0;
  std::string out = Check(&rc);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_THAT(out, HasSubstr("ok: cupsd at " + cupsd_->socket_path() + " answers (1 queues)\n"));
  EXPECT_THAT(out, HasSubstr("ok: cupsd shows user and job names"));
  EXPECT_THAT(out, HasSubstr("ok: page logging is on"));
  EXPECT_THAT(out, HasSubstr("ok: MaxJobs 500 is safe\n"));
  EXPECT_THAT(out, HasSubstr("fail: aggregator " + listen_ + " is not reachable"));
  EXPECT_THAT(out, HasSubstr("warn: no outbox at " + dir_ + "/state/outbox.db"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/state/outbox.db")) << "check never creates one";

  // An aggregator, and the daemon run long enough to capture the job and make its outbox.
  const std::string db = dir_ + "/ramette.db";
  const std::string agg_log = dir_ + "/aggregator.log";
  aggregator_ =
      testing::SpawnProcess({RAMETTE_AGGREGATOR, "--db", db, "--listen", listen_}, agg_log);
  for (int i = 0; i < 200 && Slurp(agg_log).find("listening on") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  agent_ = testing::SpawnProcess(
      {RAMETTE_AGENT, "--server-id", "prn-check", "--cups-server", cupsd_->socket_path(),
       "--aggregator", listen_, "--state-dir", dir_ + "/state"},
      dir_ + "/agent.log");
  const std::string status = StatusOnceAJobIsStored(db);
  EXPECT_THAT(status, HasSubstr("\"server\":\"prn-check\"")) << Slurp(dir_ + "/agent.log");
  EXPECT_THAT(status, HasSubstr("\"jobs_today\":1"));
  EXPECT_THAT(status, HasSubstr("\"outbox_records\":0"));  // the heartbeat's backlog
  testing::StopProcess(agent_, SIGTERM);

  out = Check(&rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("ok: aggregator " + listen_ + " accepts server id 'prn-check'\n"));
  EXPECT_THAT(out, HasSubstr("ok: outbox is empty"));
  EXPECT_THAT(out, Not(HasSubstr("fail:")));
  EXPECT_THAT(out, Not(HasSubstr("warn:")));

  // The agent's logs carry no document title.
  EXPECT_THAT(Slurp(dir_ + "/agent.log"), Not(HasSubstr(".ps")));
}

// A fresh print server: cupsd runs but has no queue yet. `check` says so (not "not reachable"),
// and the daemon, started before any queue exists, captures the first queue's jobs.
TEST_F(AgentCheckTest, NoQueuesYet) {
  ASSERT_TRUE(cupsd_->DeleteQueue("q1").ok());
  int rc = 0;
  std::string out = Check(&rc);
  EXPECT_THAT(
      out, HasSubstr("warn: cupsd at " + cupsd_->socket_path() + " answers but has no queues yet"))
      << out;
  EXPECT_THAT(out, Not(HasSubstr("not reachable: CUPS-Get-Printers")));

  const std::string db = dir_ + "/ramette.db";
  aggregator_ = testing::SpawnProcess({RAMETTE_AGGREGATOR, "--db", db, "--listen", listen_},
                                      dir_ + "/aggregator.log");
  agent_ = testing::SpawnProcess(
      {RAMETTE_AGENT, "--server-id", "prn-new", "--cups-server", cupsd_->socket_path(),
       "--aggregator", listen_, "--state-dir", dir_ + "/state"},
      dir_ + "/agent.log");
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the agent polls an empty cupsd
  ASSERT_TRUE(cupsd_->AddQueue("first").ok());
  auto job = cupsd_->Print("first", cupsd_->WriteDocument(1));
  ASSERT_TRUE(job.ok()) << job.status().message();
  const std::string status = StatusOnceAJobIsStored(db);
  EXPECT_THAT(status, HasSubstr("\"jobs_today\":1")) << Slurp(dir_ + "/agent.log");
  EXPECT_THAT(Slurp(dir_ + "/agent.log"), Not(HasSubstr("listing cupsd queues")));
}

}  // namespace
}  // namespace ramette
