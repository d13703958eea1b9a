// Tests of SqliteStore against real SQLite files in a fresh temporary directory: the duplicate
// window, rollups, quarantine, imports, time zone changes, migrations, rollback and reopening.
#include "aggregator/store/sqlite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "aggregator/auth/agent_token.h"
#include "aggregator/store/store_test_jobs.h"

namespace ramette::aggregator::store {
namespace {

using store_test::kA3;
using store_test::kA4;
using store_test::MakeJob;
using store_test::Tie;
using store_test::UtcSeconds;

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr StoreOutcome kAcc = StoreOutcome::kAccepted;
constexpr StoreOutcome kDup = StoreOutcome::kDuplicate;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ramette_store_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/ramette.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<SqliteStore> OpenStore() {
    auto r = SqliteStore::Open(path_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  // SQL through a connection of its own, as another process would run it.
  void RawExec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << (err != nullptr ? err : "") << " in " << sql;
    sqlite3_free(err);
    sqlite3_close(db);
  }
  // The first column of the first row of `sql`, as text ("" when there is no row).
  std::string RawText(const std::string& sql) {
    sqlite3* db = nullptr;
    std::string out;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    if (s != nullptr && sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
  }

  std::string dir_;
  std::string path_;
};

std::vector<StoreOutcome> Commit(SqliteStore& store, const std::vector<model::StoredJob>& jobs,
                                 const std::string& server = "srv1",
                                 const std::vector<QuarantinedRecord>& rejected = {}) {
  auto r = store.CommitJobs(server, "1.2.3", jobs, rejected);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<StoreOutcome>{};
}

std::vector<model::RollupRow> Monthly(SqliteStore& store, int32_t first, int32_t last) {
  std::vector<model::RollupRow> rows;
  Status st =
      store.ForEachMonthlyRow(first, last, [&](const model::RollupRow& r) { rows.push_back(r); });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return rows;
}

std::vector<model::RollupRow> Daily(SqliteStore& store, int64_t user_id, Day first, Day last) {
  std::vector<model::RollupRow> rows;
  Status st = store.ForEachDailyRow(user_id, first, last,
                                    [&](const model::RollupRow& r) { rows.push_back(r); });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return rows;
}

// Total jobs per month over [first, last].
std::map<int32_t, int64_t> JobsPerMonth(SqliteStore& store, int32_t first, int32_t last) {
  std::map<int32_t, int64_t> out;
  for (const model::RollupRow& r : Monthly(store, first, last)) out[r.period] += r.sums.jobs;
  return out;
}

model::Inventory Load(SqliteStore& store) {
  auto r = store.LoadInventory();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : model::Inventory{};
}

const model::Device* FindDevice(const model::Inventory& inv, const std::string& server,
                                const std::string& queue) {
  for (const model::Device& d : inv.devices) {
    if (d.server == server && d.queue == queue) return &d;
  }
  return nullptr;
}

int64_t UserId(SqliteStore& store, const std::string& name) {
  auto names = store.LoadUserNames();
  EXPECT_TRUE(names.ok());
  if (!names.ok()) return -1;
  for (const auto& [id, n] : *names) {
    if (n == name) return id;
  }
  return -1;
}

int64_t Count(const Result<int64_t>& r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : -1;
}

TEST_F(SqliteStoreTest, FreshDatabaseIsWalAtLatestVersion) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->SchemaVersion(), SqliteStore::kLatestSchemaVersion);
  EXPECT_EQ(store->StoredTimeZone(), "");
  EXPECT_EQ(Count(store->CountJobs()), 0);
  EXPECT_EQ(Count(store->CountQuarantined()), 0);
  EXPECT_EQ(RawText("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStoreTest, AcceptedThenDuplicateOnResend) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const int64_t t = UtcSeconds(2018, 3, 5, 10, 0);
  EXPECT_THAT(Commit(*store, {MakeJob(7, t)}), ElementsAre(kAcc));
  EXPECT_THAT(Commit(*store, {MakeJob(7, t)}), ElementsAre(kDup));
  EXPECT_EQ(Count(store->CountJobs()), 1);
  // The resend did not count twice in the rollups.
  std::vector<model::RollupRow> rows = Monthly(*store, MonthIndex(2018, 3), MonthIndex(2018, 3));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].sums.jobs, 1);
  EXPECT_EQ(rows[0].sums.sheets, 3);
}

TEST_F(SqliteStoreTest, DuplicateWithinTheWindow) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const int64_t t = UtcSeconds(2018, 3, 5, 10, 0);
  ASSERT_THAT(Commit(*store, {MakeJob(7, t)}), ElementsAre(kAcc));
  // Live capture vs page_log: a few seconds apart, either way.
  EXPECT_THAT(Commit(*store, {MakeJob(7, t + 4)}), ElementsAre(kDup));
  EXPECT_THAT(Commit(*store, {MakeJob(7, t - 4)}), ElementsAre(kDup));
  // The window's bounds are inclusive.
  EXPECT_THAT(Commit(*store, {MakeJob(7, t + model::kDuplicateWindowSeconds)}), ElementsAre(kDup));
  EXPECT_THAT(Commit(*store, {MakeJob(7, t - model::kDuplicateWindowSeconds)}), ElementsAre(kDup));
  EXPECT_EQ(Count(store->CountJobs()), 1);
}

TEST_F(SqliteStoreTest, NotDuplicateOutsideTheWindowOrForAnotherServerOrJobId) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const int64_t t = UtcSeconds(2018, 3, 5, 10, 0);
  ASSERT_THAT(Commit(*store, {MakeJob(7, t)}), ElementsAre(kAcc));
  EXPECT_THAT(Commit(*store, {MakeJob(7, t + model::kDuplicateWindowSeconds + 1)}),
              ElementsAre(kAcc));
  EXPECT_THAT(Commit(*store, {MakeJob(7, t - model::kDuplicateWindowSeconds - 1)}),
              ElementsAre(kAcc));
  EXPECT_THAT(Commit(*store, {MakeJob(7, t)}, "srv2"), ElementsAre(kAcc));
  EXPECT_THAT(Commit(*store, {MakeJob(8, t)}), ElementsAre(kAcc));
  EXPECT_EQ(Count(store->CountJobs()), 5);
}

TEST_F(SqliteStoreTest, DuplicateWithinOneBatch) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const int64_t t = UtcSeconds(2018, 3, 5, 10, 0);
  EXPECT_THAT(Commit(*store, {MakeJob(5, t), MakeJob(5, t + 4), MakeJob(6, t), MakeJob(5, t)}),
              ElementsAre(kAcc, kDup, kAcc, kDup));
  EXPECT_EQ(Count(store->CountJobs()), 2);
  std::vector<model::RollupRow> rows = Monthly(*store, MonthIndex(2018, 3), MonthIndex(2018, 3));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].sums.jobs, 2);
}

TEST_F(SqliteStoreTest, EmptyBatchIsFine) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(Commit(*store, {}), ElementsAre());
  EXPECT_EQ(RawText("SELECT agent_version FROM servers WHERE name = 'srv1'"), "1.2.3");
}

TEST_F(SqliteStoreTest, RollupSums) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  model::StoredJob j1 = MakeJob(1, UtcSeconds(2018, 3, 5, 10, 0));  // 3 sheets, 3 impressions
  model::StoredJob j2 = MakeJob(2, UtcSeconds(2018, 3, 5, 15, 0));  // two-sided colour
  j2.record.sides = Sides::kTwoSidedLongEdge;
  j2.record.color_mode = ColorMode::kColor;
  j2.record.impressions_completed = 4;
  j2.sheets = 2;
  model::StoredJob j3 = MakeJob(3, UtcSeconds(2018, 3, 20, 9, 0));  // unknown media, counted as A4
  j3.record.media = "";
  j3.media_known = false;
  j3.record.impressions_completed = 5;
  j3.sheets = 5;
  model::StoredJob j4 = MakeJob(4, UtcSeconds(2018, 3, 7, 9, 0), "bob", "q2");  // A3, short edge
  j4.area_um2 = kA3;
  j4.record.sides = Sides::kTwoSidedShortEdge;
  j4.record.impressions_completed = 2;
  j4.sheets = 1;
  model::StoredJob j5 = MakeJob(5, UtcSeconds(2018, 4, 1, 8, 0));  // next month
  j5.sheets = 7;
  j5.record.impressions_completed = 7;
  // Two calls, so that the second one adds to existing rows.
  ASSERT_THAT(Commit(*store, {j1, j4}), ElementsAre(kAcc, kAcc));
  ASSERT_THAT(Commit(*store, {j2, j3, j5}), ElementsAre(kAcc, kAcc, kAcc));

  model::Inventory inv = Load(*store);
  const model::Device* q1 = FindDevice(inv, "srv1", "q1");
  const model::Device* q2 = FindDevice(inv, "srv1", "q2");
  ASSERT_NE(q1, nullptr);
  ASSERT_NE(q2, nullptr);
  const int64_t alice = UserId(*store, "alice");
  const int64_t bob = UserId(*store, "bob");

  std::vector<model::RollupRow> march = Monthly(*store, MonthIndex(2018, 3), MonthIndex(2018, 3));
  ASSERT_EQ(march.size(), 2u);
  std::map<int64_t, model::RollupRow> by_device;
  for (const model::RollupRow& r : march) by_device[r.device_id] = r;
  EXPECT_EQ(by_device[q1->id].user_id, alice);
  EXPECT_EQ(by_device[q1->id].area_um2, kA4);
  EXPECT_EQ(by_device[q1->id].period, MonthIndex(2018, 3));
  EXPECT_EQ(Tie(by_device[q1->id].sums), Tie(model::UsageSums{3, 10, 12, 2, 2, 1, 5}));
  EXPECT_EQ(by_device[q2->id].user_id, bob);
  EXPECT_EQ(by_device[q2->id].area_um2, kA3);
  EXPECT_EQ(Tie(by_device[q2->id].sums), Tie(model::UsageSums{1, 1, 2, 1, 0, 0, 0}));

  std::vector<model::RollupRow> spring = Monthly(*store, MonthIndex(2018, 3), MonthIndex(2018, 4));
  ASSERT_EQ(spring.size(), 3u);
  EXPECT_EQ(spring[2].period, MonthIndex(2018, 4));  // primary-key order
  EXPECT_EQ(Tie(spring[2].sums), Tie(model::UsageSums{1, 7, 7, 0, 0, 0, 0}));
  EXPECT_TRUE(Monthly(*store, MonthIndex(2018, 5), MonthIndex(2018, 12)).empty());

  std::vector<model::RollupRow> alice_march =
      Daily(*store, alice, DaysFromCivil(2018, 3, 1), DaysFromCivil(2018, 3, 31));
  ASSERT_EQ(alice_march.size(), 2u);
  EXPECT_EQ(alice_march[0].period, DaysFromCivil(2018, 3, 5));
  EXPECT_EQ(alice_march[0].device_id, q1->id);
  EXPECT_EQ(Tie(alice_march[0].sums), Tie(model::UsageSums{2, 5, 7, 2, 2, 0, 0}));
  EXPECT_EQ(alice_march[1].period, DaysFromCivil(2018, 3, 20));
  EXPECT_EQ(Tie(alice_march[1].sums), Tie(model::UsageSums{1, 5, 5, 0, 0, 1, 5}));
  std::vector<model::RollupRow> bob_rows =
      Daily(*store, bob, DaysFromCivil(2018, 1, 1), DaysFromCivil(2018, 12, 31));
  ASSERT_EQ(bob_rows.size(), 1u);
  EXPECT_EQ(bob_rows[0].period, DaysFromCivil(2018, 3, 7));
  // A day range is inclusive at both ends, and may reach beyond the days stored.
  EXPECT_EQ(Daily(*store, alice, DaysFromCivil(2018, 4, 1), DaysFromCivil(2018, 4, 1)).size(), 1u);
  EXPECT_TRUE(Daily(*store, alice, DaysFromCivil(2018, 3, 6), DaysFromCivil(2018, 3, 19)).empty());
  EXPECT_EQ(Daily(*store, alice, 0, std::numeric_limits<Day>::max()).size(), 3u);
  EXPECT_EQ(Daily(*store, alice, std::numeric_limits<Day>::min(), 0).size(), 0u);
  EXPECT_TRUE(Daily(*store, alice, DaysFromCivil(2017, 1, 1), DaysFromCivil(2017, 1, 31)).empty());
  EXPECT_TRUE(Daily(*store, alice, DaysFromCivil(2019, 1, 1), DaysFromCivil(2019, 1, 31)).empty());
}

