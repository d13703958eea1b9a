// The store contract suite: every behaviour the aggregator relies on, run unchanged against
// each engine (the in-memory fake, SQLite, and PostgreSQL when built with
// RAMETTE_CONTRACT_POSTGRES): exactly-once, supersede, quarantine once, imports re-imported,
// indicator inputs (and the same indicators JSON on every engine), delivery log, tokens, server
// status, web accounts, the time zone, a second connection, and migrations from every older
// schema version.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "aggregator/auth/agent_token.h"
#include "aggregator/indicators/indicator_format.h"
#include "aggregator/indicators/indicators.h"
#include "aggregator/store/sqlite_store.h"
#include "aggregator/store/store.h"
#include "tests/fakes/fake_store.h"
#ifdef RAMETTE_CONTRACT_POSTGRES
#include "aggregator/store/postgres_store.h"
#include "tests/postgres/private_postgres.h"
#endif

namespace ramette::aggregator::store {
namespace {

// Every stored purchase, by date, then in import order.
std::vector<model::Purchase> AllPurchases(UsageSource& usage) {
  auto rows = usage.LoadPurchases(std::numeric_limits<Day>::min(), std::numeric_limits<Day>::max());
  EXPECT_TRUE(rows.ok()) << rows.status().message();
  return rows.ok() ? *rows : std::vector<model::Purchase>{};
}

// One engine under test: a fresh empty database per test, a second connection to it, and (for
// real engines) a database migrated only up to an older schema version.
class EngineUnderTest {
 public:
  virtual ~EngineUnderTest() = default;
  virtual std::unique_ptr<Store> Create() = 0;  // a new empty database
  virtual std::unique_ptr<Store> Reopen() = 0;  // another connection to the last one created
  // A new database at schema `version`; nullptr when the engine has no schema (the fake).
  virtual std::unique_ptr<Store> CreateAtVersion(int version) = 0;
  virtual std::unique_ptr<Store> ReopenLatest() = 0;  // Reopen, migrating to the latest version
  virtual int LatestVersion() const = 0;
  // Runs `sql` on the last database created: the first column of each row, one per line;
  // "" for the fake, which has no SQL.
  virtual std::string Sql(const std::string& /*sql*/) { return ""; }
};

// The fake: Reopen hands out the same in-memory store (its "database").
class FakeEngine : public EngineUnderTest {
 public:
  std::unique_ptr<Store> Create() override {
    shared_ = std::make_shared<testing::FakeStore>();
    return std::make_unique<Alias>(shared_);
  }
  std::unique_ptr<Store> Reopen() override { return std::make_unique<Alias>(shared_); }
  std::unique_ptr<Store> CreateAtVersion(int) override { return nullptr; }
  std::unique_ptr<Store> ReopenLatest() override { return nullptr; }
  int LatestVersion() const override { return 0; }

 private:
  // Forwards to a shared FakeStore.
  class Alias : public Store {
   public:
    explicit Alias(std::shared_ptr<testing::FakeStore> s) : s_(std::move(s)) {}
    std::string Description() const override { return s_->Description(); }
    int SchemaVersion() override { return s_->SchemaVersion(); }
    Status EnsureTimeZone(const TimeZone& tz) override { return s_->EnsureTimeZone(tz); }
    std::string StoredTimeZone() override { return s_->StoredTimeZone(); }
    Result<model::UserNameRule> StoredUserNameRule() override { return s_->StoredUserNameRule(); }
    Status SetUserNameRule(const model::UserNameRule& rule) override {
      return s_->SetUserNameRule(rule);
    }
    Status FoldRollups() override { return s_->FoldRollups(); }
    Status Backup(const std::string& d) override { return s_->Backup(d); }
    Result<int64_t> CountJobs() override { return s_->CountJobs(); }
    Result<int64_t> CountQuarantined() override { return s_->CountQuarantined(); }
    JobStore& jobs() override { return s_->jobs(); }
    UsageSource& usage() override { return s_->usage(); }
    InventoryStore& inventory() override { return s_->inventory(); }
    DeliveryLog& delivery() override { return s_->delivery(); }
    TokenStore& tokens() override { return s_->tokens(); }
    StatusStore& status() override { return s_->status(); }
    DirectoryStore& directory() override { return s_->directory(); }
    TableRows& table_rows() override { return s_->table_rows(); }
    AccountStore& accounts() override { return s_->accounts(); }

