// What a backfill would send, summed up per year and queue: `ramette-agent backfill --dry-run`
// prints it instead of connecting to the aggregator.
#ifndef RAMETTE_AGENT_BACKFILL_BACKFILL_SUMMARY_H_
#define RAMETTE_AGENT_BACKFILL_BACKFILL_SUMMARY_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "common/civil_time.h"
#include "common/job_record.h"

namespace ramette::agent {

// Jobs, impressions and sheets per (year, queue). Sheets follow DESIGN.md's rule with the
// record's copies (1 for page_log records): copies x ceil(impressions per copy / s), s = 2 for
// two-sided jobs. A job's year is that of its completion time in `zone` (the organisation's
// time zone, as the aggregator counts it). Not thread-safe.
class BackfillSummary {
 public:
  struct Totals {
    int64_t jobs = 0;
    int64_t impressions = 0;
    int64_t sheets = 0;
  };

  explicit BackfillSummary(TimeZone zone) : zone_(std::move(zone)) {}

  void Add(const JobRecord& record);

  // Per (year, queue), in year then queue order.
  const std::map<std::pair<int, std::string>, Totals>& rows() const { return rows_; }
  Totals total() const { return total_; }

  // A table for a person: one row per year and queue, a subtotal per year, the grand total.
  std::string Format() const;

 private:
  TimeZone zone_;
  std::map<std::pair<int, std::string>, Totals> rows_;
  Totals total_;
};

// DESIGN.md's sheets of one record: copies x ceil(impressions per copy / s), s = 2 when
// two-sided. Impressions are the record's impressions_completed (all copies).
int64_t SheetsOf(const JobRecord& record);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_BACKFILL_BACKFILL_SUMMARY_H_
