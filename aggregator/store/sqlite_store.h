// SqliteStore: the aggregator's SQLite database (WAL, versioned migrations). It stores jobs,
// the quarantine, the inventory and directory imports and the daily and monthly usage rollups,
// and serves them to the ingest path (JobStore) and to the indicators (UsageSource).
#ifndef RAMETTE_AGGREGATOR_STORE_SQLITE_STORE_H_
#define RAMETTE_AGGREGATOR_STORE_SQLITE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "aggregator/auth/authenticator.h"
#include "aggregator/store/usage_source.h"
#include "aggregator/store/job_store.h"
#include "aggregator/model/direction_contacts.h"
#include "aggregator/model/inventory.h"
#include "aggregator/model/rollup.h"
#include "aggregator/reports/delivery.h"
#include "aggregator/status/server_status.h"
#include "common/civil_time.h"
#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ramette::aggregator {

// One agent token as `ramette token list` shows it: never the token nor its hash.
struct AgentTokenInfo {
  std::string id;         // public id: the first 8 hex digits of the token's SHA-256
  std::string server_id;  // the print server it may submit records for
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;  // unix seconds; empty while valid
};

// One connection to one database file. Every public method is thread-safe (serialised by a
// mutex); several processes (the aggregator and the ramette CLI) may open the same file at once:
// a writer waits up to kBusyTimeoutMs for another one, then fails with Unavailable.
// Errors: IoError (SQLite or the file system failed), Unavailable (the database stayed locked),
// Corruption (the file is not a database or holds what ramette never writes),
// FailedPrecondition (schema version mismatch), InvalidArgument (bad arguments).
//
// Rollups are folded, not updated per batch: they count the jobs up to a watermark
// (rollup_state.folded_job_id), and a fold adds the newer jobs in one transaction, one upsert
// per distinct key. CommitJobs keeps the newer jobs' sums in memory and folds every
// kFoldEveryJobs accepted jobs; every rollup read folds first (from the jobs table when memory
// does not hold the pending jobs, e.g. in another process). So a reader always sees rollups that
// count every stored job, while the ingest path pays for little more than the job's row.
// A stored job whose figures change (a live record superseding its page_log copy) moves in the
// rollups at once when it is folded, and otherwise through the pending sums (and
// rollup_state.job_edits, which tells the other connections that theirs are stale).
class SqliteStore final : public JobStore,
                          public UsageSource,
                          public DeliveryLog,
                          public Authenticator {
 public:
  // The schema version this code creates and reads (PRAGMA user_version).
  static constexpr int kLatestSchemaVersion = 6;
  // How long a write waits for another connection's write transaction.
  static constexpr int kBusyTimeoutMs = 10000;
  // CommitJobs folds the rollups once this many jobs were accepted since the last fold.
  static constexpr int64_t kFoldEveryJobs = 50000;

  // Opens or creates the database at `path` (its folder must exist) and upgrades it to
  // kLatestSchemaVersion, one transaction per migration step. A database written by a newer
  // ramette (higher schema version) is refused with FailedPrecondition.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  // Tests only: like Open but migrates only up to `version` (1..kLatestSchemaVersion), to test
  // later migrations. A store below the latest version serves SchemaVersion, the counts, the
  // papers, users and workstations imports and UpsertQueues; the other methods (devices import,
  // LoadInventory, jobs and rollups) fail with FailedPrecondition.
  static Result<std::unique_ptr<SqliteStore>> OpenAtSchemaVersionForTest(const std::string& path,
                                                                         int version);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // The database's schema version, -1 if it cannot be read.
  int SchemaVersion();

  // Makes the stored data follow the organisation's time zone `tz`: when the zone stored with
  // the data differs (or none is stored and jobs exist), recomputes every job's local day in
  // `tz` and rebuilds both rollup tables, then stores tz.name(), all in one transaction.
  // Does nothing when `tz` is already the stored zone. Called by the aggregator at start.
  Status EnsureTimeZone(const TimeZone& tz);
  // The zone the stored local days were computed in; "" when none is stored (or on error).
  std::string StoredTimeZone();

  // Imports, each in one transaction (all or nothing). Re-importing updates rows, never
  // duplicates them.
  // Inserts or updates paper stocks by paper_id.
  Status UpsertPapers(const std::vector<Paper>& papers);
  // `devices` holds service periods (one Device each, see model/inventory.h). For every
  // (server, queue) it names: creates the queue's row if needed (an existing queue keeps its id,
  // which jobs and rollups reference, and what agents reported) and replaces all its periods by
  // the given ones, which classifies it. Queues not named are untouched. Device::id and
  // Device::classified are ignored. InvalidArgument when two periods of a queue overlap (or one
  // of several lacks its in_service date); nothing is imported then.
  Status UpsertDevices(const std::vector<Device>& devices);
  // For every user named in `rows`, replaces all of that user's rows by the given ones; other
  // users' rows are untouched.
  Status ReplaceUserDirections(const std::vector<UserDirection>& rows);
  // Inserts or updates workstation counts by (direction, date).
  Status UpsertWorkstations(const std::vector<WorkstationCount>& counts);
  // For every direction named in `rows`, replaces its report addresses by the given ones (none
  // for an empty list); other directions are untouched.
  Status ReplaceDirectionContacts(const std::vector<DirectionContacts>& rows);
  // Ids of the stored paper stocks, sorted.
  Result<std::vector<std::string>> KnownPaperIds();

  // Diagnostics: the number of stored jobs and quarantined records.
  Result<int64_t> CountJobs();
  Result<int64_t> CountQuarantined();

  // Adds the jobs stored since the last fold to both rollups, in one transaction. The rollup
  // readers call it themselves; the aggregator may call it when idle.
  Status FoldRollups();

  // JobStore. CommitJobs is durable (synchronous=FULL) when it returns OK. Rollups as read
  // through this class include the accepted jobs (see the class comment).
  // A live record (RecordSource::kLive) that duplicates a job stored from a page_log line
  // supersedes it: the stored job takes the live record's fields and derived figures (copies,
  // sides, user, sheets, local day...), the rollups follow, and the answer is kDuplicate (nothing
  // was added). Any other duplicate (page_log after live, a resend) changes nothing.
  Result<std::vector<StoreOutcome>> CommitJobs(
      const std::string& server_id, const std::string& agent_version,
      const std::vector<StoredJob>& jobs, const std::vector<QuarantinedRecord>& rejected) override;
  Status UpsertQueues(const std::string& server_id, const std::string& agent_version,
                      const std::vector<QueueRecord>& queues) override;
  Status RecordAgentStatus(const std::string& server_id, const std::string& agent_version,
                           const AgentStatusReport& status, int64_t now) override;

  // Operations. Every print server that ever called, ordered by name, with the jobs received
  // (received_at, not completion) since periods.day_start and since periods.month_start, its
  // last reported backlog and its queues that no devices row classifies (deleted ones aside).
  // Without `count_jobs` the job counts stay 0 and no job is read (for frequent callers).
  Result<std::vector<ServerStatus>> ServerStatuses(const StatusPeriods& periods,
                                                   bool count_jobs = true);
  // Copies the whole database into a new file `destination` with SQLite's online backup, while
  // other connections (a running aggregator) go on writing: the copy is a consistent snapshot.
  // The copy is written beside `destination` and renamed into place when complete.
  // IoError when it cannot be written; InvalidArgument when `destination` exists.
  Status Backup(const std::string& destination);

  // Agent tokens (schema v6). AddAgentToken stores the hash of a new token bound to
  // `server_id` and returns its public id; FailedPrecondition when that id is already taken
  // (draw another token). RevokeAgentTokens revokes the token with public id `id`, or every
  // valid token of `server_id` (exactly one of them non-empty); returns how many were revoked
  // (0: none matched or all already revoked).
  Result<std::string> AddAgentToken(const std::string& server_id, const std::string& hash_hex,
                                    int64_t now);
  Result<std::vector<AgentTokenInfo>> ListAgentTokens();
  Result<int> RevokeAgentTokens(const std::string& id, const std::string& server_id, int64_t now);
  // Authenticator: one indexed lookup of the token's hash per call (no cache), so a revoke
  // applies to the next call.
  Result<std::string> ServerIdOfToken(const std::string& token) override;

  // UsageSource. The ForEach* methods fold the rollups first (a short write transaction when
  // jobs are pending), then hold the store's lock while calling `fn`: `fn` must not call back
  // into this store. Rows come ordered by (period, device_id, user_id, area_um2) for months, by
  // (period, device_id, area_um2) for one user's days and by (period, user_id, area_um2) for one
  // device's days. ForEachMonthlyRow is a range scan of the monthly key; ForEachDailyRow one key
  // seek per day of the range (clamped to the days stored), the daily key leading with the day
  // so that folds append; ForEachDailyRowOfDevice one key seek per day and user of the device
  // (its users found in the monthly rollup), so that no index slows the folds down.
  Result<Inventory> LoadInventory() override;
  // DeliveryLog (schema v4): the addresses of `direction` sorted, and the sends log. A send is
  // recorded once (a second record of the same key changes nothing).
  Result<std::vector<std::string>> DirectionEmails(const std::string& direction) override;
  Result<bool> WasReportSent(const std::string& direction, int32_t month,
                             const std::string& recipient) override;
  Status RecordReportSent(const std::string& direction, int32_t month, const std::string& recipient,
                          int64_t sent_at_unix) override;
  Result<std::unordered_map<int64_t, std::string>> LoadUserNames() override;
  Status ForEachMonthlyRow(int32_t first_month, int32_t last_month,
                           const std::function<void(const RollupRow&)>& fn) override;
  Status ForEachDailyRow(int64_t user_id, Day first_day, Day last_day,
                         const std::function<void(const RollupRow&)>& fn) override;
  Status ForEachDailyRowOfDevice(int64_t device_id, Day first_day, Day last_day,
                                 const std::function<void(const RollupRow&)>& fn) override;

 private:
  struct Statements;  // the cached prepared statements, defined in sqlite_store.cc
  // Sums to add to one rollup row, keyed like that table's primary key: (day, user_id,
  // device_id, area_um2) for days, (month, device_id, user_id, area_um2) for months.
  struct RollupDelta {
    int64_t key[4];
    UsageSums sums;
  };
  // Heterogeneous lookup, so that finding a name does not allocate.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using IdMap = std::unordered_map<std::string, int64_t, StringHash, std::equal_to<>>;
  // The rollup_state row and the newest job id (0 without jobs).
  struct FoldState {
    int64_t folded = 0;  // rollups count exactly the jobs with id <= folded
    int64_t newest = 0;
    int64_t job_edits = 0;  // changes of unfolded jobs so far
  };

  SqliteStore(sqlite3* db, int schema_version);
  static Result<std::unique_ptr<SqliteStore>> OpenImpl(const std::string& path, int version);

  // The *Locked methods expect mu_ to be held.
  Status RequireSchemaLocked(int version) const;  // at least `version`
  Status RequireLatestSchemaLocked() const;
  // Runs `body` between BEGIN IMMEDIATE and COMMIT; rolls back when either fails.
  template <typename Body>
  Status InTransactionLocked(Body&& body);
  void RollbackLocked();
  Status ExecLocked(const char* sql);
  Status TouchServerLocked(const std::string& server, const std::string& agent_version, int64_t now,
                           int64_t* server_row);
  Status UserIdLocked(const std::string& name, int64_t* id);
  Status DeviceIdLocked(const std::string& server, IdMap& queues, const std::string& queue,
                        int64_t now, int64_t* id);
  // Points *max_id at the cached highest CUPS job id stored for the server (INT64_MIN: none).
  Status MaxCupsJobIdLocked(int64_t server_row, int64_t** max_id);
  Status FoldStateLocked(FoldState* state);
  // Whether pending_ holds the deltas of exactly the unfolded jobs of `state`.
  bool PendingDescribesLocked(const FoldState& state) const;
  // Folds inside the caller's write transaction; *reached is the new state.
  Status FoldInTransactionLocked(FoldState* reached);
  Status FlushPendingLocked();
  Status UpsertDeltasLocked(sqlite3_stmt* upsert, const std::vector<RollupDelta>& deltas);
  // Memory now describes the unfolded jobs of `state`: none, every job being folded.
  void ResetPendingLocked(const FoldState& state);
  // Memory no longer describes the unfolded jobs; the next fold reads the jobs table.
  void InvalidatePendingLocked();
  // Folds in a transaction of its own when jobs are pending.
  Status FoldLocked();
  // CommitJobs, inside its transaction, for a live record `job` whose duplicate, stored job
  // `job_id`, may come from page_log: if so, replaces it and moves its rollup contribution.
  // `folded` is the transaction's fold watermark.
  Status SupersedeLocked(int64_t job_id, const StoredJob& job, int64_t folded,
                         const std::string& server, int64_t server_row, IdMap& queues, int64_t now);
  Status InsertQuarantineLocked(const std::string& server, int64_t now,
                                const std::vector<QuarantinedRecord>& rejected);
  Status ReadMetaLocked(const char* key, std::string* value);
  Result<int64_t> CountLocked(const char* sql);
  // The smallest job id received at or after `since` (ids grow with received_at); the newest
  // id + 1 when none was.
  Status FirstJobReceivedSinceLocked(int64_t since, int64_t* id);
  Status ForEachRollupRowLocked(sqlite3_stmt* stmt,
                                const std::function<void(const RollupRow&)>& fn);

  std::mutex mu_;
  sqlite3* db_;
  const int schema_version_;  // the version this connection migrated to
  std::unique_ptr<Statements> stmts_;
  // Ids of rows that exist in the database; cleared whenever a transaction rolls back.
  IdMap user_ids_;
  std::unordered_map<std::string, IdMap, StringHash, std::equal_to<>> device_ids_;  // by server
  // servers.id -> highest cups_job_id stored, valid while the newest job id is
  // newest_job_seen_ (no other connection stored jobs since); also cleared on rollback.
  std::unordered_map<int64_t, int64_t> max_cups_job_ids_;
  int64_t newest_job_seen_ = -1;
  // Daily deltas of the jobs with pending_after_id_ < id <= pending_last_id_ (the jobs not yet
  // folded), as they were after pending_job_edits_ edits, when pending_valid_; appended to by
  // CommitJobs, emptied by each fold.
  std::vector<RollupDelta> pending_;
  bool pending_valid_ = false;
  int64_t pending_after_id_ = 0;
  int64_t pending_last_id_ = 0;
  int64_t pending_job_edits_ = 0;
  std::vector<RollupDelta> monthly_scratch_;  // reused by each fold
  int64_t unfolded_jobs_ = 0;                 // accepted by this connection since its last fold
};

}  // namespace ramette::aggregator

#endif  // RAMETTE_AGGREGATOR_STORE_SQLITE_STORE_H_
