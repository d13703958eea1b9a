// DESIGN.md's sheets rule: sheets = copies x ceil(impressions per copy / s), s = 2 for two-sided
// jobs and 1 otherwise, from job-impressions-completed (all copies, N-up already applied).
#ifndef RAMETTE_AGGREGATOR_INGEST_SHEETS_H_
#define RAMETTE_AGGREGATOR_INGEST_SHEETS_H_

#include <cstdint>

#include "common/job_record.h"

namespace ramette::aggregator::ingest {

// The sheets a finished job actually printed. With I = impressions_completed, c = copies,
// P = job_impressions (one copy's impressions, 0 when unknown):
// - I a whole multiple of c, and the job completed (or P unknown, or I == P x c):
//   c x ceil((I / c) / s), DESIGN.md's rule;
// - otherwise, with P known (a job cancelled or aborted part-way): the full copies and the
//   partial one, (I / P) x ceil(P / s) + ceil((I mod P) / s);
// - otherwise the copy boundaries are unknown: ceil(I / s), as if it were one copy.
// Assumes a validated record (I >= 0, c >= 1).
int64_t ComputeSheets(const JobRecord& job);

}  // namespace ramette::aggregator::ingest

#endif  // RAMETTE_AGGREGATOR_INGEST_SHEETS_H_
