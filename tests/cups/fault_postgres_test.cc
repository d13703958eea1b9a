// The agent-kill fault (fault_test.cc) against PostgreSQL (labels `postgres`, `fault`): two
// `ramette-aggregator`s on one database, the agent killed with SIGKILL while it sends through
// one and started again against the other, and the same page_log backfilled through both at
// the same moment. Every job cupsd finished is stored once, and `ramette indicators` counts it
// once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/civil_time.h"
#include "tests/cups/agent_chain.h"

namespace ramette {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Slurp;

class FaultOnPostgresTest : public testing::AgentChainTest {
 protected:
  FaultOnPostgresTest()
      : AgentChainTest({.engine = testing::Engine::kPostgres, .aggregators = 2, .page_log = true}) {
  }

  struct BackfillTotals {
    int64_t found = 0;  // jobs found in the page_log, summed over the runs
    int64_t accepted = 0;
    int64_t duplicate = 0;
  };
  // Backfills cupsd's page_log as `server` through every aggregator at the same moment (the first
  // run reads the PageLogFormat from cupsd.conf, the others take the default one: the same); the
  // counts the runs printed, summed.
  BackfillTotals BackfillThroughAllAtOnce(const std::string& server) {
    std::vector<std::thread> runs;
    std::vector<std::string> outputs(aggregators_.size());
    for (size_t i = 0; i < aggregators_.size(); ++i) {
      runs.emplace_back([&, i] {
        const std::string format =
            i == 0 ? " --cupsd-conf " + cupsd_->dir() + "/cupsd.conf" : std::string();
        auto out =
            testing::RunCommand(std::string(RAMETTE_AGENT) + " backfill --page-log " +
                                cupsd_->page_log_path() + format + " --server-id " + server +
                                " --aggregator " + Listen(static_cast<int>(i)) + " 2>/dev/null");
        EXPECT_TRUE(out.ok()) << out.status().message();
        if (out.ok()) outputs[i] = *out;
      });
    }
    for (std::thread& t : runs) t.join();
    BackfillTotals totals;
    const std::regex counts(
        R"(\(0 malformed\), found (\d+) jobs?; sent \d+: (\d+) accepted, (\d+) duplicate, 0 rejected)");
    for (const std::string& out : outputs) {
      std::smatch m;
      EXPECT_TRUE(std::regex_search(out, m, counts)) << out;
      if (m.empty()) continue;
      totals.found += std::atoll(m[1].str().c_str());
      totals.accepted += std::atoll(m[2].str().c_str());
      totals.duplicate += std::atoll(m[3].str().c_str());
    }
    return totals;
  }

  // How many records wait in the agent's outbox (captured, not acknowledged yet); -1 when it
  // cannot be read.
  int64_t PendingInOutbox() {
    sqlite3* db = nullptr;
    int64_t n = -1;
    const std::string path = state_dir_ + "/outbox.db";
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_busy_timeout(db, 1000);
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(db, "SELECT count(*) FROM records", -1, &s, nullptr) == SQLITE_OK &&
          sqlite3_step(s) == SQLITE_ROW) {
        n = sqlite3_column_int64(s, 0);
      }
      sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return n;
  }

  // The distinct CUPS job ids in cupsd's page_log (default PageLogFormat: the job id is the third
  // field).
  std::vector<int> PageLogJobIds() {
    std::set<int> ids;
    std::istringstream lines(Slurp(cupsd_->page_log_path()));
    std::string line, printer, user;
    int id = 0;
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      if (fields >> printer >> user >> id) ids.insert(id);
    }
    return {ids.begin(), ids.end()};
  }

  // `ramette indicators --format json` for `year` on the shared database.
  nlohmann::json Indicators(int year) {
    auto out =
        testing::RunCommand(std::string(RAMETTE_CLI) + " --db '" + db_ + "' indicators --year " +
                            std::to_string(year) + " --format json 2>/dev/null");
    EXPECT_TRUE(out.ok()) << out.status().message();
    if (!out.ok()) return {};
    return nlohmann::json::parse(*out, nullptr, /*allow_exceptions=*/false);
  }
};

