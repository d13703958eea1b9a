// A base test fixture for the whole chain with real processes: a private cupsd with queue "q1",
// `ramette-aggregator` on a loopback port kept across its restarts, and `ramette-agent` with a
// state directory of its own. Both programs' paths come from RAMETTE_AGENT and
// RAMETTE_AGGREGATOR (compile definitions). Needs root (cupsd).
#ifndef RAMETTE_TESTS_CUPS_AGENT_CHAIN_H_
#define RAMETTE_TESTS_CUPS_AGENT_CHAIN_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "aggregator/store/sqlite_store.h"
#include "tests/cups/private_cupsd.h"

namespace ramette::testing {

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AgentChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cupsd = PrivateCupsd::Start();
    ASSERT_TRUE(cupsd.ok()) << cupsd.status().message();
    cupsd_ = std::move(*cupsd);
    ASSERT_TRUE(cupsd_->AddQueue("q1").ok());
    dir_ = cupsd_->dir() + "/system";
    std::filesystem::create_directories(dir_);
    db_ = dir_ + "/ramette.db";
    state_dir_ = dir_ + "/agent-state";
  }
  void TearDown() override {
    StopProcess(agent_, SIGTERM);
    StopProcess(aggregator_, SIGTERM);
  }

  // Starts the aggregator and waits until it listens.
  void StartAggregator() {
    std::string log = dir_ + "/aggregator" + std::to_string(++aggregator_starts_) + ".log";
    aggregator_ = SpawnProcess({RAMETTE_AGGREGATOR, "--db", db_, "--listen", Listen()}, log);
    for (int i = 0; i < 400 && Slurp(log).find("listening on") == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ASSERT_NE(Slurp(log).find("listening on"), std::string::npos) << Slurp(log);
  }
  // Starts the agent (it logs to agent.log, appended across its restarts).
  void StartAgent() {
    agent_ =
        SpawnProcess({RAMETTE_AGENT, "--server-id", "prn-test", "--cups-server",
                      cupsd_->socket_path(), "--aggregator", Listen(), "--state-dir", state_dir_},
                     agent_log());
  }
  std::string agent_log() const { return dir_ + "/agent.log"; }
  std::string Listen() {
    if (port_ == 0) port_ = FreePort();  // kept across the aggregator's restarts
    return "127.0.0.1:" + std::to_string(port_);
  }

  // The CUPS job ids of the stored jobs of prn-test, one entry per stored job (a job stored
  // twice would appear twice); empty when the database cannot be read yet.
  std::multiset<int> StoredJobIds() {
    std::multiset<int> ids;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_busy_timeout(db, 5000);
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(db,
                             "SELECT cups_job_id FROM jobs JOIN servers ON servers.id = "
                             "jobs.server_id WHERE servers.name = 'prn-test'",
                             -1, &s, nullptr) == SQLITE_OK) {
        while (sqlite3_step(s) == SQLITE_ROW) ids.insert(sqlite3_column_int(s, 0));
      }
      sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return ids;
  }

  // The ids of the jobs cupsd has finished (completed, cancelled or aborted): what was printed,
  // whatever lp answered while cupsd was restarting.
  std::vector<int> CupsdFinishedJobIds() {
    std::vector<int> ids;
    auto out = RunCommand("lpstat -h " + cupsd_->server() + " -W completed -o");
    EXPECT_TRUE(out.ok()) << out.status().message();
    if (!out.ok()) return ids;
    std::istringstream lines(*out);
    std::string line;
    while (std::getline(lines, line)) {
      const std::string first = line.substr(0, line.find(' '));  // "q1-12"
      const size_t dash = first.rfind('-');
      if (dash != std::string::npos) ids.push_back(std::atoi(first.c_str() + dash + 1));
    }
    return ids;
  }

  // Waits until the store holds `jobs` jobs; returns what it holds then.
  int64_t WaitForJobs(int64_t jobs, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int64_t n = -1;
    while (std::chrono::steady_clock::now() < deadline) {
      auto store = aggregator::SqliteStore::Open(db_);
      if (store.ok()) {
        auto count = (*store)->CountJobs();
        if (count.ok()) n = *count;
        if (n >= jobs) return n;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return n;
  }

  // Waits until exactly the jobs `printed` are stored, each once; fails the test otherwise,
  // naming what is missing or doubled.
  void ExpectExactlyOnce(const std::vector<int>& printed, std::chrono::seconds timeout) {
    const std::multiset<int> want(printed.begin(), printed.end());
    std::multiset<int> got;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      got = StoredJobIds();
      if (got.size() >= want.size()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));  // nothing more may arrive
    got = StoredJobIds();
    std::vector<int> missing, extra;
    for (int id : want) {
      if (!got.contains(id)) missing.push_back(id);
    }
    for (auto it = got.begin(); it != got.end(); it = got.upper_bound(*it)) {
      if (got.count(*it) > 1 || !want.contains(*it)) extra.push_back(*it);
    }
    EXPECT_EQ(got.size(), want.size());
    EXPECT_TRUE(missing.empty()) << missing.size() << " jobs lost, first " << missing.front()
                                 << "\n"
                                 << Slurp(agent_log()).substr(0, 6000);
    EXPECT_TRUE(extra.empty()) << extra.size() << " jobs stored twice or unknown, first "
                               << extra.front();
  }

  std::unique_ptr<PrivateCupsd> cupsd_;
  std::string dir_, db_, state_dir_;
  pid_t aggregator_ = -1, agent_ = -1;
  int port_ = 0;
  int aggregator_starts_ = 0;
};

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_CUPS_AGENT_CHAIN_H_
