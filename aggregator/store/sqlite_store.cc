// SqliteStore: opening, migrating (the steps: sqlite_store_schema.cc), transactions, the time zone,
// counts and backups. The other parts: sqlite_store_jobs.cc (ingest and rollup folding),
// sqlite_store_inventory.cc (imports), sqlite_store_readers.cc (UsageSource),
// sqlite_store_delivery.cc (report sends, agent status and tokens, server status),
// sqlite_store_accounts.cc (web accounts) and sqlite_store_rows.cc (TableRows);
// sqlite_store_internal.h holds what they share.
#include "aggregator/store/sqlite_store.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <utility>

#include "aggregator/store/sqlite_store_internal.h"
#include "common/sqlite/sqlite_util.h"

namespace ramette::aggregator::store {

namespace {

// common/sqlite/sqlite_util.h, in its base wording ("database error while ...").
using sqlite::BindText;
using sqlite::ColumnText;
using sqlite::DbCloser;
using sqlite::Exec;
using sqlite::OwnedStatement;
using sqlite::QueryInt;
using sqlite::SqliteError;
using sqlite::StepDone;
// sqlite_store_internal.h
using sqlite_internal::kClearRollupsSql;
using sqlite_internal::MigrationSql;

constexpr char kTimeZoneKey[] = "time_zone";
constexpr char kUserNamesKey[] = "user_names";  // model::UserNameRuleText

// SQL function ramette_month_index(day): MonthIndexOfDay.
void MonthIndexFunction(sqlite3_context* ctx, int /*argc*/, sqlite3_value** argv) {
  sqlite3_result_int64(ctx, MonthIndexOfDay(static_cast<Day>(sqlite3_value_int64(argv[0]))));
}

// SQL function ramette_local_day(unix_seconds), registered only while EnsureTimeZone runs; its
// user data is the TimeZone.
void LocalDayFunction(sqlite3_context* ctx, int /*argc*/, sqlite3_value** argv) {
  const auto* tz = static_cast<const TimeZone*>(sqlite3_user_data(ctx));
  sqlite3_result_int64(ctx, tz->LocalDay(sqlite3_value_int64(argv[0])));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Opening and migrations.

SqliteStore::SqliteStore(sqlite3* db, std::string path, int schema_version)
    : db_(db),
      path_(std::move(path)),
      schema_version_(schema_version),
      stmts_(std::make_unique<Statements>()) {}

SqliteStore::~SqliteStore() {
  stmts_.reset();  // statements must be finalized before the connection closes
  sqlite3_close(db_);
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path, bool create) {
  return OpenImpl(path, kLatestSchemaVersion, create);
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::OpenAtSchemaVersionForTest(
    const std::string& path, int version) {
  if (version < 1 || version > kLatestSchemaVersion) {
    return Status::InvalidArgument("schema version " + std::to_string(version) +
                                   " is not between 1 and " + std::to_string(kLatestSchemaVersion));
  }
  return OpenImpl(path, version, /*create=*/true);
}

namespace {

Status RefuseNewer(const std::string& path, int64_t version) {
  return Status::FailedPrecondition("database '" + path + "' has schema version " +
                                    std::to_string(version) + ", newer than the version " +
                                    std::to_string(SqliteStore::kLatestSchemaVersion) +
                                    " this ramette knows; upgrade ramette");
}

Status NotRamette(const std::string& path, const std::string& why) {
  return Status::FailedPrecondition("database '" + path + "' " + why +
                                    "; refused and left unchanged (give the ramette database)");
}

// Checks, with reads only, that `db` is a ramette database, or an empty one that may become one
// when `create` is true. Nothing is written before this passes: a refused file keeps every byte.
Status CheckIdentity(sqlite3* db, const std::string& path, bool create) {
  int64_t objects = 0;
  int64_t version = 0;
  int64_t application_id = 0;
  Status st = QueryInt(db, "SELECT count(*) FROM sqlite_master", &objects);
  if (!st.ok()) {
    if (sqlite3_errcode(db) == SQLITE_NOTADB) return NotRamette(path, "is not a SQLite database");
    return st.WithContext("reading '" + path + "'");
  }
  RAMETTE_RETURN_IF_ERROR(QueryInt(db, "PRAGMA user_version", &version));
  RAMETTE_RETURN_IF_ERROR(QueryInt(db, "PRAGMA application_id", &application_id));
  if (application_id != 0 && application_id != SqliteStore::kApplicationId) {
    return NotRamette(
        path, "belongs to another program (application id " + std::to_string(application_id) + ")");
  }
  if (objects == 0 && version == 0) {
    if (create) return Status::Ok();
    return NotRamette(path,
                      "is empty, not a ramette database (a failed copy or restore?); "
                      "only ramette-aggregator, `ramette import` and `ramette store copy` "
                      "create one");
  }
  if (version > SqliteStore::kLatestSchemaVersion) return RefuseNewer(path, version);
  int64_t ramette_tables = 0;
  RAMETTE_RETURN_IF_ERROR(QueryInt(db,
                                   "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                   "name IN ('meta', 'servers', 'devices', 'users', 'jobs')",
                                   &ramette_tables));
  if (version == 0 || ramette_tables != 5) {
    return NotRamette(path, "is a SQLite database of another program (no ramette schema)");
  }
  return Status::Ok();
}

// Applies the migration steps after the database's version, up to `target`, one transaction
// each. Returns the version reached.
Result<int> Migrate(sqlite3* db, const std::string& path, int target) {
  int64_t version = 0;
  RAMETTE_RETURN_IF_ERROR(QueryInt(db, "PRAGMA user_version", &version));
  if (version > SqliteStore::kLatestSchemaVersion) return RefuseNewer(path, version);
  const int64_t initial = version;
  while (version < target) {
    RAMETTE_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE", "starting a schema migration"));
    // Another process may have migrated meanwhile: read the version again under the lock.
    Status st = QueryInt(db, "PRAGMA user_version", &version);
    if (st.ok() && version > SqliteStore::kLatestSchemaVersion) st = RefuseNewer(path, version);
    if (st.ok() && version < target) {
      st = Exec(db, MigrationSql(static_cast<int>(version)),
                "migrating to schema version " + std::to_string(version + 1));
      if (st.ok()) {
        st = Exec(db,
                  ("PRAGMA user_version = " + std::to_string(version + 1) +
                   "; PRAGMA application_id = " + std::to_string(SqliteStore::kApplicationId))
                      .c_str(),
                  "recording the schema version");
      }
      if (st.ok()) ++version;
    }
    if (st.ok()) st = Exec(db, "COMMIT", "committing a schema migration");
    if (!st.ok()) {
      if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return st;
    }
  }
  if (initial == 0) {
    spdlog::info("database '{}' created at schema version {}", path, version);
  } else if (version != initial) {
    spdlog::info("database '{}' migrated from schema version {} to {}", path, initial, version);
  }
  return static_cast<int>(version);
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::OpenImpl(const std::string& path, int version,
                                                           bool create) {
  sqlite3* raw = nullptr;
  // NOMUTEX: the store serialises every use of the connection with its own mutex.
  int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, DbCloser> db(raw);
  if (rc != SQLITE_OK) {
    return Status::IoError("cannot open database '" + path +
                           "': " + (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  RAMETTE_RETURN_IF_ERROR(CheckIdentity(db.get(), path, create));

  std::string journal_mode;
  rc = sqlite3_exec(
      db.get(), "PRAGMA journal_mode = WAL",
      [](void* out, int n, char** values, char**) {
        if (n > 0 && values[0] != nullptr) *static_cast<std::string*>(out) = values[0];
        return 0;
      },
      &journal_mode, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db.get(), rc, "opening '" + path + "'");
  if (journal_mode != "wal") {
    spdlog::warn("database '{}' runs in journal mode '{}', not WAL", path, journal_mode);
  }
  RAMETTE_RETURN_IF_ERROR(Exec(db.get(), "PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF",
                               "configuring the connection"));
  rc = sqlite3_create_function_v2(db.get(), "ramette_month_index", 1,
                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                  &MonthIndexFunction, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db.get(), rc, "registering SQL functions");

  Result<int> reached = Migrate(db.get(), path, version);
  if (!reached.ok()) return reached.status();
  return std::unique_ptr<SqliteStore>(new SqliteStore(db.release(), path, *reached));
}

int SqliteStore::SchemaVersion() {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t v = -1;
  if (!QueryInt(db_, "PRAGMA user_version", &v).ok()) return -1;
  return static_cast<int>(v);
}

Status SqliteStore::RequireSchemaLocked(int version) const {
  if (schema_version_ >= version) return Status::Ok();
  return Status::FailedPrecondition("store opened at schema version " +
                                    std::to_string(schema_version_) + ", this needs version " +
                                    std::to_string(version) + " (the latest is " +
                                    std::to_string(kLatestSchemaVersion) + ")");
}

Status SqliteStore::RequireLatestSchemaLocked() const {
  return RequireSchemaLocked(kLatestSchemaVersion);
}

// ---------------------------------------------------------------------------------------------
// Transactions.

void SqliteStore::RollbackLocked() {
  if (sqlite3_get_autocommit(db_) == 0) {
    int rc = sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) spdlog::error("rollback failed: {}", sqlite3_errmsg(db_));
  }
  // Rows created by the rolled-back transaction are gone: so must be their cached ids.
  user_ids_.clear();
  device_ids_.clear();
  max_cups_job_ids_.clear();
}

Status SqliteStore::ExecLocked(const char* sql) { return Exec(db_, sql, "writing"); }

// ---------------------------------------------------------------------------------------------
// Time zone.

Status SqliteStore::ReadMetaLocked(const char* key, std::string* value) {
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, "SELECT value FROM meta WHERE key = ?1"));
  BindText(s.get(), 1, key);
  int rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) {
    *value = ColumnText(s.get(), 0);
    return Status::Ok();
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading settings");
  value->clear();
  return Status::Ok();
}

std::string SqliteStore::StoredTimeZone() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string value;
  Status st = ReadMetaLocked(kTimeZoneKey, &value);
  if (!st.ok()) {
    spdlog::error("cannot read the stored time zone: {}", st.message());
    return std::string();
  }
  return value;
}

Status SqliteStore::EnsureTimeZone(const TimeZone& tz) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  std::string stored;
  RAMETTE_RETURN_IF_ERROR(ReadMetaLocked(kTimeZoneKey, &stored));
  if (stored == tz.name()) return Status::Ok();

  int64_t moved = 0;
  Status st = InTransactionLocked([&]() -> Status {
    // Read again under the write lock: another process may have done the work meanwhile.
    RAMETTE_RETURN_IF_ERROR(ReadMetaLocked(kTimeZoneKey, &stored));
    if (stored == tz.name()) return Status::Ok();
    int64_t has_jobs = 0;
    RAMETTE_RETURN_IF_ERROR(QueryInt(db_, "SELECT EXISTS(SELECT 1 FROM jobs)", &has_jobs));
    InvalidatePendingLocked();  // its local days are about to change
    if (has_jobs != 0) {
      int rc = sqlite3_create_function_v2(db_, "ramette_local_day", 1, SQLITE_UTF8,
                                          const_cast<TimeZone*>(&tz), &LocalDayFunction, nullptr,
                                          nullptr, nullptr);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "registering SQL functions");
      Status update = ExecLocked(
          "UPDATE jobs SET local_day = ramette_local_day(completed_at)"
          " WHERE local_day <> ramette_local_day(completed_at)");
      moved = sqlite3_changes64(db_);
      // Unregister: the function points at `tz`, which the caller owns.
      sqlite3_create_function_v2(db_, "ramette_local_day", 1, SQLITE_UTF8, nullptr, nullptr,
                                 nullptr, nullptr, nullptr);
      RAMETTE_RETURN_IF_ERROR(update);
      RAMETTE_RETURN_IF_ERROR(ExecLocked(kClearRollupsSql));
      FoldState reached;
      RAMETTE_RETURN_IF_ERROR(FoldInTransactionLocked(&reached));
    }
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(
        s.Prepare(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)"));
    BindText(s.get(), 1, kTimeZoneKey);
    BindText(s.get(), 2, tz.name());
    return StepDone(db_, s.get(), "storing the time zone");
  });
  if (st.ok() && stored != tz.name()) {
    spdlog::info("time zone set to '{}' (was '{}'): {} jobs moved to another local day", tz.name(),
                 stored.empty() ? "none" : stored, moved);
  }
  return st;
}

// ---------------------------------------------------------------------------------------------
// User-name rule.

Result<model::UserNameRule> SqliteStore::StoredUserNameRuleLocked() {
  std::string text;
  RAMETTE_RETURN_IF_ERROR(ReadMetaLocked(kUserNamesKey, &text));
  Result<model::UserNameRule> rule = model::ParseUserNameRuleText(text);
  if (!rule.ok()) return Status::Corruption(path_ + ": " + rule.status().message());
  return rule;
}

Result<model::UserNameRule> SqliteStore::StoredUserNameRule() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  return StoredUserNameRuleLocked();
}

Status SqliteStore::SetUserNameRule(const model::UserNameRule& rule) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  Result<model::UserNameRule> stored = StoredUserNameRuleLocked();
  if (stored.ok() && *stored == rule) return Status::Ok();
  const std::string text = model::UserNameRuleText(rule);  // bound without a copy
  RAMETTE_RETURN_IF_ERROR(InTransactionLocked([&]() -> Status {
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(
        s.Prepare(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)"));
    BindText(s.get(), 1, kUserNamesKey);
    BindText(s.get(), 2, text);
    return StepDone(db_, s.get(), "storing the user-name rule");
  }));
  spdlog::info("user names: case {}, strip_domain {}", rule.lower_case ? "lower" : "preserve",
               rule.strip_domain);
  return Status::Ok();
}

Result<int64_t> SqliteStore::CountLocked(const char* sql) {
  int64_t n = 0;
  RAMETTE_RETURN_IF_ERROR(QueryInt(db_, sql, &n));
  return n;
}

Result<int64_t> SqliteStore::CountJobs() {
  std::lock_guard<std::mutex> lock(mu_);
  return CountLocked("SELECT COUNT(*) FROM jobs");
}

Result<int64_t> SqliteStore::CountQuarantined() {
  std::lock_guard<std::mutex> lock(mu_);
  return CountLocked("SELECT COUNT(*) FROM quarantine");
}

Status SqliteStore::Backup(const std::string& destination) {
  const auto exists = [&destination] {
    return Status::InvalidArgument("'" + destination + "' exists; backups never overwrite a file");
  };
  struct stat st_dest {};
  if (lstat(destination.c_str(), &st_dest) == 0) return exists();  // any kind, even a link
  if (errno != ENOENT) {
    return Status::IoError("cannot check '" + destination + "': " + std::strerror(errno));
  }
  // A new file of our own, mode 0600 whatever the umask: SQLite fills it.
  const std::string partial = destination + ".partial";
  std::remove(partial.c_str());
  const int fd = open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::IoError("cannot create '" + partial + "': " + std::strerror(errno));
  }
  const bool private_mode = fchmod(fd, 0600) == 0;
  const int chmod_errno = errno;
  close(fd);
  if (!private_mode) {
    std::remove(partial.c_str());
    return Status::IoError("cannot make '" + partial +
                           "' mode 0600: " + std::strerror(chmod_errno));
  }
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(partial.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, DbCloser> dest(raw);
  if (rc != SQLITE_OK) {
    std::remove(partial.c_str());
    return Status::IoError("cannot create '" + partial +
                           "': " + (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  Status st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sqlite3_backup* backup = sqlite3_backup_init(dest.get(), "main", db_, "main");
    if (backup == nullptr) {
      st = SqliteError(dest.get(), sqlite3_errcode(dest.get()), "starting the backup");
    } else {
      // One step copies every page under one read snapshot: writers in other processes go on
      // (WAL), and the copy is the database as of the step's start.
      do {
        rc = sqlite3_backup_step(backup, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
      } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
      sqlite3_backup_finish(backup);
      if (rc != SQLITE_DONE) st = SqliteError(dest.get(), rc, "copying the database");
    }
  }
  // The copy keeps WAL mode in its header; leave it as one self-contained file.
  if (st.ok()) st = Exec(dest.get(), "PRAGMA journal_mode = DELETE", "finishing the backup");
  dest.reset();
  // Into place only if `destination` is still free: a file created meanwhile is kept.
  if (st.ok() &&
      renameat2(AT_FDCWD, partial.c_str(), AT_FDCWD, destination.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) {
      st = exists();
    } else if (errno == EINVAL && link(partial.c_str(), destination.c_str()) == 0) {
      std::remove(partial.c_str());  // a file system without RENAME_NOREPLACE: link, unlink
    } else {
      st = errno == EEXIST ? exists()
                           : Status::IoError("cannot rename '" + partial + "' to '" + destination +
                                             "': " + std::strerror(errno));
    }
  }
  if (!st.ok()) std::remove(partial.c_str());
  return st;
}

}  // namespace ramette::aggregator::store
