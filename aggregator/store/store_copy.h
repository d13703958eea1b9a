// `ramette store copy`: moves an installation from one store to another (SQLite <-> PostgreSQL,
// or to a new file) through the TableRows part of each (store/table_rows.h). Core code: the
// tables, their order and keys, the conflict rule and the verification are written here once.
#ifndef RAMETTE_AGGREGATOR_STORE_STORE_COPY_H_
#define RAMETTE_AGGREGATOR_STORE_STORE_COPY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "aggregator/store/store.h"
#include "aggregator/store/table_rows.h"
#include "common/status.h"

namespace ramette::aggregator::store {

// The tables `store copy` copies, in copy order (referenced tables first), with their keys:
// meta (the time zone), servers, devices, users, papers, device_periods, user_directions,
// workstations, purchases, meter_devices, meter_readings, directory_syncs, direction_emails, jobs,
// quarantine, report_sends, agent_tokens, web_accounts. The rollups are not copied: each target
// derives them from the copied jobs.
const std::vector<CopyTable>& CopiedTables();
// Tables a store may hold that are not copied: the rollups and each engine's bookkeeping
// (SQLite's rollup_state, PostgreSQL's ramette_schema).
const std::vector<std::string>& DerivedTables();

struct CopyOptions {
  // Rows read, compared and inserted per batch; each batch that inserts is one transaction.
  size_t batch_rows = 5000;
  // Tests: stop as if killed once this many batches were committed (0: never).
  int64_t stop_after_batches = 0;
};

// The first row of the source whose key the target holds with other values.
struct CopyConflict {
  std::string table;
  std::string key;     // e.g. "name='prn-a'" or "id=42"
  std::string column;  // the first column that differs
  std::string source_value;
  std::string target_value;
  std::string ToString() const;
};

struct CopyReport {
  struct Table {
    std::string name;
    int64_t copied = 0;   // inserted by this run
    int64_t present = 0;  // already in the target with the same values
  };
  std::vector<Table> tables;
  int64_t copied = 0;
  int64_t present = 0;
  // Set when the copy stopped at a conflict: batches committed before it stay, nothing of the
  // conflicting batch was written.
  std::optional<CopyConflict> conflict;
  bool stopped_early = false;  // CopyOptions::stop_after_batches was reached
};

// Copies every row of CopiedTables() from `source` that `target` lacks, table by table in key
// order, in batches: rows the target already holds with the same values are skipped, so a
// second run copies nothing and a run after an interrupted one goes on where it stopped. A row
// whose primary or unique key the target holds with other values stops the copy (the report's
// conflict): nothing is ever merged. Then the target finishes (FinishCopy). Writes nothing to
// `source`. Errors: the stores' (store.h); FailedPrecondition when either store holds a table
// or column this code does not know (a newer schema), naming it.
Result<CopyReport> CopyStore(Store& source, Store& target, const CopyOptions& options = {});

// The indicators of a year on a store, as `ramette indicators --format json` prints them.
using IndicatorsJson = std::function<Result<std::string>(Store& store, int year)>;

struct VerifyReport {
  int tables = 0;          // tables whose row counts were compared
  std::vector<int> years;  // years whose indicators were compared (every year with jobs)
  std::string mismatch;    // empty when everything is identical; else what differs
};

// Compares the row counts of every copied table, then `indicators` for every year with jobs on
// either side, byte for byte; stops at the first difference (the report's mismatch).
Result<VerifyReport> VerifyCopy(Store& source, Store& target, const IndicatorsJson& indicators);

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_STORE_COPY_H_
