// PostgresStore: the store contract on a PostgreSQL database through libpq, shared by several
// aggregators. The database enforces exactly-once (an exclusion constraint on the job identity)
// and the rollups are updated in the jobs' own transaction.
#ifndef RAMETTE_AGGREGATOR_STORE_POSTGRES_STORE_H_
#define RAMETTE_AGGREGATOR_STORE_POSTGRES_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "aggregator/store/store.h"
#include "aggregator/store/store_rules.h"
#include "common/status.h"

typedef struct pg_conn PGconn;

namespace ramette::aggregator::store {

// One connection to one database, every call serialised by a mutex (open one store per thread
// that should write in parallel). Every public method is thread-safe and not re-entrant.
// Several processes may use the same database at once: job identity, rollups, quarantine and
// ids are kept right by the database's constraints, never by a read-then-write in one process.
// Errors map PostgreSQL's SQLSTATE: Unavailable for a lost or refused connection, a server
// shutting down or out of resources, a serialisation failure or deadlock (retry); InvalidArgument
// for credentials, a missing database or missing privileges (configuration); FailedPrecondition
// for schema mismatches; IoError otherwise. Every message names the database by its URI without
// the password (RedactedUri).
//
// Unlike SqliteStore, rollups are not folded lazily: CommitJobs adds each batch's deltas
// (store_rules.h) to both rollup tables in its own transaction, so FoldRollups does nothing and
// readers only read.
class PostgresStore final : public Store,
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
  // The schema version this code creates and reads; the same numbering as SqliteStore's.
  static constexpr int kLatestSchemaVersion = 15;
  // A CommitJobs that meets a deadlock or serialisation failure is run again up to this many
  // times before it fails with Unavailable.
  static constexpr int kCommitAttempts = 4;

  // Connects to `uri` (a libpq URI such as postgresql://user@host/db) and upgrades the schema
  // to kLatestSchemaVersion, one transaction per step under an advisory lock (several
  // aggregators may start at once). An empty database is initialised only when
  // `create_if_empty`, otherwise FailedPrecondition ("not a ramette database"); so is a
  // non-empty database without ramette's version table, and a database of a newer schema
  // version. A refused database is left untouched.
  static Result<std::unique_ptr<PostgresStore>> Open(const std::string& uri, bool create_if_empty);
  // Tests only: like Open(uri, true) but migrates only up to `version` (1..latest). Such a store
  // serves SchemaVersion and the counts; the other methods may fail with FailedPrecondition.
  static Result<std::unique_ptr<PostgresStore>> OpenAtSchemaVersionForTest(const std::string& uri,
                                                                           int version);

  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // Store.
  std::string Description() const override;
  int SchemaVersion() override;
  Status EnsureTimeZone(const TimeZone& tz) override;
  std::string StoredTimeZone() override;
  Result<model::UserNameRule> StoredUserNameRule() override;
  Status SetUserNameRule(const model::UserNameRule& rule) override;
  // Nothing to do: the rollups follow every commit.
  Status FoldRollups() override;
  // PostgreSQL's own tools do this (pg_dump): FailedPrecondition saying so.
  Status Backup(const std::string& destination) override;
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

  // JobStore. One transaction per call: the new jobs in one multi-row INSERT ... ON CONFLICT DO
  // NOTHING (the exclusion constraint on server, CUPS job id and completion within
  // kDuplicateWindowSeconds decides what is a duplicate, across aggregators), the supersedes,
  // the rollup deltas (sorted keys, so that writers cannot deadlock on them) and the quarantine.
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

  // UsageSource: each call reads in one REPEATABLE READ READ ONLY transaction. Rows come ordered
  // by (period, device_id, user_id, area_um2) for months, (period, device_id, area_um2) for one
  // user's days and (period, user_id, area_um2) for one device's days.
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
  // Two index seeks per device of meter_devices (schema v14).
  Result<std::vector<model::MeterCounters>> LoadMeterCounters(Day start, Day end) override;
  Result<std::vector<model::Purchase>> LoadPurchases(Day first_day, Day last_day) override;

  // InventoryStore.
  Status UpsertPapers(const std::vector<model::Paper>& papers) override;
  Status UpsertDeviceBatches(const DeviceBatches& devices) override;
  Status ReplaceUserDirectionBatches(const UserDirectionBatches& rows) override;
  Status UpsertWorkstationBatches(const WorkstationBatches& counts) override;
  Status ReplacePurchaseBatches(const PurchaseBatches& rows) override;
  Status UpsertMeterReadingBatches(const MeterReadingBatches& rows) override;
  Status ReplaceDirectionContacts(const std::vector<model::DirectionContacts>& rows) override;
  Result<std::vector<std::string>> KnownPaperIds() override;