// Every combination the rollup rules distinguish, over a few users, devices and days.
std::vector<model::StoredJob> VariedJobs(int first_id, int count) {
  std::vector<model::StoredJob> jobs;
  for (int i = 0; i < count; ++i) {
    const int id = first_id + i;
    model::StoredJob j = MakeJob(id, UtcSeconds(2018, 1 + id % 3, 1 + id % 28, 8 + id % 10, 0),
                                 "user" + std::to_string(id % 5), "q" + std::to_string(id % 3));
    j.record.sides = static_cast<Sides>(id % 4);
    j.record.color_mode = static_cast<ColorMode>(id % 3);
    j.record.impressions_completed = 1 + id % 7;
    j.sheets = 1 + id % 4;
    j.media_known = id % 5 != 0;
    j.area_um2 = id % 2 == 0 ? kA4 : kA3;
    jobs.push_back(j);
  }
  return jobs;
}

using RowKey = std::tuple<int32_t, int64_t, int64_t, int64_t>;
std::map<RowKey, std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>> AllRows(
    SqliteStore& store) {
  std::map<RowKey, std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>> rows;
  for (const model::RollupRow& r : Monthly(store, 0, std::numeric_limits<int32_t>::max())) {
    rows[{r.period, r.device_id, r.user_id, -r.area_um2}] = Tie(r.sums);  // months: area < 0
  }
  auto names = store.LoadUserNames();
  EXPECT_TRUE(names.ok());
  for (const auto& [user_id, name] : *names) {
    for (const model::RollupRow& r : Daily(store, user_id, 0, std::numeric_limits<Day>::max())) {
      EXPECT_EQ(r.user_id, user_id);
      rows[{r.period, r.device_id, r.user_id, r.area_um2}] = Tie(r.sums);
    }
  }
  return rows;
}

TEST_F(SqliteStoreTest, FoldFromMemoryMatchesFoldFromTheJobsTable) {
  // Memory: one connection stores and reads.
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (int b = 0; b < 4; ++b) Commit(*store, VariedJobs(1 + b * 50, 50));
  ASSERT_TRUE(store->FoldRollups().ok());
  EXPECT_EQ(RawText("SELECT folded_job_id FROM rollup_state"), "200");
  auto from_memory = AllRows(*store);
  ASSERT_GT(from_memory.size(), 100u);
  store.reset();

  // Jobs table: another connection folds what the first one stored.
  path_ = dir_ + "/second.db";
  auto writer = OpenStore();
  auto reader = OpenStore();
  ASSERT_NE(writer, nullptr);
  ASSERT_NE(reader, nullptr);
  for (int b = 0; b < 4; ++b) Commit(*writer, VariedJobs(1 + b * 50, 50));
  EXPECT_EQ(RawText("SELECT folded_job_id FROM rollup_state"), "0");
  EXPECT_EQ(AllRows(*reader), from_memory);
  // So does a full rebuild (the jobs were dated in UTC).
  ASSERT_TRUE(writer->EnsureTimeZone(TimeZone::Utc()).ok());
  EXPECT_EQ(AllRows(*writer), from_memory);
}

TEST_F(SqliteStoreTest, ConnectionsInterleavingWritesAndFoldsCountEachJobOnce) {
  auto a = OpenStore();
  auto b = OpenStore();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const int32_t march = MonthIndex(2018, 3);
  auto jobs_in_march = [&](SqliteStore& s) { return JobsPerMonth(s, march, march)[march]; };
  ASSERT_THAT(Commit(*a, {MakeJob(1, UtcSeconds(2018, 3, 5, 10, 0))}), ElementsAre(kAcc));
  EXPECT_EQ(jobs_in_march(*b), 1);  // b folds a's job from the jobs table
  ASSERT_THAT(Commit(*a, {MakeJob(2, UtcSeconds(2018, 3, 5, 11, 0))}), ElementsAre(kAcc));
  EXPECT_EQ(jobs_in_march(*a), 2);  // a must not fold job 1 again
  ASSERT_THAT(Commit(*a, {MakeJob(3, UtcSeconds(2018, 3, 5, 12, 0))}), ElementsAre(kAcc));
  ASSERT_THAT(Commit(*b, {MakeJob(4, UtcSeconds(2018, 3, 5, 13, 0))}), ElementsAre(kAcc));
  ASSERT_THAT(Commit(*a, {MakeJob(5, UtcSeconds(2018, 3, 5, 14, 0))}), ElementsAre(kAcc));
  EXPECT_EQ(jobs_in_march(*a), 5);
  EXPECT_EQ(jobs_in_march(*b), 5);
  // b stores after a's last batch: a's memory no longer covers every unfolded job.
  ASSERT_THAT(Commit(*a, {MakeJob(6, UtcSeconds(2018, 3, 5, 15, 0))}), ElementsAre(kAcc));
  ASSERT_THAT(Commit(*b, {MakeJob(7, UtcSeconds(2018, 3, 5, 16, 0))}), ElementsAre(kAcc));
  EXPECT_EQ(jobs_in_march(*a), 7);
  EXPECT_EQ(jobs_in_march(*b), 7);
  // Readers never fold; the writer's fold counts each job once.
  EXPECT_EQ(RawText("SELECT COALESCE(SUM(jobs), 0) FROM rollup_daily"), "0");
  ASSERT_TRUE(a->FoldRollups().ok());
  EXPECT_EQ(RawText("SELECT SUM(jobs) FROM rollup_daily"), "7");
  EXPECT_EQ(jobs_in_march(*b), 7);
}

TEST_F(SqliteStoreTest, CommitJobsFoldsOnItsOwnEveryFewThousandJobs) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const int total = static_cast<int>(SqliteStore::kFoldEveryJobs) + 500;
  std::vector<model::StoredJob> batch;
  for (int id = 1; id <= total; ++id) {
    batch.push_back(
        MakeJob(id, UtcSeconds(2018, 1, 1, 0, 0) + id * 60, "u" + std::to_string(id % 50)));
    if (batch.size() == 500) {
      auto r = store->CommitJobs("srv1", "1", batch, {});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      batch.clear();
    }
  }
  // No read yet: the rollups were folded by CommitJobs itself.
  EXPECT_EQ(RawText("SELECT folded_job_id FROM rollup_state"),
            std::to_string(SqliteStore::kFoldEveryJobs));
  EXPECT_EQ(RawText("SELECT SUM(jobs) FROM rollup_monthly"),
            std::to_string(SqliteStore::kFoldEveryJobs));
  int64_t jobs = 0;
  for (const model::RollupRow& r : Monthly(*store, 0, std::numeric_limits<int32_t>::max())) {
    jobs += r.sums.jobs;
  }
  EXPECT_EQ(jobs, total);
}

TEST_F(SqliteStoreTest, LowerCupsJobIdsAreStillCheckedForDuplicates) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const int64_t t = UtcSeconds(2018, 3, 5, 10, 0);
  ASSERT_THAT(Commit(*store, {MakeJob(100, t), MakeJob(50, t)}), ElementsAre(kAcc, kAcc));
  // Below the highest id: looked up, whether duplicate or not (cupsd renumbered from 1).
  EXPECT_THAT(Commit(*store, {MakeJob(50, t + 3), MakeJob(1, t + 3600)}), ElementsAre(kDup, kAcc));
  // Another connection stores higher ids: this one must look them up too.
  auto other = OpenStore();
  ASSERT_NE(other, nullptr);
  ASSERT_THAT(Commit(*other, {MakeJob(200, t)}), ElementsAre(kAcc));
  EXPECT_THAT(Commit(*store, {MakeJob(200, t + 5), MakeJob(201, t)}), ElementsAre(kDup, kAcc));
  EXPECT_EQ(Count(store->CountJobs()), 5);
}

TEST_F(SqliteStoreTest, QuarantineKeepsValidJsonWithoutTitle) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  QuarantinedRecord bad;
  bad.record = MakeJob(42, UtcSeconds(2018, 3, 5, 10, 0)).record;
  bad.record.user = "b\xff\xfeob";
  bad.record.title = "secret plans";
  bad.reason = "user name is not valid UTF-8";
  QuarantinedRecord other;
  other.record = MakeJob(43, UtcSeconds(2018, 3, 5, 10, 0)).record;
  other.record.copies = 0;
  other.reason = "copies must be at least 1";

  EXPECT_THAT(Commit(*store, {MakeJob(1, UtcSeconds(2018, 3, 5, 9, 0))}, "srv1", {bad, other}),
              ElementsAre(kAcc));
  EXPECT_EQ(Count(store->CountQuarantined()), 2);
  EXPECT_EQ(Count(store->CountJobs()), 1);
  // Quarantine only, no jobs.
  EXPECT_THAT(Commit(*store, {}, "srv2", {other}), ElementsAre());
  EXPECT_EQ(Count(store->CountQuarantined()), 3);

  EXPECT_EQ(RawText("SELECT server FROM quarantine ORDER BY id LIMIT 1"), "srv1");
  EXPECT_EQ(RawText("SELECT reason FROM quarantine ORDER BY id LIMIT 1"),
            "user name is not valid UTF-8");
  const std::string record = RawText("SELECT record FROM quarantine ORDER BY id LIMIT 1");
  EXPECT_THAT(record, Not(HasSubstr("secret")));
  nlohmann::json j = nlohmann::json::parse(record);  // throws on invalid UTF-8
  EXPECT_EQ(j["cups_job_id"], 42);
  EXPECT_EQ(j["queue"], "q1");
  EXPECT_EQ(j["user_hex"], "62fffe6f62");
  EXPECT_EQ(j["user"], "b\xEF\xBF\xBD\xEF\xBF\xBDob");  // U+FFFD for each bad byte
  EXPECT_EQ(j["completed_at"], UtcSeconds(2018, 3, 5, 10, 0));
  EXPECT_FALSE(j.contains("title"));
  EXPECT_FALSE(j.contains("queue_hex"));
  nlohmann::json second =
      nlohmann::json::parse(RawText("SELECT record FROM quarantine ORDER BY id LIMIT 1 OFFSET 1"));
  EXPECT_EQ(second["copies"], 0);
}

TEST_F(SqliteStoreTest, UnknownQueueBecomesUnclassifiedDeviceThenImportClassifiesIt) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(Commit(*store, {MakeJob(1, UtcSeconds(2018, 3, 5, 10, 0), "alice", "newq")}),
              ElementsAre(kAcc));
  model::Inventory inv = Load(*store);
  ASSERT_EQ(inv.devices.size(), 1u);
  const model::Device unclassified = inv.devices[0];
  EXPECT_EQ(unclassified.server, "srv1");
  EXPECT_EQ(unclassified.queue, "newq");
  EXPECT_FALSE(unclassified.classified);
  EXPECT_EQ(unclassified.device_class, model::DeviceClass::kOther);
  EXPECT_NE(unclassified.id, 0);

  model::Device d;
  d.server = "srv1";
  d.queue = "newq";
  d.device_class = model::DeviceClass::kMfp;
  d.direction = "DATM";
  d.paper_id = "recy80";
  d.in_service = DaysFromCivil(2017, 1, 1);
  ASSERT_TRUE(store->UpsertDevices({d}).ok());
  inv = Load(*store);
  ASSERT_EQ(inv.devices.size(), 1u);
  EXPECT_EQ(inv.devices[0].id, unclassified.id);
  EXPECT_TRUE(inv.devices[0].classified);
  EXPECT_EQ(inv.devices[0].device_class, model::DeviceClass::kMfp);
  EXPECT_EQ(inv.devices[0].direction, "DATM");
  EXPECT_EQ(inv.devices[0].paper_id, "recy80");
  EXPECT_EQ(inv.devices[0].in_service, DaysFromCivil(2017, 1, 1));
  EXPECT_EQ(inv.devices[0].out_of_service, std::nullopt);

  // Later jobs on the queue use the same device.
  ASSERT_THAT(Commit(*store, {MakeJob(2, UtcSeconds(2018, 3, 6, 10, 0), "alice", "newq")}),
              ElementsAre(kAcc));
  EXPECT_EQ(Load(*store).devices.size(), 1u);
  std::vector<model::RollupRow> rows = Monthly(*store, MonthIndex(2018, 3), MonthIndex(2018, 3));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].device_id, unclassified.id);
  EXPECT_EQ(rows[0].sums.jobs, 2);
}

