// `store copy` between real stores: SQLite -> SQLite here; built with RAMETTE_COPY_POSTGRES
// (agg_store_copy_postgres_test, label postgres) SQLite -> PostgreSQL, PostgreSQL -> SQLite and
// PostgreSQL -> PostgreSQL against a private server. Every case fills a source with a bit of
// everything through the store contract, then checks a copy, a second run, an interrupted run,
// conflicts (nothing merged) and the verification.
#include "aggregator/store/store_copy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "aggregator/imports/csv_import.h"
#include "aggregator/imports/paper_source_import.h"
#include "aggregator/indicators/indicator_format.h"
#include "aggregator/indicators/indicators.h"
#include "aggregator/ingest/ingest_processor.h"
#include "aggregator/store/open_store.h"
#include "common/civil_time.h"

#ifdef RAMETTE_COPY_POSTGRES
#include "tests/postgres/private_postgres.h"
#endif

namespace ramette::aggregator::store {
namespace {

using ::testing::HasSubstr;

enum class Engine { kSqlite, kPostgres };
void PrintTo(Engine e, std::ostream* os) { *os << (e == Engine::kSqlite ? "sqlite" : "postgres"); }

#ifdef RAMETTE_COPY_POSTGRES
testing::PrivatePostgres* g_server = nullptr;
std::string g_skip_reason;

class PostgresEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (!testing::PrivatePostgres::Available()) {
      g_skip_reason = "PostgreSQL binaries not found (apt-get install postgresql-15)";
      return;
    }
    auto started = testing::PrivatePostgres::Start();
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value();
    g_server = server_.get();
  }
  void TearDown() override {
    g_server = nullptr;
    server_.reset();
  }

 private:
  std::unique_ptr<testing::PrivatePostgres> server_;
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);
#endif

int64_t Utc(int y, int mo, int d, int h) {
  return int64_t{DaysFromCivil(y, mo, d)} * 86400 + h * 3600;
}

JobRecord MakeJob(const std::string& queue, int32_t id, int64_t completed_at,
                  const std::string& user) {
  JobRecord j;
  j.queue = queue;
  j.cups_job_id = id;
  j.job_uuid = "urn:uuid:" + std::to_string(id);
  j.user = user;
  j.client_host = "pc" + std::to_string(id % 7);
  j.created_at = completed_at - 20;
  j.completed_at = completed_at;
  j.state = JobState::kCompleted;
  j.copies = 1 + id % 3;
  j.impressions_completed = (1 + id % 9) * j.copies;
  j.sides = id % 2 == 0 ? Sides::kTwoSidedLongEdge : Sides::kOneSided;
  j.color_mode = id % 5 == 0 ? ColorMode::kColor : ColorMode::kMonochrome;
  j.media = id % 11 == 0 ? "iso_a3_297x420mm" : id % 13 == 0 ? "" : "iso_a4_210x297mm";
  j.number_up = 1;
  j.source = RecordSource::kLive;
  return j;
}

IndicatorsJson JsonIndicators() {
  return [](Store& store, int year) -> Result<std::string> {
    auto report = indicators::ComputeIndicators(store.usage(), year);
    if (!report.ok()) return report.status();
    return indicators::FormatIndicatorsJson(*report);
  };
}

#define ASSERT_OK(expr)                      \
  do {                                       \
    const Status _st = (expr);               \
    ASSERT_TRUE(_st.ok()) << _st.ToString(); \
  } while (false)

