// SqliteOutbox: creating the file aside and moving it into place, checking an existing file
// through a read-only connection before any write, and the four outbox operations, each one
// transaction on cached statements.
#include "agent/outbox/sqlite_outbox.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>
#include <utility>

#include "agent/outbox/record_codec.h"
#include "common/sqlite/sqlite_util.h"

namespace ramette::agent {

namespace {

// Schema version 1. Records are kept in id order; AUTOINCREMENT so that an id is never reused,
// which makes Remove of an already-removed id harmless.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE records(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  enqueued_at_ms INTEGER NOT NULL,  -- Unix milliseconds
  payload BLOB NOT NULL             -- record_codec encoding (its first byte names the kind)
);
CREATE TABLE capture_cursor(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  subscription_id INTEGER NOT NULL,
  next_sequence INTEGER NOT NULL,
  last_reconciled_job_id INTEGER NOT NULL,
  cupsd_started_at INTEGER NOT NULL,
  cups_server BLOB NOT NULL,
  opaque BLOB NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
)sql";

constexpr char kInsertRecordSql[] = "INSERT INTO records(enqueued_at_ms, payload) VALUES(?1, ?2)";
constexpr char kStoreCursorSql[] =
    "INSERT OR REPLACE INTO capture_cursor(id, subscription_id, next_sequence,"
    " last_reconciled_job_id, cupsd_started_at, cups_server, opaque, updated_at_ms)"
    " VALUES(1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr char kLoadCursorSql[] =
    "SELECT subscription_id, next_sequence, last_reconciled_job_id, cupsd_started_at,"
    " cups_server, opaque FROM capture_cursor WHERE id = 1";
constexpr char kPeekSql[] = "SELECT id, enqueued_at_ms, payload FROM records ORDER BY id LIMIT ?1";
constexpr char kRemoveSql[] = "DELETE FROM records WHERE id = ?1 RETURNING length(payload)";
constexpr char kOldestSql[] = "SELECT enqueued_at_ms FROM records ORDER BY id LIMIT 1";
constexpr char kCountersSql[] = "SELECT count(*), coalesce(sum(length(payload)), 0) FROM records";

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

// What an operator does about a file that failed its check.
std::string KeepAsideAdvice(const std::string& path) {
  return "; the file was left as it is: stop the agent and move it aside (the agent then starts "
         "with an empty outbox and no capture cursor), or salvage its records with `sqlite3 " +
         path + " .recover`";
}

// The outbox's wording of SQLite failures: it names the file, and a damaged one comes with what
// to do about it. Holds a reference: `path` outlives the wording.
class OutboxWording : public sqlite::ErrorWording {
 public:
  explicit OutboxWording(const std::string& path) : path_(path) {}
  Status Error(sqlite3* db, int rc, std::string_view what) const override {
    const std::string sqlite_says = sqlite::ErrorText(db, rc);
    if (sqlite::IsCorrupt(rc)) {
      return Status::Corruption("outbox " + Quoted(path_) + " is damaged (" + sqlite_says +
                                ", while " + std::string(what) + ")" + KeepAsideAdvice(path_));
    }
    std::string msg =
        "outbox " + Quoted(path_) + ": " + std::string(what) + " failed: " + sqlite_says;
    if (sqlite::IsBusy(rc)) msg += " (another process is using the outbox)";
    return sqlite::StatusOf(rc, std::move(msg));
  }

 private:
  const std::string& path_;
};

using sqlite::DbPtr;
using sqlite::OwnedStatement;

Status OpenConnection(const std::string& path, int flags, DbPtr* out) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  out->reset(raw);
  if (rc != SQLITE_OK) return OutboxWording(path).Error(raw, rc, "opening the file");
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, SqliteOutbox::kBusyTimeoutMs);
  return Status::Ok();
}

Status SyncDirectoryOf(const std::string& path) {
  std::string dir = ".";
  if (size_t slash = path.rfind('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : path.substr(0, slash);
  }
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Status::IoError("cannot open folder " + Quoted(dir) + ": " + std::strerror(errno));
  }
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0)
    return Status::IoError("cannot sync folder " + Quoted(dir) + ": " + std::strerror(err));
  return Status::Ok();
}