TEST_F(SqliteStoreTest, UpsertQueuesKeepsClassificationAndMarksDeleted) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  model::Device d;
  d.server = "srv1";
  d.queue = "q1";
  d.device_class = model::DeviceClass::kDesktopPrinter;
  d.direction = "DRH";
  ASSERT_TRUE(store->UpsertDevices({d}).ok());

  QueueRecord q1;
  q1.name = "q1";
  q1.make_model = "HP LaserJet 4250";
  q1.device_uri = "socket://10.0.0.5";
  q1.duplex_supported = true;
  QueueRecord q9;
  q9.name = "q9";
  q9.deleted = true;
  ASSERT_TRUE(store->UpsertQueues("srv1", "2.0", {q1, q9}).ok());

  model::Inventory inv = Load(*store);
  ASSERT_EQ(inv.devices.size(), 2u);
  const model::Device* got1 = FindDevice(inv, "srv1", "q1");
  ASSERT_NE(got1, nullptr);
  EXPECT_TRUE(got1->classified);
  EXPECT_EQ(got1->device_class, model::DeviceClass::kDesktopPrinter);
  EXPECT_EQ(got1->direction, "DRH");
  const model::Device* got9 = FindDevice(inv, "srv1", "q9");
  ASSERT_NE(got9, nullptr);
  EXPECT_FALSE(got9->classified);
  EXPECT_EQ(RawText("SELECT make_model FROM devices WHERE queue = 'q1'"), "HP LaserJet 4250");
  EXPECT_EQ(RawText("SELECT duplex_supported FROM devices WHERE queue = 'q1'"), "1");
  EXPECT_EQ(RawText("SELECT deleted FROM devices WHERE queue = 'q9'"), "1");
  EXPECT_EQ(RawText("SELECT agent_version FROM servers WHERE name = 'srv1'"), "2.0");

  // The queue comes back; the devices import again does not touch the agent's columns.
  q9.deleted = false;
  ASSERT_TRUE(store->UpsertQueues("srv1", "2.0", {q9}).ok());
  EXPECT_EQ(RawText("SELECT deleted FROM devices WHERE queue = 'q9'"), "0");
  ASSERT_TRUE(store->UpsertDevices({d}).ok());
  EXPECT_EQ(RawText("SELECT make_model FROM devices WHERE queue = 'q1'"), "HP LaserJet 4250");
  EXPECT_EQ(RawText("SELECT COUNT(*) FROM devices"), "2");
}

// v8: a queue's media-default and sides-default are kept with its device (a deletion record,
// which carries none, leaves them); a job printed on its queue's media-default says so, and
// so does a live record superseding its page_log copy.
TEST_F(SqliteStoreTest, QueueDefaultsAndMediaFromTheQueueAreKept) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  QueueRecord q;
  q.name = "q1";
  q.media_default = "iso_a3_297x420mm";
  q.sides_default = "two-sided-long-edge";
  ASSERT_TRUE(store->UpsertQueues("srv1", "2.0", {q}).ok());
  EXPECT_EQ(RawText("SELECT media_default || ' ' || sides_default FROM devices"),
            "iso_a3_297x420mm two-sided-long-edge");
  QueueRecord gone;
  gone.name = "q1";
  gone.deleted = true;
  ASSERT_TRUE(store->UpsertQueues("srv1", "2.0", {gone}).ok());
  EXPECT_EQ(RawText("SELECT media_default FROM devices"), "iso_a3_297x420mm");

  model::StoredJob own = MakeJob(1, UtcSeconds(2018, 3, 1, 9, 0));
  model::StoredJob from_queue = MakeJob(2, UtcSeconds(2018, 3, 1, 10, 0));
  from_queue.record.media = "iso_a3_297x420mm";
  from_queue.record.media_from_queue = true;
  model::StoredJob page_log = MakeJob(3, UtcSeconds(2018, 3, 1, 11, 0));
  page_log.record.source = RecordSource::kPageLog;
  ASSERT_TRUE(store->CommitJobs("srv1", "2.0", {own, from_queue, page_log}, {}).ok());
  model::StoredJob live = MakeJob(3, UtcSeconds(2018, 3, 1, 11, 0) + 2);
  live.record.media_from_queue = true;
  ASSERT_TRUE(store->CommitJobs("srv1", "2.0", {live}, {}).ok());
  EXPECT_EQ(RawText("SELECT group_concat(media_from_queue, ',') FROM"
                    " (SELECT media_from_queue FROM jobs ORDER BY cups_job_id)"),
            "0,1,1");
}

TEST_F(SqliteStoreTest, ReimportUpdatesInsteadOfDuplicating) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->UpsertPapers({{"std80", false, 80.0}, {"recy90", true, 90.0}}).ok());
  ASSERT_TRUE(store->UpsertPapers({{"recy90", false, 75.0}}).ok());
  auto ids = store->KnownPaperIds();
  ASSERT_TRUE(ids.ok());
  EXPECT_THAT(*ids, ElementsAre("recy90", "std80"));

  model::Device d;
  d.server = "srv1";
  d.queue = "q1";
  d.device_class = model::DeviceClass::kDesktopPrinter;
  d.direction = "DRH";
  d.in_service = DaysFromCivil(2015, 1, 1);
  d.out_of_service = DaysFromCivil(2018, 6, 30);
  ASSERT_TRUE(store->UpsertDevices({d}).ok());
  d.direction = "DATM";
  d.out_of_service = std::nullopt;
  ASSERT_TRUE(store->UpsertDevices({d}).ok());

  ASSERT_TRUE(store->UpsertWorkstations({{"DRH", DaysFromCivil(2017, 12, 31), 10}}).ok());
  ASSERT_TRUE(store
                  ->UpsertWorkstations({{"DRH", DaysFromCivil(2017, 12, 31), 12},
                                        {"DRH", DaysFromCivil(2018, 12, 31), 13}})
                  .ok());

  model::Inventory inv = Load(*store);
  ASSERT_EQ(inv.papers.size(), 2u);
  EXPECT_EQ(inv.papers[0].paper_id, "recy90");
  EXPECT_FALSE(inv.papers[0].recycled);
  EXPECT_DOUBLE_EQ(inv.papers[0].grammage_gsm, 75.0);
  EXPECT_TRUE(inv.papers[1].paper_id == "std80" && !inv.papers[1].recycled);
  ASSERT_EQ(inv.devices.size(), 1u);
  EXPECT_EQ(inv.devices[0].direction, "DATM");
  EXPECT_EQ(inv.devices[0].paper_id, "");
  EXPECT_EQ(inv.devices[0].out_of_service, std::nullopt);
  ASSERT_EQ(inv.workstations.size(), 2u);
  EXPECT_EQ(inv.workstations[0].date, DaysFromCivil(2017, 12, 31));
  EXPECT_EQ(inv.workstations[0].count, 12);
  EXPECT_EQ(inv.workstations[1].count, 13);
}

TEST_F(SqliteStoreTest, ReplaceUserDirectionsReplacesOnlyTheNamedUsers) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Day d1 = DaysFromCivil(2017, 1, 1);
  const Day d2 = DaysFromCivil(2018, 1, 1);
  ASSERT_TRUE(store
                  ->ReplaceUserDirections({{"alice", "DRH", d1, d2},
                                           {"alice", "DATM", d2, std::nullopt},
                                           {"bob", "DSI", std::nullopt, std::nullopt}})
                  .ok());
  ASSERT_EQ(Load(*store).users.size(), 3u);
  ASSERT_TRUE(store->ReplaceUserDirections({{"alice", "DAF", std::nullopt, d2}}).ok());
  model::Inventory inv = Load(*store);
  ASSERT_EQ(inv.users.size(), 2u);
  std::map<std::string, model::UserDirection> by_user;
  for (const model::UserDirection& u : inv.users) by_user[u.user] = u;
  EXPECT_EQ(by_user["alice"].direction, "DAF");
  EXPECT_EQ(by_user["alice"].valid_from, std::nullopt);
  EXPECT_EQ(by_user["alice"].valid_to, d2);
  EXPECT_EQ(by_user["bob"].direction, "DSI");
}

TEST_F(SqliteStoreTest, EnsureTimeZoneOnAnEmptyDatabaseStoresTheZone) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto paris = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(paris.ok());
  ASSERT_TRUE(store->EnsureTimeZone(*paris).ok());
  EXPECT_EQ(store->StoredTimeZone(), "Europe/Paris");
  ASSERT_TRUE(store->EnsureTimeZone(*paris).ok());  // same zone: nothing to do
  EXPECT_EQ(store->StoredTimeZone(), "Europe/Paris");
}

TEST_F(SqliteStoreTest, EnsureTimeZoneMovesJobsAcrossMidnight) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto paris = TimeZone::Load("Europe/Paris");
  auto new_york = TimeZone::Load("America/New_York");
  ASSERT_TRUE(paris.ok());
  ASSERT_TRUE(new_york.ok());
  const int32_t dec = MonthIndex(2018, 12);
  const int32_t jan = MonthIndex(2019, 1);
  // Dated in UTC, with no zone stored yet.
  ASSERT_THAT(Commit(*store, {MakeJob(1, UtcSeconds(2018, 12, 31, 23, 30)),  // Paris: Jan 1st
                              MakeJob(2, UtcSeconds(2018, 12, 15, 12, 0)),
                              MakeJob(3, UtcSeconds(2019, 1, 1, 0, 30))}),  // New York: Dec 31
              ElementsAre(kAcc, kAcc, kAcc));
  EXPECT_EQ(JobsPerMonth(*store, dec, jan), (std::map<int32_t, int64_t>{{dec, 2}, {jan, 1}}));
  const int64_t alice = UserId(*store, "alice");

  ASSERT_TRUE(store->EnsureTimeZone(*paris).ok());
  EXPECT_EQ(store->StoredTimeZone(), "Europe/Paris");
  EXPECT_EQ(JobsPerMonth(*store, dec, jan), (std::map<int32_t, int64_t>{{dec, 1}, {jan, 2}}));
  std::vector<model::RollupRow> days =
      Daily(*store, alice, DaysFromCivil(2018, 12, 1), DaysFromCivil(2019, 1, 31));
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days[0].period, DaysFromCivil(2018, 12, 15));
  EXPECT_EQ(days[1].period, DaysFromCivil(2019, 1, 1));
  EXPECT_EQ(days[1].sums.jobs, 2);
  EXPECT_EQ(days[1].sums.sheets, 6);

  // Westwards: jobs move to the previous local day.
  ASSERT_TRUE(store->EnsureTimeZone(*new_york).ok());
  EXPECT_EQ(JobsPerMonth(*store, dec, jan), (std::map<int32_t, int64_t>{{dec, 3}}));
  days = Daily(*store, alice, DaysFromCivil(2018, 12, 1), DaysFromCivil(2019, 1, 31));
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days[1].period, DaysFromCivil(2018, 12, 31));
  EXPECT_EQ(days[1].sums.jobs, 2);

  ASSERT_TRUE(store->EnsureTimeZone(TimeZone::Utc()).ok());
  EXPECT_EQ(store->StoredTimeZone(), "UTC");
  EXPECT_EQ(JobsPerMonth(*store, dec, jan), (std::map<int32_t, int64_t>{{dec, 2}, {jan, 1}}));
  // Dedup still works on the recomputed rows, and new jobs add to the rebuilt rollups.
  EXPECT_THAT(Commit(*store, {MakeJob(3, UtcSeconds(2019, 1, 1, 0, 31)),
                              MakeJob(4, UtcSeconds(2019, 1, 2, 0, 0))}),
              ElementsAre(kDup, kAcc));
  EXPECT_EQ(JobsPerMonth(*store, dec, jan), (std::map<int32_t, int64_t>{{dec, 2}, {jan, 2}}));
}