// Fills `store` with a bit of everything: inventory and directory imports, `jobs` jobs over two
// years (with a page_log copy superseded by its live record), a quarantined record, queues and
// heartbeats from the agents, report addresses and sends, agent tokens (one revoked).
void Populate(Store& store, int jobs) {
  auto tz = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(tz.ok());
  ASSERT_OK(store.EnsureTimeZone(*tz));
  InventoryStore& inv = store.inventory();
  auto papers = imports::ParsePapersCsv(
      "paper_id,recycled,grammage_gsm\nstd80,no,80\nrecy75,yes,75.5\n\xc3\xa9"
      "co,yes,70\n",
      "p");
  ASSERT_TRUE(papers.ok()) << papers.status().ToString();
  ASSERT_OK(inv.UpsertPapers(*papers));
  auto devices = imports::ParseDevicesCsv(
      "server,queue,class,direction,paper_id,in_service,out_of_service\n"
      "prn-a,q1,desktop_printer,DAF,std80,2015-01-01,2024-07-01\n"
      "prn-a,q1,mfp,DAF,recy75,2024-07-01,\n"
      "prn-a,q2,mfp,DSI,recy75,2015-01-01,\n"
      "prn-b,shop,print_shop,DCOM,,2015-01-01,\n",
      "d",
      {"std80", "recy75",
       "\xc3\xa9"
       "co"});
  ASSERT_TRUE(devices.ok()) << devices.status().ToString();
  ASSERT_OK(inv.UpsertDevices(*devices));
  auto users = imports::ParseUsersCsv(
      "user,direction,valid_from,valid_to\nalice,DAF,,2025-03-01\nalice,DSI,2025-03-01,\n"
      "bob,DSI,,\nchlo\xc3\xa9,DCOM,,\n",
      "u");
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  ASSERT_OK(inv.ReplaceUserDirections(*users));
  auto ws = imports::ParseWorkstationsCsv(
      "direction,date,count\nDAF,2015-01-01,40\nDAF,2025-01-01,38\nDSI,2015-01-01,20\n"
      "DCOM,2015-01-01,9\n",
      "w");
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  ASSERT_OK(inv.UpsertWorkstations(*ws));
  auto purchases = imports::ParsePurchasesCsv(
      "date,direction,paper_id,format,quantity,unit,amount_eur_ht,use\n"
      "2025-02-01,DAF,std80,,\"12,5\",reams,\"52,10\",\n"
      "2025-03-01,,recy75,A3,0.1,kg,,print_shop\n",
      "p", {"std80", "recy75"});
  ASSERT_TRUE(purchases.ok()) << purchases.status().ToString();
  ASSERT_OK(inv.ReplacePurchases(*purchases));
  auto meters = imports::ParseMetersCsv(
      "server,queue,date,total_impressions\nprn-a,q2,2024-12-31,1000\nprn-a,q2,2025-06-30,4000\n",
      "m", {});
  ASSERT_TRUE(meters.ok()) << meters.status().ToString();
  ASSERT_OK(inv.UpsertMeterReadings(model::CountedMeterReadings(*meters, {}, {})));
  auto dirs = imports::ParseDirectionsCsv(
      "direction,email\nDAF,daf@example.org chef@example.org\nDSI,dsi@example.org\n", "e");
  ASSERT_TRUE(dirs.ok()) << dirs.status().ToString();
  ASSERT_OK(inv.ReplaceDirectionContacts(*dirs));

  ingest::IngestOptions options;
  options.time_zone = *tz;
  options.now = [] { return Utc(2025, 12, 31, 12); };
  ingest::IngestProcessor ingest(&store.jobs(), options);
  QueueRecord q1;
  q1.name = "q1";
  q1.make_model = "HP LaserJet";
  q1.device_uri = "ipp://q1.example.org/ipp/print";
  q1.duplex_supported = true;
  q1.printer_type = 0x801c;
  QueueRecord gone;
  gone.name = "old";
  gone.deleted = true;
  auto queues = ingest.SubmitQueues("prn-a", "1.2.0", {q1, gone});
  ASSERT_TRUE(queues.ok()) << queues.status().ToString();

  const char* kUsers[] = {"alice", "bob", "chlo\xc3\xa9", "", "zoe"};
  const char* kQueues[] = {"q1", "q2", "q1", "unlisted"};
  std::vector<JobRecord> batch;
  for (int i = 1; i <= jobs; ++i) {
    // Spread over 2024 and 2025, office hours.
    const int64_t t =
        Utc(2024, 1, 2, 8) + int64_t{i} * (2 * 365 * 86400 / (jobs + 1)) % (86400 * 730);
    batch.push_back(MakeJob(kQueues[i % 4], i, t, kUsers[i % 5]));
    if (batch.size() == 300 || i == jobs) {
      auto r = ingest.SubmitJobs("prn-a", "1.2.0", batch);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      batch.clear();
    }
  }
  // The print shop's jobs, one of them first from page_log, then live.
  JobRecord logged = MakeJob("shop", 1, Utc(2025, 5, 5, 10), "bob");
  logged.source = RecordSource::kPageLog;
  logged.copies = 1;
  logged.impressions_completed = 100;
  JobRecord live = logged;
  live.source = RecordSource::kLive;
  live.completed_at += 4;
  live.impressions_completed = 120;
  JobRecord bad = MakeJob("shop", 2, Utc(2025, 5, 6, 10), "bob");
  bad.copies = 0;  // rejected: quarantined
  for (const auto& b : {std::vector<JobRecord>{logged, bad}, std::vector<JobRecord>{live}}) {
    auto r = ingest.SubmitJobs("prn-b", "1.1.0", b);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  ASSERT_OK(ingest.ReportStatus("prn-a", "1.2.0", AgentStatusReport{12, Utc(2025, 12, 31, 11)}));

  ASSERT_OK(store.delivery().RecordReportSent("DAF", MonthIndex(2025, 11), "daf@example.org",
                                              Utc(2025, 12, 2, 7)));
  ASSERT_OK(store.delivery().RecordReportSent("DSI", MonthIndex(2025, 11), "dsi@example.org",
                                              Utc(2025, 12, 2, 7)));
  auto t1 = store.tokens().AddAgentToken("prn-a", std::string(64, 'a'), Utc(2025, 1, 1, 9));
  ASSERT_TRUE(t1.ok()) << t1.status().ToString();
  auto t2 = store.tokens().AddAgentToken("prn-b", std::string(64, 'b'), Utc(2025, 1, 1, 9));
  ASSERT_TRUE(t2.ok()) << t2.status().ToString();
  auto revoked = store.tokens().RevokeAgentTokens(*t2, "", Utc(2025, 6, 1, 9));
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  // Web accounts (v12): an administrator and a direction's account.
  ASSERT_OK(store.accounts().AddAccount(
      {"admin", AccountRole::kAdmin, "", "$argon2id$a", Utc(2025, 1, 2, 9), Utc(2025, 3, 2, 9)}));
  ASSERT_OK(store.accounts().AddAccount({"chef.dsi", AccountRole::kDirection, "DSI", "$argon2id$b",
                                         Utc(2025, 1, 2, 9), Utc(2025, 1, 2, 9)}));
  // A directory sync: a directory row beside the CSV ones, and its record.
  DirectoryChanges sync;
  sync.opens = {{"dave", "DRH", std::nullopt, std::nullopt}};
  sync.record = {Utc(2025, 12, 1, 2), DaysFromCivil(2025, 12, 1), 1, 1, 0, 0, 0, 0};
  ASSERT_OK(store.directory().ApplyDirectorySync(sync));
  ASSERT_OK(store.FoldRollups());
}

class StoreCopyTest : public ::testing::TestWithParam<std::tuple<Engine, Engine>> {
 protected:
  void SetUp() override {
#ifdef RAMETTE_COPY_POSTGRES
    if (g_server == nullptr) GTEST_SKIP() << g_skip_reason;
#endif
    char tmpl[] = "/tmp/ramette-copy-XXXXXX";
    dir_ = mkdtemp(tmpl);
    from_ = NewLocation(std::get<0>(GetParam()), "from");
    to_ = NewLocation(std::get<1>(GetParam()), "to");
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string NewLocation(Engine engine, const std::string& name) {
    if (engine == Engine::kSqlite) return dir_ + "/" + name + ".db";
#ifdef RAMETTE_COPY_POSTGRES
    static int counter = 0;
    const std::string db = "c" + std::to_string(getpid()) + "_" + std::to_string(++counter);
    auto uri = g_server->CreateDatabase(db);
    EXPECT_TRUE(uri.ok()) << uri.status().ToString();
    pg_names_[uri.ok() ? *uri : ""] = db;
    return uri.ok() ? *uri : "";
#else
    ADD_FAILURE() << "PostgreSQL cases need RAMETTE_COPY_POSTGRES";
    return "";
#endif
  }

  std::unique_ptr<Store> Open(const std::string& location, OpenMode mode = OpenMode::kCreate) {
    auto s = OpenStore(location, mode);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  // Runs `sql` on the database at `location`, whatever its engine.
  void Exec(const std::string& location, const std::string& sql) {
#ifdef RAMETTE_COPY_POSTGRES
    if (IsPostgresUri(location)) {
      auto r = g_server->Query(pg_names_[location], sql);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      return;
    }
#endif
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(location.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    char* msg = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
    const std::string error = msg != nullptr ? msg : "";
    sqlite3_free(msg);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << error;
  }

  // Copies and verifies; the reports.
  void CopyAndVerify(Store& from, Store& to, CopyReport* copied, VerifyReport* verified,
                     const CopyOptions& options = {}) {
    auto c = CopyStore(from, to, options);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ASSERT_FALSE(c->conflict) << c->conflict->ToString();
    *copied = *c;
    auto v = VerifyCopy(from, to, JsonIndicators());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    *verified = *v;
  }

  int64_t Count(Store& store, const std::string& table) {
    for (const CopyTable& t : CopiedTables()) {
      if (t.name != table) continue;
      auto n = store.table_rows().CountRows(t);
      EXPECT_TRUE(n.ok()) << n.status().ToString();
      return n.ok() ? *n : -1;
    }
    ADD_FAILURE() << "no table " << table;
    return -1;
  }

  std::string dir_;
  std::string from_;
  std::string to_;
  std::map<std::string, std::string> pg_names_;
};

TEST_P(StoreCopyTest, CopiesEverythingAndVerifies) {
  auto from = Open(from_);
  ASSERT_NE(from, nullptr);
  Populate(*from, 1200);
  auto to = Open(to_);
  ASSERT_NE(to, nullptr);
  CopyReport copied;
  VerifyReport verified;
  CopyAndVerify(*from, *to, &copied, &verified, CopyOptions{.batch_rows = 500});
  EXPECT_TRUE(verified.mismatch.empty()) << verified.mismatch;
  EXPECT_EQ(verified.tables, static_cast<int>(CopiedTables().size()));
  EXPECT_EQ(verified.years, (std::vector<int>{2024, 2025}));
  EXPECT_EQ(copied.present, 0);
  // Every table has rows, and as many on both sides.
  for (const CopyTable& t : CopiedTables()) {
    EXPECT_GT(Count(*to, t.name), 0) << t.name;
    EXPECT_EQ(Count(*to, t.name), Count(*from, t.name)) << t.name;
  }
  EXPECT_EQ(to->StoredTimeZone(), "Europe/Paris");
  auto accounts = to->accounts().ListAccounts();
  ASSERT_TRUE(accounts.ok()) << accounts.status().ToString();
  EXPECT_EQ(*accounts, *from->accounts().ListAccounts());
  // The copy answers like the source: tokens (hashes), sends, addresses.
  auto tokens = to->tokens().ListAgentTokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 2u);
  auto sent = to->delivery().WasReportSent("DAF", MonthIndex(2025, 11), "daf@example.org");
  ASSERT_TRUE(sent.ok());
  EXPECT_TRUE(*sent);
  auto emails = to->delivery().DirectionEmails("DAF");
  ASSERT_TRUE(emails.ok());
  EXPECT_EQ(emails->size(), 2u);
  EXPECT_EQ(*to->CountJobs(), *from->CountJobs());
  EXPECT_EQ(*to->CountQuarantined(), 1);
  // The report's rows add up.
  EXPECT_EQ(copied.copied, [&] {
    int64_t n = 0;
    for (const CopyTable& t : CopiedTables()) n += Count(*from, t.name);
    return n;
  }());
}

TEST_P(StoreCopyTest, TargetTakesNewDataAfterTheCopy) {
  auto from = Open(from_);
  ASSERT_NE(from, nullptr);
  Populate(*from, 300);
  auto to = Open(to_);
  ASSERT_NE(to, nullptr);
  CopyReport copied;
  VerifyReport verified;
  CopyAndVerify(*from, *to, &copied, &verified);
  ASSERT_TRUE(verified.mismatch.empty()) << verified.mismatch;
  // New servers, users, queues and jobs take ids after the copied ones (PostgreSQL's
  // sequences moved), and count once.
  auto tz = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(tz.ok());
  ingest::IngestOptions options;
  options.time_zone = *tz;
  ingest::IngestProcessor ingest(&to->jobs(), options);
  const int64_t before = *to->CountJobs();
  auto r = ingest.SubmitJobs("prn-new", "2.0.0",
                             {MakeJob("fresh", 1, Utc(2025, 9, 1, 9), "newcomer"),
                              MakeJob("q1", 2, Utc(2025, 9, 1, 10), "alice")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].kind, ingest::RecordResult::Kind::kAccepted);
  EXPECT_EQ((*r)[1].kind, ingest::RecordResult::Kind::kAccepted);
  EXPECT_EQ(*to->CountJobs(), before + 2);
  auto users = imports::ParseUsersCsv("user,direction\nnewcomer,DSI\n", "u");
  ASSERT_TRUE(users.ok());
  ASSERT_OK(to->inventory().ReplaceUserDirections(*users));
  auto devices = imports::ParseDevicesCsv(
      "server,queue,class,direction,paper_id,in_service,out_of_service\n"
      "prn-new,fresh,mfp,DSI,std80,2025-01-01,\n",
      "d", {"std80"});
  ASSERT_TRUE(devices.ok());
  ASSERT_OK(to->inventory().UpsertDevices(*devices));
  auto t = to->tokens().AddAgentToken("prn-new", std::string(64, 'c'), Utc(2025, 9, 1, 9));
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  // And the copy now differs from its source, which the verification says.
  auto v = VerifyCopy(*from, *to, JsonIndicators());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_THAT(v->mismatch, HasSubstr("table servers has 2 rows in the source and 3 in the target"));
}

TEST_P(StoreCopyTest, SecondRunCopiesNothing) {
  auto from = Open(from_);
  ASSERT_NE(from, nullptr);
  Populate(*from, 400);
  auto to = Open(to_);
  ASSERT_NE(to, nullptr);
  CopyReport first, second;
  VerifyReport verified;
  CopyAndVerify(*from, *to, &first, &verified, CopyOptions{.batch_rows = 64});
  ASSERT_GT(first.copied, 400);
  CopyAndVerify(*from, *to, &second, &verified, CopyOptions{.batch_rows = 64});
  EXPECT_EQ(second.copied, 0);
  EXPECT_EQ(second.present, first.copied);
  EXPECT_TRUE(verified.mismatch.empty()) << verified.mismatch;
}

TEST_P(StoreCopyTest, ResumesAfterAnInterruption) {
  auto from = Open(from_);
  ASSERT_NE(from, nullptr);
  Populate(*from, 900);
  auto to = Open(to_);
  ASSERT_NE(to, nullptr);
  // Killed after 14 committed batches of 100 rows: 11 before the jobs (one per table), 3 of jobs.
  auto stopped = CopyStore(*from, *to, CopyOptions{.batch_rows = 100, .stop_after_batches = 14});
  ASSERT_TRUE(stopped.ok()) << stopped.status().ToString();
  EXPECT_TRUE(stopped->stopped_early);
  const int64_t jobs_then = Count(*to, "jobs");
  EXPECT_GT(jobs_then, 0);
  EXPECT_LT(jobs_then, Count(*from, "jobs"));
  // What was committed is whole: the indicators of the partial target count its jobs.
  to.reset();
  to = Open(to_, OpenMode::kExisting);
  ASSERT_NE(to, nullptr);
  CopyReport rest;
  VerifyReport verified;
  CopyAndVerify(*from, *to, &rest, &verified, CopyOptions{.batch_rows = 100});
  EXPECT_EQ(rest.present, stopped->copied);
  EXPECT_GT(rest.copied, 0);
  EXPECT_TRUE(verified.mismatch.empty()) << verified.mismatch;
  EXPECT_EQ(verified.years, (std::vector<int>{2024, 2025}));
}

TEST_P(StoreCopyTest, StopsAtTheFirstConflictAndMergesNothing) {
  auto from = Open(from_);
  ASSERT_NE(from, nullptr);
  Populate(*from, 200);
  auto to = Open(to_);
  ASSERT_NE(to, nullptr);
  // The target already has the stock std80, at another grammage.
  ASSERT_OK(to->inventory().UpsertPapers({model::Paper{"std80", false, 90.0}}));
  auto c = CopyStore(*from, *to);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->conflict);
  EXPECT_EQ(c->conflict->table, "papers");
  EXPECT_EQ(c->conflict->key, "paper_id='std80'");
  EXPECT_EQ(c->conflict->column, "grammage_gsm");
  EXPECT_THAT(c->conflict->ToString(),
              HasSubstr("table papers, key paper_id='std80': column grammage_gsm is 80 in the "
                        "source and 90 in the target"));
  // Nothing merged: the target keeps its value, and nothing after the conflict was copied.
  auto papers = to->inventory().KnownPaperIds();
  ASSERT_TRUE(papers.ok());
  EXPECT_EQ(Count(*to, "jobs"), 0);
  EXPECT_EQ(Count(*to, "servers"), Count(*from, "servers"));  // before papers: copied
  auto again = CopyStore(*from, *to);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->conflict);
  EXPECT_EQ(again->conflict->table, "papers");
}

TEST_P(StoreCopyTest, NamesAConflictOnAUniqueKey) {
  auto from = Open(from_);
  ASSERT_NE(from, nullptr);
  Populate(*from, 50);
  auto to = Open(to_);
  ASSERT_NE(to, nullptr);
  to.reset();
  // The target knows server prn-a under another id.
  Exec(to_,
       "INSERT INTO servers(id, name, agent_version, first_contact, last_contact)"
       " VALUES(7, 'prn-a', '1.2.0', 1, 1)");
  to = Open(to_, OpenMode::kExisting);
  ASSERT_NE(to, nullptr);
  auto c = CopyStore(*from, *to);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->conflict);
  EXPECT_EQ(c->conflict->table, "servers");
  EXPECT_EQ(c->conflict->key, "name='prn-a'");
  EXPECT_EQ(c->conflict->column, "id");
  EXPECT_EQ(Count(*to, "servers"), 1);
}

