// Tests of PostgresStore against a real PostgreSQL (tests/postgres/private_postgres.h), one
// server per test program and a fresh database per test: exactly-once across connections and
// processes, supersedes, rollups, quarantine, imports, tokens, sends, status, migrations from
// every older version, refusals that leave the database untouched, and connection errors.
#include "aggregator/store/postgres_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "aggregator/auth/agent_token.h"
#include "aggregator/store/store_test_jobs.h"
#include "tests/postgres/private_postgres.h"

namespace ramette::aggregator::store {
namespace {

using store_test::kA4;
using store_test::MakeJob;
using store_test::Tie;
using store_test::UtcSeconds;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::PrivatePostgres;

constexpr StoreOutcome kAcc = StoreOutcome::kAccepted;
constexpr StoreOutcome kDup = StoreOutcome::kDuplicate;

// The server shared by every test of this program.
PrivatePostgres* g_server = nullptr;
std::string g_skip_reason;

class PostgresEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (!PrivatePostgres::Available()) {
      g_skip_reason = std::string("PostgreSQL binaries not found in ") + PrivatePostgres::kBinDir +
                      " (apt-get install postgresql-15)";
      return;
    }
    auto started = PrivatePostgres::Start();
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value();
    g_server = server_.get();
  }
  void TearDown() override {
    if (server_ != nullptr && ::testing::UnitTest::GetInstance()->failed_test_count() > 0) {
      std::cerr << "--- the end of the PostgreSQL server's log ---\n" << server_->LogTail() << "\n";
    }
    g_server = nullptr;
    server_.reset();
  }

 private:
  std::unique_ptr<PrivatePostgres> server_;
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (g_server == nullptr) GTEST_SKIP() << g_skip_reason;
    static int counter = 0;
    db_ = "t" + std::to_string(getpid()) + "_" + std::to_string(++counter);
    auto uri = g_server->CreateDatabase(db_);
    ASSERT_TRUE(uri.ok()) << uri.status().ToString();
    uri_ = *uri;
  }

  std::unique_ptr<PostgresStore> OpenStore(bool create = true) {
    auto r = PostgresStore::Open(uri_, create);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  // The first column of every row of `sql` in this test's database, one per line.
  std::string Sql(const std::string& sql) {
    auto r = g_server->Query(db_, sql);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : "";
  }

  std::string db_;
  std::string uri_;
};

std::vector<StoreOutcome> Commit(PostgresStore& store, const std::vector<model::StoredJob>& jobs,
                                 const std::string& server = "srv1",
                                 const std::vector<QuarantinedRecord>& rejected = {}) {
  auto r = store.CommitJobs(server, "1.2.3", jobs, rejected);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<StoreOutcome>{};
}

std::vector<model::RollupRow> Monthly(PostgresStore& store, int32_t first, int32_t last) {
  std::vector<model::RollupRow> rows;
  Status st =
      store.ForEachMonthlyRow(first, last, [&](const model::RollupRow& r) { rows.push_back(r); });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return rows;
}

std::vector<model::RollupRow> Daily(PostgresStore& store, int64_t user_id, Day first, Day last) {
  std::vector<model::RollupRow> rows;
  Status st = store.ForEachDailyRow(user_id, first, last,
                                    [&](const model::RollupRow& r) { rows.push_back(r); });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return rows;
}

model::UsageSums MonthlyTotal(PostgresStore& store) {
  model::UsageSums total;
  for (const model::RollupRow& r : Monthly(store, 0, 1 << 30)) total.Add(r.sums);
  return total;
}

int64_t UserId(PostgresStore& store, const std::string& name) {
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

TEST_F(PostgresStoreTest, FreshDatabaseIsAtTheLatestVersion) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->SchemaVersion(), PostgresStore::kLatestSchemaVersion);
  EXPECT_EQ(Sql("SELECT version FROM ramette_schema"),
            std::to_string(PostgresStore::kLatestSchemaVersion) + "\n");
  EXPECT_EQ(store->Description(), uri_);
  EXPECT_TRUE(store->FoldRollups().ok());
  EXPECT_EQ(Count(store->CountJobs()), 0);
  // Opening again changes nothing.
  auto again = OpenStore(false);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->SchemaVersion(), PostgresStore::kLatestSchemaVersion);
}