TEST_F(SqliteStoreTest, MigrationFromVersion1KeepsDataAndBackfillsRollups) {
  {
    auto old = SqliteStore::OpenAtSchemaVersionForTest(path_, 1);
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    SqliteStore& store = **old;
    EXPECT_EQ(store.SchemaVersion(), 1);
    EXPECT_EQ(RawText("SELECT COUNT(*) FROM sqlite_master WHERE name = 'rollup_daily'"), "0");
    // The job path needs the rollups: refused below the latest version.
    auto r = store.CommitJobs("srv1", "1", {MakeJob(1, UtcSeconds(2018, 3, 5, 10, 0))}, {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition);
    // Imports of tables that never changed work at v1; devices have periods from v3 on.
    ASSERT_TRUE(store.UpsertPapers({{"std80", false, 80.0}}).ok());
    model::Device d;
    d.server = "srv1";
    d.queue = "q1";
    EXPECT_EQ(store.UpsertDevices({d}).code(), Status::Code::kFailedPrecondition);
    EXPECT_EQ(store.LoadInventory().status().code(), Status::Code::kFailedPrecondition);
  }
  // A device and jobs as a v1 aggregator stored them: server 1, device 1 (classified as an mfp),
  // users alice (1) and '' (2).
  RawExec(
      "INSERT INTO devices(id, server, queue, classified, class) VALUES(1, 'srv1', 'q1', 1, 'mfp');"
      "INSERT INTO servers(id, name, agent_version, first_contact, last_contact)"
      "  VALUES(1, 'srv1', '0.9', 0, 0);"
      "INSERT INTO users(id, name) VALUES(1, 'alice'), (2, '');"
      "INSERT INTO jobs(server_id, device_id, cups_job_id, job_uuid, user_id, client_host,"
      "  created_at, completed_at, state, copies, sides, media, color_mode, number_up,"
      "  impressions, cups_sheets, title, source, sheets, area_um2, media_known, local_day,"
      "  received_at) VALUES"
      // alice, 2018-03-05, one-sided, 3 sheets
      "  (1, 1, 10, '', 1, '', 0, " +
      std::to_string(UtcSeconds(2018, 3, 5, 10, 0)) +
      ", 9, 1, 1, 'iso_a4_210x297mm', 1, 1, 3, 1, NULL, 1, 3, " + std::to_string(kA4) + ", 1, " +
      std::to_string(DaysFromCivil(2018, 3, 5)) +
      ", 0),"
      // alice, same day, two-sided colour, 2 sheets
      "  (1, 1, 11, '', 1, '', 0, " +
      std::to_string(UtcSeconds(2018, 3, 5, 11, 0)) +
      ", 9, 1, 2, 'iso_a4_210x297mm', 2, 1, 4, 1, NULL, 1, 2, " + std::to_string(kA4) + ", 1, " +
      std::to_string(DaysFromCivil(2018, 3, 5)) +
      ", 0),"
      // no user, April, unknown media, 4 sheets
      "  (1, 1, 12, '', 2, '', 0, " +
      std::to_string(UtcSeconds(2018, 4, 2, 10, 0)) + ", 9, 1, 1, '', 1, 1, 4, -1, NULL, 2, 4, " +
      std::to_string(kA4) + ", 0, " + std::to_string(DaysFromCivil(2018, 4, 2)) + ", 0);");

  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->SchemaVersion(), SqliteStore::kLatestSchemaVersion);
  // The migration leaves the v1 jobs to the writer's fold; readers see them meanwhile.
  EXPECT_EQ(RawText("SELECT folded_job_id FROM rollup_state"), "0");
  int64_t sheets = 0;
  for (const model::RollupRow& r : Monthly(*store, 0, std::numeric_limits<int32_t>::max())) {
    sheets += r.sums.sheets;
  }
  EXPECT_EQ(sheets, 9);
  ASSERT_TRUE(store->FoldRollups().ok());
  EXPECT_EQ(RawText("SELECT folded_job_id FROM rollup_state"), "3");
  EXPECT_EQ(RawText("SELECT SUM(sheets) FROM rollup_monthly"), "9");
  auto ids = store->KnownPaperIds();
  ASSERT_TRUE(ids.ok());
  EXPECT_THAT(*ids, ElementsAre("std80"));
  ASSERT_EQ(Load(*store).devices.size(), 1u);
  EXPECT_TRUE(Load(*store).devices[0].classified);
  EXPECT_EQ(Load(*store).devices[0].device_class, model::DeviceClass::kMfp);
  EXPECT_EQ(Count(store->CountJobs()), 3);

  std::vector<model::RollupRow> rows = Monthly(*store, MonthIndex(2018, 1), MonthIndex(2018, 12));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].period, MonthIndex(2018, 3));
  EXPECT_EQ(rows[0].device_id, 1);
  EXPECT_EQ(rows[0].user_id, 1);
  EXPECT_EQ(rows[0].area_um2, kA4);
  EXPECT_EQ(Tie(rows[0].sums), Tie(model::UsageSums{2, 5, 7, 2, 2, 0, 0}));
  EXPECT_EQ(rows[1].period, MonthIndex(2018, 4));
  EXPECT_EQ(rows[1].user_id, 2);
  EXPECT_EQ(Tie(rows[1].sums), Tie(model::UsageSums{1, 4, 4, 0, 0, 1, 4}));
  std::vector<model::RollupRow> days =
      Daily(*store, 1, DaysFromCivil(2018, 3, 1), DaysFromCivil(2018, 3, 31));
  ASSERT_EQ(days.size(), 1u);
  EXPECT_EQ(days[0].period, DaysFromCivil(2018, 3, 5));
  EXPECT_EQ(Tie(days[0].sums), Tie(model::UsageSums{2, 5, 7, 2, 2, 0, 0}));

  // The ingest path carries on from the migrated data.
  EXPECT_THAT(Commit(*store, {MakeJob(10, UtcSeconds(2018, 3, 5, 10, 0) + 4),
                              MakeJob(13, UtcSeconds(2018, 3, 6, 10, 0))}),
              ElementsAre(kDup, kAcc));
  rows = Monthly(*store, MonthIndex(2018, 3), MonthIndex(2018, 3));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].sums.jobs, 3);
  EXPECT_EQ(rows[0].sums.sheets, 8);
}

TEST_F(SqliteStoreTest, NewerSchemaVersionIsRefused) {
  { ASSERT_NE(OpenStore(), nullptr); }
  RawExec("PRAGMA user_version = 99");
  auto r = SqliteStore::Open(path_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("99"));
  EXPECT_THAT(r.status().message(),
              HasSubstr("version " + std::to_string(SqliteStore::kLatestSchemaVersion)));
  EXPECT_EQ(RawText("PRAGMA user_version"), "99");  // left untouched

  auto bad = SqliteStore::OpenAtSchemaVersionForTest(dir_ + "/other.db", 0);
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_F(SqliteStoreTest, NotADatabaseIsRefusedUnchanged) {
  {
    FILE* f = fopen(path_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs("this is not an SQLite database, just some text that is long enough........", f);
    fclose(f);
  }
  const std::string before = FileBytes(path_);
  for (bool create : {false, true}) {
    auto r = SqliteStore::Open(path_, create);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition) << r.status().ToString();
    EXPECT_THAT(r.status().message(), HasSubstr("not a SQLite database"));
    EXPECT_EQ(FileBytes(path_), before);
  }
}

// `ramette --db other.db indicators` once added ramette's tables to another program's database
// and switched it to WAL.
TEST_F(SqliteStoreTest, AnotherProgramsDatabaseIsRefusedByteForByteUnchanged) {
  RawExec(
      "PRAGMA journal_mode = DELETE; CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);"
      "INSERT INTO notes(body) VALUES ('hello')");
  const std::string before = FileBytes(path_);
  ASSERT_FALSE(before.empty());
  for (bool create : {false, true}) {
    auto r = SqliteStore::Open(path_, create);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition);
    EXPECT_THAT(r.status().message(), HasSubstr("another program"));
    EXPECT_THAT(r.status().message(), HasSubstr(path_));
    EXPECT_EQ(FileBytes(path_), before);
    EXPECT_FALSE(std::filesystem::exists(path_ + "-wal"));
  }
  // Another program that numbers its schema too.
  RawExec("PRAGMA user_version = 3");
  EXPECT_EQ(SqliteStore::Open(path_, true).status().code(), Status::Code::kFailedPrecondition);
  // Another program that stamps its application id, even on an empty database.
  std::filesystem::remove(path_);
  RawExec("PRAGMA application_id = 1234");
  auto r = SqliteStore::Open(path_, true);
  EXPECT_THAT(r.status().message(), HasSubstr("application id 1234"));
}

// A zero-byte file (a failed restore) once became an empty store whose indicators were zeros.
TEST_F(SqliteStoreTest, EmptyFileIsRefusedUnlessCreating) {
  { std::ofstream touch(path_); }
  auto r = SqliteStore::Open(path_, /*create=*/false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("is empty"));
  EXPECT_EQ(std::filesystem::file_size(path_), 0u);
  // Not creating never creates a missing file either.
  EXPECT_FALSE(SqliteStore::Open(dir_ + "/missing.db", /*create=*/false).ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/missing.db"));
  // The aggregator and the imports may make it a store; it then carries ramette's id.
  ASSERT_TRUE(SqliteStore::Open(path_, /*create=*/true).ok());
  EXPECT_EQ(RawText("PRAGMA application_id"), std::to_string(SqliteStore::kApplicationId));
  EXPECT_TRUE(SqliteStore::Open(path_, /*create=*/false).ok());
}

// A newer ramette's database was refused, but its header was switched from DELETE to WAL.
TEST_F(SqliteStoreTest, NewerSchemaIsRefusedWithItsHeaderUntouched) {
  { ASSERT_NE(OpenStore(), nullptr); }
  RawExec("PRAGMA journal_mode = DELETE; PRAGMA user_version = 99");
  const std::string before = FileBytes(path_);
  for (bool create : {false, true}) {
    auto r = SqliteStore::Open(path_, create);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.status().message(), HasSubstr("newer"));
    EXPECT_EQ(FileBytes(path_), before);
  }
}

TEST_F(SqliteStoreTest, ReopeningKeepsEverything) {
  auto paris = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(paris.ok());
  int64_t q1_id = 0;
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->EnsureTimeZone(*paris).ok());
    ASSERT_TRUE(store->UpsertPapers({{"std80", false, 80.0}}).ok());
    ASSERT_TRUE(store->UpsertWorkstations({{"DRH", DaysFromCivil(2018, 12, 31), 7}}).ok());
    ASSERT_TRUE(store->ReplaceUserDirections({{"alice", "DRH", std::nullopt, std::nullopt}}).ok());
    QuarantinedRecord bad{MakeJob(9, UtcSeconds(2018, 3, 1, 0, 0)).record, "bad"};
    ASSERT_THAT(Commit(*store,
                       {MakeJob(1, UtcSeconds(2018, 3, 5, 10, 0)),
                        MakeJob(2, UtcSeconds(2018, 3, 5, 11, 0), "bob", "q2")},
                       "srv1", {bad}),
                ElementsAre(kAcc, kAcc));
    q1_id = FindDevice(Load(*store), "srv1", "q1")->id;
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->StoredTimeZone(), "Europe/Paris");
  EXPECT_EQ(Count(store->CountJobs()), 2);
  EXPECT_EQ(Count(store->CountQuarantined()), 1);
  model::Inventory inv = Load(*store);
  EXPECT_EQ(inv.papers.size(), 1u);
  EXPECT_EQ(inv.devices.size(), 2u);
  EXPECT_EQ(inv.users.size(), 1u);
  EXPECT_EQ(inv.workstations.size(), 1u);
  EXPECT_EQ(FindDevice(inv, "srv1", "q1")->id, q1_id);
  EXPECT_EQ(Monthly(*store, MonthIndex(2018, 3), MonthIndex(2018, 3)).size(), 2u);
  // A fresh connection has empty caches: resends are still duplicates, new jobs reuse rows.
  EXPECT_THAT(Commit(*store, {MakeJob(1, UtcSeconds(2018, 3, 5, 10, 0)),
                              MakeJob(3, UtcSeconds(2018, 3, 5, 12, 0))}),
              ElementsAre(kDup, kAcc));
  EXPECT_EQ(Load(*store).devices.size(), 2u);
  auto names = store->LoadUserNames();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 2u);
}

TEST_F(SqliteStoreTest, LoadUserNamesIncludesTheEmptyName) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(Commit(*store, {MakeJob(1, UtcSeconds(2018, 3, 5, 10, 0), ""),
                              MakeJob(2, UtcSeconds(2018, 3, 5, 10, 0), "alice")}),
              ElementsAre(kAcc, kAcc));
  auto names = store->LoadUserNames();
  ASSERT_TRUE(names.ok());
  std::vector<std::string> values;
  for (const auto& [id, name] : *names) values.push_back(name);
  EXPECT_THAT(values, UnorderedElementsAre("", "alice"));
}

TEST_F(SqliteStoreTest, FailedCommitStoresNothingAndForgetsItsIds) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(Commit(*store, {MakeJob(1, UtcSeconds(2018, 3, 5, 10, 0))}), ElementsAre(kAcc));
  // Make the quarantine insert, which comes last, fail.
  RawExec(
      "CREATE TRIGGER fail_quarantine BEFORE INSERT ON quarantine "
      "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  QuarantinedRecord bad{MakeJob(9, UtcSeconds(2018, 3, 1, 0, 0)).record, "bad"};
  const std::vector<model::StoredJob> batch = {
      MakeJob(2, UtcSeconds(2018, 3, 6, 10, 0), "carol", "qx")};
  auto r = store->CommitJobs("srv1", "1.2.3", batch, {bad});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("injected failure"));
  EXPECT_EQ(Count(store->CountJobs()), 1);
  EXPECT_EQ(Count(store->CountQuarantined()), 0);
  EXPECT_EQ(FindDevice(Load(*store), "srv1", "qx"), nullptr);
  EXPECT_EQ(UserId(*store, "carol"), -1);
  ASSERT_EQ(Monthly(*store, MonthIndex(2018, 3), MonthIndex(2018, 3)).size(), 1u);

  // Another process takes the row ids the failed transaction had used.
  RawExec(
      "DROP TRIGGER fail_quarantine;"
      "INSERT INTO devices(server, queue) VALUES('other', 'qz');"
      "INSERT INTO users(name) VALUES('zed');");
  ASSERT_THAT(Commit(*store, batch, "srv1", {bad}), ElementsAre(kAcc));
  model::Inventory inv = Load(*store);
  const model::Device* qx = FindDevice(inv, "srv1", "qx");
  const model::Device* qz = FindDevice(inv, "other", "qz");
  ASSERT_NE(qx, nullptr);
  ASSERT_NE(qz, nullptr);
  const int64_t carol = UserId(*store, "carol");
  ASSERT_NE(carol, -1);
  std::vector<model::RollupRow> days =
      Daily(*store, carol, DaysFromCivil(2018, 3, 1), DaysFromCivil(2018, 3, 31));
  ASSERT_EQ(days.size(), 1u);
  EXPECT_EQ(days[0].device_id, qx->id);
  EXPECT_EQ(JobsPerMonth(*store, MonthIndex(2018, 3), MonthIndex(2018, 3))[MonthIndex(2018, 3)], 2);
  EXPECT_EQ(RawText("SELECT COUNT(*) FROM jobs j JOIN devices d ON d.id = j.device_id "
                    "JOIN users u ON u.id = j.user_id WHERE d.queue = 'qx' AND u.name = 'carol'"),
            "1");
  EXPECT_EQ(Count(store->CountQuarantined()), 1);
}