TEST_P(StoreCopyTest, NamesAConflictOnTheJobIdentity) {
  auto from = Open(from_);
  ASSERT_NE(from, nullptr);
  Populate(*from, 50);
  auto to = Open(to_);
  ASSERT_NE(to, nullptr);
  // Copy everything but the jobs' table contents, then store one job of the same identity
  // (server, CUPS job id, completion within 300 s) under another id in the target.
  auto stopped = CopyStore(*from, *to, CopyOptions{.batch_rows = 1000, .stop_after_batches = 9});
  ASSERT_TRUE(stopped.ok()) << stopped.status().ToString();
  ASSERT_EQ(Count(*to, "jobs"), 0);
  const CopyTable* jobs = nullptr;
  for (const CopyTable& t : CopiedTables()) {
    if (t.name == "jobs") jobs = &t;
  }
  ASSERT_NE(jobs, nullptr);
  auto first = from->table_rows().ReadRows(*jobs, {}, {}, 1);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  CopyRow moved = first->front();
  moved[0] = int64_t{1000};
  moved[8] = std::get<int64_t>(moved[8]) + 100;  // completed_at
  auto inserted = to->table_rows().InsertRows(*jobs, {moved});
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  ASSERT_EQ(*inserted, 1u);
  auto c = CopyStore(*from, *to);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->conflict);
  EXPECT_EQ(c->conflict->table, "jobs");
  EXPECT_THAT(c->conflict->key, HasSubstr("server_id="));
  EXPECT_THAT(c->conflict->key, HasSubstr("cups_job_id="));
  EXPECT_EQ(c->conflict->column, "id");
  EXPECT_EQ(Count(*to, "jobs"), 1);  // the batch holding the conflict was not written
}

