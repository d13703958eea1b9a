// The directory-sync part of the store contract (schema v10): the users' rows with their source
// (the CSV import or the directory sync), the one write of a sync (a plan made by
// aggregator/directory/sync_plan.h, applied all or nothing) and the record of the last sync.
// The engines only store: which rows a sync opens, closes or leaves is decided once, in
// aggregator/directory/. Every engine implements it.
#ifndef RAMETTE_AGGREGATOR_STORE_DIRECTORY_STORE_H_
#define RAMETTE_AGGREGATOR_STORE_DIRECTORY_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aggregator/model/inventory.h"
#include "common/civil_time.h"
#include "common/status.h"

namespace ramette::aggregator::store {

// Who wrote a users row: `ramette import users` (a manual override, never changed by a sync;
// every row of a database older than v10) or `ramette directory sync`.
enum class UserRowSource { kCsv, kDirectory };
// "csv", "directory".
std::string_view UserRowSourceName(UserRowSource source);

// One stored users row.
struct StoredUserRow {
  int64_t id = 0;
  model::UserDirection row;
  UserRowSource source = UserRowSource::kCsv;

  bool operator==(const StoredUserRow&) const = default;
};

// What a sync did, as `ramette status` shows it.
struct DirectorySyncRecord {
  int64_t synced_at = 0;  // unix seconds
  Day sync_date = 0;      // the day rows were opened and closed at
  int64_t users_seen = 0;
  int64_t added = 0;
  int64_t moved = 0;
  int64_t closed = 0;
  int64_t unmapped = 0;
  int64_t skipped = 0;  // entries reported by DN and left out

  bool operator==(const DirectorySyncRecord&) const = default;
};

// A directory row ended at `valid_to` (exclusive).
struct RowClose {
  int64_t id = 0;
  Day valid_to = 0;
};

// The writes of one sync.
struct DirectoryChanges {
  // Open directory rows (valid_to NULL) ended at the given day.
  std::vector<RowClose> closes;
  // Open directory rows deleted: rows opened on the sync day itself, which never applied.
  std::vector<int64_t> removes;
  // New directory rows.
  std::vector<model::UserDirection> opens;
  // Workstation counts, inserted or updated by (direction, date).
  std::vector<model::WorkstationCount> workstations;
  DirectorySyncRecord record;
};

// Thread-safe; not re-entrant. Errors: IoError, Unavailable (retry), FailedPrecondition (schema
// below v10, or see ApplyDirectorySync), InvalidArgument.
class DirectoryStore {
 public:
  virtual ~DirectoryStore() = default;
  // Every users row with its id and source, ordered by id.
  virtual Result<std::vector<StoredUserRow>> LoadUserRows() = 0;
  // In one transaction: applies `changes.closes` and `changes.removes` (each must name an open
  // directory row), inserts `changes.opens` as directory rows (none may find an open directory
  // row of its user left: the two checks make a sync planned on rows that another sync or an
  // import changed meanwhile fail with FailedPrecondition, nothing written) and
  // `changes.workstations`, and records `changes.record` as the last sync. On any error nothing
  // is written.
  virtual Status ApplyDirectorySync(const DirectoryChanges& changes) = 0;
  // The record of the last applied sync; nullopt when none was.
  virtual Result<std::optional<DirectorySyncRecord>> LastDirectorySync() = 0;
};

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_DIRECTORY_STORE_H_
