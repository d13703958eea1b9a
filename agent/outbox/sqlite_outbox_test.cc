// Tests of SqliteOutbox on real files in a fresh temporary folder: durability across reopening and
// kill -9, records and cursor in one transaction (failures injected with SQL triggers), and the
// refusal to use, or touch, a damaged file.
#include "agent/outbox/sqlite_outbox.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "agent/outbox/outbox_test_util.h"

namespace ramette::agent {
namespace {

using testing::JobId;
using testing::MakeJob;
using testing::MakeQueue;
using testing::ReadFileBytes;
using testing::TempDir;
using testing::WriteFileBytes;

// Runs `sql` on `path` through a connection of its own; returns the first column of the last row.
std::string RawSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
            SQLITE_OK);
  std::string last;
  char* err = nullptr;
  int rc = sqlite3_exec(
      db, sql.c_str(),
      [](void* out, int n, char** v, char**) {
        *static_cast<std::string*>(out) = n > 0 && v[0] != nullptr ? v[0] : "";
        return 0;
      },
      &last, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err != nullptr ? err : "") << " in " << sql;
  sqlite3_free(err);
  sqlite3_close(db);
  return last;
}

std::unique_ptr<SqliteOutbox> MustOpen(const std::string& path, OutboxLimits limits = {}) {
  auto r = SqliteOutbox::Open(path, {limits, nullptr});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(*r) : nullptr;
}

class SqliteOutboxTest : public ::testing::Test {
 protected:
  std::string path() const { return dir_.File(SqliteOutbox::kFileName); }

  // An outbox file holding `n` jobs and a cursor, closed cleanly.
  void Populate(int n) {
    auto outbox = MustOpen(path());
    ASSERT_NE(outbox, nullptr);
    for (int i = 1; i <= n; i += 100) {
      std::vector<OutboxItem> items;
      for (int j = i; j < i + 100 && j <= n; ++j) items.push_back(MakeJob(j));
      ASSERT_TRUE(outbox->Append(items, &cursor_).ok());
    }
  }

  // Opening must fail with `code`, name the file, and leave it byte for byte as it was.
  void ExpectRefused(Status::Code code) {
    const std::string before = ReadFileBytes(path());
    for (int attempt = 0; attempt < 2; ++attempt) {  // and again: nothing was recreated
      auto r = SqliteOutbox::Open(path());
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), code) << r.status().ToString();
      EXPECT_NE(r.status().message().find(path()), std::string::npos) << r.status().ToString();
      EXPECT_EQ(ReadFileBytes(path()), before);
    }
  }

  TempDir dir_;
  CaptureCursor cursor_{3, 41, 17, 1700000000, "/run/cups/cups.sock", "x"};
};

