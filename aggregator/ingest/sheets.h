// DESIGN.md's sheets rule: sheets = copies x ceil(impressions per copy / s), s = 2 for two-sided
// jobs and 1 otherwise, from job-impressions-completed (all copies, N-up already applied).
#ifndef RAMETTE_AGGREGATOR_INGEST_SHEETS_H_
#define RAMETTE_AGGREGATOR_INGEST_SHEETS_H_

#include <cstdint>

#include "common/job_record.h"

namespace ramette::aggregator {

// `impressions` >= 0 and `copies` >= 1 (validated before). When impressions are not a whole
// multiple of copies (a multi-copy job interrupted mid-copy) the copy boundaries are unknown:
// the job then counts ceil(impressions / s), as if it were one copy.
int64_t ComputeSheets(int64_t impressions, int32_t copies, Sides sides);

}  // namespace ramette::aggregator

#endif  // RAMETTE_AGGREGATOR_INGEST_SHEETS_H_