TEST_F(SqliteStoreTest, TwoConnectionsShareTheFile) {
  auto aggregator = OpenStore();
  auto cli = OpenStore();
  ASSERT_NE(aggregator, nullptr);
  ASSERT_NE(cli, nullptr);
  ASSERT_THAT(Commit(*aggregator, {MakeJob(1, UtcSeconds(2018, 3, 5, 10, 0))}), ElementsAre(kAcc));
  EXPECT_EQ(Count(cli->CountJobs()), 1);
  model::Device d;
  d.server = "srv1";
  d.queue = "q2";
  d.device_class = model::DeviceClass::kPrintShop;
  ASSERT_TRUE(cli->UpsertDevices({d}).ok());
  // The aggregator finds the device the CLI imported instead of creating another one.
  ASSERT_THAT(Commit(*aggregator, {MakeJob(2, UtcSeconds(2018, 3, 5, 10, 0), "alice", "q2")}),
              ElementsAre(kAcc));
  model::Inventory inv = Load(*aggregator);
  EXPECT_EQ(inv.devices.size(), 2u);
  EXPECT_EQ(FindDevice(inv, "srv1", "q2")->device_class, model::DeviceClass::kPrintShop);
  EXPECT_EQ(Monthly(*cli, MonthIndex(2018, 3), MonthIndex(2018, 3)).size(), 2u);
}

TEST_F(SqliteStoreTest, ConcurrentCommitsFromSeveralThreads) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 4;
  constexpr int kBatches = 20;
  constexpr int kPerBatch = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string server = "srv" + std::to_string(t);
      for (int b = 0; b < kBatches; ++b) {
        std::vector<model::StoredJob> jobs;
        for (int i = 0; i < kPerBatch; ++i) {
          jobs.push_back(MakeJob(b * kPerBatch + i, UtcSeconds(2018, 5, 1 + i, 9, 0),
                                 "user" + std::to_string(i % 7), "q" + std::to_string(i % 3)));
        }
        auto r = store->CommitJobs(server, "1", jobs, {});
        EXPECT_TRUE(r.ok()) << r.status().ToString();
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(Count(store->CountJobs()), kThreads * kBatches * kPerBatch);
  int64_t jobs = 0;
  for (const model::RollupRow& r : Monthly(*store, MonthIndex(2018, 5), MonthIndex(2018, 5))) {
    jobs += r.sums.jobs;
  }
  EXPECT_EQ(jobs, kThreads * kBatches * kPerBatch);
  EXPECT_EQ(Load(*store).devices.size(), 3u * kThreads);
}

// ---------------------------------------------------------------------------------------------
// Schema version 3: device service periods, the daily rows of one device, live records
// superseding page_log ones, the quarantine kept once per record.

model::Device Period(const std::string& queue, model::DeviceClass c, std::optional<Day> in_service,
                     std::optional<Day> out_of_service, const std::string& direction = "",
                     const std::string& paper_id = "", const std::string& server = "srv1") {
  model::Device d;
  d.server = server;
  d.queue = queue;
  d.device_class = c;
  d.direction = direction;
  d.paper_id = paper_id;
  d.in_service = in_service;
  d.out_of_service = out_of_service;
  return d;
}

// The inventory's entries for one queue, in the order LoadInventory gives them.
std::vector<model::Device> EntriesOf(const model::Inventory& inv, const std::string& server,
                                     const std::string& queue) {
  std::vector<model::Device> out;
  for (const model::Device& d : inv.devices) {
    if (d.server == server && d.queue == queue) out.push_back(d);
  }
  return out;
}

std::vector<model::RollupRow> DailyOfDevice(SqliteStore& store, int64_t device_id, Day first,
                                            Day last) {
  std::vector<model::RollupRow> rows;
  Status st = store.ForEachDailyRowOfDevice(device_id, first, last,
                                            [&](const model::RollupRow& r) { rows.push_back(r); });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return rows;
}

TEST_F(SqliteStoreTest, QueueReportedByAnAgentKeepsItsIdWhenClassifiedWithTwoPeriods) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(Commit(*store, {MakeJob(1, UtcSeconds(2018, 3, 5, 10, 0))}), ElementsAre(kAcc));
  QueueRecord q;
  q.name = "q1";
  q.make_model = "HP LaserJet 4250";
  ASSERT_TRUE(store->UpsertQueues("srv1", "2.0", {q}).ok());
  std::vector<model::Device> before = EntriesOf(Load(*store), "srv1", "q1");
  ASSERT_EQ(before.size(), 1u);
  EXPECT_FALSE(before[0].classified);
  EXPECT_EQ(before[0].in_service, std::nullopt);
  const int64_t id = before[0].id;

  // Given latest first: LoadInventory orders a queue's periods by in_service.
  const Day change = DaysFromCivil(2018, 6, 30);
  ASSERT_TRUE(store
                  ->UpsertDevices({Period("q1", model::DeviceClass::kMfp, change, std::nullopt,
                                          "DAF", "recy80"),
                                   Period("q1", model::DeviceClass::kDesktopPrinter,
                                          DaysFromCivil(2015, 1, 1), change, "DRH", "std80")})
                  .ok());
  std::vector<model::Device> periods = EntriesOf(Load(*store), "srv1", "q1");
  ASSERT_EQ(periods.size(), 2u);
  for (const model::Device& d : periods) {
    EXPECT_EQ(d.id, id);
    EXPECT_TRUE(d.classified);
  }
  EXPECT_EQ(periods[0].device_class, model::DeviceClass::kDesktopPrinter);
  EXPECT_EQ(periods[0].direction, "DRH");
  EXPECT_EQ(periods[0].paper_id, "std80");
  EXPECT_EQ(periods[0].in_service, DaysFromCivil(2015, 1, 1));
  EXPECT_EQ(periods[0].out_of_service, change);
  EXPECT_EQ(periods[1].device_class, model::DeviceClass::kMfp);
  EXPECT_EQ(periods[1].direction, "DAF");
  EXPECT_EQ(periods[1].paper_id, "recy80");
  EXPECT_EQ(periods[1].in_service, change);
  EXPECT_EQ(periods[1].out_of_service, std::nullopt);
  // What the agent reported stays; jobs keep landing on the same device.
  EXPECT_EQ(RawText("SELECT make_model FROM devices WHERE queue = 'q1'"), "HP LaserJet 4250");
  ASSERT_THAT(Commit(*store, {MakeJob(2, UtcSeconds(2018, 7, 5, 10, 0))}), ElementsAre(kAcc));
  EXPECT_EQ(RawText("SELECT COUNT(*) FROM devices"), "1");
  for (const model::RollupRow& r : Monthly(*store, 0, std::numeric_limits<int32_t>::max())) {
    EXPECT_EQ(r.device_id, id);
  }
}

TEST_F(SqliteStoreTest, ReimportReplacesAQueuesPeriodsAndLeavesOtherQueuesAlone) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Day d2015 = DaysFromCivil(2015, 1, 1);
  const Day d2017 = DaysFromCivil(2017, 1, 1);
  const Day d2018 = DaysFromCivil(2018, 1, 1);
  ASSERT_TRUE(
      store
          ->UpsertDevices({Period("q1", model::DeviceClass::kDesktopPrinter, d2015, d2017),
                           Period("q2", model::DeviceClass::kPrintShop, d2015, std::nullopt),
                           Period("q1", model::DeviceClass::kMfp, d2017, std::nullopt)})
          .ok());
  model::Inventory inv = Load(*store);
  ASSERT_EQ(inv.devices.size(), 3u);
  const int64_t q1 = EntriesOf(inv, "srv1", "q1").at(0).id;
  const int64_t q2 = EntriesOf(inv, "srv1", "q2").at(0).id;
  EXPECT_LT(q1, q2);  // queues are created in the order they first appear
  ASSERT_EQ(EntriesOf(inv, "srv1", "q1").size(), 2u);

  // q1 now has one period: the other one goes; q2 is not in the file and stays.
  ASSERT_TRUE(
      store->UpsertDevices({Period("q1", model::DeviceClass::kOther, d2018, std::nullopt)}).ok());
  inv = Load(*store);
  std::vector<model::Device> p1 = EntriesOf(inv, "srv1", "q1");
  ASSERT_EQ(p1.size(), 1u);
  EXPECT_EQ(p1[0].id, q1);
  EXPECT_EQ(p1[0].device_class, model::DeviceClass::kOther);
  EXPECT_EQ(p1[0].in_service, d2018);
  std::vector<model::Device> p2 = EntriesOf(inv, "srv1", "q2");
  ASSERT_EQ(p2.size(), 1u);
  EXPECT_EQ(p2[0].id, q2);
  EXPECT_EQ(p2[0].device_class, model::DeviceClass::kPrintShop);

  // The same file twice: nothing duplicates.
  const std::vector<model::Device> file = {
      Period("q1", model::DeviceClass::kDesktopPrinter, d2015, d2017),
      Period("q1", model::DeviceClass::kMfp, d2017, d2018),
      Period("q1", model::DeviceClass::kMfp, d2018, std::nullopt, "DAF")};
  ASSERT_TRUE(store->UpsertDevices(file).ok());
  ASSERT_TRUE(store->UpsertDevices(file).ok());
  inv = Load(*store);
  p1 = EntriesOf(inv, "srv1", "q1");
  ASSERT_EQ(p1.size(), 3u);
  for (const model::Device& d : p1) EXPECT_EQ(d.id, q1);
  EXPECT_EQ(p1[2].direction, "DAF");
  EXPECT_EQ(EntriesOf(inv, "srv1", "q2").size(), 1u);
  EXPECT_EQ(RawText("SELECT COUNT(*) FROM devices"), "2");
  EXPECT_EQ(RawText("SELECT COUNT(*) FROM device_periods"), "4");
  // The same queue name on another server is another device.
  ASSERT_TRUE(store
                  ->UpsertDevices(
                      {Period("q1", model::DeviceClass::kMfp, d2015, std::nullopt, "", "", "srv2")})
                  .ok());
  inv = Load(*store);
  ASSERT_EQ(EntriesOf(inv, "srv2", "q1").size(), 1u);
  EXPECT_NE(EntriesOf(inv, "srv2", "q1")[0].id, q1);
  EXPECT_EQ(EntriesOf(inv, "srv1", "q1").size(), 3u);
}

TEST_F(SqliteStoreTest, OverlappingPeriodsAreRefusedAndNothingIsImported) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Day d2015 = DaysFromCivil(2015, 1, 1);
  const Day d2016 = DaysFromCivil(2016, 6, 1);
  const Day d2017 = DaysFromCivil(2017, 1, 1);
  const model::Device ok = Period("q0", model::DeviceClass::kMfp, d2015, std::nullopt);
  for (const std::vector<model::Device>& bad : std::vector<std::vector<model::Device>>{
           {ok, Period("q1", model::DeviceClass::kMfp, d2015, d2017),
            Period("q1", model::DeviceClass::kMfp, d2016, std::nullopt)},
           {ok,
            Period("q1", model::DeviceClass::kMfp, d2015,
                   std::nullopt),  // open-ended, then another
            Period("q1", model::DeviceClass::kMfp, d2017, std::nullopt)},
           {ok, Period("q1", model::DeviceClass::kMfp, d2015, d2017),
            Period("q1", model::DeviceClass::kMfp, std::nullopt, std::nullopt)},
           {ok, Period("q1", model::DeviceClass::kMfp, d2015, d2017),  // the same row twice
            Period("q1", model::DeviceClass::kMfp, d2015, d2017)}}) {
    Status st = store->UpsertDevices(bad);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << st.ToString();
    EXPECT_THAT(st.message(), HasSubstr("srv1/q1"));
  }
  EXPECT_THAT(store
                  ->UpsertDevices({Period("q1", model::DeviceClass::kMfp, d2015, d2017),
                                   Period("q1", model::DeviceClass::kMfp, d2016, std::nullopt)})
                  .message(),
              HasSubstr("[2015-01-01, 2017-01-01) and [2016-06-01, open) overlap"));
  EXPECT_TRUE(Load(*store).devices.empty());
  // Adjacent periods do not overlap: out_of_service is exclusive.
  EXPECT_TRUE(store
                  ->UpsertDevices({Period("q1", model::DeviceClass::kMfp, d2016, std::nullopt),
                                   Period("q1", model::DeviceClass::kMfp, d2015, d2016)})
                  .ok());
  EXPECT_EQ(Load(*store).devices.size(), 2u);
}

