// Tests of the SQLite helpers on real database files in a fresh temporary folder: the result
// code mapping, the base and a caller's wording, statements owned, cached and reset.
#include "common/sqlite/sqlite_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace ramette::sqlite {
namespace {

class SqliteUtilTest : public ::testing::Test {
 protected:
  SqliteUtilTest() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ramette-sqlite-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    db_ = Open();
  }
  ~SqliteUtilTest() override {
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  DbPtr Open() {
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open_v2((dir_ + "/t.db").c_str(), &raw,
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
              SQLITE_OK);
    return DbPtr(raw);
  }

  std::string dir_;
  DbPtr db_;
};

// Names the file, as the agent's outbox does.
class NamingWording : public ErrorWording {
 public:
  Status Error(sqlite3* db, int rc, std::string_view what) const override {
    return StatusOf(rc, "t.db: " + std::string(what) + " failed: " + ErrorText(db, rc));
  }
};

TEST(StatusOfTest, MapsResultCodes) {
  EXPECT_EQ(StatusOf(SQLITE_BUSY, "m").code(), Status::Code::kUnavailable);
  EXPECT_EQ(StatusOf(SQLITE_LOCKED, "m").code(), Status::Code::kUnavailable);
  EXPECT_EQ(StatusOf(SQLITE_BUSY_SNAPSHOT, "m").code(), Status::Code::kUnavailable);
  EXPECT_EQ(StatusOf(SQLITE_CORRUPT, "m").code(), Status::Code::kCorruption);
  EXPECT_EQ(StatusOf(SQLITE_NOTADB, "m").code(), Status::Code::kCorruption);
  EXPECT_EQ(StatusOf(SQLITE_IOERR_FSYNC, "m").code(), Status::Code::kIoError);
  EXPECT_EQ(StatusOf(SQLITE_ERROR, "m").code(), Status::Code::kIoError);
  EXPECT_EQ(StatusOf(SQLITE_ERROR, "m").message(), "m");
}

TEST(StatusOfTest, BaseWordingSaysWhatWasBeingDone) {
  Status st = SqliteError(nullptr, SQLITE_BUSY, "committing a batch");
  EXPECT_EQ(st.code(), Status::Code::kUnavailable);
  EXPECT_EQ(st.message(),
            "database error while committing a batch: database is locked (another process holds "
            "the database; retry later)");
  EXPECT_EQ(SqliteError(nullptr, SQLITE_CORRUPT, "reading").message(),
            "database error while reading: database disk image is malformed");
}

TEST_F(SqliteUtilTest, ExecAndQueries) {
  ASSERT_TRUE(Exec(db_.get(),
                   "CREATE TABLE t(a INTEGER, b TEXT); INSERT INTO t VALUES(7, 'x');"
                   "INSERT INTO t VALUES(8, NULL)",
                   "creating")
                  .ok());
  int64_t n = 0;
  ASSERT_TRUE(QueryInt(db_.get(), "SELECT sum(a) FROM t", &n).ok());
  EXPECT_EQ(n, 15);
  Result<std::vector<std::string>> b = QueryColumn(db_.get(), "SELECT b FROM t ORDER BY a", "b");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(*b, (std::vector<std::string>{"x", ""}));

  Status none = QueryInt(db_.get(), "SELECT a FROM t WHERE a > 100", &n, "reading a");
  EXPECT_EQ(none.code(), Status::Code::kInternal);
  EXPECT_EQ(none.message(), "reading a returned no row");

  Status bad = Exec(db_.get(), "INSERT INTO missing VALUES(1)", "inserting");
  EXPECT_EQ(bad.code(), Status::Code::kIoError);
  EXPECT_EQ(bad.message(), "database error while inserting: no such table: missing");
}

TEST_F(SqliteUtilTest, HelpersUseTheCallersWording) {
  NamingWording words;
  Status st = Exec(db_.get(), "SELEC 1", "configuring", words);
  EXPECT_EQ(st.message(), "t.db: configuring failed: near \"SELEC\": syntax error");
  int64_t n = 0;
  st = QueryInt(db_.get(), "SELECT * FROM missing", &n, "counting", words);
  EXPECT_EQ(st.message(), "t.db: counting failed: no such table: missing");
  EXPECT_FALSE(QueryColumn(db_.get(), "SELECT * FROM missing", "listing", words).ok());
}

TEST_F(SqliteUtilTest, ABusyDatabaseIsUnavailable) {
  ASSERT_TRUE(Exec(db_.get(), "CREATE TABLE t(a)", "creating").ok());
  DbPtr other = Open();
  ASSERT_TRUE(Exec(other.get(), "BEGIN IMMEDIATE", "locking").ok());
  Status st = Exec(db_.get(), "INSERT INTO t VALUES(1)", "inserting");
  EXPECT_EQ(st.code(), Status::Code::kUnavailable) << st.ToString();
  EXPECT_NE(st.message().find("retry later"), std::string::npos) << st.ToString();
  ASSERT_TRUE(Exec(other.get(), "COMMIT", "unlocking").ok());
  EXPECT_TRUE(Exec(db_.get(), "INSERT INTO t VALUES(1)", "inserting").ok());
}

TEST_F(SqliteUtilTest, StatementsOwnedCachedAndReset) {
  ASSERT_TRUE(Exec(db_.get(), "CREATE TABLE t(a INTEGER, b BLOB)", "creating").ok());
  OwnedStatement insert;
  ASSERT_TRUE(insert.Prepare(db_.get(), "INSERT INTO t VALUES(?1, ?2)").ok());
  const std::string bytes("a\0b", 3);
  BindInt(insert.get(), 1, 1);
  BindBlob(insert.get(), 2, bytes);
  ASSERT_TRUE(StepDone(db_.get(), insert.get(), "inserting").ok());

  OwnedStatement bad;
  EXPECT_FALSE(bad.Prepare(db_.get(), "SELECT nothing FROM t").ok());
  EXPECT_EQ(bad.get(), nullptr);

  CachedStatement select("SELECT a, b FROM t ORDER BY a");
  sqlite3_stmt* first = nullptr;
  sqlite3_stmt* again = nullptr;
  ASSERT_TRUE(select.Get(db_.get(), &first).ok());
  ASSERT_TRUE(select.Get(db_.get(), &again).ok());
  EXPECT_EQ(first, again);
  {
    ResetOnExit reset(first);
    ASSERT_EQ(sqlite3_step(first), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int64(first, 0), 1);
    EXPECT_EQ(ColumnBlob(first, 1), bytes);
    EXPECT_TRUE(sqlite3_stmt_busy(first));
  }
  EXPECT_FALSE(sqlite3_stmt_busy(first));

  CachedStatement missing("SELECT * FROM later");
  sqlite3_stmt* s = nullptr;
  EXPECT_FALSE(missing.Get(db_.get(), &s).ok());
  ASSERT_TRUE(Exec(db_.get(), "CREATE TABLE later(x)", "creating").ok());
  EXPECT_TRUE(missing.Get(db_.get(), &s).ok()) << "a failed preparation is tried again";
}

TEST_F(SqliteUtilTest, TextBindingAndColumns) {
  ASSERT_TRUE(Exec(db_.get(), "CREATE TABLE t(a TEXT)", "creating").ok());
  OwnedStatement insert;
  ASSERT_TRUE(insert.Prepare(db_.get(), "INSERT INTO t VALUES(?1)").ok());
  {
    ResetOnExit reset(insert.get());  // a statement is rebound only once reset
    BindText(insert.get(), 1, "é");
    ASSERT_TRUE(StepDone(db_.get(), insert.get(), "inserting").ok());
  }
  BindTextOrNull(insert.get(), 1, "");
  ASSERT_TRUE(StepDone(db_.get(), insert.get(), "inserting").ok());
  OwnedStatement select;
  ASSERT_TRUE(select.Prepare(db_.get(), "SELECT a, a IS NULL FROM t ORDER BY rowid").ok());
  ASSERT_EQ(sqlite3_step(select.get()), SQLITE_ROW);
  EXPECT_EQ(ColumnText(select.get(), 0), "é");
  ASSERT_EQ(sqlite3_step(select.get()), SQLITE_ROW);
  EXPECT_EQ(ColumnText(select.get(), 0), "");
  EXPECT_EQ(sqlite3_column_int64(select.get(), 1), 1);
}

}  // namespace
}  // namespace ramette::sqlite