   private:
    std::shared_ptr<testing::FakeStore> s_;
  };
  std::shared_ptr<testing::FakeStore> shared_;
};

class SqliteEngine : public EngineUnderTest {
 public:
  SqliteEngine() {
    dir_ = std::filesystem::temp_directory_path() /
           ("ramette-contract-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
  }
  ~SqliteEngine() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Store> Create() override {
    path_ = (dir_ / ("db" + std::to_string(n_++) + ".db")).string();
    return Reopen();
  }
  std::unique_ptr<Store> Reopen() override {
    auto s = SqliteStore::Open(path_);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::unique_ptr<Store> CreateAtVersion(int version) override {
    path_ = (dir_ / ("db" + std::to_string(n_++) + ".db")).string();
    auto s = SqliteStore::OpenAtSchemaVersionForTest(path_, version);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::unique_ptr<Store> ReopenLatest() override { return Reopen(); }
  int LatestVersion() const override { return SqliteStore::kLatestSchemaVersion; }
  std::string Sql(const std::string& sql) override {
    sqlite3* db = nullptr;
    std::string out;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* msg = nullptr;
    const int rc = sqlite3_exec(
        db, sql.c_str(),
        [](void* o, int n, char** values, char**) {
          if (n > 0) static_cast<std::string*>(o)->append(values[0] ? values[0] : "").append("\n");
          return 0;
        },
        &out, &msg);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (msg != nullptr ? msg : "");
    sqlite3_free(msg);
    sqlite3_close(db);
    return out;
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::string path_;
  int n_ = 0;
};

#ifdef RAMETTE_CONTRACT_POSTGRES
// One private server for the whole executable; a new database per Create.
class PostgresEngine : public EngineUnderTest {
 public:
  static testing::PrivatePostgres* Server() {
    // Started once, stopped at exit with the process (a static unique_ptr).
    static std::unique_ptr<testing::PrivatePostgres> server = [] {
      auto started = testing::PrivatePostgres::Start();
      if (!started.ok()) {
        ADD_FAILURE() << "cannot start PostgreSQL: " << started.status().message();
        return std::unique_ptr<testing::PrivatePostgres>();
      }
      return std::move(started).value();
    }();
    return server.get();
  }
  std::unique_ptr<Store> Create() override {
    if (Server() == nullptr) return nullptr;
    name_ = "contract" + std::to_string(n_++);
    auto uri = Server()->CreateDatabase(name_);
    EXPECT_TRUE(uri.ok()) << uri.status().message();
    if (!uri.ok()) return nullptr;
    uri_ = *uri;
    auto s = PostgresStore::Open(uri_, /*create_if_empty=*/true);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::unique_ptr<Store> Reopen() override {
    auto s = PostgresStore::Open(uri_, /*create_if_empty=*/false);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::unique_ptr<Store> CreateAtVersion(int version) override {
    if (Server() == nullptr) return nullptr;
    name_ = "contract" + std::to_string(n_++);
    auto uri = Server()->CreateDatabase(name_);
    EXPECT_TRUE(uri.ok()) << uri.status().message();
    if (!uri.ok()) return nullptr;
    uri_ = *uri;
    auto s = PostgresStore::OpenAtSchemaVersionForTest(uri_, version);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::unique_ptr<Store> ReopenLatest() override { return Reopen(); }
  int LatestVersion() const override { return PostgresStore::kLatestSchemaVersion; }
  std::string Sql(const std::string& sql) override {
    auto out = Server()->Query(name_, sql);
    EXPECT_TRUE(out.ok()) << sql << ": " << out.status().message();
    return out.ok() ? *out : "";
  }

 private:
  static inline int n_ = 0;
  std::string name_;
  std::string uri_;
};
#endif

using EngineFactory = std::function<std::unique_ptr<EngineUnderTest>()>;

struct EngineParam {
  std::string name;
  EngineFactory make;
};

std::string ParamName(const ::testing::TestParamInfo<EngineParam>& info) { return info.param.name; }

// 2018-06-15 12:00:00 UTC.
constexpr int64_t kJune15 = 1529064000;
constexpr int64_t kA4 = 210000LL * 297000LL;

class StoreContractTest : public ::testing::TestWithParam<EngineParam> {
 protected:
  void SetUp() override {
    engine_ = GetParam().make();
    store_ = engine_->Create();
    ASSERT_NE(store_, nullptr);
    auto tz = TimeZone::Load("Europe/Paris");
    ASSERT_TRUE(tz.ok());
    paris_ = *tz;
    ASSERT_TRUE(store_->EnsureTimeZone(paris_).ok());
  }

  // A finished job of `queue`, CUPS id `id`, completed at `at`, with `sheets` A4 sheets.
  model::StoredJob Job(const std::string& queue, int32_t id, int64_t at, int64_t sheets,
                       RecordSource source = RecordSource::kLive,
                       const std::string& user = "alice") {
    model::StoredJob j;
    j.record.queue = queue;
    j.record.cups_job_id = id;
    j.record.user = user;
    j.record.completed_at = at;
    j.record.created_at = at - 10;
    j.record.state = JobState::kCompleted;
    j.record.copies = 1;
    j.record.sides = Sides::kOneSided;
    j.record.media = "iso_a4_210x297mm";
    j.record.impressions_completed = sheets;
    j.record.source = source;
    j.local_day = paris_.LocalDay(at);
    j.sheets = sheets;
    j.area_um2 = kA4;
    j.media_known = true;
    return j;
  }

  std::vector<StoreOutcome> Commit(const std::string& server,
                                   const std::vector<model::StoredJob>& jobs,
                                   const std::vector<QuarantinedRecord>& rejected = {}) {
    auto r = store_->jobs().CommitJobs(server, "test", jobs, rejected);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<StoreOutcome>{};
  }

  // A web account with a made-up hash (the store never looks inside it).
  static WebAccount Account(const std::string& name, AccountRole role, const std::string& direction,
                            int64_t at) {
    WebAccount w;
    w.name = name;
    w.role = role;
    w.direction = direction;
    w.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$" + name;
    w.created_at = at;
    w.updated_at = at;
    return w;
  }

  // Every monthly row of 2018, as (month, sheets, jobs) sums over all keys.
  model::UsageSums Sums2018(Store& s) {
    model::UsageSums total;
    Status st = s.usage().ForEachMonthlyRow(MonthIndex(2018, 1), MonthIndex(2018, 12),
                                            [&](const model::RollupRow& r) { total.Add(r.sums); });
    EXPECT_TRUE(st.ok()) << st.message();
    return total;
  }
  int64_t Jobs() {
    auto n = store_->CountJobs();
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }

  std::unique_ptr<EngineUnderTest> engine_;
  std::unique_ptr<Store> store_;
  TimeZone paris_ = TimeZone::Utc();
};

TEST_P(StoreContractTest, SameJobTwiceIsStoredOnce) {
  auto out = Commit("srv", {Job("q", 1, kJune15, 2), Job("q", 1, kJune15, 2)});
  EXPECT_EQ(out, (std::vector<StoreOutcome>{StoreOutcome::kAccepted, StoreOutcome::kDuplicate}));
  out = Commit("srv", {Job("q", 1, kJune15, 2)});  // a replayed batch
  EXPECT_EQ(out, (std::vector<StoreOutcome>{StoreOutcome::kDuplicate}));
  EXPECT_EQ(Jobs(), 1);
  EXPECT_EQ(Sums2018(*store_).sheets, 2);
  // Another server's job 1 is another job.
  out = Commit("other", {Job("q", 1, kJune15, 2)});
  EXPECT_EQ(out, (std::vector<StoreOutcome>{StoreOutcome::kAccepted}));
  EXPECT_EQ(Jobs(), 2);
}

TEST_P(StoreContractTest, CompletionTimesWithin300SecondsAreOneJob) {
  Commit("srv", {Job("q", 7, kJune15, 1)});
  auto out = Commit("srv", {Job("q", 7, kJune15 + 300, 1), Job("q", 7, kJune15 - 300, 1)});
  EXPECT_EQ(out, (std::vector<StoreOutcome>{StoreOutcome::kDuplicate, StoreOutcome::kDuplicate}));
  out = Commit("srv", {Job("q", 7, kJune15 + 301, 1)});  // an id reused later: another job
  EXPECT_EQ(out, (std::vector<StoreOutcome>{StoreOutcome::kAccepted}));
  EXPECT_EQ(Jobs(), 2);
}

// A job restarted in cupsd (reprint): each run is a row of its own (store_rules.h SameJob), runs
// may complete within 300 s of each other, and a page_log copy matches any run.
TEST_P(StoreContractTest, RunsOfAReprintedJobAreRowsOfTheirOwn) {
  auto run = [&](int32_t n, int64_t at, int64_t sheets) {
    model::StoredJob j = Job("q", 4, at, sheets);
    j.record.job_uuid = "urn:uuid:four";
    j.run = n;
    return j;
  };
  EXPECT_EQ(Commit("srv", {run(0, kJune15, 3)}),
            (std::vector<StoreOutcome>{StoreOutcome::kAccepted}));
  // Run 1 ten seconds later, and the same run twice in one batch.
  EXPECT_EQ(Commit("srv", {run(1, kJune15 + 10, 2), run(1, kJune15 + 10, 2)}),
            (std::vector<StoreOutcome>{StoreOutcome::kAccepted, StoreOutcome::kDuplicate}));
  EXPECT_EQ(Jobs(), 2);
  EXPECT_EQ(Sums2018(*store_).sheets, 5);
  EXPECT_EQ(Sums2018(*store_).jobs, 2);
  // The runs, as ingest reads them; none for another uuid or server.
  auto runs = store_->jobs().LoadRuns(
      "srv", {{4, "urn:uuid:four"}, {4, "urn:uuid:other"}, {5, "urn:uuid:four"}, {4, ""}});
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 4u);
  std::vector<std::tuple<int32_t, int64_t, int64_t>> got;
  for (const StoredRun& r : (*runs)[0]) got.emplace_back(r.run, r.completed_at, r.impressions);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::tuple<int32_t, int64_t, int64_t>>{{0, kJune15, 3},
                                                                     {1, kJune15 + 10, 2}}));
  EXPECT_TRUE((*runs)[1].empty());
  EXPECT_TRUE((*runs)[2].empty());
  EXPECT_TRUE((*runs)[3].empty());
  runs = store_->jobs().LoadRuns("nowhere", {{4, "urn:uuid:four"}});
  ASSERT_TRUE(runs.ok());
  EXPECT_TRUE((*runs)[0].empty());
  // A page_log copy near either run, and run 1 again, change nothing.
  EXPECT_EQ(Commit("srv", {Job("q", 4, kJune15 + 12, 5, RecordSource::kPageLog, ""),
                           run(1, kJune15 + 10, 2)}),
            (std::vector<StoreOutcome>{StoreOutcome::kDuplicate, StoreOutcome::kDuplicate}));
  EXPECT_EQ(Jobs(), 2);
  EXPECT_EQ(Sums2018(*store_).sheets, 5);
}

// A page_log copy first, then the live runs: run 0 takes the copy's place; run 1, within 300 s
// of the copy too, is a row of its own.
TEST_P(StoreContractTest, RunsAfterAPageLogCopy) {
  Commit("srv", {Job("q", 6, kJune15 + 30, 6, RecordSource::kPageLog, "")});
  model::StoredJob first = Job("q", 6, kJune15, 3);
  first.record.job_uuid = "urn:uuid:six";
  EXPECT_EQ(Commit("srv", {first}), (std::vector<StoreOutcome>{StoreOutcome::kDuplicate}));
  model::StoredJob second = Job("q", 6, kJune15 + 30, 3);
  second.record.job_uuid = "urn:uuid:six";
  second.run = 1;
  EXPECT_EQ(Commit("srv", {second}), (std::vector<StoreOutcome>{StoreOutcome::kAccepted}));
  EXPECT_EQ(Jobs(), 2);
  EXPECT_EQ(Sums2018(*store_).sheets, 6);
  auto runs = store_->jobs().LoadRuns("srv", {{6, "urn:uuid:six"}});
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ((*runs)[0].size(), 2u);
}

// The announced size of one copy is stored, so that the sheets of a job stopped part-way can be
// computed again.
TEST_P(StoreContractTest, AnnouncedCopySizeIsStored) {
  model::StoredJob j = Job("q", 11, kJune15, 5);
  j.record.job_impressions = 3;
  j.record.state = JobState::kCanceled;
  Commit("srv", {j});
  if (engine_->Sql("SELECT 1") == "") GTEST_SKIP() << "no SQL on this engine";
  EXPECT_EQ(engine_->Sql("SELECT job_impressions FROM jobs WHERE cups_job_id = 11"), "3\n");
}

// [users] recorded with the data: read back, carried by the inventory, kept across a reopen.
TEST_P(StoreContractTest, UserNameRuleIsRecordedWithTheData) {
  auto rule = store_->StoredUserNameRule();
  ASSERT_TRUE(rule.ok()) << rule.status().message();
  EXPECT_TRUE(rule->identity());
  const model::UserNameRule windows{.lower_case = true, .strip_domain = true};
  ASSERT_TRUE(store_->SetUserNameRule(windows).ok());
  ASSERT_TRUE(store_->SetUserNameRule(windows).ok());  // again: nothing changes
  rule = store_->StoredUserNameRule();
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  EXPECT_EQ(*rule, windows);
  auto inv = store_->usage().LoadInventory();
  ASSERT_TRUE(inv.ok());
  EXPECT_EQ(inv->user_name_rule, windows);
  ASSERT_TRUE(store_->SetUserNameRule({.strip_domain = true}).ok());
  inv = store_->usage().LoadInventory();
  ASSERT_TRUE(inv.ok());
  EXPECT_EQ(inv->user_name_rule, (model::UserNameRule{.strip_domain = true}));
}

TEST_P(StoreContractTest, LiveRecordSupersedesItsPageLogCopy) {
  // page_log knows no copies: 1 sheet; the live record says 3 copies, 3 sheets, 40 s later.
  Commit("srv", {Job("q", 9, kJune15, 1, RecordSource::kPageLog, "")});
  model::StoredJob live = Job("q", 9, kJune15 + 40, 3, RecordSource::kLive, "bob");
  live.record.copies = 3;
  auto out = Commit("srv", {live});
  EXPECT_EQ(out, (std::vector<StoreOutcome>{StoreOutcome::kDuplicate}));
  EXPECT_EQ(Jobs(), 1);
  model::UsageSums s = Sums2018(*store_);
  EXPECT_EQ(s.jobs, 1);
  EXPECT_EQ(s.sheets, 3);
  // The job moved to bob's key: no row is left for the empty user.
  auto names = store_->usage().LoadUserNames();
  ASSERT_TRUE(names.ok());
  int64_t rows = 0;
  ASSERT_TRUE(store_->usage()
                  .ForEachMonthlyRow(MonthIndex(2018, 6), MonthIndex(2018, 6),
                                     [&](const model::RollupRow& r) {
                                       ++rows;
                                       EXPECT_EQ(names->at(r.user_id), "bob");
                                     })
                  .ok());
  EXPECT_EQ(rows, 1);
  // A page_log copy after the live record changes nothing.
  out = Commit("srv", {Job("q", 9, kJune15 + 20, 1, RecordSource::kPageLog, "")});
  EXPECT_EQ(out, (std::vector<StoreOutcome>{StoreOutcome::kDuplicate}));
  EXPECT_EQ(Sums2018(*store_).sheets, 3);
}

TEST_P(StoreContractTest, SupersedeAfterTheRollupsWereFolded) {
  Commit("srv", {Job("q", 9, kJune15, 1, RecordSource::kPageLog, "")});
  ASSERT_TRUE(store_->FoldRollups().ok());
  Commit("srv", {Job("q", 9, kJune15 + 5, 4, RecordSource::kLive, "bob")});
  ASSERT_TRUE(store_->FoldRollups().ok());
  model::UsageSums s = Sums2018(*store_);
  EXPECT_EQ(s.jobs, 1);
  EXPECT_EQ(s.sheets, 4);
}

TEST_P(StoreContractTest, RejectedRecordIsQuarantinedOnce) {
  QuarantinedRecord q{Job("q", 3, kJune15, 1).record, "impressions_completed is negative"};
  Commit("srv", {}, {q});
  Commit("srv", {}, {q});  // the agent resends the batch
  auto n = store_->CountQuarantined();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  QuarantinedRecord other = q;
  other.reason = "another reason";
  Commit("srv", {}, {other});
  EXPECT_EQ(*store_->CountQuarantined(), 2);
}

TEST_P(StoreContractTest, UserDirectionBatchesReplaceEveryNamedUserAtOnce) {
  InventoryStore& inv = store_->inventory();
  const Day mid = DaysFromCivil(2018, 6, 1);
  ASSERT_TRUE(inv.ReplaceUserDirections({{"alice", "DSI", std::nullopt, std::nullopt},
                                         {"bob", "DRH", std::nullopt, std::nullopt},
                                         {"carol", "DSI", std::nullopt, std::nullopt}})
                  .ok());
  // alice's two rows come in two batches: the second must not remove the first.
  const std::vector<std::vector<model::UserDirection>> batches = {
      {{"alice", "DAF", std::nullopt, mid}, {"bob", "DAF", std::nullopt, std::nullopt}},
      {{"alice", "DRH", mid, std::nullopt}}};
  int calls = 0;
  Status replaced = inv.ReplaceUserDirectionBatches([&](const UserDirectionBatchVisitor& visit) {
    ++calls;
    for (const auto& b : batches) RAMETTE_RETURN_IF_ERROR(visit(b));
    return Status::Ok();
  });
  ASSERT_TRUE(replaced.ok()) << replaced.message();
  EXPECT_GE(calls, 1);
  auto loaded = store_->usage().LoadInventory();
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  std::vector<model::UserDirection> users = loaded->users;
  std::sort(users.begin(), users.end(), [](const auto& a, const auto& b) {
    return std::tie(a.user, a.direction) < std::tie(b.user, b.direction);
  });
  EXPECT_EQ(users,
            (std::vector<model::UserDirection>{{"alice", "DAF", std::nullopt, mid},
                                               {"alice", "DRH", mid, std::nullopt},
                                               {"bob", "DAF", std::nullopt, std::nullopt},
                                               {"carol", "DSI", std::nullopt, std::nullopt}}));

  // An error from the rows, after a first batch was handed over: nothing is written.
  Status st = inv.ReplaceUserDirectionBatches([&](const UserDirectionBatchVisitor& visit) {
    RAMETTE_RETURN_IF_ERROR(
        visit(std::vector<model::UserDirection>{{"carol", "DAF", std::nullopt, std::nullopt}}));
    return Status::InvalidArgument("users.csv:9: bad row");
  });
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "users.csv:9: bad row");
  auto after = store_->usage().LoadInventory();
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->users, loaded->users);
}

TEST_P(StoreContractTest, WorkstationBatchesUpsertInOneTransaction) {
  InventoryStore& inv = store_->inventory();
  const Day day = DaysFromCivil(2018, 1, 1);
  ASSERT_TRUE(inv.UpsertWorkstations({{"DSI", day, 10}, {"DAF", day, 4}}).ok());
  const std::vector<std::vector<model::WorkstationCount>> batches = {{{"DSI", day, 12}},
                                                                     {{"DRH", day, 7}}};
  Status st = inv.UpsertWorkstationBatches([&](const WorkstationBatchVisitor& visit) {
    for (const auto& b : batches) RAMETTE_RETURN_IF_ERROR(visit(b));
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.message();
  auto counts = [&] {
    auto loaded = store_->usage().LoadInventory();
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    std::vector<std::pair<std::string, int64_t>> out;
    for (const auto& w : loaded->workstations) out.emplace_back(w.direction, w.count);
    std::sort(out.begin(), out.end());
    return out;
  };
  const std::vector<std::pair<std::string, int64_t>> expected = {
      {"DAF", 4}, {"DRH", 7}, {"DSI", 12}};
  EXPECT_EQ(counts(), expected);
  // An error after a first batch: nothing is written.
  st = inv.UpsertWorkstationBatches([&](const WorkstationBatchVisitor& visit) {
    RAMETTE_RETURN_IF_ERROR(visit(std::vector<model::WorkstationCount>{{"DAF", day, 99}}));
    return Status::InvalidArgument("workstations.csv:3: bad row");
  });
  EXPECT_EQ(st.message(), "workstations.csv:3: bad row");
  EXPECT_EQ(counts(), expected);
}

// The devices, purchases and meters imports in batches (issue 12): the same rows as one vector,
// however they are cut, and nothing written when a late batch fails.
TEST_P(StoreContractTest, DeviceBatchesUpsertInOneTransaction) {
  InventoryStore& inv = store_->inventory();
  auto period = [](std::string queue, std::string direction, Day in, std::optional<Day> out) {
    model::Device d;
    d.server = "srv";
    d.queue = std::move(queue);
    d.device_class = model::DeviceClass::kMfp;
    d.direction = std::move(direction);
    d.in_service = in;
    d.out_of_service = out;
    return d;
  };
  const Day y2015 = DaysFromCivil(2015, 1, 1), y2018 = DaysFromCivil(2018, 1, 1);
  ASSERT_TRUE(inv.UpsertDevices({period("a", "DSI", y2015, std::nullopt),
                                 period("b", "DSI", y2015, std::nullopt)})
                  .ok());
  // a's two periods in two batches: the second must not remove the first.
  const std::vector<std::vector<model::Device>> batches = {
      {period("a", "DAF", y2015, y2018), period("c", "DRH", y2015, std::nullopt)},
      {period("a", "DRH", y2018, std::nullopt)}};
  Status st = inv.UpsertDeviceBatches([&](const DeviceBatchVisitor& visit) {
    for (const auto& b : batches) RAMETTE_RETURN_IF_ERROR(visit(b));
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.message();
  auto devices = [&] {
    auto loaded = store_->usage().LoadInventory();
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    std::vector<std::string> out;
    for (const model::Device& d : loaded->devices) {
      out.push_back(d.queue + " " + d.direction + " " + FormatIsoDate(*d.in_service) +
                    (d.classified ? "" : " unclassified"));
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  const std::vector<std::string> expected = {"a DAF 2015-01-01", "a DRH 2018-01-01",
                                             "b DSI 2015-01-01", "c DRH 2015-01-01"};
  EXPECT_EQ(devices(), expected);
  // Periods that overlap across batches: InvalidArgument, nothing written.
  st = inv.UpsertDeviceBatches([&](const DeviceBatchVisitor& visit) {
    RAMETTE_RETURN_IF_ERROR(visit(std::vector<model::Device>{
        period("b", "DAF", y2015, std::nullopt), period("d", "DAF", y2015, std::nullopt)}));
    return visit(std::vector<model::Device>{period("b", "DRH", y2018, std::nullopt)});
  });
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(devices(), expected);
  // An error from the rows after a first batch: nothing written.
  st = inv.UpsertDeviceBatches([&](const DeviceBatchVisitor& visit) {
    RAMETTE_RETURN_IF_ERROR(
        visit(std::vector<model::Device>{period("d", "DAF", y2015, std::nullopt)}));
    return Status::InvalidArgument("devices.csv:9: bad row");
  });
  EXPECT_EQ(st.message(), "devices.csv:9: bad row");
  EXPECT_EQ(devices(), expected);
}

TEST_P(StoreContractTest, PurchaseBatchesReplaceTheYearsOfEveryBatch) {
  InventoryStore& inv = store_->inventory();
  auto purchase = [](Day date, std::string direction, double quantity) {
    model::Purchase p;
    p.date = date;
    p.direction = std::move(direction);
    p.paper_id = "std";
    p.quantity = quantity;
    return p;
  };
  const model::Purchase y2017 = purchase(DaysFromCivil(2017, 5, 1), "DSI", 1);
  const model::Purchase y2018 = purchase(DaysFromCivil(2018, 5, 1), "DSI", 2);
  const model::Purchase y2019 = purchase(DaysFromCivil(2019, 5, 1), "DSI", 3);
  ASSERT_TRUE(inv.ReplacePurchases({y2017, y2018, y2019}).ok());
  // 2019 only in the second batch: its stored purchase goes too, before any row is written.
  const model::Purchase a = purchase(DaysFromCivil(2018, 2, 1), "DAF", 4);
  const model::Purchase b = purchase(DaysFromCivil(2019, 1, 1), "", 5);
  const model::Purchase c = purchase(DaysFromCivil(2018, 2, 1), "DRH", 6);
  Status st = inv.ReplacePurchaseBatches([&](const PurchaseBatchVisitor& visit) {
    RAMETTE_RETURN_IF_ERROR(visit(std::vector<model::Purchase>{a}));
    return visit(std::vector<model::Purchase>{b, c});
  });
  ASSERT_TRUE(st.ok()) << st.message();
  // By date, then in import order.
  const std::vector<model::Purchase> expected = {y2017, a, c, b};
  EXPECT_EQ(AllPurchases(store_->usage()), expected);
  // An error after a first batch: nothing written, nothing deleted.
  st = inv.ReplacePurchaseBatches([&](const PurchaseBatchVisitor& visit) {
    RAMETTE_RETURN_IF_ERROR(visit(std::vector<model::Purchase>{y2017}));
    return Status::InvalidArgument("purchases.csv:7: bad row");
  });
  EXPECT_EQ(st.message(), "purchases.csv:7: bad row");
  EXPECT_EQ(AllPurchases(store_->usage()), expected);
}

TEST_P(StoreContractTest, MeterReadingBatchesUpsertInOneTransaction) {
  InventoryStore& inv = store_->inventory();
  const std::vector<model::MeterReading> rows =
      model::CountedMeterReadings({{"srv", "a", DaysFromCivil(2018, 1, 31), 100},
                                   {"srv", "a", DaysFromCivil(2018, 2, 28), 150},
                                   {"srv", "a", DaysFromCivil(2018, 3, 31), 400},
                                   {"srv", "b", DaysFromCivil(2018, 1, 31), 7},
                                   {"srv", "c", DaysFromCivil(2018, 1, 31), 9}},
                                  {}, {});
  // A device's readings across a batch boundary, each device listed once.
  Status st = inv.UpsertMeterReadingBatches([&](const MeterReadingBatchVisitor& visit) {
    for (size_t i = 0; i < rows.size(); i += 2) {
      RAMETTE_RETURN_IF_ERROR(
          visit(std::span(rows).subspan(i, std::min<size_t>(2, rows.size() - i))));
    }
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.message();
  auto readings = store_->usage().LoadMeterReadings();
  ASSERT_TRUE(readings.ok()) << readings.status().message();
  EXPECT_EQ(*readings, rows);
  auto counters =
      store_->usage().LoadMeterCounters(DaysFromCivil(2018, 1, 1), DaysFromCivil(2018, 12, 31));
  ASSERT_TRUE(counters.ok()) << counters.status().message();
  EXPECT_EQ(*counters, (std::vector<model::MeterCounters>{{"srv", "a", std::nullopt, 300},
                                                          {"srv", "b", std::nullopt, 0},
                                                          {"srv", "c", std::nullopt, 0}}));
  // An error after a first batch: nothing written.
  st = inv.UpsertMeterReadingBatches([&](const MeterReadingBatchVisitor& visit) {
    RAMETTE_RETURN_IF_ERROR(
        visit(std::vector<model::MeterReading>{{"srv", "a", DaysFromCivil(2018, 1, 31), 1, 0},
                                               {"srv", "d", DaysFromCivil(2018, 1, 1), 5, 0}}));
    return Status::InvalidArgument("meters.csv:4: bad row");
  });
  EXPECT_EQ(st.message(), "meters.csv:4: bad row");
  readings = store_->usage().LoadMeterReadings();
  ASSERT_TRUE(readings.ok()) << readings.status().message();
  EXPECT_EQ(*readings, rows);
}

TEST_P(StoreContractTest, ImportsReimportedUpdateWithoutDuplicating) {
  InventoryStore& inv = store_->inventory();
  ASSERT_TRUE(inv.UpsertPapers({{"std", false, 80}, {"rec", true, 75}}).ok());
  ASSERT_TRUE(inv.UpsertPapers({{"std", false, 90}}).ok());
  model::Device d;
  d.server = "srv";
  d.queue = "q";
  d.device_class = model::DeviceClass::kMfp;
  d.direction = "DSI";
  d.paper_id = "std";
  d.in_service = DaysFromCivil(2017, 1, 1);
  model::Device later = d;
  d.out_of_service = DaysFromCivil(2018, 7, 1);
  later.in_service = DaysFromCivil(2018, 7, 1);
  later.paper_id = "rec";
  ASSERT_TRUE(inv.UpsertDevices({d, later}).ok());
  ASSERT_TRUE(inv.UpsertDevices({d, later}).ok());
  ASSERT_TRUE(inv.ReplaceUserDirections({{"alice", "DSI", std::nullopt, std::nullopt}}).ok());
  ASSERT_TRUE(inv.ReplaceUserDirections({{"alice", "DAF", std::nullopt, std::nullopt}}).ok());
  ASSERT_TRUE(inv.UpsertWorkstations({{"DSI", DaysFromCivil(2018, 1, 1), 10}}).ok());
  ASSERT_TRUE(inv.UpsertWorkstations({{"DSI", DaysFromCivil(2018, 1, 1), 12}}).ok());

  auto loaded = store_->usage().LoadInventory();
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_EQ(loaded->papers.size(), 2u);
  EXPECT_EQ(loaded->papers[1].paper_id, "std");  // ordered by id
  EXPECT_EQ(loaded->papers[1].grammage_gsm, 90);
  ASSERT_EQ(loaded->devices.size(), 2u);
  EXPECT_EQ(loaded->devices[0].id, loaded->devices[1].id);  // two periods of one queue
  EXPECT_TRUE(loaded->devices[0].classified);
  EXPECT_EQ(loaded->devices[0].paper_id, "std");
  EXPECT_EQ(loaded->devices[1].paper_id, "rec");
  ASSERT_EQ(loaded->users.size(), 1u);
  EXPECT_EQ(loaded->users[0].direction, "DAF");
  ASSERT_EQ(loaded->workstations.size(), 1u);
  EXPECT_EQ(loaded->workstations[0].count, 12);
  auto ids = inv.KnownPaperIds();
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"rec", "std"}));
}

// README "Paper purchases": an import replaces the purchases of the years it covers, so the same
// file twice stores its rows once; meter readings are one per (server, queue, date).
// A period's meter figures read two counters per device (UsageSource::LoadMeterCounters): the
// counter of the last reading on or before the start and on or before the end.
TEST_P(StoreContractTest, MeterCountersOfAPeriod) {
  const Day jan1 = DaysFromCivil(2018, 1, 1), dec31 = DaysFromCivil(2018, 12, 31);
  auto no_readings = store_->usage().LoadMeterCounters(jan1, dec31);
  ASSERT_TRUE(no_readings.ok()) << no_readings.status().message();
  EXPECT_TRUE(no_readings->empty());
  EXPECT_FALSE(store_->usage().LoadInventory()->has_meter_readings);
  // Counted as the import counts them (a drop across a new period starts again from 0).
  model::Device old_copier, new_copier;
  old_copier.server = new_copier.server = "srv";
  old_copier.queue = new_copier.queue = "copier";
  old_copier.in_service = DaysFromCivil(2015, 1, 1);
  old_copier.out_of_service = new_copier.in_service = DaysFromCivil(2018, 5, 15);
  const std::vector<model::MeterReading> rows =
      model::CountedMeterReadings({{"srv", "copier", DaysFromCivil(2017, 12, 31), 1000},
                                   {"srv", "copier", jan1, 1200},
                                   {"srv", "copier", DaysFromCivil(2018, 6, 1), 300},
                                   {"srv", "copier", dec31, 900},
                                   {"srv", "copier", DaysFromCivil(2019, 1, 31), 1500},
                                   {"srv", "Étage", DaysFromCivil(2018, 3, 1), 40},
                                   {"srv", "Étage", DaysFromCivil(2018, 9, 1), 90},
                                   {"srv", "Z-later", DaysFromCivil(2019, 2, 1), 5},
                                   {"other", "copier", DaysFromCivil(2016, 1, 1), 7}},
                                  {}, {old_copier, new_copier});
  ASSERT_TRUE(store_->inventory().UpsertMeterReadings(rows).ok());
  EXPECT_TRUE(store_->usage().LoadInventory()->has_meter_readings);
  auto year = store_->usage().LoadMeterCounters(jan1, dec31);
  ASSERT_TRUE(year.ok()) << year.status().message();
  // srv/copier counters: 0, 200, 500, 1100, 1700: 2018 = 1100 - 200 (the reading of 1 January
  // is the start). Étage: first reading inside the year. Z-later: none up to the end. Sorted by
  // bytes: "other" < "srv"; "Z-later" < "copier" < "Étage".
  EXPECT_EQ(*year, (std::vector<model::MeterCounters>{{"other", "copier", 0, 0},
                                                      {"srv", "copier", 200, 1100},
                                                      {"srv", "Étage", std::nullopt, 50}}));
  auto june =
      store_->usage().LoadMeterCounters(DaysFromCivil(2018, 6, 1), DaysFromCivil(2018, 6, 30));
  ASSERT_TRUE(june.ok()) << june.status().message();
  EXPECT_EQ(*june,
            (std::vector<model::MeterCounters>{
                {"other", "copier", 0, 0}, {"srv", "copier", 500, 500}, {"srv", "Étage", 0, 0}}));
  // The whole list, with its counters, for the next import.
  auto all = store_->usage().LoadMeterReadings();
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(*all, rows);  // sorted by (server, queue, date), as CountedMeterReadings
  ASSERT_EQ(all->size(), 9u);
  EXPECT_EQ((*all)[6].queue, "copier");
  EXPECT_EQ((*all)[6].counter, 1700);
}

// Periods that start or end on, before or after a device's first and last readings (the
// engines answer those from meter_devices without reading the readings), before and after a
// later import moves them.
TEST_P(StoreContractTest, MeterCountersAtTheEdgesOfEachDevicesReadings) {
  InventoryStore& inv = store_->inventory();
  ASSERT_TRUE(inv.UpsertMeterReadings({{"s", "A", 10, 100, 0},
                                       {"s", "A", 20, 105, 5},
                                       {"s", "A", 30, 109, 9},
                                       {"s", "B", 40, 3, 0}})
                  .ok());
  auto counters = [&](Day start, Day end) {
    auto r = store_->usage().LoadMeterCounters(start, end);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<model::MeterCounters>{};
  };
  using C = std::vector<model::MeterCounters>;
  EXPECT_EQ(counters(10, 30), (C{{"s", "A", 0, 9}}));  // on the first and on the last
  EXPECT_EQ(counters(5, 25), (C{{"s", "A", std::nullopt, 5}}));
  EXPECT_EQ(counters(30, 45), (C{{"s", "A", 9, 9}, {"s", "B", std::nullopt, 0}}));
  EXPECT_EQ(counters(31, 39), (C{{"s", "A", 9, 9}}));
  EXPECT_EQ(counters(40, 40), (C{{"s", "A", 9, 9}, {"s", "B", 0, 0}}));
  // A's last reading replaced and one after it; B read earlier than before.
  ASSERT_TRUE(inv.UpsertMeterReadings({{"s", "A", 30, 112, 12},
                                       {"s", "A", 50, 115, 15},
                                       {"s", "B", 35, 3, 0},
                                       {"s", "B", 40, 7, 4}})
                  .ok());
  EXPECT_EQ(counters(30, 45), (C{{"s", "A", 12, 12}, {"s", "B", std::nullopt, 4}}));
  EXPECT_EQ(counters(35, 60), (C{{"s", "A", 12, 15}, {"s", "B", 0, 4}}));
  EXPECT_EQ(counters(50, 60), (C{{"s", "A", 15, 15}, {"s", "B", 4, 4}}));
  EXPECT_EQ(counters(1, 9), C{});
}

TEST_P(StoreContractTest, PurchasesAndMeterReadingsReimportedDoNotDouble) {
  InventoryStore& inv = store_->inventory();
  model::Purchase a;
  a.date = DaysFromCivil(2018, 3, 1);
  a.direction = "Études";
  a.paper_id = "rec";
  a.quantity = 2.5;
  a.unit = model::PurchaseUnit::kKg;
  a.amount_cents = 1230;
  a.use = model::PaperUse::kPrintShop;
  model::Purchase b;
  b.date = DaysFromCivil(2018, 1, 5);
  b.paper_id = "std";
  b.format = "A3";
  b.quantity = 10;
  model::Purchase old = b;
  old.date = DaysFromCivil(2017, 12, 31);
  model::Purchase same = a;  // an identical row is a second purchase, not a duplicate
  ASSERT_TRUE(inv.ReplacePurchases({old}).ok());
  const std::vector<model::Purchase> file = {a, b, same};
  ASSERT_TRUE(inv.ReplacePurchases(file).ok());
  ASSERT_TRUE(inv.ReplacePurchases(file).ok());
  ASSERT_TRUE(inv.UpsertMeterReadings({{"srv", "copier", DaysFromCivil(2018, 1, 31), 100},
                                       {"srv", "copier", DaysFromCivil(2017, 12, 31), 50},
                                       {"srv", "b", DaysFromCivil(2018, 1, 31), 7}})
                  .ok());
  ASSERT_TRUE(inv.UpsertMeterReadings({{"srv", "copier", DaysFromCivil(2018, 1, 31), 120}}).ok());

  auto loaded = store_->usage().LoadInventory();
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_TRUE(loaded->has_purchases);
  // By date, then in import order; 2017 is untouched by the 2018 file.
  EXPECT_EQ(AllPurchases(store_->usage()), (std::vector<model::Purchase>{old, b, a, same}));
  EXPECT_TRUE(loaded->has_meter_readings);
  auto readings = store_->usage().LoadMeterReadings();
  ASSERT_TRUE(readings.ok()) << readings.status().message();
  EXPECT_EQ(*readings,
            (std::vector<model::MeterReading>{{"srv", "b", DaysFromCivil(2018, 1, 31), 7},
                                              {"srv", "copier", DaysFromCivil(2017, 12, 31), 50},
                                              {"srv", "copier", DaysFromCivil(2018, 1, 31), 120}}));
  // A 2017 file replaces 2017 only.
  ASSERT_TRUE(inv.ReplacePurchases({b, old}).ok());
  EXPECT_EQ(AllPurchases(store_->usage()), (std::vector<model::Purchase>{old, b}));
}

// A year's figures read the purchases of two years, not every stored row: both ends of the
// period are in, the days around them out; by date, then in import order.
TEST_P(StoreContractTest, PurchasesOfAPeriod) {
  auto loaded = store_->usage().LoadInventory();
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_FALSE(loaded->has_purchases);
  auto buy = [](Day date, const char* direction) {
    model::Purchase p;
    p.date = date;
    p.direction = direction;
    p.paper_id = "std";
    p.quantity = 1;
    return p;
  };
  const Day jan1 = DaysFromCivil(2017, 1, 1), dec31 = DaysFromCivil(2018, 12, 31);
  const std::vector<model::Purchase> file = {buy(dec31, "last"),       buy(jan1 - 1, "before"),
                                             buy(jan1, "first"),       buy(dec31 + 1, "after"),
                                             buy(dec31, "last again"), buy(jan1 + 400, "middle")};
  ASSERT_TRUE(store_->inventory().ReplacePurchases(file).ok());
  loaded = store_->usage().LoadInventory();
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_TRUE(loaded->has_purchases);
  auto rows = store_->usage().LoadPurchases(jan1, dec31);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  std::vector<std::string> got;
  for (const model::Purchase& p : *rows) got.push_back(p.direction);
  EXPECT_EQ(got, (std::vector<std::string>{"first", "middle", "last", "last again"}));
  rows = store_->usage().LoadPurchases(dec31 + 2, dec31 + 400);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_TRUE(rows->empty());
}

TEST_P(StoreContractTest, OverlappingServicePeriodsImportNothing) {
  model::Device d;
  d.server = "srv";
  d.queue = "q";
  d.in_service = DaysFromCivil(2017, 1, 1);
  d.out_of_service = DaysFromCivil(2018, 7, 2);
  model::Device later = d;
  later.in_service = DaysFromCivil(2018, 7, 1);
  later.out_of_service = std::nullopt;
  Status st = store_->inventory().UpsertDevices({d, later});
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  auto loaded = store_->usage().LoadInventory();
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->devices.empty());
}

TEST_P(StoreContractTest, QueuesOfJobsAndAgentsAreUnclassifiedDevices) {
  Commit("srv", {Job("a", 1, kJune15, 1)});
  QueueRecord b;
  b.name = "b";
  ASSERT_TRUE(store_->jobs().UpsertQueues("srv", "test", {b}).ok());
  auto loaded = store_->usage().LoadInventory();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->devices.size(), 2u);
  EXPECT_FALSE(loaded->devices[0].classified);
  EXPECT_EQ(loaded->devices[0].queue, "a");
  EXPECT_EQ(loaded->devices[1].queue, "b");
}

TEST_P(StoreContractTest, RollupRowsAreTheIndicatorInputs) {
  // Two users, one device, June and July 2018, and 31 Dec 2018 23:30 Paris (22:30 UTC).
  const int64_t dec31_late = 1546295400;  // 2018-12-31 22:30:00 UTC = 23:30 Paris
  const int64_t jan1_early = 1546299000;  // 2018-12-31 23:30:00 UTC = 2019-01-01 00:30 Paris
  model::StoredJob duplex = Job("q", 4, kJune15 + 86400 * 30, 5, RecordSource::kLive, "bob");
  duplex.record.sides = Sides::kTwoSidedLongEdge;
  duplex.record.color_mode = ColorMode::kColor;
  duplex.sheets = 3;
  model::StoredJob unknown_media = Job("q", 5, kJune15, 2);
  unknown_media.media_known = false;
  Commit("srv", {Job("q", 1, kJune15, 2), Job("q", 2, kJune15 + 60, 3), duplex, unknown_media,
                 Job("q", 6, dec31_late, 1), Job("q", 7, jan1_early, 1)});
  model::UsageSums y = Sums2018(*store_);
  EXPECT_EQ(y.jobs, 5);
  EXPECT_EQ(y.sheets, 2 + 3 + 3 + 2 + 1);
  EXPECT_EQ(y.impressions, 2 + 3 + 5 + 2 + 1);
  EXPECT_EQ(y.two_sided_sheets, 3);
  EXPECT_EQ(y.color_sheets, 3);
  EXPECT_EQ(y.unknown_media_jobs, 1);
  EXPECT_EQ(y.unknown_media_sheets, 2);

  // Monthly rows in (month, device, user, area) order.
  std::vector<model::RollupRow> rows;
  ASSERT_TRUE(store_->usage()
                  .ForEachMonthlyRow(MonthIndex(2018, 1), MonthIndex(2019, 12),
                                     [&](const model::RollupRow& r) { rows.push_back(r); })
                  .ok());
  ASSERT_EQ(rows.size(), 4u);  // June alice, July bob, December alice, January 2019 alice
  EXPECT_EQ(rows[0].period, MonthIndex(2018, 6));
  EXPECT_EQ(rows[0].sums.sheets, 7);
  EXPECT_EQ(rows[1].period, MonthIndex(2018, 7));
  EXPECT_EQ(rows[2].period, MonthIndex(2018, 12));
  EXPECT_EQ(rows[3].period, MonthIndex(2019, 1));
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_LE(rows[i - 1].period, rows[i].period);

  // One user's days, one device's days.
  auto names = store_->usage().LoadUserNames();
  ASSERT_TRUE(names.ok());
  int64_t alice = -1;
  for (const auto& [id, name] : *names) {
    if (name == "alice") alice = id;
  }
  ASSERT_NE(alice, -1);
  int64_t alice_sheets = 0;
  ASSERT_TRUE(store_->usage()
                  .ForEachDailyRow(alice, DaysFromCivil(2018, 6, 15), DaysFromCivil(2018, 12, 31),
                                   [&](const model::RollupRow& r) {
                                     EXPECT_EQ(r.user_id, alice);
                                     alice_sheets += r.sums.sheets;
                                   })
                  .ok());
  EXPECT_EQ(alice_sheets, 2 + 3 + 2 + 1);
  int64_t device_sheets = 0;
  Day last = 0;
  ASSERT_TRUE(store_->usage()
                  .ForEachDailyRowOfDevice(rows[0].device_id, DaysFromCivil(2018, 1, 1),
                                           DaysFromCivil(2019, 1, 1),
                                           [&](const model::RollupRow& r) {
                                             EXPECT_GE(r.period, last);
                                             last = r.period;
                                             device_sheets += r.sums.sheets;
                                           })
                  .ok());
  EXPECT_EQ(device_sheets, 2 + 3 + 3 + 2 + 1 + 1);
}

// Large jobs come from the jobs themselves (before any fold), from the threshold up, within the
// local days asked (the organisation's zone: 31 Dec 23:30 Paris is 2018, 00:30 is 2019).
TEST_P(StoreContractTest, LargeJobsAreReadFromTheThresholdUp) {
  const int64_t dec31_late = 1546295400;  // 2018-12-31 23:30 Paris
  const int64_t jan1_early = 1546299000;  // 2019-01-01 00:30 Paris
  Commit("srv",
         {Job("q", 1, kJune15, 99), Job("q", 2, kJune15 + 60, 100), Job("q", 3, kJune15 + 120, 600),
          Job("q", 4, dec31_late, 5000), Job("q", 5, jan1_early, 5000)});
  auto read = [&](int64_t min_sheets) {
    std::vector<int64_t> sheets;
    Status st =
        store_->usage().ForEachLargeJob(min_sheets, DaysFromCivil(2018, 1, 1),
                                        DaysFromCivil(2018, 12, 31), [&](const model::LargeJob& j) {
                                          EXPECT_GE(j.day, DaysFromCivil(2018, 1, 1));
                                          EXPECT_NE(j.device_id, 0);
                                          sheets.push_back(j.sheets);
                                        });
    EXPECT_TRUE(st.ok()) << st.ToString();
    std::sort(sheets.begin(), sheets.end());
    return sheets;
  };
  EXPECT_EQ(read(100), (std::vector<int64_t>{100, 600, 5000}));
  EXPECT_EQ(read(600), (std::vector<int64_t>{600, 5000}));
  EXPECT_EQ(read(5001), (std::vector<int64_t>{}));
  EXPECT_EQ(store_->usage()
                .ForEachLargeJob(99, 0, DaysFromCivil(2018, 12, 31), [](const model::LargeJob&) {})
                .code(),
            Status::Code::kInvalidArgument);
}

TEST_P(StoreContractTest, ASecondConnectionReadsEveryStoredJobWithoutFolding) {
  Commit("srv", {Job("q", 1, kJune15, 2), Job("q", 2, kJune15, 3)});
  std::unique_ptr<Store> reader = engine_->Reopen();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(Sums2018(*reader).sheets, 5);
  Commit("srv", {Job("q", 3, kJune15, 4)});
  EXPECT_EQ(Sums2018(*reader).sheets, 9);
  ASSERT_TRUE(store_->FoldRollups().ok());
  EXPECT_EQ(Sums2018(*reader).sheets, 9);
  // Writes through the second connection are seen by the first.
  auto out = reader->jobs().CommitJobs("srv", "test", {Job("q", 3, kJune15 + 1, 4)}, {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0], StoreOutcome::kDuplicate);
  EXPECT_EQ(Sums2018(*store_).sheets, 9);
}

TEST_P(StoreContractTest, TimeZoneChangeMovesLocalDays) {
  // 2018-12-31 23:30 UTC: 2019-01-01 in Paris, 2018-12-31 in UTC.
  Commit("srv", {Job("q", 1, 1546299000, 2)});
  EXPECT_EQ(store_->StoredTimeZone(), "Europe/Paris");
  EXPECT_EQ(Sums2018(*store_).sheets, 0);
  ASSERT_TRUE(store_->EnsureTimeZone(TimeZone::Utc()).ok());
  EXPECT_EQ(store_->StoredTimeZone(), TimeZone::Utc().name());
  EXPECT_EQ(Sums2018(*store_).sheets, 2);
}

TEST_P(StoreContractTest, DeliveryLogRecordsASendOnce) {
  ASSERT_TRUE(store_->inventory()
                  .ReplaceDirectionContacts({{"DSI", {"b@example.org", "a@example.org"}}})
                  .ok());
  auto emails = store_->delivery().DirectionEmails("DSI");
  ASSERT_TRUE(emails.ok());
  EXPECT_EQ(*emails, (std::vector<std::string>{"a@example.org", "b@example.org"}));
  EXPECT_TRUE(store_->delivery().DirectionEmails("DAF")->empty());
  const int32_t june = MonthIndex(2018, 6);
  EXPECT_FALSE(*store_->delivery().WasReportSent("DSI", june, "a@example.org"));
  ASSERT_TRUE(store_->delivery().RecordReportSent("DSI", june, "a@example.org", kJune15).ok());
  ASSERT_TRUE(store_->delivery().RecordReportSent("DSI", june, "a@example.org", kJune15).ok());
  EXPECT_TRUE(*store_->delivery().WasReportSent("DSI", june, "a@example.org"));
  EXPECT_FALSE(*store_->delivery().WasReportSent("DSI", june + 1, "a@example.org"));
  ASSERT_TRUE(store_->inventory().ReplaceDirectionContacts({{"DSI", {}}}).ok());
  EXPECT_TRUE(store_->delivery().DirectionEmails("DSI")->empty());
}

TEST_P(StoreContractTest, TokensAreBoundRevokedAndNeverListed) {
  TokenStore& t = store_->tokens();
  const std::string token = "rmt_contract_token_one";
  auto id = t.AddAgentToken("srv", auth::HashAgentToken(token), 100);
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(*id, auth::PublicTokenId(auth::HashAgentToken(token)));
  EXPECT_EQ(t.AddAgentToken("other", auth::HashAgentToken(token), 101).status().code(),
            Status::Code::kFailedPrecondition);
  ASSERT_TRUE(t.AddAgentToken("srv", auth::HashAgentToken("rmt_contract_token_two"), 102).ok());
  auto server = t.ServerIdOfToken(token);
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(*server, "srv");
  EXPECT_EQ(t.ServerIdOfToken("rmt_unknown").status().code(), Status::Code::kUnauthenticated);
  auto list = t.ListAgentTokens();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].created_at, 100);
  EXPECT_FALSE((*list)[0].revoked_at);
  EXPECT_EQ(*t.RevokeAgentTokens(*id, "", 200), 1);
  EXPECT_EQ(*t.RevokeAgentTokens(*id, "", 201), 0);
  EXPECT_EQ(t.ServerIdOfToken(token).status().code(), Status::Code::kUnauthenticated);
  EXPECT_EQ(*t.RevokeAgentTokens("", "srv", 300), 1);
  EXPECT_EQ(t.RevokeAgentTokens("x", "srv", 300).status().code(), Status::Code::kInvalidArgument);
  list = t.ListAgentTokens();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)[0].revoked_at.value_or(0), 200);
}

// account_store.h: accounts by exact name, listed by name, never two of one name, a direction
// exactly for direction accounts; a password change keeps everything but the hash and
// updated_at.
TEST_P(StoreContractTest, WebAccountsAreAddedFoundListedChangedAndRemoved) {
  AccountStore& a = store_->accounts();
  auto none = a.ListAccounts();
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_TRUE(none->empty());
  const WebAccount zoe = Account("zoé", AccountRole::kDirection, "Études", 100);
  const WebAccount bob = Account("bob", AccountRole::kIt, "", 200);
  const WebAccount ann = Account("Ann", AccountRole::kAdmin, "", 300);
  ASSERT_TRUE(a.AddAccount(zoe).ok());
  ASSERT_TRUE(a.AddAccount(bob).ok());
  ASSERT_TRUE(a.AddAccount(ann).ok());
  // Bytewise order: upper case first, "zoé" after "bob".
  auto list = a.ListAccounts();
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(*list, (std::vector<WebAccount>{ann, bob, zoe}));

  auto found = a.FindAccount("zoé");
  ASSERT_TRUE(found.ok()) << found.status().message();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, zoe);
  // Names are compared exactly.
  EXPECT_FALSE(a.FindAccount("ann")->has_value());
  EXPECT_FALSE(a.FindAccount("bob ")->has_value());
  EXPECT_FALSE(a.FindAccount("")->has_value());