TEST_F(SqliteStoreTest, ForEachDailyRowOfDeviceReadsEveryUserOfOneDevice) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  model::StoredJob a3 = MakeJob(3, UtcSeconds(2018, 3, 5, 12, 0), "alice", "q1");
  a3.area_um2 = kA3;
  ASSERT_THAT(Commit(*store, {MakeJob(1, UtcSeconds(2018, 3, 5, 10, 0), "alice", "q1"),
                              MakeJob(2, UtcSeconds(2018, 3, 5, 11, 0), "bob", "q1"), a3,
                              MakeJob(4, UtcSeconds(2018, 3, 7, 10, 0), "alice", "q1"),
                              MakeJob(5, UtcSeconds(2018, 3, 5, 10, 0), "alice", "q2"),
                              MakeJob(6, UtcSeconds(2018, 4, 1, 10, 0), "carol", "q1"),
                              MakeJob(7, UtcSeconds(2018, 3, 7, 15, 0), "alice", "q1")}),
              Each(kAcc));
  model::Inventory inv = Load(*store);
  const int64_t q1 = FindDevice(inv, "srv1", "q1")->id;
  const int64_t q2 = FindDevice(inv, "srv1", "q2")->id;
  const int64_t alice = UserId(*store, "alice");
  const int64_t bob = UserId(*store, "bob");
  const int64_t carol = UserId(*store, "carol");
  ASSERT_LT(alice, bob);

  std::vector<model::RollupRow> march =
      DailyOfDevice(*store, q1, DaysFromCivil(2018, 3, 1), DaysFromCivil(2018, 3, 31));
  // (period, user_id, area_um2) order.
  std::vector<std::tuple<Day, int64_t, int64_t, int64_t>> got;
  for (const model::RollupRow& r : march) {
    EXPECT_EQ(r.device_id, q1);
    got.emplace_back(r.period, r.user_id, r.area_um2, r.sums.jobs);
  }
  const Day d5 = DaysFromCivil(2018, 3, 5);
  const Day d7 = DaysFromCivil(2018, 3, 7);
  EXPECT_THAT(got,
              ElementsAre(std::make_tuple(d5, alice, kA4, 1), std::make_tuple(d5, alice, kA3, 1),
                          std::make_tuple(d5, bob, kA4, 1), std::make_tuple(d7, alice, kA4, 2)));
  EXPECT_EQ(Tie(march[3].sums), Tie(model::UsageSums{2, 6, 6, 0, 0, 0, 0}));
  // Both ends are inclusive; ranges may reach beyond the days stored.
  EXPECT_EQ(DailyOfDevice(*store, q1, d7, d7).size(), 1u);
  EXPECT_TRUE(DailyOfDevice(*store, q1, d5 + 1, d7 - 1).empty());
  std::vector<model::RollupRow> april =
      DailyOfDevice(*store, q1, DaysFromCivil(2018, 4, 1), std::numeric_limits<Day>::max());
  ASSERT_EQ(april.size(), 1u);
  EXPECT_EQ(april[0].user_id, carol);
  EXPECT_EQ(DailyOfDevice(*store, q1, std::numeric_limits<Day>::min(), 0).size(), 0u);
  EXPECT_EQ(DailyOfDevice(*store, q1, 0, std::numeric_limits<Day>::max()).size(), 5u);
  std::vector<model::RollupRow> other =
      DailyOfDevice(*store, q2, 0, std::numeric_limits<Day>::max());
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].device_id, q2);
  EXPECT_TRUE(DailyOfDevice(*store, 9999, 0, std::numeric_limits<Day>::max()).empty());

  // Folds first, including what another connection stored.
  auto writer = OpenStore();
  ASSERT_NE(writer, nullptr);
  ASSERT_THAT(Commit(*writer, {MakeJob(8, UtcSeconds(2018, 3, 6, 10, 0), "dave", "q1")}),
              ElementsAre(kAcc));
  EXPECT_EQ(DailyOfDevice(*store, q1, d5, d7).size(), 5u);
}

// A live record and its page_log copy that differ in every figure the rollups keep: the page_log
// line comes 4 s later, after midnight (so on another day and in another month), under another
// user name (bob), with one copy, one-sided, monochrome, without media.
model::StoredJob LiveRecord() {
  model::StoredJob live = MakeJob(1, UtcSeconds(2018, 3, 31, 23, 59, 58), "alice");
  live.record.copies = 2;
  live.record.sides = Sides::kTwoSidedLongEdge;
  live.record.color_mode = ColorMode::kColor;
  live.record.impressions_completed = 6;
  live.sheets = 4;  // 2 x ceil(3 / 2)
  return live;
}
model::StoredJob PageLogRecord() {
  model::StoredJob p = MakeJob(1, UtcSeconds(2018, 4, 1, 0, 0, 2), "bob");
  p.record.source = RecordSource::kPageLog;
  p.record.job_uuid = "";
  p.record.client_host = "";
  p.record.media = "";
  p.record.color_mode = ColorMode::kMonochrome;
  p.record.impressions_completed = 6;
  p.sheets = 6;
  p.media_known = false;
  return p;
}
// Another job in the page_log record's monthly row, not in its daily row.
model::StoredJob NeighbourOfPageLog() { return MakeJob(2, UtcSeconds(2018, 4, 2, 10, 0), "bob"); }

// The rollups and the job row hold the live record's figures, and the neighbour's.
void ExpectLiveFigures(SqliteStore& store,
                       const std::function<std::string(const std::string&)>& raw_text) {
  EXPECT_EQ(Count(store.CountJobs()), 2);
  const int64_t alice = UserId(store, "alice");
  const int64_t bob = UserId(store, "bob");
  std::vector<model::RollupRow> months = Monthly(store, MonthIndex(2018, 1), MonthIndex(2018, 12));
  ASSERT_EQ(months.size(), 2u);
  EXPECT_EQ(months[0].period, MonthIndex(2018, 3));
  EXPECT_EQ(months[0].user_id, alice);
  EXPECT_EQ(months[0].area_um2, kA4);
  EXPECT_EQ(Tie(months[0].sums), Tie(model::UsageSums{1, 4, 6, 4, 4, 0, 0}));
  EXPECT_EQ(months[1].period, MonthIndex(2018, 4));
  EXPECT_EQ(months[1].user_id, bob);
  EXPECT_EQ(Tie(months[1].sums), Tie(model::UsageSums{1, 3, 3, 0, 0, 0, 0}));
  const Day first = DaysFromCivil(2018, 1, 1);
  const Day last = DaysFromCivil(2018, 12, 31);
  std::vector<model::RollupRow> alice_days = Daily(store, alice, first, last);
  ASSERT_EQ(alice_days.size(), 1u);
  EXPECT_EQ(alice_days[0].period, DaysFromCivil(2018, 3, 31));
  EXPECT_EQ(Tie(alice_days[0].sums), Tie(model::UsageSums{1, 4, 6, 4, 4, 0, 0}));
  std::vector<model::RollupRow> bob_days = Daily(store, bob, first, last);
  ASSERT_EQ(bob_days.size(), 1u);
  EXPECT_EQ(bob_days[0].period, DaysFromCivil(2018, 4, 2));
  EXPECT_EQ(Tie(bob_days[0].sums), Tie(model::UsageSums{1, 3, 3, 0, 0, 0, 0}));
  EXPECT_EQ(DailyOfDevice(store, months[0].device_id, first, last).size(), 2u);
  // No row is left at zero.
  EXPECT_EQ(raw_text("SELECT COUNT(*) FROM rollup_daily WHERE jobs <= 0"), "0");
  EXPECT_EQ(raw_text("SELECT COUNT(*) FROM rollup_monthly WHERE jobs <= 0"), "0");
  EXPECT_EQ(raw_text("SELECT source || ' ' || copies || ' ' || sides || ' ' || completed_at ||"
                     " ' ' || sheets || ' ' || media_known || ' ' || job_uuid FROM jobs"
                     " WHERE cups_job_id = 1"),
            "1 2 2 " + std::to_string(UtcSeconds(2018, 3, 31, 23, 59, 58)) + " 4 1 urn:uuid:1");
}

TEST_F(SqliteStoreTest, LiveRecordSupersedesItsPageLogCopyInEitherOrder) {
  const model::StoredJob live = LiveRecord();
  const model::StoredJob page_log = PageLogRecord();
  const model::StoredJob neighbour = NeighbourOfPageLog();
  auto raw = [&](const std::string& sql) { return RawText(sql); };
  struct Case {
    const char* name;
    std::function<void(SqliteStore&)> run;
  };
  const std::vector<Case> cases = {
      {"page_log folded, then live",
       [&](SqliteStore& s) {
         ASSERT_THAT(Commit(s, {page_log, neighbour}), ElementsAre(kAcc, kAcc));
         ASSERT_TRUE(s.FoldRollups().ok());
         ASSERT_EQ(RawText("SELECT folded_job_id FROM rollup_state"), "2");
         EXPECT_THAT(Commit(s, {live}), ElementsAre(kDup));
       }},
      {"page_log unfolded, then live",
       [&](SqliteStore& s) {
         ASSERT_THAT(Commit(s, {page_log, neighbour}), ElementsAre(kAcc, kAcc));
         EXPECT_THAT(Commit(s, {live}), ElementsAre(kDup));
         EXPECT_EQ(RawText("SELECT folded_job_id FROM rollup_state"), "0");
       }},
      {"both in one batch",
       [&](SqliteStore& s) {
         EXPECT_THAT(Commit(s, {page_log, neighbour, live}), ElementsAre(kAcc, kAcc, kDup));
       }},
      {"page_log folded, live, then both again",
       [&](SqliteStore& s) {
         ASSERT_THAT(Commit(s, {page_log, neighbour}), ElementsAre(kAcc, kAcc));
         ASSERT_TRUE(s.FoldRollups().ok());
         EXPECT_THAT(Commit(s, {live}), ElementsAre(kDup));
         // Now stored as live: a resend and the page_log copy change nothing.
         EXPECT_THAT(Commit(s, {live, page_log}), ElementsAre(kDup, kDup));
       }},
      {"live folded, then page_log",
       [&](SqliteStore& s) {
         ASSERT_THAT(Commit(s, {live, neighbour}), ElementsAre(kAcc, kAcc));
         ASSERT_TRUE(s.FoldRollups().ok());
         EXPECT_THAT(Commit(s, {page_log}), ElementsAre(kDup));
       }},
      {"live unfolded, then page_log",
       [&](SqliteStore& s) {
         ASSERT_THAT(Commit(s, {live, neighbour}), ElementsAre(kAcc, kAcc));
         EXPECT_THAT(Commit(s, {page_log}), ElementsAre(kDup));
       }},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    path_ = dir_ + "/case" + std::to_string(i) + ".db";
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    cases[i].run(*store);
    ExpectLiveFigures(*store, raw);
    // The same from a connection without memory of its own (folding from the jobs table).
    store.reset();
    auto fresh = OpenStore();
    ASSERT_NE(fresh, nullptr);
    ExpectLiveFigures(*fresh, raw);
  }
}

TEST_F(SqliteStoreTest, SupersedingAnUnfoldedJobMakesOtherConnectionsPendingSumsStale) {
  auto a = OpenStore();
  auto b = OpenStore();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  // a holds the page_log record's sums in memory; b supersedes it before any fold.
  ASSERT_THAT(Commit(*a, {PageLogRecord(), NeighbourOfPageLog()}), ElementsAre(kAcc, kAcc));
  ASSERT_THAT(Commit(*b, {LiveRecord()}), ElementsAre(kDup));
  EXPECT_EQ(RawText("SELECT job_edits FROM rollup_state"), "1");
  EXPECT_EQ(RawText("SELECT folded_job_id FROM rollup_state"), "0");
  ASSERT_TRUE(a->FoldRollups().ok());
  ExpectLiveFigures(*a, [&](const std::string& sql) { return RawText(sql); });
  ExpectLiveFigures(*b, [&](const std::string& sql) { return RawText(sql); });
  // a carries on from memory again afterwards.
  ASSERT_THAT(Commit(*a, {MakeJob(3, UtcSeconds(2018, 3, 31, 10, 0))}), ElementsAre(kAcc));
  EXPECT_EQ(JobsPerMonth(*a, MonthIndex(2018, 3), MonthIndex(2018, 3))[MonthIndex(2018, 3)], 2);
  ASSERT_TRUE(a->FoldRollups().ok());
  EXPECT_EQ(RawText("SELECT SUM(jobs) FROM rollup_daily"), "3");
}

