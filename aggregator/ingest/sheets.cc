// The sheets rule.
#include "aggregator/ingest/sheets.h"

namespace ramette::aggregator {

int64_t ComputeSheets(int64_t impressions, int32_t copies, Sides sides) {
  if (impressions <= 0) return 0;
  const int64_t s = (sides == Sides::kTwoSidedLongEdge || sides == Sides::kTwoSidedShortEdge) ? 2 : 1;
  if (copies < 1) copies = 1;
  if (impressions % copies != 0) return (impressions + s - 1) / s;
  const int64_t per_copy = impressions / copies;
  return copies * ((per_copy + s - 1) / s);
}

}  // namespace ramette::aggregator