// Builds an empty outbox in `path`.new (rollback journal, so that the file is complete once
// closed) and links it to `path`, which must not exist: a file that appeared meanwhile is kept.
Status CreateOutboxFile(const std::string& path) {
  const std::string tmp = path + ".new";
  for (const std::string& stale : {tmp, tmp + "-journal"}) {
    if (::unlink(stale.c_str()) != 0 && errno != ENOENT) {
      return Status::IoError("cannot remove the unfinished outbox " + Quoted(stale) + ": " +
                             std::strerror(errno));
    }
  }
  {
    DbPtr db;
    RAMETTE_RETURN_IF_ERROR(OpenConnection(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db));
    const OutboxWording words(tmp);
    RAMETTE_RETURN_IF_ERROR(sqlite::Exec(db.get(),
                                         "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL",
                                         "configuring a new outbox", words));
    const std::string create =
        std::string("BEGIN;") + kSchemaV1 +
        "PRAGMA application_id = " + std::to_string(SqliteOutbox::kApplicationId) +
        "; PRAGMA user_version = " + std::to_string(SqliteOutbox::kSchemaVersion) + "; COMMIT;";
    RAMETTE_RETURN_IF_ERROR(
        sqlite::Exec(db.get(), create.c_str(), "creating the outbox schema", words));
    int rc = sqlite3_close(db.release());
    if (rc != SQLITE_OK) return words.Error(nullptr, rc, "closing the new outbox");
  }
  if (::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    return Status::IoError("cannot move the new outbox " + Quoted(tmp) + " to " + Quoted(path) +
                           ": " + std::strerror(errno));
  }
  ::unlink(tmp.c_str());
  return SyncDirectoryOf(path);
}

// Checks an existing file through a read-only connection, which writes nothing to it (no journal
// rollback, no checkpoint).
Status CheckOutboxFile(const std::string& path) {
  DbPtr db;
  RAMETTE_RETURN_IF_ERROR(OpenConnection(path, SQLITE_OPEN_READONLY, &db));
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  const OutboxWording words(path);
  Result<std::vector<std::string>> check = sqlite::QueryColumn(
      db.get(), "PRAGMA quick_check(5)", "checking the file (quick_check)", words);
  if (!check.ok()) return check.status();
  if (check->size() != 1 || check->front() != "ok") {
    std::string found;
    for (const auto& row : *check) {
      for (char c : row) found += c == '\n' ? ' ' : c;
      found += "; ";
    }
    if (!found.empty()) found.resize(found.size() - 2);
    return Status::Corruption("outbox " + Quoted(path) + " is damaged (quick_check: " + found +
                              ")" + KeepAsideAdvice(path));
  }
  int64_t app = 0;
  RAMETTE_RETURN_IF_ERROR(
      sqlite::QueryInt(db.get(), "PRAGMA application_id", &app, "reading the file's id", words));
  if (app != SqliteOutbox::kApplicationId) {
    return Status::Corruption("outbox " + Quoted(path) +
                              " is not a ramette outbox (application_id " + std::to_string(app) +
                              ": another program's database, or an empty or truncated file)" +
                              KeepAsideAdvice(path));
  }
  int64_t version = 0;
  RAMETTE_RETURN_IF_ERROR(sqlite::QueryInt(db.get(), "PRAGMA user_version", &version,
                                           "reading the schema version", words));
  if (version > SqliteOutbox::kSchemaVersion) {
    return Status::FailedPrecondition(
        "outbox " + Quoted(path) + " has schema version " + std::to_string(version) +
        ", newer than the version " + std::to_string(SqliteOutbox::kSchemaVersion) +
        " this ramette-agent knows; upgrade the agent (the file was left as it is)");
  }
  if (version < 1) {
    return Status::Corruption("outbox " + Quoted(path) + " has no schema version" +
                              KeepAsideAdvice(path));
  }
  int64_t tables = 0;
  RAMETTE_RETURN_IF_ERROR(
      sqlite::QueryInt(db.get(),
                       "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND"
                       " name IN ('records', 'capture_cursor')",
                       &tables, "reading the schema", words));
  if (tables != 2) {
    return Status::Corruption("outbox " + Quoted(path) + " lacks its tables" +
                              KeepAsideAdvice(path));
  }
  return Status::Ok();
}

}  // namespace

struct SqliteOutbox::Statements {
  OwnedStatement insert_record, store_cursor, load_cursor, peek, remove, oldest;
};

SqliteOutbox::SqliteOutbox(std::string path, SqliteOutboxOptions options, sqlite3* db)
    : path_(std::move(path)),
      options_(std::move(options)),
      db_(db),
      stmts_(std::make_unique<Statements>()) {}

SqliteOutbox::~SqliteOutbox() {
  stmts_.reset();  // statements are finalized before the connection closes
  sqlite3_close(db_);
}