TEST_F(SqliteStoreTest, FailedCommitForgetsItsSupersedingToo) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(Commit(*store, {PageLogRecord(), NeighbourOfPageLog()}), ElementsAre(kAcc, kAcc));
  RawExec(
      "CREATE TRIGGER fail_quarantine BEFORE INSERT ON quarantine "
      "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  QuarantinedRecord bad{MakeJob(9, UtcSeconds(2018, 3, 1, 0, 0)).record, "bad"};
  ASSERT_FALSE(store->CommitJobs("srv1", "1", {LiveRecord()}, {bad}).ok());
  EXPECT_EQ(RawText("SELECT source FROM jobs WHERE cups_job_id = 1"), "2");  // still page_log
  EXPECT_EQ(RawText("SELECT job_edits FROM rollup_state"), "0");
  RawExec("DROP TRIGGER fail_quarantine");
  EXPECT_EQ(JobsPerMonth(*store, MonthIndex(2018, 3), MonthIndex(2018, 4)),
            (std::map<int32_t, int64_t>{{MonthIndex(2018, 4), 2}}));
  // The retry goes through.
  ASSERT_THAT(Commit(*store, {LiveRecord()}, "srv1", {bad}), ElementsAre(kDup));
  ExpectLiveFigures(*store, [&](const std::string& sql) { return RawText(sql); });
}

// Page_log copies of VariedJobs: one copy, one-sided, no media, 3 s later.
model::StoredJob PageLogCopy(const model::StoredJob& live) {
  model::StoredJob p = live;
  p.record.source = RecordSource::kPageLog;
  p.record.completed_at += 3;
  p.record.copies = 1;
  p.record.sides = Sides::kOneSided;
  p.record.media = "";
  p.record.job_uuid = "";
  p.local_day = TimeZone::Utc().LocalDay(p.record.completed_at);
  p.sheets = p.record.impressions_completed;
  p.area_um2 = kA4;
  p.media_known = false;
  return p;
}

TEST_F(SqliteStoreTest, SupersedingGivesTheRollupsOfTheFinalRecords) {
  // Jobs 1..200 arrive as page_log copies; the live records of some of them follow, before and
  // after folds, in the same batch or in later ones, from one connection or two.
  std::vector<model::StoredJob> live = VariedJobs(1, 200);
  std::vector<model::StoredJob> page_log;
  for (const model::StoredJob& j : live) page_log.push_back(PageLogCopy(j));
  auto slice = [](const std::vector<model::StoredJob>& v, int first, int last) {  // ids, inclusive
    return std::vector<model::StoredJob>(v.begin() + (first - 1), v.begin() + last);
  };
  auto concat = [](std::vector<model::StoredJob> a, const std::vector<model::StoredJob>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  // The final record of each job: live for 1..50 and 101..160, page_log otherwise.
  std::vector<model::StoredJob> final_records =
      concat(concat(concat(slice(live, 1, 50), slice(page_log, 51, 100)), slice(live, 101, 160)),
             slice(page_log, 161, 200));

  path_ = dir_ + "/reference.db";
  auto reference = OpenStore();
  ASSERT_NE(reference, nullptr);
  Commit(*reference, final_records);
  const auto expected = AllRows(*reference);
  ASSERT_GT(expected.size(), 100u);

  for (bool two_connections : {false, true}) {
    SCOPED_TRACE(two_connections ? "two connections" : "one connection");
    path_ = dir_ + (two_connections ? "/two.db" : "/one.db");
    auto a = OpenStore();
    ASSERT_NE(a, nullptr);
    std::unique_ptr<SqliteStore> second = two_connections ? OpenStore() : nullptr;
    SqliteStore& b = two_connections ? *second : *a;
    Commit(*a, slice(page_log, 1, 100));
    ASSERT_TRUE(a->FoldRollups().ok());
    // Folded jobs superseded, new page_log copies stored, in one batch.
    Commit(b, concat(slice(live, 1, 50), slice(page_log, 101, 200)));
    // Unfolded jobs superseded, and page_log copies of the same batch.
    Commit(b, concat(slice(live, 101, 150), slice(page_log, 1, 30)));
    Commit(*a, slice(live, 151, 160));
    EXPECT_EQ(Count(a->CountJobs()), 200);
    EXPECT_EQ(AllRows(*a), expected);
    EXPECT_EQ(AllRows(b), expected);
    EXPECT_EQ(RawText("SELECT COUNT(*) FROM rollup_daily WHERE jobs <= 0"), "0");
    EXPECT_EQ(RawText("SELECT COUNT(*) FROM rollup_monthly WHERE jobs <= 0"), "0");
  }
}

TEST_F(SqliteStoreTest, AReplayedBatchQuarantinesEachRecordOnce) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  QuarantinedRecord bad{MakeJob(42, UtcSeconds(2018, 3, 5, 10, 0)).record, "copies must be >= 1"};
  bad.record.copies = 0;
  ASSERT_THAT(Commit(*store, {}, "srv1", {bad}), ElementsAre());
  ASSERT_THAT(Commit(*store, {}, "srv1", {bad}), ElementsAre());
  EXPECT_EQ(Count(store->CountQuarantined()), 1);
  // Twice in one batch; with a title, which is not kept: still the same record.
  QuarantinedRecord titled = bad;
  titled.record.title = "secret";
  ASSERT_THAT(Commit(*store, {MakeJob(1, UtcSeconds(2018, 3, 5, 9, 0))}, "srv1", {bad, titled}),
              ElementsAre(kAcc));
  EXPECT_EQ(Count(store->CountQuarantined()), 1);
  EXPECT_EQ(RawText("SELECT COUNT(*) FROM quarantine"), "1");
  // Another reason, another server, another record: kept.
  QuarantinedRecord other_reason = bad;
  other_reason.reason = "something else";
  QuarantinedRecord other_record = bad;
  other_record.record.cups_job_id = 43;
  ASSERT_THAT(Commit(*store, {}, "srv1", {other_reason, other_record}), ElementsAre());
  ASSERT_THAT(Commit(*store, {}, "srv2", {bad}), ElementsAre());
  EXPECT_EQ(Count(store->CountQuarantined()), 4);
}

TEST_F(SqliteStoreTest, MigrationFromVersion2MovesClassificationToPeriods) {
  const Day d2014 = DaysFromCivil(2014, 1, 1);
  const Day d2015 = DaysFromCivil(2015, 1, 1);
  const Day d2018 = DaysFromCivil(2018, 6, 30);
  {
    auto old = SqliteStore::OpenAtSchemaVersionForTest(path_, 2);
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    EXPECT_EQ((*old)->SchemaVersion(), 2);
    EXPECT_EQ((*old)->LoadInventory().status().code(), Status::Code::kFailedPrecondition);
  }
  auto job = [](int device, int cups_job_id, int64_t completed_at, int sheets) {
    return "(1, " + std::to_string(device) + ", " + std::to_string(cups_job_id) +
           ", '', 1, '', 0, " + std::to_string(completed_at) +
           ", 9, 1, 1, 'iso_a4_210x297mm', 1, 1, " + std::to_string(sheets) + ", -1, NULL, 1, " +
           std::to_string(sheets) + ", " + std::to_string(kA4) + ", 1, " +
           std::to_string(TimeZone::Utc().LocalDay(completed_at)) + ", 0)";
  };
  // As a v2 aggregator stored them: a classified queue, one agents reported, a retired one;
  // jobs (not folded yet); a record quarantined twice.
  RawExec(
      "INSERT INTO servers(id, name, agent_version, first_contact, last_contact)"
      "  VALUES(1, 'srv1', '0.9', 0, 0);"
      "INSERT INTO devices(id, server, queue, classified, class, direction, paper_id,"
      "  in_service, out_of_service, make_model, first_seen, last_seen) VALUES"
      "  (1, 'srv1', 'q1', 1, 'mfp', 'DATM', 'recy80', " +
      std::to_string(d2015) +
      ", NULL, 'HP', 100, 200),"
      "  (2, 'srv1', 'q2', 0, NULL, NULL, NULL, NULL, NULL, 'Canon', 100, 200),"
      "  (3, 'srv1', 'q3', 1, 'print_shop', NULL, NULL, " +
      std::to_string(d2014) + ", " + std::to_string(d2018) +
      ", NULL, NULL, NULL);"
      "INSERT INTO users(id, name) VALUES(1, 'alice');"
      "INSERT INTO jobs(server_id, device_id, cups_job_id, job_uuid, user_id, client_host,"
      "  created_at, completed_at, state, copies, sides, media, color_mode, number_up,"
      "  impressions, cups_sheets, title, source, sheets, area_um2, media_known, local_day,"
      "  received_at) VALUES " +
      job(1, 10, UtcSeconds(2018, 3, 5, 10, 0), 3) + ", " +
      job(2, 11, UtcSeconds(2018, 3, 6, 10, 0), 5) +
      ";"
      "INSERT INTO quarantine(server, received_at, reason, record) VALUES"
      "  ('srv1', 1, 'bad', '{\"cups_job_id\":1}'), ('srv1', 2, 'bad', '{\"cups_job_id\":1}'),"
      "  ('srv1', 3, 'worse', '{\"cups_job_id\":1}'), ('srv2', 4, 'bad', '{\"cups_job_id\":1}');");

  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->SchemaVersion(), SqliteStore::kLatestSchemaVersion);
  model::Inventory inv = Load(*store);
  ASSERT_EQ(inv.devices.size(), 3u);
  const model::Device& q1 = inv.devices[0];
  EXPECT_EQ(q1.id, 1);
  EXPECT_TRUE(q1.classified);
  EXPECT_EQ(q1.device_class, model::DeviceClass::kMfp);
  EXPECT_EQ(q1.direction, "DATM");
  EXPECT_EQ(q1.paper_id, "recy80");
  EXPECT_EQ(q1.in_service, d2015);
  EXPECT_EQ(q1.out_of_service, std::nullopt);
  const model::Device& q2 = inv.devices[1];
  EXPECT_EQ(q2.id, 2);
  EXPECT_EQ(q2.queue, "q2");
  EXPECT_FALSE(q2.classified);
  EXPECT_EQ(q2.in_service, std::nullopt);
  const model::Device& q3 = inv.devices[2];
  EXPECT_EQ(q3.id, 3);
  EXPECT_TRUE(q3.classified);
  EXPECT_EQ(q3.device_class, model::DeviceClass::kPrintShop);
  EXPECT_EQ(q3.direction, "");
  EXPECT_EQ(q3.in_service, d2014);
  EXPECT_EQ(q3.out_of_service, d2018);
  // What agents reported stays; the classification columns are gone from devices.
  EXPECT_EQ(RawText("SELECT make_model || ' ' || first_seen || ' ' || last_seen FROM devices"
                    " WHERE id = 2"),
            "Canon 100 200");
  EXPECT_EQ(RawText("SELECT COUNT(*) FROM pragma_table_info('devices')"
                    " WHERE name IN ('classified', 'class', 'in_service')"),
            "0");
  // Exact duplicates left the quarantine (the first one stays), and stay out.
  EXPECT_EQ(Count(store->CountQuarantined()), 3);
  EXPECT_EQ(RawText("SELECT GROUP_CONCAT(received_at) FROM (SELECT received_at FROM quarantine"
                    " ORDER BY received_at)"),
            "1,3,4");
  EXPECT_EQ(RawText("SELECT job_edits FROM rollup_state"), "0");

  // The jobs fold onto the same device ids.
  EXPECT_EQ(JobsPerMonth(*store, MonthIndex(2018, 3), MonthIndex(2018, 3))[MonthIndex(2018, 3)], 2);
  std::vector<model::RollupRow> q2_days =
      DailyOfDevice(*store, 2, 0, std::numeric_limits<Day>::max());
  ASSERT_EQ(q2_days.size(), 1u);
  EXPECT_EQ(q2_days[0].sums.sheets, 5);
  ASSERT_THAT(Commit(*store, {MakeJob(12, UtcSeconds(2018, 3, 7, 10, 0), "alice", "q2")}),
              ElementsAre(kAcc));
  EXPECT_EQ(DailyOfDevice(*store, 2, 0, std::numeric_limits<Day>::max()).size(), 2u);
  EXPECT_EQ(RawText("SELECT COUNT(*) FROM devices"), "3");
  // Classifying the queue agents reported, with two periods, keeps its id.
  ASSERT_TRUE(store
                  ->UpsertDevices({Period("q2", model::DeviceClass::kDesktopPrinter, d2015, d2018),
                                   Period("q2", model::DeviceClass::kMfp, d2018, std::nullopt)})
                  .ok());
  std::vector<model::Device> q2_periods = EntriesOf(Load(*store), "srv1", "q2");
  ASSERT_EQ(q2_periods.size(), 2u);
  EXPECT_EQ(q2_periods[0].id, 2);
  EXPECT_EQ(q2_periods[1].id, 2);
}

