// `ramette status` on hand-made data with a fixed "now", and `ramette backup` while another
// connection keeps writing: the copy opens and gives the same indicators.
#include "aggregator/cli/commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "aggregator/auth/agent_token.h"
#include "aggregator/auth/password_hash.h"
#include "aggregator/imports/csv_import.h"
#include "aggregator/imports/paper_source_import.h"
#include "aggregator/ingest/ingest_processor.h"
#include "aggregator/model/inventory.h"
#include "aggregator/store/sqlite_store.h"

namespace ramette::aggregator::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// 2026-03-15T11:00:00Z = 12:00 in Paris.
constexpr int64_t kNow = 1773572400;
constexpr int64_t kTodayStart = 1773529200;  // 2026-03-15T00:00+01:00
constexpr int64_t kMonthStart = 1772319600;  // 2026-03-01T00:00+01:00

JobRecord Job(const std::string& queue, int id, int64_t completed_at) {
  JobRecord j;
  j.queue = queue;
  j.cups_job_id = id;
  j.user = "alice";
  j.completed_at = completed_at;
  j.state = JobState::kCompleted;
  j.copies = 1;
  j.impressions_completed = 4;
  j.sides = Sides::kOneSided;
  j.media = "iso_a4_210x297mm";
  j.source = RecordSource::kLive;
  return j;
}

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ramette-cli-XXXXXX";
    dir_ = mkdtemp(tmpl);
    db_ = dir_ + "/ramette.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void RawExec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    char* msg = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
    std::string error = msg != nullptr ? msg : "";
    sqlite3_free(msg);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << error;
  }

  std::string dir_;
  std::string db_;
};

TEST_F(CommandsTest, StatusCountsJobsFlagsSilentServersAndShowsBacklog) {
  {
    auto store = store::SqliteStore::Open(db_);
    ASSERT_TRUE(store.ok()) << store.status().message();
    ASSERT_TRUE((*store)->EnsureTimeZone(*TimeZone::Load("Europe/Paris")).ok());
    ingest::IngestProcessor p(store->get(), ingest::IngestOptions{*TimeZone::Load("Europe/Paris"),
                                                                  false, [] { return kNow; }});
    // prn-a: 5 jobs (ids 1-5), prn-b: 1 job (id 6), in this order.
    std::vector<JobRecord> a;
    for (int i = 1; i <= 5; ++i) a.push_back(Job("compta", i, kNow - 86400 * 30 + i));
    ASSERT_TRUE(p.SubmitJobs("prn-a", "0.1.0", a).ok());
    ASSERT_TRUE(p.SubmitJobs("prn-b", "0.0.9", {Job("rh", 1, kNow - 100)}).ok());
    ASSERT_TRUE(p.ReportStatus("prn-a", "0.1.0", {12, kNow - 300}).ok());
  }
  // Arrival times: two jobs last month, one earlier this month, two today; prn-b's today.
  // prn-a called a minute ago, prn-b an hour ago.
  RawExec("UPDATE jobs SET received_at = " + std::to_string(kMonthStart - 86400) +
          " WHERE id IN (1, 2);"
          "UPDATE jobs SET received_at = " +
          std::to_string(kMonthStart + 3600) +
          " WHERE id = 3;"
          "UPDATE jobs SET received_at = " +
          std::to_string(kTodayStart + 60) +
          " WHERE id IN (4, 5);"
          "UPDATE jobs SET received_at = " +
          std::to_string(kTodayStart + 120) +
          " WHERE id = 6;"
          "UPDATE servers SET last_contact = " +
          std::to_string(kNow - 60) +
          " WHERE name = 'prn-a';"
          "UPDATE servers SET last_contact = " +
          std::to_string(kNow - 3600) + " WHERE name = 'prn-b';");

  std::ostringstream out, err;
  EXPECT_EQ(RunStatus(db_, "15m", "json", kNow, out, err), 3) << err.str();
  auto j = nlohmann::json::parse(out.str());
  ASSERT_EQ(j["servers"].size(), 2u);
  const auto& a = j["servers"][0];
  EXPECT_EQ(a["server"], "prn-a");
  EXPECT_EQ(a["agent_version"], "0.1.0");
  EXPECT_EQ(a["jobs_today"], 2);
  EXPECT_EQ(a["jobs_this_month"], 3);
  EXPECT_EQ(a["outbox_records"], 12);
  EXPECT_EQ(a["outbox_oldest_record"], kNow - 300);
  EXPECT_EQ(a["unclassified_queues"], 1);
  EXPECT_EQ(a["silent"], false);
  const auto& b = j["servers"][1];
  EXPECT_EQ(b["server"], "prn-b");
  EXPECT_EQ(b["jobs_today"], 1);
  EXPECT_EQ(b["jobs_this_month"], 1);
  EXPECT_TRUE(b["outbox_records"].is_null());
  EXPECT_EQ(b["silent"], true);

  // A longer tolerance: nobody is silent, exit 0; the table says the same.
  std::ostringstream table;
  EXPECT_EQ(RunStatus(db_, "2h", "table", kNow, table, err), 0) << err.str();
  EXPECT_THAT(table.str(), HasSubstr("2 print server(s), 0 silent for more than 120 min"));
  EXPECT_THAT(table.str(), HasSubstr("12 (oldest 5m ago)"));

  std::ostringstream ignored;
  EXPECT_EQ(RunStatus(db_, "soon", "table", kNow, ignored, err), 2);
  // A missing database is a configuration problem (78), never created by a read command.
  EXPECT_EQ(RunStatus(dir_ + "/none.db", "15m", "table", kNow, ignored, err), 78);
}