// Copied jobs count in the target's rollups even when the target had already folded jobs with
// higher ids (SQLite's watermark): every stored job is in the indicators' sums.
TEST_P(StoreCopyTest, CopiedJobsBelowTheFoldWatermarkAreCounted) {
  auto from = Open(from_);
  ASSERT_NE(from, nullptr);
  Populate(*from, 80);
  auto to = Open(to_);
  ASSERT_NE(to, nullptr);
  auto stopped = CopyStore(*from, *to, CopyOptions{.batch_rows = 1000, .stop_after_batches = 9});
  ASSERT_TRUE(stopped.ok()) << stopped.status().ToString();
  ASSERT_EQ(Count(*to, "jobs"), 0);
  const CopyTable* jobs = nullptr;
  for (const CopyTable& t : CopiedTables()) {
    if (t.name == "jobs") jobs = &t;
  }
  ASSERT_NE(jobs, nullptr);
  // A job of another identity under a high id, folded into the target's rollups.
  auto first = from->table_rows().ReadRows(*jobs, {}, {}, 1);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  CopyRow high = first->front();
  high[0] = int64_t{100000};
  high[3] = int64_t{999999};  // cups_job_id
  auto inserted = to->table_rows().InsertRows(*jobs, {high});
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  ASSERT_OK(to->FoldRollups());
  auto c = CopyStore(*from, *to);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_FALSE(c->conflict) << c->conflict->ToString();
  // Every stored job is in the rollups, through a fresh connection too.
  for (int reopen = 0; reopen < 2; ++reopen) {
    if (reopen == 1) {
      to.reset();
      to = Open(to_, OpenMode::kExisting);
      ASSERT_NE(to, nullptr);
    }
    int64_t rolled = 0;
    ASSERT_OK(to->usage().ForEachMonthlyRow(
        0, 1 << 30, [&](const model::RollupRow& r) { rolled += r.sums.jobs; }));
    EXPECT_EQ(rolled, *to->CountJobs());
    EXPECT_EQ(rolled, *from->CountJobs() + 1);
  }
}

