// `ramette directory sync`: read the directory through a DirectoryReader, plan with
// sync_plan.h's rules against the stored users rows, check the safety guard, and apply the plan
// in one store transaction (or, dry run, only describe it). Core: the store and the directory
// come in as interfaces.
#ifndef RAMETTE_AGGREGATOR_DIRECTORY_DIRECTORY_SYNC_H_
#define RAMETTE_AGGREGATOR_DIRECTORY_DIRECTORY_SYNC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "aggregator/directory/directory_reader.h"
#include "aggregator/directory/directory_settings.h"
#include "aggregator/directory/sync_plan.h"
#include "aggregator/store/store.h"
#include "common/civil_time.h"
#include "common/status.h"

namespace ramette::aggregator::directory {

struct SyncOptions {
  Day date = 0;          // the sync date: rows open and close at it (today, organisation's zone)
  int64_t now = 0;       // unix seconds, recorded
  bool dry_run = false;  // plan and describe; write nothing
  bool force = false;    // apply even beyond max_close_share
};

struct SyncOutcome {
  DirectorySnapshot snapshot;
  SyncPlan plan;
  bool applied = false;  // false: dry run, or stopped by the guard
  // Not OK when the guard stopped the sync (CheckCloseShare's FailedPrecondition): nothing was
  // written.
  Status guard;
};

// The whole sync. On any error nothing was written: the directory read failed (its Status), the
// stored rows could not be read, or the store refused the plan. When the guard stops it (more
// than max_close_share closed, without options.force) the outcome holds the plan and
// `guard`, and nothing was written either. A plan with nothing to change still records
// the sync (its date and counts) but writes no users or workstations row.
Result<SyncOutcome> RunDirectorySync(store::Store& store, DirectoryReader& reader,
                                     const DirectorySettings& settings, const SyncOptions& options);

// The rule settings give (direction_attribute and [directory.directions]).
DirectionRule DirectionRuleOf(const DirectorySettings& settings);

// The outcome for people: one line per change (added, moved, closed, unmapped, skipped by DN,
// overridden by CSV), then the totals. Values are made safe for a terminal (ForLog).
std::string FormatSyncOutcome(const SyncOutcome& outcome);

}  // namespace ramette::aggregator::directory

#endif  // RAMETTE_AGGREGATOR_DIRECTORY_DIRECTORY_SYNC_H_