Result<std::unique_ptr<SqliteOutbox>> SqliteOutbox::Open(const std::string& path,
                                                         SqliteOutboxOptions options) {
  if (!options.now_ms) options.now_ms = &SystemNowMs;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return Status::IoError("cannot read outbox " + Quoted(path) + ": " + std::strerror(errno));
    }
    RAMETTE_RETURN_IF_ERROR(CreateOutboxFile(path));
  } else if (!S_ISREG(st.st_mode)) {
    return Status::FailedPrecondition("outbox " + Quoted(path) + " is not a regular file");
  }
  RAMETTE_RETURN_IF_ERROR(CheckOutboxFile(path));

  DbPtr db;
  RAMETTE_RETURN_IF_ERROR(OpenConnection(path, SQLITE_OPEN_READWRITE, &db));
  std::unique_ptr<SqliteOutbox> outbox(new SqliteOutbox(path, std::move(options), db.release()));
  RAMETTE_RETURN_IF_ERROR(outbox->Init());
  return outbox;
}

Status SqliteOutbox::Init() {
  std::lock_guard<std::mutex> lock(mu_);
  const OutboxWording words(path_);
  Result<std::vector<std::string>> mode =
      sqlite::QueryColumn(db_, "PRAGMA journal_mode = WAL", "switching to WAL", words);
  if (!mode.ok()) return mode.status();
  if (mode->empty() || mode->front() != "wal") {
    return Status::IoError("outbox " + Quoted(path_) +
                           " cannot use WAL journaling (journal mode '" +
                           (mode->empty() ? std::string() : mode->front()) + "')");
  }
  RAMETTE_RETURN_IF_ERROR(sqlite::Exec(db_, "PRAGMA synchronous = FULL", "configuring", words));
  auto prepare = [&](const char* sql, OwnedStatement* out) {
    return out->Prepare(db_, sql, words, SQLITE_PREPARE_PERSISTENT, "preparing statements");
  };
  RAMETTE_RETURN_IF_ERROR(prepare(kInsertRecordSql, &stmts_->insert_record));
  RAMETTE_RETURN_IF_ERROR(prepare(kStoreCursorSql, &stmts_->store_cursor));
  RAMETTE_RETURN_IF_ERROR(prepare(kLoadCursorSql, &stmts_->load_cursor));
  RAMETTE_RETURN_IF_ERROR(prepare(kPeekSql, &stmts_->peek));
  RAMETTE_RETURN_IF_ERROR(prepare(kRemoveSql, &stmts_->remove));
  RAMETTE_RETURN_IF_ERROR(prepare(kOldestSql, &stmts_->oldest));
  return LoadCountersLocked();
}

Status SqliteOutbox::ErrorLocked(int rc, const std::string& what) const {
  return OutboxWording(path_).Error(db_, rc, what);
}

Status SqliteOutbox::LoadCountersLocked() {
  OwnedStatement stmt;
  RAMETTE_RETURN_IF_ERROR(
      stmt.Prepare(db_, kCountersSql, OutboxWording(path_), 0, "counting records"));
  int rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW) return ErrorLocked(rc, "counting records");
  depth_ = sqlite3_column_int64(stmt.get(), 0);
  bytes_ = sqlite3_column_int64(stmt.get(), 1);
  return Status::Ok();
}

void SqliteOutbox::RollbackLocked() {
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  // A failed COMMIT may in rare cases have reached the disk: count again rather than guess.
  (void)LoadCountersLocked();
}

Status SqliteOutbox::Append(const std::vector<OutboxItem>& items, const CaptureCursor* cursor) {
  if (items.empty() && cursor == nullptr) return Status::Ok();
  std::vector<std::string> payloads(items.size());
  int64_t adding_bytes = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    EncodeOutboxItem(items[i], &payloads[i]);
    adding_bytes += static_cast<int64_t>(payloads[i].size());
  }
  const int64_t adding = static_cast<int64_t>(items.size());
  const int64_t now = options_.now_ms();

  std::lock_guard<std::mutex> lock(mu_);
  if (!FitsLimits(options_.limits, depth_, bytes_, adding, adding_bytes)) {
    OutboxStats stats;
    stats.depth = depth_;
    stats.bytes = bytes_;
    stats.limits = options_.limits;
    return OutboxFullError(stats, adding, adding_bytes);
  }
  int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return ErrorLocked(rc, "starting an append");
  auto fail = [&](int code, const char* what) {
    Status st = ErrorLocked(code, what);
    RollbackLocked();
    return st;
  };
  sqlite3_stmt* insert = stmts_->insert_record.get();
  for (const std::string& payload : payloads) {
    sqlite3_bind_int64(insert, 1, now);
    sqlite::BindBlob(insert, 2, payload);
    rc = sqlite3_step(insert);
    sqlite3_reset(insert);
    sqlite3_clear_bindings(insert);
    if (rc != SQLITE_DONE) return fail(rc, "storing a record");
  }
  if (cursor != nullptr) {
    sqlite3_stmt* store = stmts_->store_cursor.get();
    sqlite3_bind_int64(store, 1, cursor->subscription_id);
    sqlite3_bind_int64(store, 2, cursor->next_sequence);
    sqlite3_bind_int64(store, 3, cursor->last_reconciled_job_id);
    sqlite3_bind_int64(store, 4, cursor->cupsd_started_at);
    sqlite::BindBlob(store, 5, cursor->cups_server);
    sqlite::BindBlob(store, 6, cursor->opaque);
    sqlite3_bind_int64(store, 7, now);
    rc = sqlite3_step(store);
    sqlite3_reset(store);
    sqlite3_clear_bindings(store);
    if (rc != SQLITE_DONE) return fail(rc, "storing the capture cursor");
  }
  rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return fail(rc, "committing an append");
  depth_ += adding;
  bytes_ += adding_bytes;
  return Status::Ok();
}

