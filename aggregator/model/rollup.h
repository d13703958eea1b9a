// Usage rollups: sums of finished jobs keyed only by what imports cannot change (device, user,
// period, sheet area), so that the inventory and directory can be joined at query time.
#ifndef RAMETTE_AGGREGATOR_MODEL_ROLLUP_H_
#define RAMETTE_AGGREGATOR_MODEL_ROLLUP_H_

#include <cstdint>
#include <string>

#include "common/civil_time.h"

namespace ramette::aggregator::model {

// Sums over the jobs of one key. Sheets follow DESIGN.md's sheets rule.
struct UsageSums {
  int64_t jobs = 0;
  int64_t sheets = 0;
  int64_t impressions = 0;
  int64_t two_sided_sheets = 0;    // sheets of two-sided jobs
  int64_t color_sheets = 0;        // sheets of colour jobs
  int64_t unknown_media_jobs = 0;  // jobs whose media was unknown (counted as A4)
  int64_t unknown_media_sheets = 0;

  void Add(const UsageSums& o) {
    jobs += o.jobs;
    sheets += o.sheets;
    impressions += o.impressions;
    two_sided_sheets += o.two_sided_sheets;
    color_sheets += o.color_sheets;
    unknown_media_jobs += o.unknown_media_jobs;
    unknown_media_sheets += o.unknown_media_sheets;
  }
};

// The area of an A0 sheet (841 x 1189 mm), in square micrometres. A job on a larger sheet is
// counted as printed (its mass may be real: plotters exist) and flagged in data quality, since
// it is more often a bogus custom size that adds tonnes to a year.
inline constexpr int64_t kA0AreaUm2 = int64_t{841} * 1189 * 1000 * 1000;

// One rollup row. `period` is a Day (daily rollup) or a MonthIndex (monthly rollup).
struct RollupRow {
  int64_t device_id = 0;
  int64_t user_id = 0;  // store id of the user name; the empty name has an id too
  int32_t period = 0;
  int64_t area_um2 = 0;  // sheet area in square micrometres
  UsageSums sums;
};

// One stored job of many sheets (UsageSource::ForEachLargeJob), for data quality: a job that
// big is counted like any other but may be a mistake (a loop, a wrong copy count).
struct LargeJob {
  int64_t device_id = 0;
  int64_t user_id = 0;
  Day day = 0;  // the job's local day
  int64_t sheets = 0;
};

}  // namespace ramette::aggregator::model

#endif  // RAMETTE_AGGREGATOR_MODEL_ROLLUP_H_