TEST_F(PostgresStoreTest, DuplicatesWithinTheWindowOnlyForTheSameServerAndJobId) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const int64_t t = UtcSeconds(2024, 3, 5, 10, 0);
  EXPECT_THAT(Commit(*store, {MakeJob(1, t)}), ElementsAre(kAcc));
  EXPECT_THAT(Commit(*store, {MakeJob(1, t)}), ElementsAre(kDup));
  EXPECT_THAT(Commit(*store, {MakeJob(1, t + 300), MakeJob(1, t - 300)}), ElementsAre(kDup, kDup));
  EXPECT_THAT(Commit(*store, {MakeJob(1, t + 301)}), ElementsAre(kAcc));
  EXPECT_THAT(Commit(*store, {MakeJob(1, t - 301)}), ElementsAre(kAcc));
  EXPECT_THAT(Commit(*store, {MakeJob(2, t)}), ElementsAre(kAcc));
  EXPECT_THAT(Commit(*store, {MakeJob(1, t)}, "srv2"), ElementsAre(kAcc));
  // Within one batch: the first record of a job is stored.
  EXPECT_THAT(Commit(*store, {MakeJob(7, t), MakeJob(7, t + 5), MakeJob(8, t), MakeJob(7, t)}),
              ElementsAre(kAcc, kDup, kAcc, kDup));
  EXPECT_THAT(Commit(*store, {}), ElementsAre());
  EXPECT_EQ(Count(store->CountJobs()), 7);
  EXPECT_EQ(MonthlyTotal(*store).jobs, 7);
  EXPECT_EQ(MonthlyTotal(*store).sheets, 21);
}

TEST_F(PostgresStoreTest, RollupsSumTheJobsByDayAndMonth) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  model::StoredJob duplex = MakeJob(2, UtcSeconds(2024, 3, 5, 12, 0));
  duplex.record.sides = Sides::kTwoSidedLongEdge;
  duplex.record.color_mode = ColorMode::kColor;
  duplex.sheets = 2;
  model::StoredJob unknown = MakeJob(3, UtcSeconds(2024, 4, 1, 8, 0), "bob");
  unknown.media_known = false;
  Commit(*store, {MakeJob(1, UtcSeconds(2024, 3, 5, 10, 0)), duplex, unknown});
  const int32_t march = 2024 * 12 + 2;
  auto months = Monthly(*store, march, march + 1);
  ASSERT_EQ(months.size(), 2u);
  EXPECT_EQ(months[0].period, march);
  EXPECT_EQ(Tie(months[0].sums), std::make_tuple(2, 5, 6, 2, 2, 0, 0));
  EXPECT_EQ(months[1].period, march + 1);
  EXPECT_EQ(Tie(months[1].sums), std::make_tuple(1, 3, 3, 0, 0, 1, 3));
  const Day day = DaysFromCivil(2024, 3, 5);
  auto days = Daily(*store, UserId(*store, "alice"), day - 10, day + 100);
  ASSERT_EQ(days.size(), 1u);
  EXPECT_EQ(days[0].period, day);
  EXPECT_EQ(days[0].sums.jobs, 2);
  std::vector<model::RollupRow> of_device;
  ASSERT_TRUE(
      store
          ->ForEachDailyRowOfDevice(days[0].device_id, day, day + 30,
                                    [&](const model::RollupRow& r) { of_device.push_back(r); })
          .ok());
  ASSERT_EQ(of_device.size(), 2u);  // alice's day and bob's
  EXPECT_LT(of_device[0].period, of_device[1].period);
}

