// A validated job with the figures the aggregator derives from it at ingest: its local day in
// the organisation's time zone, its sheets (DESIGN.md's sheets rule) and its sheet area.
#ifndef RAMETTE_AGGREGATOR_MODEL_STORED_JOB_H_
#define RAMETTE_AGGREGATOR_MODEL_STORED_JOB_H_

#include <cstdint>

#include "common/civil_time.h"
#include "common/job_record.h"

namespace ramette::aggregator::model {

// Two records of the same server and CUPS job id whose completion times differ by at most this
// many seconds are the same job (a live capture and a page_log line disagree by a few seconds).
inline constexpr int64_t kDuplicateWindowSeconds = 300;

struct StoredJob {
  JobRecord record;
  Day local_day = 0;         // completion date in the organisation's time zone
  int64_t sheets = 0;        // copies x ceil(impressions per copy / sides)
  int64_t area_um2 = 0;      // sheet area in square micrometres (A4 when media is unknown)
  bool media_known = false;  // false: media missing or not recognised, counted as A4
  // 0 for a job's first (or only) run; 1, 2... for its reprints (store/store_rules.h DecideRun).
  int32_t run = 0;
  bool two_sided() const {
    return record.sides == Sides::kTwoSidedLongEdge || record.sides == Sides::kTwoSidedShortEdge;
  }
  bool color() const { return record.color_mode == ColorMode::kColor; }
};

}  // namespace ramette::aggregator::model

#endif  // RAMETTE_AGGREGATOR_MODEL_STORED_JOB_H_
