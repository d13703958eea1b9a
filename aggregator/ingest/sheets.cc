// The sheets rule.
#include "aggregator/ingest/sheets.h"

namespace ramette::aggregator::ingest {

int64_t ComputeSheets(const JobRecord& job) {
  const int64_t imp = job.impressions_completed;
  if (imp <= 0) return 0;
  const bool two_sided =
      job.sides == Sides::kTwoSidedLongEdge || job.sides == Sides::kTwoSidedShortEdge;
  const int64_t s = two_sided ? 2 : 1;
  const int64_t copies = job.copies < 1 ? 1 : job.copies;
  const int64_t per_copy_announced = job.job_impressions;
  auto ceil_div = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  // Whole copies: a job that completed (or whose end CUPS did not say) printed every copy; a job
  // stopped part-way did only when its count is exactly the announced copies. Otherwise the copy
  // boundaries come from the announced copy size, or, unknown, the job counts as one copy.
  const bool completed = job.state == JobState::kCompleted || job.state == JobState::kUnknown;
  if (imp % copies == 0 &&
      (completed || (per_copy_announced > 0 && imp == per_copy_announced * copies))) {
    return copies * ceil_div(imp / copies, s);
  }
  if (per_copy_announced > 0) {
    return (imp / per_copy_announced) * ceil_div(per_copy_announced, s) +
           ceil_div(imp % per_copy_announced, s);
  }
  return ceil_div(imp, s);
}

}  // namespace ramette::aggregator::ingest