TEST_F(PostgresStoreTest, LiveRecordSupersedesItsPageLogCopy) {
  const int64_t t = UtcSeconds(2024, 3, 5, 23, 58);
  model::StoredJob page_log = MakeJob(5, t, "");
  page_log.record.source = RecordSource::kPageLog;
  model::StoredJob live = MakeJob(5, t + 200, "carol");  // the next day in UTC
  live.record.copies = 2;
  live.sheets = 6;
  live.local_day = TimeZone::Utc().LocalDay(t + 200);
  for (int order = 0; order < 3; ++order) {
    SCOPED_TRACE(order);
    if (order > 0) SetUp();
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    if (order == 0) {
      ASSERT_THAT(Commit(*store, {page_log}), ElementsAre(kAcc));
      EXPECT_THAT(Commit(*store, {live}), ElementsAre(kDup));
      EXPECT_THAT(Commit(*store, {live, page_log}), ElementsAre(kDup, kDup));
    } else if (order == 1) {
      EXPECT_THAT(Commit(*store, {page_log, live}), ElementsAre(kAcc, kDup));
    } else {
      ASSERT_THAT(Commit(*store, {live}), ElementsAre(kAcc));
      EXPECT_THAT(Commit(*store, {page_log}), ElementsAre(kDup));
    }
    EXPECT_EQ(Count(store->CountJobs()), 1);
    EXPECT_EQ(Sql("SELECT copies || ' ' || sheets || ' ' || source FROM jobs"), "2 6 1\n");
    // Only the live key is left in the rollups: the page_log day's rows are gone.
    EXPECT_EQ(Sql("SELECT COUNT(*) FROM rollup_daily"), "1\n");
    EXPECT_EQ(Sql("SELECT period || ' ' || jobs || ' ' || sheets FROM rollup_daily"),
              std::to_string(live.local_day) + " 1 6\n");
    EXPECT_EQ(Tie(MonthlyTotal(*store)), std::make_tuple(1, 6, 3, 0, 0, 0, 0));
  }
}

TEST_F(PostgresStoreTest, AReplayedBatchQuarantinesEachRecordOnce) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  model::StoredJob bad = MakeJob(9, UtcSeconds(2024, 1, 1, 0, 0));
  bad.record.copies = 0;
  bad.record.title = "secret title";
  bad.record.user = "o\"brien\\x";
  const std::vector<QuarantinedRecord> rejected = {{bad.record, "copies < 1 (got 0)"},
                                                   {bad.record, "another reason"}};
  Commit(*store, {MakeJob(1, UtcSeconds(2024, 1, 1, 0, 0))}, "srv1", rejected);
  Commit(*store, {}, "srv1", rejected);
  Commit(*store, {}, "srv2", rejected);
  EXPECT_EQ(Count(store->CountQuarantined()), 4);
  const std::string json = Sql("SELECT record FROM quarantine ORDER BY id LIMIT 1");
  EXPECT_THAT(json, HasSubstr("\"user\":\"o\\\"brien\\\\x\""));
  EXPECT_THAT(json, Not(HasSubstr("secret")));
}

