// SqliteStore: the SQLite engine of the store contract (store/store.h): one database file in
// WAL mode with versioned migrations, holding jobs, the quarantine, the inventory and directory,
// the usage rollups, report sends, agent tokens, server status and web accounts.
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

#include "aggregator/model/direction_contacts.h"
#include "aggregator/model/inventory.h"
#include "aggregator/model/rollup.h"
#include "aggregator/store/store.h"
#include "aggregator/store/store_rules.h"
#include "common/civil_time.h"
#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ramette::aggregator::store {

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
// kFoldEveryJobs accepted jobs; a fold reads the jobs table when memory does not hold the pending
// jobs (e.g. they came from another process). Readers never write: they add the
// jobs stored after the watermark to the rollup rows at read time (from memory in the writing
// connection, from the jobs table elsewhere), so a reader sees every stored job and needs no
// write access, while the ingest path pays for little more than the job's row.
// A stored job whose figures change (a live record superseding its page_log copy) moves in the
// rollups at once when it is folded, and otherwise through the pending sums (and
// rollup_state.job_edits, which tells the other connections that theirs are stale).
class SqliteStore final : public Store,
                          public JobStore,
                          public UsageSource,
                          public InventoryStore,
                          public DeliveryLog,
                          public TokenStore,
                          public StatusStore,
                          public DirectoryStore,
                          public TableRows,
                          public AccountStore {
 public:
  // The schema version this code creates and reads (PRAGMA user_version).
  static constexpr int kLatestSchemaVersion = 15;
  // How long a write waits for another connection's write transaction.
  static constexpr int kBusyTimeoutMs = 10000;
  // CommitJobs folds the rollups once this many jobs were accepted since the last fold.
  static constexpr int64_t kFoldEveryJobs = 50000;

  // Opens the database at `path` (creating it, in an existing folder, when `create` is true)
  // and upgrades it to kLatestSchemaVersion, one transaction per migration step. Before any
  // write it checks that the file is a ramette database: a SQLite database of another program,
  // a file that is not SQLite, a database written by a newer ramette (higher schema version)
  // and, when `create` is false, an empty (zero-byte) file are refused with FailedPrecondition
  // and left byte-for-byte unchanged.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path, bool create = true);
  // PRAGMA application_id of the databases ramette creates ("RAMT").
  static constexpr int32_t kApplicationId = 0x52414D54;
  // Tests only: like Open but migrates only up to `version` (1..kLatestSchemaVersion), to test
  // later migrations. A store below the latest version serves SchemaVersion, the counts, the
  // papers, users and workstations imports and UpsertQueues; the other methods (devices import,
  // LoadInventory, jobs and rollups) fail with FailedPrecondition.
  static Result<std::unique_ptr<SqliteStore>> OpenAtSchemaVersionForTest(const std::string& path,
                                                                         int version);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Store. The parts are this object.
  std::string Description() const override { return path_; }
  int SchemaVersion() override;
  Status EnsureTimeZone(const TimeZone& tz) override;
  std::string StoredTimeZone() override;
  Result<model::UserNameRule> StoredUserNameRule() override;
  Status SetUserNameRule(const model::UserNameRule& rule) override;
  // Adds the jobs stored since the last fold to both rollups, in one write transaction. The
  // aggregator calls it when idle; readers never need it.
  Status FoldRollups() override;
  Result<int64_t> CountJobs() override;
  Result<int64_t> CountQuarantined() override;
  JobStore& jobs() override { return *this; }
  UsageSource& usage() override { return *this; }
  InventoryStore& inventory() override { return *this; }
  DeliveryLog& delivery() override { return *this; }
  TokenStore& tokens() override { return *this; }
  StatusStore& status() override { return *this; }
  DirectoryStore& directory() override { return *this; }
  TableRows& table_rows() override { return *this; }
  AccountStore& accounts() override { return *this; }

  // InventoryStore.
  Status UpsertPapers(const std::vector<model::Paper>& papers) override;
  Status UpsertDeviceBatches(const DeviceBatches& devices) override;
  Status ReplaceUserDirectionBatches(const UserDirectionBatches& rows) override;
  Status UpsertWorkstationBatches(const WorkstationBatches& counts) override;
  Status ReplacePurchaseBatches(const PurchaseBatches& rows) override;
  Status UpsertMeterReadingBatches(const MeterReadingBatches& rows) override;
  Status ReplaceDirectionContacts(const std::vector<model::DirectionContacts>& rows) override;
  Result<std::vector<std::string>> KnownPaperIds() override;

  // AccountStore (schema v12).
  Status AddAccount(const WebAccount& account) override;
  Result<std::optional<WebAccount>> FindAccount(const std::string& name) override;
  Result<std::vector<WebAccount>> ListAccounts() override;
  Result<bool> RemoveAccount(const std::string& name) override;
  Result<bool> SetAccountPassword(const std::string& name, const std::string& hash,
                                  int64_t now) override;

  // DirectoryStore (schema v10).
  Result<std::vector<StoredUserRow>> LoadUserRows() override;
  Status ApplyDirectorySync(const DirectoryChanges& changes) override;
  Result<std::optional<DirectorySyncRecord>> LastDirectorySync() override;

  // JobStore. CommitJobs is durable (synchronous=FULL) when it returns OK.
  Result<std::vector<std::vector<StoredRun>>> LoadRuns(const std::string& server_id,
                                                       const std::vector<RunKey>& keys) override;
  Result<std::vector<StoreOutcome>> CommitJobs(
      const std::string& server_id, const std::string& agent_version,
      const std::vector<model::StoredJob>& jobs,
      const std::vector<QuarantinedRecord>& rejected) override;
  Status UpsertQueues(const std::string& server_id, const std::string& agent_version,
                      const std::vector<QueueRecord>& queues) override;
  Status RecordAgentStatus(const std::string& server_id, const std::string& agent_version,
                           const AgentStatusReport& status, int64_t now) override;

  // StatusStore.
  Result<std::vector<ServerStatus>> ServerStatuses(const StatusPeriods& periods,
                                                   bool count_jobs) override;
  // SQLite only: copies the whole database into a new file `destination` with SQLite's online
  // backup, while other connections (a running aggregator) go on writing: the copy is a
  // consistent snapshot. The copy (mode 0600) is written beside `destination` and renamed into
  // place when complete, never over anything: InvalidArgument when `destination` exists (of any
  // kind, even a dangling link, or created during the copy); IoError when it cannot be written.
  Status Backup(const std::string& destination) override;

  // TokenStore (schema v6).
  Result<std::string> AddAgentToken(const std::string& server_id, const std::string& hash_hex,
                                    int64_t now) override;
  Result<std::vector<AgentTokenInfo>> ListAgentTokens() override;
  Result<int> RevokeAgentTokens(const std::string& id, const std::string& server_id,
                                int64_t now) override;
  Result<std::string> ServerIdOfToken(const std::string& token) override;

  // DeliveryLog (schema v4).
  Result<std::vector<std::string>> DirectionEmails(const std::string& direction) override;
  Result<bool> WasReportSent(const std::string& direction, int32_t month,
                             const std::string& recipient) override;
  Status RecordReportSent(const std::string& direction, int32_t month, const std::string& recipient,
                          int64_t sent_at_unix) override;

  // UsageSource. Each ForEach* call reads in one read transaction: the rollup rows up to the
  // fold watermark merged with the deltas of the newer jobs (see the class comment). It holds
  // the store's lock while calling `fn`. ForEachMonthlyRow is a range scan of the monthly key;
  // ForEachDailyRow one key seek per day of the range (clamped to the days stored), the daily
  // key leading with the day so that folds append; ForEachDailyRowOfDevice one key seek per day
  // and user of the device (its users found in the monthly rollup), so that no index slows the
  // folds down.
  Result<model::Inventory> LoadInventory() override;
  Result<std::unordered_map<int64_t, std::string>> LoadUserNames() override;
  Status ForEachMonthlyRow(int32_t first_month, int32_t last_month,
                           const std::function<void(const model::RollupRow&)>& fn) override;
  Status ForEachDailyRow(int64_t user_id, Day first_day, Day last_day,
                         const std::function<void(const model::RollupRow&)>& fn) override;
  Status ForEachDailyRowOfDevice(int64_t device_id, Day first_day, Day last_day,
                                 const std::function<void(const model::RollupRow&)>& fn) override;
  Status ForEachLargeJob(int64_t min_sheets, Day first_day, Day last_day,
                         const std::function<void(const model::LargeJob&)>& fn) override;
  Result<std::vector<model::MeterReading>> LoadMeterReadings() override;
  // Two key seeks per device of meter_devices (schema v14).
  Result<std::vector<model::MeterCounters>> LoadMeterCounters(Day start, Day end) override;
  Result<std::vector<model::Purchase>> LoadPurchases(Day first_day, Day last_day) override;

  // TableRows (store copy). InsertRows into jobs leaves the new jobs to the next fold (the
  // watermark stays below them; when a copied id is at or below it, the rollups are cleared
  // and refolded whole); FinishCopy folds.
  Result<std::vector<std::string>> TableNames() override;
  Result<std::vector<std::string>> ColumnNames(const CopyTable& table) override;
  Result<std::vector<CopyRow>> ReadRows(const CopyTable& table, const CopyRow& after,
                                        const CopyRow& through, size_t limit) override;
  Result<std::vector<CopyRow>> FindRows(const CopyTable& table, const std::vector<size_t>& columns,
                                        const CopyRow& values, size_t limit) override;
  Result<int64_t> CountRows(const CopyTable& table) override;
  Result<size_t> InsertRows(const CopyTable& table, const std::vector<CopyRow>& rows) override;
  Status FinishCopy() override;

 private:
  struct Statements;  // the cached prepared statements, defined in sqlite_store_internal.h
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

  SqliteStore(sqlite3* db, std::string path, int schema_version);
  static Result<std::unique_ptr<SqliteStore>> OpenImpl(const std::string& path, int version,
                                                       bool create);

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
  // Adds the jobs with id > `after` to both rollups, read from the jobs table in chunks.
  Status FoldFromJobsLocked(int64_t after);
  // Upserts merged deltas (store_rules.h) into rollup_daily or rollup_monthly.
  Status UpsertDeltasLocked(sqlite3_stmt* upsert, const std::vector<RollupDelta>& deltas,
                            bool monthly);
  // The merged daily deltas of the jobs not yet folded in `state` (from memory when it
  // describes them, else from the jobs table), for readers; writes nothing.
  Status UnfoldedDeltasLocked(const FoldState& state, std::vector<RollupDelta>* daily);
  // Calls `fn` for the rows of `stmt` (rollup columns) merged with `tail` (deltas in the same
  // order, keyed for that table), in order: the readers' view of stored jobs.
  template <typename Less>
  Status ForEachMergedRowLocked(sqlite3_stmt* stmt, const std::vector<RollupDelta>& tail, Less less,
                                const std::function<void(const model::RollupRow&)>& fn);
  // Memory now describes the unfolded jobs of `state`: none, every job being folded.
  void ResetPendingLocked(const FoldState& state);
  // Memory no longer describes the unfolded jobs; the next fold reads the jobs table.
  void InvalidatePendingLocked();
  // Folds in a transaction of its own when jobs are pending.
  Status FoldLocked();
  // CommitJobs, inside its transaction, for a live record `job` whose duplicate, stored job
  // `job_id`, may come from page_log: if so, replaces it and moves its rollup contribution.
  // `folded` is the transaction's fold watermark.
  Status SupersedeLocked(int64_t job_id, const model::StoredJob& job, int64_t folded,
                         const std::string& server, int64_t server_row, IdMap& queues, int64_t now);
  Status InsertQuarantineLocked(const std::string& server, int64_t now,
                                const std::vector<QuarantinedRecord>& rejected);
  Status ReadMetaLocked(const char* key, std::string* value);
  Result<model::UserNameRule> StoredUserNameRuleLocked();
  Result<int64_t> CountLocked(const char* sql);
  // The smallest job id received at or after `since` (ids grow with received_at); the newest
  // id + 1 when none was.
  Status FirstJobReceivedSinceLocked(int64_t since, int64_t* id);

  std::mutex mu_;
  sqlite3* db_;
  const std::string path_;
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
  int64_t unfolded_jobs_ = 0;  // accepted by this connection since its last fold
};

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_SQLITE_STORE_H_