TEST_P(StoreCopyTest, VerificationCatchesADifference) {
  auto from = Open(from_);
  ASSERT_NE(from, nullptr);
  Populate(*from, 300);
  auto to = Open(to_);
  ASSERT_NE(to, nullptr);
  CopyReport copied;
  VerifyReport verified;
  CopyAndVerify(*from, *to, &copied, &verified);
  ASSERT_TRUE(verified.mismatch.empty()) << verified.mismatch;
  // A tampered row: the indicators differ.
  ASSERT_OK(to->inventory().UpsertPapers({model::Paper{"recy75", true, 90.0}}));
  auto v = VerifyCopy(*from, *to, JsonIndicators());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_THAT(v->mismatch, HasSubstr("the indicators of 2024 differ at byte"));
  // A row too many: the counts differ.
  ASSERT_OK(to->inventory().UpsertPapers({model::Paper{"recy75", true, 75.5}}));
  ASSERT_OK(to->delivery().RecordReportSent("DSI", MonthIndex(2025, 10), "x@example.org", 1));
  v = VerifyCopy(*from, *to, JsonIndicators());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->mismatch, "table report_sends has 2 rows in the source and 3 in the target");
}

TEST_P(StoreCopyTest, RefusesATableItDoesNotKnow) {
  auto from = Open(from_);
  ASSERT_NE(from, nullptr);
  from.reset();
  Exec(from_, "CREATE TABLE not_ramettes(id integer PRIMARY KEY)");
  from = Open(from_, OpenMode::kExisting);
  ASSERT_NE(from, nullptr);
  auto to = Open(to_);
  ASSERT_NE(to, nullptr);
  auto c = CopyStore(*from, *to);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_THAT(c.status().message(), HasSubstr("holds table 'not_ramettes'"));
  EXPECT_EQ(Count(*to, "meta"), 0);  // nothing copied
}

