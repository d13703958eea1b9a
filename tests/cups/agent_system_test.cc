// The whole chain with real processes: a private cupsd, `ramette-aggregator` and `ramette-agent`.
// Every printed job arrives exactly once while the agent is killed with SIGKILL again and again,
// and when the aggregator was down while the jobs printed; and over TLS with an agent token, as
// in production.
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
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "tests/cups/agent_chain.h"

namespace ramette {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

using testing::Slurp;

class AgentSystemTest : public testing::AgentChainTest {};

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
  // takes the queue's sides-default, as it takes its media-default.
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
  // The sample driver's queues default to Letter: a job that names no media is printed on
  // Letter, and the agent records the queue's media-default (DESIGN.md).
  const int64_t letter = 215900LL * 279400, a3 = 297000LL * 420000;
  const std::vector<Kind> kinds = {
      {4, {"-o", "sides=one-sided"}, 4, letter},                       // CUPS: 4
      {3, {"-n", "3", "-o", "sides=two-sided-long-edge"}, 6, letter},  // 9 impressions, CUPS: 4
      {1, {"-o", "sides=two-sided-short-edge"}, 1, letter},            // CUPS: 0
      {5, {"-o", "sides=two-sided-long-edge"}, 3, letter},             // CUPS: 2
      {2, {"-o", "media=A3", "-o", "sides=one-sided"}, 2, a3},         // A3
      {5, {"-o", "number-up=2", "-o", "sides=one-sided"}, 3, letter},  // 3 impressions
      {4, {"-n", "2", "-o", "number-up=2", "-o", "sides=two-sided-long-edge"}, 2, letter},
      {5, {}, 3, letter, "duplex"},                         // the queue's sides-default
      {5, {"-o", "sides=one-sided"}, 5, letter, "duplex"},  // the job's sides win
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
    sqlite3_prepare_v2(db, "SELECT sheets, area_um2, media_known FROM jobs WHERE cups_job_id = ?",
                       -1, &s, nullptr);
    sqlite3_bind_int(s, 1, ids[i]);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW) << "job " << ids[i];
    EXPECT_EQ(sqlite3_column_int64(s, 0), kinds[i].sheets) << "kind " << i;
    EXPECT_EQ(sqlite3_column_int64(s, 1), kinds[i].area_um2) << "kind " << i;
    EXPECT_EQ(sqlite3_column_int64(s, 2), 1) << "kind " << i;  // no data-quality flag
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
}

// Jobs sent to a class of two queues count on the member that printed each (cupsd's
// job-printer-uri-actual, see cupsd_facts_test); the class itself is not a device.
TEST_F(AgentSystemTest, ClassJobsCountOnTheMemberThatPrintedThem) {
  ASSERT_TRUE(cupsd_->AddQueue("q2", {"-o", "PageSize=A4"}).ok());
  ASSERT_TRUE(cupsd_->AddClass("floor2", {"q1", "q2"}).ok());
  StartAggregator();
  StartAgent();
  std::vector<int> ids;
  for (int i = 0; i < 6; ++i) {
    auto id = cupsd_->Print("floor2", cupsd_->WriteDocument(1));
    ASSERT_TRUE(id.ok()) << id.status().message();
    ids.push_back(*id);
  }
  ASSERT_EQ(WaitForJobs(6, seconds(60)), 6);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::map<int, std::string> stored;
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT j.cups_job_id, d.queue, j.area_um2 FROM jobs j JOIN devices d ON "
                     "d.id = j.device_id",
                     -1, &s, nullptr);
  const int64_t letter = 215900LL * 279400, a4 = 210000LL * 297000;
  while (sqlite3_step(s) == SQLITE_ROW) {
    const int job = sqlite3_column_int(s, 0);
    const std::string queue = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
    stored[job] = queue;
    // Each member's own media-default: q1 the driver's Letter, q2 A4.
    EXPECT_EQ(sqlite3_column_int64(s, 2), queue == "q2" ? a4 : letter) << "job " << job;
  }
  sqlite3_finalize(s);
  bool class_is_a_device = true;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM devices WHERE queue = 'floor2'", -1, &s,
                               nullptr),
            SQLITE_OK);
  if (sqlite3_step(s) == SQLITE_ROW) class_is_a_device = sqlite3_column_int(s, 0) > 0;
  sqlite3_finalize(s);
  sqlite3_close(db);
  EXPECT_EQ(stored.size(), ids.size());
  for (const auto& [job, queue] : stored) {
    EXPECT_TRUE(queue == "q1" || queue == "q2") << "job " << job << " on " << queue;
  }
  EXPECT_FALSE(class_is_a_device);
}

// A finished job restarted with `lp -i ID -H restart` prints again: it is stored as a second run
// of the job with its own impressions and sheets (CUPS's count is cumulative), once.
class AgentReprintTest : public testing::AgentChainTest {
 protected:
  AgentReprintTest() : AgentChainTest(testing::ChainOptions{.preserve_job_files = true}) {}
};