  // A taken name is refused, whatever the rest, and the stored account is unchanged.
  Status dup = a.AddAccount(Account("bob", AccountRole::kAdmin, "", 999));
  EXPECT_EQ(dup.code(), Status::Code::kFailedPrecondition) << dup.message();
  EXPECT_EQ(**a.FindAccount("bob"), bob);

  auto changed = a.SetAccountPassword("bob", "$argon2id$new", 250);
  ASSERT_TRUE(changed.ok()) << changed.status().message();
  EXPECT_TRUE(*changed);
  WebAccount bob2 = bob;
  bob2.password_hash = "$argon2id$new";
  bob2.updated_at = 250;
  EXPECT_EQ(**a.FindAccount("bob"), bob2);
  EXPECT_FALSE(*a.SetAccountPassword("nobody", "$argon2id$new", 250));
  EXPECT_EQ(a.SetAccountPassword("bob", "", 260).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(**a.FindAccount("bob"), bob2);

  auto removed = a.RemoveAccount("bob");
  ASSERT_TRUE(removed.ok()) << removed.status().message();
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(*a.RemoveAccount("bob"));
  EXPECT_FALSE(*a.RemoveAccount("nobody"));
  EXPECT_FALSE(a.FindAccount("bob")->has_value());
  EXPECT_EQ(*a.ListAccounts(), (std::vector<WebAccount>{ann, zoe}));
  // The name is free again.
  ASSERT_TRUE(a.AddAccount(bob).ok());

  // Another connection sees the same accounts.
  std::unique_ptr<Store> other = engine_->Reopen();
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(*other->accounts().ListAccounts(), (std::vector<WebAccount>{ann, bob, zoe}));
}

TEST_P(StoreContractTest, WebAccountsRefuseInconsistentRolesAndBadNames) {
  AccountStore& a = store_->accounts();
  std::vector<WebAccount> cases = {
      Account("d", AccountRole::kDirection, "", 1),  // a direction account needs one
      Account("i", AccountRole::kIt, "DSI", 1),      // an it account has none
      Account("a", AccountRole::kAdmin, "DSI", 1),   // nor has an admin
      Account("", AccountRole::kAdmin, "", 1),
      Account("a\nb", AccountRole::kAdmin, "", 1),
      Account(std::string("a\0b", 3), AccountRole::kAdmin, "", 1),
      Account("bad\xff", AccountRole::kAdmin, "", 1),
      Account(std::string(kMaxAccountNameLength + 1, 'x'), AccountRole::kAdmin, "", 1),
      Account("e", AccountRole::kDirection, "DS\tI", 1),
      Account("e", AccountRole::kDirection, std::string(kMaxAccountNameLength + 1, 'D'), 1),
      Account("f", AccountRole::kAdmin, "", 1),
  };
  cases.back().password_hash.clear();
  for (const WebAccount& w : cases) {
    SCOPED_TRACE(w.name);
    EXPECT_FALSE(AccountProblem(w).empty());
    Status st = a.AddAccount(w);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << st.message();
    EXPECT_EQ(st.message(), AccountProblem(w));
  }
  EXPECT_TRUE(a.ListAccounts()->empty());
  // The longest name and a direction with spaces and accents are fine.
  EXPECT_TRUE(
      a.AddAccount(Account(std::string(kMaxAccountNameLength, 'x'), AccountRole::kAdmin, "", 1))
          .ok());
  EXPECT_TRUE(a.AddAccount(Account("g", AccountRole::kDirection, "Études et Plans", 1)).ok());
  EXPECT_EQ(a.ListAccounts()->size(), 2u);
}

// Meter readings stored by the previous version get their counters when the store moves to
// v14 (a drop the import accepted was a replaced device: it starts again from 0).
TEST_P(StoreContractTest, AVersion13DatabaseCountsItsMeterReadings) {
  std::unique_ptr<Store> old = engine_->CreateAtVersion(13);
  if (old == nullptr) GTEST_SKIP() << "the fake has no schema";
  ASSERT_TRUE(old->inventory()
                  .UpsertMeterReadings({{"srv", "q", 10, 100},
                                        {"srv", "q", 20, 300},
                                        {"srv", "q", 30, 50},
                                        {"srv", "q", 40, 80},
                                        {"srv", "p", 10, 7}})
                  .ok());
  EXPECT_EQ(old->usage().LoadMeterCounters(10, 40).status().code(),
            Status::Code::kFailedPrecondition);
  old.reset();
  std::unique_ptr<Store> latest = engine_->ReopenLatest();
  ASSERT_NE(latest, nullptr);
  auto readings = latest->usage().LoadMeterReadings();
  ASSERT_TRUE(readings.ok()) << readings.status().message();
  // q: 0, 200, 200 + 50, 250 + 30.
  EXPECT_EQ(*readings, (std::vector<model::MeterReading>{{"srv", "p", 10, 7, 0},
                                                         {"srv", "q", 10, 100, 0},
                                                         {"srv", "q", 20, 300, 200},
                                                         {"srv", "q", 30, 50, 250},
                                                         {"srv", "q", 40, 80, 280}}));
  auto counters = latest->usage().LoadMeterCounters(20, 40);
  ASSERT_TRUE(counters.ok()) << counters.status().message();
  EXPECT_EQ(*counters,
            (std::vector<model::MeterCounters>{{"srv", "p", 0, 0}, {"srv", "q", 200, 280}}));
}

// v15 keys meter readings by an integer device id and (on SQLite) stores purchases in date order:
// what v14 stored reads back the same, and later imports extend it.
TEST_P(StoreContractTest, AVersion14DatabaseKeepsItsReadingsAndPurchasesUnderTheNewKeys) {
  std::unique_ptr<Store> old = engine_->CreateAtVersion(14);
  if (old == nullptr) GTEST_SKIP() << "the fake has no schema";
  ASSERT_TRUE(old->inventory().UpsertPapers({{"std", false, 80}}).ok());
  ASSERT_TRUE(old->inventory()
                  .UpsertMeterReadings({{"srv", "q", 30, 50, 250},
                                        {"srv", "q", 10, 100, 0},
                                        {"b", "z", 20, 9, 0},
                                        {"srv", "q", 20, 300, 200},
                                        {"srv", "p", 10, 7, 0}})
                  .ok());
  auto purchase = [](Day date, const char* direction) {
    model::Purchase p;
    p.date = date;
    p.direction = direction;
    p.paper_id = "std";
    p.quantity = 1;
    return p;
  };
  const Day d2018 = DaysFromCivil(2018, 3, 1);
  ASSERT_TRUE(old->inventory()
                  .ReplacePurchases({purchase(d2018 + 5, "A"), purchase(d2018, "B"),
                                     purchase(d2018 + 5, "C"), purchase(d2018, "D")})
                  .ok());
  old.reset();

  std::unique_ptr<Store> latest = engine_->ReopenLatest();
  ASSERT_NE(latest, nullptr);
  EXPECT_EQ(latest->SchemaVersion(), engine_->LatestVersion());
  auto readings = latest->usage().LoadMeterReadings();
  ASSERT_TRUE(readings.ok()) << readings.status().message();
  EXPECT_EQ(*readings, (std::vector<model::MeterReading>{{"b", "z", 20, 9, 0},
                                                         {"srv", "p", 10, 7, 0},
                                                         {"srv", "q", 10, 100, 0},
                                                         {"srv", "q", 20, 300, 200},
                                                         {"srv", "q", 30, 50, 250}}));
  auto counters = latest->usage().LoadMeterCounters(15, 30);
  ASSERT_TRUE(counters.ok()) << counters.status().message();
  EXPECT_EQ(*counters, (std::vector<model::MeterCounters>{
                           {"b", "z", std::nullopt, 0}, {"srv", "p", 0, 0}, {"srv", "q", 0, 250}}));
  // By date, then import order.
  std::vector<std::string> order;
  for (const model::Purchase& p : AllPurchases(latest->usage())) order.push_back(p.direction);
  EXPECT_EQ(order, (std::vector<std::string>{"B", "D", "A", "C"}));

  // New readings of a known device join its own; a new device sorts between the others; a
  // reading of a known date replaces it.
  ASSERT_TRUE(latest->inventory()
                  .UpsertMeterReadings(
                      {{"srv", "q", 40, 90, 290}, {"m", "new", 25, 4, 0}, {"b", "z", 20, 11, 0}})
                  .ok());
  readings = latest->usage().LoadMeterReadings();
  ASSERT_TRUE(readings.ok()) << readings.status().message();
  EXPECT_EQ(*readings, (std::vector<model::MeterReading>{{"b", "z", 20, 11, 0},
                                                         {"m", "new", 25, 4, 0},
                                                         {"srv", "p", 10, 7, 0},
                                                         {"srv", "q", 10, 100, 0},
                                                         {"srv", "q", 20, 300, 200},
                                                         {"srv", "q", 30, 50, 250},
                                                         {"srv", "q", 40, 90, 290}}));
  counters = latest->usage().LoadMeterCounters(30, 40);
  ASSERT_TRUE(counters.ok()) << counters.status().message();
  EXPECT_EQ(*counters,
            (std::vector<model::MeterCounters>{
                {"b", "z", 0, 0}, {"m", "new", 0, 0}, {"srv", "p", 0, 0}, {"srv", "q", 250, 290}}));
  // Purchases of another year come after those kept, in import order on a shared date; those of
  // 2018 are still replaced as a whole.
  const Day d2019 = DaysFromCivil(2019, 1, 2);
  ASSERT_TRUE(
      latest->inventory().ReplacePurchases({purchase(d2019, "F"), purchase(d2019, "E")}).ok());
  order.clear();
  for (const model::Purchase& p : AllPurchases(latest->usage())) order.push_back(p.direction);
  EXPECT_EQ(order, (std::vector<std::string>{"B", "D", "A", "C", "F", "E"}));
  ASSERT_TRUE(latest->inventory().ReplacePurchases({purchase(d2018 + 1, "G")}).ok());
  order.clear();
  for (const model::Purchase& p : AllPurchases(latest->usage())) order.push_back(p.direction);
  EXPECT_EQ(order, (std::vector<std::string>{"G", "F", "E"}));
}

// An installation of the previous version keeps everything when it moves to web accounts.
TEST_P(StoreContractTest, AVersion11DatabaseMigratesTo12KeepingItsData) {
  std::unique_ptr<Store> old = engine_->CreateAtVersion(11);
  if (old == nullptr) GTEST_SKIP() << "the fake has no schema";
  ASSERT_TRUE(old->inventory().UpsertPapers({{"std", false, 80}}).ok());
  ASSERT_TRUE(
      old->inventory().ReplaceUserDirections({{"zoe", "DSI", std::nullopt, std::nullopt}}).ok());
  model::Purchase p;
  p.date = DaysFromCivil(2018, 1, 1);
  p.paper_id = "std";
  p.quantity = 3;
  ASSERT_TRUE(old->inventory().ReplacePurchases({p}).ok());
  ASSERT_TRUE(old->inventory().UpsertMeterReadings({{"srv", "q", 5, 42}}).ok());
  ASSERT_TRUE(old->tokens().AddAgentToken("srv", auth::HashAgentToken("rmt_v11"), 7).ok());
  EXPECT_EQ(old->accounts().AddAccount(Account("ann", AccountRole::kAdmin, "", 1)).code(),
            Status::Code::kFailedPrecondition);
  old.reset();

  std::unique_ptr<Store> latest = engine_->ReopenLatest();
  ASSERT_NE(latest, nullptr);
  EXPECT_EQ(latest->SchemaVersion(), engine_->LatestVersion());
  auto inv = latest->usage().LoadInventory();
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(inv->papers.size(), 1u);
  EXPECT_EQ(AllPurchases(latest->usage()), std::vector<model::Purchase>{p});
  EXPECT_TRUE(inv->has_meter_readings);
  auto readings = latest->usage().LoadMeterReadings();
  ASSERT_TRUE(readings.ok()) << readings.status().message();
  EXPECT_EQ(*readings, (std::vector<model::MeterReading>{{"srv", "q", 5, 42}}));
  auto server = latest->tokens().ServerIdOfToken("rmt_v11");
  ASSERT_TRUE(server.ok()) << server.status().message();
  EXPECT_EQ(*server, "srv");
  auto users = latest->directory().LoadUserRows();
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->size(), 1u);
  const WebAccount ann = Account("ann", AccountRole::kDirection, "DSI", 9);
  ASSERT_TRUE(latest->accounts().AddAccount(ann).ok());
  EXPECT_EQ(*latest->accounts().ListAccounts(), std::vector<WebAccount>{ann});
}

TEST_P(StoreContractTest, ServerStatusCountsJobsBacklogAndUnclassifiedQueues) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  Commit("b-srv", {Job("q1", 1, kJune15, 1), Job("q2", 2, kJune15, 1)});
  Commit("a-srv", {Job("q", 1, kJune15, 1)});
  ASSERT_TRUE(store_->jobs().RecordAgentStatus("a-srv", "1.2", {7, now - 30}, now).ok());
  model::Device d;
  d.server = "b-srv";
  d.queue = "q1";
  d.in_service = DaysFromCivil(2018, 1, 1);
  ASSERT_TRUE(store_->inventory().UpsertDevices({d}).ok());
  auto rows = store_->status().ServerStatuses({now - 3600, now - 86400}, /*count_jobs=*/true);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].server, "a-srv");
  EXPECT_EQ((*rows)[0].agent_version, "1.2");
  EXPECT_EQ((*rows)[0].outbox_records.value_or(-1), 7);
  EXPECT_EQ((*rows)[0].jobs_today, 1);
  EXPECT_EQ((*rows)[0].unclassified_queues, 1);
  EXPECT_EQ((*rows)[1].server, "b-srv");
  EXPECT_FALSE((*rows)[1].outbox_records);
  EXPECT_EQ((*rows)[1].jobs_this_month, 2);
  EXPECT_EQ((*rows)[1].unclassified_queues, 1);  // q2; q1 is classified
  // Received before the periods: not counted.
  rows = store_->status().ServerStatuses({now + 10, now + 10}, /*count_jobs=*/true);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[1].jobs_this_month, 0);
}