// Read commands never create or convert a file that is not a ramette database; a refused file
// is byte-for-byte unchanged, and each refusal is a configuration problem (78).
TEST_F(CommandsTest, ReadCommandsRefuseFilesThatAreNotRametteDatabases) {
  auto bytes = [](const std::string& path) {
    if (std::filesystem::is_directory(path)) return std::string("(directory)");
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::string other = dir_ + "/other.db";
  {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(other.c_str(), &h), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(h);
  }
  const std::string empty = dir_ + "/empty.db";
  { std::ofstream touch(empty); }
  const std::string folder = dir_ + "/folder.db";
  std::filesystem::create_directory(folder);
  for (const std::string& db : {other, empty, folder}) {
    const std::string before = bytes(db);
    std::ostringstream out, err;
    EXPECT_EQ(RunIndicators(db, 2018, std::nullopt, "json", out, err), kExitConfig) << db;
    EXPECT_THAT(err.str(), HasSubstr(db));
    EXPECT_EQ(out.str(), "");
    std::ostringstream ignored;
    EXPECT_EQ(RunStatus(db, "15m", "table", 0, ignored, err), kExitConfig) << db;
    EXPECT_EQ(bytes(db), before) << db;
  }
  EXPECT_FALSE(std::filesystem::exists(other + "-wal"));
  EXPECT_EQ(std::filesystem::file_size(empty), 0u);
  // Not even an import may turn another program's database into a store.
  const std::string csv = dir_ + "/papers.csv";
  { std::ofstream(csv) << "paper_id,recycled,grammage_gsm\nP1,yes,80\n"; }
  const std::string before = bytes(other);
  std::ostringstream out, err;
  EXPECT_EQ(RunImport(other, "papers", csv, out, err), kExitConfig);
  EXPECT_EQ(bytes(other), before);
}

TEST_F(CommandsTest, BackupWhileWritingGivesTheSameIndicators) {
  const int64_t t2019 = 1560000000;  // 2019-06-08
  const int64_t t2020 = 1590000000;  // 2020-05-20
  {
    auto store = store::SqliteStore::Open(db_);
    ASSERT_TRUE(store.ok());
    ingest::IngestProcessor p(
        store->get(), ingest::IngestOptions{TimeZone::Utc(), false, [] { return t2020 + 86400; }});
    std::vector<JobRecord> jobs;
    for (int i = 1; i <= 2000; ++i) jobs.push_back(Job(i % 3 ? "compta" : "rh", i, t2019 + i));
    ASSERT_TRUE(p.SubmitJobs("prn-a", "0.1.0", jobs).ok());
  }
  // Another connection keeps storing 2020 jobs while the backup runs.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    auto store = store::SqliteStore::Open(db_);
    ASSERT_TRUE(store.ok());
    ingest::IngestProcessor p(
        store->get(), ingest::IngestOptions{TimeZone::Utc(), false, [] { return t2020 + 86400; }});
    for (int batch = 0; !stop && batch < 2000; ++batch) {
      std::vector<JobRecord> jobs;
      for (int i = 0; i < 20; ++i)
        jobs.push_back(Job("compta", 10000 + batch * 20 + i, t2020 + batch * 20 + i));
      if (p.SubmitJobs("prn-b", "0.1.0", jobs).ok()) written += 20;
    }
  });
  while (written < 100) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string copy = dir_ + "/copy.db";
  std::ostringstream out, err;
  EXPECT_EQ(RunBackup(db_, copy, out, err), 0) << err.str();
  stop = true;
  writer.join();
  EXPECT_THAT(out.str(), HasSubstr("copy.db"));
  EXPECT_FALSE(std::filesystem::exists(copy + ".partial"));
  EXPECT_FALSE(std::filesystem::exists(copy + "-wal"));

  // The copy is a database of its own with every 2019 job and some 2020 ones.
  {
    auto restored = store::SqliteStore::Open(copy);
    ASSERT_TRUE(restored.ok()) << restored.status().message();
    auto n = (*restored)->CountJobs();
    ASSERT_TRUE(n.ok());
    EXPECT_GE(*n, 2000 + 100);
  }
  std::ostringstream original_2019, copy_2019;
  ASSERT_EQ(RunIndicators(db_, 2019, std::nullopt, "json", original_2019, err), 0) << err.str();
  ASSERT_EQ(RunIndicators(copy, 2019, std::nullopt, "json", copy_2019, err), 0) << err.str();
  EXPECT_EQ(original_2019.str(), copy_2019.str());
  EXPECT_THAT(copy_2019.str(), HasSubstr("\"sheets\":8000"));

  // Never over an existing file.
  std::ostringstream again;
  EXPECT_EQ(RunBackup(db_, copy, again, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("exists"));
}

