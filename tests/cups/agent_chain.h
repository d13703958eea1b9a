// A base test fixture for the whole chain with real processes: a private cupsd with queue "q1",
// one or more `ramette-aggregator`s on loopback ports kept across their restarts, all on one
// database (a SQLite file, or a private PostgreSQL server: tests/test_database.h), and
// `ramette-agent` with a state directory of its own, sending through one aggregator at a time.
// Both programs' paths come from RAMETTE_AGENT and RAMETTE_AGGREGATOR (compile definitions).
// Needs root (cupsd).
#ifndef RAMETTE_TESTS_CUPS_AGENT_CHAIN_H_
#define RAMETTE_TESTS_CUPS_AGENT_CHAIN_H_

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/cups/private_cupsd.h"
#include "tests/test_database.h"

namespace ramette::testing {

struct ChainOptions {
  Engine engine = Engine::kSqlite;
  int aggregators = 1;              // all on the same database
  bool page_log = false;            // cupsd writes page_log (for backfills)
  bool preserve_job_files = false;  // finished jobs can be restarted (reprints)
};

class AgentChainTest : public ::testing::Test {
 protected:
  explicit AgentChainTest(ChainOptions options = {}) : options_(options) {}

  void SetUp() override {
    PrivateCupsdOptions cupsd_options;
    cupsd_options.page_log = options_.page_log;
    cupsd_options.preserve_job_files = options_.preserve_job_files;
    // No limit on the history cupsd keeps: the tests compare what is stored with every job
    // cupsd finished (lpstat), and a fast machine prints more than MaxJobs' default 500 jobs.
    cupsd_options.max_jobs = 0;
    auto cupsd = PrivateCupsd::Start(cupsd_options);
    ASSERT_TRUE(cupsd.ok()) << cupsd.status().message();
    cupsd_ = std::move(*cupsd);
    ASSERT_TRUE(cupsd_->AddQueue("q1").ok());
    dir_ = cupsd_->dir() + "/system";
    std::filesystem::create_directories(dir_);
    state_dir_ = dir_ + "/agent-state";
    auto databases = TestDatabases::Start(options_.engine, dir_);
    if (databases.status().code() == Status::Code::kFailedPrecondition) {
      GTEST_SKIP() << databases.status().message();
    }
    ASSERT_TRUE(databases.ok()) << databases.status().message();
    databases_ = std::move(*databases);
    auto db = databases_->Create("chain");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = *db;
    aggregators_.resize(options_.aggregators);
  }
  void TearDown() override {
    StopProcess(agent_, SIGTERM);
    for (Aggregator& a : aggregators_) {
      if (a.pid > 0) kill(a.pid, SIGCONT);  // in case a test froze it
      StopProcess(a.pid, SIGTERM);
    }
  }