// The directory sync's one write (store/directory_store.h): rows keep their source, a sync is
// all or nothing, and its record is the last sync.
TEST_P(StoreContractTest, DirectorySyncIsAppliedWholeOrNotAtAll) {
  DirectoryStore& dir = store_->directory();
  auto none = dir.LastDirectorySync();
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store_->inventory()
                  .ReplaceUserDirections({{"alice", "DSI", std::nullopt, std::nullopt}})
                  .ok());

  const Day june = DaysFromCivil(2018, 6, 1);
  DirectoryChanges first;
  first.opens = {{"bob", "DAF", std::nullopt, std::nullopt},
                 {"carol", "DSI", std::nullopt, std::nullopt}};
  first.workstations = {{"DAF", june, 7}};
  first.record = {1527811200, june, 2, 2, 0, 0, 1, 3};
  ASSERT_TRUE(dir.ApplyDirectorySync(first).ok());
  auto rows = dir.LoadUserRows();
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].row.user, "alice");
  EXPECT_EQ((*rows)[0].source, UserRowSource::kCsv);
  EXPECT_EQ((*rows)[1].row.user, "bob");
  EXPECT_EQ((*rows)[1].source, UserRowSource::kDirectory);
  EXPECT_EQ((*rows)[2].row.user, "carol");
  auto last = dir.LastDirectorySync();
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ(**last, first.record);

  // bob moves on 1 July (closed, reopened); carol's row is removed.
  const Day july = DaysFromCivil(2018, 7, 1);
  DirectoryChanges second;
  second.closes = {{(*rows)[1].id, july}};
  second.removes = {(*rows)[2].id};
  second.opens = {{"bob", "DSI", july, std::nullopt}};
  second.record = {1530403200, july, 1, 0, 1, 0, 0, 0};
  ASSERT_TRUE(dir.ApplyDirectorySync(second).ok());
  auto after = dir.LoadUserRows();
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 3u);
  EXPECT_EQ((*after)[1].row.valid_to, july);
  EXPECT_EQ((*after)[2].row.user, "bob");
  EXPECT_EQ((*after)[2].row.valid_from, july);
  EXPECT_EQ((*after)[2].source, UserRowSource::kDirectory);
  EXPECT_EQ(**dir.LastDirectorySync(), second.record);

  // A CSV row, or a row already closed, is never a sync's to change: nothing is written.
  for (int64_t id : {(*after)[0].id, (*after)[1].id}) {
    DirectoryChanges bad;
    bad.opens = {{"dave", "DSI", std::nullopt, std::nullopt}};
    bad.workstations = {{"DSI", july, 3}};
    bad.closes = {{id, july + 1}};
    bad.record = {1530489600, july + 1, 9, 9, 9, 9, 9, 9};
    Status st = dir.ApplyDirectorySync(bad);
    EXPECT_EQ(st.code(), Status::Code::kFailedPrecondition) << st.message();
    EXPECT_EQ(*dir.LoadUserRows(), *after);
    EXPECT_EQ(**dir.LastDirectorySync(), second.record);
    auto inv = store_->usage().LoadInventory();
    ASSERT_TRUE(inv.ok());
    ASSERT_EQ(inv->workstations.size(), 1u);
    EXPECT_EQ(inv->workstations[0].count, 7);
  }
  // A plan made before another sync opened the same user's row (two syncs at once).
  DirectoryChanges twice;
  twice.opens = {{"bob", "DRH", july + 2, std::nullopt}};
  twice.record = {1530576000, july + 2, 1, 1, 0, 0, 0, 0};
  EXPECT_EQ(dir.ApplyDirectorySync(twice).code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(*dir.LoadUserRows(), *after);
  // Readers see directory rows like any others.
  auto inv = store_->usage().LoadInventory();
  ASSERT_TRUE(inv.ok());
  EXPECT_EQ(inv->users.size(), 3u);
  // A CSV import of a user replaces all of that user's rows, directory ones included.
  ASSERT_TRUE(
      store_->inventory().ReplaceUserDirections({{"bob", "DRH", std::nullopt, std::nullopt}}).ok());
  auto replaced = dir.LoadUserRows();
  ASSERT_TRUE(replaced.ok());
  ASSERT_EQ(replaced->size(), 2u);
  EXPECT_EQ((*replaced)[1].row.direction, "DRH");
  EXPECT_EQ((*replaced)[1].source, UserRowSource::kCsv);
}