TEST_F(SqliteOutboxTest, CreatesAWalOutboxFile) {
  auto outbox = MustOpen(path());
  ASSERT_NE(outbox, nullptr);
  EXPECT_EQ(outbox->path(), path());
  outbox.reset();
  EXPECT_EQ(RawSql(path(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawSql(path(), "PRAGMA application_id"), std::to_string(SqliteOutbox::kApplicationId));
  EXPECT_EQ(RawSql(path(), "PRAGMA user_version"), std::to_string(SqliteOutbox::kSchemaVersion));
  EXPECT_FALSE(std::filesystem::exists(path() + ".new"));
}

TEST_F(SqliteOutboxTest, ReopeningKeepsRecordsCursorAndIds) {
  int64_t last_id = 0;
  {
    auto outbox = MustOpen(path());
    ASSERT_NE(outbox, nullptr);
    ASSERT_TRUE(outbox->Append({MakeJob(1), MakeQueue("hall"), MakeJob(2)}, &cursor_).ok());
    auto peek = outbox->Peek(500, 1 << 20);
    last_id = peek->back().id;
    ASSERT_TRUE(outbox->Remove({peek->back().id}).ok());  // the highest id is gone
  }
  auto outbox = MustOpen(path());
  ASSERT_NE(outbox, nullptr);
  auto peek = outbox->Peek(500, 1 << 20);
  ASSERT_TRUE(peek.ok());
  ASSERT_EQ(peek->size(), 2u);
  EXPECT_EQ(JobId((*peek)[0].item), 1);
  EXPECT_EQ(std::get<QueueRecord>((*peek)[1].item).name, "hall");
  EXPECT_EQ(*outbox->LoadCursor(), cursor_);
  auto stats = outbox->Stats();
  EXPECT_EQ(stats->depth, 2);
  EXPECT_EQ(stats->bytes, (*peek)[0].size_bytes + (*peek)[1].size_bytes);
  ASSERT_TRUE(outbox->Append({MakeJob(3)}, nullptr).ok());
  EXPECT_GT(outbox->Peek(500, 1 << 20)->back().id, last_id);  // ids are never reused
}

TEST_F(SqliteOutboxTest, KillDashNineLosesNothingCommitted) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto r = SqliteOutbox::Open(path());
    if (!r.ok()) _exit(2);
    for (int i = 1; i <= 100; i += 10) {
      std::vector<OutboxItem> items;
      for (int j = i; j < i + 10; ++j) items.push_back(MakeJob(j));
      CaptureCursor c{1, i + 10, i + 9, 0, "cups", ""};
      if (!(*r)->Append(items, &c).ok()) _exit(3);
    }
    raise(SIGKILL);  // no close, no checkpoint: the records are in the WAL
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_GT(std::filesystem::file_size(path() + "-wal"), 0u);

  auto outbox = MustOpen(path());
  ASSERT_NE(outbox, nullptr);
  auto peek = outbox->Peek(500, 1 << 20);
  ASSERT_TRUE(peek.ok()) << peek.status().ToString();
  ASSERT_EQ(peek->size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(JobId((*peek)[i].item), i + 1);
  EXPECT_EQ(outbox->LoadCursor()->next_sequence, 101);
}

TEST_F(SqliteOutboxTest, CursorFailureStoresNeitherRecordsNorCursor) {
  Populate(1);
  RawSql(path(),
         "CREATE TRIGGER fail_cursor BEFORE INSERT ON capture_cursor"
         " BEGIN SELECT RAISE(ABORT, 'injected cursor failure'); END");
  {
    auto outbox = MustOpen(path());
    ASSERT_NE(outbox, nullptr);
    CaptureCursor next = cursor_;
    next.next_sequence += 5;
    Status st = outbox->Append({MakeJob(2), MakeJob(3)}, &next);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("injected cursor failure"), std::string::npos) << st.ToString();
    EXPECT_FALSE(IsOutboxFull(st));
    EXPECT_EQ(outbox->Stats()->depth, 1);
    EXPECT_EQ(*outbox->LoadCursor(), cursor_);
  }
  RawSql(path(), "DROP TRIGGER fail_cursor");
  auto outbox = MustOpen(path());  // after reopening: neither
  ASSERT_NE(outbox, nullptr);
  EXPECT_EQ(outbox->Stats()->depth, 1);
  EXPECT_EQ(outbox->Peek(500, 1 << 20)->size(), 1u);
  EXPECT_EQ(*outbox->LoadCursor(), cursor_);
  // Without the fault, both.
  CaptureCursor next = cursor_;
  next.next_sequence += 5;
  ASSERT_TRUE(outbox->Append({MakeJob(2), MakeJob(3)}, &next).ok());
  outbox.reset();
  outbox = MustOpen(path());
  EXPECT_EQ(outbox->Stats()->depth, 3);
  EXPECT_EQ(*outbox->LoadCursor(), next);
}

TEST_F(SqliteOutboxTest, RecordFailureMidBatchStoresNothing) {
  Populate(1);
  RawSql(path(),
         "CREATE TRIGGER fail_third BEFORE INSERT ON records"
         " WHEN (SELECT count(*) FROM records) >= 3"
         " BEGIN SELECT RAISE(ABORT, 'injected record failure'); END");
  {
    auto outbox = MustOpen(path());
    ASSERT_NE(outbox, nullptr);
    CaptureCursor next = cursor_;
    next.last_reconciled_job_id = 99;
    Status st = outbox->Append({MakeJob(2), MakeJob(3), MakeJob(4), MakeJob(5)}, &next);
    EXPECT_NE(st.message().find("injected record failure"), std::string::npos) << st.ToString();
  }
  auto outbox = MustOpen(path());
  ASSERT_NE(outbox, nullptr);
  EXPECT_EQ(outbox->Stats()->depth, 1);
  EXPECT_EQ(*outbox->LoadCursor(), cursor_);
}

TEST_F(SqliteOutboxTest, GarbageOverTheWholeFileIsCorruption) {
  Populate(500);
  std::string bytes = ReadFileBytes(path());
  std::mt19937 rng(42);
  for (char& c : bytes) c = static_cast<char>(rng());
  WriteFileBytes(path(), bytes);
  ExpectRefused(Status::Code::kCorruption);
}

TEST_F(SqliteOutboxTest, GarbageOverDataPagesIsCorruption) {
  Populate(3000);
  std::string bytes = ReadFileBytes(path());
  ASSERT_GT(bytes.size(), 40u * 4096);
  std::mt19937 rng(7);
  for (size_t i = 2 * 4096; i < bytes.size() - 4096; ++i) bytes[i] = static_cast<char>(rng());
  WriteFileBytes(path(), bytes);
  ExpectRefused(Status::Code::kCorruption);
}

TEST_F(SqliteOutboxTest, TruncatedFileIsCorruption) {
  Populate(3000);
  const std::string bytes = ReadFileBytes(path());
  for (size_t size : {bytes.size() / 2, bytes.size() / 2 + 100, size_t{50}, size_t{0}}) {
    SCOPED_TRACE(size);
    WriteFileBytes(path(), bytes.substr(0, size));
    ExpectRefused(Status::Code::kCorruption);
  }
}

TEST_F(SqliteOutboxTest, AnotherSqliteFileIsNotAnOutbox) {
  RawSql(path(), "CREATE TABLE t(x); INSERT INTO t VALUES(1)");
  ExpectRefused(Status::Code::kCorruption);
}

TEST_F(SqliteOutboxTest, ANewerSchemaIsRefusedUntouched) {
  Populate(10);
  RawSql(path(), "PRAGMA user_version = 99");
  ExpectRefused(Status::Code::kFailedPrecondition);
}

TEST_F(SqliteOutboxTest, UndecodableRecordIsCorruptionNamingIt) {
  Populate(3);
  RawSql(path(), "UPDATE records SET payload = x'ff00' WHERE id = 2");
  auto outbox = MustOpen(path());
  ASSERT_NE(outbox, nullptr);
  EXPECT_EQ(outbox->Peek(1, 1 << 20)->size(), 1u);  // the record before it still comes out
  auto peek = outbox->Peek(500, 1 << 20);
  ASSERT_FALSE(peek.ok());
  EXPECT_EQ(peek.status().code(), Status::Code::kCorruption);
  EXPECT_NE(peek.status().message().find("record 2"), std::string::npos)
      << peek.status().ToString();
}

TEST_F(SqliteOutboxTest, UnusablePathsAreIoErrorsAndAFolderIsAPrecondition) {
  auto r = SqliteOutbox::Open(dir_.File("missing/outbox.db"));
  EXPECT_EQ(r.status().code(), Status::Code::kIoError) << r.status().ToString();
  // A folder where the outbox belongs is the operator's to move: no restart cures it.
  r = SqliteOutbox::Open(dir_.path());
  EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition) << r.status().ToString();
}

TEST_F(SqliteOutboxTest, AnUnfinishedCreationIsRedone) {
  WriteFileBytes(path() + ".new", "half-made");
  auto outbox = MustOpen(path());
  ASSERT_NE(outbox, nullptr);
  EXPECT_TRUE(outbox->Append({MakeJob(1)}, nullptr).ok());
  EXPECT_FALSE(std::filesystem::exists(path() + ".new"));
}

}  // namespace
}  // namespace ramette::agent
