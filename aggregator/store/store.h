// The store contract: one database holding everything the aggregator keeps, cut into narrow
// parts (ingest, rollup reads, inventory and directory, the directory sync, report delivery,
// agent tokens, server status, whole tables for `store copy`, web accounts) plus what concerns the
// whole database (schema, time zone, maintenance). Two engines implement it: SQLite
// (store/sqlite_store.h, one file, the embedded default) and PostgreSQL (store/postgres_store.h,
// shared by several aggregators); store/open_store.h picks one from `--db`.
// tests/fakes/fake_store.h is the in-memory one. store/store_contract_test.cc runs the same cases
// against all three.
#ifndef RAMETTE_AGGREGATOR_STORE_STORE_H_
#define RAMETTE_AGGREGATOR_STORE_STORE_H_

#include <cstdint>
#include <string>

#include "aggregator/model/user_names.h"
#include "aggregator/store/account_store.h"
#include "aggregator/store/delivery_log.h"
#include "aggregator/store/directory_store.h"
#include "aggregator/store/inventory_store.h"
#include "aggregator/store/job_store.h"
#include "aggregator/store/status_store.h"
#include "aggregator/store/table_rows.h"
#include "aggregator/store/token_store.h"
#include "aggregator/store/usage_source.h"
#include "common/civil_time.h"
#include "common/status.h"

namespace ramette::aggregator::store {

// The parts live as long as the Store. Every method is thread-safe; several processes may open
// the same database at once (on SQLite a writer waits for another one for a while, then fails
// with Unavailable).
// Errors, everywhere: IoError (the database or file system failed), Unavailable (locked or
// unreachable: retrying may help), Corruption (not what ramette writes), FailedPrecondition
// (schema version mismatch: a database written by a newer ramette is refused untouched),
// InvalidArgument (bad arguments or rows).
class Store {
 public:
  virtual ~Store() = default;

  // Where the data lives, for people: a SQLite path, or a PostgreSQL URI without its password.
  virtual std::string Description() const = 0;
  // The database's schema version; -1 when it cannot be read.
  virtual int SchemaVersion() = 0;

  // Makes the stored data follow the organisation's time zone `tz`: when the zone stored with
  // the data differs (or none is stored and jobs exist), recomputes every job's local day in
  // `tz` and the rollups, then stores tz.name(), all in one transaction. Does nothing when
  // `tz` is already the stored zone. Called by the aggregator at start.
  virtual Status EnsureTimeZone(const TimeZone& tz) = 0;
  // The zone the stored local days were computed in; "" when none is stored (or on error).
  virtual std::string StoredTimeZone() = 0;
  // The user-name normalisation recorded with the data ([users], model/user_names.h); the
  // default rule (names compared as sent) when none is recorded. LoadInventory carries it too.
  virtual Result<model::UserNameRule> StoredUserNameRule() = 0;
  // Records `rule` (the aggregator at start, from [users]) for the command line and the readers.
  // Stored names are not rewritten: readers compare names after the rule.
  virtual Status SetUserNameRule(const model::UserNameRule& rule) = 0;
  // Maintenance by a writer (the aggregator when idle): brings the rollups up to date with the
  // stored jobs where the engine folds them lazily. Readers never need it.
  virtual Status FoldRollups() = 0;

  // A consistent copy of the whole database into the new file `destination`, while writers go
  // on; never overwrites (InvalidArgument when `destination` exists). FailedPrecondition on an
  // engine whose own tools do this (PostgreSQL: pg_dump).
  virtual Status Backup(const std::string& destination) = 0;

  // Diagnostics.
  virtual Result<int64_t> CountJobs() = 0;
  virtual Result<int64_t> CountQuarantined() = 0;

  // The parts.
  virtual JobStore& jobs() = 0;
  virtual UsageSource& usage() = 0;
  virtual InventoryStore& inventory() = 0;
  virtual DeliveryLog& delivery() = 0;
  virtual TokenStore& tokens() = 0;
  virtual StatusStore& status() = 0;
  // The directory sync's rows and record (schema v10).
  virtual DirectoryStore& directory() = 0;
  // Rows of whole tables, for `ramette store copy` (store/store_copy.h).
  virtual TableRows& table_rows() = 0;
  // The dashboard's web accounts (schema v12).
  virtual AccountStore& accounts() = 0;
};

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_STORE_H_