  // Starts aggregator `which` and waits until it listens.
  void StartAggregator(int which = 0) {
    Aggregator& a = aggregators_.at(which);
    std::string log =
        dir_ + "/aggregator" + std::to_string(which) + "-" + std::to_string(++a.starts) + ".log";
    a.pid = SpawnProcess({RAMETTE_AGGREGATOR, "--db", db_, "--listen", Listen(which)}, log);
    for (int i = 0; i < 400 && Slurp(log).find("listening on") == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ASSERT_NE(Slurp(log).find("listening on"), std::string::npos) << Slurp(log);
  }
  void StartAggregators() {
    for (int i = 0; i < static_cast<int>(aggregators_.size()); ++i) StartAggregator(i);
  }
  // Starts the agent sending through aggregator `through` (it logs to agent.log, appended across
  // its restarts).
  void StartAgent(int through = 0) {
    agent_ = SpawnProcess(
        {RAMETTE_AGENT, "--server-id", "prn-test", "--cups-server", cupsd_->socket_path(),
         "--aggregator", Listen(through), "--state-dir", state_dir_},
        agent_log());
  }
  std::string agent_log() const { return dir_ + "/agent.log"; }
  // "127.0.0.1:PORT" of aggregator `which`: a port chosen once, kept across its restarts.
  std::string Listen(int which = 0) {
    int& port = aggregators_.at(which).port;
    if (port == 0) port = FreePort();
    return "127.0.0.1:" + std::to_string(port);
  }
  pid_t& aggregator_pid(int which = 0) { return aggregators_.at(which).pid; }

  // Prints one-page jobs every `pace` until `stop` (and at least `at_least` of them), retrying
  // while cupsd restarts; returns when done.
  void PrintStream(std::atomic<bool>& stop, std::chrono::milliseconds pace, int at_least = 0) {
    const std::string doc = cupsd_->WriteDocument(1);
    int printed = 0;
    while (!stop || printed < at_least) {
      if (cupsd_->Print("q1", doc).ok()) ++printed;
      std::this_thread::sleep_for(pace);
    }
  }

  // With the chain running and jobs printing every `pace` (at least 100), kills `victim` with
  // SIGKILL `kills` times, each after a random wait in [min_wait, min_wait + spread) (seeded),
  // and calls `restart(k)` after kill k; the stream then stops. `before_kill`, when given, runs
  // between the wait and the kill (to pick the moment).
  void KillDuringAStream(pid_t& victim, const std::function<void(int)>& restart, int kills,
                         std::chrono::milliseconds min_wait, std::chrono::milliseconds spread,
                         std::chrono::milliseconds pace, unsigned seed,
                         const std::function<void()>& before_kill = {}) {
    std::atomic<bool> done{false};
    std::thread printer([&] { PrintStream(done, pace, 100); });
    std::mt19937 rng(seed);
    for (int kill = 0; kill < kills; ++kill) {
      std::this_thread::sleep_for(min_wait + std::chrono::milliseconds(rng() % spread.count()));
      if (before_kill) before_kill();
      StopProcess(victim, SIGKILL);
      restart(kill);
    }
    done = true;
    printer.join();
  }

  // The CUPS job ids of the stored jobs of `server`, one entry per stored job (a job stored
  // twice would appear twice); empty when the database cannot be read yet.
  std::multiset<int> StoredJobIds(const std::string& server = "prn-test") {
    return databases_->StoredJobIds(db_, server);
  }

  // The ids of the jobs cupsd has finished (completed, cancelled or aborted): what was printed,
  // whatever lp answered while cupsd was restarting.
  std::vector<int> CupsdFinishedJobIds() {
    std::vector<int> ids;
    // The last jobs printed may still be processing: wait until none is (at most 30 s).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto pending = RunCommand("lpstat -h " + cupsd_->server() + " -W not-completed -o");
      if (pending.ok() && pending->empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto finished = cupsd_->FinishedJobIds();
    EXPECT_TRUE(finished.ok()) << finished.status().message();
    if (finished.ok()) ids = *std::move(finished);
    return ids;
  }

  // Waits until the store holds `jobs` jobs; returns what it holds then (-1: not readable).
  int64_t WaitForJobs(int64_t jobs, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int64_t n = -1;
    while (std::chrono::steady_clock::now() < deadline) {
      n = databases_->CountJobs(db_);
      if (n >= jobs) return n;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return n;
  }

  // Waits until exactly the jobs `printed` are stored for `server`, each once; fails the test
  // otherwise, naming what is missing or doubled.
  void ExpectExactlyOnce(const std::vector<int>& printed, std::chrono::seconds timeout,
                         const std::string& server = "prn-test") {
    const std::multiset<int> want(printed.begin(), printed.end());
    std::multiset<int> got;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      got = StoredJobIds(server);
      if (got.size() >= want.size()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));  // nothing more may arrive
    got = StoredJobIds(server);
    std::vector<int> missing, extra;
    for (int id : want) {
      if (!got.contains(id)) missing.push_back(id);
    }
    for (auto it = got.begin(); it != got.end(); it = got.upper_bound(*it)) {
      if (got.count(*it) > 1 || !want.contains(*it)) extra.push_back(*it);
    }
    EXPECT_EQ(got.size(), want.size()) << server;
    EXPECT_TRUE(missing.empty()) << missing.size() << " jobs of " << server << " lost, first "
                                 << missing.front() << "\n"
                                 << Slurp(agent_log()).substr(0, 6000);
    EXPECT_TRUE(extra.empty()) << extra.size() << " jobs of " << server
                               << " stored twice or not finished by cupsd, first " << extra.front()
                               << " (stored " << got.count(extra.front()) << " times)";
  }

  struct Aggregator {
    pid_t pid = -1;
    int port = 0;
    int starts = 0;
  };

  const ChainOptions options_;
  std::unique_ptr<PrivateCupsd> cupsd_;
  std::unique_ptr<TestDatabases> databases_;
  std::string dir_, db_, state_dir_;
  std::vector<Aggregator> aggregators_;
  pid_t agent_ = -1;
};

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_CUPS_AGENT_CHAIN_H_