TEST_F(AgentReprintTest, RestartedJobCountsAgainOnce) {
  StartAggregator();
  StartAgent();
  auto id = cupsd_->Print("q1", cupsd_->WriteDocument(3), {"-o", "sides=two-sided-long-edge"});
  ASSERT_TRUE(id.ok()) << id.status().message();
  ASSERT_EQ(WaitForJobs(1, seconds(60)), 1);
  std::this_thread::sleep_for(milliseconds(1100));  // a new completion second
  auto restarted = testing::RunCommand("lp -h " + cupsd_->server() + " -i " + std::to_string(*id) +
                                       " -H restart");
  ASSERT_TRUE(restarted.ok()) << restarted.status().message();
  ASSERT_EQ(WaitForJobs(2, seconds(60)), 2);
  std::this_thread::sleep_for(seconds(3));  // nothing more may arrive
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT run, impressions, sheets FROM jobs WHERE cups_job_id = ?"
                               " ORDER BY run",
                               -1, &s, nullptr),
            SQLITE_OK);
  sqlite3_bind_int(s, 1, *id);
  std::vector<std::vector<int64_t>> rows;
  while (sqlite3_step(s) == SQLITE_ROW) {
    rows.push_back(
        {sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2)});
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  // 3 pages two-sided: 3 impressions and 2 sheets per run (not ceil(6 / 2) = 3 for the second).
  EXPECT_EQ(rows, (std::vector<std::vector<int64_t>>{{0, 3, 2}, {1, 3, 2}}));
  EXPECT_EQ(databases_->CountJobs(db_), 2);
}

TEST_F(AgentSystemTest, AggregatorDownWhileJobsPrintThenStarted) {
  StartAgent();
  const std::string doc = cupsd_->WriteDocument(2);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(cupsd_->Print("q1", doc).ok());
  std::this_thread::sleep_for(seconds(8));  // captured into the outbox; sends keep failing
  StartAggregator();
  EXPECT_EQ(WaitForJobs(20, seconds(150)), 20);
}

// Production's set-up with the real daemons: the aggregator serves TLS with a certificate for
// agg.example.test (made by tests/tls/make_test_certs.sh) and requires agent tokens; the agent,
// configured by a file as packaged, reaches it at 127.0.0.1 with tls_server_name and a token from
// `ramette token create`. Every job cupsd finished is stored exactly once, and `check` agrees.
TEST_F(AgentSystemTest, OverTlsWithATokenEveryJobOnce) {
  const std::string certs = dir_ + "/certs";
  std::filesystem::create_directories(certs);
  auto made =
      testing::RunCommand(std::string("bash ") + RAMETTE_TEST_CERTS_SCRIPT + " " + certs + " 2>&1");
  ASSERT_TRUE(made.ok()) << made.status().message();
  std::ofstream(dir_ + "/aggregator.toml")
      << "[tls]\ncert_file = \"" << certs << "/named.pem\"\nkey_file = \"" << certs
      << "/server.key\"\n[auth]\nrequire_tokens = true\n";
  const std::string log = dir_ + "/aggregator-tls.log";
  aggregator_pid() =
      testing::SpawnProcess({RAMETTE_AGGREGATOR, "--config", dir_ + "/aggregator.toml", "--db", db_,
                             "--listen", Listen()},
                            log);
  for (int i = 0; i < 400 && Slurp(log).find("listening on") == std::string::npos; ++i) {
    std::this_thread::sleep_for(milliseconds(25));
  }
  ASSERT_NE(Slurp(log).find("listening on"), std::string::npos) << Slurp(log);

  // RunCommand adds 2>&1: the braces keep the CLI's note on stderr out of the token.
  auto token = testing::RunCommand("{ " + std::string(RAMETTE_CLI) + " --db " + db_ +
                                   " token create --server-id prn-test 2>/dev/null; }");
  ASSERT_TRUE(token.ok()) << token.status().message();
  ASSERT_EQ(token->rfind("rmt_", 0), 0u) << *token;
  const std::string token_file = dir_ + "/agent.token";
  std::ofstream(token_file) << *token;
  std::filesystem::permissions(
      token_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string agent_conf = dir_ + "/agent.toml";
  std::ofstream(agent_conf) << "[agent]\nserver_id = \"prn-test\"\nstate_dir = \"" << state_dir_
                            << "\"\n[cups]\nserver = \"" << cupsd_->socket_path()
                            << "\"\n[aggregator]\naddress = \"" << Listen() << "\"\nca_file = \""
                            << certs << "/ca.pem\"\ntoken_file = \"" << token_file
                            << "\"\ntls_server_name = \"agg.example.test\"\n";
  agent_ = testing::SpawnProcess({RAMETTE_AGENT, "--config", agent_conf}, agent_log());

  const std::string doc = cupsd_->WriteDocument(2);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(cupsd_->Print("q1", doc).ok());
  const std::vector<int> finished = CupsdFinishedJobIds();
  EXPECT_EQ(finished.size(), 20u);
  ExpectExactlyOnce(finished, seconds(60));
  EXPECT_NE(Slurp(agent_log()).find("(TLS, with a token)"), std::string::npos)
      << Slurp(agent_log());

  auto check = testing::RunCommand(std::string(RAMETTE_AGENT) + " check --config " + agent_conf +
                                   " --cupsd-conf " + cupsd_->dir() + "/cupsd.conf 2>&1 || true");
  ASSERT_TRUE(check.ok());
  EXPECT_NE(check->find("ok: aggregator " + Listen() + " accepts server id 'prn-test'"),
            std::string::npos)
      << *check;
}

}  // namespace
}  // namespace ramette