Result<CaptureCursor> SqliteOutbox::LoadCursor() {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3_stmt* s = stmts_->load_cursor.get();
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) {
    sqlite3_reset(s);
    return Status::NotFound("no capture cursor stored in outbox " + Quoted(path_) + " yet");
  }
  if (rc != SQLITE_ROW) {
    Status st = ErrorLocked(rc, "reading the capture cursor");
    sqlite3_reset(s);
    return st;
  }
  CaptureCursor c;
  c.subscription_id = sqlite3_column_int64(s, 0);
  c.next_sequence = sqlite3_column_int64(s, 1);
  c.last_reconciled_job_id = sqlite3_column_int64(s, 2);
  c.cupsd_started_at = sqlite3_column_int64(s, 3);
  c.cups_server = sqlite::ColumnBlob(s, 4);
  c.opaque = sqlite::ColumnBlob(s, 5);
  sqlite3_reset(s);
  return c;
}

Result<std::vector<OutboxEntry>> SqliteOutbox::Peek(int64_t max_records, int64_t max_bytes) {
  std::vector<OutboxEntry> out;
  if (max_records <= 0) return out;
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3_stmt* s = stmts_->peek.get();
  sqlite3_bind_int64(s, 1, max_records);
  int64_t bytes = 0;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const int64_t size = sqlite3_column_bytes(s, 2);
    if (!out.empty() && bytes + size > max_bytes) break;
    const void* blob = sqlite3_column_blob(s, 2);
    Result<OutboxItem> item = DecodeOutboxItem(
        std::string_view(static_cast<const char*>(blob), blob == nullptr ? 0 : size));
    const int64_t id = sqlite3_column_int64(s, 0);
    if (!item.ok()) {
      sqlite3_reset(s);
      return Status::Corruption("outbox " + Quoted(path_) + ": record " + std::to_string(id) +
                                ": " + item.status().message());
    }
    bytes += size;
    out.push_back(OutboxEntry{id, sqlite3_column_int64(s, 1), size, std::move(*item)});
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    Status st = ErrorLocked(rc, "reading records");
    sqlite3_reset(s);
    return st;
  }
  sqlite3_reset(s);
  return out;
}

Status SqliteOutbox::Remove(const std::vector<int64_t>& ids) {
  if (ids.empty()) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return ErrorLocked(rc, "starting a removal");
  int64_t removed = 0;
  int64_t removed_bytes = 0;
  sqlite3_stmt* s = stmts_->remove.get();
  for (int64_t id : ids) {
    sqlite3_bind_int64(s, 1, id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      ++removed;
      removed_bytes += sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
      Status st = ErrorLocked(rc, "removing records");
      RollbackLocked();
      return st;
    }
  }
  rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    Status st = ErrorLocked(rc, "committing a removal");
    RollbackLocked();
    return st;
  }
  depth_ -= removed;
  bytes_ -= removed_bytes;
  return Status::Ok();
}

Result<OutboxStats> SqliteOutbox::Stats() {
  std::lock_guard<std::mutex> lock(mu_);
  OutboxStats stats;
  stats.depth = depth_;
  stats.bytes = bytes_;
  stats.limits = options_.limits;
  sqlite3_stmt* s = stmts_->oldest.get();
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) stats.oldest_enqueued_at_ms = sqlite3_column_int64(s, 0);
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ErrorLocked(rc, "reading the oldest record");
  return stats;
}

}  // namespace ramette::agent
