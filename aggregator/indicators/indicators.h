// The yearly paper indicators I1-I5 (DESIGN.md "The indicators it exists for") for the
// organisation and each direction, with their supporting figures and data-quality counts.
#ifndef RAMETTE_AGGREGATOR_INDICATORS_INDICATORS_H_
#define RAMETTE_AGGREGATOR_INDICATORS_INDICATORS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aggregator/indicators/paper_sources.h"
#include "aggregator/store/usage_source.h"
#include "common/status.h"

namespace ramette::aggregator::indicators {

struct ScopeUsage;  // usage_attribution.h

// The figures of one scope for year N. Indicators are empty (null) when their base is zero
// or missing, never 0 or infinity. Masses exclude print-shop devices unless named otherwise.
struct ScopeFigures {
  std::string direction;  // empty for the organisation

  std::optional<double> paper_change_pct;             // I1, vs N-1, excluding print shop
  std::optional<double> recycled_share_pct;           // I2, all devices
  std::optional<double> desktop_printers_change_pct;  // I3, 31 Dec N vs 31 Dec N-1
  std::optional<double> mfp_change_pct;               // I4, the same for mfp devices
  std::optional<double> kg_per_workstation;           // I5, paper_kg / workstations

  double paper_kg = 0;                  // N, excluding print shop
  double paper_kg_all_devices = 0;      // N, print shop included
  int64_t sheets = 0;                   // N, excluding print shop (consistent with paper_kg)
  int64_t sheets_all_devices = 0;       // N, print shop included
  std::optional<int64_t> workstations;  // latest count dated on or before 31 Dec N
  int64_t desktop_printers = 0;         // in service on 31 Dec N
  int64_t mfps = 0;                     // in service on 31 Dec N

  double paper_kg_previous_year = 0;           // I1's base: N-1, excluding print shop
  double recycled_kg = 0;                      // I2's numerator: N, all devices
  int64_t desktop_printers_previous_year = 0;  // I3's base: 31 Dec N-1
  int64_t mfps_previous_year = 0;              // I4's base: 31 Dec N-1

  // Data quality, year N: jobs with unknown media (counted as A4), jobs on unclassified
  // devices (counted as `other` on the default stock), jobs whose user had no direction on
  // the job's date (attributed to the device's direction or `unassigned`).
  int64_t unknown_media_jobs = 0;
  int64_t jobs_on_unclassified_devices = 0;
  int64_t jobs_without_user_direction = 0;
  // Jobs on sheets larger than A0 (counted, but likely a bogus custom size).
  int64_t oversized_media_jobs = 0;
  // Jobs of at least IndicatorReport::large_job_sheets sheets (counted, but worth a look).
  int64_t large_jobs = 0;

  // What the law measures (DESIGN.md): the purchases of year N naming this scope (the
  // organisation: every row), coverage against paper_kg_all_devices; and the meter readings of
  // its devices (a device's direction is that of its service period on 31 Dec N).
  PurchaseFigures purchases;
  MeterFigures meters;
};

// Which source I1 and I2 (paper_change_pct, recycled_share_pct) take ([indicators]
// paper_source): the paper printed (default) or the paper bought.
enum class PaperSource { kPrinting, kPurchases };
// "printing", "purchases".
std::string_view PaperSourceName(PaperSource s);

struct IndicatorOptions {
  PaperSource paper_source = PaperSource::kPrinting;
  // [indicators] large_job_sheets: data quality counts the jobs of at least this many sheets
  // (at least store::kLargeJobMinSheets).
  int64_t large_job_sheets = store::kDefaultLargeJobSheets;
};

struct IndicatorReport {
  int year = 0;
  ScopeFigures organisation;  // all jobs and all devices
  // Every direction named by the inventory, the directory or the workstation counts, sorted
  // by byte order, then `unassigned` when it has jobs in N or N-1 (or is named).
  std::vector<ScopeFigures> directions;
  // Data quality: the queues agents reported that the devices import has not classified yet,
  // as "server/queue", sorted by byte order, each once. Whatever the year and direction.
  std::vector<std::string> unclassified_queues;
  // The source of every scope's paper_change_pct and recycled_share_pct.
  PaperSource paper_source = PaperSource::kPrinting;
  // The threshold of ScopeFigures::large_jobs.
  int64_t large_job_sheets = store::kDefaultLargeJobSheets;
};

// Computes the report of `year` from `source`: one pass over the monthly rollup rows of N-1
// and N (plus the daily rows of the user-months where a user changes direction and of the
// device-months where a device's service period changes, see AttributeUsage), the inventory
// and the directory as they are now. I3 and I4 count the classified device rows (service
// periods) in service on 31 Dec, by each row's own class and direction. Errors: InvalidArgument
// when year is outside 2..9999; any error of `source` as it is.
// With options.paper_source == kPurchases, paper_change_pct and recycled_share_pct are the
// purchase values (PurchaseFigures). A direction named only by purchases gets a scope of its own.
// With `year_usage`, also the organisation's usage of N from the same attribution pass, with
// its per-device sums (by_device) and its users without a direction filled (the dashboard's
// devices and data-quality pages).
Result<IndicatorReport> ComputeIndicators(store::UsageSource& source, int year,
                                          const IndicatorOptions& options = {},
                                          ScopeUsage* year_usage = nullptr);

// The report with the organisation, the unclassified queues and only the direction named
// `name` (byte-exact match).
// NotFound, listing the known directions, when the report has no such direction.
Result<IndicatorReport> FilterDirection(const IndicatorReport& report, const std::string& name);

}  // namespace ramette::aggregator::indicators

#endif  // RAMETTE_AGGREGATOR_INDICATORS_INDICATORS_H_