  // DeliveryLog.
  Result<std::vector<std::string>> DirectionEmails(const std::string& direction) override;
  Result<bool> WasReportSent(const std::string& direction, int32_t month,
                             const std::string& recipient) override;
  Status RecordReportSent(const std::string& direction, int32_t month, const std::string& recipient,
                          int64_t sent_at_unix) override;

  // TokenStore.
  Result<std::string> AddAgentToken(const std::string& server_id, const std::string& hash_hex,
                                    int64_t now) override;
  Result<std::vector<AgentTokenInfo>> ListAgentTokens() override;
  Result<int> RevokeAgentTokens(const std::string& id, const std::string& server_id,
                                int64_t now) override;
  Result<std::string> ServerIdOfToken(const std::string& token) override;

  // AccountStore (schema v12). One statement each: its own transaction.
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

  // StatusStore.
  Result<std::vector<ServerStatus>> ServerStatuses(const StatusPeriods& periods,
                                                   bool count_jobs) override;

  // TableRows (store copy). Text keys are ordered by the "C" collation (bytewise, as SQLite);
  // InsertRows adds inserted jobs to the rollups and moves the table's identity sequence past
  // the inserted ids, in the batch's transaction.
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
  class Conn;  // the libpq connection and its helpers, in postgres_store_internal.h
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using IdMap = std::unordered_map<std::string, int64_t, StringHash, std::equal_to<>>;

  PostgresStore(std::unique_ptr<Conn> conn, std::string redacted_uri, int schema_version);
  static Result<std::unique_ptr<PostgresStore>> OpenImpl(const std::string& uri, int version,
                                                         bool create_if_empty);

  // The *Locked methods expect mu_ to be held.
  Result<model::UserNameRule> StoredUserNameRuleLocked();
  Status RequireSchemaLocked(int version) const;
  // Reconnects when the connection was lost.
  Status ReadyLocked();
  // Runs `body` between BEGIN and COMMIT; rolls back (and forgets cached ids) when either fails.
  template <typename Body>
  Status InTransactionLocked(Body&& body);
  // Runs `body` in a REPEATABLE READ READ ONLY transaction.
  template <typename Body>
  Status InReadLocked(Body&& body);
  Status CommitJobsOnceLocked(const std::string& server_id, const std::string& agent_version,
                              const std::vector<model::StoredJob>& jobs,
                              const std::vector<QuarantinedRecord>& rejected,
                              std::vector<StoreOutcome>* outcomes);
  Status TouchServerLocked(const std::string& server, const std::string& agent_version, int64_t now,
                           int64_t* server_row);
  // Ids of `names` (users), created when missing; sorted upserts.
  Status UserIdsLocked(const std::vector<std::string_view>& names, std::vector<int64_t>* ids);
  // Ids of the queues `names` of `server`, registered as unclassified devices when missing.
  Status DeviceIdsLocked(const std::string& server, const std::vector<std::string_view>& names,
                         int64_t now, std::vector<int64_t>* ids);
  Status ApplyRollupDeltasLocked(std::vector<RollupDelta> daily);
  Status InsertQuarantineLocked(const std::string& server, int64_t now,
                                const std::vector<QuarantinedRecord>& rejected);
  // Stores `rows` meter readings given as array literals (schema v15), their devices first.
  Status UpsertMeterReadingsByIdLocked(size_t rows, std::string servers, std::string queues,
                                       std::string dates, std::string totals, std::string counters);
  // Streams the rollup rows of `sql` (prepared once per session as `name`).
  Status ForEachRollupRowLocked(const char* name, const char* sql,
                                const std::vector<std::string>& params,
                                const std::function<void(const model::RollupRow&)>& fn);
  Result<int64_t> CountLocked(const char* sql);

  std::mutex mu_;
  std::unique_ptr<Conn> conn_;
  const std::string uri_;  // redacted
  const int schema_version_;
  // Ids of rows known to exist; cleared whenever a transaction rolls back.
  IdMap user_ids_;
  std::unordered_map<std::string, IdMap, StringHash, std::equal_to<>> device_ids_;  // by server
};

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_POSTGRES_STORE_H_
