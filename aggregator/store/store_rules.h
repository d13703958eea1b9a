// The storage rules every engine and fake applies, written once: when two records are the same
// job, what a duplicate does to the stored one, and what a job adds to the usage rollups.
// Core: no database here; the SQLite and PostgreSQL engines and tests/fakes call these.
#ifndef RAMETTE_AGGREGATOR_STORE_STORE_RULES_H_
#define RAMETTE_AGGREGATOR_STORE_STORE_RULES_H_

#include <cstdint>
#include <vector>

#include "aggregator/model/rollup.h"
#include "aggregator/model/stored_job.h"
#include "common/civil_time.h"
#include "common/job_record.h"

namespace ramette::aggregator::store {

// Whether two records of the same server and CUPS job id, completed at `a` and `b` (unix
// seconds), are one job: their completion times differ by at most kDuplicateWindowSeconds
// (a live capture and a page_log line of one job disagree by a few seconds).
inline bool SameJobCompletion(int64_t a, int64_t b) {
  const int64_t d = a > b ? a - b : b - a;
  return d <= model::kDuplicateWindowSeconds;
}

// What storing `incoming` does when a record of the same job, from `stored`, is already kept.
enum class DuplicateAction {
  kKeep,       // a resend, or a page_log copy after the live record: nothing changes
  kSupersede,  // a live record after its page_log copy: the stored job takes the live figures
};
DuplicateAction OnDuplicate(RecordSource stored, RecordSource incoming);

// Reprints. A job restarted in cupsd (Restart-Job, `lp -i ID -H restart`) prints again under its
// id, completes at a new time, and CUPS's job-impressions-completed then counts every run so far.
// Each run is a job row of its own, run 0, 1, 2...: two live records of one server, CUPS job id
// and (non-empty) job-uuid whose completion times differ are two runs, however close, and a
// run's impressions are CUPS's count less the impressions of the runs stored before it. The
// identity window (SameJobCompletion) applies within one run.
struct StoredRun {
  int32_t run = 0;
  int64_t completed_at = 0;
  int64_t impressions = 0;
};
struct RunDecision {
  int32_t run = 0;
  // A run not stored yet, after the stored ones: store it with `impressions` (its own).
  // Otherwise the record is the first run of the job or a resend of the stored run `run`, and
  // keeps its impressions (the store's duplicate rules apply).
  bool new_run = false;
  int64_t impressions = 0;
};
// `stored`: the live runs stored for the record's server, CUPS job id and job-uuid.
RunDecision DecideRun(const std::vector<StoredRun>& stored, int64_t completed_at,
                      int64_t cumulative_impressions);

// Whether an incoming record (its run, source and completion time) is the same job as a stored
// row of the same server and CUPS job id: completions within the window, and the same run, or
// either of them from a page_log (whose lines cannot tell the runs apart).
inline bool SameJob(int32_t stored_run, RecordSource stored_source, int64_t stored_completed_at,
                    int32_t run, RecordSource source, int64_t completed_at) {
  return SameJobCompletion(stored_completed_at, completed_at) &&
         (stored_run == run || stored_source == RecordSource::kPageLog ||
          source == RecordSource::kPageLog);
}

// The figures of a stored job that the rollups sum.
struct JobFigures {
  int64_t sheets = 0;
  int64_t impressions = 0;
  bool two_sided = false;
  bool color = false;
  bool media_known = true;
};
JobFigures FiguresOf(const model::StoredJob& job);

// What one job adds to the rollup rows of its key (DESIGN.md: sheets, two-sided and colour
// sheets, unknown media).
model::UsageSums SumsOfJob(const JobFigures& f);

// The key of a job's daily rollup row; its monthly row is (MonthIndexOfDay(day), device, user,
// area).
struct RollupKey {
  Day day = 0;
  int64_t user_id = 0;
  int64_t device_id = 0;
  int64_t area_um2 = 0;
};

// Sums to add to one rollup row. For monthly deltas `key.day` holds the MonthIndex.
struct RollupDelta {
  RollupKey key;
  model::UsageSums sums;
};

// The delta of storing a job under `key`.
RollupDelta AddedJobDelta(const RollupKey& key, const JobFigures& f);
// The deltas of a stored job moving from (old_key, old) to (new_key, now): its old row loses
// what it had, its new row gains what it has.
std::vector<RollupDelta> SupersedeDeltas(const RollupKey& old_key, const JobFigures& old,
                                         const RollupKey& new_key, const JobFigures& now);

// Daily deltas: sorted by (day, user, device, area), equal keys merged, zero sums dropped.
void MergeDailyDeltas(std::vector<RollupDelta>* deltas);
// The monthly deltas of merged or unmerged daily deltas: keyed (month, device, user, area) in
// RollupRow terms (key.day = MonthIndex), sorted by (month, device, user, area), merged, zero
// sums dropped.
std::vector<RollupDelta> MonthlyDeltasOf(const std::vector<RollupDelta>& daily);

bool IsZero(const model::UsageSums& u);

// The rollup row a delta adds up to on its own: its key (period = key.day, a day or a MonthIndex)
// and its sums.
model::RollupRow RollupRowOf(const RollupDelta& d);

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_STORE_RULES_H_