TEST_F(SqliteStoreTest, MigrationFromVersion3AddsReportAddressesAndSends) {
  {
    auto old = SqliteStore::OpenAtSchemaVersionForTest(path_, 3);
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    EXPECT_EQ((*old)->SchemaVersion(), 3);
    ASSERT_TRUE((*old)->UpsertWorkstations({model::WorkstationCount{"DAF", 17000, 12}}).ok());
    EXPECT_EQ((*old)->DirectionEmails("DAF").status().code(), Status::Code::kFailedPrecondition);
    EXPECT_EQ((*old)->ReplaceDirectionContacts({}).code(), Status::Code::kFailedPrecondition);
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->SchemaVersion(), SqliteStore::kLatestSchemaVersion);
  model::Inventory inv = Load(*store);
  ASSERT_EQ(inv.workstations.size(), 1u);  // v3 data kept
  EXPECT_EQ(inv.workstations[0].count, 12);
  auto emails = store->DirectionEmails("DAF");
  ASSERT_TRUE(emails.ok());
  EXPECT_TRUE(emails->empty());
}

TEST_F(SqliteStoreTest, DirectionContactsAndReportSends) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->ReplaceDirectionContacts(
                      {model::DirectionContacts{"DAF", {"a@example.org", "b@example.org"}},
                       model::DirectionContacts{"DRH", {"drh@example.org"}}})
                  .ok());
  // Re-importing DAF replaces its addresses only; DRH keeps its own.
  ASSERT_TRUE(
      store->ReplaceDirectionContacts({model::DirectionContacts{"DAF", {"c@example.org"}}}).ok());
  EXPECT_THAT(*store->DirectionEmails("DAF"), ElementsAre("c@example.org"));
  EXPECT_THAT(*store->DirectionEmails("DRH"), ElementsAre("drh@example.org"));
  ASSERT_TRUE(store->ReplaceDirectionContacts({model::DirectionContacts{"DRH", {}}}).ok());
  EXPECT_TRUE(store->DirectionEmails("DRH")->empty());

  const int32_t march = MonthIndex(2018, 3);
  EXPECT_FALSE(*store->WasReportSent("DAF", march, "c@example.org"));
  ASSERT_TRUE(store->RecordReportSent("DAF", march, "c@example.org", 100).ok());
  ASSERT_TRUE(store->RecordReportSent("DAF", march, "c@example.org", 200).ok());  // no-op
  EXPECT_TRUE(*store->WasReportSent("DAF", march, "c@example.org"));
  EXPECT_FALSE(*store->WasReportSent("DAF", march + 1, "c@example.org"));
  EXPECT_FALSE(*store->WasReportSent("DRH", march, "c@example.org"));
  // Kept across connections.
  store.reset();
  auto again = OpenStore();
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(*again->WasReportSent("DAF", march, "c@example.org"));
}

TEST_F(SqliteStoreTest, MigrationToVersion5KeepsServersAndRecordsAgentStatus) {
  {
    auto old = SqliteStore::OpenAtSchemaVersionForTest(path_, 3);
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    // What a ramette of schema 3 wrote when an agent first reported (today's statements name
    // later columns).
    RawExec(
        "INSERT INTO servers(name, agent_version, first_contact, last_contact)"
        " VALUES('srv1', '0.1.0', 1700000000, 1700000000)");
    EXPECT_EQ((*old)->RecordAgentStatus("srv1", "0.1.0", {1, 2}, 3).code(),
              Status::Code::kFailedPrecondition);
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->SchemaVersion(), SqliteStore::kLatestSchemaVersion);
  auto before = store->ServerStatuses(StatusPeriods{}, true);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_EQ(before->size(), 1u);
  EXPECT_EQ((*before)[0].server, "srv1");
  EXPECT_FALSE((*before)[0].outbox_records.has_value());

  // A heartbeat updates the contact and the backlog; it also makes a first-time server known.
  ASSERT_TRUE(store->RecordAgentStatus("srv1", "0.2.0", {7, 1700000000}, 1700000100).ok());
  ASSERT_TRUE(store->RecordAgentStatus("srv2", "0.2.0", {0, 0}, 1700000200).ok());
  auto after = store->ServerStatuses(StatusPeriods{}, true);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].agent_version, "0.2.0");
  EXPECT_EQ((*after)[0].last_contact, 1700000100);
  EXPECT_EQ((*after)[0].outbox_records, 7);
  EXPECT_EQ((*after)[0].oldest_record_unix, 1700000000);
  EXPECT_EQ((*after)[1].server, "srv2");
  EXPECT_EQ((*after)[1].first_contact, 1700000200);
  EXPECT_EQ((*after)[1].outbox_records, 0);
}

TEST_F(SqliteStoreTest, MigrationToVersion6AddsAgentTokens) {
  {
    auto old = SqliteStore::OpenAtSchemaVersionForTest(path_, 5);
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    ASSERT_TRUE((*old)->RecordAgentStatus("srv1", "0.1.0", {1, 2}, 3).ok());
    EXPECT_EQ((*old)->AddAgentToken("srv1", auth::HashAgentToken("t"), 4).status().code(),
              Status::Code::kFailedPrecondition);
    EXPECT_EQ((*old)->ServerIdOfToken("t").status().code(), Status::Code::kFailedPrecondition);
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->SchemaVersion(), SqliteStore::kLatestSchemaVersion);
  auto servers = store->ServerStatuses(StatusPeriods{}, true);
  ASSERT_TRUE(servers.ok());
  ASSERT_EQ(servers->size(), 1u);  // v5 data kept
  EXPECT_EQ((*servers)[0].outbox_records, 1);

  auto list = store->ListAgentTokens();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_TRUE(list->empty());
  EXPECT_EQ(store->ServerIdOfToken("rmt_x").status().code(), Status::Code::kUnauthenticated);
}

TEST_F(SqliteStoreTest, MigrationToVersion11AddsPurchasesAndMeterReadings) {
  model::Purchase p;
  p.date = DaysFromCivil(2018, 5, 1);
  p.paper_id = "std";
  p.quantity = 2.5;
  p.amount_cents = 1250;
  {
    auto old = SqliteStore::OpenAtSchemaVersionForTest(path_, 10);
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    ASSERT_TRUE((*old)->UpsertPapers({{"std", false, 80}}).ok());
    EXPECT_EQ((*old)->ReplacePurchases({p}).code(), Status::Code::kFailedPrecondition);
    EXPECT_EQ((*old)->UpsertMeterReadings({{"s", "q", 1, 1}}).code(),
              Status::Code::kFailedPrecondition);
    // A v10 database reads as having no purchases and no readings.
    auto inv = (*old)->LoadInventory();
    ASSERT_TRUE(inv.ok()) << inv.status().ToString();
    EXPECT_FALSE(inv->has_purchases);
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->SchemaVersion(), SqliteStore::kLatestSchemaVersion);
  ASSERT_TRUE(store->ReplacePurchases({p}).ok());
  ASSERT_TRUE(store->UpsertMeterReadings({{"s", "q", 1, 1}}).ok());
  auto inv = store->LoadInventory();
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  EXPECT_TRUE(inv->has_purchases);
  auto bought = store->LoadPurchases(p.date, p.date);
  ASSERT_TRUE(bought.ok()) << bought.status().ToString();
  EXPECT_EQ(*bought, std::vector<model::Purchase>{p});
  EXPECT_TRUE(inv->has_meter_readings);
  EXPECT_EQ(inv->papers.size(), 1u);
}

// v12: the table itself refuses what AccountProblem refuses about roles, whoever writes.
TEST_F(SqliteStoreTest, WebAccountsTableChecksRoleAndDirection) {
  ASSERT_NE(OpenStore(), nullptr);
  auto exec = [&](const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return rc;
  };
  const std::string insert =
      "INSERT INTO web_accounts(name, role, direction, password_hash, created_at, updated_at) "
      "VALUES";
  EXPECT_EQ(exec(insert + "('a', 'admin', 'DSI', 'h', 1, 1)"), SQLITE_CONSTRAINT);
  EXPECT_EQ(exec(insert + "('d', 'direction', '', 'h', 1, 1)"), SQLITE_CONSTRAINT);
  EXPECT_EQ(exec(insert + "('r', 'root', '', 'h', 1, 1)"), SQLITE_CONSTRAINT);
  EXPECT_EQ(exec(insert + "('e', 'it', '', '', 1, 1)"), SQLITE_CONSTRAINT);
  EXPECT_EQ(exec(insert + "('d', 'direction', 'DSI', 'h', 1, 1)"), SQLITE_OK);
  EXPECT_EQ(exec(insert + "('d', 'it', '', 'h', 1, 1)"), SQLITE_CONSTRAINT);  // the name
  EXPECT_EQ(RawText("SELECT COUNT(*) FROM web_accounts"), "1");
}

TEST_F(SqliteStoreTest, MigrationToVersion10MarksUsersRowsAsCsv) {
  {
    auto old = SqliteStore::OpenAtSchemaVersionForTest(path_, 9);
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    ASSERT_TRUE((*old)->ReplaceUserDirections({{"alice", "DSI", std::nullopt, std::nullopt}}).ok());
    EXPECT_EQ((*old)->LoadUserRows().status().code(), Status::Code::kFailedPrecondition);
    EXPECT_EQ((*old)->ApplyDirectorySync({}).code(), Status::Code::kFailedPrecondition);
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->SchemaVersion(), SqliteStore::kLatestSchemaVersion);
  auto rows = store->LoadUserRows();
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].source, UserRowSource::kCsv);
  // A CSV row is not a sync's to close.
  DirectoryChanges close;
  close.closes = {{(*rows)[0].id, 100}};
  EXPECT_EQ(store->ApplyDirectorySync(close).code(), Status::Code::kFailedPrecondition);
  EXPECT_FALSE(store->LastDirectorySync()->has_value());
}

TEST_F(SqliteStoreTest, AgentTokensAreBoundListedAndRevoked) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto a1 = store->AddAgentToken("prn-a", auth::HashAgentToken("token-a1"), 100);
  auto a2 = store->AddAgentToken("prn-a", auth::HashAgentToken("token-a2"), 101);
  auto b = store->AddAgentToken("prn-b", auth::HashAgentToken("token-b"), 102);
  ASSERT_TRUE(a1.ok() && a2.ok() && b.ok());
  EXPECT_EQ(*a1, auth::HashAgentToken("token-a1").substr(0, 8));
  // The same hash twice (or a public-id collision) is refused, not silently merged.
  EXPECT_EQ(store->AddAgentToken("prn-c", auth::HashAgentToken("token-b"), 103).status().code(),
            Status::Code::kFailedPrecondition);

  EXPECT_EQ(*store->ServerIdOfToken("token-a1"), "prn-a");
  EXPECT_EQ(*store->ServerIdOfToken("token-b"), "prn-b");
  EXPECT_EQ(store->ServerIdOfToken("token-c").status().code(), Status::Code::kUnauthenticated);

  EXPECT_EQ(*store->RevokeAgentTokens(*a1, "", 200), 1);
  EXPECT_EQ(*store->RevokeAgentTokens(*a1, "", 201), 0);  // already revoked
  auto revoked = store->ServerIdOfToken("token-a1");
  EXPECT_EQ(revoked.status().code(), Status::Code::kUnauthenticated);
  EXPECT_NE(revoked.status().message().find("revoked"), std::string::npos);
  EXPECT_EQ(revoked.status().message().find("token-a1"), std::string::npos);
  EXPECT_EQ(*store->ServerIdOfToken("token-a2"), "prn-a");

  EXPECT_EQ(*store->RevokeAgentTokens("", "prn-a", 300), 1);
  EXPECT_EQ(store->ServerIdOfToken("token-a2").status().code(), Status::Code::kUnauthenticated);
  EXPECT_EQ(*store->ServerIdOfToken("token-b"), "prn-b");
  EXPECT_EQ(store->RevokeAgentTokens("", "", 300).status().code(), Status::Code::kInvalidArgument);

  auto list = store->ListAgentTokens();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].server_id, "prn-a");
  EXPECT_EQ((*list)[0].revoked_at, 200);
  EXPECT_EQ((*list)[1].revoked_at, 300);
  EXPECT_EQ((*list)[2].server_id, "prn-b");
  EXPECT_FALSE((*list)[2].revoked_at.has_value());
  EXPECT_EQ((*list)[2].created_at, 102);
}

}  // namespace
}  // namespace ramette::aggregator::store
