// The whole chain with real processes: a private cupsd, `ramette-aggregator` and `ramette-agent`.
// Every printed job arrives exactly once while the agent is killed with SIGKILL again and again,
// and when the aggregator was down while the jobs printed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "aggregator/store/sqlite_store.h"
#include "tests/cups/private_cupsd.h"

namespace ramette {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AgentSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cupsd = testing::PrivateCupsd::Start();
    ASSERT_TRUE(cupsd.ok()) << cupsd.status().message();
    cupsd_ = std::move(*cupsd);
    ASSERT_TRUE(cupsd_->AddQueue("q1").ok());
    dir_ = cupsd_->dir() + "/system";
    std::filesystem::create_directories(dir_);
    db_ = dir_ + "/ramette.db";
  }
  void TearDown() override {
    testing::StopProcess(agent_, SIGTERM);
    testing::StopProcess(aggregator_, SIGTERM);
  }

  void StartAggregator() {
    std::string log = dir_ + "/aggregator" + std::to_string(++aggregator_starts_) + ".log";
    aggregator_ =
        testing::SpawnProcess({RAMETTE_AGGREGATOR, "--db", db_, "--listen", Listen()}, log);
    for (int i = 0; i < 200 && Slurp(log).find("listening on") == std::string::npos; ++i) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    ASSERT_NE(Slurp(log).find("listening on"), std::string::npos) << Slurp(log);
  }
  void StartAgent() {
    agent_ = testing::SpawnProcess(
        {RAMETTE_AGENT, "--server-id", "prn-test", "--cups-server", cupsd_->socket_path(),
         "--aggregator", Listen(), "--state-dir", dir_ + "/agent-state"},
        dir_ + "/agent.log");
  }
  std::string Listen() {
    if (port_ == 0) port_ = testing::FreePort();  // kept across the aggregator's restarts
    return "127.0.0.1:" + std::to_string(port_);
  }
  // Waits until the store holds `jobs` jobs; returns what it holds then.
  int64_t WaitForJobs(int64_t jobs, seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int64_t n = -1;
    while (std::chrono::steady_clock::now() < deadline) {
      auto store = aggregator::SqliteStore::Open(db_);
      if (store.ok()) {
        auto count = (*store)->CountJobs();
        if (count.ok()) n = *count;
        if (n >= jobs) return n;
      }
      std::this_thread::sleep_for(milliseconds(500));
    }
    return n;
  }

  std::unique_ptr<testing::PrivateCupsd> cupsd_;
  std::string dir_, db_;
  pid_t aggregator_ = -1, agent_ = -1;
  int port_ = 0;
  int aggregator_starts_ = 0;
};

TEST_F(AgentSystemTest, Kill9TheAgentRepeatedlyWhile200JobsPrint) {
  StartAggregator();
  StartAgent();
  const std::string doc = cupsd_->WriteDocument(1);
  std::thread killer;
  std::atomic<bool> printing{true};
  int kills = 0;
  killer = std::thread([&] {
    std::mt19937 rng(42);
    while (printing) {
      std::this_thread::sleep_for(milliseconds(200 + rng() % 600));
      testing::StopProcess(agent_, SIGKILL);
      ++kills;
      StartAgent();
    }
  });
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(cupsd_->Print("q1", doc).ok());
  }
  printing = false;
  killer.join();
  EXPECT_GE(kills, 5);
  EXPECT_EQ(WaitForJobs(200, seconds(120)), 200) << Slurp(dir_ + "/agent.log").substr(0, 4000);
  std::this_thread::sleep_for(seconds(3));  // nothing more may arrive
  EXPECT_EQ(WaitForJobs(201, seconds(1)), 200);
}

// Each kind of job, printed for real and stored through agent and aggregator, against
// hand-computed sheets (CUPS's own job-media-sheets-completed is in the comments).
TEST_F(AgentSystemTest, ExactSheetsForEachKindOfJob) {
  // A queue with a duplexer whose driver default is two-sided (and Letter): a job that names no
  // sides is printed two-sided, and cupsd leaves sides out of the job's attributes; the agent
  // takes the queue's sides-default. Media stays the job's: none counts as A4 (DESIGN.md).
  ASSERT_TRUE(
      cupsd_->AddQueue("duplex", {"-o", "Option1=True", "-o", "Duplex=DuplexNoTumble"}).ok());
  StartAggregator();
  StartAgent();
  struct Kind {
    int pages;
    std::vector<std::string> options;
    int64_t sheets;
    int64_t area_um2;
    std::string queue = "q1";
  };
  const int64_t a4 = 210000LL * 297000, a3 = 297000LL * 420000;
  const std::vector<Kind> kinds = {
      {4, {"-o", "sides=one-sided"}, 4, a4},                       // CUPS: 4
      {3, {"-n", "3", "-o", "sides=two-sided-long-edge"}, 6, a4},  // 9 impressions, CUPS: 4
      {1, {"-o", "sides=two-sided-short-edge"}, 1, a4},            // CUPS: 0
      {5, {"-o", "sides=two-sided-long-edge"}, 3, a4},             // CUPS: 2
      {2, {"-o", "media=A3", "-o", "sides=one-sided"}, 2, a3},     // A3
      {5, {"-o", "number-up=2", "-o", "sides=one-sided"}, 3, a4},  // 3 impressions
      {4, {"-n", "2", "-o", "number-up=2", "-o", "sides=two-sided-long-edge"}, 2, a4},
      {5, {}, 3, a4, "duplex"},                         // the queue's sides-default
      {5, {"-o", "sides=one-sided"}, 5, a4, "duplex"},  // the job's sides win
      {3, {"-o", "media=A3"}, 2, a3, "duplex"},
  };
  std::vector<int> ids;
  for (const Kind& k : kinds) {
    auto id = cupsd_->Print(k.queue, cupsd_->WriteDocument(k.pages), k.options);
    ASSERT_TRUE(id.ok()) << id.status().message();
    ids.push_back(*id);
  }
  ASSERT_EQ(WaitForJobs(static_cast<int64_t>(kinds.size()), seconds(60)),
            static_cast<int64_t>(kinds.size()));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  for (size_t i = 0; i < kinds.size(); ++i) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "SELECT sheets, area_um2 FROM jobs WHERE cups_job_id = ?", -1, &s,
                       nullptr);
    sqlite3_bind_int(s, 1, ids[i]);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW) << "job " << ids[i];
    EXPECT_EQ(sqlite3_column_int64(s, 0), kinds[i].sheets) << "kind " << i;
    EXPECT_EQ(sqlite3_column_int64(s, 1), kinds[i].area_um2) << "kind " << i;
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
}

TEST_F(AgentSystemTest, AggregatorDownWhileJobsPrintThenStarted) {
  StartAgent();
  const std::string doc = cupsd_->WriteDocument(2);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(cupsd_->Print("q1", doc).ok());
  std::this_thread::sleep_for(seconds(8));  // captured into the outbox; sends keep failing
  StartAggregator();
  EXPECT_EQ(WaitForJobs(20, seconds(150)), 20);
}

}  // namespace
}  // namespace ramette