// The whole content of `path` ("" when missing).
std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(CommandsTest, BackupIsPrivateAndNeverReplacesAnythingThatExists) {
  ASSERT_TRUE(store::SqliteStore::Open(db_).ok());
  std::ostringstream out, err;
  const mode_t old_umask = umask(022);
  const std::string copy = dir_ + "/copy.db";
  const int code = RunBackup(db_, copy, out, err);
  umask(old_umask);
  ASSERT_EQ(code, 0) << err.str();
  struct stat st {};
  ASSERT_EQ(stat(copy.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  // A dangling link, a mode-000 file and a FIFO are all left as they are.
  const std::string link = dir_ + "/link.db";
  std::filesystem::create_symlink(dir_ + "/nowhere", link);
  EXPECT_EQ(RunBackup(db_, link, out, err), 1);
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/nowhere"));
  const std::string locked = dir_ + "/locked.db";
  std::ofstream(locked) << "keep";
  ASSERT_EQ(chmod(locked.c_str(), 0), 0);
  EXPECT_EQ(RunBackup(db_, locked, out, err), 1);
  ASSERT_EQ(chmod(locked.c_str(), 0600), 0);
  EXPECT_EQ(FileBytes(locked), "keep");
  const std::string fifo = dir_ + "/fifo.db";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(RunBackup(db_, fifo, out, err), 1);
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_THAT(err.str(), HasSubstr("never overwrite"));
  EXPECT_FALSE(std::filesystem::exists(link + ".partial"));
}

TEST_F(CommandsTest, TokenCreatePrintsOnceStoresOnlyTheHashListsAndRevokes) {
  std::ostringstream out, err;
  ASSERT_EQ(RunTokenCreate(db_, "prn-a", 1700000000, out, err), 0) << err.str();
  const std::string printed = out.str();
  ASSERT_FALSE(printed.empty());
  EXPECT_EQ(printed.find('\n'), printed.size() - 1);  // exactly one line: the token
  const std::string token = printed.substr(0, printed.size() - 1);
  EXPECT_EQ(token.rfind("rmt_", 0), 0u);
  EXPECT_THAT(err.str(), HasSubstr("shown only this once"));
  EXPECT_THAT(err.str(), Not(HasSubstr(token)));
  const std::string id = auth::HashAgentToken(token).substr(0, 8);
  EXPECT_THAT(err.str(), HasSubstr(id));

  std::ostringstream out_b, err_b;
  ASSERT_EQ(RunTokenCreate(db_, "prn-b", 1700000100, out_b, err_b), 0) << err_b.str();
  std::ostringstream out_b2;
  ASSERT_EQ(RunTokenCreate(db_, "prn-b", 1700000200, out_b2, err_b), 0) << err_b.str();

  // Only the hash is in the database files (main file and WAL).
  {
    auto store = store::SqliteStore::Open(db_);  // a checkpoint on close moves the WAL in
    ASSERT_TRUE(store.ok());
    EXPECT_EQ(*(*store)->ServerIdOfToken(token), "prn-a");
  }
  const std::string bytes = FileBytes(db_) + FileBytes(db_ + "-wal");
  EXPECT_EQ(bytes.find(token), std::string::npos);
  EXPECT_EQ(bytes.find(token.substr(4)), std::string::npos);
  EXPECT_NE(bytes.find(auth::HashAgentToken(token)), std::string::npos);

  std::ostringstream list, list_err;
  ASSERT_EQ(RunTokenList(db_, list, list_err), 0) << list_err.str();
  EXPECT_THAT(list.str(), HasSubstr(id + "  prn-a      2023-11-14T22:13:20Z  -"));
  EXPECT_THAT(list.str(), Not(HasSubstr(token)));

  std::ostringstream rout, rerr;
  EXPECT_EQ(RunTokenRevoke(db_, id, "", 1700000300, rout, rerr), 0) << rerr.str();
  EXPECT_THAT(rout.str(), HasSubstr("revoked 1 token"));
  EXPECT_EQ(RunTokenRevoke(db_, id, "", 1700000400, rout, rerr), 1);  // already revoked
  EXPECT_THAT(rerr.str(), HasSubstr("no valid token with id " + id));
  std::ostringstream rout2;
  EXPECT_EQ(RunTokenRevoke(db_, "", "prn-b", 1700000500, rout2, rerr), 0);
  EXPECT_THAT(rout2.str(), HasSubstr("revoked 2 tokens"));
  EXPECT_EQ(RunTokenRevoke(db_, "", "", 1, rout, rerr), 2);
  EXPECT_EQ(RunTokenRevoke(db_, id, "prn-b", 1, rout, rerr), 2);

  std::ostringstream list2;
  ASSERT_EQ(RunTokenList(db_, list2, list_err), 0);
  EXPECT_THAT(list2.str(), HasSubstr("2023-11-14T22:18:20Z"));  // revoked at 1700000300
  auto store = store::SqliteStore::Open(db_);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->ServerIdOfToken(token).status().code(), Status::Code::kUnauthenticated);
}

// README "Dashboard accounts": `user add` stores an Argon2id hash (never the password) with a
// role and, for a direction account, a direction the store knows; list, passwd and remove.
TEST_F(CommandsTest, UserAddListPasswdRemove) {
  const std::string users = dir_ + "/users.csv";
  std::ofstream(users) << "user,direction\nalice,DSI\nbob,Études\n";
  std::ostringstream iout, ierr;
  ASSERT_EQ(RunImport(db_, "users", users, iout, ierr), 0) << ierr.str();

  const std::string secret = dir_ + "/secret";
  std::ofstream(secret) << "correct horse battery\nsecond line ignored\n";
  std::istringstream no_stdin;
  PasswordInput from_file{secret, &no_stdin, false};
  std::ostringstream out, err;
  ASSERT_EQ(RunUserAdd(db_, "admin", "admin", "", from_file, 1700000000, out, err), 0) << err.str();
  EXPECT_EQ(out.str(), "added account 'admin' (role admin)\n");
  // From standard input: one line, its newline (and a CR before it) removed.
  std::istringstream typed("chef password one\r\nnot read\n");
  PasswordInput from_stdin{"", &typed, false};
  std::ostringstream out2;
  ASSERT_EQ(RunUserAdd(db_, "chef.dsi", "direction", "DSI", from_stdin, 1700000100, out2, err), 0)
      << err.str();
  EXPECT_EQ(out2.str(), "added account 'chef.dsi' (role direction, direction 'DSI')\n");
  std::istringstream typed2("it password two");  // no newline at the end
  PasswordInput it_stdin{"", &typed2, false};
  ASSERT_EQ(RunUserAdd(db_, "it", "it", "", it_stdin, 1700000200, out2, err), 0) << err.str();

  {
    auto store = store::SqliteStore::Open(db_);
    ASSERT_TRUE(store.ok());
    auto admin = (*store)->FindAccount("admin");
    ASSERT_TRUE(admin.ok() && admin->has_value());
    EXPECT_TRUE(auth::VerifyPassword((*admin)->password_hash, "correct horse battery"));
    EXPECT_EQ((*admin)->created_at, 1700000000);
    auto chef = (*store)->FindAccount("chef.dsi");
    ASSERT_TRUE(chef.ok() && chef->has_value());
    EXPECT_EQ((*chef)->role, store::AccountRole::kDirection);
    EXPECT_EQ((*chef)->direction, "DSI");
    EXPECT_TRUE(auth::VerifyPassword((*chef)->password_hash, "chef password one"));
    auto it = (*store)->FindAccount("it");
    ASSERT_TRUE(it.ok() && it->has_value());
    EXPECT_TRUE(auth::VerifyPassword((*it)->password_hash, "it password two"));
  }
  // No password in the database files, only hashes.
  const std::string bytes = FileBytes(db_) + FileBytes(db_ + "-wal");
  EXPECT_EQ(bytes.find("correct horse"), std::string::npos);
  EXPECT_EQ(bytes.find("chef password"), std::string::npos);
  EXPECT_NE(bytes.find("$argon2id$"), std::string::npos);

  std::ostringstream list, list_err;
  ASSERT_EQ(RunUserList(db_, list, list_err), 0) << list_err.str();
  EXPECT_EQ(list.str(),
            "NAME      ROLE       DIRECTION  CREATED               UPDATED\n"
            "admin     admin      -          2023-11-14T22:13:20Z  2023-11-14T22:13:20Z\n"
            "chef.dsi  direction  DSI        2023-11-14T22:15:00Z  2023-11-14T22:15:00Z\n"
            "it        it         -          2023-11-14T22:16:40Z  2023-11-14T22:16:40Z\n");
  EXPECT_THAT(list.str(), Not(HasSubstr("argon2")));

  // A name taken: exit 1, the account unchanged.
  std::istringstream again("another password");
  PasswordInput again_in{"", &again, false};
  std::ostringstream dout, derr;
  EXPECT_EQ(RunUserAdd(db_, "admin", "it", "", again_in, 1700000300, dout, derr), 1);
  EXPECT_THAT(derr.str(), HasSubstr("an account named 'admin' already exists"));
  EXPECT_EQ(dout.str(), "");

  // passwd: a new hash and updated_at; exit 1 for an unknown account.
  std::istringstream fresh("a brand new password\n");
  PasswordInput fresh_in{"", &fresh, false};
  std::ostringstream pout, perr;
  ASSERT_EQ(RunUserPasswd(db_, "chef.dsi", fresh_in, 1700000400, pout, perr), 0) << perr.str();
  EXPECT_EQ(pout.str(), "changed the password of account 'chef.dsi'\n");
  EXPECT_THAT(pout.str() + perr.str(), Not(HasSubstr("brand new")));
  {
    auto store = store::SqliteStore::Open(db_);
    ASSERT_TRUE(store.ok());
    auto chef = (*store)->FindAccount("chef.dsi");
    ASSERT_TRUE(chef.ok() && chef->has_value());
    EXPECT_TRUE(auth::VerifyPassword((*chef)->password_hash, "a brand new password"));
    EXPECT_FALSE(auth::VerifyPassword((*chef)->password_hash, "chef password one"));
    EXPECT_EQ((*chef)->created_at, 1700000100);
    EXPECT_EQ((*chef)->updated_at, 1700000400);
  }
  std::istringstream unused("never read password");
  PasswordInput unused_in{"", &unused, false};
  std::ostringstream nout, nerr;
  EXPECT_EQ(RunUserPasswd(db_, "nobody", unused_in, 1, nout, nerr), 1);
  EXPECT_THAT(nerr.str(), HasSubstr("no account named 'nobody'"));
  EXPECT_EQ(unused.tellg(), 0);  // not asked for a password

  // remove: exit 1 the second time.
  std::ostringstream rout, rerr;
  ASSERT_EQ(RunUserRemove(db_, "it", rout, rerr), 0) << rerr.str();
  EXPECT_EQ(rout.str(), "removed account 'it'\n");
  EXPECT_EQ(RunUserRemove(db_, "it", rout, rerr), 1);
  EXPECT_THAT(rerr.str(), HasSubstr("no account named 'it'"));
  std::ostringstream list2;
  ASSERT_EQ(RunUserList(db_, list2, list_err), 0);
  EXPECT_THAT(list2.str(), Not(HasSubstr("\nit ")));
  EXPECT_THAT(list2.str(), HasSubstr("2023-11-14T22:20:00Z"));  // chef's new updated_at

  // An output that cannot be written: 74.
  std::ostringstream bad;
  bad.setstate(std::ios::badbit);
  std::ostringstream berr;
  EXPECT_EQ(RunUserList(db_, bad, berr), kExitIoError);
}

TEST_F(CommandsTest, ImportUsersOfSeveralBatchesReplacesTheNamedUsersAllOrNothing) {
  // 10,000 rows (more than one batch handed to the store): u0 on the first and the last line,
  // with two dated rows; the rule was recorded (lower case), so `U1` is u1.
  const std::string users = dir_ + "/users.csv";
  {
    std::ofstream f(users);
    f << "user,direction,valid_from,valid_to\nu0,DAF,,2020-01-01\n";
    for (int i = 1; i < 9999; ++i) f << (i == 1 ? "U1" : "u" + std::to_string(i)) << ",DSI,,\n";
    f << "u0,DRH,2020-01-01,\n";
  }
  {
    auto store = store::SqliteStore::Open(db_);
    ASSERT_TRUE(store.ok()) << store.status().message();
    ASSERT_TRUE((*store)->SetUserNameRule({.lower_case = true}).ok());
    ASSERT_TRUE((*store)
                    ->ReplaceUserDirections({{"u0", "DSI", std::nullopt, std::nullopt},
                                             {"zed", "DSI", std::nullopt, std::nullopt}})
                    .ok());
  }
  std::ostringstream out, err;
  ASSERT_EQ(RunImport(db_, "users", users, out, err), 0) << err.str();
  EXPECT_EQ(out.str(), "imported 10000 rows of users from " + users + "\n");
  auto loaded = [&] {
    auto store = store::SqliteStore::Open(db_);
    EXPECT_TRUE(store.ok()) << store.status().message();
    auto inventory = (*store)->LoadInventory();
    EXPECT_TRUE(inventory.ok()) << inventory.status().message();
    return inventory->users;
  };
  std::vector<model::UserDirection> rows = loaded();
  ASSERT_EQ(rows.size(), 10001u);  // zed (untouched) and the file's 10,000 rows
  EXPECT_EQ(rows[0], (model::UserDirection{"zed", "DSI", std::nullopt, std::nullopt}));
  EXPECT_EQ(rows[1], (model::UserDirection{"u0", "DAF", std::nullopt, DaysFromCivil(2020, 1, 1)}));
  EXPECT_EQ(rows[2], (model::UserDirection{"u1", "DSI", std::nullopt, std::nullopt}));
  EXPECT_EQ(rows[10000],
            (model::UserDirection{"u0", "DRH", DaysFromCivil(2020, 1, 1), std::nullopt}));

  // An overlap on the last line (user `U5` is u5 of line 7): nothing imported, FILE:LINE.
  std::ofstream(users, std::ios::app) << "U5,DAF,2019-01-01,\n";
  std::ostringstream out2, err2;
  EXPECT_EQ(RunImport(db_, "users", users, out2, err2), 1);
  EXPECT_EQ(err2.str(), "ramette: " + users +
                            ":10002: user 'u5': validity [2019-01-01, unbounded) overlaps "
                            "[unbounded, unbounded) on line 7 (columns valid_from, valid_to)\n");
  EXPECT_EQ(loaded(), rows);
}

TEST_F(CommandsTest, UserAddRefusesBadArgumentsUnknownDirectionsAndBadPasswords) {
  const std::string users = dir_ + "/users.csv";
  std::ofstream(users) << "user,direction\nalice,DSI\nbob,DAF\n";
  std::ostringstream iout, ierr;
  ASSERT_EQ(RunImport(db_, "users", users, iout, ierr), 0) << ierr.str();
  const std::string kPassword = "s3cret-Passw0rd";
  auto add = [&](const std::string& name, const std::string& role, const std::string& direction,
                 const std::string& typed, std::string* err_text) {
    std::istringstream in(typed);
    PasswordInput input{"", &in, false};
    std::ostringstream out, err;
    const int rc = RunUserAdd(db_, name, role, direction, input, 1700000000, out, err);
    *err_text = err.str();
    EXPECT_THAT(out.str() + err.str(), Not(HasSubstr(kPassword)));
    if (typed.size() >= 10) {
      EXPECT_THAT(out.str() + err.str(), Not(HasSubstr(typed.substr(0, 10))));
    }
    return rc;
  };
  std::string e;
  // --direction: required for direction, refused for the others (exit 2).
  EXPECT_EQ(add("d", "direction", "", kPassword, &e), 2);
  EXPECT_THAT(e, HasSubstr("a direction account needs a direction (--direction NAME)"));
  EXPECT_EQ(add("a", "admin", "DSI", kPassword, &e), 2);
  EXPECT_THAT(e, HasSubstr("an admin account has no direction"));
  EXPECT_EQ(add("i", "it", "DSI", kPassword, &e), 2);
  EXPECT_EQ(add("x", "root", "", kPassword, &e), 2);
  EXPECT_THAT(e, HasSubstr("bad role 'root'"));
  // Names: control characters, over 256 bytes, empty (exit 2), and the name is not echoed raw.
  EXPECT_EQ(add("evil\nname", "admin", "", kPassword, &e), 2);
  EXPECT_THAT(e, HasSubstr("control character 0x0a"));
  EXPECT_THAT(e, Not(HasSubstr("evil\n")));
  EXPECT_EQ(add(std::string(257, 'n'), "admin", "", kPassword, &e), 2);
  EXPECT_THAT(e, HasSubstr("longer than 256 bytes"));
  EXPECT_EQ(add("", "admin", "", kPassword, &e), 2);
  EXPECT_EQ(add("d", "direction", "DS\x1bI", kPassword, &e), 2);
  // A direction the store does not know: exit 1, naming the known ones and how to list them.
  EXPECT_EQ(add("d", "direction", "Compta", kPassword, &e), 1);
  EXPECT_THAT(e, HasSubstr("unknown direction 'Compta'"));
  EXPECT_THAT(e, HasSubstr("known: DAF, DSI"));
  EXPECT_THAT(e, HasSubstr("ramette indicators --year N"));
  // Passwords: too short, over 1 KiB, a NUL, none at all (exit 1, nothing stored).
  EXPECT_EQ(add("p1", "admin", "", "short", &e), 1);
  EXPECT_THAT(e, HasSubstr("too short"));
  EXPECT_EQ(add("p2", "admin", "", std::string(2000, 'p') + "\n", &e), 1);
  EXPECT_THAT(e, HasSubstr("too long"));
  EXPECT_EQ(add("p3", "admin", "", std::string("nul\0inside-it", 13), &e), 1);
  EXPECT_THAT(e, HasSubstr("NUL"));
  EXPECT_EQ(add("p4", "admin", "", "", &e), 1);
  EXPECT_THAT(e, HasSubstr("no password"));
  // A password file that cannot be read, or is empty.
  std::istringstream none;
  std::ostringstream out, err;
  EXPECT_EQ(RunUserAdd(db_, "p5", "admin", "", {dir_ + "/missing", &none, false}, 1, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("cannot read the password file"));
  std::ofstream(dir_ + "/empty");
  EXPECT_EQ(RunUserAdd(db_, "p6", "admin", "", {dir_ + "/empty", &none, false}, 1, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("is empty"));
  std::ostringstream list, list_err;
  ASSERT_EQ(RunUserList(db_, list, list_err), 0);
  EXPECT_EQ(list.str(), "NAME  ROLE       DIRECTION  CREATED               UPDATED\n");
  // The right direction goes in.
  EXPECT_EQ(add("d", "direction", "DAF", kPassword, &e), 0) << e;
}

TEST_F(CommandsTest, UserAddCreatesTheStoreAndOtherUserCommandsNeedOne) {
  std::istringstream in("a fine password\n");
  std::ostringstream out, err;
  ASSERT_EQ(RunUserAdd(db_, "root", "admin", "", {"", &in, false}, 1, out, err), 0) << err.str();
  EXPECT_TRUE(std::filesystem::exists(db_));
  const std::string missing = dir_ + "/none.db";
  std::ostringstream lout, lerr;
  EXPECT_EQ(RunUserList(missing, lout, lerr), kExitConfig);
  EXPECT_EQ(RunUserRemove(missing, "root", lout, lerr), kExitConfig);
  std::istringstream in2("a fine password\n");
  EXPECT_EQ(RunUserPasswd(missing, "root", {"", &in2, false}, 1, lout, lerr), kExitConfig);
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(CommandsTest, OutFilesNeverFollowLinksNorReplaceSpecialFiles) {
  {
    const int64_t jan_2025 = 1736938800;  // 2025-01-15T11:00:00Z
    auto store = store::SqliteStore::Open(db_);
    ASSERT_TRUE(store.ok());
    ingest::IngestProcessor p(store->get(),
                              ingest::IngestOptions{TimeZone::Utc(), false, [] { return kNow; }});
    ASSERT_TRUE(p.SubmitJobs("prn-a", "0.1.0", {Job("compta", 1, jan_2025)}).ok());
  }
  const std::string victim = dir_ + "/victim";
  std::ofstream(victim) << "keep";
  std::ostringstream out, err;

  // An old PATH.tmp that points elsewhere is not written through.
  const std::string e = dir_ + "/e.json";
  std::filesystem::create_symlink(victim, e + ".tmp");
  ASSERT_EQ(RunExportIndicators(db_, 2025, "json", e, out, err), 0) << err.str();
  EXPECT_EQ(FileBytes(victim), "keep");
  EXPECT_FALSE(std::filesystem::is_symlink(e));
  EXPECT_THAT(FileBytes(e), HasSubstr("2025"));

  // A target that is a link, a directory or a device is refused and left as it was.
  const std::string link = dir_ + "/link.csv";
  std::filesystem::create_symlink(victim, link);
  EXPECT_EQ(RunExportIndicators(db_, 2025, "csv-fr", link, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr(link + ": it is a symbolic link"));
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(FileBytes(victim), "keep");
  // A private node of /dev/full (root only): a bug must not replace the real one.
  const std::string device = dir_ + "/full";
  if (mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 7)) == 0) {
    EXPECT_EQ(RunExportIndicators(db_, 2025, "json", device, out, err), 1);
    EXPECT_THAT(err.str(), HasSubstr(device + ": it is a device"));
    EXPECT_TRUE(std::filesystem::is_character_file(device));
  }

  // The same for the files of `report monthly --out DIR`.
  const std::string reports = dir_ + "/reports";
  ASSERT_EQ(RunReportMonthly(db_, "", "2025-01", std::nullopt, "en", reports, false, out, err), 0)
      << err.str();
  std::vector<std::filesystem::path> written;
  for (const auto& f : std::filesystem::directory_iterator(reports)) written.push_back(f.path());
  ASSERT_FALSE(written.empty());
  for (const auto& f : written) {
    std::filesystem::remove(f);
    std::filesystem::create_symlink(victim, f);
  }
  std::ostringstream report_err;
  EXPECT_EQ(
      RunReportMonthly(db_, "", "2025-01", std::nullopt, "en", reports, false, out, report_err),
      kExitSendFailed);
  EXPECT_THAT(report_err.str(), HasSubstr("symbolic link"));
  EXPECT_EQ(FileBytes(victim), "keep");
  for (const auto& f : written) EXPECT_TRUE(std::filesystem::is_symlink(f)) << f;
}

// One direction whose file cannot be written once stopped every report after it, without a
// reason; file names lost their accents byte by byte and collided.
TEST_F(CommandsTest, ReportFilesAreReadableUniqueAndOneFailureStopsNoOtherDirection) {
  const std::string papers = dir_ + "/papers.csv";
  std::ofstream(papers) << "paper_id,recycled,grammage_gsm\nP,no,80\n";
  const std::string devices = dir_ + "/devices.csv";
  std::ofstream(devices) << "server,queue,class,direction,paper_id,in_service,out_of_service\n"
                            "prn-a,q1,mfp,Éducation et Collèges,P,2020-01-01,\n"
                            "prn-a,q2,mfp,a b,P,2020-01-01,\n"
                            "prn-a,q3,mfp,a/b,P,2020-01-01,\n"
                            "prn-a,q4,mfp,a_b,P,2020-01-01,\n"
                            "prn-a,q5,mfp,DAF,P,2020-01-01,\n";
  std::ostringstream out, err;
  ASSERT_EQ(RunImport(db_, "papers", papers, out, err), 0) << err.str();
  ASSERT_EQ(RunImport(db_, "devices", devices, out, err), 0) << err.str();
  {
    auto store = store::SqliteStore::Open(db_);
    ASSERT_TRUE(store.ok());
    ingest::IngestProcessor p(store->get(),
                              ingest::IngestOptions{TimeZone::Utc(), false, [] { return kNow; }});
    std::vector<JobRecord> jobs;
    for (int i = 1; i <= 5; ++i) jobs.push_back(Job("q" + std::to_string(i), i, kMonthStart + 99));
    ASSERT_TRUE(p.SubmitJobs("prn-a", "0.1.0", jobs).ok());
  }
  const std::string reports = dir_ + "/reports";
  // DAF's HTML file cannot be written: a directory stands in its place.
  std::filesystem::create_directories(reports + "/ramette-2026-03-DAF.html");
  std::ostringstream rout, rerr;
  EXPECT_EQ(RunReportMonthly(db_, "", "2026-03", std::nullopt, "en", reports, false, rout, rerr),
            kExitSendFailed);
  EXPECT_THAT(rerr.str(), HasSubstr("the report of direction DAF is not written, nor sent: "));
  EXPECT_THAT(rerr.str(), HasSubstr("it is a directory"));
  for (const char* stem :
       {"Education_et_Colleges-cbb6c1df", "a_b-10a3f9f2", "a_b-3a8e75c1", "a_b"}) {
    const std::string base = reports + "/ramette-2026-03-" + stem;
    EXPECT_TRUE(std::filesystem::is_regular_file(base + ".html")) << base;
    EXPECT_TRUE(std::filesystem::is_regular_file(base + ".csv")) << base;
  }
  EXPECT_FALSE(std::filesystem::exists(reports + "/ramette-2026-03-DAF.csv"));
  // Once the obstacle is gone, the next run writes it: exit 0.
  std::filesystem::remove(reports + "/ramette-2026-03-DAF.html");
  EXPECT_EQ(RunReportMonthly(db_, "", "2026-03", std::nullopt, "en", reports, false, rout, rerr),
            0);
  EXPECT_TRUE(std::filesystem::is_regular_file(reports + "/ramette-2026-03-DAF.csv"));
}

// README "Paper purchases": importing the same purchases file twice stores its rows once (the
// import replaces the years it covers); a bad row imports nothing and names FILE:LINE; the meters
// import refuses a counter going down against the stored readings; `--config` with
// paper_source = "purchases" names the source.
TEST_F(CommandsTest, PurchasesAndMetersImportsAndThePaperSource) {
  const std::string papers = dir_ + "/papers.csv";
  const std::string purchases = dir_ + "/purchases.csv";
  const std::string bad = dir_ + "/bad.csv";
  const std::string meters = dir_ + "/meters.csv";
  const std::string down = dir_ + "/down.csv";
  const std::string config = dir_ + "/ramette.toml";
  std::ofstream(papers) << "paper_id,recycled,grammage_gsm\nREC,yes,80\nSTD,no,80\n";
  std::ofstream(purchases) << "date;direction;paper_id;format;quantity;unit;amount_eur_ht;use\n"
                              "2017-05-01;DAF;STD;;4;reams;\"20,00\";office\n"
                              "2018-05-01;DAF;REC;;1;reams;\"5,00\";\n"
                              "2018-05-01;DAF;STD;A4;2;reams;\"10,00\";office\n";
  std::ofstream(bad) << "date,direction,paper_id,format,quantity,unit,amount_eur_ht,use\n"
                        "2018-05-01,DAF,STD,,1,reams,,\n"
                        "2018-05-02,DAF,NOPE,,1,reams,,\n";
  std::ofstream(meters) << "server,queue,date,total_impressions\n"
                           "copieurs,hall,2017-12-31,1000\ncopieurs,hall,2018-12-31,4000\n";
  std::ofstream(down) << "server,queue,date,total_impressions\ncopieurs,hall,2019-01-31,10\n";
  std::ofstream(config) << "[indicators]\npaper_source = \"purchases\"\n";
  std::ostringstream out, err;
  ASSERT_EQ(RunImport(db_, "papers", papers, out, err), 0) << err.str();
  ASSERT_EQ(RunImport(db_, "purchases", purchases, out, err), 0) << err.str();
  ASSERT_EQ(RunImport(db_, "purchases", purchases, out, err), 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("imported 3 rows of purchases from " + purchases));
  std::ostringstream bad_err;
  EXPECT_EQ(RunImport(db_, "purchases", bad, out, bad_err), 1);
  EXPECT_THAT(bad_err.str(), HasSubstr(bad + ":3: unknown paper id 'NOPE'"));
  ASSERT_EQ(RunImport(db_, "meters", meters, out, err), 0) << err.str();
  ASSERT_EQ(RunImport(db_, "meters", meters, out, err), 0) << err.str();
  std::ostringstream down_err;
  EXPECT_EQ(RunImport(db_, "meters", down, out, down_err), 1);
  EXPECT_THAT(down_err.str(), HasSubstr(down + ":2: counter of copieurs/hall goes down"));

  // 2018: 3 reams = 7.4844 kg (2.4948 recycled): I2 33.3 %; office 2017 4 reams: I1 -25 %;
  // spend 5 / 15 €. Meters: 3000 impressions, none captured.
  std::ostringstream json, json_err;
  ASSERT_EQ(RunIndicators(db_, 2018, std::nullopt, "json", json, json_err, config), 0)
      << json_err.str();
  EXPECT_THAT(json.str(), HasSubstr("\"purchases\":{\"paper_kg\":7.4844"));
  EXPECT_THAT(json.str(), HasSubstr("\"paper_change_pct\":-25.0,"));
  EXPECT_THAT(json.str(), HasSubstr("\"meters\":{\"meter_impressions\":3000,"
                                    "\"captured_impressions\":0,\"uncaptured_impressions\":3000,"));
  EXPECT_THAT(json.str(), HasSubstr("\"paper_source\":\"purchases\"}"));
  std::ostringstream table, table_err;
  ASSERT_EQ(RunIndicators(db_, 2018, std::nullopt, "table", table, table_err), 0);
  EXPECT_THAT(table.str(), HasSubstr("Paper source: printing"));
  EXPECT_THAT(table.str(),
              HasSubstr("Purchases 2018: 7.48 kg bought (7.48 kg office), I1 -25.0 %"));
}

// Issue 12: the devices, purchases and meters imports check the file compactly, then hand it to
// the store in 4,096-row batches. With files of more rows than that (a queue's two periods in
// different batches, stored purchases and readings replaced, a meter replaced behind its queue)
// they store exactly what parsing every row and storing one vector stored.
TEST_F(CommandsTest, BatchedImportsStoreWhatOneVectorStored) {
  const std::string papers = dir_ + "/papers.csv";
  const std::string devices = dir_ + "/devices.csv";
  const std::string purchases_2019 = dir_ + "/purchases-2019.csv";
  const std::string purchases = dir_ + "/purchases.csv";
  const std::string meters_before = dir_ + "/meters-before.csv";
  const std::string meters = dir_ + "/meters.csv";
  std::ofstream(papers) << "paper_id,recycled,grammage_gsm\nREC,yes,80\nSTD,no,80\n";
  {
    std::ofstream f(devices);
    f << "server,queue,class,direction,paper_id,in_service,out_of_service\n";
    for (int q = 0; q < 2600; ++q) {
      f << "srv,q" << q << ",mfp,D" << q % 7 << ",STD,2015-01-01,2018-06-01\n";
    }
    for (int q = 0; q < 2600; ++q) {
      f << "srv,q" << q << ",desktop_printer,D" << q % 5 << "," << (q % 2 ? "REC" : "")
        << ",2018-06-01,\n";
    }
  }
  std::ofstream(purchases_2019)
      << "date,direction,paper_id,format,quantity,unit,amount_eur_ht,use\n"
         "2016-03-01,DAF,STD,,4,reams,,\n2019-03-01,DAF,STD,,9,reams,,\n";
  {
    std::ofstream f(purchases);
    f << "date,direction,paper_id,format,quantity,unit,amount_eur_ht,use\n";
    for (int i = 0; i < 5000; ++i) {
      f << 2017 + i % 3 << "-0" << 1 + i % 9 << "-1" << i % 10 << ",D" << i % 7 << ","
        << (i % 2 ? "REC" : "STD") << ",A" << 3 + i % 3 << "," << 1 + i % 13 << ",reams," << i % 50
        << ".5,office\n";
    }
  }
  auto day = [](int d) { return FormatIsoDate(DaysFromCivil(2018, 1, 1) + d); };
  {
    std::ofstream before(meters_before);
    before << "server,queue,date,total_impressions\n";
    std::ofstream f(meters);
    f << "server,queue,date,total_impressions\n";
    for (int q = 0; q < 100; ++q) {
      for (int d = 0; d < 300; d += 10) {
        before << "srv,q" << q << "," << day(d) << "," << 1000 + d * (q + 1) << "\n";
      }
      // Days 140-189 again and later, on every fifth day: q0-q9 replaced on 2018-06-01 (day 151).
      for (int d = 140; d < 390; d += 5) {
        const int total = q < 10 && d >= 151 ? d : 1000 + d * (q + 1) + 1;
        f << "srv,q" << q << "," << day(d) << "," << total << "\n";
      }
    }
  }
  std::ostringstream out, err;
  ASSERT_EQ(RunImport(db_, "papers", papers, out, err), 0) << err.str();
  ASSERT_EQ(RunImport(db_, "devices", devices, out, err), 0) << err.str();
  ASSERT_EQ(RunImport(db_, "purchases", purchases_2019, out, err), 0) << err.str();
  ASSERT_EQ(RunImport(db_, "purchases", purchases, out, err), 0) << err.str();
  ASSERT_EQ(RunImport(db_, "meters", meters_before, out, err), 0) << err.str();
  ASSERT_EQ(RunImport(db_, "meters", meters, out, err), 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("imported 5200 rows of devices"));
  EXPECT_THAT(out.str(), HasSubstr("imported 5000 rows of purchases"));
  EXPECT_THAT(out.str(), HasSubstr("imported 5000 rows of meters"));

  // The same files the way the imports stored them before: every row parsed, one vector each.
  const std::string old_db = dir_ + "/old.db";
  auto old = store::SqliteStore::Open(old_db);
  ASSERT_TRUE(old.ok()) << old.status().message();
  auto content = [](const std::string& path) { return *imports::ReadFileContent(path); };
  store::InventoryStore& inv = (*old)->inventory();
  ASSERT_TRUE(inv.UpsertPapers(*imports::ParsePapersCsv(content(papers), papers)).ok());
  const std::set<std::string> ids = {"REC", "STD"};
  auto parsed_devices = imports::ParseDevicesCsv(content(devices), devices, ids);
  ASSERT_TRUE(parsed_devices.ok()) << parsed_devices.status().message();
  ASSERT_TRUE(inv.UpsertDevices(*parsed_devices).ok());
  for (const std::string& file : {purchases_2019, purchases}) {
    auto parsed = imports::ParsePurchasesCsv(content(file), file, ids);
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    ASSERT_TRUE(inv.ReplacePurchases(*parsed).ok());
  }
  for (const std::string& file : {meters_before, meters}) {
    auto inventory = (*old)->usage().LoadInventory();
    auto stored = (*old)->usage().LoadMeterReadings();
    ASSERT_TRUE(inventory.ok() && stored.ok());
    auto parsed = imports::ParseMetersCsv(content(file), file, inventory->devices, *stored);
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    ASSERT_TRUE(inv.UpsertMeterReadings(
                       model::CountedMeterReadings(std::move(*parsed), *stored, inventory->devices))
                    .ok());
  }

  auto batched = store::SqliteStore::Open(db_);
  ASSERT_TRUE(batched.ok()) << batched.status().message();
  auto a = (*batched)->usage().LoadInventory();
  auto b = (*old)->usage().LoadInventory();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->devices.size(), 5200u);
  ASSERT_EQ(a->devices.size(), b->devices.size());
  for (size_t i = 0; i < a->devices.size(); ++i) {
    const model::Device& x = a->devices[i];
    const model::Device& y = b->devices[i];
    EXPECT_EQ(std::tie(x.id, x.server, x.queue, x.classified, x.device_class, x.direction,
                       x.paper_id, x.in_service, x.out_of_service),
              std::tie(y.id, y.server, y.queue, y.classified, y.device_class, y.direction,
                       y.paper_id, y.in_service, y.out_of_service))
        << i;
  }
  const Day first = std::numeric_limits<Day>::min();
  const Day last = std::numeric_limits<Day>::max();
  auto a_purchases = (*batched)->usage().LoadPurchases(first, last);
  auto b_purchases = (*old)->usage().LoadPurchases(first, last);
  ASSERT_TRUE(a_purchases.ok() && b_purchases.ok());
  ASSERT_EQ(a_purchases->size(), 5001u);  // 2016's row stays, 2019's is replaced
  EXPECT_EQ(*a_purchases, *b_purchases);
  auto readings = (*batched)->usage().LoadMeterReadings();
  auto old_readings = (*old)->usage().LoadMeterReadings();
  ASSERT_TRUE(readings.ok() && old_readings.ok());
  ASSERT_EQ(readings->size(), 100u * (30 + 50 - 16));  // days 140, 150 ... 290 in both files
  EXPECT_EQ(*readings, *old_readings);
}

// `report --month last` once took the configuration's zone (Paris without --config) while
// `status` took the stored one. The stored zone rules; a different configured zone is noted.
TEST_F(CommandsTest, ReportMonthLastUsesTheStoredTimeZone) {
  auto kiritimati = TimeZone::Load("Pacific/Kiritimati");  // UTC+14
  ASSERT_TRUE(kiritimati.ok());
  {
    auto store = store::SqliteStore::Open(db_);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->EnsureTimeZone(*kiritimati).ok());
  }
  const std::string config = dir_ + "/ramette.toml";
  std::ofstream(config) << "[organisation]\ntime_zone = \"Pacific/Pago_Pago\"\n";  // UTC-11
  const std::string counts = dir_ + "/workstations.csv";
  std::ofstream(counts) << "direction,date,count\nDAF,2020-01-01,3\n";
  std::ostringstream import_out, import_err;
  ASSERT_EQ(RunImport(db_, "workstations", counts, import_out, import_err), 0) << import_err.str();
  const CivilDate today = CivilFromDays(kiritimati->LocalDay(std::time(nullptr)));
  const int year = today.month == 1 ? today.year - 1 : today.year;
  const int month = today.month == 1 ? 12 : today.month - 1;
  char expected[32];
  std::snprintf(expected, sizeof expected, "%04d-%02d", year, month);
  std::ostringstream out, err;
  EXPECT_EQ(RunReportMonthly(db_, config, "last", std::nullopt, "en", dir_ + "/r", false, out, err),
            0)
      << err.str();
  EXPECT_THAT(err.str(), HasSubstr("the stored data is in time zone Pacific/Kiritimati"));
  EXPECT_THAT(out.str(), HasSubstr(std::string("ramette-") + expected + "-"));
  // Without --config, no note: the stored zone is the only one.
  std::ostringstream out2, err2;
  EXPECT_EQ(RunReportMonthly(db_, "", "last", std::nullopt, "en", dir_ + "/r", false, out2, err2),
            0);
  EXPECT_EQ(err2.str(), "");
}

// Standard output on a full disk: every command says so and exits 74, never 0.
TEST_F(CommandsTest, WriteErrorsOnStandardOutputExit74) {
  {
    auto store = store::SqliteStore::Open(db_);
    ASSERT_TRUE(store.ok());
    ingest::IngestProcessor p(store->get(),
                              ingest::IngestOptions{TimeZone::Utc(), false, [] { return kNow; }});
    ASSERT_TRUE(p.SubmitJobs("prn-a", "0.1.0", {Job("compta", 1, kTodayStart + 60)}).ok());
  }
  const std::string full_error =
      "ramette: cannot write to standard output: " + std::string(std::strerror(ENOSPC)) + "\n";
  {
    std::ofstream full("/dev/full");
    std::ostringstream err;
    EXPECT_EQ(RunIndicators(db_, 2026, std::nullopt, "json", full, err), kExitIoError);
    EXPECT_EQ(err.str(), full_error);
  }
  {
    std::ofstream full("/dev/full");
    std::ostringstream err;
    EXPECT_EQ(RunExportIndicators(db_, 2026, "csv-en", "", full, err), kExitIoError);
    EXPECT_EQ(err.str(), full_error);
  }
  {
    std::ofstream full("/dev/full");
    std::ostringstream err;
    EXPECT_EQ(RunStatus(db_, "15m", "table", kNow, full, err), kExitIoError);
    EXPECT_EQ(err.str(), full_error);
  }
  {
    std::ofstream full("/dev/full");
    std::ostringstream err;
    EXPECT_EQ(RunTokenCreate(db_, "prn-a", kNow, full, err), kExitIoError);
    EXPECT_THAT(err.str(), HasSubstr(full_error));
    std::ostringstream list, list_err;
    ASSERT_EQ(RunTokenList(db_, list, list_err), 0);
    const std::string id = list.str().substr(list.str().find('\n') + 1, 8);
    EXPECT_THAT(err.str(), HasSubstr("token " + id + " was created for server id 'prn-a'"));
    EXPECT_THAT(err.str(), HasSubstr("only copy was not written"));
    EXPECT_THAT(err.str(), HasSubstr("token revoke " + id));
    EXPECT_THAT(err.str(), Not(HasSubstr("shown only this once")));
  }
  // A stream that already failed before the end counts too.
  std::ostringstream bad, err;
  bad.setstate(std::ios::badbit);
  EXPECT_EQ(FinishOutput(bad, err, 3), kExitIoError);
  std::ostringstream good;
  EXPECT_EQ(FinishOutput(good, err, 3), 3);
}

TEST_F(CommandsTest, StoreCopyCopiesVerifiesIsIdempotentAndStopsAtAConflict) {
  const int64_t t2024 = 1718000000;  // 2024-06-10
  const int64_t t2025 = 1749000000;  // 2025-06-04
  {
    auto store = store::SqliteStore::Open(db_);
    ASSERT_TRUE(store.ok()) << store.status().message();
    ASSERT_TRUE((*store)->EnsureTimeZone(*TimeZone::Load("Europe/Paris")).ok());
    ingest::IngestProcessor p(store->get(), ingest::IngestOptions{*TimeZone::Load("Europe/Paris"),
                                                                  false, [] { return kNow; }});
    ASSERT_TRUE(
        p.SubmitJobs("prn-a", "0.1.0",
                     {Job("compta", 1, t2024), Job("compta", 2, t2025), Job("rh", 3, t2025 + 60)})
            .ok());
    ASSERT_TRUE((*store)->AddAgentToken("prn-a", std::string(64, 'f'), kNow).ok());
  }
  const std::string copy = dir_ + "/copy.db";
  std::ostringstream out, err;
  ASSERT_EQ(RunStoreCopy(db_, copy, out, err), 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("copied 9 rows in 6 tables from " + db_ + " to " + copy));
  EXPECT_THAT(out.str(), HasSubstr("verified: counts of 18 tables, indicators of years "
                                   "2024..2025 identical"));
  // The copy gives the same indicators.
  std::ostringstream a, b;
  ASSERT_EQ(RunIndicators(db_, 2025, std::nullopt, "json", a, err), 0);
  ASSERT_EQ(RunIndicators(copy, 2025, std::nullopt, "json", b, err), 0);
  EXPECT_EQ(a.str(), b.str());

  // Again: nothing new, still verified.
  std::ostringstream again;
  ASSERT_EQ(RunStoreCopy(db_, copy, again, err), 0) << err.str();
  EXPECT_THAT(again.str(), HasSubstr("copied 0 rows in 0 tables"));
  EXPECT_THAT(again.str(), HasSubstr("(9 already there)"));

  // A target holding other values for a key: exit 65, the conflict named, nothing merged.
  const std::string other = dir_ + "/other.db";
  {
    auto store = store::SqliteStore::Open(other);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->EnsureTimeZone(*TimeZone::Load("Europe/London")).ok());
  }
  std::ostringstream conflict_out, conflict_err;
  EXPECT_EQ(RunStoreCopy(db_, other, conflict_out, conflict_err), kExitDataError);
  EXPECT_THAT(conflict_err.str(),
              HasSubstr("stopped at a conflict: table meta, key key='time_zone': column value is "
                        "'Europe/Paris' in the source and 'Europe/London' in the target"));
  EXPECT_EQ(conflict_out.str(), "");
  {
    auto store = store::SqliteStore::Open(other);
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->StoredTimeZone(), "Europe/London");
    EXPECT_EQ(*(*store)->CountJobs(), 0);
  }

  // A changed job in the copy is a conflict (exit 65); a row the source lacks fails the
  // verification (exit 65), named.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(copy.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(db, "UPDATE jobs SET copies = 9 WHERE id = 2", nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(db);
  }
  std::ostringstream changed_out, changed_err;
  EXPECT_EQ(RunStoreCopy(db_, copy, changed_out, changed_err), kExitDataError);
  EXPECT_THAT(changed_err.str(),
              HasSubstr("table jobs, key id=2: column copies is 1 in the source and 9 in the "
                        "target"));
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(copy.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "UPDATE jobs SET copies = 1 WHERE id = 2;"
                           " INSERT INTO report_sends VALUES('DAF', 24300, 'a@example.org', 1)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  std::ostringstream extra_out, extra_err;
  EXPECT_EQ(RunStoreCopy(db_, copy, extra_out, extra_err), kExitDataError);
  EXPECT_THAT(extra_err.str(), HasSubstr("verification failed: table report_sends has 0 rows in "
                                         "the source and 1 in the target"));

  // A missing source is a configuration problem (78) and creates nothing; the same database on
  // both sides is refused (2).
  std::ostringstream ignored;
  EXPECT_EQ(RunStoreCopy(dir_ + "/none.db", dir_ + "/new.db", ignored, err), 78);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/new.db"));
  EXPECT_EQ(RunStoreCopy(db_, db_, ignored, err), 2);
}

TEST_F(CommandsTest, StoreCopyNeverPrintsAPassword) {
  ASSERT_TRUE(store::SqliteStore::Open(db_).ok());
  std::ostringstream out, err;
  const int code = RunStoreCopy(
      db_, "postgresql://ramette:s3cret@127.0.0.1:1/ramette?connect_timeout=1", out, err);
  EXPECT_EQ(code, 75) << err.str();  // unreachable: retry later
  EXPECT_THAT(err.str(), HasSubstr("ramette:***@127.0.0.1:1"));
  EXPECT_THAT(err.str(), Not(HasSubstr("s3cret")));
}

}  // namespace
}  // namespace ramette::aggregator::cli