TEST_F(PostgresStoreTest, QueuesDevicesAndInventory) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Commit(*store, {MakeJob(1, UtcSeconds(2024, 1, 1, 0, 0), "alice", "walkup")});
  QueueRecord q;
  q.name = "q2";
  q.make_model = "HP";
  q.color_supported = true;
  ASSERT_TRUE(store->UpsertQueues("srv1", "1.2.3", {q}).ok());
  ASSERT_TRUE(store->UpsertPapers({{"recycled80", true, 80.0}, {"std75", false, 74.5}}).ok());
  model::Device d1;
  d1.server = "srv1";
  d1.queue = "q2";
  d1.device_class = model::DeviceClass::kMfp;
  d1.direction = "DRH";
  d1.paper_id = "recycled80";
  d1.in_service = DaysFromCivil(2020, 1, 1);
  d1.out_of_service = DaysFromCivil(2022, 1, 1);
  model::Device d2 = d1;
  d2.in_service = DaysFromCivil(2022, 1, 1);
  d2.out_of_service.reset();
  d2.direction = "DSI";
  ASSERT_TRUE(store->UpsertDevices({d2, d1}).ok());
  model::Device overlapping = d1;
  overlapping.out_of_service = DaysFromCivil(2023, 1, 1);
  EXPECT_EQ(store->UpsertDevices({overlapping, d2}).code(), Status::Code::kInvalidArgument);
  ASSERT_TRUE(store->ReplaceUserDirections({{"alice", "DRH", std::nullopt, std::nullopt}}).ok());
  ASSERT_TRUE(store->UpsertWorkstations({{"DRH", DaysFromCivil(2023, 12, 31), 40}}).ok());
  ASSERT_TRUE(store->UpsertWorkstations({{"DRH", DaysFromCivil(2023, 12, 31), 42}}).ok());

  auto inv = store->LoadInventory();
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  ASSERT_EQ(inv->papers.size(), 2u);
  EXPECT_EQ(inv->papers[1].paper_id, "std75");
  EXPECT_EQ(inv->papers[1].grammage_gsm, 74.5);
  ASSERT_EQ(inv->devices.size(), 3u);
  EXPECT_EQ(inv->devices[0].queue, "walkup");
  EXPECT_FALSE(inv->devices[0].classified);
  EXPECT_EQ(inv->devices[1].direction, "DRH");  // periods by in_service
  EXPECT_EQ(inv->devices[2].direction, "DSI");
  EXPECT_EQ(inv->devices[1].id, inv->devices[2].id);
  EXPECT_EQ(inv->devices[1].device_class, model::DeviceClass::kMfp);
  ASSERT_EQ(inv->users.size(), 1u);
  ASSERT_EQ(inv->workstations.size(), 1u);
  EXPECT_EQ(inv->workstations[0].count, 42);
  auto papers = store->KnownPaperIds();
  ASSERT_TRUE(papers.ok());
  EXPECT_THAT(*papers, ElementsAre("recycled80", "std75"));

  auto statuses = store->ServerStatuses({0, 0}, true);
  ASSERT_TRUE(statuses.ok()) << statuses.status().ToString();
  ASSERT_EQ(statuses->size(), 1u);
  EXPECT_EQ((*statuses)[0].unclassified_queues, 1);  // walkup
  EXPECT_EQ((*statuses)[0].jobs_this_month, 1);
}

// v8, as SQLite: queue defaults kept with the device (not cleared by a deletion record), and
// media_from_queue stored, also by a live record superseding its page_log copy.
TEST_F(PostgresStoreTest, QueueDefaultsAndMediaFromTheQueueAreKept) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  QueueRecord q;
  q.name = "q1";
  q.media_default = "iso_a3_297x420mm";
  q.sides_default = "two-sided-long-edge";
  ASSERT_TRUE(store->UpsertQueues("srv1", "2.0", {q}).ok());
  EXPECT_EQ(Sql("SELECT media_default || ' ' || sides_default FROM devices"),
            "iso_a3_297x420mm two-sided-long-edge\n");
  QueueRecord gone;
  gone.name = "q1";
  gone.deleted = true;
  ASSERT_TRUE(store->UpsertQueues("srv1", "2.0", {gone}).ok());
  EXPECT_EQ(Sql("SELECT media_default FROM devices"), "iso_a3_297x420mm\n");

  model::StoredJob own = MakeJob(1, UtcSeconds(2018, 3, 1, 9, 0));
  model::StoredJob from_queue = MakeJob(2, UtcSeconds(2018, 3, 1, 10, 0));
  from_queue.record.media = "iso_a3_297x420mm";
  from_queue.record.media_from_queue = true;
  model::StoredJob page_log = MakeJob(3, UtcSeconds(2018, 3, 1, 11, 0));
  page_log.record.source = RecordSource::kPageLog;
  Commit(*store, {own, from_queue, page_log});
  model::StoredJob live = MakeJob(3, UtcSeconds(2018, 3, 1, 11, 0) + 2);
  live.record.media_from_queue = true;
  Commit(*store, {live});
  EXPECT_EQ(Sql("SELECT media_from_queue FROM jobs ORDER BY cups_job_id"), "f\nt\nt\n");
}