#ifdef RAMETTE_COPY_POSTGRES
INSTANTIATE_TEST_SUITE_P(Engines, StoreCopyTest,
                         ::testing::Values(std::make_tuple(Engine::kSqlite, Engine::kPostgres),
                                           std::make_tuple(Engine::kPostgres, Engine::kSqlite),
                                           std::make_tuple(Engine::kPostgres, Engine::kPostgres)),
                         [](const auto& info) {
                           auto name = [](Engine e) {
                             return e == Engine::kSqlite ? std::string("Sqlite")
                                                         : std::string("Postgres");
                           };
                           return name(std::get<0>(info.param)) + "To" +
                                  name(std::get<1>(info.param));
                         });

// Both ways through PostgreSQL: SQLite -> PostgreSQL -> SQLite gives the same tables, row for row.
TEST(StoreCopyRoundTrip, SqliteToPostgresAndBack) {
  if (g_server == nullptr) GTEST_SKIP() << g_skip_reason;
  char tmpl[] = "/tmp/ramette-copy-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  auto a = OpenStore(dir + "/a.db", OpenMode::kCreate);
  ASSERT_TRUE(a.ok());
  Populate(**a, 500);
  auto uri = g_server->CreateDatabase("roundtrip" + std::to_string(getpid()));
  ASSERT_TRUE(uri.ok());
  auto pg = OpenStore(*uri, OpenMode::kCreate);
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  auto b = OpenStore(dir + "/b.db", OpenMode::kCreate);
  ASSERT_TRUE(b.ok());
  for (auto [from, to] :
       {std::make_pair(a->get(), pg->get()), std::make_pair(pg->get(), b->get())}) {
    auto c = CopyStore(*from, *to);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ASSERT_FALSE(c->conflict) << c->conflict->ToString();
  }
  for (const CopyTable& t : CopiedTables()) {
    auto x = (*a)->table_rows().ReadRows(t, {}, {}, 100000);
    auto y = (*b)->table_rows().ReadRows(t, {}, {}, 100000);
    ASSERT_TRUE(x.ok() && y.ok());
    EXPECT_TRUE(*x == *y) << t.name;
  }
  std::filesystem::remove_all(dir);
}
#else
INSTANTIATE_TEST_SUITE_P(Engines, StoreCopyTest,
                         ::testing::Values(std::make_tuple(Engine::kSqlite, Engine::kSqlite)),
                         [](const auto&) { return std::string("SqliteToSqlite"); });
#endif

}  // namespace
}  // namespace ramette::aggregator::store