TEST_P(StoreContractTest, MigratesFromEveryOlderSchemaVersion) {
  for (int v = 1; v < engine_->LatestVersion(); ++v) {
    SCOPED_TRACE("from schema version " + std::to_string(v));
    std::unique_ptr<Store> old = engine_->CreateAtVersion(v);
    ASSERT_NE(old, nullptr);
    EXPECT_EQ(old->SchemaVersion(), v);
    ASSERT_TRUE(old->inventory().UpsertPapers({{"std", false, 80}}).ok());
    ASSERT_TRUE(
        old->inventory().ReplaceUserDirections({{"zoe", "DSI", std::nullopt, std::nullopt}}).ok());
    // v11: purchases and meter readings need the new tables.
    if (v < 11) {
      EXPECT_EQ(old->inventory().UpsertMeterReadings({{"s", "q", 1, 1}}).code(),
                Status::Code::kFailedPrecondition);
    }
    // v12: so do web accounts.
    if (v < 12) {
      EXPECT_EQ(old->accounts().AddAccount(Account("ann", AccountRole::kAdmin, "", 1)).code(),
                Status::Code::kFailedPrecondition);
      EXPECT_EQ(old->accounts().ListAccounts().status().code(), Status::Code::kFailedPrecondition);
    }
    // v13: large jobs are read through their partial index.
    EXPECT_EQ(old->usage().ForEachLargeJob(100, 0, 1, [](const model::LargeJob&) {}).code(),
              Status::Code::kFailedPrecondition);
    old.reset();
    std::unique_ptr<Store> latest = engine_->ReopenLatest();
    ASSERT_NE(latest, nullptr);
    EXPECT_EQ(latest->SchemaVersion(), engine_->LatestVersion());
    auto inv = latest->usage().LoadInventory();
    ASSERT_TRUE(inv.ok()) << inv.status().message();
    ASSERT_EQ(inv->papers.size(), 1u);
    // v10: users rows written before the directory sync existed are CSV rows.
    auto users = latest->directory().LoadUserRows();
    ASSERT_TRUE(users.ok()) << users.status().message();
    ASSERT_EQ(users->size(), 1u);
    EXPECT_EQ((*users)[0].source, UserRowSource::kCsv);
    auto last = latest->directory().LastDirectorySync();
    ASSERT_TRUE(last.ok()) << last.status().message();
    EXPECT_FALSE(last->has_value());
    EXPECT_FALSE(inv->has_purchases);
    model::Purchase p;
    p.date = DaysFromCivil(2018, 1, 1);
    p.paper_id = "std";
    ASSERT_TRUE(latest->inventory().ReplacePurchases({p}).ok());
    ASSERT_TRUE(latest->inventory().UpsertMeterReadings({{"s", "q", 1, 1}}).ok());
    auto accounts = latest->accounts().ListAccounts();
    ASSERT_TRUE(accounts.ok()) << accounts.status().message();
    EXPECT_TRUE(accounts->empty());
    ASSERT_TRUE(latest->accounts().AddAccount(Account("ann", AccountRole::kAdmin, "", 1)).ok());
    store_ = std::move(latest);
    ASSERT_TRUE(store_->EnsureTimeZone(paris_).ok());
    Commit("srv", {Job("q", 1, kJune15, 2)});
    EXPECT_EQ(Sums2018(*store_).sheets, 2);
    // The BI views of v7 (README "BI views") read the migrated database.
    EXPECT_EQ(engine_->Sql("SELECT COUNT(*) FROM bi_jobs"), "1\n");
    EXPECT_EQ(engine_->Sql("SELECT direction FROM bi_monthly_usage"), "unassigned\n");
  }
}