TEST_F(PostgresStoreTest, TokensSendsAndStatus) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::string token = "rmt_test_token_1";
  auto id = store->AddAgentToken("srv1", auth::HashAgentToken(token), 100);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(store->AddAgentToken("srv1", auth::HashAgentToken(token), 101).status().code(),
            Status::Code::kFailedPrecondition);
  auto who = store->ServerIdOfToken(token);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(*who, "srv1");
  EXPECT_EQ(store->ServerIdOfToken("rmt_other").status().code(), Status::Code::kUnauthenticated);
  auto list = store->ListAgentTokens();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_FALSE((*list)[0].revoked_at.has_value());
  auto revoked = store->RevokeAgentTokens("", "srv1", 200);
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(*revoked, 1);
  EXPECT_EQ(*store->RevokeAgentTokens(*id, "", 300), 0);
  EXPECT_EQ(store->ServerIdOfToken(token).status().code(), Status::Code::kUnauthenticated);

  ASSERT_TRUE(store->ReplaceDirectionContacts({{"DRH", {"b@x.org", "a@x.org"}}}).ok());
  EXPECT_THAT(*store->DirectionEmails("DRH"), ElementsAre("a@x.org", "b@x.org"));
  EXPECT_FALSE(*store->WasReportSent("DRH", 24290, "a@x.org"));
  ASSERT_TRUE(store->RecordReportSent("DRH", 24290, "a@x.org", 5).ok());
  ASSERT_TRUE(store->RecordReportSent("DRH", 24290, "a@x.org", 6).ok());
  EXPECT_TRUE(*store->WasReportSent("DRH", 24290, "a@x.org"));
  EXPECT_EQ(Sql("SELECT sent_at FROM report_sends"), "5\n");

  ASSERT_TRUE(store->RecordAgentStatus("srv9", "2.0", {12, 1000}, 5000).ok());
  auto statuses = store->ServerStatuses({0, 0}, false);
  ASSERT_TRUE(statuses.ok());
  ASSERT_EQ(statuses->size(), 1u);
  EXPECT_EQ((*statuses)[0].server, "srv9");
  EXPECT_EQ((*statuses)[0].outbox_records, 12);
  EXPECT_EQ((*statuses)[0].oldest_record_unix, 1000);
  EXPECT_EQ((*statuses)[0].last_contact, 5000);
}

TEST_F(PostgresStoreTest, EnsureTimeZoneMovesJobsAcrossMidnight) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const int64_t t = UtcSeconds(2024, 1, 31, 23, 30);  // 00:30 on 1 February in Paris
  Commit(*store, {MakeJob(1, t), MakeJob(2, UtcSeconds(2024, 1, 15, 12, 0))});
  auto paris = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(paris.ok());
  ASSERT_TRUE(store->EnsureTimeZone(*paris).ok());
  EXPECT_EQ(store->StoredTimeZone(), "Europe/Paris");
  EXPECT_EQ(Sql("SELECT local_day FROM jobs WHERE cups_job_id = 1"),
            std::to_string(DaysFromCivil(2024, 2, 1)) + "\n");
  const int32_t jan = 2024 * 12;
  auto months = Monthly(*store, jan, jan + 1);
  ASSERT_EQ(months.size(), 2u);
  EXPECT_EQ(months[0].sums.jobs, 1);
  EXPECT_EQ(months[1].sums.jobs, 1);
  ASSERT_TRUE(store->EnsureTimeZone(*paris).ok());  // nothing to do
}

// v12: the table itself refuses what AccountProblem refuses about roles, whoever writes.
TEST_F(PostgresStoreTest, WebAccountsTableChecksRoleAndDirection) {
  ASSERT_NE(OpenStore(true), nullptr);
  const std::string insert =
      "INSERT INTO web_accounts(name, role, direction, password_hash, created_at, updated_at) "
      "VALUES";
  EXPECT_FALSE(g_server->Query(db_, insert + "('a', 'admin', 'DSI', 'h', 1, 1)").ok());
  EXPECT_FALSE(g_server->Query(db_, insert + "('d', 'direction', '', 'h', 1, 1)").ok());
  EXPECT_FALSE(g_server->Query(db_, insert + "('r', 'root', '', 'h', 1, 1)").ok());
  EXPECT_FALSE(g_server->Query(db_, insert + "('e', 'it', '', '', 1, 1)").ok());
  EXPECT_TRUE(g_server->Query(db_, insert + "('d', 'direction', 'DSI', 'h', 1, 1)").ok());
  EXPECT_FALSE(g_server->Query(db_, insert + "('d', 'it', '', 'h', 1, 1)").ok());
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM web_accounts"), "1\n");
}

