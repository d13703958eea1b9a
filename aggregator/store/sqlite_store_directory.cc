// SqliteStore, DirectoryStore part: the users rows with their source, the one transaction of a
// directory sync, and the record of the last sync.
#include <sqlite3.h>

#include "aggregator/store/sqlite_store.h"
#include "aggregator/store/sqlite_store_internal.h"
#include "common/sqlite/sqlite_util.h"

namespace ramette::aggregator::store {

namespace {

using sqlite::BindInt;
using sqlite::BindText;
using sqlite::ColumnText;
using sqlite::OwnedStatement;
using sqlite::SqliteError;
using sqlite::StepDone;
using sqlite_internal::BindDay;
using sqlite_internal::ColumnDay;
using sqlite_internal::kDirectorySyncSchemaVersion;

constexpr char kWhat[] = "applying the directory sync";

Status NotOpenDirectoryRow(int64_t id) {
  return Status::FailedPrecondition(
      "users row " + std::to_string(id) +
      " is no longer an open directory row (another sync or an import ran meanwhile): nothing "
      "was written");
}

Status StillOpen(const std::string& user) {
  return Status::FailedPrecondition(
      "user '" + user +
      "' already has an open directory row (another sync ran meanwhile): nothing was written");
}

}  // namespace

Result<std::vector<StoredUserRow>> SqliteStore::LoadUserRows() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kDirectorySyncSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(
      db_,
      "SELECT id, user, direction, valid_from, valid_to, source FROM user_directions ORDER BY id"));
  std::vector<StoredUserRow> rows;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    StoredUserRow& r = rows.emplace_back();
    r.id = sqlite3_column_int64(s.get(), 0);
    r.row.user = ColumnText(s.get(), 1);
    r.row.direction = ColumnText(s.get(), 2);
    r.row.valid_from = ColumnDay(s.get(), 3);
    r.row.valid_to = ColumnDay(s.get(), 4);
    r.source =
        ColumnText(s.get(), 5) == "directory" ? UserRowSource::kDirectory : UserRowSource::kCsv;
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading users' directions");
  return rows;
}

Status SqliteStore::ApplyDirectorySync(const DirectoryChanges& changes) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kDirectorySyncSchemaVersion));
  return InTransactionLocked([&]() -> Status {
    OwnedStatement close;
    OwnedStatement remove;
    OwnedStatement open;
    OwnedStatement count;
    OwnedStatement record;
    OwnedStatement still_open;
    RAMETTE_RETURN_IF_ERROR(
        still_open.Prepare(db_,
                           "SELECT 1 FROM user_directions WHERE user = ?1 AND source = 'directory'"
                           " AND valid_to IS NULL LIMIT 1"));
    constexpr char kOpenDirectoryRow[] =
        " WHERE id = ?1 AND source = 'directory' AND valid_to IS NULL";
    RAMETTE_RETURN_IF_ERROR(close.Prepare(
        db_,
        (std::string("UPDATE user_directions SET valid_to = ?2") + kOpenDirectoryRow).c_str()));
    RAMETTE_RETURN_IF_ERROR(remove.Prepare(
        db_, (std::string("DELETE FROM user_directions") + kOpenDirectoryRow).c_str()));
    RAMETTE_RETURN_IF_ERROR(
        open.Prepare(db_,
                     "INSERT INTO user_directions(user, direction, valid_from, valid_to, source)"
                     " VALUES(?1, ?2, ?3, ?4, 'directory')"));
    RAMETTE_RETURN_IF_ERROR(
        count.Prepare(db_,
                      "INSERT INTO workstations(direction, date, count) VALUES(?1, ?2, ?3)"
                      " ON CONFLICT(direction, date) DO UPDATE SET count = excluded.count"));
    RAMETTE_RETURN_IF_ERROR(record.Prepare(
        db_,
        "INSERT INTO directory_syncs(synced_at, sync_date, users_seen, added, moved, closed,"
        " unmapped, skipped) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    for (const RowClose& c : changes.closes) {
      sqlite3_reset(close.get());
      BindInt(close.get(), 1, c.id);
      BindInt(close.get(), 2, c.valid_to);
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, close.get(), kWhat));
      if (sqlite3_changes(db_) != 1) return NotOpenDirectoryRow(c.id);
    }
    for (int64_t id : changes.removes) {
      sqlite3_reset(remove.get());
      BindInt(remove.get(), 1, id);
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, remove.get(), kWhat));
      if (sqlite3_changes(db_) != 1) return NotOpenDirectoryRow(id);
    }
    for (const model::UserDirection& r : changes.opens) {
      sqlite3_reset(still_open.get());
      BindText(still_open.get(), 1, r.user);
      const int rc = sqlite3_step(still_open.get());
      if (rc == SQLITE_ROW) return StillOpen(r.user);
      if (rc != SQLITE_DONE) return SqliteError(db_, rc, kWhat);
      sqlite3_reset(open.get());
      BindText(open.get(), 1, r.user);
      BindText(open.get(), 2, r.direction);
      BindDay(open.get(), 3, r.valid_from);
      BindDay(open.get(), 4, r.valid_to);
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, open.get(), kWhat));
    }
    for (const model::WorkstationCount& w : changes.workstations) {
      sqlite3_reset(count.get());
      BindText(count.get(), 1, w.direction);
      BindInt(count.get(), 2, w.date);
      BindInt(count.get(), 3, w.count);
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, count.get(), kWhat));
    }
    const DirectorySyncRecord& r = changes.record;
    BindInt(record.get(), 1, r.synced_at);
    BindInt(record.get(), 2, r.sync_date);
    BindInt(record.get(), 3, r.users_seen);
    BindInt(record.get(), 4, r.added);
    BindInt(record.get(), 5, r.moved);
    BindInt(record.get(), 6, r.closed);
    BindInt(record.get(), 7, r.unmapped);
    BindInt(record.get(), 8, r.skipped);
    return StepDone(db_, record.get(), kWhat);
  });
}

Result<std::optional<DirectorySyncRecord>> SqliteStore::LastDirectorySync() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kDirectorySyncSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(
      s.Prepare(db_,
                "SELECT synced_at, sync_date, users_seen, added, moved, closed, unmapped, skipped"
                " FROM directory_syncs ORDER BY id DESC LIMIT 1"));
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_DONE) return std::optional<DirectorySyncRecord>();
  if (rc != SQLITE_ROW) return SqliteError(db_, rc, "reading the last directory sync");
  DirectorySyncRecord r;
  r.synced_at = sqlite3_column_int64(s.get(), 0);
  r.sync_date = static_cast<Day>(sqlite3_column_int64(s.get(), 1));
  r.users_seen = sqlite3_column_int64(s.get(), 2);
  r.added = sqlite3_column_int64(s.get(), 3);
  r.moved = sqlite3_column_int64(s.get(), 4);
  r.closed = sqlite3_column_int64(s.get(), 5);
  r.unmapped = sqlite3_column_int64(s.get(), 6);
  r.skipped = sqlite3_column_int64(s.get(), 7);
  return std::optional<DirectorySyncRecord>(r);
}

}  // namespace ramette::aggregator::store