// A small organisation loaded into the store; its indicators JSON must be the same on every
// engine (compared with the fake's below).
std::string LoadSampleAndIndicatorsJson(Store& s, const TimeZone& tz) {
  InventoryStore& inv = s.inventory();
  EXPECT_TRUE(inv.UpsertPapers({{"std", false, 80}, {"rec", true, 80}}).ok());
  std::vector<model::Device> devices;
  const char* classes[] = {"desktop_printer", "mfp", "print_shop"};
  for (int i = 0; i < 3; ++i) {
    model::Device d;
    d.server = "srv";
    d.queue = "q" + std::to_string(i);
    d.device_class = *model::ParseDeviceClass(classes[i]);
    d.direction = i == 0 ? "DSI" : "DAF";
    d.paper_id = i == 1 ? "rec" : "std";
    d.in_service = DaysFromCivil(2016, 1, 1);
    if (i == 0) d.out_of_service = DaysFromCivil(2018, 12, 31);
    devices.push_back(d);
  }
  EXPECT_TRUE(inv.UpsertDevices(devices).ok());
  EXPECT_TRUE(inv.ReplaceUserDirections({{"alice", "DSI", std::nullopt, DaysFromCivil(2018, 6, 1)},
                                         {"alice", "DAF", DaysFromCivil(2018, 6, 1), std::nullopt}})
                  .ok());
  EXPECT_TRUE(inv.UpsertWorkstations(
                     {{"DSI", DaysFromCivil(2017, 1, 1), 3}, {"DAF", DaysFromCivil(2017, 1, 1), 4}})
                  .ok());
  std::vector<model::StoredJob> jobs;
  int32_t id = 1;
  for (int64_t at = 1483228800; at < 1546300800; at += 86400 * 3 + 3600) {  // 2017-2018
    model::StoredJob j;
    j.record.queue = "q" + std::to_string(id % 3);
    j.record.cups_job_id = id;
    j.record.user = id % 5 == 0 ? "" : (id % 2 ? "alice" : "bob");
    j.record.completed_at = at;
    j.record.state = JobState::kCompleted;
    j.record.copies = 1;
    j.record.sides = id % 4 == 0 ? Sides::kTwoSidedLongEdge : Sides::kOneSided;
    j.record.impressions_completed = 1 + id % 7;
    j.record.source = RecordSource::kLive;
    j.local_day = tz.LocalDay(at);
    j.sheets = j.record.sides == Sides::kOneSided ? j.record.impressions_completed
                                                  : (j.record.impressions_completed + 1) / 2;
    j.area_um2 = id % 11 == 0 ? 2 * kA4 : kA4;
    j.media_known = id % 13 != 0;
    jobs.push_back(j);
    ++id;
  }
  auto out = s.jobs().CommitJobs("srv", "test", jobs, {});
  EXPECT_TRUE(out.ok());
  auto report = indicators::ComputeIndicators(s.usage(), 2018);
  EXPECT_TRUE(report.ok()) << report.status().message();
  return report.ok() ? indicators::FormatIndicatorsJson(*report) : std::string();
}

TEST_P(StoreContractTest, IndicatorsJsonIsTheSameOnEveryEngine) {
  testing::FakeStore fake;
  ASSERT_TRUE(fake.EnsureTimeZone(paris_).ok());
  const std::string expected = LoadSampleAndIndicatorsJson(fake, paris_);
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(LoadSampleAndIndicatorsJson(*store_, paris_), expected);
  ASSERT_TRUE(store_->FoldRollups().ok());
  auto again = indicators::ComputeIndicators(store_->usage(), 2018);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(indicators::FormatIndicatorsJson(*again), expected);
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreContractTest,
                         ::testing::Values(
#ifdef RAMETTE_CONTRACT_POSTGRES
                             EngineParam {
                               "postgres", [] { return std::make_unique<PostgresEngine>(); }
                             }
#else
                             EngineParam{"fake", [] { return std::make_unique<FakeEngine>(); }},
                             EngineParam{"sqlite", [] { return std::make_unique<SqliteEngine>(); }}
#endif
                             ),
                         ParamName);

}  // namespace
}  // namespace ramette::aggregator::store