TEST_F(PostgresStoreTest, MigratesFromEveryOlderVersion) {
  for (int from = 1; from < PostgresStore::kLatestSchemaVersion; ++from) {
    SCOPED_TRACE(from);
    if (from > 1) SetUp();
    {
      auto old = PostgresStore::OpenAtSchemaVersionForTest(uri_, from);
      ASSERT_TRUE(old.ok()) << old.status().ToString();
      EXPECT_EQ((*old)->SchemaVersion(), from);
    }
    // Data written at that version, as the ramette of that version wrote it.
    const std::string classified =
        from < 3 ? "INSERT INTO devices(server, queue, classified, class, direction, in_service)"
                   " VALUES('srv1', 'q1', true, 'mfp', 'DRH', 100)"
                 : "INSERT INTO devices(server, queue) VALUES('srv1', 'q1');"
                   " INSERT INTO device_periods(device_id, class, direction, in_service)"
                   " SELECT id, 'mfp', 'DRH', 100 FROM devices";
    Sql(classified +
        "; INSERT INTO servers(name, first_contact, last_contact) VALUES('srv1', 1, 1);"
        " INSERT INTO users(name) VALUES('alice');"
        " INSERT INTO jobs(server_id, device_id, cups_job_id, job_uuid, user_id,"
        " client_host, created_at, completed_at, state, copies, sides, media,"
        " color_mode, number_up, impressions, cups_sheets, source, sheets, area_um2,"
        " media_known, local_day, received_at) SELECT s.id, d.id, 1, '', u.id, '', 0,"
        " 86400 * 19800, 9, 1, 1, '', 1, 1, 3, -1, 1, 3, " +
        std::to_string(kA4) +
        ", true, 19800, 1 FROM servers s, devices d, users u;"
        " INSERT INTO user_directions(user_name, direction) VALUES('bob', 'DAF')");
    if (from >= 2) {
      // What that version's CommitJobs put in the rollups.
      Sql("INSERT INTO rollup_daily SELECT 19800, u.id, d.id, " + std::to_string(kA4) +
          ", 1, 3, 3, 0, 0, 0, 0 FROM users u, devices d;"
          " INSERT INTO rollup_monthly SELECT " +
          std::to_string(MonthIndexOfDay(19800)) + ", d.id, u.id, " + std::to_string(kA4) +
          ", 1, 3, 3, 0, 0, 0, 0 FROM users u, devices d");
    }
    auto store = OpenStore(false);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->SchemaVersion(), PostgresStore::kLatestSchemaVersion);
    EXPECT_EQ(Tie(MonthlyTotal(*store)), std::make_tuple(1, 3, 3, 0, 0, 0, 0));
    // The BI views (v7) read the older data: the device period's direction, A4 at 80 g/m².
    EXPECT_EQ(Sql("SELECT direction || ' ' || sheets || ' ' || mass_g FROM bi_jobs"),
              "DRH 3 14.9688\n");
    auto inv = store->LoadInventory();
    ASSERT_TRUE(inv.ok()) << inv.status().ToString();
    ASSERT_EQ(inv->devices.size(), 1u);
    EXPECT_TRUE(inv->devices[0].classified);
    EXPECT_EQ(inv->devices[0].direction, "DRH");
    // The job is still one job: its duplicate is refused, new jobs go in.
    EXPECT_THAT(Commit(*store, {MakeJob(1, 86400 * 19800 + 10), MakeJob(2, 86400 * 19800)}),
                ElementsAre(kDup, kAcc));
    ASSERT_TRUE(store->RecordAgentStatus("srv1", "2", {1, 2}, 3).ok());
    ASSERT_TRUE(store->AddAgentToken("srv1", auth::HashAgentToken("rmt_x"), 1).ok());
    // v11: no purchases nor readings before; the new tables take them.
    EXPECT_FALSE(inv->has_purchases);
    EXPECT_FALSE(inv->has_meter_readings);
    ASSERT_TRUE(store->UpsertMeterReadings({{"srv1", "q1", 19800, 7}}).ok());
    EXPECT_EQ(Sql("SELECT total_impressions FROM meter_readings"), "7\n");
    // v12: no web accounts before; the new table takes them.
    auto accounts = store->ListAccounts();
    ASSERT_TRUE(accounts.ok()) << accounts.status().ToString();
    EXPECT_TRUE(accounts->empty());
    WebAccount ann;
    ann.name = "ann";
    ann.role = AccountRole::kAdmin;
    ann.password_hash = "$argon2id$x";
    ASSERT_TRUE(store->AddAccount(ann).ok());
    EXPECT_EQ(Sql("SELECT role FROM web_accounts"), "admin\n");
    // v10: the users rows of older versions came from CSV imports; no sync is recorded yet.
    auto users = store->LoadUserRows();
    ASSERT_TRUE(users.ok()) << users.status().ToString();
    ASSERT_EQ(users->size(), 1u);
    EXPECT_EQ((*users)[0].source, UserRowSource::kCsv);
    auto last = store->LastDirectorySync();
    ASSERT_TRUE(last.ok()) << last.status().ToString();
    EXPECT_FALSE(last->has_value());
  }
}