// The year of `unix_seconds` in the organisation's default time zone.
int YearInParis(int64_t unix_seconds) {
  auto paris = TimeZone::Load("Europe/Paris");
  return CivilFromDays(paris.ok() ? paris->LocalDay(unix_seconds) : unix_seconds / 86400).year;
}

TEST_F(FaultOnPostgresTest, AgentKilledWhileSendingThroughOneAggregatorRestartedOnTheOther) {
  const int64_t started = time(nullptr);
  StartAggregators();
  StartAgent(0);
  // Midway through the stream, an overlapping backfill of the jobs printed so far, through both
  // aggregators at once, racing the agent's live records of the same jobs.
  std::thread backfill([&] {
    std::this_thread::sleep_for(seconds(6));
    const BackfillTotals totals = BackfillThroughAllAtOnce("prn-test");
    EXPECT_GT(totals.found, 0);
    EXPECT_EQ(totals.accepted + totals.duplicate, totals.found);
  });
  // Kill k lands while the agent sends through aggregator k % 2: that aggregator is frozen
  // (SIGSTOP) until the agent holds records it has not acknowledged, then the agent is killed,
  // the aggregator resumes (and may still store the batch it had received), and the agent starts
  // again on the other aggregator, which gets the same records.
  constexpr int kKills = 20;
  int through = 0;  // the aggregator the agent sends through
  int kills_while_sending = 0;
  KillDuringAStream(
      agent_,
      [&](int) {
        if (PendingInOutbox() > 0) ++kills_while_sending;
        kill(aggregator_pid(through), SIGCONT);
        through = 1 - through;
        StartAgent(through);
      },
      kKills, milliseconds(20), milliseconds(480), milliseconds(60), 13,
      [&] {
        kill(aggregator_pid(through), SIGSTOP);
        for (int i = 0; i < 2000 && PendingInOutbox() <= 0; ++i) {
          std::this_thread::sleep_for(milliseconds(1));
        }
        std::this_thread::sleep_for(milliseconds(20));  // the forwarder's call is on its way
      });
  std::printf("%d of %d kills left records for the other aggregator\n", kills_while_sending,
              kKills);
  EXPECT_GE(kills_while_sending, kKills / 2);
  backfill.join();
  const std::vector<int> printed = CupsdFinishedJobIds();
  ASSERT_GE(printed.size(), 100u);
  ExpectExactlyOnce(printed, seconds(180));

  // The same page_log as a server no agent reports: both aggregators insert the same new jobs
  // at the same moment; the database keeps one of each and one aggregator accepts each.
  const std::vector<int> logged = PageLogJobIds();
  ASSERT_FALSE(logged.empty());
  const BackfillTotals race = BackfillThroughAllAtOnce("prn-race");
  EXPECT_EQ(race.found, 2 * static_cast<int64_t>(logged.size()));
  EXPECT_EQ(race.accepted, static_cast<int64_t>(logged.size()));
  EXPECT_EQ(race.duplicate, static_cast<int64_t>(logged.size()));
  ExpectExactlyOnce(logged, seconds(30), "prn-race");

  // Indicators count each job once: one-page jobs, one sheet each.
  const int64_t stored = databases_->CountJobs(db_);
  EXPECT_EQ(stored, static_cast<int64_t>(printed.size() + logged.size()));
  int64_t sheets = 0;
  std::set<int> years = {YearInParis(started), YearInParis(time(nullptr))};
  for (int year : years) {
    nlohmann::json j = Indicators(year);
    ASSERT_TRUE(j.is_object()) << "indicators " << year;
    sheets += j["organisation"]["sheets"].get<int64_t>();
  }
  EXPECT_EQ(sheets, stored);
}

}  // namespace
}  // namespace ramette