TEST_F(PostgresStoreTest, NewerVersionIsRefusedUntouched) {
  { ASSERT_NE(OpenStore(), nullptr); }
  Sql("UPDATE ramette_schema SET version = 99");
  const std::string tables = Sql("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'");
  auto r = PostgresStore::Open(uri_, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("newer"));
  EXPECT_EQ(Sql("SELECT version FROM ramette_schema"), "99\n");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"), tables);
}

TEST_F(PostgresStoreTest, OtherDatabasesAreRefusedUntouched) {
  // Empty, without create_if_empty.
  auto r = PostgresStore::Open(uri_, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("not a ramette database"));
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"), "0\n");
  // Someone else's data.
  Sql("CREATE TABLE invoices(id integer)");
  r = PostgresStore::Open(uri_, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("not a ramette database"));
  EXPECT_EQ(Sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"), "invoices\n");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM pg_extension WHERE extname = 'btree_gist'"), "0\n");
}

TEST_F(PostgresStoreTest, ConnectionErrorsNameTheUriWithoutItsPassword) {
  { ASSERT_NE(OpenStore(), nullptr); }
  ASSERT_TRUE(g_server->CreateRole("agg", "right-secret").ok());
  Sql("GRANT ALL ON ALL TABLES IN SCHEMA public TO agg");
  const std::string base = "postgresql://agg:";
  const std::string tail = "@/" + db_ + "?host=" + g_server->dir();
  // Right password: works (and the description hides it).
  {
    auto ok = PostgresStore::Open(base + "right-secret" + tail, false);
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    EXPECT_EQ((*ok)->Description(), base + "***" + tail);
  }
  auto wrong = PostgresStore::Open(base + "wrong-secret" + tail, false);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(wrong.status().message(), Not(HasSubstr("wrong-secret")));
  EXPECT_THAT(wrong.status().message(), HasSubstr(base + "***" + tail));

  auto missing = PostgresStore::Open(
      "postgresql://postgres:pw@/no_such_db?host=" + g_server->dir() + "&password=pw2", false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr("no_such_db"));
  EXPECT_THAT(missing.status().message(), Not(HasSubstr("pw")));

  auto unreachable =
      PostgresStore::Open("postgresql://agg:hidden@/ramette?host=/nonexistent/dir", false);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.status().code(), Status::Code::kUnavailable);
  EXPECT_THAT(unreachable.status().message(), Not(HasSubstr("hidden")));
  EXPECT_THAT(unreachable.status().message(), HasSubstr("/nonexistent/dir"));
}

// 2,000 jobs of 20 servers (the same for every writer), in batches of 500.
std::vector<std::pair<std::string, std::vector<model::StoredJob>>> SharedBatches() {
  std::vector<std::pair<std::string, std::vector<model::StoredJob>>> batches;
  const int64_t t0 = UtcSeconds(2024, 5, 1, 8, 0);
  for (int b = 0; b < 4; ++b) {
    for (int s = 0; s < 20; ++s) {
      std::vector<model::StoredJob> jobs;
      for (int i = 0; i < 25; ++i) {
        const int id = b * 25 + i + 1;
        jobs.push_back(MakeJob(id, t0 + id * 60, "user" + std::to_string(id % 7),
                               "q" + std::to_string(id % 3)));
      }
      batches.emplace_back("srv" + std::to_string(s), std::move(jobs));
    }
  }
  return batches;
}

void ExpectEachJobOnce(PostgresStore& store) {
  EXPECT_EQ(Count(store.CountJobs()), 2000);
  const model::UsageSums total = MonthlyTotal(store);
  EXPECT_EQ(total.jobs, 2000);
  EXPECT_EQ(total.sheets, 6000);
  model::UsageSums daily;
  auto names = store.LoadUserNames();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 7u);
  for (const auto& [id, name] : *names) {
    for (const model::RollupRow& r : Daily(store, id, 0, 1 << 30)) daily.Add(r.sums);
  }
  EXPECT_EQ(Tie(daily), Tie(total));
}

TEST_F(PostgresStoreTest, TwoConnectionsCommittingTheSameJobsAtOnceStoreEachOnce) {
  auto a = OpenStore();
  auto b = OpenStore();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const auto batches = SharedBatches();
  std::atomic<int> ready{0};
  std::atomic<int64_t> accepted{0};
  auto run = [&](PostgresStore* store, bool reversed) {
    ready.fetch_add(1);
    while (ready.load() < 2) {
    }
    for (size_t k = 0; k < batches.size(); ++k) {
      const auto& [server, jobs] = batches[reversed ? batches.size() - 1 - k : k];
      auto r = store->CommitJobs(server, "1", jobs, {});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      for (StoreOutcome o : *r) accepted += o == kAcc ? 1 : 0;
    }
  };
  std::thread ta(run, a.get(), false);
  std::thread tb(run, b.get(), false);
  ta.join();
  tb.join();
  EXPECT_EQ(accepted.load(), 2000);
  ExpectEachJobOnce(*a);
  // In opposite orders too (a fresh database).
  SetUp();
  auto c = OpenStore();
  auto d = OpenStore();
  ASSERT_NE(c, nullptr);
  ASSERT_NE(d, nullptr);
  ready = 0;
  accepted = 0;
  std::thread tc(run, c.get(), false);
  std::thread td(run, d.get(), true);
  tc.join();
  td.join();
  EXPECT_EQ(accepted.load(), 2000);
  ExpectEachJobOnce(*c);
}

TEST_F(PostgresStoreTest, TwoProcessesCommittingTheSameJobsAtOnceStoreEachOnce) {
  { ASSERT_NE(OpenStore(), nullptr); }
  const auto batches = SharedBatches();
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  std::vector<pid_t> children;
  for (int p = 0; p < 2; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(go[1]);
      auto store = PostgresStore::Open(uri_, false);
      if (!store.ok()) _exit(2);
      char c;
      if (read(go[0], &c, 1) != 0) _exit(3);  // wait for the start signal (EOF)
      int64_t accepted = 0;
      for (const auto& [server, jobs] : batches) {
        auto r = (*store)->CommitJobs(server, "1", jobs, {});
        if (!r.ok()) _exit(4);
        for (StoreOutcome o : *r) accepted += o == kAcc ? 1 : 0;
      }
      _exit(accepted > 2000 ? 5 : 0);
    }
    children.push_back(pid);
  }
  close(go[0]);
  sleep(1);      // both connected
  close(go[1]);  // go
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  auto store = OpenStore(false);
  ASSERT_NE(store, nullptr);
  ExpectEachJobOnce(*store);
}

}  // namespace
}  // namespace ramette::aggregator::store
